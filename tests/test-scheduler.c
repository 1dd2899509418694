/* test-scheduler.c: the background refresh of a store (auto-refresh): one
 * wall-clock timer for the earliest due credential, re-armed on changes
 * (through the store, through auth.json, through the keyring), on clock
 * jumps and resumes; the backoff of transient failures; permanent failures;
 * the cross-process lock and rotation safety of the refresh itself.
 *
 * The OAuth provider is a scripted one written here, registered as
 * `anthropic`. Most tests run on a virtual wall clock
 * (_pi_keyring_wall_clock_set_virtual ()), moved by the test: nothing waits
 * for real time except the test of the 1000 credentials, which checks on
 * the real clock that nothing wakes up.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libsecret/secret.h>

#include "store/pi-keyring-store-private.h"

#include "test-util.h"

#define PROVIDER_ID  "anthropic"
#define HOUR_MS      G_GINT64_CONSTANT (3600000)
#define MINUTE_MS    G_GINT64_CONSTANT (60000)
#define MARGIN_MS    PI_KEYRING_REFRESH_MARGIN_MS
/* 2027-01-15: the virtual clock starts here. */
#define T0           G_GINT64_CONSTANT (1800000000000)

/* --- the test provider --- */

#define TEST_TYPE_PROVIDER (test_provider_get_type ())
G_DECLARE_FINAL_TYPE (TestProvider, test_provider, TEST, PROVIDER, GObject)

typedef void (*TestHook) (TestProvider        *provider,
                          PiKeyringCredential *credential,
                          gpointer             data);

struct _TestProvider
{
  GObject    parent_instance;

  char      *id;
  guint      refresh_calls;
  GPtrArray *refresh_tokens;  /* the refresh tokens sent, in order */
  gint       fail_code;       /* -1: succeed; else a PI_KEYRING_ERROR code */
  guint      fail_count;      /* with fail_code: this many times (0: always) */
  gint64     lifetime_ms;     /* of the tokens it hands out */
  TestHook   on_refresh;
  gpointer   on_refresh_data;
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

static gboolean
on_refresh_delay (gpointer user_data)
{
  GTask *task = user_data;
  TestProvider *self = g_task_get_source_object (task);
  g_autoptr(JsonObject) entry = json_object_new ();
  g_autofree char *refresh = g_strdup_printf ("rotated-%u", self->refresh_calls);
  g_autofree char *access = g_strdup_printf ("refreshed-access-%u", self->refresh_calls);

  if (self->fail_code >= 0)
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, self->fail_code,
                               "The token endpoint said no (test).");
      if (self->fail_count > 0 && --self->fail_count == 0)
        self->fail_code = -1;
      return G_SOURCE_REMOVE;
    }

  json_object_set_string_member (entry, "type", "oauth");
  json_object_set_string_member (entry, "refresh", refresh);
  json_object_set_string_member (entry, "access", access);
  /* The (virtual) wall clock the scheduler goes by. */
  json_object_set_int_member (entry, "expires", _pi_keyring_wall_clock_now_ms () + self->lifetime_ms);

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
  g_autoptr(GSource) source = g_timeout_source_new (5);

  g_task_set_source_tag (task, test_refresh_async);

  self->refresh_calls++;
  g_ptr_array_add (self->refresh_tokens,
                   g_strdup (pi_keyring_credential_get_refresh (credential)));
  if (self->on_refresh != NULL)
    self->on_refresh (self, credential, self->on_refresh_data);

  g_task_attach_source (task, source, on_refresh_delay);
}

static void
test_login_async (PiKeyringProvider    *provider,
                  PiKeyringInteraction *interaction,
                  GVariant             *options,
                  GCancellable         *cancellable,
                  GAsyncReadyCallback   callback,
                  gpointer              user_data)
{
  g_task_report_new_error (provider, callback, user_data, test_login_async,
                           PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED, "No logins here.");
}

static void
test_provider_iface_init (PiKeyringProviderInterface *iface)
{
  iface->get_id = test_get_id;
  iface->get_display_name = test_get_display_name;
  iface->login_async = test_login_async;
  iface->refresh_async = test_refresh_async;
}

static void
test_provider_finalize (GObject *object)
{
  TestProvider *self = TEST_PROVIDER (object);

  g_free (self->id);
  g_ptr_array_unref (self->refresh_tokens);

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
  self->lifetime_ms = HOUR_MS;
}

static TestProvider *
test_provider_new (const char *id)
{
  TestProvider *self = g_object_new (TEST_TYPE_PROVIDER, NULL);

  self->id = g_strdup (id);
  return self;
}

/* --- fixture --- */

typedef struct
{
  char             *tmpdir;
  char             *auth_path;
  PiKeyringBackend *backend;
  PiKeyringStore   *store;
  TestProvider     *provider;
  guint             refreshed;
  guint             failed;
  guint             notified;
  GError           *failed_error;
} Fixture;

static void
on_refreshed (PiKeyringStore      *store,
              const char          *provider,
              PiKeyringCredential *credential,
              gpointer             user_data)
{
  Fixture *fixture = user_data;

  g_assert_true (PI_KEYRING_IS_CREDENTIAL (credential));
  g_assert_cmpstr (provider, ==, pi_keyring_credential_get_provider (credential));
  fixture->refreshed++;
}

static void
on_refresh_failed (PiKeyringStore *store,
                   const char     *provider,
                   const GError   *error,
                   gpointer        user_data)
{
  Fixture *fixture = user_data;

  g_assert_nonnull (error);
  fixture->failed++;
  g_clear_error (&fixture->failed_error);
  fixture->failed_error = g_error_copy (error);
}

static void
on_notify_auto_refresh (GObject    *object,
                        GParamSpec *pspec,
                        gpointer    user_data)
{
  ((Fixture *) user_data)->notified++;
}

static PiKeyringStore *
new_store (Fixture          *fixture,
           PiKeyringBackend *backend)
{
  PiKeyringStore *store = g_object_new (PI_KEYRING_TYPE_STORE,
                                        "backend", backend,
                                        "auth-file", fixture->auth_path,
                                        NULL);

  g_signal_connect (store, "credential-refreshed", G_CALLBACK (on_refreshed), fixture);
  g_signal_connect (store, "refresh-failed", G_CALLBACK (on_refresh_failed), fixture);
  g_signal_connect (store, "notify::auto-refresh", G_CALLBACK (on_notify_auto_refresh), fixture);
  return store;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  _pi_keyring_wall_clock_set_virtual (T0);

  fixture->tmpdir = g_dir_make_tmp ("pi-keyring-scheduler-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->auth_path = g_build_filename (fixture->tmpdir, "agent", "auth.json", NULL);
  g_assert_no_errno (g_mkdir_with_parents (fixture->tmpdir, 0700));
  {
    g_autofree char *agent = g_path_get_dirname (fixture->auth_path);

    g_assert_no_errno (g_mkdir (agent, 0700));
  }
  fixture->backend = pi_keyring_memory_backend_new ();
  fixture->store = new_store (fixture, fixture->backend);

  fixture->provider = test_provider_new (PROVIDER_ID);
  pi_keyring_register_provider (PI_KEYRING_PROVIDER (fixture->provider));
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->store);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  pi_keyring_unregister_provider (PROVIDER_ID);
  g_clear_object (&fixture->provider);
  g_clear_object (&fixture->backend);
  g_clear_error (&fixture->failed_error);
  test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
  g_free (fixture->auth_path);
  _pi_keyring_wall_clock_set_virtual (-1);
  _pi_keyring_set_refresh_lock_timeout_ms (0);
}

