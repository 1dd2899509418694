/* test-lookup.c: pi's lookup rules: the provider catalog, environment
 * variables, `!command` resolution and the store's order (pi-auth.md §4,
 * §5, §3.7; conformance cases of §11)
 *
 * "auth.json" in a case is a real auth.json in a temporary directory, read
 * by the store as its fallback; the store's own backend is a memory backend.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "store/pi-keyring-store-private.h"

#include "test-util.h"

/* Variables the tests set besides the catalog's. */
static const char * const extra_env_vars[] = {
  "TEST_AUTH_API_KEY_12345",
  "PI_KEYRING_TEST_CASE16_VAR",
  NULL
};

typedef struct
{
  char             *tmpdir;
  char             *auth_path;
  char             *counter_path;
  PiKeyringBackend *backend;
  PiKeyringStore   *store;
} Fixture;

static PiKeyringStore *
new_store (Fixture *fixture)
{
  return g_object_new (PI_KEYRING_TYPE_STORE,
                       "backend", fixture->backend,
                       "auth-file", fixture->auth_path,
                       NULL);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  test_unset_provider_env (extra_env_vars);
  pi_keyring_clear_config_value_cache ();
  _pi_keyring_catalog_reset_adc_cache ();

  fixture->tmpdir = g_dir_make_tmp ("pi-keyring-lookup-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->auth_path = g_build_filename (fixture->tmpdir, "auth.json", NULL);
  fixture->counter_path = g_build_filename (fixture->tmpdir, "counter", NULL);
  fixture->backend = pi_keyring_memory_backend_new ();
  fixture->store = new_store (fixture);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->store);
  g_clear_object (&fixture->backend);
  test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
  g_free (fixture->auth_path);
  g_free (fixture->counter_path);
  test_unset_provider_env (extra_env_vars);
  pi_keyring_clear_config_value_cache ();
}

/* Writes auth.json with api_key entries: provider, key, …, NULL. */
static void
write_api_keys (Fixture    *fixture,
                const char *provider,
                ...)
{
  g_autoptr(JsonObject) root = json_object_new ();
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  va_list args;

  va_start (args, provider);
  for (const char *p = provider; p != NULL; p = va_arg (args, const char *))
    {
      JsonObject *entry = json_object_new ();

      json_object_set_string_member (entry, "type", "api_key");
      json_object_set_string_member (entry, "key", va_arg (args, const char *));
      json_object_set_object_member (root, p, entry);
    }
  va_end (args);

  text = _pi_keyring_json_object_stringify (root, 2);
  g_file_set_contents (fixture->auth_path, text, -1, &error);
  g_assert_no_error (error);
}

static void
write_auth_json (Fixture    *fixture,
                 const char *text)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (fixture->auth_path, text, -1, &error);
  g_assert_no_error (error);
}

static char *
get_key (PiKeyringStore   *store,
         const char       *provider,
         PiKeyringSource  *out_source,
         GError          **error)
{
  return pi_keyring_store_get_api_key_sync (store, provider, out_source, NULL, error);
}

static void
assert_key (PiKeyringStore  *store,
            const char      *provider,
            const char      *expected,
            PiKeyringSource  expected_source)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  PiKeyringSource source = PI_KEYRING_SOURCE_NONE;

  key = get_key (store, provider, &source, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, expected);
  g_assert_cmpint (source, ==, expected_source);
}

static void
assert_no_key (PiKeyringStore *store,
               const char     *provider,
               gint            expected_code)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  PiKeyringSource source = PI_KEYRING_SOURCE_RUNTIME;

  key = get_key (store, provider, &source, &error);
  g_assert_null (key);
  g_assert_error (error, PI_KEYRING_ERROR, expected_code);
  g_assert_cmpint (source, ==, PI_KEYRING_SOURCE_NONE);
}

static guint
read_counter (Fixture *fixture)
{
  g_autofree char *contents = NULL;
  guint lines = 0;

  if (!g_file_get_contents (fixture->counter_path, &contents, NULL, NULL))
    return 0;

  for (const char *p = contents; *p != '\0'; p++)
    if (*p == '\n')
      lines++;

  return lines;
}

/* A command that appends a line to the counter file, then prints @output
 * (or fails with `exit 1` when @output is NULL). */
static char *
counting_command (Fixture    *fixture,
                  const char *output)
{
  g_autofree char *quoted = g_shell_quote (fixture->counter_path);

  if (output == NULL)
    return g_strdup_printf ("!echo x >> %s; exit 1", quoted);

  return g_strdup_printf ("!echo x >> %s; echo %s", quoted, output);
}

/* --- cases 1–10: one auth.json api_key entry for anthropic --- */

typedef struct
{
  const char *path;
  const char *key;
  const char *expected;   /* NULL: no key */
} KeyCase;

static const KeyCase key_cases[] = {
  { "/lookup/conformance/case-01-literal", "sk-ant-literal-key", "sk-ant-literal-key" },
  { "/lookup/conformance/case-02-command", "!echo test-api-key-from-command",
    "test-api-key-from-command" },
  { "/lookup/conformance/case-03-command-trimmed", "!echo '  spaced-key  '", "spaced-key" },
  { "/lookup/conformance/case-04-inner-newline-kept", "!printf 'line1\\nline2'", "line1\nline2" },
  { "/lookup/conformance/case-05-command-exits-1", "!exit 1", NULL },
  { "/lookup/conformance/case-06-command-not-found", "!nonexistent-command-12345", NULL },
  { "/lookup/conformance/case-07-command-prints-nothing", "!printf ''", NULL },
  { "/lookup/conformance/case-08-env-var-name", "TEST_AUTH_API_KEY_12345", "env-api-key-value" },
  { "/lookup/conformance/case-09-literal-without-env-var", "literal_api_key_value",
    "literal_api_key_value" },
  { "/lookup/conformance/case-10-pipeline", "!echo 'hello world' | tr ' ' '-'", "hello-world" },
};

