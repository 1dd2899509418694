/* fuzz-paste.c: the pasted-input parsers, lenient and strict
 *
 * Input: what a user pastes after a browser login (a redirect URL,
 * `code#state`, a query string or a bare code), cut at its first NUL byte
 * as a C string would be.
 *
 * Properties, in both modes:
 * - _pi_keyring_paste_parse () returns TRUE exactly when it found a code;
 *   a code or state it returns is non-empty valid UTF-8;
 * - the strict parser finds a subset of what the lenient one finds: when
 *   it returns a code or a state, the lenient parser returns the same;
 * - _pi_keyring_paste_accept () applies the state rule: a parsed state
 *   that differs from the expected one fails with the given message, a
 *   missing code fails with the mode's message, otherwise the code comes
 *   back; with the parsed state expected, the state rule passes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "oauth/pi-keyring-oauth-private.h"
#include "fuzz-common.h"

#define EXPECTED_STATE "fuzz-expected-state"
#define MISMATCH "State mismatch"

static void
check_parsed (const char *value)
{
  if (value == NULL)
    return;
  FUZZ_CHECK (*value != '\0');
  FUZZ_CHECK (g_utf8_validate (value, -1, NULL));
}

static void
check_accept (const char         *input,
              PiKeyringPasteMode  mode,
              const char         *expected_state,
              const char         *code,
              const char         *state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PiKeyringSecretString) accepted = NULL;

  accepted = _pi_keyring_paste_accept (input, mode, expected_state, MISMATCH, &error);

  if (state != NULL && strcmp (state, expected_state) != 0)
    {
      FUZZ_CHECK (accepted == NULL);
      FUZZ_CHECK (g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED));
      FUZZ_CHECK (strcmp (error->message, MISMATCH) == 0);
    }
  else if (code == NULL)
    {
      FUZZ_CHECK (accepted == NULL);
      FUZZ_CHECK (g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED));
      FUZZ_CHECK (strcmp (error->message, MISMATCH) != 0);
    }
  else
    {
      FUZZ_CHECK (error == NULL);
      FUZZ_CHECK (accepted != NULL);
      FUZZ_CHECK (strcmp (accepted, code) == 0);
    }
}

static void
check_mode (const char         *input,
            PiKeyringPasteMode  mode,
            char              **out_code,
            char              **out_state)
{
  gboolean found;

  found = _pi_keyring_paste_parse (input, mode, out_code, out_state);
  FUZZ_CHECK (found == (*out_code != NULL));
  check_parsed (*out_code);
  check_parsed (*out_state);

  check_accept (input, mode, EXPECTED_STATE, *out_code, *out_state);
  if (*out_state != NULL)
    check_accept (input, mode, *out_state, *out_code, *out_state);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *input = NULL;
  g_autoptr(PiKeyringSecretString) lenient_code = NULL;
  g_autoptr(PiKeyringSecretString) lenient_state = NULL;
  g_autoptr(PiKeyringSecretString) strict_code = NULL;
  g_autoptr(PiKeyringSecretString) strict_state = NULL;

  fuzz_init ();

  input = fuzz_strndup (data, size);

  check_mode (input, PI_KEYRING_PASTE_LENIENT, &lenient_code, &lenient_state);
  check_mode (input, PI_KEYRING_PASTE_STRICT, &strict_code, &strict_state);

  if (strict_code != NULL || strict_state != NULL)
    {
      FUZZ_CHECK (g_strcmp0 (strict_code, lenient_code) == 0);
      FUZZ_CHECK (g_strcmp0 (strict_state, lenient_state) == 0);
    }

  return 0;
}
