/* fuzz-auth-json.c: the auth.json codec
 *
 * Input: the bytes of an auth.json file.
 *
 * Properties:
 * - a rejected document gives PI_KEYRING_ERROR_PARSE naming the file, in
 *   one printable line;
 * - round trip: the text _pi_keyring_json_object_stringify () writes for
 *   an accepted document (compact, and with pi's indent of 2) parses again
 *   to an equal document, and writing that gives the same bytes again;
 * - a deep copy is equal and shares nothing, and wiping the original
 *   leaves the copy intact.
 *
 * Equality is JSON.parse's: numbers compare by value (1 and 1.0 are the
 * same number), members by name whatever their order (the serializer puts
 * array-index names first, as JavaScript does), and a number that
 * overflowed to ±Infinity equals null, because JSON.stringify writes it
 * as null.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>

#include "core/pi-keyring-core-private.h"
#include "fuzz-common.h"

static gboolean nodes_equal (JsonNode *a,
                             JsonNode *b);

static gboolean
is_number (JsonNode *node)
{
  GType type;

  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

static double
number_value (JsonNode *node)
{
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return (double) json_node_get_int (node);
  return json_node_get_double (node);
}

/* null, or a number JSON.stringify writes as null. */
static gboolean
is_null_like (JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  return is_number (node) && !isfinite (number_value (node));
}

static gboolean
objects_equal (JsonObject *a,
               JsonObject *b)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  if (json_object_get_size (a) != json_object_get_size (b))
    return FALSE;

  json_object_iter_init_ordered (&iter, a);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      JsonNode *other = json_object_get_member (b, name);

      if (other == NULL || !nodes_equal (member, other))
        return FALSE;
    }

  return TRUE;
}

static gboolean
arrays_equal (JsonArray *a,
              JsonArray *b)
{
  guint n = json_array_get_length (a);

  if (n != json_array_get_length (b))
    return FALSE;

  for (guint i = 0; i < n; i++)
    if (!nodes_equal (json_array_get_element (a, i), json_array_get_element (b, i)))
      return FALSE;

  return TRUE;
}

static gboolean
nodes_equal (JsonNode *a,
             JsonNode *b)
{
  if (is_null_like (a) || is_null_like (b))
    return is_null_like (a) && is_null_like (b);

  if (json_node_get_node_type (a) != json_node_get_node_type (b))
    return FALSE;

  switch (json_node_get_node_type (a))
    {
    case JSON_NODE_OBJECT:
      return objects_equal (json_node_get_object (a), json_node_get_object (b));

    case JSON_NODE_ARRAY:
      return arrays_equal (json_node_get_array (a), json_node_get_array (b));

    case JSON_NODE_VALUE:
      if (is_number (a) && is_number (b))
        return number_value (a) == number_value (b);
      if (json_node_get_value_type (a) != json_node_get_value_type (b))
        return FALSE;
      if (json_node_get_value_type (a) == G_TYPE_STRING)
        return g_strcmp0 (json_node_get_string (a), json_node_get_string (b)) == 0;
      if (json_node_get_value_type (a) == G_TYPE_BOOLEAN)
        return json_node_get_boolean (a) == json_node_get_boolean (b);
      return FALSE;

    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}

/* No string of @a is the same memory as the matching string of @b. */
static gboolean
shares_no_strings (JsonNode *a,
                   JsonNode *b)
{
  switch (json_node_get_node_type (a))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;

        json_object_iter_init_ordered (&iter, json_node_get_object (a));
        while (json_object_iter_next_ordered (&iter, &name, &member))
          if (!shares_no_strings (member,
                                  json_object_get_member (json_node_get_object (b), name)))
            return FALSE;
        return TRUE;
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *aa = json_node_get_array (a);
        JsonArray *ba = json_node_get_array (b);

        for (guint i = 0; i < json_array_get_length (aa); i++)
          if (!shares_no_strings (json_array_get_element (aa, i),
                                  json_array_get_element (ba, i)))
            return FALSE;
        return TRUE;
      }

    case JSON_NODE_VALUE:
      if (json_node_get_value_type (a) == G_TYPE_STRING)
        return json_node_get_string (a) != json_node_get_string (b);
      return TRUE;

    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}

