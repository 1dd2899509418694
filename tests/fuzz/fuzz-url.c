/* fuzz-url.c: PI_KEYRING_URL_REWRITE rules and the URL policy
 *
 * Input: the value of PI_KEYRING_URL_REWRITE up to the first '\n', then a
 * URL (both cut at the first NUL byte).
 *
 * Properties:
 * - without rules a URL is unchanged; with rules the result is a rule's
 *   target followed by the rest of the URL, or the URL itself;
 * - _pi_keyring_url_check_allowed () either allows the rewritten URL or
 *   fails with PI_KEYRING_ERROR_INVALID_ARGUMENT;
 * - _pi_keyring_url_for_display () drops the query and the fragment;
 * - _pi_keyring_host_is_loopback () does not crash on any text.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "oauth/pi-keyring-oauth-private.h"
#include "fuzz-common.h"

/* @url itself, or TO + rest where @url is FROM + rest and FROM occurs
 * in the @rules text. */
static gboolean
is_rewrite_of (const char *rewritten,
               const char *url,
               const char *rules)
{
  gsize length = strlen (url);

  if (strcmp (rewritten, url) == 0)
    return TRUE;

  for (gsize k = 1; k <= length; k++)
    {
      g_autofree char *from = NULL;

      if (!g_str_has_suffix (rewritten, url + k))
        continue;
      from = g_strndup (url, k);
      if (strstr (rules, from) != NULL)
        return TRUE;
    }

  return FALSE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *input = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *rewritten = NULL;
  g_autofree char *display = NULL;
  g_autoptr(GError) error = NULL;
  const char *url;
  char *newline;

  fuzz_init ();

  input = fuzz_strndup (data, size);
  newline = strchr (input, '\n');
  if (newline != NULL)
    {
      *newline = '\0';
      url = newline + 1;
    }
  else
    url = "";

  plain = _pi_keyring_url_rewrite_with_rules (NULL, url);
  FUZZ_CHECK (strcmp (plain, url) == 0);

  rewritten = _pi_keyring_url_rewrite_with_rules (input, url);
  FUZZ_CHECK (rewritten != NULL);
  FUZZ_CHECK (is_rewrite_of (rewritten, url, input));

  if (!_pi_keyring_url_check_allowed (rewritten, &error))
    FUZZ_CHECK (g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT));
  else
    FUZZ_CHECK (error == NULL);

  display = _pi_keyring_url_for_display (url);
  FUZZ_CHECK (display != NULL);
  FUZZ_CHECK (strpbrk (display, "?#") == NULL);

  (void) _pi_keyring_host_is_loopback (input);
  (void) _pi_keyring_host_is_loopback (url);

  return 0;
}
