/* cli-bridge-channel.c: the JSON lines of `pi-keyring bridge` and its
 * requests
 *
 * One JSON object per line on stdin (docs/pi-bridge.md), read with GIO on
 * the main loop; each line, once it is a request with an `id` and a known
 * `op`, runs its operation, and stays among the running requests until it
 * answers. Replies and events go to stdout, each line written at once and
 * wiped. The end of stdin tells the owner, cancels the running requests,
 * and ends the loop once every request has answered.
 *
 * It knows the protocol's lines, ids, error codes and the checks of the
 * common members; what an operation does, and the state of the command
 * (store, locks, prompts), is the owner's.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "cli-bridge-channel.h"

/* A longer request line is refused. */
#define MAX_LINE_BYTES (1024 * 1024)

struct _CliBridgeChannel
{
  const CliBridgeOperation *operations;
  gsize                     n_operations;
  CliBridgeClosed           closed;
  gpointer                  owner;

  GMainLoop                *loop;
  GDataInputStream         *input;
  GOutputStream            *output;
  GCancellable             *input_cancellable;

  GHashTable               *running;   /* &request->id → request: not yet answered */
  gboolean                  input_closed;
  gboolean                  output_failed;
};

static void channel_check_done (CliBridgeChannel *self);

/* --- output --- */

