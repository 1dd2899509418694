/* pi-keyring-anthropic-provider.c: Anthropic (Claude Pro/Max), reference §7.1
 *
 * Authorization code with PKCE and a separate random state (43 base64url
 * characters; pi uses the verifier, which must stay secret), through the
 * loopback server on port 53692 or a pasted code or redirect URL (also
 * when the port is busy, DESIGN §7.1). The token endpoint takes JSON
 * bodies. Entries: type, refresh, access, expires
 * (now + expires_in − 5 minutes).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "providers/pi-keyring-providers-private.h"

#define ANTHROPIC_ID           "anthropic"
#define ANTHROPIC_CLIENT_ID    "9d1c250a-e61b-44d9-88ed-5944d1962f5e"
#define ANTHROPIC_AUTHORIZE    "https://claude.ai/oauth/authorize"
#define ANTHROPIC_TOKEN_URL    "https://platform.claude.com/v1/oauth/token"
#define ANTHROPIC_REDIRECT_URI "http://localhost:53692/callback"
#define ANTHROPIC_SCOPES       "org:create_api_key user:profile user:inference " \
                               "user:sessions:claude_code user:mcp_servers user:file_upload"
#define EXPIRY_BUFFER_MS       (5 * 60 * 1000)

struct _PiKeyringAnthropicProvider
{
  GObject parent_instance;
};

#define PI_KEYRING_TYPE_ANTHROPIC_PROVIDER (_pi_keyring_anthropic_provider_get_type ())
G_DECLARE_FINAL_TYPE (PiKeyringAnthropicProvider, _pi_keyring_anthropic_provider, PI_KEYRING,
                      ANTHROPIC_PROVIDER, GObject)

static void provider_iface_init (PiKeyringProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PiKeyringAnthropicProvider, _pi_keyring_anthropic_provider,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PI_KEYRING_TYPE_PROVIDER,
                                                      provider_iface_init))

/* The entry pi stores: type, refresh, access, expires. */
static PiKeyringCredential *
credential_from_token (const char                   *profile,
                       const PiKeyringTokenResponse *token,
                       const char                   *old_refresh,
                       GError                      **error)
{
  const char *refresh = token->refresh_token != NULL ? token->refresh_token : old_refresh;
  JsonObject *entry;

  if (refresh == NULL || *refresh == '\0')
    {
      g_set_error_literal (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                           _("No refresh token received. Please try again."));
      return NULL;
    }
  entry = _pi_keyring_token_entry_new (token, refresh, EXPIRY_BUFFER_MS, FALSE, error);
  if (entry == NULL)
    return NULL;

  return _pi_keyring_credential_new_take_object (ANTHROPIC_ID, profile, entry);
}

/* --- login --- */

