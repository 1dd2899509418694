/* daemon-requests.c: the pi-keyring daemon's answers to its method calls:
 * dev.pi.Keyring1's GetApiKey, ListCredentials, ExportCredentials and
 * Refresh, and the Credential objects' GetAccessToken, EnsureCredentials and
 * Refresh (data/dev.pi.Keyring1.xml), each after the caller was found to
 * run as the daemon's user
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "cli-dbus.h"
#include "daemon-private.h"

/* The D-Bus error name @error crosses the bus as (dev.pi.Keyring1.Error.…). */
char *
daemon_error_name_for (const GError *error)
{
  g_autoptr(GError) ours = NULL;

  if (error == NULL)
    ours = g_error_new_literal (PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED, "");
  else if (error->domain != PI_KEYRING_ERROR)
    ours = g_error_new_literal (PI_KEYRING_ERROR, cli_error_code_for_foreign_error (error), "");
  else
    ours = g_error_copy (error);

  return g_dbus_error_encode_gerror (ours);
}

/* --- requests --- */

typedef enum
{
  REQUEST_GET_API_KEY,
  REQUEST_LIST_CREDENTIALS,
  REQUEST_EXPORT_CREDENTIALS,
  REQUEST_REFRESH,
  /* dev.pi.Keyring1.Credential's, on a credential's object */
  REQUEST_GET_ACCESS_TOKEN,
  REQUEST_ENSURE_CREDENTIALS,
} RequestKind;

typedef struct
{
  Daemon                *daemon;
  GDBusMethodInvocation *invocation;  /* owned until the reply */
  RequestKind            kind;
  char                  *provider;
  char                  *profile;     /* of an export */
  PiKeyringStore        *store;
  char                  *key;         /* of GetAccessToken, until its expiry is known */
} Request;

static Request *
request_new (Daemon                *daemon,
             GDBusMethodInvocation *invocation,
             RequestKind            kind,
             const char            *provider)
{
  Request *request = g_new0 (Request, 1);

  request->daemon = daemon;
  request->invocation = g_object_ref (invocation);
  request->kind = kind;
  request->provider = g_strdup (provider);

  return request;
}

