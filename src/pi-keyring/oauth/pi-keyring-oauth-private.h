/* pi-keyring-oauth-private.h: the OAuth building blocks (DESIGN §5): PKCE and state, the pasted-input parser, URL rewriting, the token-endpoint client, the loopback callback server, the device-code poller, the browser and the loopback login driver.
 *
 * Nothing here is exported; the layers above and the tests reach it
 * through the static library.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "core/pi-keyring-core-private.h"

G_BEGIN_DECLS

/* --- pi-keyring-pkce.c: PKCE (RFC 7636, S256) and state --- */

typedef struct
{
  char *verifier;   /* 43 base64url characters; a secret */
  char *challenge;  /* base64url (SHA-256 (verifier)), 43 characters */
} PiKeyringPkce;

/* Fills @buffer with @length bytes of gnutls_rnd (GNUTLS_RND_KEY). */
gboolean       _pi_keyring_random_bytes               (guint8       *buffer,
                                                       gsize         length,
                                                       GError      **error);
/* base64url without padding (RFC 4648 §5). */
char          *_pi_keyring_base64url_encode           (const guint8 *data,
                                                       gsize         length);
/* A fresh verifier (32 random bytes) and its S256 challenge. */
PiKeyringPkce *_pi_keyring_pkce_new                   (GError      **error);
void           _pi_keyring_pkce_free                  (PiKeyringPkce *pkce);
char          *_pi_keyring_pkce_new_verifier          (GError      **error);
/* The S256 challenge of @verifier: a pure function. */
char          *_pi_keyring_pkce_challenge_for_verifier (const char  *verifier);
typedef enum
{
  /* anthropic and the Google providers: 32 random bytes as 43 base64url
   * characters, independent of the verifier (RFC 9700 §2.1.1) */
  PI_KEYRING_STATE_BASE64URL,
  /* openai-codex, as pi: 16 random bytes as 32 lowercase hexadecimal
   * characters, independent of the verifier */
  PI_KEYRING_STATE_HEX,
  /* openrouter: no state (the callback's random path stands for it); a
   * login only, _pi_keyring_oauth_new_state refuses it */
  PI_KEYRING_STATE_NONE,
  /* radius, as pi (crypto.randomUUID ()): a random version 4 UUID from
   * 16 random bytes, independent of the verifier */
  PI_KEYRING_STATE_UUID,
} PiKeyringStateFormat;

/* A fresh state from gnutls_rnd (GNUTLS_RND_KEY); never the verifier. */
char          *_pi_keyring_oauth_new_state            (PiKeyringStateFormat   format,
                                                       GError               **error);
/* Constant-time comparison (the time depends on the lengths only). */
gboolean       _pi_keyring_oauth_state_equal          (const char  *expected,
                                                       const char  *actual);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PiKeyringPkce, _pi_keyring_pkce_free)

/* --- pi-keyring-paste.c: pasted redirect URL / code (reference §6.5) --- */

typedef enum
{
  /* anthropic, openai-codex: URL, code#state, query string or bare code */
  PI_KEYRING_PASTE_LENIENT,
  /* google-gemini-cli, google-antigravity: an absolute URL only */
  PI_KEYRING_PASTE_STRICT,
  /* openrouter (pi 1.6.0): URL, query string or bare code; no state */
  PI_KEYRING_PASTE_CODE_ONLY,
} PiKeyringPasteMode;

/* Pure parser. Sets *out_code and *out_state to newly allocated strings or
 * NULL (an empty value counts as absent). Returns TRUE when a code was found. */
gboolean       _pi_keyring_paste_parse                (const char          *input,
                                                       PiKeyringPasteMode   mode,
                                                       char               **out_code,
                                                       char               **out_state);
/* The state rule: a parsed state that differs from @expected_state fails
 * with @mismatch_message (the provider's text); no parsed state is accepted,
 * and so is anything when @expected_state is NULL (a flow without state). */
