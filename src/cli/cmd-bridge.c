/* cmd-bridge.c: pi-keyring bridge, the pipe between pi's extension and pi-keyring
 *
 * The protocol is docs/pi-bridge.md: one JSON object per line on stdin,
 * read with GIO on the main loop; one reply per request and the events of
 * a login on stdout, each line written at once. Requests run concurrently,
 * so that a login waiting for the user or a lock waiting for its holder
 * does not hold up a `read`. Nothing is ever asked on the terminal; stderr
 * carries only messages for a person, never a secret. The end of stdin
 * ends the bridge: locks are released, running requests cancelled, and it
 * exits 0 once every request has answered.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "cli-util.h"

/* The protocol version this bridge speaks (docs/pi-bridge.md). */
#define PROTOCOL_VERSION 1

/* A longer request line is refused. */
#define MAX_LINE_BYTES (1024 * 1024)

/* A lock not released by the client within this time is released. */
#define LOCK_HOLD_SECONDS 120

typedef struct _Bridge Bridge;
typedef struct _Request Request;

/* --- the interaction of a login: its events go to the client --- */

#define BRIDGE_TYPE_INTERACTION (bridge_interaction_get_type ())
G_DECLARE_FINAL_TYPE (BridgeInteraction, bridge_interaction, BRIDGE, INTERACTION,
                      PiKeyringInteraction)

struct _BridgeInteraction
{
  PiKeyringInteraction  parent_instance;

  Request              *request;   /* the login; NULL once it answered */
};

G_DEFINE_FINAL_TYPE (BridgeInteraction, bridge_interaction, PI_KEYRING_TYPE_INTERACTION)

/* A question of a login to the user, answered by an `answer` request. */
typedef struct
{
  Bridge   *bridge;
  gint64    number;
  gint64    login_id;
  GTask    *task;      /* of ask_code_async */
  GSource  *cancel_source;
} Prompt;

/* A lock handed to the client. */
typedef struct
{
  Bridge                  *bridge;
  gint64                   handle;
  PiKeyringCredentialLock *lock;
  GSource                 *timeout;
} HeldLock;

struct _Bridge
{
  PiKeyringBackend *backend;
  PiKeyringStore   *store;
  GMainLoop        *loop;
  GDataInputStream *input;
  GOutputStream    *output;
  GCancellable     *input_cancellable;

  GHashTable       *running;   /* &request->id → Request: requests not yet answered */
  GHashTable       *locks;     /* &lock->handle → HeldLock */
  GHashTable       *expired;   /* handles released after LOCK_HOLD_SECONDS (set) */
  GHashTable       *prompts;   /* &prompt->number → Prompt */
  gint64            next_lock;
  gint64            next_prompt;
  gboolean          input_closed;
  gboolean          output_failed;
};

struct _Request
{
  Bridge                  *bridge;
  gint64                   id;
  JsonNode                *root;        /* the request, wiped when freed */
  JsonObject              *params;      /* of root */
  const char              *provider;    /* of params, checked */
  gint64                   min_validity_ms;
  GCancellable            *cancellable;
  gboolean                 registered;  /* in bridge->running */

  /* lock */
  PiKeyringCredentialLock *lock;
  /* unlock */
  HeldLock                *held;
  /* login */
  PiKeyringInteraction    *interaction;
};

static void bridge_check_done (Bridge *bridge);

/* --- output --- */

static void
append_json_string (GString    *line,
                    const char *value)
{
  g_autofree char *valid = NULL;

  if (value == NULL)
    {
      g_string_append (line, "null");
      return;
    }

  if (!g_utf8_validate (value, -1, NULL))
    value = valid = g_utf8_make_valid (value, -1);

  g_string_append_c (line, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"':
          g_string_append (line, "\\\"");
          break;
        case '\\':
          g_string_append (line, "\\\\");
          break;
        case '\n':
          g_string_append (line, "\\n");
          break;
        case '\r':
          g_string_append (line, "\\r");
          break;
        case '\t':
          g_string_append (line, "\\t");
          break;
        default:
          if (c < 0x20)
            g_string_append_printf (line, "\\u%04x", c);
          else
            g_string_append_c (line, (char) c);
          break;
        }
    }
  g_string_append_c (line, '"');

  if (valid != NULL)
    cli_secret_free (g_steal_pointer (&valid));
}

static void
line_add_string (GString    *line,
                 const char *name,
                 const char *value)
{
  g_string_append_printf (line, ",\"%s\":", name);
  append_json_string (line, value);
}

static void
line_add_raw (GString    *line,
              const char *name,
              const char *json)
{
  g_string_append_printf (line, ",\"%s\":%s", name, json != NULL ? json : "null");
}

static void
line_add_int (GString    *line,
              const char *name,
              gint64      value)
{
  g_string_append_printf (line, ",\"%s\":%" G_GINT64_FORMAT, name, value);
}

static GString *
line_new_reply (gint64 id)
{
  GString *line = g_string_new (NULL);

  g_string_append_printf (line, "{\"id\":%" G_GINT64_FORMAT ",\"ok\":true", id);
  return line;
}

static GString *
line_new_event (gint64      id,
                const char *event)
{
  GString *line = g_string_new (NULL);

  g_string_append_printf (line, "{\"id\":%" G_GINT64_FORMAT ",\"event\":\"%s\"", id, event);
  return line;
}

