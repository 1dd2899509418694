/* test-store.c: PiKeyringStore: properties, signals, profiles, sources,
 * commands and OAuth entries
 *
 * The store's backend is a memory backend; "auth.json" is a real file in a
 * temporary directory read through the file backend.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "store/pi-keyring-store-private.h"

#include "test-util.h"

#define FAR_FUTURE_MS G_GINT64_CONSTANT (99999999999999)

typedef struct
{
  char             *tmpdir;
  char             *auth_path;
  PiKeyringBackend *backend;
  PiKeyringStore   *store;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  test_unset_provider_env (NULL);
  pi_keyring_clear_config_value_cache ();

  fixture->tmpdir = g_dir_make_tmp ("pi-keyring-store-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->auth_path = g_build_filename (fixture->tmpdir, "auth.json", NULL);
  fixture->backend = pi_keyring_memory_backend_new ();
  fixture->store = g_object_new (PI_KEYRING_TYPE_STORE,
                                 "backend", fixture->backend,
                                 "auth-file", fixture->auth_path,
                                 NULL);
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
  test_unset_provider_env (NULL);
  pi_keyring_clear_config_value_cache ();
  _pi_keyring_set_command_timeout_ms (0);
}

static void
write_auth_json (Fixture    *fixture,
                 const char *text)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (fixture->auth_path, text, -1, &error);
  g_assert_no_error (error);
}

static void
store_credential (PiKeyringStore      *store,
                  PiKeyringCredential *credential)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pi_keyring_store_set_credential_sync (store, credential, NULL, &error));
  g_assert_no_error (error);
}

static void
store_api_key (PiKeyringStore *store,
               const char     *provider,
               const char     *key)
{
  g_autoptr(PiKeyringCredential) credential =
    pi_keyring_credential_new_api_key (provider, pi_keyring_store_get_profile (store), key);

  store_credential (store, credential);
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

  key = pi_keyring_store_get_api_key_sync (store, provider, &source, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, expected);
  g_assert_cmpint (source, ==, expected_source);
}

static GError *
get_key_error (PiKeyringStore *store,
               const char     *provider)
{
  GError *error = NULL;
  g_autofree char *key = NULL;

  key = pi_keyring_store_get_api_key_sync (store, provider, NULL, NULL, &error);
  g_assert_null (key);
  g_assert_nonnull (error);

  return error;
}

static PiKeyringSource
get_sources (PiKeyringStore *store,
             const char     *provider)
{
  g_autoptr(GError) error = NULL;
  PiKeyringSource sources;

  sources = pi_keyring_store_get_sources_sync (store, provider, NULL, &error);
  g_assert_no_error (error);

  return sources;
}

/* --- signals --- */

typedef struct
{
  guint  count;
  char  *last_provider;
} SignalLog;

static void
on_credential_changed (PiKeyringStore *store,
                       const char     *provider,
                       gpointer        user_data)
{
  SignalLog *log = user_data;

  log->count++;
  g_free (log->last_provider);
  log->last_provider = g_strdup (provider);
}