void
cli_bridge_line_append_string (GString    *line,
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

void
cli_bridge_line_add_string (GString    *line,
                            const char *name,
                            const char *value)
{
  g_string_append_printf (line, ",\"%s\":", name);
  cli_bridge_line_append_string (line, value);
}

void
cli_bridge_line_add_raw (GString    *line,
                         const char *name,
                         const char *json)
{
  g_string_append_printf (line, ",\"%s\":%s", name, json != NULL ? json : "null");
}

void
cli_bridge_line_add_int (GString    *line,
                         const char *name,
                         gint64      value)
{
  g_string_append_printf (line, ",\"%s\":%" G_GINT64_FORMAT, name, value);
}

GString *
cli_bridge_line_new_reply (gint64 id)
{
  GString *line = g_string_new (NULL);

  g_string_append_printf (line, "{\"id\":%" G_GINT64_FORMAT ",\"ok\":true", id);
  return line;
}

GString *
cli_bridge_line_new_event (gint64      id,
                           const char *event)
{
  GString *line = g_string_new (NULL);

  g_string_append_printf (line, "{\"id\":%" G_GINT64_FORMAT ",\"event\":\"%s\"", id, event);
  return line;
}

void
cli_bridge_channel_send (CliBridgeChannel *self,
                         GString          *line)
{
  g_autoptr(GError) error = NULL;

  g_string_append (line, "}\n");
  if (!self->output_failed &&
      !g_output_stream_write_all (self->output, line->str, line->len, NULL, NULL, &error))
    {
      /* The client is gone: nothing more can be said. */
      g_debug ("Writing to standard output failed: %s", error->message);
      self->output_failed = TRUE;
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

void
cli_bridge_channel_send_error (CliBridgeChannel *self,
                               gint64            id,
                               const char       *code,
                               const char       *message)
{
  GString *line = g_string_new (NULL);

  g_string_append_printf (line, "{\"id\":%" G_GINT64_FORMAT ",\"ok\":false,\"error\":{\"code\":",
                          id);
  cli_bridge_line_append_string (line, code);
  g_string_append (line, ",\"message\":");
  cli_bridge_line_append_string (line, message);
  g_string_append_c (line, '}');
  cli_bridge_channel_send (self, line);
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
request_free (CliBridgeRequest *request)
{
  if (request->registered)
    g_hash_table_remove (request->channel->running, &request->id);
  if (request->data_free != NULL)
    g_clear_pointer (&request->data, request->data_free);
  g_clear_object (&request->cancellable);
  if (request->root != NULL)
    {
      json_node_wipe (request->root);
      json_node_unref (request->root);
    }
  g_free (request);
}

void
cli_bridge_request_reply (CliBridgeRequest *request,
                          GString          *line)
{
  CliBridgeChannel *channel = request->channel;

  cli_bridge_channel_send (channel, line);
  request_free (request);
  channel_check_done (channel);
}

void
cli_bridge_request_ok (CliBridgeRequest *request)
{
  cli_bridge_request_reply (request, cli_bridge_line_new_reply (request->id));
}

void
cli_bridge_request_fail_code (CliBridgeRequest *request,
                              const char       *code,
                              const char       *message)
{
  CliBridgeChannel *channel = request->channel;

  cli_bridge_channel_send_error (channel, request->id, code, message);
  request_free (request);
  channel_check_done (channel);
}

void
cli_bridge_request_fail (CliBridgeRequest *request,
                         const GError     *error)
{
  cli_bridge_request_fail_code (request, code_for_error (error), error->message);
}

void
cli_bridge_request_fail_invalid (CliBridgeRequest *request,
                                 const char       *message)
{
  cli_bridge_request_fail_code (request, "invalid", message);
}

void
cli_bridge_request_set_data (CliBridgeRequest *request,
                             gpointer          data,
                             GDestroyNotify    data_free)
{
  if (request->data_free != NULL)
    g_clear_pointer (&request->data, request->data_free);
  request->data = data;
  request->data_free = data_free;
}

gpointer
cli_bridge_request_steal_data (CliBridgeRequest *request)
{
  request->data_free = NULL;
  return g_steal_pointer (&request->data);
}

static gboolean
node_is_integer (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_INT64;
}

gint64
cli_bridge_request_get_positive (CliBridgeRequest *request,
                                 const char       *name)
{
  JsonNode *node = json_object_get_member (request->params, name);

  if (!node_is_integer (node) || json_node_get_int (node) <= 0)
    return 0;

  return json_node_get_int (node);
}

gboolean
cli_bridge_request_member_has_type (CliBridgeRequest *request,
                                    const char       *name,
                                    GType             type)
{
  JsonNode *node = json_object_get_member (request->params, name);

  return node == NULL || JSON_NODE_HOLDS_NULL (node) ||
         (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type);
}

gboolean
cli_bridge_request_take_provider (CliBridgeRequest *request)
{
  JsonNode *node = json_object_get_member (request->params, "provider");

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING ||
      !pi_keyring_is_valid_id (json_node_get_string (node)))
    {
      cli_bridge_request_fail_invalid (request, _("The request has no valid “provider”."));
      return FALSE;
    }

  request->provider = json_node_get_string (node);
  return TRUE;
}

gboolean
cli_bridge_request_take_min_validity (CliBridgeRequest *request)
{
  JsonNode *node = json_object_get_member (request->params, "min_validity_ms");

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!node_is_integer (node) || json_node_get_int (node) < 0)
    {
      g_autofree char *message = g_strdup_printf (_("“%s” must be a non-negative integer."),
                                                  "min_validity_ms");

      cli_bridge_request_fail_invalid (request, message);
      return FALSE;
    }

  request->min_validity_ms = json_node_get_int (node);
  return TRUE;
}

/* --- dispatch --- */

static void
handle_line (CliBridgeChannel *self,
             const char       *text,
             gsize             length)
{
  g_autoptr(JsonParser) parser = NULL;
  const CliBridgeOperation *operation = NULL;
  JsonNode *root, *node;
  JsonObject *params;
  const char *op = NULL;
  CliBridgeRequest *request;
  gint64 id;

  if (length > MAX_LINE_BYTES)
    {
      cli_bridge_channel_send_error (self, 0, "invalid", _("The request is longer than 1 MiB."));
      return;
    }

  parser = json_parser_new_immutable ();
  if (!g_utf8_validate (text, length, NULL) ||
      !json_parser_load_from_data (parser, text, length, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      cli_bridge_channel_send_error (self, 0, "invalid", _("The request is not a JSON object."));
      return;
    }

  root = json_node_ref (json_parser_get_root (parser));
  params = json_node_get_object (root);
  node = json_object_get_member (params, "id");
  if (!node_is_integer (node) || json_node_get_int (node) <= 0)
    {
      json_node_wipe (root);
      json_node_unref (root);
      cli_bridge_channel_send_error (self, 0, "invalid",
                                     _("The request has no positive integer “id”."));
      return;
    }
  id = json_node_get_int (node);

  request = g_new0 (CliBridgeRequest, 1);
  request->channel = self;
  request->owner = self->owner;
  request->id = id;
  request->root = root;
  request->params = params;

  if (g_hash_table_contains (self->running, &id))
    {
      cli_bridge_request_fail_invalid (request,
                                       _("Another request with this “id” is still running."));
      return;
    }

  node = json_object_get_member (params, "op");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING)
    op = json_node_get_string (node);
  for (gsize i = 0; op != NULL && i < self->n_operations; i++)
    if (g_str_equal (self->operations[i].name, op))
      operation = &self->operations[i];

  if (operation == NULL)
    {
      cli_bridge_request_fail_invalid (request, _("The request has no known “op”."));
      return;
    }

  if (operation->cancellable)
    request->cancellable = g_cancellable_new ();
  g_hash_table_insert (self->running, &request->id, request);
  request->registered = TRUE;

  operation->run (request);
}

/* --- the loop --- */

/* stdin ended: nobody will unlock, answer or wait any more. */
static void
channel_shut_down (CliBridgeChannel *self)
{
  g_autoptr(GList) requests = NULL;

  self->input_closed = TRUE;
  self->closed (self->owner);

  requests = g_hash_table_get_values (self->running);
  for (GList *l = requests; l != NULL; l = l->next)
    {
      CliBridgeRequest *request = l->data;

      if (request->cancellable != NULL)
        g_cancellable_cancel (request->cancellable);
    }

  channel_check_done (self);
}

static void
channel_check_done (CliBridgeChannel *self)
{
  if (self->input_closed && g_hash_table_size (self->running) == 0)
    g_main_loop_quit (self->loop);
}

static void read_next_line (CliBridgeChannel *self);

static void
on_line_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  CliBridgeChannel *self = user_data;
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  char *line;

  line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, &length,
                                               &error);
  if (line == NULL)
    {
      if (error != NULL)
        g_debug ("Reading standard input failed: %s", error->message);
      channel_shut_down (self);
      return;
    }

  /* Blank lines are no requests. */
  g_strchomp (line);
  if (*g_strchug (line) != '\0')
    handle_line (self, line, strlen (line));
  memset (line, 0, length);
  g_free (line);

  if (!self->input_closed)
    read_next_line (self);
}