static void
test_key_case (Fixture       *fixture,
               gconstpointer  data)
{
  const KeyCase *kc = data;

  if (g_str_has_suffix (kc->path, "case-08-env-var-name"))
    g_setenv ("TEST_AUTH_API_KEY_12345", "env-api-key-value", TRUE);

  write_api_keys (fixture, "anthropic", kc->key, NULL);

  if (kc->expected != NULL)
    assert_key (fixture->store, "anthropic", kc->expected, PI_KEYRING_SOURCE_AUTH_FILE);
  else
    assert_no_key (fixture->store, "anthropic", PI_KEYRING_ERROR_COMMAND_FAILED);
}

/* --- cases 11–16: the command cache --- */

static void
test_case_11_command_cached (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *command = counting_command (fixture, "counted-key");

  write_api_keys (fixture, "anthropic", command, NULL);

  for (guint i = 0; i < 3; i++)
    assert_key (fixture->store, "anthropic", "counted-key", PI_KEYRING_SOURCE_AUTH_FILE);

  g_assert_cmpuint (read_counter (fixture), ==, 1);
}

static void
test_case_12_cache_shared_by_stores (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autofree char *command = counting_command (fixture, "counted-key");
  g_autoptr(PiKeyringStore) other = NULL;

  write_api_keys (fixture, "anthropic", command, NULL);
  other = new_store (fixture);

  assert_key (fixture->store, "anthropic", "counted-key", PI_KEYRING_SOURCE_AUTH_FILE);
  assert_key (other, "anthropic", "counted-key", PI_KEYRING_SOURCE_AUTH_FILE);

  g_assert_cmpuint (read_counter (fixture), ==, 1);
}

static void
test_case_13_clear_cache (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *command = counting_command (fixture, "counted-key");

  write_api_keys (fixture, "anthropic", command, NULL);

  assert_key (fixture->store, "anthropic", "counted-key", PI_KEYRING_SOURCE_AUTH_FILE);
  pi_keyring_clear_config_value_cache ();
  assert_key (fixture->store, "anthropic", "counted-key", PI_KEYRING_SOURCE_AUTH_FILE);

  g_assert_cmpuint (read_counter (fixture), ==, 2);
}

static void
test_case_14_two_providers (Fixture       *fixture,
                            gconstpointer  data)
{
  write_api_keys (fixture,
                  "anthropic", "!echo key-anthropic",
                  "openai", "!echo key-openai",
                  NULL);

  assert_key (fixture->store, "anthropic", "key-anthropic", PI_KEYRING_SOURCE_AUTH_FILE);
  assert_key (fixture->store, "openai", "key-openai", PI_KEYRING_SOURCE_AUTH_FILE);
}

static void
test_case_15_failure_cached (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *command = counting_command (fixture, NULL);

  write_api_keys (fixture, "anthropic", command, NULL);

  assert_no_key (fixture->store, "anthropic", PI_KEYRING_ERROR_COMMAND_FAILED);
  assert_no_key (fixture->store, "anthropic", PI_KEYRING_ERROR_COMMAND_FAILED);

  g_assert_cmpuint (read_counter (fixture), ==, 1);
}

static void
test_case_16_env_var_reread (Fixture       *fixture,
                             gconstpointer  data)
{
  write_api_keys (fixture, "anthropic", "PI_KEYRING_TEST_CASE16_VAR", NULL);

  g_setenv ("PI_KEYRING_TEST_CASE16_VAR", "first-value", TRUE);
  assert_key (fixture->store, "anthropic", "first-value", PI_KEYRING_SOURCE_AUTH_FILE);

  g_setenv ("PI_KEYRING_TEST_CASE16_VAR", "second-value", TRUE);
  assert_key (fixture->store, "anthropic", "second-value", PI_KEYRING_SOURCE_AUTH_FILE);
}

/* --- cases 22, 23: the runtime override --- */

static void
test_case_22_runtime_override (Fixture       *fixture,
                               gconstpointer  data)
{
  write_api_keys (fixture, "anthropic", "!echo stored-key", NULL);
  pi_keyring_store_set_runtime_api_key (fixture->store, "anthropic", "runtime-key");

  assert_key (fixture->store, "anthropic", "runtime-key", PI_KEYRING_SOURCE_RUNTIME);
}

static void
test_case_23_runtime_override_removed (Fixture       *fixture,
                                       gconstpointer  data)
{
  write_api_keys (fixture, "anthropic", "!echo stored-key", NULL);
  pi_keyring_store_set_runtime_api_key (fixture->store, "anthropic", "runtime-key");
  pi_keyring_store_set_runtime_api_key (fixture->store, "anthropic", NULL);

  assert_key (fixture->store, "anthropic", "stored-key", PI_KEYRING_SOURCE_AUTH_FILE);

  /* An empty override is kept but yields nothing, as in pi. */
  pi_keyring_store_set_runtime_api_key (fixture->store, "anthropic", "");
  assert_key (fixture->store, "anthropic", "stored-key", PI_KEYRING_SOURCE_AUTH_FILE);
}

/* --- cases 36–43: the environment --- */

static void
test_case_36_failing_command_no_fallthrough (Fixture       *fixture,
                                             gconstpointer  data)
{
  write_api_keys (fixture, "anthropic", "!exit 1", NULL);
  g_setenv ("ANTHROPIC_API_KEY", "env-key", TRUE);

  assert_no_key (fixture->store, "anthropic", PI_KEYRING_ERROR_COMMAND_FAILED);
}

static void
assert_env_key (const char *provider,
                const char *expected)
{
  g_autofree char *key = pi_keyring_catalog_get_env_api_key (provider);

  g_assert_cmpstr (key, ==, expected);
}

