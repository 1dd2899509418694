/* test-encrypted-file.c: the `encrypted-file` backend and its vault
 *
 * Most tests write vaults with 1000 PBKDF2 iterations (through the private
 * _pi_keyring_encrypted_file_backend_set_iterations ()) to stay fast;
 * /encrypted-file/real-iterations and the child processes of
 * /encrypted-file/concurrent/processes use the real 600000.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "store/pi-keyring-store-private.h"

#include "test-util.h"

#define PASSPHRASE      "correct horse battery staple"
#define TEST_ITERATIONS 1000

typedef struct
{
  char             *dir;
  char             *path;
  PiKeyringBackend *backend;
} Fixture;

static PiKeyringBackend *
new_backend (const char *path,
             const char *passphrase)
{
  PiKeyringBackend *backend = pi_keyring_encrypted_file_backend_new (path, passphrase);

  _pi_keyring_encrypted_file_backend_set_iterations (PI_KEYRING_ENCRYPTED_FILE_BACKEND (backend),
                                                     TEST_ITERATIONS);
  return backend;
}

/* Each test has its own HOME and XDG directories (G_TEST_OPTION_ISOLATE_DIRS). */
static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_unsetenv ("PI_KEYRING_PASSPHRASE");
  g_unsetenv ("PI_KEYRING_PASSPHRASE_FILE");
  fixture->dir = g_build_filename (g_get_user_data_dir (), "pi-keyring", NULL);
  fixture->path = g_build_filename (fixture->dir, "credentials.vault", NULL);
  fixture->backend = new_backend (fixture->path, PASSPHRASE);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->backend);
  g_free (fixture->path);
  g_free (fixture->dir);
  g_unsetenv ("PI_KEYRING_PASSPHRASE");
  g_unsetenv ("PI_KEYRING_PASSPHRASE_FILE");
}

/* --- helpers --- */

static GBytes *
read_bytes (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

static void
write_bytes (const char *path,
             const char *data,
             gssize      length)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents_full (path, data, length, G_FILE_SET_CONTENTS_CONSISTENT,
                                           0600, &error));
  g_assert_no_error (error);
}

static void
assert_bytes_equal (GBytes *a,
                    GBytes *b)
{
  g_assert_cmpmem (g_bytes_get_data (a, NULL), g_bytes_get_size (a),
                   g_bytes_get_data (b, NULL), g_bytes_get_size (b));
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

static PiKeyringCredential *
api_key (const char *provider,
         const char *profile,
         const char *key)
{
  return pi_keyring_credential_new_api_key (provider, profile, key);
}

static void
store_ok (PiKeyringBackend    *backend,
          PiKeyringCredential *credential)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pi_keyring_backend_store_sync (backend, credential, NULL, &error));
  g_assert_no_error (error);
}

static void
store_key_ok (PiKeyringBackend *backend,
              const char       *provider,
              const char       *profile,
              const char       *key)
{
  g_autoptr(PiKeyringCredential) credential = api_key (provider, profile, key);

  store_ok (backend, credential);
}

static PiKeyringCredential *
lookup_ok (PiKeyringBackend *backend,
           const char       *provider,
           const char       *profile)
{
  g_autoptr(GError) error = NULL;
  PiKeyringCredential *credential;

  credential = pi_keyring_backend_lookup_sync (backend, provider, profile, NULL, &error);
  g_assert_no_error (error);
  return credential;
}

static void
assert_key (PiKeyringBackend *backend,
            const char       *provider,
            const char       *profile,
            const char       *expected)
{
  g_autoptr(PiKeyringCredential) credential = lookup_ok (backend, provider, profile);

  if (expected == NULL)
    {
      g_assert_null (credential);
      return;
    }
  g_assert_nonnull (credential);
  g_assert_cmpstr (pi_keyring_credential_get_provider (credential), ==, provider);
  g_assert_cmpstr (pi_keyring_credential_get_profile (credential), ==,
                   profile ? profile : "default");
  g_assert_cmpstr (pi_keyring_credential_get_key (credential), ==, expected);
}

static GPtrArray *
list_ok (PiKeyringBackend *backend,
         const char       *profile)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *list;

  list = pi_keyring_backend_list_sync (backend, profile, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (list);
  return list;
}

/* "provider/profile" of each, in order, joined by spaces. */
static char *
list_names (GPtrArray *list)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < list->len; i++)
    {
      PiKeyringCredential *credential = g_ptr_array_index (list, i);

      g_string_append_printf (s, "%s%s/%s", i ? " " : "",
                              pi_keyring_credential_get_provider (credential),
                              pi_keyring_credential_get_profile (credential));
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static JsonObject *
parse_envelope_json (GBytes *bytes)
{
  g_autoptr(GError) error = NULL;
  JsonObject *object;

  object = _pi_keyring_auth_json_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                        "vault", &error);
  g_assert_no_error (error);
  g_assert_nonnull (object);
  return object;
}

static guint8 *
b64 (JsonObject *object,
     const char *name,
     gsize      *length)
{
  return g_base64_decode (json_object_get_string_member (object, name), length);
}

/* Every operation fails with @domain/@code and the file stays as it was. */
static void
assert_all_fail (PiKeyringBackend *backend,
                 const char       *path,
                 GQuark            domain,
                 gint              code)
{
  g_autoptr(GBytes) before = read_bytes (path);
  g_autoptr(GBytes) after = NULL;
  g_autoptr(PiKeyringCredential) credential = api_key ("openai", NULL, "sk-new");
  g_autoptr(GError) error = NULL;
  PiKeyringCredential *found;
  GPtrArray *list;

  found = pi_keyring_backend_lookup_sync (backend, "openai", NULL, NULL, &error);
  g_assert_null (found);
  g_assert_error (error, domain, code);
  g_test_message ("lookup: %s", error->message);
  g_clear_error (&error);

  list = pi_keyring_backend_list_sync (backend, NULL, NULL, &error);
  g_assert_null (list);
  g_assert_error (error, domain, code);
  g_clear_error (&error);

  g_assert_false (pi_keyring_backend_check_sync (backend, NULL, &error));
  g_assert_error (error, domain, code);
  g_clear_error (&error);

  g_assert_false (pi_keyring_backend_store_sync (backend, credential, NULL, &error));
  g_assert_error (error, domain, code);
  g_clear_error (&error);

  g_assert_false (pi_keyring_backend_remove_sync (backend, "openai", NULL, NULL, &error));
  g_assert_error (error, domain, code);
  g_clear_error (&error);

  after = read_bytes (path);
  assert_bytes_equal (before, after);
}

/* --- basics --- */

