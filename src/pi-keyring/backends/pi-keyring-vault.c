/* pi-keyring-vault.c: the vault format of the encrypted-file backend
 *
 * A vault is a JSON envelope (DESIGN §4.1), exactly
 *
 *   {"format":"pi-keyring-vault","version":1,
 *    "kdf":{"name":"pbkdf2-sha256","iterations":N,"salt":B64},
 *    "cipher":"aes-256-gcm","nonce":B64,"ciphertext":B64}
 *
 * on one line (with a final newline when we write it), where B64 is
 * standard base64 with padding, the salt is 16 bytes, the nonce 12 bytes,
 * and "ciphertext" is the AES-256-GCM ciphertext with the 16-byte GCM
 * authentication tag appended to it (the layout GnuTLS's AEAD API uses).
 * The key is PBKDF2-HMAC-SHA256 (passphrase, salt, N) of 32 bytes.
 *
 * The associated data that GCM authenticates along with the ciphertext is
 * the envelope without its "ciphertext" member, serialized compactly in
 * the field order above, that is the bytes
 *
 *   {"format":"pi-keyring-vault","version":1,"kdf":{"name":"pbkdf2-sha256",
 *   "iterations":N,"salt":"SALT"},"cipher":"aes-256-gcm","nonce":"NONCE"}
 *
 * without the line break, N in decimal without leading zeros, SALT and
 * NONCE the canonical base64 of the salt and the nonce (exactly what
 * JSON.stringify or _pi_keyring_json_object_stringify (obj, 0) write for
 * that object). A reader builds these bytes again from the values it
 * parsed, never from the file's own bytes, so that changing the format,
 * version, KDF name, iteration count, salt, cipher or nonce makes the tag
 * check fail even where the value would otherwise be accepted. The file we
 * write starts with these bytes (less the final `}`).
 *
 * Nothing else is in clear: the plaintext is a JSON document
 *
 *   {"version":1,"credentials":[{"provider":P,"profile":Q,
 *     "created":MICROSECONDS,"entry":{…pi's auth.json entry…}},…]}
 *
 * padded with spaces to a multiple of 256 bytes, so that the ciphertext's
 * length does not give away the exact lengths of the keys inside.
 *
 * Readers are strict and bounded: the whole file at most 16 MiB, the
 * envelope's members exactly those above with exactly those types, base64
 * canonical, the iteration count in [600000, 10000000] (a hostile file
 * must not make us spin for hours), version 1 only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "backends/pi-keyring-backends-private.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#include "net/pi-keyring-net.h"

#define VAULT_FORMAT    "pi-keyring-vault"
#define VAULT_KDF       "pbkdf2-sha256"
#define VAULT_CIPHER    "aes-256-gcm"
#define PLAINTEXT_BLOCK 256

/* --- keys in locked memory --- */

struct _PiKeyringVaultKey
{
  guint    iterations;
  guint8   salt[PI_KEYRING_VAULT_SALT_SIZE];
  guint8   key[PI_KEYRING_VAULT_KEY_SIZE];
  gboolean mapped;
};

static gsize
key_allocation_size (void)
{
  long page = sysconf (_SC_PAGESIZE);

  if (page <= 0)
    page = 4096;
  return ((sizeof (PiKeyringVaultKey) + page - 1) / page) * page;
}

/* A zeroed key on a page of its own, locked in RAM (so that it is not
 * swapped out) and left out of core dumps, where the system allows it. */
PiKeyringVaultKey *
_pi_keyring_vault_key_new (void)
{
  gsize size = key_allocation_size ();
  PiKeyringVaultKey *key;
  void *page;

  page = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED)
    {
      key = g_new0 (PiKeyringVaultKey, 1);
      key->mapped = FALSE;
      return key;
    }

  (void) mlock (page, size);
#ifdef MADV_DONTDUMP
  (void) madvise (page, size, MADV_DONTDUMP);
#endif
  key = page;
  key->mapped = TRUE;
  return key;
}

