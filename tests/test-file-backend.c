/* test-file-backend.c: the `file` backend on pi's auth.json
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "store/pi-keyring-store-private.h"

#include "test-util.h"

typedef struct
{
  char             *dir;
  char             *path;
  char             *lock_path;
  PiKeyringBackend *backend;
} Fixture;

/* Each test has its own HOME (G_TEST_OPTION_ISOLATE_DIRS), removed after it. */
static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->dir = g_build_filename (g_get_home_dir (), ".pi", "agent", NULL);
  fixture->path = g_build_filename (fixture->dir, "auth.json", NULL);
  fixture->lock_path = g_strconcat (fixture->path, ".lock", NULL);
  fixture->backend = pi_keyring_file_backend_new (fixture->path);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->backend);
  g_free (fixture->lock_path);
  g_free (fixture->path);
  g_free (fixture->dir);
}

static void
write_text (const char *path,
            const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_assert_no_error (error);
}

static char *
read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  return contents;
}

static guint
file_mode (const char *path)
{
  struct stat st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static gboolean
path_exists (const char *path)
{
  struct stat st;

  return g_lstat (path, &st) == 0;
}

static void
assert_file_is (const char *path,
                const char *expected)
{
  g_autofree char *contents = read_text (path);

  g_assert_cmpstr (contents, ==, expected);
}

static PiKeyringCredential *
api_key (const char *provider,
         const char *key)
{
  return pi_keyring_credential_new_api_key (provider, NULL, key);
}

static void
store_ok (PiKeyringBackend    *backend,
          PiKeyringCredential *credential)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pi_keyring_backend_store_sync (backend, credential, NULL, &error));
  g_assert_no_error (error);
}

static PiKeyringCredential *
lookup_ok (PiKeyringBackend *backend,
           const char       *provider)
{
  g_autoptr(GError) error = NULL;
  PiKeyringCredential *credential;

  credential = pi_keyring_backend_lookup_sync (backend, provider, NULL, NULL, &error);
  g_assert_no_error (error);
  return credential;
}

/* --- basics --- */

static void
test_basics (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *location = pi_keyring_backend_get_location (fixture->backend);
  g_autofree char *prop = NULL;

  g_assert_true (PI_KEYRING_IS_FILE_BACKEND (fixture->backend));
  g_assert_cmpstr (pi_keyring_backend_get_name (fixture->backend), ==, "file");
  g_assert_true (pi_keyring_backend_is_plaintext (fixture->backend));
  g_assert_cmpstr (location, ==, fixture->path);
  g_assert_cmpstr (pi_keyring_file_backend_get_path (PI_KEYRING_FILE_BACKEND (fixture->backend)),
                   ==, fixture->path);
  g_object_get (fixture->backend, "path", &prop, NULL);
  g_assert_cmpstr (prop, ==, fixture->path);
}

static void
test_missing_file (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;

  credential = lookup_ok (fixture->backend, "anthropic");
  g_assert_null (credential);

  list = pi_keyring_backend_list_sync (fixture->backend, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);

  g_assert_true (pi_keyring_backend_check_sync (fixture->backend, NULL, &error));
  g_assert_no_error (error);

  g_assert_false (pi_keyring_backend_remove_sync (fixture->backend, "anthropic", NULL, NULL, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND);

  /* Reading creates nothing. */
  g_assert_false (path_exists (fixture->dir));
}

static void
test_empty_file (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(PiKeyringCredential) openai = api_key ("openai", "sk-openai");

  /* pi: empty content is {} */
  write_text (fixture->path, "");
  credential = lookup_ok (fixture->backend, "anthropic");
  g_assert_null (credential);

  store_ok (fixture->backend, openai);
  assert_file_is (fixture->path,
                  "{\n  \"openai\": {\n    \"type\": \"api_key\",\n    \"key\": \"sk-openai\"\n  }\n}");
}

/* --- a file pi wrote --- */

static char *
fixture_text (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "auth-pi-written.json", NULL);

  return read_text (path);
}

