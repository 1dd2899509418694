/* test-oauth-paste.c: the pasted-input parsers (reference §6.5)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "oauth/pi-keyring-oauth-private.h"

typedef struct
{
  const char *input;
  const char *code;   /* NULL: none */
  const char *state;  /* NULL: none */
} ParseCase;

static void
check_cases (const ParseCase    *cases,
             gsize               n_cases,
             PiKeyringPasteMode  mode)
{
  for (gsize i = 0; i < n_cases; i++)
    {
      g_autofree char *code = NULL;
      g_autofree char *state = NULL;
      g_autofree char *shown = g_strescape (cases[i].input, NULL);
      gboolean found;

      g_test_message ("input: “%s”", shown);
      found = _pi_keyring_paste_parse (cases[i].input, mode, &code, &state);
      g_assert_cmpstr (code, ==, cases[i].code);
      g_assert_cmpstr (state, ==, cases[i].state);
      g_assert_true (found == (cases[i].code != NULL));
    }
}

/* Conformance 55: the lenient parser. */
static void
test_case_55 (void)
{
  static const ParseCase cases[] = {
    { "abc#xyz", "abc", "xyz" },
    { "code=abc&state=xyz", "abc", "xyz" },
    { "?code=abc", "abc", NULL },
    { "  abc  ", "abc", NULL },
    { "a#b#c", "a", "b" },
  };

  check_cases (cases, G_N_ELEMENTS (cases), PI_KEYRING_PASTE_LENIENT);
}

static void
test_lenient_more (void)
{
  static const ParseCase cases[] = {
    { "", NULL, NULL },
    { " \t\n ", NULL, NULL },
    { "http://localhost:53692/callback?code=manual-code&state=S1",
      "manual-code", "S1" },
    { "  http://localhost:1455/auth/callback?state=s&code=c%2Bd+e  ", "c+d e", "s" },
    /* a URL whose query lacks them: nothing (no fall-through to code=) */
    { "http://localhost/cb?x=1", NULL, NULL },
    { "http://localhost/cb#code=abc", NULL, NULL },
    /* anything with a scheme is a URL, as `new URL ()` accepts it */
    { "x:y", NULL, NULL },
    { "localhost:53692/callback?code=c&state=s", "c", "s" },
    /* '?' inside the fragment is not a query */
    { "http://h/p#frag?code=c", NULL, NULL },
    { "http://h/p?code=c#state=s", "c", NULL },
    /* the URL parser drops tabs and newlines */
    { "http://h/p?co\nde=c\t1&state=s", "c1", "s" },
    { "#xyz", NULL, "xyz" },
    { "abc#", "abc", NULL },
    { "abc##", "abc", NULL },
    { "code=a&code=b", "a", NULL },
    { "state=s&code=", NULL, "s" },
    { "code=%zz%4", "%zz%4", NULL },
    { "c%6Fde=1&code=2", "1", NULL },
    { "just-a-code_123", "just-a-code_123", NULL },
    /* JavaScript's trim includes NBSP and BOM */
    { "\xc2\xa0\xef\xbb\xbf" "abc\xc2\xa0", "abc", NULL },
    /* a decoded NUL cannot shorten a value */
    { "code=abc%00def", "abc\xef\xbf\xbd" "def", NULL },
    /* invalid UTF-8 becomes U+FFFD, as in a JavaScript string */
    { "ab\xff", "ab\xef\xbf\xbd", NULL },
    { "code=%ff", "\xef\xbf\xbd", NULL },
  };

  check_cases (cases, G_N_ELEMENTS (cases), PI_KEYRING_PASTE_LENIENT);
}

static void
test_strict (void)
{
  static const ParseCase cases[] = {
    { "http://localhost:8085/oauth2callback?code=4/abc&state=v", "4/abc", "v" },
    { "  http://localhost:8085/oauth2callback?code=c  ", "c", NULL },
    { "abc", NULL, NULL },
    { "abc#xyz", NULL, NULL },
    { "code=abc&state=xyz", NULL, NULL },
    { "?code=abc", NULL, NULL },
    { "", NULL, NULL },
  };

  check_cases (cases, G_N_ELEMENTS (cases), PI_KEYRING_PASTE_STRICT);
}

/* Conformance 56: a pasted state that differs from the expected one fails
 * with the provider's message; no state is accepted. */
