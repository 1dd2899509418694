/* pi-keyring-timer-source.c: the wall clock, and a main-loop source that
 * fires at a wall-clock time and notices when the clock is set
 *
 * The refresh scheduler waits for `expires − 5 min`, a wall-clock time: a
 * timeout source counts monotonic time, which stops during suspend and
 * ignores a clock that is set, so it would fire late (or early). A timerfd
 * on CLOCK_REALTIME armed with TFD_TIMER_ABSTIME fires when the wall clock
 * reaches the time, also when it got there while the machine slept; with
 * TFD_TIMER_CANCEL_ON_SET a read fails with ECANCELED when the clock was
 * set (by hand, by NTP stepping it, and on resume, when the kernel adjusts
 * CLOCK_REALTIME for the time slept), and the owner looks again at what is
 * due. Nothing else wakes the process: no polling.
 *
 * The clock can be replaced for tests (_pi_keyring_wall_clock_set_virtual ()):
 * time then stands still until a test advances it, jumps it or simulates a
 * resume, and the timer sources hear of it as they would from the kernel.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "core/pi-keyring-core-private.h"

#include <errno.h>
#include <stdint.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* A time that never comes: arms the timer only to hear of clock changes
 * (a disarmed timerfd would not report them). As systemd does. */
#define FAR_AWAY_SECONDS ((time_t) (((uintmax_t) 1 << (sizeof (time_t) * 8 - 1)) - 1))

enum
{
  PENDING_EXPIRED   = 1 << 0,
  PENDING_CLOCK_SET = 1 << 1,
};

typedef struct
{
  GSource  source;

  int      fd;
  gpointer fd_tag;
  gint64   deadline_ms;   /* -1: none; under the clock lock */
  gint     pending;       /* PENDING_*, set by the virtual clock (atomic) */
  guint    dispatches;
} PiKeyringTimerSource;

/* --- the clock --- */

G_LOCK_DEFINE_STATIC (clock);
static gboolean clock_is_virtual;
static gint64   clock_virtual_ms;
static GSList  *timer_sources;    /* PiKeyringTimerSource, not owned */

/*
 * The wall clock the refresh logic goes by: milliseconds since the epoch,
 * the virtual time when a test set one.
 */
gint64
_pi_keyring_wall_clock_now_ms (void)
{
  gint64 now;

  G_LOCK (clock);
  now = clock_is_virtual ? clock_virtual_ms : g_get_real_time () / 1000;
  G_UNLOCK (clock);

  return now;
}

/* With the clock lock held. */
static void
notify_source (PiKeyringTimerSource *self,
               gint                  events)
{
  GMainContext *context;

  g_atomic_int_or (&self->pending, events);
  if (g_source_is_destroyed ((GSource *) self))
    return;
  context = g_source_get_context ((GSource *) self);
  if (context != NULL)
    g_main_context_wakeup (context);
}

/* With the clock lock held: every source whose deadline has come. */
static void
notify_expired (void)
{
  for (GSList *l = timer_sources; l != NULL; l = l->next)
    {
      PiKeyringTimerSource *self = l->data;

      if (self->deadline_ms >= 0 && self->deadline_ms <= clock_virtual_ms)
        notify_source (self, PENDING_EXPIRED);
    }
}

/* With the clock lock held. */
static void
notify_clock_set (void)
{
  for (GSList *l = timer_sources; l != NULL; l = l->next)
    notify_source (l->data, PENDING_CLOCK_SET);
}

/*
 * @now_ms: the virtual time, or -1 to go back to the real clock
 *
 * For tests: from now on the clock says @now_ms until a test moves it.
 * Every timer source hears that the clock was set.
 */
void
_pi_keyring_wall_clock_set_virtual (gint64 now_ms)
{
  G_LOCK (clock);
  clock_is_virtual = now_ms >= 0;
  clock_virtual_ms = MAX (now_ms, 0);
  notify_clock_set ();
  G_UNLOCK (clock);
}

/*
 * @delta_ms: how much time passes
 *
 * For tests: time passes normally; a timer whose deadline comes fires.
 */
