/* test-providers.c: the private parts of the loopback providers
 *
 * The codex account id in the access token, $BROWSER, the authorize URL,
 * and the Google project discovery against a scripted server (mock-http.c)
 * with a short poll interval, so the 60-poll bound is reached quickly. The
 * whole logins are tested end to end in test-login.py. Nothing here binds
 * a fixed port.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "mock-http.h"
#include "providers/pi-keyring-providers-private.h"

#include "test-util.h"

#define JSON "application/json"
#define BASE64URL_ALPHABET \
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/* --- a recording interaction --- */

typedef enum
{
  ASK_NOT_SUPPORTED,  /* nothing can be pasted */
  ASK_PENDING,        /* a question nobody answers, until it is cancelled */
  ASK_PASTE,          /* answers with paste */
  ASK_LATER,          /* held in pending until the test answers */
} AskMode;

typedef struct
{
  PiKeyringInteraction parent_instance;
  GPtrArray           *messages;
  char                *url;
  AskMode              ask_mode;
  char                *paste;
  GTask               *pending;
  guint                asked;
  gboolean             ask_cancelled;
} TestInteraction;

typedef struct
{
  PiKeyringInteractionClass parent_class;
} TestInteractionClass;

static GType test_interaction_get_type (void);
G_DEFINE_TYPE (TestInteraction, test_interaction, PI_KEYRING_TYPE_INTERACTION)

static void
test_interaction_progress (PiKeyringInteraction *interaction,
                           const char           *message)
{
  TestInteraction *self = (TestInteraction *) interaction;

  g_ptr_array_add (self->messages, g_strdup (message));
}

static void
test_interaction_show_auth (PiKeyringInteraction *interaction,
                            const char           *url,
                            const char           *instructions)
{
  TestInteraction *self = (TestInteraction *) interaction;

  g_free (self->url);
  self->url = g_strdup (url);
}

static gboolean
on_ask_cancelled (GCancellable *cancellable,
                  gpointer      user_data)
{
  GTask *task = user_data;
  TestInteraction *self = g_task_get_source_object (task);

  self->ask_cancelled = TRUE;
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The question was withdrawn.");

  return G_SOURCE_REMOVE;
}

static void
test_interaction_ask_code_async (PiKeyringInteraction *interaction,
                                 const char           *message,
                                 const char           *placeholder,
                                 GCancellable         *cancellable,
                                 GAsyncReadyCallback   callback,
                                 gpointer              user_data)
{
  TestInteraction *self = (TestInteraction *) interaction;
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GSource) source = NULL;

  self->asked++;
  switch (self->ask_mode)
    {
    case ASK_NOT_SUPPORTED:
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "No paste here.");
      break;

    case ASK_PASTE:
      g_task_return_pointer (task, g_strdup (self->paste), g_free);
      break;

    case ASK_LATER:
      g_assert_null (self->pending);
      self->pending = g_steal_pointer (&task);
      break;

    case ASK_PENDING:
      g_assert_nonnull (cancellable);
      source = g_cancellable_source_new (cancellable);
      g_task_attach_source (task, source, G_SOURCE_FUNC (on_ask_cancelled));
      break;
    }
}

