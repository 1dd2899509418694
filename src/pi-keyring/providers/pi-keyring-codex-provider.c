/* pi-keyring-codex-provider.c: ChatGPT Plus/Pro (OpenAI Codex), reference §7.5
 *
 * Authorization code with PKCE and a separate random state (32 hex
 * characters), through the loopback server on port 1455 or a pasted code
 * or redirect URL. The token endpoint takes form bodies. Entries: type,
 * access, refresh, expires (now + expires_in, no buffer), accountId (the
 * `chatgpt_account_id` claim of the access token).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "providers/pi-keyring-providers-private.h"

#include <string.h>

#define CODEX_ID           "openai-codex"
#define CODEX_CLIENT_ID    "app_EMoamEEZ73f0CkXaXp7hrann"
#define CODEX_AUTHORIZE    "https://auth.openai.com/oauth/authorize"
#define CODEX_TOKEN_URL    "https://auth.openai.com/oauth/token"
#define CODEX_REDIRECT_URI "http://localhost:1455/auth/callback"
#define CODEX_SCOPES       "openid profile email offline_access"
#define CODEX_AUTH_CLAIM   "https://api.openai.com/auth"

struct _PiKeyringCodexProvider
{
  GObject parent_instance;
};

#define PI_KEYRING_TYPE_CODEX_PROVIDER (_pi_keyring_codex_provider_get_type ())
G_DECLARE_FINAL_TYPE (PiKeyringCodexProvider, _pi_keyring_codex_provider, PI_KEYRING,
                      CODEX_PROVIDER, GObject)

static void provider_iface_init (PiKeyringProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PiKeyringCodexProvider, _pi_keyring_codex_provider, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PI_KEYRING_TYPE_PROVIDER,
                                                      provider_iface_init))

/* --- the account id in the access token --- */

/* Base64 or base64url, with or without padding, to bytes. */
static guchar *
decode_jwt_part (const char *part,
                 gsize       length,
                 gsize      *out_length)
{
  g_autoptr(GString) text = g_string_sized_new (length + 3);
  guchar *data;

  for (gsize i = 0; i < length; i++)
    {
      char c = part[i];

      if (c == '-')
        c = '+';
      else if (c == '_')
        c = '/';
      else if (c == '=')
        break;
      else if (!g_ascii_isalnum (c) && c != '+' && c != '/')
        return NULL;
      g_string_append_c (text, c);
    }

  if (text->len % 4 == 1)
    return NULL;
  while (text->len % 4 != 0)
    g_string_append_c (text, '=');

  data = g_base64_decode (text->str, out_length);
  explicit_bzero (text->str, text->len);

  return data;
}

char *
_pi_keyring_codex_account_id_from_token (const char *access_token)
{
  g_autoptr(JsonParser) parser = NULL;
  const char *first, *second;
  guchar *payload;
  gsize length = 0;
  gboolean parsed;
  JsonNode *root;
  JsonObject *auth;
  JsonNode *member;
  const char *account_id;

  if (access_token == NULL)
    return NULL;

  /* Exactly three parts. */
  first = strchr (access_token, '.');
  if (first == NULL)
    return NULL;
  second = strchr (first + 1, '.');
  if (second == NULL || strchr (second + 1, '.') != NULL)
    return NULL;

  payload = decode_jwt_part (first + 1, second - first - 1, &length);
  if (payload == NULL || length == 0)
    {
      g_free (payload);
      return NULL;
    }

  /* json-glib's parser recurses once per nesting level: refuse a payload
   * deep enough to exhaust the stack before it gets there. */
  if (!_pi_keyring_json_text_is_shallow ((const char *) payload, length))
    {
      explicit_bzero (payload, length);
      g_free (payload);
      return NULL;
    }

  parser = json_parser_new ();
  parsed = json_parser_load_from_data (parser, (const char *) payload, length, NULL);
  explicit_bzero (payload, length);
  g_free (payload);
  if (!parsed)
    return NULL;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  member = json_object_get_member (json_node_get_object (root), CODEX_AUTH_CLAIM);
  if (member == NULL || !JSON_NODE_HOLDS_OBJECT (member))
    return NULL;
  auth = json_node_get_object (member);

  account_id = _pi_keyring_json_get_string (auth, "chatgpt_account_id");
  if (account_id == NULL || *account_id == '\0')
    return NULL;

  return g_strdup (account_id);
}

/* The entry pi stores: type, access, refresh, expires, accountId. pi
 * requires access_token, refresh_token and a numeric expires_in. */