/* Ends @line, writes it with one call and wipes it: it may hold secrets. */
static void
bridge_send (Bridge  *bridge,
             GString *line)
{
  g_autoptr(GError) error = NULL;

  g_string_append (line, "}\n");
  if (!bridge->output_failed &&
      !g_output_stream_write_all (bridge->output, line->str, line->len, NULL, NULL, &error))
    {
      /* The client is gone: nothing more can be said. */
      g_debug ("Writing to standard output failed: %s", error->message);
      bridge->output_failed = TRUE;
    }

  memset (line->str, 0, line->len);
  g_string_free (line, TRUE);
}

/* --- errors --- */

static const char *
code_for_error (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return "cancelled";

  if (error->domain == PI_KEYRING_ERROR)
    {
      switch ((PiKeyringError) error->code)
        {
        case PI_KEYRING_ERROR_NOT_FOUND:
          return "not_found";
        case PI_KEYRING_ERROR_LOCKED:
        case PI_KEYRING_ERROR_WRONG_PASSPHRASE:
          return "locked";
        case PI_KEYRING_ERROR_UNAVAILABLE:
          return "unavailable";
        case PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED:
          return "reauth";
        case PI_KEYRING_ERROR_RATE_LIMITED:
          return "rate_limited";
        case PI_KEYRING_ERROR_TEMPORARY:
          return "temporary";
        case PI_KEYRING_ERROR_ACCESS_DENIED:
          return "access_denied";
        case PI_KEYRING_ERROR_INVALID_ARGUMENT:
          return "invalid";
        case PI_KEYRING_ERROR_FAILED:
        case PI_KEYRING_ERROR_PARSE:
        case PI_KEYRING_ERROR_COMMAND_FAILED:
          return "failed";
        }
      return "failed";
    }

  /* Other domains as the command's exit codes take them. */
  switch (cli_exit_code_for_error (error))
    {
    case CLI_EXIT_TEMPORARY:
      return "temporary";
    case CLI_EXIT_UNAVAILABLE:
      return "unavailable";
    case CLI_EXIT_USAGE:
      return "invalid";
    default:
      return "failed";
    }
}

static void
send_error (Bridge     *bridge,
            gint64      id,
            const char *code,
            const char *message)
{
  GString *line = g_string_new (NULL);

  g_string_append_printf (line, "{\"id\":%" G_GINT64_FORMAT ",\"ok\":false,\"error\":{\"code\":",
                          id);
  append_json_string (line, code);
  g_string_append (line, ",\"message\":");
  append_json_string (line, message);
  g_string_append_c (line, '}');
  bridge_send (bridge, line);
}

/* --- requests --- */

static void
json_node_wipe (JsonNode *node)
{
  if (node == NULL)
    return;

  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        JsonNode *member;

        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, NULL, &member))
          json_node_wipe (member);
      }
      break;
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (array); i++)
          json_node_wipe (json_array_get_element (array, i));
      }
      break;
    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        {
          /* json-glib keeps its own copy of every string: wipe it in place. */
          char *text = (char *) json_node_get_string (node);

          if (text != NULL)
            memset (text, 0, strlen (text));
        }
      break;
    case JSON_NODE_NULL:
    default:
      break;
    }
}

static void
request_free (Request *request)
{
  if (request->registered)
    g_hash_table_remove (request->bridge->running, &request->id);
  g_clear_object (&request->lock);
  if (request->interaction != NULL)
    BRIDGE_INTERACTION (request->interaction)->request = NULL;
  g_clear_object (&request->interaction);
  g_clear_object (&request->cancellable);
  if (request->root != NULL)
    {
      json_node_wipe (request->root);
      json_node_unref (request->root);
    }
  g_free (request);
}

/* The final reply of @request (taken) is @line; the request is done. */
static void
request_reply (Request *request,
               GString *line)
{
  Bridge *bridge = request->bridge;

  bridge_send (bridge, line);
  request_free (request);
  bridge_check_done (bridge);
}

static void
request_ok (Request *request)
{
  request_reply (request, line_new_reply (request->id));
}

static void
request_fail (Request      *request,
              const GError *error)
{
  Bridge *bridge = request->bridge;

  send_error (bridge, request->id, code_for_error (error), error->message);
  request_free (request);
  bridge_check_done (bridge);
}

static void
request_fail_invalid (Request    *request,
                      const char *message)
{
  Bridge *bridge = request->bridge;

  send_error (bridge, request->id, "invalid", message);
  request_free (request);
  bridge_check_done (bridge);
}

/* DESIGN §8: 1–128 characters of [A-Za-z0-9._@+-], not starting with `.`
 * or `-`. */
static gboolean
provider_id_is_valid (const char *id)
{
  gsize length = strlen (id);

  if (length == 0 || length > 128 || id[0] == '.' || id[0] == '-')
    return FALSE;

  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("._@+-", *p) == NULL)
      return FALSE;

  return TRUE;
}

static gboolean
node_is_integer (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_INT64;
}

/* The member @name of the request as a positive integer, or 0. */
static gint64
request_get_positive (Request    *request,
                      const char *name)
{
  JsonNode *node = json_object_get_member (request->params, name);

  if (!node_is_integer (node) || json_node_get_int (node) <= 0)
    return 0;

  return json_node_get_int (node);
}

