/* pi-keyring-radius-provider.c: the `radius` OAuth provider (pi 1.6.0)
 *
 * pi 1.6.0's Radius gateway login (pi-ai dist/auth/oauth/radius.js,
 * providers/radius.js, radius-config.js), against the gateway
 * https://radius.pi.dev. Two flows, as pi offers them; pi asks which one,
 * pi-keyring takes the browser unless --no-browser is given (which is what
 * `pi auth login radius --no-browser` picks too):
 *
 * The browser (loginWithBrowser):
 *   1. GET <gateway>/v1/oauth: its authorizationEndpoint (http or https);
 *   2. PKCE and a random UUID state (separate from the verifier); the
 *      authorize URL with response_type=code, client_id=pi-gateway,
 *      redirect_uri=http://127.0.0.1:1456/oauth/callback,
 *      scope="gateway offline_access", code_challenge,
 *      code_challenge_method=S256, handoff=url, state (its own query
 *      replaced, as pi sets `search`);
 *   3. the loopback server on 127.0.0.1:1456 /oauth/callback (the shared
 *      loopback driver, so a pasted redirect URL or code works too: pi has
 *      no paste for Radius, DESIGN §5 has one for every loopback login);
 *   4. POST <gateway>/v1/oauth/token, form grant_type=authorization_code,
 *      client_id, redirect_uri, code, code_verifier.
 *
 * The device code (loginWithDeviceCode):
 *   1. POST <gateway>/v1/oauth/device, form client_id, scope: device_code,
 *      user_code, verification_uri (http or https) and expires_in are
 *      required, interval optional;
 *   2. polling the token URL (form grant_type=…device_code, client_id,
 *      device_code) at once, without a first wait; `slow_down` always
 *      adds 5 s (pi does not read its interval).
 *
 * The entry (requestOAuthToken): type, access, refresh, expires = now +
 * expires_in × 1000 − 1 minute, scope (the answer's, left out when it has
 * none). A refresh is form grant_type=refresh_token, client_id,
 * refresh_token at the token URL, and its answer replaces the entry.
 *
 * Not from pi: an answer without access_token, refresh_token (at login) or
 * a usable expires_in is an error here (pi would store an entry without
 * them); a refresh answer without refresh_token keeps the old one (RFC
 * 6749 §6: the server may keep the refresh token).
 *
 * Revocation: pi has none and the gateway publishes no revocation
 * endpoint in its OAuth configuration, so the provider offers none.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "providers/pi-keyring-providers-private.h"

#include <string.h>

#define PROVIDER_ID        "radius"
#define GATEWAY            "https://radius.pi.dev"
#define DISCOVERY_URL      GATEWAY "/v1/oauth"
#define TOKEN_URL          GATEWAY "/v1/oauth/token"
#define DEVICE_URL         GATEWAY "/v1/oauth/device"
#define CLIENT_ID          "pi-gateway"
#define SCOPE              "gateway offline_access"
#define CALLBACK_PORT      1456
#define CALLBACK_PATH      "/oauth/callback"
#define REDIRECT_URI       "http://127.0.0.1:1456/oauth/callback"
#define EXPIRY_SKEW_MS     60000

#define PI_KEYRING_TYPE_RADIUS_PROVIDER (_pi_keyring_radius_provider_get_type ())
G_DECLARE_FINAL_TYPE (PiKeyringRadiusProvider, _pi_keyring_radius_provider, PI_KEYRING,
                      RADIUS_PROVIDER, GObject)

struct _PiKeyringRadiusProvider
{
  GObject parent_instance;
};

static void provider_iface_init (PiKeyringProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PiKeyringRadiusProvider, _pi_keyring_radius_provider,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PI_KEYRING_TYPE_PROVIDER,
                                                      provider_iface_init))

static void
_pi_keyring_radius_provider_class_init (PiKeyringRadiusProviderClass *klass)
{
}

static void
_pi_keyring_radius_provider_init (PiKeyringRadiusProvider *self)
{
}

PiKeyringProvider *
_pi_keyring_radius_provider_new (void)
{
  return g_object_new (PI_KEYRING_TYPE_RADIUS_PROVIDER, NULL);
}

/* requestOAuthToken's entry: type, access, refresh, expires, scope?.
 * @old_refresh (nullable, a refresh) stands in for a missing refresh_token. */
