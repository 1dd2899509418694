/* pi-keyring-device-flow.c: OAuth device authorization (RFC 8628)
 *
 * The device-code request, and a poller that follows pi's timing for
 * GitHub exactly (reference §7.2 step 3):
 *
 *   interval_ms = max (1000, floor (interval × 1000)); multiplier 1.2
 *   while now < deadline (start + expires_in × 1000):
 *     sleep min (ceil (interval_ms × multiplier), deadline − now); poll
 *     authorization_pending → again
 *     slow_down → interval_ms = the answer's interval × 1000 when positive,
 *                 else interval_ms + 5000; multiplier 1.4
 *     expired_token → time-out; access_denied → ACCESS_DENIED;
 *     another error → FAILED "Device flow failed: <error>"
 *
 * OAuth errors are read from 2xx answers (GitHub) and from 400/401 ones
 * (RFC 8628); other statuses go through the HTTP error mapping.
 *
 * Flags select pi 1.6.0's shared poller (auth/oauth/device-code.js
 * pollOAuthDeviceCodeFlow) instead: PLAIN sleeps exactly the interval (no
 * multiplier; slow_down as above), FIRST_AT_ONCE polls before the first
 * sleep (waitBeforeFirstPoll false), ERRORS_BELOW_500 reads the OAuth
 * error of any answer below 500 (Kimi Code).
 *
 * Sleeping uses GLib timeout sources attached to the task. A virtual
 * PiKeyringClock (for tests) jumps forward instead of sleeping.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "oauth/pi-keyring-oauth-private.h"

#include <math.h>  /* isfinite, NAN: macros, no libm */
#include <string.h>

#define GRANT_TYPE_DEVICE_CODE "urn:ietf:params:oauth:grant-type:device_code"

/* --- the clock --- */

struct _PiKeyringClock
{
  gatomicrefcount ref_count;
  GMutex          lock;
  gint64          now_ms;
};

PiKeyringClock *
_pi_keyring_clock_new_virtual (gint64 start_ms)
{
  PiKeyringClock *clock = g_new0 (PiKeyringClock, 1);

  g_atomic_ref_count_init (&clock->ref_count);
  g_mutex_init (&clock->lock);
  clock->now_ms = start_ms;

  return clock;
}

PiKeyringClock *
_pi_keyring_clock_ref (PiKeyringClock *clock)
{
  g_return_val_if_fail (clock != NULL, NULL);

  g_atomic_ref_count_inc (&clock->ref_count);
  return clock;
}

void
_pi_keyring_clock_unref (PiKeyringClock *clock)
{
  if (clock != NULL && g_atomic_ref_count_dec (&clock->ref_count))
    {
      g_mutex_clear (&clock->lock);
      g_free (clock);
    }
}

gint64
_pi_keyring_clock_now_ms (PiKeyringClock *clock)
{
  gint64 now;

  if (clock == NULL)
    return g_get_monotonic_time () / 1000;

  g_mutex_lock (&clock->lock);
  now = clock->now_ms;
  g_mutex_unlock (&clock->lock);

  return now;
}

/* A source that fires after @ms (real clock), or at once after moving the
 * virtual clock forward; @cancellable (nullable) makes it fire early. */
static GSource *
clock_sleep_source_new (PiKeyringClock *clock,
                        gint64          ms,
                        GCancellable   *cancellable)
{
  GSource *source;

  if (clock == NULL)
    source = g_timeout_source_new ((guint) CLAMP (ms, 0, G_MAXUINT));
  else
    {
      g_mutex_lock (&clock->lock);
      clock->now_ms += ms;
      g_mutex_unlock (&clock->lock);
      source = g_timeout_source_new (0);
    }
  g_source_set_name (source, "[pi-keyring] device flow sleep");

  if (cancellable != NULL)
    {
      GSource *cancelled = g_cancellable_source_new (cancellable);

      g_source_set_dummy_callback (cancelled);
      g_source_add_child_source (source, cancelled);
      g_source_unref (cancelled);
    }

  return source;
}

