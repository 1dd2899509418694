/* test-oauth-http.c: the token-endpoint client and its error mapping
 *
 * Every test talks to a scripted SoupServer (mock-http.c) that runs in a
 * thread of its own.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "mock-http.h"

#include "test-util.h"

typedef struct
{
  MockHttp            *mock;
  PiKeyringHttpClient *client;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->mock = mock_http_new ();
  fixture->client = _pi_keyring_http_client_new ();
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->client);
  g_clear_pointer (&fixture->mock, mock_http_free);
  g_unsetenv ("PI_KEYRING_URL_REWRITE");
}

/* Runs a token request to completion in the thread-default context. */
static PiKeyringTokenResponse *
request_token (Fixture                *fixture,
               PiKeyringHttpRequest   *request,
               GCancellable           *cancellable,
               PiKeyringHttpResponse **out_response,
               GError                **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  _pi_keyring_http_client_request_token_async (fixture->client, request, cancellable,
                                               test_on_result, &result);
  while (result == NULL)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);

  return _pi_keyring_http_client_request_token_finish (fixture->client, result, out_response,
                                                       error);
}

static PiKeyringHttpRequest *
new_refresh_request (Fixture    *fixture,
                     const char *path)
{
  g_autofree char *url = mock_http_url (fixture->mock, path);
  PiKeyringHttpRequest *request = _pi_keyring_http_request_new ("POST", url);

  _pi_keyring_http_request_add_form_field (request, "grant_type", "refresh_token");
  _pi_keyring_http_request_add_form_field (request, "refresh_token", "secret-refresh-token");
  _pi_keyring_http_request_add_form_field (request, "client_id", "app_EMoamEEZ73f0CkXaXp7hrann");

  return request;
}

static const char *
header (const MockRequest *request,
        const char        *name)
{
  return g_hash_table_lookup (request->headers, name);
}

/* An error message shows the URL (no query), never a secret or the body. */
static void
assert_message_is_clean (const GError *error)
{
  g_assert_nonnull (strstr (error->message, "http://127.0.0.1:"));
  g_assert_null (strstr (error->message, "secret"));
  g_assert_null (strstr (error->message, "?"));
}