static void
test_case_37_anthropic_env (Fixture       *fixture,
                            gconstpointer  data)
{
  g_setenv ("ANTHROPIC_OAUTH_TOKEN", "a", TRUE);
  g_setenv ("ANTHROPIC_API_KEY", "b", TRUE);
  assert_key (fixture->store, "anthropic", "a", PI_KEYRING_SOURCE_ENVIRONMENT);

  g_unsetenv ("ANTHROPIC_OAUTH_TOKEN");
  assert_key (fixture->store, "anthropic", "b", PI_KEYRING_SOURCE_ENVIRONMENT);

  /* pi 1.6.0's ANTHROPIC_AUTH_TOKEN goes out as a bearer header: never the
   * key, as in getEnvApiKey. */
  g_setenv ("ANTHROPIC_AUTH_TOKEN", "bearer", TRUE);
  assert_key (fixture->store, "anthropic", "b", PI_KEYRING_SOURCE_ENVIRONMENT);
  g_unsetenv ("ANTHROPIC_API_KEY");
  assert_env_key ("anthropic", NULL);
  g_unsetenv ("ANTHROPIC_AUTH_TOKEN");
}

static void
test_case_38_copilot_env (Fixture       *fixture,
                          gconstpointer  data)
{
  g_setenv ("GH_TOKEN", "g", TRUE);
  g_setenv ("GITHUB_TOKEN", "h", TRUE);
  assert_key (fixture->store, "github-copilot", "g", PI_KEYRING_SOURCE_ENVIRONMENT);

  g_setenv ("COPILOT_GITHUB_TOKEN", "c", TRUE);
  assert_key (fixture->store, "github-copilot", "c", PI_KEYRING_SOURCE_ENVIRONMENT);

  g_unsetenv ("COPILOT_GITHUB_TOKEN");
  g_unsetenv ("GH_TOKEN");
  assert_key (fixture->store, "github-copilot", "h", PI_KEYRING_SOURCE_ENVIRONMENT);
}

static void
test_case_39_vertex_env (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *adc_path = g_build_filename (fixture->tmpdir, "adc.json", NULL);
  g_autoptr(GError) error = NULL;

  g_setenv ("GOOGLE_CLOUD_API_KEY", "k", TRUE);
  assert_key (fixture->store, "google-vertex", "k", PI_KEYRING_SOURCE_ENVIRONMENT);
  g_unsetenv ("GOOGLE_CLOUD_API_KEY");

  g_file_set_contents (adc_path, "{}", -1, &error);
  g_assert_no_error (error);
  g_setenv ("GOOGLE_APPLICATION_CREDENTIALS", adc_path, TRUE);
  g_setenv ("GCLOUD_PROJECT", "p", TRUE);
  g_setenv ("GOOGLE_CLOUD_LOCATION", "us-central1", TRUE);
  assert_key (fixture->store, "google-vertex", "<authenticated>", PI_KEYRING_SOURCE_ENVIRONMENT);

  g_unsetenv ("GOOGLE_CLOUD_LOCATION");
  assert_no_key (fixture->store, "google-vertex", PI_KEYRING_ERROR_NOT_FOUND);

  /* GOOGLE_CLOUD_PROJECT serves as well as GCLOUD_PROJECT. */
  g_setenv ("GOOGLE_CLOUD_LOCATION", "us-central1", TRUE);
  g_unsetenv ("GCLOUD_PROJECT");
  assert_no_key (fixture->store, "google-vertex", PI_KEYRING_ERROR_NOT_FOUND);
  g_setenv ("GOOGLE_CLOUD_PROJECT", "p", TRUE);
  assert_env_key ("google-vertex", "<authenticated>");
}

/* pi looks for the ADC file once per process: the answer sticks. */
static void
test_vertex_adc_cached (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *adc_dir = g_build_filename (g_get_home_dir (), ".config", "gcloud", NULL);
  g_autofree char *adc_path = g_build_filename (adc_dir, "application_default_credentials.json",
                                                NULL);
  g_autoptr(GError) error = NULL;

  g_setenv ("GOOGLE_CLOUD_PROJECT", "p", TRUE);
  g_setenv ("GOOGLE_CLOUD_LOCATION", "l", TRUE);

  /* The default path under the home directory, absent at the first look. */
  g_assert_cmpint (g_mkdir_with_parents (adc_dir, 0700), ==, 0);
  g_remove (adc_path);
  assert_env_key ("google-vertex", NULL);
  g_file_set_contents (adc_path, "{}", -1, &error);
  g_assert_no_error (error);
  assert_env_key ("google-vertex", NULL);

  /* Present at the first look: still "present" after it goes. */
  _pi_keyring_catalog_reset_adc_cache ();
  assert_env_key ("google-vertex", "<authenticated>");
  g_remove (adc_path);
  assert_env_key ("google-vertex", "<authenticated>");

  /* An empty GOOGLE_APPLICATION_CREDENTIALS counts as unset. */
  _pi_keyring_catalog_reset_adc_cache ();
  g_setenv ("GOOGLE_APPLICATION_CREDENTIALS", "", TRUE);
  assert_env_key ("google-vertex", NULL);
}

static void
test_case_40_bedrock_env (Fixture       *fixture,
                          gconstpointer  data)
{
  static const char * const single_sources[] = {
    "AWS_PROFILE",
    "AWS_BEARER_TOKEN_BEDROCK",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
  };

  g_setenv ("AWS_ACCESS_KEY_ID", "id", TRUE);
  assert_no_key (fixture->store, "amazon-bedrock", PI_KEYRING_ERROR_NOT_FOUND);

  g_setenv ("AWS_SECRET_ACCESS_KEY", "secret", TRUE);
  assert_key (fixture->store, "amazon-bedrock", "<authenticated>", PI_KEYRING_SOURCE_ENVIRONMENT);

  g_unsetenv ("AWS_ACCESS_KEY_ID");
  g_unsetenv ("AWS_SECRET_ACCESS_KEY");
  g_setenv ("AWS_WEB_IDENTITY_TOKEN_FILE", "/token", TRUE);
  assert_key (fixture->store, "amazon-bedrock", "<authenticated>", PI_KEYRING_SOURCE_ENVIRONMENT);
  g_unsetenv ("AWS_WEB_IDENTITY_TOKEN_FILE");

  for (gsize i = 0; i < G_N_ELEMENTS (single_sources); i++)
    {
      g_setenv (single_sources[i], "x", TRUE);
      assert_env_key ("amazon-bedrock", "<authenticated>");
      g_unsetenv (single_sources[i]);
      assert_env_key ("amazon-bedrock", NULL);
    }
}