/* --- the device code --- */

void
_pi_keyring_device_code_free (PiKeyringDeviceCode *code)
{
  if (code == NULL)
    return;

  _pi_keyring_secret_free (code->device_code);
  g_free (code->user_code);
  g_free (code->verification_uri);
  g_free (code);
}

/* A JSON number as a double, or NAN. */
static double
get_number_member (JsonObject *object,
                   const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NAN;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    return (double) json_node_get_int (node);
  if (type == G_TYPE_DOUBLE)
    return json_node_get_double (node);

  return NAN;
}

/* A verification URI that @flags allow: http(s) (or https only) with a
 * host; NULL for a missing one. *out_bad is set for one that is there but
 * not allowed. Without a scheme rule any non-empty string passes. */
static const char *
check_verification_uri (JsonObject               *object,
                        const char               *name,
                        PiKeyringDeviceCodeFlags  flags,
                        gboolean                 *out_bad)
{
  const char *uri = _pi_keyring_json_get_string (object, name);
  g_autoptr(GUri) parsed = NULL;
  const char *scheme, *host;

  if (uri == NULL || *uri == '\0')
    return NULL;
  if ((flags & (PI_KEYRING_DEVICE_CODE_HTTP_URI | PI_KEYRING_DEVICE_CODE_HTTPS_URI)) == 0)
    return uri;

  parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);
  scheme = parsed != NULL ? g_uri_get_scheme (parsed) : NULL;
  host = parsed != NULL ? g_uri_get_host (parsed) : NULL;
  if (scheme != NULL && host != NULL && *host != '\0' &&
      (g_ascii_strcasecmp (scheme, "https") == 0 ||
       ((flags & PI_KEYRING_DEVICE_CODE_HTTPS_URI) == 0 && g_ascii_strcasecmp (scheme, "http") == 0)))
    return uri;

  *out_bad = TRUE;
  return NULL;
}

static void
on_device_code_answer (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PiKeyringDeviceCodeFlags flags = GPOINTER_TO_UINT (g_task_get_task_data (task));
  g_autoptr(PiKeyringHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  PiKeyringDeviceCode *code;
  const char *device_code, *user_code, *uri, *complete = NULL;
  double interval, expires_in;
  gboolean bad = FALSE, bad_complete = FALSE;

  response = _pi_keyring_http_client_send_finish (PI_KEYRING_HTTP_CLIENT (source), result, &error);
  if (response == NULL || !_pi_keyring_http_response_check (response, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  device_code = _pi_keyring_json_get_string (response->object, "device_code");
  user_code = _pi_keyring_json_get_string (response->object, "user_code");
  uri = check_verification_uri (response->object, "verification_uri", flags, &bad);
  if (flags & (PI_KEYRING_DEVICE_CODE_PREFER_COMPLETE | PI_KEYRING_DEVICE_CODE_URI_OPTIONAL))
    complete = check_verification_uri (response->object, "verification_uri_complete", flags,
                                       &bad_complete);
  interval = get_number_member (response->object, "interval");
  expires_in = get_number_member (response->object, "expires_in");

  if ((flags & PI_KEYRING_DEVICE_CODE_INTERVAL_OPTIONAL) && !(interval > 0))
    interval = NAN;
  if ((flags & PI_KEYRING_DEVICE_CODE_EXPIRES_OPTIONAL) && !(expires_in > 0))
    expires_in = NAN;
  if (flags & PI_KEYRING_DEVICE_CODE_URI_OPTIONAL)
    {
      /* meta: trustedHttpUrl (complete) ?? trustedHttpUrl (plain) */
      if (complete != NULL || uri != NULL)
        bad = bad_complete = FALSE;
      if (uri == NULL)
        uri = complete;
    }

  if (device_code == NULL || *device_code == '\0' || user_code == NULL || *user_code == '\0' ||
      uri == NULL || bad || bad_complete ||
      (!(flags & PI_KEYRING_DEVICE_CODE_INTERVAL_OPTIONAL) && !isfinite (interval)) ||
      (!(flags & PI_KEYRING_DEVICE_CODE_EXPIRES_OPTIONAL) &&
       (!isfinite (expires_in) || expires_in <= 0)))
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                               _("The server at %s gave an invalid device code answer."),
                               response->url);
      return;
    }

  code = g_new0 (PiKeyringDeviceCode, 1);
  code->device_code = g_strdup (device_code);
  code->user_code = g_strdup (user_code);
  code->verification_uri = _pi_keyring_url_rewrite (complete != NULL ? complete : uri);
  code->interval = interval;
  code->expires_in = expires_in;
  g_task_return_pointer (task, code, (GDestroyNotify) _pi_keyring_device_code_free);
}

void
_pi_keyring_device_code_request_async (PiKeyringHttpClient *client,
                                       const char          *url,
                                       const char          *client_id,
                                       const char          *scope,
                                       const char * const  *headers,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PiKeyringHttpRequest) request = NULL;

  g_return_if_fail (PI_KEYRING_IS_HTTP_CLIENT (client));
  g_return_if_fail (url != NULL && client_id != NULL && scope != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, _pi_keyring_device_code_request_async);

  request = _pi_keyring_http_request_new ("POST", url);
  for (guint i = 0; headers != NULL && headers[i] != NULL && headers[i + 1] != NULL; i += 2)
    _pi_keyring_http_request_add_header (request, headers[i], headers[i + 1]);
  _pi_keyring_http_request_add_form_field (request, "client_id", client_id);
  _pi_keyring_http_request_add_form_field (request, "scope", scope);

  _pi_keyring_http_client_send_async (client, request, cancellable, on_device_code_answer,
                                      g_steal_pointer (&task));
}

