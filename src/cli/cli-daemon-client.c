/* cli-daemon-client.c: `pi-keyring get`, `list` and `export` asking a running
 * pi-keyring daemon
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "cli-daemon-client.h"

/* How long a question to the bus itself may take: it answers at once, or
 * it is not worth waiting for. Also how long the connection may take when
 * the backend does not need the bus (a file): then the daemon is skipped. */
#define BUS_TIMEOUT_MS 1000
/* GetApiKey may refresh a token first: the keyring, the cross-process lock
 * and a token request of 30 s at most. */
#define GET_API_KEY_TIMEOUT_MS 60000

static GVariant *
call_bus (GDBusConnection     *bus,
          const char          *method,
          GVariant            *parameters,
          const GVariantType  *reply_type,
          GError             **error)
{
  return g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                      "org.freedesktop.DBus", method, parameters, reply_type,
                                      G_DBUS_CALL_FLAGS_NO_AUTO_START, BUS_TIMEOUT_MS,
                                      NULL, error);
}

/* The unique name of the daemon when one owns its name and runs as this
 * user; NULL otherwise. GetNameOwner, like NameHasOwner, never starts the
 * daemon: only a call to the well-known name could, and every call here
 * goes to the unique name with NO_AUTO_START. */
static char *
find_daemon (GDBusConnection *bus)
{
  g_autoptr(GVariant) owner = NULL;
  g_autoptr(GVariant) uid = NULL;
  g_autoptr(GError) error = NULL;
  const char *unique_name;
  guint32 daemon_uid;

  owner = call_bus (bus, "GetNameOwner", g_variant_new ("(s)", CLI_DBUS_NAME),
                    G_VARIANT_TYPE ("(s)"), &error);
  if (owner == NULL)
    {
      /* NameHasNoOwner: no daemon runs, the usual case. */
      g_debug ("No pi-keyring daemon: %s", error->message);
      return NULL;
    }
  g_variant_get (owner, "(&s)", &unique_name);

  /* The session bus is the user's own; still, a key is only taken from a
   * daemon of this user. */
  uid = call_bus (bus, "GetConnectionUnixUser", g_variant_new ("(s)", unique_name),
                  G_VARIANT_TYPE ("(u)"), &error);
  if (uid == NULL)
    {
      g_debug ("The pi-keyring daemon's user is unknown: %s", error->message);
      return NULL;
    }
  g_variant_get (uid, "(u)", &daemon_uid);
  if (daemon_uid != (guint32) getuid ())
    {
      g_debug ("The pi-keyring daemon runs as another user (%u)", daemon_uid);
      return NULL;
    }

  return g_strdup (unique_name);
}

/* Whether the daemon at @unique_name keeps its credentials where @backend
 * does: the same backend name and, for the file backends, the same file.
 * The memory backend is a process's own: never the same. */
static gboolean
daemon_has_backend (GDBusConnection  *bus,
                    const char       *unique_name,
                    PiKeyringBackend *backend)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) properties = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  const char *name = pi_keyring_backend_get_name (backend);
  const char *daemon_name = NULL, *daemon_path = NULL;

  if (g_str_equal (name, "memory"))
    return FALSE;

  reply = g_dbus_connection_call_sync (bus, unique_name, CLI_DBUS_PATH,
                                       "org.freedesktop.DBus.Properties", "GetAll",
                                       g_variant_new ("(s)", CLI_DBUS_INTERFACE),
                                       G_VARIANT_TYPE ("(a{sv})"),
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, BUS_TIMEOUT_MS,
                                       NULL, &error);
  if (reply == NULL)
    {
      g_debug ("The pi-keyring daemon did not say its backend: %s", error->message);
      return FALSE;
    }

  properties = g_variant_get_child_value (reply, 0);
  if (!g_variant_lookup (properties, "Backend", "&s", &daemon_name) ||
      !g_variant_lookup (properties, "BackendPath", "&s", &daemon_path))
    return FALSE;

  if (!g_str_equal (name, daemon_name))
    {
      g_debug ("The pi-keyring daemon uses the %s backend, not %s", daemon_name, name);
      return FALSE;
    }

  path = cli_dbus_get_backend_path (backend);
  if (*path != '\0' || *daemon_path != '\0')
    return cli_same_file (path, daemon_path);

  return TRUE;
}

/* Whether the daemon's @error is its answer (it tried the stored
 * credential and failed, as this process would fail), rather than a reason
 * to look further alone: nothing stored in the backend (auth.json and the
 * environment remain), an entry only the caller can resolve, or anything
 * else that went wrong on the way. */