PiKeyringVaultKey *
_pi_keyring_vault_key_copy (const PiKeyringVaultKey *key)
{
  PiKeyringVaultKey *copy = _pi_keyring_vault_key_new ();

  copy->iterations = key->iterations;
  memcpy (copy->salt, key->salt, sizeof copy->salt);
  memcpy (copy->key, key->key, sizeof copy->key);
  return copy;
}

void
_pi_keyring_vault_key_free (PiKeyringVaultKey *key)
{
  gsize size;

  if (key == NULL)
    return;

  if (!key->mapped)
    {
      explicit_bzero (key, sizeof *key);
      g_free (key);
      return;
    }

  size = key_allocation_size ();
  explicit_bzero (key, sizeof *key);
  munlock (key, size);
  munmap (key, size);
}

/* Whether @key was derived for @envelope's salt and iteration count (by
 * the caller's passphrase: the key does not know it). */
gboolean
_pi_keyring_vault_key_fits (const PiKeyringVaultKey      *key,
                            const PiKeyringVaultEnvelope *envelope)
{
  return key != NULL &&
         key->iterations == envelope->iterations &&
         memcmp (key->salt, envelope->salt, sizeof key->salt) == 0;
}

PiKeyringVaultKey *
_pi_keyring_vault_derive_key (const char    *passphrase,
                              const guint8  *salt,
                              guint          iterations,
                              GError       **error)
{
  PiKeyringVaultKey *key;
  const PiKeyringNet *net;
  gnutls_datum_t secret;
  gnutls_datum_t salt_datum;
  int ret;

  g_return_val_if_fail (passphrase != NULL, NULL);
  g_return_val_if_fail (iterations > 0, NULL);

  net = _pi_keyring_net_get (error);
  if (net == NULL)
    return NULL;

  key = _pi_keyring_vault_key_new ();
  key->iterations = iterations;
  memcpy (key->salt, salt, sizeof key->salt);

  secret.data = (unsigned char *) passphrase;
  secret.size = strlen (passphrase);
  salt_datum.data = key->salt;
  salt_datum.size = sizeof key->salt;

  ret = net->gnutls_pbkdf2 (GNUTLS_MAC_SHA256, &secret, &salt_datum, iterations,
                       key->key, sizeof key->key);
  if (ret < 0)
    {
      _pi_keyring_vault_key_free (key);
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("Could not derive the vault’s key: %s"), net->gnutls_strerror (ret));
      return NULL;
    }

  return key;
}

/* --- the envelope --- */

void
_pi_keyring_vault_envelope_clear (PiKeyringVaultEnvelope *envelope)
{
  g_clear_pointer (&envelope->ciphertext, g_free);
  memset (envelope, 0, sizeof *envelope);
}

/* Standard base64 with padding, and only its canonical form (no spaces,
 * no line breaks, zero bits after the last byte): decoding then encoding
 * again must give the text back. */
static guint8 *
decode_base64_strict (const char *text,
                      gsize      *out_length)
{
  g_autofree guint8 *decoded = NULL;
  g_autofree char *again = NULL;
  gsize text_length = strlen (text);
  gsize length = 0;

  if (text_length == 0 || text_length % 4 != 0)
    return NULL;

  for (gsize i = 0; i < text_length; i++)
    {
      char c = text[i];

      if (!g_ascii_isalnum (c) && c != '+' && c != '/' && c != '=')
        return NULL;
    }

  decoded = g_base64_decode (text, &length);
  if (decoded == NULL || length == 0)
    return NULL;

  again = g_base64_encode (decoded, length);
  if (strcmp (again, text) != 0)
    return NULL;

  *out_length = length;
  return g_steal_pointer (&decoded);
}

static gboolean
decode_fixed (const char *text,
              guint8     *out,
              gsize       size)
{
  g_autofree guint8 *decoded = NULL;
  gsize length = 0;

  if (text == NULL)
    return FALSE;

  decoded = decode_base64_strict (text, &length);
  if (decoded == NULL || length != size)
    return FALSE;

  memcpy (out, decoded, size);
  return TRUE;
}

/* The member @name when it is an integer (the parser makes integers up to
 * 2^53 int64 nodes; anything else is not a whole number here). */
