/* pi-keyring-copilot-provider.c: the `github-copilot` OAuth provider
 *
 * pi's GitHub Copilot login (reference §7.2), on top of the device-flow
 * building blocks:
 *
 *   1. the domain: github.com, or the normalized GitHub Enterprise host
 *      given in the `enterprise-domain` option (the command asks for it);
 *   2. a device code from https://<domain>/login/device/code, shown to the
 *      user with "Enter code: <user_code>" (and the browser opened);
 *   3. polling https://<domain>/login/oauth/access_token until the user
 *      has entered it (PiKeyringDevicePoller: pi's timing, RFC 8628
 *      errors) for a long-lived GitHub token;
 *   4. the Copilot token exchange: GET https://api.<domain>/copilot_internal/v2/token
 *      with that GitHub token gives the short-lived Copilot token; the
 *      entry is `type, refresh (the GitHub token), access (the Copilot
 *      token), expires (expires_at × 1000 − 5 min), enterpriseUrl?`;
 *   5. "enabling models": one POST of {"state":"enabled"} per built-in
 *      Copilot model to <base URL>/models/<id>/policy, all at once, with
 *      their answers ignored and their time bounded.
 *
 * A refresh is step 4 again with the stored GitHub token, which does not
 * change.
 *
 * Revocation: GitHub revokes an OAuth token only through
 * DELETE /applications/<client_id>/token authenticated with the OAuth
 * app's client secret. A public client such as this one has no secret, so
 * the provider offers no revocation (revoke_async is NULL); the user can
 * revoke the grant in GitHub's settings (Applications).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "providers/pi-keyring-providers-private.h"

#include <math.h>  /* isfinite: a macro, no libm */
#include <string.h>

#define PROVIDER_ID       "github-copilot"
#define DEFAULT_DOMAIN    "github.com"
#define CLIENT_ID         "Iv1.b507a08c87ecfe98"
#define SCOPE             "read:user"
#define USER_AGENT        "GitHubCopilotChat/0.35.0"
#define EDITOR_VERSION    "vscode/1.107.0"
#define PLUGIN_VERSION    "copilot-chat/0.35.0"
#define INTEGRATION_ID    "vscode-chat"
#define EXPIRY_BUFFER_MS  (5 * 60 * 1000)
#define DEFAULT_BASE_URL  "https://api.individual.githubcopilot.com"

/* The built-in github-copilot models of pi at the reference commit (§7.2 step 5). */
static const char * const model_ids[] = {
  "claude-haiku-4.5",
  "claude-opus-4.5",
  "claude-opus-4.6",
  "claude-sonnet-4",
  "claude-sonnet-4.5",
  "claude-sonnet-4.6",
  "gemini-2.5-pro",
  "gemini-3-flash-preview",
  "gemini-3-pro-preview",
  "gemini-3.1-pro-preview",
  "gpt-4.1",
  "gpt-4o",
  "gpt-5",
  "gpt-5-mini",
  "gpt-5.1",
  "gpt-5.1-codex",
  "gpt-5.1-codex-max",
  "gpt-5.1-codex-mini",
  "gpt-5.2",
  "gpt-5.2-codex",
  "gpt-5.3-codex",
  "gpt-5.4",
  "grok-code-fast-1",
};

/* GitHub's device-flow endpoints want these (step 2 and 3). */
static const char * const device_headers[] = {
  "Accept", "application/json",
  "Content-Type", "application/x-www-form-urlencoded",
  "User-Agent", USER_AGENT,
  NULL,
};

/* The four headers Copilot wants on every request. */
static const char * const copilot_headers[] = {
  "User-Agent", USER_AGENT,
  "Editor-Version", EDITOR_VERSION,
  "Editor-Plugin-Version", PLUGIN_VERSION,
  "Copilot-Integration-Id", INTEGRATION_ID,
  NULL,
};

/* --- pure helpers (conformance 63 and 64) --- */