/* `provider`: a valid id; otherwise the request is answered `invalid`. */
static gboolean
request_take_provider (Request *request)
{
  JsonNode *node = json_object_get_member (request->params, "provider");

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING ||
      !provider_id_is_valid (json_node_get_string (node)))
    {
      request_fail_invalid (request, _("The request has no valid “provider”."));
      return FALSE;
    }

  request->provider = json_node_get_string (node);
  return TRUE;
}

/* `min_validity_ms`: absent, null or a non-negative integer. */
static gboolean
request_take_min_validity (Request *request)
{
  JsonNode *node = json_object_get_member (request->params, "min_validity_ms");

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!node_is_integer (node) || json_node_get_int (node) < 0)
    {
      g_autofree char *message = g_strdup_printf (_("“%s” must be a non-negative integer."),
                                                  "min_validity_ms");

      request_fail_invalid (request, message);
      return FALSE;
    }

  request->min_validity_ms = json_node_get_int (node);
  return TRUE;
}

/* `entry`: an object with a string `type`, as a credential of @provider;
 * NULL when absent or null (*@present FALSE), or when malformed (the
 * request is then answered `invalid`, *@present TRUE). */
static PiKeyringCredential *
request_take_entry (Request    *request,
                    const char *provider,
                    gboolean   *present)
{
  JsonNode *node = json_object_get_member (request->params, "entry");
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(GError) error = NULL;
  PiKeyringCredential *credential;
  JsonObject *entry;
  JsonNode *type;
  char *text;

  *present = node != NULL && !JSON_NODE_HOLDS_NULL (node);
  if (!*present)
    return NULL;

  entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  type = entry != NULL ? json_object_get_member (entry, "type") : NULL;
  if (type == NULL || !JSON_NODE_HOLDS_VALUE (type) ||
      json_node_get_value_type (type) != G_TYPE_STRING)
    {
      request_fail_invalid (request, _("“entry” must be a JSON object with a string “type”."));
      return NULL;
    }

  generator = json_generator_new ();
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  credential = pi_keyring_credential_new_from_json (provider,
                                                    pi_keyring_store_get_profile (request->bridge->store),
                                                    text, -1, &error);
  cli_secret_free (text);
  if (credential == NULL)
    request_fail_invalid (request, error->message);

  return credential;
}

/* --- read, and the key of an entry --- */

typedef void (*EntryReply) (Request             *request,
                            PiKeyringCredential *credential,
                            const char          *key);

typedef struct
{
  Request             *request;
  PiKeyringCredential *credential;
  EntryReply           reply;
  gboolean             lenient;   /* a failing command gives "key": null */
} KeyResolution;

static void
on_key_resolved (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  KeyResolution *resolution = user_data;
  g_autoptr(PiKeyringCredential) credential = resolution->credential;
  g_autoptr(CliSecret) key = NULL;
  g_autoptr(GError) error = NULL;
  Request *request = resolution->request;
  EntryReply reply = resolution->reply;
  gboolean lenient = resolution->lenient;

  g_free (resolution);

  key = pi_keyring_resolve_config_value_finish (result, &error);
  if (key == NULL && !lenient)
    {
      request_fail (request, error);
      return;
    }

  reply (request, credential, key);
}

/* The string pi would send for @credential, then @reply. */
static void
resolve_key (Request             *request,
             PiKeyringCredential *credential,
             gboolean             lenient,
             EntryReply           reply)
{
  g_autoptr(CliSecret) key = NULL;

  switch (credential != NULL ? pi_keyring_credential_get_kind (credential)
                             : PI_KEYRING_CREDENTIAL_KIND_OTHER)
    {
    case PI_KEYRING_CREDENTIAL_KIND_API_KEY:
      if (pi_keyring_credential_get_key (credential) != NULL)
        {
          KeyResolution *resolution = g_new0 (KeyResolution, 1);

          resolution->request = request;
          resolution->credential = g_object_ref (credential);
          resolution->reply = reply;
          resolution->lenient = lenient;
          pi_keyring_resolve_config_value_async (pi_keyring_credential_get_key (credential),
                                                 request->cancellable, on_key_resolved,
                                                 resolution);
          return;
        }
      break;

    case PI_KEYRING_CREDENTIAL_KIND_OAUTH:
      key = pi_keyring_catalog_get_oauth_api_key (credential);
      break;

    case PI_KEYRING_CREDENTIAL_KIND_OTHER:
    default:
      break;
    }

  reply (request, credential, key);
}

static void
line_add_entry (GString             *line,
                PiKeyringCredential *credential)
{
  g_autoptr(CliSecret) json = credential != NULL ? pi_keyring_credential_to_json (credential)
                                                 : NULL;

  line_add_raw (line, "entry", json);
}

static void
reply_read (Request             *request,
            PiKeyringCredential *credential,
            const char          *key)
{
  GString *line = line_new_reply (request->id);

  line_add_entry (line, credential);
  line_add_string (line, "key", key);
  request_reply (request, line);
}

static void
on_read_fresh (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  credential = pi_keyring_store_get_fresh_credential_finish (PI_KEYRING_STORE (source), result,
                                                             &error);
  if (credential == NULL && !g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND))
    {
      request_fail (request, error);
      return;
    }

  resolve_key (request, credential, FALSE, reply_read);
}

