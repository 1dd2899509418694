/* test-deep-json.c: deeply nested answers do not exhaust the stack
 *
 * json-glib's parser recurses once per nesting level; before the bracket
 * limit in pi-keyring-http.c a token endpoint could crash pi-keyring with
 * a body of 100 000 '['. The same holds for JSON inside a token (the
 * Codex JWT payload). The inputs are too large for the fuzz corpus
 * (libFuzzer's inputs stay a few kilobytes), so they are built here.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "providers/pi-keyring-providers-private.h"

#define URL "https://auth.example.com/oauth/token"

static PiKeyringHttpResponse *
response_for_body (const char *body,
                   gsize       length)
{
  return _pi_keyring_http_response_new (200, URL, "application/json", NULL, 0,
                                        FALSE, body, length);
}

/* `{"access_token":"a","x":` + depth × '[' + depth × ']' + `}` */
static char *
nested_body (gsize depth)
{
  GString *body = g_string_new ("{\"access_token\":\"a\",\"x\":");

  for (gsize i = 0; i < depth; i++)
    g_string_append_c (body, '[');
  for (gsize i = 0; i < depth; i++)
    g_string_append_c (body, ']');
  g_string_append_c (body, '}');

  return g_string_free (body, FALSE);
}

static void
test_hostile_depth (void)
{
  /* The largest body the client reads, all of it '['. */
  gsize length = PI_KEYRING_HTTP_MAX_BODY_SIZE;
  g_autofree char *open = g_malloc (length);
  g_autofree char *nested = nested_body (200000);
  g_autoptr(PiKeyringHttpResponse) response = NULL;
  g_autoptr(PiKeyringHttpResponse) balanced = NULL;
  g_autoptr(GError) error = NULL;

  memset (open, '[', length);
  response = response_for_body (open, length);
  g_assert_nonnull (response);
  g_assert_null (response->object);
  g_assert_false (_pi_keyring_http_response_check (response, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY);

  balanced = response_for_body (nested, strlen (nested));
  g_assert_nonnull (balanced);
  g_assert_null (balanced->object);
}

static void
test_ordinary_depth (void)
{
  g_autofree char *nested = nested_body (100);
  g_autoptr(PiKeyringHttpResponse) response = response_for_body (nested, strlen (nested));
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (response->object);
  token = _pi_keyring_token_response_new_from_http (response, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token->access_token, ==, "a");
}

/* The payload of a Codex access token, which comes from the token
 * endpoint: base64url of 300 000 '[' (no bracket in the answer itself).
 * Run in a subprocess: before a fix it dies of a stack overflow. */
static void
test_codex_jwt (void)
{
  if (g_test_subprocess ())
    {
      gsize depth = 300000;
      g_autofree char *payload = g_malloc (depth);
      g_autofree char *encoded = NULL;
      g_autofree char *token = NULL;
      g_autofree char *account = NULL;

      memset (payload, '[', depth);
      encoded = g_base64_encode ((const guchar *) payload, depth);
      g_strdelimit (encoded, "+", '-');
      g_strdelimit (encoded, "/", '_');
      token = g_strconcat ("eyJhbGciOiJub25lIn0.", encoded, ".c2ln", NULL);
      account = _pi_keyring_codex_account_id_from_token (token);
      g_assert_null (account);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_set_nonfatal_assertions ();
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/fuzz/http/deep-json/hostile", test_hostile_depth);
  g_test_add_func ("/fuzz/http/deep-json/ordinary", test_ordinary_depth);
  g_test_add_func ("/fuzz/codex/deep-jwt", test_codex_jwt);

  return g_test_run ();
}