static void
test_case_56 (void)
{
  const char *expected = "Qm9_kQ2w7x3A1s-ZcVbN8tYuIoPlKjHgFdSaQwErTyU";
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  g_autofree char *url = NULL;

  code = _pi_keyring_paste_accept ("http://localhost:53692/callback?code=c&state=other",
                                   PI_KEYRING_PASTE_LENIENT, expected, "OAuth state mismatch",
                                   &error);
  g_assert_null (code);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "OAuth state mismatch");
  g_clear_error (&error);

  code = _pi_keyring_paste_accept ("c#other", PI_KEYRING_PASTE_LENIENT, expected,
                                   "State mismatch", &error);
  g_assert_null (code);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "State mismatch");
  g_clear_error (&error);

  /* a bare code: accepted (the caller then sends its own state) */
  code = _pi_keyring_paste_accept ("bare-code", PI_KEYRING_PASTE_LENIENT, expected,
                                   "OAuth state mismatch", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, "bare-code");
  g_clear_pointer (&code, g_free);

  url = g_strdup_printf ("http://localhost:53692/callback?code=manual-code&state=%s", expected);
  code = _pi_keyring_paste_accept (url, PI_KEYRING_PASTE_LENIENT, expected,
                                   "OAuth state mismatch", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, "manual-code");
  g_clear_pointer (&code, g_free);

  /* a state without a code */
  code = _pi_keyring_paste_accept ("#xyz", PI_KEYRING_PASTE_LENIENT, "xyz",
                                   "OAuth state mismatch", &error);
  g_assert_null (code);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED);
  g_assert_true (g_str_has_prefix (error->message, "Missing authorization code"));
  g_clear_error (&error);

  g_assert_true (_pi_keyring_oauth_check_state ("s", NULL, "x", &error));
  g_assert_true (_pi_keyring_oauth_check_state ("s", "", "x", &error));
  g_assert_true (_pi_keyring_oauth_check_state ("s", "s", "x", &error));
  g_assert_false (_pi_keyring_oauth_check_state ("s", "S", "x", &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED);
}

/* Conformance 57: a bare code pasted for a Google provider. */
static void
test_case_57 (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  code = _pi_keyring_paste_accept ("4/0AbCdEf", PI_KEYRING_PASTE_STRICT, "expected-state",
                                   "OAuth state mismatch - possible CSRF attack", &error);
  g_assert_null (code);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED);
  g_assert_true (g_str_has_prefix (error->message, "No authorization code received"));
  g_clear_error (&error);

  code = _pi_keyring_paste_accept ("http://localhost:8085/oauth2callback?code=c&state=bad",
                                   PI_KEYRING_PASTE_STRICT, "expected-state",
                                   "OAuth state mismatch - possible CSRF attack", &error);
  g_assert_null (code);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "OAuth state mismatch - possible CSRF attack");
  g_clear_error (&error);

  code = _pi_keyring_paste_accept ("http://localhost:8085/oauth2callback?code=c&state=expected-state",
                                   PI_KEYRING_PASTE_STRICT, "expected-state", "mismatch", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, "c");
}

/* A small in-process fuzz: random inputs built from the characters that
 * matter never crash, and what comes out is valid UTF-8 without NULs. */
static void
test_fuzz (void)
{
  static const char alphabet[] = "abc=&#?%+:/ \t\n\xc2\xa0\xff" "0Fcode=state=http://";

  for (guint n = 0; n < 20000; n++)
    {
      char input[48];
      guint length = g_test_rand_int_range (0, sizeof input);
      g_autofree char *code = NULL;
      g_autofree char *state = NULL;

      for (guint i = 0; i < length; i++)
        {
          input[i] = alphabet[g_test_rand_int_range (0, sizeof alphabet - 1)];
          if (g_test_rand_int_range (0, 8) == 0)
            input[i] = (char) g_test_rand_int_range (1, 256);
        }
      input[length] = '\0';

      _pi_keyring_paste_parse (input, n % 2 ? PI_KEYRING_PASTE_STRICT : PI_KEYRING_PASTE_LENIENT,
                               &code, &state);
      g_assert_true (code == NULL || (g_utf8_validate (code, -1, NULL) && *code != '\0'));
      g_assert_true (state == NULL || (g_utf8_validate (state, -1, NULL) && *state != '\0'));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/oauth/paste/conformance/case-55-lenient", test_case_55);
  g_test_add_func ("/oauth/paste/lenient-more", test_lenient_more);
  g_test_add_func ("/oauth/paste/strict", test_strict);
  g_test_add_func ("/oauth/paste/conformance/case-56-state-rule", test_case_56);
  g_test_add_func ("/oauth/paste/conformance/case-57-strict-bare-code", test_case_57);
  g_test_add_func ("/oauth/paste/fuzz", test_fuzz);

  return g_test_run ();
}
