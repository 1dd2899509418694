/* pi-keyring-pkce.c: PKCE (RFC 7636, method S256) and the OAuth state
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "oauth/pi-keyring-oauth-private.h"

#include <string.h>

#include "net/pi-keyring-net.h"

#define VERIFIER_BYTES        32
#define HEX_STATE_BYTES       16  /* codex, as pi: 32 hex characters */
#define BASE64URL_STATE_BYTES 32  /* the others: 43 base64url characters */

gboolean
_pi_keyring_random_bytes (guint8  *buffer,
                          gsize    length,
                          GError **error)
{
  const PiKeyringNet *net = _pi_keyring_net_get (error);
  int ret;

  if (net == NULL)
    return FALSE;

  ret = net->gnutls_rnd (GNUTLS_RND_KEY, buffer, length);
  if (ret < 0)
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("Could not get random bytes: %s"), net->gnutls_strerror (ret));
      return FALSE;
    }

  return TRUE;
}

char *
_pi_keyring_base64url_encode (const guint8 *data,
                              gsize         length)
{
  char *text = g_base64_encode (data, length);
  char *out = text;

  for (char *p = text; *p != '\0'; p++)
    {
      if (*p == '=')
        continue;
      else if (*p == '+')
        *out++ = '-';
      else if (*p == '/')
        *out++ = '_';
      else
        *out++ = *p;
    }
  *out = '\0';

  return text;
}

char *
_pi_keyring_pkce_new_verifier (GError **error)
{
  guint8 bytes[VERIFIER_BYTES];
  char *verifier;

  if (!_pi_keyring_random_bytes (bytes, sizeof bytes, error))
    return NULL;

  verifier = _pi_keyring_base64url_encode (bytes, sizeof bytes);
  explicit_bzero (bytes, sizeof bytes);

  return verifier;
}

char *
_pi_keyring_pkce_challenge_for_verifier (const char *verifier)
{
  guint8 digest[32];
  gsize digest_length = sizeof digest;
  g_autoptr(GChecksum) checksum = NULL;

  g_return_val_if_fail (verifier != NULL, NULL);

  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, (const guchar *) verifier, strlen (verifier));
  g_checksum_get_digest (checksum, digest, &digest_length);
  g_assert (digest_length == sizeof digest);

  return _pi_keyring_base64url_encode (digest, digest_length);
}

PiKeyringPkce *
_pi_keyring_pkce_new (GError **error)
{
  PiKeyringPkce *pkce;
  char *verifier;

  verifier = _pi_keyring_pkce_new_verifier (error);
  if (verifier == NULL)
    return NULL;

  pkce = g_new0 (PiKeyringPkce, 1);
  pkce->verifier = verifier;
  pkce->challenge = _pi_keyring_pkce_challenge_for_verifier (verifier);

  return pkce;
}

void
_pi_keyring_pkce_free (PiKeyringPkce *pkce)
{
  if (pkce == NULL)
    return;

  _pi_keyring_secret_free (pkce->verifier);
  g_free (pkce->challenge);
  g_free (pkce);
}

static char *
hex_encode (const guint8 *data,
            gsize         length)
{
  static const char hex[] = "0123456789abcdef";
  char *text = g_malloc (2 * length + 1);

  for (gsize i = 0; i < length; i++)
    {
      text[2 * i] = hex[data[i] >> 4];
      text[2 * i + 1] = hex[data[i] & 0xf];
    }
  text[2 * length] = '\0';

  return text;
}

char *
_pi_keyring_oauth_new_state (PiKeyringStateFormat   format,
                             GError               **error)
{
  guint8 bytes[MAX (HEX_STATE_BYTES, BASE64URL_STATE_BYTES)];
  gsize length;
  char *state;

  g_return_val_if_fail (format != PI_KEYRING_STATE_NONE, NULL);

  length = format == PI_KEYRING_STATE_HEX || format == PI_KEYRING_STATE_UUID ?
           HEX_STATE_BYTES : BASE64URL_STATE_BYTES;
  if (!_pi_keyring_random_bytes (bytes, length, error))
    return NULL;

  if (format == PI_KEYRING_STATE_UUID)
    {
      /* RFC 9562 version 4, as crypto.randomUUID (): 122 random bits. */
      g_autofree char *hex = NULL;

      bytes[6] = (bytes[6] & 0x0f) | 0x40;
      bytes[8] = (bytes[8] & 0x3f) | 0x80;
      hex = hex_encode (bytes, 16);
      state = g_strdup_printf ("%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
                               hex + 20);
      explicit_bzero (hex, 32);
    }
  else if (format == PI_KEYRING_STATE_HEX)
    state = hex_encode (bytes, length);
  else
    state = _pi_keyring_base64url_encode (bytes, length);
  explicit_bzero (bytes, sizeof bytes);

  return state;
}

gboolean
_pi_keyring_oauth_state_equal (const char *expected,
                               const char *actual)
{
  return _pi_keyring_secret_equal (expected, actual);
}