gboolean       _pi_keyring_oauth_check_state          (const char  *expected_state,
                                                       const char  *parsed_state,
                                                       const char  *mismatch_message,
                                                       GError     **error);
/* Parses, applies the state rule, and requires a code ("Missing
 * authorization code" when lenient, "No authorization code received" when
 * strict). Returns the code (a secret) or NULL with @error set. */
char          *_pi_keyring_paste_accept               (const char          *input,
                                                       PiKeyringPasteMode   mode,
                                                       const char          *expected_state,
                                                       const char          *mismatch_message,
                                                       GError             **error);

/* The ChatGPT rule (pi 1.6.0): @input must be the full redirect URL (the
 * scheme, host, port and path of @redirect_uri), without `error`, with a
 * code, the state @expected_state and a non-empty @param_name, whose
 * trimmed value goes to *out_param. Returns the code (a secret). */
char          *_pi_keyring_paste_accept_redirect      (const char  *input,
                                                       const char  *redirect_uri,
                                                       const char  *expected_state,
                                                       const char  *param_name,
                                                       char       **out_param,
                                                       GError     **error);

/* --- pi-keyring-url-rewrite.c: PI_KEYRING_URL_REWRITE and URL policy --- */

/* Applies the longest matching FROM prefix of PI_KEYRING_URL_REWRITE
 * ("FROM=TO[,FROM=TO…]") to @url; returns a copy of @url when none matches. */
char          *_pi_keyring_url_rewrite                (const char  *url);
/* Same, with the rules given as a string (for tests and fuzzing). */
char          *_pi_keyring_url_rewrite_with_rules     (const char  *rules,
                                                       const char  *url);
/* TRUE for "localhost", an address in 127.0.0.0/8, or ::1 (with or
 * without brackets). */
gboolean       _pi_keyring_host_is_loopback           (const char  *host);
/* Allows https URLs, and http ones whose host is loopback. */
gboolean       _pi_keyring_url_check_allowed          (const char  *url,
                                                       GError     **error);
/* @url without user information, query and fragment, for messages. */
char          *_pi_keyring_url_for_display            (const char  *url);

/* --- pi-keyring-http.c: the token-endpoint client (libsoup 3) --- */

#define PI_KEYRING_HTTP_DEFAULT_TIMEOUT_MS 30000
#define PI_KEYRING_HTTP_MAX_BODY_SIZE      (1024 * 1024)

typedef struct _PiKeyringHttpRequest PiKeyringHttpRequest;

/* @method is "GET" or "POST"; @url is rewritten and checked when sent. */
PiKeyringHttpRequest *_pi_keyring_http_request_new            (const char           *method,
                                                               const char           *url);
void           _pi_keyring_http_request_free          (PiKeyringHttpRequest *request);
void           _pi_keyring_http_request_add_header    (PiKeyringHttpRequest *request,
                                                       const char           *name,
                                                       const char           *value);
/* Form fields are sent in the order they were added, as
 * application/x-www-form-urlencoded. Values are wiped when freed. */
void           _pi_keyring_http_request_add_form_field (PiKeyringHttpRequest *request,
                                                        const char           *name,
                                                        const char           *value);
/* A JSON body (serialised as JSON.stringify does), instead of a form. */
void           _pi_keyring_http_request_set_json_body (PiKeyringHttpRequest *request,
                                                       JsonObject           *body);
/* Appends @value form-encoded as URLSearchParams does (space as '+'). */
void           _pi_keyring_form_encode_append         (GString              *out,
                                                       const char           *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PiKeyringHttpRequest, _pi_keyring_http_request_free)

