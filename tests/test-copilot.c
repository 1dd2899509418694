/* test-copilot.c: the github-copilot OAuth provider (reference §7.2)
 *
 * Logins and refreshes run against tests/mock-provider.py, started once
 * as a subprocess and reached through PI_KEYRING_URL_REWRITE; the tests
 * drive it through its admin API (device approval, scripted poll answers,
 * injected failures) and read back what it received. The device poller
 * runs on a virtual clock, so the polls do not wait. Conformance 26 and
 * 27 run the provider against the scripted server of mock-http.c, which
 * stamps each request with that clock.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <libsoup/soup.h>

#include "mock-http.h"
#include "store/pi-keyring-store-private.h"

#include "test-util.h"

#define CLIENT_ID   "Iv1.b507a08c87ecfe98"
#define USER_AGENT  "GitHubCopilotChat/0.35.0"
#define FORM        "application/x-www-form-urlencoded"
#define JSON        "application/json"
#define START_MS    G_GINT64_CONSTANT (1000000)

/* pi's 23 built-in github-copilot models, written out again on purpose. */
static const char * const expected_models[] = {
  "claude-haiku-4.5", "claude-opus-4.5", "claude-opus-4.6", "claude-sonnet-4",
  "claude-sonnet-4.5", "claude-sonnet-4.6", "gemini-2.5-pro", "gemini-3-flash-preview",
  "gemini-3-pro-preview", "gemini-3.1-pro-preview", "gpt-4.1", "gpt-4o", "gpt-5",
  "gpt-5-mini", "gpt-5.1", "gpt-5.1-codex", "gpt-5.1-codex-max", "gpt-5.1-codex-mini",
  "gpt-5.2", "gpt-5.2-codex", "gpt-5.3-codex", "gpt-5.4", "grok-code-fast-1",
};

/* --- the mock provider, one process for the whole program --- */

static GSubprocess *mock_process;
static char *mock_url;
static char *mock_rewrite;
static SoupSession *admin_session;

/* The mock goes when the test program goes, even when it crashes. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
mock_start (void)
{
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "mock-provider.py", NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_auto(GStrv) words = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  mock_process = g_subprocess_launcher_spawn (launcher, &error, "/usr/bin/python3", script,
                                              "--port", "0", NULL);
  g_assert_no_error (error);

  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (mock_process));
  line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);

  words = g_strsplit (line, " ", -1);
  for (guint i = 0; words[i] != NULL; i++)
    {
      if (g_str_has_prefix (words[i], "URL="))
        mock_url = g_strdup (words[i] + strlen ("URL="));
      else if (g_str_has_prefix (words[i], "REWRITE="))
        mock_rewrite = g_strdup (words[i] + strlen ("REWRITE="));
    }
  g_assert_nonnull (mock_url);
  g_assert_nonnull (mock_rewrite);

  admin_session = soup_session_new ();
}

static void
mock_stop (void)
{
  g_clear_object (&admin_session);
  if (mock_process != NULL)
    {
      g_subprocess_force_exit (mock_process);
      g_subprocess_wait (mock_process, NULL, NULL);
      g_clear_object (&mock_process);
    }
  g_clear_pointer (&mock_url, g_free);
  g_clear_pointer (&mock_rewrite, g_free);
}

/* A call to the mock's admin API; @body is JSON or NULL. Returns the
 * answer's root object. */
static JsonObject *
admin_call (const char *method,
            const char *path,
            const char *body)
{
  g_autofree char *url = g_strconcat (mock_url, "/_admin/", path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, JSON, bytes);
    }

  answer = soup_session_send_and_read (admin_session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);

  json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL),
                              g_bytes_get_size (answer), &error);
  g_assert_no_error (error);

  return json_node_dup_object (json_parser_get_root (parser));
}

static void
admin_post (const char *path,
            const char *body)
{
  g_autoptr(JsonObject) answer = admin_call ("POST", path, body);
}

/* The requests the mock received under @prefix, in order. */
static JsonArray *
mock_requests (const char *prefix)
{
  g_autofree char *path = g_strconcat ("requests?prefix=", prefix, NULL);
  g_autoptr(JsonObject) answer = admin_call ("GET", path, NULL);

  return json_array_ref (json_object_get_array_member (answer, "requests"));
}

/* A header of a recorded request, whatever the case of its name. */
static const char *
request_header (JsonObject *request,
                const char *name)
{
  JsonObject *headers = json_object_get_object_member (request, "headers");
  JsonObjectIter iter;
  const char *member;
  JsonNode *value;

  json_object_iter_init (&iter, headers);
  while (json_object_iter_next (&iter, &member, &value))
    if (g_ascii_strcasecmp (member, name) == 0)
      return json_node_get_string (value);

  return NULL;
}

/* --- an interaction that records and can approve the device code --- */

typedef enum
{
  SHOW_NOTHING,
  SHOW_APPROVE,
  SHOW_DENY,
} ShowAction;

#define TEST_TYPE_INTERACTION (test_interaction_get_type ())
G_DECLARE_FINAL_TYPE (TestInteraction, test_interaction, TEST, INTERACTION, PiKeyringInteraction)

struct _TestInteraction
{
  PiKeyringInteraction parent_instance;

  ShowAction           action;
  char                *url;
  char                *instructions;
  GPtrArray           *progress;
};

G_DEFINE_FINAL_TYPE (TestInteraction, test_interaction, PI_KEYRING_TYPE_INTERACTION)

static void
test_interaction_show_auth (PiKeyringInteraction *interaction,
                            const char           *url,
                            const char           *instructions)
{
  TestInteraction *self = TEST_INTERACTION (interaction);

  g_assert_null (self->url);
  self->url = g_strdup (url);
  self->instructions = g_strdup (instructions);

  /* The person enters the code shown (or refuses it) on the web page. */
  if (self->action != SHOW_NOTHING)
    {
      g_autofree char *body = NULL;

      g_assert_true (g_str_has_prefix (instructions, "Enter code: "));
      body = g_strdup_printf ("{\"user_code\":\"%s\",\"deny\":%s}",
                              instructions + strlen ("Enter code: "),
                              self->action == SHOW_DENY ? "true" : "false");
      admin_post ("device/approve", body);
    }
}

