/* pi-keyring-callback-server.c: the loopback redirect target of a login
 *
 * A SoupServer on 127.0.0.1 (and ::1 where available) at the provider's
 * port. It answers only the user's own programs, and accepts only a GET of
 * the exact callback path whose Host is a loopback name with that port
 * (DESIGN §5, reference §6.3):
 *
 *   a caller of another uid   → 403, the flow goes on (issue 24, item 6:
 *                               another local user who saw the authorize
 *                               URL must not end the login with her own
 *                               code); Linux only, from /proc/net/tcp{,6}
 *                               (pi-keyring-peer-uid.c); a caller whose
 *                               socket is not found there is refused too
 *   foreign or missing Host   → 421 (or 400), the flow goes on
 *   another path              → 404
 *   another method            → 405
 *   `error` in the query      → 400; with the right state the flow fails
 *                               (ACCESS_DENIED for access_denied), without
 *                               it the flow goes on (RFC 6749 §4.1.2.1 has
 *                               the server send the state back; a page
 *                               elsewhere cannot end our login)
 *   state missing or wrong    → 400 "State mismatch", the flow goes on
 *                               (a server made without a state checks none:
 *                               openrouter, whose random path stands for it)
 *   a required parameter      → 400 when missing (ChatGPT's issued
 *     missing                   client_id), the flow goes on
 *   code missing              → 400, the flow goes on
 *   a valid callback          → 200; the first one wins, later ones get
 *                               an "already done" page
 *
 * The state is compared in constant time. A pasted code can complete the
 * wait instead (_pi_keyring_callback_server_submit_code), so the first of
 * the two wins. The wait times out (default 5 minutes) and can be
 * cancelled; both free the port at once.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "oauth/pi-keyring-oauth-private.h"

#include <string.h>
#include <unistd.h>

#include "net/pi-keyring-net.h"

/**
 * PiKeyringCallbackServer:
 *
 * The loopback HTTP server that receives the browser's redirect (private).
 */
struct _PiKeyringCallbackServer
{
  GObject       parent_instance;

  const PiKeyringNet *net;
  SoupServer   *server;
  guint         port;
  char         *path;
  char         *expected_state;  /* random; kept as a secret all the same; NULL: no state */
  char         *required_param;  /* a query parameter a callback must carry, or NULL */
  guint         timeout_ms;

  gboolean      done;
  char         *code;            /* a secret; the result once done */
  char         *param_value;     /* the required parameter's value once done */
  GError       *error;           /* or the failure once done */

  GTask        *wait_task;
  GSource      *timer;           /* time-out, with the cancellable as a child source */
  GSource      *completion;      /* an idle that returns the result */
};

G_DEFINE_FINAL_TYPE (PiKeyringCallbackServer, _pi_keyring_callback_server, G_TYPE_OBJECT)

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

void
_pi_keyring_callback_server_close (PiKeyringCallbackServer *self)
{
  g_return_if_fail (PI_KEYRING_IS_CALLBACK_SERVER (self));

  if (self->server != NULL)
    {
      self->net->soup_server_remove_handler (self->server, NULL);
      self->net->soup_server_disconnect (self->server);
      g_clear_object (&self->server);
    }
}

static void
_pi_keyring_callback_server_finalize (GObject *object)
{
  PiKeyringCallbackServer *self = PI_KEYRING_CALLBACK_SERVER (object);

  _pi_keyring_callback_server_close (self);
  g_assert (self->wait_task == NULL);
  destroy_source (&self->timer);
  destroy_source (&self->completion);
  g_free (self->path);
  g_free (self->required_param);
  _pi_keyring_secret_free (self->expected_state);
  _pi_keyring_secret_free (self->code);
  g_free (self->param_value);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (_pi_keyring_callback_server_parent_class)->finalize (object);
}

static void
_pi_keyring_callback_server_class_init (PiKeyringCallbackServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = _pi_keyring_callback_server_finalize;
}