static void
test_pi_written_fixture (Fixture       *fixture,
                         gconstpointer  data)
{
  static const struct
  {
    const char *provider;
    PiKeyringCredentialKind kind;
  } expected[] = {
    { "anthropic", PI_KEYRING_CREDENTIAL_KIND_OAUTH },
    { "github-copilot", PI_KEYRING_CREDENTIAL_KIND_OAUTH },
    { "google-gemini-cli", PI_KEYRING_CREDENTIAL_KIND_OAUTH },
    { "google-antigravity", PI_KEYRING_CREDENTIAL_KIND_OAUTH },
    { "openai-codex", PI_KEYRING_CREDENTIAL_KIND_OAUTH },
    { "openai", PI_KEYRING_CREDENTIAL_KIND_API_KEY },
    { "groq", PI_KEYRING_CREDENTIAL_KIND_API_KEY },
    { "mistral", PI_KEYRING_CREDENTIAL_KIND_API_KEY },
    { "my-custom-provider", PI_KEYRING_CREDENTIAL_KIND_OTHER },
  };
  g_autofree char *original = fixture_text ();
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *formatted = NULL;
  g_auto(GStrv) codex_fields = NULL;
  PiKeyringCredential *codex;

  write_text (fixture->path, original);

  list = pi_keyring_backend_list_sync (fixture->backend, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < list->len; i++)
    {
      PiKeyringCredential *credential = g_ptr_array_index (list, i);

      g_assert_cmpstr (pi_keyring_credential_get_provider (credential), ==, expected[i].provider);
      g_assert_cmpstr (pi_keyring_credential_get_profile (credential), ==, "default");
      g_assert_cmpint (pi_keyring_credential_get_kind (credential), ==, expected[i].kind);
    }

  /* pi's field order is kept. */
  codex = g_ptr_array_index (list, 4);
  codex_fields = pi_keyring_credential_get_field_names (codex);
  {
    const char *order[] = { "type", "access", "refresh", "expires", "accountId", NULL };
    g_assert_cmpstrv (codex_fields, order);
  }
  g_assert_cmpint (pi_keyring_credential_get_expires (codex), ==, G_GINT64_CONSTANT (1773606900000));
  g_assert_cmpstr (pi_keyring_credential_get_key (g_ptr_array_index (list, 5)), ==,
                   "!op read 'op://vault/openai/key'");
  g_assert_cmpstr (pi_keyring_credential_get_key (g_ptr_array_index (list, 7)), ==,
                   "literal-\"quoted\"-key\\with\\backslashes\ttab");

  /* Exported, the credentials give back the very same bytes. */
  formatted = pi_keyring_file_backend_format_credentials (list);
  g_assert_cmpstr (formatted, ==, original);

  /* Storing an unchanged credential rewrites the file byte for byte. */
  for (guint i = 0; i < list->len; i++)
    store_ok (fixture->backend, g_ptr_array_index (list, i));
  assert_file_is (fixture->path, original);
  g_assert_cmpuint (file_mode (fixture->path), ==, 0600);

  /* Replacing one provider changes that entry only. */
  {
    g_autoptr(PiKeyringCredential) groq = api_key ("groq", "gsk-new");
    g_autofree char *now = NULL;
    g_autofree char *expected_text = NULL;
    g_autoptr(GString) s = g_string_new (original);

    store_ok (fixture->backend, groq);
    g_assert_cmpuint (g_string_replace (s, "\"key\": \"GROQ_API_KEY\"", "\"key\": \"gsk-new\"", 1), ==, 1);
    expected_text = g_string_free (g_steal_pointer (&s), FALSE);
    now = read_text (fixture->path);
    g_assert_cmpstr (now, ==, expected_text);
  }
}

static void
test_non_object_entries (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PiKeyringCredential) a = NULL;
  g_autoptr(PiKeyringCredential) b = NULL;
  g_autoptr(PiKeyringCredential) new_a = api_key ("d", "k4");

  write_text (fixture->path, "{\"a\":\"str\",\"b\":{\"type\":\"api_key\",\"key\":\"k\"},\"c\":[1],\"e\":null}");

  list = pi_keyring_backend_list_sync (fixture->backend, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (pi_keyring_credential_get_provider (g_ptr_array_index (list, 0)), ==, "b");

  a = lookup_ok (fixture->backend, "a");
  g_assert_null (a);
  b = lookup_ok (fixture->backend, "b");
  g_assert_nonnull (b);

  /* What we do not understand is still kept. */
  store_ok (fixture->backend, new_a);
  assert_file_is (fixture->path,
                  "{\n  \"a\": \"str\",\n  \"b\": {\n    \"type\": \"api_key\",\n    \"key\": \"k\"\n  },\n"
                  "  \"c\": [\n    1\n  ],\n  \"e\": null,\n"
                  "  \"d\": {\n    \"type\": \"api_key\",\n    \"key\": \"k4\"\n  }\n}");
}

static void
test_lookup_is_a_copy (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) first = NULL;
  g_autoptr(PiKeyringCredential) second = NULL;

  write_text (fixture->path, "{\"openai\":{\"type\":\"api_key\",\"key\":\"sk-1\"}}");
  first = lookup_ok (fixture->backend, "openai");
  second = lookup_ok (fixture->backend, "openai");
  g_assert_true (first != second);
  g_assert_true (pi_keyring_credential_equal (first, second));
  g_assert_true (pi_keyring_credential_get_key (first) != pi_keyring_credential_get_key (second));

  /* The next lookup sees what is on disk now. */
  write_text (fixture->path, "{\"openai\":{\"type\":\"api_key\",\"key\":\"sk-2\"}}");
  g_clear_object (&second);
  second = lookup_ok (fixture->backend, "openai");
  g_assert_cmpstr (pi_keyring_credential_get_key (second), ==, "sk-2");
  g_assert_cmpstr (pi_keyring_credential_get_key (first), ==, "sk-1");
}

/* --- profiles --- */