static void
op_read (Request *request)
{
  if (!request_take_provider (request) || !request_take_min_validity (request))
    return;

  pi_keyring_store_get_fresh_credential_async (request->bridge->store, request->provider,
                                               request->min_validity_ms, request->cancellable,
                                               on_read_fresh, request);
}

/* --- hello, list --- */

static void
op_hello (Request *request)
{
  Bridge *bridge = request->bridge;
  g_autoptr(GPtrArray) providers = pi_keyring_list_providers ();
  GString *line = line_new_reply (request->id);

  line_add_int (line, "protocol", PROTOCOL_VERSION);
  line_add_string (line, "version", PACKAGE_VERSION);
  line_add_string (line, "backend", pi_keyring_backend_get_name (bridge->backend));
  line_add_string (line, "profile", pi_keyring_store_get_profile (bridge->store));
  g_string_append (line, ",\"oauth\":[");
  for (guint i = 0; i < providers->len; i++)
    {
      if (i > 0)
        g_string_append_c (line, ',');
      append_json_string (line, pi_keyring_provider_get_id (providers->pdata[i]));
    }
  g_string_append_c (line, ']');

  request_reply (request, line);
}

static void
on_listed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(GPtrArray) credentials = NULL;
  g_autoptr(GError) error = NULL;
  GString *line;

  credentials = pi_keyring_store_list_finish (PI_KEYRING_STORE (source), result, &error);
  if (credentials == NULL)
    {
      request_fail (request, error);
      return;
    }

  line = line_new_reply (request->id);
  g_string_append (line, ",\"entries\":[");
  for (guint i = 0; i < credentials->len; i++)
    {
      PiKeyringCredential *credential = credentials->pdata[i];
      PiKeyringCredentialKind kind = pi_keyring_credential_get_kind (credential);

      if (i > 0)
        g_string_append_c (line, ',');
      g_string_append (line, "{\"provider\":");
      append_json_string (line, pi_keyring_credential_get_provider (credential));
      line_add_string (line, "kind",
                       kind == PI_KEYRING_CREDENTIAL_KIND_OTHER
                       ? pi_keyring_credential_get_type_name (credential)
                       : cli_kind_to_string (kind));
      if (kind == PI_KEYRING_CREDENTIAL_KIND_OAUTH &&
          pi_keyring_credential_has_expires (credential))
        line_add_int (line, "expires", pi_keyring_credential_get_expires (credential));
      else
        line_add_raw (line, "expires", NULL);
      g_string_append_c (line, '}');
    }
  g_string_append_c (line, ']');

  request_reply (request, line);
}

static void
op_list (Request *request)
{
  pi_keyring_store_list_async (request->bridge->store, request->cancellable, on_listed,
                               request);
}

/* --- write, delete --- */

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(GError) error = NULL;

  if (!pi_keyring_store_set_credential_finish (PI_KEYRING_STORE (source), result, &error))
    request_fail (request, error);
  else
    request_ok (request);
}

static void
op_write (Request *request)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  gboolean present;

  if (!request_take_provider (request))
    return;

  credential = request_take_entry (request, request->provider, &present);
  if (credential == NULL)
    {
      if (!present)
        request_fail_invalid (request, _("“entry” must be a JSON object with a string “type”."));
      return;
    }

  /* A write is not cancelled halfway. */
  pi_keyring_store_set_credential_async (request->bridge->store, credential, NULL, on_written,
                                         request);
}

static void
on_deleted (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(GError) error = NULL;
  gboolean removed;
  GString *line;

  removed = pi_keyring_store_remove_finish (PI_KEYRING_STORE (source), result, &error);
  if (!removed && !g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND))
    {
      request_fail (request, error);
      return;
    }

  line = line_new_reply (request->id);
  line_add_raw (line, "removed", removed ? "true" : "false");
  request_reply (request, line);
}

static void
op_delete (Request *request)
{
  if (!request_take_provider (request))
    return;

  pi_keyring_store_remove_async (request->bridge->store, request->provider, NULL, on_deleted,
                                 request);
}

/* --- lock, unlock --- */

static void
held_lock_free (HeldLock *held)
{
  if (held->timeout != NULL)
    {
      g_source_destroy (held->timeout);
      g_source_unref (held->timeout);
    }
  if (held->lock != NULL)
    {
      pi_keyring_credential_lock_release (held->lock);
      g_object_unref (held->lock);
    }
  g_free (held);
}

static gboolean
on_lock_held_too_long (gpointer user_data)
{
  HeldLock *held = user_data;
  Bridge *bridge = held->bridge;
  gint64 *handle = g_new (gint64, 1);

  cli_warning (_("The lock of “%s” was held for more than %d seconds; it is released."),
               pi_keyring_credential_lock_get_provider (held->lock), LOCK_HOLD_SECONDS);

  *handle = held->handle;
  g_hash_table_add (bridge->expired, handle);
  g_clear_pointer (&held->timeout, g_source_unref);
  g_hash_table_remove (bridge->locks, &held->handle);

  return G_SOURCE_REMOVE;
}