static void
test_case_41_shared_and_unknown_env (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_setenv ("OPENCODE_API_KEY", "x", TRUE);
  assert_key (fixture->store, "opencode", "x", PI_KEYRING_SOURCE_ENVIRONMENT);
  assert_key (fixture->store, "opencode-go", "x", PI_KEYRING_SOURCE_ENVIRONMENT);

  g_setenv ("HF_TOKEN", "t", TRUE);
  assert_key (fixture->store, "huggingface", "t", PI_KEYRING_SOURCE_ENVIRONMENT);

  g_setenv ("AZURE_OPENAI_API_KEY", "az", TRUE);
  assert_no_key (fixture->store, "azure-openai", PI_KEYRING_ERROR_NOT_FOUND);
  assert_key (fixture->store, "azure-openai-responses", "az", PI_KEYRING_SOURCE_ENVIRONMENT);
}

static void
test_case_42_empty_env_is_unset (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  PiKeyringSource sources;

  g_setenv ("OPENAI_API_KEY", "", TRUE);
  assert_no_key (fixture->store, "openai", PI_KEYRING_ERROR_NOT_FOUND);

  sources = pi_keyring_store_get_sources_sync (fixture->store, "openai", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sources, ==, PI_KEYRING_SOURCE_NONE);

  /* Empty counts as unset in the special cases as well. */
  g_setenv ("ANTHROPIC_OAUTH_TOKEN", "", TRUE);
  g_setenv ("ANTHROPIC_API_KEY", "b", TRUE);
  assert_env_key ("anthropic", "b");
  g_setenv ("COPILOT_GITHUB_TOKEN", "", TRUE);
  g_setenv ("GH_TOKEN", "g", TRUE);
  assert_env_key ("github-copilot", "g");
  g_setenv ("AWS_PROFILE", "", TRUE);
  assert_env_key ("amazon-bedrock", NULL);
}

/* pi's case 43 also has a fallback resolver (models.json custom providers)
 * after the environment; pi-keyring has no models.json resolver, so the
 * chain ends with the environment here. */
static void
test_case_43_priority (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) entry = NULL;
  g_autoptr(GError) error = NULL;

  entry = pi_keyring_credential_new_api_key ("openai", NULL, "entry-key");
  g_assert_true (pi_keyring_backend_store_sync (fixture->backend, entry, NULL, &error));
  g_assert_no_error (error);
  g_setenv ("OPENAI_API_KEY", "env-key", TRUE);
  pi_keyring_store_set_runtime_api_key (fixture->store, "openai", "runtime-key");

  assert_key (fixture->store, "openai", "runtime-key", PI_KEYRING_SOURCE_RUNTIME);

  pi_keyring_store_set_runtime_api_key (fixture->store, "openai", NULL);
  assert_key (fixture->store, "openai", "entry-key", PI_KEYRING_SOURCE_KEYRING);

  g_assert_true (pi_keyring_backend_remove_sync (fixture->backend, "openai", NULL, NULL, &error));
  g_assert_no_error (error);
  assert_key (fixture->store, "openai", "env-key", PI_KEYRING_SOURCE_ENVIRONMENT);

  g_unsetenv ("OPENAI_API_KEY");
  assert_no_key (fixture->store, "openai", PI_KEYRING_ERROR_NOT_FOUND);
}

/* --- Azure OpenAI: `azure` (pi 1.6.0) and `azure-openai-responses` (0.73.1) --- */

static void
store_api_key (Fixture    *fixture,
               const char *provider,
               const char *key)
{
  g_autoptr(PiKeyringCredential) entry = pi_keyring_credential_new_api_key (provider, NULL, key);
  g_autoptr(GError) error = NULL;

  g_assert_true (pi_keyring_backend_store_sync (fixture->backend, entry, NULL, &error));
  g_assert_no_error (error);
}

static void
assert_sources (Fixture         *fixture,
                const char      *provider,
                PiKeyringSource  expected)
{
  g_autoptr(GError) error = NULL;
  PiKeyringSource sources;

  sources = pi_keyring_store_get_sources_sync (fixture->store, provider, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sources, ==, expected);
}

/* Each id finds an entry stored under the other, in the keyring and in
 * auth.json, and the entry stays under its own id. */