/* WHATWG URL's forbidden domain code points, and what a host in a URL we
 * build must not hold. */
static gboolean
host_is_acceptable (const char *host)
{
  if (host == NULL || *host == '\0')
    return FALSE;

  for (const guchar *p = (const guchar *) host; *p != '\0'; p++)
    if (*p <= 0x20 || *p >= 0x7f || strchr ("#%/:<>?@[\\]^|", *p) != NULL)
      return FALSE;

  return TRUE;
}

char *
_pi_keyring_copilot_normalize_domain (const char  *input,
                                      GError     **error)
{
  g_autofree char *text = g_strstrip (g_strdup (input != NULL ? input : ""));
  g_autofree char *url = NULL;
  g_autoptr(GUri) uri = NULL;
  const char *host;

  if (*text == '\0')
    return g_strdup (DEFAULT_DOMAIN);

  /* As pi: a URL when it has a scheme, else a bare host (with an optional
   * port and path); the lower-cased host name is what counts. GUri decodes
   * percent-escapes and turns an IDN into its ASCII form, as URL does. */
  url = strstr (text, "://") != NULL ? g_strdup (text) : g_strconcat ("https://", text, NULL);
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  host = uri != NULL ? g_uri_get_host (uri) : NULL;
  if (!host_is_acceptable (host))
    {
      g_set_error_literal (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT,
                           _("Invalid GitHub Enterprise URL/domain"));
      return NULL;
    }

  return g_ascii_strdown (host, -1);
}

char *
_pi_keyring_copilot_base_url (const char *token,
                              const char *enterprise_domain)
{
  const char *proxy = token != NULL ? strstr (token, "proxy-ep=") : NULL;

  /* pi: /proxy-ep=([^;]+)/, then a leading "proxy." becomes "api.". */
  if (proxy != NULL)
    {
      const char *host = proxy + strlen ("proxy-ep=");
      gsize length = strcspn (host, ";");

      if (length > 0)
        {
          g_autofree char *value = g_strndup (host, length);

          if (g_str_has_prefix (value, "proxy."))
            return g_strconcat ("https://api.", value + strlen ("proxy."), NULL);

          return g_strconcat ("https://", value, NULL);
        }
    }

  if (enterprise_domain != NULL && *enterprise_domain != '\0')
    return g_strconcat ("https://copilot-api.", enterprise_domain, NULL);

  return g_strdup (DEFAULT_BASE_URL);
}

/* --- the provider object --- */

#define PI_KEYRING_TYPE_COPILOT_PROVIDER (_pi_keyring_copilot_provider_get_type ())
G_DECLARE_FINAL_TYPE (PiKeyringCopilotProvider, _pi_keyring_copilot_provider, PI_KEYRING,
                      COPILOT_PROVIDER, GObject)

/**
 * PiKeyringCopilotProvider:
 *
 * The built-in `github-copilot` provider (private).
 */
struct _PiKeyringCopilotProvider
{
  GObject         parent_instance;

  PiKeyringClock *clock;              /* for tests; NULL: the real clock */
  guint           policy_timeout_ms;
};

static void provider_iface_init (PiKeyringProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PiKeyringCopilotProvider, _pi_keyring_copilot_provider,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PI_KEYRING_TYPE_PROVIDER,
                                                      provider_iface_init))

static void
_pi_keyring_copilot_provider_finalize (GObject *object)
{
  PiKeyringCopilotProvider *self = PI_KEYRING_COPILOT_PROVIDER (object);

  g_clear_pointer (&self->clock, _pi_keyring_clock_unref);

  G_OBJECT_CLASS (_pi_keyring_copilot_provider_parent_class)->finalize (object);
}

static void
_pi_keyring_copilot_provider_class_init (PiKeyringCopilotProviderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = _pi_keyring_copilot_provider_finalize;
}

static void
_pi_keyring_copilot_provider_init (PiKeyringCopilotProvider *self)
{
  self->policy_timeout_ms = PI_KEYRING_COPILOT_POLICY_TIMEOUT_MS;
}

