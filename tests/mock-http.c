/* mock-http.c: a scripted HTTP server for the OAuth tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "mock-http.h"

typedef struct
{
  guint     status;
  char     *content_type;
  char     *body;
  GStrv     headers;  /* name, value, … */
  gboolean  hang;
} Reply;

struct _MockHttp
{
  GThread        *thread;
  GMainContext   *context;
  GMainLoop      *loop;
  SoupServer     *server;
  guint           port;

  GMutex          lock;
  GCond           cond;
  gboolean        ready;
  GHashTable     *replies;   /* path → GQueue of Reply */
  GPtrArray      *requests;  /* MockRequest */
  GPtrArray      *hanging;   /* SoupServerMessage */
  PiKeyringClock *clock;
};

static void
reply_free (gpointer data)
{
  Reply *reply = data;

  g_free (reply->content_type);
  g_free (reply->body);
  g_strfreev (reply->headers);
  g_free (reply);
}

static void
queue_free (gpointer data)
{
  g_queue_free_full (data, reply_free);
}

static void
request_free (gpointer data)
{
  MockRequest *request = data;

  g_free (request->method);
  g_free (request->path);
  g_free (request->query);
  g_free (request->body);
  g_hash_table_unref (request->headers);
  g_free (request);
}

static void
on_hanging_finished (SoupServerMessage *msg,
                     gpointer           user_data)
{
  MockHttp *mock = user_data;

  g_mutex_lock (&mock->lock);
  g_ptr_array_remove (mock->hanging, msg);
  g_mutex_unlock (&mock->lock);
}

static void
on_request (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  MockHttp *mock = user_data;
  MockRequest *request = g_new0 (MockRequest, 1);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  SoupMessageHeadersIter iter;
  const char *name, *value;
  GQueue *queue;
  Reply *reply;

  request->method = g_strdup (soup_server_message_get_method (msg));
  request->path = g_strdup (path);
  request->query = g_strdup (g_uri_get_query (soup_server_message_get_uri (msg)));
  request->body = g_strndup (body->data != NULL ? body->data : "", body->length);
  request->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    g_hash_table_insert (request->headers, g_ascii_strdown (name, -1), g_strdup (value));

  g_mutex_lock (&mock->lock);
  request->time_ms = _pi_keyring_clock_now_ms (mock->clock);
  g_ptr_array_add (mock->requests, request);
  queue = g_hash_table_lookup (mock->replies, path);
  reply = queue != NULL ? g_queue_pop_head (queue) : NULL;

  if (reply == NULL)
    {
      g_mutex_unlock (&mock->lock);
      soup_server_message_set_status (msg, 500, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC,
                                        "no scripted reply", 17);
      return;
    }

  if (reply->hang)
    {
      g_ptr_array_add (mock->hanging, g_object_ref (msg));
      g_signal_connect (msg, "finished", G_CALLBACK (on_hanging_finished), mock);
      g_mutex_unlock (&mock->lock);
      soup_server_message_pause (msg);
      reply_free (reply);
      return;
    }
  g_mutex_unlock (&mock->lock);

  for (guint i = 0; reply->headers != NULL && reply->headers[i] != NULL; i += 2)
    soup_message_headers_append (soup_server_message_get_response_headers (msg),
                                 reply->headers[i], reply->headers[i + 1]);
  soup_server_message_set_status (msg, reply->status, NULL);
  if (reply->body != NULL)
    soup_server_message_set_response (msg, reply->content_type, SOUP_MEMORY_COPY,
                                      reply->body, strlen (reply->body));
  reply_free (reply);
}