static void
test_azure_either_id (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) kept = NULL;
  g_autoptr(GError) error = NULL;

  g_unsetenv ("AZURE_OPENAI_API_KEY");
  store_api_key (fixture, "azure-openai-responses", "old-id-key");
  assert_key (fixture->store, "azure", "old-id-key", PI_KEYRING_SOURCE_KEYRING);
  assert_key (fixture->store, "azure-openai-responses", "old-id-key", PI_KEYRING_SOURCE_KEYRING);
  assert_sources (fixture, "azure", PI_KEYRING_SOURCE_KEYRING);
  kept = pi_keyring_backend_lookup_sync (fixture->backend, "azure", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (kept);

  /* Its own id first, in the same source. */
  store_api_key (fixture, "azure", "new-id-key");
  assert_key (fixture->store, "azure", "new-id-key", PI_KEYRING_SOURCE_KEYRING);
  assert_key (fixture->store, "azure-openai-responses", "old-id-key", PI_KEYRING_SOURCE_KEYRING);

  /* auth.json the same way, after the keyring. */
  g_assert_true (pi_keyring_backend_remove_sync (fixture->backend, "azure", NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (pi_keyring_backend_remove_sync (fixture->backend, "azure-openai-responses",
                                                 NULL, NULL, &error));
  g_assert_no_error (error);
  write_api_keys (fixture, "azure", "file-new-id", NULL);
  assert_key (fixture->store, "azure-openai-responses", "file-new-id", PI_KEYRING_SOURCE_AUTH_FILE);
  assert_sources (fixture, "azure-openai-responses", PI_KEYRING_SOURCE_AUTH_FILE);
  write_api_keys (fixture, "azure-openai-responses", "file-old-id", NULL);
  assert_key (fixture->store, "azure", "file-old-id", PI_KEYRING_SOURCE_AUTH_FILE);
  store_api_key (fixture, "azure-openai-responses", "keyring-old-id");
  assert_key (fixture->store, "azure", "keyring-old-id", PI_KEYRING_SOURCE_KEYRING);
  assert_sources (fixture, "azure", PI_KEYRING_SOURCE_KEYRING | PI_KEYRING_SOURCE_AUTH_FILE);

  /* Other providers have no second id. */
  write_api_keys (fixture, "openai", "openai-key", NULL);
  g_unsetenv ("OPENAI_API_KEY");
  assert_no_key (fixture->store, "openai-codex", PI_KEYRING_ERROR_NOT_FOUND);
}

/* The environment step: one variable for both ids. */
static void
test_azure_env (Fixture       *fixture,
                gconstpointer  data)
{
  g_setenv ("AZURE_OPENAI_API_KEY", "azure-env", TRUE);
  assert_key (fixture->store, "azure", "azure-env", PI_KEYRING_SOURCE_ENVIRONMENT);
  assert_key (fixture->store, "azure-openai-responses", "azure-env", PI_KEYRING_SOURCE_ENVIRONMENT);
  g_unsetenv ("AZURE_OPENAI_API_KEY");
  assert_no_key (fixture->store, "azure", PI_KEYRING_ERROR_NOT_FOUND);
}

/* --- cases 45, 46: OAuth entries --- */

static void
test_case_45_gemini_oauth_json (Fixture       *fixture,
                                gconstpointer  data)
{
  write_auth_json (fixture,
                   "{\n"
                   "  \"google-gemini-cli\": {\n"
                   "    \"type\": \"oauth\",\n"
                   "    \"refresh\": \"R\",\n"
                   "    \"access\": \"A\",\n"
                   "    \"expires\": 99999999999999,\n"
                   "    \"projectId\": \"P\",\n"
                   "    \"email\": \"me@example.com\"\n"
                   "  }\n"
                   "}");

  assert_key (fixture->store, "google-gemini-cli", "{\"token\":\"A\",\"projectId\":\"P\"}",
              PI_KEYRING_SOURCE_AUTH_FILE);
}

static void
test_case_46_oauth_unregistered_id (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;

  /* groq has an API key and no OAuth login: no key, and no fallback to
   * the environment (a stored credential owns the provider). */
  write_auth_json (fixture,
                   "{\"groq\":{\"type\":\"oauth\",\"refresh\":\"R\",\"access\":\"A\","
                   "\"expires\":99999999999999},"
                   "\"openai\":{\"type\":\"oauth\",\"refresh\":\"R\",\"access\":\"A2\","
                   "\"expires\":99999999999999,\"clientId\":\"app_x\","
                   "\"scopes\":[\"chatgpt.tokens.use.direct\"]}}");
  g_setenv ("GROQ_API_KEY", "env-key", TRUE);
  g_setenv ("OPENAI_API_KEY", "env-key", TRUE);

  key = get_key (fixture->store, "groq", NULL, &error);
  g_assert_null (key);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "OAuth"));

  credential = pi_keyring_credential_new_oauth ("groq", NULL, "R", "A", 99999999999999);
  g_assert_null (pi_keyring_catalog_get_oauth_api_key (credential));

  /* openai has both (pi 1.6.0's ChatGPT sign-in): its OAuth entry gives
   * the access token, still ahead of OPENAI_API_KEY. */
  assert_key (fixture->store, "openai", "A2", PI_KEYRING_SOURCE_AUTH_FILE);
}

/* --- the catalog --- */

