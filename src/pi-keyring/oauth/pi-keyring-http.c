/* pi-keyring-http.c: the token-endpoint client over libsoup 3
 *
 * PiKeyringHttpClient sends one request at a time per call, each bounded
 * by a time limit (30 s) that covers connecting, sending and reading the
 * answer. URLs are rewritten (PI_KEYRING_URL_REWRITE) and must be https,
 * or http on loopback. Redirects are not followed. Answers are read up to
 * PI_KEYRING_HTTP_MAX_BODY_SIZE and parsed as JSON; the bodies are wiped
 * after parsing because they hold tokens.
 *
 * The error mapping (DESIGN §5) lives in _pi_keyring_http_response_check().
 * Messages name the URL without its query, the HTTP status and the OAuth
 * `error` code; never a body, a token or a code. Debug logs show the
 * method, that URL and the status only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "oauth/pi-keyring-oauth-private.h"

#include <math.h>  /* isfinite, NAN: macros, no libm */
#include <string.h>

#include "net/pi-keyring-net.h"

#define READ_CHUNK 16384

/* --- requests --- */

struct _PiKeyringHttpRequest
{
  char      *method;
  char      *url;
  GPtrArray *headers;    /* name, value, name, value … */
  GPtrArray *form;       /* name, value … (values are secrets) */
  char      *json_body;  /* a secret */
};

PiKeyringHttpRequest *
_pi_keyring_http_request_new (const char *method,
                              const char *url)
{
  PiKeyringHttpRequest *request;

  g_return_val_if_fail (method != NULL, NULL);
  g_return_val_if_fail (url != NULL, NULL);

  request = g_new0 (PiKeyringHttpRequest, 1);
  request->method = g_strdup (method);
  request->url = g_strdup (url);
  request->headers = g_ptr_array_new_with_free_func (g_free);
  request->form = g_ptr_array_new_with_free_func ((GDestroyNotify) _pi_keyring_secret_free);

  return request;
}

void
_pi_keyring_http_request_free (PiKeyringHttpRequest *request)
{
  if (request == NULL)
    return;

  g_free (request->method);
  g_free (request->url);
  g_ptr_array_unref (request->headers);
  g_ptr_array_unref (request->form);
  _pi_keyring_secret_free (request->json_body);
  g_free (request);
}

void
_pi_keyring_http_request_add_header (PiKeyringHttpRequest *request,
                                     const char           *name,
                                     const char           *value)
{
  g_return_if_fail (request != NULL);
  g_return_if_fail (name != NULL && value != NULL);

  g_ptr_array_add (request->headers, g_strdup (name));
  g_ptr_array_add (request->headers, g_strdup (value));
}

void
_pi_keyring_http_request_add_form_field (PiKeyringHttpRequest *request,
                                         const char           *name,
                                         const char           *value)
{
  g_return_if_fail (request != NULL);
  g_return_if_fail (name != NULL && value != NULL);
  g_return_if_fail (request->json_body == NULL);

  g_ptr_array_add (request->form, g_strdup (name));
  g_ptr_array_add (request->form, g_strdup (value));
}

void
_pi_keyring_http_request_set_json_body (PiKeyringHttpRequest *request,
                                        JsonObject           *body)
{
  g_return_if_fail (request != NULL);
  g_return_if_fail (body != NULL);
  g_return_if_fail (request->form->len == 0);

  _pi_keyring_secret_free (request->json_body);
  request->json_body = _pi_keyring_json_object_stringify (body, 0);
}

void
_pi_keyring_form_encode_append (GString    *out,
                                const char *value)
{
  static const char hex[] = "0123456789ABCDEF";

  for (const guchar *p = (const guchar *) value; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '*' || *p == '-' || *p == '.' || *p == '_')
        g_string_append_c (out, (char) *p);
      else if (*p == ' ')
        g_string_append_c (out, '+');
      else
        {
          g_string_append_c (out, '%');
          g_string_append_c (out, hex[*p >> 4]);
          g_string_append_c (out, hex[*p & 0xf]);
        }
    }
}

static void
wipe_and_free (gpointer data)
{
  GString *text = data;

  explicit_bzero (text->str, text->allocated_len);
  g_string_free (text, TRUE);
}