static void
test_interaction_progress (PiKeyringInteraction *interaction,
                           const char           *message)
{
  g_ptr_array_add (TEST_INTERACTION (interaction)->progress, g_strdup (message));
}

static void
test_interaction_finalize (GObject *object)
{
  TestInteraction *self = TEST_INTERACTION (object);

  g_free (self->url);
  g_free (self->instructions);
  g_ptr_array_unref (self->progress);

  G_OBJECT_CLASS (test_interaction_parent_class)->finalize (object);
}

static void
test_interaction_class_init (TestInteractionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  PiKeyringInteractionClass *interaction_class = PI_KEYRING_INTERACTION_CLASS (klass);

  object_class->finalize = test_interaction_finalize;
  interaction_class->show_auth = test_interaction_show_auth;
  interaction_class->progress = test_interaction_progress;
}

static void
test_interaction_init (TestInteraction *self)
{
  self->progress = g_ptr_array_new_with_free_func (g_free);
  pi_keyring_interaction_set_open_browser (PI_KEYRING_INTERACTION (self), FALSE);
}

/* --- the fixture --- */

typedef struct
{
  PiKeyringProvider *provider;
  TestInteraction   *interaction;
  PiKeyringClock    *clock;
  MockHttp          *scripted;  /* conformance 26 and 27 only */
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  admin_post ("reset", NULL);
  g_setenv ("PI_KEYRING_URL_REWRITE", mock_rewrite, TRUE);

  fixture->provider = _pi_keyring_copilot_provider_new ();
  fixture->clock = _pi_keyring_clock_new_virtual (START_MS);
  _pi_keyring_copilot_provider_set_clock (fixture->provider, fixture->clock);
  fixture->interaction = g_object_new (TEST_TYPE_INTERACTION, NULL);
  fixture->interaction->action = SHOW_APPROVE;
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->provider);
  g_clear_object (&fixture->interaction);
  g_clear_pointer (&fixture->scripted, mock_http_free);
  g_clear_pointer (&fixture->clock, _pi_keyring_clock_unref);
  g_unsetenv ("PI_KEYRING_URL_REWRITE");
  g_unsetenv ("BROWSER");
}

static PiKeyringCredential *
login (Fixture     *fixture,
       const char  *enterprise_domain,
       GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) options = NULL;
  g_autoptr(GVariantDict) dict = g_variant_dict_new (NULL);

  if (enterprise_domain != NULL)
    g_variant_dict_insert (dict, "enterprise-domain", "s", enterprise_domain);
  options = g_variant_ref_sink (g_variant_dict_end (dict));

  pi_keyring_provider_login_async (fixture->provider, PI_KEYRING_INTERACTION (fixture->interaction),
                                   options, NULL, test_on_result, &result);
  return pi_keyring_provider_login_finish (fixture->provider, test_wait_for (&result), error);
}

static PiKeyringCredential *
refresh (Fixture              *fixture,
         PiKeyringCredential  *credential,
         GError              **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pi_keyring_provider_refresh_async (fixture->provider, credential, NULL, test_on_result, &result);
  return pi_keyring_provider_refresh_finish (fixture->provider, test_wait_for (&result), error);
}

/* An entry as pi stores it, from JSON. */
static PiKeyringCredential *
credential_from_json (const char *json)
{
  g_autoptr(GError) error = NULL;
  PiKeyringCredential *credential;

  credential = pi_keyring_credential_new_from_json ("github-copilot", NULL, json, -1, &error);
  g_assert_no_error (error);
  return credential;
}

/* A GitHub token the mock knows, for @domain. */
static char *
seed_github_token (const char *domain)
{
  g_autofree char *body = g_strdup_printf ("{\"provider\":\"github-copilot\",\"domain\":\"%s\"}",
                                           domain);
  g_autoptr(JsonObject) answer = admin_call ("POST", "seed-refresh", body);

  return g_strdup (json_object_get_string_member (answer, "refresh_token"));
}

/* The exp= field of a Copilot token the mock made. */
static gint64
token_exp (const char *token)
{
  const char *exp = strstr (token, ";exp=");

  g_assert_nonnull (exp);
  return g_ascii_strtoll (exp + strlen (";exp="), NULL, 10);
}

/* The only token of @kind ("refresh" or "access") the mock issued. */
static char *
issued_token (const char *kind)
{
  g_autoptr(JsonObject) tokens = admin_call ("GET", "tokens", NULL);
  JsonObject *copilot = json_object_get_object_member (tokens, "github-copilot");
  JsonArray *issued = json_object_get_array_member (json_object_get_object_member (copilot, kind),
                                                    "issued");

  g_assert_cmpuint (json_array_get_length (issued), ==, 1);
  return g_strdup (json_array_get_string_element (issued, 0));
}

static void
assert_device_request (JsonObject *request)
{
  g_assert_cmpstr (json_object_get_string_member (request, "method"), ==, "POST");
  g_assert_cmpstr (request_header (request, "Accept"), ==, JSON);
  g_assert_cmpstr (request_header (request, "Content-Type"), ==, FORM);
  g_assert_cmpstr (request_header (request, "User-Agent"), ==, USER_AGENT);
}

static void
assert_copilot_headers (JsonObject *request)
{
  g_assert_cmpstr (request_header (request, "User-Agent"), ==, USER_AGENT);
  g_assert_cmpstr (request_header (request, "Editor-Version"), ==, "vscode/1.107.0");
  g_assert_cmpstr (request_header (request, "Editor-Plugin-Version"), ==, "copilot-chat/0.35.0");
  g_assert_cmpstr (request_header (request, "Copilot-Integration-Id"), ==, "vscode-chat");
}