static void
reply_lock (Request             *request,
            PiKeyringCredential *credential,
            const char          *key)
{
  Bridge *bridge = request->bridge;
  HeldLock *held = g_new0 (HeldLock, 1);
  GString *line;

  held->bridge = bridge;
  held->handle = ++bridge->next_lock;
  held->lock = g_steal_pointer (&request->lock);
  held->timeout = g_timeout_source_new_seconds (LOCK_HOLD_SECONDS);
  g_source_set_callback (held->timeout, on_lock_held_too_long, held, NULL);
  g_source_attach (held->timeout, NULL);
  g_hash_table_insert (bridge->locks, &held->handle, held);

  line = line_new_reply (request->id);
  line_add_int (line, "lock", held->handle);
  line_add_entry (line, credential);
  line_add_string (line, "key", key);
  request_reply (request, line);
}

static void
on_lock_reread (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  credential = pi_keyring_store_get_credential_finish (PI_KEYRING_STORE (source), result,
                                                       &error);
  if (error != NULL)
    {
      /* request_free () releases the lock. */
      request_fail (request, error);
      return;
    }

  resolve_key (request, credential, TRUE, reply_lock);
}

static void
on_lock_taken (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(GError) error = NULL;

  request->lock = pi_keyring_store_lock_credential_finish (PI_KEYRING_STORE (source), result,
                                                           &error);
  if (request->lock == NULL)
    {
      request_fail (request, error);
      return;
    }

  /* Under the lock: the entry as it is now. */
  pi_keyring_store_get_credential_async (request->bridge->store, request->provider, NULL,
                                         on_lock_reread, request);
}

static void
on_lock_refreshed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  /* A refresh that failed does not keep the client from changing the
   * entry (a login after a refused refresh token, say): the entry read
   * under the lock is answered as it is. */
  credential = pi_keyring_store_get_fresh_credential_finish (PI_KEYRING_STORE (source), result,
                                                             &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      request_fail (request, error);
      return;
    }

  /* Taken after the refresh, which takes the same lock itself. */
  pi_keyring_store_lock_credential_async (request->bridge->store, request->provider,
                                          request->cancellable, on_lock_taken, request);
}

static void
op_lock (Request *request)
{
  if (!request_take_provider (request) || !request_take_min_validity (request))
    return;

  pi_keyring_store_get_fresh_credential_async (request->bridge->store, request->provider,
                                               request->min_validity_ms, request->cancellable,
                                               on_lock_refreshed, request);
}

static void
on_unlock_written (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(GError) error = NULL;
  gboolean written;

  written = pi_keyring_store_set_credential_finish (PI_KEYRING_STORE (source), result, &error);
  g_clear_pointer (&request->held, held_lock_free);

  if (!written)
    request_fail (request, error);
  else
    request_ok (request);
}

static void
op_unlock (Request *request)
{
  Bridge *bridge = request->bridge;
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autofree char *number = NULL;
  g_autofree char *message = NULL;
  gint64 handle = request_get_positive (request, "lock");
  HeldLock *held;
  gboolean present;

  if (handle == 0)
    {
      message = g_strdup_printf (_("“%s” must be a positive integer."), "lock");
      request_fail_invalid (request, message);
      return;
    }

  number = g_strdup_printf ("%" G_GINT64_FORMAT, handle);
  held = g_hash_table_lookup (bridge->locks, &handle);
  if (held == NULL)
    {
      if (g_hash_table_contains (bridge->expired, &handle))
        {
          message = g_strdup_printf (_("The lock %s was released after %d seconds; nothing was "
                                       "written."),
                                     number, LOCK_HOLD_SECONDS);
          send_error (bridge, request->id, "failed", message);
          request_free (request);
          bridge_check_done (bridge);
          return;
        }

      message = g_strdup_printf (_("No lock %s is held."), number);
      request_fail_invalid (request, message);
      return;
    }

  /* A malformed entry leaves the lock held: the client may say it again. */
  credential = request_take_entry (request,
                                   pi_keyring_credential_lock_get_provider (held->lock),
                                   &present);
  if (present && credential == NULL)
    return;

  g_hash_table_steal (bridge->locks, &handle);
  request->held = held;
  if (credential == NULL)
    {
      g_clear_pointer (&request->held, held_lock_free);
      request_ok (request);
      return;
    }

  pi_keyring_store_set_credential_async (bridge->store, credential, NULL, on_unlock_written,
                                         request);
}

/* --- login and its prompts --- */

static void
prompt_free (Prompt *prompt)
{
  if (prompt->cancel_source != NULL)
    {
      g_source_destroy (prompt->cancel_source);
      g_source_unref (prompt->cancel_source);
    }
  g_clear_object (&prompt->task);
  g_free (prompt);
}

/* Ends @prompt without an answer: `prompt_done`, and the login's question
 * is cancelled. */
static void
prompt_withdraw (Prompt *prompt)
{
  Bridge *bridge = prompt->bridge;
  GTask *task = g_steal_pointer (&prompt->task);
  GString *line;

  line = line_new_event (prompt->login_id, "prompt_done");
  line_add_int (line, "prompt", prompt->number);
  bridge_send (bridge, line);

  g_hash_table_remove (bridge->prompts, &prompt->number);
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           _("Login cancelled."));
  g_object_unref (task);
}

static gboolean
on_prompt_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  Prompt *prompt = user_data;

  g_clear_pointer (&prompt->cancel_source, g_source_unref);
  prompt_withdraw (prompt);

  return G_SOURCE_REMOVE;
}