static void
request_free (Request *request)
{
  /* Every request is answered before it is freed. */
  g_assert (request->invocation == NULL);

  g_free (request->provider);
  g_free (request->profile);
  g_clear_pointer (&request->key, cli_secret_free);
  g_clear_object (&request->store);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

static void
request_return_error (Request      *request,
                      const GError *error)
{
  GDBusMethodInvocation *invocation = g_steal_pointer (&request->invocation);

  g_debug ("%s: %s", g_dbus_method_invocation_get_method_name (invocation), error->message);

  if (error->domain == PI_KEYRING_ERROR)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    g_dbus_method_invocation_return_error_literal (invocation, PI_KEYRING_ERROR,
                                                   cli_error_code_for_foreign_error (error),
                                                   error->message);
}

static void
request_return_new_error (Request    *request,
                          int         code,
                          const char *format,
                          ...) G_GNUC_PRINTF (3, 4);

static void
request_return_new_error (Request    *request,
                          int         code,
                          const char *format,
                          ...)
{
  g_autoptr(GError) error = NULL;
  va_list args;

  va_start (args, format);
  error = g_error_new_valist (PI_KEYRING_ERROR, code, format, args);
  va_end (args);

  request_return_error (request, error);
}

/* --- GetApiKey --- */

/* pi reads such a value as the name of an environment variable when one of
 * that name is set: the caller's environment, not the daemon's. */
static gboolean
looks_like_variable_name (const char *value)
{
  if (!g_ascii_isalpha (value[0]) && value[0] != '_')
    return FALSE;

  for (const char *p = value + 1; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      return FALSE;

  return TRUE;
}

/* GetAccessToken and EnsureCredentials: with the expiry of the credential
 * as the backend holds it now, refreshed or not. */
static void
on_expiry_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;
  gint64 expires = 0;

  credential = pi_keyring_backend_lookup_finish (PI_KEYRING_BACKEND (source), result, &error);
  if (error != NULL)
    {
      request_return_error (request, error);
      return;
    }
  if (credential != NULL &&
      pi_keyring_credential_get_kind (credential) == PI_KEYRING_CREDENTIAL_KIND_OAUTH &&
      pi_keyring_credential_has_expires (credential))
    expires = pi_keyring_credential_get_expires (credential);

  if (request->kind == REQUEST_GET_ACCESS_TOKEN)
    g_dbus_method_invocation_return_value (g_steal_pointer (&request->invocation),
                                           g_variant_new ("(sx)", request->key, expires));
  else
    g_dbus_method_invocation_return_value (g_steal_pointer (&request->invocation),
                                           g_variant_new ("(x)", expires));
}

static void
return_key (Request    *request,
            const char *key)
{
  Request *pending;

  if (request->kind == REQUEST_GET_API_KEY)
    {
      daemon_dbus_keyring1_complete_get_api_key (request->daemon->skeleton,
                                                 g_steal_pointer (&request->invocation), key);
      return;
    }

  pending = request_new (request->daemon, g_steal_pointer (&request->invocation),
                         request->kind, request->provider);
  g_object_unref (pending->invocation);  /* request_new took its own */
  pending->store = g_object_ref (request->store);
  if (pending->kind == REQUEST_GET_ACCESS_TOKEN)
    pending->key = g_strdup (key);
  pi_keyring_backend_lookup_async (pending->daemon->backend, pending->provider,
                                   pi_keyring_store_get_profile (pending->store), NULL,
                                   on_expiry_read, pending);
}

static void
on_oauth_key (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(CliSecret) key = NULL;
  g_autoptr(GError) error = NULL;
  PiKeyringSource from = PI_KEYRING_SOURCE_NONE;

  key = pi_keyring_store_get_api_key_finish (PI_KEYRING_STORE (source), result, &from, &error);
  if (key == NULL)
    {
      request_return_error (request, error);
      return;
    }

  /* The credential went away meanwhile and the lookup went on to what the
   * daemon does not serve. */
  if (from != PI_KEYRING_SOURCE_KEYRING)
    {
      request_return_new_error (request, PI_KEYRING_ERROR_NOT_FOUND,
                                _("No credential of “%s” is stored in profile “%s”."),
                                request->provider, pi_keyring_store_get_profile (request->store));
      return;
    }

  return_key (request, key);
}

static void
on_stored_credential (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;
  const char *profile = pi_keyring_store_get_profile (request->store);
  const char *key;

  credential = pi_keyring_backend_lookup_finish (PI_KEYRING_BACKEND (source), result, &error);
  if (error != NULL)
    {
      request_return_error (request, error);
      return;
    }

  switch (credential != NULL ? pi_keyring_credential_get_kind (credential)
                             : PI_KEYRING_CREDENTIAL_KIND_OTHER)
    {
    case PI_KEYRING_CREDENTIAL_KIND_OAUTH:
      {
        Request *pending = g_steal_pointer (&request);

        /* Refreshed first when it has expired, once for every caller. */
        pi_keyring_store_get_api_key_async (pending->store, pending->provider, NULL,
                                            on_oauth_key, pending);
      }
      return;

    case PI_KEYRING_CREDENTIAL_KIND_API_KEY:
      if (request->kind == REQUEST_ENSURE_CREDENTIALS)
        {
          /* Nothing to refresh, nothing to resolve. */
          g_dbus_method_invocation_return_value (g_steal_pointer (&request->invocation),
                                                 g_variant_new ("(x)", (gint64) 0));
          return;
        }
      key = pi_keyring_credential_get_key (credential);
      if (key == NULL || *key == '\0')
        {
          request_return_new_error (request, PI_KEYRING_ERROR_NOT_FOUND,
                                    _("The stored API key of “%s” is empty."),
                                    request->provider);
          return;
        }
      if (key[0] == '!' || looks_like_variable_name (key))
        {
          /* Never run a command, nor read an environment, for a caller. */
          request_return_new_error (request, PI_KEYRING_ERROR_INVALID_ARGUMENT,
                                    _("The API key of “%s” is a command or the name of an "
                                      "environment variable; the caller resolves it."),
                                    request->provider);
          return;
        }
      return_key (request, key);
      return;

    case PI_KEYRING_CREDENTIAL_KIND_OTHER:
    default:
      request_return_new_error (request, PI_KEYRING_ERROR_NOT_FOUND,
                                _("No credential of “%s” is stored in profile “%s”."),
                                request->provider, profile);
      return;
    }
}

/* --- ListCredentials, ExportCredentials --- */

/* What the credential's object says of its attention, when it needs some. */
static void
add_attention (Daemon              *daemon,
               GVariantBuilder     *builder,
               PiKeyringCredential *credential)
{
  const char *reason, *message;
  gint64 retry_at;

  if (daemon->objects == NULL ||
      !daemon_objects_get_attention (daemon->objects,
                                     pi_keyring_credential_get_provider (credential),
                                     pi_keyring_credential_get_profile (credential),
                                     &reason, &message, &retry_at))
    return;

  g_variant_builder_add (builder, "{sv}", "attention", g_variant_new_string (reason));
  g_variant_builder_add (builder, "{sv}", "attention_message", g_variant_new_string (message));
  if (retry_at > 0)
    g_variant_builder_add (builder, "{sv}", "retry_at", g_variant_new_int64 (retry_at));
}

/* Identifiers and the expiry: never a secret. */
static GVariant *
list_reply (Daemon    *daemon,
            GPtrArray *credentials)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < credentials->len; i++)
    {
      PiKeyringCredential *credential = credentials->pdata[i];
      PiKeyringCredentialKind kind = pi_keyring_credential_get_kind (credential);

      g_variant_builder_open (&builder, G_VARIANT_TYPE ("a{sv}"));
      g_variant_builder_add (&builder, "{sv}", "provider",
                             g_variant_new_string (pi_keyring_credential_get_provider (credential)));
      g_variant_builder_add (&builder, "{sv}", "profile",
                             g_variant_new_string (pi_keyring_credential_get_profile (credential)));
      g_variant_builder_add (&builder, "{sv}", "kind",
                             g_variant_new_string (cli_kind_to_string (kind)));
      if (kind == PI_KEYRING_CREDENTIAL_KIND_OAUTH &&
          pi_keyring_credential_has_expires (credential))
        g_variant_builder_add (&builder, "{sv}", "expires",
                               g_variant_new_int64 (pi_keyring_credential_get_expires (credential)));
      if (kind == PI_KEYRING_CREDENTIAL_KIND_OTHER &&
          pi_keyring_credential_get_type_name (credential) != NULL)
        g_variant_builder_add (&builder, "{sv}", "type",
                               g_variant_new_string (pi_keyring_credential_get_type_name (credential)));
      add_attention (daemon, &builder, credential);
      g_variant_builder_close (&builder);
    }

  return g_variant_builder_end (&builder);
}

