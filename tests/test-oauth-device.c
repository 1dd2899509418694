/* test-oauth-device.c: the device-code request and poller (RFC 8628)
 *
 * The poller runs on a virtual clock that jumps forward instead of
 * sleeping, and the mock server stamps each request with that clock, so
 * pi's exact poll times (conformance 26 and 27) are checked without
 * waiting for them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "mock-http.h"

#include "test-util.h"

#define CLIENT_ID  "Iv1.b507a08c87ecfe98"
#define USER_AGENT "GitHubCopilotChat/0.35.0"
#define CODE_PATH  "/login/device/code"
#define POLL_PATH  "/login/oauth/access_token"
#define JSON       "application/json"
#define START_MS   G_GINT64_CONSTANT (1000000)

typedef struct
{
  MockHttp            *mock;
  PiKeyringHttpClient *client;
  PiKeyringClock      *clock;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->mock = mock_http_new ();
  fixture->client = _pi_keyring_http_client_new ();
  fixture->clock = _pi_keyring_clock_new_virtual (START_MS);
  mock_http_set_clock (fixture->mock, fixture->clock);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->client);
  g_clear_pointer (&fixture->mock, mock_http_free);
  g_clear_pointer (&fixture->clock, _pi_keyring_clock_unref);
  g_unsetenv ("PI_KEYRING_URL_REWRITE");
}

static PiKeyringDeviceCode *
request_device_code (Fixture  *fixture,
                     GError  **error)
{
  static const char *const headers[] = { "User-Agent", USER_AGENT, NULL };
  g_autofree char *url = mock_http_url (fixture->mock, CODE_PATH);
  g_autoptr(GAsyncResult) result = NULL;

  _pi_keyring_device_code_request_async (fixture->client, url, CLIENT_ID, "read:user", headers,
                                         NULL, test_on_result, &result);
  return _pi_keyring_device_code_request_finish (test_wait_for (&result), error);
}

static PiKeyringTokenResponse *
poll (Fixture       *fixture,
      double         interval,
      double         expires_in,
      gboolean       virtual_clock,
      GCancellable  *cancellable,
      GError       **error)
{
  g_autofree char *url = mock_http_url (fixture->mock, POLL_PATH);
  g_autoptr(PiKeyringDevicePoller) poller = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  poller = _pi_keyring_device_poller_new (fixture->client, url, CLIENT_ID, "device-code",
                                          interval, expires_in);
  _pi_keyring_device_poller_add_header (poller, "User-Agent", USER_AGENT);
  if (virtual_clock)
    _pi_keyring_device_poller_set_clock (poller, fixture->clock);

  _pi_keyring_device_poller_poll_async (poller, cancellable, test_on_result, &result);
  return _pi_keyring_device_poller_poll_finish (poller, test_wait_for (&result), error);
}

/* The poll times relative to the start, one per request from @first. */
static void
assert_poll_times (Fixture      *fixture,
                   guint         first,
                   const gint64 *expected,
                   guint         n_expected)
{
  g_assert_cmpuint (mock_http_n_requests (fixture->mock), ==, first + n_expected);
  for (guint i = 0; i < n_expected; i++)
    {
      const MockRequest *request = mock_http_get_request (fixture->mock, first + i);

      g_assert_cmpstr (request->path, ==, POLL_PATH);
      g_assert_cmpint (request->time_ms - START_MS, ==, expected[i]);
    }
}

static void
assert_form_request (const MockRequest *request)
{
  g_assert_cmpstr (request->method, ==, "POST");
  g_assert_cmpstr (g_hash_table_lookup (request->headers, "accept"), ==, "application/json");
  g_assert_cmpstr (g_hash_table_lookup (request->headers, "content-type"), ==,
                   "application/x-www-form-urlencoded");
  g_assert_cmpstr (g_hash_table_lookup (request->headers, "user-agent"), ==, USER_AGENT);
}

/* Conformance 26: pending, slow_down (interval 10), success → polls at
 * start + 6000, 12000 and 26000 ms; the bodies and headers pi sends. */
