/* test-store-oauth.c: the store's OAuth part: refresh on get with
 * write-back to the credential's origin, pi's re-read semantics
 * (pi-auth.md §3.7 step 3c, conformance cases 44 to 49), single flight,
 * the refresh, login and logout calls
 *
 * The OAuth provider is a small one written here, registered under the id
 * `anthropic` (so that ANTHROPIC_API_KEY is its environment variable) with
 * a scripted refresh. The store's backend is a memory backend unless a
 * test says otherwise; "auth.json" is a real file in a temporary directory.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "store/pi-keyring-store-private.h"

#include "test-util.h"

#define FAR_FUTURE_MS G_GINT64_CONSTANT (99999999999999)
#define PROVIDER_ID   "anthropic"

/* --- the test provider --- */

#define TEST_TYPE_PROVIDER (test_provider_get_type ())
G_DECLARE_FINAL_TYPE (TestProvider, test_provider, TEST, PROVIDER, GObject)

typedef void (*TestHook) (TestProvider *provider,
                          gpointer      data);

struct _TestProvider
{
  GObject    parent_instance;

  char      *id;

  /* refresh */
  guint      refresh_calls;
  GPtrArray *refresh_tokens;  /* the refresh tokens sent, in order */
  guint      delay_ms;
  gint       fail_code;       /* -1: succeed; else a PI_KEYRING_ERROR code */
  TestHook   on_refresh;      /* called when a refresh starts */
  gpointer   on_refresh_data;

  /* login */
  guint      login_calls;
  GVariant  *login_options;

  /* revoke */
  guint      revoke_calls;
  gboolean   revoke_fails;
  TestHook   on_revoke;
  gpointer   on_revoke_data;
};

static void test_provider_iface_init (PiKeyringProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestProvider, test_provider, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PI_KEYRING_TYPE_PROVIDER,
                                                      test_provider_iface_init))

static const char *
test_get_id (PiKeyringProvider *provider)
{
  return TEST_PROVIDER (provider)->id;
}

static const char *
test_get_display_name (PiKeyringProvider *provider)
{
  return "Test OAuth Provider";
}

/* As pi's conformance case 17: the key form differs from `access`. */
static char *
test_get_api_key (PiKeyringProvider   *provider,
                  PiKeyringCredential *credential)
{
  const char *access = pi_keyring_credential_get_access (credential);

  return access != NULL ? g_strconcat ("Bearer ", access, NULL) : NULL;
}

static void
return_after_delay (TestProvider *self,
                    GTask        *task,
                    GSourceFunc   func)
{
  g_autoptr(GSource) source = g_timeout_source_new (self->delay_ms);

  g_task_attach_source (task, source, func);
}

static gboolean
on_refresh_delay (gpointer user_data)
{
  GTask *task = user_data;
  TestProvider *self = g_task_get_source_object (task);
  PiKeyringCredential *old = g_task_get_task_data (task);
  g_autoptr(JsonObject) entry = json_object_new ();
  g_autofree char *refresh = g_strdup_printf ("rotated-%u", self->refresh_calls);
  g_autofree char *access = g_strdup_printf ("refreshed-access-%u", self->refresh_calls);
  const char *account;

  if (self->fail_code >= 0)
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, self->fail_code,
                               "The token endpoint said no (test).");
      return G_SOURCE_REMOVE;
    }

  /* A complete replacement, in pi's field order; `accountId` is kept. */
  json_object_set_string_member (entry, "type", "oauth");
  json_object_set_string_member (entry, "refresh", refresh);
  json_object_set_string_member (entry, "access", access);
  json_object_set_int_member (entry, "expires", _pi_keyring_now_ms () + 3600000);
  account = pi_keyring_credential_get_string_field (old, "accountId");
  if (account != NULL)
    json_object_set_string_member (entry, "accountId", account);

  g_task_return_pointer (task,
                         _pi_keyring_credential_new_take_object (self->id, NULL,
                                                                 json_object_ref (entry)),
                         g_object_unref);
  return G_SOURCE_REMOVE;
}

static void
test_refresh_async (PiKeyringProvider   *provider,
                    PiKeyringCredential *credential,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  TestProvider *self = TEST_PROVIDER (provider);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, test_refresh_async);

  self->refresh_calls++;
  g_ptr_array_add (self->refresh_tokens,
                   g_strdup (pi_keyring_credential_get_refresh (credential)));
  g_task_set_task_data (task, g_object_ref (credential), g_object_unref);

  if (self->on_refresh != NULL)
    self->on_refresh (self, self->on_refresh_data);

  return_after_delay (self, task, on_refresh_delay);
}

static gboolean
on_login_delay (gpointer user_data)
{
  GTask *task = user_data;
  TestProvider *self = g_task_get_source_object (task);
  PiKeyringCredential *credential;

  credential = pi_keyring_credential_new_oauth (self->id, NULL, "login-refresh",
                                                "login-access", FAR_FUTURE_MS);
  g_task_return_pointer (task, credential, g_object_unref);
  return G_SOURCE_REMOVE;
}

static void
test_login_async (PiKeyringProvider    *provider,
                  PiKeyringInteraction *interaction,
                  GVariant             *options,
                  GCancellable         *cancellable,
                  GAsyncReadyCallback   callback,
                  gpointer              user_data)
{
  TestProvider *self = TEST_PROVIDER (provider);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, test_login_async);

  self->login_calls++;
  g_clear_pointer (&self->login_options, g_variant_unref);
  if (options != NULL)
    self->login_options = g_variant_ref_sink (options);

  pi_keyring_interaction_show_auth (interaction, "https://example.com/authorize", NULL);
  return_after_delay (self, task, on_login_delay);
}