static char *
test_interaction_ask_code_finish (PiKeyringInteraction  *interaction,
                                  GAsyncResult          *result,
                                  GError               **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_interaction_finalize (GObject *object)
{
  TestInteraction *self = (TestInteraction *) object;

  g_ptr_array_unref (self->messages);
  g_free (self->url);
  g_free (self->paste);
  g_assert_null (self->pending);
  G_OBJECT_CLASS (test_interaction_parent_class)->finalize (object);
}

static void
test_interaction_class_init (TestInteractionClass *klass)
{
  PiKeyringInteractionClass *interaction_class = PI_KEYRING_INTERACTION_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_interaction_finalize;
  interaction_class->progress = test_interaction_progress;
  interaction_class->show_auth = test_interaction_show_auth;
  interaction_class->ask_code_async = test_interaction_ask_code_async;
  interaction_class->ask_code_finish = test_interaction_ask_code_finish;
}

/* Answers the question held by ASK_LATER. */
static void
test_interaction_answer (TestInteraction *self,
                         const char      *text)
{
  GTask *task = g_steal_pointer (&self->pending);

  g_assert_nonnull (task);
  g_task_return_pointer (task, g_strdup (text), g_free);
  g_object_unref (task);
}

static void
test_interaction_init (TestInteraction *self)
{
  self->messages = g_ptr_array_new_with_free_func (g_free);
}

/* --- codex: the account id --- */

static char *
make_jwt (const char *payload,
          gboolean    url_safe,
          gboolean    padded)
{
  g_autofree char *encoded = g_base64_encode ((const guchar *) payload, strlen (payload));
  GString *middle = g_string_new (encoded);
  g_autofree char *text = NULL;

  if (url_safe)
    {
      g_strdelimit (middle->str, "+", '-');
      g_strdelimit (middle->str, "/", '_');
    }
  if (!padded)
    while (middle->len > 0 && middle->str[middle->len - 1] == '=')
      g_string_truncate (middle, middle->len - 1);

  text = g_string_free (middle, FALSE);
  return g_strdup_printf ("eyJhbGciOiJSUzI1NiJ9.%s.c2lnbmF0dXJl", text);
}

static void
test_codex_account_id (void)
{
  /* "?>?" makes '+' and '/' appear in standard base64 */
  const char *payload = "{\"x\":\"?>?>>>\",\"https://api.openai.com/auth\":"
                        "{\"chatgpt_account_id\":\"acc_test\"}}";
  struct { gboolean url_safe, padded; } forms[] = {
    { TRUE, FALSE }, { TRUE, TRUE }, { FALSE, TRUE }, { FALSE, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (forms); i++)
    {
      g_autofree char *jwt = make_jwt (payload, forms[i].url_safe, forms[i].padded);
      g_autofree char *account = _pi_keyring_codex_account_id_from_token (jwt);

      g_assert_cmpstr (account, ==, "acc_test");
    }
}

static void
test_codex_account_id_missing (void)
{
  const char *payloads[] = {
    "{\"sub\":\"x\"}",
    "{\"https://api.openai.com/auth\":{}}",
    "{\"https://api.openai.com/auth\":{\"chatgpt_account_id\":\"\"}}",
    "{\"https://api.openai.com/auth\":{\"chatgpt_account_id\":42}}",
    "{\"https://api.openai.com/auth\":\"acc\"}",
    "[1,2]",
    "not json",
  };
  const char *tokens[] = {
    "", "a", "a.b", "a.b.c.d", "..", "a.!!!.c", "a.x.c",
  };

  for (guint i = 0; i < G_N_ELEMENTS (payloads); i++)
    {
      g_autofree char *jwt = make_jwt (payloads[i], TRUE, FALSE);
      g_autofree char *account = _pi_keyring_codex_account_id_from_token (jwt);

      g_assert_null (account);
    }
  for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
    g_assert_null (_pi_keyring_codex_account_id_from_token (tokens[i]));
  g_assert_null (_pi_keyring_codex_account_id_from_token (NULL));

  /* three parts, not more: a valid payload with a fourth part is refused */
  {
    g_autofree char *jwt = make_jwt ("{\"https://api.openai.com/auth\":"
                                     "{\"chatgpt_account_id\":\"acc\"}}", TRUE, FALSE);
    g_autofree char *four = g_strconcat (jwt, ".extra", NULL);

    g_assert_null (_pi_keyring_codex_account_id_from_token (four));
  }
}

/* --- $BROWSER --- */

static void
assert_argv (const char         *browser,
             const char         *url,
             const char * const *expected)
{
  g_auto(GStrv) argv = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (_pi_keyring_browser_build_argv (browser, url, &argv, &error));
  g_assert_no_error (error);
  g_assert_cmpstrv (argv, expected);
}

static void
test_browser_argv (void)
{
  const char *url = "https://claude.ai/oauth/authorize?a=1&b=%3A;$(id)'\"";
  g_auto(GStrv) argv = NULL;
  g_autoptr(GError) error = NULL;

  assert_argv ("firefox", url, (const char *[]) { "firefox", url, NULL });
  assert_argv ("firefox --new-window", url,
               (const char *[]) { "firefox", "--new-window", url, NULL });
  assert_argv ("open-it %s --then", url, (const char *[]) { "open-it", url, "--then", NULL });
  assert_argv ("w3m:lynx %s", url, (const char *[]) { "w3m", url, NULL });
  assert_argv ("'my browser' --url=%s", "http://x/",
               (const char *[]) { "my browser", "--url=http://x/", NULL });

  g_assert_false (_pi_keyring_browser_build_argv ("'unbalanced", url, &argv, &error));
  g_assert_error (error, G_SHELL_ERROR, G_SHELL_ERROR_BAD_QUOTING);
  g_assert_null (argv);
}

static void
test_browser_spawn (void)
{
  g_autofree char *dir = g_dir_make_tmp ("pi-keyring-browser-XXXXXX", NULL);
  g_autofree char *script = g_build_filename (dir, "browser.sh", NULL);
  g_autofree char *out = g_build_filename (dir, "args", NULL);
  g_autofree char *text = NULL;
  g_autofree char *body = NULL;
  g_autofree char *browser = NULL;
  const char *url = "http://127.0.0.1:9/authorize?state=a&b=c d";
  gint64 deadline;

  body = g_strdup_printf ("#!/bin/sh\nstdin=$(cat)\nprintf '%%s|' \"$@\" \"stdin=$stdin\" > '%s.tmp'\n"
                          "mv '%s.tmp' '%s'\necho to-stdout\n", out, out, out);
  g_assert_true (g_file_set_contents (script, body, -1, NULL));
  g_assert_cmpint (g_chmod (script, 0755), ==, 0);

  browser = g_strdup_printf ("%s --flag %%s:ignored", script);
  g_setenv ("BROWSER", browser, TRUE);
  _pi_keyring_open_browser (url);  /* does not wait */

  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!g_file_get_contents (out, &text, NULL, NULL) && g_get_monotonic_time () < deadline)
    g_usleep (10000);
  g_assert_cmpstr (text, ==, "--flag|http://127.0.0.1:9/authorize?state=a&b=c d|stdin=|");

  /* a browser that cannot start is only logged */
  g_setenv ("BROWSER", "/nonexistent/browser", TRUE);
  _pi_keyring_open_browser (url);
  g_setenv ("BROWSER", "'unbalanced", TRUE);
  _pi_keyring_open_browser (url);
  g_unsetenv ("BROWSER");

  g_unlink (out);
  g_unlink (script);
  g_rmdir (dir);
}

/* --- the authorize URL --- */

static void
test_authorize_url (void)
{
  static const char * const params[] = {
    "code", "true",
    "redirect_uri", "http://localhost:1/cb",
    "scope", "a:b c/d",
    "code_challenge", PI_KEYRING_LOOPBACK_CHALLENGE,
    "state", PI_KEYRING_LOOPBACK_STATE,
    NULL
  };
  PiKeyringLoopbackConfig config = {
    .authorize_url = "https://example.com/auth",
    .authorize_params = params,
  };
  g_autofree char *url = _pi_keyring_loopback_build_authorize_url (&config, "CH-_", "st~ate");

  g_assert_cmpstr (url, ==, "https://example.com/auth?code=true&redirect_uri=http%3A%2F%2F"
                            "localhost%3A1%2Fcb&scope=a%3Ab+c%2Fd&code_challenge=CH-_&state=st%7Eate");
}

/* --- token expiry --- */

static void
test_token_expires (void)
{
  PiKeyringTokenResponse token = { .expires_in_ms = 3600000 };
  g_autoptr(GError) error = NULL;
  gint64 expires = 0;

  g_assert_true (_pi_keyring_token_expires (&token, 1000, 300000, &expires, &error));
  g_assert_cmpint (expires, ==, 1000 + 3600000 - 300000);
  g_assert_true (_pi_keyring_token_expires (&token, 1000, 0, &expires, &error));
  g_assert_cmpint (expires, ==, 3601000);

  token.expires_in_ms = -1;
  g_assert_false (_pi_keyring_token_expires (&token, 1000, 0, &expires, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED);
}

/* --- Google project discovery --- */

typedef struct
{
  MockHttp            *mock;
  PiKeyringHttpClient *http;
  TestInteraction     *interaction;
  GAsyncResult        *result;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *base = NULL;
  g_autofree char *daily = NULL;
  g_autofree char *rules = NULL;

  fixture->mock = mock_http_new ();
  fixture->http = _pi_keyring_http_client_new ();
  fixture->interaction = g_object_new (test_interaction_get_type (), NULL);
  base = mock_http_url (fixture->mock, "");
  daily = mock_http_url (fixture->mock, "/daily");
  rules = g_strdup_printf ("https://cloudcode-pa.googleapis.com=%s,"
                           "https://daily-cloudcode-pa.sandbox.googleapis.com=%s", base, daily);
  g_setenv ("PI_KEYRING_URL_REWRITE", rules, TRUE);
  g_unsetenv ("GOOGLE_CLOUD_PROJECT");
  g_unsetenv ("GOOGLE_CLOUD_PROJECT_ID");
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->result);
  g_clear_object (&fixture->interaction);
  g_clear_object (&fixture->http);
  g_clear_pointer (&fixture->mock, mock_http_free);
  g_unsetenv ("PI_KEYRING_URL_REWRITE");
  g_unsetenv ("GOOGLE_CLOUD_PROJECT");
}

static void
on_result (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Fixture *fixture = user_data;

  fixture->result = g_object_ref (result);
}

static char *
discover (Fixture  *fixture,
          gboolean  antigravity,
          guint     max_polls,
          GError  **error)
{
  if (antigravity)
    _pi_keyring_antigravity_discover_project_async (fixture->http, "ya29.token",
                                                    PI_KEYRING_INTERACTION (fixture->interaction),
                                                    NULL, on_result, fixture);
  else
    _pi_keyring_gemini_discover_project_async (fixture->http, "ya29.token",
                                               PI_KEYRING_INTERACTION (fixture->interaction),
                                               10, max_polls, NULL, on_result, fixture);
  while (fixture->result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return _pi_keyring_google_discover_project_finish (fixture->result, error);
}

static void
reply_json (Fixture    *fixture,
            const char *path,
            guint       status,
            const char *body)
{
  mock_http_reply (fixture->mock, path, status, JSON, body, NULL);
}

#define LOAD    "/v1internal:loadCodeAssist"
#define ONBOARD "/v1internal:onboardUser"
#define OP      "/v1internal/operations/op-1"

static void
queue_onboarding (Fixture *fixture,
                  guint    pending_polls)
{
  reply_json (fixture, LOAD, 200,
              "{\"allowedTiers\":[{\"id\":\"standard-tier\"},"
              "{\"id\":\"free-tier\",\"isDefault\":true}]}");
  reply_json (fixture, ONBOARD, 200, "{\"name\":\"operations/op-1\",\"done\":false}");
  for (guint i = 0; i < pending_polls; i++)
    reply_json (fixture, OP, 200, "{\"name\":\"operations/op-1\",\"done\":false}");
}

static void
test_gemini_poll_bound (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *project = NULL;

  queue_onboarding (fixture, 3);
  project = discover (fixture, FALSE, 3, &error);

  g_assert_null (project);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY);
  g_assert_nonnull (strstr (error->message, "after 3 checks"));
  g_assert_cmpuint (mock_http_n_requests (fixture->mock), ==, 5);
  g_assert_cmpstr (mock_http_get_request (fixture->mock, 2)->path, ==, OP);
  g_assert_cmpstr (mock_http_get_request (fixture->mock, 2)->method, ==, "GET");
}

static void
test_gemini_poll_default_bound (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *project = NULL;

  queue_onboarding (fixture, PI_KEYRING_GEMINI_MAX_POLLS);
  project = discover (fixture, FALSE, 0, &error);

  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY);
  g_assert_cmpuint (mock_http_n_requests (fixture->mock), ==, 2 + PI_KEYRING_GEMINI_MAX_POLLS);
}