/* --- helpers --- */

static PiKeyringScheduler *
scheduler (Fixture *fixture)
{
  PiKeyringScheduler *scheduler = _pi_keyring_store_get_scheduler (fixture->store);

  g_assert_nonnull (scheduler);
  return scheduler;
}

static gboolean
on_too_long (gpointer user_data)
{
  g_error ("Waited more than 20 s: %s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until the scheduler has nothing pending. */
static void
wait_idle (Fixture *fixture)
{
  guint guard = g_timeout_add_seconds (20, on_too_long, (gpointer) "the scheduler to settle");

  /* What is ready (the timer after a move of the clock) goes first. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  while (!_pi_keyring_scheduler_is_idle (scheduler (fixture)))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (guard);
}

/* Runs the main loop until the scheduler completed one more scan. */
static void
wait_for_scan (Fixture *fixture,
               guint    scans_before)
{
  guint guard = g_timeout_add_seconds (20, on_too_long, (gpointer) "a scan after a change");

  while (_pi_keyring_scheduler_get_scan_count (scheduler (fixture)) <= scans_before)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (guard);
  wait_idle (fixture);
}

static void
enable (Fixture *fixture)
{
  g_assert_false (pi_keyring_store_get_auto_refresh (fixture->store));
  pi_keyring_store_set_auto_refresh (fixture->store, TRUE);
  g_assert_true (pi_keyring_store_get_auto_refresh (fixture->store));
  wait_idle (fixture);
}

static gint64
deadline (Fixture *fixture)
{
  return _pi_keyring_scheduler_get_deadline (scheduler (fixture));
}

static guint
dispatches (Fixture *fixture)
{
  return _pi_keyring_timer_source_get_dispatch_count (
           _pi_keyring_scheduler_get_timer_source (scheduler (fixture)));
}

static PiKeyringCredential *
oauth (const char *provider,
       const char *refresh,
       gint64      expires)
{
  return pi_keyring_credential_new_oauth (provider, NULL, refresh, "access", expires);
}

static void
store_credential (Fixture             *fixture,
                  PiKeyringCredential *credential)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pi_keyring_store_set_credential_sync (fixture->store, credential, NULL, &error));
  g_assert_no_error (error);
}

static void
store_oauth (Fixture    *fixture,
             const char *refresh,
             gint64      expires)
{
  g_autoptr(PiKeyringCredential) credential = oauth (PROVIDER_ID, refresh, expires);

  store_credential (fixture, credential);
}

static PiKeyringCredential *
backend_lookup (PiKeyringBackend *backend,
                const char       *provider)
{
  g_autoptr(GError) error = NULL;
  PiKeyringCredential *credential;

  credential = pi_keyring_backend_lookup_sync (backend, provider, NULL, NULL, &error);
  g_assert_no_error (error);
  return credential;
}

static void
write_file (const char *path,
            const char *text)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  g_assert_no_errno (g_chmod (path, 0600));
}

static char *
auth_json_with_expires (gint64      expires,
                        const char *refresh)
{
  return g_strdup_printf ("{\n"
                          "  \"openai\": {\n"
                          "    \"type\": \"api_key\",\n"
                          "    \"key\": \"sk-openai\"\n"
                          "  },\n"
                          "  \"anthropic\": {\n"
                          "    \"type\": \"oauth\",\n"
                          "    \"refresh\": \"%s\",\n"
                          "    \"access\": \"old-access\",\n"
                          "    \"expires\": %" G_GINT64_FORMAT "\n"
                          "  }\n"
                          "}", refresh, expires);
}

/* --- pure parts --- */

static void
test_backoff_sequence (void)
{
  static const gint64 expected_s[] = { 30, 60, 120, 240, 480, 900, 900, 900 };

  for (guint i = 0; i < G_N_ELEMENTS (expected_s); i++)
    g_assert_cmpint (_pi_keyring_refresh_backoff_ms (i + 1, -1), ==, expected_s[i] * 1000);

  /* The first retry when the count starts at zero, too. */
  g_assert_cmpint (_pi_keyring_refresh_backoff_ms (0, -1), ==, 30000);
  /* A long series does not overflow. */
  g_assert_cmpint (_pi_keyring_refresh_backoff_ms (G_MAXUINT, -1), ==, 900000);
  /* Retry-After wins when longer, never when shorter. */
  g_assert_cmpint (_pi_keyring_refresh_backoff_ms (1, 120000), ==, 120000);
  g_assert_cmpint (_pi_keyring_refresh_backoff_ms (3, 10000), ==, 120000);
  g_assert_cmpint (_pi_keyring_refresh_backoff_ms (7, 3600000), ==, 3600000);
}

