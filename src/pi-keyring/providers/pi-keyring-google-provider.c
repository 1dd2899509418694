/* pi-keyring-google-provider.c: Google Cloud Code Assist (Gemini CLI) and
 * Antigravity, reference §7.3 and §7.4
 *
 * One type, two configurations. Authorization code with PKCE, the
 * installed-app client secret and a separate random state (pi uses the
 * verifier, which must stay secret), through the loopback server (8085
 * and 51121) or a pasted redirect URL (a full URL only). After the token exchange: the user's e-mail address
 * (errors ignored) and the Code Assist project (pi-keyring-google-project.c).
 *
 * Entries: type, refresh, access, expires (now + expires_in − 5 minutes,
 * computed after the discovery), projectId, email (when known). A refresh
 * keeps the refresh token when the answer has none, carries projectId
 * over and drops email, as pi does. Revocation: POST oauth2/revoke.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "providers/pi-keyring-providers-private.h"

#define GOOGLE_AUTHORIZE        "https://accounts.google.com/o/oauth2/v2/auth"
#define GOOGLE_TOKEN_URL        "https://oauth2.googleapis.com/token"
#define GOOGLE_REVOKE_URL       "https://oauth2.googleapis.com/revoke"
#define GOOGLE_USERINFO_URL     "https://www.googleapis.com/oauth2/v1/userinfo?alt=json"
#define EXPIRY_BUFFER_MS        (5 * 60 * 1000)

#define GEMINI_SCOPES "https://www.googleapis.com/auth/cloud-platform " \
                      "https://www.googleapis.com/auth/userinfo.email " \
                      "https://www.googleapis.com/auth/userinfo.profile"
#define ANTIGRAVITY_SCOPES GEMINI_SCOPES " https://www.googleapis.com/auth/cclog " \
                           "https://www.googleapis.com/auth/experimentsandconfigs"

#define GEMINI_CLIENT_ID         "681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com"
#define GEMINI_CLIENT_SECRET     "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"
#define GEMINI_REDIRECT_URI      "http://localhost:8085/oauth2callback"
#define ANTIGRAVITY_CLIENT_ID    "1071006060591-tmhssin2h21lcre235vtolojh4g403ep.apps.googleusercontent.com"
#define ANTIGRAVITY_CLIENT_SECRET "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"
#define ANTIGRAVITY_REDIRECT_URI "http://localhost:51121/oauth-callback"

typedef struct
{
  const char              *id;
  const char              *display_name;
  const char              *client_id;
  const char              *client_secret;
  gboolean                 antigravity;
  const char              *refresh_failed;   /* N_() */
  const char              *missing_project;  /* N_() */
  PiKeyringLoopbackConfig  login;
} GoogleConfig;

struct _PiKeyringGoogleProvider
{
  GObject             parent_instance;

  const GoogleConfig *config;
  guint               poll_interval_ms;
  guint               max_polls;
};

#define PI_KEYRING_TYPE_GOOGLE_PROVIDER (_pi_keyring_google_provider_get_type ())
G_DECLARE_FINAL_TYPE (PiKeyringGoogleProvider, _pi_keyring_google_provider, PI_KEYRING,
                      GOOGLE_PROVIDER, GObject)

static void provider_iface_init (PiKeyringProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PiKeyringGoogleProvider, _pi_keyring_google_provider, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PI_KEYRING_TYPE_PROVIDER,
                                                      provider_iface_init))

/* --- helpers --- */

static gboolean
is_nonempty (const char *text)
{
  return text != NULL && *text != '\0';
}

static GError *
prefix_error (const char *what,
              GError     *error)
{
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_prefix_error (&error, _("%s: "), what);
  return error;
}

/* --- login --- */

typedef struct
{
  PiKeyringLoopbackLogin *login;
  PiKeyringTokenResponse *token;
  char                   *email;
} Exchange;

static void
exchange_free (gpointer data)
{
  Exchange *exchange = data;

  _pi_keyring_loopback_login_unref (exchange->login);
  _pi_keyring_token_response_free (exchange->token);
  g_free (exchange->email);
  g_free (exchange);
}