static void
test_catalog_ids (void)
{
  static const char * const expected[] = {
    "anthropic", "github-copilot", "google-gemini-cli", "google-antigravity", "openai-codex",
    "ant-ling", "qwen-token-plan", "qwen-token-plan-cn", "qwen-token-plan-individual",
    "qwen-token-plan-individual-cn", "openai", "azure", "azure-openai-responses", "nvidia",
    "deepseek", "google", "groq", "cerebras", "xai", "typesafe", "radius", "openrouter",
    "vercel-ai-gateway", "zai", "zai-coding-cn", "mistral", "minimax", "minimax-cn",
    "moonshotai", "moonshotai-cn", "huggingface", "fireworks", "together", "baseten",
    "opencode", "opencode-go", "kimi-coding", "meta", "cloudflare-workers-ai",
    "cloudflare-ai-gateway", "xiaomi", "xiaomi-token-plan-cn", "xiaomi-token-plan-ams",
    "xiaomi-token-plan-sgp", "google-vertex", "amazon-bedrock", NULL
  };
  static const char * const both[] = { "0.73.1", "1.6.0", NULL };
  static const char * const new_only[] = { "1.6.0", NULL };
  static const char * const old_only[] = { "0.73.1", NULL };
  static const char * const older[] = { NULL };
  const char * const *ids = pi_keyring_catalog_get_ids ();

  g_assert_cmpstrv (ids, expected);

  for (gsize i = 0; ids[i] != NULL; i++)
    {
      g_assert_true (pi_keyring_catalog_contains (ids[i]));
      g_assert_nonnull (pi_keyring_catalog_get_display_name (ids[i]));
      g_assert_nonnull (pi_keyring_catalog_get_env_vars (ids[i]));
      g_assert_nonnull (pi_keyring_catalog_get_pi_versions (ids[i]));
      if (i < 5)
        g_assert_true (pi_keyring_catalog_is_oauth (ids[i]));
    }

  g_assert_cmpstrv (pi_keyring_catalog_get_known_pi_versions (), both);
  g_assert_cmpstrv (pi_keyring_catalog_get_pi_versions ("openai"), both);
  g_assert_cmpstrv (pi_keyring_catalog_get_pi_versions ("deepseek"), both);
  g_assert_cmpstrv (pi_keyring_catalog_get_pi_versions ("azure"), new_only);
  g_assert_cmpstrv (pi_keyring_catalog_get_pi_versions ("together"), new_only);
  g_assert_cmpstrv (pi_keyring_catalog_get_pi_versions ("azure-openai-responses"), old_only);
  g_assert_cmpstrv (pi_keyring_catalog_get_pi_versions ("google-gemini-cli"), older);
  g_assert_cmpstrv (pi_keyring_catalog_get_pi_versions ("google-antigravity"), older);
  g_assert_null (pi_keyring_catalog_get_pi_versions ("azure-openai"));
  g_assert_cmpstr (pi_keyring_catalog_get_other_id ("azure"), ==, "azure-openai-responses");
  g_assert_cmpstr (pi_keyring_catalog_get_other_id ("azure-openai-responses"), ==, "azure");
  g_assert_null (pi_keyring_catalog_get_other_id ("openai"));
  g_assert_cmpstr (pi_keyring_catalog_get_key_variable ("anthropic"), ==, "ANTHROPIC_API_KEY");
  g_assert_cmpstr (pi_keyring_catalog_get_key_variable ("amazon-bedrock"), ==,
                   "AWS_BEARER_TOKEN_BEDROCK");
  g_assert_cmpstr (pi_keyring_catalog_get_key_variable ("cloudflare-ai-gateway"), ==,
                   "CLOUDFLARE_API_KEY");
  g_assert_cmpstr (pi_keyring_catalog_get_key_variable ("qwen-token-plan"), ==,
                   "QWEN_TOKEN_PLAN_TEAM_API_KEY");
  g_assert_null (pi_keyring_catalog_get_key_variable ("openai-codex"));

  g_assert_false (pi_keyring_catalog_contains ("azure-openai"));
  g_assert_null (pi_keyring_catalog_get_display_name ("azure-openai"));
  g_assert_null (pi_keyring_catalog_get_env_vars ("azure-openai"));
  g_assert_null (pi_keyring_catalog_get_flow ("azure-openai"));
  g_assert_false (pi_keyring_catalog_is_oauth ("azure-openai"));
  g_assert_null (pi_keyring_catalog_get_env_api_key ("azure-openai"));
}

