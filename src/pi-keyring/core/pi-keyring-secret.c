/* pi-keyring-secret.c: handling memory that held a secret
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "core/pi-keyring-core-private.h"

#include <string.h>

/* explicit_bzero is not optimised away even right before free(). */
void
_pi_keyring_secret_wipe (char *secret)
{
  if (secret != NULL)
    explicit_bzero (secret, strlen (secret));
}

void
_pi_keyring_secret_free (char *secret)
{
  _pi_keyring_secret_wipe (secret);
  g_free (secret);
}

/* For logs: a short prefix and the length, never the value. */
char *
_pi_keyring_secret_redact (const char *secret)
{
  gsize length;

  if (secret == NULL)
    return g_strdup ("(none)");

  length = strlen (secret);
  if (length < 12)
    return g_strdup_printf ("[%" G_GSIZE_FORMAT " chars]", length);

  return g_strdup_printf ("%.4s… [%" G_GSIZE_FORMAT " chars]", secret, length);
}

/* Compares in time that depends on the lengths only, not on the contents. */
gboolean
_pi_keyring_secret_equal (const char *a,
                          const char *b)
{
  gsize la, lb, i;
  guchar diff = 0;

  if (a == NULL || b == NULL)
    return a == b;

  la = strlen (a);
  lb = strlen (b);
  if (la != lb)
    return FALSE;

  for (i = 0; i < la; i++)
    diff |= (guchar) a[i] ^ (guchar) b[i];

  return diff == 0;
}

/* Zeroes every string in @node (only when nobody else holds it). */
void
_pi_keyring_json_node_wipe (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      _pi_keyring_json_object_wipe (json_node_get_object (node));
      break;

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);

        for (guint i = 0; i < n; i++)
          _pi_keyring_json_node_wipe (json_array_get_element (array, i));
      }
      break;

    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        _pi_keyring_secret_wipe ((char *) json_node_get_string (node));
      break;

    case JSON_NODE_NULL:
    default:
      break;
    }
}

/* Zeroes every string value held by @object (only when we hold the last
 * reference, so nobody else sees the wiped values). */
void
_pi_keyring_json_object_wipe (JsonObject *object)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &node))
    _pi_keyring_json_node_wipe (node);
}

/* --- a growable buffer that wipes what it drops --- */

void
_pi_keyring_buf_init (PiKeyringBuf *b,
                      gsize         cap)
{
  b->cap = MAX (cap, 16);
  b->data = g_malloc (b->cap);
  b->len = 0;
  b->data[0] = '\0';
}

void
_pi_keyring_buf_reserve (PiKeyringBuf *b,
                         gsize         extra)
{
  char *data;
  gsize cap;

  if (b->len + extra < b->cap)
    return;

  cap = MAX (b->cap * 2, b->len + extra + 1);
  data = g_malloc (cap);
  memcpy (data, b->data, b->len + 1);
  /* realloc () would leave the old copy in freed memory. */
  explicit_bzero (b->data, b->cap);
  g_free (b->data);
  b->data = data;
  b->cap = cap;
}

void
_pi_keyring_buf_append_len (PiKeyringBuf *b,
                            const char   *s,
                            gsize         n)
{
  _pi_keyring_buf_reserve (b, n);
  memcpy (b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void
_pi_keyring_buf_append (PiKeyringBuf *b,
                        const char   *s)
{
  _pi_keyring_buf_append_len (b, s, strlen (s));
}

void
_pi_keyring_buf_append_c (PiKeyringBuf *b,
                          char          c)
{
  _pi_keyring_buf_reserve (b, 1);
  b->data[b->len++] = c;
  b->data[b->len] = '\0';
}

void
_pi_keyring_buf_truncate (PiKeyringBuf *b)
{
  explicit_bzero (b->data, b->len);
  b->len = 0;
}

void
_pi_keyring_buf_clear (PiKeyringBuf *b)
{
  if (b->data != NULL)
    explicit_bzero (b->data, b->cap);
  g_clear_pointer (&b->data, g_free);
  b->len = b->cap = 0;
}

/* Hands the buffer's text to the caller, trimmed to its length. */
char *
_pi_keyring_buf_steal (PiKeyringBuf *b)
{
  char *text = g_malloc (b->len + 1);

  memcpy (text, b->data, b->len + 1);
  _pi_keyring_buf_clear (b);
  return text;
}