static gboolean
member_int (JsonObject *object,
            const char *name,
            gint64     *out_value)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;

  *out_value = json_node_get_int (node);
  return TRUE;
}

static gboolean
has_only_members (JsonObject         *object,
                  const char * const *names)
{
  guint expected = g_strv_length ((char **) names);

  if (json_object_get_size (object) != expected)
    return FALSE;

  for (guint i = 0; i < expected; i++)
    if (!json_object_has_member (object, names[i]))
      return FALSE;

  return TRUE;
}

/* A parse error's message less the file's name, which ours already has:
 * "LINE:COLUMN: what is wrong". */
static const char *
without_display_name (const char *message,
                      const char *display_name)
{
  gsize name_length = strlen (display_name);

  if (strncmp (message, display_name, name_length) == 0 && message[name_length] == ':')
    return message + name_length + 1;
  return message;
}

static gboolean
envelope_fail (GError     **error,
               const char  *display_name,
               const char  *detail)
{
  /* TRANSLATORS: the first %s is a file, the second what is wrong with it. */
  g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE,
               _("“%s” is not a valid pi-keyring vault: %s."), display_name, detail);
  return FALSE;
}

/**
 * _pi_keyring_vault_envelope_parse:
 * @data: the file's bytes
 * @length: their number
 * @display_name: how errors name the file
 * @min_iterations: the smallest iteration count accepted
 *   (%PI_KEYRING_VAULT_MIN_ITERATIONS except in tests)
 * @out_envelope: (out caller-allocates): the envelope, to clear with
 *   _pi_keyring_vault_envelope_clear ()
 * @error: return location for an error
 *
 * Parses and checks an envelope, strictly. Decrypts nothing.
 *
 * Returns: %TRUE when @data is a valid envelope; %FALSE with
 *   %PI_KEYRING_ERROR_PARSE naming @display_name
 */
gboolean
_pi_keyring_vault_envelope_parse (const char              *data,
                                  gsize                    length,
                                  const char              *display_name,
                                  guint                    min_iterations,
                                  PiKeyringVaultEnvelope  *out_envelope,
                                  GError                 **error)
{
  static const char * const envelope_members[] = {
    "format", "version", "kdf", "cipher", "nonce", "ciphertext", NULL
  };
  static const char * const kdf_members[] = { "name", "iterations", "salt", NULL };
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree guint8 *ciphertext = NULL;
  JsonNode *kdf_node;
  JsonObject *kdf;
  const char *text;
  gsize ciphertext_length = 0;
  gint64 number;

  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (out_envelope != NULL, FALSE);

  memset (out_envelope, 0, sizeof *out_envelope);

  if (length == 0)
    return envelope_fail (error, display_name, _("the file is empty"));
  if (length > PI_KEYRING_VAULT_MAX_SIZE)
    return envelope_fail (error, display_name, _("the file is larger than 16 MiB"));

  object = _pi_keyring_auth_json_parse (data, length, display_name, &local_error);
  if (object == NULL)
    return envelope_fail (error, display_name,
                          without_display_name (local_error->message, display_name));

  text = _pi_keyring_json_get_string (object, "format");
  if (text == NULL || !g_str_equal (text, VAULT_FORMAT))
    return envelope_fail (error, display_name, _("its format is not “pi-keyring-vault”"));

  if (!member_int (object, "version", &number) || number != 1)
    return envelope_fail (error, display_name,
                          _("its version is not 1, the only one this pi-keyring can read"));

  if (!has_only_members (object, envelope_members))
    return envelope_fail (error, display_name,
                          _("it does not have exactly the members format, version, kdf, "
                            "cipher, nonce and ciphertext"));

  kdf_node = json_object_get_member (object, "kdf");
  if (!JSON_NODE_HOLDS_OBJECT (kdf_node))
    return envelope_fail (error, display_name, _("its kdf is not an object"));
  kdf = json_node_get_object (kdf_node);

  text = _pi_keyring_json_get_string (kdf, "name");
  if (!has_only_members (kdf, kdf_members) || text == NULL || !g_str_equal (text, VAULT_KDF))
    return envelope_fail (error, display_name,
                          _("its key derivation is not pbkdf2-sha256 with an iteration "
                            "count and a salt"));

  if (!member_int (kdf, "iterations", &number) ||
      number < MAX (min_iterations, 1) || number > PI_KEYRING_VAULT_MAX_ITERATIONS)
    {
      g_autofree char *detail = NULL;

      detail = g_strdup_printf (_("its iteration count is not a whole number from %u to %u"),
                                MAX (min_iterations, 1), PI_KEYRING_VAULT_MAX_ITERATIONS);
      return envelope_fail (error, display_name, detail);
    }
  out_envelope->iterations = (guint) number;

  if (!decode_fixed (_pi_keyring_json_get_string (kdf, "salt"), out_envelope->salt, PI_KEYRING_VAULT_SALT_SIZE))
    return envelope_fail (error, display_name, _("its salt is not 16 bytes in base64"));

  text = _pi_keyring_json_get_string (object, "cipher");
  if (text == NULL || !g_str_equal (text, VAULT_CIPHER))
    return envelope_fail (error, display_name, _("its cipher is not aes-256-gcm"));

  if (!decode_fixed (_pi_keyring_json_get_string (object, "nonce"), out_envelope->nonce,
                     PI_KEYRING_VAULT_NONCE_SIZE))
    return envelope_fail (error, display_name, _("its nonce is not 12 bytes in base64"));

  text = _pi_keyring_json_get_string (object, "ciphertext");
  if (text != NULL)
    ciphertext = decode_base64_strict (text, &ciphertext_length);
  if (ciphertext == NULL || ciphertext_length < PI_KEYRING_VAULT_TAG_SIZE)
    return envelope_fail (error, display_name,
                          _("its ciphertext is not base64 of at least 16 bytes"));

  out_envelope->ciphertext = g_steal_pointer (&ciphertext);
  out_envelope->ciphertext_length = ciphertext_length;
  return TRUE;
}