static void
test_basics (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *location = pi_keyring_backend_get_location (fixture->backend);
  g_autofree char *prop = NULL;
  g_autofree char *default_path = pi_keyring_get_default_vault_path ();
  g_autoptr(PiKeyringBackend) named = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (PI_KEYRING_IS_ENCRYPTED_FILE_BACKEND (fixture->backend));
  g_assert_cmpstr (pi_keyring_backend_get_name (fixture->backend), ==, "encrypted-file");
  g_assert_false (pi_keyring_backend_is_plaintext (fixture->backend));
  g_assert_cmpstr (location, ==, fixture->path);
  g_object_get (fixture->backend, "path", &prop, NULL);
  g_assert_cmpstr (prop, ==, fixture->path);

  /* $XDG_DATA_HOME/pi-keyring/credentials.vault */
  g_assert_cmpstr (default_path, ==, fixture->path);

  named = pi_keyring_backend_new_for_name ("encrypted-file", &error);
  g_assert_no_error (error);
  g_assert_true (PI_KEYRING_IS_ENCRYPTED_FILE_BACKEND (named));
  g_assert_cmpstr (pi_keyring_encrypted_file_backend_get_path (PI_KEYRING_ENCRYPTED_FILE_BACKEND (named)),
                   ==, default_path);

  g_setenv ("PI_KEYRING_BACKEND", "encrypted-file", TRUE);
  g_clear_object (&named);
  named = pi_keyring_backend_new_for_name (NULL, &error);
  g_unsetenv ("PI_KEYRING_BACKEND");
  g_assert_no_error (error);
  g_assert_true (PI_KEYRING_IS_ENCRYPTED_FILE_BACKEND (named));
}

static void
test_missing_vault (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;

  assert_key (fixture->backend, "openai", NULL, NULL);
  list = list_ok (fixture->backend, NULL);
  g_assert_cmpuint (list->len, ==, 0);
  g_assert_true (pi_keyring_backend_check_sync (fixture->backend, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (pi_keyring_backend_remove_sync (fixture->backend, "openai", NULL, NULL, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND);

  /* Reading creates nothing; the first store creates the directory 0700
   * and the vault 0600. */
  g_assert_false (path_exists (fixture->dir));
  store_key_ok (fixture->backend, "openai", NULL, "sk-openai");
  g_assert_cmpuint (file_mode (fixture->dir), ==, 0700);
  g_assert_cmpuint (file_mode (fixture->path), ==, 0600);
  assert_key (fixture->backend, "openai", NULL, "sk-openai");
}

static void
test_round_trip (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(PiKeyringBackend) other = new_backend (fixture->path, PASSPHRASE);
  g_autoptr(PiKeyringCredential) oauth = NULL;
  g_autoptr(PiKeyringCredential) found = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *names = NULL;

  store_key_ok (fixture->backend, "openai", NULL, "sk-openai-1");
  store_key_ok (fixture->backend, "anthropic", "work", "sk-ant-work");
  oauth = pi_keyring_credential_new_oauth ("github-copilot", NULL, "ghr-refresh", "tid-access",
                                           G_GINT64_CONSTANT (1773606900000));
  store_ok (fixture->backend, oauth);
  store_key_ok (fixture->backend, "anthropic", NULL, "sk-ant-default");
  store_key_ok (fixture->backend, "openai", "work", "sk-openai-work");

  /* Another backend object (no shared state) sees the same. */
  assert_key (other, "openai", NULL, "sk-openai-1");
  assert_key (other, "anthropic", "work", "sk-ant-work");
  assert_key (other, "anthropic", NULL, "sk-ant-default");
  assert_key (other, "openai", "work", "sk-openai-work");
  assert_key (other, "openai", "home", NULL);
  assert_key (other, "groq", NULL, NULL);
  found = lookup_ok (other, "github-copilot", NULL);
  g_assert_true (pi_keyring_credential_equal (found, oauth));
  g_assert_cmpint (pi_keyring_credential_get_expires (found), ==, G_GINT64_CONSTANT (1773606900000));

  /* Replacing keeps the position of first storing. */
  store_key_ok (other, "openai", NULL, "sk-openai-2");
  assert_key (fixture->backend, "openai", NULL, "sk-openai-2");

  list = list_ok (fixture->backend, NULL);
  names = list_names (list);
  g_assert_cmpstr (names, ==, "openai/default anthropic/work github-copilot/default "
                              "anthropic/default openai/work");
  g_clear_pointer (&list, g_ptr_array_unref);
  g_clear_pointer (&names, g_free);

  list = list_ok (fixture->backend, "work");
  names = list_names (list);
  g_assert_cmpstr (names, ==, "anthropic/work openai/work");
  g_clear_pointer (&list, g_ptr_array_unref);
  g_clear_pointer (&names, g_free);

  list = list_ok (fixture->backend, "default");
  names = list_names (list);
  g_assert_cmpstr (names, ==, "openai/default github-copilot/default anthropic/default");
  g_clear_pointer (&list, g_ptr_array_unref);
  g_clear_pointer (&names, g_free);

  /* Remove one profile's credential: the other profile's stays. */
  g_assert_true (pi_keyring_backend_remove_sync (other, "anthropic", "work", NULL, &error));
  g_assert_no_error (error);
  assert_key (fixture->backend, "anthropic", "work", NULL);
  assert_key (fixture->backend, "anthropic", NULL, "sk-ant-default");
  g_assert_false (pi_keyring_backend_remove_sync (other, "anthropic", "work", NULL, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Stored again, it goes to the end. */
  store_key_ok (fixture->backend, "anthropic", "work", "sk-ant-work-2");
  list = list_ok (other, NULL);
  names = list_names (list);
  g_assert_cmpstr (names, ==, "openai/default github-copilot/default anthropic/default "
                              "openai/work anthropic/work");
  g_assert_cmpuint (file_mode (fixture->path), ==, 0600);
}

/* The async calls answer in the caller's context, and do not block it. */
static void
test_async (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) credential = api_key ("openai", NULL, "sk-async");
  g_autoptr(GAsyncResult) stored = NULL;
  g_autoptr(GAsyncResult) looked_up = NULL;
  g_autoptr(PiKeyringCredential) found = NULL;
  g_autoptr(GError) error = NULL;

  pi_keyring_backend_store_async (fixture->backend, credential, NULL, test_on_result, &stored);
  while (stored == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (pi_keyring_backend_store_finish (fixture->backend, stored, &error));
  g_assert_no_error (error);

  pi_keyring_backend_lookup_async (fixture->backend, "openai", NULL, NULL, test_on_result, &looked_up);
  while (looked_up == NULL)
    g_main_context_iteration (NULL, TRUE);
  found = pi_keyring_backend_lookup_finish (fixture->backend, looked_up, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pi_keyring_credential_get_key (found), ==, "sk-async");
}

/* --- the file --- */

static void
test_envelope_only (Fixture       *fixture,
                    gconstpointer  data)
{
  static const char * const secrets[] = {
    "openai", "anthropic", "sk-visible-key", "sk-ant-key", "work", "api_key", "default",
    "credentials", NULL
  };
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonObject) envelope = NULL;
  g_autofree guint8 *salt = NULL;
  g_autofree guint8 *nonce = NULL;
  g_autofree guint8 *ciphertext = NULL;
  JsonObject *kdf;
  const char *text;
  gsize salt_length, nonce_length, ciphertext_length;
  g_autofree char *content = NULL;

  store_key_ok (fixture->backend, "openai", NULL, "sk-visible-key");
  store_key_ok (fixture->backend, "anthropic", "work", "sk-ant-key");

  bytes = read_bytes (fixture->path);
  content = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  for (guint i = 0; secrets[i] != NULL; i++)
    g_assert_null (strstr (content, secrets[i]));

  /* One line, then a newline. */
  g_assert_true (g_str_has_suffix (content, "}\n"));
  g_assert_true (strchr (content, '\n') == content + strlen (content) - 1);

  envelope = parse_envelope_json (bytes);
  g_assert_cmpuint (json_object_get_size (envelope), ==, 6);
  g_assert_cmpstr (json_object_get_string_member (envelope, "format"), ==, "pi-keyring-vault");
  g_assert_cmpint (json_object_get_int_member (envelope, "version"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (envelope, "cipher"), ==, "aes-256-gcm");
  kdf = json_object_get_object_member (envelope, "kdf");
  g_assert_nonnull (kdf);
  g_assert_cmpuint (json_object_get_size (kdf), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (kdf, "name"), ==, "pbkdf2-sha256");
  g_assert_cmpint (json_object_get_int_member (kdf, "iterations"), ==, TEST_ITERATIONS);
  salt = b64 (kdf, "salt", &salt_length);
  g_assert_cmpuint (salt_length, ==, 16);
  nonce = b64 (envelope, "nonce", &nonce_length);
  g_assert_cmpuint (nonce_length, ==, 12);
  ciphertext = b64 (envelope, "ciphertext", &ciphertext_length);
  /* The plaintext is padded to 256-byte blocks, then the 16-byte tag. */
  g_assert_cmpuint (ciphertext_length % 256, ==, 16);

  /* The member order of DESIGN §4.1. */
  text = content;
  g_assert_true (g_str_has_prefix (text, "{\"format\":\"pi-keyring-vault\",\"version\":1,"
                                         "\"kdf\":{\"name\":\"pbkdf2-sha256\",\"iterations\":1000,"
                                         "\"salt\":\""));
  g_assert_nonnull (strstr (text, "\"},\"cipher\":\"aes-256-gcm\",\"nonce\":\""));
}

static void
get_salt_and_nonce (const char  *path,
                    char       **out_salt,
                    char       **out_nonce)
{
  g_autoptr(GBytes) bytes = read_bytes (path);
  g_autoptr(JsonObject) envelope = parse_envelope_json (bytes);

  *out_salt = g_strdup (json_object_get_string_member (json_object_get_object_member (envelope, "kdf"),
                                                       "salt"));
  *out_nonce = g_strdup (json_object_get_string_member (envelope, "nonce"));
}

static void
test_fresh_salt_and_nonce (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GHashTable) salts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) nonces = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 6; i++)
    {
      char *salt, *nonce;

      /* The same credential every time: only salt, nonce and ciphertext change. */
      store_key_ok (fixture->backend, "openai", NULL, "sk-same");
      get_salt_and_nonce (fixture->path, &salt, &nonce);
      g_assert_true (g_hash_table_add (salts, salt));
      g_assert_true (g_hash_table_add (nonces, nonce));
    }

  /* A remove is a write too. */
  {
    g_autoptr(GError) error = NULL;
    char *salt, *nonce;

    g_assert_true (pi_keyring_backend_remove_sync (fixture->backend, "openai", NULL, NULL, &error));
    g_assert_no_error (error);
    get_salt_and_nonce (fixture->path, &salt, &nonce);
    g_assert_true (g_hash_table_add (salts, salt));
    g_assert_true (g_hash_table_add (nonces, nonce));
  }
}

/* The real iteration count, and how long an operation takes with it. */
static void
test_real_iterations (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(PiKeyringBackend) backend = pi_keyring_encrypted_file_backend_new (fixture->path, PASSPHRASE);
  g_autoptr(PiKeyringBackend) reader = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonObject) envelope = NULL;
  g_autoptr(GPtrArray) list = NULL;
  gint64 start, first_store, second_store, cold_lookup, warm_lookup, list_time;

  start = g_get_monotonic_time ();
  store_key_ok (backend, "openai", NULL, "sk-real");
  first_store = g_get_monotonic_time () - start;

  start = g_get_monotonic_time ();
  store_key_ok (backend, "groq", NULL, "gsk-real");
  second_store = g_get_monotonic_time () - start;

  bytes = read_bytes (fixture->path);
  envelope = parse_envelope_json (bytes);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (envelope, "kdf"),
                                               "iterations"), ==, 600000);

  /* A fresh backend derives the key once... */
  reader = pi_keyring_encrypted_file_backend_new (fixture->path, PASSPHRASE);
  start = g_get_monotonic_time ();
  assert_key (reader, "openai", NULL, "sk-real");
  cold_lookup = g_get_monotonic_time () - start;

  /* ...and not again while the vault is unchanged. */
  start = g_get_monotonic_time ();
  assert_key (reader, "groq", NULL, "gsk-real");
  warm_lookup = g_get_monotonic_time () - start;

  start = g_get_monotonic_time ();
  list = list_ok (reader, NULL);
  list_time = g_get_monotonic_time () - start;
  g_assert_cmpuint (list->len, ==, 2);

  g_test_message ("600000 iterations: first store %.3f s, store %.3f s, cold lookup %.3f s, "
                  "cached lookup %.4f s, cached list %.4f s",
                  first_store / 1e6, second_store / 1e6, cold_lookup / 1e6,
                  warm_lookup / 1e6, list_time / 1e6);
  g_assert_cmpint (warm_lookup, <, cold_lookup);
}