static PiKeyringCredential *
credential_from_token (const char                   *profile,
                       const PiKeyringTokenResponse *token,
                       const char                   *old_refresh,
                       GError                      **error)
{
  const char *refresh = token->refresh_token != NULL ? token->refresh_token : old_refresh;
  JsonNode *scope;
  JsonObject *entry;
  gint64 expires_in;

  if (refresh == NULL || *refresh == '\0')
    {
      g_set_error_literal (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                           _("No refresh token received. Please try again."));
      return NULL;
    }
  if (!_pi_keyring_device_login_get_expires_in (token, -1, &expires_in))
    {
      g_set_error_literal (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                           _("The token answer did not say when the token expires."));
      return NULL;
    }

  entry = json_object_new ();
  json_object_set_string_member (entry, "type", "oauth");
  json_object_set_string_member (entry, "access", token->access_token);
  json_object_set_string_member (entry, "refresh", refresh);
  json_object_set_int_member (entry, "expires", _pi_keyring_now_ms () + expires_in - EXPIRY_SKEW_MS);
  /* `scope: data.scope`: JSON.stringify drops only an undefined one. */
  scope = json_object_get_member (token->object, "scope");
  if (scope != NULL)
    json_object_set_member (entry, "scope", _pi_keyring_json_node_deep_copy (scope));

  return _pi_keyring_credential_new_take_object (PROVIDER_ID, profile, entry);
}

static void
on_token (GObject      *source,
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

  credential = credential_from_token (old != NULL ? pi_keyring_credential_get_profile (old) : NULL,
                                      token,
                                      old != NULL ? pi_keyring_credential_get_refresh (old) : NULL,
                                      &error);
  if (credential == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, credential, g_object_unref);
}

/* --- the browser flow --- */

typedef struct
{
  PiKeyringLoopbackConfig  config;         /* this login's: the discovered endpoint */
  char                    *authorize_url;
  PiKeyringInteraction    *interaction;
  GVariant                *options;        /* nullable */
  PiKeyringHttpClient     *client;
} LoginData;

static void
login_data_free (gpointer data)
{
  LoginData *login = data;

  g_free (login->authorize_url);
  g_clear_object (&login->interaction);
  g_clear_pointer (&login->options, g_variant_unref);
  g_clear_object (&login->client);
  g_free (login);
}

static void
exchange_code (PiKeyringLoopbackLogin *login,
               GTask                  *task)
{
  g_autoptr(PiKeyringHttpRequest) request = NULL;

  request = _pi_keyring_http_request_new ("POST", TOKEN_URL);
  _pi_keyring_http_request_add_form_field (request, "grant_type", "authorization_code");
  _pi_keyring_http_request_add_form_field (request, "client_id", CLIENT_ID);
  _pi_keyring_http_request_add_form_field (request, "redirect_uri", REDIRECT_URI);
  _pi_keyring_http_request_add_form_field (request, "code",
                                           _pi_keyring_loopback_login_get_code (login));
  _pi_keyring_http_request_add_form_field (request, "code_verifier",
                                           _pi_keyring_loopback_login_get_verifier (login));

  _pi_keyring_http_client_request_token_async (_pi_keyring_loopback_login_get_http_client (login),
                                               request, g_task_get_cancellable (task),
                                               on_token, task);
}

static const char * const authorize_params[] = {
  "response_type", "code",
  "client_id", CLIENT_ID,
  "redirect_uri", REDIRECT_URI,
  "scope", SCOPE,
  "code_challenge", PI_KEYRING_LOOPBACK_CHALLENGE,
  "code_challenge_method", "S256",
  "handoff", "url",
  "state", PI_KEYRING_LOOPBACK_STATE,
  NULL
};

static const PiKeyringLoopbackConfig browser_config = {
  .port = CALLBACK_PORT,
  .callback_path = CALLBACK_PATH,
  .redirect_uri = REDIRECT_URI,
  .authorize_url = NULL,  /* discovered */
  .authorize_params = authorize_params,
  .state_format = PI_KEYRING_STATE_UUID,
  .paste_mode = PI_KEYRING_PASTE_LENIENT,
  .instructions = N_("Continue in your browser."),
  .paste_message = N_("Paste the authorization code (or full redirect URL):"),
  .paste_placeholder = NULL,
  .state_mismatch = N_("State mismatch: the pasted answer belongs to another sign-in."),
  .google_progress = FALSE,
  .exchange = exchange_code,
};

static void
on_browser_login_done (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PiKeyringCredential *credential;
  GError *error = NULL;

  /* The login no longer reads this task's config once it has returned. */
  credential = _pi_keyring_loopback_login_finish (source, result, &error);
  if (credential == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, credential, g_object_unref);
}

/* The endpoint without query and fragment: pi replaces the search. NULL
 * unless it is an http(s) URL with a host (trustedHttpUrl). */
static char *
usable_endpoint (const char *value)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme, *host;

  if (value == NULL || strlen (value) > 2048 || !g_utf8_validate (value, -1, NULL))
    return NULL;

  uri = g_uri_parse (value, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return NULL;
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  if (host == NULL || *host == '\0' ||
      (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0))
    return NULL;

  return g_uri_join (G_URI_FLAGS_NONE, scheme, g_uri_get_userinfo (uri), host,
                     g_uri_get_port (uri), g_uri_get_path (uri), NULL, NULL);
}