static gpointer
server_thread (gpointer user_data)
{
  MockHttp *mock = user_data;
  g_autoptr(GInetAddress) inet = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (inet, 0);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (mock->context);

  mock->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (mock->server, NULL, on_request, mock, NULL);
  if (!soup_server_listen (mock->server, address, 0, &error))
    g_error ("mock server cannot listen: %s", error->message);

  uris = soup_server_get_uris (mock->server);
  g_mutex_lock (&mock->lock);
  mock->port = g_uri_get_port (uris->data);
  mock->ready = TRUE;
  g_cond_signal (&mock->cond);
  g_mutex_unlock (&mock->lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_main_loop_run (mock->loop);

  soup_server_disconnect (mock->server);
  g_clear_object (&mock->server);
  while (g_main_context_pending (mock->context))
    g_main_context_iteration (mock->context, FALSE);

  g_main_context_pop_thread_default (mock->context);
  return NULL;
}

MockHttp *
mock_http_new (void)
{
  MockHttp *mock = g_new0 (MockHttp, 1);

  g_mutex_init (&mock->lock);
  g_cond_init (&mock->cond);
  mock->context = g_main_context_new ();
  mock->loop = g_main_loop_new (mock->context, FALSE);
  mock->replies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, queue_free);
  mock->requests = g_ptr_array_new_with_free_func (request_free);
  mock->hanging = g_ptr_array_new ();
  mock->thread = g_thread_new ("mock-http", server_thread, mock);

  g_mutex_lock (&mock->lock);
  while (!mock->ready)
    g_cond_wait (&mock->cond, &mock->lock);
  g_mutex_unlock (&mock->lock);

  return mock;
}

/* In the server thread: answer what hangs, then stop. */
static gboolean
stop_in_thread (gpointer user_data)
{
  MockHttp *mock = user_data;
  g_autoptr(GPtrArray) hanging = NULL;

  g_mutex_lock (&mock->lock);
  hanging = g_steal_pointer (&mock->hanging);
  mock->hanging = g_ptr_array_new ();
  g_mutex_unlock (&mock->lock);

  for (guint i = 0; i < hanging->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (hanging, i);

      g_signal_handlers_disconnect_by_func (msg, on_hanging_finished, mock);
      soup_server_message_set_status (msg, 503, NULL);
      soup_server_message_unpause (msg);
      g_object_unref (msg);
    }

  g_main_loop_quit (mock->loop);
  return G_SOURCE_REMOVE;
}

void
mock_http_free (MockHttp *mock)
{
  if (mock == NULL)
    return;

  g_main_context_invoke (mock->context, stop_in_thread, mock);
  g_thread_join (mock->thread);

  g_main_loop_unref (mock->loop);
  g_main_context_unref (mock->context);
  g_hash_table_unref (mock->replies);
  g_ptr_array_unref (mock->requests);
  g_ptr_array_unref (mock->hanging);
  g_clear_pointer (&mock->clock, _pi_keyring_clock_unref);
  g_mutex_clear (&mock->lock);
  g_cond_clear (&mock->cond);
  g_free (mock);
}

guint
mock_http_get_port (MockHttp *mock)
{
  return mock->port;
}

char *
mock_http_url (MockHttp   *mock,
               const char *path)
{
  return g_strdup_printf ("http://127.0.0.1:%u%s", mock->port, path);
}

static void
push_reply (MockHttp   *mock,
            const char *path,
            Reply      *reply)
{
  GQueue *queue;

  g_mutex_lock (&mock->lock);
  queue = g_hash_table_lookup (mock->replies, path);
  if (queue == NULL)
    {
      queue = g_queue_new ();
      g_hash_table_insert (mock->replies, g_strdup (path), queue);
    }
  g_queue_push_tail (queue, reply);
  g_mutex_unlock (&mock->lock);
}