static void
test_gemini_poll_done (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *project = NULL;
  const MockRequest *request;
  GPtrArray *messages = fixture->interaction->messages;

  queue_onboarding (fixture, 2);
  reply_json (fixture, OP, 200, "{\"done\":true,\"response\":{\"cloudaicompanionProject\":"
                                "{\"id\":\"proj-new\"}}}");
  project = discover (fixture, FALSE, 0, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (project, ==, "proj-new");
  g_assert_cmpuint (messages->len, ==, 4);
  g_assert_cmpstr (messages->pdata[0], ==, "Checking for existing Cloud Code Assist project...");
  g_assert_cmpstr (messages->pdata[1], ==,
                   "Provisioning Cloud Code Assist project (this may take a moment)...");
  g_assert_cmpstr (messages->pdata[2], ==, "Waiting for project provisioning (attempt 2)...");
  g_assert_cmpstr (messages->pdata[3], ==, "Waiting for project provisioning (attempt 3)...");

  request = mock_http_get_request (fixture->mock, 0);
  g_assert_cmpstr (g_hash_table_lookup (request->headers, "authorization"), ==,
                   "Bearer ya29.token");
  g_assert_cmpstr (g_hash_table_lookup (request->headers, "content-type"), ==, JSON);
  request = mock_http_get_request (fixture->mock, 1);
  g_assert_cmpstr (request->body, ==, "{\"tierId\":\"free-tier\",\"metadata\":{\"ideType\":"
                                      "\"IDE_UNSPECIFIED\",\"platform\":\"PLATFORM_UNSPECIFIED\","
                                      "\"pluginType\":\"GEMINI\"}}");
  request = mock_http_get_request (fixture->mock, 2);
  g_assert_cmpstr (g_hash_table_lookup (request->headers, "x-goog-api-client"), ==,
                   "gl-node/22.17.0");
}

static void
test_gemini_legacy_tier_needs_project (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *project = NULL;

  /* no isDefault: legacy-tier, which is not free */
  reply_json (fixture, LOAD, 200, "{\"allowedTiers\":[{\"id\":\"free-tier\"}]}");
  project = discover (fixture, FALSE, 0, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "GOOGLE_CLOUD_PROJECT_ID environment variable"));
  g_assert_cmpuint (mock_http_n_requests (fixture->mock), ==, 1);
}