static void
test_transient_errors (void)
{
  static const struct { GQuark (*domain) (void); gint code; gboolean transient; } cases[] = {
    { pi_keyring_error_quark, PI_KEYRING_ERROR_TEMPORARY, TRUE },
    { pi_keyring_error_quark, PI_KEYRING_ERROR_RATE_LIMITED, TRUE },
    { pi_keyring_error_quark, PI_KEYRING_ERROR_LOCKED, TRUE },
    { pi_keyring_error_quark, PI_KEYRING_ERROR_UNAVAILABLE, TRUE },
    { pi_keyring_error_quark, PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED, FALSE },
    { pi_keyring_error_quark, PI_KEYRING_ERROR_ACCESS_DENIED, FALSE },
    { pi_keyring_error_quark, PI_KEYRING_ERROR_NOT_FOUND, FALSE },
    { pi_keyring_error_quark, PI_KEYRING_ERROR_FAILED, FALSE },
    { g_io_error_quark, G_IO_ERROR_TIMED_OUT, TRUE },
    { g_io_error_quark, G_IO_ERROR_NETWORK_UNREACHABLE, TRUE },
    { g_io_error_quark, G_IO_ERROR_PERMISSION_DENIED, FALSE },
    { g_resolver_error_quark, G_RESOLVER_ERROR_TEMPORARY_FAILURE, TRUE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = g_error_new_literal (cases[i].domain (), cases[i].code, "x");

      g_assert_cmpint (_pi_keyring_refresh_error_is_transient (error), ==, cases[i].transient);
    }
}

static void
test_lock_path (void)
{
  const char *runtime = g_get_user_runtime_dir ();
  static const struct { const char *profile, *provider, *expected; } cases[] = {
    { "default", "anthropic", "pi-keyring/default/anthropic.lock" },
    { "work", "github-copilot", "pi-keyring/work/github-copilot.lock" },
    { "..", "..", "pi-keyring/%2E./%2E..lock" },
    { ".", "a/../../b", "pi-keyring/%2E/a%2F..%2F..%2Fb.lock" },
    { "a/b", "/etc/passwd", "pi-keyring/a%2Fb/%2Fetc%2Fpasswd.lock" },
    { "", "x y%", "pi-keyring/%/x%20y%25.lock" },
    { "émoji", ".hidden", "pi-keyring/%C3%A9moji/%2Ehidden.lock" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = _pi_keyring_refresh_lock_path (cases[i].profile, cases[i].provider);
      g_autofree char *expected = g_build_filename (runtime, cases[i].expected, NULL);

      g_assert_cmpstr (path, ==, expected);
    }

  /* A name too long for a file system is hashed. */
  {
    g_autofree char *long_id = g_strnfill (300, 'x');
    g_autofree char *path = _pi_keyring_refresh_lock_path ("default", long_id);
    g_autofree char *base = g_path_get_basename (path);

    g_assert_cmpuint (strlen (base), <, 255);
    g_assert_true (g_str_has_prefix (base, "%sha256-"));
  }
}

/* --- arming --- */

static void
test_property (Fixture       *fixture,
               gconstpointer  data)
{
  gboolean value = TRUE;

  g_object_get (fixture->store, "auto-refresh", &value, NULL);
  g_assert_false (value);
  g_assert_null (_pi_keyring_store_get_scheduler (fixture->store));

  g_object_set (fixture->store, "auto-refresh", TRUE, NULL);
  g_object_set (fixture->store, "auto-refresh", TRUE, NULL);
  g_assert_cmpuint (fixture->notified, ==, 1);
  g_object_get (fixture->store, "auto-refresh", &value, NULL);
  g_assert_true (value);
  g_assert_nonnull (_pi_keyring_store_get_scheduler (fixture->store));

  pi_keyring_store_set_auto_refresh (fixture->store, FALSE);
  g_assert_cmpuint (fixture->notified, ==, 2);
  g_assert_false (pi_keyring_store_get_auto_refresh (fixture->store));
  g_assert_null (_pi_keyring_store_get_scheduler (fixture->store));
}

static void
test_arms_earliest (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) api_key = NULL;
  g_autoptr(PiKeyringCredential) no_expires = NULL;
  g_autoptr(PiKeyringCredential) unregistered = NULL;
  g_autoptr(TestProvider) other = test_provider_new ("test-other");
  g_autoptr(PiKeyringCredential) other_credential = NULL;

  pi_keyring_register_provider (PI_KEYRING_PROVIDER (other));
  store_oauth (fixture, "r", T0 + 2 * HOUR_MS);
  other_credential = oauth ("test-other", "r2", T0 + HOUR_MS);
  store_credential (fixture, other_credential);
  /* Neither an API key, nor a token without `expires`, nor one no
   * provider can refresh wants the timer. */
  api_key = pi_keyring_credential_new_api_key ("openai", NULL, "sk");
  store_credential (fixture, api_key);
  no_expires = pi_keyring_credential_new_from_json ("google-gemini-cli", NULL,
                                                    "{\"type\":\"oauth\",\"refresh\":\"r\","
                                                    "\"access\":\"a\"}", -1, NULL);
  store_credential (fixture, no_expires);
  unregistered = oauth ("no-such-provider", "r", T0 + MINUTE_MS);
  store_credential (fixture, unregistered);

  enable (fixture);
  g_assert_cmpint (deadline (fixture), ==, T0 + HOUR_MS - MARGIN_MS);
  /* On the virtual clock the kernel timer only listens for clock changes. */
  g_assert_cmpint (_pi_keyring_timer_source_get_armed_ms (
                     _pi_keyring_scheduler_get_timer_source (scheduler (fixture))), ==, -1);

  pi_keyring_unregister_provider ("test-other");
}

static void
test_nothing_to_arm (Fixture       *fixture,
                     gconstpointer  data)
{
  enable (fixture);
  g_assert_cmpint (deadline (fixture), ==, -1);
  g_assert_cmpuint (dispatches (fixture), ==, 0);
}

static void
test_rearms_after_set_and_remove (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint scans;

  store_oauth (fixture, "r", T0 + 2 * HOUR_MS);
  enable (fixture);
  g_assert_cmpint (deadline (fixture), ==, T0 + 2 * HOUR_MS - MARGIN_MS);

  /* Stored through the store: credential-changed. */
  scans = _pi_keyring_scheduler_get_scan_count (scheduler (fixture));
  store_oauth (fixture, "r", T0 + 30 * MINUTE_MS);
  wait_for_scan (fixture, scans);
  g_assert_cmpint (deadline (fixture), ==, T0 + 30 * MINUTE_MS - MARGIN_MS);

  /* Profile changed: the other profile has nothing. */
  scans = _pi_keyring_scheduler_get_scan_count (scheduler (fixture));
  pi_keyring_store_set_profile (fixture->store, "work");
  wait_for_scan (fixture, scans);
  g_assert_cmpint (deadline (fixture), ==, -1);
  pi_keyring_store_set_profile (fixture->store, NULL);
  wait_idle (fixture);
  g_assert_cmpint (deadline (fixture), ==, T0 + 30 * MINUTE_MS - MARGIN_MS);

  /* Removed. */
  scans = _pi_keyring_scheduler_get_scan_count (scheduler (fixture));
  g_assert_true (pi_keyring_store_remove_sync (fixture->store, PROVIDER_ID, NULL, &error));
  g_assert_no_error (error);
  wait_for_scan (fixture, scans);
  g_assert_cmpint (deadline (fixture), ==, -1);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 0);
}

/* A burst of changes makes one scan. */
static void
test_coalesces_bursts (Fixture       *fixture,
                       gconstpointer  data)
{
  guint scans;

  enable (fixture);
  scans = _pi_keyring_scheduler_get_scan_count (scheduler (fixture));
  for (guint i = 0; i < 20; i++)
    store_oauth (fixture, "r", T0 + HOUR_MS + i * MINUTE_MS);
  wait_for_scan (fixture, scans);
  g_assert_cmpuint (_pi_keyring_scheduler_get_scan_count (scheduler (fixture)), ==, scans + 1);
  g_assert_cmpint (deadline (fixture), ==, T0 + HOUR_MS + 19 * MINUTE_MS - MARGIN_MS);
}

/* --- the time comes --- */

