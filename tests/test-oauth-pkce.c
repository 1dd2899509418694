/* test-oauth-pkce.c: PKCE (RFC 7636, S256) and the OAuth state
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "oauth/pi-keyring-oauth-private.h"

#define BASE64URL_ALPHABET \
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

static gboolean
is_base64url (const char *text)
{
  return strspn (text, BASE64URL_ALPHABET) ==
         strlen (text);
}

/* RFC 7636, Appendix B. */
static void
test_challenge_vector (void)
{
  g_autofree char *challenge =
    _pi_keyring_pkce_challenge_for_verifier ("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");

  g_assert_cmpstr (challenge, ==, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

static void
test_base64url (void)
{
  const guint8 bytes[] = { 0xfb, 0xff, 0xbf, 0x00 };
  g_autofree char *one = _pi_keyring_base64url_encode (bytes, 1);
  g_autofree char *three = _pi_keyring_base64url_encode (bytes, 3);
  g_autofree char *four = _pi_keyring_base64url_encode (bytes, 4);
  g_autofree char *none = _pi_keyring_base64url_encode (bytes, 0);

  g_assert_cmpstr (one, ==, "-w");
  g_assert_cmpstr (three, ==, "-_-_");
  g_assert_cmpstr (four, ==, "-_-_AA");
  g_assert_cmpstr (none, ==, "");
}

static void
test_verifier_shape (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PiKeyringPkce) first = _pi_keyring_pkce_new (&error);
  g_autoptr(PiKeyringPkce) second = NULL;
  g_autofree char *expected = NULL;

  g_assert_no_error (error);
  second = _pi_keyring_pkce_new (&error);
  g_assert_no_error (error);

  g_assert_cmpuint (strlen (first->verifier), ==, 43);
  g_assert_cmpuint (strlen (first->challenge), ==, 43);
  g_assert_true (is_base64url (first->verifier));
  g_assert_true (is_base64url (first->challenge));
  g_assert_cmpstr (first->verifier, !=, second->verifier);
  g_assert_cmpstr (first->challenge, !=, second->challenge);

  expected = _pi_keyring_pkce_challenge_for_verifier (first->verifier);
  g_assert_cmpstr (first->challenge, ==, expected);
}

/* 43 characters carry 258 bits; the last character holds only 4 random
 * bits, so it is one of 16 letters. Over many verifiers every position
 * takes many values (a constant byte would show). */
static void
test_verifier_randomness (void)
{
  GHashTable *seen[43];
  g_autoptr(GHashTable) verifiers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (seen); i++)
    seen[i] = g_hash_table_new (g_direct_hash, g_direct_equal);

  for (guint n = 0; n < 200; n++)
    {
      g_autoptr(GError) error = NULL;
      char *verifier = _pi_keyring_pkce_new_verifier (&error);

      g_assert_no_error (error);
      g_assert_cmpuint (strlen (verifier), ==, 43);
      g_assert_true (is_base64url (verifier));
      for (guint i = 0; i < 43; i++)
        g_hash_table_add (seen[i], GINT_TO_POINTER ((int) verifier[i]));
      g_assert_true (g_hash_table_add (verifiers, verifier));
    }

  for (guint i = 0; i < 42; i++)
    g_assert_cmpuint (g_hash_table_size (seen[i]), >, 20);
  g_assert_cmpuint (g_hash_table_size (seen[42]), <=, 16);
  g_assert_cmpuint (g_hash_table_size (seen[42]), >, 5);

  for (guint i = 0; i < G_N_ELEMENTS (seen); i++)
    g_hash_table_unref (seen[i]);
}

/* The state part of conformance 59: Codex's state is 32 lowercase hex
 * characters, independent of the verifier. */
static void
test_hex_state (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *first = _pi_keyring_oauth_new_state (PI_KEYRING_STATE_HEX, &error);
  g_autofree char *second = NULL;

  g_assert_no_error (error);
  second = _pi_keyring_oauth_new_state (PI_KEYRING_STATE_HEX, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (strlen (first), ==, 32);
  g_assert_cmpuint (strspn (first, "0123456789abcdef"), ==, 32);
  g_assert_cmpstr (first, !=, second);
}

/* anthropic and the Google providers: 32 fresh random bytes as 43
 * base64url characters, never the verifier, so that the verifier stays in
 * the process (RFC 7636 §7.1, RFC 9700 §2.1.1). */
static void
test_base64url_state (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PiKeyringPkce) pkce = _pi_keyring_pkce_new (&error);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < 64; i++)
    {
      char *state = _pi_keyring_oauth_new_state (PI_KEYRING_STATE_BASE64URL, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (strlen (state), ==, 43);
      g_assert_cmpuint (strspn (state, BASE64URL_ALPHABET), ==, 43);
      g_assert_cmpstr (state, !=, pkce->verifier);
      g_assert_false (_pi_keyring_oauth_state_equal (state, pkce->verifier));
      g_assert_true (g_hash_table_add (seen, state));
    }
}

static void
test_state_equal (void)
{
  g_assert_true (_pi_keyring_oauth_state_equal ("abc", "abc"));
  g_assert_false (_pi_keyring_oauth_state_equal ("abc", "abd"));
  g_assert_false (_pi_keyring_oauth_state_equal ("abc", "ab"));
  g_assert_false (_pi_keyring_oauth_state_equal ("abc", ""));
  g_assert_false (_pi_keyring_oauth_state_equal ("abc", NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/oauth/pkce/rfc7636-appendix-b", test_challenge_vector);
  g_test_add_func ("/oauth/pkce/base64url", test_base64url);
  g_test_add_func ("/oauth/pkce/verifier-shape", test_verifier_shape);
  g_test_add_func ("/oauth/pkce/verifier-randomness", test_verifier_randomness);
  g_test_add_func ("/oauth/pkce/hex-state", test_hex_state);
  g_test_add_func ("/oauth/pkce/base64url-state", test_base64url_state);
  g_test_add_func ("/oauth/pkce/state-equal", test_state_equal);

  return g_test_run ();
}
