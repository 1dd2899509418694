/* test-oauth-callback.c: the loopback callback server
 *
 * The server runs in the main context; the browser is played by raw
 * HTTP requests sent from a worker thread (raw_http_get in mock-http.c),
 * so the Host header and the method are exactly what the test says.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "mock-http.h"

#include "test-util.h"

#define STATE "state-0123456789"

typedef struct
{
  PiKeyringCallbackServer *server;
  guint                    port;
  GAsyncResult            *result;
  char                    *host;  /* "localhost:PORT" */
} Fixture;

static void
on_result (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Fixture *fixture = user_data;

  g_assert_null (fixture->result);
  fixture->result = g_object_ref (result);
}

static void
start_server (Fixture    *fixture,
              const char *path)
{
  g_autoptr(GError) error = NULL;

  fixture->server = _pi_keyring_callback_server_new (0, path, STATE, &error);
  g_assert_no_error (error);
  fixture->port = _pi_keyring_callback_server_get_port (fixture->server);
  g_assert_cmpuint (fixture->port, >, 0);
  fixture->host = g_strdup_printf ("localhost:%u", fixture->port);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  start_server (fixture, data != NULL ? data : "/callback");
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  /* a wait still running holds the server: end it first */
  if (fixture->server != NULL)
    _pi_keyring_callback_server_submit_code (fixture->server, "teardown");
  while (fixture->server != NULL && fixture->result == NULL &&
         g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&fixture->result);
  g_clear_object (&fixture->server);
  g_free (fixture->host);
}

static void
start_wait (Fixture      *fixture,
            GCancellable *cancellable)
{
  _pi_keyring_callback_server_wait_async (fixture->server, cancellable, on_result, fixture);
}

/* Lets pending sources run, then says whether the wait has finished. */
static gboolean
wait_finished (Fixture *fixture)
{
  for (guint i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);

  return fixture->result != NULL;
}