void
_pi_keyring_device_code_send_async (PiKeyringHttpClient      *client,
                                    PiKeyringHttpRequest     *request,
                                    PiKeyringDeviceCodeFlags  flags,
                                    GCancellable             *cancellable,
                                    GAsyncReadyCallback       callback,
                                    gpointer                  user_data)
{
  GTask *task;

  g_return_if_fail (PI_KEYRING_IS_HTTP_CLIENT (client));
  g_return_if_fail (request != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  /* One finish for both ways in. */
  g_task_set_source_tag (task, _pi_keyring_device_code_request_async);
  g_task_set_task_data (task, GUINT_TO_POINTER (flags), NULL);

  _pi_keyring_http_client_send_async (client, request, cancellable, on_device_code_answer, task);
}

PiKeyringDeviceCode *
_pi_keyring_device_code_request_finish (GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        _pi_keyring_device_code_request_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- the poller --- */

/**
 * PiKeyringDevicePoller:
 *
 * Polls a token endpoint until the user has approved a device code
 * (private).
 */
struct _PiKeyringDevicePoller
{
  GObject              parent_instance;

  PiKeyringHttpClient *client;
  char                *poll_url;
  char                *client_id;
  char                *device_code;  /* a secret */
  double               interval;
  double               expires_in;
  GPtrArray           *headers;      /* name, value … */
  PiKeyringClock      *clock;        /* NULL: the real clock */
  PiKeyringDevicePollFlags flags;
};

G_DEFINE_FINAL_TYPE (PiKeyringDevicePoller, _pi_keyring_device_poller, G_TYPE_OBJECT)

static void
_pi_keyring_device_poller_finalize (GObject *object)
{
  PiKeyringDevicePoller *self = PI_KEYRING_DEVICE_POLLER (object);

  g_clear_object (&self->client);
  g_free (self->poll_url);
  g_free (self->client_id);
  _pi_keyring_secret_free (self->device_code);
  g_ptr_array_unref (self->headers);
  g_clear_pointer (&self->clock, _pi_keyring_clock_unref);

  G_OBJECT_CLASS (_pi_keyring_device_poller_parent_class)->finalize (object);
}

static void
_pi_keyring_device_poller_class_init (PiKeyringDevicePollerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = _pi_keyring_device_poller_finalize;
}

static void
_pi_keyring_device_poller_init (PiKeyringDevicePoller *self)
{
  self->headers = g_ptr_array_new_with_free_func (g_free);
}

PiKeyringDevicePoller *
_pi_keyring_device_poller_new (PiKeyringHttpClient *client,
                               const char          *poll_url,
                               const char          *client_id,
                               const char          *device_code,
                               double               interval,
                               double               expires_in)
{
  PiKeyringDevicePoller *self;

  g_return_val_if_fail (PI_KEYRING_IS_HTTP_CLIENT (client), NULL);
  g_return_val_if_fail (poll_url != NULL && client_id != NULL && device_code != NULL, NULL);

  self = g_object_new (PI_KEYRING_TYPE_DEVICE_POLLER, NULL);
  self->client = g_object_ref (client);
  self->poll_url = g_strdup (poll_url);
  self->client_id = g_strdup (client_id);
  self->device_code = g_strdup (device_code);
  self->interval = interval;
  self->expires_in = expires_in;

  return self;
}

void
_pi_keyring_device_poller_add_header (PiKeyringDevicePoller *self,
                                      const char            *name,
                                      const char            *value)
{
  g_return_if_fail (PI_KEYRING_IS_DEVICE_POLLER (self));
  g_return_if_fail (name != NULL && value != NULL);

  g_ptr_array_add (self->headers, g_strdup (name));
  g_ptr_array_add (self->headers, g_strdup (value));
}

void
_pi_keyring_device_poller_set_clock (PiKeyringDevicePoller *self,
                                     PiKeyringClock        *clock)
{
  g_return_if_fail (PI_KEYRING_IS_DEVICE_POLLER (self));

  g_clear_pointer (&self->clock, _pi_keyring_clock_unref);
  if (clock != NULL)
    self->clock = _pi_keyring_clock_ref (clock);
}

void
_pi_keyring_device_poller_set_flags (PiKeyringDevicePoller    *self,
                                     PiKeyringDevicePollFlags  flags)
{
  g_return_if_fail (PI_KEYRING_IS_DEVICE_POLLER (self));

  self->flags = flags;
}

typedef struct
{
  gint64   deadline_ms;
  double   interval_ms;
  double   multiplier;
  gboolean slow_down_seen;
  gboolean at_once;       /* the next poll without a sleep */
  GSource *sleep;
} PollData;

static void
poll_data_free (gpointer data)
{
  PollData *poll = data;

  if (poll->sleep != NULL)
    {
      g_source_destroy (poll->sleep);
      g_source_unref (poll->sleep);
    }
  g_free (poll);
}

static void
return_timed_out (GTask *task)
{
  PollData *poll = g_task_get_task_data (task);

  if (poll->slow_down_seen)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                             _("Device flow timed out after one or more slow_down responses. "
                               "A clock that drifts, as often happens in WSL or in a virtual "
                               "machine, is a common cause: synchronise the clock and try "
                               "again."));
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                             _("Device flow timed out: the code was not entered in time."));
}