static void
read_next_line (CliBridgeChannel *self)
{
  g_data_input_stream_read_line_async (self->input, G_PRIORITY_DEFAULT,
                                       self->input_cancellable, on_line_read, self);
}

CliBridgeChannel *
cli_bridge_channel_new (const CliBridgeOperation *operations,
                        gsize                     n_operations,
                        CliBridgeClosed           closed,
                        gpointer                  owner)
{
  CliBridgeChannel *self = g_new0 (CliBridgeChannel, 1);
  g_autoptr(GInputStream) input = g_unix_input_stream_new (STDIN_FILENO, FALSE);

  self->operations = operations;
  self->n_operations = n_operations;
  self->closed = closed;
  self->owner = owner;

  self->input = g_data_input_stream_new (input);
  g_data_input_stream_set_newline_type (self->input, G_DATA_STREAM_NEWLINE_TYPE_LF);
  self->output = g_unix_output_stream_new (STDOUT_FILENO, FALSE);
  self->input_cancellable = g_cancellable_new ();
  self->running = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->loop = g_main_loop_new (NULL, FALSE);

  return self;
}

void
cli_bridge_channel_free (CliBridgeChannel *self)
{
  g_main_loop_unref (self->loop);
  g_hash_table_unref (self->running);
  g_object_unref (self->input_cancellable);
  g_object_unref (self->output);
  g_object_unref (self->input);
  g_free (self);
}

void
cli_bridge_channel_run (CliBridgeChannel *self)
{
  read_next_line (self);
  g_main_loop_run (self->loop);
}

gboolean
cli_bridge_channel_is_closed (CliBridgeChannel *self)
{
  return self->input_closed;
}

CliBridgeRequest *
cli_bridge_channel_lookup (CliBridgeChannel *self,
                           gint64            id)
{
  return g_hash_table_lookup (self->running, &id);
}