static void
test_revoke_async (PiKeyringProvider   *provider,
                   PiKeyringCredential *credential,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  TestProvider *self = TEST_PROVIDER (provider);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, test_revoke_async);

  self->revoke_calls++;
  if (self->on_revoke != NULL)
    self->on_revoke (self, self->on_revoke_data);

  if (self->revoke_fails)
    g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY,
                             "The revocation endpoint is down (test).");
  else
    g_task_return_boolean (task, TRUE);
}

static void
test_provider_iface_init (PiKeyringProviderInterface *iface)
{
  iface->get_id = test_get_id;
  iface->get_display_name = test_get_display_name;
  iface->get_api_key = test_get_api_key;
  iface->login_async = test_login_async;
  iface->refresh_async = test_refresh_async;
  iface->revoke_async = test_revoke_async;
}

static void
test_provider_finalize (GObject *object)
{
  TestProvider *self = TEST_PROVIDER (object);

  g_free (self->id);
  g_ptr_array_unref (self->refresh_tokens);
  g_clear_pointer (&self->login_options, g_variant_unref);

  G_OBJECT_CLASS (test_provider_parent_class)->finalize (object);
}

static void
test_provider_class_init (TestProviderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_provider_finalize;
}

static void
test_provider_init (TestProvider *self)
{
  self->refresh_tokens = g_ptr_array_new_with_free_func (g_free);
  self->fail_code = -1;
  self->delay_ms = 10;
}

static TestProvider *
test_provider_new (const char *id)
{
  TestProvider *self = g_object_new (TEST_TYPE_PROVIDER, NULL);

  self->id = g_strdup (id);
  return self;
}

/* --- messages the library logs --- */

static GPtrArray *logged_messages;

static GLogWriterOutput
record_messages (GLogLevelFlags   log_level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  const char *domain = NULL, *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
        domain = fields[i].value;
      else if (g_str_equal (fields[i].key, "MESSAGE"))
        message = fields[i].value;
    }

  if ((log_level & G_LOG_LEVEL_MESSAGE) && g_strcmp0 (domain, "PiKeyring") == 0 &&
      message != NULL)
    {
      g_ptr_array_add (logged_messages, g_strdup (message));
      return G_LOG_WRITER_HANDLED;
    }

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/* --- fixture --- */

typedef struct
{
  char             *tmpdir;
  char             *auth_path;
  char             *lock_path;
  PiKeyringBackend *backend;
  PiKeyringStore   *store;
  TestProvider     *provider;
  guint             changed;
  guint             refreshed;
  guint             failed;
  GError           *failed_error;
} Fixture;

static void
on_changed (PiKeyringStore *store,
            const char     *provider,
            gpointer        user_data)
{
  Fixture *fixture = user_data;

  g_assert_cmpstr (provider, ==, PROVIDER_ID);
  fixture->changed++;
}

static void
on_refreshed (PiKeyringStore      *store,
              const char          *provider,
              PiKeyringCredential *credential,
              gpointer             user_data)
{
  Fixture *fixture = user_data;

  g_assert_cmpstr (provider, ==, PROVIDER_ID);
  g_assert_true (PI_KEYRING_IS_CREDENTIAL (credential));
  fixture->refreshed++;
}

static void
on_refresh_failed (PiKeyringStore *store,
                   const char     *provider,
                   const GError   *error,
                   gpointer        user_data)
{
  Fixture *fixture = user_data;

  g_assert_cmpstr (provider, ==, PROVIDER_ID);
  g_assert_nonnull (error);
  fixture->failed++;
  g_clear_error (&fixture->failed_error);
  fixture->failed_error = g_error_copy (error);
}

static PiKeyringStore *
new_store (Fixture          *fixture,
           PiKeyringBackend *backend)
{
  PiKeyringStore *store = g_object_new (PI_KEYRING_TYPE_STORE,
                                        "backend", backend,
                                        "auth-file", fixture->auth_path,
                                        NULL);

  g_signal_connect (store, "credential-changed::" PROVIDER_ID, G_CALLBACK (on_changed), fixture);
  g_signal_connect (store, "credential-refreshed::" PROVIDER_ID, G_CALLBACK (on_refreshed),
                    fixture);
  g_signal_connect (store, "refresh-failed::" PROVIDER_ID, G_CALLBACK (on_refresh_failed),
                    fixture);
  return store;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  test_unset_provider_env (NULL);
  g_ptr_array_set_size (logged_messages, 0);

  fixture->tmpdir = g_dir_make_tmp ("pi-keyring-store-oauth-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->auth_path = g_build_filename (fixture->tmpdir, "auth.json", NULL);
  fixture->lock_path = g_strconcat (fixture->auth_path, ".lock", NULL);
  fixture->backend = pi_keyring_memory_backend_new ();
  fixture->store = new_store (fixture, fixture->backend);

  fixture->provider = test_provider_new (PROVIDER_ID);
  pi_keyring_register_provider (PI_KEYRING_PROVIDER (fixture->provider));
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  /* The built-in provider of that id comes back. */
  pi_keyring_unregister_provider (PROVIDER_ID);
  g_clear_object (&fixture->provider);
  g_clear_object (&fixture->store);
  g_clear_object (&fixture->backend);
  g_clear_error (&fixture->failed_error);
  test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
  g_free (fixture->auth_path);
  g_free (fixture->lock_path);
  test_unset_provider_env (NULL);
}

/* --- helpers --- */

static void
write_auth_json (Fixture    *fixture,
                 const char *text)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (fixture->auth_path, text, -1, &error);
  g_assert_no_error (error);
  g_assert_no_errno (g_chmod (fixture->auth_path, 0600));
}