static char *
finish_wait (Fixture  *fixture,
             GError  **error)
{
  while (fixture->result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return _pi_keyring_callback_server_wait_finish (fixture->server, fixture->result, error);
}

static guint
get (Fixture    *fixture,
     const char *path_and_query,
     char      **out_body)
{
  return raw_http_get (fixture->port, fixture->host, path_and_query, out_body);
}

static void
assert_get (Fixture    *fixture,
            const char *path_and_query,
            guint       status,
            const char *body_part)
{
  g_autofree char *body = NULL;

  g_assert_cmpuint (get (fixture, path_and_query, &body), ==, status);
  if (body_part != NULL)
    g_assert_nonnull (strstr (body, body_part));
}

static void
test_success (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  start_wait (fixture, NULL);
  assert_get (fixture, "/callback?code=the-code&state=" STATE, 200, "Authentication successful");

  code = finish_wait (fixture, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, "the-code");
}

/* Conformance 60 (anthropic): wrong state → 400, another path → 404, an
 * error without the state → 400, and the flow goes on until the right
 * callback comes. */
static void
test_case_60 (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  start_wait (fixture, NULL);

  assert_get (fixture, "/callback?code=x&state=wrong", 400, "State mismatch");
  g_assert_false (wait_finished (fixture));
  assert_get (fixture, "/other", 404, NULL);
  g_assert_false (wait_finished (fixture));
  assert_get (fixture, "/callback?error=access_denied", 400, NULL);
  g_assert_false (wait_finished (fixture));

  assert_get (fixture, "/callback?code=x&state=" STATE, 200, NULL);
  code = finish_wait (fixture, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, "x");
}

/* Conformance 61 (openai-codex): no state → 400 "State mismatch"; the
 * state without a code → 400 "Missing authorization code". */
static void
test_case_61 (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  start_wait (fixture, NULL);

  assert_get (fixture, "/auth/callback?code=x", 400, "State mismatch");
  assert_get (fixture, "/auth/callback?state=" STATE, 400, "Missing authorization code");
  assert_get (fixture, "/auth/callback?state=" STATE "&code=", 400, "Missing authorization code");
  assert_get (fixture, "/auth/callback?code=x&state=", 400, "State mismatch");
  /* almost the state: a prefix, and the state with one more character */
  assert_get (fixture, "/auth/callback?code=x&state=state-012345678", 400, "State mismatch");
  assert_get (fixture, "/auth/callback?code=x&state=" STATE "0", 400, "State mismatch");
  g_assert_false (wait_finished (fixture));

  assert_get (fixture, "/auth/callback?state=" STATE "&code=c%2Fd", 200, NULL);
  code = finish_wait (fixture, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, "c/d");
}

static void
test_wrong_path (Fixture       *fixture,
                 gconstpointer  data)
{
  start_wait (fixture, NULL);

  assert_get (fixture, "/", 404, "Not found");
  assert_get (fixture, "/callback/?code=x&state=" STATE, 404, NULL);
  assert_get (fixture, "/callbackx?code=x&state=" STATE, 404, NULL);
  assert_get (fixture, "/CALLBACK?code=x&state=" STATE, 404, NULL);
  g_assert_false (wait_finished (fixture));
}

/* Only loopback names with the server's port are accepted as Host. */
static void
test_foreign_host (Fixture       *fixture,
                   gconstpointer  data)
{
  const char *query = "/callback?code=x&state=" STATE;
  g_autofree char *evil = g_strdup_printf ("evil.example:%u", fixture->port);
  g_autofree char *other_port = g_strdup_printf ("localhost:%u", fixture->port + 1);
  g_autofree char *other_loopback = g_strdup_printf ("127.0.0.2:%u", fixture->port);
  g_autofree char *suffix = g_strdup_printf ("localhost.evil.example:%u", fixture->port);
  g_autofree char *upper = g_strdup_printf ("LocalHost:%u", fixture->port);
  g_autofree char *body = NULL;
  g_autofree char *request = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  start_wait (fixture, NULL);

  g_assert_cmpuint (raw_http_get (fixture->port, evil, query, NULL), ==, 421);
  g_assert_cmpuint (raw_http_get (fixture->port, other_port, query, NULL), ==, 421);
  g_assert_cmpuint (raw_http_get (fixture->port, other_loopback, query, NULL), ==, 421);
  g_assert_cmpuint (raw_http_get (fixture->port, suffix, query, NULL), ==, 421);
  g_assert_cmpuint (raw_http_get (fixture->port, "localhost", query, NULL), ==, 421);

  /* HTTP/1.0 without a Host header */
  request = g_strdup_printf ("GET %s HTTP/1.0\r\n\r\n", query);
  g_assert_cmpuint (raw_http_exchange (fixture->port, "127.0.0.1", request, NULL), ==, 400);
  g_assert_false (wait_finished (fixture));

  /* the names are case-insensitive */
  g_assert_cmpuint (raw_http_get (fixture->port, upper, query, &body), ==, 200);
  code = finish_wait (fixture, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, "x");
}

static void
test_host_names (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *ipv4 = g_strdup_printf ("127.0.0.1:%u", fixture->port);
  g_autofree char *ipv6 = g_strdup_printf ("[::1]:%u", fixture->port);
  g_autofree char *request = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  start_wait (fixture, NULL);

  /* the "already done" page follows the first valid callback */
  g_assert_cmpuint (raw_http_get (fixture->port, ipv4, "/callback?code=a&state=" STATE, NULL),
                    ==, 200);
  code = finish_wait (fixture, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, "a");

  request = g_strdup_printf ("GET /callback?code=b&state=" STATE " HTTP/1.1\r\nHost: %s\r\n"
                             "Connection: close\r\n\r\n", ipv6);
  /* over IPv6 when the host has it, else over IPv4 with the [::1] name */
  if (raw_http_exchange (fixture->port, "::1", request, NULL) == 0)
    g_assert_cmpuint (raw_http_exchange (fixture->port, "127.0.0.1", request, NULL), ==, 200);
}

static void
test_method (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *request = g_strdup_printf ("POST /callback?code=x&state=" STATE " HTTP/1.1\r\n"
                                              "Host: %s\r\nContent-Length: 0\r\n"
                                              "Connection: close\r\n\r\n", fixture->host);
  g_autofree char *head = g_strdup_printf ("HEAD /callback?code=x&state=" STATE " HTTP/1.1\r\n"
                                           "Host: %s\r\nConnection: close\r\n\r\n",
                                           fixture->host);

  start_wait (fixture, NULL);
  g_assert_cmpuint (raw_http_exchange (fixture->port, "127.0.0.1", request, NULL), ==, 405);
  g_assert_cmpuint (raw_http_exchange (fixture->port, "127.0.0.1", head, NULL), ==, 405);
  g_assert_false (wait_finished (fixture));
}

static void
test_access_denied (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  start_wait (fixture, NULL);

  /* with another state the error is ignored */
  assert_get (fixture, "/callback?error=access_denied&state=other", 400, NULL);
  g_assert_false (wait_finished (fixture));

  assert_get (fixture, "/callback?error=access_denied&state=" STATE, 400,
              "Authentication failed");
  code = finish_wait (fixture, &error);
  g_assert_null (code);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_ACCESS_DENIED);

  /* the flow is over */
  assert_get (fixture, "/callback?code=x&state=" STATE, 200, "already complete");
}

