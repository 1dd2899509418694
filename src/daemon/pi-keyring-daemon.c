/* pi-keyring-daemon.c: the pi-keyring daemon, which keeps the OAuth tokens fresh and
 * serves dev.pi.Keyring1 (data/dev.pi.Keyring1.xml) on the session bus
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>

#include "pi-keyring-daemon.h"

#include "cli-dbus.h"
#include "daemon-private.h"


/* "pi-keyring daemon: message" on stderr, which is the journal under systemd. */
static void
say (const char *format,
     ...) G_GNUC_PRINTF (1, 2);

static void
say (const char *format,
     ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("%s: %s\n", g_get_prgname (), message);
}

static void
daemon_quit (Daemon *daemon,
             int     status)
{
  daemon->status = MAX (daemon->status, status);
  g_main_loop_quit (daemon->loop);
}

/* --- the stores, one per profile --- */

static void
on_credential_changed (PiKeyringStore *store,
                       const char     *provider,
                       Daemon         *daemon)
{
  const char *profile = pi_keyring_store_get_profile (store);

  g_debug ("CredentialChanged (%s, %s)", provider, profile);
  daemon_dbus_keyring1_emit_credential_changed (daemon->skeleton, provider, profile);
  /* Refreshed, logged in again or removed: a notification about it is moot. */
  if (daemon->notifier != NULL)
    daemon_notifier_withdraw (daemon->notifier, provider, profile);
  /* The objects follow, the daemon's own refreshes included. */
  if (daemon->objects != NULL)
    daemon_objects_rescan (daemon->objects);
}

/* A failed refresh, while the credential's expiry is looked up. */
typedef struct
{
  DaemonNotifier *notifier;
  char           *provider;
  char           *profile;
  GError         *error;
} FailedRefresh;

static void
on_failed_credential (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  FailedRefresh *failed = user_data;
  g_autoptr(PiKeyringCredential) credential = NULL;
  gint64 expires = -1;

  credential = pi_keyring_store_get_credential_finish (PI_KEYRING_STORE (source), result, NULL);
  if (credential != NULL && pi_keyring_credential_get_kind (credential) == PI_KEYRING_CREDENTIAL_KIND_OAUTH)
    expires = pi_keyring_credential_get_expires (credential);

  daemon_notifier_refresh_failed (failed->notifier, failed->provider, failed->profile,
                               failed->error, expires);

  g_free (failed->provider);
  g_free (failed->profile);
  g_error_free (failed->error);
  g_free (failed);
}

static void
on_refresh_failed (PiKeyringStore *store,
                   const char     *provider,
                   const GError   *error,
                   Daemon         *daemon)
{
  const char *profile = pi_keyring_store_get_profile (store);
  const char *message = error != NULL ? error->message : "";
  g_autofree char *error_name = daemon_error_name_for (error);

  /* The library's messages never contain a token. */
  say (_("Could not refresh the OAuth token of “%s” (profile “%s”): %s"),
       provider, profile, message);
  daemon_dbus_keyring1_emit_refresh_failed (daemon->skeleton, provider, profile, message,
                                            error_name);
  if (daemon->objects != NULL)
    daemon_objects_refresh_failed (daemon->objects, provider, profile, error_name, message);

  if (error == NULL || daemon->notifier == NULL)
    return;

  /* Only a temporary failure needs the token's expiry, from the keyring. */
  if (!daemon_notifier_needs_expiry (error))
    daemon_notifier_refresh_failed (daemon->notifier, provider, profile, error, -1);
  else
    {
      FailedRefresh *failed = g_new0 (FailedRefresh, 1);

      failed->notifier = daemon->notifier;
      failed->provider = g_strdup (provider);
      failed->profile = g_strdup (profile);
      failed->error = g_error_copy (error);
      pi_keyring_store_get_credential_async (store, provider, NULL, on_failed_credential, failed);
    }
}

/* The store of @profile ("" or NULL: the daemon's own), made on first use. */
PiKeyringStore *
daemon_get_store (Daemon     *daemon,
                  const char *profile)
{
  PiKeyringStore *store;

  if (profile == NULL || *profile == '\0')
    profile = daemon->profile;

  store = g_hash_table_lookup (daemon->stores, profile);
  if (store != NULL)
    return store;

  g_debug ("Watching the credentials of profile %s", profile);
  store = pi_keyring_store_new (daemon->backend);
  pi_keyring_store_set_profile (store, profile);
  /* pi's auth.json has no profiles: the store of the daemon's own profile
   * alone watches and refreshes what it holds, not one store per profile. */
  if (!g_str_equal (profile, daemon->profile))
    pi_keyring_store_set_auth_file (store, "");
  g_signal_connect (store, "credential-changed", G_CALLBACK (on_credential_changed), daemon);
  g_signal_connect (store, "refresh-failed", G_CALLBACK (on_refresh_failed), daemon);
  pi_keyring_store_set_auto_refresh (store, TRUE);
  g_hash_table_insert (daemon->stores, g_strdup (profile), store);

  return store;
}