/**
 * _pi_keyring_vault_envelope_header:
 * @envelope: an envelope
 *
 * The associated data of @envelope: see the top of this file.
 *
 * Returns: (transfer full): the header's bytes, nul-terminated
 */
char *
_pi_keyring_vault_envelope_header (const PiKeyringVaultEnvelope *envelope)
{
  g_autofree char *salt = g_base64_encode (envelope->salt, sizeof envelope->salt);
  g_autofree char *nonce = g_base64_encode (envelope->nonce, sizeof envelope->nonce);

  return g_strdup_printf ("{\"format\":\"" VAULT_FORMAT "\",\"version\":1,"
                          "\"kdf\":{\"name\":\"" VAULT_KDF "\",\"iterations\":%u,\"salt\":\"%s\"},"
                          "\"cipher\":\"" VAULT_CIPHER "\",\"nonce\":\"%s\"}",
                          envelope->iterations, salt, nonce);
}

/* --- encryption --- */

/**
 * _pi_keyring_vault_envelope_open:
 * @envelope: a parsed envelope
 * @key: the key for its salt and iteration count
 * @display_name: how errors name the file
 * @out_length: (out): the plaintext's length
 * @error: return location for an error
 *
 * Checks the tag over the header and the ciphertext, and decrypts.
 *
 * Returns: (transfer full): the plaintext, nul-terminated, to free with
 *   _pi_keyring_secret_free (); %NULL with
 *   %PI_KEYRING_ERROR_WRONG_PASSPHRASE when the tag does not match
 */
