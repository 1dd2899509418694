/* pi-keyring-google-project.c: the Code Assist project of a Google login,
 * reference §7.3 and §7.4
 *
 *   gemini-cli   loadCodeAssist; with no current tier, onboardUser and a
 *                long-running operation polled every 5 s (pi polls for
 *                ever; we stop after 60 polls), GOOGLE_CLOUD_PROJECT /
 *                GOOGLE_CLOUD_PROJECT_ID, and the VPC-SC rule (an error
 *                with reason SECURITY_POLICY_VIOLATED counts as the
 *                standard tier without a project);
 *   antigravity  loadCodeAssist on two endpoints in order, errors
 *                swallowed, else the fallback project `rising-fact-p41fc`.
 *
 * Headers exactly as pi sends them. Errors name the call that failed and
 * the HTTP status, with Google's `error.message` when it is plain text;
 * 429, 5xx and time-outs keep the codes of DESIGN §5.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "providers/pi-keyring-providers-private.h"

#include <string.h>

#define CODE_ASSIST_ENDPOINT        "https://cloudcode-pa.googleapis.com"
#define CODE_ASSIST_DAILY           "https://daily-cloudcode-pa.sandbox.googleapis.com"
#define ANTIGRAVITY_DEFAULT_PROJECT "rising-fact-p41fc"
#define TIER_FREE                   "free-tier"
#define TIER_LEGACY                 "legacy-tier"

#define CLIENT_METADATA "{\"ideType\":\"IDE_UNSPECIFIED\",\"platform\":\"PLATFORM_UNSPECIFIED\"," \
                        "\"pluginType\":\"GEMINI\"}"

/* --- Code Assist requests --- */