static void
_pi_keyring_callback_server_init (PiKeyringCallbackServer *self)
{
  self->timeout_ms = PI_KEYRING_CALLBACK_DEFAULT_TIMEOUT_MS;
}

/* --- the result --- */

/* Returns the stored result to the pending wait, if any. */
static void
complete_wait (PiKeyringCallbackServer *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->wait_task);

  destroy_source (&self->timer);
  destroy_source (&self->completion);

  if (task == NULL)
    return;

  if (self->error != NULL)
    g_task_return_error (task, g_error_copy (self->error));
  else
    g_task_return_pointer (task, g_strdup (self->code), (GDestroyNotify) _pi_keyring_secret_free);
}

static gboolean
on_completion_idle (gpointer user_data)
{
  PiKeyringCallbackServer *self = g_task_get_source_object (G_TASK (user_data));

  g_clear_pointer (&self->completion, g_source_unref);
  complete_wait (self);

  return G_SOURCE_REMOVE;
}

/* Records the outcome (first one wins). The wait is completed from an
 * idle, so that a caller who drops the server in its callback never does
 * so from inside a SoupServer handler. */
static gboolean
finish_flow (PiKeyringCallbackServer *self,
             const char              *code,
             const char              *param_value,
             GError                  *error)
{
  if (self->done)
    {
      g_clear_error (&error);
      return FALSE;
    }

  self->done = TRUE;
  self->code = g_strdup (code);
  self->param_value = g_strdup (param_value);
  self->error = error;

  if (self->wait_task != NULL && self->completion == NULL)
    {
      destroy_source (&self->timer);
      self->completion = g_idle_source_new ();
      g_source_set_name (self->completion, "[pi-keyring] callback completion");
      g_task_attach_source (self->wait_task, self->completion, on_completion_idle);
    }

  return TRUE;
}

gboolean
_pi_keyring_callback_server_submit_code (PiKeyringCallbackServer *self,
                                         const char              *code)
{
  g_return_val_if_fail (PI_KEYRING_IS_CALLBACK_SERVER (self), FALSE);
  g_return_val_if_fail (code != NULL && *code != '\0', FALSE);

  return finish_flow (self, code, NULL, NULL);
}

gboolean
_pi_keyring_callback_server_submit_code_with_param (PiKeyringCallbackServer *self,
                                                    const char              *code,
                                                    const char              *param_value)
{
  g_return_val_if_fail (PI_KEYRING_IS_CALLBACK_SERVER (self), FALSE);
  g_return_val_if_fail (code != NULL && *code != '\0', FALSE);

  return finish_flow (self, code, param_value, NULL);
}

void
_pi_keyring_callback_server_set_required_param (PiKeyringCallbackServer *self,
                                                const char              *name)
{
  g_return_if_fail (PI_KEYRING_IS_CALLBACK_SERVER (self));

  g_free (self->required_param);
  self->required_param = g_strdup (name);
}

const char *
_pi_keyring_callback_server_get_param_value (PiKeyringCallbackServer *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_CALLBACK_SERVER (self), NULL);

  return self->param_value;
}

/* --- answering the browser --- */

static void
respond_page (PiKeyringCallbackServer *self,
              SoupServerMessage       *msg,
              guint                    status,
              const char              *title,
              const char              *text)
{
  const PiKeyringNet *net = self->net;
  g_autofree char *escaped_title = g_markup_escape_text (title, -1);
  g_autofree char *escaped_text = g_markup_escape_text (text, -1);
  SoupMessageHeaders *headers = net->soup_server_message_get_response_headers (msg);
  char *page;

  page = g_strdup_printf ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                          "<title>%s</title></head>\n<body><h1>%s</h1>\n<p>%s</p></body></html>\n",
                          escaped_title, escaped_title, escaped_text);

  net->soup_message_headers_replace (headers, "Cache-Control", "no-store");
  net->soup_message_headers_replace (headers, "Referrer-Policy", "no-referrer");
  net->soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  net->soup_server_message_set_status (msg, status, NULL);
  net->soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_TAKE,
                                         page, strlen (page));
}

