/* pi-keyring-openai-provider.c: "OpenAI (ChatGPT subscription)", the
 * Sign in with ChatGPT of pi 1.6.0 (pi-ai dist/auth/oauth/openai-chatgpt.js)
 *
 * pi 1.6.0 keeps it under the provider id `openai`, the id of an OpenAI
 * API key too: one entry per id, api_key or oauth. Authorization code with
 * PKCE and a separate random state (and nonce), 32 random bytes each as
 * base64url, through the loopback server on 127.0.0.1:1455 or the pasted
 * full redirect URL. Every login registers a client: the callback carries
 * the issued client_id, used for the exchange and every refresh and kept
 * in the entry as `clientId`. The authorize URL names this installation
 * by pi's `deviceId` (settings.json) or, without one, a UUID of our own.
 *
 * Entries: type, access, refresh, expires (now + expires_in − 3 minutes),
 * clientId, scopes (the granted scope split on white space, which must
 * hold chatgpt.tokens.use.direct). OpenAI offers no revocation.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "providers/pi-keyring-providers-private.h"

#include <string.h>

#define OPENAI_ID            "openai"
#define CHATGPT_CLIENT_ID    "dynamic_agent_client"
#define CHATGPT_AGENT_NAME   "Pi"
#define CHATGPT_AUTHORIZE    "https://auth.openai.com/api/accounts/authorize"
#define CHATGPT_TOKEN_URL    "https://auth.openai.com/api/accounts/oauth/token"
#define CHATGPT_RESOURCE     "https://api.openai.com/v1"
#define CHATGPT_REDIRECT_URI "http://127.0.0.1:1455/auth/callback"
#define CHATGPT_DIRECT_SCOPE "chatgpt.tokens.use.direct"
#define CHATGPT_SCOPE        "openid profile email offline_access resource.invoke " \
                             CHATGPT_DIRECT_SCOPE
#define CHATGPT_MARGIN_MS    (3 * 60 * 1000)

#define HOST_ID_VALUE        "@host_id"
#define NONCE_VALUE          "@nonce"

struct _PiKeyringOpenaiProvider
{
  GObject parent_instance;
};

#define PI_KEYRING_TYPE_OPENAI_PROVIDER (_pi_keyring_openai_provider_get_type ())
G_DECLARE_FINAL_TYPE (PiKeyringOpenaiProvider, _pi_keyring_openai_provider, PI_KEYRING,
                      OPENAI_PROVIDER, GObject)

static void provider_iface_init (PiKeyringProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PiKeyringOpenaiProvider, _pi_keyring_openai_provider, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PI_KEYRING_TYPE_PROVIDER,
                                                      provider_iface_init))

/* --- the device id --- */

static gboolean
is_uuid (const char *text)
{
  return text != NULL && g_uuid_string_is_valid (text);
}

/* `deviceId` of pi's settings.json, when it is a UUID. */
static char *
pi_device_id (void)
{
  g_autofree char *dir = _pi_keyring_pi_agent_dir ();
  g_autofree char *path = g_build_filename (dir, "settings.json", NULL);
  g_autoptr(JsonParser) parser = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;
  JsonNode *root;
  const char *id;

  if (!g_file_get_contents (path, &data, &length, NULL) || length > 1024 * 1024 ||
      !_pi_keyring_json_text_is_shallow (data, length))
    return NULL;

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, length, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  id = _pi_keyring_json_get_string (json_node_get_object (root), "deviceId");
  return is_uuid (id) ? g_strdup (id) : NULL;
}

char *
_pi_keyring_openai_device_id_path (void)
{
  return g_build_filename (g_get_user_state_dir (), "pi-keyring", "device-id", NULL);
}

/* pi's device id, else ours ($XDG_STATE_HOME/pi-keyring/device-id, made
 * once; not a secret). */
char *
_pi_keyring_openai_device_id (GError **error)
{
  g_autofree char *id = pi_device_id ();
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *data = NULL;
  g_autofree char *line = NULL;

  if (id != NULL)
    return g_steal_pointer (&id);

  path = _pi_keyring_openai_device_id_path ();
  if (g_file_get_contents (path, &data, NULL, NULL))
    {
      g_strstrip (data);
      if (is_uuid (data))
        return g_steal_pointer (&data);
    }

  id = g_uuid_string_random ();
  dir = g_path_get_dirname (path);
  line = g_strconcat (id, "\n", NULL);
  if (!_pi_keyring_file_ensure_private_dir (dir, error) ||
      !_pi_keyring_file_write_atomic (path, line, strlen (line), error))
    {
      g_prefix_error (error, _("Sign in with ChatGPT needs a device id for this installation: "));
      return NULL;
    }

  return g_steal_pointer (&id);
}

/* --- the entry --- */