void
_pi_keyring_wall_clock_advance (gint64 delta_ms)
{
  g_return_if_fail (delta_ms >= 0);

  G_LOCK (clock);
  g_warn_if_fail (clock_is_virtual);
  clock_virtual_ms += delta_ms;
  notify_expired ();
  G_UNLOCK (clock);
}

/*
 * @delta_ms: how far the clock is set, forwards or backwards
 *
 * For tests: the clock is set, as by `date -s` or an NTP step; every timer
 * source is told (as by ECANCELED), none fires because of the time alone.
 */
void
_pi_keyring_wall_clock_jump (gint64 delta_ms)
{
  G_LOCK (clock);
  g_warn_if_fail (clock_is_virtual);
  clock_virtual_ms = MAX (clock_virtual_ms + delta_ms, 0);
  notify_clock_set ();
  G_UNLOCK (clock);
}

/*
 * @slept_ms: how long the machine slept
 *
 * For tests: a resume from suspend. CLOCK_REALTIME counted the time slept,
 * so a timer whose deadline passed meanwhile fires, and the kernel tells
 * the TFD_TIMER_CANCEL_ON_SET timers that the clock changed.
 */
void
_pi_keyring_wall_clock_simulate_resume (gint64 slept_ms)
{
  g_return_if_fail (slept_ms >= 0);

  G_LOCK (clock);
  g_warn_if_fail (clock_is_virtual);
  clock_virtual_ms += slept_ms;
  notify_expired ();
  notify_clock_set ();
  G_UNLOCK (clock);
}

/* --- the source --- */

static gboolean
timer_source_prepare (GSource *source,
                      gint    *timeout)
{
  PiKeyringTimerSource *self = (PiKeyringTimerSource *) source;

  *timeout = -1;
  return g_atomic_int_get (&self->pending) != 0;
}

static gboolean
timer_source_check (GSource *source)
{
  PiKeyringTimerSource *self = (PiKeyringTimerSource *) source;

  return g_atomic_int_get (&self->pending) != 0 ||
         (g_source_query_unix_fd (source, self->fd_tag) & G_IO_IN) != 0;
}

static gboolean
timer_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  PiKeyringTimerSource *self = (PiKeyringTimerSource *) source;
  PiKeyringTimerFunc func = (PiKeyringTimerFunc) (void (*) (void)) callback;
  gint events;

  self->dispatches++;
  events = (gint) g_atomic_int_and (&self->pending, 0);

  if ((g_source_query_unix_fd (source, self->fd_tag) & G_IO_IN) != 0)
    {
      guint64 expirations;
      gssize n;

      do
        n = read (self->fd, &expirations, sizeof expirations);
      while (n < 0 && errno == EINTR);

      if (n == sizeof expirations)
        events |= PENDING_EXPIRED;
      else if (n < 0 && errno == ECANCELED)
        events |= PENDING_CLOCK_SET;
    }

  if (events == 0 || func == NULL)
    return G_SOURCE_CONTINUE;

  return func ((events & PENDING_CLOCK_SET) != 0 ? PI_KEYRING_TIMER_CLOCK_SET
                                                  : PI_KEYRING_TIMER_EXPIRED,
               user_data);
}

static void
timer_source_finalize (GSource *source)
{
  PiKeyringTimerSource *self = (PiKeyringTimerSource *) source;

  G_LOCK (clock);
  timer_sources = g_slist_remove (timer_sources, self);
  G_UNLOCK (clock);

  if (self->fd >= 0)
    close (self->fd);
}

static GSourceFuncs timer_source_funcs = {
  timer_source_prepare,
  timer_source_check,
  timer_source_dispatch,
  timer_source_finalize,
  NULL,
  NULL,
};

/*
 * @error: return location for an error
 *
 * Creates a disarmed timer source on the wall clock. Its callback is a
 * #PiKeyringTimerFunc (g_source_set_callback() with a cast).
 *
 * Returns: (transfer full): the source, or %NULL when no timerfd could be made
 */