/* Without the test setter, fewer than 600000 iterations are refused. */
static void
test_low_iterations_refused (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(PiKeyringBackend) strict = pi_keyring_encrypted_file_backend_new (fixture->path, PASSPHRASE);
  g_autoptr(GError) error = NULL;
  g_autoptr(PiKeyringCredential) found = NULL;

  store_key_ok (fixture->backend, "openai", NULL, "sk-1000");
  found = pi_keyring_backend_lookup_sync (strict, "openai", NULL, NULL, &error);
  g_assert_null (found);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "iteration count"));
  g_assert_nonnull (strstr (error->message, "600000"));
  g_clear_error (&error);

  assert_all_fail (strict, fixture->path, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE);
}

/* --- passphrases --- */

static void
test_wrong_passphrase (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(PiKeyringBackend) wrong = new_backend (fixture->path, "Correct horse battery staple");
  g_autoptr(PiKeyringCredential) found = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;

  store_key_ok (fixture->backend, "openai", NULL, "sk-openai");
  store_key_ok (fixture->backend, "anthropic", "work", "sk-ant");

  found = pi_keyring_backend_lookup_sync (wrong, "openai", NULL, NULL, &error);
  g_assert_null (found);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_WRONG_PASSPHRASE);
  expected = g_strdup_printf ("The passphrase does not open “%s” (wrong passphrase or damaged file).",
                              fixture->path);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  /* Store, remove, list, check: all refused, the file byte-identical. */
  assert_all_fail (wrong, fixture->path, PI_KEYRING_ERROR, PI_KEYRING_ERROR_WRONG_PASSPHRASE);

  /* The right passphrase still opens it, with everything in it. */
  assert_key (fixture->backend, "openai", NULL, "sk-openai");
  assert_key (fixture->backend, "anthropic", "work", "sk-ant");

  /* Fixed with set_passphrase, the wrong backend works. */
  pi_keyring_encrypted_file_backend_set_passphrase (PI_KEYRING_ENCRYPTED_FILE_BACKEND (wrong), PASSPHRASE);
  assert_key (wrong, "openai", NULL, "sk-openai");
}