static void
test_other_profiles (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) work = pi_keyring_credential_new_api_key ("openai", "work", "sk-work");
  g_autoptr(PiKeyringCredential) found = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;

  write_text (fixture->path, "{\"openai\":{\"type\":\"api_key\",\"key\":\"sk-default\"}}");

  g_assert_false (pi_keyring_backend_store_sync (fixture->backend, work, NULL, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "work"));
  g_clear_error (&error);

  g_assert_false (pi_keyring_backend_remove_sync (fixture->backend, "openai", "work", NULL, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  found = pi_keyring_backend_lookup_sync (fixture->backend, "openai", "work", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (found);

  list = pi_keyring_backend_list_sync (fixture->backend, "work", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);

  all = pi_keyring_backend_list_sync (fixture->backend, "default", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 1);

  assert_file_is (fixture->path, "{\"openai\":{\"type\":\"api_key\",\"key\":\"sk-default\"}}");
}

static void
test_remove_absent (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *text = "{\"openai\":{\"type\":\"api_key\",\"key\":\"k\"}}";

  write_text (fixture->path, text);
  g_assert_false (pi_keyring_backend_remove_sync (fixture->backend, "anthropic", NULL, NULL, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND);
  /* Nothing was written (not even re-formatted). */
  assert_file_is (fixture->path, text);
  g_assert_false (path_exists (fixture->lock_path));
}

/* --- conformance (reference §11) --- */

static const char *two_providers =
  "{\n"
  "  \"anthropic\": {\n"
  "    \"type\": \"api_key\",\n"
  "    \"key\": \"old-anthropic\"\n"
  "  },\n"
  "  \"openai\": {\n"
  "    \"type\": \"api_key\",\n"
  "    \"key\": \"openai-key\"\n"
  "  }\n"
  "}";

static const char *three_providers =
  "{\n"
  "  \"anthropic\": {\n"
  "    \"type\": \"api_key\",\n"
  "    \"key\": \"old-anthropic\"\n"
  "  },\n"
  "  \"openai\": {\n"
  "    \"type\": \"api_key\",\n"
  "    \"key\": \"openai-key\"\n"
  "  },\n"
  "  \"google\": {\n"
  "    \"type\": \"api_key\",\n"
  "    \"key\": \"google-key\"\n"
  "  }\n"
  "}";

static void
test_case_18_set_merges (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) loaded = NULL;
  g_autoptr(PiKeyringCredential) anthropic = api_key ("anthropic", "new-anthropic");

  write_text (fixture->path, two_providers);
  loaded = lookup_ok (fixture->backend, "anthropic");
  g_assert_nonnull (loaded);

  /* Another program adds google behind our back. */
  write_text (fixture->path, three_providers);

  store_ok (fixture->backend, anthropic);
  assert_file_is (fixture->path,
                  "{\n"
                  "  \"anthropic\": {\n"
                  "    \"type\": \"api_key\",\n"
                  "    \"key\": \"new-anthropic\"\n"
                  "  },\n"
                  "  \"openai\": {\n"
                  "    \"type\": \"api_key\",\n"
                  "    \"key\": \"openai-key\"\n"
                  "  },\n"
                  "  \"google\": {\n"
                  "    \"type\": \"api_key\",\n"
                  "    \"key\": \"google-key\"\n"
                  "  }\n"
                  "}");
}

static void
test_case_19_remove_merges (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) loaded = NULL;
  g_autoptr(GError) error = NULL;

  write_text (fixture->path, two_providers);
  loaded = lookup_ok (fixture->backend, "anthropic");
  g_assert_nonnull (loaded);

  write_text (fixture->path, three_providers);

  g_assert_true (pi_keyring_backend_remove_sync (fixture->backend, "anthropic", NULL, NULL, &error));
  g_assert_no_error (error);
  assert_file_is (fixture->path,
                  "{\n"
                  "  \"openai\": {\n"
                  "    \"type\": \"api_key\",\n"
                  "    \"key\": \"openai-key\"\n"
                  "  },\n"
                  "  \"google\": {\n"
                  "    \"type\": \"api_key\",\n"
                  "    \"key\": \"google-key\"\n"
                  "  }\n"
                  "}");
}

static void
test_case_20_malformed_never_written (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) loaded = NULL;
  g_autoptr(PiKeyringCredential) openai = api_key ("openai", "new-openai");
  g_autoptr(GError) error = NULL;
  g_autofree char *where = NULL;

  write_text (fixture->path, two_providers);
  loaded = lookup_ok (fixture->backend, "anthropic");
  g_assert_nonnull (loaded);

  write_text (fixture->path, "{invalid-json");
  g_assert_cmpint (g_chmod (fixture->path, 0644), ==, 0);
  g_clear_object (&loaded);
  loaded = lookup_ok (fixture->backend, "anthropic");  /* reload */

  g_assert_false (pi_keyring_backend_store_sync (fixture->backend, openai, NULL, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE);
  where = g_strdup_printf ("%s:1:2: ", fixture->path);
  g_assert_true (g_str_has_prefix (error->message, where));
  g_clear_error (&error);

  g_assert_false (pi_keyring_backend_remove_sync (fixture->backend, "anthropic", NULL, NULL, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE);
  g_assert_true (g_str_has_prefix (error->message, where));

  /* Untouched, byte for byte, mode included; the lock was released. */
  assert_file_is (fixture->path, "{invalid-json");
  g_assert_cmpuint (file_mode (fixture->path), ==, 0644);
  g_assert_false (path_exists (fixture->lock_path));
}

static void
test_case_21_reload_keeps_snapshot (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) loaded = NULL;
  g_autoptr(PiKeyringCredential) again = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(GError) error = NULL;
  GError *recorded;

  write_text (fixture->path, two_providers);
  loaded = lookup_ok (fixture->backend, "anthropic");
  g_assert_nonnull (loaded);

  write_text (fixture->path, "{invalid-json");

  /* The last good copy still answers. */
  again = lookup_ok (fixture->backend, "anthropic");
  g_assert_nonnull (again);
  g_assert_cmpstr (pi_keyring_credential_get_key (again), ==, "old-anthropic");

  list = pi_keyring_backend_list_sync (fixture->backend, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);

  /* check says the file is broken. */
  g_assert_false (pi_keyring_backend_check_sync (fixture->backend, NULL, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE);

  errors = pi_keyring_file_backend_drain_errors (PI_KEYRING_FILE_BACKEND (fixture->backend));
  g_assert_cmpuint (errors->len, >=, 1);
  recorded = g_ptr_array_index (errors, 0);
  g_assert_error (recorded, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE);
  g_assert_nonnull (strstr (recorded->message, fixture->path));

  none = pi_keyring_file_backend_drain_errors (PI_KEYRING_FILE_BACKEND (fixture->backend));
  g_assert_cmpuint (none->len, ==, 0);
}

static void
test_malformed_without_snapshot (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) found = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(GError) error = NULL;

  write_text (fixture->path, "{\"a\":1,}");

  found = pi_keyring_backend_lookup_sync (fixture->backend, "a", NULL, NULL, &error);
  g_assert_null (found);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE);
  g_clear_error (&error);

  list = pi_keyring_backend_list_sync (fixture->backend, NULL, NULL, &error);
  g_assert_null (list);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE);

  errors = pi_keyring_file_backend_drain_errors (PI_KEYRING_FILE_BACKEND (fixture->backend));
  g_assert_cmpuint (errors->len, ==, 0);
}