static void
respond_text (PiKeyringCallbackServer *self,
              SoupServerMessage       *msg,
              guint                    status,
              const char              *text)
{
  const PiKeyringNet *net = self->net;
  SoupMessageHeaders *headers = net->soup_server_message_get_response_headers (msg);

  net->soup_message_headers_replace (headers, "Cache-Control", "no-store");
  net->soup_server_message_set_status (msg, status, NULL);
  net->soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
                                         text, strlen (text));
}

/* "localhost:PORT", "127.0.0.1:PORT" or "[::1]:PORT". */
static gboolean
host_is_ours (PiKeyringCallbackServer *self,
              const char              *host)
{
  static const char *const names[] = { "localhost", "127.0.0.1", "[::1]" };
  char port[16];

  if (host == NULL)
    return FALSE;

  g_snprintf (port, sizeof port, ":%u", self->port);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      gsize length = strlen (names[i]);

      if (g_ascii_strncasecmp (host, names[i], length) == 0 && g_str_equal (host + length, port))
        return TRUE;
    }

  return FALSE;
}

/* Whether the caller's socket belongs to our effective uid. When its
 * socket cannot be found (it went away already, or /proc is not there)
 * the answer is no: a refused browser of ours can still paste the URL,
 * an accepted stranger would end the login with her tokens. */
static gboolean
caller_is_us (PiKeyringCallbackServer *self,
              SoupServerMessage       *msg)
{
#ifdef __linux__
  GSocketAddress *caller = self->net->soup_server_message_get_remote_address (msg);
  GSocketAddress *ours = self->net->soup_server_message_get_local_address (msg);
  guint uid;

  if (!G_IS_INET_SOCKET_ADDRESS (caller) || !G_IS_INET_SOCKET_ADDRESS (ours))
    {
      g_debug ("Callback server: a caller without an IP address; refused");
      return FALSE;
    }
  if (!_pi_keyring_loopback_peer_uid (G_INET_SOCKET_ADDRESS (caller),
                                      G_INET_SOCKET_ADDRESS (ours), &uid))
    {
      g_debug ("Callback server: the caller's socket is not in /proc/net/tcp{,6}; refused");
      return FALSE;
    }
  if (uid != geteuid ())
    {
      g_debug ("Callback server: a caller of uid %u, not ours; refused", uid);
      return FALSE;
    }
  return TRUE;
#else
  /* No table of sockets to ask: the Host, path and state checks remain. */
  return TRUE;
#endif
}

static const char *
query_get (GHashTable *query,
           const char *name)
{
  return query != NULL ? g_hash_table_lookup (query, name) : NULL;
}

static void
handle_error_callback (PiKeyringCallbackServer *self,
                       SoupServerMessage       *msg,
                       const char              *oauth_error)
{
  GError *error;

  if (g_str_equal (oauth_error, "access_denied"))
    error = g_error_new_literal (PI_KEYRING_ERROR, PI_KEYRING_ERROR_ACCESS_DENIED,
                                 _("Access was denied in the browser."));
  else
    error = g_error_new_literal (PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                                 _("The provider reported an error instead of an authorization "
                                   "code."));

  respond_page (self, msg, SOUP_STATUS_BAD_REQUEST, _("Authentication failed"), error->message);
  finish_flow (self, NULL, NULL, error);
}