char *
_pi_keyring_vault_envelope_open (const PiKeyringVaultEnvelope  *envelope,
                                 const PiKeyringVaultKey       *key,
                                 const char                    *display_name,
                                 gsize                         *out_length,
                                 GError                       **error)
{
  const PiKeyringNet *net;
  g_autofree char *header = NULL;
  gnutls_aead_cipher_hd_t cipher = NULL;
  gnutls_datum_t key_datum;
  gsize capacity;
  size_t length;
  char *plaintext;
  int ret;

  g_return_val_if_fail (envelope->ciphertext_length >= PI_KEYRING_VAULT_TAG_SIZE, NULL);

  net = _pi_keyring_net_get (error);
  if (net == NULL)
    return NULL;

  key_datum.data = (unsigned char *) key->key;
  key_datum.size = sizeof key->key;
  ret = net->gnutls_aead_cipher_init (&cipher, GNUTLS_CIPHER_AES_256_GCM, &key_datum);
  if (ret < 0)
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("Could not decrypt “%s”: %s"), display_name, net->gnutls_strerror (ret));
      return NULL;
    }

  header = _pi_keyring_vault_envelope_header (envelope);
  capacity = envelope->ciphertext_length - PI_KEYRING_VAULT_TAG_SIZE + 1;
  plaintext = g_malloc (capacity);
  length = capacity;

  ret = net->gnutls_aead_cipher_decrypt (cipher,
                                    envelope->nonce, sizeof envelope->nonce,
                                    header, strlen (header),
                                    PI_KEYRING_VAULT_TAG_SIZE,
                                    envelope->ciphertext, envelope->ciphertext_length,
                                    plaintext, &length);
  net->gnutls_aead_cipher_deinit (cipher);

  if (ret < 0)
    {
      explicit_bzero (plaintext, capacity);
      g_free (plaintext);
      /* A tag mismatch cannot tell a wrong passphrase from a changed file. */
      if (ret == GNUTLS_E_DECRYPTION_FAILED)
        g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_WRONG_PASSPHRASE,
                     _("The passphrase does not open “%s” (wrong passphrase or damaged file)."),
                     display_name);
      else
        g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                     _("Could not decrypt “%s”: %s"), display_name, net->gnutls_strerror (ret));
      return NULL;
    }

  g_assert (length < capacity);
  plaintext[length] = '\0';
  *out_length = length;
  return plaintext;
}

/**
 * _pi_keyring_vault_seal:
 * @plaintext: the text to encrypt
 * @length: its length
 * @passphrase: the passphrase
 * @iterations: the PBKDF2 iteration count
 * @out_key: (out) (optional): the key used, for the caller's cache
 * @out_length: (out): the length of the envelope
 * @error: return location for an error
 *
 * Encrypts @plaintext into a new envelope, with a fresh random salt (and so
 * a fresh key) and a fresh random nonce.
 *
 * Returns: (transfer full): the envelope's text
 */