/* The 23 policy requests, on @host, with @access. */
static void
assert_policies (const char *host,
                 const char *access)
{
  g_autoptr(JsonObject) answer = admin_call ("GET", "policies", NULL);
  JsonArray *policies = json_object_get_array_member (answer, "policies");
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *bearer = g_strconcat ("Bearer ", access, NULL);

  g_assert_cmpuint (json_array_get_length (policies), ==, G_N_ELEMENTS (expected_models));
  for (guint i = 0; i < json_array_get_length (policies); i++)
    {
      JsonObject *policy = json_array_get_object_element (policies, i);
      const char *model = json_object_get_string_member (policy, "model");

      g_assert_cmpstr (json_object_get_string_member (policy, "host"), ==, host);
      g_assert_true (json_object_get_boolean_member (policy, "authorized"));
      g_assert_cmpstr (json_object_get_string_member (policy, "body"), ==, "{\"state\":\"enabled\"}");
      g_assert_cmpstr (request_header (policy, "Content-Type"), ==, JSON);
      g_assert_cmpstr (request_header (policy, "Authorization"), ==, bearer);
      assert_copilot_headers (policy);
      g_assert_cmpstr (request_header (policy, "openai-intent"), ==, "chat-policy");
      g_assert_cmpstr (request_header (policy, "x-interaction-type"), ==, "chat-policy");
      g_assert_true (g_hash_table_add (seen, (gpointer) model));
    }

  for (gsize i = 0; i < G_N_ELEMENTS (expected_models); i++)
    g_assert_true (g_hash_table_contains (seen, expected_models[i]));
}

/* --- tests --- */

static void
test_identity (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(PiKeyringProvider) registered = pi_keyring_lookup_provider ("github-copilot");

  g_assert_cmpstr (pi_keyring_provider_get_id (fixture->provider), ==, "github-copilot");
  g_assert_cmpstr (pi_keyring_provider_get_display_name (fixture->provider), ==, "GitHub Copilot");
  g_assert_cmpstr (pi_keyring_provider_get_flow (fixture->provider), ==, "device");
  /* A public client cannot revoke a GitHub token (no client secret). */
  g_assert_false (pi_keyring_provider_can_revoke (fixture->provider));

  g_assert_nonnull (registered);
  g_assert_cmpstr (pi_keyring_provider_get_id (registered), ==, "github-copilot");
}

/* The whole login: device code → pending → slow_down → approved → GitHub
 * token → Copilot token → 23 model policies; the entry as pi writes it. */
