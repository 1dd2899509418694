/* test-credential.c: PiKeyringCredential, one auth.json entry
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "core/pi-keyring-core-private.h"

static void
test_api_key (void)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autofree char *json = NULL;
  g_autofree char *profile = NULL;
  PiKeyringCredentialKind kind;

  credential = pi_keyring_credential_new_api_key ("openai", NULL, "!op read 'op://v/k'");
  g_assert_cmpstr (pi_keyring_credential_get_provider (credential), ==, "openai");
  g_assert_cmpstr (pi_keyring_credential_get_profile (credential), ==, PI_KEYRING_DEFAULT_PROFILE);
  g_assert_cmpint (pi_keyring_credential_get_kind (credential), ==, PI_KEYRING_CREDENTIAL_KIND_API_KEY);
  g_assert_cmpstr (pi_keyring_credential_get_type_name (credential), ==, "api_key");
  g_assert_cmpstr (pi_keyring_credential_get_key (credential), ==, "!op read 'op://v/k'");
  g_assert_null (pi_keyring_credential_get_access (credential));
  g_assert_null (pi_keyring_credential_get_refresh (credential));
  g_assert_false (pi_keyring_credential_has_expires (credential));
  g_assert_cmpint (pi_keyring_credential_get_expires (credential), ==, -1);
  g_assert_false (pi_keyring_credential_is_expired (credential, G_MAXINT64));

  json = pi_keyring_credential_to_json (credential);
  g_assert_cmpstr (json, ==, "{\"type\":\"api_key\",\"key\":\"!op read 'op://v/k'\"}");

  g_object_get (credential, "profile", &profile, "kind", &kind, NULL);
  g_assert_cmpstr (profile, ==, "default");
  g_assert_cmpint (kind, ==, PI_KEYRING_CREDENTIAL_KIND_API_KEY);
}

/* Only the constructors make a credential (issue 22, item 4): the type is
 * abstract, and its identity is construct-only. */
static void
test_identity_is_fixed (void)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  GObjectClass *klass;
  GParamSpec *pspec;

  g_assert_true (G_TYPE_IS_ABSTRACT (PI_KEYRING_TYPE_CREDENTIAL));
  credential = pi_keyring_credential_new_api_key ("openai", "work", "k");
  g_assert_true (PI_KEYRING_IS_CREDENTIAL (credential));
  g_assert_true (G_TYPE_IS_FINAL (G_OBJECT_TYPE (credential)));

  klass = G_OBJECT_GET_CLASS (credential);
  pspec = g_object_class_find_property (klass, "provider");
  g_assert_cmpint (pspec->flags & (G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY), ==,
                   G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY);
  pspec = g_object_class_find_property (klass, "profile");
  g_assert_cmpint (pspec->flags & (G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY), ==,
                   G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY);
  pspec = g_object_class_find_property (klass, "kind");
  g_assert_false (pspec->flags & G_PARAM_WRITABLE);

  /* A name outside the grammar is the error the rest of the library gives. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GError) expected = NULL;
    g_autoptr(PiKeyringCredential) none = NULL;

    none = pi_keyring_credential_new_from_json ("a/b", NULL, "{\"type\":\"api_key\"}", -1,
                                                &error);
    g_assert_null (none);
    g_assert_false (pi_keyring_validate_id ("a/b", &expected));
    g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr (error->message, ==, expected->message);
  }
}

static void
test_oauth (void)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autofree char *json = NULL;
  g_auto(GStrv) names = NULL;
  const char *order[] = { "type", "refresh", "access", "expires", NULL };

  credential = pi_keyring_credential_new_oauth ("anthropic", "work", "r-token", "sk-ant-oat01-a",
                                                G_GINT64_CONSTANT (1773603300000));
  g_assert_cmpstr (pi_keyring_credential_get_profile (credential), ==, "work");
  g_assert_cmpint (pi_keyring_credential_get_kind (credential), ==, PI_KEYRING_CREDENTIAL_KIND_OAUTH);
  g_assert_cmpstr (pi_keyring_credential_get_refresh (credential), ==, "r-token");
  g_assert_cmpstr (pi_keyring_credential_get_access (credential), ==, "sk-ant-oat01-a");
  g_assert_true (pi_keyring_credential_has_expires (credential));
  g_assert_cmpint (pi_keyring_credential_get_expires (credential), ==, G_GINT64_CONSTANT (1773603300000));

  /* pi: expired when now >= expires */
  g_assert_false (pi_keyring_credential_is_expired (credential, G_GINT64_CONSTANT (1773603299999)));
  g_assert_true (pi_keyring_credential_is_expired (credential, G_GINT64_CONSTANT (1773603300000)));

  names = pi_keyring_credential_get_field_names (credential);
  g_assert_cmpstrv (names, order);

  json = pi_keyring_credential_to_json (credential);
  g_assert_cmpstr (json, ==,
                   "{\"type\":\"oauth\",\"refresh\":\"r-token\",\"access\":\"sk-ant-oat01-a\","
                   "\"expires\":1773603300000}");
}