static char *
read_auth_json (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (fixture->auth_path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static PiKeyringCredential *
credential_from_json (const char *provider,
                      const char *profile,
                      const char *json)
{
  g_autoptr(GError) error = NULL;
  PiKeyringCredential *credential;

  credential = pi_keyring_credential_new_from_json (provider, profile, json, -1, &error);
  g_assert_no_error (error);
  return credential;
}

static void
store_credential (PiKeyringStore      *store,
                  PiKeyringCredential *credential)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pi_keyring_store_set_credential_sync (store, credential, NULL, &error));
  g_assert_no_error (error);
}

static PiKeyringCredential *
backend_lookup (PiKeyringBackend *backend,
                const char       *profile)
{
  g_autoptr(GError) error = NULL;
  PiKeyringCredential *credential;

  credential = pi_keyring_backend_lookup_sync (backend, PROVIDER_ID, profile, NULL, &error);
  g_assert_no_error (error);
  return credential;
}

static void
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
}

static char *
get_key (PiKeyringStore   *store,
         PiKeyringSource  *out_source,
         GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pi_keyring_store_get_api_key_async (store, PROVIDER_ID, NULL, test_on_result, &result);
  wait_for (&result);
  return pi_keyring_store_get_api_key_finish (store, result, out_source, error);
}

static void
assert_key (PiKeyringStore  *store,
            const char      *expected,
            PiKeyringSource  expected_source)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  PiKeyringSource source = PI_KEYRING_SOURCE_NONE;

  key = get_key (store, &source, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, expected);
  g_assert_cmpint (source, ==, expected_source);
}

static const char EXPIRED_ENTRY[] =
  "{\"type\":\"oauth\",\"refresh\":\"old-refresh\",\"access\":\"old-access\","
  "\"expires\":1000,\"accountId\":\"acc\"}";

/* auth.json with the expired entry between two others, as pi writes it. */
static const char AUTH_JSON_EXPIRED[] =
  "{\n"
  "  \"openai\": {\n"
  "    \"type\": \"api_key\",\n"
  "    \"key\": \"sk-openai\"\n"
  "  },\n"
  "  \"anthropic\": {\n"
  "    \"type\": \"oauth\",\n"
  "    \"refresh\": \"old-refresh\",\n"
  "    \"access\": \"old-access\",\n"
  "    \"expires\": 1000,\n"
  "    \"accountId\": \"acc\"\n"
  "  },\n"
  "  \"unknown-provider\": {\n"
  "    \"custom\": true\n"
  "  }\n"
  "}";

/* --- refresh on get --- */

static void
test_refresh_on_get_backend (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) expired = NULL;
  g_autoptr(PiKeyringCredential) stored = NULL;
  g_autofree char *fields = NULL;

  pi_keyring_store_set_profile (fixture->store, "work");
  expired = credential_from_json (PROVIDER_ID, "work", EXPIRED_ENTRY);
  store_credential (fixture->store, expired);
  fixture->changed = 0;

  assert_key (fixture->store, "Bearer refreshed-access-1", PI_KEYRING_SOURCE_KEYRING);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 1);
  g_assert_cmpstr (fixture->provider->refresh_tokens->pdata[0], ==, "old-refresh");

  /* Written back to the backend, in the store's profile, as the provider
   * returned it. */
  stored = backend_lookup (fixture->backend, "work");
  g_assert_nonnull (stored);
  g_assert_cmpstr (pi_keyring_credential_get_profile (stored), ==, "work");
  g_assert_cmpstr (pi_keyring_credential_get_access (stored), ==, "refreshed-access-1");
  g_assert_cmpstr (pi_keyring_credential_get_refresh (stored), ==, "rotated-1");
  fields = g_strjoinv (",", pi_keyring_credential_get_field_names (stored));
  g_assert_cmpstr (fields, ==, "type,refresh,access,expires,accountId");
  g_assert_cmpuint (fixture->changed, ==, 1);
  g_assert_cmpuint (fixture->refreshed, ==, 1);
  g_assert_cmpuint (fixture->failed, ==, 0);

  /* Nothing went to auth.json. */
  g_assert_false (g_file_test (fixture->auth_path, G_FILE_TEST_EXISTS));

  /* Unexpired now: no second refresh. */
  assert_key (fixture->store, "Bearer refreshed-access-1", PI_KEYRING_SOURCE_KEYRING);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 1);
}

static void
test_refresh_on_get_auth_json (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) in_backend = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *expected = NULL;
  struct stat st;

  write_auth_json (fixture, AUTH_JSON_EXPIRED);

  assert_key (fixture->store, "Bearer refreshed-access-1", PI_KEYRING_SOURCE_AUTH_FILE);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 1);

  /* The entry is replaced in place; the others are untouched; pi's format. */
  text = read_auth_json (fixture);
  {
    g_autoptr(PiKeyringCredential) fresh = NULL;
    g_autoptr(JsonObject) doc = _pi_keyring_auth_json_parse (text, -1, "auth.json", &error);
    gint64 expires;

    g_assert_no_error (error);
    fresh = pi_keyring_backend_lookup_sync (_pi_keyring_store_get_auth_file_backend (fixture->store),
                                            PROVIDER_ID, NULL, NULL, &error);
    g_assert_no_error (error);
    expires = pi_keyring_credential_get_expires (fresh);
    expected = g_strdup_printf ("{\n"
                                "  \"openai\": {\n"
                                "    \"type\": \"api_key\",\n"
                                "    \"key\": \"sk-openai\"\n"
                                "  },\n"
                                "  \"anthropic\": {\n"
                                "    \"type\": \"oauth\",\n"
                                "    \"refresh\": \"rotated-1\",\n"
                                "    \"access\": \"refreshed-access-1\",\n"
                                "    \"expires\": %" G_GINT64_FORMAT ",\n"
                                "    \"accountId\": \"acc\"\n"
                                "  },\n"
                                "  \"unknown-provider\": {\n"
                                "    \"custom\": true\n"
                                "  }\n"
                                "}", expires);
  }
  g_assert_cmpstr (text, ==, expected);
  g_assert_no_errno (g_stat (fixture->auth_path, &st));
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_false (g_file_test (fixture->lock_path, G_FILE_TEST_EXISTS));

  /* Not duplicated into the backend. */
  in_backend = backend_lookup (fixture->backend, NULL);
  g_assert_null (in_backend);
  listed = pi_keyring_backend_list_sync (fixture->backend, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (listed->len, ==, 0);
  g_assert_cmpuint (fixture->changed, ==, 1);
  g_assert_cmpuint (fixture->refreshed, ==, 1);
}