/* A key cached from one passphrase must not open the vault for another. */
static void
test_cache_follows_passphrase (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(PiKeyringBackend) env_backend = new_backend (fixture->path, NULL);
  g_autoptr(PiKeyringCredential) found = NULL;
  g_autoptr(GError) error = NULL;

  store_key_ok (fixture->backend, "openai", NULL, "sk-openai");

  g_setenv ("PI_KEYRING_PASSPHRASE", PASSPHRASE, TRUE);
  assert_key (env_backend, "openai", NULL, "sk-openai");

  g_setenv ("PI_KEYRING_PASSPHRASE", "not the passphrase", TRUE);
  found = pi_keyring_backend_lookup_sync (env_backend, "openai", NULL, NULL, &error);
  g_assert_null (found);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);

  /* The same for set_passphrase on a backend that opened the vault. */
  assert_key (fixture->backend, "openai", NULL, "sk-openai");
  pi_keyring_encrypted_file_backend_set_passphrase (PI_KEYRING_ENCRYPTED_FILE_BACKEND (fixture->backend),
                                                    "not the passphrase either");
  found = pi_keyring_backend_lookup_sync (fixture->backend, "openai", NULL, NULL, &error);
  g_assert_null (found);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_WRONG_PASSPHRASE);
}

static void
test_no_passphrase (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(PiKeyringBackend) none = new_backend (fixture->path, NULL);
  PiKeyringEncryptedFileBackend *self = PI_KEYRING_ENCRYPTED_FILE_BACKEND (none);
  g_autoptr(PiKeyringCredential) found = NULL;
  g_autoptr(PiKeyringCredential) credential = api_key ("openai", NULL, "sk");
  g_autoptr(GError) error = NULL;
  const char *expected = "The encrypted vault needs a passphrase: set PI_KEYRING_PASSPHRASE_FILE "
                         "or PI_KEYRING_PASSPHRASE, or run with --interactive.";

  g_assert_true (pi_keyring_encrypted_file_backend_needs_passphrase (self));
  g_assert_false (pi_keyring_encrypted_file_backend_needs_passphrase (
                    PI_KEYRING_ENCRYPTED_FILE_BACKEND (fixture->backend)));

  /* Even before the vault exists. */
  g_assert_false (pi_keyring_backend_store_sync (none, credential, NULL, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);
  g_assert_false (path_exists (fixture->path));

  store_key_ok (fixture->backend, "openai", NULL, "sk-openai");
  assert_all_fail (none, fixture->path, PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED);
  found = pi_keyring_backend_lookup_sync (none, "openai", NULL, NULL, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  /* Empty values are no passphrase. */
  g_setenv ("PI_KEYRING_PASSPHRASE", "", TRUE);
  g_setenv ("PI_KEYRING_PASSPHRASE_FILE", "", TRUE);
  g_assert_true (pi_keyring_encrypted_file_backend_needs_passphrase (self));
  pi_keyring_encrypted_file_backend_set_passphrase (self, "");
  g_assert_true (pi_keyring_encrypted_file_backend_needs_passphrase (self));

  /* What a prompt would do. */
  pi_keyring_encrypted_file_backend_set_passphrase (self, PASSPHRASE);
  g_assert_false (pi_keyring_encrypted_file_backend_needs_passphrase (self));
  assert_key (none, "openai", NULL, "sk-openai");

  /* NULL goes back to the environment. */
  pi_keyring_encrypted_file_backend_set_passphrase (self, NULL);
  g_assert_true (pi_keyring_encrypted_file_backend_needs_passphrase (self));
  g_setenv ("PI_KEYRING_PASSPHRASE", PASSPHRASE, TRUE);
  g_assert_false (pi_keyring_encrypted_file_backend_needs_passphrase (self));
  assert_key (none, "openai", NULL, "sk-openai");
}

static char *
write_passphrase_file (const char *name,
                       const char *content,
                       guint       mode)
{
  char *path = g_build_filename (g_get_home_dir (), name, NULL);

  write_bytes (path, content, -1);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

static void
test_passphrase_sources (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(PiKeyringBackend) env_backend = NULL;
  g_autoptr(PiKeyringCredential) found = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *good_file = write_passphrase_file ("pass-good", PASSPHRASE "\n", 0600);
  g_autofree char *crlf_file = write_passphrase_file ("pass-crlf", PASSPHRASE "\r\n", 0400);
  g_autofree char *bare_file = write_passphrase_file ("pass-bare", PASSPHRASE, 0600);
  g_autofree char *two_lines = write_passphrase_file ("pass-2nl", PASSPHRASE "\n\n", 0600);
  g_autofree char *bad_file = write_passphrase_file ("pass-bad", "wrong\n", 0600);
  g_autofree char *empty_file = write_passphrase_file ("pass-empty", "\n", 0600);

  store_key_ok (fixture->backend, "openai", NULL, "sk-openai");

  /* PI_KEYRING_PASSPHRASE alone. */
  g_setenv ("PI_KEYRING_PASSPHRASE", PASSPHRASE, TRUE);
  env_backend = new_backend (fixture->path, NULL);
  assert_key (env_backend, "openai", NULL, "sk-openai");
  g_clear_object (&env_backend);

  /* The file beats the variable: a right file with a wrong variable opens... */
  g_setenv ("PI_KEYRING_PASSPHRASE", "wrong", TRUE);
  g_setenv ("PI_KEYRING_PASSPHRASE_FILE", good_file, TRUE);
  env_backend = new_backend (fixture->path, NULL);
  assert_key (env_backend, "openai", NULL, "sk-openai");
  g_clear_object (&env_backend);

  /* ...and a wrong file with a right variable does not. */
  g_setenv ("PI_KEYRING_PASSPHRASE", PASSPHRASE, TRUE);
  g_setenv ("PI_KEYRING_PASSPHRASE_FILE", bad_file, TRUE);
  env_backend = new_backend (fixture->path, NULL);
  found = pi_keyring_backend_lookup_sync (env_backend, "openai", NULL, NULL, &error);
  g_assert_null (found);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  g_clear_object (&env_backend);

  /* One trailing newline (or CR LF) is removed, and only one. */
  g_setenv ("PI_KEYRING_PASSPHRASE_FILE", crlf_file, TRUE);
  env_backend = new_backend (fixture->path, NULL);
  assert_key (env_backend, "openai", NULL, "sk-openai");
  g_clear_object (&env_backend);

  g_setenv ("PI_KEYRING_PASSPHRASE_FILE", bare_file, TRUE);
  env_backend = new_backend (fixture->path, NULL);
  assert_key (env_backend, "openai", NULL, "sk-openai");
  g_clear_object (&env_backend);

  g_setenv ("PI_KEYRING_PASSPHRASE_FILE", two_lines, TRUE);
  env_backend = new_backend (fixture->path, NULL);
  found = pi_keyring_backend_lookup_sync (env_backend, "openai", NULL, NULL, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  g_clear_object (&env_backend);

  g_setenv ("PI_KEYRING_PASSPHRASE_FILE", empty_file, TRUE);
  env_backend = new_backend (fixture->path, NULL);
  found = pi_keyring_backend_lookup_sync (env_backend, "openai", NULL, NULL, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "is empty"));
  g_clear_error (&error);
  g_clear_object (&env_backend);

  /* A file that does not exist is an error, not a fall back to the variable. */
  g_setenv ("PI_KEYRING_PASSPHRASE_FILE", "/nonexistent/pass", TRUE);
  env_backend = new_backend (fixture->path, NULL);
  found = pi_keyring_backend_lookup_sync (env_backend, "openai", NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_object (&env_backend);

  /* A passphrase given to the backend beats both. */
  g_setenv ("PI_KEYRING_PASSPHRASE", "wrong", TRUE);
  g_setenv ("PI_KEYRING_PASSPHRASE_FILE", bad_file, TRUE);
  assert_key (fixture->backend, "openai", NULL, "sk-openai");
}

static void
test_passphrase_file_mode (Fixture       *fixture,
                           gconstpointer  data)
{
  static const guint modes[] = { 0644, 0640, 0604, 0620, 0660 };
  g_autoptr(PiKeyringBackend) env_backend = new_backend (fixture->path, NULL);
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;

  store_key_ok (fixture->backend, "openai", NULL, "sk-openai");
  before = read_bytes (fixture->path);

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_autofree char *name = g_strdup_printf ("pass-%o", modes[i]);
      g_autofree char *file = write_passphrase_file (name, PASSPHRASE "\n", modes[i]);
      g_autofree char *mode_text = g_strdup_printf ("(mode %04o)", modes[i]);
      g_autoptr(PiKeyringCredential) found = NULL;
      g_autoptr(PiKeyringCredential) credential = api_key ("groq", NULL, "gsk");
      g_autoptr(GError) error = NULL;

      g_setenv ("PI_KEYRING_PASSPHRASE_FILE", file, TRUE);
      found = pi_keyring_backend_lookup_sync (env_backend, "openai", NULL, NULL, &error);
      g_assert_null (found);
      g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED);
      g_assert_nonnull (strstr (error->message, file));
      g_assert_nonnull (strstr (error->message, mode_text));
      g_assert_nonnull (strstr (error->message, "chmod 600"));
      g_test_message ("%s", error->message);
      g_clear_error (&error);

      g_assert_false (pi_keyring_backend_store_sync (env_backend, credential, NULL, &error));
      g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED);

      /* Made private, it is used. */
      g_assert_cmpint (g_chmod (file, 0600), ==, 0);
      assert_key (env_backend, "openai", NULL, "sk-openai");
    }

  after = read_bytes (fixture->path);
  assert_bytes_equal (before, after);
}

/* --- damaged and hostile vaults --- */

static void
test_truncated (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GBytes) good = NULL;
  gsize size;
  const char *bytes;

  store_key_ok (fixture->backend, "openai", NULL, "sk-openai");
  good = read_bytes (fixture->path);
  bytes = g_bytes_get_data (good, &size);

  for (guint i = 0; i < 12; i++)
    {
      /* 0, 1, 2, …, the middle, and the last bytes before the final "}\n". */
      gsize offsets[] = { 0, 1, 2, 10, 40, 100, 150, size / 2, size - 5, size - 4, size - 3, size - 2 };
      gsize offset = offsets[i];

      g_test_message ("truncated at %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT, offset, size);
      write_bytes (fixture->path, bytes, offset);
      assert_all_fail (fixture->backend, fixture->path, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE);
    }

  /* Without only its final newline, it is still the same vault. */
  write_bytes (fixture->path, bytes, size - 1);
  assert_key (fixture->backend, "openai", NULL, "sk-openai");
}

typedef enum
{
  TAMPER_SALT_BIT,
  TAMPER_NONCE_BIT,
  TAMPER_CIPHERTEXT_BIT,
  TAMPER_TAG_BIT,
  TAMPER_ITERATIONS,
  TAMPER_CIPHER,
  TAMPER_VERSION,
  TAMPER_FORMAT,
  TAMPER_KDF_NAME,
  TAMPER_EXTRA_MEMBER,
  TAMPER_EXTRA_KDF_MEMBER,
  TAMPER_SHORT_SALT,
  TAMPER_LONG_NONCE,
  TAMPER_SHORT_CIPHERTEXT,
  TAMPER_BASE64_NEWLINE,
  TAMPER_BASE64_URLSAFE,
  TAMPER_ITERATIONS_STRING,
  TAMPER_ITERATIONS_HUGE,
  TAMPER_ITERATIONS_FRACTION,
  TAMPER_VERSION_STRING,
  TAMPER_NOT_OBJECT,
  TAMPER_CIPHERTEXT_SWAPPED,
  N_TAMPER
} Tamper;

static const char * const tamper_names[] = {
  "salt-bit", "nonce-bit", "ciphertext-bit", "tag-bit", "iterations", "cipher", "version",
  "format", "kdf-name", "extra-member", "extra-kdf-member", "short-salt", "long-nonce",
  "short-ciphertext", "base64-newline", "base64-urlsafe", "iterations-string",
  "iterations-huge", "iterations-fraction", "version-string", "not-object",
  "ciphertext-from-another-vault",
};
G_STATIC_ASSERT (G_N_ELEMENTS (tamper_names) == N_TAMPER);

static void
flip_bit_b64 (JsonObject *object,
              const char *name,
              gssize      byte_index)
{
  gsize length;
  g_autofree guint8 *bytes = b64 (object, name, &length);
  g_autofree char *text = NULL;

  if (byte_index < 0)
    byte_index += length;
  bytes[byte_index] ^= 0x01;
  text = g_base64_encode (bytes, length);
  json_object_set_string_member (object, name, text);
}

static void
set_b64_length (JsonObject *object,
                const char *name,
                gsize       length)
{
  g_autofree guint8 *bytes = g_malloc0 (length);
  g_autofree char *text = g_base64_encode (bytes, length);

  json_object_set_string_member (object, name, text);
}

static char *
tampered_vault (GBytes     *good,
                GBytes     *other,
                Tamper      tamper,
                GQuark     *out_domain,
                gint       *out_code)
{
  g_autoptr(JsonObject) envelope = parse_envelope_json (good);
  JsonObject *kdf = json_object_get_object_member (envelope, "kdf");

  *out_domain = PI_KEYRING_ERROR;
  *out_code = PI_KEYRING_ERROR_PARSE;

  switch (tamper)
    {
    case TAMPER_SALT_BIT:
      flip_bit_b64 (kdf, "salt", 7);
      *out_code = PI_KEYRING_ERROR_WRONG_PASSPHRASE;
      break;
    case TAMPER_NONCE_BIT:
      flip_bit_b64 (envelope, "nonce", 0);
      *out_code = PI_KEYRING_ERROR_WRONG_PASSPHRASE;
      break;
    case TAMPER_CIPHERTEXT_BIT:
      flip_bit_b64 (envelope, "ciphertext", 3);
      *out_code = PI_KEYRING_ERROR_WRONG_PASSPHRASE;
      break;
    case TAMPER_TAG_BIT:
      flip_bit_b64 (envelope, "ciphertext", -1);
      *out_code = PI_KEYRING_ERROR_WRONG_PASSPHRASE;
      break;
    case TAMPER_ITERATIONS:
      json_object_set_int_member (kdf, "iterations", TEST_ITERATIONS + 1);
      *out_code = PI_KEYRING_ERROR_WRONG_PASSPHRASE;
      break;
    case TAMPER_CIPHER:
      json_object_set_string_member (envelope, "cipher", "aes-128-gcm");
      break;
    case TAMPER_VERSION:
      json_object_set_int_member (envelope, "version", 2);
      break;
    case TAMPER_FORMAT:
      json_object_set_string_member (envelope, "format", "pi-keyring-vault2");
      break;
    case TAMPER_KDF_NAME:
      json_object_set_string_member (kdf, "name", "pbkdf2-sha1");
      break;
    case TAMPER_EXTRA_MEMBER:
      json_object_set_string_member (envelope, "provider", "openai");
      break;
    case TAMPER_EXTRA_KDF_MEMBER:
      json_object_set_int_member (kdf, "memory", 1);
      break;
    case TAMPER_SHORT_SALT:
      set_b64_length (kdf, "salt", 15);
      break;
    case TAMPER_LONG_NONCE:
      set_b64_length (envelope, "nonce", 16);
      break;
    case TAMPER_SHORT_CIPHERTEXT:
      set_b64_length (envelope, "ciphertext", 15);
      break;
    case TAMPER_BASE64_NEWLINE:
      {
        g_autofree char *text = g_strdup (json_object_get_string_member (envelope, "ciphertext"));
        g_autofree char *broken = g_strdup_printf ("%.8s\n%s", text, text + 8);

        json_object_set_string_member (envelope, "ciphertext", broken);
      }
      break;
    case TAMPER_BASE64_URLSAFE:
      {
        static const guint8 salt[16] = { 0xfb, 0xff, 0xbf, 0xfb, 0xff, 0xbf, 0xfb, 0xff,
                                         0xbf, 0xfb, 0xff, 0xbf, 0xfb, 0xff, 0xbf, 0xfb };
        g_autofree char *text = g_base64_encode (salt, sizeof salt);

        g_strdelimit (text, "+", '-');
        g_strdelimit (text, "/", '_');
        json_object_set_string_member (kdf, "salt", text);
      }
      break;
    case TAMPER_ITERATIONS_STRING:
      json_object_set_string_member (kdf, "iterations", "1000");
      break;
    case TAMPER_ITERATIONS_HUGE:
      /* Must be refused before any work: it would take hours. */
      json_object_set_int_member (kdf, "iterations", G_GINT64_CONSTANT (4000000000));
      break;
    case TAMPER_ITERATIONS_FRACTION:
      json_object_set_double_member (kdf, "iterations", TEST_ITERATIONS + 0.5);
      break;
    case TAMPER_VERSION_STRING:
      json_object_set_string_member (envelope, "version", "1");
      break;
    case TAMPER_NOT_OBJECT:
      return g_strdup ("[\"pi-keyring-vault\"]");
    case TAMPER_CIPHERTEXT_SWAPPED:
      {
        g_autoptr(JsonObject) other_envelope = parse_envelope_json (other);

        json_object_set_string_member (envelope, "ciphertext",
                                       json_object_get_string_member (other_envelope, "ciphertext"));
        *out_code = PI_KEYRING_ERROR_WRONG_PASSPHRASE;
      }
      break;
    case N_TAMPER:
    default:
      g_assert_not_reached ();
    }

  return _pi_keyring_json_object_stringify (envelope, 0);
}

static void
test_tampered (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GBytes) good = NULL;
  g_autoptr(GBytes) other = NULL;

  store_key_ok (fixture->backend, "anthropic", NULL, "sk-ant");
  other = read_bytes (fixture->path);
  store_key_ok (fixture->backend, "openai", NULL, "sk-openai");
  good = read_bytes (fixture->path);

  for (guint i = 0; i < N_TAMPER; i++)
    {
      g_autofree char *text = NULL;
      GQuark domain;
      gint code;
      gint64 start;

      g_test_message ("tampered: %s", tamper_names[i]);
      text = tampered_vault (good, other, i, &domain, &code);
      write_bytes (fixture->path, text, -1);
      start = g_get_monotonic_time ();
      assert_all_fail (fixture->backend, fixture->path, domain, code);
      /* Nothing made us spin. */
      g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
    }

  /* The untouched vault, rewritten by our serializer, still opens. */
  {
    g_autoptr(JsonObject) envelope = parse_envelope_json (good);
    g_autofree char *text = _pi_keyring_json_object_stringify (envelope, 2);

    write_bytes (fixture->path, text, -1);
    assert_key (fixture->backend, "openai", NULL, "sk-openai");
  }
}

