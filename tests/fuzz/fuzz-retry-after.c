/* fuzz-retry-after.c: the Retry-After header value
 *
 * Input: a header value (cut at its first NUL byte): delta-seconds or an
 * HTTP date, or anything a server sends.
 *
 * Properties of _pi_keyring_parse_retry_after ():
 * - the result is -1 (unusable) or a delay of 0 or more milliseconds,
 *   whatever "now" is; whether it is -1 does not depend on "now";
 * - delta-seconds give at most a year, the same for every "now";
 * - a date gives a delay that does not grow as "now" advances;
 * - the delay can be told to people (_pi_keyring_format_approximate_duration
 *   gives one printable line).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "oauth/pi-keyring-oauth-private.h"
#include "fuzz-common.h"

#define YEAR_MS (G_GINT64_CONSTANT (365) * 24 * 3600 * 1000)

/* 1970, 2023-11-14, 9999-12-31: increasing. */
static const gint64 nows[] = {
  G_GINT64_CONSTANT (0),
  G_GINT64_CONSTANT (1700000000000),
  G_GINT64_CONSTANT (253402300799000),
};

static gboolean
is_delta_seconds (const char *value)
{
  g_autofree char *text = g_strstrip (g_strdup (value));

  return *text != '\0' && strspn (text, "0123456789") == strlen (text);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *value = NULL;
  gint64 results[G_N_ELEMENTS (nows)];

  fuzz_init ();

  value = fuzz_strndup (data, size);

  for (gsize i = 0; i < G_N_ELEMENTS (nows); i++)
    {
      results[i] = _pi_keyring_parse_retry_after (value, nows[i]);
      FUZZ_CHECK (results[i] >= -1);

      if (results[i] >= 0)
        {
          g_autofree char *when = _pi_keyring_format_approximate_duration (results[i]);

          FUZZ_CHECK (when != NULL && *when != '\0');
          FUZZ_CHECK (fuzz_is_printable_message (when));
        }
    }

  for (gsize i = 1; i < G_N_ELEMENTS (nows); i++)
    {
      FUZZ_CHECK ((results[i] == -1) == (results[0] == -1));
      FUZZ_CHECK (results[i] <= results[i - 1]);
    }

  if (is_delta_seconds (value))
    {
      FUZZ_CHECK (results[0] >= 0 && results[0] <= YEAR_MS);
      FUZZ_CHECK (results[0] % 1000 == 0);
      for (gsize i = 1; i < G_N_ELEMENTS (nows); i++)
        FUZZ_CHECK (results[i] == results[0]);
    }

  FUZZ_CHECK (_pi_keyring_parse_retry_after (NULL, nows[1]) == -1);

  return 0;
}