static void
test_case_33_creates_dir_and_file (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) found = NULL;
  g_autoptr(PiKeyringCredential) openai = api_key ("openai", "sk-openai");
  g_autofree char *pi_dir = g_path_get_dirname (fixture->dir);

  /* We create the directory and the file on the first write, not when the
   * backend is made (pi does it in its constructor). */
  g_assert_false (path_exists (pi_dir));
  found = lookup_ok (fixture->backend, "openai");
  g_assert_null (found);
  g_assert_false (path_exists (pi_dir));

  store_ok (fixture->backend, openai);
  g_assert_cmpuint (file_mode (pi_dir), ==, 0700);
  g_assert_cmpuint (file_mode (fixture->dir), ==, 0700);
  g_assert_cmpuint (file_mode (fixture->path), ==, 0600);
  assert_file_is (fixture->path,
                  "{\n  \"openai\": {\n    \"type\": \"api_key\",\n    \"key\": \"sk-openai\"\n  }\n}");

  /* Only auth.json is left in the directory: no temporary file, no lock. */
  {
    g_autoptr(GDir) dir = g_dir_open (fixture->dir, 0, NULL);

    g_assert_cmpstr (g_dir_read_name (dir), ==, "auth.json");
    g_assert_null (g_dir_read_name (dir));
  }
}

static void
test_case_34_format_and_mode (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) anthropic =
    pi_keyring_credential_new_oauth ("anthropic", NULL, "r1", "sk-ant-oat01-x", G_GINT64_CONSTANT (1773603300000));

  /* An existing directory keeps its mode. */
  g_assert_cmpint (g_mkdir_with_parents (fixture->dir, 0755), ==, 0);
  g_assert_cmpint (g_chmod (fixture->dir, 0755), ==, 0);
  write_text (fixture->path, "{\"openai\":{\"type\":\"api_key\",\"key\":\"k\"}}");
  g_assert_cmpint (g_chmod (fixture->path, 0644), ==, 0);

  store_ok (fixture->backend, anthropic);
  assert_file_is (fixture->path,
                  "{\n"
                  "  \"openai\": {\n"
                  "    \"type\": \"api_key\",\n"
                  "    \"key\": \"k\"\n"
                  "  },\n"
                  "  \"anthropic\": {\n"
                  "    \"type\": \"oauth\",\n"
                  "    \"refresh\": \"r1\",\n"
                  "    \"access\": \"sk-ant-oat01-x\",\n"
                  "    \"expires\": 1773603300000\n"
                  "  }\n"
                  "}");
  g_assert_cmpuint (file_mode (fixture->path), ==, 0600);
  g_assert_cmpuint (file_mode (fixture->dir), ==, 0755);
}

static void
test_case_35_key_order (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) a1 = api_key ("a", "1");
  g_autoptr(PiKeyringCredential) b1 = api_key ("b", "1");
  g_autoptr(PiKeyringCredential) c1 = api_key ("c", "1");
  g_autoptr(PiKeyringCredential) a2 = api_key ("a", "2");
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;

  store_ok (fixture->backend, b1);
  store_ok (fixture->backend, a1);
  store_ok (fixture->backend, c1);
  store_ok (fixture->backend, a2);

  assert_file_is (fixture->path,
                  "{\n"
                  "  \"b\": {\n    \"type\": \"api_key\",\n    \"key\": \"1\"\n  },\n"
                  "  \"a\": {\n    \"type\": \"api_key\",\n    \"key\": \"2\"\n  },\n"
                  "  \"c\": {\n    \"type\": \"api_key\",\n    \"key\": \"1\"\n  }\n"
                  "}");

  list = pi_keyring_backend_list_sync (fixture->backend, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpstr (pi_keyring_credential_get_provider (g_ptr_array_index (list, 0)), ==, "b");
  g_assert_cmpstr (pi_keyring_credential_get_provider (g_ptr_array_index (list, 1)), ==, "a");
  g_assert_cmpstr (pi_keyring_credential_get_provider (g_ptr_array_index (list, 2)), ==, "c");
}

