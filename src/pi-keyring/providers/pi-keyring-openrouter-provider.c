/* pi-keyring-openrouter-provider.c: "OpenRouter OAuth" of pi 1.6.0
 * (pi-ai dist/auth/oauth/openrouter.js)
 *
 * PKCE without a state and without a client id: the loopback server
 * listens on an ephemeral port at /oauth/callback/<random UUID> (the
 * random path stands for the state), raced with a pasted code or redirect
 * URL. The code buys a permanent, user-controlled API key (JSON body to
 * /api/v1/auth/keys). Entries: type, access (the key), refresh "",
 * expires Number.MAX_SAFE_INTEGER. Refresh returns the entry unchanged,
 * with no request, as pi does. The key can be deleted only in
 * OpenRouter's settings: no revocation here.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "providers/pi-keyring-providers-private.h"

#define OPENROUTER_ID        "openrouter"
#define OPENROUTER_AUTHORIZE "https://openrouter.ai/auth"
#define OPENROUTER_KEYS_URL  "https://openrouter.ai/api/v1/auth/keys"
/* Number.MAX_SAFE_INTEGER: the key does not expire. */
#define OPENROUTER_EXPIRES   G_GINT64_CONSTANT (9007199254740991)
#define OPENROUTER_EXCHANGE_TIMEOUT_MS 30000

struct _PiKeyringOpenrouterProvider
{
  GObject parent_instance;
};

#define PI_KEYRING_TYPE_OPENROUTER_PROVIDER (_pi_keyring_openrouter_provider_get_type ())
G_DECLARE_FINAL_TYPE (PiKeyringOpenrouterProvider, _pi_keyring_openrouter_provider, PI_KEYRING,
                      OPENROUTER_PROVIDER, GObject)

static void provider_iface_init (PiKeyringProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PiKeyringOpenrouterProvider, _pi_keyring_openrouter_provider,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PI_KEYRING_TYPE_PROVIDER,
                                                      provider_iface_init))

/* pi's errorDetail: error_description, message, error, error.message. */
static const char *
error_detail (JsonObject *body)
{
  const char *names[] = { "error_description", "message", "error" };
  JsonNode *node;

  if (body == NULL)
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const char *value = _pi_keyring_json_get_string (body, names[i]);

      if (value != NULL)
        return value;
    }

  node = json_object_get_member (body, "error");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    return _pi_keyring_json_get_string (json_node_get_object (node), "message");

  return NULL;
}

static void
on_key_answer (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(PiKeyringHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  const char *key;
  JsonObject *entry;

  response = _pi_keyring_http_client_send_finish (PI_KEYRING_HTTP_CLIENT (source), result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!_pi_keyring_http_response_check (response, &error))
    {
      const char *detail = error_detail (response->object);
      g_autofree char *escaped = detail != NULL ? g_strescape (detail, NULL) : NULL;

      if (response->status >= 200 && response->status < 300)
        g_task_return_new_error (task, error->domain, error->code,
                                 _("OpenRouter OAuth returned invalid JSON."));
      else if (escaped != NULL)
        g_task_return_new_error (task, error->domain, error->code,
                                 _("OpenRouter OAuth key exchange failed (HTTP %u): %.200s"),
                                 response->status, escaped);
      else
        g_task_return_new_error (task, error->domain, error->code,
                                 _("OpenRouter OAuth key exchange failed (HTTP %u)."),
                                 response->status);
      return;
    }

  key = _pi_keyring_json_get_string (response->object, "key");
  if (key == NULL || *key == '\0')
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                               _("OpenRouter OAuth response carries no “key”."));
      return;
    }

  entry = json_object_new ();
  json_object_set_string_member (entry, "type", "oauth");
  json_object_set_string_member (entry, "access", key);
  json_object_set_string_member (entry, "refresh", "");
  json_object_set_int_member (entry, "expires", OPENROUTER_EXPIRES);
  g_task_return_pointer (task,
                         _pi_keyring_credential_new_take_object (OPENROUTER_ID,
                                                                 PI_KEYRING_DEFAULT_PROFILE,
                                                                 entry),
                         g_object_unref);
}