typedef struct
{
  guint       status;
  char       *url;                      /* the URL requested, for messages (no query) */
  gboolean    is_json;                  /* the body parsed as JSON */
  gboolean    is_html;                  /* Content-Type text/html, or a body that starts with '<' */
  gboolean    too_large;                /* the body exceeded PI_KEYRING_HTTP_MAX_BODY_SIZE */
  JsonObject *object;                   /* the body when it is a JSON object, else NULL; wiped when freed */
  char       *oauth_error;              /* the string member "error", or NULL */
  char       *oauth_error_description;  /* the string member "error_description", or NULL */
  gint64      retry_after_ms;           /* from Retry-After; -1 when absent or unusable */
} PiKeyringHttpResponse;

void           _pi_keyring_http_response_free         (PiKeyringHttpResponse *response);
/* The response the client makes of an answer (for the client and for
 * fuzzing): @content_type and @retry_after are the header values or NULL;
 * the body is parsed as JSON unless it is HTML, @too_large, or nested
 * too deeply for json-glib's recursive parser. */
PiKeyringHttpResponse *_pi_keyring_http_response_new  (guint        status,
                                                       const char  *url,
                                                       const char  *content_type,
                                                       const char  *retry_after,
                                                       gint64       now_ms,
                                                       gboolean     too_large,
                                                       const char  *data,
                                                       gsize        length);
/* FALSE when @data has more than 2048 '[' and '{' (in strings too): call
 * it before json_parser_load_from_data () on text from outside, whose
 * recursion a deeply nested document would take past the stack. */
gboolean       _pi_keyring_json_text_is_shallow       (const char  *data,
                                                       gsize        length);
/* The error mapping of DESIGN §5: TRUE for a 2xx JSON answer; otherwise
 * FALSE with REAUTHENTICATION_REQUIRED (400, 401), RATE_LIMITED (429),
 * TEMPORARY (408, 5xx, non-JSON 2xx) or FAILED. */
gboolean       _pi_keyring_http_response_check        (const PiKeyringHttpResponse *response,
                                                       GError                     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PiKeyringHttpResponse, _pi_keyring_http_response_free)

typedef struct
{
  char       *access_token;   /* a secret */
  char       *refresh_token;  /* a secret, or NULL */
  gint64      expires_in_ms;  /* expires_in × 1000, or -1 when absent or not a number */
  JsonObject *object;         /* the whole answer; wiped when freed: copy what you keep */
} PiKeyringTokenResponse;

PiKeyringTokenResponse *_pi_keyring_token_response_new_from_http (const PiKeyringHttpResponse *response,
                                                                  GError                     **error);
void           _pi_keyring_token_response_free        (PiKeyringTokenResponse *response);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PiKeyringTokenResponse, _pi_keyring_token_response_free)

/* "about 2 minutes": a duration for people. */
char          *_pi_keyring_format_approximate_duration (gint64 milliseconds);
/* Retry-After as delta-seconds or an HTTP date, in milliseconds from
 * @now_ms (real time); -1 when @value is unusable. */
gint64         _pi_keyring_parse_retry_after          (const char *value,
                                                       gint64      now_ms);

#define PI_KEYRING_TYPE_HTTP_CLIENT (_pi_keyring_http_client_get_type ())
G_DECLARE_FINAL_TYPE (PiKeyringHttpClient, _pi_keyring_http_client, PI_KEYRING, HTTP_CLIENT, GObject)

PiKeyringHttpClient *_pi_keyring_http_client_new      (void);
/* For tests: every request's time limit (default 30 s). */
void           _pi_keyring_http_client_set_timeout_ms (PiKeyringHttpClient  *self,
                                                       guint                 timeout_ms);
guint          _pi_keyring_http_client_get_timeout_ms (PiKeyringHttpClient  *self);
/* Sends @request (copied; the caller keeps it). The result is any HTTP
 * answer; errors are only time-outs and network failures (TEMPORARY), a
 * refused URL (INVALID_ARGUMENT), TLS failures (FAILED) and cancellation. */