static void
test_too_large (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  int fd;

  store_key_ok (fixture->backend, "openai", NULL, "sk-openai");

  /* A sparse file just over 16 MiB. */
  fd = g_open (fixture->path, O_WRONLY, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, PI_KEYRING_VAULT_MAX_SIZE + 1), ==, 0);
  close (fd);

  assert_all_fail (fixture->backend, fixture->path, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE);

  /* Not a file at all. */
  g_assert_cmpint (g_unlink (fixture->path), ==, 0);
  g_assert_cmpint (g_mkdir (fixture->path, 0700), ==, 0);
  g_assert_false (pi_keyring_backend_check_sync (fixture->backend, NULL, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE);
}

/* Documents with a valid tag but contents that are not a vault's. */
static void
test_bad_contents (Fixture       *fixture,
                   gconstpointer  data)
{
  static const char * const documents[] = {
    "",
    "[]",
    "{}",
    "{\"version\":2,\"credentials\":[]}",
    "{\"version\":\"1\",\"credentials\":[]}",
    "{\"version\":1}",
    "{\"version\":1,\"credentials\":{}}",
    "{\"version\":1,\"credentials\":[1]}",
    "{\"version\":1,\"credentials\":[{\"provider\":\"a\",\"profile\":\"default\",\"created\":1}]}",
    "{\"version\":1,\"credentials\":[{\"provider\":\"a\",\"profile\":\"default\",\"created\":1,\"entry\":[]}]}",
    "{\"version\":1,\"credentials\":[{\"provider\":\"\",\"profile\":\"default\",\"created\":1,\"entry\":{}}]}",
    "{\"version\":1,\"credentials\":[{\"provider\":\"a\",\"profile\":\"\",\"created\":1,\"entry\":{}}]}",
    "{\"version\":1,\"credentials\":[{\"provider\":\"a\",\"profile\":\"default\",\"created\":\"x\",\"entry\":{}}]}",
    "{\"version\":1,\"credentials\":[{\"provider\":\"a\",\"profile\":\"default\",\"created\":1,\"entry\":{}},"
    "{\"provider\":\"a\",\"profile\":\"default\",\"created\":2,\"entry\":{}}]}",
    "{\"version\":1,\"credentials\":[]} x",
    "{\"version\":1,\"credentials\":[{\"provider\":\"a\",\"profile\":\"default\",\"created\":1,\"entry\":{\"key\":\"a\\u0000b\"}}]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *envelope = NULL;
      gsize length = 0;

      g_test_message ("contents: %s", documents[i]);
      envelope = _pi_keyring_vault_seal (documents[i], strlen (documents[i]), PASSPHRASE,
                                         TEST_ITERATIONS, NULL, &length, &error);
      g_assert_no_error (error);
      write_bytes (fixture->path, envelope, length);
      assert_all_fail (fixture->backend, fixture->path, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE);
    }

  /* Unknown members are kept through a write. */
  {
    const char *document =
      "{\"version\":1,\"credentials\":[{\"provider\":\"a\",\"profile\":\"default\",\"created\":1,"
      "\"entry\":{\"type\":\"api_key\",\"key\":\"k\"},\"later\":true}],\"extra\":[1]}";
    g_autoptr(GError) error = NULL;
    g_autofree char *envelope = NULL;
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(JsonObject) doc = NULL;
    g_autoptr(PiKeyringSecretString) text = NULL;
    gsize length = 0;

    envelope = _pi_keyring_vault_seal (document, strlen (document), PASSPHRASE,
                                       TEST_ITERATIONS, NULL, &length, &error);
    g_assert_no_error (error);
    write_bytes (fixture->path, envelope, length);
    assert_key (fixture->backend, "a", NULL, "k");
    store_key_ok (fixture->backend, "b", NULL, "kb");

    bytes = read_bytes (fixture->path);
    doc = _pi_keyring_vault_decrypt (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                     "vault", PASSPHRASE, TEST_ITERATIONS, NULL, NULL, &error);
    g_assert_no_error (error);
    text = _pi_keyring_json_object_stringify (doc, 0);
    g_assert_true (g_str_has_prefix (text,
      "{\"version\":1,\"credentials\":[{\"provider\":\"a\",\"profile\":\"default\",\"created\":1,"
      "\"entry\":{\"type\":\"api_key\",\"key\":\"k\"},\"later\":true},{\"provider\":\"b\","
      "\"profile\":\"default\",\"created\":"));
    g_assert_true (g_str_has_suffix (text, ",\"entry\":{\"type\":\"api_key\",\"key\":\"kb\"}}],"
                                           "\"extra\":[1]}"));
    _pi_keyring_vault_document_free (g_steal_pointer (&doc));
  }
}