/* The body as GBytes that wipe their memory when released. */
static GBytes *
request_dup_body (PiKeyringHttpRequest *request,
                  const char          **out_content_type)
{
  GString *text = g_string_new (NULL);

  if (request->json_body != NULL)
    {
      g_string_append (text, request->json_body);
      *out_content_type = "application/json";
    }
  else
    {
      for (guint i = 0; i + 1 < request->form->len; i += 2)
        {
          if (i > 0)
            g_string_append_c (text, '&');
          _pi_keyring_form_encode_append (text, g_ptr_array_index (request->form, i));
          g_string_append_c (text, '=');
          _pi_keyring_form_encode_append (text, g_ptr_array_index (request->form, i + 1));
        }
      *out_content_type = "application/x-www-form-urlencoded";
    }

  return g_bytes_new_with_free_func (text->str, text->len, wipe_and_free, text);
}

/* --- responses --- */

void
_pi_keyring_http_response_free (PiKeyringHttpResponse *response)
{
  if (response == NULL)
    return;

  g_free (response->url);
  if (response->object != NULL)
    {
      _pi_keyring_json_object_wipe (response->object);
      json_object_unref (response->object);
    }
  g_free (response->oauth_error);
  g_free (response->oauth_error_description);
  g_free (response);
}

void
_pi_keyring_token_response_free (PiKeyringTokenResponse *response)
{
  if (response == NULL)
    return;

  _pi_keyring_secret_free (response->access_token);
  _pi_keyring_secret_free (response->refresh_token);
  if (response->object != NULL)
    {
      _pi_keyring_json_object_wipe (response->object);
      json_object_unref (response->object);
    }
  g_free (response);
}

gint64
_pi_keyring_parse_retry_after (const char *value,
                               gint64      now_ms)
{
  g_autofree char *text = NULL;
  g_autoptr(GDateTime) date = NULL;
  const PiKeyringNet *net;
  gint64 delta;

  if (value == NULL)
    return -1;

  text = g_strstrip (g_strdup (value));
  if (*text == '\0')
    return -1;

  if (strspn (text, "0123456789") == strlen (text))
    {
      guint64 seconds;

      /* More than a year is as good as "much later". */
      if (strlen (text) > 9)
        return G_GINT64_CONSTANT (365) * 24 * 3600 * 1000;
      seconds = g_ascii_strtoull (text, NULL, 10);
      return (gint64) MIN (seconds, (guint64) 365 * 24 * 3600) * 1000;
    }

  net = _pi_keyring_net_get (NULL);  /* loaded: the answer came through it */
  if (net == NULL)
    return -1;
  date = net->soup_date_time_new_from_http_string (text);
  if (date == NULL)
    return -1;

  delta = g_date_time_to_unix (date) * 1000 + g_date_time_get_microsecond (date) / 1000 - now_ms;
  return MAX (delta, 0);
}

char *
_pi_keyring_format_approximate_duration (gint64 milliseconds)
{
  gint64 seconds = MAX ((milliseconds + 500) / 1000, 1);
  gint64 minutes, hours, days;

  if (seconds < 60)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "about %d second", "about %d seconds",
                                         (gulong) seconds), (int) seconds);

  minutes = (seconds + 30) / 60;
  if (minutes < 60)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "about %d minute", "about %d minutes",
                                         (gulong) minutes), (int) minutes);

  hours = (minutes + 30) / 60;
  if (hours < 48)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "about %d hour", "about %d hours",
                                         (gulong) hours), (int) hours);

  days = MIN ((hours + 12) / 24, G_MAXINT);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "about %d day", "about %d days",
                                       (gulong) days), (int) days);
}

/* The OAuth `error` value is shown only when it looks like one (RFC 6749
 * §5.2: printable ASCII without '"' and '\\'), so a server cannot put
 * arbitrary text or terminal escapes in our messages. */
static gboolean
is_printable_error_code (const char *code)
{
  gsize length;

  if (code == NULL)
    return FALSE;

  length = strlen (code);
  if (length == 0 || length > 64)
    return FALSE;

  for (const char *p = code; *p != '\0'; p++)
    if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\')
      return FALSE;

  return TRUE;
}