static void
test_case_69_default_path (void)
{
  const char *home = g_get_home_dir ();
  g_autofree char *cwd = g_get_current_dir ();
  static const struct
  {
    const char *value;   /* NULL: unset */
    const char *relative_to_home;
    const char *literal;
  } cases[] = {
    { NULL, ".pi/agent/auth.json", NULL },
    { "", ".pi/agent/auth.json", NULL },
    { "~", "auth.json", NULL },
    { "~/x", "x/auth.json", NULL },
    { "~/a/b/", "a/b/auth.json", NULL },
    { "rel", NULL, "rel/auth.json" },
    { "./rel/dir", NULL, "./rel/dir/auth.json" },
    { "/srv/pi", NULL, "/srv/pi/auth.json" },
    { "~x", NULL, "~x/auth.json" },
    { "x/~", NULL, "x/~/auth.json" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *expected = NULL;
      g_autofree char *path = NULL;
      g_autoptr(PiKeyringBackend) backend = NULL;

      if (cases[i].value == NULL)
        g_unsetenv ("PI_CODING_AGENT_DIR");
      else
        g_setenv ("PI_CODING_AGENT_DIR", cases[i].value, TRUE);

      expected = cases[i].literal != NULL ? g_strdup (cases[i].literal)
                                          : g_build_filename (home, cases[i].relative_to_home, NULL);
      path = pi_keyring_get_default_auth_file_path ();
      g_assert_cmpstr (path, ==, expected);

      backend = pi_keyring_file_backend_new (NULL);
      g_assert_cmpstr (pi_keyring_file_backend_get_path (PI_KEYRING_FILE_BACKEND (backend)), ==, expected);
    }

  /* A relative path is used relative to the working directory. */
  {
    g_autoptr(PiKeyringBackend) backend = NULL;
    g_autoptr(PiKeyringCredential) key = api_key ("openai", "k");
    g_autofree char *absolute = g_build_filename (home, "rel", "auth.json", NULL);

    g_assert_cmpint (g_mkdir_with_parents (home, 0700), ==, 0);
    g_assert_cmpint (g_chdir (home), ==, 0);
    g_setenv ("PI_CODING_AGENT_DIR", "rel", TRUE);
    backend = pi_keyring_file_backend_new (NULL);
    store_ok (backend, key);
    g_assert_true (path_exists (absolute));
    g_assert_cmpint (g_chdir (cwd), ==, 0);
  }

  g_unsetenv ("PI_CODING_AGENT_DIR");
}

/* --- pi's lock --- */

static void
make_lock (const char *lock_path,
           gint64      age_seconds)
{
  struct timespec times[2];

  g_assert_cmpint (g_mkdir_with_parents (lock_path, 0700), ==, 0);
  if (age_seconds > 0)
    {
      times[0].tv_sec = times[1].tv_sec = time (NULL) - age_seconds;
      times[0].tv_nsec = times[1].tv_nsec = 0;
      g_assert_cmpint (utimensat (AT_FDCWD, lock_path, times, 0), ==, 0);
    }
}

typedef struct
{
  const char *lock_path;
  guint       ticks;
  gboolean    released;
} Holder;

static gboolean
release_lock_cb (gpointer user_data)
{
  Holder *holder = user_data;

  g_assert_cmpint (g_rmdir (holder->lock_path), ==, 0);
  holder->released = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
tick_cb (gpointer user_data)
{
  Holder *holder = user_data;

  holder->ticks++;
  return G_SOURCE_CONTINUE;
}

static void
test_lock_live_holder_waits (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) openai = api_key ("openai", "sk-openai");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Holder holder = { fixture->lock_path, 0, FALSE };
  gint64 start;
  guint tick_id;

  write_text (fixture->path, "{}");
  make_lock (fixture->lock_path, 0);

  start = g_get_monotonic_time ();
  pi_keyring_backend_store_async (fixture->backend, openai, NULL, test_on_result, &result);
  g_timeout_add (400, release_lock_cb, &holder);
  /* The main loop keeps running while the store waits. */
  tick_id = g_timeout_add (10, tick_cb, &holder);

  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick_id);

  g_assert_true (pi_keyring_backend_store_finish (fixture->backend, result, &error));
  g_assert_no_error (error);
  g_assert_true (holder.released);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 400 * 1000);
  g_assert_cmpuint (holder.ticks, >=, 10);
  g_assert_false (path_exists (fixture->lock_path));
  assert_file_is (fixture->path,
                  "{\n  \"openai\": {\n    \"type\": \"api_key\",\n    \"key\": \"sk-openai\"\n  }\n}");
}

static void
test_lock_stale_taken_over (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) openai = api_key ("openai", "sk-openai");
  gint64 start;

  write_text (fixture->path, "{}");
  make_lock (fixture->lock_path, 11);

  start = g_get_monotonic_time ();
  store_ok (fixture->backend, openai);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  g_assert_false (path_exists (fixture->lock_path));
  assert_file_is (fixture->path,
                  "{\n  \"openai\": {\n    \"type\": \"api_key\",\n    \"key\": \"sk-openai\"\n  }\n}");
}

static gboolean
refresh_lock_cb (gpointer user_data)
{
  Holder *holder = user_data;

  g_assert_cmpint (utimensat (AT_FDCWD, holder->lock_path, NULL, 0), ==, 0);
  holder->ticks++;
  return G_SOURCE_CONTINUE;
}

