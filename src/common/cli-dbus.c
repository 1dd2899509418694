/* cli-dbus.c: what the daemon and its clients share of dev.pi.Keyring1: the
 * error names, the session bus connection and the backend's path
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli-dbus.h"

/* How long a question to the bus itself may take: it answers at once, or
 * it is not worth waiting for. Also how long the connection may take when
 * the backend does not need the bus (a file): then the daemon is skipped. */
#define BUS_TIMEOUT_MS 1000

/* --- errors --- */

/* The library registers the dev.pi.Keyring1.Error.* names of its domain
 * (pi-keyring-error.c) when the quark is first made. */
void
cli_dbus_register_errors (void)
{
  (void) PI_KEYRING_ERROR;
}

/* --- attention --- */

char *
cli_dbus_describe_attention (const char *reason,
                             gint64      retry_at)
{
  g_return_val_if_fail (reason != NULL, NULL);

  if (g_str_equal (reason, CLI_DBUS_ATTENTION_NEEDS_LOGIN))
    /* Translators: why a credential needs attention, in “pi-keyring list” and “status” */
    return g_strdup (_("log in again"));

  if (g_str_equal (reason, CLI_DBUS_ATTENTION_LOCKED))
    return g_strdup (_("keyring locked"));

  if (g_str_equal (reason, "dev.pi.Keyring1.Error.Temporary") ||
      g_str_equal (reason, "dev.pi.Keyring1.Error.RateLimited"))
    {
      g_autofree char *time = NULL;

      if (retry_at <= 0)
        return g_strdup (_("refresh failing for now"));
      time = cli_format_time (retry_at);
      /* Translators: %s is a time, such as "2026-03-15 20:15:00" */
      return g_strdup_printf (_("refresh failing for now; tried again after %s"), time);
    }

  return g_strdup (_("refresh failed"));
}

/* --- the session bus --- */

static gboolean
address_may_autolaunch (const char *address)
{
  g_auto(GStrv) entries = g_strsplit (address, ";", -1);

  for (guint i = 0; entries[i] != NULL; i++)
    if (g_str_has_prefix (g_strstrip (entries[i]), "autolaunch:"))
      return TRUE;

  return FALSE;
}

gboolean
cli_dbus_session_bus_reachable (void)
{
  const char *address = g_getenv ("DBUS_SESSION_BUS_ADDRESS");
  g_autofree char *socket_path = NULL;
  struct stat st;

  if (address != NULL && *address != '\0')
    return !address_may_autolaunch (address);

  socket_path = g_build_filename (g_get_user_runtime_dir (), "bus", NULL);
  return stat (socket_path, &st) == 0 && S_ISSOCK (st.st_mode);
}

guint
cli_dbus_get_timeout_ms (void)
{
  /* As the library reads it (DESIGN §4.1): seconds, default 5. */
  const char *value = g_getenv ("PI_KEYRING_TIMEOUT");
  char *end = NULL;
  double seconds;

  if (value == NULL || *value == '\0')
    return 5000;

  seconds = g_ascii_strtod (value, &end);
  if (end == value || *end != '\0' || !(seconds > 0) || seconds > 3600)
    return 5000;

  return (guint) (seconds * 1000);
}

GError *
cli_dbus_bus_timeout_error (guint timeout_ms)
{
  if (timeout_ms % 1000 == 0)
    return g_error_new (PI_KEYRING_ERROR, PI_KEYRING_ERROR_UNAVAILABLE,
                        ngettext ("The session bus did not answer within %u second.",
                                  "The session bus did not answer within %u seconds.",
                                  timeout_ms / 1000),
                        timeout_ms / 1000);

  return g_error_new (PI_KEYRING_ERROR, PI_KEYRING_ERROR_UNAVAILABLE,
                      _("The session bus did not answer within %.1f seconds."),
                      timeout_ms / 1000.0);
}

/* The wait for the connection: heap-held, since g_bus_get () may call
 * back after the waiter gave up (its cancellation ends a blocked
 * handshake, in GDBus's thread, some time later). */
typedef struct
{
  GDBusConnection *bus;
  GError          *error;
  gboolean         done;
} BusWait;

static void
bus_wait_free (BusWait *wait)
{
  g_clear_object (&wait->bus);
  g_clear_error (&wait->error);
}

static void
on_bus (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  BusWait *wait = user_data;

  wait->bus = g_bus_get_finish (result, &wait->error);
  wait->done = TRUE;
  g_rc_box_release_full (wait, (GDestroyNotify) bus_wait_free);
}

static gboolean
on_bus_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

GDBusConnection *
cli_dbus_get_session_bus (guint    timeout_ms,
                          GError **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GSource) timer = g_timeout_source_new (timeout_ms);
  BusWait *wait = g_rc_box_new0 (BusWait);
  GDBusConnection *bus = NULL;
  gboolean timed_out = FALSE;

  g_source_set_callback (timer, on_bus_timeout, &timed_out, NULL);
  g_source_attach (timer, context);

  g_main_context_push_thread_default (context);
  g_bus_get (G_BUS_TYPE_SESSION, cancellable, on_bus, g_rc_box_acquire (wait));
  while (!wait->done && !timed_out)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  g_source_destroy (timer);

  if (wait->done)
    {
      bus = g_steal_pointer (&wait->bus);
      if (bus == NULL)
        g_propagate_error (error, g_steal_pointer (&wait->error));
    }
  else
    {
      /* on_bus () runs only if this context is iterated again: it is not,
       * and its reference to @wait goes with the process. */
      g_cancellable_cancel (cancellable);
      g_propagate_error (error, cli_dbus_bus_timeout_error (timeout_ms));
    }
  g_rc_box_release_full (wait, (GDestroyNotify) bus_wait_free);

  return bus;
}

/* --- the daemon's backend --- */

char *
cli_dbus_get_backend_path (PiKeyringBackend *backend)
{
  const char *name = pi_keyring_backend_get_name (backend);

  if (g_str_equal (name, "file") || g_str_equal (name, "encrypted-file"))
    return pi_keyring_backend_get_location (backend);

  return g_strdup ("");
}