static void
daemon_drop_stores (Daemon *daemon)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, daemon->stores);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_signal_handlers_disconnect_by_data (value, daemon);
  g_hash_table_remove_all (daemon->stores);
}

/* At start: a store (and so a scheduler) for every profile that holds an
 * OAuth credential, not only for the default one. */
static void
on_startup_listed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Daemon *daemon = user_data;
  g_autoptr(GPtrArray) credentials = NULL;
  g_autoptr(GError) error = NULL;

  credentials = pi_keyring_backend_list_finish (PI_KEYRING_BACKEND (source), result, &error);
  if (credentials == NULL)
    {
      say (_("Could not list the stored credentials: %s"), error->message);
      return;
    }

  for (guint i = 0; i < credentials->len; i++)
    {
      PiKeyringCredential *credential = credentials->pdata[i];

      if (pi_keyring_credential_get_kind (credential) == PI_KEYRING_CREDENTIAL_KIND_OAUTH)
        daemon_get_store (daemon, pi_keyring_credential_get_profile (credential));
    }
  g_debug ("Watching %u profiles", g_hash_table_size (daemon->stores));
}

/* --- the credential objects --- */

/* A change in the backend, by anyone. The store of a profile tells of its
 * own (on_credential_changed); a profile without one is told here, and
 * gets one when it holds an OAuth credential, to keep it fresh. */
static void
on_object_changed (const char          *provider,
                   const char          *profile,
                   PiKeyringCredential *credential,
                   gpointer             user_data)
{
  Daemon *daemon = user_data;

  if (g_hash_table_contains (daemon->stores, profile))
    return;

  g_debug ("CredentialChanged (%s, %s)", provider, profile);
  daemon_dbus_keyring1_emit_credential_changed (daemon->skeleton, provider, profile);
  if (daemon->notifier != NULL)
    daemon_notifier_withdraw (daemon->notifier, provider, profile);

  if (credential != NULL &&
      pi_keyring_credential_get_kind (credential) == PI_KEYRING_CREDENTIAL_KIND_OAUTH)
    daemon_get_store (daemon, profile);
}

/* --- the bus name --- */

/* The store of the default profile, then one for each profile the backend
 * holds (on_startup_listed), each refreshing its tokens when due. */
static void
daemon_start_refreshing (Daemon *daemon)
{
  daemon_get_store (daemon, NULL);
  pi_keyring_backend_list_async (daemon->backend, NULL, NULL, on_startup_listed, daemon);
}

static void
on_name_acquired (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  Daemon *daemon = user_data;

  daemon->name_acquired = TRUE;
  say (_("Serving %s on the session bus; credentials are kept by the %s backend."),
       name, pi_keyring_backend_get_name (daemon->backend));

  if (daemon->objects == NULL)
    daemon->objects = daemon_objects_new (daemon->bus, CLI_DBUS_PATH, daemon->backend,
                                          daemon_requests_object_call, on_object_changed,
                                          daemon);

  /* Only now, when no other daemon refreshes the same tokens. */
  daemon_start_refreshing (daemon);
}

static void
on_name_lost (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  Daemon *daemon = user_data;

  if (connection == NULL || g_dbus_connection_is_closed (connection))
    {
      say (_("The connection to the session bus was lost."));
      daemon_quit (daemon, CLI_EXIT_FAILURE);
    }
  else if (daemon->name_acquired)
    {
      say (_("Another pi-keyring daemon took over %s; exiting."), name);
      daemon->name_replaced = TRUE;
      daemon_quit (daemon, CLI_EXIT_OK);
    }
  else
    {
      say (_("Another program already owns %s on this session bus: is a pi-keyring daemon "
             "running? “pi-keyring daemon --replace” takes its place."), name);
      daemon_quit (daemon, CLI_EXIT_FAILURE);
    }
}

static gboolean
on_quit_signal (gpointer user_data)
{
  Daemon *daemon = user_data;

  g_debug ("Asked to stop");
  daemon_quit (daemon, CLI_EXIT_OK);

  return G_SOURCE_CONTINUE;
}

static gboolean
daemon_export (Daemon  *daemon,
               GError **error)
{
  g_autofree char *path = cli_dbus_get_backend_path (daemon->backend);

  cli_dbus_register_errors ();

  daemon->skeleton = daemon_dbus_keyring1_skeleton_new ();
  daemon_dbus_keyring1_set_backend (daemon->skeleton, pi_keyring_backend_get_name (daemon->backend));
  daemon_dbus_keyring1_set_backend_path (daemon->skeleton, path);
  daemon_dbus_keyring1_set_version (daemon->skeleton, PACKAGE_VERSION);

  daemon_requests_connect (daemon);

  return g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (daemon->skeleton),
                                           daemon->bus, CLI_DBUS_PATH, error);
}