static void
test_gemini_env_project (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *project = NULL;

  g_setenv ("GOOGLE_CLOUD_PROJECT", "env-proj", TRUE);
  reply_json (fixture, LOAD, 200, "{\"allowedTiers\":[]}");
  reply_json (fixture, ONBOARD, 200, "{\"name\":\"operations/op-1\",\"done\":true,"
                                     "\"response\":{}}");
  project = discover (fixture, FALSE, 0, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (project, ==, "env-proj");
  g_assert_cmpstr (mock_http_get_request (fixture->mock, 1)->body, ==,
                   "{\"tierId\":\"legacy-tier\",\"metadata\":{\"ideType\":\"IDE_UNSPECIFIED\","
                   "\"platform\":\"PLATFORM_UNSPECIFIED\",\"pluginType\":\"GEMINI\","
                   "\"duetProject\":\"env-proj\"},\"cloudaicompanionProject\":\"env-proj\"}");
}

static void
test_gemini_bad_operation_name (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *project = NULL;

  reply_json (fixture, LOAD, 200, "{\"allowedTiers\":[{\"id\":\"free-tier\",\"isDefault\":true}]}");
  reply_json (fixture, ONBOARD, 200, "{\"name\":\"../../evil?x=1\",\"done\":false}");
  project = discover (fixture, FALSE, 0, &error);

  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED);
  g_assert_cmpuint (mock_http_n_requests (fixture->mock), ==, 2);
}