static void
on_project_discovered (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PiKeyringGoogleProvider *self = g_task_get_source_object (task);
  Exchange *exchange = g_task_get_task_data (task);
  g_autofree char *project = NULL;
  GError *error = NULL;
  JsonObject *entry;

  project = _pi_keyring_google_discover_project_finish (result, &error);
  if (project == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* pi computes the expiry after the discovery. */
  entry = _pi_keyring_token_entry_new (exchange->token, exchange->token->refresh_token,
                                       EXPIRY_BUFFER_MS, FALSE, &error);
  if (entry == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  json_object_set_string_member (entry, "projectId", project);
  if (exchange->email != NULL)
    json_object_set_string_member (entry, "email", exchange->email);

  g_task_return_pointer (task,
                         _pi_keyring_credential_new_take_object (self->config->id,
                                                                 PI_KEYRING_DEFAULT_PROFILE,
                                                                 entry),
                         g_object_unref);
}

static void
on_userinfo (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PiKeyringGoogleProvider *self = g_task_get_source_object (task);
  Exchange *exchange = g_task_get_task_data (task);
  PiKeyringInteraction *interaction = _pi_keyring_loopback_login_get_interaction (exchange->login);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(PiKeyringHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  /* Errors are ignored: the entry then has no email. */
  response = _pi_keyring_http_client_send_finish (PI_KEYRING_HTTP_CLIENT (source), result, &error);
  if (response == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (response != NULL && response->status >= 200 && response->status < 300)
    exchange->email = g_strdup (_pi_keyring_json_get_string (response->object, "email"));

  if (self->config->antigravity)
    _pi_keyring_antigravity_discover_project_async (PI_KEYRING_HTTP_CLIENT (source),
                                                    exchange->token->access_token, interaction,
                                                    cancellable, on_project_discovered,
                                                    g_steal_pointer (&task));
  else
    _pi_keyring_gemini_discover_project_async (PI_KEYRING_HTTP_CLIENT (source),
                                               exchange->token->access_token, interaction,
                                               self->poll_interval_ms, self->max_polls,
                                               cancellable, on_project_discovered,
                                               g_steal_pointer (&task));
}

static void
on_code_exchanged (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Exchange *exchange = g_task_get_task_data (task);
  g_autoptr(PiKeyringHttpRequest) request = NULL;
  g_autoptr(PiKeyringSecretString) bearer = NULL;
  GCancellable *cancellable;
  GError *error = NULL;

  exchange->token = _pi_keyring_http_client_request_token_finish (PI_KEYRING_HTTP_CLIENT (source),
                                                                  result, NULL, &error);
  if (exchange->token == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!is_nonempty (exchange->token->refresh_token))
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                               _("No refresh token received. Please try again."));
      return;
    }

  _pi_keyring_loopback_login_progress (exchange->login, _("Getting user info..."));

  bearer = g_strconcat ("Bearer ", exchange->token->access_token, NULL);
  request = _pi_keyring_http_request_new ("GET", GOOGLE_USERINFO_URL);
  _pi_keyring_http_request_add_header (request, "Authorization", bearer);
  cancellable = g_task_get_cancellable (task);
  _pi_keyring_http_client_send_async (PI_KEYRING_HTTP_CLIENT (source), request, cancellable,
                                      on_userinfo, g_steal_pointer (&task));
}

static void
exchange_code (PiKeyringLoopbackLogin *login,
               GTask                  *task)
{
  PiKeyringGoogleProvider *self = g_task_get_source_object (task);
  g_autoptr(PiKeyringHttpRequest) request = NULL;
  Exchange *exchange = g_new0 (Exchange, 1);

  exchange->login = _pi_keyring_loopback_login_ref (login);
  g_task_set_task_data (task, exchange, exchange_free);

  _pi_keyring_loopback_login_progress (login, _("Exchanging authorization code for tokens..."));

  request = _pi_keyring_http_request_new ("POST", GOOGLE_TOKEN_URL);
  _pi_keyring_http_request_add_form_field (request, "client_id", self->config->client_id);
  _pi_keyring_http_request_add_form_field (request, "client_secret", self->config->client_secret);
  _pi_keyring_http_request_add_form_field (request, "code",
                                           _pi_keyring_loopback_login_get_code (login));
  _pi_keyring_http_request_add_form_field (request, "grant_type", "authorization_code");
  _pi_keyring_http_request_add_form_field (request, "redirect_uri",
                                           _pi_keyring_loopback_login_get_redirect_uri (login));
  _pi_keyring_http_request_add_form_field (request, "code_verifier",
                                           _pi_keyring_loopback_login_get_verifier (login));

  _pi_keyring_http_client_request_token_async (_pi_keyring_loopback_login_get_http_client (login),
                                               request, g_task_get_cancellable (task),
                                               on_code_exchanged, task);
}

static void
google_login_async (PiKeyringProvider    *provider,
                    PiKeyringInteraction *interaction,
                    GVariant             *options,
                    GCancellable         *cancellable,
                    GAsyncReadyCallback   callback,
                    gpointer              user_data)
{
  PiKeyringGoogleProvider *self = PI_KEYRING_GOOGLE_PROVIDER (provider);

  _pi_keyring_loopback_login_async (G_OBJECT (provider), &self->config->login, interaction, options,
                                    cancellable, callback, user_data);
}

/* --- refresh --- */

static void
on_refreshed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PiKeyringGoogleProvider *self = g_task_get_source_object (task);
  PiKeyringCredential *old = g_task_get_task_data (task);
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  GError *error = NULL;
  const char *refresh;
  JsonObject *entry = NULL;

  token = _pi_keyring_http_client_request_token_finish (PI_KEYRING_HTTP_CLIENT (source), result,
                                                        NULL, &error);
  if (token != NULL)
    {
      /* The old refresh token unless a new one came; projectId carried
       * over; email dropped (conformance 50). */
      refresh = is_nonempty (token->refresh_token) ? token->refresh_token
                                                   : pi_keyring_credential_get_refresh (old);
      entry = _pi_keyring_token_entry_new (token, refresh, EXPIRY_BUFFER_MS, FALSE, &error);
    }
  if (entry == NULL)
    {
      g_task_return_error (task, prefix_error (_(self->config->refresh_failed), error));
      return;
    }
  json_object_set_string_member (entry, "projectId",
                                 pi_keyring_credential_get_string_field (old, "projectId"));

  g_task_return_pointer (task,
                         _pi_keyring_credential_new_take_object (
                           pi_keyring_credential_get_provider (old),
                           pi_keyring_credential_get_profile (old), entry),
                         g_object_unref);
}

static void
google_refresh_async (PiKeyringProvider   *provider,
                      PiKeyringCredential *credential,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  PiKeyringGoogleProvider *self = PI_KEYRING_GOOGLE_PROVIDER (provider);
  g_autoptr(GTask) task = NULL;
  g_autoptr(PiKeyringHttpRequest) request = NULL;
  g_autoptr(PiKeyringHttpClient) http = NULL;
  const char *refresh = pi_keyring_credential_get_refresh (credential);

  task = g_task_new (provider, cancellable, callback, user_data);
  g_task_set_source_tag (task, google_refresh_async);
  g_task_set_task_data (task, g_object_ref (credential), g_object_unref);

  /* Before any request (conformance 51). */
  if (!is_nonempty (pi_keyring_credential_get_string_field (credential, "projectId")))
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED,
                               "%s", _(self->config->missing_project));
      return;
    }
  if (!is_nonempty (refresh))
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED,
                               _("The credential has no refresh token. Log in again."));
      return;
    }

  request = _pi_keyring_http_request_new ("POST", GOOGLE_TOKEN_URL);
  _pi_keyring_http_request_add_form_field (request, "client_id", self->config->client_id);
  _pi_keyring_http_request_add_form_field (request, "client_secret", self->config->client_secret);
  _pi_keyring_http_request_add_form_field (request, "refresh_token", refresh);
  _pi_keyring_http_request_add_form_field (request, "grant_type", "refresh_token");

  http = _pi_keyring_http_client_new ();
  _pi_keyring_http_client_request_token_async (http, request, cancellable, on_refreshed,
                                               g_steal_pointer (&task));
}