static void
on_request (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  PiKeyringCallbackServer *self = user_data;
  const PiKeyringNet *net = self->net;
  SoupMessageHeaders *headers = net->soup_server_message_get_request_headers (msg);
  const char *host = net->soup_message_headers_get_one (headers, "Host");
  const char *oauth_error, *state, *code;

  if (!caller_is_us (self, msg))
    {
      respond_page (self, msg, SOUP_STATUS_FORBIDDEN, _("Forbidden"),
                    _("This sign-in belongs to another user of this computer."));
      return;
    }
  if (host == NULL)
    {
      respond_text (self, msg, SOUP_STATUS_BAD_REQUEST, "Bad request");
      return;
    }
  if (!host_is_ours (self, host))
    {
      g_debug ("Callback server: refused a request for another host");
      respond_text (self, msg, SOUP_STATUS_MISDIRECTED_REQUEST, "Misdirected request");
      return;
    }
  if (g_strcmp0 (path, self->path) != 0)
    {
      respond_text (self, msg, SOUP_STATUS_NOT_FOUND, "Not found");
      return;
    }
  /* Not SOUP_METHOD_GET: that macro reads a libsoup variable. */
  if (g_strcmp0 (net->soup_server_message_get_method (msg), "GET") != 0)
    {
      net->soup_message_headers_replace (net->soup_server_message_get_response_headers (msg),
                                         "Allow", "GET");
      respond_text (self, msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Method not allowed");
      return;
    }
  if (self->done)
    {
      respond_page (self, msg, SOUP_STATUS_OK, _("Already done"),
                    _("This sign-in is already complete. You can close this window."));
      return;
    }

  oauth_error = query_get (query, "error");
  state = query_get (query, "state");
  code = query_get (query, "code");

  if (oauth_error != NULL && *oauth_error != '\0')
    {
      /* Without a state (openrouter: the random path stands for it) an
       * error on the exact path ends the flow, as pi has it. */
      if (self->expected_state == NULL ||
          (state != NULL && _pi_keyring_oauth_state_equal (self->expected_state, state)))
        handle_error_callback (self, msg, oauth_error);
      else
        {
          g_debug ("Callback server: an error without the right state; still waiting");
          respond_page (self, msg, SOUP_STATUS_BAD_REQUEST, _("Authentication failed"),
                        _("The sign-in reported an error. You can close this window."));
        }
      return;
    }

  if (self->expected_state != NULL &&
      (state == NULL || !_pi_keyring_oauth_state_equal (self->expected_state, state)))
    {
      g_debug ("Callback server: state mismatch; still waiting");
      respond_page (self, msg, SOUP_STATUS_BAD_REQUEST, _("State mismatch"),
                    _("State mismatch. This answer does not belong to the sign-in in progress."));
      return;
    }

  if (code == NULL || *code == '\0')
    {
      respond_page (self, msg, SOUP_STATUS_BAD_REQUEST, _("Authentication failed"),
                    _("Missing authorization code."));
      return;
    }

  if (self->required_param != NULL)
    {
      const char *value = query_get (query, self->required_param);
      g_autofree char *trimmed = g_strstrip (g_strdup (value != NULL ? value : ""));

      if (*trimmed == '\0')
        {
          g_debug ("Callback server: the callback lacks %s; still waiting", self->required_param);
          respond_page (self, msg, SOUP_STATUS_BAD_REQUEST, _("Authentication failed"),
                        _("The answer lacks a value the sign-in needs."));
          return;
        }
      respond_page (self, msg, SOUP_STATUS_OK, _("Authentication successful"),
                    _("You are signed in. You can close this window and return to the terminal."));
      finish_flow (self, code, trimmed, NULL);
      return;
    }

  respond_page (self, msg, SOUP_STATUS_OK, _("Authentication successful"),
                _("You are signed in. You can close this window and return to the terminal."));
  finish_flow (self, code, NULL, NULL);
}

/* --- listening --- */

static gboolean
listen_on (PiKeyringCallbackServer  *self,
           const char               *address,
           guint                     port,
           GError                  **error)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr(GSocketAddress) socket_address = g_inet_socket_address_new (inet, port);

  return self->net->soup_server_listen (self->server, socket_address, 0, error);
}

static guint
listening_port (PiKeyringCallbackServer *self)
{
  GSList *uris = self->net->soup_server_get_uris (self->server);
  guint port = 0;

  if (uris != NULL)
    port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  return port;
}

static GError *
port_in_use_error (guint port)
{
  return g_error_new (G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                      _("The port %u is already in use by another program, so the browser cannot "
                        "return to pi-keyring."), port);
}

