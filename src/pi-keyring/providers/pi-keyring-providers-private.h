/* pi-keyring-providers-private.h: the providers' private parts: the built-in OAuth providers, Copilot's and the Google providers' helpers, the catalog's cache.
 *
 * Nothing here is exported; the layers above and the tests reach it
 * through the static library.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "oauth/pi-keyring-oauth-private.h"
#include "pi-keyring-catalog.h"
#include "pi-keyring-provider.h"

G_BEGIN_DECLS

/* --- pi-keyring-catalog.c --- */

/* Forgets whether the Google ADC file exists (pi looks once per process). For tests. */
void          _pi_keyring_catalog_reset_adc_cache (void);
/* The variable through which the environment authenticates pi for
 * @provider without giving a key (pi 1.6.0's ANTHROPIC_AUTH_TOKEN, sent
 * as a bearer token, or its Anthropic workload identity federation,
 * named by ANTHROPIC_FEDERATION_RULE_ID), or NULL. */
const char   *_pi_keyring_catalog_get_env_auth_variable (const char *provider);

/* --- pi-keyring-copilot-provider.c: github-copilot (reference §7.2) --- */

/* The time limit of each "enable models" request at login. */
#define PI_KEYRING_COPILOT_POLICY_TIMEOUT_MS 5000

/* Step 1 (conformance 64): the input trimmed; empty → "github.com"; else
 * the lower-cased host of the URL (or of "https://" + input). Otherwise
 * NULL with INVALID_ARGUMENT "Invalid GitHub Enterprise URL/domain". */
char          *_pi_keyring_copilot_normalize_domain   (const char  *input,
                                                       GError     **error);
/* The Copilot API base URL (conformance 63): from the token's proxy-ep
 * (a leading "proxy." becomes "api."), else https://copilot-api.<domain>
 * when @enterprise_domain (nullable) is given, else the individual API. */
char          *_pi_keyring_copilot_base_url           (const char  *token,
                                                       const char  *enterprise_domain);
/* For tests: the device poller's clock (NULL: the real one), and the
 * time limit of the model policy requests. */
void           _pi_keyring_copilot_provider_set_clock (PiKeyringProvider *provider,
                                                       PiKeyringClock    *clock);
void           _pi_keyring_copilot_provider_set_policy_timeout_ms (PiKeyringProvider *provider,
                                                                   guint              timeout_ms);

/* --- the loopback providers' private parts (for tests) --- */

/* pi-keyring-codex-provider.c: the `chatgpt_account_id` claim of the
 * access token (a JWT whose payload is base64 or base64url), or NULL. */
char          *_pi_keyring_codex_account_id_from_token (const char *access_token);

/* pi-keyring-google-project.c: project discovery after the token
 * exchange (reference §7.3, §7.4). @interaction is nullable. */
#define PI_KEYRING_GEMINI_POLL_INTERVAL_MS 5000
#define PI_KEYRING_GEMINI_MAX_POLLS        60