static gboolean
is_final_error (const GError *error)
{
  if (error->domain != PI_KEYRING_ERROR)
    return FALSE;

  switch ((PiKeyringError) error->code)
    {
    case PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED:
    case PI_KEYRING_ERROR_RATE_LIMITED:
    case PI_KEYRING_ERROR_TEMPORARY:
    case PI_KEYRING_ERROR_LOCKED:
      return TRUE;

    case PI_KEYRING_ERROR_FAILED:
    case PI_KEYRING_ERROR_NOT_FOUND:
    case PI_KEYRING_ERROR_UNAVAILABLE:
    case PI_KEYRING_ERROR_PARSE:
    case PI_KEYRING_ERROR_INVALID_ARGUMENT:
    case PI_KEYRING_ERROR_COMMAND_FAILED:
    case PI_KEYRING_ERROR_ACCESS_DENIED:
    case PI_KEYRING_ERROR_WRONG_PASSPHRASE:
    default:
      return FALSE;
    }
}

/* Calls @method of the daemon that uses @backend, when one runs: NULL
 * with *answer set otherwise (NOT_ASKED, or FAILED with @error set when
 * the daemon's error is its answer). */
static GVariant *
call_daemon (PiKeyringBackend    *backend,
             const char          *method,
             GVariant            *parameters,
             const GVariantType  *reply_type,
             CliDaemonAnswer     *answer,
             GError             **error)
{
  g_autoptr(GVariant) owned_parameters = g_variant_ref_sink (parameters);
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *unique_name = NULL;
  gboolean needs_bus = g_str_equal (pi_keyring_backend_get_name (backend), "secret-service");
  GVariant *reply;

  *answer = CLI_DAEMON_NOT_ASKED;

  if (g_str_equal (pi_keyring_backend_get_name (backend), "memory") ||
      !cli_dbus_session_bus_reachable ())
    return NULL;

  /* The Secret Service backend needs the bus: one that does not answer in
   * PI_KEYRING_TIMEOUT is the answer (exit 5). A file backend does not:
   * after a short wait, the file is read without the daemon. */
  bus = cli_dbus_get_session_bus (needs_bus ? cli_dbus_get_timeout_ms ()
                                            : MIN (BUS_TIMEOUT_MS, cli_dbus_get_timeout_ms ()),
                                  &local_error);
  if (bus == NULL)
    {
      g_debug ("No session bus: %s", local_error->message);
      if (needs_bus && g_error_matches (local_error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_UNAVAILABLE))
        {
          *answer = CLI_DAEMON_FAILED;
          g_propagate_error (error, g_steal_pointer (&local_error));
        }
      return NULL;
    }

  unique_name = find_daemon (bus);
  if (unique_name == NULL || !daemon_has_backend (bus, unique_name, backend))
    return NULL;

  cli_dbus_register_errors ();
  g_debug ("Asking the pi-keyring daemon %s: %s", unique_name, method);
  reply = g_dbus_connection_call_sync (bus, unique_name, CLI_DBUS_PATH, CLI_DBUS_INTERFACE,
                                       method, owned_parameters, reply_type,
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, GET_API_KEY_TIMEOUT_MS,
                                       NULL, &local_error);
  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (local_error);
      if (is_final_error (local_error))
        {
          *answer = CLI_DAEMON_FAILED;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }

      g_debug ("The pi-keyring daemon did not answer %s (%s); looking alone",
               method, local_error->message);
      return NULL;
    }

  *answer = CLI_DAEMON_ANSWERED;
  return reply;
}

