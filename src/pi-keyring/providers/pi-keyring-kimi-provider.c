/* pi-keyring-kimi-provider.c: "Kimi Code (subscription)" of pi 1.6.0
 * (pi-ai dist/auth/oauth/kimi-coding.js)
 *
 * RFC 8628 device authorization at https://auth.kimi.com (or
 * $KIMI_CODE_OAUTH_HOST, else $KIMI_OAUTH_HOST, as pi), public client, no
 * scope. The user opens verification_uri_complete. Polling as pi 1.6.0's
 * shared poller: a first wait of one interval, then exactly the interval;
 * the OAuth error of any answer below 500 is read. Entries: type, access,
 * refresh, expires (now + expires_in, no margin). A refresh retries after
 * 1, 2 and 4 s on 429, 5xx and network failures; 401, 403 and
 * invalid_grant mean logging in again. The token reaches Kimi as a Bearer
 * header (pi's toAuth); what `get` prints is the bare token, as
 * `pi auth print-bearer-token`. Kimi offers no revocation.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "providers/pi-keyring-providers-private.h"

#include <math.h>
#include <string.h>

#define KIMI_ID            "kimi-coding"
#define KIMI_CLIENT_ID     "17e5f671-d194-4dfb-9706-5516cb48c098"
#define KIMI_DEFAULT_HOST  "https://auth.kimi.com"
#define KIMI_DEFAULT_INTERVAL   5
#define KIMI_DEFAULT_EXPIRES_IN (15 * 60)
#define KIMI_REFRESH_RETRIES    3

struct _PiKeyringKimiProvider
{
  GObject parent_instance;
};

#define PI_KEYRING_TYPE_KIMI_PROVIDER (_pi_keyring_kimi_provider_get_type ())
G_DECLARE_FINAL_TYPE (PiKeyringKimiProvider, _pi_keyring_kimi_provider, PI_KEYRING,
                      KIMI_PROVIDER, GObject)

static void provider_iface_init (PiKeyringProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PiKeyringKimiProvider, _pi_keyring_kimi_provider, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PI_KEYRING_TYPE_PROVIDER,
                                                      provider_iface_init))

/* pi's getOauthHost, trailing slashes removed. */
static char *
oauth_url (const char *path)
{
  const char *host = g_getenv ("KIMI_CODE_OAUTH_HOST");
  g_autofree char *trimmed = NULL;
  gsize length;

  if (host == NULL || *host == '\0')
    host = g_getenv ("KIMI_OAUTH_HOST");
  if (host == NULL || *host == '\0')
    host = KIMI_DEFAULT_HOST;

  trimmed = g_strdup (host);
  length = strlen (trimmed);
  while (length > 0 && trimmed[length - 1] == '/')
    trimmed[--length] = '\0';

  return g_strconcat (trimmed, path, NULL);
}

/* pi's trustedHttpUrl: an http(s) URL, or NULL. */
static gboolean
is_http_url (const char *value)
{
  g_autoptr(GUri) uri = NULL;

  if (value == NULL)
    return FALSE;
  uri = g_uri_parse (value, G_URI_FLAGS_NONE, NULL);
  return uri != NULL && g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0' &&
         (g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0 ||
          g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") == 0);
}

static double
positive_number (JsonObject *object,
                 const char *name,
                 double      fallback)
{
  JsonNode *node = json_object_get_member (object, name);
  double value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return fallback;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    value = (double) json_node_get_int (node);
  else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    value = json_node_get_double (node);
  else
    return fallback;

  return isfinite (value) && value > 0 ? value : fallback;
}

/* pi's parseTokenResponse. */
static PiKeyringCredential *
credential_from_token (const char                   *profile,
                       const PiKeyringTokenResponse *token,
                       const char                   *operation,
                       GError                      **error)
{
  JsonObject *entry;

  if (token->access_token == NULL || *token->access_token == '\0' ||
      token->refresh_token == NULL || *token->refresh_token == '\0' ||
      token->expires_in_ms <= 0)
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("Kimi Code token %s response missing fields."), operation);
      return NULL;
    }

  entry = _pi_keyring_token_entry_new (token, token->refresh_token, 0, TRUE, error);
  if (entry == NULL)
    return NULL;

  return _pi_keyring_credential_new_take_object (KIMI_ID, profile, entry);
}

/* --- login --- */

typedef struct
{
  PiKeyringInteraction  *interaction;
  PiKeyringHttpClient   *client;
  PiKeyringDevicePoller *poller;
} LoginData;

static void
login_data_free (gpointer data)
{
  LoginData *login = data;

  g_clear_object (&login->interaction);
  g_clear_object (&login->client);
  g_clear_object (&login->poller);
  g_free (login);
}

static void
on_login_polled (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  GError *error = NULL;
  PiKeyringCredential *credential;

  token = _pi_keyring_device_poller_poll_finish (PI_KEYRING_DEVICE_POLLER (source), result,
                                                 &error);
  if (token == NULL)
    {
      if (g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_ACCESS_DENIED))
        {
          g_clear_error (&error);
          error = g_error_new_literal (PI_KEYRING_ERROR, PI_KEYRING_ERROR_ACCESS_DENIED,
                                       _("Kimi Code login was denied."));
        }
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        g_prefix_error (&error, "%s ", _("Kimi Code device authorization expired."));
      g_task_return_error (task, error);
      return;
    }

  credential = credential_from_token (PI_KEYRING_DEFAULT_PROFILE, token, "poll", &error);
  if (credential == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, credential, g_object_unref);
}