static void
test_lock_held_gives_up (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) openai = api_key ("openai", "sk-openai");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Holder holder = { fixture->lock_path, 0, FALSE };
  gint64 start, elapsed;
  guint refresh_id;

  g_test_message ("waits about 10 s for a lock that stays held");

  write_text (fixture->path, "{}");
  make_lock (fixture->lock_path, 0);
  /* A live holder refreshes the lock's mtime, as proper-lockfile does. */
  refresh_id = g_timeout_add (1000, refresh_lock_cb, &holder);

  start = g_get_monotonic_time ();
  pi_keyring_backend_store_async (fixture->backend, openai, NULL, test_on_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  elapsed = g_get_monotonic_time () - start;
  g_source_remove (refresh_id);

  g_assert_false (pi_keyring_backend_store_finish (fixture->backend, result, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY);
  g_assert_cmpint (elapsed, >=, 10 * G_USEC_PER_SEC);
  g_assert_cmpint (elapsed, <, 15 * G_USEC_PER_SEC);
  /* Not ours: neither removed nor written through. */
  g_assert_true (path_exists (fixture->lock_path));
  assert_file_is (fixture->path, "{}");
}

static void
test_lock_cancelled (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) openai = api_key ("openai", "sk-openai");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  write_text (fixture->path, "{}");
  make_lock (fixture->lock_path, 0);

  pi_keyring_backend_store_async (fixture->backend, openai, cancellable, test_on_result, &result);
  g_timeout_add_once (100, (GSourceOnceFunc) g_cancellable_cancel, cancellable);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_assert_false (pi_keyring_backend_store_finish (fixture->backend, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (path_exists (fixture->lock_path));
  assert_file_is (fixture->path, "{}");
}

static void
test_lock_protocol (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  PiKeyringPiLock *lock;
  PiKeyringPiLock *other;
  gint64 start;

  g_assert_cmpint (g_mkdir_with_parents (fixture->dir, 0700), ==, 0);

  /* mkdir of <path>.lock; a second attempt finds it held. */
  lock = _pi_keyring_pi_lock_try (fixture->path, 10000, &error);
  g_assert_no_error (error);
  g_assert_nonnull (lock);
  g_assert_true (g_file_test (fixture->lock_path, G_FILE_TEST_IS_DIR));

  other = _pi_keyring_pi_lock_try (fixture->path, 10000, &error);
  g_assert_null (other);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_clear_error (&error);

  start = g_get_monotonic_time ();
  other = _pi_keyring_pi_lock_acquire (fixture->path, 150, &error);
  g_assert_null (other);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 150 * 1000);
  g_clear_error (&error);

  _pi_keyring_pi_lock_release (lock);
  g_assert_false (path_exists (fixture->lock_path));

  /* Stale after 10 s of no refresh: taken over. */
  make_lock (fixture->lock_path, 11);
  lock = _pi_keyring_pi_lock_try (fixture->path, 10000, &error);
  g_assert_no_error (error);
  g_assert_nonnull (lock);
  _pi_keyring_pi_lock_release (lock);

  /* 9 s old is not stale yet; stale time 0 never takes a lock over. */
  make_lock (fixture->lock_path, 9);
  lock = _pi_keyring_pi_lock_try (fixture->path, 10000, &error);
  g_assert_null (lock);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_clear_error (&error);
  make_lock (fixture->lock_path, 100);
  lock = _pi_keyring_pi_lock_try (fixture->path, 0, &error);
  g_assert_null (lock);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_clear_error (&error);
  lock = _pi_keyring_pi_lock_acquire (fixture->path, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (lock);
  _pi_keyring_pi_lock_release (lock);

  /* A missing directory is an error, not "busy". */
  {
    g_autofree char *nowhere = g_build_filename (fixture->dir, "no", "such", "auth.json", NULL);

    lock = _pi_keyring_pi_lock_try (nowhere, 10000, &error);
    g_assert_null (lock);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  }
}

static gpointer
release_later_thread (gpointer data)
{
  g_usleep (200 * 1000);
  g_assert_cmpint (g_rmdir (data), ==, 0);
  return NULL;
}

static void
test_lock_acquire_waits (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  PiKeyringPiLock *lock;
  GThread *thread;
  gint64 start;

  make_lock (fixture->lock_path, 0);
  thread = g_thread_new ("holder", release_later_thread, fixture->lock_path);

  start = g_get_monotonic_time ();
  lock = _pi_keyring_pi_lock_acquire (fixture->path, 5000, &error);
  g_assert_no_error (error);
  g_assert_nonnull (lock);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 150 * 1000);
  g_thread_join (thread);
  _pi_keyring_pi_lock_release (lock);
  g_assert_false (path_exists (fixture->lock_path));
}

/* --- writing --- */

static void
test_symlink_kept (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) openai = api_key ("openai", "sk-openai");
  g_autoptr(PiKeyringCredential) found = NULL;
  g_autofree char *real_dir = g_build_filename (g_get_home_dir (), "dotfiles", NULL);
  g_autofree char *real = g_build_filename (real_dir, "auth.json", NULL);
  g_autofree char *link_target = NULL;
  g_autofree char *orphan = NULL;
  g_autoptr(GDir) dir = NULL;
  struct stat st;

  write_text (real, "{\"groq\":{\"type\":\"api_key\",\"key\":\"g\"}}");
  g_assert_cmpint (g_chmod (real, 0644), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (fixture->dir, 0700), ==, 0);
  g_assert_cmpint (symlink ("../../dotfiles/auth.json", fixture->path), ==, 0);

  found = lookup_ok (fixture->backend, "groq");
  g_assert_nonnull (found);

  store_ok (fixture->backend, openai);

  g_assert_cmpint (g_lstat (fixture->path, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));
  link_target = g_file_read_link (fixture->path, NULL);
  g_assert_cmpstr (link_target, ==, "../../dotfiles/auth.json");
  assert_file_is (real,
                  "{\n"
                  "  \"groq\": {\n    \"type\": \"api_key\",\n    \"key\": \"g\"\n  },\n"
                  "  \"openai\": {\n    \"type\": \"api_key\",\n    \"key\": \"sk-openai\"\n  }\n"
                  "}");
  g_assert_cmpuint (file_mode (real), ==, 0600);

  /* The temporary file went to the target's directory, and is gone. */
  dir = g_dir_open (real_dir, 0, NULL);
  g_assert_cmpstr (g_dir_read_name (dir), ==, "auth.json");
  g_assert_null (g_dir_read_name (dir));
}