/* Withdraws the prompts of the login @login_id (every prompt when 0). */
static void
withdraw_prompts (Bridge *bridge,
                  gint64  login_id)
{
  g_autoptr(GList) prompts = g_hash_table_get_values (bridge->prompts);

  for (GList *l = prompts; l != NULL; l = l->next)
    {
      Prompt *prompt = l->data;

      if (login_id == 0 || prompt->login_id == login_id)
        {
          if (prompt->cancel_source != NULL)
            {
              g_source_destroy (prompt->cancel_source);
              g_clear_pointer (&prompt->cancel_source, g_source_unref);
            }
          prompt_withdraw (prompt);
        }
    }
}

static void
bridge_interaction_show_auth (PiKeyringInteraction *interaction,
                              const char           *url,
                              const char           *instructions)
{
  Request *request = BRIDGE_INTERACTION (interaction)->request;
  GString *line;

  if (request == NULL)
    return;

  line = line_new_event (request->id, "auth");
  line_add_string (line, "url", url);
  line_add_string (line, "instructions",
                   instructions != NULL && *instructions != '\0' ? instructions : NULL);
  bridge_send (request->bridge, line);
}

static void
bridge_interaction_progress (PiKeyringInteraction *interaction,
                             const char           *message)
{
  Request *request = BRIDGE_INTERACTION (interaction)->request;
  GString *line;

  if (request == NULL)
    return;

  line = line_new_event (request->id, "progress");
  line_add_string (line, "message", message);
  bridge_send (request->bridge, line);
}

static void
bridge_interaction_ask_code_async (PiKeyringInteraction *interaction,
                                   const char           *message,
                                   const char           *placeholder,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data)
{
  Request *request = BRIDGE_INTERACTION (interaction)->request;
  g_autoptr(GTask) task = NULL;
  Prompt *prompt;
  GString *line;

  task = g_task_new (interaction, cancellable, callback, user_data);
  g_task_set_source_tag (task, bridge_interaction_ask_code_async);

  if (request == NULL || request->bridge->input_closed)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Nothing more can be read from standard input."));
      return;
    }

  prompt = g_new0 (Prompt, 1);
  prompt->bridge = request->bridge;
  prompt->number = ++request->bridge->next_prompt;
  prompt->login_id = request->id;
  prompt->task = g_steal_pointer (&task);
  if (cancellable != NULL)
    {
      prompt->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (prompt->cancel_source, G_SOURCE_FUNC (on_prompt_cancelled),
                             prompt, NULL);
      g_source_attach (prompt->cancel_source, NULL);
    }
  g_hash_table_insert (request->bridge->prompts, &prompt->number, prompt);

  line = line_new_event (request->id, "prompt");
  line_add_int (line, "prompt", prompt->number);
  line_add_string (line, "message", message);
  line_add_string (line, "placeholder", placeholder);
  bridge_send (request->bridge, line);
}

static char *
bridge_interaction_ask_code_finish (PiKeyringInteraction  *interaction,
                                    GAsyncResult          *result,
                                    GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, interaction), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
bridge_interaction_class_init (BridgeInteractionClass *klass)
{
  PiKeyringInteractionClass *interaction_class = PI_KEYRING_INTERACTION_CLASS (klass);

  interaction_class->show_auth = bridge_interaction_show_auth;
  interaction_class->progress = bridge_interaction_progress;
  interaction_class->ask_code_async = bridge_interaction_ask_code_async;
  interaction_class->ask_code_finish = bridge_interaction_ask_code_finish;
}

static void
bridge_interaction_init (BridgeInteraction *self)
{
}

static void
op_answer (Request *request)
{
  Bridge *bridge = request->bridge;
  gint64 number = request_get_positive (request, "prompt");
  g_autofree char *message = NULL;
  char *text;
  JsonNode *node;
  Prompt *prompt;
  GTask *task;

  if (number == 0)
    {
      message = g_strdup_printf (_("“%s” must be a positive integer."), "prompt");
      request_fail_invalid (request, message);
      return;
    }

  prompt = g_hash_table_lookup (bridge->prompts, &number);
  if (prompt == NULL)
    {
      g_autofree char *digits = g_strdup_printf ("%" G_GINT64_FORMAT, number);

      message = g_strdup_printf (_("No prompt %s is open."), digits);
      send_error (bridge, request->id, "not_found", message);
      request_free (request);
      bridge_check_done (bridge);
      return;
    }

  node = json_object_get_member (request->params, "text");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    {
      message = g_strdup_printf (_("“%s” must be a string."), "text");
      request_fail_invalid (request, message);
      return;
    }

  text = g_strstrip (g_strdup (json_node_get_string (node)));
  if (*text == '\0')
    {
      g_free (text);
      request_fail_invalid (request, _("The answer is empty."));
      return;
    }

  task = g_steal_pointer (&prompt->task);
  g_hash_table_remove (bridge->prompts, &number);
  g_task_return_pointer (task, text, (GDestroyNotify) cli_secret_free);
  g_object_unref (task);

  request_ok (request);
}

static void
on_logged_in (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;
  GString *line;

  credential = pi_keyring_store_login_finish (PI_KEYRING_STORE (source), result, &error);
  withdraw_prompts (request->bridge, request->id);

  if (credential == NULL)
    {
      request_fail (request, error);
      return;
    }

  line = line_new_reply (request->id);
  line_add_entry (line, credential);
  request_reply (request, line);
}