static void
test_form_success (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(PiKeyringHttpRequest) request = NULL;
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(PiKeyringHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = mock_http_url (fixture->mock, "/oauth/token");
  const MockRequest *seen;

  mock_http_reply (fixture->mock, "/oauth/token", 200, "application/json",
                   "{\"access_token\":\"at-1\",\"refresh_token\":\"rt-1\",\"expires_in\":3600,"
                   "\"id_token\":\"x.y.z\"}", NULL);

  request = _pi_keyring_http_request_new ("POST", url);
  _pi_keyring_http_request_add_header (request, "User-Agent", "GitHubCopilotChat/0.35.0");
  _pi_keyring_http_request_add_form_field (request, "grant_type", "authorization_code");
  _pi_keyring_http_request_add_form_field (request, "client_id", "app_EMoamEEZ73f0CkXaXp7hrann");
  _pi_keyring_http_request_add_form_field (request, "code", "c d/e+f~");
  _pi_keyring_http_request_add_form_field (request, "code_verifier", "v-_.*");
  _pi_keyring_http_request_add_form_field (request, "redirect_uri",
                                           "http://localhost:1455/auth/callback");

  token = request_token (fixture, request, NULL, &response, &error);
  g_assert_no_error (error);
  g_assert_nonnull (token);
  g_assert_cmpstr (token->access_token, ==, "at-1");
  g_assert_cmpstr (token->refresh_token, ==, "rt-1");
  g_assert_cmpint (token->expires_in_ms, ==, 3600000);
  g_assert_cmpstr (json_object_get_string_member (token->object, "id_token"), ==, "x.y.z");
  g_assert_cmpuint (response->status, ==, 200);

  g_assert_cmpuint (mock_http_n_requests (fixture->mock), ==, 1);
  seen = mock_http_get_request (fixture->mock, 0);
  g_assert_cmpstr (seen->method, ==, "POST");
  g_assert_cmpstr (seen->path, ==, "/oauth/token");
  g_assert_cmpstr (header (seen, "content-type"), ==, "application/x-www-form-urlencoded");
  g_assert_cmpstr (header (seen, "accept"), ==, "application/json");
  g_assert_cmpstr (header (seen, "user-agent"), ==, "GitHubCopilotChat/0.35.0");
  g_assert_cmpstr (seen->body, ==,
                   "grant_type=authorization_code&client_id=app_EMoamEEZ73f0CkXaXp7hrann"
                   "&code=c+d%2Fe%2Bf%7E&code_verifier=v-_.*"
                   "&redirect_uri=http%3A%2F%2Flocalhost%3A1455%2Fauth%2Fcallback");
}

/* The JSON body of conformance 24 (anthropic), key order kept. */
static void
test_json_success (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(PiKeyringHttpRequest) request = NULL;
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *url = mock_http_url (fixture->mock, "/v1/oauth/token");
  const MockRequest *seen;

  mock_http_reply (fixture->mock, "/v1/oauth/token", 200, "application/json; charset=utf-8",
                   "{\"access_token\":\"access-token\",\"refresh_token\":\"refresh-token\","
                   "\"expires_in\":3599.5}", NULL);

  json_object_set_string_member (body, "grant_type", "authorization_code");
  json_object_set_string_member (body, "client_id", "9d1c250a-e61b-44d9-88ed-5944d1962f5e");
  json_object_set_string_member (body, "code", "manual-code");
  json_object_set_string_member (body, "state", "st");
  json_object_set_string_member (body, "redirect_uri", "http://localhost:53692/callback");
  json_object_set_string_member (body, "code_verifier", "ver");
  request = _pi_keyring_http_request_new ("POST", url);
  _pi_keyring_http_request_set_json_body (request, body);

  token = request_token (fixture, request, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token->access_token, ==, "access-token");
  g_assert_cmpstr (token->refresh_token, ==, "refresh-token");
  g_assert_cmpint (token->expires_in_ms, ==, 3599500);

  seen = mock_http_get_request (fixture->mock, 0);
  g_assert_cmpstr (header (seen, "content-type"), ==, "application/json");
  g_assert_cmpstr (header (seen, "accept"), ==, "application/json");
  g_assert_cmpstr (seen->body, ==,
                   "{\"grant_type\":\"authorization_code\","
                   "\"client_id\":\"9d1c250a-e61b-44d9-88ed-5944d1962f5e\","
                   "\"code\":\"manual-code\",\"state\":\"st\","
                   "\"redirect_uri\":\"http://localhost:53692/callback\","
                   "\"code_verifier\":\"ver\"}");
}

/* One scripted answer and the error it must map to. */
typedef struct
{
  guint       status;
  const char *content_type;
  const char *body;
  const char *header_name;
  const char *header_value;
  int         code;          /* PiKeyringError */
  const char *message_part;  /* nullable */
  const char *oauth_error;   /* nullable */
} MappingCase;

static const MappingCase case_invalid_grant = {
  400, "application/json",
  "{\"error\":\"invalid_grant\",\"error_description\":\"secret-refresh-token is revoked\"}",
  NULL, NULL, PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED, "invalid_grant", "invalid_grant",
};
static const MappingCase case_400_other = {
  400, "application/json", "{\"error\":\"invalid_request\"}", NULL, NULL,
  PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED, "HTTP 400, invalid_request", "invalid_request",
};
static const MappingCase case_401 = {
  401, "text/plain", "Unauthorized: secret", NULL, NULL,
  PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED, "HTTP 401", NULL,
};
static const MappingCase case_400_html = {
  400, "text/html", "<html><body>secret</body></html>", NULL, NULL,
  PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED, "HTTP 400", NULL,
};
static const MappingCase case_429_seconds = {
  429, "application/json", "{\"error\":\"rate_limited\"}", "Retry-After", "120",
  PI_KEYRING_ERROR_RATE_LIMITED, "about 2 minutes", "rate_limited",
};
static const MappingCase case_429_none = {
  429, "text/plain", "slow down", NULL, NULL,
  PI_KEYRING_ERROR_RATE_LIMITED, "Try again later", NULL,
};
static const MappingCase case_500 = {
  500, "application/json", "{\"error\":\"server_error\"}", NULL, NULL,
  PI_KEYRING_ERROR_TEMPORARY, "HTTP 500", "server_error",
};
static const MappingCase case_502_html = {
  502, "text/html", "<html><body>Bad gateway secret</body></html>", NULL, NULL,
  PI_KEYRING_ERROR_TEMPORARY, "HTTP 502", NULL,
};
static const MappingCase case_503 = {
  503, NULL, NULL, NULL, NULL, PI_KEYRING_ERROR_TEMPORARY, "HTTP 503", NULL,
};
static const MappingCase case_408 = {
  408, NULL, NULL, NULL, NULL, PI_KEYRING_ERROR_TEMPORARY, "HTTP 408", NULL,
};
static const MappingCase case_200_html = {
  200, "text/html", "<!DOCTYPE html><p>captive portal secret</p>", NULL, NULL,
  PI_KEYRING_ERROR_TEMPORARY, "HTTP 200", NULL,
};
static const MappingCase case_200_html_unlabelled = {
  200, "application/json", "  <html>secret</html>", NULL, NULL,
  PI_KEYRING_ERROR_TEMPORARY, "HTTP 200", NULL,
};
static const MappingCase case_200_text = {
  200, "text/plain", "access_token=secret", NULL, NULL, PI_KEYRING_ERROR_TEMPORARY, NULL, NULL,
};
static const MappingCase case_200_array = {
  200, "application/json", "[\"secret\"]", NULL, NULL, PI_KEYRING_ERROR_TEMPORARY, NULL, NULL,
};
static const MappingCase case_200_no_token = {
  200, "application/json", "{\"refresh_token\":\"secret\",\"expires_in\":10}", NULL, NULL,
  PI_KEYRING_ERROR_FAILED, "without an access token", NULL,
};
static const MappingCase case_200_token_not_string = {
  200, "application/json", "{\"access_token\":42}", NULL, NULL,
  PI_KEYRING_ERROR_FAILED, "without an access token", NULL,
};
static const MappingCase case_403 = {
  403, "application/json", "{\"error\":\"forbidden\"}", NULL, NULL,
  PI_KEYRING_ERROR_FAILED, "HTTP 403, forbidden", "forbidden",
};
static const MappingCase case_302 = {
  302, "text/plain", "moved", "Location", "https://example.com/elsewhere",
  PI_KEYRING_ERROR_FAILED, "HTTP 302", NULL,
};
static const MappingCase case_hostile_error_code = {
  400, "application/json", "{\"error\":\"\\u001b[31mred\\nsecret\"}", NULL, NULL,
  PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED, "(HTTP 400)", "\033[31mred\nsecret",
};

static void
test_mapping (Fixture       *fixture,
              gconstpointer  data)
{
  const MappingCase *mapping = data;
  g_autoptr(PiKeyringHttpRequest) request = new_refresh_request (fixture, "/token");
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(PiKeyringHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  mock_http_reply (fixture->mock, "/token", mapping->status, mapping->content_type,
                   mapping->body, mapping->header_name, mapping->header_value, NULL);

  token = request_token (fixture, request, NULL, &response, &error);
  g_assert_null (token);
  g_assert_error (error, PI_KEYRING_ERROR, mapping->code);
  g_test_message ("message: %s", error->message);
  assert_message_is_clean (error);
  if (mapping->message_part != NULL)
    g_assert_nonnull (strstr (error->message, mapping->message_part));

  /* the answer is there for the caller (retry time, raw OAuth error) */
  g_assert_nonnull (response);
  g_assert_cmpuint (response->status, ==, mapping->status);
  g_assert_cmpstr (response->oauth_error, ==, mapping->oauth_error);

  /* no redirect was followed */
  g_assert_cmpuint (mock_http_n_requests (fixture->mock), ==, 1);
}

static void
test_retry_after_seconds (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(PiKeyringHttpRequest) request = new_refresh_request (fixture, "/token");
  g_autoptr(PiKeyringHttpResponse) response = NULL;
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(GError) error = NULL;

  mock_http_reply (fixture->mock, "/token", 429, "application/json", "{}",
                   "Retry-After", "120", NULL);

  token = request_token (fixture, request, NULL, &response, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_RATE_LIMITED);
  g_assert_cmpint (response->retry_after_ms, ==, 120000);
  g_assert_nonnull (strstr (error->message, "Try again in about 2 minutes."));
}

static void
test_retry_after_date (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(PiKeyringHttpRequest) request = new_refresh_request (fixture, "/token");
  g_autoptr(PiKeyringHttpResponse) response = NULL;
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_seconds (now, 121);
  g_autofree char *date = soup_date_time_to_string (later, SOUP_DATE_HTTP);

  mock_http_reply (fixture->mock, "/token", 429, "text/html", "<html>busy</html>",
                   "Retry-After", date, NULL);

  token = request_token (fixture, request, NULL, &response, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_RATE_LIMITED);
  g_test_message ("Retry-After: %s → %" G_GINT64_FORMAT " ms", date, response->retry_after_ms);
  g_assert_cmpint (response->retry_after_ms, >, 110000);
  g_assert_cmpint (response->retry_after_ms, <=, 121000);
  g_assert_nonnull (strstr (error->message, "about 2 minutes"));
}

static void
test_parse_retry_after (void)
{
  gint64 now = 1773600000000;

  g_assert_cmpint (_pi_keyring_parse_retry_after (NULL, now), ==, -1);
  g_assert_cmpint (_pi_keyring_parse_retry_after ("", now), ==, -1);
  g_assert_cmpint (_pi_keyring_parse_retry_after ("soon", now), ==, -1);
  g_assert_cmpint (_pi_keyring_parse_retry_after ("-5", now), ==, -1);
  g_assert_cmpint (_pi_keyring_parse_retry_after ("0", now), ==, 0);
  g_assert_cmpint (_pi_keyring_parse_retry_after (" 5 ", now), ==, 5000);
  g_assert_cmpint (_pi_keyring_parse_retry_after ("99999999999999999999", now), ==,
                   G_GINT64_CONSTANT (365) * 24 * 3600 * 1000);
  /* 1773600000 is Sun, 15 Mar 2026 18:40:00 GMT */
  g_assert_cmpint (_pi_keyring_parse_retry_after ("Sun, 15 Mar 2026 18:40:12 GMT", now), ==,
                   12000);
  g_assert_cmpint (_pi_keyring_parse_retry_after ("Sun, 15 Mar 2026 18:39:00 GMT", now), ==, 0);
}

static void
test_approximate_duration (void)
{
  static const struct { gint64 ms; const char *text; } cases[] = {
    { 0, "about 1 second" },
    { 1200, "about 1 second" },
    { 30000, "about 30 seconds" },
    { 59400, "about 59 seconds" },
    { 60000, "about 1 minute" },
    { 90000, "about 2 minutes" },
    { 120000, "about 2 minutes" },
    { 3540000, "about 59 minutes" },
    { 3600000, "about 1 hour" },
    { 7200000, "about 2 hours" },
    { 3 * 86400000LL, "about 3 days" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = _pi_keyring_format_approximate_duration (cases[i].ms);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

/* An endpoint that never answers → TEMPORARY once the time limit passes. */
static void
test_timeout (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(PiKeyringHttpRequest) request = new_refresh_request (fixture, "/token");
  g_autoptr(PiKeyringHttpResponse) response = NULL;
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;

  g_assert_cmpuint (_pi_keyring_http_client_get_timeout_ms (fixture->client), ==, 30000);
  _pi_keyring_http_client_set_timeout_ms (fixture->client, 300);
  mock_http_reply_hang (fixture->mock, "/token");

  start = g_get_monotonic_time ();
  token = request_token (fixture, request, NULL, &response, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY);
  g_assert_null (response);
  g_assert_nonnull (strstr (error->message, "did not answer within 1 second"));
  assert_message_is_clean (error);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 300 * 1000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
}

static void
test_connection_refused (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) inet = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (inet, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(PiKeyringHttpRequest) request = NULL;
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  /* a port that is bound but not listening refuses connections */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  url = g_strdup_printf ("http://127.0.0.1:%u/token",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  request = _pi_keyring_http_request_new ("POST", url);
  _pi_keyring_http_request_add_form_field (request, "refresh_token", "secret-refresh-token");
  token = request_token (fixture, request, NULL, NULL, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY);
  assert_message_is_clean (error);
}

static void
test_refused_url (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(PiKeyringHttpRequest) request = NULL;
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(GError) error = NULL;

  request = _pi_keyring_http_request_new ("POST", "http://auth.example.com/token?code=secret");
  token = request_token (fixture, request, NULL, NULL, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT);
  g_assert_null (strstr (error->message, "secret"));
  g_assert_cmpuint (mock_http_n_requests (fixture->mock), ==, 0);
}

/* PI_KEYRING_URL_REWRITE applies to every request. */
static void
test_rewrite (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(PiKeyringHttpRequest) request = NULL;
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *target = mock_http_url (fixture->mock, "/auth.openai.com");
  g_autofree char *rules = g_strdup_printf ("https://auth.openai.com=%s", target);
  const MockRequest *seen;

  g_setenv ("PI_KEYRING_URL_REWRITE", rules, TRUE);
  mock_http_reply (fixture->mock, "/auth.openai.com/oauth/token", 200, "application/json",
                   "{\"access_token\":\"a\"}", NULL);

  request = _pi_keyring_http_request_new ("POST", "https://auth.openai.com/oauth/token");
  _pi_keyring_http_request_add_form_field (request, "grant_type", "refresh_token");
  token = request_token (fixture, request, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token->access_token, ==, "a");
  g_assert_cmpint (token->expires_in_ms, ==, -1);
  g_assert_null (token->refresh_token);

  seen = mock_http_get_request (fixture->mock, 0);
  g_assert_cmpstr (seen->path, ==, "/auth.openai.com/oauth/token");
}

static void
on_cancel_timeout (gpointer user_data)
{
  g_cancellable_cancel (user_data);
}

static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(PiKeyringHttpRequest) request = new_refresh_request (fixture, "/token");
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  mock_http_reply_hang (fixture->mock, "/token");
  g_timeout_add_once (100, on_cancel_timeout, cancellable);

  token = request_token (fixture, request, cancellable, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* a cancellable that is already cancelled */
  g_clear_error (&error);
  token = request_token (fixture, request, cancellable, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_too_large (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(PiKeyringHttpRequest) request = new_refresh_request (fixture, "/token");
  g_autoptr(PiKeyringHttpResponse) response = NULL;
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) body = g_string_new ("{\"access_token\":\"a\",\"padding\":\"");

  while (body->len < 2 * PI_KEYRING_HTTP_MAX_BODY_SIZE)
    g_string_append (body, "0123456789abcdef");
  g_string_append (body, "\"}");
  mock_http_reply (fixture->mock, "/token", 200, "application/json", body->str, NULL);

  token = request_token (fixture, request, NULL, &response, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY);
  g_assert_true (response->too_large);
  g_assert_null (response->object);
}

/* What the store's _sync wrappers do: the client used in a private
 * thread-default context while the server runs in its own thread. */
static void
test_private_context (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(PiKeyringHttpRequest) request = new_refresh_request (fixture, "/token");
  g_autoptr(GError) error = NULL;
  PiKeyringSyncClosure closure;
  PiKeyringTokenResponse *token;

  mock_http_reply (fixture->mock, "/token", 200, "application/json",
                   "{\"access_token\":\"in-context\"}", NULL);

  _pi_keyring_sync_closure_init (&closure);
  _pi_keyring_http_client_request_token_async (fixture->client, request, NULL,
                                               _pi_keyring_sync_closure_callback, &closure);
  token = _pi_keyring_http_client_request_token_finish (fixture->client,
                                                        _pi_keyring_sync_closure_wait (&closure),
                                                        NULL, &error);
  _pi_keyring_sync_closure_clear (&closure);

  g_assert_no_error (error);
  g_assert_cmpstr (token->access_token, ==, "in-context");
  _pi_keyring_token_response_free (token);
}

static void
add_mapping (const char        *path,
             const MappingCase *mapping)
{
  g_test_add (path, Fixture, mapping, fixture_setup, test_mapping, fixture_teardown);
}

int
main (int   argc,
      char *argv[])
{
  /* The isolated XDG dirs hide the GSettings schemas that the desktop
   * proxy resolver would read; tests never use a proxy. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/oauth/http/form-success", Fixture, NULL, fixture_setup, test_form_success,
              fixture_teardown);
  g_test_add ("/oauth/http/json-success", Fixture, NULL, fixture_setup, test_json_success,
              fixture_teardown);

  add_mapping ("/oauth/http/map/400-invalid-grant", &case_invalid_grant);
  add_mapping ("/oauth/http/map/400-other-error", &case_400_other);
  add_mapping ("/oauth/http/map/400-html", &case_400_html);
  add_mapping ("/oauth/http/map/401", &case_401);
  add_mapping ("/oauth/http/map/429-retry-after-seconds", &case_429_seconds);
  add_mapping ("/oauth/http/map/429-no-retry-after", &case_429_none);
  add_mapping ("/oauth/http/map/500", &case_500);
  add_mapping ("/oauth/http/map/502-html", &case_502_html);
  add_mapping ("/oauth/http/map/503-empty", &case_503);
  add_mapping ("/oauth/http/map/408", &case_408);
  add_mapping ("/oauth/http/map/200-html", &case_200_html);
  add_mapping ("/oauth/http/map/200-html-labelled-json", &case_200_html_unlabelled);
  add_mapping ("/oauth/http/map/200-not-json", &case_200_text);
  add_mapping ("/oauth/http/map/200-json-array", &case_200_array);
  add_mapping ("/oauth/http/map/200-no-access-token", &case_200_no_token);
  add_mapping ("/oauth/http/map/200-access-token-not-string", &case_200_token_not_string);
  add_mapping ("/oauth/http/map/403", &case_403);
  add_mapping ("/oauth/http/map/302-not-followed", &case_302);
  add_mapping ("/oauth/http/map/hostile-error-code", &case_hostile_error_code);

  g_test_add ("/oauth/http/429-retry-after-seconds", Fixture, NULL, fixture_setup,
              test_retry_after_seconds, fixture_teardown);
  g_test_add ("/oauth/http/429-retry-after-date", Fixture, NULL, fixture_setup,
              test_retry_after_date, fixture_teardown);
  g_test_add_func ("/oauth/http/parse-retry-after", test_parse_retry_after);
  g_test_add_func ("/oauth/http/approximate-duration", test_approximate_duration);
  g_test_add ("/oauth/http/timeout", Fixture, NULL, fixture_setup, test_timeout,
              fixture_teardown);
  g_test_add ("/oauth/http/connection-refused", Fixture, NULL, fixture_setup,
              test_connection_refused, fixture_teardown);
  g_test_add ("/oauth/http/refused-url", Fixture, NULL, fixture_setup, test_refused_url,
              fixture_teardown);
  g_test_add ("/oauth/http/url-rewrite", Fixture, NULL, fixture_setup, test_rewrite,
              fixture_teardown);
  g_test_add ("/oauth/http/cancel", Fixture, NULL, fixture_setup, test_cancel,
              fixture_teardown);
  g_test_add ("/oauth/http/too-large", Fixture, NULL, fixture_setup, test_too_large,
              fixture_teardown);
  g_test_add ("/oauth/http/private-context", Fixture, NULL, fixture_setup,
              test_private_context, fixture_teardown);

  return g_test_run ();
}