/* The header is associated data: with the right key, a changed header
 * alone makes the tag check fail. */
static void
test_header_authenticated (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonObject) header_object = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *header = NULL;
  g_autofree char *expected_header = NULL;
  PiKeyringVaultEnvelope envelope;
  PiKeyringVaultKey *key;
  char *plaintext;
  gsize length = 0;

  store_key_ok (fixture->backend, "openai", NULL, "sk-openai");
  bytes = read_bytes (fixture->path);

  g_assert_true (_pi_keyring_vault_envelope_parse (g_bytes_get_data (bytes, NULL),
                                                   g_bytes_get_size (bytes), "vault",
                                                   TEST_ITERATIONS, &envelope, &error));
  g_assert_no_error (error);

  /* The associated data is the envelope less "ciphertext", compact... */
  object = parse_envelope_json (bytes);
  json_object_remove_member (object, "ciphertext");
  expected_header = _pi_keyring_json_object_stringify (object, 0);
  header = _pi_keyring_vault_envelope_header (&envelope);
  g_assert_cmpstr (header, ==, expected_header);
  /* ...which the file starts with. */
  g_assert_true (memcmp (g_bytes_get_data (bytes, NULL), header, strlen (header) - 1) == 0);

  key = _pi_keyring_vault_derive_key (PASSPHRASE, envelope.salt, envelope.iterations, &error);
  g_assert_no_error (error);

  plaintext = _pi_keyring_vault_envelope_open (&envelope, key, "vault", &length, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (plaintext, "sk-openai"));
  g_assert_cmpuint (length % 256, ==, 0);
  _pi_keyring_secret_free (plaintext);

  /* The same key, another iteration count in the header. */
  envelope.iterations++;
  plaintext = _pi_keyring_vault_envelope_open (&envelope, key, "vault", &length, &error);
  g_assert_null (plaintext);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  envelope.iterations--;

  /* The same key, another salt in the header. */
  envelope.salt[0] ^= 0x80;
  plaintext = _pi_keyring_vault_envelope_open (&envelope, key, "vault", &length, &error);
  g_assert_null (plaintext);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  envelope.salt[0] ^= 0x80;

  plaintext = _pi_keyring_vault_envelope_open (&envelope, key, "vault", &length, &error);
  g_assert_no_error (error);
  _pi_keyring_secret_free (plaintext);

  _pi_keyring_vault_key_free (key);
  _pi_keyring_vault_envelope_clear (&envelope);
}