GSource *
_pi_keyring_timer_source_new (GError **error)
{
  PiKeyringTimerSource *self;
  GSource *source;
  int fd;

  fd = timerfd_create (CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not create a timer: %s"), g_strerror (saved_errno));
      return NULL;
    }

  source = g_source_new (&timer_source_funcs, sizeof (PiKeyringTimerSource));
  g_source_set_static_name (source, "[pi-keyring] refresh timer");
  self = (PiKeyringTimerSource *) source;
  self->fd = fd;
  self->fd_tag = g_source_add_unix_fd (source, fd, G_IO_IN);
  self->deadline_ms = -1;

  G_LOCK (clock);
  timer_sources = g_slist_prepend (timer_sources, self);
  G_UNLOCK (clock);

  _pi_keyring_timer_source_set_deadline (source, -1);

  return source;
}

/*
 * @source: a timer source
 * @deadline_ms: when to fire, in milliseconds since the epoch; -1 for never
 *
 * Arms the timer (replacing the previous deadline). A deadline in the past
 * fires at once. Clock changes are reported either way.
 */
void
_pi_keyring_timer_source_set_deadline (GSource *source,
                                       gint64   deadline_ms)
{
  PiKeyringTimerSource *self = (PiKeyringTimerSource *) source;
  struct itimerspec spec = { { 0, 0 }, { 0, 0 } };
  gboolean is_virtual;

  G_LOCK (clock);
  self->deadline_ms = deadline_ms < 0 ? -1 : deadline_ms;
  is_virtual = clock_is_virtual;
  if (is_virtual && self->deadline_ms >= 0 && self->deadline_ms <= clock_virtual_ms)
    notify_source (self, PENDING_EXPIRED);
  G_UNLOCK (clock);

  if (is_virtual || deadline_ms < 0)
    spec.it_value.tv_sec = FAR_AWAY_SECONDS;
  else
    {
      /* Zero would disarm the timer. */
      deadline_ms = MAX (deadline_ms, 1);
      spec.it_value.tv_sec = (time_t) (deadline_ms / 1000);
      spec.it_value.tv_nsec = (long) (deadline_ms % 1000) * 1000000;
    }

  if (timerfd_settime (self->fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &spec, NULL) != 0)
    g_warning ("Could not arm the refresh timer: %s", g_strerror (errno));
}

/*
 * @source: a timer source
 *
 * Returns: the deadline set, or -1
 */
gint64
_pi_keyring_timer_source_get_deadline (GSource *source)
{
  PiKeyringTimerSource *self = (PiKeyringTimerSource *) source;
  gint64 deadline;

  G_LOCK (clock);
  deadline = self->deadline_ms;
  G_UNLOCK (clock);

  return deadline;
}

/*
 * @source: a timer source
 *
 * What the kernel timer is armed for, from timerfd_gettime(): for tests
 * that check that exactly one timer is armed, for the right time.
 *
 * Returns: the wall-clock time it fires, in milliseconds since the epoch
 *   (rounded); -1 when it waits only for clock changes or is disarmed
 */
gint64
_pi_keyring_timer_source_get_armed_ms (GSource *source)
{
  PiKeyringTimerSource *self = (PiKeyringTimerSource *) source;
  struct itimerspec spec;
  gint64 remaining_ms;

  if (timerfd_gettime (self->fd, &spec) != 0)
    return -1;
  if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0)
    return -1;
  /* More than a century away: the far-away time. */
  if (spec.it_value.tv_sec > (time_t) 100 * 366 * 24 * 3600)
    return -1;

  remaining_ms = (gint64) spec.it_value.tv_sec * 1000 + (spec.it_value.tv_nsec + 500000) / 1000000;
  return g_get_real_time () / 1000 + remaining_ms;
}

/*
 * @source: a timer source
 *
 * Returns: how many times the source was dispatched (its wake-ups)
 */
guint
_pi_keyring_timer_source_get_dispatch_count (GSource *source)
{
  return ((PiKeyringTimerSource *) source)->dispatches;
}
