/* pi-keyring-pkce.c: PKCE (RFC 7636, method S256) and the OAuth state
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "pi-keyring-oauth-private.h"

#define VERIFIER_BYTES 32
#define STATE_BYTES    16

gboolean
_pi_keyring_random_bytes (guint8  *buffer,
                          gsize    length,
                          GError **error)
{
  int ret;

  ret = gnutls_rnd (GNUTLS_RND_KEY, buffer, length);
  if (ret < 0)
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("Could not get random bytes: %s"), gnutls_strerror (ret));
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

char *
_pi_keyring_oauth_new_hex_state (GError **error)
{
  static const char hex[] = "0123456789abcdef";
  guint8 bytes[STATE_BYTES];
  char *state;

  if (!_pi_keyring_random_bytes (bytes, sizeof bytes, error))
    return NULL;

  state = g_malloc (2 * STATE_BYTES + 1);
  for (gsize i = 0; i < STATE_BYTES; i++)
    {
      state[2 * i] = hex[bytes[i] >> 4];
      state[2 * i + 1] = hex[bytes[i] & 0xf];
    }
  state[2 * STATE_BYTES] = '\0';
  explicit_bzero (bytes, sizeof bytes);

  return state;
}

char *
_pi_keyring_oauth_state_for_verifier (const char *verifier)
{
  g_return_val_if_fail (verifier != NULL, NULL);

  return g_strdup (verifier);
}

gboolean
_pi_keyring_oauth_state_equal (const char *expected,
                               const char *actual)
{
  return _pi_keyring_secret_equal (expected, actual);
}