static void schedule_poll (GTask *task);

/* ceil () for 0 ≤ x < 2^53, without libm. */
static gint64
ceil_ms (double x)
{
  gint64 whole = (gint64) x;

  return (double) whole < x ? whole + 1 : whole;
}

/* Server text in a message: control characters escaped, at most 200 bytes. */
static char *
escape_for_message (const char *text)
{
  g_autofree char *escaped = g_strescape (text, NULL);

  /* g_strescape's output is ASCII, so cutting it keeps it valid UTF-8. */
  if (strlen (escaped) > 200)
    return g_strndup (escaped, 200);

  return g_steal_pointer (&escaped);
}

static void
on_poll_answer (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PiKeyringDevicePoller *self = g_task_get_source_object (task);
  PollData *poll = g_task_get_task_data (task);
  g_autoptr(PiKeyringHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  PiKeyringTokenResponse *token;
  const char *oauth_error;

  response = _pi_keyring_http_client_send_finish (self->client, result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  oauth_error = response->oauth_error;
  if (response->object != NULL && json_object_has_member (response->object, "access_token"))
    oauth_error = NULL;
  else if ((self->flags & PI_KEYRING_DEVICE_POLL_ERRORS_BELOW_500) != 0)
    {
      if (response->status >= 500)
        oauth_error = NULL;
    }
  else if (response->status != 400 && response->status != 401 &&
           (response->status < 200 || response->status >= 300))
    oauth_error = NULL;

  if (oauth_error == NULL)
    {
      token = _pi_keyring_token_response_new_from_http (response, &error);
      if (token == NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_pointer (task, token, (GDestroyNotify) _pi_keyring_token_response_free);
      return;
    }

  if (g_str_equal (oauth_error, "authorization_pending"))
    schedule_poll (g_steal_pointer (&task));
  else if (g_str_equal (oauth_error, "slow_down"))
    {
      double interval = get_number_member (response->object, "interval");

      poll->slow_down_seen = TRUE;
      if ((self->flags & PI_KEYRING_DEVICE_POLL_SLOW_DOWN_ADDS_5) == 0 &&
          isfinite (interval) && interval > 0)
        poll->interval_ms = (self->flags & PI_KEYRING_DEVICE_POLL_PLAIN) != 0 ?
                            MAX (1000, (double) (gint64) (MIN (interval, 3600) * 1000)) :
                            MIN (interval, 3600) * 1000;
      else
        poll->interval_ms = MAX (1000, poll->interval_ms + 5000);
      if ((self->flags & PI_KEYRING_DEVICE_POLL_PLAIN) == 0)
        poll->multiplier = 1.4;
      schedule_poll (g_steal_pointer (&task));
    }
  else if (g_str_equal (oauth_error, "expired_token"))
    return_timed_out (task);
  else if (g_str_equal (oauth_error, "access_denied") ||
           ((self->flags & PI_KEYRING_DEVICE_POLL_PLAIN) != 0 &&
            g_str_equal (oauth_error, "authorization_denied")))
    g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_ACCESS_DENIED,
                             _("Access was denied: the device code was refused."));
  else
    {
      g_autofree char *code = escape_for_message (oauth_error);
      g_autofree char *description = NULL;

      if (response->oauth_error_description != NULL)
        description = escape_for_message (response->oauth_error_description);

      if (description != NULL)
        g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                                 _("Device flow failed: %s: %s"), code, description);
      else
        g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                                 _("Device flow failed: %s"), code);
    }
}