static JsonObject *
json_get_object (JsonObject *object,
                 const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static gboolean
is_nonempty (const char *text)
{
  return text != NULL && *text != '\0';
}

/* GOOGLE_CLOUD_PROJECT, else GOOGLE_CLOUD_PROJECT_ID (empty counts as unset). */
static const char *
env_project (void)
{
  const char *project = g_getenv ("GOOGLE_CLOUD_PROJECT");

  if (is_nonempty (project))
    return project;

  project = g_getenv ("GOOGLE_CLOUD_PROJECT_ID");
  return is_nonempty (project) ? project : NULL;
}

static PiKeyringHttpRequest *
code_assist_request (const char *method,
                     const char *url,
                     const char *access_token,
                     gboolean    antigravity)
{
  PiKeyringHttpRequest *request = _pi_keyring_http_request_new (method, url);
  g_autoptr(PiKeyringSecretString) bearer = g_strconcat ("Bearer ", access_token, NULL);

  _pi_keyring_http_request_add_header (request, "Authorization", bearer);
  _pi_keyring_http_request_add_header (request, "Content-Type", "application/json");
  _pi_keyring_http_request_add_header (request, "User-Agent", "google-api-nodejs-client/9.15.1");
  if (antigravity)
    {
      _pi_keyring_http_request_add_header (request, "X-Goog-Api-Client",
                                           "google-cloud-sdk vscode_cloudshelleditor/0.1");
      _pi_keyring_http_request_add_header (request, "Client-Metadata", CLIENT_METADATA);
    }
  else
    _pi_keyring_http_request_add_header (request, "X-Goog-Api-Client", "gl-node/22.17.0");

  return request;
}

/* {ideType, platform, pluginType[, duetProject]} */
static JsonObject *
client_metadata (const char *duet_project)
{
  JsonObject *metadata = json_object_new ();

  json_object_set_string_member (metadata, "ideType", "IDE_UNSPECIFIED");
  json_object_set_string_member (metadata, "platform", "PLATFORM_UNSPECIFIED");
  json_object_set_string_member (metadata, "pluginType", "GEMINI");
  if (duet_project != NULL)
    json_object_set_string_member (metadata, "duetProject", duet_project);

  return metadata;
}

/* Google's `error.message`, when it is short plain text. */
static const char *
google_error_message (const PiKeyringHttpResponse *response)
{
  const char *message = _pi_keyring_json_get_string (json_get_object (response->object, "error"), "message");

  if (message == NULL || strlen (message) > 300 || !g_utf8_validate (message, -1, NULL))
    return NULL;
  for (const char *p = message; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      return NULL;

  return message;
}

/* "<what> failed" for an answer that is not 2xx: RATE_LIMITED and
 * TEMPORARY as the token endpoints map them, FAILED otherwise. */
static GError *
code_assist_error (const char                  *what,
                   const PiKeyringHttpResponse *response)
{
  g_autoptr(GError) mapped = NULL;
  const char *message = google_error_message (response);

  _pi_keyring_http_response_check (response, &mapped);
  if (mapped != NULL && (mapped->code == PI_KEYRING_ERROR_RATE_LIMITED ||
                         mapped->code == PI_KEYRING_ERROR_TEMPORARY))
    return g_error_new (PI_KEYRING_ERROR, mapped->code, _("%s: %s"), what, mapped->message);

  if (message != NULL)
    return g_error_new (PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED, _("%s (HTTP %u): %s"),
                        what, response->status, message);

  return g_error_new (PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED, _("%s (HTTP %u)."),
                      what, response->status);
}

static GError *
prefix_error (const char *what,
              GError     *error)
{
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_prefix_error (&error, _("%s: "), what);
  return error;
}

/* --- project discovery --- */

typedef struct
{
  PiKeyringHttpClient  *http;
  char                 *access;        /* a secret */
  PiKeyringInteraction *interaction;   /* nullable */
  char                 *env_project;
  guint                 poll_interval_ms;
  guint                 max_polls;
  guint                 polls;
  char                 *operation;
  guint                 endpoint;      /* antigravity: the next endpoint */
} Discovery;

static void
discovery_free (gpointer data)
{
  Discovery *discovery = data;

  g_clear_object (&discovery->http);
  _pi_keyring_secret_free (discovery->access);
  g_clear_object (&discovery->interaction);
  g_free (discovery->env_project);
  g_free (discovery->operation);
  g_free (discovery);
}

static void
discovery_progress (Discovery  *discovery,
                    const char *message)
{
  if (discovery->interaction != NULL)
    pi_keyring_interaction_progress (discovery->interaction, message);
}

static GTask *
discovery_task_new (PiKeyringHttpClient  *http,
                    const char           *access_token,
                    PiKeyringInteraction *interaction,
                    GCancellable         *cancellable,
                    GAsyncReadyCallback   callback,
                    gpointer              user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Discovery *discovery = g_new0 (Discovery, 1);

  g_task_set_source_tag (task, _pi_keyring_google_discover_project_finish);
  discovery->http = g_object_ref (http);
  discovery->access = g_strdup (access_token);
  discovery->interaction = interaction != NULL ? g_object_ref (interaction) : NULL;
  g_task_set_task_data (task, discovery, discovery_free);

  return task;
}

static void
send (GTask                *task,
      PiKeyringHttpRequest *request,
      GAsyncReadyCallback   callback)
{
  Discovery *discovery = g_task_get_task_data (task);

  _pi_keyring_http_client_send_async (discovery->http, request, g_task_get_cancellable (task),
                                      callback, task);
}

static PiKeyringHttpResponse *
send_finish (GObject       *source,
             GAsyncResult  *result,
             GError       **error)
{
  return _pi_keyring_http_client_send_finish (PI_KEYRING_HTTP_CLIENT (source), result, error);
}

/* The project of a finished onboarding, else the env project. */
static void
return_onboarded_project (GTask      *task,
                          JsonObject *operation)
{
  Discovery *discovery = g_task_get_task_data (task);
  JsonObject *project = json_get_object (json_get_object (operation, "response"),
                                         "cloudaicompanionProject");
  const char *id = _pi_keyring_json_get_string (project, "id");

  if (is_nonempty (id))
    g_task_return_pointer (task, g_strdup (id), g_free);
  else if (discovery->env_project != NULL)
    g_task_return_pointer (task, g_strdup (discovery->env_project), g_free);
  else
    g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                             _("Could not discover or provision a Google Cloud project. Try "
                               "setting the GOOGLE_CLOUD_PROJECT or GOOGLE_CLOUD_PROJECT_ID "
                               "environment variable."));
}

static void poll_operation (GTask *task);

static gboolean
operation_done (JsonObject *operation)
{
  JsonNode *done = json_object_get_member (operation, "done");

  return done != NULL && JSON_NODE_HOLDS_VALUE (done) &&
         json_node_get_value_type (done) == G_TYPE_BOOLEAN && json_node_get_boolean (done);
}

static void
on_operation_polled (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(PiKeyringHttpResponse) response = NULL;
  GError *error = NULL;

  response = send_finish (source, result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, prefix_error (_("Failed to poll operation"), error));
      return;
    }
  if (response->status < 200 || response->status >= 300 || response->object == NULL)
    {
      g_task_return_error (task, code_assist_error (_("Failed to poll operation"), response));
      return;
    }

  if (operation_done (response->object))
    {
      return_onboarded_project (task, response->object);
      return;
    }

  poll_operation (g_steal_pointer (&task));
}