static void
test_case_26 (Fixture       *fixture,
              gconstpointer  data)
{
  static const gint64 times[] = { 6000, 12000, 26000 };
  g_autoptr(PiKeyringDeviceCode) code = NULL;
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(GError) error = NULL;
  const MockRequest *request;

  mock_http_reply (fixture->mock, CODE_PATH, 200, JSON,
                   "{\"device_code\":\"device-code\",\"user_code\":\"ABCD-EFGH\","
                   "\"verification_uri\":\"https://github.com/login/device\","
                   "\"interval\":5,\"expires_in\":900}", NULL);
  mock_http_reply (fixture->mock, POLL_PATH, 200, JSON, "{\"error\":\"authorization_pending\"}",
                   NULL);
  mock_http_reply (fixture->mock, POLL_PATH, 200, JSON,
                   "{\"error\":\"slow_down\",\"interval\":10}", NULL);
  mock_http_reply (fixture->mock, POLL_PATH, 200, JSON,
                   "{\"access_token\":\"gho_token\",\"token_type\":\"bearer\","
                   "\"scope\":\"read:user\"}", NULL);

  code = request_device_code (fixture, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (code->device_code, ==, "device-code");
  g_assert_cmpstr (code->user_code, ==, "ABCD-EFGH");
  g_assert_cmpstr (code->verification_uri, ==, "https://github.com/login/device");
  g_assert_cmpfloat (code->interval, ==, 5);
  g_assert_cmpfloat (code->expires_in, ==, 900);

  request = mock_http_get_request (fixture->mock, 0);
  assert_form_request (request);
  g_assert_cmpstr (request->path, ==, CODE_PATH);
  g_assert_cmpint (request->time_ms, ==, START_MS);
  g_assert_nonnull (strstr (request->body, "client_id=" CLIENT_ID));
  g_assert_nonnull (strstr (request->body, "scope=read%3Auser"));

  token = poll (fixture, code->interval, code->expires_in, TRUE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token->access_token, ==, "gho_token");
  g_assert_cmpstr (json_object_get_string_member (token->object, "scope"), ==, "read:user");

  assert_poll_times (fixture, 1, times, G_N_ELEMENTS (times));
  for (guint i = 1; i < 4; i++)
    {
      request = mock_http_get_request (fixture->mock, i);
      assert_form_request (request);
      g_assert_cmpstr (request->body, ==,
                       "client_id=" CLIENT_ID "&device_code=device-code"
                       "&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code");
    }
}

/* Conformance 27: expires_in 25, slow_down (10), slow_down (15), pending →
 * polls at 6000, 20000 and 25000, then the slow_down time-out. */
static void
test_case_27 (Fixture       *fixture,
              gconstpointer  data)
{
  static const gint64 times[] = { 6000, 20000, 25000 };
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(GError) error = NULL;

  mock_http_reply (fixture->mock, POLL_PATH, 200, JSON,
                   "{\"error\":\"slow_down\",\"interval\":10}", NULL);
  mock_http_reply (fixture->mock, POLL_PATH, 200, JSON,
                   "{\"error\":\"slow_down\",\"interval\":15}", NULL);
  mock_http_reply (fixture->mock, POLL_PATH, 200, JSON, "{\"error\":\"authorization_pending\"}",
                   NULL);

  token = poll (fixture, 5, 25, TRUE, NULL, &error);
  g_assert_null (token);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_true (g_str_has_prefix (error->message,
                                   "Device flow timed out after one or more slow_down responses"));
  assert_poll_times (fixture, 0, times, G_N_ELEMENTS (times));
}

/* slow_down without an interval adds 5 s; RFC 8628 servers answer 400. */
static void
test_slow_down_without_interval (Fixture       *fixture,
                                 gconstpointer  data)
{
  static const gint64 times[] = { 6000, 20000, 34000 };
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(GError) error = NULL;

  mock_http_reply (fixture->mock, POLL_PATH, 400, JSON, "{\"error\":\"slow_down\"}", NULL);
  mock_http_reply (fixture->mock, POLL_PATH, 400, JSON,
                   "{\"error\":\"authorization_pending\",\"interval\":\"x\"}", NULL);
  mock_http_reply (fixture->mock, POLL_PATH, 200, JSON,
                   "{\"access_token\":\"at\",\"refresh_token\":\"rt\",\"expires_in\":60}", NULL);

  token = poll (fixture, 5, 900, TRUE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token->access_token, ==, "at");
  g_assert_cmpstr (token->refresh_token, ==, "rt");
  g_assert_cmpint (token->expires_in_ms, ==, 60000);
  assert_poll_times (fixture, 0, times, G_N_ELEMENTS (times));
}

static void
test_expired_token (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(GError) error = NULL;

  mock_http_reply (fixture->mock, POLL_PATH, 400, JSON, "{\"error\":\"expired_token\"}", NULL);

  token = poll (fixture, 5, 900, TRUE, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_true (g_str_has_prefix (error->message, "Device flow timed out"));
  g_assert_null (strstr (error->message, "slow_down"));
  g_assert_cmpuint (mock_http_n_requests (fixture->mock), ==, 1);
}

/* The deadline passes without any slow_down: the plain time-out. */
static void
test_deadline (Fixture       *fixture,
               gconstpointer  data)
{
  static const gint64 times[] = { 6000, 10000 };
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(GError) error = NULL;

  mock_http_reply (fixture->mock, POLL_PATH, 200, JSON, "{\"error\":\"authorization_pending\"}",
                   NULL);
  mock_http_reply (fixture->mock, POLL_PATH, 200, JSON, "{\"error\":\"authorization_pending\"}",
                   NULL);

  token = poll (fixture, 5, 10, TRUE, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_null (strstr (error->message, "slow_down"));
  assert_poll_times (fixture, 0, times, G_N_ELEMENTS (times));
}

static void
test_access_denied (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(GError) error = NULL;

  mock_http_reply (fixture->mock, POLL_PATH, 200, JSON, "{\"error\":\"authorization_pending\"}",
                   NULL);
  mock_http_reply (fixture->mock, POLL_PATH, 200, JSON, "{\"error\":\"access_denied\"}", NULL);

  token = poll (fixture, 5, 900, TRUE, NULL, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_ACCESS_DENIED);
  g_assert_cmpuint (mock_http_n_requests (fixture->mock), ==, 2);
}

static void
test_other_error (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(GError) error = NULL;

  mock_http_reply (fixture->mock, POLL_PATH, 200, JSON,
                   "{\"error\":\"incorrect_client_credentials\","
                   "\"error_description\":\"The client_id is not valid.\\u001b[2J\"}", NULL);

  token = poll (fixture, 5, 900, TRUE, NULL, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==,
                   "Device flow failed: incorrect_client_credentials: "
                   "The client_id is not valid.\\033[2J");
}

/* Other HTTP failures go through the token-endpoint mapping. */
static void
test_server_error (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(GError) error = NULL;

  mock_http_reply (fixture->mock, POLL_PATH, 502, "text/html", "<html>bad gateway</html>", NULL);

  token = poll (fixture, 5, 900, TRUE, NULL, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY);
}

static void
test_server_error_with_oauth_error (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(GError) error = NULL;

  mock_http_reply (fixture->mock, POLL_PATH, 503, JSON, "{\"error\":\"authorization_pending\"}",
                   NULL);

  token = poll (fixture, 5, 900, TRUE, NULL, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY);
  g_assert_cmpuint (mock_http_n_requests (fixture->mock), ==, 1);
}

static void
test_invalid_device_code (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(PiKeyringDeviceCode) code = NULL;
  g_autoptr(GError) error = NULL;

  mock_http_reply (fixture->mock, CODE_PATH, 200, JSON,
                   "{\"device_code\":\"d\",\"user_code\":\"u\",\"interval\":5,\"expires_in\":900}",
                   NULL);
  code = request_device_code (fixture, &error);
  g_assert_null (code);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED);
  g_clear_error (&error);

  mock_http_reply (fixture->mock, CODE_PATH, 404, "text/plain", "Not Found", NULL);
  code = request_device_code (fixture, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED);
}

/* The verification URI is shown to the user, so it is rewritten too. */
static void
test_verification_uri_rewritten (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(PiKeyringDeviceCode) code = NULL;
  g_autoptr(GError) error = NULL;

  g_setenv ("PI_KEYRING_URL_REWRITE", "https://github.com=http://127.0.0.1:9/github.com", TRUE);
  mock_http_reply (fixture->mock, CODE_PATH, 200, JSON,
                   "{\"device_code\":\"d\",\"user_code\":\"u\","
                   "\"verification_uri\":\"https://github.com/login/device\","
                   "\"interval\":5,\"expires_in\":900}", NULL);
  code = request_device_code (fixture, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (code->verification_uri, ==, "http://127.0.0.1:9/github.com/login/device");
}

/* The real clock: interval 0 polls after 1.2 s (the 1 s floor × 1.2). */
static void
test_real_clock (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  mock_http_set_clock (fixture->mock, NULL);
  mock_http_reply (fixture->mock, POLL_PATH, 200, JSON, "{\"access_token\":\"real\"}", NULL);

  token = poll (fixture, 0, 900, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token->access_token, ==, "real");
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 1200 * 1000);
}

/* Cancelling while asleep ends the poll at once. */
static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  g_timeout_add (50, test_cancel_later, cancellable);
  token = poll (fixture, 5, 900, FALSE, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
  g_assert_cmpuint (mock_http_n_requests (fixture->mock), ==, 0);
}

static void
add (const char *path,
     void      (*test) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, NULL, fixture_setup, test, fixture_teardown);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  add ("/oauth/device/conformance/case-26-copilot-poll-times", test_case_26);
  add ("/oauth/device/conformance/case-27-copilot-slow-down-timeout", test_case_27);
  add ("/oauth/device/slow-down-without-interval", test_slow_down_without_interval);
  add ("/oauth/device/expired-token", test_expired_token);
  add ("/oauth/device/deadline", test_deadline);
  add ("/oauth/device/access-denied", test_access_denied);
  add ("/oauth/device/other-error", test_other_error);
  add ("/oauth/device/server-error", test_server_error);
  add ("/oauth/device/server-error-with-oauth-error", test_server_error_with_oauth_error);
  add ("/oauth/device/invalid-device-code", test_invalid_device_code);
  add ("/oauth/device/verification-uri-rewritten", test_verification_uri_rewritten);
  add ("/oauth/device/real-clock", test_real_clock);
  add ("/oauth/device/cancel", test_cancel);

  return g_test_run ();
}