static void
test_signal_detail (Fixture       *fixture,
                    gconstpointer  data)
{
  SignalLog openai_log = { 0 };
  SignalLog all_log = { 0 };
  g_autoptr(GError) error = NULL;

  g_signal_connect (fixture->store, "credential-changed::openai",
                    G_CALLBACK (on_credential_changed), &openai_log);
  g_signal_connect (fixture->store, "credential-changed",
                    G_CALLBACK (on_credential_changed), &all_log);

  store_api_key (fixture->store, "anthropic", "a");
  g_assert_cmpuint (openai_log.count, ==, 0);
  g_assert_cmpuint (all_log.count, ==, 1);
  g_assert_cmpstr (all_log.last_provider, ==, "anthropic");

  store_api_key (fixture->store, "openai", "o");
  g_assert_cmpuint (openai_log.count, ==, 1);
  g_assert_cmpstr (openai_log.last_provider, ==, "openai");

  g_assert_true (pi_keyring_store_remove_sync (fixture->store, "openai", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (openai_log.count, ==, 2);
  g_assert_cmpuint (all_log.count, ==, 3);

  /* A failed removal emits nothing. */
  g_assert_false (pi_keyring_store_remove_sync (fixture->store, "openai", NULL, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND);
  g_assert_cmpuint (openai_log.count, ==, 2);
  g_assert_cmpuint (all_log.count, ==, 3);

  g_signal_handlers_disconnect_by_data (fixture->store, &openai_log);
  g_signal_handlers_disconnect_by_data (fixture->store, &all_log);
  g_free (openai_log.last_provider);
  g_free (all_log.last_provider);
}

/* --- profiles --- */

static void
test_profiles_kept_apart (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(PiKeyringStore) work = NULL;
  g_autoptr(PiKeyringCredential) stored = NULL;
  g_autoptr(PiKeyringCredential) foreign = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;

  work = g_object_new (PI_KEYRING_TYPE_STORE,
                       "backend", fixture->backend,
                       "profile", "work",
                       "auth-file", "",
                       NULL);
  g_assert_cmpstr (pi_keyring_store_get_profile (work), ==, "work");

  store_api_key (fixture->store, "openai", "personal-key");
  store_api_key (work, "openai", "work-key");

  assert_key (fixture->store, "openai", "personal-key", PI_KEYRING_SOURCE_KEYRING);
  assert_key (work, "openai", "work-key", PI_KEYRING_SOURCE_KEYRING);

  /* A credential of another profile is refused, not rewritten; its copy
   * for the store's profile is stored. */
  foreign = pi_keyring_credential_new_api_key ("anthropic", "elsewhere", "a-key");
  g_assert_false (pi_keyring_store_set_credential_sync (work, foreign, NULL, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "“elsewhere”"));
  g_clear_error (&error);
  g_assert_null (pi_keyring_store_get_credential_sync (work, "anthropic", NULL, &error));
  g_assert_no_error (error);
  {
    g_autoptr(PiKeyringCredential) copy = pi_keyring_credential_copy_for_profile (foreign, "work");

    store_credential (work, copy);
  }
  stored = pi_keyring_store_get_credential_sync (work, "anthropic", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (stored);
  g_assert_cmpstr (pi_keyring_credential_get_profile (stored), ==, "work");
  g_assert_cmpstr (pi_keyring_credential_get_key (stored), ==, "a-key");
  g_assert_cmpstr (pi_keyring_credential_get_profile (foreign), ==, "elsewhere");

  list = pi_keyring_store_list_sync (work, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  for (guint i = 0; i < list->len; i++)
    g_assert_cmpstr (pi_keyring_credential_get_profile (g_ptr_array_index (list, i)), ==, "work");
  g_clear_pointer (&list, g_ptr_array_unref);

  list = pi_keyring_store_list_sync (fixture->store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);

  /* Removing in one profile leaves the other alone. */
  g_assert_true (pi_keyring_store_remove_sync (work, "openai", NULL, &error));
  g_assert_no_error (error);
  assert_key (fixture->store, "openai", "personal-key", PI_KEYRING_SOURCE_KEYRING);

  /* Switching the profile switches what the store sees. */
  pi_keyring_store_set_profile (fixture->store, "work");
  assert_key (fixture->store, "anthropic", "a-key", PI_KEYRING_SOURCE_KEYRING);
}

/* --- sources --- */

static void
test_backend_wins_over_auth_json (Fixture       *fixture,
                                  gconstpointer  data)
{
  PiKeyringSource sources;

  write_auth_json (fixture, "{\"openai\":{\"type\":\"api_key\",\"key\":\"file-key\"}}");
  g_setenv ("OPENAI_API_KEY", "env-key", TRUE);

  assert_key (fixture->store, "openai", "file-key", PI_KEYRING_SOURCE_AUTH_FILE);
  g_assert_cmpint (get_sources (fixture->store, "openai"), ==,
                   PI_KEYRING_SOURCE_AUTH_FILE | PI_KEYRING_SOURCE_ENVIRONMENT);

  store_api_key (fixture->store, "openai", "keyring-key");
  assert_key (fixture->store, "openai", "keyring-key", PI_KEYRING_SOURCE_KEYRING);

  sources = get_sources (fixture->store, "openai");
  g_assert_cmpint (sources, ==, PI_KEYRING_SOURCE_KEYRING | PI_KEYRING_SOURCE_AUTH_FILE |
                                PI_KEYRING_SOURCE_ENVIRONMENT);
  /* The winner is the lowest flag. */
  g_assert_cmpint (sources & -sources, ==, PI_KEYRING_SOURCE_KEYRING);

  pi_keyring_store_set_runtime_api_key (fixture->store, "openai", "runtime-key");
  g_assert_cmpint (get_sources (fixture->store, "openai"), ==,
                   PI_KEYRING_SOURCE_RUNTIME | PI_KEYRING_SOURCE_KEYRING |
                   PI_KEYRING_SOURCE_AUTH_FILE | PI_KEYRING_SOURCE_ENVIRONMENT);

  /* An empty override is not a source. */
  pi_keyring_store_set_runtime_api_key (fixture->store, "openai", "");
  g_assert_cmpint (get_sources (fixture->store, "openai") & PI_KEYRING_SOURCE_RUNTIME, ==, 0);

  g_assert_cmpint (get_sources (fixture->store, "anthropic"), ==, PI_KEYRING_SOURCE_NONE);
}

static void
test_sources_resolve_nothing (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *marker = g_build_filename (fixture->tmpdir, "ran", NULL);
  g_autofree char *quoted = g_shell_quote (marker);
  g_autofree char *command = g_strdup_printf ("!touch %s; echo k", quoted);
  g_autoptr(PiKeyringCredential) expired = NULL;

  store_api_key (fixture->store, "openai", command);
  expired = pi_keyring_credential_new_oauth ("anthropic", NULL, "r", "a", 1);
  store_credential (fixture->store, expired);

  g_assert_cmpint (get_sources (fixture->store, "openai"), ==, PI_KEYRING_SOURCE_KEYRING);
  g_assert_cmpint (get_sources (fixture->store, "anthropic"), ==, PI_KEYRING_SOURCE_KEYRING);
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
}

static void
test_auth_file_disabled (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  write_auth_json (fixture, "{\"openai\":{\"type\":\"api_key\",\"key\":\"file-key\"}}");
  pi_keyring_store_set_auth_file (fixture->store, "");

  error = get_key_error (fixture->store, "openai");
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND);
  g_assert_cmpint (get_sources (fixture->store, "openai"), ==, PI_KEYRING_SOURCE_NONE);

  pi_keyring_store_set_auth_file (fixture->store, fixture->auth_path);
  assert_key (fixture->store, "openai", "file-key", PI_KEYRING_SOURCE_AUTH_FILE);
}

/* A store on the file backend itself does not read the same file twice. */
static void
test_file_backend_is_not_its_own_fallback (Fixture       *fixture,
                                           gconstpointer  data)
{
  g_autoptr(PiKeyringBackend) file_backend = NULL;
  g_autoptr(PiKeyringStore) store = NULL;

  write_auth_json (fixture, "{\"openai\":{\"type\":\"api_key\",\"key\":\"file-key\"}}");
  file_backend = pi_keyring_file_backend_new (fixture->auth_path);
  if (!PI_KEYRING_IS_FILE_BACKEND (file_backend))
    {
      g_test_skip ("The file backend is not built yet.");
      return;
    }

  store = g_object_new (PI_KEYRING_TYPE_STORE,
                        "backend", file_backend,
                        "auth-file", fixture->auth_path,
                        NULL);

  assert_key (store, "openai", "file-key", PI_KEYRING_SOURCE_KEYRING);
  g_assert_cmpint (get_sources (store, "openai"), ==, PI_KEYRING_SOURCE_KEYRING);
}

static void
test_malformed_auth_json_is_an_error (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  PiKeyringSource sources;

  write_auth_json (fixture, "{\"openai\": {\"type\": \"api_key\",");
  g_setenv ("OPENAI_API_KEY", "env-key", TRUE);

  error = get_key_error (fixture->store, "openai");
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE);
  g_clear_error (&error);

  sources = pi_keyring_store_get_sources_sync (fixture->store, "openai", NULL, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE);
  g_assert_cmpint (sources, ==, PI_KEYRING_SOURCE_NONE);

  /* The backend's own entry is found before the file is looked at. */
  store_api_key (fixture->store, "openai", "keyring-key");
  assert_key (fixture->store, "openai", "keyring-key", PI_KEYRING_SOURCE_KEYRING);
}

/* --- commands --- */

static void
test_failing_command_no_fallthrough (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  store_api_key (fixture->store, "openai", "!echo oops >&2; exit 7");
  write_auth_json (fixture, "{\"openai\":{\"type\":\"api_key\",\"key\":\"file-key\"}}");
  g_setenv ("OPENAI_API_KEY", "env-key", TRUE);

  error = get_key_error (fixture->store, "openai");
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_COMMAND_FAILED);
  g_assert_null (strstr (error->message, "oops"));
}

static void
test_command_timeout (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 start;
  gint64 elapsed_ms;

  g_assert_cmpuint (_pi_keyring_get_command_timeout_ms (), ==, 10000);
  _pi_keyring_set_command_timeout_ms (500);

  /* The background child keeps stdout open after the shell is killed:
   * the time limit still ends the wait. */
  store_api_key (fixture->store, "openai", "!sleep 3 & sleep 3; echo late");
  g_setenv ("OPENAI_API_KEY", "env-key", TRUE);

  start = g_get_monotonic_time ();
  error = get_key_error (fixture->store, "openai");
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;

  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_COMMAND_FAILED);
  g_assert_cmpint (elapsed_ms, >=, 450);
  g_assert_cmpint (elapsed_ms, <, 2500);

  /* The time-out is cached like any failure. */
  g_clear_error (&error);
  start = g_get_monotonic_time ();
  error = get_key_error (fixture->store, "openai");
  g_assert_cmpint ((g_get_monotonic_time () - start) / 1000, <, 400);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_COMMAND_FAILED);

  _pi_keyring_set_command_timeout_ms (0);
  g_assert_cmpuint (_pi_keyring_get_command_timeout_ms (), ==, 10000);
}