static void
test_login (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(PiKeyringBackend) backend = NULL;
  g_autoptr(JsonArray) codes = NULL;
  g_autoptr(JsonArray) polls = NULL;
  g_autoptr(JsonArray) exchanges = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *refresh_token = NULL;
  g_autofree char *access_token = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *json = NULL;
  g_autofree char *bearer = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *expected_file = NULL;
  g_autofree char *expected_url = NULL;
  g_autofree char *api_key = NULL;
  JsonObject *request;
  gint64 expires;

  admin_post ("config", "{\"device_script\":[\"authorization_pending\",\"slow_down\"]}");

  credential = login (fixture, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (credential);

  /* What the user saw. */
  expected_url = g_strconcat (mock_url, "/github.com/login/device", NULL);
  g_assert_cmpstr (fixture->interaction->url, ==, expected_url);
  g_assert_true (g_str_has_prefix (fixture->interaction->instructions, "Enter code: "));
  g_assert_cmpuint (strlen (fixture->interaction->instructions), ==,
                    strlen ("Enter code: ABCD-EFGH"));
  g_assert_cmpuint (fixture->interaction->progress->len, ==, 2);
  g_assert_cmpstr (fixture->interaction->progress->pdata[0], ==,
                   "Waiting for browser authentication...");
  g_assert_cmpstr (fixture->interaction->progress->pdata[1], ==, "Enabling models...");

  /* Step 2: the device code request. */
  codes = mock_requests ("/github.com/login/device/code");
  g_assert_cmpuint (json_array_get_length (codes), ==, 1);
  request = json_array_get_object_element (codes, 0);
  assert_device_request (request);
  g_assert_cmpstr (json_object_get_string_member (request, "body"), ==,
                   "client_id=" CLIENT_ID "&scope=read%3Auser");

  /* Step 3: pending, slow_down, the token. */
  polls = mock_requests ("/github.com/login/oauth/access_token");
  g_assert_cmpuint (json_array_get_length (polls), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      request = json_array_get_object_element (polls, i);
      assert_device_request (request);
      g_assert_true (g_str_has_prefix (json_object_get_string_member (request, "body"),
                                       "client_id=" CLIENT_ID "&device_code="));
      g_assert_true (g_str_has_suffix (json_object_get_string_member (request, "body"),
                                       "&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type"
                                       "%3Adevice_code"));
    }

  /* Step 4: the exchange, with the GitHub token. */
  refresh_token = issued_token ("refresh");
  access_token = issued_token ("access");
  bearer = g_strconcat ("Bearer ", refresh_token, NULL);
  exchanges = mock_requests ("/api.github.com/copilot_internal/v2/token");
  g_assert_cmpuint (json_array_get_length (exchanges), ==, 1);
  request = json_array_get_object_element (exchanges, 0);
  g_assert_cmpstr (json_object_get_string_member (request, "method"), ==, "GET");
  g_assert_cmpstr (request_header (request, "Accept"), ==, JSON);
  g_assert_cmpstr (request_header (request, "Authorization"), ==, bearer);
  assert_copilot_headers (request);

  /* The entry: pi's fields, order and expiry. */
  expires = token_exp (access_token) * 1000 - 300000;
  g_assert_cmpstr (pi_keyring_credential_get_provider (credential), ==, "github-copilot");
  g_assert_cmpstr (pi_keyring_credential_get_profile (credential), ==, "default");
  g_assert_cmpint (pi_keyring_credential_get_expires (credential), ==, expires);
  expected = g_strdup_printf ("{\"type\":\"oauth\",\"refresh\":\"%s\",\"access\":\"%s\","
                              "\"expires\":%" G_GINT64_FORMAT "}",
                              refresh_token, access_token, expires);
  json = pi_keyring_credential_to_json (credential);
  g_assert_cmpstr (json, ==, expected);

  api_key = pi_keyring_provider_get_api_key (fixture->provider, credential);
  g_assert_cmpstr (api_key, ==, access_token);

  /* Stored in auth.json, byte for byte as pi writes it. */
  path = g_build_filename (g_get_home_dir (), ".pi", "agent", "auth.json", NULL);
  backend = pi_keyring_file_backend_new (path);
  g_assert_true (pi_keyring_backend_store_sync (backend, credential, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  expected_file = g_strdup_printf ("{\n  \"github-copilot\": {\n    \"type\": \"oauth\",\n"
                                   "    \"refresh\": \"%s\",\n    \"access\": \"%s\",\n"
                                   "    \"expires\": %" G_GINT64_FORMAT "\n  }\n}",
                                   refresh_token, access_token, expires);
  g_assert_cmpstr (contents, ==, expected_file);

  /* Step 5: the model policies, at the base URL of the token's proxy-ep. */
  assert_policies ("api.individual.githubcopilot.com", access_token);
}

/* GitHub Enterprise: the domain is normalized, every request goes to it,
 * the entry carries enterpriseUrl, and without proxy-ep the policies go to
 * copilot-api.<domain>. */
static void
test_login_enterprise (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(JsonArray) github = NULL;
  g_autoptr(JsonArray) exchanges = NULL;
  g_autoptr(JsonArray) codes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *refresh_token = NULL;
  g_autofree char *access_token = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *json = NULL;
  g_autofree char *expected_url = NULL;

  credential = login (fixture, "  https://Company.GHE.com:8443/some/path  ", &error);
  g_assert_no_error (error);

  expected_url = g_strconcat (mock_url, "/company.ghe.com/login/device", NULL);
  g_assert_cmpstr (fixture->interaction->url, ==, expected_url);

  codes = mock_requests ("/company.ghe.com/login/device/code");
  g_assert_cmpuint (json_array_get_length (codes), ==, 1);
  exchanges = mock_requests ("/api.company.ghe.com/copilot_internal/v2/token");
  g_assert_cmpuint (json_array_get_length (exchanges), ==, 1);
  github = mock_requests ("/github.com/");
  g_assert_cmpuint (json_array_get_length (github), ==, 0);

  refresh_token = issued_token ("refresh");
  access_token = issued_token ("access");
  g_assert_null (strstr (access_token, "proxy-ep="));
  expected = g_strdup_printf ("{\"type\":\"oauth\",\"refresh\":\"%s\",\"access\":\"%s\","
                              "\"expires\":%" G_GINT64_FORMAT ","
                              "\"enterpriseUrl\":\"company.ghe.com\"}",
                              refresh_token, access_token,
                              token_exp (access_token) * 1000 - 300000);
  json = pi_keyring_credential_to_json (credential);
  g_assert_cmpstr (json, ==, expected);

  assert_policies ("copilot-api.company.ghe.com", access_token);
}

/* An empty enterprise-domain option means github.com. */
static void
test_login_empty_domain (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(JsonArray) codes = NULL;
  g_autoptr(GError) error = NULL;

  credential = login (fixture, "   ", &error);
  g_assert_no_error (error);
  g_assert_null (pi_keyring_credential_get_string_field (credential, "enterpriseUrl"));
  codes = mock_requests ("/github.com/login/device/code");
  g_assert_cmpuint (json_array_get_length (codes), ==, 1);
}

static void
test_login_access_denied (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(JsonArray) exchanges = NULL;
  g_autoptr(GError) error = NULL;

  fixture->interaction->action = SHOW_DENY;
  credential = login (fixture, NULL, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_ACCESS_DENIED);
  g_assert_null (credential);

  exchanges = mock_requests ("/api.github.com/");
  g_assert_cmpuint (json_array_get_length (exchanges), ==, 0);
  g_assert_cmpuint (fixture->interaction->progress->len, ==, 1);
}

static void
test_login_expired_token (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(JsonArray) exchanges = NULL;
  g_autoptr(GError) error = NULL;

  fixture->interaction->action = SHOW_NOTHING;
  admin_post ("config", "{\"device_script\":[\"authorization_pending\",\"expired_token\"]}");

  credential = login (fixture, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_true (g_str_has_prefix (error->message, "Device flow timed out"));
  g_assert_null (credential);

  exchanges = mock_requests ("/api.github.com/");
  g_assert_cmpuint (json_array_get_length (exchanges), ==, 0);
}

/* Nobody enters the code: the poller's deadline (expires_in) ends it. */
static void
test_login_deadline (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  fixture->interaction->action = SHOW_NOTHING;
  admin_post ("config", "{\"device_expires_in\":30}");

  credential = login (fixture, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_true (g_str_has_prefix (error->message, "Device flow timed out"));
  g_assert_cmpint (_pi_keyring_clock_now_ms (fixture->clock) - START_MS, ==, 30000);
}

/* The Copilot exchange fails after the device flow: the login fails. */
static void
test_login_no_copilot (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(JsonObject) policies = NULL;
  g_autoptr(GError) error = NULL;

  admin_post ("inject", "{\"prefix\":\"/api.github.com/copilot_internal/v2/token\","
                        "\"status\":403,\"body\":{\"message\":\"Resource not accessible\"}}");
  credential = login (fixture, NULL, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "403"));
  g_assert_null (credential);

  policies = admin_call ("GET", "policies", NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (policies, "policies")),
                    ==, 0);
}

/* Failing policy requests are ignored. */
static void
test_login_policies_fail (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(JsonArray) policies = NULL;
  g_autoptr(GError) error = NULL;

  admin_post ("inject", "{\"prefix\":\"/api.individual.githubcopilot.com/models/\","
                        "\"count\":23,\"status\":500,\"body\":\"<html>oops</html>\"}");
  credential = login (fixture, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (credential);

  policies = mock_requests ("/api.individual.githubcopilot.com/models/");
  g_assert_cmpuint (json_array_get_length (policies), ==, 23);
}

/* Policy requests that never answer hold the login no longer than their
 * time limit. */
static void
test_login_policies_hang (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start, elapsed;

  admin_post ("inject", "{\"prefix\":\"/api.individual.githubcopilot.com/models/\","
                        "\"count\":23,\"hang\":true,\"hang_seconds\":60}");
  _pi_keyring_copilot_provider_set_policy_timeout_ms (fixture->provider, 500);

  start = g_get_monotonic_time ();
  credential = login (fixture, NULL, &error);
  elapsed = g_get_monotonic_time () - start;
  g_assert_no_error (error);
  g_assert_nonnull (credential);
  g_assert_cmpint (elapsed, <, 5 * G_USEC_PER_SEC);

  admin_post ("reset", NULL);  /* lets the hanging requests go */
}

static void
test_login_cancelled (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  /* Polling on the real clock: the first poll would come after 6 s. */
  _pi_keyring_copilot_provider_set_clock (fixture->provider, NULL);
  fixture->interaction->action = SHOW_NOTHING;

  pi_keyring_provider_login_async (fixture->provider, PI_KEYRING_INTERACTION (fixture->interaction),
                                   NULL, cancellable, test_on_result, &result);
  while (fixture->interaction->url == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_cancel (cancellable);

  credential = pi_keyring_provider_login_finish (fixture->provider, test_wait_for (&result), &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (credential);
}

/* open-browser: $BROWSER gets the verification URL. */
static void
test_login_opens_browser (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *file = g_build_filename (g_get_home_dir (), "opened-url", NULL);
  g_autofree char *browser = g_strdup_printf ("sh -c 'echo \"$1\" > \"%s\"' sh", file);
  g_autofree char *contents = NULL;
  g_autofree char *expected = NULL;

  g_assert_cmpint (g_mkdir_with_parents (g_get_home_dir (), 0700), ==, 0);
  g_setenv ("BROWSER", browser, TRUE);
  pi_keyring_interaction_set_open_browser (PI_KEYRING_INTERACTION (fixture->interaction), TRUE);

  credential = login (fixture, NULL, &error);
  g_assert_no_error (error);

  /* The browser runs on its own; give it a moment. */
  for (guint i = 0; i < 500 && !g_file_test (file, G_FILE_TEST_EXISTS); i++)
    g_usleep (10000);
  g_usleep (50000);
  g_assert_true (g_file_get_contents (file, &contents, NULL, &error));
  g_assert_no_error (error);
  expected = g_strconcat (mock_url, "/github.com/login/device\n", NULL);
  g_assert_cmpstr (contents, ==, expected);
}

static void
test_login_invalid_option (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) options = NULL;
  g_autoptr(GVariantDict) dict = g_variant_dict_new (NULL);

  g_variant_dict_insert (dict, "enterprise-domain", "i", 42);
  options = g_variant_ref_sink (g_variant_dict_end (dict));
  pi_keyring_provider_login_async (fixture->provider, NULL, options, NULL, test_on_result, &result);
  credential = pi_keyring_provider_login_finish (fixture->provider, test_wait_for (&result), &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT);
}

/* Refresh: the exchange again; refresh unchanged, a new access. */
static void
test_refresh (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *github_token = seed_github_token ("github.com");
  g_autofree char *old = g_strdup_printf ("{\"type\":\"oauth\",\"refresh\":\"%s\","
                                          "\"access\":\"old-access\",\"expires\":1,"
                                          "\"unknown\":true}", github_token);
  g_autoptr(PiKeyringCredential) credential = credential_from_json (old);
  g_autoptr(PiKeyringCredential) refreshed = NULL;
  g_autoptr(JsonArray) exchanges = NULL;
  g_autoptr(JsonObject) policies = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *access_token = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *json = NULL;
  g_autofree char *bearer = g_strconcat ("Bearer ", github_token, NULL);

  refreshed = refresh (fixture, credential, &error);
  g_assert_no_error (error);

  access_token = issued_token ("access");
  g_assert_cmpstr (pi_keyring_credential_get_refresh (refreshed), ==, github_token);
  g_assert_cmpstr (pi_keyring_credential_get_access (refreshed), ==, access_token);
  expected = g_strdup_printf ("{\"type\":\"oauth\",\"refresh\":\"%s\",\"access\":\"%s\","
                              "\"expires\":%" G_GINT64_FORMAT "}",
                              github_token, access_token,
                              token_exp (access_token) * 1000 - 300000);
  json = pi_keyring_credential_to_json (refreshed);
  g_assert_cmpstr (json, ==, expected);

  exchanges = mock_requests ("/api.github.com/copilot_internal/v2/token");
  g_assert_cmpuint (json_array_get_length (exchanges), ==, 1);
  g_assert_cmpstr (request_header (json_array_get_object_element (exchanges, 0), "Authorization"),
                   ==, bearer);
  assert_copilot_headers (json_array_get_object_element (exchanges, 0));

  /* Models are enabled at login only. */
  policies = admin_call ("GET", "policies", NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (policies, "policies")),
                    ==, 0);
}

static void
test_refresh_enterprise (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *github_token = seed_github_token ("company.ghe.com");
  g_autofree char *old = g_strdup_printf ("{\"type\":\"oauth\",\"refresh\":\"%s\","
                                          "\"access\":\"old-access\",\"expires\":1,"
                                          "\"enterpriseUrl\":\"company.ghe.com\"}", github_token);
  g_autoptr(PiKeyringCredential) credential = credential_from_json (old);
  g_autoptr(PiKeyringCredential) refreshed = NULL;
  g_autoptr(JsonArray) exchanges = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) fields = NULL;

  refreshed = refresh (fixture, credential, &error);
  g_assert_no_error (error);

  exchanges = mock_requests ("/api.company.ghe.com/copilot_internal/v2/token");
  g_assert_cmpuint (json_array_get_length (exchanges), ==, 1);
  g_assert_cmpstr (pi_keyring_credential_get_string_field (refreshed, "enterpriseUrl"), ==,
                   "company.ghe.com");
  fields = pi_keyring_credential_get_field_names (refreshed);
  g_assert_cmpuint (g_strv_length (fields), ==, 5);
  g_assert_cmpstr (fields[4], ==, "enterpriseUrl");
}

/* A GitHub token the server does not know (revoked): log in again. */
static void
test_refresh_unknown_token (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) credential =
    credential_from_json ("{\"type\":\"oauth\",\"refresh\":\"ghu_unknown-secret-token\","
                          "\"access\":\"a\",\"expires\":1}");
  g_autoptr(PiKeyringCredential) refreshed = NULL;
  g_autoptr(GError) error = NULL;

  refreshed = refresh (fixture, credential, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED);
  g_assert_null (strstr (error->message, "ghu_unknown-secret-token"));
  g_assert_null (refreshed);
}

static void
test_refresh_no_refresh_token (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) credential =
    credential_from_json ("{\"type\":\"oauth\",\"access\":\"a\",\"expires\":1}");
  g_autoptr(PiKeyringCredential) refreshed = NULL;
  g_autoptr(JsonArray) requests = NULL;
  g_autoptr(GError) error = NULL;

  refreshed = refresh (fixture, credential, &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED);
  requests = mock_requests ("/");
  g_assert_cmpuint (json_array_get_length (requests), ==, 0);
}

typedef struct
{
  const char *injection;
  gint        code;
  const char *message_part;
} ErrorCase;

/* The exchange's HTTP errors map as DESIGN §5 says. */
static void
test_refresh_error (Fixture       *fixture,
                    gconstpointer  data)
{
  const ErrorCase *error_case = data;
  g_autofree char *github_token = seed_github_token ("github.com");
  g_autofree char *old = g_strdup_printf ("{\"type\":\"oauth\",\"refresh\":\"%s\","
                                          "\"access\":\"old-access\",\"expires\":1}",
                                          github_token);
  g_autoptr(PiKeyringCredential) credential = credential_from_json (old);
  g_autoptr(PiKeyringCredential) refreshed = NULL;
  g_autoptr(GError) error = NULL;

  admin_post ("inject", error_case->injection);
  refreshed = refresh (fixture, credential, &error);
  g_assert_null (refreshed);
  g_assert_nonnull (error);
  g_assert_cmpuint (error->domain, ==, PI_KEYRING_ERROR);
  g_assert_cmpint (error->code, ==, error_case->code);
  g_assert_nonnull (strstr (error->message, error_case->message_part));
  g_assert_null (strstr (error->message, github_token));
}

static const ErrorCase error_429 = {
  "{\"prefix\":\"/api.github.com/copilot_internal/v2/token\",\"status\":429,"
  "\"headers\":{\"Retry-After\":\"120\"},\"body\":{\"message\":\"slow down\"}}",
  PI_KEYRING_ERROR_RATE_LIMITED, "about 2 minutes",
};
static const ErrorCase error_500 = {
  "{\"prefix\":\"/api.github.com/copilot_internal/v2/token\",\"status\":500,"
  "\"body\":\"<html>Internal Server Error</html>\"}",
  PI_KEYRING_ERROR_TEMPORARY, "500",
};
static const ErrorCase error_fields = {
  "{\"prefix\":\"/api.github.com/copilot_internal/v2/token\",\"status\":200,"
  "\"body\":{\"token\":\"tid=1\",\"expires_at\":\"soon\"}}",
  PI_KEYRING_ERROR_FAILED, "Invalid Copilot token response fields",
};
static const ErrorCase error_no_token = {
  "{\"prefix\":\"/api.github.com/copilot_internal/v2/token\",\"status\":200,"
  "\"body\":{\"expires_at\":2000000000}}",
  PI_KEYRING_ERROR_FAILED, "Invalid Copilot token response fields",
};

/* Conformance 53: expires_at 2000000000 → expires 1999999700000. */
static void
test_case_53 (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *github_token = seed_github_token ("github.com");
  g_autofree char *old = g_strdup_printf ("{\"type\":\"oauth\",\"refresh\":\"%s\","
                                          "\"access\":\"old-access\",\"expires\":1}",
                                          github_token);
  g_autoptr(PiKeyringCredential) credential = credential_from_json (old);
  g_autoptr(PiKeyringCredential) refreshed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *expected = NULL;

  admin_post ("inject", "{\"prefix\":\"/api.github.com/copilot_internal/v2/token\","
                        "\"status\":200,\"body\":{\"token\":\"tid=1;exp=2000000000\","
                        "\"expires_at\":2000000000,\"refresh_in\":1500}}");
  refreshed = refresh (fixture, credential, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pi_keyring_credential_get_expires (refreshed), ==,
                   G_GINT64_CONSTANT (1999999700000));

  json = pi_keyring_credential_to_json (refreshed);
  expected = g_strdup_printf ("{\"type\":\"oauth\",\"refresh\":\"%s\","
                              "\"access\":\"tid=1;exp=2000000000\",\"expires\":1999999700000}",
                              github_token);
  g_assert_cmpstr (json, ==, expected);
}

/* Conformance 63: the Copilot API base URL. */
static void
test_case_63 (Fixture       *fixture,
              gconstpointer  data)
{
  static const struct
  {
    const char *token;
    const char *domain;
    const char *expected;
  } cases[] = {
    { "tid=1;exp=2;proxy-ep=proxy.individual.githubcopilot.com;st=dotcom", NULL,
      "https://api.individual.githubcopilot.com" },
    { "tid=1;proxy-ep=proxy.individual.githubcopilot.com;", "company.ghe.com",
      "https://api.individual.githubcopilot.com" },
    { "tid=1;exp=2;st=dotcom", "company.ghe.com", "https://copilot-api.company.ghe.com" },
    { "tid=1;exp=2;st=dotcom", NULL, "https://api.individual.githubcopilot.com" },
    { NULL, NULL, "https://api.individual.githubcopilot.com" },
    /* Only a leading "proxy." is replaced; the value ends at ';' or the end. */
    { "proxy-ep=copilot-proxy.example.com", NULL, "https://copilot-proxy.example.com" },
    { "a=b;proxy-ep=proxy.business.githubcopilot.com", NULL,
      "https://api.business.githubcopilot.com" },
    { "proxy-ep=;tid=1", "company.ghe.com", "https://copilot-api.company.ghe.com" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *url = _pi_keyring_copilot_base_url (cases[i].token, cases[i].domain);

      g_assert_cmpstr (url, ==, cases[i].expected);
    }
}

/* Conformance 64: the enterprise input. */
static void
test_case_64 (Fixture       *fixture,
              gconstpointer  data)
{
  static const struct
  {
    const char *input;
    const char *expected;  /* NULL: invalid */
  } cases[] = {
    { "", "github.com" },
    { NULL, "github.com" },
    { "  \t ", "github.com" },
    { "https://Company.GHE.com/x", "company.ghe.com" },
    { "company.ghe.com:8443", "company.ghe.com" },
    { "not a domain!", NULL },
    { "COMPANY.ghe.com", "company.ghe.com" },
    { "  company.ghe.com/path?q=1  ", "company.ghe.com" },
    { "http://user@company.ghe.com:80/", "company.ghe.com" },
    { "company.ghe.com:99999", NULL },
    { "https://", NULL },
    { "://company.ghe.com", NULL },
    { "a|b", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *domain = _pi_keyring_copilot_normalize_domain (cases[i].input, &error);

      if (cases[i].expected != NULL)
        {
          g_assert_no_error (error);
          g_assert_cmpstr (domain, ==, cases[i].expected);
        }
      else
        {
          g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT);
          g_assert_cmpstr (error->message, ==, "Invalid GitHub Enterprise URL/domain");
          g_assert_null (domain);
        }
    }
}

/* Conformance 64 through a login: nothing is requested. */
static void
test_case_64_login (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(JsonArray) requests = NULL;
  g_autoptr(GError) error = NULL;

  credential = login (fixture, "not a domain!", &error);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "Invalid GitHub Enterprise URL/domain");
  g_assert_null (credential);
  g_assert_null (fixture->interaction->url);

  requests = mock_requests ("/");
  g_assert_cmpuint (json_array_get_length (requests), ==, 0);
}

/* --- conformance 26 and 27 through the provider (scripted server) --- */

#define CODE_PATH  "/login/device/code"
#define POLL_PATH  "/login/oauth/access_token"
#define TOKEN_PATH "/api.github.com/copilot_internal/v2/token"

static void
scripted_setup (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *base = NULL;
  g_autofree char *rewrite = NULL;

  fixture_setup (fixture, data);
  fixture->interaction->action = SHOW_NOTHING;
  fixture->scripted = mock_http_new ();
  mock_http_set_clock (fixture->scripted, fixture->clock);

  base = mock_http_url (fixture->scripted, "");
  rewrite = g_strdup_printf ("https://github.com=%s,https://api.github.com=%s/api.github.com,"
                             "https://api.individual.githubcopilot.com=%s/copilot",
                             base, base, base);
  g_setenv ("PI_KEYRING_URL_REWRITE", rewrite, TRUE);
}

static void
assert_scripted_poll_times (Fixture      *fixture,
                            const gint64 *expected,
                            guint         n_expected)
{
  guint polls = 0;

  for (guint i = 0; i < mock_http_n_requests (fixture->scripted); i++)
    {
      const MockRequest *request = mock_http_get_request (fixture->scripted, i);

      if (!g_str_equal (request->path, POLL_PATH))
        continue;

      g_assert_cmpuint (polls, <, n_expected);
      g_assert_cmpint (request->time_ms - START_MS, ==, expected[polls]);
      g_assert_cmpstr (g_hash_table_lookup (request->headers, "accept"), ==, JSON);
      g_assert_cmpstr (g_hash_table_lookup (request->headers, "content-type"), ==, FORM);
      g_assert_cmpstr (g_hash_table_lookup (request->headers, "user-agent"), ==, USER_AGENT);
      g_assert_cmpstr (request->body, ==,
                       "client_id=" CLIENT_ID "&device_code=device-code"
                       "&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code");
      polls++;
    }
  g_assert_cmpuint (polls, ==, n_expected);
}

/* Conformance 26: interval 5, expires_in 900; pending, slow_down (10),
 * success → polls at +6000, +12000, +26000 ms. */
static void
test_case_26 (Fixture       *fixture,
              gconstpointer  data)
{
  static const gint64 times[] = { 6000, 12000, 26000 };
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;
  const MockRequest *request;

  mock_http_reply (fixture->scripted, CODE_PATH, 200, JSON,
                   "{\"device_code\":\"device-code\",\"user_code\":\"ABCD-EFGH\","
                   "\"verification_uri\":\"https://github.com/login/device\","
                   "\"interval\":5,\"expires_in\":900}", NULL);
  mock_http_reply (fixture->scripted, POLL_PATH, 200, JSON,
                   "{\"error\":\"authorization_pending\"}", NULL);
  mock_http_reply (fixture->scripted, POLL_PATH, 200, JSON,
                   "{\"error\":\"slow_down\",\"interval\":10}", NULL);
  mock_http_reply (fixture->scripted, POLL_PATH, 200, JSON,
                   "{\"access_token\":\"gho_token\",\"token_type\":\"bearer\"}", NULL);
  mock_http_reply (fixture->scripted, TOKEN_PATH, 200, JSON,
                   "{\"token\":\"tid=1;proxy-ep=proxy.individual.githubcopilot.com\","
                   "\"expires_at\":2000000000}", NULL);

  credential = login (fixture, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pi_keyring_credential_get_refresh (credential), ==, "gho_token");
  g_assert_cmpint (pi_keyring_credential_get_expires (credential), ==,
                   G_GINT64_CONSTANT (1999999700000));
  g_assert_cmpstr (fixture->interaction->instructions, ==, "Enter code: ABCD-EFGH");

  request = mock_http_get_request (fixture->scripted, 0);
  g_assert_cmpstr (request->path, ==, CODE_PATH);
  g_assert_cmpint (request->time_ms, ==, START_MS);
  g_assert_nonnull (strstr (request->body, "client_id="));
  g_assert_nonnull (strstr (request->body, "scope=read%3Auser"));
  g_assert_cmpstr (g_hash_table_lookup (request->headers, "accept"), ==, JSON);
  g_assert_cmpstr (g_hash_table_lookup (request->headers, "content-type"), ==, FORM);

  assert_scripted_poll_times (fixture, times, G_N_ELEMENTS (times));
}

/* Conformance 27: expires_in 25; slow_down (10), slow_down (15), pending
 * → polls at +6000, +20000, +25000, then the slow_down time-out. */
static void
test_case_27 (Fixture       *fixture,
              gconstpointer  data)
{
  static const gint64 times[] = { 6000, 20000, 25000 };
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  mock_http_reply (fixture->scripted, CODE_PATH, 200, JSON,
                   "{\"device_code\":\"device-code\",\"user_code\":\"ABCD-EFGH\","
                   "\"verification_uri\":\"https://github.com/login/device\","
                   "\"interval\":5,\"expires_in\":25}", NULL);
  mock_http_reply (fixture->scripted, POLL_PATH, 200, JSON,
                   "{\"error\":\"slow_down\",\"interval\":10}", NULL);
  mock_http_reply (fixture->scripted, POLL_PATH, 200, JSON,
                   "{\"error\":\"slow_down\",\"interval\":15}", NULL);
  mock_http_reply (fixture->scripted, POLL_PATH, 200, JSON,
                   "{\"error\":\"authorization_pending\"}", NULL);

  credential = login (fixture, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_true (g_str_has_prefix (error->message,
                                   "Device flow timed out after one or more slow_down responses"));
  g_assert_null (credential);

  assert_scripted_poll_times (fixture, times, G_N_ELEMENTS (times));
  g_assert_cmpuint (mock_http_n_requests (fixture->scripted), ==, 4);
}

static void
add (const char *path,
     gconstpointer data,
     void      (*test) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, data, fixture_setup, test, fixture_teardown);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  add ("/copilot/identity", NULL, test_identity);
  add ("/copilot/login/full", NULL, test_login);
  add ("/copilot/login/enterprise", NULL, test_login_enterprise);
  add ("/copilot/login/empty-domain", NULL, test_login_empty_domain);
  add ("/copilot/login/access-denied", NULL, test_login_access_denied);
  add ("/copilot/login/expired-token", NULL, test_login_expired_token);
  add ("/copilot/login/deadline", NULL, test_login_deadline);
  add ("/copilot/login/no-copilot-access", NULL, test_login_no_copilot);
  add ("/copilot/login/policies-fail", NULL, test_login_policies_fail);
  add ("/copilot/login/policies-bounded", NULL, test_login_policies_hang);
  add ("/copilot/login/cancelled", NULL, test_login_cancelled);
  add ("/copilot/login/opens-browser", NULL, test_login_opens_browser);
  add ("/copilot/login/invalid-option", NULL, test_login_invalid_option);
  add ("/copilot/refresh/new-access", NULL, test_refresh);
  add ("/copilot/refresh/enterprise", NULL, test_refresh_enterprise);
  add ("/copilot/refresh/unknown-token", NULL, test_refresh_unknown_token);
  add ("/copilot/refresh/no-refresh-token", NULL, test_refresh_no_refresh_token);
  add ("/copilot/refresh/rate-limited", &error_429, test_refresh_error);
  add ("/copilot/refresh/server-error", &error_500, test_refresh_error);
  add ("/copilot/refresh/invalid-expires-at", &error_fields, test_refresh_error);
  add ("/copilot/refresh/no-token", &error_no_token, test_refresh_error);
  add ("/copilot/conformance/case-53-expires", NULL, test_case_53);
  add ("/copilot/conformance/case-63-base-url", NULL, test_case_63);
  add ("/copilot/conformance/case-64-enterprise-domain", NULL, test_case_64);
  add ("/copilot/conformance/case-64-login", NULL, test_case_64_login);
  g_test_add ("/copilot/conformance/case-26-poll-times", Fixture, NULL, scripted_setup,
              test_case_26, fixture_teardown);
  g_test_add ("/copilot/conformance/case-27-slow-down-timeout", Fixture, NULL, scripted_setup,
              test_case_27, fixture_teardown);

  mock_start ();
  status = g_test_run ();
  mock_stop ();

  return status;
}