char *
_pi_keyring_vault_seal (const char         *plaintext,
                        gsize               length,
                        const char         *passphrase,
                        guint               iterations,
                        PiKeyringVaultKey **out_key,
                        gsize              *out_length,
                        GError            **error)
{
  PiKeyringVaultEnvelope envelope = { 0, };
  PiKeyringVaultKey *key = NULL;
  const PiKeyringNet *net;
  gnutls_aead_cipher_hd_t cipher = NULL;
  gnutls_datum_t key_datum;
  g_autofree char *header = NULL;
  g_autofree char *ciphertext64 = NULL;
  g_autofree guint8 *ciphertext = NULL;
  size_t ciphertext_length;
  GString *text;
  int ret;

  g_return_val_if_fail (plaintext != NULL, NULL);
  g_return_val_if_fail (passphrase != NULL, NULL);

  net = _pi_keyring_net_get (error);
  if (net == NULL)
    return NULL;

  envelope.iterations = iterations;
  ret = net->gnutls_rnd (GNUTLS_RND_KEY, envelope.salt, sizeof envelope.salt);
  if (ret >= 0)
    ret = net->gnutls_rnd (GNUTLS_RND_NONCE, envelope.nonce, sizeof envelope.nonce);
  if (ret < 0)
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("Could not get random bytes for the vault: %s"), net->gnutls_strerror (ret));
      return NULL;
    }

  key = _pi_keyring_vault_derive_key (passphrase, envelope.salt, iterations, error);
  if (key == NULL)
    return NULL;

  key_datum.data = key->key;
  key_datum.size = sizeof key->key;
  ret = net->gnutls_aead_cipher_init (&cipher, GNUTLS_CIPHER_AES_256_GCM, &key_datum);
  if (ret < 0)
    {
      _pi_keyring_vault_key_free (key);
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("Could not encrypt the vault: %s"), net->gnutls_strerror (ret));
      return NULL;
    }

  header = _pi_keyring_vault_envelope_header (&envelope);
  ciphertext_length = length + PI_KEYRING_VAULT_TAG_SIZE;
  ciphertext = g_malloc (ciphertext_length);
  ret = net->gnutls_aead_cipher_encrypt (cipher,
                                    envelope.nonce, sizeof envelope.nonce,
                                    header, strlen (header),
                                    PI_KEYRING_VAULT_TAG_SIZE,
                                    plaintext, length,
                                    ciphertext, &ciphertext_length);
  net->gnutls_aead_cipher_deinit (cipher);
  if (ret < 0)
    {
      _pi_keyring_vault_key_free (key);
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("Could not encrypt the vault: %s"), net->gnutls_strerror (ret));
      return NULL;
    }

  ciphertext64 = g_base64_encode (ciphertext, ciphertext_length);

  /* The header, less its closing brace, then the ciphertext (tag last). */
  text = g_string_sized_new (strlen (header) + strlen (ciphertext64) + 32);
  g_string_append_len (text, header, strlen (header) - 1);
  g_string_append (text, ",\"ciphertext\":\"");
  g_string_append (text, ciphertext64);
  g_string_append (text, "\"}\n");

  if (out_key != NULL)
    *out_key = key;
  else
    _pi_keyring_vault_key_free (key);

  *out_length = text->len;
  return g_string_free (text, FALSE);
}

/* --- the plaintext --- */

static gboolean
plaintext_fail (GError     **error,
                const char  *display_name,
                const char  *detail)
{
  /* TRANSLATORS: the first %s is a file, the second what is wrong with it. */
  g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE,
               _("The contents of “%s” are not valid: %s."), display_name, detail);
  return FALSE;
}

/* Identities come from the secret document: wipe them too. */
static void
identity_free (gpointer data)
{
  _pi_keyring_secret_free (data);
}

/* Checks one member of "credentials". */
static gboolean
check_item (JsonNode    *node,
            GHashTable  *seen,
            const char  *display_name,
            GError     **error)
{
  JsonObject *item;
  const char *provider;
  const char *profile;
  JsonNode *entry;
  gint64 created;
  char *identity;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return plaintext_fail (error, display_name, _("a credential is not an object"));
  item = json_node_get_object (node);

  provider = _pi_keyring_json_get_string (item, "provider");
  profile = _pi_keyring_json_get_string (item, "profile");
  entry = json_object_get_member (item, "entry");
  if (provider == NULL || *provider == '\0' || profile == NULL || *profile == '\0')
    return plaintext_fail (error, display_name,
                           _("a credential has no provider or no profile"));
  if (!member_int (item, "created", &created))
    return plaintext_fail (error, display_name, _("a credential has no creation time"));
  if (entry == NULL || !JSON_NODE_HOLDS_OBJECT (entry))
    return plaintext_fail (error, display_name, _("a credential’s entry is not an object"));

  /* Unambiguous: the provider's length comes first. */
  identity = g_strdup_printf ("%" G_GSIZE_FORMAT ":%s%s", strlen (provider), provider, profile);
  if (!g_hash_table_add (seen, identity))
    return plaintext_fail (error, display_name,
                           _("a provider and profile are stored more than once"));

  return TRUE;
}

/**
 * _pi_keyring_vault_plaintext_parse:
 * @data: the decrypted text
 * @length: its length
 * @display_name: how errors name the vault
 * @error: return location for an error
 *
 * Parses and checks the decrypted document: version 1, a "credentials"
 * array of objects each with a non-empty "provider" and "profile", an
 * integer "created" and an object "entry", no (provider, profile) twice.
 * Other members are kept.
 *
 * Returns: (transfer full): the document; wipe it before dropping it
 */
