/* fuzz-credential.c: one auth.json entry, through the public constructor
 *
 * Input: the text given to pi_keyring_credential_new_from_json ().
 *
 * Properties:
 * - a rejected entry gives PI_KEYRING_ERROR_PARSE in one printable line;
 * - every getter works on whatever object was accepted, and agrees with
 *   the entry: the kind follows `type`, the string getters return string
 *   members only, `expires` is what pi compares against (`now >= expires`
 *   for a numeric one, never expired without one);
 * - pi_keyring_credential_to_json () parses back to an equal credential,
 *   and a copy into another profile has the same entry.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>

#include "core/pi-keyring-core-private.h"
#include "fuzz-common.h"

#define PROVIDER "fuzz-provider"

static void
check_string_getter (PiKeyringCredential *credential,
                     JsonObject          *entry,
                     const char          *name,
                     const char          *value)
{
  JsonNode *node = json_object_get_member (entry, name);
  gboolean is_string = node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
                       json_node_get_value_type (node) == G_TYPE_STRING;

  FUZZ_CHECK (is_string == (value != NULL));
  if (is_string)
    FUZZ_CHECK (strcmp (json_node_get_string (node), value) == 0);
  FUZZ_CHECK (g_strcmp0 (pi_keyring_credential_get_string_field (credential, name), value) == 0);
}

/* What pi decides for `now >= expires`: TRUE, FALSE, or -1 when
 * `expires` is not a number (then never expired). */
static int
pi_is_expired (JsonObject *entry,
               gint64      now_ms)
{
  JsonNode *node = json_object_get_member (entry, "expires");
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return -1;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    return now_ms >= json_node_get_int (node);
  if (type == G_TYPE_DOUBLE && isfinite (json_node_get_double (node)))
    return (double) now_ms >= json_node_get_double (node);

  return -1;
}

static void
check_getters (PiKeyringCredential *credential,
               JsonObject          *entry)
{
  static const gint64 nows[] = {
    G_MININT64, -1, 0, G_GINT64_CONSTANT (1700000000000), G_MAXINT64,
  };
  const char *type = pi_keyring_credential_get_type_name (credential);
  PiKeyringCredentialKind kind = pi_keyring_credential_get_kind (credential);
  g_auto(GStrv) names = pi_keyring_credential_get_field_names (credential);
  gboolean has_expires = pi_keyring_credential_has_expires (credential);
  gint64 expires = pi_keyring_credential_get_expires (credential);

  FUZZ_CHECK (strcmp (pi_keyring_credential_get_provider (credential), PROVIDER) == 0);
  check_string_getter (credential, entry, "type", type);
  check_string_getter (credential, entry, "key", pi_keyring_credential_get_key (credential));
  check_string_getter (credential, entry, "access", pi_keyring_credential_get_access (credential));
  check_string_getter (credential, entry, "refresh", pi_keyring_credential_get_refresh (credential));

  if (g_strcmp0 (type, "api_key") == 0)
    FUZZ_CHECK (kind == PI_KEYRING_CREDENTIAL_KIND_API_KEY);
  else if (g_strcmp0 (type, "oauth") == 0)
    FUZZ_CHECK (kind == PI_KEYRING_CREDENTIAL_KIND_OAUTH);
  else
    FUZZ_CHECK (kind == PI_KEYRING_CREDENTIAL_KIND_OTHER);

  FUZZ_CHECK (names != NULL);
  FUZZ_CHECK (g_strv_length (names) == json_object_get_size (entry));
  for (guint i = 0; names[i] != NULL; i++)
    FUZZ_CHECK (json_object_has_member (entry, names[i]));

  FUZZ_CHECK (has_expires == (pi_is_expired (entry, 0) >= 0));
  if (!has_expires)
    FUZZ_CHECK (expires == -1);

  for (gsize i = 0; i < G_N_ELEMENTS (nows); i++)
    {
      int pi = pi_is_expired (entry, nows[i]);
      gboolean expired = pi_keyring_credential_is_expired (credential, nows[i]);

      if (pi < 0)
        FUZZ_CHECK (!expired);
      else
        FUZZ_CHECK (expired == pi);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(PiKeyringCredential) reparsed = NULL;
  g_autoptr(PiKeyringCredential) copy = NULL;
  g_autoptr(PiKeyringSecretString) json = NULL;
  g_autoptr(PiKeyringSecretString) copy_json = NULL;

  fuzz_init ();

  if (size > G_MAXSSIZE)
    return 0;

  /* data is not nul-terminated: an explicit length. */
  credential = pi_keyring_credential_new_from_json (PROVIDER, NULL, size > 0 ? (const char *) data : "",
                                                    (gssize) size, &error);
  if (credential == NULL)
    {
      FUZZ_CHECK (g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE));
      FUZZ_CHECK (fuzz_is_printable_message (error->message));
      return 0;
    }
  FUZZ_CHECK (error == NULL);
  FUZZ_CHECK (strcmp (pi_keyring_credential_get_profile (credential),
                      PI_KEYRING_DEFAULT_PROFILE) == 0);

  check_getters (credential, _pi_keyring_credential_get_object (credential));

  json = pi_keyring_credential_to_json (credential);
  FUZZ_CHECK (json != NULL);
  reparsed = pi_keyring_credential_new_from_json (PROVIDER, NULL, json, -1, &error);
  FUZZ_CHECK (reparsed != NULL);
  FUZZ_CHECK (pi_keyring_credential_equal (credential, reparsed));
  check_getters (reparsed, _pi_keyring_credential_get_object (reparsed));

  copy = pi_keyring_credential_copy_for_profile (credential, "work");
  FUZZ_CHECK (strcmp (pi_keyring_credential_get_profile (copy), "work") == 0);
  FUZZ_CHECK (!pi_keyring_credential_equal (credential, copy));
  copy_json = pi_keyring_credential_to_json (copy);
  FUZZ_CHECK (strcmp (json, copy_json) == 0);

  /* The copy shares no strings: it stays whole when the original goes. */
  g_clear_object (&credential);
  g_clear_object (&reparsed);
  _pi_keyring_secret_free (g_steal_pointer (&copy_json));
  copy_json = pi_keyring_credential_to_json (copy);
  FUZZ_CHECK (strcmp (json, copy_json) == 0);

  return 0;
}