static const char *
token_string (const PiKeyringTokenResponse *token,
              const char                   *name)
{
  const char *value = _pi_keyring_json_get_string (token->object, name);
  g_autofree char *trimmed = NULL;

  if (value == NULL)
    return NULL;
  trimmed = g_strstrip (g_strdup (value));
  return *trimmed != '\0' ? value : NULL;
}

static PiKeyringCredential *
invalid_field (const char  *field,
               GError     **error)
{
  g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
               _("OpenAI OAuth token response has invalid %s."), field);
  return NULL;
}

/* pi's credentialFromTokenResponse. */
static PiKeyringCredential *
credential_from_token (const char                   *profile,
                       const PiKeyringTokenResponse *token,
                       const char                   *client_id,
                       GError                      **error)
{
  g_auto(GStrv) scopes = NULL;
  const char *scope;
  JsonObject *entry;
  JsonArray *array;
  gboolean direct = FALSE;

  if (token_string (token, "access_token") == NULL)
    return invalid_field ("access_token", error);
  if (token_string (token, "refresh_token") == NULL)
    return invalid_field ("refresh_token", error);
  scope = token_string (token, "scope");
  if (scope == NULL)
    return invalid_field ("scope", error);
  if (token->expires_in_ms <= 0)
    return invalid_field ("expires_in", error);

  scopes = g_regex_split_simple ("\\s+", scope, 0, 0);
  array = json_array_new ();
  for (guint i = 0; scopes[i] != NULL; i++)
    {
      if (*scopes[i] == '\0')
        continue;
      json_array_add_string_element (array, scopes[i]);
      direct = direct || g_str_equal (scopes[i], CHATGPT_DIRECT_SCOPE);
    }
  if (!direct)
    {
      json_array_unref (array);
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("OpenAI OAuth grant did not include %s."), CHATGPT_DIRECT_SCOPE);
      return NULL;
    }

  entry = _pi_keyring_token_entry_new (token, token->refresh_token, CHATGPT_MARGIN_MS, TRUE,
                                       error);
  if (entry == NULL)
    {
      json_array_unref (array);
      return NULL;
    }
  json_object_set_string_member (entry, "clientId", client_id);
  json_object_set_array_member (entry, "scopes", array);

  return _pi_keyring_credential_new_take_object (OPENAI_ID, profile, entry);
}

/* --- login --- */

static void
on_code_exchanged (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  const char *client_id = g_task_get_task_data (task);
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

  /* pi keeps the presence check as part of the answer's contract. */
  if (token_string (token, "id_token") == NULL)
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                               _("OpenAI OAuth token response did not contain an ID token."));
      return;
    }

  credential = credential_from_token (PI_KEYRING_DEFAULT_PROFILE, token, client_id, &error);
  if (credential == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, credential, g_object_unref);
}

static void
exchange_code (PiKeyringLoopbackLogin *login,
               GTask                  *task)
{
  static const char * const resource[] = { "resource", CHATGPT_RESOURCE, NULL };
  const char *client_id = _pi_keyring_loopback_login_get_param_value (login);

  g_task_set_task_data (task, g_strdup (client_id), g_free);
  _pi_keyring_loopback_login_progress (login, _("Exchanging authorization code for tokens..."));

  /* The issued client, as codex's exchange otherwise (pi's
   * exchangeAuthorizationCode), then the resource. */
  _pi_keyring_loopback_login_exchange_code (login, CHATGPT_TOKEN_URL, client_id, resource, task,
                                            on_code_exchanged);
}

static gboolean
prepare_login (PiKeyringLoopbackLogin *login,
               GError                **error)
{
  g_autofree char *device_id = NULL;
  g_autofree char *lower = NULL;
  g_autofree char *host_id = NULL;
  g_autofree char *nonce = NULL;

  device_id = _pi_keyring_openai_device_id (error);
  if (device_id == NULL)
    return FALSE;
  lower = g_ascii_strdown (device_id, -1);
  host_id = g_strconcat ("urn:uuid:", lower, NULL);

  /* As the state: 32 random bytes, base64url. */
  nonce = _pi_keyring_oauth_new_state (PI_KEYRING_STATE_BASE64URL, error);
  if (nonce == NULL)
    return FALSE;

  _pi_keyring_loopback_login_set_value (login, HOST_ID_VALUE, host_id);
  _pi_keyring_loopback_login_set_value (login, NONCE_VALUE, nonce);
  _pi_keyring_secret_wipe (nonce);
  return TRUE;
}

static const char * const authorize_params[] = {
  "client_id", CHATGPT_CLIENT_ID,
  "agent_name_hint", CHATGPT_AGENT_NAME,
  "ext_agent_host_id", HOST_ID_VALUE,
  "response_type", "code",
  "redirect_uri", CHATGPT_REDIRECT_URI,
  "resource", CHATGPT_RESOURCE,
  "scope", CHATGPT_SCOPE,
  "state", PI_KEYRING_LOOPBACK_STATE,
  "code_challenge", PI_KEYRING_LOOPBACK_CHALLENGE,
  "code_challenge_method", "S256",
  "nonce", NONCE_VALUE,
  NULL
};