void           _pi_keyring_http_client_send_async     (PiKeyringHttpClient  *self,
                                                       PiKeyringHttpRequest *request,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
PiKeyringHttpResponse *_pi_keyring_http_client_send_finish (PiKeyringHttpClient  *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);
/* Sends @request and maps the answer to a token response. On failure
 * *out_response (when given) holds the HTTP answer, if one came, for the
 * retry time or the raw OAuth error. */
void           _pi_keyring_http_client_request_token_async  (PiKeyringHttpClient  *self,
                                                             PiKeyringHttpRequest *request,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
PiKeyringTokenResponse *_pi_keyring_http_client_request_token_finish (PiKeyringHttpClient    *self,
                                                                      GAsyncResult           *result,
                                                                      PiKeyringHttpResponse **out_response,
                                                                      GError                **error);

/* --- pi-keyring-callback-server.c: the loopback redirect target --- */

#define PI_KEYRING_CALLBACK_DEFAULT_TIMEOUT_MS (5 * 60 * 1000)

#define PI_KEYRING_TYPE_CALLBACK_SERVER (_pi_keyring_callback_server_get_type ())
G_DECLARE_FINAL_TYPE (PiKeyringCallbackServer, _pi_keyring_callback_server, PI_KEYRING,
                      CALLBACK_SERVER, GObject)

/* Listens on 127.0.0.1 (and ::1 where available) at @port (0: any free
 * port) in the thread-default main context. A port in use fails with
 * G_IO_ERROR_ADDRESS_IN_USE and a message naming the port.
 * @expected_state NULL: no state is checked (openrouter). */
PiKeyringCallbackServer *_pi_keyring_callback_server_new (guint        port,
                                                          const char  *path,
                                                          const char  *expected_state,
                                                          GError     **error);
guint          _pi_keyring_callback_server_get_port   (PiKeyringCallbackServer *self);
/* The wait's time limit, counted from wait_async (default 5 minutes). */
void           _pi_keyring_callback_server_set_timeout_ms (PiKeyringCallbackServer *self,
                                                           guint                    timeout_ms);
/* Waits for the first valid callback (or a submitted code). Only one wait
 * at a time. The result is the authorization code, a secret. */
void           _pi_keyring_callback_server_wait_async (PiKeyringCallbackServer *self,
                                                       GCancellable            *cancellable,
                                                       GAsyncReadyCallback      callback,
                                                       gpointer                 user_data);
char          *_pi_keyring_callback_server_wait_finish (PiKeyringCallbackServer *self,
                                                        GAsyncResult            *result,
                                                        GError                 **error);
/* Completes the wait with a code that came from elsewhere (pasted input);
 * FALSE when the flow is already done. */
gboolean       _pi_keyring_callback_server_submit_code (PiKeyringCallbackServer *self,
                                                        const char              *code);
/* A callback must also carry the query parameter @name (non-empty once
 * trimmed; ChatGPT's issued client_id), else 400 and the flow goes on.
 * Its trimmed value is kept with the code. */
void           _pi_keyring_callback_server_set_required_param (PiKeyringCallbackServer *self,
                                                               const char              *name);
/* The same as submit_code, with the required parameter's value. */
gboolean       _pi_keyring_callback_server_submit_code_with_param (PiKeyringCallbackServer *self,
                                                                   const char              *code,
                                                                   const char              *param_value);
/* The required parameter's value of the winning callback, or NULL. */
const char    *_pi_keyring_callback_server_get_param_value (PiKeyringCallbackServer *self);
/* Stops listening and frees the port (also done on finalize, time-out
 * and cancellation). */
void           _pi_keyring_callback_server_close      (PiKeyringCallbackServer *self);

/* --- pi-keyring-peer-uid.c: the owner of a loopback caller's socket --- */

/* Finds, in the text of /proc/net/tcp or /proc/net/tcp6, the socket held
 * by a process whose local end is @caller and whose remote end is @ours
 * (IPv4 and IPv4-mapped IPv6 addresses compare equal); its uid in
 * @out_uid. A pure function; FALSE when no line matches. */
gboolean       _pi_keyring_proc_net_tcp_find_uid      (const char         *text,
                                                       gsize               length,
                                                       GInetSocketAddress *caller,
                                                       GInetSocketAddress *ours,
                                                       guint              *out_uid);
/* The same on this machine's /proc/net/tcp and /proc/net/tcp6 (Linux);
 * FALSE when neither has the socket or can be read. */
gboolean       _pi_keyring_loopback_peer_uid          (GInetSocketAddress *caller,
                                                       GInetSocketAddress *ours,
                                                       guint              *out_uid);

/* --- pi-keyring-device-flow.c: RFC 8628 device authorization --- */

/* A clock for the poller. NULL means the real monotonic clock and GLib
 * timeouts; a virtual clock jumps forward instead of sleeping (tests). */
typedef struct _PiKeyringClock PiKeyringClock;

PiKeyringClock *_pi_keyring_clock_new_virtual         (gint64          start_ms);
PiKeyringClock *_pi_keyring_clock_ref                 (PiKeyringClock *clock);
void           _pi_keyring_clock_unref                (PiKeyringClock *clock);
/* Milliseconds; thread-safe. */
gint64         _pi_keyring_clock_now_ms               (PiKeyringClock *clock);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PiKeyringClock, _pi_keyring_clock_unref)

typedef struct
{
  char   *device_code;       /* a secret */
  char   *user_code;
  char   *verification_uri;  /* rewritten for display */
  double  interval;          /* seconds */
  double  expires_in;        /* seconds */
} PiKeyringDeviceCode;

void           _pi_keyring_device_code_free           (PiKeyringDeviceCode *code);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PiKeyringDeviceCode, _pi_keyring_device_code_free)

