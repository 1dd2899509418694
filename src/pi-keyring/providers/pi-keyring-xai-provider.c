/* pi-keyring-xai-provider.c: the `xai` OAuth provider (pi 1.6.0)
 *
 * pi 1.6.0's "xAI (Grok/X subscription)" login (pi-ai
 * dist/auth/oauth/xai.js), an RFC 8628 device flow:
 *
 *   1. POST https://auth.x.ai/oauth2/device/code, form client_id, scope,
 *      referrer=pi (requestDeviceCode); the answer's verification_uri must
 *      be https, verification_uri_complete (https too) is shown when
 *      given, interval is optional, expires_in required (parseDeviceCode);
 *   2. polling https://auth.x.ai/oauth2/token (form grant_type, client_id,
 *      device_code) with pi 1.6.0's poller, waiting before the first poll
 *      (pollForTokens); `access_denied` and `authorization_denied` are a
 *      denial, `expired_token` the end of the code;
 *   3. the entry (credentialsFromTokenResponse): type, access, refresh,
 *      expires = now + (expires_in, default 3600) × 1000 − 5 minutes;
 *      access_token and refresh_token are required.
 *
 * A refresh is form grant_type=refresh_token, client_id, refresh_token at
 * the token URL (refreshXaiToken); an answer without refresh_token keeps
 * the old one (xAI does not always rotate it).
 *
 * pi 1.6.0 has one flow for xAI, the device code (there is no browser
 * PKCE flow in xai.js), so `--no-browser` only keeps the browser closed.
 *
 * Revocation: pi has none, and xAI documents no revocation endpoint for
 * this public client, so the provider offers none (revoke_async NULL);
 * logout forgets the tokens, and the grant can be removed in the xAI
 * account settings.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "providers/pi-keyring-providers-private.h"

#define PROVIDER_ID       "xai"
#define CLIENT_ID         "b1a00492-073a-47ea-816f-4c329264a828"
#define SCOPE             "openid profile email offline_access grok-cli:access api:access"
#define DEVICE_CODE_URL   "https://auth.x.ai/oauth2/device/code"
#define TOKEN_URL         "https://auth.x.ai/oauth2/token"
#define REFRESH_SKEW_MS   (5 * 60 * 1000)
#define DEFAULT_LIFETIME_MS (3600 * 1000)

#define PI_KEYRING_TYPE_XAI_PROVIDER (_pi_keyring_xai_provider_get_type ())
G_DECLARE_FINAL_TYPE (PiKeyringXaiProvider, _pi_keyring_xai_provider, PI_KEYRING,
                      XAI_PROVIDER, GObject)

struct _PiKeyringXaiProvider
{
  GObject parent_instance;
};

static void provider_iface_init (PiKeyringProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PiKeyringXaiProvider, _pi_keyring_xai_provider, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PI_KEYRING_TYPE_PROVIDER,
                                                      provider_iface_init))

static void
_pi_keyring_xai_provider_class_init (PiKeyringXaiProviderClass *klass)
{
}

static void
_pi_keyring_xai_provider_init (PiKeyringXaiProvider *self)
{
}

PiKeyringProvider *
_pi_keyring_xai_provider_new (void)
{
  return g_object_new (PI_KEYRING_TYPE_XAI_PROVIDER, NULL);
}

/* credentialsFromTokenResponse: type, access, refresh, expires. @old_refresh
 * (nullable, a refresh) stands in for a missing refresh_token. */
static PiKeyringCredential *
credential_from_token (const char                   *profile,
                       const PiKeyringTokenResponse *token,
                       const char                   *old_refresh,
                       GError                      **error)
{
  const char *refresh = token->refresh_token;
  JsonObject *entry;
  gint64 expires_in;

  if (refresh == NULL && old_refresh != NULL && !json_object_has_member (token->object,
                                                                         "refresh_token"))
    refresh = old_refresh;
  if (refresh == NULL || *refresh == '\0')
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("Invalid xAI OAuth response field: %s"), "refresh_token");
      return NULL;
    }
  if (!_pi_keyring_device_login_get_expires_in (token, DEFAULT_LIFETIME_MS, &expires_in))
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("Invalid xAI OAuth response field: %s"), "expires_in");
      return NULL;
    }

  entry = json_object_new ();
  json_object_set_string_member (entry, "type", "oauth");
  json_object_set_string_member (entry, "access", token->access_token);
  json_object_set_string_member (entry, "refresh", refresh);
  json_object_set_int_member (entry, "expires", _pi_keyring_now_ms () + expires_in - REFRESH_SKEW_MS);

  return _pi_keyring_credential_new_take_object (PROVIDER_ID, profile, entry);
}