/* --- revoke --- */

static void
on_revoked (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(PiKeyringHttpResponse) response = NULL;
  GError *error = NULL;

  response = _pi_keyring_http_client_send_finish (PI_KEYRING_HTTP_CLIENT (source), result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* Any 2xx (the body does not matter); a token Google no longer knows
   * is as good as revoked. */
  if ((response->status >= 200 && response->status < 300) ||
      g_strcmp0 (response->oauth_error, "invalid_token") == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  _pi_keyring_http_response_check (response, &error);
  g_task_return_error (task, error);
}

static void
google_revoke_async (PiKeyringProvider   *provider,
                     PiKeyringCredential *credential,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PiKeyringHttpRequest) request = NULL;
  g_autoptr(PiKeyringHttpClient) http = NULL;
  const char *token = pi_keyring_credential_get_refresh (credential);

  task = g_task_new (provider, cancellable, callback, user_data);
  g_task_set_source_tag (task, google_revoke_async);

  /* Revoking the refresh token revokes the whole grant. */
  if (!is_nonempty (token))
    token = pi_keyring_credential_get_access (credential);
  if (!is_nonempty (token))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  request = _pi_keyring_http_request_new ("POST", GOOGLE_REVOKE_URL);
  _pi_keyring_http_request_add_form_field (request, "token", token);
  http = _pi_keyring_http_client_new ();
  _pi_keyring_http_client_send_async (http, request, cancellable, on_revoked,
                                      g_steal_pointer (&task));
}

/* --- the provider --- */

static const char *
google_get_id (PiKeyringProvider *provider)
{
  return PI_KEYRING_GOOGLE_PROVIDER (provider)->config->id;
}

static const char *
google_get_display_name (PiKeyringProvider *provider)
{
  return PI_KEYRING_GOOGLE_PROVIDER (provider)->config->display_name;
}

/* {"token":…,"projectId":…}, as the catalog builds it for pi. */
static char *
google_get_api_key (PiKeyringProvider   *provider,
                    PiKeyringCredential *credential)
{
  return pi_keyring_catalog_get_oauth_api_key (credential);
}

/* One type for two providers: the id and the name are the instance's. */
static const PiKeyringBuiltinProviderInfo google_info = {
  .flow = "loopback",
};

static void
provider_iface_init (PiKeyringProviderInterface *iface)
{
  _pi_keyring_builtin_provider_iface_init (iface, &google_info);
  iface->get_id = google_get_id;
  iface->get_display_name = google_get_display_name;
  iface->login_async = google_login_async;
  iface->refresh_async = google_refresh_async;
  iface->get_api_key = google_get_api_key;
  iface->revoke_async = google_revoke_async;
}

static void
_pi_keyring_google_provider_class_init (PiKeyringGoogleProviderClass *klass)
{
}

static void
_pi_keyring_google_provider_init (PiKeyringGoogleProvider *self)
{
  self->poll_interval_ms = PI_KEYRING_GEMINI_POLL_INTERVAL_MS;
  self->max_polls = PI_KEYRING_GEMINI_MAX_POLLS;
}

void
_pi_keyring_google_provider_set_poll_interval_ms (PiKeyringProvider *provider,
                                                  guint              interval_ms,
                                                  guint              max_polls)
{
  PiKeyringGoogleProvider *self;

  g_return_if_fail (PI_KEYRING_IS_GOOGLE_PROVIDER (provider));

  self = PI_KEYRING_GOOGLE_PROVIDER (provider);
  self->poll_interval_ms = interval_ms > 0 ? interval_ms : PI_KEYRING_GEMINI_POLL_INTERVAL_MS;
  self->max_polls = max_polls > 0 ? max_polls : PI_KEYRING_GEMINI_MAX_POLLS;
}

/* --- the two configurations --- */

static const char * const gemini_authorize_params[] = {
  "client_id", GEMINI_CLIENT_ID,
  "response_type", "code",
  "redirect_uri", GEMINI_REDIRECT_URI,
  "scope", GEMINI_SCOPES,
  "code_challenge", PI_KEYRING_LOOPBACK_CHALLENGE,
  "code_challenge_method", "S256",
  "state", PI_KEYRING_LOOPBACK_STATE,
  "access_type", "offline",
  "prompt", "consent",
  NULL
};

static const char * const antigravity_authorize_params[] = {
  "client_id", ANTIGRAVITY_CLIENT_ID,
  "response_type", "code",
  "redirect_uri", ANTIGRAVITY_REDIRECT_URI,
  "scope", ANTIGRAVITY_SCOPES,
  "code_challenge", PI_KEYRING_LOOPBACK_CHALLENGE,
  "code_challenge_method", "S256",
  "state", PI_KEYRING_LOOPBACK_STATE,
  "access_type", "offline",
  "prompt", "consent",
  NULL
};

#define GOOGLE_LOGIN_CONFIG(PORT, PATH, REDIRECT, PARAMS) \
  { \
    .port = PORT, \
    .callback_path = PATH, \
    .redirect_uri = REDIRECT, \
    .authorize_url = GOOGLE_AUTHORIZE, \
    .authorize_params = PARAMS, \
    .state_format = PI_KEYRING_STATE_BASE64URL, \
    .paste_mode = PI_KEYRING_PASTE_STRICT, \
    .instructions = N_("Complete the sign-in in your browser."), \
    .paste_message = N_("Paste redirect URL below, or complete login in browser:"), \
    .paste_placeholder = REDIRECT, \
    .state_mismatch = N_("OAuth state mismatch - possible CSRF attack."), \
    .google_progress = TRUE, \
    .exchange = exchange_code, \
  }

static const GoogleConfig gemini_config = {
  .id = "google-gemini-cli",
  .display_name = "Google Cloud Code Assist (Gemini CLI)",
  .client_id = GEMINI_CLIENT_ID,
  .client_secret = GEMINI_CLIENT_SECRET,
  .antigravity = FALSE,
  .refresh_failed = N_("Google Cloud token refresh failed"),
  .missing_project = N_("Google Cloud credentials missing projectId. Log in again."),
  .login = GOOGLE_LOGIN_CONFIG (8085, "/oauth2callback", GEMINI_REDIRECT_URI,
                                gemini_authorize_params),
};

static const GoogleConfig antigravity_config = {
  .id = "google-antigravity",
  .display_name = "Antigravity (Gemini 3, Claude, GPT-OSS)",
  .client_id = ANTIGRAVITY_CLIENT_ID,
  .client_secret = ANTIGRAVITY_CLIENT_SECRET,
  .antigravity = TRUE,
  .refresh_failed = N_("Antigravity token refresh failed"),
  .missing_project = N_("Antigravity credentials missing projectId. Log in again."),
  .login = GOOGLE_LOGIN_CONFIG (51121, "/oauth-callback", ANTIGRAVITY_REDIRECT_URI,
                                antigravity_authorize_params),
};

static PiKeyringProvider *
google_provider_new (const GoogleConfig *config)
{
  PiKeyringGoogleProvider *self = g_object_new (PI_KEYRING_TYPE_GOOGLE_PROVIDER, NULL);

  self->config = config;
  return PI_KEYRING_PROVIDER (self);
}

PiKeyringProvider *
_pi_keyring_gemini_cli_provider_new (void)
{
  return google_provider_new (&gemini_config);
}

PiKeyringProvider *
_pi_keyring_antigravity_provider_new (void)
{
  return google_provider_new (&antigravity_config);
}