static gboolean
on_sleep_done (gpointer user_data)
{
  GTask *task = user_data;
  PiKeyringDevicePoller *self = g_task_get_source_object (task);
  PollData *poll = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(PiKeyringHttpRequest) request = NULL;

  g_clear_pointer (&poll->sleep, g_source_unref);

  /* The task's own reference keeps it alive from here on. */
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return G_SOURCE_REMOVE;
    }
  /* pi 1.6.0: `while (Date.now () < deadline)`: no poll at the deadline. */
  if ((self->flags & PI_KEYRING_DEVICE_POLL_PLAIN) != 0 &&
      _pi_keyring_clock_now_ms (self->clock) >= poll->deadline_ms)
    {
      return_timed_out (task);
      g_object_unref (task);
      return G_SOURCE_REMOVE;
    }

  request = _pi_keyring_http_request_new ("POST", self->poll_url);
  for (guint i = 0; i + 1 < self->headers->len; i += 2)
    _pi_keyring_http_request_add_header (request, g_ptr_array_index (self->headers, i),
                                         g_ptr_array_index (self->headers, i + 1));
  if ((self->flags & PI_KEYRING_DEVICE_POLL_GRANT_CLIENT_DEVICE) != 0)
    {
      _pi_keyring_http_request_add_form_field (request, "grant_type", GRANT_TYPE_DEVICE_CODE);
      _pi_keyring_http_request_add_form_field (request, "client_id", self->client_id);
      _pi_keyring_http_request_add_form_field (request, "device_code", self->device_code);
    }
  else if ((self->flags & PI_KEYRING_DEVICE_POLL_GRANT_DEVICE_CLIENT) != 0)
    {
      _pi_keyring_http_request_add_form_field (request, "grant_type", GRANT_TYPE_DEVICE_CODE);
      _pi_keyring_http_request_add_form_field (request, "device_code", self->device_code);
      _pi_keyring_http_request_add_form_field (request, "client_id", self->client_id);
    }
  else
    {
      _pi_keyring_http_request_add_form_field (request, "client_id", self->client_id);
      _pi_keyring_http_request_add_form_field (request, "device_code", self->device_code);
      _pi_keyring_http_request_add_form_field (request, "grant_type", GRANT_TYPE_DEVICE_CODE);
    }

  _pi_keyring_http_client_send_async (self->client, request, cancellable, on_poll_answer, task);

  return G_SOURCE_REMOVE;
}

