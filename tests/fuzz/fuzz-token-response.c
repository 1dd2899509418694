/* fuzz-token-response.c: what a token endpoint answers
 *
 * Input, a made-up HTTP answer:
 *   byte 0-1  the status, (byte0 × 256 + byte1) mod 600
 *   byte 2    bits 0-6: the Content-Type, from a small table; bit 7: the
 *             body was larger than PI_KEYRING_HTTP_MAX_BODY_SIZE
 *   then      the Retry-After header value up to the first '\n' (an empty
 *             line: no header)
 *   then      the body
 *
 * The answer becomes a PiKeyringHttpResponse through
 * _pi_keyring_http_response_new (), as the client makes one (the body
 * through json-glib's parser), then goes through
 * _pi_keyring_http_response_check () and
 * _pi_keyring_token_response_new_from_http ().
 *
 * Properties:
 * - the error mapping of DESIGN §5: 2xx with a JSON object passes; 400 and
 *   401 are REAUTHENTICATION_REQUIRED, 429 RATE_LIMITED, 408, 5xx and a
 *   2xx without a JSON object TEMPORARY, anything else FAILED;
 * - every message is one printable line (no control characters from the
 *   server's `error` member) and names the URL;
 * - a token response has a non-empty access token equal to the answer's
 *   `access_token`, the answer's `refresh_token` string or none, an
 *   expires_in_ms of -1 or more, and a copy of the answer that survives
 *   wiping the HTTP response.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "oauth/pi-keyring-oauth-private.h"
#include "fuzz-common.h"

#define URL "https://auth.example.com/oauth/token"
#define NOW_MS G_GINT64_CONSTANT (1700000000000)

static const char * const content_types[] = {
  NULL,
  "application/json",
  "text/html",
  "TEXT/HTML",
  "text/plain",
  "application/x-www-form-urlencoded",
};

static char *
dup_string_member (JsonObject *object,
                   const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return g_strdup (json_node_get_string (node));
}

static gint
expected_error_code (const PiKeyringHttpResponse *response)
{
  guint status = response->status;

  if (status >= 200 && status < 300)
    return response->object != NULL ? -1 : PI_KEYRING_ERROR_TEMPORARY;
  if (status == 429)
    return PI_KEYRING_ERROR_RATE_LIMITED;
  if (status == 400 || status == 401)
    return PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED;
  if (status == 408 || (status >= 500 && status < 600))
    return PI_KEYRING_ERROR_TEMPORARY;
  return PI_KEYRING_ERROR_FAILED;
}

static void
check_message (const GError *error)
{
  FUZZ_CHECK (error->domain == PI_KEYRING_ERROR);
  FUZZ_CHECK (fuzz_is_printable_message (error->message));
  FUZZ_CHECK (strstr (error->message, URL) != NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(PiKeyringHttpResponse) response = NULL;
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(GError) check_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *retry_after = NULL;
  const uint8_t *line_end;
  const char *content_type;
  const char *body;
  gsize body_length;
  gboolean too_large;
  gboolean checked;
  guint status;
  gint expected;

  fuzz_init ();

  if (size < 3)
    return 0;

  status = ((guint) data[0] * 256 + data[1]) % 600;
  content_type = content_types[(data[2] & 0x7f) % G_N_ELEMENTS (content_types)];
  too_large = (data[2] & 0x80) != 0;
  data += 3;
  size -= 3;

  line_end = memchr (data, '\n', size);
  if (line_end == NULL)
    line_end = data + size;
  if (line_end > data)
    retry_after = g_strndup ((const char *) data, line_end - data);
  body = (const char *) line_end + (line_end < data + size ? 1 : 0);
  body_length = (const char *) data + size - body;

  response = _pi_keyring_http_response_new (status, URL, content_type, retry_after, NOW_MS,
                                            too_large, body, body_length);
  FUZZ_CHECK (response != NULL);
  FUZZ_CHECK (response->retry_after_ms == _pi_keyring_parse_retry_after (retry_after, NOW_MS));
  FUZZ_CHECK (response->retry_after_ms >= -1);
  FUZZ_CHECK (!response->too_large || response->object == NULL);
  FUZZ_CHECK (!response->is_html || response->object == NULL);

  expected = expected_error_code (response);
  checked = _pi_keyring_http_response_check (response, &check_error);
  FUZZ_CHECK (checked == (expected < 0));
  if (!checked)
    {
      FUZZ_CHECK (check_error != NULL && check_error->code == expected);
      check_message (check_error);
    }

  token = _pi_keyring_token_response_new_from_http (response, &error);
  if (token == NULL)
    {
      FUZZ_CHECK (error != NULL);
      check_message (error);
      if (!checked)
        FUZZ_CHECK (error->code == check_error->code);
      else
        {
          g_autofree char *access = dup_string_member (response->object, "access_token");

          FUZZ_CHECK (error->code == PI_KEYRING_ERROR_FAILED);
          FUZZ_CHECK (access == NULL || *access == '\0');
        }
      return 0;
    }

  FUZZ_CHECK (error == NULL);
  FUZZ_CHECK (checked);
  {
    g_autofree char *access = dup_string_member (response->object, "access_token");
    g_autofree char *refresh = dup_string_member (response->object, "refresh_token");
    g_autoptr(JsonNode) before_node = NULL;
    g_autoptr(PiKeyringSecretString) before = NULL;
    g_autoptr(PiKeyringSecretString) after = NULL;

    FUZZ_CHECK (token->access_token != NULL && *token->access_token != '\0');
    FUZZ_CHECK (g_strcmp0 (token->access_token, access) == 0);
    FUZZ_CHECK (g_strcmp0 (token->refresh_token, refresh) == 0);
    FUZZ_CHECK (token->expires_in_ms >= -1);
    FUZZ_CHECK (token->object != NULL);

    /* The token keeps a copy of its own: wiping and freeing the HTTP
     * response must leave it whole. */
    before_node = json_node_init_object (json_node_alloc (), response->object);
    before = _pi_keyring_json_stringify (before_node, 0);
    g_clear_pointer (&before_node, json_node_unref);
    g_clear_pointer (&response, _pi_keyring_http_response_free);
    after = _pi_keyring_json_object_stringify (token->object, 0);
    FUZZ_CHECK (strcmp (before, after) == 0);
  }

  return 0;
}