static void
test_refreshes_when_due (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) stored = NULL;
  gint64 due = T0 + HOUR_MS - MARGIN_MS;

  store_oauth (fixture, "first-refresh", T0 + HOUR_MS);
  enable (fixture);
  g_assert_cmpint (deadline (fixture), ==, due);

  /* One millisecond early: nothing. */
  _pi_keyring_wall_clock_advance (due - 1 - T0);
  wait_idle (fixture);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 0);
  g_assert_cmpuint (dispatches (fixture), ==, 0);

  _pi_keyring_wall_clock_advance (1);
  wait_idle (fixture);
  g_assert_cmpuint (dispatches (fixture), ==, 1);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 1);
  g_assert_cmpstr (fixture->provider->refresh_tokens->pdata[0], ==, "first-refresh");
  g_assert_cmpuint (fixture->refreshed, ==, 1);
  g_assert_cmpuint (fixture->failed, ==, 0);

  stored = backend_lookup (fixture->backend, PROVIDER_ID);
  g_assert_cmpstr (pi_keyring_credential_get_refresh (stored), ==, "rotated-1");
  g_assert_cmpint (pi_keyring_credential_get_expires (stored), ==, due + HOUR_MS);
  g_assert_cmpint (deadline (fixture), ==, due + HOUR_MS - MARGIN_MS);
}

/* A credential already due when the scheduler starts is refreshed at once. */
static void
test_due_at_start (Fixture       *fixture,
                   gconstpointer  data)
{
  store_oauth (fixture, "r", T0 - HOUR_MS);
  enable (fixture);
  wait_idle (fixture);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 1);
  g_assert_cmpint (deadline (fixture), ==, T0 + HOUR_MS - MARGIN_MS);
}

static void
test_clock_jump (Fixture       *fixture,
                 gconstpointer  data)
{
  gint64 due = T0 + HOUR_MS - MARGIN_MS;

  store_oauth (fixture, "r", T0 + HOUR_MS);
  enable (fixture);
  g_assert_cmpint (deadline (fixture), ==, due);

  /* Set back by a day: the timer hears of it, finds nothing due, stays armed. */
  _pi_keyring_wall_clock_jump (-24 * HOUR_MS);
  wait_idle (fixture);
  g_assert_cmpuint (dispatches (fixture), ==, 1);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 0);
  g_assert_cmpint (deadline (fixture), ==, due);

  /* Set forward past the deadline: refreshed right away, re-armed. */
  _pi_keyring_wall_clock_jump (24 * HOUR_MS + 2 * HOUR_MS);
  wait_idle (fixture);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 1);
  g_assert_cmpint (deadline (fixture), ==, T0 + 2 * HOUR_MS + HOUR_MS - MARGIN_MS);

  /* Forward, but not as far as the new deadline: nothing. */
  _pi_keyring_wall_clock_jump (10 * MINUTE_MS);
  wait_idle (fixture);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 1);
}

static void
test_resume (Fixture       *fixture,
             gconstpointer  data)
{
  gint64 due = T0 + HOUR_MS - MARGIN_MS;

  store_oauth (fixture, "r", T0 + HOUR_MS);
  enable (fixture);

  /* A nap that ends before the deadline. */
  _pi_keyring_wall_clock_simulate_resume (20 * MINUTE_MS);
  wait_idle (fixture);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 0);
  g_assert_cmpint (deadline (fixture), ==, due);

  /* A night: the deadline passed while asleep. */
  _pi_keyring_wall_clock_simulate_resume (8 * HOUR_MS);
  wait_idle (fixture);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 1);
  g_assert_cmpuint (fixture->refreshed, ==, 1);
  g_assert_cmpint (deadline (fixture), ==, T0 + 20 * MINUTE_MS + 8 * HOUR_MS + HOUR_MS - MARGIN_MS);
}

/* --- failures --- */

static void
test_backoff_transient (Fixture       *fixture,
                        gconstpointer  data)
{
  static const gint64 waits_s[] = { 30, 60, 120, 240, 480, 900, 900, 900 };
  g_autoptr(PiKeyringCredential) original = oauth (PROVIDER_ID, "r", T0 + HOUR_MS);
  g_autoptr(PiKeyringCredential) stored = NULL;
  gint64 now = T0 + HOUR_MS - MARGIN_MS;

  store_credential (fixture, original);
  enable (fixture);
  fixture->provider->fail_code = PI_KEYRING_ERROR_TEMPORARY;

  _pi_keyring_wall_clock_advance (now - T0);
  for (guint i = 0; i < G_N_ELEMENTS (waits_s); i++)
    {
      wait_idle (fixture);
      g_assert_cmpuint (fixture->provider->refresh_calls, ==, i + 1);
      g_assert_cmpint (deadline (fixture) - now, ==, waits_s[i] * 1000);

      /* Quiet while the old token is valid (30 + 60 + 120 s < 5 min);
       * said once when it has expired and the failures go on. */
      if (now < T0 + HOUR_MS)
        g_assert_cmpuint (fixture->failed, ==, 0);
      else
        {
          g_assert_cmpuint (fixture->failed, ==, 1);
          g_assert_error (fixture->failed_error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY);
        }

      /* Nothing happens before the retry is due. */
      _pi_keyring_wall_clock_advance (waits_s[i] * 1000 - 1);
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_assert_cmpuint (fixture->provider->refresh_calls, ==, i + 1);
      _pi_keyring_wall_clock_advance (1);
      now += waits_s[i] * 1000;
    }

  /* The server is back: refreshed, the backoff is over. */
  fixture->provider->fail_code = -1;
  wait_idle (fixture);
  g_assert_cmpuint (fixture->refreshed, ==, 1);
  g_assert_cmpint (deadline (fixture), ==, now + HOUR_MS - MARGIN_MS);
  g_assert_cmpuint (fixture->failed, ==, 1);

  /* Every attempt sent the stored token, never anything else. */
  for (guint i = 0; i < fixture->provider->refresh_tokens->len; i++)
    g_assert_cmpstr (fixture->provider->refresh_tokens->pdata[i], ==, "r");
  stored = backend_lookup (fixture->backend, PROVIDER_ID);
  g_assert_cmpstr (pi_keyring_credential_get_refresh (stored), ==, "rotated-9");
}