/* Nothing is written that would read back otherwise: a value that is not
 * UTF-8 is refused, and the file stays as it was. */
static void
test_invalid_utf8_not_written (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(PiKeyringBackend) backend = pi_keyring_file_backend_new (fixture->path);
  g_autoptr(PiKeyringCredential) bad = pi_keyring_credential_new_api_key ("openai", NULL,
                                                                          "sk-\xff");
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;

  write_text (fixture->path, "{}");
  g_assert_false (pi_keyring_backend_store_sync (backend, bad, NULL, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT);
  g_assert_true (g_file_get_contents (fixture->path, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, "{}");
}

/* pi 1.6.0 reads a file that starts with a UTF-8 byte order mark (its
 * stripBom) and writes it back without one. */
static void
test_byte_order_mark (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) anthropic = NULL;
  g_autoptr(PiKeyringCredential) openai = api_key ("openai", "sk-openai");

  write_text (fixture->path, "\xef\xbb\xbf{\n  \"anthropic\": {\n    \"type\": \"api_key\",\n"
                             "    \"key\": \"sk-ant\"\n  }\n}");
  anthropic = lookup_ok (fixture->backend, "anthropic");
  g_assert_nonnull (anthropic);
  g_assert_cmpstr (pi_keyring_credential_get_key (anthropic), ==, "sk-ant");

  store_ok (fixture->backend, openai);
  assert_file_is (fixture->path,
                  "{\n  \"anthropic\": {\n    \"type\": \"api_key\",\n    \"key\": \"sk-ant\"\n  },\n"
                  "  \"openai\": {\n    \"type\": \"api_key\",\n    \"key\": \"sk-openai\"\n  }\n}");
}

/* A symbolic link to auth.json: pi 1.6.0 locks the file it leads to, pi
 * 0.73.1 the link; a write waits for either lock, takes both, and leaves
 * neither behind (tests/test-symlink-lock.py races the real pis). */
static void
test_symlink_takes_both_locks (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autofree char *real_dir = g_build_filename (fixture->dir, "real", NULL);
  g_autofree char *real_path = g_build_filename (real_dir, "auth.json", NULL);
  g_autofree char *real_lock = g_strconcat (real_path, ".lock", NULL);
  const char *held[] = { NULL, NULL };

  held[0] = real_lock;
  held[1] = fixture->lock_path;
  write_text (real_path, "{}");
  g_assert_cmpint (g_mkdir_with_parents (fixture->dir, 0700), ==, 0);
  g_assert_cmpint (symlink ("real/auth.json", fixture->path), ==, 0);

  for (gsize i = 0; i < G_N_ELEMENTS (held); i++)
    {
      g_autoptr(GError) error = NULL;
      PiKeyringPiLock *lock;

      /* Held by a pi (fresh): busy; the other one is let go again. */
      g_assert_cmpint (g_mkdir (held[i], 0700), ==, 0);
      lock = _pi_keyring_pi_lock_try (fixture->path, 10000, &error);
      g_assert_null (lock);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
      g_assert_true (path_exists (held[i]));
      g_assert_false (path_exists (held[1 - i]));
      g_assert_cmpint (g_rmdir (held[i]), ==, 0);
    }

  {
    g_autoptr(GError) error = NULL;
    PiKeyringPiLock *lock = _pi_keyring_pi_lock_try (fixture->path, 10000, &error);

    g_assert_no_error (error);
    g_assert_true (path_exists (real_lock));
    g_assert_true (path_exists (fixture->lock_path));
    _pi_keyring_pi_lock_release (lock);
    g_assert_false (path_exists (real_lock));
    g_assert_false (path_exists (fixture->lock_path));
  }

  {
    g_autoptr(PiKeyringCredential) openai = api_key ("openai", "sk-openai");
    struct stat st;

    store_ok (fixture->backend, openai);
    g_assert_cmpint (g_lstat (fixture->path, &st), ==, 0);
    g_assert_true (S_ISLNK (st.st_mode));
    assert_file_is (real_path, "{\n  \"openai\": {\n    \"type\": \"api_key\",\n"
                               "    \"key\": \"sk-openai\"\n  }\n}");
    g_assert_false (path_exists (real_lock));
    g_assert_false (path_exists (fixture->lock_path));
  }
}

static void
test_malformed_untouched (Fixture       *fixture,
                          gconstpointer  data)
{
  static const char *malformed[] = {
    "{\"anthropic\":{\"type\":\"api_key\",\"key\":\"k\"},}",
    "{\"a\":1}\n// comment\n",
    "\xef\xbb\xbf\xef\xbb\xbf{}",  /* pi 1.6.0 strips one mark */
    "[]",
    "   ",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      g_autoptr(PiKeyringBackend) backend = pi_keyring_file_backend_new (fixture->path);
      g_autoptr(PiKeyringCredential) openai = api_key ("openai", "sk-openai");
      g_autoptr(GError) error = NULL;
      g_autofree char *after = NULL;
      gsize length;

      write_text (fixture->path, malformed[i]);

      g_assert_false (pi_keyring_backend_store_sync (backend, openai, NULL, &error));
      g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE);
      g_assert_true (g_str_has_prefix (error->message, fixture->path));
      g_clear_error (&error);

      g_assert_false (pi_keyring_backend_remove_sync (backend, "anthropic", NULL, NULL, &error));
      g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE);
      g_clear_error (&error);

      g_assert_true (g_file_get_contents (fixture->path, &after, &length, NULL));
      g_assert_cmpmem (after, length, malformed[i], strlen (malformed[i]));
      g_assert_false (path_exists (fixture->lock_path));
    }
}