/* "HTTP 400, invalid_grant" or "HTTP 400". */
static char *
describe_status (const PiKeyringHttpResponse *response)
{
  if (is_printable_error_code (response->oauth_error))
    return g_strdup_printf ("HTTP %u, %s", response->status, response->oauth_error);

  return g_strdup_printf ("HTTP %u", response->status);
}

gboolean
_pi_keyring_http_response_check (const PiKeyringHttpResponse *response,
                                 GError                     **error)
{
  g_autofree char *status = NULL;
  guint code;

  g_return_val_if_fail (response != NULL, FALSE);

  code = response->status;
  status = describe_status (response);

  if (code >= 200 && code < 300)
    {
      if (response->object != NULL)
        return TRUE;

      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY,
                   _("The server at %s gave an answer that is not a JSON object (%s). "
                     "Try again later."), response->url, status);
      return FALSE;
    }

  if (code == 429)
    {
      if (response->retry_after_ms >= 0)
        {
          g_autofree char *when = _pi_keyring_format_approximate_duration (response->retry_after_ms);

          g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_RATE_LIMITED,
                       _("The server at %s is limiting requests (%s). Try again in %s."),
                       response->url, status, when);
        }
      else
        g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_RATE_LIMITED,
                     _("The server at %s is limiting requests (%s). Try again later."),
                     response->url, status);
      return FALSE;
    }

  if (code == 400 || code == 401)
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED,
                   _("The server at %s refused the request (%s). Log in again."),
                   response->url, status);
      return FALSE;
    }

  if (code == 408 || (code >= 500 && code < 600))
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY,
                   _("The server at %s had a temporary failure (%s). Try again later."),
                   response->url, status);
      return FALSE;
    }

  g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
               _("The server at %s gave an unexpected answer (%s)."), response->url, status);
  return FALSE;
}

static char *
dup_string_member (JsonObject *object,
                   const char *name)
{
  return g_strdup (_pi_keyring_json_get_string (object, name));
}

PiKeyringTokenResponse *
_pi_keyring_token_response_new_from_http (const PiKeyringHttpResponse *response,
                                          GError                     **error)
{
  PiKeyringTokenResponse *token;
  g_autoptr(JsonNode) wrapper = NULL;
  g_autoptr(JsonNode) copy = NULL;
  JsonNode *node;
  char *access;

  g_return_val_if_fail (response != NULL, NULL);

  if (!_pi_keyring_http_response_check (response, error))
    return NULL;

  access = dup_string_member (response->object, "access_token");
  if (access == NULL || *access == '\0')
    {
      g_free (access);
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("The server at %s answered without an access token."), response->url);
      return NULL;
    }

  token = g_new0 (PiKeyringTokenResponse, 1);
  token->access_token = access;
  token->refresh_token = dup_string_member (response->object, "refresh_token");
  token->expires_in_ms = -1;
  /* A copy of its own: the response's object is wiped when it is freed. */
  wrapper = json_node_init_object (json_node_alloc (), response->object);
  copy = _pi_keyring_json_node_deep_copy (wrapper);
  token->object = json_node_dup_object (copy);

  node = json_object_get_member (response->object, "expires_in");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node))
    {
      GType type = json_node_get_value_type (node);
      double seconds = NAN;

      if (type == G_TYPE_INT64)
        seconds = (double) json_node_get_int (node);
      else if (type == G_TYPE_DOUBLE)
        seconds = json_node_get_double (node);

      /* Rounded to the millisecond without libm; negative counts as 0. */
      if (isfinite (seconds) && seconds < 1e12)
        token->expires_in_ms = seconds > 0 ? (gint64) (seconds * 1000.0 + 0.5) : 0;
    }

  return token;
}

/* --- the client --- */

/**
 * PiKeyringHttpClient:
 *
 * Sends requests to OAuth endpoints and maps their answers (private).
 */
struct _PiKeyringHttpClient
{
  GObject      parent_instance;

  const PiKeyringNet *net;      /* NULL until the first request */
  SoupSession        *session;  /* made with the first request */
  guint               timeout_ms;
};

G_DEFINE_FINAL_TYPE (PiKeyringHttpClient, _pi_keyring_http_client, G_TYPE_OBJECT)