PiKeyringProvider *
_pi_keyring_copilot_provider_new (void)
{
  return g_object_new (PI_KEYRING_TYPE_COPILOT_PROVIDER, NULL);
}

void
_pi_keyring_copilot_provider_set_clock (PiKeyringProvider *provider,
                                        PiKeyringClock    *clock)
{
  PiKeyringCopilotProvider *self;

  g_return_if_fail (PI_KEYRING_IS_COPILOT_PROVIDER (provider));

  self = PI_KEYRING_COPILOT_PROVIDER (provider);
  g_clear_pointer (&self->clock, _pi_keyring_clock_unref);
  if (clock != NULL)
    self->clock = _pi_keyring_clock_ref (clock);
}

void
_pi_keyring_copilot_provider_set_policy_timeout_ms (PiKeyringProvider *provider,
                                                    guint              timeout_ms)
{
  g_return_if_fail (PI_KEYRING_IS_COPILOT_PROVIDER (provider));
  g_return_if_fail (timeout_ms > 0);

  PI_KEYRING_COPILOT_PROVIDER (provider)->policy_timeout_ms = timeout_ms;
}

/* --- step 4: the Copilot token exchange (login and refresh) --- */

typedef struct
{
  char *enterprise_url;  /* the entry's enterpriseUrl, or NULL */
  char *github_token;    /* a secret */
  char *profile;
} ExchangeData;

static void
exchange_data_free (gpointer data)
{
  ExchangeData *exchange = data;

  g_free (exchange->enterprise_url);
  _pi_keyring_secret_free (exchange->github_token);
  g_free (exchange->profile);
  g_free (exchange);
}

/* expires_at (seconds) as pi stores it: × 1000 − 5 minutes. FALSE when it
 * is not a number (or an absurd one). */
static gboolean
get_expires_ms (JsonObject *object,
                gint64     *out_expires)
{
  JsonNode *node = json_object_get_member (object, "expires_at");
  double seconds;
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    seconds = (double) json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    seconds = json_node_get_double (node);
  else
    return FALSE;

  if (!isfinite (seconds) || seconds < -1e12 || seconds > 1e12)
    return FALSE;

  /* Rounded to the millisecond without libm. */
  seconds *= 1000.0;
  *out_expires = (gint64) (seconds < 0 ? seconds - 0.5 : seconds + 0.5) - EXPIRY_BUFFER_MS;
  return TRUE;
}

static void
on_exchange_answer (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ExchangeData *exchange = g_task_get_task_data (task);
  g_autoptr(PiKeyringHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  const char *token;
  JsonObject *entry;
  gint64 expires;

  response = _pi_keyring_http_client_send_finish (PI_KEYRING_HTTP_CLIENT (source), result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* GitHub answers 403 when the account has no Copilot seat: the GitHub
   * token is fine, logging in again would not help. */
  if (response->status == 403)
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                               _("GitHub refused a Copilot token at %s (HTTP 403). Check that "
                                 "this GitHub account has access to GitHub Copilot."),
                               response->url);
      return;
    }

  if (!_pi_keyring_http_response_check (response, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  token = _pi_keyring_json_get_string (response->object, "token");
  if (token == NULL || *token == '\0' || !get_expires_ms (response->object, &expires))
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                               "%s", _("Invalid Copilot token response fields"));
      return;
    }

  /* pi's field order: type, refresh, access, expires, enterpriseUrl?. */
  entry = json_object_new ();
  json_object_set_string_member (entry, "type", "oauth");
  json_object_set_string_member (entry, "refresh", exchange->github_token);
  json_object_set_string_member (entry, "access", token);
  json_object_set_int_member (entry, "expires", expires);
  if (exchange->enterprise_url != NULL)
    json_object_set_string_member (entry, "enterpriseUrl", exchange->enterprise_url);

  g_task_return_pointer (task,
                         _pi_keyring_credential_new_take_object (PROVIDER_ID, exchange->profile,
                                                                 entry),
                         g_object_unref);
}