static gboolean
on_poll_timer (gpointer user_data)
{
  GTask *task = user_data;
  Discovery *discovery = g_task_get_task_data (task);
  g_autoptr(PiKeyringHttpRequest) request = NULL;
  g_autofree char *url = NULL;

  if (g_task_return_error_if_cancelled (task))
    return G_SOURCE_REMOVE;

  url = g_strconcat (CODE_ASSIST_ENDPOINT "/v1internal/", discovery->operation, NULL);
  request = code_assist_request ("GET", url, discovery->access, FALSE);
  discovery->polls++;
  send (g_object_ref (task), request, on_operation_polled);

  return G_SOURCE_REMOVE;
}

/* pi: the first poll at once, then "attempt N" and 5 s before each. */
static void
poll_operation (GTask *task)
{
  Discovery *discovery = g_task_get_task_data (task);
  g_autoptr(GSource) timer = NULL;
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (discovery->polls >= discovery->max_polls)
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY,
                               g_dngettext (GETTEXT_PACKAGE,
                                            "The Google Cloud project was still being provisioned "
                                            "after %u check. Try again later.",
                                            "The Google Cloud project was still being provisioned "
                                            "after %u checks. Try again later.",
                                            discovery->polls),
                               discovery->polls);
      g_object_unref (task);
      return;
    }

  if (discovery->polls > 0)
    {
      g_autofree char *message =
        g_strdup_printf (_("Waiting for project provisioning (attempt %u)..."),
                         discovery->polls + 1);

      discovery_progress (discovery, message);
      timer = g_timeout_source_new (discovery->poll_interval_ms);
    }
  else
    timer = g_timeout_source_new (0);

  g_source_set_name (timer, "[pi-keyring] Code Assist operation poll");
  if (cancellable != NULL)
    {
      GSource *cancelled = g_cancellable_source_new (cancellable);

      g_source_set_dummy_callback (cancelled);
      g_source_add_child_source (timer, cancelled);
      g_source_unref (cancelled);
    }
  g_task_attach_source (task, timer, on_poll_timer);
  g_object_unref (task);  /* the source holds it */
}

/* Server-given operation names go into a URL path: keep them plain. */
static gboolean
operation_name_is_valid (const char *name)
{
  if (!is_nonempty (name) || strstr (name, "..") != NULL || name[0] == '/')
    return FALSE;

  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("/_-.", *p) == NULL)
      return FALSE;

  return TRUE;
}

static void
on_onboarded (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Discovery *discovery = g_task_get_task_data (task);
  g_autoptr(PiKeyringHttpResponse) response = NULL;
  GError *error = NULL;
  const char *name;

  response = send_finish (source, result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, prefix_error (_("onboardUser failed"), error));
      return;
    }
  if (response->status < 200 || response->status >= 300 || response->object == NULL)
    {
      g_task_return_error (task, code_assist_error (_("onboardUser failed"), response));
      return;
    }

  name = _pi_keyring_json_get_string (response->object, "name");
  if (operation_done (response->object) || name == NULL)
    {
      return_onboarded_project (task, response->object);
      return;
    }
  if (!operation_name_is_valid (name))
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                               _("onboardUser failed: the answer named an operation that cannot "
                                 "be polled."));
      return;
    }

  discovery->operation = g_strdup (name);
  poll_operation (g_steal_pointer (&task));
}

static void
return_requires_project (GTask *task)
{
  g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                           _("This account requires setting the GOOGLE_CLOUD_PROJECT or "
                             "GOOGLE_CLOUD_PROJECT_ID environment variable. See "
                             "https://goo.gle/gemini-cli-auth-docs#workspace-gca"));
}