static void
test_from_json_keeps_everything (void)
{
  const char *input =
    "{ \"type\": \"oauth\", \"access\": \"eyJ.x.y\", \"refresh\": \"rt\",\n"
    "  \"expires\": 1773606900000, \"accountId\": \"acc\",\n"
    "  \"future\": {\"nested\": [1, 2.5, null, true]}, \"note\": \"\\u00e9\\n\" }";
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_auto(GStrv) names = NULL;
  const char *order[] = { "type", "access", "refresh", "expires", "accountId", "future", "note", NULL };

  credential = pi_keyring_credential_new_from_json ("openai-codex", NULL, input, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (credential);

  names = pi_keyring_credential_get_field_names (credential);
  g_assert_cmpstrv (names, order);
  g_assert_cmpstr (pi_keyring_credential_get_string_field (credential, "accountId"), ==, "acc");
  g_assert_null (pi_keyring_credential_get_string_field (credential, "expires"));
  g_assert_null (pi_keyring_credential_get_string_field (credential, "future"));
  g_assert_null (pi_keyring_credential_get_string_field (credential, "missing"));

  json = pi_keyring_credential_to_json (credential);
  g_assert_cmpstr (json, ==,
                   "{\"type\":\"oauth\",\"access\":\"eyJ.x.y\",\"refresh\":\"rt\",\"expires\":1773606900000,"
                   "\"accountId\":\"acc\",\"future\":{\"nested\":[1,2.5,null,true]},\"note\":\"\xc3\xa9\\n\"}");
}

static void
test_from_json_length (void)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;
  const char *text = "{\"type\":\"api_key\",\"key\":\"k\"}trailing garbage";

  credential = pi_keyring_credential_new_from_json ("groq", NULL, text, strlen ("{\"type\":\"api_key\",\"key\":\"k\"}"),
                                                    &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pi_keyring_credential_get_key (credential), ==, "k");
}

static void
test_from_json_errors (void)
{
  static const char *bad[] = {
    "",
    "[]",
    "\"sk-secret\"",
    "{\"type\":\"api_key\",\"key\":\"sk-secret-value\"",
    "{\"type\":\"api_key\",\"key\":'sk-secret-value'}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(PiKeyringCredential) credential = NULL;
      g_autoptr(GError) error = NULL;

      credential = pi_keyring_credential_new_from_json ("openai", NULL, bad[i], -1, &error);
      g_assert_null (credential);
      g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE);
      g_assert_nonnull (strstr (error->message, "openai"));
      /* Never the content: it may be a secret. */
      g_assert_null (strstr (error->message, "secret"));
    }
}

static void
test_kind_other (void)
{
  g_autoptr(PiKeyringCredential) none = NULL;
  g_autoptr(PiKeyringCredential) odd = NULL;
  g_autoptr(PiKeyringCredential) number = NULL;
  g_autoptr(GError) error = NULL;

  none = pi_keyring_credential_new_from_json ("x", NULL, "{}", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pi_keyring_credential_get_kind (none), ==, PI_KEYRING_CREDENTIAL_KIND_OTHER);
  g_assert_null (pi_keyring_credential_get_type_name (none));

  odd = pi_keyring_credential_new_from_json ("x", NULL, "{\"type\":\"OAuth\"}", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pi_keyring_credential_get_kind (odd), ==, PI_KEYRING_CREDENTIAL_KIND_OTHER);
  g_assert_cmpstr (pi_keyring_credential_get_type_name (odd), ==, "OAuth");

  number = pi_keyring_credential_new_from_json ("x", NULL, "{\"type\":1}", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pi_keyring_credential_get_kind (number), ==, PI_KEYRING_CREDENTIAL_KIND_OTHER);
  g_assert_null (pi_keyring_credential_get_type_name (number));
}

static void
test_expires_forms (void)
{
  static const struct
  {
    const char *json;
    gboolean    has;
    gint64      value;
  } cases[] = {
    { "{\"type\":\"oauth\",\"expires\":1773603300000}", TRUE, G_GINT64_CONSTANT (1773603300000) },
    { "{\"type\":\"oauth\",\"expires\":1773603300000.0}", TRUE, G_GINT64_CONSTANT (1773603300000) },
    { "{\"type\":\"oauth\",\"expires\":1.5e3}", TRUE, 1500 },
    { "{\"type\":\"oauth\",\"expires\":\"1773603300000\"}", FALSE, -1 },
    { "{\"type\":\"oauth\",\"expires\":null}", FALSE, -1 },
    { "{\"type\":\"oauth\",\"expires\":1e400}", FALSE, -1 },
    { "{\"type\":\"oauth\"}", FALSE, -1 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PiKeyringCredential) credential = NULL;
      g_autoptr(GError) error = NULL;

      credential = pi_keyring_credential_new_from_json ("anthropic", NULL, cases[i].json, -1, &error);
      g_assert_no_error (error);
      g_assert_cmpint (pi_keyring_credential_has_expires (credential), ==, cases[i].has);
      g_assert_cmpint (pi_keyring_credential_get_expires (credential), ==, cases[i].value);
      /* Without a numeric expires, pi never considers the token expired. */
      if (!cases[i].has)
        g_assert_false (pi_keyring_credential_is_expired (credential, G_MAXINT64));
    }
}

