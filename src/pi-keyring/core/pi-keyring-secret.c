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

static void
wipe_node (JsonNode *node)
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
          wipe_node (json_array_get_element (array, i));
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
    wipe_node (node);
}