static void
test_command_within_limit (Fixture       *fixture,
                           gconstpointer  data)
{
  _pi_keyring_set_command_timeout_ms (3000);
  store_api_key (fixture->store, "openai", "!sleep 0.2; echo in-time");

  assert_key (fixture->store, "openai", "in-time", PI_KEYRING_SOURCE_KEYRING);
}

static void
test_empty_literal_key (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_autoptr(PiKeyringCredential) empty = pi_keyring_credential_new_api_key ("openai", NULL, "");
  PiKeyringBackend *backend = pi_keyring_store_get_backend (fixture->store);
  PiKeyringSyncClosure closure;

  /* The store refuses to write an empty key... */
  g_assert_false (pi_keyring_store_set_credential_sync (fixture->store, empty, NULL, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* ...but one that is there (pi wrote it) is no key. */
  _pi_keyring_sync_closure_init (&closure);
  PI_KEYRING_BACKEND_GET_IFACE (backend)->store_async (backend, empty, NULL,
                                                       _pi_keyring_sync_closure_callback, &closure);
  g_assert_true (PI_KEYRING_BACKEND_GET_IFACE (backend)->store_finish (
    backend, _pi_keyring_sync_closure_wait (&closure), &error));
  _pi_keyring_sync_closure_clear (&closure);
  g_assert_no_error (error);
  g_setenv ("OPENAI_API_KEY", "env-key", TRUE);

  error = get_key_error (fixture->store, "openai");
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND);
}

/* --- OAuth entries --- */

static void
test_oauth_unexpired (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) credential = NULL;

  credential = pi_keyring_credential_new_oauth ("anthropic", NULL, "r", "sk-ant-oat01-x",
                                                FAR_FUTURE_MS);
  store_credential (fixture->store, credential);
  g_setenv ("ANTHROPIC_API_KEY", "env-key", TRUE);

  assert_key (fixture->store, "anthropic", "sk-ant-oat01-x", PI_KEYRING_SOURCE_KEYRING);
}