static void
test_other_error (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  start_wait (fixture, NULL);
  assert_get (fixture, "/callback?error=server_error&error_description=%3Cb%3E&state=" STATE,
              400, NULL);
  code = finish_wait (fixture, &error);
  g_assert_null (code);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED);
}

static void
test_first_wins (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  start_wait (fixture, NULL);
  assert_get (fixture, "/callback?code=first&state=" STATE, 200, "Authentication successful");
  assert_get (fixture, "/callback?code=second&state=" STATE, 200, "already complete");
  g_assert_false (_pi_keyring_callback_server_submit_code (fixture->server, "pasted"));

  code = finish_wait (fixture, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, "first");
}

/* A pasted code completes the wait; the browser then sees "already done". */
static void
test_paste_wins (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  start_wait (fixture, NULL);
  g_assert_true (_pi_keyring_callback_server_submit_code (fixture->server, "pasted"));
  assert_get (fixture, "/callback?code=browser&state=" STATE, 200, "already complete");

  code = finish_wait (fixture, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, "pasted");
}

/* A callback that comes before anyone waits is kept. */
static void
test_code_before_wait (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  assert_get (fixture, "/callback?code=early&state=" STATE, 200, NULL);
  start_wait (fixture, NULL);
  code = finish_wait (fixture, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, "early");
}

static void
assert_port_free (guint port)
{
  g_autoptr(PiKeyringCallbackServer) again = NULL;
  g_autoptr(GError) error = NULL;

  again = _pi_keyring_callback_server_new (port, "/callback", STATE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (_pi_keyring_callback_server_get_port (again), ==, port);
}

static void
test_timeout (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  gint64 start = g_get_monotonic_time ();

  _pi_keyring_callback_server_set_timeout_ms (fixture->server, 200);
  start_wait (fixture, NULL);
  code = finish_wait (fixture, &error);
  g_assert_null (code);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (error->message, "within about 1 second"));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 200 * 1000);

  /* the port is free while the object still exists */
  assert_port_free (fixture->port);
  g_assert_cmpuint (get (fixture, "/callback?code=x&state=" STATE, NULL), ==, 0);
}

static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  start_wait (fixture, cancellable);
  g_timeout_add (50, test_cancel_later, cancellable);
  code = finish_wait (fixture, &error);
  g_assert_null (code);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  assert_port_free (fixture->port);
}

static void
test_cancel_before (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  g_cancellable_cancel (cancellable);
  start_wait (fixture, cancellable);
  code = finish_wait (fixture, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_port_free (fixture->port);
}

/* Dropping the server frees the port too. */
static void
test_unref_frees_port (void)
{
  g_autoptr(GError) error = NULL;
  PiKeyringCallbackServer *server = _pi_keyring_callback_server_new (0, "/cb", STATE, &error);
  guint port;

  g_assert_no_error (error);
  port = _pi_keyring_callback_server_get_port (server);
  g_object_unref (server);
  assert_port_free (port);
}

/* Conformance 62's precondition: a busy port is a specific error that
 * names the port, so the caller can fall back to paste. */
static void
test_port_in_use (void)
{
  g_autoptr(PiKeyringCallbackServer) first = NULL;
  g_autoptr(PiKeyringCallbackServer) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *port_text = NULL;
  guint port;

  first = _pi_keyring_callback_server_new (0, "/auth/callback", STATE, &error);
  g_assert_no_error (error);
  port = _pi_keyring_callback_server_get_port (first);

  second = _pi_keyring_callback_server_new (port, "/auth/callback", STATE, &error);
  g_assert_null (second);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  port_text = g_strdup_printf ("%u", port);
  g_assert_nonnull (strstr (error->message, port_text));
}

/* Another program on [::1] only would receive the browser's redirect:
 * that also counts as the port being in use. */
static void
test_port_in_use_ipv6 (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(PiKeyringCallbackServer) server = NULL;
  g_autoptr(GError) error = NULL;
  guint port;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  if (socket == NULL || !g_socket_bind (socket, address, FALSE, NULL) ||
      !g_socket_listen (socket, NULL))
    {
      g_test_skip ("no IPv6 loopback");
      return;
    }
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  server = _pi_keyring_callback_server_new (port, "/callback", STATE, &error);
  g_assert_null (server);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
}

/* --- the owner of a caller's socket (pi-keyring-peer-uid.c) --- */

/* Our listener is 127.0.0.1:53692 (D1BC) and [::1]:53692. In tcp: the
 * listening socket, a caller from port 40000 (9C40) of uid 1001, our
 * accepted end of it (uid 0), and a caller from 40001 in TIME_WAIT (uid 0,
 * inode 0). The addresses as a little-endian kernel prints them. */
static const char sample_tcp[] =
  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
  "   0: 0100007F:D1BC 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0000000000000000 100 0 0 10 0\n"
  "   1: 0100007F:9C40 0100007F:D1BC 01 00000000:00000000 00:00000000 00000000  1001        0 2222 1 0000000000000000 20 4 30 10 -1\n"
  "   2: 0100007F:D1BC 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 3333 1 0000000000000000 20 4 30 10 -1\n"
  "   3: 0100007F:9C41 0100007F:D1BC 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000\n";

/* In tcp6: a caller from [::1]:40002 (uid 1003), and one through an IPv6
 * socket to 127.0.0.1, from ::ffff:127.0.0.1:40003 (uid 1002); no newline
 * at the end. */
static const char sample_tcp6[] =
  "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
  "   0: 00000000000000000000000001000000:D1BC 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4444 1 0000000000000000 100 0 0 10 0\n"
  "   1: 00000000000000000000000001000000:9C42 00000000000000000000000001000000:D1BC 01 00000000:00000000 00:00000000 00000000  1003        0 5555 1 0000000000000000 20 4 30 10 -1\n"
  "   2: 0000000000000000FFFF00000100007F:9C43 0000000000000000FFFF00000100007F:D1BC 01 00000000:00000000 00:00000000 00000000  1002        0 6666 1 0000000000000000 20 4 30 10 -1";

static GInetSocketAddress *
inet_socket_address (const char *address,
                     guint16     port)
{
  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new_from_string (address, port));
}