static const PiKeyringLoopbackConfig login_config = {
  .port = 1455,
  .callback_path = "/auth/callback",
  .redirect_uri = CHATGPT_REDIRECT_URI,
  .authorize_url = CHATGPT_AUTHORIZE,
  .authorize_params = authorize_params,
  .state_format = PI_KEYRING_STATE_BASE64URL,
  .paste_mode = PI_KEYRING_PASTE_STRICT,
  .instructions = N_("Complete sign-in in your browser. If the callback does not complete, "
                     "paste the final redirect URL here."),
  .paste_message = N_("Complete login in your browser, or paste the final redirect URL here:"),
  .paste_placeholder = CHATGPT_REDIRECT_URI,
  .state_mismatch = N_("OAuth state mismatch: the pasted answer belongs to another sign-in."),
  .callback_param = "client_id",
  .prepare = prepare_login,
  .exchange = exchange_code,
};

static void
openai_login_async (PiKeyringProvider    *provider,
                    PiKeyringInteraction *interaction,
                    GVariant             *options,
                    GCancellable         *cancellable,
                    GAsyncReadyCallback   callback,
                    gpointer              user_data)
{
  _pi_keyring_loopback_login_async (G_OBJECT (provider), &login_config, interaction, options,
                                    cancellable, callback, user_data);
}

/* --- refresh --- */

static PiKeyringCredential *
build_refreshed (PiKeyringCredential          *old,
                 const PiKeyringTokenResponse *token,
                 GError                      **error)
{
  JsonObject *object = _pi_keyring_credential_get_object (old);

  return credential_from_token (pi_keyring_credential_get_profile (old), token,
                                _pi_keyring_json_get_string (object, "clientId"), error);
}

static const PiKeyringTokenRefreshConfig refresh_config = {
  .build = build_refreshed,
  .failure_message = N_("OpenAI OAuth refresh failed."),
};

static void
openai_refresh_async (PiKeyringProvider   *provider,
                      PiKeyringCredential *credential,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  const char *client_id;
  PiKeyringHttpRequest *request;

  if (!_pi_keyring_token_refresh_check (provider, credential, &refresh_config, cancellable,
                                        callback, user_data))
    return;

  client_id = _pi_keyring_json_get_string (_pi_keyring_credential_get_object (credential),
                                           "clientId");
  if (client_id == NULL || *client_id == '\0')
    {
      g_autoptr(GTask) task = g_task_new (provider, cancellable, callback, user_data);

      g_task_set_source_tag (task, openai_refresh_async);
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED,
                               _("The stored OpenAI OAuth credential does not contain an issued "
                                 "client ID; log in to ChatGPT again."));
      return;
    }

  request = _pi_keyring_http_request_new ("POST", CHATGPT_TOKEN_URL);
  _pi_keyring_http_request_add_form_field (request, "grant_type", "refresh_token");
  _pi_keyring_http_request_add_form_field (request, "client_id", client_id);
  _pi_keyring_http_request_add_form_field (request, "refresh_token",
                                           pi_keyring_credential_get_refresh (credential));
  _pi_keyring_http_request_add_form_field (request, "resource", CHATGPT_RESOURCE);

  _pi_keyring_token_refresh_async (provider, credential, request, &refresh_config, cancellable,
                                   callback, user_data);
}

/* --- the provider --- */

/* pi 1.6.0's provider name, the one its `auth login` says "Logged in to"
 * (its OAuth name is "OpenAI (ChatGPT subscription)"): the id is the API
 * key's too, and an API key is not a ChatGPT subscription. */
static const PiKeyringBuiltinProviderInfo openai_info = {
  .id = OPENAI_ID,
  .display_name = "OpenAI",
  .flow = "loopback",
};

static void
provider_iface_init (PiKeyringProviderInterface *iface)
{
  _pi_keyring_builtin_provider_iface_init (iface, &openai_info);
  iface->login_async = openai_login_async;
  iface->refresh_async = openai_refresh_async;
  /* get_api_key: the interface's default, the access token (pi's toAuth
   * {apiKey: access}). No public revocation: revoke_async stays NULL. */
}

static void
_pi_keyring_openai_provider_class_init (PiKeyringOpenaiProviderClass *klass)
{
}

static void
_pi_keyring_openai_provider_init (PiKeyringOpenaiProvider *self)
{
}

PiKeyringProvider *
_pi_keyring_openai_provider_new (void)
{
  return g_object_new (PI_KEYRING_TYPE_OPENAI_PROVIDER, NULL);
}