static void
test_format_credentials (void)
{
  g_autoptr(GPtrArray) credentials = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *text = NULL;
  g_autofree char *empty = NULL;
  g_autoptr(GError) error = NULL;

  empty = pi_keyring_file_backend_format_credentials (credentials);
  g_assert_cmpstr (empty, ==, "{}");

  g_ptr_array_add (credentials, api_key ("b", "1"));
  g_ptr_array_add (credentials,
                   pi_keyring_credential_new_from_json ("codex", "work",
                                                        "{\"type\":\"oauth\",\"access\":\"a\",\"refresh\":\"r\","
                                                        "\"expires\":1,\"accountId\":\"x\"}",
                                                        -1, &error));
  g_assert_no_error (error);
  g_ptr_array_add (credentials, api_key ("b", "2"));

  text = pi_keyring_file_backend_format_credentials (credentials);
  g_assert_cmpstr (text, ==,
                   "{\n"
                   "  \"b\": {\n    \"type\": \"api_key\",\n    \"key\": \"2\"\n  },\n"
                   "  \"codex\": {\n    \"type\": \"oauth\",\n    \"access\": \"a\",\n    \"refresh\": \"r\",\n"
                   "    \"expires\": 1,\n    \"accountId\": \"x\"\n  }\n"
                   "}");
}

static void
test_check (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  write_text (fixture->path, "{\"a\":{}}");
  g_assert_true (pi_keyring_backend_check_sync (fixture->backend, NULL, &error));
  g_assert_no_error (error);

  write_text (fixture->path, "{\"a\":{}");
  g_assert_false (pi_keyring_backend_check_sync (fixture->backend, NULL, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/file-backend/basics", test_basics);
  ADD ("/file-backend/missing-file", test_missing_file);
  ADD ("/file-backend/empty-file", test_empty_file);
  ADD ("/file-backend/pi-written-fixture", test_pi_written_fixture);
  ADD ("/file-backend/non-object-entries", test_non_object_entries);
  ADD ("/file-backend/lookup-is-a-copy", test_lookup_is_a_copy);
  ADD ("/file-backend/other-profiles", test_other_profiles);
  ADD ("/file-backend/remove-absent", test_remove_absent);
  ADD ("/file-backend/conformance/case-18-set-merges-external-changes", test_case_18_set_merges);
  ADD ("/file-backend/conformance/case-19-remove-merges-external-changes", test_case_19_remove_merges);
  ADD ("/file-backend/conformance/case-20-malformed-file-never-written", test_case_20_malformed_never_written);
  ADD ("/file-backend/conformance/case-21-reload-keeps-last-good-copy", test_case_21_reload_keeps_snapshot);
  ADD ("/file-backend/malformed-without-snapshot", test_malformed_without_snapshot);
  ADD ("/file-backend/conformance/case-33-creates-dir-0700-and-file-0600", test_case_33_creates_dir_and_file);
  ADD ("/file-backend/conformance/case-34-format-and-mode-0600", test_case_34_format_and_mode);
  ADD ("/file-backend/conformance/case-35-key-order", test_case_35_key_order);
  g_test_add_func ("/file-backend/conformance/case-69-auth-file-path", test_case_69_default_path);
  ADD ("/file-backend/lock/live-holder-waits", test_lock_live_holder_waits);
  ADD ("/file-backend/lock/stale-taken-over", test_lock_stale_taken_over);
  ADD ("/file-backend/lock/held-gives-up", test_lock_held_gives_up);
  ADD ("/file-backend/lock/cancelled", test_lock_cancelled);
  ADD ("/file-backend/lock/protocol", test_lock_protocol);
  ADD ("/file-backend/lock/acquire-waits", test_lock_acquire_waits);
  ADD ("/file-backend/symlink-kept", test_symlink_kept);
  ADD ("/file-backend/malformed-untouched", test_malformed_untouched);
  ADD ("/file-backend/byte-order-mark", test_byte_order_mark);
  ADD ("/file-backend/symlink-takes-both-locks", test_symlink_takes_both_locks);
  ADD ("/file-backend/invalid-utf8-not-written", test_invalid_utf8_not_written);
  g_test_add_func ("/file-backend/format-credentials", test_format_credentials);
  ADD ("/file-backend/check", test_check);

#undef ADD

  return g_test_run ();
}
