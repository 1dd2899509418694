/* test-oauth-url.c: PI_KEYRING_URL_REWRITE and the https-or-loopback rule
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "oauth/pi-keyring-oauth-private.h"

static void
check_rewrite (const char *rules,
               const char *url,
               const char *expected)
{
  g_autofree char *result = _pi_keyring_url_rewrite_with_rules (rules, url);

  g_assert_cmpstr (result, ==, expected);
}

static void
test_rewrite_rules (void)
{
  const char *mock = "https://auth.openai.com=http://127.0.0.1:8080/auth.openai.com";

  check_rewrite (mock, "https://auth.openai.com/oauth/token",
                 "http://127.0.0.1:8080/auth.openai.com/oauth/token");
  check_rewrite (mock, "https://auth.openai.com/oauth/authorize?client_id=x&state=y",
                 "http://127.0.0.1:8080/auth.openai.com/oauth/authorize?client_id=x&state=y");
  /* no match: unchanged */
  check_rewrite (mock, "https://claude.ai/oauth/authorize", "https://claude.ai/oauth/authorize");
  check_rewrite (NULL, "https://claude.ai/x", "https://claude.ai/x");
  check_rewrite ("", "https://claude.ai/x", "https://claude.ai/x");

  /* several rules, spaces around entries, empty entries; the longest FROM wins */
  check_rewrite (" https://github.com=https://ghe.example.com , ,"
                 "https://github.com/login/device=http://localhost:9/dev,",
                 "https://github.com/login/device/code", "http://localhost:9/dev/code");
  check_rewrite ("https://github.com/login/device=http://localhost:9/dev,"
                 "https://github.com=https://ghe.example.com",
                 "https://github.com/login/oauth/access_token",
                 "https://ghe.example.com/login/oauth/access_token");

  /* loopback targets of every kind */
  check_rewrite ("https://a.example=http://[::1]:8080/a", "https://a.example/t",
                 "http://[::1]:8080/a/t");
  check_rewrite ("https://a.example=http://127.3.4.5:81", "https://a.example/t",
                 "http://127.3.4.5:81/t");
  check_rewrite ("https://a.example=HTTP://LocalHost:81", "https://a.example/t",
                 "HTTP://LocalHost:81/t");
}

/* A target that is neither https nor loopback http is ignored, with a
 * warning (checked in a subprocess: warnings are fatal in tests). */