/* --- login --- */

static void
on_login_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  PiKeyringCredential *credential;
  GError *error = NULL;

  token = _pi_keyring_device_login_finish (result, &error);
  if (token == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  credential = credential_from_token (NULL, token, NULL, &error);
  if (credential == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, credential, g_object_unref);
}

static void
xai_login_async (PiKeyringProvider    *provider,
                 PiKeyringInteraction *interaction,
                 GVariant             *options,
                 GCancellable         *cancellable,
                 GAsyncReadyCallback   callback,
                 gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PiKeyringHttpRequest) request = NULL;

  task = g_task_new (provider, cancellable, callback, user_data);
  g_task_set_source_tag (task, xai_login_async);

  request = _pi_keyring_http_request_new ("POST", DEVICE_CODE_URL);
  _pi_keyring_http_request_add_form_field (request, "client_id", CLIENT_ID);
  _pi_keyring_http_request_add_form_field (request, "scope", SCOPE);
  _pi_keyring_http_request_add_form_field (request, "referrer", "pi");

  _pi_keyring_device_login_async (interaction, request,
                                  PI_KEYRING_DEVICE_CODE_INTERVAL_OPTIONAL |
                                  PI_KEYRING_DEVICE_CODE_PREFER_COMPLETE |
                                  PI_KEYRING_DEVICE_CODE_HTTPS_URI,
                                  TOKEN_URL, CLIENT_ID,
                                  PI_KEYRING_DEVICE_POLL_PLAIN |
                                  PI_KEYRING_DEVICE_POLL_ERRORS_BELOW_500 |
                                  PI_KEYRING_DEVICE_POLL_GRANT_CLIENT_DEVICE,
                                  cancellable, on_login_done, g_steal_pointer (&task));
}

/* --- refresh --- */

static void
on_refreshed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PiKeyringCredential *old = g_task_get_task_data (task);
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  PiKeyringCredential *credential;
  GError *error = NULL;

  token = _pi_keyring_http_client_request_token_finish (PI_KEYRING_HTTP_CLIENT (source), result,
                                                        NULL, &error);
  if (token == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  credential = credential_from_token (pi_keyring_credential_get_profile (old), token,
                                      pi_keyring_credential_get_refresh (old), &error);
  if (credential == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, credential, g_object_unref);
}

static void
xai_refresh_async (PiKeyringProvider   *provider,
                   PiKeyringCredential *credential,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PiKeyringHttpRequest) request = NULL;
  g_autoptr(PiKeyringHttpClient) http = NULL;
  const char *refresh = pi_keyring_credential_get_refresh (credential);

  task = g_task_new (provider, cancellable, callback, user_data);
  g_task_set_source_tag (task, xai_refresh_async);
  g_task_set_task_data (task, g_object_ref (credential), g_object_unref);

  if (refresh == NULL || *refresh == '\0')
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED,
                               _("The credential has no refresh token. Log in again."));
      return;
    }

  request = _pi_keyring_http_request_new ("POST", TOKEN_URL);
  _pi_keyring_http_request_add_form_field (request, "grant_type", "refresh_token");
  _pi_keyring_http_request_add_form_field (request, "client_id", CLIENT_ID);
  _pi_keyring_http_request_add_form_field (request, "refresh_token", refresh);

  http = _pi_keyring_http_client_new ();
  _pi_keyring_http_client_request_token_async (http, request, cancellable, on_refreshed,
                                               g_steal_pointer (&task));
}

/* toAuth: {apiKey: access}. */
static char *
xai_get_api_key (PiKeyringProvider   *provider,
                 PiKeyringCredential *credential)
{
  return g_strdup (pi_keyring_credential_get_access (credential));
}

static const PiKeyringBuiltinProviderInfo xai_info = {
  .id = PROVIDER_ID,
  .display_name = "xAI (Grok/X subscription)",
  .flow = "device",
};

static void
provider_iface_init (PiKeyringProviderInterface *iface)
{
  _pi_keyring_builtin_provider_iface_init (iface, &xai_info);
  iface->login_async = xai_login_async;
  iface->refresh_async = xai_refresh_async;
  iface->get_api_key = xai_get_api_key;
  /* No revoke_async: see the comment at the top of the file. */
  iface->revoke_async = NULL;
}