/* --- concurrency --- */

typedef struct
{
  guint pending;
  guint failed;
} Counter;

static void
on_stored (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Counter *counter = user_data;
  g_autoptr(GError) error = NULL;

  if (!pi_keyring_backend_store_finish (PI_KEYRING_BACKEND (source), result, &error))
    {
      g_test_message ("store failed: %s", error->message);
      counter->failed++;
    }
  counter->pending--;
}

static void
test_concurrent_backends (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(PiKeyringBackend) a = new_backend (fixture->path, PASSPHRASE);
  g_autoptr(PiKeyringBackend) b = new_backend (fixture->path, PASSPHRASE);
  g_autoptr(GPtrArray) list = NULL;
  Counter counter = { 0, 0 };

  /* Started all at once: the lock puts them one after the other. */
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *pa = g_strdup_printf ("provider-a%u", i);
      g_autofree char *pb = g_strdup_printf ("provider-b%u", i);
      g_autoptr(PiKeyringCredential) ca = api_key (pa, NULL, "ka");
      g_autoptr(PiKeyringCredential) cb = api_key (pb, i % 2 ? "work" : NULL, "kb");

      counter.pending += 2;
      pi_keyring_backend_store_async (a, ca, NULL, on_stored, &counter);
      pi_keyring_backend_store_async (b, cb, NULL, on_stored, &counter);
    }
  while (counter.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (counter.failed, ==, 0);

  list = list_ok (fixture->backend, NULL);
  g_assert_cmpuint (list->len, ==, 20);
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *pa = g_strdup_printf ("provider-a%u", i);
      g_autofree char *pb = g_strdup_printf ("provider-b%u", i);

      assert_key (fixture->backend, pa, NULL, "ka");
      assert_key (fixture->backend, pb, i % 2 ? "work" : NULL, "kb");
    }
}

