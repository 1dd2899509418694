/* mock-http.h: a scripted HTTP server for the OAuth tests
 *
 * A SoupServer on 127.0.0.1:0 that runs in a thread of its own with its
 * own GMainContext, so the code under test can run in the main thread (or
 * block in a _sync call) while the server answers. Replies are queued per
 * path; every request is recorded.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "oauth/pi-keyring-oauth-private.h"

G_BEGIN_DECLS

typedef struct _MockHttp MockHttp;

typedef struct
{
  char       *method;
  char       *path;
  char       *query;    /* NULL when none */
  char       *body;     /* "" when none */
  GHashTable *headers;  /* lower-case name → value */
  gint64      time_ms;  /* by the clock given to mock_http_set_clock () */
} MockRequest;

MockHttp          *mock_http_new          (void);
void               mock_http_free         (MockHttp       *mock);
guint              mock_http_get_port     (MockHttp       *mock);
/* "http://127.0.0.1:PORT" + @path */
char              *mock_http_url          (MockHttp       *mock,
                                           const char     *path);
/* Queues one reply for @path; the varargs are header name, value pairs,
 * ending with NULL. A path without a queued reply answers 500. */
void               mock_http_reply        (MockHttp       *mock,
                                           const char     *path,
                                           guint           status,
                                           const char     *content_type,
                                           const char     *body,
                                           ...) G_GNUC_NULL_TERMINATED;
/* Queues a reply that never comes (the request hangs until shutdown). */
void               mock_http_reply_hang   (MockHttp       *mock,
                                           const char     *path);
void               mock_http_set_clock    (MockHttp       *mock,
                                           PiKeyringClock *clock);
guint              mock_http_n_requests   (MockHttp       *mock);
/* Owned by @mock; valid until mock_http_free (). */
const MockRequest *mock_http_get_request  (MockHttp       *mock,
                                           guint           index);

/* Sends @request_text (a complete HTTP/1.1 request) to 127.0.0.1:@port
 * from a worker thread while the thread-default main context of the
 * caller is iterated. Returns the status (0 on a connection failure) and
 * the response body in *out_body (nullable). */
guint              raw_http_exchange      (guint           port,
                                           const char     *address,
                                           const char     *request_text,
                                           char          **out_body);
/* A GET of @path_and_query with Host: @host. */
guint              raw_http_get           (guint           port,
                                           const char     *host,
                                           const char     *path_and_query,
                                           char          **out_body);

G_END_DECLS