/* The allowedTiers entry marked isDefault, else legacy-tier; its id, or
 * free-tier when it has none. */
static const char *
default_tier_id (JsonObject *load)
{
  JsonNode *tiers = json_object_get_member (load, "allowedTiers");

  if (tiers != NULL && JSON_NODE_HOLDS_ARRAY (tiers))
    {
      JsonArray *array = json_node_get_array (tiers);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          JsonObject *tier;
          JsonNode *is_default;
          const char *id;

          if (!JSON_NODE_HOLDS_OBJECT (element))
            continue;
          tier = json_node_get_object (element);
          is_default = json_object_get_member (tier, "isDefault");
          if (is_default == NULL || !JSON_NODE_HOLDS_VALUE (is_default) ||
              json_node_get_value_type (is_default) != G_TYPE_BOOLEAN ||
              !json_node_get_boolean (is_default))
            continue;

          id = _pi_keyring_json_get_string (tier, "id");
          return is_nonempty (id) ? id : TIER_FREE;
        }
    }

  return TIER_LEGACY;
}

static void
onboard (GTask      *task,
         JsonObject *load)
{
  Discovery *discovery = g_task_get_task_data (task);
  g_autoptr(PiKeyringHttpRequest) request = NULL;
  g_autoptr(JsonObject) body = json_object_new ();
  const char *tier = default_tier_id (load);
  gboolean free_tier = g_str_equal (tier, TIER_FREE);

  if (!free_tier && discovery->env_project == NULL)
    {
      return_requires_project (task);
      g_object_unref (task);
      return;
    }

  discovery_progress (discovery,
                      _("Provisioning Cloud Code Assist project (this may take a moment)..."));

  json_object_set_string_member (body, "tierId", tier);
  json_object_set_object_member (body, "metadata",
                                 client_metadata (free_tier ? NULL : discovery->env_project));
  if (!free_tier)
    json_object_set_string_member (body, "cloudaicompanionProject", discovery->env_project);

  request = code_assist_request ("POST", CODE_ASSIST_ENDPOINT "/v1internal:onboardUser",
                                 discovery->access, FALSE);
  _pi_keyring_http_request_set_json_body (request, body);
  send (task, request, on_onboarded);
}

/* VPC-SC users: an error whose details[] has reason SECURITY_POLICY_VIOLATED. */
static gboolean
is_security_policy_violation (const PiKeyringHttpResponse *response)
{
  JsonObject *error = json_get_object (response->object, "error");
  JsonNode *details = error != NULL ? json_object_get_member (error, "details") : NULL;
  JsonArray *array;

  if (details == NULL || !JSON_NODE_HOLDS_ARRAY (details))
    return FALSE;

  array = json_node_get_array (details);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_OBJECT (element) &&
          g_strcmp0 (_pi_keyring_json_get_string (json_node_get_object (element), "reason"),
                     "SECURITY_POLICY_VIOLATED") == 0)
        return TRUE;
    }

  return FALSE;
}

/* cloudaicompanionProject: a non-empty string, or an object's id. */
static const char *
companion_project (JsonObject *object)
{
  const char *project = _pi_keyring_json_get_string (object, "cloudaicompanionProject");

  if (is_nonempty (project))
    return project;

  project = _pi_keyring_json_get_string (json_get_object (object, "cloudaicompanionProject"), "id");
  return is_nonempty (project) ? project : NULL;
}

static void
on_gemini_loaded (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Discovery *discovery = g_task_get_task_data (task);
  g_autoptr(PiKeyringHttpResponse) response = NULL;
  GError *error = NULL;
  gboolean has_tier;
  const char *project = NULL;

  response = send_finish (source, result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, prefix_error (_("loadCodeAssist failed"), error));
      return;
    }

  if (response->status >= 200 && response->status < 300 && response->object != NULL)
    {
      has_tier = json_object_get_member (response->object, "currentTier") != NULL &&
                 !json_object_get_null_member (response->object, "currentTier");
      project = companion_project (response->object);
    }
  else if (is_security_policy_violation (response))
    has_tier = TRUE;  /* treated as the standard tier without a project */
  else
    {
      g_task_return_error (task, code_assist_error (_("loadCodeAssist failed"), response));
      return;
    }

  if (!has_tier)
    {
      onboard (g_steal_pointer (&task), response->object);
      return;
    }

  if (project != NULL)
    g_task_return_pointer (task, g_strdup (project), g_free);
  else if (discovery->env_project != NULL)
    g_task_return_pointer (task, g_strdup (discovery->env_project), g_free);
  else
    return_requires_project (task);
}