/* The store's backend is pi's auth.json itself (`--backend=file`). */
static void
test_refresh_on_get_file_backend (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(PiKeyringBackend) file_backend = pi_keyring_file_backend_new (fixture->auth_path);
  g_autoptr(PiKeyringStore) store = new_store (fixture, file_backend);
  g_autoptr(PiKeyringCredential) stored = NULL;

  write_auth_json (fixture, AUTH_JSON_EXPIRED);

  assert_key (store, "Bearer refreshed-access-1", PI_KEYRING_SOURCE_KEYRING);
  stored = backend_lookup (file_backend, NULL);
  g_assert_cmpstr (pi_keyring_credential_get_refresh (stored), ==, "rotated-1");
  g_assert_false (g_file_test (fixture->lock_path, G_FILE_TEST_EXISTS));
}

/* The lock is pi's, held from the re-read to the write: a held lock makes
 * the refresh wait, and the token request happens with the lock taken. */
static void
check_lock_held (TestProvider *provider,
                 gpointer      data)
{
  Fixture *fixture = data;

  g_assert_true (g_file_test (fixture->lock_path, G_FILE_TEST_IS_DIR));
}

static gboolean
release_pi_lock (gpointer data)
{
  Fixture *fixture = data;

  g_assert_no_errno (g_rmdir (fixture->lock_path));
  return G_SOURCE_REMOVE;
}

static void
test_refresh_holds_pi_lock (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(PiKeyringBackend) file_backend = pi_keyring_file_backend_new (fixture->auth_path);
  g_autoptr(PiKeyringStore) store = new_store (fixture, file_backend);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  gint64 start;

  write_auth_json (fixture, AUTH_JSON_EXPIRED);
  fixture->provider->on_refresh = check_lock_held;
  fixture->provider->on_refresh_data = fixture;

  /* "pi" takes the lock after our first read (the file backend reads
   * when the lookup starts), for 300 ms. */
  pi_keyring_store_get_api_key_async (store, PROVIDER_ID, NULL, test_on_result, &result);
  g_assert_no_errno (g_mkdir (fixture->lock_path, 0700));
  g_timeout_add (300, release_pi_lock, fixture);
  start = g_get_monotonic_time ();
  wait_for (&result);

  key = pi_keyring_store_get_api_key_finish (store, result, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, "Bearer refreshed-access-1");
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 250 * 1000);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 1);
  g_assert_false (g_file_test (fixture->lock_path, G_FILE_TEST_EXISTS));
}

/* --- conformance --- */

/* 44: hasAuth (get_sources) counts an expired entry and makes no request;
 * get_api_key for it refreshes. */
static void
test_case_44 (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) expired = credential_from_json (PROVIDER_ID, NULL, EXPIRED_ENTRY);
  g_autoptr(GError) error = NULL;

  store_credential (fixture->store, expired);
  write_auth_json (fixture, AUTH_JSON_EXPIRED);

  g_assert_cmpint (pi_keyring_store_get_sources_sync (fixture->store, PROVIDER_ID, NULL, &error),
                   ==, PI_KEYRING_SOURCE_KEYRING | PI_KEYRING_SOURCE_AUTH_FILE);
  g_assert_no_error (error);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 0);

  assert_key (fixture->store, "Bearer refreshed-access-1", PI_KEYRING_SOURCE_KEYRING);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 1);
}

/* 45 through a registered provider: its key form is what get hands out. */
static void
test_unexpired_uses_provider_key_form (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) valid = NULL;

  valid = pi_keyring_credential_new_oauth (PROVIDER_ID, NULL, "r", "valid-access", FAR_FUTURE_MS);
  store_credential (fixture->store, valid);

  assert_key (fixture->store, "Bearer valid-access", PI_KEYRING_SOURCE_KEYRING);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 0);
  g_assert_cmpstr (pi_keyring_catalog_get_display_name (PROVIDER_ID), ==, "Test OAuth Provider");
  g_assert_cmpstr (pi_keyring_catalog_get_flow (PROVIDER_ID), ==, "loopback");
}

/* 46: an OAuth entry under an id with no registered provider is final. */
static void
test_case_46 (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) valid = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;

  /* groq: an API key only (openai has pi 1.6.0's ChatGPT sign-in). */
  valid = pi_keyring_credential_new_oauth ("groq", NULL, "r", "a", FAR_FUTURE_MS);
  store_credential (fixture->store, valid);
  g_setenv ("GROQ_API_KEY", "env-key", TRUE);

  g_assert_false (pi_keyring_catalog_is_oauth ("groq"));
  key = pi_keyring_store_get_api_key_sync (fixture->store, "groq", NULL, NULL, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND);
  g_assert_null (key);
}