static void
test_rewrite_ignores_unsafe_target (void)
{
  if (g_test_subprocess ())
    {
      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      check_rewrite ("https://a.example=http://evil.example/a,"
                     "https://b.example=http://192.168.1.2/b,"
                     "https://c.example=ftp://127.0.0.1/c,"
                     "https://d.example=https://ok.example/d",
                     "https://a.example/t", "https://a.example/t");
      check_rewrite ("https://b.example=http://192.168.1.2/b", "https://b.example/t",
                     "https://b.example/t");
      check_rewrite ("https://d.example=https://ok.example/d", "https://d.example/t",
                     "https://ok.example/d/t");
      g_print ("done\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*done*");
  g_test_trap_assert_stderr ("*ignoring the target ?http://evil.example/a?*");
  g_test_trap_assert_stderr ("*ignoring the target ?http://192.168.1.2/b?*");
  g_test_trap_assert_stderr ("*ignoring the target ?ftp://127.0.0.1/c?*");
  g_test_trap_assert_stderr_unmatched ("*ok.example*");
}

static void
test_rewrite_malformed_entry (void)
{
  if (g_test_subprocess ())
    {
      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      check_rewrite ("no-equals-sign,=https://x.example,https://y.example=",
                     "https://y.example/t", "https://y.example/t");
      g_print ("done\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*done*");
  g_test_trap_assert_stderr ("*no-equals-sign?: it is not of the form FROM=TO*");
}

/* The environment variable, read again whenever it changes. */
static void
test_rewrite_environment (void)
{
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;

  g_setenv ("PI_KEYRING_URL_REWRITE", "https://claude.ai=http://127.0.0.1:1/claude.ai", TRUE);
  first = _pi_keyring_url_rewrite ("https://claude.ai/oauth/authorize?code=true");
  g_assert_cmpstr (first, ==, "http://127.0.0.1:1/claude.ai/oauth/authorize?code=true");

  g_setenv ("PI_KEYRING_URL_REWRITE", "https://claude.ai=http://localhost:2", TRUE);
  second = _pi_keyring_url_rewrite ("https://claude.ai/x");
  g_assert_cmpstr (second, ==, "http://localhost:2/x");

  g_unsetenv ("PI_KEYRING_URL_REWRITE");
  third = _pi_keyring_url_rewrite ("https://claude.ai/x");
  g_assert_cmpstr (third, ==, "https://claude.ai/x");
}

static void
test_loopback_hosts (void)
{
  g_assert_true (_pi_keyring_host_is_loopback ("localhost"));
  g_assert_true (_pi_keyring_host_is_loopback ("LOCALHOST"));
  g_assert_true (_pi_keyring_host_is_loopback ("127.0.0.1"));
  g_assert_true (_pi_keyring_host_is_loopback ("127.255.0.9"));
  g_assert_true (_pi_keyring_host_is_loopback ("::1"));
  g_assert_true (_pi_keyring_host_is_loopback ("[::1]"));

  g_assert_false (_pi_keyring_host_is_loopback (NULL));
  g_assert_false (_pi_keyring_host_is_loopback (""));
  g_assert_false (_pi_keyring_host_is_loopback ("128.0.0.1"));
  g_assert_false (_pi_keyring_host_is_loopback ("localhost.example.com"));
  g_assert_false (_pi_keyring_host_is_loopback ("127.0.0.1.example.com"));
  g_assert_false (_pi_keyring_host_is_loopback ("::2"));
  g_assert_false (_pi_keyring_host_is_loopback ("0.0.0.0"));
  g_assert_false (_pi_keyring_host_is_loopback ("10.0.0.1"));
}

static void
test_check_allowed (void)
{
  static const char *const allowed[] = {
    "https://auth.openai.com/oauth/token",
    "HTTPS://example.com",
    "http://127.0.0.1:8080/x",
    "http://localhost:53692/callback",
    "http://[::1]:1455/auth/callback",
  };
  static const char *const refused[] = {
    "http://auth.openai.com/oauth/token",
    "http://192.168.0.1/",
    "ftp://127.0.0.1/",
    "file:///etc/passwd",
    "https:///no-host",
    "not a url",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (allowed); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (_pi_keyring_url_check_allowed (allowed[i], &error));
      g_assert_no_error (error);
    }

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("refused: %s", refused[i]);
      g_assert_false (_pi_keyring_url_check_allowed (refused[i], &error));
      g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT);
    }
}

/* Messages never show a query (it may hold a code or a state). */
static void
test_display (void)
{
  g_autofree char *a = _pi_keyring_url_for_display ("https://u:p@host.example:8443/p/q?code=x#f");
  g_autofree char *b = _pi_keyring_url_for_display ("http://[::1]:1455/auth/callback?code=x");
  g_autofree char *c = _pi_keyring_url_for_display ("not a url?code=secret");
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (a, ==, "https://host.example:8443/p/q");
  g_assert_cmpstr (b, ==, "http://[::1]:1455/auth/callback");
  g_assert_cmpstr (c, ==, "not a url");

  g_assert_false (_pi_keyring_url_check_allowed ("http://evil.example/t?code=secret", &error));
  g_assert_null (strstr (error->message, "secret"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/oauth/url/rewrite/rules", test_rewrite_rules);
  g_test_add_func ("/oauth/url/rewrite/ignores-unsafe-target", test_rewrite_ignores_unsafe_target);
  g_test_add_func ("/oauth/url/rewrite/malformed-entry", test_rewrite_malformed_entry);
  g_test_add_func ("/oauth/url/rewrite/environment", test_rewrite_environment);
  g_test_add_func ("/oauth/url/loopback-hosts", test_loopback_hosts);
  g_test_add_func ("/oauth/url/check-allowed", test_check_allowed);
  g_test_add_func ("/oauth/url/display", test_display);

  return g_test_run ();
}