void
_pi_keyring_gemini_discover_project_async (PiKeyringHttpClient  *http,
                                           const char           *access_token,
                                           PiKeyringInteraction *interaction,
                                           guint                 poll_interval_ms,
                                           guint                 max_polls,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data)
{
  GTask *task;
  Discovery *discovery;
  g_autoptr(PiKeyringHttpRequest) request = NULL;
  g_autoptr(JsonObject) body = json_object_new ();

  g_return_if_fail (PI_KEYRING_IS_HTTP_CLIENT (http));
  g_return_if_fail (access_token != NULL);

  task = discovery_task_new (http, access_token, interaction, cancellable, callback, user_data);
  discovery = g_task_get_task_data (task);
  discovery->env_project = g_strdup (env_project ());
  discovery->poll_interval_ms = poll_interval_ms;
  discovery->max_polls = max_polls > 0 ? max_polls : PI_KEYRING_GEMINI_MAX_POLLS;

  discovery_progress (discovery, _("Checking for existing Cloud Code Assist project..."));

  if (discovery->env_project != NULL)
    json_object_set_string_member (body, "cloudaicompanionProject", discovery->env_project);
  json_object_set_object_member (body, "metadata", client_metadata (discovery->env_project));

  request = code_assist_request ("POST", CODE_ASSIST_ENDPOINT "/v1internal:loadCodeAssist",
                                 access_token, FALSE);
  _pi_keyring_http_request_set_json_body (request, body);
  send (task, request, on_gemini_loaded);
}

static const char * const antigravity_endpoints[] = {
  CODE_ASSIST_ENDPOINT,
  CODE_ASSIST_DAILY,
};

static void antigravity_load_next (GTask *task);

static void
on_antigravity_loaded (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(PiKeyringHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  const char *project;

  response = send_finish (source, result, &error);
  if (response == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          g_object_unref (task);
          return;
        }
      g_debug ("Antigravity: loadCodeAssist failed: %s", error->message);
    }
  else if (response->status >= 200 && response->status < 300 &&
           (project = companion_project (response->object)) != NULL)
    {
      g_task_return_pointer (task, g_strdup (project), g_free);
      g_object_unref (task);
      return;
    }
  else
    g_debug ("Antigravity: loadCodeAssist answered HTTP %u without a project", response->status);

  antigravity_load_next (task);
}

static void
antigravity_load_next (GTask *task)
{
  Discovery *discovery = g_task_get_task_data (task);
  g_autoptr(PiKeyringHttpRequest) request = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *url = NULL;

  if (discovery->endpoint >= G_N_ELEMENTS (antigravity_endpoints))
    {
      discovery_progress (discovery, _("Using default project..."));
      g_task_return_pointer (task, g_strdup (ANTIGRAVITY_DEFAULT_PROJECT), g_free);
      g_object_unref (task);
      return;
    }

  url = g_strconcat (antigravity_endpoints[discovery->endpoint++], "/v1internal:loadCodeAssist",
                     NULL);
  body = json_object_new ();
  json_object_set_object_member (body, "metadata", client_metadata (NULL));
  request = code_assist_request ("POST", url, discovery->access, TRUE);
  _pi_keyring_http_request_set_json_body (request, body);
  send (task, request, on_antigravity_loaded);
}

void
_pi_keyring_antigravity_discover_project_async (PiKeyringHttpClient  *http,
                                                const char           *access_token,
                                                PiKeyringInteraction *interaction,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data)
{
  GTask *task;

  g_return_if_fail (PI_KEYRING_IS_HTTP_CLIENT (http));
  g_return_if_fail (access_token != NULL);

  task = discovery_task_new (http, access_token, interaction, cancellable, callback, user_data);
  discovery_progress (g_task_get_task_data (task), _("Checking for existing project..."));
  antigravity_load_next (task);
}

char *
_pi_keyring_google_discover_project_finish (GAsyncResult  *result,
                                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        _pi_keyring_google_discover_project_finish, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