PiKeyringCallbackServer *
_pi_keyring_callback_server_new (guint        port,
                                 const char  *path,
                                 const char  *expected_state,
                                 GError     **error)
{
  g_autoptr(PiKeyringCallbackServer) self = NULL;
  g_autoptr(GError) local_error = NULL;
  const PiKeyringNet *net;

  g_return_val_if_fail (port <= G_MAXUINT16, NULL);
  g_return_val_if_fail (path != NULL && path[0] == '/', NULL);
  g_return_val_if_fail (expected_state == NULL || *expected_state != '\0', NULL);

  net = _pi_keyring_net_get (error);
  if (net == NULL)
    return NULL;

  self = g_object_new (PI_KEYRING_TYPE_CALLBACK_SERVER, NULL);
  self->net = net;
  self->path = g_strdup (path);
  self->expected_state = g_strdup (expected_state);
  self->server = net->soup_server_new ("server-header", "pi-keyring", NULL);

  if (!listen_on (self, "127.0.0.1", port, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        g_propagate_error (error, port_in_use_error (port));
      else
        g_set_error (error, local_error->domain, local_error->code,
                     _("Could not listen on 127.0.0.1 port %u: %s"), port, local_error->message);
      return NULL;
    }

  self->port = listening_port (self);

  /* Browsers may try ::1 first for "localhost": another program there
   * would get the code, so that counts as the port being in use. No IPv6
   * at all is fine. */
  if (!listen_on (self, "::1", self->port, &local_error))
    {
      if (port != 0 && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        {
          g_propagate_error (error, port_in_use_error (port));
          return NULL;
        }
      g_debug ("Callback server: not listening on [::1]:%u: %s", self->port,
               local_error->message);
      g_clear_error (&local_error);
    }

  net->soup_server_add_handler (self->server, NULL, on_request, self, NULL);

  return g_steal_pointer (&self);
}

guint
_pi_keyring_callback_server_get_port (PiKeyringCallbackServer *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_CALLBACK_SERVER (self), 0);

  return self->port;
}

void
_pi_keyring_callback_server_set_timeout_ms (PiKeyringCallbackServer *self,
                                            guint                    timeout_ms)
{
  g_return_if_fail (PI_KEYRING_IS_CALLBACK_SERVER (self));
  g_return_if_fail (timeout_ms > 0);

  self->timeout_ms = timeout_ms;
}

/* --- waiting --- */

static gboolean
on_wait_timer (gpointer user_data)
{
  GTask *task = user_data;
  PiKeyringCallbackServer *self = g_object_ref (g_task_get_source_object (task));
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error;

  g_clear_pointer (&self->timer, g_source_unref);

  if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The login was cancelled."));
  else
    {
      g_autofree char *limit = _pi_keyring_format_approximate_duration (self->timeout_ms);

      error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                           _("No answer came from the browser within %s. Run the login again."),
                           limit);
    }

  _pi_keyring_callback_server_close (self);
  finish_flow (self, NULL, NULL, error);
  complete_wait (self);
  g_object_unref (self);

  return G_SOURCE_REMOVE;
}

void
_pi_keyring_callback_server_wait_async (PiKeyringCallbackServer *self,
                                        GCancellable            *cancellable,
                                        GAsyncReadyCallback      callback,
                                        gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PI_KEYRING_IS_CALLBACK_SERVER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (self->wait_task == NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, _pi_keyring_callback_server_wait_async);
  self->wait_task = g_object_ref (task);

  if (self->done)
    {
      complete_wait (self);
      return;
    }

  self->timer = g_timeout_source_new (self->timeout_ms);
  g_source_set_name (self->timer, "[pi-keyring] callback time-out");
  if (cancellable != NULL)
    {
      GSource *cancelled = g_cancellable_source_new (cancellable);

      g_source_set_dummy_callback (cancelled);
      g_source_add_child_source (self->timer, cancelled);
      g_source_unref (cancelled);
    }
  g_task_attach_source (task, self->timer, on_wait_timer);
}

char *
_pi_keyring_callback_server_wait_finish (PiKeyringCallbackServer *self,
                                         GAsyncResult            *result,
                                         GError                 **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        _pi_keyring_callback_server_wait_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