static void
test_permanent_failure (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) original = oauth (PROVIDER_ID, "r", T0 + HOUR_MS);
  g_autoptr(PiKeyringCredential) stored = NULL;
  guint scans;

  store_credential (fixture, original);
  enable (fixture);
  fixture->provider->fail_code = PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED;

  _pi_keyring_wall_clock_advance (HOUR_MS);
  wait_idle (fixture);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 1);
  g_assert_cmpuint (fixture->failed, ==, 1);
  g_assert_error (fixture->failed_error, PI_KEYRING_ERROR,
                  PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED);
  g_assert_nonnull (strstr (fixture->failed_error->message, "Test OAuth Provider"));
  g_assert_cmpint (deadline (fixture), ==, -1);

  /* Days go by: no retry, no second signal, the credential is kept. */
  _pi_keyring_wall_clock_advance (72 * HOUR_MS);
  _pi_keyring_wall_clock_simulate_resume (HOUR_MS);
  wait_idle (fixture);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 1);
  g_assert_cmpuint (fixture->failed, ==, 1);
  stored = backend_lookup (fixture->backend, PROVIDER_ID);
  g_assert_true (pi_keyring_credential_equal (stored, original));

  /* A new login: watched again. */
  fixture->provider->fail_code = -1;
  scans = _pi_keyring_scheduler_get_scan_count (scheduler (fixture));
  store_oauth (fixture, "after-login", _pi_keyring_wall_clock_now_ms () + 2 * HOUR_MS);
  wait_for_scan (fixture, scans);
  g_assert_cmpint (deadline (fixture), ==,
                   _pi_keyring_wall_clock_now_ms () + 2 * HOUR_MS - MARGIN_MS);
}

/* --- auth.json --- */

static void
test_auth_json_written_back (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *text = auth_json_with_expires (T0 + 10 * MINUTE_MS, "file-refresh");
  g_autofree char *after = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) doc = NULL;
  JsonObject *entry;

  write_file (fixture->auth_path, text);
  enable (fixture);
  g_assert_cmpint (deadline (fixture), ==, T0 + 10 * MINUTE_MS - MARGIN_MS);

  _pi_keyring_wall_clock_advance (5 * MINUTE_MS);
  wait_idle (fixture);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 1);
  g_assert_cmpstr (fixture->provider->refresh_tokens->pdata[0], ==, "file-refresh");

  /* Written back to auth.json, in place, the rest untouched. */
  g_file_get_contents (fixture->auth_path, &after, NULL, &error);
  g_assert_no_error (error);
  doc = _pi_keyring_auth_json_parse (after, -1, "auth.json", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (doc, "openai"),
                                                  "key"), ==, "sk-openai");
  entry = json_object_get_object_member (doc, "anthropic");
  g_assert_cmpstr (json_object_get_string_member (entry, "refresh"), ==, "rotated-1");
  g_assert_cmpint (json_object_get_int_member (entry, "expires"), ==,
                   T0 + 5 * MINUTE_MS + HOUR_MS);
  g_assert_false (g_str_has_suffix (after, "\n"));

  /* Not duplicated into the backend. */
  listed = pi_keyring_backend_list_sync (fixture->backend, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (listed->len, ==, 0);

  /* Re-armed for the new token. */
  g_assert_cmpint (deadline (fixture), ==, T0 + 5 * MINUTE_MS + HOUR_MS - MARGIN_MS);
}

/* The backend's credential shadows the one in auth.json, as in the lookup. */
static void
test_auth_json_shadowed (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *text = auth_json_with_expires (T0 + 10 * MINUTE_MS, "file-refresh");
  g_autofree char *after = NULL;

  write_file (fixture->auth_path, text);
  store_oauth (fixture, "keyring-refresh", T0 + 2 * HOUR_MS);
  enable (fixture);
  g_assert_cmpint (deadline (fixture), ==, T0 + 2 * HOUR_MS - MARGIN_MS);

  _pi_keyring_wall_clock_advance (HOUR_MS);
  wait_idle (fixture);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 0);
  g_file_get_contents (fixture->auth_path, &after, NULL, NULL);
  g_assert_cmpstr (after, ==, text);
}

/* Another program rewrites auth.json (a rename over it, as pi does). */
static void
test_auth_json_changed_by_another_process (Fixture       *fixture,
                                           gconstpointer  data)
{
  g_autofree char *first = auth_json_with_expires (T0 + 2 * HOUR_MS, "r");
  g_autofree char *second = auth_json_with_expires (T0 + HOUR_MS, "r2");
  g_autofree char *tmp = g_build_filename (fixture->tmpdir, "auth.json.new", NULL);
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "/bin/mv", "-f", tmp, fixture->auth_path, NULL };
  int status = -1;
  guint scans;

  write_file (fixture->auth_path, first);
  enable (fixture);
  g_assert_cmpint (deadline (fixture), ==, T0 + 2 * HOUR_MS - MARGIN_MS);

  scans = _pi_keyring_scheduler_get_scan_count (scheduler (fixture));
  write_file (tmp, second);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  wait_for_scan (fixture, scans);
  g_assert_cmpint (deadline (fixture), ==, T0 + HOUR_MS - MARGIN_MS);

  /* Removed from outside: nothing left to wait for. */
  scans = _pi_keyring_scheduler_get_scan_count (scheduler (fixture));
  g_assert_no_errno (g_unlink (fixture->auth_path));
  wait_for_scan (fixture, scans);
  g_assert_cmpint (deadline (fixture), ==, -1);
}

/* auth.json's directory does not exist yet: it is watched from the nearest
 * directory that does, and the file is found once pi writes it. */
static void
test_auth_json_directory_created_later (Fixture       *fixture,
                                        gconstpointer  data)
{
  g_autofree char *agent = g_build_filename (fixture->tmpdir, "new-agent", NULL);
  g_autofree char *path = g_build_filename (agent, "auth.json", NULL);
  g_autofree char *text = auth_json_with_expires (T0 + HOUR_MS, "r");
  guint scans;

  pi_keyring_store_set_auth_file (fixture->store, path);
  enable (fixture);
  g_assert_cmpint (deadline (fixture), ==, -1);

  scans = _pi_keyring_scheduler_get_scan_count (scheduler (fixture));
  g_assert_no_errno (g_mkdir (agent, 0700));
  wait_for_scan (fixture, scans);

  scans = _pi_keyring_scheduler_get_scan_count (scheduler (fixture));
  write_file (path, text);
  wait_for_scan (fixture, scans);
  g_assert_cmpint (deadline (fixture), ==, T0 + HOUR_MS - MARGIN_MS);
}

/* --- the Secret Service --- */

static gboolean
have_keyring (void)
{
  g_autoptr(PiKeyringBackend) backend = pi_keyring_secret_service_backend_new ();

  return g_getenv ("DBUS_SESSION_BUS_ADDRESS") != NULL &&
         pi_keyring_backend_check_sync (backend, NULL, NULL);
}

/* A second backend instance (as another program would) stores an item:
 * the keyring's ItemCreated / ItemChanged / ItemDeleted re-arm the timer;
 * the store itself emitted nothing. */
