/* pi-keyring-paste.c: parsing what the user pastes after a browser login
 *
 * The parsers of pi (reference §6.5). The lenient one (anthropic,
 * openai-codex) accepts a full redirect URL, a query string, `code#state`
 * or a bare code; the strict one (the Google providers) only a URL; the
 * code-only one (openrouter, pi 1.6.0 parseAuthorizationInput) a URL, a
 * query string or a bare code, never a state; and the redirect one
 * (ChatGPT, pi 1.6.0 authorizationResultFromManualInput) the full
 * redirect URL only, with its state and one more required parameter.
 *
 * Both are pure functions of their input, so they can be fuzzed. Query
 * strings are decoded as URLSearchParams does ('+' is a space, invalid
 * percent escapes are kept, invalid UTF-8 becomes U+FFFD). An input counts
 * as a URL when it starts with a scheme (a letter, then letters, digits,
 * '+', '-' or '.', then ':'), as `new URL()` accepts it; unlike the WHATWG
 * parser we do not reject URLs with a malformed host.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "oauth/pi-keyring-oauth-private.h"

#include <string.h>

/* JavaScript's String.prototype.trim on valid UTF-8. */
static char *
trim_js (const char *text)
{
  const char *start = text;
  const char *end = text + strlen (text);

  while (start < end)
    {
      gunichar c = g_utf8_get_char (start);

      if (!g_unichar_isspace (c) && c != 0xFEFF)
        break;
      start = g_utf8_next_char (start);
    }

  while (end > start)
    {
      const char *prev = g_utf8_find_prev_char (start, end);
      gunichar c;

      if (prev == NULL)
        prev = start;
      c = g_utf8_get_char (prev);
      if (!g_unichar_isspace (c) && c != 0xFEFF)
        break;
      end = prev;
    }

  return g_strndup (start, end - start);
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* application/x-www-form-urlencoded decoding of [start, end). */
static char *
form_decode (const char *start,
             const char *end)
{
  g_autoptr(GString) out = g_string_sized_new (end - start);
  char *valid;

  for (const char *p = start; p < end; p++)
    {
      if (*p == '+')
        g_string_append_c (out, ' ');
      else if (*p == '%' && end - p >= 3 && hex_value (p[1]) >= 0 && hex_value (p[2]) >= 0)
        {
          char byte = (char) (hex_value (p[1]) * 16 + hex_value (p[2]));

          /* A decoded NUL must not cut the value short in C. */
          if (byte == '\0')
            g_string_append (out, "\xef\xbf\xbd");
          else
            g_string_append_c (out, byte);
          p += 2;
        }
      else
        g_string_append_c (out, *p);
    }

  valid = g_utf8_make_valid (out->str, out->len);
  explicit_bzero (out->str, out->len);

  return valid;
}

/* URLSearchParams (query).get (name): the first value, or NULL. */
static char *
query_get (const char *query,
           const char *name)
{
  const char *p = query;

  if (*p == '?')
    p++;

  while (*p != '\0')
    {
      const char *end = strchr (p, '&');
      const char *equals;
      g_autofree char *key = NULL;

      if (end == NULL)
        end = p + strlen (p);

      if (end > p)
        {
          equals = memchr (p, '=', end - p);
          key = form_decode (p, equals != NULL ? equals : end);
          if (g_str_equal (key, name))
            return equals != NULL ? form_decode (equals + 1, end) : g_strdup ("");
        }

      p = *end == '\0' ? end : end + 1;
    }

  return NULL;
}

static gboolean
has_scheme (const char *text)
{
  const char *p = text;

  if (!g_ascii_isalpha (*p))
    return FALSE;

  for (p++; *p != '\0'; p++)
    {
      if (*p == ':')
        return TRUE;
      if (!g_ascii_isalnum (*p) && *p != '+' && *p != '-' && *p != '.')
        return FALSE;
    }

  return FALSE;
}

/* The query of a URL: after the first '?' that comes before any '#'. */
static char *
url_query (const char *url)
{
  g_autoptr(GString) cleaned = g_string_new (NULL);
  const char *query;
  const char *end;

  /* The URL parser drops ASCII tabs and newlines anywhere. */
  for (const char *p = url; *p != '\0'; p++)
    if (*p != '\t' && *p != '\n' && *p != '\r')
      g_string_append_c (cleaned, *p);

  query = cleaned->str + strcspn (cleaned->str, "?#");
  if (*query != '?')
    return g_strdup ("");

  end = strchr (query, '#');
  return g_strndup (query + 1, end != NULL ? (gsize) (end - query - 1) : strlen (query + 1));
}

static char *
empty_to_null (char *value)
{
  if (value != NULL && *value == '\0')
    {
      g_free (value);
      return NULL;
    }

  return value;
}

gboolean
_pi_keyring_paste_parse (const char          *input,
                         PiKeyringPasteMode   mode,
                         char               **out_code,
                         char               **out_state)
{
  g_autofree char *valid = NULL;
  g_autoptr(PiKeyringSecretString) value = NULL;
  char *code = NULL;
  char *state = NULL;
  const char *hash;

  g_return_val_if_fail (out_code != NULL, FALSE);
  g_return_val_if_fail (out_state != NULL, FALSE);

  *out_code = NULL;
  *out_state = NULL;

  if (input == NULL)
    return FALSE;

  valid = g_utf8_make_valid (input, -1);
  value = trim_js (valid);
  _pi_keyring_secret_wipe (valid);

  if (*value == '\0')
    return FALSE;

  if (has_scheme (value))
    {
      g_autoptr(PiKeyringSecretString) query = url_query (value);

      code = query_get (query, "code");
      if (mode != PI_KEYRING_PASTE_CODE_ONLY)
        state = query_get (query, "state");
    }
  else if (mode == PI_KEYRING_PASTE_STRICT)
    return FALSE;
  else if (mode == PI_KEYRING_PASTE_CODE_ONLY)
    code = strstr (value, "code=") != NULL ? query_get (value, "code") : g_strdup (value);
  else if ((hash = strchr (value, '#')) != NULL)
    {
      const char *second = strchr (hash + 1, '#');

      code = g_strndup (value, hash - value);
      state = second != NULL ? g_strndup (hash + 1, second - hash - 1) : g_strdup (hash + 1);
    }
  else if (strstr (value, "code=") != NULL)
    {
      code = query_get (value, "code");
      state = query_get (value, "state");
    }
  else
    code = g_strdup (value);

  *out_code = empty_to_null (code);
  *out_state = empty_to_null (state);

  return *out_code != NULL;
}

gboolean
_pi_keyring_oauth_check_state (const char  *expected_state,
                               const char  *parsed_state,
                               const char  *mismatch_message,
                               GError     **error)
{
  g_return_val_if_fail (mismatch_message != NULL, FALSE);

  /* A flow without a state (openrouter) has nothing to compare. */
  if (expected_state == NULL || parsed_state == NULL || *parsed_state == '\0')
    return TRUE;

  if (!_pi_keyring_oauth_state_equal (expected_state, parsed_state))
    {
      g_set_error_literal (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED, mismatch_message);
      return FALSE;
    }

  return TRUE;
}

char *
_pi_keyring_paste_accept (const char          *input,
                          PiKeyringPasteMode   mode,
                          const char          *expected_state,
                          const char          *mismatch_message,
                          GError             **error)
{
  g_autoptr(PiKeyringSecretString) code = NULL;
  /* Whatever was pasted is wiped: it may hold anything. */
  g_autoptr(PiKeyringSecretString) state = NULL;

  g_return_val_if_fail (mismatch_message != NULL, NULL);

  _pi_keyring_paste_parse (input, mode, &code, &state);

  if (!_pi_keyring_oauth_check_state (expected_state, state, mismatch_message, error))
    return NULL;

  if (code == NULL)
    {
      if (mode == PI_KEYRING_PASTE_STRICT)
        g_set_error_literal (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                             _("No authorization code received."));
      else
        g_set_error_literal (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                             _("Missing authorization code."));
      return NULL;
    }

  return g_steal_pointer (&code);
}

/* pi 1.6.0 openai-chatgpt.js authorizationResultFromManualInput: the
 * whole redirect URL, on the redirect URI's origin and path; an `error`
 * fails (ACCESS_DENIED for access_denied); code, state (equal) and
 * @param_name (trimmed) are required. */
char *
_pi_keyring_paste_accept_redirect (const char  *input,
                                   const char  *redirect_uri,
                                   const char  *expected_state,
                                   const char  *param_name,
                                   char       **out_param,
                                   GError     **error)
{
  g_autofree char *valid = NULL;
  g_autoptr(PiKeyringSecretString) value = NULL;
  g_autoptr(PiKeyringSecretString) query = NULL;
  g_autoptr(PiKeyringSecretString) code = NULL;
  g_autoptr(PiKeyringSecretString) state = NULL;
  g_autoptr(PiKeyringSecretString) oauth_error = NULL;
  g_autofree char *param = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GUri) expected = NULL;

  g_return_val_if_fail (input != NULL, NULL);
  g_return_val_if_fail (redirect_uri != NULL, NULL);
  g_return_val_if_fail (expected_state != NULL, NULL);
  g_return_val_if_fail (param_name != NULL, NULL);
  g_return_val_if_fail (out_param != NULL, NULL);

  *out_param = NULL;
  valid = g_utf8_make_valid (input, -1);
  value = trim_js (valid);
  _pi_keyring_secret_wipe (valid);

  expected = g_uri_parse (redirect_uri, G_URI_FLAGS_NONE, NULL);
  g_return_val_if_fail (expected != NULL, NULL);

  if (!has_scheme (value) ||
      (uri = g_uri_parse (value, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE,
                          NULL)) == NULL)
    {
      g_set_error_literal (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                           _("Paste the full callback URL from the browser."));
      return NULL;
    }

  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), g_uri_get_scheme (expected)) != 0 ||
      g_uri_get_host (uri) == NULL ||
      g_ascii_strcasecmp (g_uri_get_host (uri), g_uri_get_host (expected)) != 0 ||
      g_uri_get_port (uri) != g_uri_get_port (expected) ||
      !g_str_equal (g_uri_get_path (uri), g_uri_get_path (expected)))
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("The pasted callback URL must start with %s."), redirect_uri);
      return NULL;
    }

  query = url_query (value);
  oauth_error = empty_to_null (query_get (query, "error"));
  if (oauth_error != NULL)
    {
      if (g_str_equal (oauth_error, "access_denied"))
        g_set_error_literal (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_ACCESS_DENIED,
                             _("Access was denied in the browser."));
      else
        g_set_error_literal (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                             _("The provider reported an error instead of an authorization "
                               "code."));
      return NULL;
    }

  code = empty_to_null (query_get (query, "code"));
  if (code == NULL)
    {
      g_set_error_literal (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                           _("Missing authorization code."));
      return NULL;
    }
  state = empty_to_null (query_get (query, "state"));
  if (state == NULL)
    {
      g_set_error_literal (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                           _("Missing OAuth state."));
      return NULL;
    }
  if (!_pi_keyring_oauth_state_equal (expected_state, state))
    {
      g_set_error_literal (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                           _("OAuth state mismatch: the pasted answer belongs to another "
                             "sign-in."));
      return NULL;
    }

  param = query_get (query, param_name);
  if (param != NULL)
    g_strstrip (param);
  if (param == NULL || *param == '\0')
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("The pasted callback URL lacks %s."), param_name);
      return NULL;
    }

  *out_param = g_steal_pointer (&param);
  return g_steal_pointer (&code);
}