/* The entries themselves, secrets and all: what `export -` prints. */
static GVariant *
export_reply (GPtrArray *credentials)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  for (guint i = 0; i < credentials->len; i++)
    {
      PiKeyringCredential *credential = credentials->pdata[i];
      g_autofree char *json = pi_keyring_credential_to_json (credential);

      g_variant_builder_add (&builder, "(ss)",
                             pi_keyring_credential_get_provider (credential), json);
      explicit_bzero (json, strlen (json));
    }

  return g_variant_builder_end (&builder);
}

static void
on_credentials_read (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(GPtrArray) credentials = NULL;
  g_autoptr(GError) error = NULL;
  DaemonDBusKeyring1 *skeleton = request->daemon->skeleton;

  credentials = pi_keyring_backend_list_finish (PI_KEYRING_BACKEND (source), result, &error);
  if (credentials == NULL)
    {
      request_return_error (request, error);
      return;
    }

  if (request->kind == REQUEST_LIST_CREDENTIALS)
    daemon_dbus_keyring1_complete_list_credentials (skeleton,
                                                    g_steal_pointer (&request->invocation),
                                                    list_reply (request->daemon, credentials));
  else
    daemon_dbus_keyring1_complete_export_credentials (skeleton,
                                                      g_steal_pointer (&request->invocation),
                                                      export_reply (credentials));
}