static void
on_device_code (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LoginData *login = g_task_get_task_data (task);
  g_autoptr(PiKeyringHttpResponse) response = NULL;
  g_autofree char *instructions = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *poll_url = NULL;
  GCancellable *cancellable;
  GError *error = NULL;
  const char *device_code, *user_code, *uri, *uri_complete;

  response = _pi_keyring_http_client_send_finish (login->client, result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!_pi_keyring_http_response_check (response, &error))
    {
      g_prefix_error (&error, _("Kimi Code device authorization failed with status %u: "),
                      response->status);
      g_task_return_error (task, error);
      return;
    }

  device_code = _pi_keyring_json_get_string (response->object, "device_code");
  user_code = _pi_keyring_json_get_string (response->object, "user_code");
  uri = _pi_keyring_json_get_string (response->object, "verification_uri");
  uri_complete = _pi_keyring_json_get_string (response->object, "verification_uri_complete");
  if (device_code == NULL || user_code == NULL || !is_http_url (uri) ||
      !is_http_url (uri_complete))
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                               _("Invalid Kimi Code device authorization response."));
      return;
    }

  /* The user code is meant to be shown: it is not a secret. */
  shown = _pi_keyring_url_rewrite (uri_complete);
  instructions = g_strdup_printf (_("Enter code: %s"), user_code);
  pi_keyring_interaction_show_auth (login->interaction, shown, instructions);
  if (pi_keyring_interaction_get_open_browser (login->interaction))
    _pi_keyring_open_browser (shown);
  pi_keyring_interaction_progress (login->interaction, _("Waiting for browser authentication..."));

  poll_url = oauth_url ("/api/oauth/token");
  login->poller = _pi_keyring_device_poller_new (
      login->client, poll_url, KIMI_CLIENT_ID, device_code,
      positive_number (response->object, "interval", KIMI_DEFAULT_INTERVAL),
      positive_number (response->object, "expires_in", KIMI_DEFAULT_EXPIRES_IN));
  _pi_keyring_device_poller_set_flags (login->poller,
                                       PI_KEYRING_DEVICE_POLL_PLAIN |
                                       PI_KEYRING_DEVICE_POLL_ERRORS_BELOW_500);
  /* Read before the task is stolen: the order of arguments is unspecified. */
  cancellable = g_task_get_cancellable (task);
  _pi_keyring_device_poller_poll_async (login->poller, cancellable, on_login_polled,
                                        g_steal_pointer (&task));
}

static void
kimi_login_async (PiKeyringProvider    *provider,
                  PiKeyringInteraction *interaction,
                  GVariant             *options,
                  GCancellable         *cancellable,
                  GAsyncReadyCallback   callback,
                  gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PiKeyringHttpRequest) request = NULL;
  g_autofree char *url = oauth_url ("/api/oauth/device_authorization");
  LoginData *login;

  task = g_task_new (provider, cancellable, callback, user_data);
  g_task_set_source_tag (task, kimi_login_async);

  login = g_new0 (LoginData, 1);
  login->interaction = g_object_ref (interaction);
  login->client = _pi_keyring_http_client_new ();
  g_task_set_task_data (task, login, login_data_free);

  /* client_id only: Kimi takes no scope. */
  request = _pi_keyring_http_request_new ("POST", url);
  _pi_keyring_http_request_add_form_field (request, "client_id", KIMI_CLIENT_ID);
  _pi_keyring_http_client_send_async (login->client, request, cancellable, on_device_code,
                                      g_steal_pointer (&task));
}

/* --- refresh --- */

static PiKeyringCredential *
build_refreshed (PiKeyringCredential          *old,
                 const PiKeyringTokenResponse *token,
                 GError                      **error)
{
  return credential_from_token (pi_keyring_credential_get_profile (old), token, "refresh", error);
}

static const PiKeyringTokenRefreshConfig refresh_config = {
  .build = build_refreshed,
  .failure_message = N_("Kimi Code token refresh failed."),
  .retries = KIMI_REFRESH_RETRIES,
  .forbidden_refused = TRUE,
};

static void
kimi_refresh_async (PiKeyringProvider   *provider,
                    PiKeyringCredential *credential,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autofree char *url = NULL;
  PiKeyringHttpRequest *request;

  if (!_pi_keyring_token_refresh_check (provider, credential, &refresh_config, cancellable,
                                        callback, user_data))
    return;

  url = oauth_url ("/api/oauth/token");
  request = _pi_keyring_http_request_new ("POST", url);
  _pi_keyring_http_request_add_form_field (request, "client_id", KIMI_CLIENT_ID);
  _pi_keyring_http_request_add_form_field (request, "grant_type", "refresh_token");
  _pi_keyring_http_request_add_form_field (request, "refresh_token",
                                           pi_keyring_credential_get_refresh (credential));

  _pi_keyring_token_refresh_async (provider, credential, request, &refresh_config, cancellable,
                                   callback, user_data);
}

/* --- the provider --- */

static const PiKeyringBuiltinProviderInfo kimi_info = {
  .id = KIMI_ID,
  .display_name = "Kimi Code (subscription)",
  .flow = "device",
};

static void
provider_iface_init (PiKeyringProviderInterface *iface)
{
  _pi_keyring_builtin_provider_iface_init (iface, &kimi_info);
  iface->login_async = kimi_login_async;
  iface->refresh_async = kimi_refresh_async;
  /* get_api_key: the default, the access token (sent as a Bearer header
   * by pi; printed bare by `get`). No revocation. */
}

static void
_pi_keyring_kimi_provider_class_init (PiKeyringKimiProviderClass *klass)
{
}

static void
_pi_keyring_kimi_provider_init (PiKeyringKimiProvider *self)
{
}

PiKeyringProvider *
_pi_keyring_kimi_provider_new (void)
{
  return g_object_new (PI_KEYRING_TYPE_KIMI_PROVIDER, NULL);
}