static void
_pi_keyring_http_client_finalize (GObject *object)
{
  PiKeyringHttpClient *self = PI_KEYRING_HTTP_CLIENT (object);

  g_clear_object (&self->session);

  G_OBJECT_CLASS (_pi_keyring_http_client_parent_class)->finalize (object);
}

static void
_pi_keyring_http_client_class_init (PiKeyringHttpClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = _pi_keyring_http_client_finalize;
}

static void
_pi_keyring_http_client_init (PiKeyringHttpClient *self)
{
  self->timeout_ms = PI_KEYRING_HTTP_DEFAULT_TIMEOUT_MS;
}

PiKeyringHttpClient *
_pi_keyring_http_client_new (void)
{
  return g_object_new (PI_KEYRING_TYPE_HTTP_CLIENT, NULL);
}

void
_pi_keyring_http_client_set_timeout_ms (PiKeyringHttpClient *self,
                                        guint                timeout_ms)
{
  g_return_if_fail (PI_KEYRING_IS_HTTP_CLIENT (self));
  g_return_if_fail (timeout_ms > 0);

  self->timeout_ms = timeout_ms;
}

guint
_pi_keyring_http_client_get_timeout_ms (PiKeyringHttpClient *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_HTTP_CLIENT (self), 0);

  return self->timeout_ms;
}

typedef struct
{
  const PiKeyringNet *net;
  SoupMessage  *message;
  char         *method;
  char         *display_url;
  GCancellable *cancellable;         /* ours: cancelled on time-out or by the caller's */
  GCancellable *caller_cancellable;
  gulong        cancelled_id;
  GSource      *timeout_source;
  gboolean      timed_out;
  guint         timeout_ms;
  GInputStream *stream;
  GByteArray   *body;
  gboolean      too_large;
} SendData;

static void
send_data_free (gpointer data)
{
  SendData *send = data;

  if (send->timeout_source != NULL)
    {
      g_source_destroy (send->timeout_source);
      g_source_unref (send->timeout_source);
    }
  if (send->caller_cancellable != NULL)
    g_cancellable_disconnect (send->caller_cancellable, send->cancelled_id);
  g_clear_object (&send->caller_cancellable);
  g_clear_object (&send->cancellable);
  g_clear_object (&send->stream);
  g_clear_object (&send->message);
  if (send->body != NULL)
    {
      explicit_bzero (send->body->data, send->body->len);
      g_byte_array_unref (send->body);
    }
  g_free (send->method);
  g_free (send->display_url);
  g_free (send);
}

static gboolean
on_timeout (gpointer user_data)
{
  GTask *task = user_data;
  SendData *send = g_task_get_task_data (task);

  send->timed_out = TRUE;
  g_cancellable_cancel (send->cancellable);

  return G_SOURCE_REMOVE;
}

static void
on_caller_cancelled (GCancellable *caller,
                     gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static char *
describe_timeout (guint timeout_ms)
{
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u second", "%u seconds",
                                       (timeout_ms + 999) / 1000),
                          (timeout_ms + 999) / 1000);
}

/* A transport failure: time-out, network, TLS, or the caller cancelled. */
static void
return_transport_error (GTask  *task,
                        GError *error)
{
  SendData *send = g_task_get_task_data (task);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && send->timed_out)
    {
      g_autofree char *limit = describe_timeout (send->timeout_ms);

      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY,
                               _("The server at %s did not answer within %s. Try again later."),
                               send->display_url, limit);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, g_error_copy (error));
  else if (error->domain == G_TLS_ERROR)
    g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                             _("The secure connection to %s failed: %s"),
                             send->display_url, error->message);
  else
    g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY,
                             _("Could not reach %s: %s"), send->display_url, error->message);
}

/* json-glib's parser recurses once per nesting level: a body of a few
 * hundred thousand '[' would exhaust the stack. Counting every opening
 * bracket, in strings too, bounds the depth whatever its lexer makes of
 * the rest; no answer we use comes near the limit. */
#define MAX_JSON_BRACKETS 2048

gboolean
_pi_keyring_json_text_is_shallow (const char *data,
                                  gsize       length)
{
  gsize brackets = 0;

  for (gsize i = 0; i < length; i++)
    if ((data[i] == '[' || data[i] == '{') && ++brackets > MAX_JSON_BRACKETS)
      return FALSE;

  return TRUE;
}