static void
test_catalog_oauth_names_and_flows (void)
{
  static const struct { const char *id, *name, *flow; } oauth[] = {
    { "anthropic", "Anthropic (Claude Pro/Max)", "loopback" },
    { "github-copilot", "GitHub Copilot", "device" },
    { "google-gemini-cli", "Google Cloud Code Assist (Gemini CLI)", "loopback" },
    { "google-antigravity", "Antigravity (Gemini 3, Claude, GPT-OSS)", "loopback" },
    { "openai-codex", "ChatGPT Plus/Pro (Codex Subscription)", "loopback" },
    /* pi 1.6.0's: the ChatGPT sign-in under the API key's id and name */
    { "openai", "OpenAI", "loopback" },
    { "kimi-coding", "Kimi Code (subscription)", "device" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (oauth); i++)
    {
      g_assert_cmpstr (pi_keyring_catalog_get_display_name (oauth[i].id), ==, oauth[i].name);
      g_assert_cmpstr (pi_keyring_catalog_get_flow (oauth[i].id), ==, oauth[i].flow);
    }

  g_assert_cmpstr (pi_keyring_catalog_get_display_name ("minimax-cn"), ==, "MiniMax (China)");
  g_assert_null (pi_keyring_catalog_get_flow ("groq"));
  g_assert_null (pi_keyring_catalog_get_flow ("amazon-bedrock"));
}

static void
test_catalog_env_vars (void)
{
  /* pi 1.6.0's bearer token, the two keys, then its workload identity
   * federation (tests/test-catalog-pi.py checks the order against pi). */
  static const char * const anthropic[] = {
    "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_OAUTH_TOKEN", "ANTHROPIC_API_KEY",
    "ANTHROPIC_FEDERATION_RULE_ID", "ANTHROPIC_ORGANIZATION_ID", "ANTHROPIC_IDENTITY_TOKEN_FILE",
    "ANTHROPIC_SERVICE_ACCOUNT_ID", "ANTHROPIC_WORKSPACE_ID", NULL
  };
  static const char * const copilot[] = { "COPILOT_GITHUB_TOKEN", "GH_TOKEN", "GITHUB_TOKEN", NULL };
  static const char * const vertex[] = {
    "GOOGLE_CLOUD_API_KEY", "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT",
    "GCLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION", NULL
  };
  static const char * const bedrock[] = {
    "AWS_BEARER_TOKEN_BEDROCK", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE", NULL
  };
  static const char * const none[] = { NULL };
  static const char * const opencode[] = { "OPENCODE_API_KEY", NULL };
  static const char * const hf[] = { "HF_TOKEN", NULL };

  g_assert_cmpstrv (pi_keyring_catalog_get_env_vars ("anthropic"), anthropic);
  g_assert_cmpstrv (pi_keyring_catalog_get_env_vars ("github-copilot"), copilot);
  g_assert_cmpstrv (pi_keyring_catalog_get_env_vars ("google-vertex"), vertex);
  g_assert_cmpstrv (pi_keyring_catalog_get_env_vars ("amazon-bedrock"), bedrock);
  g_assert_cmpstrv (pi_keyring_catalog_get_env_vars ("google-gemini-cli"), none);
  g_assert_cmpstrv (pi_keyring_catalog_get_env_vars ("google-antigravity"), none);
  g_assert_cmpstrv (pi_keyring_catalog_get_env_vars ("openai-codex"), none);
  g_assert_cmpstrv (pi_keyring_catalog_get_env_vars ("opencode-go"), opencode);
  g_assert_cmpstrv (pi_keyring_catalog_get_env_vars ("huggingface"), hf);
}

static void
test_catalog_plain_map (void)
{
  static const struct { const char *id, *var; } map[] = {
    { "openai", "OPENAI_API_KEY" }, { "azure-openai-responses", "AZURE_OPENAI_API_KEY" },
    { "google", "GEMINI_API_KEY" }, { "groq", "GROQ_API_KEY" },
    { "cerebras", "CEREBRAS_API_KEY" }, { "xai", "XAI_API_KEY" },
    { "openrouter", "OPENROUTER_API_KEY" }, { "vercel-ai-gateway", "AI_GATEWAY_API_KEY" },
    { "zai", "ZAI_API_KEY" }, { "mistral", "MISTRAL_API_KEY" },
    { "minimax", "MINIMAX_API_KEY" }, { "minimax-cn", "MINIMAX_CN_API_KEY" },
    { "huggingface", "HF_TOKEN" }, { "opencode", "OPENCODE_API_KEY" },
    { "opencode-go", "OPENCODE_API_KEY" }, { "kimi-coding", "KIMI_API_KEY" },
    { "azure", "AZURE_OPENAI_API_KEY" }, { "deepseek", "DEEPSEEK_API_KEY" },
    { "nvidia", "NVIDIA_API_KEY" }, { "meta", "META_API_KEY" },
    { "cloudflare-ai-gateway", "CLOUDFLARE_API_KEY" },
    { "qwen-token-plan", "QWEN_TOKEN_PLAN_TEAM_API_KEY" },
    { "qwen-token-plan", "QWEN_TOKEN_PLAN_API_KEY" },
    { "xiaomi-token-plan-sgp", "XIAOMI_TOKEN_PLAN_SGP_API_KEY" },
  };
  static const char * const oauth_only[] = {
    "google-gemini-cli", "google-antigravity", "openai-codex"
  };

  test_unset_provider_env (extra_env_vars);
  for (gsize i = 0; i < G_N_ELEMENTS (map); i++)
    {
      g_autofree char *key = NULL;

      g_setenv (map[i].var, "value-of-var", TRUE);
      key = pi_keyring_catalog_get_env_api_key (map[i].id);
      g_assert_cmpstr (key, ==, "value-of-var");
      g_unsetenv (map[i].var);
      assert_env_key (map[i].id, NULL);
    }

  /* No variable is read for the OAuth-only providers. */
  g_setenv ("OPENAI_API_KEY", "o", TRUE);
  g_setenv ("GEMINI_API_KEY", "g", TRUE);
  for (gsize i = 0; i < G_N_ELEMENTS (oauth_only); i++)
    assert_env_key (oauth_only[i], NULL);
  test_unset_provider_env (extra_env_vars);
}

static void
test_catalog_oauth_api_key (void)
{
  g_autoptr(PiKeyringCredential) codex = NULL;
  g_autoptr(PiKeyringCredential) antigravity = NULL;
  g_autoptr(PiKeyringCredential) no_project = NULL;
  g_autoptr(PiKeyringCredential) api_key = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key1 = NULL;
  g_autofree char *key2 = NULL;
  g_autofree char *key3 = NULL;

  codex = pi_keyring_credential_new_from_json ("openai-codex", NULL,
                                               "{\"type\":\"oauth\",\"access\":\"jwt\","
                                               "\"refresh\":\"r\",\"expires\":1,"
                                               "\"accountId\":\"acc\"}", -1, &error);
  g_assert_no_error (error);
  key1 = pi_keyring_catalog_get_oauth_api_key (codex);
  g_assert_cmpstr (key1, ==, "jwt");

  antigravity = pi_keyring_credential_new_from_json ("google-antigravity", NULL,
                                                     "{\"type\":\"oauth\",\"refresh\":\"r\","
                                                     "\"access\":\"ya29.x\",\"expires\":1,"
                                                     "\"projectId\":\"rising-fact-p41fc\"}",
                                                     -1, &error);
  g_assert_no_error (error);
  key2 = pi_keyring_catalog_get_oauth_api_key (antigravity);
  g_assert_cmpstr (key2, ==, "{\"token\":\"ya29.x\",\"projectId\":\"rising-fact-p41fc\"}");

  /* JSON.stringify leaves an undefined projectId out. */
  no_project = pi_keyring_credential_new_oauth ("google-gemini-cli", NULL, "r", "A", 1);
  key3 = pi_keyring_catalog_get_oauth_api_key (no_project);
  g_assert_cmpstr (key3, ==, "{\"token\":\"A\"}");

  api_key = pi_keyring_credential_new_api_key ("anthropic", NULL, "k");
  g_assert_null (pi_keyring_catalog_get_oauth_api_key (api_key));
}

/* --- resolve_config_value directly --- */

static void
test_config_value_js_trim (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;

  /* U+00A0, U+FEFF, U+2028, U+2029, U+3000, tabs and CR around the key;
   * the inner newline and U+00A0 stay. */
  key = pi_keyring_resolve_config_value ("!printf '\\302\\240\\357\\273\\277\\t\\r\\n"
                                         "in\\302\\240ner\\nkey"
                                         "\\342\\200\\250\\342\\200\\251\\343\\200\\200 \\n'",
                                         &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, "in\302\240ner\nkey");
}

static void
test_config_value_only_whitespace (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;

  key = pi_keyring_resolve_config_value ("!printf ' \\302\\240\\n'", &error);
  g_assert_null (key);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_COMMAND_FAILED);
}