/* Exchanges @github_token at https://api.@domain/… for a credential.
 * @enterprise_url (nullable) is stored as the entry's enterpriseUrl. */
static void
exchange_async (PiKeyringHttpClient *client,
                const char          *domain,
                const char          *enterprise_url,
                const char          *github_token,
                const char          *profile,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PiKeyringHttpRequest) request = NULL;
  g_autoptr(PiKeyringSecretString) authorization = NULL;
  g_autofree char *url = NULL;
  ExchangeData *exchange;

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, exchange_async);

  exchange = g_new0 (ExchangeData, 1);
  exchange->enterprise_url = g_strdup (enterprise_url);
  exchange->github_token = g_strdup (github_token);
  exchange->profile = g_strdup (profile);
  g_task_set_task_data (task, exchange, exchange_data_free);

  url = g_strconcat ("https://api.", domain, "/copilot_internal/v2/token", NULL);
  authorization = g_strconcat ("Bearer ", github_token, NULL);

  request = _pi_keyring_http_request_new ("GET", url);
  _pi_keyring_http_request_add_header (request, "Accept", "application/json");
  _pi_keyring_http_request_add_header (request, "Authorization", authorization);
  for (guint i = 0; copilot_headers[i] != NULL; i += 2)
    _pi_keyring_http_request_add_header (request, copilot_headers[i], copilot_headers[i + 1]);

  _pi_keyring_http_client_send_async (client, request, cancellable, on_exchange_answer,
                                      g_steal_pointer (&task));
}