static void
on_code_exchanged (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  GError *error = NULL;
  PiKeyringCredential *credential;

  token = _pi_keyring_http_client_request_token_finish (PI_KEYRING_HTTP_CLIENT (source), result,
                                                        NULL, &error);
  if (token == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  credential = credential_from_token (PI_KEYRING_DEFAULT_PROFILE, token, NULL, &error);
  if (credential == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, credential, g_object_unref);
}

/* POST the JSON body pi sends, with the state of the authorize URL (not
 * the verifier, which pi sends), also for a pasted bare code. */
static void
exchange_code (PiKeyringLoopbackLogin *login,
               GTask                  *task)
{
  g_autoptr(PiKeyringHttpRequest) request = NULL;
  g_autoptr(JsonObject) body = json_object_new ();

  _pi_keyring_loopback_login_progress (login, _("Exchanging authorization code for tokens..."));

  json_object_set_string_member (body, "grant_type", "authorization_code");
  json_object_set_string_member (body, "client_id", ANTHROPIC_CLIENT_ID);
  json_object_set_string_member (body, "code", _pi_keyring_loopback_login_get_code (login));
  json_object_set_string_member (body, "state", _pi_keyring_loopback_login_get_state (login));
  json_object_set_string_member (body, "redirect_uri", ANTHROPIC_REDIRECT_URI);
  json_object_set_string_member (body, "code_verifier",
                                 _pi_keyring_loopback_login_get_verifier (login));

  request = _pi_keyring_http_request_new ("POST", ANTHROPIC_TOKEN_URL);
  _pi_keyring_http_request_set_json_body (request, body);
  _pi_keyring_json_object_wipe (body);

  _pi_keyring_http_client_request_token_async (_pi_keyring_loopback_login_get_http_client (login),
                                               request, g_task_get_cancellable (task),
                                               on_code_exchanged, task);
}

static const char * const authorize_params[] = {
  "code", "true",
  "client_id", ANTHROPIC_CLIENT_ID,
  "response_type", "code",
  "redirect_uri", ANTHROPIC_REDIRECT_URI,
  "scope", ANTHROPIC_SCOPES,
  "code_challenge", PI_KEYRING_LOOPBACK_CHALLENGE,
  "code_challenge_method", "S256",
  "state", PI_KEYRING_LOOPBACK_STATE,
  NULL
};

static const PiKeyringLoopbackConfig login_config = {
  .port = 53692,
  .callback_path = "/callback",
  .redirect_uri = ANTHROPIC_REDIRECT_URI,
  .authorize_url = ANTHROPIC_AUTHORIZE,
  .authorize_params = authorize_params,
  .state_format = PI_KEYRING_STATE_BASE64URL,
  .paste_mode = PI_KEYRING_PASTE_LENIENT,
  .instructions = N_("Complete login in your browser. If the browser is on another machine, "
                     "paste the final redirect URL here."),
  .paste_message = N_("Paste the authorization code or full redirect URL:"),
  .paste_placeholder = ANTHROPIC_REDIRECT_URI,
  .state_mismatch = N_("OAuth state mismatch: the pasted answer belongs to another sign-in."),
  .google_progress = FALSE,
  .exchange = exchange_code,
};

static void
anthropic_login_async (PiKeyringProvider    *provider,
                       PiKeyringInteraction *interaction,
                       GVariant             *options,
                       GCancellable         *cancellable,
                       GAsyncReadyCallback   callback,
                       gpointer              user_data)
{
  _pi_keyring_loopback_login_async (G_OBJECT (provider), &login_config, interaction, options, cancellable,
                                    callback, user_data);
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
  GError *error = NULL;
  PiKeyringCredential *credential;

  token = _pi_keyring_http_client_request_token_finish (PI_KEYRING_HTTP_CLIENT (source), result,
                                                        NULL, &error);
  if (token == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* The new refresh token from the answer; the old one only if none came. */
  credential = credential_from_token (pi_keyring_credential_get_profile (old), token,
                                      pi_keyring_credential_get_refresh (old), &error);
  if (credential == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, credential, g_object_unref);
}

static void
anthropic_refresh_async (PiKeyringProvider   *provider,
                         PiKeyringCredential *credential,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PiKeyringHttpRequest) request = NULL;
  g_autoptr(PiKeyringHttpClient) http = NULL;
  g_autoptr(JsonObject) body = NULL;
  const char *refresh = pi_keyring_credential_get_refresh (credential);

  task = g_task_new (provider, cancellable, callback, user_data);
  g_task_set_source_tag (task, anthropic_refresh_async);
  g_task_set_task_data (task, g_object_ref (credential), g_object_unref);

  if (refresh == NULL || *refresh == '\0')
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED,
                               _("The credential has no refresh token. Log in again."));
      return;
    }

  /* {grant_type, client_id, refresh_token}: no scope (conformance 25). */
  body = json_object_new ();
  json_object_set_string_member (body, "grant_type", "refresh_token");
  json_object_set_string_member (body, "client_id", ANTHROPIC_CLIENT_ID);
  json_object_set_string_member (body, "refresh_token", refresh);
  request = _pi_keyring_http_request_new ("POST", ANTHROPIC_TOKEN_URL);
  _pi_keyring_http_request_set_json_body (request, body);
  _pi_keyring_json_object_wipe (body);

  http = _pi_keyring_http_client_new ();
  _pi_keyring_http_client_request_token_async (http, request, cancellable, on_refreshed,
                                               g_steal_pointer (&task));
}

/* --- the provider --- */

static const PiKeyringBuiltinProviderInfo anthropic_info = {
  .id = ANTHROPIC_ID,
  .display_name = "Anthropic (Claude Pro/Max)",
  .flow = "loopback",
};

static void
provider_iface_init (PiKeyringProviderInterface *iface)
{
  _pi_keyring_builtin_provider_iface_init (iface, &anthropic_info);
  iface->login_async = anthropic_login_async;
  iface->refresh_async = anthropic_refresh_async;
  /* get_api_key: the interface's default, the access token. No public
   * revocation: revoke_async stays NULL. */
}

static void
_pi_keyring_anthropic_provider_class_init (PiKeyringAnthropicProviderClass *klass)
{
}

static void
_pi_keyring_anthropic_provider_init (PiKeyringAnthropicProvider *self)
{
}

PiKeyringProvider *
_pi_keyring_anthropic_provider_new (void)
{
  return g_object_new (PI_KEYRING_TYPE_ANTHROPIC_PROVIDER, NULL);
}