static void
test_config_value_stdio (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;

  /* stdin is /dev/null (cat ends at once) and stderr is not captured. */
  key = pi_keyring_resolve_config_value ("!cat; echo on-stderr >&2; echo out", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, "out");
}

static void
test_config_value_error_names_no_output (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;

  key = pi_keyring_resolve_config_value ("!echo secret-output-123; exit 3", &error);
  g_assert_null (key);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_COMMAND_FAILED);
  g_assert_null (strstr (error->message, "secret-output-123"));
  g_assert_nonnull (strstr (error->message, "3"));
}

static void
test_config_value_env_and_literal (void)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;

  g_setenv ("TEST_AUTH_API_KEY_12345", "from-env", TRUE);
  a = pi_keyring_resolve_config_value ("TEST_AUTH_API_KEY_12345", NULL);
  g_assert_cmpstr (a, ==, "from-env");

  /* Empty variables count as unset: the name itself is the key. */
  g_setenv ("TEST_AUTH_API_KEY_12345", "", TRUE);
  b = pi_keyring_resolve_config_value ("TEST_AUTH_API_KEY_12345", NULL);
  g_assert_cmpstr (b, ==, "TEST_AUTH_API_KEY_12345");
  g_unsetenv ("TEST_AUTH_API_KEY_12345");

  /* Only a leading `!` is a command. */
  c = pi_keyring_resolve_config_value (" !echo x", NULL);
  g_assert_cmpstr (c, ==, " !echo x");
}

typedef struct
{
  const char *value;
  char       *result;
} ThreadCall;

static gpointer
resolve_in_thread (gpointer data)
{
  ThreadCall *call = data;

  call->result = pi_keyring_resolve_config_value (call->value, NULL);
  return NULL;
}

/* Threads that ask for one command at the same time share one run. */
static void
test_config_value_threads_share_one_run (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autofree char *quoted = g_shell_quote (fixture->counter_path);
  g_autofree char *command = g_strdup_printf ("!echo x >> %s; sleep 0.3; echo shared", quoted);
  ThreadCall calls[4];
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      calls[i].value = command;
      calls[i].result = NULL;
      threads[i] = g_thread_new ("resolve", resolve_in_thread, &calls[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      g_thread_join (threads[i]);
      g_assert_cmpstr (calls[i].result, ==, "shared");
      g_free (calls[i].result);
    }

  g_assert_cmpuint (read_counter (fixture), ==, 1);
}

static void
add_case (const char *path,
          void (*func) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (key_cases); i++)
    g_test_add (key_cases[i].path, Fixture, &key_cases[i],
                fixture_setup, test_key_case, fixture_teardown);

  add_case ("/lookup/conformance/case-11-command-cached", test_case_11_command_cached);
  add_case ("/lookup/conformance/case-12-cache-shared-by-stores",
            test_case_12_cache_shared_by_stores);
  add_case ("/lookup/conformance/case-13-clear-cache", test_case_13_clear_cache);
  add_case ("/lookup/conformance/case-14-two-providers", test_case_14_two_providers);
  add_case ("/lookup/conformance/case-15-failure-cached", test_case_15_failure_cached);
  add_case ("/lookup/conformance/case-16-env-var-reread", test_case_16_env_var_reread);
  add_case ("/lookup/conformance/case-22-runtime-override", test_case_22_runtime_override);
  add_case ("/lookup/conformance/case-23-runtime-override-removed",
            test_case_23_runtime_override_removed);
  add_case ("/lookup/conformance/case-36-failing-command-no-fallthrough",
            test_case_36_failing_command_no_fallthrough);
  add_case ("/lookup/conformance/case-37-anthropic-env", test_case_37_anthropic_env);
  add_case ("/lookup/conformance/case-38-copilot-env", test_case_38_copilot_env);
  add_case ("/lookup/conformance/case-39-vertex-env", test_case_39_vertex_env);
  add_case ("/lookup/conformance/case-40-bedrock-env", test_case_40_bedrock_env);
  add_case ("/lookup/conformance/case-41-shared-and-unknown-env",
            test_case_41_shared_and_unknown_env);
  add_case ("/lookup/conformance/case-42-empty-env-is-unset", test_case_42_empty_env_is_unset);
  add_case ("/lookup/conformance/case-43-priority", test_case_43_priority);
  add_case ("/lookup/conformance/case-45-gemini-oauth-json", test_case_45_gemini_oauth_json);
  add_case ("/lookup/conformance/case-46-oauth-unregistered-id",
            test_case_46_oauth_unregistered_id);
  add_case ("/lookup/env/vertex-adc-cached-per-process", test_vertex_adc_cached);
  add_case ("/lookup/azure/either-id", test_azure_either_id);
  add_case ("/lookup/azure/env", test_azure_env);
  add_case ("/lookup/config-value/threads-share-one-run",
            test_config_value_threads_share_one_run);

  g_test_add_func ("/lookup/catalog/ids", test_catalog_ids);
  g_test_add_func ("/lookup/catalog/oauth-names-and-flows", test_catalog_oauth_names_and_flows);
  g_test_add_func ("/lookup/catalog/env-vars", test_catalog_env_vars);
  g_test_add_func ("/lookup/catalog/plain-map", test_catalog_plain_map);
  g_test_add_func ("/lookup/catalog/oauth-api-key", test_catalog_oauth_api_key);
  g_test_add_func ("/lookup/config-value/js-trim", test_config_value_js_trim);
  g_test_add_func ("/lookup/config-value/only-whitespace", test_config_value_only_whitespace);
  g_test_add_func ("/lookup/config-value/stdio", test_config_value_stdio);
  g_test_add_func ("/lookup/config-value/error-names-no-output",
                   test_config_value_error_names_no_output);
  g_test_add_func ("/lookup/config-value/env-and-literal", test_config_value_env_and_literal);

  return g_test_run ();
}