PiKeyringHttpResponse *
_pi_keyring_http_response_new (guint       status,
                               const char *url,
                               const char *content_type,
                               const char *retry_after,
                               gint64      now_ms,
                               gboolean    too_large,
                               const char *data,
                               gsize       length)
{
  PiKeyringHttpResponse *response;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  response = g_new0 (PiKeyringHttpResponse, 1);
  response->status = status;
  response->url = g_strdup (url);
  response->too_large = too_large;
  response->retry_after_ms = _pi_keyring_parse_retry_after (retry_after, now_ms);

  if (content_type != NULL && g_ascii_strcasecmp (content_type, "text/html") == 0)
    response->is_html = TRUE;
  else
    {
      gsize skip = 0;

      while (skip < length && g_ascii_isspace (data[skip]))
        skip++;
      response->is_html = skip < length && data[skip] == '<';
    }

  if (!too_large && !response->is_html && length > 0 &&
      _pi_keyring_json_text_is_shallow (data, length))
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      if (json_parser_load_from_data (parser, data, length, NULL))
        {
          JsonNode *root = json_parser_get_root (parser);

          response->is_json = TRUE;
          if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
            {
              response->object = json_node_dup_object (root);
              response->oauth_error = dup_string_member (response->object, "error");
              response->oauth_error_description =
                dup_string_member (response->object, "error_description");
            }
        }
    }

  return response;
}

static PiKeyringHttpResponse *
build_response (SendData *send)
{
  const PiKeyringNet *net = send->net;
  SoupMessageHeaders *headers = net->soup_message_get_response_headers (send->message);

  return _pi_keyring_http_response_new (net->soup_message_get_status (send->message),
                                        send->display_url,
                                        net->soup_message_headers_get_content_type (headers, NULL),
                                        net->soup_message_headers_get_one (headers, "Retry-After"),
                                        _pi_keyring_now_ms (),
                                        send->too_large,
                                        (const char *) send->body->data,
                                        send->body->len);
}

static void read_next_chunk (GTask *task);

static void
on_chunk_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SendData *send = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = NULL;
  PiKeyringHttpResponse *response;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (chunk == NULL)
    {
      return_transport_error (task, error);
      return;
    }

  if (g_bytes_get_size (chunk) > 0)
    {
      gsize size;
      gconstpointer data = g_bytes_get_data (chunk, &size);

      if (send->body->len + size > PI_KEYRING_HTTP_MAX_BODY_SIZE)
        send->too_large = TRUE;
      else
        {
          g_byte_array_append (send->body, data, size);
          read_next_chunk (g_steal_pointer (&task));
          return;
        }
    }

  if (send->too_large)
    g_cancellable_cancel (send->cancellable);  /* drop the rest; never block reading it */
  else
    g_input_stream_close (send->stream, NULL, NULL);  /* at EOF: does not block */
  response = build_response (send);
  g_debug ("HTTP %s %s: %u", send->method, send->display_url, response->status);
  g_task_return_pointer (task, response, (GDestroyNotify) _pi_keyring_http_response_free);
}

static void
read_next_chunk (GTask *task)
{
  SendData *send = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (send->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   send->cancellable, on_chunk_read, task);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SendData *send = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  send->stream = send->net->soup_session_send_finish ((SoupSession *) source, result, &error);
  if (send->stream == NULL)
    {
      g_debug ("HTTP %s %s: %s", send->method, send->display_url, error->message);
      return_transport_error (task, error);
      return;
    }

  send->body = g_byte_array_new ();
  read_next_chunk (g_steal_pointer (&task));
}