static void
test_secret_service_changed_elsewhere (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autoptr(PiKeyringBackend) backend = NULL;
  g_autoptr(PiKeyringBackend) elsewhere = NULL;
  g_autoptr(PiKeyringCredential) first = NULL;
  g_autoptr(PiKeyringCredential) second = NULL;
  g_autoptr(GError) error = NULL;
  guint scans;

  if (!have_keyring ())
    {
      g_test_skip ("No private keyring (run under tests/with-test-keyring.sh)");
      return;
    }

  backend = pi_keyring_secret_service_backend_new ();
  elsewhere = pi_keyring_secret_service_backend_new ();
  pi_keyring_backend_remove_sync (elsewhere, PROVIDER_ID, NULL, NULL, NULL);
  g_clear_object (&fixture->store);
  fixture->store = new_store (fixture, backend);
  pi_keyring_store_set_auth_file (fixture->store, "");
  enable (fixture);
  g_assert_cmpint (deadline (fixture), ==, -1);

  /* Created. */
  scans = _pi_keyring_scheduler_get_scan_count (scheduler (fixture));
  first = oauth (PROVIDER_ID, "r", T0 + 2 * HOUR_MS);
  g_assert_true (pi_keyring_backend_store_sync (elsewhere, first, NULL, &error));
  g_assert_no_error (error);
  wait_for_scan (fixture, scans);
  g_assert_cmpint (deadline (fixture), ==, T0 + 2 * HOUR_MS - MARGIN_MS);

  /* Changed. */
  scans = _pi_keyring_scheduler_get_scan_count (scheduler (fixture));
  second = oauth (PROVIDER_ID, "r", T0 + HOUR_MS);
  g_assert_true (pi_keyring_backend_store_sync (elsewhere, second, NULL, &error));
  g_assert_no_error (error);
  wait_for_scan (fixture, scans);
  g_assert_cmpint (deadline (fixture), ==, T0 + HOUR_MS - MARGIN_MS);

  /* Refreshed in the background, written back to the keyring. */
  _pi_keyring_wall_clock_advance (HOUR_MS);
  wait_idle (fixture);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 1);
  {
    g_autoptr(PiKeyringCredential) stored = backend_lookup (elsewhere, PROVIDER_ID);

    g_assert_cmpstr (pi_keyring_credential_get_refresh (stored), ==, "rotated-1");
  }

  /* Deleted. */
  scans = _pi_keyring_scheduler_get_scan_count (scheduler (fixture));
  g_assert_true (pi_keyring_backend_remove_sync (elsewhere, PROVIDER_ID, NULL, NULL, &error));
  g_assert_no_error (error);
  wait_for_scan (fixture, scans);
  g_assert_cmpint (deadline (fixture), ==, -1);

  g_clear_object (&fixture->store);
  g_clear_object (&backend);
  g_clear_object (&elsewhere);
  secret_service_disconnect ();
}

/* --- one listing per change made elsewhere --- */

/* A backend that counts its lists and passes everything on to a memory
 * backend. */
#define COUNTING_TYPE_BACKEND (counting_backend_get_type ())
G_DECLARE_FINAL_TYPE (CountingBackend, counting_backend, COUNTING, BACKEND, GObject)

struct _CountingBackend
{
  GObject           parent_instance;

  PiKeyringBackend *inner;
  guint             lists;
};

static void counting_backend_iface_init (PiKeyringBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CountingBackend, counting_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PI_KEYRING_TYPE_BACKEND,
                                                      counting_backend_iface_init))

static const char *
counting_get_name (PiKeyringBackend *backend)
{
  return "counting";
}

static char *
counting_get_location (PiKeyringBackend *backend)
{
  return g_strdup ("memory, counted");
}

static void
on_inner_looked_up (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  PiKeyringCredential *credential;

  credential = pi_keyring_backend_lookup_finish (PI_KEYRING_BACKEND (source), result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, credential, g_object_unref);
}

static void
counting_lookup_async (PiKeyringBackend    *backend,
                       const char          *provider,
                       const char          *profile,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *task = g_task_new (backend, cancellable, callback, user_data);

  pi_keyring_backend_lookup_async (COUNTING_BACKEND (backend)->inner, provider, profile,
                                   cancellable, on_inner_looked_up, task);
}