#define N_CHILDREN 5

/* Child mode: store two credentials of PROVIDER with the real iteration
 * count (the passphrase comes from PI_KEYRING_PASSPHRASE). */
static int
child_main (const char *path,
            const char *provider)
{
  g_autoptr(PiKeyringBackend) backend = pi_keyring_encrypted_file_backend_new (path, NULL);
  g_autoptr(PiKeyringCredential) first = api_key (provider, NULL, "key-default");
  g_autoptr(PiKeyringCredential) second = api_key (provider, "work", "key-work");
  g_autoptr(GError) error = NULL;

  if (!pi_keyring_backend_store_sync (backend, first, NULL, &error) ||
      !pi_keyring_backend_store_sync (backend, second, NULL, &error))
    {
      g_printerr ("child %s: %s\n", provider, error->message);
      return 1;
    }
  return 0;
}

static void
test_concurrent_processes (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autoptr(PiKeyringBackend) reader = pi_keyring_encrypted_file_backend_new (fixture->path, PASSPHRASE);
  g_autoptr(GPtrArray) list = NULL;
  GSubprocess *children[N_CHILDREN];

  g_assert_nonnull (self_exe);
  g_subprocess_launcher_setenv (launcher, "PI_KEYRING_PASSPHRASE", PASSPHRASE, TRUE);

  for (guint i = 0; i < N_CHILDREN; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *provider = g_strdup_printf ("child-%u", i);

      children[i] = g_subprocess_launcher_spawn (launcher, &error, self_exe, "--child-store",
                                                 fixture->path, provider, NULL);
      g_assert_no_error (error);
    }

  for (guint i = 0; i < N_CHILDREN; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (g_subprocess_wait_check (children[i], NULL, &error));
      g_assert_no_error (error);
      g_object_unref (children[i]);
    }

  list = list_ok (reader, NULL);
  g_assert_cmpuint (list->len, ==, 2 * N_CHILDREN);
  for (guint i = 0; i < N_CHILDREN; i++)
    {
      g_autofree char *provider = g_strdup_printf ("child-%u", i);

      assert_key (reader, provider, NULL, "key-default");
      assert_key (reader, provider, "work", "key-work");
    }

  /* The lock file is beside the vault, private too. */
  {
    g_autofree char *lock_path = g_strconcat (fixture->path, ".lock", NULL);

    g_assert_cmpuint (file_mode (lock_path), ==, 0600);
  }
}

/* A held lock makes a write wait, not fail or go ahead. */
static void
test_lock_waits (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *lock_path = g_strconcat (fixture->path, ".lock", NULL);
  g_autoptr(PiKeyringCredential) credential = api_key ("groq", NULL, "gsk");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline;
  int fd;

  store_key_ok (fixture->backend, "openai", NULL, "sk-openai");

  fd = g_open (lock_path, O_RDWR | O_CLOEXEC, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (flock (fd, LOCK_EX), ==, 0);

  pi_keyring_backend_store_async (fixture->backend, credential, NULL, test_on_result, &result);
  deadline = g_get_monotonic_time () + 300 * 1000;
  while (g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_null (result);

  close (fd);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (pi_keyring_backend_store_finish (fixture->backend, result, &error));
  g_assert_no_error (error);
  assert_key (fixture->backend, "groq", NULL, "gsk");
  assert_key (fixture->backend, "openai", NULL, "sk-openai");
}

/* Cancelled before it starts, or while it waits for the lock: nothing is
 * written and the caller hears G_IO_ERROR_CANCELLED. */
static void
test_cancelled (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *lock_path = g_strconcat (fixture->path, ".lock", NULL);
  g_autoptr(PiKeyringCredential) credential = api_key ("groq", NULL, "gsk");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  gint64 deadline;
  int fd;

  store_key_ok (fixture->backend, "openai", NULL, "sk-openai");
  before = read_bytes (fixture->path);

  g_cancellable_cancel (cancellable);
  g_assert_false (pi_keyring_backend_store_sync (fixture->backend, credential, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  g_clear_object (&cancellable);
  cancellable = g_cancellable_new ();
  fd = g_open (lock_path, O_RDWR | O_CLOEXEC, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (flock (fd, LOCK_EX), ==, 0);

  pi_keyring_backend_store_async (fixture->backend, credential, cancellable, test_on_result, &result);
  deadline = g_get_monotonic_time () + 100 * 1000;
  while (g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_cancellable_cancel (cancellable);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (pi_keyring_backend_store_finish (fixture->backend, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  close (fd);

  after = read_bytes (fixture->path);
  assert_bytes_equal (before, after);
  assert_key (fixture->backend, "groq", NULL, NULL);
}

int
main (int    argc,
      char **argv)
{
  if (argc == 4 && g_str_equal (argv[1], "--child-store"))
    return child_main (argv[2], argv[3]);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/encrypted-file/basics", test_basics);
  ADD ("/encrypted-file/missing-vault", test_missing_vault);
  ADD ("/encrypted-file/round-trip", test_round_trip);
  ADD ("/encrypted-file/async", test_async);
  ADD ("/encrypted-file/envelope-only", test_envelope_only);
  ADD ("/encrypted-file/fresh-salt-and-nonce", test_fresh_salt_and_nonce);
  ADD ("/encrypted-file/real-iterations", test_real_iterations);
  ADD ("/encrypted-file/low-iterations-refused", test_low_iterations_refused);
  ADD ("/encrypted-file/header-authenticated", test_header_authenticated);
  ADD ("/encrypted-file/passphrase/wrong", test_wrong_passphrase);
  ADD ("/encrypted-file/passphrase/cache-follows-passphrase", test_cache_follows_passphrase);
  ADD ("/encrypted-file/passphrase/none", test_no_passphrase);
  ADD ("/encrypted-file/passphrase/sources", test_passphrase_sources);
  ADD ("/encrypted-file/passphrase/file-mode", test_passphrase_file_mode);
  ADD ("/encrypted-file/damaged/truncated", test_truncated);
  ADD ("/encrypted-file/damaged/tampered", test_tampered);
  ADD ("/encrypted-file/damaged/too-large", test_too_large);
  ADD ("/encrypted-file/damaged/bad-contents", test_bad_contents);
  ADD ("/encrypted-file/concurrent/backends", test_concurrent_backends);
  ADD ("/encrypted-file/concurrent/processes", test_concurrent_processes);
  ADD ("/encrypted-file/concurrent/lock-waits", test_lock_waits);
  ADD ("/encrypted-file/concurrent/cancelled", test_cancelled);

#undef ADD

  return g_test_run ();
}