JsonObject *
_pi_keyring_vault_plaintext_parse (const char  *data,
                                   gsize        length,
                                   const char  *display_name,
                                   GError     **error)
{
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonObject *doc;
  JsonNode *credentials;
  JsonArray *array;
  gint64 version;

  if (length == 0)
    {
      plaintext_fail (error, display_name, _("they are empty"));
      return NULL;
    }

  doc = _pi_keyring_auth_json_parse (data, length, display_name, &local_error);
  if (doc == NULL)
    {
      /* Only a position and what is wrong, never the text: it is secret. */
      plaintext_fail (error, display_name,
                      without_display_name (local_error->message, display_name));
      return NULL;
    }

  if (!member_int (doc, "version", &version) || version != 1)
    {
      plaintext_fail (error, display_name, _("their version is not 1"));
      goto fail;
    }

  credentials = json_object_get_member (doc, "credentials");
  if (credentials == NULL || !JSON_NODE_HOLDS_ARRAY (credentials))
    {
      plaintext_fail (error, display_name, _("they have no list of credentials"));
      goto fail;
    }

  array = json_node_get_array (credentials);
  seen = g_hash_table_new_full (g_str_hash, g_str_equal, identity_free, NULL);
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (!check_item (json_array_get_element (array, i), seen, display_name, error))
      goto fail;

  return doc;

fail:
  _pi_keyring_vault_document_free (doc);
  return NULL;
}

/**
 * _pi_keyring_vault_plaintext_new:
 *
 * Returns: (transfer full): an empty document, `{"version":1,"credentials":[]}`
 */
JsonObject *
_pi_keyring_vault_plaintext_new (void)
{
  JsonObject *doc = json_object_new ();

  json_object_set_int_member (doc, "version", 1);
  json_object_set_array_member (doc, "credentials", json_array_new ());
  return doc;
}

/* Wipes every string of @doc, then drops it. */
void
_pi_keyring_vault_document_free (JsonObject *doc)
{
  if (doc == NULL)
    return;
  _pi_keyring_json_object_wipe (doc);
  json_object_unref (doc);
}

/**
 * _pi_keyring_vault_decrypt:
 * @data: the vault file's bytes
 * @length: their number
 * @display_name: how errors name the vault
 * @passphrase: the passphrase
 * @min_iterations: the smallest iteration count accepted
 * @cached: (nullable): a key derived from @passphrase earlier, used when it
 *   fits the envelope's salt and iteration count
 * @out_key: (out) (optional): the key that opened the vault
 * @error: return location for an error
 *
 * Parses the envelope, derives the key (unless @cached fits), checks the
 * tag, decrypts and parses the document.
 *
 * Returns: (transfer full): the document; wipe it before dropping it
 */
JsonObject *
_pi_keyring_vault_decrypt (const char               *data,
                           gsize                     length,
                           const char               *display_name,
                           const char               *passphrase,
                           guint                     min_iterations,
                           const PiKeyringVaultKey  *cached,
                           PiKeyringVaultKey       **out_key,
                           GError                  **error)
{
  PiKeyringVaultEnvelope envelope;
  PiKeyringVaultKey *key;
  JsonObject *doc;
  char *plaintext;
  gsize plaintext_length = 0;

  if (!_pi_keyring_vault_envelope_parse (data, length, display_name, min_iterations,
                                         &envelope, error))
    return NULL;

  if (_pi_keyring_vault_key_fits (cached, &envelope))
    key = _pi_keyring_vault_key_copy (cached);
  else
    key = _pi_keyring_vault_derive_key (passphrase, envelope.salt, envelope.iterations, error);
  if (key == NULL)
    {
      _pi_keyring_vault_envelope_clear (&envelope);
      return NULL;
    }

  plaintext = _pi_keyring_vault_envelope_open (&envelope, key, display_name,
                                               &plaintext_length, error);
  _pi_keyring_vault_envelope_clear (&envelope);
  if (plaintext == NULL)
    {
      _pi_keyring_vault_key_free (key);
      return NULL;
    }

  doc = _pi_keyring_vault_plaintext_parse (plaintext, plaintext_length, display_name, error);
  explicit_bzero (plaintext, plaintext_length);
  g_free (plaintext);

  if (doc != NULL && out_key != NULL)
    *out_key = key;
  else
    _pi_keyring_vault_key_free (key);

  return doc;
}