static void
on_inner_stored (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (pi_keyring_backend_store_finish (PI_KEYRING_BACKEND (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
counting_store_async (PiKeyringBackend    *backend,
                      PiKeyringCredential *credential,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  GTask *task = g_task_new (backend, cancellable, callback, user_data);

  pi_keyring_backend_store_async (COUNTING_BACKEND (backend)->inner, credential, cancellable,
                                  on_inner_stored, task);
}

static void
on_inner_removed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (pi_keyring_backend_remove_finish (PI_KEYRING_BACKEND (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
counting_remove_async (PiKeyringBackend    *backend,
                       const char          *provider,
                       const char          *profile,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *task = g_task_new (backend, cancellable, callback, user_data);

  pi_keyring_backend_remove_async (COUNTING_BACKEND (backend)->inner, provider, profile,
                                   cancellable, on_inner_removed, task);
}

static void
on_inner_listed (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GPtrArray *list;

  list = pi_keyring_backend_list_finish (PI_KEYRING_BACKEND (source), result, &error);
  if (list == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, list, (GDestroyNotify) g_ptr_array_unref);
}

static void
counting_list_async (PiKeyringBackend    *backend,
                     const char          *profile,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  GTask *task = g_task_new (backend, cancellable, callback, user_data);

  COUNTING_BACKEND (backend)->lists++;
  pi_keyring_backend_list_async (COUNTING_BACKEND (backend)->inner, profile, cancellable,
                                 on_inner_listed, task);
}

static void
counting_backend_iface_init (PiKeyringBackendInterface *iface)
{
  iface->get_name = counting_get_name;
  iface->get_location = counting_get_location;
  iface->lookup_async = counting_lookup_async;
  iface->store_async = counting_store_async;
  iface->remove_async = counting_remove_async;
  iface->list_async = counting_list_async;
}

static void
counting_backend_finalize (GObject *object)
{
  g_clear_object (&COUNTING_BACKEND (object)->inner);

  G_OBJECT_CLASS (counting_backend_parent_class)->finalize (object);
}

static void
counting_backend_class_init (CountingBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = counting_backend_finalize;
}

static void
counting_backend_init (CountingBackend *self)
{
}

static void
on_credential_changed (PiKeyringStore *store,
                       const char     *provider,
                       gpointer        user_data)
{
  (*(guint *) user_data)++;
}

/* Runs the main loop for @ms of real time: a second scan would come in it. */
static gboolean
on_ran_for (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
run_for (guint ms)
{
  gboolean stop = FALSE;

  g_timeout_add (ms, on_ran_for, &stop);
  while (!stop)
    g_main_context_iteration (NULL, TRUE);
}

/* With auto-refresh and watch-changes both on (as in the daemon), another
 * program's change is listed once: the change tracker's scan feeds both
 * credential-changed and the refresh timer. */
static void
test_one_list_per_change_elsewhere (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autofree char *first = auth_json_with_expires (T0 + 2 * HOUR_MS, "r");
  g_autofree char *second = auth_json_with_expires (T0 + HOUR_MS, "r2");
  g_autofree char *tmp = g_build_filename (fixture->tmpdir, "auth.json.new", NULL);
  g_autoptr(CountingBackend) counting = g_object_new (COUNTING_TYPE_BACKEND, NULL);
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "/bin/mv", "-f", tmp, fixture->auth_path, NULL };
  guint changed = 0, lists;
  int status = -1;
  guint scans;

  counting->inner = g_object_ref (fixture->backend);
  g_clear_object (&fixture->store);
  fixture->store = new_store (fixture, PI_KEYRING_BACKEND (counting));
  g_signal_connect (fixture->store, "credential-changed", G_CALLBACK (on_credential_changed),
                    &changed);
  write_file (fixture->auth_path, first);
  pi_keyring_store_set_watch_changes (fixture->store, TRUE);
  enable (fixture);
  run_for (400);
  g_assert_cmpint (deadline (fixture), ==, T0 + 2 * HOUR_MS - MARGIN_MS);

  lists = counting->lists;
  scans = _pi_keyring_scheduler_get_scan_count (scheduler (fixture));
  write_file (tmp, second);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  wait_for_scan (fixture, scans);
  run_for (400);
  wait_idle (fixture);

  g_test_message ("%u lists of the backend for one change elsewhere", counting->lists - lists);
  g_assert_cmpuint (counting->lists - lists, ==, 1);
  g_assert_cmpuint (changed, ==, 1);
  g_assert_cmpint (deadline (fixture), ==, T0 + HOUR_MS - MARGIN_MS);

  g_clear_object (&fixture->store);
}

/* --- 1000 credentials and no wake-ups --- */

#define N_MANY 1000

static guint polls;
static GPollFunc default_poll;

static gint
counting_poll (GPollFD *fds,
               guint    nfds,
               gint     timeout)
{
  polls++;
  return default_poll (fds, nfds, timeout);
}

static gboolean
on_stop (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_thousand_credentials (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GPtrArray) providers = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 now, earliest = G_MAXINT64, armed;
  gboolean stop = FALSE;
  GSource *timer;

  /* The real clock: the kernel timer itself is checked. */
  _pi_keyring_wall_clock_set_virtual (-1);
  now = _pi_keyring_wall_clock_now_ms ();

  for (guint i = 0; i < N_MANY; i++)
    {
      g_autofree char *id = g_strdup_printf ("many-%04u", i);
      g_autoptr(PiKeyringCredential) credential = NULL;
      gint64 expires = now + HOUR_MS + (gint64) g_test_rand_int_range (0, 3600) * 1000;
      TestProvider *provider = test_provider_new (id);

      pi_keyring_register_provider (PI_KEYRING_PROVIDER (provider));
      g_ptr_array_add (providers, provider);
      credential = oauth (id, "r", expires);
      g_assert_true (pi_keyring_backend_store_sync (fixture->backend, credential, NULL, NULL));
      earliest = MIN (earliest, expires);
    }

  enable (fixture);
  timer = _pi_keyring_scheduler_get_timer_source (scheduler (fixture));
  g_assert_cmpint (deadline (fixture), ==, earliest - MARGIN_MS);
  /* The one kernel timer is armed for that time (to the millisecond, give
   * or take the time between two clock readings). */
  armed = _pi_keyring_timer_source_get_armed_ms (timer);
  g_assert_cmpint (ABS (armed - (earliest - MARGIN_MS)), <=, 20);

  /* Two seconds of main loop with nothing due: the timer never fires, and
   * the loop sleeps in one poll () until the test's own stop timeout. */
  default_poll = g_main_context_get_poll_func (NULL);
  g_main_context_set_poll_func (NULL, counting_poll);
  polls = 0;
  g_timeout_add_seconds (2, on_stop, &stop);
  while (!stop)
    g_main_context_iteration (NULL, TRUE);
  g_main_context_set_poll_func (NULL, default_poll);

  g_test_message ("%u polls in 2 s with %u credentials", polls, N_MANY);
  g_assert_cmpuint (_pi_keyring_timer_source_get_dispatch_count (timer), ==, 0);
  g_assert_cmpuint (polls, <=, 3);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 0);

  pi_keyring_store_set_auto_refresh (fixture->store, FALSE);
  for (guint i = 0; i < providers->len; i++)
    pi_keyring_unregister_provider (test_get_id (providers->pdata[i]));
}

/* --- the refresh itself: the cross-process lock, rotation safety --- */

static char *
get_key (PiKeyringStore  *store,
         GError         **error)
{
  return pi_keyring_store_get_api_key_sync (store, PROVIDER_ID, NULL, NULL, error);
}

typedef struct
{
  Fixture *fixture;
  int      fd;
  char    *fresh_text;
} HeldFlock;

static gboolean
release_flock (gpointer user_data)
{
  HeldFlock *held = user_data;

  /* What the other process wrote before letting go. */
  write_file (held->fixture->auth_path, held->fresh_text);
  g_assert_no_errno (flock (held->fd, LOCK_UN));
  return G_SOURCE_REMOVE;
}

static int
take_flock (const char *profile,
            const char *provider)
{
  g_autofree char *path = _pi_keyring_refresh_lock_path (profile, provider);
  g_autofree char *dir = g_path_get_dirname (path);
  int fd;

  g_assert_no_errno (g_mkdir_with_parents (dir, 0700));
  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_no_errno (flock (fd, LOCK_EX | LOCK_NB));
  return fd;
}

static void
on_result (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Another process holds the credential's lock while it refreshes: we wait,
 * read again, find its token and make no request. */
static void
test_lock_waits_for_another_process (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(PiKeyringBackend) file_backend = pi_keyring_file_backend_new (fixture->auth_path);
  g_autoptr(PiKeyringStore) store = new_store (fixture, file_backend);
  g_autofree char *expired = auth_json_with_expires (1000, "spent-refresh");
  g_autofree char *lock_path = _pi_keyring_refresh_lock_path ("default", PROVIDER_ID);
  g_autofree char *after = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  HeldFlock held = { fixture, -1, NULL };
  gint64 start;

  /* The real clock here: the lookup's expiry test goes by it. */
  _pi_keyring_wall_clock_set_virtual (-1);
  write_file (fixture->auth_path, expired);
  held.fd = take_flock ("default", PROVIDER_ID);
  held.fresh_text = auth_json_with_expires (_pi_keyring_wall_clock_now_ms () + HOUR_MS,
                                            "other-process-refresh");
  g_timeout_add (300, release_flock, &held);

  start = g_get_monotonic_time ();
  pi_keyring_store_get_api_key_async (store, PROVIDER_ID, NULL, on_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  key = pi_keyring_store_get_api_key_finish (store, result, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, "old-access");
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 250 * 1000);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 0);
  g_assert_cmpuint (fixture->refreshed, ==, 0);
  g_file_get_contents (fixture->auth_path, &after, NULL, NULL);
  g_assert_cmpstr (after, ==, held.fresh_text);
  /* The lock file stays (removing it would let two holders in). */
  g_assert_true (g_file_test (lock_path, G_FILE_TEST_EXISTS));

  close (held.fd);
  g_free (held.fresh_text);
}

/* The lock is held too long: a temporary failure, the credential kept. */
static void
test_lock_times_out (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(PiKeyringBackend) file_backend = pi_keyring_file_backend_new (fixture->auth_path);
  g_autoptr(PiKeyringStore) store = new_store (fixture, file_backend);
  g_autofree char *expired = auth_json_with_expires (1000, "r");
  g_autofree char *after = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GError) error = NULL;
  int fd;

  _pi_keyring_wall_clock_set_virtual (-1);
  _pi_keyring_set_refresh_lock_timeout_ms (200);
  write_file (fixture->auth_path, expired);
  fd = take_flock ("default", PROVIDER_ID);

  key = get_key (store, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY);
  g_assert_null (key);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 0);
  g_assert_cmpuint (fixture->failed, ==, 1);
  g_file_get_contents (fixture->auth_path, &after, NULL, NULL);
  g_assert_cmpstr (after, ==, expired);

  close (fd);
  g_clear_error (&error);
  g_clear_pointer (&key, g_free);
  key = get_key (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 1);
}

/* The provider refuses the token we sent because someone else rotated it
 * while our request was on its way: the newer one is read and used, and
 * nobody is told to log in again. */
static void
rotate_elsewhere_once (TestProvider        *provider,
                       PiKeyringCredential *credential,
                       gpointer             data)
{
  Fixture *fixture = data;
  g_autoptr(PiKeyringCredential) rotated = NULL;

  if (provider->refresh_calls != 1)
    return;

  /* Still expired: the other program's write that we race with. */
  rotated = oauth (PROVIDER_ID, "rotated-elsewhere", 1000);
  g_assert_true (pi_keyring_backend_store_sync (fixture->backend, rotated, NULL, NULL));
}

static void
test_rotation_retried_with_newer_token (Fixture       *fixture,
                                        gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) refreshed = NULL;
  g_autoptr(PiKeyringCredential) stored = NULL;
  g_autoptr(GError) error = NULL;
  gboolean force = GPOINTER_TO_INT (data);

  _pi_keyring_wall_clock_set_virtual (-1);
  store_oauth (fixture, "old-refresh", 1000);
  fixture->provider->fail_code = PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED;
  fixture->provider->fail_count = 1;
  fixture->provider->on_refresh = rotate_elsewhere_once;
  fixture->provider->on_refresh_data = fixture;

  if (force)
    {
      refreshed = pi_keyring_store_refresh_sync (fixture->store, PROVIDER_ID, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (pi_keyring_credential_get_access (refreshed), ==, "refreshed-access-2");
    }
  else
    {
      g_autofree char *key = get_key (fixture->store, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (key, ==, "refreshed-access-2");
    }

  g_assert_cmpuint (fixture->provider->refresh_tokens->len, ==, 2);
  g_assert_cmpstr (fixture->provider->refresh_tokens->pdata[0], ==, "old-refresh");
  g_assert_cmpstr (fixture->provider->refresh_tokens->pdata[1], ==, "rotated-elsewhere");
  g_assert_cmpuint (fixture->failed, ==, 0);
  stored = backend_lookup (fixture->backend, PROVIDER_ID);
  g_assert_cmpstr (pi_keyring_credential_get_refresh (stored), ==, "rotated-2");
}

/* The same token refused: re-authentication required, credential kept. */
static void
test_rotation_same_token_is_final (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) stored = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;

  _pi_keyring_wall_clock_set_virtual (-1);
  store_oauth (fixture, "old-refresh", 1000);
  fixture->provider->fail_code = PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED;

  key = get_key (fixture->store, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED);
  g_assert_cmpuint (fixture->provider->refresh_calls, ==, 1);
  g_assert_cmpuint (fixture->failed, ==, 1);
  stored = backend_lookup (fixture->backend, PROVIDER_ID);
  g_assert_cmpstr (pi_keyring_credential_get_refresh (stored), ==, "old-refresh");
}

static void
add_test (const char    *path,
          gconstpointer  data,
          void         (*test) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, data, fixture_setup, test, fixture_teardown);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/scheduler/backoff/sequence", test_backoff_sequence);
  g_test_add_func ("/scheduler/backoff/transient-errors", test_transient_errors);
  g_test_add_func ("/refresh/lock/path-escapes-names", test_lock_path);

  add_test ("/scheduler/auto-refresh-property", NULL, test_property);
  add_test ("/scheduler/arm/earliest-due", NULL, test_arms_earliest);
  add_test ("/scheduler/arm/nothing-to-arm", NULL, test_nothing_to_arm);
  add_test ("/scheduler/arm/after-set-and-remove", NULL, test_rearms_after_set_and_remove);
  add_test ("/scheduler/arm/coalesces-bursts", NULL, test_coalesces_bursts);
  add_test ("/scheduler/arm/one-list-per-change-elsewhere", NULL,
            test_one_list_per_change_elsewhere);
  add_test ("/scheduler/time/refreshes-when-due", NULL, test_refreshes_when_due);
  add_test ("/scheduler/time/due-at-start", NULL, test_due_at_start);
  add_test ("/scheduler/time/clock-jump", NULL, test_clock_jump);
  add_test ("/scheduler/time/resume", NULL, test_resume);
  add_test ("/scheduler/failure/transient-backoff", NULL, test_backoff_transient);
  add_test ("/scheduler/failure/permanent", NULL, test_permanent_failure);
  add_test ("/scheduler/auth-json/written-back-not-duplicated", NULL,
            test_auth_json_written_back);
  add_test ("/scheduler/auth-json/shadowed-by-backend", NULL, test_auth_json_shadowed);
  add_test ("/scheduler/auth-json/changed-by-another-process", NULL,
            test_auth_json_changed_by_another_process);
  add_test ("/scheduler/auth-json/directory-created-later", NULL,
            test_auth_json_directory_created_later);
  add_test ("/scheduler/secret-service/changed-elsewhere", NULL,
            test_secret_service_changed_elsewhere);
  add_test ("/scheduler/wakeups/thousand-credentials", NULL, test_thousand_credentials);
  add_test ("/refresh/lock/waits-for-another-process", NULL,
            test_lock_waits_for_another_process);
  add_test ("/refresh/lock/times-out", NULL, test_lock_times_out);
  add_test ("/refresh/rotation/get-retries-newer-token", GINT_TO_POINTER (FALSE),
            test_rotation_retried_with_newer_token);
  add_test ("/refresh/rotation/refresh-retries-newer-token", GINT_TO_POINTER (TRUE),
            test_rotation_retried_with_newer_token);
  add_test ("/refresh/rotation/same-token-is-final", NULL, test_rotation_same_token_is_final);

  return g_test_run ();
}