/* The uid found for @caller → @ours in @text, or -1. */
static gint64
find_uid (const char *text,
          const char *caller,
          guint16     caller_port,
          const char *ours,
          guint16     our_port)
{
  g_autoptr(GInetSocketAddress) caller_address = inet_socket_address (caller, caller_port);
  g_autoptr(GInetSocketAddress) our_address = inet_socket_address (ours, our_port);
  guint uid = 0;

  if (!_pi_keyring_proc_net_tcp_find_uid (text, strlen (text), caller_address, our_address, &uid))
    return -1;
  return uid;
}

static void
test_peer_uid_parse (void)
{
  if (G_BYTE_ORDER != G_LITTLE_ENDIAN)
    {
      g_test_skip ("the samples are a little-endian kernel's");
      return;
    }

  /* IPv4 */
  g_assert_cmpint (find_uid (sample_tcp, "127.0.0.1", 40000, "127.0.0.1", 53692), ==, 1001);
  /* an IPv4 address and its IPv4-mapped IPv6 form are one */
  g_assert_cmpint (find_uid (sample_tcp, "::ffff:127.0.0.1", 40000, "127.0.0.1", 53692), ==, 1001);
  g_assert_cmpint (find_uid (sample_tcp, "127.0.0.1", 40000, "::ffff:127.0.0.1", 53692), ==, 1001);
  g_assert_cmpint (find_uid (sample_tcp6, "127.0.0.1", 40003, "127.0.0.1", 53692), ==, 1002);
  /* IPv6 */
  g_assert_cmpint (find_uid (sample_tcp6, "::1", 40002, "::1", 53692), ==, 1003);

  /* the socket must go to us, from the caller: not our accepted end
   * (its direction reversed), not another port or address */
  g_assert_cmpint (find_uid ("   2: 0100007F:D1BC 0100007F:9C40 01 0:0 0:0 0 0 0 3333\n",
                             "127.0.0.1", 40000, "127.0.0.1", 53692), ==, -1);
  g_assert_cmpint (find_uid (sample_tcp, "127.0.0.1", 40000, "127.0.0.1", 53693), ==, -1);
  g_assert_cmpint (find_uid (sample_tcp, "127.0.0.2", 40000, "127.0.0.1", 53692), ==, -1);
  g_assert_cmpint (find_uid (sample_tcp6, "::1", 40003, "127.0.0.1", 53692), ==, -1);
  g_assert_cmpint (find_uid (sample_tcp6, "::1", 40002, "127.0.0.1", 53692), ==, -1);
  /* TIME_WAIT shows uid 0 whoever made it: no process holds it */
  g_assert_cmpint (find_uid (sample_tcp, "127.0.0.1", 40001, "127.0.0.1", 53692), ==, -1);
  /* nothing to read, a header, broken lines */
  g_assert_cmpint (find_uid ("", "127.0.0.1", 40000, "127.0.0.1", 53692), ==, -1);
  g_assert_cmpint (find_uid ("  sl  local_address rem_address   st\n",
                             "127.0.0.1", 40000, "127.0.0.1", 53692), ==, -1);
  g_assert_cmpint (find_uid ("   1: 0100007F:9C40 0100007F:D1BC 01 00000000:00000000\n",
                             "127.0.0.1", 40000, "127.0.0.1", 53692), ==, -1);
  g_assert_cmpint (find_uid ("   1: 0100007G:9C40 0100007F:D1BC 01 0:0 0:0 0 1001 0 2222\n",
                             "127.0.0.1", 40000, "127.0.0.1", 53692), ==, -1);
  g_assert_cmpint (find_uid ("   1: 0100007F:9C40 0100007F:D1BC 01 0:0 0:0 0 -1 0 2222\n",
                             "127.0.0.1", 40000, "127.0.0.1", 53692), ==, -1);
  g_assert_cmpint (find_uid ("   1: 0100007F:9C40 0100007F:D1BC 01 0:0 0:0 0 99999999999 0 2222\n",
                             "127.0.0.1", 40000, "127.0.0.1", 53692), ==, -1);
  /* the fewest fields that do */
  g_assert_cmpint (find_uid ("1: 0100007F:9C40 0100007F:D1BC 01 0:0 0:0 0 1001 0 2222",
                             "127.0.0.1", 40000, "127.0.0.1", 53692), ==, 1001);
}