/* Step 2: POST client_id and scope (form) to @url, plus @headers
 * (name, value, …, NULL; nullable). */
void           _pi_keyring_device_code_request_async  (PiKeyringHttpClient *client,
                                                       const char          *url,
                                                       const char          *client_id,
                                                       const char          *scope,
                                                       const char * const  *headers,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
PiKeyringDeviceCode *_pi_keyring_device_code_request_finish (GAsyncResult  *result,
                                                             GError       **error);

/* What a provider's device authorization answer may leave out, and which
 * verification URI is shown (pi 1.6.0's flows, auth/oauth/{meta,xai,radius}.js). */
typedef enum
{
  PI_KEYRING_DEVICE_CODE_DEFAULT           = 0,       /* interval and expires_in required (GitHub) */
  PI_KEYRING_DEVICE_CODE_INTERVAL_OPTIONAL = 1 << 0,  /* absent or ≤ 0: NAN (the poller's 5 s) */
  PI_KEYRING_DEVICE_CODE_EXPIRES_OPTIONAL  = 1 << 1,  /* absent or ≤ 0: NAN (no deadline) */
  PI_KEYRING_DEVICE_CODE_PREFER_COMPLETE   = 1 << 2,  /* show verification_uri_complete when given */
  PI_KEYRING_DEVICE_CODE_HTTP_URI          = 1 << 3,  /* the URIs must be http(s) (trustedHttpUrl) */
  PI_KEYRING_DEVICE_CODE_HTTPS_URI         = 1 << 4,  /* the URIs must be https (xai) */
  PI_KEYRING_DEVICE_CODE_URI_OPTIONAL      = 1 << 5,  /* verification_uri_complete may stand alone (meta) */
} PiKeyringDeviceCodeFlags;

/* Sends @request (the provider's own device authorization request, its
 * fields in the provider's order) and reads the answer by @flags. Finish
 * with _pi_keyring_device_code_request_finish (). */
void           _pi_keyring_device_code_send_async     (PiKeyringHttpClient      *client,
                                                       PiKeyringHttpRequest     *request,
                                                       PiKeyringDeviceCodeFlags  flags,
                                                       GCancellable             *cancellable,
                                                       GAsyncReadyCallback       callback,
                                                       gpointer                  user_data);

#define PI_KEYRING_TYPE_DEVICE_POLLER (_pi_keyring_device_poller_get_type ())
G_DECLARE_FINAL_TYPE (PiKeyringDevicePoller, _pi_keyring_device_poller, PI_KEYRING,
                      DEVICE_POLLER, GObject)

PiKeyringDevicePoller *_pi_keyring_device_poller_new  (PiKeyringHttpClient *client,
                                                       const char          *poll_url,
                                                       const char          *client_id,
                                                       const char          *device_code,
                                                       double               interval,
                                                       double               expires_in);
void           _pi_keyring_device_poller_add_header   (PiKeyringDevicePoller *self,
                                                       const char            *name,
                                                       const char            *value);
typedef enum
{
  /* pi's GitHub timing: interval × 1.2, × 1.4 after a slow_down */
  PI_KEYRING_DEVICE_POLL_DEFAULT          = 0,
  /* pi 1.6.0 pollOAuthDeviceCodeFlow: sleep exactly the interval; a
   * slow_down's interval is max (1 s, floor (interval × 1000)); no poll
   * once the deadline has passed; no expires_in (NAN): a day at most (pi:
   * none); `authorization_denied` (xai) counts as `access_denied` */
  PI_KEYRING_DEVICE_POLL_PLAIN            = 1 << 0,
  /* no sleep before the first poll (pi 1.6.0 waitBeforeFirstPoll false) */
  PI_KEYRING_DEVICE_POLL_FIRST_AT_ONCE    = 1 << 1,
  /* the OAuth error of any answer below 500 is read (Kimi Code) */
  PI_KEYRING_DEVICE_POLL_ERRORS_BELOW_500 = 1 << 2,
  /* the poll's form fields as grant_type, client_id, device_code (xai,
   * radius) or grant_type, device_code, client_id (meta); the default is
   * client_id, device_code, grant_type (GitHub, Kimi Code) */
  PI_KEYRING_DEVICE_POLL_GRANT_CLIENT_DEVICE = 1 << 3,
  PI_KEYRING_DEVICE_POLL_GRANT_DEVICE_CLIENT = 1 << 4,
  /* slow_down always adds 5 s, the answer's interval is not read (radius) */
  PI_KEYRING_DEVICE_POLL_SLOW_DOWN_ADDS_5 = 1 << 5,
} PiKeyringDevicePollFlags;

/* Before poll_async. */
void           _pi_keyring_device_poller_set_flags    (PiKeyringDevicePoller    *self,
                                                       PiKeyringDevicePollFlags  flags);
/* For tests; must be called before poll_async. */
void           _pi_keyring_device_poller_set_clock    (PiKeyringDevicePoller *self,
                                                       PiKeyringClock        *clock);
/* Polls until the user approves (the token response), denies
 * (ACCESS_DENIED), the code expires (G_IO_ERROR_TIMED_OUT) or another
 * error comes (FAILED "Device flow failed: …", or the HTTP mapping). */
void           _pi_keyring_device_poller_poll_async   (PiKeyringDevicePoller *self,
                                                       GCancellable          *cancellable,
                                                       GAsyncReadyCallback    callback,
                                                       gpointer               user_data);
PiKeyringTokenResponse *_pi_keyring_device_poller_poll_finish (PiKeyringDevicePoller  *self,
                                                               GAsyncResult           *result,
                                                               GError                **error);

/* --- pi-keyring-browser.c: opening the authorization URL --- */

/* `$BROWSER URL` (the first ':'-separated entry; "%s" replaced by the URL,
 * else the URL appended) when BROWSER is set, else the desktop default.
 * Never waits; a failure is only logged (the URL is always shown). */
void           _pi_keyring_open_browser               (const char  *url);
/* The argument vector for @browser (a $BROWSER value) and @url. */
gboolean       _pi_keyring_browser_build_argv         (const char  *browser,
                                                       const char  *url,
                                                       char      ***out_argv,
                                                       GError     **error);

/* --- pi-keyring-loopback-login.c: the authorization-code login driver --- */

/* One login in progress (anthropic, openai-codex, the Google providers):
 * PKCE and state, the authorize URL, the loopback server raced with a
 * pasted code, then the provider's exchange. */
typedef struct _PiKeyringLoopbackLogin PiKeyringLoopbackLogin;

/* The provider's part once a code is known: takes @task (transfer full,
 * source object the provider, cancellable the login's) and returns a
 * PiKeyringCredential through g_task_return_pointer (…, g_object_unref). */
typedef void (*PiKeyringLoopbackExchangeFunc) (PiKeyringLoopbackLogin *login,
                                               GTask                  *task);

#define PI_KEYRING_LOOPBACK_CHALLENGE         "@challenge"
#define PI_KEYRING_LOOPBACK_STATE             "@state"
/* The redirect URI the login uses (the config's, or the ephemeral one). */
#define PI_KEYRING_LOOPBACK_REDIRECT_URI      "@redirect_uri"

/* Called before anything is shown: sets the login's other "@name" values
 * (_pi_keyring_loopback_login_set_value); FALSE with @error ends it. */
typedef gboolean (*PiKeyringLoopbackPrepareFunc) (PiKeyringLoopbackLogin *login,
                                                  GError                **error);

typedef struct
{
  guint                          port;               /* pi's fixed loopback port; 0: ephemeral */
  const char                    *callback_path;      /* "/callback" …; the prefix when random_path */
  gboolean                       random_path;        /* callback_path + a random UUID (openrouter) */
  /* "http://localhost:PORT/…"; NULL: http://127.0.0.1:<port><path> of the server */
  const char                    *redirect_uri;
  const char                    *authorize_url;      /* before PI_KEYRING_URL_REWRITE */
  /* name, value, …, NULL in pi's order; the values "@challenge",
   * "@state" and "@redirect_uri" stand for the PKCE challenge, the state
   * and the redirect URI, other "@name"s for what prepare sets. */
  const char * const            *authorize_params;
  PiKeyringStateFormat           state_format;       /* codex: hex; else base64url */
  PiKeyringPasteMode             paste_mode;
  const char                    *instructions;       /* N_(): for show_auth */
  const char                    *paste_message;      /* N_(): for ask_code */
  const char                    *paste_placeholder;  /* nullable */
  const char                    *state_mismatch;     /* N_(): a pasted state that differs */
  gboolean                       google_progress;    /* pi's extra Google progress lines */
  /* a progress line before the URL that names the redirect URI (openrouter) */
  gboolean                       tell_listening;
  /* A query parameter the callback (and the pasted URL, which must then
   * be the full redirect URL) must carry, for the exchange: ChatGPT's
   * issued client_id; nullable */
  const char                    *callback_param;
  PiKeyringLoopbackPrepareFunc   prepare;            /* nullable */
  PiKeyringLoopbackExchangeFunc  exchange;
} PiKeyringLoopbackConfig;

#define PI_KEYRING_LOGIN_DEFAULT_TIMEOUT_MS (5 * 60 * 1000)

/* @options may hold "timeout-ms" (u): the time limit of the whole login. */
void           _pi_keyring_loopback_login_async       (GObject                       *provider,
                                                       const PiKeyringLoopbackConfig *config,
                                                       PiKeyringInteraction          *interaction,
                                                       GVariant                      *options,
                                                       GCancellable                  *cancellable,
                                                       GAsyncReadyCallback            callback,
                                                       gpointer                       user_data);
/* The same, returning the login in progress (transfer full; NULL when
 * @cancellable was already cancelled) for the tests to look into. */
PiKeyringLoopbackLogin *_pi_keyring_loopback_login_start (GObject                       *provider,
                                                          const PiKeyringLoopbackConfig *config,
                                                          PiKeyringInteraction          *interaction,
                                                          GVariant                      *options,
                                                          GCancellable                  *cancellable,
                                                          GAsyncReadyCallback            callback,
                                                          gpointer                       user_data);
PiKeyringCredential *_pi_keyring_loopback_login_finish (GObject                      *provider,
                                                        GAsyncResult                 *result,
                                                        GError                      **error);
/* The authorize URL (not rewritten) with its query in pi's order. */
char          *_pi_keyring_loopback_build_authorize_url (const PiKeyringLoopbackConfig *config,
                                                         const char                    *challenge,
                                                         const char                    *state);

PiKeyringLoopbackLogin *_pi_keyring_loopback_login_ref    (PiKeyringLoopbackLogin *login);
void           _pi_keyring_loopback_login_unref       (PiKeyringLoopbackLogin *login);
/* The authorization code, the PKCE verifier and the state: secrets. */
const char    *_pi_keyring_loopback_login_get_code    (PiKeyringLoopbackLogin *login);
const char    *_pi_keyring_loopback_login_get_verifier (PiKeyringLoopbackLogin *login);
const char    *_pi_keyring_loopback_login_get_state   (PiKeyringLoopbackLogin *login);
const char    *_pi_keyring_loopback_login_get_redirect_uri (PiKeyringLoopbackLogin *login);
/* The value of config->callback_param that came with the code. */
const char    *_pi_keyring_loopback_login_get_param_value (PiKeyringLoopbackLogin *login);
/* From prepare: the value of @placeholder ("@name") in the authorize URL. */
void           _pi_keyring_loopback_login_set_value   (PiKeyringLoopbackLogin *login,
                                                       const char             *placeholder,
                                                       const char             *value);
PiKeyringHttpClient  *_pi_keyring_loopback_login_get_http_client (PiKeyringLoopbackLogin *login);
PiKeyringInteraction *_pi_keyring_loopback_login_get_interaction (PiKeyringLoopbackLogin *login);
/* The code exchange (RFC 6749 §4.1.3 with PKCE) as openai-codex and the
 * ChatGPT sign-in send it: the form grant_type=authorization_code,
 * client_id, code, code_verifier, redirect_uri, then @extra_fields (name,
 * value, …, NULL; nullable) in that order, POSTed to @token_url through the
 * login's client. @callback gets the client as its source (finish with
 * _pi_keyring_http_client_request_token_finish) and @task, which it takes
 * over, as its data; the task's cancellable cancels the request. */
void           _pi_keyring_loopback_login_exchange_code (PiKeyringLoopbackLogin *login,
                                                         const char             *token_url,
                                                         const char             *client_id,
                                                         const char * const     *extra_fields,
                                                         GTask                  *task,
                                                         GAsyncReadyCallback     callback);
void           _pi_keyring_loopback_login_progress    (PiKeyringLoopbackLogin *login,
                                                       const char             *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PiKeyringLoopbackLogin, _pi_keyring_loopback_login_unref)

/* expires = now + expires_in − @buffer_ms (pi: 5 minutes, none for codex);
 * fails when the answer had no usable expires_in. */
gboolean       _pi_keyring_token_expires              (const PiKeyringTokenResponse *token,
                                                       gint64                        now_ms,
                                                       gint64                        buffer_ms,
                                                       gint64                       *out_expires,
                                                       GError                      **error);
/* The entry pi builds from a token answer: {type: "oauth", refresh, access,
 * expires} (@access_first: access before refresh, as codex orders them),
 * expires as _pi_keyring_token_expires () gives it. NULL with @error when
 * expires_in is not usable. */
JsonObject    *_pi_keyring_token_entry_new            (const PiKeyringTokenResponse *token,
                                                       const char                   *refresh,
                                                       gint64                        buffer_ms,
                                                       gboolean                      access_first,
                                                       GError                      **error);

G_END_DECLS