static PiKeyringCredential *
credential_from_token (const char                   *profile,
                       const PiKeyringTokenResponse *token,
                       GError                      **error)
{
  g_autofree char *account_id = NULL;
  JsonObject *entry;

  if (token->refresh_token == NULL || *token->refresh_token == '\0' ||
      token->expires_in_ms < 0)
    {
      g_set_error_literal (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                           _("Token exchange failed: the answer lacks the refresh token or "
                             "the expiry time."));
      return NULL;
    }

  account_id = _pi_keyring_codex_account_id_from_token (token->access_token);
  if (account_id == NULL)
    {
      g_set_error_literal (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                           _("Failed to extract accountId from token."));
      return NULL;
    }

  entry = _pi_keyring_token_entry_new (token, token->refresh_token, 0, TRUE, error);
  if (entry == NULL)
    return NULL;
  json_object_set_string_member (entry, "accountId", account_id);

  return _pi_keyring_credential_new_take_object (CODEX_ID, profile, entry);
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

  credential = credential_from_token (PI_KEYRING_DEFAULT_PROFILE, token, &error);
  if (credential == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, credential, g_object_unref);
}

static void
exchange_code (PiKeyringLoopbackLogin *login,
               GTask                  *task)
{
  _pi_keyring_loopback_login_exchange_code (login, CODEX_TOKEN_URL, CODEX_CLIENT_ID, NULL, task,
                                            on_code_exchanged);
}

static const char * const authorize_params[] = {
  "response_type", "code",
  "client_id", CODEX_CLIENT_ID,
  "redirect_uri", CODEX_REDIRECT_URI,
  "scope", CODEX_SCOPES,
  "code_challenge", PI_KEYRING_LOOPBACK_CHALLENGE,
  "code_challenge_method", "S256",
  "state", PI_KEYRING_LOOPBACK_STATE,
  "id_token_add_organizations", "true",
  "codex_cli_simplified_flow", "true",
  "originator", "pi",
  NULL
};

static const PiKeyringLoopbackConfig login_config = {
  .port = 1455,
  .callback_path = "/auth/callback",
  .redirect_uri = CODEX_REDIRECT_URI,
  .authorize_url = CODEX_AUTHORIZE,
  .authorize_params = authorize_params,
  .state_format = PI_KEYRING_STATE_HEX,
  .paste_mode = PI_KEYRING_PASTE_LENIENT,
  .instructions = N_("A browser window should open. Complete login to finish."),
  .paste_message = N_("Paste the authorization code (or full redirect URL):"),
  .paste_placeholder = NULL,
  .state_mismatch = N_("State mismatch: the pasted answer belongs to another sign-in."),
  .google_progress = FALSE,
  .exchange = exchange_code,
};

static void
codex_login_async (PiKeyringProvider    *provider,
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

static PiKeyringCredential *
build_refreshed (PiKeyringCredential          *old,
                 const PiKeyringTokenResponse *token,
                 GError                      **error)
{
  return credential_from_token (pi_keyring_credential_get_profile (old), token, error);
}

static const PiKeyringTokenRefreshConfig refresh_config = {
  .build = build_refreshed,
  .failure_message = N_("Failed to refresh OpenAI Codex token."),
};

static void
codex_refresh_async (PiKeyringProvider   *provider,
                     PiKeyringCredential *credential,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  PiKeyringHttpRequest *request;

  if (!_pi_keyring_token_refresh_check (provider, credential, &refresh_config, cancellable,
                                        callback, user_data))
    return;

  request = _pi_keyring_http_request_new ("POST", CODEX_TOKEN_URL);
  _pi_keyring_http_request_add_form_field (request, "grant_type", "refresh_token");
  _pi_keyring_http_request_add_form_field (request, "refresh_token",
                                           pi_keyring_credential_get_refresh (credential));
  _pi_keyring_http_request_add_form_field (request, "client_id", CODEX_CLIENT_ID);

  _pi_keyring_token_refresh_async (provider, credential, request, &refresh_config, cancellable,
                                   callback, user_data);
}

/* --- the provider --- */

static const PiKeyringBuiltinProviderInfo codex_info = {
  .id = CODEX_ID,
  .display_name = "ChatGPT Plus/Pro (Codex Subscription)",
  .flow = "loopback",
};

static void
provider_iface_init (PiKeyringProviderInterface *iface)
{
  _pi_keyring_builtin_provider_iface_init (iface, &codex_info);
  iface->login_async = codex_login_async;
  iface->refresh_async = codex_refresh_async;
  /* get_api_key: the interface's default, the access token. OpenAI has no
   * public revocation: revoke_async stays NULL. */
}

static void
_pi_keyring_codex_provider_class_init (PiKeyringCodexProviderClass *klass)
{
}

static void
_pi_keyring_codex_provider_init (PiKeyringCodexProvider *self)
{
}

PiKeyringProvider *
_pi_keyring_codex_provider_new (void)
{
  return g_object_new (PI_KEYRING_TYPE_CODEX_PROVIDER, NULL);
}