void
_pi_keyring_http_client_send_async (PiKeyringHttpClient  *self,
                                    PiKeyringHttpRequest *request,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  SoupMessageHeaders *headers;
  SendData *send;

  g_return_if_fail (PI_KEYRING_IS_HTTP_CLIENT (self));
  g_return_if_fail (request != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, _pi_keyring_http_client_send_async);

  if (self->net == NULL)
    {
      self->net = _pi_keyring_net_get (&error);
      if (self->net == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      /* Our own timer bounds each request; the session's own timeouts
       * are only a backstop. No session user-agent: it would replace the
       * one a provider sets on a request. */
      self->session = self->net->soup_session_new ();
    }

  url = _pi_keyring_url_rewrite (request->url);
  if (!_pi_keyring_url_check_allowed (url, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  send = g_new0 (SendData, 1);
  send->net = self->net;
  send->method = g_strdup (request->method);
  send->display_url = _pi_keyring_url_for_display (url);
  send->timeout_ms = self->timeout_ms;
  send->cancellable = g_cancellable_new ();
  g_task_set_task_data (task, send, send_data_free);

  send->message = self->net->soup_message_new (request->method, url);
  if (send->message == NULL)
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT,
                               _("“%s” is not a valid URL."), send->display_url);
      return;
    }
  self->net->soup_message_add_flags (send->message, SOUP_MESSAGE_NO_REDIRECT);

  headers = self->net->soup_message_get_request_headers (send->message);
  self->net->soup_message_headers_replace (headers, "Accept", "application/json");
  self->net->soup_message_headers_replace (headers, "User-Agent", "pi-keyring/" PACKAGE_VERSION);
  for (guint i = 0; i + 1 < request->headers->len; i += 2)
    self->net->soup_message_headers_replace (headers, g_ptr_array_index (request->headers, i),
                                  g_ptr_array_index (request->headers, i + 1));

  if (request->json_body != NULL || request->form->len > 0)
    {
      const char *content_type = NULL;
      g_autoptr(GBytes) body = request_dup_body (request, &content_type);

      self->net->soup_message_set_request_body_from_bytes (send->message, content_type, body);
    }

  if (cancellable != NULL)
    {
      send->caller_cancellable = g_object_ref (cancellable);
      send->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled),
                                                  g_object_ref (send->cancellable),
                                                  g_object_unref);
    }

  send->timeout_source = g_timeout_source_new (send->timeout_ms);
  g_source_set_name (send->timeout_source, "[pi-keyring] HTTP time-out");
  g_task_attach_source (task, send->timeout_source, on_timeout);

  self->net->soup_session_send_async (self->session, send->message, G_PRIORITY_DEFAULT, send->cancellable,
                           on_sent, g_steal_pointer (&task));
}

PiKeyringHttpResponse *
_pi_keyring_http_client_send_finish (PiKeyringHttpClient  *self,
                                     GAsyncResult         *result,
                                     GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        _pi_keyring_http_client_send_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  PiKeyringHttpResponse  *response;
  PiKeyringTokenResponse *token;
} TokenResult;

static void
token_result_free (gpointer data)
{
  TokenResult *token_result = data;

  _pi_keyring_http_response_free (token_result->response);
  _pi_keyring_token_response_free (token_result->token);
  g_free (token_result);
}

static void
on_token_sent (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TokenResult *token_result = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  token_result->response = _pi_keyring_http_client_send_finish (PI_KEYRING_HTTP_CLIENT (source),
                                                                result, &error);
  if (token_result->response != NULL)
    token_result->token = _pi_keyring_token_response_new_from_http (token_result->response,
                                                                    &error);

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
_pi_keyring_http_client_request_token_async (PiKeyringHttpClient  *self,
                                             PiKeyringHttpRequest *request,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PI_KEYRING_IS_HTTP_CLIENT (self));
  g_return_if_fail (request != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, _pi_keyring_http_client_request_token_async);
  g_task_set_task_data (task, g_new0 (TokenResult, 1), token_result_free);

  _pi_keyring_http_client_send_async (self, request, cancellable, on_token_sent,
                                      g_steal_pointer (&task));
}

PiKeyringTokenResponse *
_pi_keyring_http_client_request_token_finish (PiKeyringHttpClient    *self,
                                              GAsyncResult           *result,
                                              PiKeyringHttpResponse **out_response,
                                              GError                **error)
{
  TokenResult *token_result;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        _pi_keyring_http_client_request_token_async, NULL);

  token_result = g_task_get_task_data (G_TASK (result));
  if (out_response != NULL)
    *out_response = g_steal_pointer (&token_result->response);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;

  return g_steal_pointer (&token_result->token);
}