/* Takes the reference to @task. */
static void
schedule_poll (GTask *task)
{
  PiKeyringDevicePoller *self = g_task_get_source_object (task);
  PollData *poll = g_task_get_task_data (task);
  gint64 now = _pi_keyring_clock_now_ms (self->clock);
  gint64 wait;

  if (now >= poll->deadline_ms)
    {
      return_timed_out (task);
      g_object_unref (task);
      return;
    }

  wait = MIN (ceil_ms (poll->interval_ms * poll->multiplier), poll->deadline_ms - now);
  if (poll->at_once)
    {
      poll->at_once = FALSE;
      wait = 0;
    }
  poll->sleep = clock_sleep_source_new (self->clock, wait, g_task_get_cancellable (task));
  /* on_sleep_done takes over the reference. */
  g_task_attach_source (task, poll->sleep, on_sleep_done);
}

void
_pi_keyring_device_poller_poll_async (PiKeyringDevicePoller *self,
                                      GCancellable          *cancellable,
                                      GAsyncReadyCallback    callback,
                                      gpointer               user_data)
{
  GTask *task;
  PollData *poll;

  g_return_if_fail (PI_KEYRING_IS_DEVICE_POLLER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, _pi_keyring_device_poller_poll_async);

  poll = g_new0 (PollData, 1);
  /* At most a day; a missing interval is RFC 8628's default of 5 s. */
  poll->deadline_ms = _pi_keyring_clock_now_ms (self->clock) +
                      (gint64) (isfinite (self->expires_in) ?
                                CLAMP (self->expires_in, 0, 86400) * 1000 :
                                /* pi 1.6.0 polls without a deadline when
                                 * there is no expires_in (meta); a day is
                                 * ours (RFC 8628 §3.2 requires expires_in) */
                                (self->flags & PI_KEYRING_DEVICE_POLL_PLAIN) != 0 ?
                                86400 * 1000 : 0);
  /* floor () by truncation: below 1 s it makes no difference */
  poll->interval_ms = MAX (1000, (double) (gint64) ((isfinite (self->interval) ?
                                                     MAX (MIN (self->interval, 3600), 0) : 5) *
                                                    1000));
  poll->multiplier = (self->flags & PI_KEYRING_DEVICE_POLL_PLAIN) != 0 ? 1.0 : 1.2;
  poll->at_once = (self->flags & PI_KEYRING_DEVICE_POLL_FIRST_AT_ONCE) != 0;
  g_task_set_task_data (task, poll, poll_data_free);

  schedule_poll (task);
}

PiKeyringTokenResponse *
_pi_keyring_device_poller_poll_finish (PiKeyringDevicePoller  *self,
                                       GAsyncResult           *result,
                                       GError                **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        _pi_keyring_device_poller_poll_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