static void
test_gemini_load_errors (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *project = NULL;

  reply_json (fixture, LOAD, 503, "{\"error\":{\"code\":503,\"message\":\"Unavailable.\"}}");
  project = discover (fixture, FALSE, 0, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY);
  g_assert_true (g_str_has_prefix (error->message, "loadCodeAssist failed: "));
  g_clear_error (&error);
  g_clear_object (&fixture->result);

  /* a terminal escape in Google's message is not shown */
  reply_json (fixture, LOAD, 400, "{\"error\":{\"code\":400,\"message\":\"bad\\u001b[2J\"}}");
  project = discover (fixture, FALSE, 0, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "loadCodeAssist failed (HTTP 400).");
}

static void
test_antigravity_second_endpoint (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *project = NULL;
  const MockRequest *request;

  reply_json (fixture, LOAD, 500, "{}");
  reply_json (fixture, "/daily" LOAD, 200, "{\"cloudaicompanionProject\":{\"id\":\"daily-proj\"}}");
  project = discover (fixture, TRUE, 0, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (project, ==, "daily-proj");
  request = mock_http_get_request (fixture->mock, 1);
  g_assert_cmpstr (request->body, ==, "{\"metadata\":{\"ideType\":\"IDE_UNSPECIFIED\","
                                      "\"platform\":\"PLATFORM_UNSPECIFIED\",\"pluginType\":\"GEMINI\"}}");
  g_assert_cmpstr (g_hash_table_lookup (request->headers, "client-metadata"), ==,
                   "{\"ideType\":\"IDE_UNSPECIFIED\",\"platform\":\"PLATFORM_UNSPECIFIED\","
                   "\"pluginType\":\"GEMINI\"}");
  g_assert_cmpuint (fixture->interaction->messages->len, ==, 1);
}

/* --- the loopback driver, with a test provider part --- */

typedef struct
{
  PiKeyringLoopbackConfig  config;
  PiKeyringProvider       *provider;   /* any provider: the tasks' source */
  TestInteraction         *interaction;
  PiKeyringLoopbackLogin  *login;      /* the last one started */
  GAsyncResult            *result;
  char                    *code;       /* what the exchange saw */
  char                    *state;
  char                    *verifier;
  guint                    exchanges;
} Driver;

static Driver *current_driver;

static const char * const driver_params[] = {
  "code_challenge", PI_KEYRING_LOOPBACK_CHALLENGE,
  "state", PI_KEYRING_LOOPBACK_STATE,
  NULL
};

static void
driver_exchange (PiKeyringLoopbackLogin *login,
                 GTask                  *task)
{
  Driver *driver = current_driver;

  driver->exchanges++;
  driver->code = g_strdup (_pi_keyring_loopback_login_get_code (login));
  driver->state = g_strdup (_pi_keyring_loopback_login_get_state (login));
  driver->verifier = g_strdup (_pi_keyring_loopback_login_get_verifier (login));
  _pi_keyring_loopback_login_progress (login, "Exchanging.");
  g_task_return_pointer (task, pi_keyring_credential_new_oauth ("test", NULL, "r",
                                                                driver->code, 1),
                         g_object_unref);
  g_object_unref (task);
}

/* A port that was free a moment ago. */
static guint
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static GSocket *
hold_port (guint port)
{
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                  G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr(GError) error = NULL;

  g_socket_bind (socket, address, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (socket, &error);
  g_assert_no_error (error);
  return socket;
}

static void
driver_setup (Driver        *driver,
              gconstpointer  data)
{
  guint port = free_port ();

  driver->config = (PiKeyringLoopbackConfig) {
    .port = port,
    .callback_path = "/cb",
    .redirect_uri = "http://localhost/cb",
    .authorize_url = "https://example.com/authorize",
    .authorize_params = driver_params,
    .state_format = GPOINTER_TO_INT (data),
    .paste_mode = PI_KEYRING_PASTE_LENIENT,
    .instructions = "Do it.",
    .paste_message = "Paste:",
    .state_mismatch = "State mismatch.",
    .exchange = driver_exchange,
  };
  driver->provider = _pi_keyring_anthropic_provider_new ();
  driver->interaction = g_object_new (test_interaction_get_type (), "open-browser", FALSE, NULL);
  current_driver = driver;
  g_unsetenv ("PI_KEYRING_URL_REWRITE");
}

static void
driver_teardown (Driver        *driver,
                 gconstpointer  data)
{
  /* the loser of a race may still be on its way */
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_clear_object (&driver->result);
  g_clear_pointer (&driver->login, _pi_keyring_loopback_login_unref);
  g_clear_object (&driver->interaction);
  g_clear_object (&driver->provider);
  g_free (driver->code);
  g_free (driver->state);
  g_free (driver->verifier);
  current_driver = NULL;
}

static void
on_login (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Driver *driver = user_data;

  g_assert_null (driver->result);
  driver->result = g_object_ref (result);
}

static void
driver_start (Driver       *driver,
              GVariant     *options,
              GCancellable *cancellable)
{
  g_clear_pointer (&driver->login, _pi_keyring_loopback_login_unref);
  driver->login = _pi_keyring_loopback_login_start (G_OBJECT (driver->provider), &driver->config,
                                                    PI_KEYRING_INTERACTION (driver->interaction),
                                                    options, cancellable, on_login, driver);
}

static PiKeyringCredential *
driver_finish (Driver  *driver,
               GError **error)
{
  while (driver->result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return _pi_keyring_loopback_login_finish (G_OBJECT (driver->provider), driver->result, error);
}

static char *
url_param (const char *url,
           const char *name)
{
  g_autoptr(GHashTable) params = NULL;
  const char *query = strchr (url, '?');

  g_assert_nonnull (query);
  params = g_uri_parse_params (query + 1, -1, "&", G_URI_PARAMS_WWW_FORM, NULL);
  g_assert_nonnull (params);
  return g_strdup (g_hash_table_lookup (params, name));
}

static void
assert_port_free (guint port)
{
  g_autoptr(GSocket) socket = hold_port (port);
}

static void
test_driver_callback_wins (Driver        *driver,
                           gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *path = NULL;
  g_autofree char *host = g_strdup_printf ("localhost:%u", driver->config.port);

  driver->interaction->ask_mode = ASK_PENDING;
  driver_start (driver, NULL, NULL);
  g_assert_nonnull (driver->interaction->url);
  g_assert_true (g_str_has_prefix (driver->interaction->url,
                                   "https://example.com/authorize?code_challenge="));
  state = url_param (driver->interaction->url, "state");
  challenge = url_param (driver->interaction->url, "code_challenge");

  path = g_strdup_printf ("/cb?code=from-browser&state=%s", state);
  g_assert_cmpuint (raw_http_get (driver->config.port, host, path, NULL), ==, 200);
  credential = driver_finish (driver, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (pi_keyring_credential_get_access (credential), ==, "from-browser");
  g_assert_cmpstr (driver->state, ==, state);
  g_assert_cmpuint (driver->exchanges, ==, 1);
  /* the state is fresh and random, never the verifier (RFC 9700 §2.1.1) */
  if (GPOINTER_TO_INT (data) == PI_KEYRING_STATE_HEX)
    {
      g_assert_cmpuint (strlen (state), ==, 32);
      g_assert_cmpuint (strspn (state, "0123456789abcdef"), ==, 32);
    }
  else
    {
      g_assert_cmpuint (strlen (state), ==, 43);
      g_assert_cmpuint (strspn (state, BASE64URL_ALPHABET), ==, 43);
    }
  g_assert_cmpstr (state, !=, driver->verifier);
  g_assert_null (strstr (driver->interaction->url, driver->verifier));
  {
    g_autofree char *expected = _pi_keyring_pkce_challenge_for_verifier (driver->verifier);

    g_assert_cmpstr (challenge, ==, expected);
  }
  /* the question was withdrawn, the port is free */
  while (!driver->interaction->ask_cancelled)
    g_main_context_iteration (NULL, TRUE);
  assert_port_free (driver->config.port);
  g_assert_cmpuint (driver->interaction->messages->len, ==, 1);
}

static void
test_driver_paste_wins (Driver        *driver,
                        gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  driver->interaction->ask_mode = ASK_PASTE;
  driver->interaction->paste = g_strdup ("  pasted-code  ");
  driver_start (driver, NULL, NULL);
  credential = driver_finish (driver, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (driver->code, ==, "pasted-code");
  g_assert_cmpuint (driver->exchanges, ==, 1);
  assert_port_free (driver->config.port);
}

static void
test_driver_paste_state_mismatch (Driver        *driver,
                                  gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  driver->interaction->ask_mode = ASK_PASTE;
  driver->interaction->paste = g_strdup ("code#other-state");
  driver_start (driver, NULL, NULL);
  credential = driver_finish (driver, &error);

  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "State mismatch.");
  g_assert_cmpuint (driver->exchanges, ==, 0);
  assert_port_free (driver->config.port);
}

/* A callback whose state is the verifier is refused, and so is a paste:
 * only the state of the authorize URL completes the login. */
static void
test_driver_verifier_as_state (Driver        *driver,
                               gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;
  g_autofree char *path = NULL;
  g_autofree char *host = g_strdup_printf ("localhost:%u", driver->config.port);
  const char *verifier;

  /* the callback: 400, and the login goes on waiting */
  driver->interaction->ask_mode = ASK_PENDING;
  driver_start (driver, NULL, NULL);
  verifier = _pi_keyring_loopback_login_get_verifier (driver->login);
  path = g_strdup_printf ("/cb?code=forged&state=%s", verifier);
  g_assert_cmpuint (raw_http_get (driver->config.port, host, path, NULL), ==, 400);
  g_assert_null (driver->result);
  g_assert_cmpuint (driver->exchanges, ==, 0);
  state = url_param (driver->interaction->url, "state");
  g_free (path);
  path = g_strdup_printf ("/cb?code=from-browser&state=%s", state);
  g_assert_cmpuint (raw_http_get (driver->config.port, host, path, NULL), ==, 200);
  credential = driver_finish (driver, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (driver->code, ==, "from-browser");
  g_assert_cmpuint (driver->exchanges, ==, 1);
  while (!driver->interaction->ask_cancelled)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&credential);
  g_clear_object (&driver->result);

  /* the paste `code#<verifier>`: the provider's mismatch error */
  driver->interaction->ask_mode = ASK_LATER;
  driver_start (driver, NULL, NULL);
  g_free (path);
  path = g_strdup_printf ("forged#%s", _pi_keyring_loopback_login_get_verifier (driver->login));
  test_interaction_answer (driver->interaction, path);
  credential = driver_finish (driver, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "State mismatch.");
  g_assert_cmpuint (driver->exchanges, ==, 1);
  assert_port_free (driver->config.port);
}

static void
test_driver_port_busy (Driver        *driver,
                       gconstpointer  data)
{
  g_autoptr(GSocket) held = hold_port (driver->config.port);
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *port = g_strdup_printf ("%u", driver->config.port);

  /* nothing can be pasted: the port's error */
  driver->interaction->ask_mode = ASK_NOT_SUPPORTED;
  driver_start (driver, NULL, NULL);
  credential = driver_finish (driver, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_nonnull (strstr (error->message, port));
  g_assert_cmpuint (driver->interaction->messages->len, ==, 1);
  g_assert_nonnull (strstr (driver->interaction->messages->pdata[0], port));
  g_clear_error (&error);
  g_clear_object (&driver->result);

  /* a paste goes on without the server */
  driver->interaction->ask_mode = ASK_PASTE;
  driver->interaction->paste = g_strdup ("http://localhost/cb?code=pasted");
  driver_start (driver, NULL, NULL);
  credential = driver_finish (driver, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (driver->code, ==, "pasted");
}

static void
test_driver_timeout (Driver        *driver,
                     gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;
  GVariantDict options;

  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "timeout-ms", "u", 200);
  driver->interaction->ask_mode = ASK_PENDING;
  driver_start (driver, g_variant_dict_end (&options), NULL);
  credential = driver_finish (driver, &error);

  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  assert_port_free (driver->config.port);
  while (!driver->interaction->ask_cancelled)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_driver_cancel (Driver        *driver,
                    gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  driver->interaction->ask_mode = ASK_NOT_SUPPORTED;
  driver_start (driver, NULL, cancellable);
  g_timeout_add (50, test_cancel_later, cancellable);
  credential = driver_finish (driver, &error);

  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_port_free (driver->config.port);

  /* already cancelled: nothing starts */
  g_clear_error (&error);
  g_clear_object (&driver->result);
  g_free (driver->interaction->url);
  driver->interaction->url = NULL;
  driver_start (driver, NULL, cancellable);
  credential = driver_finish (driver, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (driver->interaction->url);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/providers/codex/account-id", test_codex_account_id);
  g_test_add_func ("/providers/codex/account-id-missing", test_codex_account_id_missing);
  g_test_add_func ("/providers/browser/argv", test_browser_argv);
  g_test_add_func ("/providers/browser/spawn", test_browser_spawn);
  g_test_add_func ("/providers/loopback/authorize-url", test_authorize_url);
  g_test_add_func ("/providers/loopback/token-expires", test_token_expires);
  g_test_add ("/providers/loopback/callback-wins", Driver,
              GINT_TO_POINTER (PI_KEYRING_STATE_BASE64URL), driver_setup,
              test_driver_callback_wins, driver_teardown);
  g_test_add ("/providers/loopback/callback-wins-hex-state", Driver,
              GINT_TO_POINTER (PI_KEYRING_STATE_HEX), driver_setup,
              test_driver_callback_wins, driver_teardown);
  g_test_add ("/providers/loopback/verifier-as-state", Driver,
              GINT_TO_POINTER (PI_KEYRING_STATE_BASE64URL), driver_setup,
              test_driver_verifier_as_state, driver_teardown);
  g_test_add ("/providers/loopback/paste-wins", Driver, NULL, driver_setup,
              test_driver_paste_wins, driver_teardown);
  g_test_add ("/providers/loopback/paste-state-mismatch", Driver, NULL, driver_setup,
              test_driver_paste_state_mismatch, driver_teardown);
  g_test_add ("/providers/loopback/port-busy", Driver, NULL, driver_setup,
              test_driver_port_busy, driver_teardown);
  g_test_add ("/providers/loopback/timeout", Driver, NULL, driver_setup,
              test_driver_timeout, driver_teardown);
  g_test_add ("/providers/loopback/cancel", Driver, NULL, driver_setup,
              test_driver_cancel, driver_teardown);
  g_test_add ("/providers/gemini/poll-bound", Fixture, NULL, fixture_setup,
              test_gemini_poll_bound, fixture_teardown);
  g_test_add ("/providers/gemini/poll-default-bound", Fixture, NULL, fixture_setup,
              test_gemini_poll_default_bound, fixture_teardown);
  g_test_add ("/providers/gemini/poll-done", Fixture, NULL, fixture_setup,
              test_gemini_poll_done, fixture_teardown);
  g_test_add ("/providers/gemini/legacy-tier-needs-project", Fixture, NULL, fixture_setup,
              test_gemini_legacy_tier_needs_project, fixture_teardown);
  g_test_add ("/providers/gemini/env-project", Fixture, NULL, fixture_setup,
              test_gemini_env_project, fixture_teardown);
  g_test_add ("/providers/gemini/bad-operation-name", Fixture, NULL, fixture_setup,
              test_gemini_bad_operation_name, fixture_teardown);
  g_test_add ("/providers/gemini/load-errors", Fixture, NULL, fixture_setup,
              test_gemini_load_errors, fixture_teardown);
  g_test_add ("/providers/antigravity/second-endpoint", Fixture, NULL, fixture_setup,
              test_antigravity_second_endpoint, fixture_teardown);

  return g_test_run ();
}