/* 47: the entry this store read was expired, but another program (a second
 * store on the same file) refreshed it meanwhile: no request, no write. */
static void
test_case_47 (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(PiKeyringBackend) other_backend = pi_keyring_memory_backend_new ();
  g_autoptr(PiKeyringStore) other = NULL;
  g_autoptr(GAsyncResult) result_a = NULL;
  g_autoptr(GAsyncResult) result_b = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key_a = NULL;
  g_autofree char *key_b = NULL;
  g_autofree char *after_a = NULL;
  g_autofree char *after_b = NULL;
  guint changed_b_meanwhile;

  write_auth_json (fixture, AUTH_JSON_EXPIRED);
  other = g_object_new (PI_KEYRING_TYPE_STORE,
                        "backend", other_backend,
                        "auth-file", fixture->auth_path,
                        NULL);
  fixture->provider->delay_ms = 200;

  /* Both read the expired entry; A takes the lock and refreshes; B waits
   * for the lock, reads the entry again and finds A's token. */
  pi_keyring_store_get_api_key_async (other, PROVIDER_ID, NULL, test_on_result, &result_a);
  pi_keyring_store_get_api_key_async (fixture->store, PROVIDER_ID, NULL, test_on_result, &result_b);
  wait_for (&result_a);
  after_a = read_auth_json (fixture);
  changed_b_meanwhile = fixture->changed;
  wait_for (&result_b);

  key_a = pi_keyring_store_get_api_key_finish (other, result_a, NULL, &error);
  g_assert_no_error (error);
  key_b = pi_keyring_store_get_api_key_finish (fixture->store, result_b, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key_a, ==, "Bearer refreshed-access-1");
  g_assert_cmpstr (key_b, ==, "Bearer refreshed-access-1");

  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 1);
  after_b = read_auth_json (fixture);
  g_assert_cmpstr (after_a, ==, after_b);
  /* B (the fixture's store) wrote nothing: it emitted no change. */
  g_assert_cmpuint (changed_b_meanwhile, ==, 0);
  g_assert_cmpuint (fixture->changed, ==, 0);
  g_assert_cmpuint (fixture->refreshed, ==, 0);
}

/* 48: the refresh fails (the endpoint answered 400): an error, and the
 * entry is still in the file, byte for byte. */
static void
test_case_48 (Fixture       *fixture,
              gconstpointer  data)
{
  static const PiKeyringError codes[] = {
    PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED,
    PI_KEYRING_ERROR_RATE_LIMITED,
    PI_KEYRING_ERROR_TEMPORARY,
  };

  write_auth_json (fixture, AUTH_JSON_EXPIRED);
  g_setenv ("ANTHROPIC_API_KEY", "env-key", TRUE);

  for (gsize i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *key = NULL;
      g_autofree char *text = NULL;

      fixture->provider->fail_code = codes[i];
      key = get_key (fixture->store, NULL, &error);
      g_assert_error (error, PI_KEYRING_ERROR, (gint) codes[i]);
      g_assert_null (key);
      g_assert_nonnull (strstr (error->message, "Test OAuth Provider"));

      text = read_auth_json (fixture);
      g_assert_cmpstr (text, ==, AUTH_JSON_EXPIRED);
      g_assert_false (g_file_test (fixture->lock_path, G_FILE_TEST_EXISTS));
      g_assert_cmpuint (fixture->failed, ==, i + 1);
      g_assert_error (fixture->failed_error, PI_KEYRING_ERROR, (gint) codes[i]);
    }

  g_assert_cmpuint (fixture->provider->refresh_calls, ==, G_N_ELEMENTS (codes));
  g_assert_cmpuint (fixture->changed, ==, 0);
}

/* 49: another program replaced the entry with an api_key one after we read
 * it: the refresh yields nothing and this lookup takes the environment,
 * not the new api_key entry. */
static void
test_case_49 (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(PiKeyringBackend) file_backend = pi_keyring_file_backend_new (fixture->auth_path);
  g_autoptr(PiKeyringStore) store = new_store (fixture, file_backend);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  PiKeyringSource source = PI_KEYRING_SOURCE_NONE;

  write_auth_json (fixture, AUTH_JSON_EXPIRED);
  g_setenv ("ANTHROPIC_API_KEY", "env-key", TRUE);

  /* The first read of auth.json happens when the lookup starts (the file
   * backend reads at once); the re-read under the lock comes later, from
   * the main loop. */
  pi_keyring_store_get_api_key_async (store, PROVIDER_ID, NULL, test_on_result, &result);
  write_auth_json (fixture, "{\"anthropic\":{\"type\":\"api_key\",\"key\":\"new-api-key\"}}");
  wait_for (&result);

  key = pi_keyring_store_get_api_key_finish (store, result, &source, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, "env-key");
  g_assert_cmpint (source, ==, PI_KEYRING_SOURCE_ENVIRONMENT);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 0);

  /* The next lookup sees the api_key entry. */
  assert_key (store, "new-api-key", PI_KEYRING_SOURCE_KEYRING);
}

/* The same, when the entry is removed from the backend meanwhile. */
static void
remove_from_backend (TestProvider *provider,
                     gpointer      data)
{
  g_assert_not_reached ();
}