static GVariant *
login_options (const char *enterprise_domain)
{
  g_autoptr(GVariantDict) dict = g_variant_dict_new (NULL);

  if (enterprise_domain != NULL)
    g_variant_dict_insert (dict, "enterprise-domain", "s", enterprise_domain);

  return g_variant_ref_sink (g_variant_dict_end (dict));
}

static void
on_login_backend_checked (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(GVariant) options = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *domain;

  /* A locked or unreachable keyring is said before the login, not after
   * the user went through it for nothing. */
  if (!pi_keyring_backend_check_finish (PI_KEYRING_BACKEND (source), result, &error))
    {
      request_fail (request, error);
      return;
    }

  domain = json_object_get_member (request->params, "enterprise_domain");
  options = login_options (domain != NULL && !JSON_NODE_HOLDS_NULL (domain)
                           ? json_node_get_string (domain) : NULL);
  pi_keyring_store_login_async (request->bridge->store, request->provider,
                                request->interaction, options, request->cancellable,
                                on_logged_in, request);
}

static gboolean
member_has_type (JsonObject *params,
                 const char *name,
                 GType       type)
{
  JsonNode *node = json_object_get_member (params, name);

  return node == NULL || JSON_NODE_HOLDS_NULL (node) ||
         (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type);
}

static void
op_login (Request *request)
{
  g_autoptr(PiKeyringProvider) provider = NULL;
  g_autofree char *message = NULL;
  BridgeInteraction *interaction;
  JsonNode *no_browser;

  if (!request_take_provider (request))
    return;

  provider = pi_keyring_lookup_provider (request->provider);
  if (provider == NULL)
    {
      message = g_strdup_printf (_("pi-keyring cannot log in to “%s”: it is not one of its OAuth "
                                   "providers."),
                                 request->provider);
      request_fail_invalid (request, message);
      return;
    }
  if (!member_has_type (request->params, "no_browser", G_TYPE_BOOLEAN))
    {
      message = g_strdup_printf (_("“%s” must be true or false."), "no_browser");
      request_fail_invalid (request, message);
      return;
    }
  if (!member_has_type (request->params, "enterprise_domain", G_TYPE_STRING))
    {
      message = g_strdup_printf (_("“%s” must be a string or null."), "enterprise_domain");
      request_fail_invalid (request, message);
      return;
    }

  no_browser = json_object_get_member (request->params, "no_browser");
  interaction = g_object_new (BRIDGE_TYPE_INTERACTION, "open-browser",
                              no_browser == NULL || JSON_NODE_HOLDS_NULL (no_browser) ||
                              !json_node_get_boolean (no_browser),
                              NULL);
  interaction->request = request;
  request->interaction = PI_KEYRING_INTERACTION (interaction);

  pi_keyring_backend_check_async (request->bridge->backend, request->cancellable,
                                  on_login_backend_checked, request);
}

/* --- cancel --- */

static void
op_cancel (Request *request)
{
  Bridge *bridge = request->bridge;
  gint64 target = request_get_positive (request, "target");
  g_autofree char *message = NULL;
  Request *running;
  GString *line;
  gboolean cancelled = FALSE;

  if (target == 0)
    {
      message = g_strdup_printf (_("“%s” must be a positive integer."), "target");
      request_fail_invalid (request, message);
      return;
    }

  /* A login, a lock (its refresh or its wait) or a read (its refresh);
   * writes are not stopped halfway. */
  running = g_hash_table_lookup (bridge->running, &target);
  if (running != NULL && running->cancellable != NULL &&
      !g_cancellable_is_cancelled (running->cancellable))
    {
      g_cancellable_cancel (running->cancellable);
      cancelled = TRUE;
    }

  line = line_new_reply (request->id);
  line_add_raw (line, "cancelled", cancelled ? "true" : "false");
  request_reply (request, line);
}

/* --- dispatch --- */

typedef struct
{
  const char *name;
  void      (*run) (Request *request);
  gboolean    cancellable;
} Operation;

static const Operation operations[] = {
  { "hello", op_hello, FALSE },
  { "list", op_list, FALSE },
  { "read", op_read, TRUE },
  { "write", op_write, FALSE },
  { "delete", op_delete, FALSE },
  { "lock", op_lock, TRUE },
  { "unlock", op_unlock, FALSE },
  { "login", op_login, TRUE },
  { "answer", op_answer, FALSE },
  { "cancel", op_cancel, FALSE },
};