static void
exchange_code (PiKeyringLoopbackLogin *login,
               GTask                  *task)
{
  g_autoptr(PiKeyringHttpRequest) request = NULL;
  g_autoptr(JsonObject) body = json_object_new ();
  PiKeyringHttpClient *http = _pi_keyring_loopback_login_get_http_client (login);

  _pi_keyring_loopback_login_progress (login,
                                       _("Exchanging authorization code for an API key..."));

  json_object_set_string_member (body, "code", _pi_keyring_loopback_login_get_code (login));
  json_object_set_string_member (body, "code_verifier",
                                 _pi_keyring_loopback_login_get_verifier (login));
  json_object_set_string_member (body, "code_challenge_method", "S256");
  request = _pi_keyring_http_request_new ("POST", OPENROUTER_KEYS_URL);
  _pi_keyring_http_request_set_json_body (request, body);
  _pi_keyring_json_object_wipe (body);

  /* pi's 30 s limit of the exchange (the client's default). */
  if (_pi_keyring_http_client_get_timeout_ms (http) > OPENROUTER_EXCHANGE_TIMEOUT_MS)
    _pi_keyring_http_client_set_timeout_ms (http, OPENROUTER_EXCHANGE_TIMEOUT_MS);
  _pi_keyring_http_client_send_async (http, request, g_task_get_cancellable (task),
                                      on_key_answer, task);
}

static const char * const authorize_params[] = {
  "callback_url", PI_KEYRING_LOOPBACK_REDIRECT_URI,
  "code_challenge", PI_KEYRING_LOOPBACK_CHALLENGE,
  "code_challenge_method", "S256",
  NULL
};

static const PiKeyringLoopbackConfig login_config = {
  .port = 0,
  .callback_path = "/oauth/callback/",
  .random_path = TRUE,
  .redirect_uri = NULL,
  .authorize_url = OPENROUTER_AUTHORIZE,
  .authorize_params = authorize_params,
  .state_format = PI_KEYRING_STATE_NONE,
  .paste_mode = PI_KEYRING_PASTE_CODE_ONLY,
  .instructions = N_("Complete sign-in in your browser. If the browser is on another machine, "
                     "paste the final redirect URL here."),
  .paste_message = N_("Complete sign-in in your browser, or paste the authorization code / "
                      "redirect URL here:"),
  .paste_placeholder = NULL,
  .state_mismatch = N_("State mismatch: the pasted answer belongs to another sign-in."),
  .tell_listening = TRUE,
  .exchange = exchange_code,
};

static void
openrouter_login_async (PiKeyringProvider    *provider,
                        PiKeyringInteraction *interaction,
                        GVariant             *options,
                        GCancellable         *cancellable,
                        GAsyncReadyCallback   callback,
                        gpointer              user_data)
{
  _pi_keyring_loopback_login_async (G_OBJECT (provider), &login_config, interaction, options,
                                    cancellable, callback, user_data);
}

/* pi's refresh: the credential as it is, no request. */
static void
openrouter_refresh_async (PiKeyringProvider   *provider,
                          PiKeyringCredential *credential,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (provider, cancellable, callback, user_data);

  g_task_set_source_tag (task, openrouter_refresh_async);
  g_task_return_pointer (task, g_object_ref (credential), g_object_unref);
}

static const PiKeyringBuiltinProviderInfo openrouter_info = {
  .id = OPENROUTER_ID,
  .display_name = "OpenRouter OAuth",
  .flow = "loopback",
};

static void
provider_iface_init (PiKeyringProviderInterface *iface)
{
  _pi_keyring_builtin_provider_iface_init (iface, &openrouter_info);
  iface->login_async = openrouter_login_async;
  iface->refresh_async = openrouter_refresh_async;
  /* get_api_key: the default, the key. No revocation through the API. */
}

static void
_pi_keyring_openrouter_provider_class_init (PiKeyringOpenrouterProviderClass *klass)
{
}

static void
_pi_keyring_openrouter_provider_init (PiKeyringOpenrouterProvider *self)
{
}

PiKeyringProvider *
_pi_keyring_openrouter_provider_new (void)
{
  return g_object_new (PI_KEYRING_TYPE_OPENROUTER_PROVIDER, NULL);
}