int
pi_keyring_daemon_main (const CliCommand  *command,
                        int                argc,
                        char             **argv)
{
  gboolean replace = FALSE;
  const GOptionEntry entries[] = {
    { "replace", 0, 0, G_OPTION_ARG_NONE, &replace,
      N_("Take the place of a pi-keyring daemon that is already running"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = cli_option_context_new (command, NULL, entries);
  g_autoptr(GError) error = NULL;
  GBusNameOwnerFlags flags;
  Daemon daemon = { 0 };
  gboolean have_bus;
  guint sigterm_id, sigint_id;

  g_option_context_set_description (context,
                                    N_("Keeps the stored OAuth tokens fresh: each is refreshed "
                                       "five minutes before it expires, with no client asking. "
                                       "Serves the keys on the session bus as dev.pi.Keyring1, "
                                       "to its own user only; “pi-keyring get” asks it when it "
                                       "runs. The session bus starts it on demand and systemd "
                                       "runs it as the user unit pi-keyring.service. It never "
                                       "starts a session bus. SIGTERM and SIGINT stop it."));
  if (!cli_option_context_parse (context, &argc, &argv) ||
      !cli_check_arguments (argc, 0, 0))
    return CLI_EXIT_USAGE;
  if (!cli_check_backend_name ())
    return CLI_EXIT_USAGE;

  have_bus = cli_dbus_session_bus_reachable ();

  daemon.backend = cli_open_backend (&error);
  if (daemon.backend == NULL)
    return cli_report_error (error);

  if (!have_bus && g_str_equal (pi_keyring_backend_get_name (daemon.backend), "secret-service"))
    {
      cli_error (_("No session bus is running: DBUS_SESSION_BUS_ADDRESS is not set, or asks "
                   "for an autolaunched bus, and there is no bus socket in "
                   "$XDG_RUNTIME_DIR. pi-keyring never starts one, and the secret-service "
                   "backend needs one."));
      g_clear_object (&daemon.backend);
      return CLI_EXIT_UNAVAILABLE;
    }

  daemon.profile = cli_get_profile ();
  daemon.stores = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  daemon.loop = g_main_loop_new (NULL, FALSE);

  if (!have_bus)
    {
      /* A headless machine with auth.json or the vault: the tokens still
       * want refreshing. Nothing is served and nobody is notified; two
       * such daemons are safe, as the refresh takes pi's file lock. */
      say (_("No session bus is running (DBUS_SESSION_BUS_ADDRESS is not set, or asks for an "
             "autolaunched bus, and there is no bus socket in $XDG_RUNTIME_DIR): not serving %s "
             "and sending no desktop notifications; keeping the tokens of the %s backend "
             "fresh all the same."),
           CLI_DBUS_NAME, pi_keyring_backend_get_name (daemon.backend));
      /* Never exported: its signals go nowhere. */
      daemon.skeleton = daemon_dbus_keyring1_skeleton_new ();

      sigterm_id = g_unix_signal_add (SIGTERM, on_quit_signal, &daemon);
      sigint_id = g_unix_signal_add (SIGINT, on_quit_signal, &daemon);
      daemon_start_refreshing (&daemon);
      g_main_loop_run (daemon.loop);
      g_source_remove (sigterm_id);
      g_source_remove (sigint_id);
      daemon_drop_stores (&daemon);
      goto out;
    }

  daemon.bus = cli_dbus_get_session_bus (cli_dbus_get_timeout_ms (), &error);
  if (daemon.bus == NULL || !daemon_export (&daemon, &error))
    {
      cli_error (_("Could not serve %s on the session bus: %s"), CLI_DBUS_NAME, error->message);
      daemon.status = CLI_EXIT_UNAVAILABLE;
      goto out;
    }
  daemon.notifier = daemon_notifier_new (daemon.bus);
  /* A closed bus ends the loop through on_name_lost, not the process. */
  g_dbus_connection_set_exit_on_close (daemon.bus, FALSE);

  sigterm_id = g_unix_signal_add (SIGTERM, on_quit_signal, &daemon);
  sigint_id = g_unix_signal_add (SIGINT, on_quit_signal, &daemon);

  flags = G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT | G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE;
  if (replace)
    flags |= G_BUS_NAME_OWNER_FLAGS_REPLACE;
  daemon.owner_id = g_bus_own_name_on_connection (daemon.bus, CLI_DBUS_NAME, flags,
                                                  on_name_acquired, on_name_lost,
                                                  &daemon, NULL);

  g_main_loop_run (daemon.loop);

  /* A name taken over is gone already: releasing it would only warn. */
  if (!daemon.name_replaced)
    g_bus_unown_name (daemon.owner_id);
  daemon.owner_id = 0;
  g_source_remove (sigterm_id);
  g_source_remove (sigint_id);
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (daemon.skeleton));
  g_clear_pointer (&daemon.objects, daemon_objects_free);
  daemon_drop_stores (&daemon);
  g_clear_pointer (&daemon.notifier, daemon_notifier_free);
  /* The name is released before the process goes. */
  g_dbus_connection_flush_sync (daemon.bus, NULL, NULL);

out:
  g_clear_object (&daemon.skeleton);
  g_clear_object (&daemon.bus);
  g_clear_pointer (&daemon.stores, g_hash_table_unref);
  g_clear_pointer (&daemon.loop, g_main_loop_unref);
  g_clear_object (&daemon.backend);

  return daemon.status;
}