CliDaemonAnswer
cli_dbus_daemon_answer_from_error (const char  *error_name,
                                   const char  *message,
                                   GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (error_name != NULL, CLI_DAEMON_NOT_ASKED);
  g_return_val_if_fail (message != NULL, CLI_DAEMON_NOT_ASKED);

  /* As GDBus makes it from a reply, domain and code from the name */
  cli_dbus_register_errors ();
  local_error = g_dbus_error_new_for_dbus_error (error_name, message);
  g_dbus_error_strip_remote_error (local_error);
  if (is_final_error (local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return CLI_DAEMON_FAILED;
    }

  g_debug ("The pi-keyring daemon did not answer GetApiKey (%s); looking alone",
           local_error->message);
  return CLI_DAEMON_NOT_ASKED;
}

CliDaemonAnswer
cli_dbus_daemon_list_credentials (PiKeyringBackend  *backend,
                                  GVariant         **out_credentials,
                                  GError           **error)
{
  g_autoptr(GVariant) reply = NULL;
  CliDaemonAnswer answer;

  g_return_val_if_fail (PI_KEYRING_IS_BACKEND (backend), CLI_DAEMON_NOT_ASKED);
  g_return_val_if_fail (out_credentials != NULL, CLI_DAEMON_NOT_ASKED);

  *out_credentials = NULL;
  reply = call_daemon (backend, "ListCredentials", g_variant_new ("()"),
                       G_VARIANT_TYPE ("(aa{sv})"), &answer, error);
  if (reply != NULL)
    *out_credentials = g_variant_get_child_value (reply, 0);

  return answer;
}

CliDaemonAnswer
cli_dbus_daemon_export_credentials (PiKeyringBackend  *backend,
                                    GPtrArray        **out_credentials,
                                    GError           **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) entries = NULL;
  g_autoptr(GPtrArray) credentials = NULL;
  const char *profile = cli_get_profile ();
  CliDaemonAnswer answer;
  GVariantIter iter;
  const char *provider, *json;

  g_return_val_if_fail (PI_KEYRING_IS_BACKEND (backend), CLI_DAEMON_NOT_ASKED);
  g_return_val_if_fail (out_credentials != NULL, CLI_DAEMON_NOT_ASKED);

  *out_credentials = NULL;
  /* Only the keyring costs a call per item alone; a daemon does not
   * export an encrypted file (its passphrase does). */
  if (!g_str_equal (pi_keyring_backend_get_name (backend), "secret-service") ||
      !g_utf8_validate (profile, -1, NULL))
    return CLI_DAEMON_NOT_ASKED;

  reply = call_daemon (backend, "ExportCredentials", g_variant_new ("(s)", profile),
                       G_VARIANT_TYPE ("(a(ss))"), &answer, error);
  if (reply == NULL)
    return answer;

  entries = g_variant_get_child_value (reply, 0);
  credentials = g_ptr_array_new_with_free_func (g_object_unref);
  g_variant_iter_init (&iter, entries);
  while (g_variant_iter_next (&iter, "(&s&s)", &provider, &json))
    {
      g_autoptr(GError) local_error = NULL;
      PiKeyringCredential *credential = NULL;

      if (credentials != NULL)
        credential = pi_keyring_credential_new_from_json (provider, profile, json, -1,
                                                          &local_error);
      /* Every entry of the reply is wiped: its buffer is ours alone now. */
      explicit_bzero ((char *) json, strlen (json));
      if (credential != NULL)
        g_ptr_array_add (credentials, credential);
      else if (credentials != NULL)
        {
          /* The daemon read it from the same backend: ask that alone. */
          g_debug ("The pi-keyring daemon's entry of %s was not understood (%s); "
                   "looking alone", provider, local_error->message);
          g_clear_pointer (&credentials, g_ptr_array_unref);
        }
    }

  if (credentials == NULL)
    return CLI_DAEMON_NOT_ASKED;

  *out_credentials = g_steal_pointer (&credentials);
  return CLI_DAEMON_ANSWERED;
}

CliDaemonAnswer
cli_dbus_daemon_get_api_key (PiKeyringBackend  *backend,
                             const char        *provider,
                             char             **out_key,
                             GError           **error)
{
  g_autoptr(GVariant) reply = NULL;
  CliDaemonAnswer answer;
  const char *key;

  g_return_val_if_fail (PI_KEYRING_IS_BACKEND (backend), CLI_DAEMON_NOT_ASKED);
  g_return_val_if_fail (out_key != NULL, CLI_DAEMON_NOT_ASKED);

  *out_key = NULL;
  /* D-Bus strings are UTF-8: another name is none the daemon can know. */
  if (!g_utf8_validate (provider, -1, NULL) || !g_utf8_validate (cli_get_profile (), -1, NULL))
    return CLI_DAEMON_NOT_ASKED;

  reply = call_daemon (backend, "GetApiKey", g_variant_new ("(ss)", provider, cli_get_profile ()),
                       G_VARIANT_TYPE ("(s)"), &answer, error);
  if (reply == NULL)
    return answer;

  g_variant_get (reply, "(&s)", &key);
  *out_key = g_strdup (key);
  /* The reply's copy is wiped too: its buffer is ours alone now. */
  explicit_bzero ((char *) key, strlen (key));

  return CLI_DAEMON_ANSWERED;
}