static void
test_entry_gone_from_backend (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) expired = credential_from_json (PROVIDER_ID, NULL, EXPIRED_ENTRY);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  PiKeyringSource source = PI_KEYRING_SOURCE_NONE;

  store_credential (fixture->store, expired);
  g_setenv ("ANTHROPIC_API_KEY", "env-key", TRUE);
  fixture->provider->on_refresh = remove_from_backend;

  /* The memory backend looks up when asked and answers from an idle: the
   * entry goes after the first lookup and before the re-read. */
  pi_keyring_store_get_api_key_async (fixture->store, PROVIDER_ID, NULL, test_on_result, &result);
  g_assert_true (pi_keyring_backend_remove_sync (fixture->backend, PROVIDER_ID, NULL, NULL,
                                                 &error));
  g_assert_no_error (error);
  wait_for (&result);

  key = pi_keyring_store_get_api_key_finish (fixture->store, result, &source, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, "env-key");
  g_assert_cmpint (source, ==, PI_KEYRING_SOURCE_ENVIRONMENT);
}

/* --- failures keep the credential --- */

static void
test_failure_keeps_credential (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) expired = credential_from_json (PROVIDER_ID, NULL, EXPIRED_ENTRY);
  g_autoptr(PiKeyringCredential) after = NULL;
  g_autoptr(PiKeyringCredential) refreshed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;

  store_credential (fixture->store, expired);
  fixture->changed = 0;
  fixture->provider->fail_code = PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED;

  key = get_key (fixture->store, NULL, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED);
  g_clear_error (&error);
  after = backend_lookup (fixture->backend, NULL);
  g_assert_true (pi_keyring_credential_equal (after, expired));

  refreshed = pi_keyring_store_refresh_sync (fixture->store, PROVIDER_ID, NULL, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED);
  g_assert_null (refreshed);
  g_clear_object (&after);
  after = backend_lookup (fixture->backend, NULL);
  g_assert_true (pi_keyring_credential_equal (after, expired));
  g_assert_cmpuint (fixture->changed, ==, 0);
  g_assert_cmpuint (fixture->failed, ==, 2);
}

/* pi's second re-read: while our request failed, another program refreshed
 * (and spent the token we sent); get uses its entry, refresh still fails. */
static void
refresh_elsewhere (TestProvider *provider,
                   gpointer      data)
{
  Fixture *fixture = data;
  g_autoptr(PiKeyringCredential) fresh = NULL;
  g_autoptr(GError) error = NULL;

  fresh = pi_keyring_credential_new_oauth (PROVIDER_ID, NULL, "elsewhere-refresh",
                                           "elsewhere-access", FAR_FUTURE_MS);
  g_assert_true (pi_keyring_backend_store_sync (fixture->backend, fresh, NULL, &error));
  g_assert_no_error (error);
}

static void
test_failure_then_fresher_entry (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) expired = credential_from_json (PROVIDER_ID, NULL, EXPIRED_ENTRY);
  g_autoptr(PiKeyringCredential) refreshed = NULL;
  g_autoptr(GError) error = NULL;

  store_credential (fixture->store, expired);
  fixture->provider->fail_code = PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED;
  fixture->provider->on_refresh = refresh_elsewhere;
  fixture->provider->on_refresh_data = fixture;

  assert_key (fixture->store, "Bearer elsewhere-access", PI_KEYRING_SOURCE_KEYRING);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 1);
  g_assert_cmpuint (fixture->failed, ==, 0);

  /* A forced refresh reports its own failure. */
  refreshed = pi_keyring_store_refresh_sync (fixture->store, PROVIDER_ID, NULL, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED);
  g_assert_cmpuint (fixture->failed, ==, 1);
}

/* --- single flight --- */

#define N_CONCURRENT 10

static void
test_single_flight (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) expired = credential_from_json (PROVIDER_ID, NULL, EXPIRED_ENTRY);
  GAsyncResult *results[N_CONCURRENT] = { NULL };
  g_autoptr(GAsyncResult) refresh_result = NULL;
  g_autoptr(PiKeyringCredential) refreshed = NULL;
  g_autoptr(GError) error = NULL;

  store_credential (fixture->store, expired);
  fixture->changed = 0;
  fixture->provider->delay_ms = 100;

  for (guint i = 0; i < N_CONCURRENT; i++)
    pi_keyring_store_get_api_key_async (fixture->store, PROVIDER_ID, NULL, test_on_result,
                                        &results[i]);
  pi_keyring_store_refresh_async (fixture->store, PROVIDER_ID, NULL, test_on_result, &refresh_result);

  for (guint i = 0; i < N_CONCURRENT; i++)
    wait_for (&results[i]);
  wait_for (&refresh_result);

  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      g_autofree char *key = NULL;

      key = pi_keyring_store_get_api_key_finish (fixture->store, results[i], NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (key, ==, "Bearer refreshed-access-1");
      g_object_unref (results[i]);
    }
  refreshed = pi_keyring_store_refresh_finish (fixture->store, refresh_result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pi_keyring_credential_get_access (refreshed), ==, "refreshed-access-1");

  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 1);
  g_assert_cmpuint (fixture->changed, ==, 1);
  g_assert_cmpuint (fixture->refreshed, ==, 1);
  g_assert_cmpuint (_pi_keyring_refresher_get_flight_count (_pi_keyring_store_get_refresher (fixture->store)), ==, 0);
}

/* One caller giving up does not stop the refresh the others wait for. */
static void
test_single_flight_cancel_one (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) expired = credential_from_json (PROVIDER_ID, NULL, EXPIRED_ENTRY);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) cancelled = NULL;
  g_autoptr(GAsyncResult) kept = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;

  store_credential (fixture->store, expired);
  fixture->provider->delay_ms = 200;

  pi_keyring_store_get_api_key_async (fixture->store, PROVIDER_ID, cancellable, test_on_result,
                                      &cancelled);
  pi_keyring_store_get_api_key_async (fixture->store, PROVIDER_ID, NULL, test_on_result, &kept);
  while (fixture->provider->refresh_calls == 0)
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_cancel (cancellable);
  wait_for (&cancelled);
  g_assert_null (kept);

  key = pi_keyring_store_get_api_key_finish (fixture->store, cancelled, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_pointer (&key, g_free);

  wait_for (&kept);
  key = pi_keyring_store_get_api_key_finish (fixture->store, kept, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, "Bearer refreshed-access-1");
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 1);
}