/* This machine's tables: a connection of our own is ours. */
static void
test_peer_uid_live (void)
{
#ifdef __linux__
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GSocket) client = NULL;
  g_autoptr(GSocketAddress) ours = NULL;
  g_autoptr(GSocketAddress) caller = NULL;
  g_autoptr(GError) error = NULL;
  guint uid = G_MAXUINT;

  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                           &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (listener, any_port, FALSE, &error));
  g_assert_true (g_socket_listen (listener, &error));
  ours = g_socket_get_local_address (listener, &error);
  g_assert_no_error (error);

  client = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_connect (client, ours, NULL, &error));
  caller = g_socket_get_local_address (client, &error);
  g_assert_no_error (error);

  g_assert_true (_pi_keyring_loopback_peer_uid (G_INET_SOCKET_ADDRESS (caller),
                                                G_INET_SOCKET_ADDRESS (ours), &uid));
  g_assert_cmpuint (uid, ==, geteuid ());
  /* our listener is nobody's caller */
  g_assert_false (_pi_keyring_loopback_peer_uid (G_INET_SOCKET_ADDRESS (ours),
                                                 G_INET_SOCKET_ADDRESS (caller), &uid));
#else
  g_test_skip ("no /proc/net/tcp here");
#endif
}

static void
add (const char *path,
     const char *callback_path,
     void      (*test) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, callback_path, fixture_setup, test, fixture_teardown);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  add ("/oauth/callback/success", NULL, test_success);
  add ("/oauth/callback/conformance/case-60-anthropic-loopback", NULL, test_case_60);
  add ("/oauth/callback/conformance/case-61-codex-loopback", "/auth/callback", test_case_61);
  add ("/oauth/callback/wrong-path", NULL, test_wrong_path);
  add ("/oauth/callback/foreign-host", NULL, test_foreign_host);
  add ("/oauth/callback/host-names", NULL, test_host_names);
  add ("/oauth/callback/method", NULL, test_method);
  add ("/oauth/callback/access-denied", NULL, test_access_denied);
  add ("/oauth/callback/other-error", NULL, test_other_error);
  add ("/oauth/callback/first-wins", NULL, test_first_wins);
  add ("/oauth/callback/paste-wins", NULL, test_paste_wins);
  add ("/oauth/callback/code-before-wait", NULL, test_code_before_wait);
  add ("/oauth/callback/timeout", NULL, test_timeout);
  add ("/oauth/callback/cancel-frees-port", NULL, test_cancel);
  add ("/oauth/callback/cancelled-before-wait", NULL, test_cancel_before);
  g_test_add_func ("/oauth/callback/unref-frees-port", test_unref_frees_port);
  g_test_add_func ("/oauth/callback/port-in-use", test_port_in_use);
  g_test_add_func ("/oauth/callback/port-in-use-ipv6", test_port_in_use_ipv6);
  g_test_add_func ("/oauth/callback/peer-uid/parse", test_peer_uid_parse);
  g_test_add_func ("/oauth/callback/peer-uid/live", test_peer_uid_live);

  return g_test_run ();
}