static void
test_copy_for_profile (void)
{
  g_autoptr(PiKeyringCredential) original = NULL;
  g_autoptr(PiKeyringCredential) copy = NULL;
  g_autoptr(PiKeyringCredential) back = NULL;
  g_autoptr(GError) error = NULL;

  original = pi_keyring_credential_new_from_json ("google-gemini-cli", NULL,
                                                  "{\"type\":\"oauth\",\"refresh\":\"r\",\"access\":\"a\","
                                                  "\"expires\":5,\"projectId\":\"p\",\"email\":\"e@x\"}",
                                                  -1, &error);
  g_assert_no_error (error);

  copy = pi_keyring_credential_copy_for_profile (original, "work");
  g_assert_cmpstr (pi_keyring_credential_get_profile (copy), ==, "work");
  g_assert_cmpstr (pi_keyring_credential_get_provider (copy), ==, "google-gemini-cli");
  g_assert_false (pi_keyring_credential_equal (original, copy));
  /* The copy shares no strings with the original. */
  g_assert_true (pi_keyring_credential_get_access (copy) != pi_keyring_credential_get_access (original));

  back = pi_keyring_credential_copy_for_profile (copy, NULL);
  g_assert_true (pi_keyring_credential_equal (original, back));

  /* The copy outlives the original intact. */
  g_clear_object (&original);
  g_clear_object (&back);
  g_assert_cmpstr (pi_keyring_credential_get_access (copy), ==, "a");
  g_assert_cmpstr (pi_keyring_credential_get_string_field (copy, "email"), ==, "e@x");
}

static void
test_equal (void)
{
  g_autoptr(PiKeyringCredential) a = pi_keyring_credential_new_api_key ("openai", NULL, "k");
  g_autoptr(PiKeyringCredential) b = pi_keyring_credential_new_api_key ("openai", "default", "k");
  g_autoptr(PiKeyringCredential) other_key = pi_keyring_credential_new_api_key ("openai", NULL, "k2");
  g_autoptr(PiKeyringCredential) other_provider = pi_keyring_credential_new_api_key ("groq", NULL, "k");
  g_autoptr(PiKeyringCredential) reordered = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (pi_keyring_credential_equal (a, b));
  g_assert_false (pi_keyring_credential_equal (a, other_key));
  g_assert_false (pi_keyring_credential_equal (a, other_provider));

  /* Field order is part of the entry. */
  reordered = pi_keyring_credential_new_from_json ("openai", NULL, "{\"key\":\"k\",\"type\":\"api_key\"}",
                                                   -1, &error);
  g_assert_no_error (error);
  g_assert_false (pi_keyring_credential_equal (a, reordered));
}

static void
test_dup_node_is_deep (void)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  JsonObject *object;

  credential = pi_keyring_credential_new_from_json ("x", NULL,
                                                    "{\"type\":\"custom\",\"a\":{\"b\":[\"s\",1,2.5,true,null]}}",
                                                    -1, &error);
  g_assert_no_error (error);

  node = _pi_keyring_credential_dup_node (credential);
  g_clear_object (&credential);  /* wipes its own strings */

  object = json_node_get_object (node);
  text = _pi_keyring_json_object_stringify (object, 0);
  g_assert_cmpstr (text, ==, "{\"type\":\"custom\",\"a\":{\"b\":[\"s\",1,2.5,true,null]}}");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/credential/api-key", test_api_key);
  g_test_add_func ("/credential/oauth", test_oauth);
  g_test_add_func ("/credential/identity-is-fixed", test_identity_is_fixed);
  g_test_add_func ("/credential/from-json/keeps-everything", test_from_json_keeps_everything);
  g_test_add_func ("/credential/from-json/length", test_from_json_length);
  g_test_add_func ("/credential/from-json/errors", test_from_json_errors);
  g_test_add_func ("/credential/kind-other", test_kind_other);
  g_test_add_func ("/credential/expires-forms", test_expires_forms);
  g_test_add_func ("/credential/copy-for-profile", test_copy_for_profile);
  g_test_add_func ("/credential/equal", test_equal);
  g_test_add_func ("/credential/dup-node-is-deep", test_dup_node_is_deep);

  return g_test_run ();
}