/* A _sync call iterates its own main context only: it does not wait for a
 * flight that runs in another context (it would never end). */
static void
test_sync_call_during_async_flight (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) expired = credential_from_json (PROVIDER_ID, NULL, EXPIRED_ENTRY);
  g_autoptr(PiKeyringCredential) refreshed = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;

  store_credential (fixture->store, expired);
  fixture->provider->delay_ms = 100;

  pi_keyring_store_get_api_key_async (fixture->store, PROVIDER_ID, NULL, test_on_result, &result);
  while (fixture->provider->refresh_calls == 0)
    g_main_context_iteration (NULL, TRUE);

  refreshed = pi_keyring_store_refresh_sync (fixture->store, PROVIDER_ID, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (refreshed);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 2);

  wait_for (&result);
  key = pi_keyring_store_get_api_key_finish (fixture->store, result, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (key);
}

/* --- refresh now --- */

static void
test_refresh_now (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) valid = NULL;
  g_autoptr(PiKeyringCredential) first = NULL;
  g_autoptr(PiKeyringCredential) second = NULL;
  g_autoptr(PiKeyringCredential) stored = NULL;
  g_autoptr(GError) error = NULL;

  valid = pi_keyring_credential_new_oauth (PROVIDER_ID, NULL, "valid-refresh", "valid-access",
                                           FAR_FUTURE_MS);
  store_credential (fixture->store, valid);

  /* Whether due or not; the rotated token is what the next refresh sends. */
  first = pi_keyring_store_refresh_sync (fixture->store, PROVIDER_ID, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pi_keyring_credential_get_access (first), ==, "refreshed-access-1");
  second = pi_keyring_store_refresh_sync (fixture->store, PROVIDER_ID, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pi_keyring_credential_get_access (second), ==, "refreshed-access-2");

  g_assert_cmpuint (fixture->provider->refresh_tokens->len, ==, 2);
  g_assert_cmpstr (fixture->provider->refresh_tokens->pdata[0], ==, "valid-refresh");
  g_assert_cmpstr (fixture->provider->refresh_tokens->pdata[1], ==, "rotated-1");

  stored = backend_lookup (fixture->backend, NULL);
  g_assert_true (pi_keyring_credential_equal (stored, second));
}

static void
test_refresh_now_auth_json (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) refreshed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  write_auth_json (fixture, AUTH_JSON_EXPIRED);

  refreshed = pi_keyring_store_refresh_sync (fixture->store, PROVIDER_ID, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pi_keyring_credential_get_profile (refreshed), ==, "default");
  text = read_auth_json (fixture);
  g_assert_nonnull (strstr (text, "\"refresh\": \"rotated-1\""));
  g_assert_null (backend_lookup (fixture->backend, NULL));
}

static void
test_refresh_now_errors (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) api_key = NULL;
  g_autoptr(PiKeyringCredential) result = NULL;
  g_autoptr(GError) error = NULL;

  /* Nothing stored. */
  result = pi_keyring_store_refresh_sync (fixture->store, PROVIDER_ID, NULL, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* An API key. */
  api_key = pi_keyring_credential_new_api_key (PROVIDER_ID, NULL, "sk-key");
  store_credential (fixture->store, api_key);
  result = pi_keyring_store_refresh_sync (fixture->store, PROVIDER_ID, NULL, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* No provider of that id (groq: an API key only; openai has the
   * ChatGPT sign-in since pi 1.6.0). */
  {
    g_autoptr(PiKeyringCredential) orphan = NULL;

    orphan = pi_keyring_credential_new_oauth ("groq", NULL, "r", "a", 1);
    store_credential (fixture->store, orphan);
    result = pi_keyring_store_refresh_sync (fixture->store, "groq", NULL, &error);
    g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND);
  }
  g_assert_null (result);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 0);
}

/* --- login --- */

static void
test_login_stores_and_emits (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(PiKeyringCredential) stored = NULL;
  g_autoptr(PiKeyringInteraction) interaction = pi_keyring_interaction_new ();
  g_autoptr(GVariantDict) dict = g_variant_dict_new (NULL);
  g_autoptr(GError) error = NULL;
  const char *domain = NULL;

  pi_keyring_store_set_profile (fixture->store, "work");
  g_variant_dict_insert (dict, "enterprise-domain", "s", "company.ghe.com");

  pi_keyring_store_login_async (fixture->store, PROVIDER_ID, interaction,
                                g_variant_dict_end (dict), NULL, test_on_result, &result);
  wait_for (&result);
  credential = pi_keyring_store_login_finish (fixture->store, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pi_keyring_credential_get_profile (credential), ==, "work");
  g_assert_cmpstr (pi_keyring_credential_get_access (credential), ==, "login-access");

  g_assert_cmpuint (fixture->provider->login_calls, ==, 1);
  g_assert_true (g_variant_lookup (fixture->provider->login_options, "enterprise-domain", "&s",
                                   &domain));
  g_assert_cmpstr (domain, ==, "company.ghe.com");

  stored = backend_lookup (fixture->backend, "work");
  g_assert_true (pi_keyring_credential_equal (stored, credential));
  g_assert_null (backend_lookup (fixture->backend, NULL));
  g_assert_cmpuint (fixture->changed, ==, 1);
}

