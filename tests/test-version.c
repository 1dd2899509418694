/* test-version.c: PI_KEYRING_*_VERSION, PI_KEYRING_CHECK_VERSION and the
 * version functions, through the documented header
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <pi-keyring/pi-keyring.h>

/* The macros are usable in #if, as a program uses them. */
#if !PI_KEYRING_CHECK_VERSION (0, 1, 0)
#error "PI_KEYRING_CHECK_VERSION (0, 1, 0) is false"
#endif
#if PI_KEYRING_CHECK_VERSION (PI_KEYRING_MAJOR_VERSION + 1, 0, 0)
#error "PI_KEYRING_CHECK_VERSION of the next major version is true"
#endif

/* The numbers come from the project's version (meson.build). */
static void
test_macros_follow_project_version (void)
{
  g_autofree char *expected = NULL;

  expected = g_strdup_printf ("%d.%d.%d", PI_KEYRING_MAJOR_VERSION,
                              PI_KEYRING_MINOR_VERSION, PI_KEYRING_MICRO_VERSION);
  g_assert_cmpstr (expected, ==, PACKAGE_VERSION);
  g_assert_cmpstr (PI_KEYRING_VERSION_S, ==, PACKAGE_VERSION);
}

static void
test_functions_match_macros (void)
{
  g_assert_cmpuint (pi_keyring_get_major_version (), ==, PI_KEYRING_MAJOR_VERSION);
  g_assert_cmpuint (pi_keyring_get_minor_version (), ==, PI_KEYRING_MINOR_VERSION);
  g_assert_cmpuint (pi_keyring_get_micro_version (), ==, PI_KEYRING_MICRO_VERSION);
}

static void
test_check_version (void)
{
  const guint major = PI_KEYRING_MAJOR_VERSION;
  const guint minor = PI_KEYRING_MINOR_VERSION;
  const guint micro = PI_KEYRING_MICRO_VERSION;

  /* This version, and older ones of the same major version. */
  g_assert_true (pi_keyring_check_version (major, minor, micro));
  g_assert_true (pi_keyring_check_version (major, 0, 0));
  if (micro > 0)
    g_assert_true (pi_keyring_check_version (major, minor, micro - 1));
  if (minor > 0)
    g_assert_true (pi_keyring_check_version (major, minor - 1, 99));

  /* Newer ones, and another major version either way. */
  g_assert_false (pi_keyring_check_version (major, minor, micro + 1));
  g_assert_false (pi_keyring_check_version (major, minor + 1, 0));
  g_assert_false (pi_keyring_check_version (major + 1, 0, 0));
  if (major > 0)
    g_assert_false (pi_keyring_check_version (major - 1, 0, 0));
}

/* The macro says the same of the headers, at compile time. */
static void
test_check_version_macro (void)
{
  /* int, as the literals a program passes: with 0 as the major version,
   * a guint would be compared with 0 (-Wtype-limits). */
  const int major = PI_KEYRING_MAJOR_VERSION;
  const int minor = PI_KEYRING_MINOR_VERSION;
  const int micro = PI_KEYRING_MICRO_VERSION;

  g_assert_true (PI_KEYRING_CHECK_VERSION (major, minor, micro));
  g_assert_true (PI_KEYRING_CHECK_VERSION (0, 0, 0));
  g_assert_false (PI_KEYRING_CHECK_VERSION (major, minor, micro + 1));
  g_assert_false (PI_KEYRING_CHECK_VERSION (major, minor + 1, 0));
  g_assert_false (PI_KEYRING_CHECK_VERSION (major + 1, 0, 0));
  if (minor > 0)
    g_assert_true (PI_KEYRING_CHECK_VERSION (major, minor - 1, 99));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/version/macros-follow-project-version", test_macros_follow_project_version);
  g_test_add_func ("/version/functions-match-macros", test_functions_match_macros);
  g_test_add_func ("/version/check-version", test_check_version);
  g_test_add_func ("/version/check-version-macro", test_check_version_macro);

  return g_test_run ();
}