/* --- Refresh --- */

static void
on_refreshed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  credential = pi_keyring_store_refresh_finish (PI_KEYRING_STORE (source), result, &error);
  if (credential == NULL)
    {
      request_return_error (request, error);
      return;
    }

  daemon_dbus_keyring1_complete_refresh (request->daemon->skeleton,
                                         g_steal_pointer (&request->invocation));
}

/* --- dispatch, after the caller is known --- */

static void
request_run (Request *request)
{
  Daemon *daemon = request->daemon;

  switch (request->kind)
    {
    case REQUEST_GET_API_KEY:
    case REQUEST_GET_ACCESS_TOKEN:
    case REQUEST_ENSURE_CREDENTIALS:
      pi_keyring_backend_lookup_async (daemon->backend, request->provider,
                                       pi_keyring_store_get_profile (request->store), NULL,
                                       on_stored_credential, request);
      return;

    case REQUEST_LIST_CREDENTIALS:
      pi_keyring_backend_list_async (daemon->backend, NULL, NULL,
                                     on_credentials_read, request);
      return;

    case REQUEST_EXPORT_CREDENTIALS:
      pi_keyring_backend_list_async (daemon->backend, request->profile, NULL,
                                     on_credentials_read, request);
      return;

    case REQUEST_REFRESH:
      pi_keyring_store_refresh_async (request->store, request->provider, NULL,
                                      on_refreshed, request);
      return;

    default:
      g_assert_not_reached ();
    }
}

static void
on_caller_user (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint32 uid;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      g_dbus_method_invocation_return_error (g_steal_pointer (&request->invocation),
                                             G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                                             _("The caller could not be identified: %s"),
                                             error->message);
      return;
    }

  g_variant_get (reply, "(u)", &uid);
  if (uid != (guint32) getuid ())
    {
      g_debug ("Refusing a call of user %u", uid);
      g_dbus_method_invocation_return_error (g_steal_pointer (&request->invocation),
                                             G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                                             _("Only the user the pi-keyring daemon runs as may "
                                               "use it."));
      return;
    }

  request_run (g_steal_pointer (&request));
}

/* Every call: the caller must run as the daemon's user. The session bus is
 * the user's own, but a bus configured more loosely is no reason to hand
 * out keys. */
static void
request_start (Request *request)
{
  Daemon *daemon = request->daemon;
  const char *sender = g_dbus_method_invocation_get_sender (request->invocation);

  g_debug ("%s (%s) from %s",
           g_dbus_method_invocation_get_method_name (request->invocation),
           request->provider != NULL ? request->provider : "",
           sender != NULL ? sender : "?");

  if (sender == NULL)
    {
      g_dbus_method_invocation_return_error (g_steal_pointer (&request->invocation),
                                             G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                                             _("The caller could not be identified."));
      request_free (request);
      return;
    }

  g_dbus_connection_call (daemon->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "GetConnectionUnixUser",
                          g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(u)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_caller_user, request);
}

/* Checks what the caller gave before anything else is done; FALSE after
 * an error reply. @invocation is borrowed. */
static gboolean
check_arguments (GDBusMethodInvocation *invocation,
                 const char            *provider,
                 const char            *profile)
{
  g_autoptr(GError) error = NULL;

  /* An empty profile is the daemon's own. */
  if (!pi_keyring_validate_id (provider, &error) ||
      (*profile != '\0' && !pi_keyring_validate_id (profile, &error)))
    {
      g_dbus_method_invocation_return_gerror (g_object_ref (invocation), error);
      return FALSE;
    }

  return TRUE;
}