void
mock_http_reply (MockHttp   *mock,
                 const char *path,
                 guint       status,
                 const char *content_type,
                 const char *body,
                 ...)
{
  Reply *reply = g_new0 (Reply, 1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  const char *name;
  va_list args;

  reply->status = status;
  reply->content_type = g_strdup (content_type);
  reply->body = g_strdup (body);

  va_start (args, body);
  while ((name = va_arg (args, const char *)) != NULL)
    {
      g_strv_builder_add (builder, name);
      g_strv_builder_add (builder, va_arg (args, const char *));
    }
  va_end (args);
  reply->headers = g_strv_builder_end (builder);

  push_reply (mock, path, reply);
}

void
mock_http_reply_hang (MockHttp   *mock,
                      const char *path)
{
  Reply *reply = g_new0 (Reply, 1);

  reply->hang = TRUE;
  push_reply (mock, path, reply);
}

void
mock_http_set_clock (MockHttp       *mock,
                     PiKeyringClock *clock)
{
  g_mutex_lock (&mock->lock);
  g_clear_pointer (&mock->clock, _pi_keyring_clock_unref);
  mock->clock = clock != NULL ? _pi_keyring_clock_ref (clock) : NULL;
  g_mutex_unlock (&mock->lock);
}

guint
mock_http_n_requests (MockHttp *mock)
{
  guint n;

  g_mutex_lock (&mock->lock);
  n = mock->requests->len;
  g_mutex_unlock (&mock->lock);

  return n;
}

const MockRequest *
mock_http_get_request (MockHttp *mock,
                       guint     index)
{
  const MockRequest *request = NULL;

  g_mutex_lock (&mock->lock);
  if (index < mock->requests->len)
    request = g_ptr_array_index (mock->requests, index);
  g_mutex_unlock (&mock->lock);

  return request;
}

/* --- raw requests --- */

typedef struct
{
  guint  port;
  char  *address;
  char  *request_text;
  guint  status;
  char  *body;
} RawExchange;

static void
raw_exchange_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  RawExchange *raw = task_data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GByteArray) answer = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  GOutputStream *out;
  GInputStream *in;
  const char *text;
  guint8 buffer[4096];
  gssize n;

  connection = g_socket_client_connect_to_host (client, raw->address, raw->port, NULL, &error);
  if (connection == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  if (!g_output_stream_write_all (out, raw->request_text, strlen (raw->request_text), NULL, NULL,
                                  &error))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  while ((n = g_input_stream_read (in, buffer, sizeof buffer, NULL, NULL)) > 0)
    g_byte_array_append (answer, buffer, n);
  g_byte_array_append (answer, (const guint8 *) "", 1);

  text = (const char *) answer->data;
  if (g_str_has_prefix (text, "HTTP/1."))
    {
      const char *body = strstr (text, "\r\n\r\n");

      raw->status = (guint) g_ascii_strtoull (text + 9, NULL, 10);
      raw->body = g_strdup (body != NULL ? body + 4 : "");
    }

  g_task_return_boolean (task, TRUE);
}

static void
raw_exchange_free (gpointer data)
{
  RawExchange *raw = data;

  g_free (raw->address);
  g_free (raw->request_text);
  g_free (raw->body);
  g_free (raw);
}

static void
on_raw_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  gboolean *done = user_data;

  *done = TRUE;
}

guint
raw_http_exchange (guint       port,
                   const char *address,
                   const char *request_text,
                   char      **out_body)
{
  g_autoptr(GTask) task = NULL;
  RawExchange *raw = g_new0 (RawExchange, 1);
  gboolean done = FALSE;

  raw->port = port;
  raw->address = g_strdup (address);
  raw->request_text = g_strdup (request_text);

  task = g_task_new (NULL, NULL, on_raw_done, &done);
  g_task_set_task_data (task, raw, raw_exchange_free);
  g_task_run_in_thread (task, raw_exchange_thread);

  while (!done)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);

  if (out_body != NULL)
    *out_body = g_strdup (raw->body);

  return raw->status;
}

guint
raw_http_get (guint       port,
              const char *host,
              const char *path_and_query,
              char      **out_body)
{
  g_autofree char *text = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: %s\r\n"
                                           "Connection: close\r\n\r\n",
                                           path_and_query, host);

  return raw_http_exchange (port, "127.0.0.1", text, out_body);
}