static void
test_login_unknown_provider (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  pi_keyring_store_login_async (fixture->store, "no-such-provider", NULL, NULL, NULL,
                                test_on_result, &result);
  wait_for (&result);
  credential = pi_keyring_store_login_finish (fixture->store, result, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "Unknown OAuth provider: no-such-provider");
  g_assert_null (credential);
  g_assert_cmpuint (fixture->changed, ==, 0);
}

/* --- logout --- */

static void
check_still_stored (TestProvider *provider,
                    gpointer      data)
{
  Fixture *fixture = data;
  g_autoptr(PiKeyringCredential) stored = backend_lookup (fixture->backend, NULL);

  g_assert_nonnull (stored);
}

static void
test_logout_revokes_then_removes (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) valid = NULL;
  g_autoptr(GError) error = NULL;

  valid = pi_keyring_credential_new_oauth (PROVIDER_ID, NULL, "r", "a", FAR_FUTURE_MS);
  store_credential (fixture->store, valid);
  fixture->changed = 0;
  fixture->provider->on_revoke = check_still_stored;
  fixture->provider->on_revoke_data = fixture;

  g_assert_true (pi_keyring_store_logout_sync (fixture->store, PROVIDER_ID, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fixture->provider->revoke_calls, ==, 1);
  g_assert_null (backend_lookup (fixture->backend, NULL));
  g_assert_cmpuint (fixture->changed, ==, 1);
  g_assert_cmpuint (logged_messages->len, ==, 0);

  /* Nothing left: not found. */
  g_assert_false (pi_keyring_store_logout_sync (fixture->store, PROVIDER_ID, NULL, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND);
  g_assert_cmpuint (fixture->provider->revoke_calls, ==, 1);
}

static void
test_logout_revocation_fails (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) valid = NULL;
  g_autoptr(GError) error = NULL;

  valid = pi_keyring_credential_new_oauth (PROVIDER_ID, NULL, "r", "a", FAR_FUTURE_MS);
  store_credential (fixture->store, valid);
  fixture->provider->revoke_fails = TRUE;

  g_assert_true (pi_keyring_store_logout_sync (fixture->store, PROVIDER_ID, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fixture->provider->revoke_calls, ==, 1);
  g_assert_null (backend_lookup (fixture->backend, NULL));

  g_assert_cmpuint (logged_messages->len, ==, 1);
  g_assert_nonnull (strstr (logged_messages->pdata[0], "Test OAuth Provider"));
  g_assert_nonnull (strstr (logged_messages->pdata[0], "removed here anyway"));
}

static void
test_logout_api_key_is_not_revoked (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) api_key = NULL;
  g_autoptr(GError) error = NULL;

  api_key = pi_keyring_credential_new_api_key (PROVIDER_ID, NULL, "sk-key");
  store_credential (fixture->store, api_key);

  g_assert_true (pi_keyring_store_logout_sync (fixture->store, PROVIDER_ID, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fixture->provider->revoke_calls, ==, 0);
  g_assert_null (backend_lookup (fixture->backend, NULL));
}

static void
add_test (const char *path,
          void      (*test) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, NULL, fixture_setup, test, fixture_teardown);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  logged_messages = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (record_messages, NULL, NULL);

  add_test ("/store-oauth/refresh/on-get-writes-back-to-backend", test_refresh_on_get_backend);
  add_test ("/store-oauth/refresh/on-get-writes-back-to-auth-json",
            test_refresh_on_get_auth_json);
  add_test ("/store-oauth/refresh/on-get-file-backend", test_refresh_on_get_file_backend);
  add_test ("/store-oauth/refresh/holds-pi-lock", test_refresh_holds_pi_lock);
  add_test ("/store-oauth/refresh/entry-gone-from-backend", test_entry_gone_from_backend);
  add_test ("/store-oauth/refresh/failure-keeps-credential", test_failure_keeps_credential);
  add_test ("/store-oauth/refresh/failure-then-fresher-entry", test_failure_then_fresher_entry);
  add_test ("/store-oauth/refresh/coalesces-concurrent-gets", test_single_flight);
  add_test ("/store-oauth/refresh/one-caller-cancels", test_single_flight_cancel_one);
  add_test ("/store-oauth/refresh/sync-call-during-async-flight",
            test_sync_call_during_async_flight);
  add_test ("/store-oauth/refresh/now", test_refresh_now);
  add_test ("/store-oauth/refresh/now-auth-json", test_refresh_now_auth_json);
  add_test ("/store-oauth/refresh/now-errors", test_refresh_now_errors);
  add_test ("/store-oauth/key-form-from-provider", test_unexpired_uses_provider_key_form);
  add_test ("/store-oauth/conformance/case-44-sources-no-refresh", test_case_44);
  add_test ("/store-oauth/conformance/case-46-unregistered-oauth-is-final", test_case_46);
  add_test ("/store-oauth/conformance/case-47-fresher-entry-in-file", test_case_47);
  add_test ("/store-oauth/conformance/case-48-failed-refresh-keeps-file", test_case_48);
  add_test ("/store-oauth/conformance/case-49-replaced-by-api-key", test_case_49);
  add_test ("/store-oauth/login/stores-and-emits", test_login_stores_and_emits);
  add_test ("/store-oauth/login/unknown-provider", test_login_unknown_provider);
  add_test ("/store-oauth/logout/revokes-then-removes", test_logout_revokes_then_removes);
  add_test ("/store-oauth/logout/revocation-failure-still-removes",
            test_logout_revocation_fails);
  add_test ("/store-oauth/logout/api-key-not-revoked", test_logout_api_key_is_not_revoked);

  return g_test_run ();
}
