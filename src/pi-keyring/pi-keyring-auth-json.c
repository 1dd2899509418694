/* STUB: replaced by the auth.json codec. */
#include "config.h"
#include "pi-keyring-private.h"

JsonObject *
_pi_keyring_auth_json_parse (const char *data, gssize length, const char *display_name, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!json_parser_load_from_data (parser, data, length, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE, "not an object");
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

char *
_pi_keyring_json_stringify (JsonNode *node, guint indent)
{
  return json_to_string (node, indent > 0);
}

char *
_pi_keyring_json_object_stringify (JsonObject *object, guint indent)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  return _pi_keyring_json_stringify (node, indent);
}