static void
check_round_trip (JsonObject *object,
                  guint       indent)
{
  g_autoptr(PiKeyringSecretString) text = NULL;
  g_autoptr(PiKeyringSecretString) again = NULL;
  g_autoptr(JsonObject) reparsed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) a = NULL;
  g_autoptr(JsonNode) b = NULL;

  text = _pi_keyring_json_object_stringify (object, indent);
  FUZZ_CHECK (text != NULL);
  FUZZ_CHECK (g_utf8_validate (text, -1, NULL));

  reparsed = _pi_keyring_auth_json_parse (text, -1, "round-trip", &error);
  if (reparsed == NULL)
    fprintf (stderr, "the written text does not parse: %s\n", error->message);
  FUZZ_CHECK (reparsed != NULL);
  FUZZ_CHECK (error == NULL);

  a = json_node_init_object (json_node_alloc (), object);
  b = json_node_init_object (json_node_alloc (), reparsed);
  FUZZ_CHECK (nodes_equal (a, b));

  again = _pi_keyring_json_object_stringify (reparsed, indent);
  FUZZ_CHECK (strcmp (text, again) == 0);
  /* Through the node entry point, the same bytes. */
  _pi_keyring_secret_free (g_steal_pointer (&again));
  again = _pi_keyring_json_stringify (b, indent);
  FUZZ_CHECK (strcmp (text, again) == 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) copy = NULL;
  g_autoptr(PiKeyringSecretString) before = NULL;
  g_autoptr(PiKeyringSecretString) after = NULL;

  fuzz_init ();

  if (size > G_MAXSSIZE)
    return 0;

  object = _pi_keyring_auth_json_parse ((const char *) data, (gssize) size, "fuzz.json", &error);
  if (object == NULL)
    {
      FUZZ_CHECK (size > 0);
      FUZZ_CHECK (g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE));
      FUZZ_CHECK (g_str_has_prefix (error->message, "fuzz.json:"));
      FUZZ_CHECK (fuzz_is_printable_message (error->message));
      return 0;
    }
  FUZZ_CHECK (error == NULL);

  check_round_trip (object, 2);
  check_round_trip (object, 0);

  /* A deep copy, as the credential and the store make: equal, sharing
   * nothing, and intact after the original is wiped. */
  node = json_node_init_object (json_node_alloc (), object);
  copy = _pi_keyring_json_node_deep_copy (node);
  FUZZ_CHECK (nodes_equal (node, copy));
  FUZZ_CHECK (shares_no_strings (node, copy));

  before = _pi_keyring_json_stringify (copy, 2);
  _pi_keyring_json_node_wipe (node);
  after = _pi_keyring_json_stringify (copy, 2);
  FUZZ_CHECK (strcmp (before, after) == 0);

  /* _pi_keyring_json_object_put on every member: replacing keeps the
   * position, so the text does not change. */
  {
    g_autoptr(JsonNode) target = _pi_keyring_json_node_deep_copy (copy);
    JsonObject *target_object = json_node_get_object (target);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
    g_autoptr(PiKeyringSecretString) put = NULL;
    JsonObjectIter iter;
    const char *name;
    JsonNode *member;

    json_object_iter_init_ordered (&iter, target_object);
    while (json_object_iter_next_ordered (&iter, &name, &member))
      g_ptr_array_add (names, g_strdup (name));

    for (guint i = 0; i < names->len; i++)
      {
        member = json_object_get_member (target_object, names->pdata[i]);
        _pi_keyring_json_object_put (target_object, names->pdata[i],
                                     _pi_keyring_json_node_deep_copy (member));
      }
    put = _pi_keyring_json_stringify (target, 2);
    FUZZ_CHECK (strcmp (before, put) == 0);
  }

  return 0;
}
