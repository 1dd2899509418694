/* fuzz-provider-input.c: what the providers parse from servers and users
 *
 * Input: one text (cut at its first NUL byte), given to
 * - _pi_keyring_codex_account_id_from_token () as an access token, and
 *   again as the payload of a made-up JWT `h.<base64url (text)>.s`, so
 *   that the JSON inside is reached without the fuzzer having to find
 *   base64 first;
 * - _pi_keyring_copilot_normalize_domain () as the enterprise domain the
 *   user types;
 * - _pi_keyring_copilot_base_url () as the Copilot token (proxy-ep=…),
 *   and with the normalized domain.
 *
 * Properties:
 * - an account id is a non-empty string;
 * - a normalized domain is lower case, without URL delimiters, and the
 *   Copilot API URL made from it is an https URL the client accepts and
 *   can name in messages; otherwise INVALID_ARGUMENT;
 * - a base URL always starts with https://.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "providers/pi-keyring-providers-private.h"
#include "fuzz-common.h"

static void
check_account_id (const char *token)
{
  g_autofree char *account = _pi_keyring_codex_account_id_from_token (token);

  if (account != NULL)
    FUZZ_CHECK (*account != '\0');
}

static void
check_domain (const char *input)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *domain = _pi_keyring_copilot_normalize_domain (input, &error);
  g_autofree char *base = NULL;
  g_autofree char *display = NULL;
  g_autoptr(GError) url_error = NULL;

  if (domain == NULL)
    {
      FUZZ_CHECK (g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT));
      return;
    }

  FUZZ_CHECK (error == NULL);
  FUZZ_CHECK (*domain != '\0');
  for (const char *p = domain; *p != '\0'; p++)
    {
      FUZZ_CHECK (!g_ascii_isupper (*p));
      FUZZ_CHECK (strchr ("#%/:<>?@[\\]^| ", *p) == NULL);
    }

  base = _pi_keyring_copilot_base_url (NULL, domain);
  FUZZ_CHECK (g_str_has_prefix (base, "https://copilot-api."));
  FUZZ_CHECK (_pi_keyring_url_check_allowed (base, &url_error));
  display = _pi_keyring_url_for_display (base);
  FUZZ_CHECK (display != NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *input = NULL;
  g_autofree char *encoded = NULL;
  g_autofree char *jwt = NULL;
  g_autofree char *base = NULL;

  fuzz_init ();

  input = fuzz_strndup (data, size);

  check_account_id (input);
  encoded = g_base64_encode ((const guchar *) input, strlen (input));
  g_strdelimit (encoded, "+", '-');
  g_strdelimit (encoded, "/", '_');
  jwt = g_strconcat ("h.", encoded, ".s", NULL);
  check_account_id (jwt);

  check_domain (input);

  base = _pi_keyring_copilot_base_url (input, NULL);
  FUZZ_CHECK (g_str_has_prefix (base, "https://"));

  return 0;
}