/**
 * _pi_keyring_vault_encrypt:
 * @doc: the document
 * @passphrase: the passphrase
 * @iterations: the PBKDF2 iteration count
 * @out_key: (out) (optional): the new key, for the caller's cache
 * @out_length: (out): the length of the envelope
 * @error: return location for an error
 *
 * Serializes @doc compactly, pads it with spaces to a multiple of 256
 * bytes and seals it with a fresh salt and nonce.
 *
 * Returns: (transfer full): the envelope's text; %NULL with @error set,
 *   also when the vault would be larger than a reader accepts
 */
char *
_pi_keyring_vault_encrypt (JsonObject         *doc,
                           const char         *passphrase,
                           guint               iterations,
                           PiKeyringVaultKey **out_key,
                           gsize              *out_length,
                           GError            **error)
{
  g_autoptr(PiKeyringSecretString) json = NULL;
  g_autofree char *envelope = NULL;
  char *padded;
  gsize json_length;
  gsize padded_length;

  json = _pi_keyring_json_object_stringify (doc, 0);
  if (!_pi_keyring_json_text_check (json, _("the vault"), error))
    return NULL;
  json_length = strlen (json);

  /* Base64 makes 4 bytes of 3: refuse early what could not be read back. */
  if (json_length > (PI_KEYRING_VAULT_MAX_SIZE / 4) * 3 - 1024)
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("The credentials do not fit in a vault of 16 MiB."));
      return NULL;
    }

  padded_length = ((json_length + PLAINTEXT_BLOCK - 1) / PLAINTEXT_BLOCK) * PLAINTEXT_BLOCK;
  padded = g_malloc (padded_length + 1);
  memcpy (padded, json, json_length);
  memset (padded + json_length, ' ', padded_length - json_length);
  padded[padded_length] = '\0';

  envelope = _pi_keyring_vault_seal (padded, padded_length, passphrase, iterations,
                                     out_key, out_length, error);
  explicit_bzero (padded, padded_length);
  g_free (padded);

  if (envelope != NULL && *out_length > PI_KEYRING_VAULT_MAX_SIZE)
    {
      if (out_key != NULL)
        g_clear_pointer (out_key, _pi_keyring_vault_key_free);
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("The credentials do not fit in a vault of 16 MiB."));
      return NULL;
    }

  return g_steal_pointer (&envelope);
}

/* --- files --- */

/**
 * _pi_keyring_vault_read_file:
 * @path: the vault's path
 * @out_data: (out): its bytes, nul-terminated (free with g_free ())
 * @out_length: (out): their number
 * @out_missing: (out): set when the file does not exist
 * @error: return location for an error
 *
 * Reads the vault file, refusing more than %PI_KEYRING_VAULT_MAX_SIZE bytes
 * (%PI_KEYRING_ERROR_PARSE) and anything but a regular file.
 *
 * Returns: %TRUE when read; %FALSE with @out_missing set and no error when
 *   the file does not exist
 */
gboolean
_pi_keyring_vault_read_file (const char  *path,
                             char       **out_data,
                             gsize       *out_length,
                             gboolean    *out_missing,
                             GError     **error)
{
  *out_missing = FALSE;

  switch (_pi_keyring_file_read_secret (path, PI_KEYRING_VAULT_MAX_SIZE,
                                        out_data, out_length, error))
    {
    case PI_KEYRING_FILE_READ_OK:
      return TRUE;

    case PI_KEYRING_FILE_READ_MISSING:
      *out_missing = TRUE;
      return FALSE;

    case PI_KEYRING_FILE_READ_TOO_LARGE:
      return envelope_fail (error, path, _("the file is larger than 16 MiB"));

    case PI_KEYRING_FILE_READ_FAILED:
    default:
      return FALSE;
    }
}