/* A request about one provider in one profile, once its arguments pass. */
static gboolean
start_provider_request (Daemon                *daemon,
                        GDBusMethodInvocation *invocation,
                        RequestKind            kind,
                        const char            *provider,
                        const char            *profile)
{
  Request *request;

  if (!check_arguments (invocation, provider, profile))
    return G_DBUS_METHOD_INVOCATION_HANDLED;

  request = request_new (daemon, invocation, kind, provider);
  request->store = g_object_ref (daemon_get_store (daemon, profile));
  request_start (request);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_handle_get_api_key (DaemonDBusKeyring1    *skeleton,
                       GDBusMethodInvocation *invocation,
                       const char            *provider,
                       const char            *profile,
                       Daemon                *daemon)
{
  return start_provider_request (daemon, invocation, REQUEST_GET_API_KEY, provider, profile);
}

static gboolean
on_handle_list_credentials (DaemonDBusKeyring1    *skeleton,
                            GDBusMethodInvocation *invocation,
                            Daemon                *daemon)
{
  request_start (request_new (daemon, invocation, REQUEST_LIST_CREDENTIALS, NULL));

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_handle_export_credentials (DaemonDBusKeyring1    *skeleton,
                              GDBusMethodInvocation *invocation,
                              const char            *profile,
                              Daemon                *daemon)
{
  g_autoptr(GError) error = NULL;
  Request *request;

  /* The keyring hands its secrets to any client of the user: the daemon
   * adds nothing to that. An encrypted file's refresh tokens are its
   * passphrase's to give, not a running daemon's. */
  if (g_str_equal (pi_keyring_backend_get_name (daemon->backend), "encrypted-file"))
    {
      g_dbus_method_invocation_return_error_literal (g_object_ref (invocation), PI_KEYRING_ERROR,
                                                     PI_KEYRING_ERROR_ACCESS_DENIED,
                                                     _("The credentials of an encrypted file "
                                                       "are exported with its passphrase, by "
                                                       "“pi-keyring export” itself."));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  if (*profile != '\0' && !pi_keyring_validate_id (profile, &error))
    {
      g_dbus_method_invocation_return_gerror (g_object_ref (invocation), error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  request = request_new (daemon, invocation, REQUEST_EXPORT_CREDENTIALS, NULL);
  /* Only read: no store, so no refreshing, for a profile exported once. */
  request->profile = g_strdup (*profile != '\0' ? profile : daemon->profile);
  request_start (request);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_handle_refresh (DaemonDBusKeyring1    *skeleton,
                   GDBusMethodInvocation *invocation,
                   const char            *provider,
                   const char            *profile,
                   Daemon                *daemon)
{
  return start_provider_request (daemon, invocation, REQUEST_REFRESH, provider, profile);
}

/* --- the credential objects --- */

void
daemon_requests_object_call (GDBusMethodInvocation *invocation,
                             DaemonObjectMethod     method,
                             const char            *provider,
                             const char            *profile,
                             gpointer               user_data)
{
  Daemon *daemon = user_data;
  RequestKind kind = REQUEST_REFRESH;

  switch (method)
    {
    case DAEMON_OBJECT_GET_ACCESS_TOKEN:
      kind = REQUEST_GET_ACCESS_TOKEN;
      break;
    case DAEMON_OBJECT_ENSURE_CREDENTIALS:
      kind = REQUEST_ENSURE_CREDENTIALS;
      break;
    case DAEMON_OBJECT_REFRESH:
    default:
      kind = REQUEST_REFRESH;
      break;
    }

  start_provider_request (daemon, invocation, kind, provider, profile);
}

void
daemon_requests_connect (Daemon *daemon)
{
  g_signal_connect (daemon->skeleton, "handle-get-api-key",
                    G_CALLBACK (on_handle_get_api_key), daemon);
  g_signal_connect (daemon->skeleton, "handle-list-credentials",
                    G_CALLBACK (on_handle_list_credentials), daemon);
  g_signal_connect (daemon->skeleton, "handle-export-credentials",
                    G_CALLBACK (on_handle_export_credentials), daemon);
  g_signal_connect (daemon->skeleton, "handle-refresh",
                    G_CALLBACK (on_handle_refresh), daemon);
}