static void
test_oauth_without_expires_never_expires (Fixture       *fixture,
                                          gconstpointer  data)
{
  write_auth_json (fixture, "{\"openai-codex\":{\"type\":\"oauth\",\"access\":\"jwt\"}}");

  assert_key (fixture->store, "openai-codex", "jwt", PI_KEYRING_SOURCE_AUTH_FILE);
}

static void
test_other_kind_skipped (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) other = NULL;
  g_autoptr(GError) error = NULL;

  other = pi_keyring_credential_new_from_json ("openai", NULL, "{\"type\":\"future\",\"x\":1}",
                                               -1, &error);
  g_assert_no_error (error);
  store_credential (fixture->store, other);
  write_auth_json (fixture, "{\"openai\":{\"type\":\"api_key\",\"key\":\"file-key\"}}");

  /* An entry of a type pi does not know is skipped. */
  assert_key (fixture->store, "openai", "file-key", PI_KEYRING_SOURCE_AUTH_FILE);
  g_assert_cmpint (get_sources (fixture->store, "openai"), ==, PI_KEYRING_SOURCE_AUTH_FILE);
}

/* --- the async API --- */

static void
test_async_get_api_key (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) sources_result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  PiKeyringSource source = PI_KEYRING_SOURCE_NONE;

  store_api_key (fixture->store, "groq", "!echo async-key");

  pi_keyring_store_get_api_key_async (fixture->store, "groq", NULL, test_on_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  key = pi_keyring_store_get_api_key_finish (fixture->store, result, &source, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, "async-key");
  g_assert_cmpint (source, ==, PI_KEYRING_SOURCE_KEYRING);

  pi_keyring_store_get_sources_async (fixture->store, "groq", NULL, test_on_result, &sources_result);
  while (sources_result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (pi_keyring_store_get_sources_finish (fixture->store, sources_result, &error),
                   ==, PI_KEYRING_SOURCE_KEYRING);
  g_assert_no_error (error);
}

/* Two concurrent async lookups of one command run it once. */
static void
test_async_concurrent_commands (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autofree char *counter = g_build_filename (fixture->tmpdir, "counter", NULL);
  g_autofree char *quoted = g_shell_quote (counter);
  g_autofree char *command = g_strdup_printf ("!echo x >> %s; sleep 0.2; echo k", quoted);
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autofree char *k1 = NULL;
  g_autofree char *k2 = NULL;
  g_autofree char *contents = NULL;

  store_api_key (fixture->store, "xai", command);

  pi_keyring_store_get_api_key_async (fixture->store, "xai", NULL, test_on_result, &r1);
  pi_keyring_store_get_api_key_async (fixture->store, "xai", NULL, test_on_result, &r2);
  while (r1 == NULL || r2 == NULL)
    g_main_context_iteration (NULL, TRUE);

  k1 = pi_keyring_store_get_api_key_finish (fixture->store, r1, NULL, NULL);
  k2 = pi_keyring_store_get_api_key_finish (fixture->store, r2, NULL, NULL);
  g_assert_cmpstr (k1, ==, "k");
  g_assert_cmpstr (k2, ==, "k");

  g_assert_true (g_file_get_contents (counter, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "x\n");
}

/* --- properties --- */

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           gpointer    user_data)
{
  guint *count = user_data;

  (*count)++;
}

static void
test_properties (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(PiKeyringStore) store = NULL;
  g_autofree char *default_path = pi_keyring_get_default_auth_file_path ();
  g_autoptr(PiKeyringBackend) backend = NULL;
  guint profile_notes = 0;
  guint auth_notes = 0;

  store = pi_keyring_store_new (fixture->backend);
  g_assert_true (pi_keyring_store_get_backend (store) == fixture->backend);
  g_object_get (store, "backend", &backend, NULL);
  g_assert_true (backend == fixture->backend);
  g_assert_cmpstr (pi_keyring_store_get_profile (store), ==, "default");
  g_assert_cmpstr (pi_keyring_store_get_auth_file (store), ==, default_path);

  g_signal_connect (store, "notify::profile", G_CALLBACK (on_notify), &profile_notes);
  g_signal_connect (store, "notify::auth-file", G_CALLBACK (on_notify), &auth_notes);

  pi_keyring_store_set_profile (store, "default");
  g_assert_cmpuint (profile_notes, ==, 0);
  pi_keyring_store_set_profile (store, "work");
  g_assert_cmpuint (profile_notes, ==, 1);
  g_object_set (store, "profile", "work", NULL);
  g_assert_cmpuint (profile_notes, ==, 1);
  pi_keyring_store_set_profile (store, NULL);
  g_assert_cmpuint (profile_notes, ==, 2);
  g_assert_cmpstr (pi_keyring_store_get_profile (store), ==, "default");

  pi_keyring_store_set_auth_file (store, NULL);
  g_assert_cmpuint (auth_notes, ==, 0);
  pi_keyring_store_set_auth_file (store, "");
  g_assert_cmpuint (auth_notes, ==, 1);
  g_assert_cmpstr (pi_keyring_store_get_auth_file (store), ==, "");
  pi_keyring_store_set_auth_file (store, "");
  g_assert_cmpuint (auth_notes, ==, 1);
  pi_keyring_store_set_auth_file (store, NULL);
  g_assert_cmpuint (auth_notes, ==, 2);
  g_assert_cmpstr (pi_keyring_store_get_auth_file (store), ==, default_path);
}

static void
test_new_without_backend (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(PiKeyringStore) memory = NULL;
  g_autoptr(PiKeyringStore) fallback = NULL;

  g_setenv ("PI_KEYRING_BACKEND", "memory", TRUE);
  memory = pi_keyring_store_new (NULL);
  g_assert_cmpstr (pi_keyring_backend_get_name (pi_keyring_store_get_backend (memory)), ==,
                   "memory");

  g_unsetenv ("PI_KEYRING_BACKEND");

  /* An unknown name falls back to auto, with a message, never to memory.
   * (The message is structured logging, which g_test_expect_message ()
   * does not catch in GLib 2.74: look at the child's stderr.) */
  if (g_test_subprocess ())
    {
      g_setenv ("PI_KEYRING_BACKEND", "no-such-backend", TRUE);
      fallback = pi_keyring_store_new (NULL);
      g_assert_nonnull (pi_keyring_store_get_backend (fallback));
      g_print ("backend=%s\n",
               pi_keyring_backend_get_name (pi_keyring_store_get_backend (fallback)));
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*no-such-backend*auto*");
  g_test_trap_assert_stdout ("*backend=*");
  g_test_trap_assert_stdout_unmatched ("*backend=memory*");
}

/* --- names: DESIGN §8, one rule and one message at every entry point --- */

static const char * const bad_names[] = {
  "", "a/b", "../x", ".hidden", "-x", "bad profile", "tab\tname", "new\nline", "ü",
  "0123456789012345678901234567890123456789012345678901234567890123"
  "45678901234567890123456789012345678901234567890123456789012345678",   /* 129 */
};

static void
assert_name_error (GError     *error,
                   const char *name)
{
  g_autoptr(GError) expected = NULL;

  g_assert_false (pi_keyring_validate_id (name, &expected));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, expected->message);
}

static void
on_login_result (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GError **out = user_data;
  g_autoptr(PiKeyringCredential) credential = NULL;

  credential = pi_keyring_store_login_finish (PI_KEYRING_STORE (source), result, out);
  g_assert_null (credential);
  g_assert_nonnull (*out);
}

/* Every call of the store with @name as the provider (or, with
 * @as_profile, as the store's profile and "openai" as the provider) is
 * INVALID_ARGUMENT with pi_keyring_validate_id ()'s message. */
static void
assert_calls_refuse (PiKeyringStore *store,
                     const char     *name,
                     gboolean        as_profile)
{
  const char *provider = as_profile ? "openai" : name;
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(PiKeyringCredentialLock) lock = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *key = NULL;
  GError *error = NULL;

  g_assert_null (pi_keyring_store_get_credential_sync (store, provider, NULL, &error));
  assert_name_error (error, name);
  g_clear_error (&error);

  g_assert_null (pi_keyring_store_get_fresh_credential_sync (store, provider, 0, NULL, &error));
  assert_name_error (error, name);
  g_clear_error (&error);

  g_assert_false (pi_keyring_store_set_api_key_sync (store, provider, "sk-1", NULL, &error));
  assert_name_error (error, name);
  g_clear_error (&error);

  key = pi_keyring_store_get_api_key_sync (store, provider, NULL, NULL, &error);
  g_assert_null (key);
  assert_name_error (error, name);
  g_clear_error (&error);

  g_assert_cmpint (pi_keyring_store_get_sources_sync (store, provider, NULL, &error), ==,
                   PI_KEYRING_SOURCE_NONE);
  assert_name_error (error, name);
  g_clear_error (&error);

  g_assert_false (pi_keyring_store_remove_sync (store, provider, NULL, &error));
  assert_name_error (error, name);
  g_clear_error (&error);

  g_assert_false (pi_keyring_store_logout_sync (store, provider, NULL, &error));
  assert_name_error (error, name);
  g_clear_error (&error);

  g_assert_null (pi_keyring_store_refresh_sync (store, provider, NULL, &error));
  assert_name_error (error, name);
  g_clear_error (&error);

  pi_keyring_store_lock_credential_async (store, provider, NULL, test_on_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  lock = pi_keyring_store_lock_credential_finish (store, result, &error);
  g_assert_null (lock);
  assert_name_error (error, name);
  g_clear_error (&error);

  pi_keyring_store_login_async (store, as_profile ? "anthropic" : name, NULL, NULL, NULL,
                                on_login_result, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  assert_name_error (error, name);
  g_clear_error (&error);

  if (as_profile)
    {
      list = pi_keyring_store_list_sync (store, NULL, &error);
      g_assert_null (list);
      assert_name_error (error, name);
      g_clear_error (&error);
    }
}

static void
test_names_refused (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (bad_names); i++)
    {
      assert_calls_refuse (fixture->store, bad_names[i], FALSE);

      pi_keyring_store_set_profile (fixture->store, bad_names[i]);
      g_assert_cmpstr (pi_keyring_store_get_profile (fixture->store), ==, bad_names[i]);
      assert_calls_refuse (fixture->store, bad_names[i], TRUE);
      pi_keyring_store_set_profile (fixture->store, NULL);
    }

  /* Nothing was stored under any of them. */
  list = pi_keyring_backend_list_sync (fixture->backend, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);

  /* The longest name is fine. */
  {
    g_autofree char *longest = g_strnfill (128, 'a');

    g_assert_true (pi_keyring_store_set_api_key_sync (fixture->store, longest, "k", NULL, &error));
    g_assert_no_error (error);
  }
}

/* --- set_api_key --- */

static void
test_set_api_key (Fixture       *fixture,
                  gconstpointer  data)
{
  SignalLog log = { 0 };
  g_autoptr(PiKeyringCredential) stored = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_signal_connect (fixture->store, "credential-changed::openai",
                    G_CALLBACK (on_credential_changed), &log);

  g_assert_true (pi_keyring_store_set_api_key_sync (fixture->store, "openai", "sk-one", NULL,
                                                    &error));
  g_assert_no_error (error);
  g_assert_cmpuint (log.count, ==, 1);
  assert_key (fixture->store, "openai", "sk-one", PI_KEYRING_SOURCE_KEYRING);

  /* In the store's profile; the async pair. */
  pi_keyring_store_set_profile (fixture->store, "work");
  pi_keyring_store_set_api_key_async (fixture->store, "openai", "!echo work", NULL,
                                      test_on_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (pi_keyring_store_set_api_key_finish (fixture->store, result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (log.count, ==, 2);
  stored = pi_keyring_store_get_credential_sync (fixture->store, "openai", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pi_keyring_credential_get_profile (stored), ==, "work");
  g_assert_cmpstr (pi_keyring_credential_get_key (stored), ==, "!echo work");

  /* An empty key is refused and changes nothing. */
  g_assert_false (pi_keyring_store_set_api_key_sync (fixture->store, "openai", "", NULL, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "The API key of “openai” is empty; nothing was stored.");
  g_clear_error (&error);
  g_assert_cmpuint (log.count, ==, 2);
  pi_keyring_store_set_profile (fixture->store, NULL);
  assert_key (fixture->store, "openai", "sk-one", PI_KEYRING_SOURCE_KEYRING);

  /* A provider pi-keyring does not know is stored all the same. */
  g_assert_true (pi_keyring_store_set_api_key_sync (fixture->store, "my-proxy", "k", NULL,
                                                    &error));
  g_assert_no_error (error);
  assert_key (fixture->store, "my-proxy", "k", PI_KEYRING_SOURCE_KEYRING);

  g_signal_handlers_disconnect_by_data (fixture->store, &log);
  g_free (log.last_provider);
}

/* An unknown provider is named so, a known one by its environment. */
static void
test_unknown_provider (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) unknown = get_key_error (fixture->store, "no-such-provider");
  g_autoptr(GError) known = get_key_error (fixture->store, "openai");

  g_assert_error (unknown, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (unknown->message, "“no-such-provider” is an unknown provider"));
  g_assert_null (strstr (unknown->message, "environment"));
  g_assert_error (known, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (known->message, "environment variables"));
}

/* --- plaintext (issue 22, item 5) --- */

static void
test_plaintext (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->tmpdir, "plain.json", NULL);
  g_autoptr(PiKeyringBackend) file = pi_keyring_file_backend_new (path);
  g_autoptr(PiKeyringStore) refusing = NULL;
  g_autoptr(PiKeyringStore) quiet = NULL;
  g_autoptr(PiKeyringStore) store = NULL;
  g_autoptr(GError) error = NULL;
  gboolean plaintext = TRUE;

  g_assert_false (pi_keyring_store_get_plaintext (fixture->store));
  g_object_get (fixture->store, "plaintext", &plaintext, NULL);
  g_assert_false (plaintext);
  g_assert_cmpint (pi_keyring_store_get_flags (fixture->store), ==, PI_KEYRING_STORE_FLAGS_NONE);

  /* Refused at construction… */
  store = pi_keyring_store_new_full (file, PI_KEYRING_STORE_FLAGS_REFUSE_PLAINTEXT, &error);
  g_assert_null (store);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "plaintext"));
  g_clear_error (&error);

  /* …and at every write of a store made without new_full (). */
  refusing = g_object_new (PI_KEYRING_TYPE_STORE, "backend", file,
                           "flags", PI_KEYRING_STORE_FLAGS_REFUSE_PLAINTEXT, NULL);
  g_assert_true (pi_keyring_store_get_plaintext (refusing));
  g_assert_false (pi_keyring_store_set_api_key_sync (refusing, "openai", "sk-1", NULL, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  /* On a backend that is not plaintext, the flag changes nothing. */
  g_clear_object (&store);
  store = pi_keyring_store_new_full (fixture->backend, PI_KEYRING_STORE_FLAGS_REFUSE_PLAINTEXT,
                                     &error);
  g_assert_no_error (error);
  g_assert_true (pi_keyring_store_set_api_key_sync (store, "openai", "sk-1", NULL, &error));
  g_assert_no_error (error);

  /* Told not to warn: no warning (it would be fatal here). */
  quiet = pi_keyring_store_new_full (file, PI_KEYRING_STORE_FLAGS_NO_PLAINTEXT_WARNING, &error);
  g_assert_no_error (error);
  g_assert_true (pi_keyring_store_get_plaintext (quiet));
  g_assert_true (pi_keyring_store_set_api_key_sync (quiet, "openai", "sk-1", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));

  /* Otherwise one warning per store, however many writes. (Structured
   * logging: look at the child's stderr.) */
  if (g_test_subprocess ())
    {
      g_clear_object (&store);
      g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
      store = pi_keyring_store_new (file);
      g_assert_true (pi_keyring_store_set_api_key_sync (store, "openai", "sk-2", NULL, &error));
      g_assert_true (pi_keyring_store_set_api_key_sync (store, "anthropic", "sk-3", NULL, &error));
      g_assert_no_error (error);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*WARNING*Secrets are written in plaintext to *plain.json*");
  g_test_trap_assert_stderr_unmatched ("*plaintext to*plaintext to*");
  g_test_trap_assert_stderr_unmatched ("*sk-*");
}

/* new_full () reports what new () passes over. */
static void
test_new_full_unknown_backend (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(PiKeyringStore) store = NULL;
  g_autoptr(GError) error = NULL;

  g_setenv ("PI_KEYRING_BACKEND", "no-such-backend", TRUE);
  store = pi_keyring_store_new_full (NULL, PI_KEYRING_STORE_FLAGS_NONE, &error);
  g_unsetenv ("PI_KEYRING_BACKEND");
  g_assert_null (store);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT);
}

static void
test_source_to_string (void)
{
  g_assert_cmpstr (pi_keyring_source_to_string (PI_KEYRING_SOURCE_RUNTIME), ==, "runtime");
  g_assert_cmpstr (pi_keyring_source_to_string (PI_KEYRING_SOURCE_KEYRING), ==, "keyring");
  g_assert_cmpstr (pi_keyring_source_to_string (PI_KEYRING_SOURCE_AUTH_FILE), ==, "auth.json");
  g_assert_cmpstr (pi_keyring_source_to_string (PI_KEYRING_SOURCE_ENVIRONMENT), ==, "env");
  g_assert_null (pi_keyring_source_to_string (PI_KEYRING_SOURCE_NONE));
  g_assert_null (pi_keyring_source_to_string (PI_KEYRING_SOURCE_RUNTIME |
                                              PI_KEYRING_SOURCE_KEYRING));
}

static void
add_test (const char *path,
          void (*func) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  add_test ("/store/signal/credential-changed-detail", test_signal_detail);
  add_test ("/store/profiles/kept-apart", test_profiles_kept_apart);
  add_test ("/store/sources/backend-wins-over-auth-json", test_backend_wins_over_auth_json);
  add_test ("/store/sources/resolve-nothing", test_sources_resolve_nothing);
  add_test ("/store/sources/auth-file-disabled", test_auth_file_disabled);
  add_test ("/store/sources/file-backend-is-not-its-own-fallback",
            test_file_backend_is_not_its_own_fallback);
  add_test ("/store/sources/malformed-auth-json-is-an-error", test_malformed_auth_json_is_an_error);
  add_test ("/store/command/failure-no-fallthrough", test_failing_command_no_fallthrough);
  add_test ("/store/command/timeout", test_command_timeout);
  add_test ("/store/command/within-limit", test_command_within_limit);
  add_test ("/store/command/empty-literal-key", test_empty_literal_key);
  add_test ("/store/oauth/unexpired", test_oauth_unexpired);
  add_test ("/store/oauth/without-expires-never-expires", test_oauth_without_expires_never_expires);
  add_test ("/store/other-kind-skipped", test_other_kind_skipped);
  add_test ("/store/async/get-api-key", test_async_get_api_key);
  add_test ("/store/async/concurrent-commands-run-once", test_async_concurrent_commands);
  add_test ("/store/properties", test_properties);
  add_test ("/store/new-without-backend", test_new_without_backend);
  add_test ("/store/new-full/unknown-backend", test_new_full_unknown_backend);
  add_test ("/store/names/refused", test_names_refused);
  add_test ("/store/set-api-key", test_set_api_key);
  add_test ("/store/unknown-provider", test_unknown_provider);
  add_test ("/store/plaintext", test_plaintext);
  g_test_add_func ("/store/source-to-string", test_source_to_string);

  return g_test_run ();
}