static void
on_discovered (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PiKeyringProvider *provider = g_task_get_source_object (task);
  LoginData *login = g_task_get_task_data (task);
  g_autoptr(PiKeyringHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  response = _pi_keyring_http_client_send_finish (PI_KEYRING_HTTP_CLIENT (source), result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* 429, 408 and 5xx as everywhere; other refusals are no login matter. */
  if (response->status != 429 && response->status != 408 && response->status < 500 &&
      (response->status < 200 || response->status >= 300))
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                               _("Could not load the Radius OAuth configuration from %s (HTTP %u)."),
                               response->url, response->status);
      return;
    }
  if (!_pi_keyring_http_response_check (response, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  login->authorize_url = usable_endpoint (_pi_keyring_json_get_string (response->object,
                                                                       "authorizationEndpoint"));
  if (login->authorize_url == NULL)
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                               _("Invalid Radius OAuth configuration from %s."), response->url);
      return;
    }

  login->config = browser_config;
  login->config.authorize_url = login->authorize_url;

  /* pi: "Listening for OAuth callback on <redirect URI>" (the port is
   * fixed: the line can come before the server). */
  {
    g_autofree char *listening = g_strdup_printf (_("Listening for OAuth callback on %s"),
                                                  REDIRECT_URI);

    pi_keyring_interaction_progress (login->interaction, listening);
  }
  /* pi's hint when it picked the browser for the user. */
  pi_keyring_interaction_progress (login->interaction,
                                   _("To sign in with a device code instead, run "
                                     "“pi-keyring login radius --no-browser”."));

  _pi_keyring_loopback_login_async (G_OBJECT (provider), &login->config, login->interaction,
                                    login->options, g_task_get_cancellable (task),
                                    on_browser_login_done, g_object_ref (task));
}

/* --- the device flow --- */

static void
on_device_login_done (GObject      *source,
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

/* --- login --- */

static void
radius_login_async (PiKeyringProvider    *provider,
                    PiKeyringInteraction *interaction,
                    GVariant             *options,
                    GCancellable         *cancellable,
                    GAsyncReadyCallback   callback,
                    gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PiKeyringHttpRequest) request = NULL;

  task = g_task_new (provider, cancellable, callback, user_data);
  g_task_set_source_tag (task, radius_login_async);

  if (!pi_keyring_interaction_get_open_browser (interaction))
    {
      request = _pi_keyring_http_request_new ("POST", DEVICE_URL);
      _pi_keyring_http_request_add_form_field (request, "client_id", CLIENT_ID);
      _pi_keyring_http_request_add_form_field (request, "scope", SCOPE);
      _pi_keyring_device_login_async (interaction, request,
                                      PI_KEYRING_DEVICE_CODE_INTERVAL_OPTIONAL |
                                      PI_KEYRING_DEVICE_CODE_HTTP_URI,
                                      TOKEN_URL, CLIENT_ID,
                                      PI_KEYRING_DEVICE_POLL_PLAIN |
                                      PI_KEYRING_DEVICE_POLL_FIRST_AT_ONCE |
                                      PI_KEYRING_DEVICE_POLL_ERRORS_BELOW_500 |
                                      PI_KEYRING_DEVICE_POLL_GRANT_CLIENT_DEVICE |
                                      PI_KEYRING_DEVICE_POLL_SLOW_DOWN_ADDS_5,
                                      cancellable, on_device_login_done, g_steal_pointer (&task));
      return;
    }

  {
    LoginData *login = g_new0 (LoginData, 1);

    login->interaction = g_object_ref (interaction);
    login->options = options != NULL ? g_variant_ref (options) : NULL;
    login->client = _pi_keyring_http_client_new ();
    g_task_set_task_data (task, login, login_data_free);

    request = _pi_keyring_http_request_new ("GET", DISCOVERY_URL);
    _pi_keyring_http_client_send_async (login->client, request, cancellable, on_discovered,
                                        g_steal_pointer (&task));
  }
}

static PiKeyringCredential *
radius_login_finish (PiKeyringProvider  *provider,
                     GAsyncResult       *result,
                     GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, provider), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == radius_login_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- refresh --- */

static void
radius_refresh_async (PiKeyringProvider   *provider,
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
  g_task_set_source_tag (task, radius_refresh_async);
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
  _pi_keyring_http_client_request_token_async (http, request, cancellable, on_token,
                                               g_steal_pointer (&task));
}

/* toAuth: {apiKey: access}. */
static char *
radius_get_api_key (PiKeyringProvider   *provider,
                    PiKeyringCredential *credential)
{
  return g_strdup (pi_keyring_credential_get_access (credential));
}

static const PiKeyringBuiltinProviderInfo radius_info = {
  .id = PROVIDER_ID,
  .display_name = "Radius",
  /* the default flow; --no-browser gives the device code */
  .flow = "loopback",
};

static void
provider_iface_init (PiKeyringProviderInterface *iface)
{
  _pi_keyring_builtin_provider_iface_init (iface, &radius_info);
  iface->login_async = radius_login_async;
  iface->login_finish = radius_login_finish;
  iface->refresh_async = radius_refresh_async;
  iface->get_api_key = radius_get_api_key;
  /* No revoke_async: see the comment at the top of the file. */
  iface->revoke_async = NULL;
}