static PiKeyringCredential *
exchange_finish (GAsyncResult  *result,
                 GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == exchange_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- login --- */

typedef struct
{
  PiKeyringInteraction  *interaction;
  PiKeyringHttpClient   *client;
  PiKeyringHttpClient   *policy_client;
  char                  *domain;      /* github.com or the enterprise host */
  gboolean               enterprise;
  PiKeyringDevicePoller *poller;
  PiKeyringCredential   *credential;
  guint                  policies_pending;
} LoginData;

static void
login_data_free (gpointer data)
{
  LoginData *login = data;

  g_clear_object (&login->interaction);
  g_clear_object (&login->client);
  g_clear_object (&login->policy_client);
  g_free (login->domain);
  g_clear_object (&login->poller);
  g_clear_object (&login->credential);
  g_free (login);
}

static void
on_policy_answer (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LoginData *login = g_task_get_task_data (task);
  g_autoptr(PiKeyringHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  /* As in pi, the answers do not matter: a model that cannot be enabled
   * here can still be enabled in GitHub's settings. */
  response = _pi_keyring_http_client_send_finish (PI_KEYRING_HTTP_CLIENT (source), result, &error);
  if (response == NULL)
    g_debug ("Copilot model policy: %s", error->message);

  g_assert (login->policies_pending > 0);
  if (--login->policies_pending == 0)
    g_task_return_pointer (task, g_steal_pointer (&login->credential), g_object_unref);
}

/* Step 5: every request at once, each bounded by the policy client's time
 * limit, so the login waits at most that long. */
static void
enable_models (GTask *task)
{
  PiKeyringCopilotProvider *self = g_task_get_source_object (task);
  LoginData *login = g_task_get_task_data (task);
  const char *access = pi_keyring_credential_get_access (login->credential);
  g_autofree char *base_url = NULL;
  g_autoptr(PiKeyringSecretString) authorization = NULL;
  g_autoptr(JsonObject) body = json_object_new ();

  pi_keyring_interaction_progress (login->interaction, _("Enabling models..."));

  base_url = _pi_keyring_copilot_base_url (access, login->enterprise ? login->domain : NULL);
  authorization = g_strconcat ("Bearer ", access, NULL);
  json_object_set_string_member (body, "state", "enabled");

  login->policy_client = _pi_keyring_http_client_new ();
  _pi_keyring_http_client_set_timeout_ms (login->policy_client, self->policy_timeout_ms);

  login->policies_pending = G_N_ELEMENTS (model_ids);
  for (gsize i = 0; i < G_N_ELEMENTS (model_ids); i++)
    {
      g_autofree char *url = g_strconcat (base_url, "/models/", model_ids[i], "/policy", NULL);
      g_autoptr(PiKeyringHttpRequest) request = _pi_keyring_http_request_new ("POST", url);

      _pi_keyring_http_request_add_header (request, "Content-Type", "application/json");
      _pi_keyring_http_request_add_header (request, "Authorization", authorization);
      for (guint j = 0; copilot_headers[j] != NULL; j += 2)
        _pi_keyring_http_request_add_header (request, copilot_headers[j], copilot_headers[j + 1]);
      _pi_keyring_http_request_add_header (request, "openai-intent", "chat-policy");
      _pi_keyring_http_request_add_header (request, "x-interaction-type", "chat-policy");
      _pi_keyring_http_request_set_json_body (request, body);

      _pi_keyring_http_client_send_async (login->policy_client, request,
                                          g_task_get_cancellable (task), on_policy_answer,
                                          g_object_ref (task));
    }
}

static void
on_login_exchanged (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LoginData *login = g_task_get_task_data (task);
  GError *error = NULL;

  login->credential = exchange_finish (result, &error);
  if (login->credential == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  enable_models (task);
}

static void
on_login_polled (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LoginData *login = g_task_get_task_data (task);
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  GCancellable *cancellable;
  GError *error = NULL;

  token = _pi_keyring_device_poller_poll_finish (PI_KEYRING_DEVICE_POLLER (source), result, &error);
  if (token == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  cancellable = g_task_get_cancellable (task);
  exchange_async (login->client, login->domain, login->enterprise ? login->domain : NULL,
                  token->access_token, NULL, cancellable, on_login_exchanged,
                  g_steal_pointer (&task));
}

static void
on_login_device_code (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PiKeyringCopilotProvider *self = g_task_get_source_object (task);
  LoginData *login = g_task_get_task_data (task);
  g_autoptr(PiKeyringDeviceCode) code = NULL;
  g_autofree char *instructions = NULL;
  g_autofree char *poll_url = NULL;
  GCancellable *cancellable;
  GError *error = NULL;

  code = _pi_keyring_device_code_request_finish (result, &error);
  if (code == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* The user code is meant to be shown: it is not a secret. */
  instructions = g_strdup_printf (_("Enter code: %s"), code->user_code);
  pi_keyring_interaction_show_auth (login->interaction, code->verification_uri, instructions);
  if (pi_keyring_interaction_get_open_browser (login->interaction))
    _pi_keyring_open_browser (code->verification_uri);
  pi_keyring_interaction_progress (login->interaction, _("Waiting for browser authentication..."));

  poll_url = g_strconcat ("https://", login->domain, "/login/oauth/access_token", NULL);
  login->poller = _pi_keyring_device_poller_new (login->client, poll_url, CLIENT_ID,
                                                 code->device_code, code->interval,
                                                 code->expires_in);
  for (guint i = 0; device_headers[i] != NULL; i += 2)
    _pi_keyring_device_poller_add_header (login->poller, device_headers[i], device_headers[i + 1]);
  if (self->clock != NULL)
    _pi_keyring_device_poller_set_clock (login->poller, self->clock);

  cancellable = g_task_get_cancellable (task);
  _pi_keyring_device_poller_poll_async (login->poller, cancellable, on_login_polled,
                                        g_steal_pointer (&task));
}

/* The `enterprise-domain` option: NULL when absent. */
static gboolean
lookup_enterprise_option (GVariant    *options,
                          char       **out_value,
                          GError     **error)
{
  g_autoptr(GVariant) value = NULL;

  *out_value = NULL;
  if (options == NULL)
    return TRUE;

  value = g_variant_lookup_value (options, "enterprise-domain", NULL);
  if (value == NULL)
    return TRUE;

  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT,
                   _("The option “%s” must be a string."), "enterprise-domain");
      return FALSE;
    }

  *out_value = g_variant_dup_string (value, NULL);
  return TRUE;
}

static void
copilot_login_async (PiKeyringProvider    *provider,
                     PiKeyringInteraction *interaction,
                     GVariant             *options,
                     GCancellable         *cancellable,
                     GAsyncReadyCallback   callback,
                     gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *input = NULL;
  g_autofree char *domain = NULL;
  g_autofree char *code_url = NULL;
  GError *error = NULL;
  LoginData *login;

  task = g_task_new (provider, cancellable, callback, user_data);
  g_task_set_source_tag (task, copilot_login_async);

  /* Step 1. The command asks for the domain; no prompt here. */
  if (!lookup_enterprise_option (options, &input, &error) ||
      (domain = _pi_keyring_copilot_normalize_domain (input, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  login = g_new0 (LoginData, 1);
  login->interaction = g_object_ref (interaction);
  login->client = _pi_keyring_http_client_new ();
  login->enterprise = !g_str_equal (domain, DEFAULT_DOMAIN);
  login->domain = g_steal_pointer (&domain);
  g_task_set_task_data (task, login, login_data_free);

  /* Step 2. */
  code_url = g_strconcat ("https://", login->domain, "/login/device/code", NULL);
  _pi_keyring_device_code_request_async (login->client, code_url, CLIENT_ID, SCOPE,
                                         device_headers, cancellable, on_login_device_code,
                                         g_steal_pointer (&task));
}

/* --- refresh --- */

static void
on_refresh_exchanged (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PiKeyringCredential *credential;
  GError *error = NULL;

  credential = exchange_finish (result, &error);
  if (credential == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, credential, g_object_unref);
}

static void
copilot_refresh_async (PiKeyringProvider   *provider,
                       PiKeyringCredential *credential,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PiKeyringHttpClient) client = NULL;
  g_autofree char *domain = NULL;
  const char *github_token;
  const char *enterprise_url;
  GError *error = NULL;

  task = g_task_new (provider, cancellable, callback, user_data);
  g_task_set_source_tag (task, copilot_refresh_async);

  github_token = pi_keyring_credential_get_refresh (credential);
  if (github_token == NULL || *github_token == '\0')
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED,
                               _("The GitHub Copilot credential has no GitHub token. Log in "
                                 "again."));
      return;
    }

  /* pi: domain = enterpriseUrl || "github.com"; enterpriseUrl is kept as
   * it was. It is normalized for the URL, so that a hand-edited URL works
   * and nothing but a host lands in the URL. */
  enterprise_url = pi_keyring_credential_get_string_field (credential, "enterpriseUrl");
  domain = _pi_keyring_copilot_normalize_domain (enterprise_url, &error);
  if (domain == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  client = _pi_keyring_http_client_new ();
  exchange_async (client, domain, enterprise_url, github_token,
                  pi_keyring_credential_get_profile (credential), cancellable,
                  on_refresh_exchanged, g_steal_pointer (&task));
}

/* getApiKey: the Copilot token. */
static char *
copilot_get_api_key (PiKeyringProvider   *provider,
                     PiKeyringCredential *credential)
{
  return g_strdup (pi_keyring_credential_get_access (credential));
}

static const PiKeyringBuiltinProviderInfo copilot_info = {
  .id = PROVIDER_ID,
  .display_name = "GitHub Copilot",
  .flow = "device",
};

static void
provider_iface_init (PiKeyringProviderInterface *iface)
{
  _pi_keyring_builtin_provider_iface_init (iface, &copilot_info);
  iface->login_async = copilot_login_async;
  iface->refresh_async = copilot_refresh_async;
  iface->get_api_key = copilot_get_api_key;
  /* No revoke_async: see the comment at the top of the file. */
  iface->revoke_async = NULL;
}