void           _pi_keyring_gemini_discover_project_async (PiKeyringHttpClient  *http,
                                                          const char           *access_token,
                                                          PiKeyringInteraction *interaction,
                                                          guint                 poll_interval_ms,
                                                          guint                 max_polls,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
void           _pi_keyring_antigravity_discover_project_async (PiKeyringHttpClient  *http,
                                                               const char           *access_token,
                                                               PiKeyringInteraction *interaction,
                                                               GCancellable         *cancellable,
                                                               GAsyncReadyCallback   callback,
                                                               gpointer              user_data);
/* Finishes either discovery: the project id. */
char          *_pi_keyring_google_discover_project_finish (GAsyncResult  *result,
                                                           GError       **error);
/* pi-keyring-google-provider.c: the interval between onboarding polls
 * and their number (0: the defaults). */
void           _pi_keyring_google_provider_set_poll_interval_ms (PiKeyringProvider *provider,
                                                                 guint              interval_ms,
                                                                 guint              max_polls);

/* --- pi-keyring-token-refresh.c: the refresh most providers share --- */

/* The replacement entry from a refresh answer, or NULL with @error. */
typedef PiKeyringCredential *(*PiKeyringTokenRefreshBuildFunc) (PiKeyringCredential          *old,
                                                                const PiKeyringTokenResponse *token,
                                                                GError                      **error);

typedef struct
{
  PiKeyringTokenRefreshBuildFunc build;
  const char                    *failure_message;    /* N_(): pi's, before the reason */
  guint                          retries;            /* after 1, 2, 4 … s on 429, 5xx, network */
  gboolean                       forbidden_refused;  /* 403 and invalid_grant: re-authenticate */
} PiKeyringTokenRefreshConfig;

/* FALSE, having returned REAUTHENTICATION_REQUIRED through @callback, when
 * @credential has no refresh token; TRUE otherwise (nothing done). */
gboolean       _pi_keyring_token_refresh_check        (PiKeyringProvider                 *provider,
                                                       PiKeyringCredential               *credential,
                                                       const PiKeyringTokenRefreshConfig *config,
                                                       GCancellable                      *cancellable,
                                                       GAsyncReadyCallback                callback,
                                                       gpointer                           user_data);
/* Sends @request (taken) and returns the built credential through the
 * interface's default refresh_finish. */
void           _pi_keyring_token_refresh_async        (PiKeyringProvider                 *provider,
                                                       PiKeyringCredential               *credential,
                                                       PiKeyringHttpRequest              *request,
                                                       const PiKeyringTokenRefreshConfig *config,
                                                       GCancellable                      *cancellable,
                                                       GAsyncReadyCallback                callback,
                                                       gpointer                           user_data);

/* --- pi-keyring-device-login.c: pi 1.6.0's device-code logins (meta, xai, radius) --- */

/* show_auth (URI, "Enter code: …"), the browser unless the interaction
 * says not to, then "Waiting for authentication...". */
void           _pi_keyring_device_login_show          (PiKeyringInteraction      *interaction,
                                                       const PiKeyringDeviceCode *code);
/* The answer's expires_in in ms: @default_ms (≥ 0) when it has none; FALSE
 * when it has one that is not a positive number (or none and no default). */
gboolean       _pi_keyring_device_login_get_expires_in (const PiKeyringTokenResponse *token,
                                                        gint64                        default_ms,
                                                        gint64                       *out_ms);
/* The whole device login: sends @request (the provider's device
 * authorization request) read by @code_flags, shows the code, polls
 * @token_url with @client_id by @poll_flags. Finish gives the token answer. */
void           _pi_keyring_device_login_async         (PiKeyringInteraction      *interaction,
                                                       PiKeyringHttpRequest      *request,
                                                       PiKeyringDeviceCodeFlags   code_flags,
                                                       const char                *token_url,
                                                       const char                *client_id,
                                                       PiKeyringDevicePollFlags   poll_flags,
                                                       GCancellable              *cancellable,
                                                       GAsyncReadyCallback        callback,
                                                       gpointer                   user_data);
PiKeyringTokenResponse *_pi_keyring_device_login_finish (GAsyncResult  *result,
                                                         GError       **error);

PiKeyringProvider *_pi_keyring_meta_provider_new        (void);
PiKeyringProvider *_pi_keyring_xai_provider_new         (void);
PiKeyringProvider *_pi_keyring_radius_provider_new      (void);

/* --- pi-keyring-builtin-providers.c --- */

/* The built-in OAuth providers, in pi's registry order. */
GPtrArray     *_pi_keyring_builtin_providers_new      (void);

PiKeyringProvider *_pi_keyring_anthropic_provider_new   (void);
PiKeyringProvider *_pi_keyring_copilot_provider_new     (void);
PiKeyringProvider *_pi_keyring_gemini_cli_provider_new  (void);
PiKeyringProvider *_pi_keyring_antigravity_provider_new (void);
PiKeyringProvider *_pi_keyring_codex_provider_new       (void);
/* pi 1.6.0: openai (ChatGPT), kimi-coding, openrouter */
PiKeyringProvider *_pi_keyring_openai_provider_new      (void);
PiKeyringProvider *_pi_keyring_kimi_provider_new        (void);
PiKeyringProvider *_pi_keyring_openrouter_provider_new  (void);
/* pi-keyring-openai-provider.c: pi's settings.json deviceId, else ours,
 * kept in _pi_keyring_openai_device_id_path () (made once). */
char          *_pi_keyring_openai_device_id           (GError **error);
char          *_pi_keyring_openai_device_id_path      (void);

/* The login_finish of the loopback providers (anthropic, openai-codex, the
 * Google providers), whose login_async is _pi_keyring_loopback_login_async. */
PiKeyringCredential *_pi_keyring_loopback_provider_login_finish (PiKeyringProvider  *provider,
                                                                 GAsyncResult       *result,
                                                                 GError            **error);

/* What a built-in provider type says of itself. */
typedef struct
{
  const char *id;            /* NULL: the type sets get_id itself */
  const char *display_name;  /* NULL: the type sets get_display_name itself */
  const char *flow;          /* "loopback" or "device" */
} PiKeyringBuiltinProviderInfo;

/* Fills in the parts of @iface that the built-in providers share: get_id,
 * get_display_name and get_flow from @info (kept, with the type), and
 * refresh_finish; for a loopback flow, login_finish too. Call it first in
 * the type's interface init, then set the rest. */
void           _pi_keyring_builtin_provider_iface_init (PiKeyringProviderInterface         *iface,
                                                        const PiKeyringBuiltinProviderInfo *info);

G_END_DECLS