static void
handle_line (Bridge     *bridge,
             const char *text,
             gsize       length)
{
  g_autoptr(JsonParser) parser = NULL;
  const Operation *operation = NULL;
  g_autofree char *message = NULL;
  JsonNode *root, *node;
  JsonObject *params;
  const char *op = NULL;
  Request *request;
  gint64 id;

  if (length > MAX_LINE_BYTES)
    {
      send_error (bridge, 0, "invalid", _("The request is longer than 1 MiB."));
      return;
    }

  parser = json_parser_new_immutable ();
  if (!g_utf8_validate (text, length, NULL) ||
      !json_parser_load_from_data (parser, text, length, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      send_error (bridge, 0, "invalid", _("The request is not a JSON object."));
      return;
    }

  root = json_node_ref (json_parser_get_root (parser));
  params = json_node_get_object (root);
  node = json_object_get_member (params, "id");
  if (!node_is_integer (node) || json_node_get_int (node) <= 0)
    {
      json_node_wipe (root);
      json_node_unref (root);
      send_error (bridge, 0, "invalid", _("The request has no positive integer “id”."));
      return;
    }
  id = json_node_get_int (node);

  request = g_new0 (Request, 1);
  request->bridge = bridge;
  request->id = id;
  request->root = root;
  request->params = params;

  if (g_hash_table_contains (bridge->running, &id))
    {
      request_fail_invalid (request, _("Another request with this “id” is still running."));
      return;
    }

  node = json_object_get_member (params, "op");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING)
    op = json_node_get_string (node);
  for (gsize i = 0; op != NULL && i < G_N_ELEMENTS (operations); i++)
    if (g_str_equal (operations[i].name, op))
      operation = &operations[i];

  if (operation == NULL)
    {
      request_fail_invalid (request, _("The request has no known “op”."));
      return;
    }

  if (operation->cancellable)
    request->cancellable = g_cancellable_new ();
  g_hash_table_insert (bridge->running, &request->id, request);
  request->registered = TRUE;

  operation->run (request);
}

/* --- the loop --- */

/* stdin ended: nobody will unlock, answer or wait any more. */
static void
bridge_shut_down (Bridge *bridge)
{
  g_autoptr(GList) requests = NULL;

  bridge->input_closed = TRUE;
  g_hash_table_remove_all (bridge->locks);
  withdraw_prompts (bridge, 0);

  requests = g_hash_table_get_values (bridge->running);
  for (GList *l = requests; l != NULL; l = l->next)
    {
      Request *request = l->data;

      if (request->cancellable != NULL)
        g_cancellable_cancel (request->cancellable);
    }

  bridge_check_done (bridge);
}

static void
bridge_check_done (Bridge *bridge)
{
  if (bridge->input_closed && g_hash_table_size (bridge->running) == 0)
    g_main_loop_quit (bridge->loop);
}

static void read_next_line (Bridge *bridge);

static void
on_line_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Bridge *bridge = user_data;
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  char *line;

  line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, &length,
                                               &error);
  if (line == NULL)
    {
      if (error != NULL)
        g_debug ("Reading standard input failed: %s", error->message);
      bridge_shut_down (bridge);
      return;
    }

  /* Blank lines are no requests. */
  g_strchomp (line);
  if (*g_strchug (line) != '\0')
    handle_line (bridge, line, strlen (line));
  memset (line, 0, length);
  g_free (line);

  if (!bridge->input_closed)
    read_next_line (bridge);
}

static void
read_next_line (Bridge *bridge)
{
  g_data_input_stream_read_line_async (bridge->input, G_PRIORITY_DEFAULT,
                                       bridge->input_cancellable, on_line_read, bridge);
}

int
cli_cmd_bridge (const CliCommand  *command,
                int                argc,
                char             **argv)
{
  g_autoptr(GOptionContext) context = cli_option_context_new (command, NULL, NULL);
  g_autoptr(GInputStream) input = NULL;
  g_autoptr(GError) error = NULL;
  Bridge bridge = { NULL };

  g_option_context_set_description (context,
                                    N_("Made for pi's extension, which starts one per pi "
                                       "process: it answers JSON requests, one per line on "
                                       "standard input, with one JSON line each on standard "
                                       "output (the credentials of the backend, locks, logins), "
                                       "until standard input ends. It never prompts on the "
                                       "terminal."));
  if (!cli_option_context_parse (context, &argc, &argv) ||
      !cli_check_arguments (argc, 0, 0))
    return CLI_EXIT_USAGE;

  /* A client that went away is a failed write, not a signal. */
  signal (SIGPIPE, SIG_IGN);

  /* Not cli_open_backend (): even with --interactive, nothing prompts. */
  bridge.backend = pi_keyring_backend_new_for_name (cli_options.backend, &error);
  if (bridge.backend == NULL)
    return cli_report_error (error);
  bridge.store = cli_open_store (bridge.backend);

  input = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  bridge.input = g_data_input_stream_new (input);
  g_data_input_stream_set_newline_type (bridge.input, G_DATA_STREAM_NEWLINE_TYPE_LF);
  bridge.output = g_unix_output_stream_new (STDOUT_FILENO, FALSE);
  bridge.input_cancellable = g_cancellable_new ();
  bridge.running = g_hash_table_new (g_int64_hash, g_int64_equal);
  bridge.locks = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                        (GDestroyNotify) held_lock_free);
  bridge.expired = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  bridge.prompts = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                          (GDestroyNotify) prompt_free);
  bridge.loop = g_main_loop_new (NULL, FALSE);

  read_next_line (&bridge);
  g_main_loop_run (bridge.loop);

  g_main_loop_unref (bridge.loop);
  g_hash_table_unref (bridge.prompts);
  g_hash_table_unref (bridge.expired);
  g_hash_table_unref (bridge.locks);
  g_hash_table_unref (bridge.running);
  g_object_unref (bridge.input_cancellable);
  g_object_unref (bridge.output);
  g_object_unref (bridge.input);
  g_object_unref (bridge.store);
  g_object_unref (bridge.backend);

  return CLI_EXIT_OK;
}
