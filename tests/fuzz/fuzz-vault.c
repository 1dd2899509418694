/* fuzz-vault.c: the encrypted-file backend's vault codec
 *
 * Input: the bytes of a vault file; the same bytes are also tried as the
 * decrypted document.
 *
 * Properties:
 * - as an envelope: a rejected input gives PI_KEYRING_ERROR_PARSE naming
 *   the file, in one printable line; an accepted one has an iteration
 *   count in range, a ciphertext with room for the tag, and a header (the
 *   associated data) that parses back to the five header members; opening
 *   it with a key derived from the passphrase "fuzz" (tried only for small
 *   iteration counts, so that the fuzzer stays fast) either gives a
 *   document that is valid or fails with WRONG_PASSPHRASE or PARSE;
 * - as a document: a rejected input gives PI_KEYRING_ERROR_PARSE in one
 *   printable line; an accepted one is sealed (one iteration) and opened
 *   again to the same document, and the sealed envelope is itself valid.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "backends/pi-keyring-backends-private.h"
#include "fuzz-common.h"

#define DISPLAY_NAME   "fuzz.vault"
#define PASSPHRASE     "fuzz"
#define MAX_TRY_ITERATIONS 16

static void
check_rejected (const GError *error)
{
  FUZZ_CHECK (error != NULL);
  FUZZ_CHECK (fuzz_is_printable_message (error->message));
  FUZZ_CHECK (strstr (error->message, DISPLAY_NAME) != NULL);
}

static void
check_document (JsonObject *doc)
{
  JsonArray *credentials;

  FUZZ_CHECK (json_object_get_int_member (doc, "version") == 1);
  credentials = json_object_get_array_member (doc, "credentials");
  FUZZ_CHECK (credentials != NULL);
  for (guint i = 0; i < json_array_get_length (credentials); i++)
    {
      JsonObject *item = json_array_get_object_element (credentials, i);

      FUZZ_CHECK (item != NULL);
      FUZZ_CHECK (*json_object_get_string_member (item, "provider") != '\0');
      FUZZ_CHECK (*json_object_get_string_member (item, "profile") != '\0');
      FUZZ_CHECK (json_object_get_object_member (item, "entry") != NULL);
    }
}

static void
fuzz_envelope (const char *data,
               gsize       size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) header_object = NULL;
  g_autofree char *header = NULL;
  PiKeyringVaultEnvelope envelope;
  PiKeyringVaultKey *key;
  char *plaintext;
  gsize length = 0;

  if (!_pi_keyring_vault_envelope_parse (data, size, DISPLAY_NAME, 1, &envelope, &error))
    {
      FUZZ_CHECK (g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE));
      check_rejected (error);
      return;
    }
  FUZZ_CHECK (error == NULL);
  FUZZ_CHECK (envelope.iterations >= 1);
  FUZZ_CHECK (envelope.iterations <= PI_KEYRING_VAULT_MAX_ITERATIONS);
  FUZZ_CHECK (envelope.ciphertext_length >= PI_KEYRING_VAULT_TAG_SIZE);

  header = _pi_keyring_vault_envelope_header (&envelope);
  header_object = _pi_keyring_auth_json_parse (header, -1, "header", &error);
  FUZZ_CHECK (header_object != NULL);
  FUZZ_CHECK (json_object_get_size (header_object) == 5);

  if (envelope.iterations <= MAX_TRY_ITERATIONS)
    {
      key = _pi_keyring_vault_derive_key (PASSPHRASE, envelope.salt, envelope.iterations, &error);
      FUZZ_CHECK (key != NULL);
      plaintext = _pi_keyring_vault_envelope_open (&envelope, key, DISPLAY_NAME, &length, &error);
      _pi_keyring_vault_key_free (key);
      if (plaintext == NULL)
        {
          FUZZ_CHECK (g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_WRONG_PASSPHRASE));
          check_rejected (error);
        }
      else
        {
          JsonObject *doc = _pi_keyring_vault_plaintext_parse (plaintext, length, DISPLAY_NAME, &error);

          if (doc != NULL)
            {
              check_document (doc);
              _pi_keyring_vault_document_free (doc);
            }
          else
            check_rejected (error);
          explicit_bzero (plaintext, length);
          g_free (plaintext);
        }
    }

  _pi_keyring_vault_envelope_clear (&envelope);
}

static void
fuzz_document (const char *data,
               gsize       size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PiKeyringSecretString) text = NULL;
  g_autoptr(PiKeyringSecretString) again = NULL;
  g_autofree char *sealed = NULL;
  PiKeyringVaultKey *key = NULL;
  PiKeyringVaultEnvelope envelope;
  JsonObject *doc;
  JsonObject *opened;
  gsize length = 0;

  doc = _pi_keyring_vault_plaintext_parse (data, size, DISPLAY_NAME, &error);
  if (doc == NULL)
    {
      FUZZ_CHECK (g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE));
      check_rejected (error);
      return;
    }
  check_document (doc);

  sealed = _pi_keyring_vault_encrypt (doc, PASSPHRASE, 1, &key, &length, &error);
  FUZZ_CHECK (sealed != NULL);
  FUZZ_CHECK (key != NULL);
  FUZZ_CHECK (length == strlen (sealed));

  FUZZ_CHECK (_pi_keyring_vault_envelope_parse (sealed, length, DISPLAY_NAME, 1, &envelope, &error));
  FUZZ_CHECK (_pi_keyring_vault_key_fits (key, &envelope));
  _pi_keyring_vault_envelope_clear (&envelope);

  /* Opened with the key the writer kept, and with a derived one. */
  opened = _pi_keyring_vault_decrypt (sealed, length, DISPLAY_NAME, PASSPHRASE, 1, key, NULL, &error);
  FUZZ_CHECK (opened != NULL);
  text = _pi_keyring_json_object_stringify (doc, 0);
  again = _pi_keyring_json_object_stringify (opened, 0);
  FUZZ_CHECK (strcmp (text, again) == 0);
  _pi_keyring_vault_document_free (opened);

  opened = _pi_keyring_vault_decrypt (sealed, length, DISPLAY_NAME, PASSPHRASE, 1, NULL, NULL, &error);
  FUZZ_CHECK (opened != NULL);
  _pi_keyring_vault_document_free (opened);

  /* Another passphrase does not open it, and says so. */
  opened = _pi_keyring_vault_decrypt (sealed, length, DISPLAY_NAME, "fuzZ", 1, NULL, NULL, &error);
  FUZZ_CHECK (opened == NULL);
  FUZZ_CHECK (g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_WRONG_PASSPHRASE));

  _pi_keyring_vault_key_free (key);
  _pi_keyring_vault_document_free (doc);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  fuzz_init ();

  /* Larger inputs only make the fuzzer slower. */
  if (size > 1024 * 1024)
    return 0;

  fuzz_envelope ((const char *) data, size);
  fuzz_document ((const char *) data, size);

  return 0;
}
