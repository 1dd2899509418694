/* pi-keyring-pi-lock.c: pi's auth.json.lock directory protocol
 *
 * pi guards auth.json with npm proper-lockfile (reference §3.4): the lock is
 * the directory `<auth.json path>.lock`, made with mkdir (the path is not
 * resolved); a lock whose mtime is older than the stale time (10 s) may be
 * removed by anyone and taken; unlocking removes the directory.
 *
 * proper-lockfile refreshes the lock's mtime every stale/2 (5 s) while it
 * is held. Our holds last a read, a parse and a write of one small file, far
 * below that, so we do not refresh.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "core/pi-keyring-core-private.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib/gstdio.h>

#define DEFAULT_STALE_MS 10000
#define POLL_INTERVAL_MS 25

struct _PiKeyringPiLock
{
  char *lock_path;
};

static gint64
mtime_ms (const struct stat *st)
{
  return (gint64) st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
}

static void
set_errno_error (GError     **error,
                 int          saved_errno,
                 const char  *lock_path)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               _("Could not lock “%s”: %s"), lock_path, g_strerror (saved_errno));
}

static void
set_busy_error (GError     **error,
                const char  *file_path,
                const char  *lock_path)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
               _("“%s” is locked by another program (the lock “%s” exists)."),
               file_path, lock_path);
}

/*
 * _pi_keyring_pi_lock_try:
 * @file_path: the path of auth.json, as configured (not resolved)
 * @stale_ms: the age of a lock that may be taken over; 0 never takes one
 * @error: return location for an error
 *
 * Makes one attempt to take pi's lock, as proper-lockfile's acquireLock:
 * mkdir; when the lock exists and its mtime is older than @stale_ms, remove
 * it and try once more without the stale check.
 *
 * Returns: (transfer full) (nullable): the lock, or %NULL with
 *   %G_IO_ERROR_BUSY when another process holds it (or another error)
 */
PiKeyringPiLock *
_pi_keyring_pi_lock_try (const char  *file_path,
                         guint        stale_ms,
                         GError     **error)
{
  g_autofree char *lock_path = NULL;
  PiKeyringPiLock *lock;

  g_return_val_if_fail (file_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  lock_path = g_strconcat (file_path, ".lock", NULL);

  for (int attempt = 0; attempt < 2; attempt++)
    {
      struct stat st;
      int saved_errno;

      if (g_mkdir (lock_path, 0777) == 0)
        {
          lock = g_new0 (PiKeyringPiLock, 1);
          lock->lock_path = g_steal_pointer (&lock_path);
          return lock;
        }

      saved_errno = errno;
      if (saved_errno != EEXIST)
        {
          set_errno_error (error, saved_errno, lock_path);
          return NULL;
        }

      /* The second attempt skips the stale check, as proper-lockfile does,
       * so that two processes cannot take a lock from each other for ever. */
      if (attempt > 0 || stale_ms == 0)
        break;

      if (g_stat (lock_path, &st) != 0)
        {
          saved_errno = errno;
          if (saved_errno == ENOENT)
            continue;  /* removed meanwhile */
          set_errno_error (error, saved_errno, lock_path);
          return NULL;
        }

      if (mtime_ms (&st) >= _pi_keyring_now_ms () - (gint64) stale_ms)
        break;

      g_debug ("Taking over the stale lock %s", lock_path);
      if (g_rmdir (lock_path) != 0 && errno != ENOENT)
        {
          saved_errno = errno;
          set_errno_error (error, saved_errno, lock_path);
          return NULL;
        }
    }

  set_busy_error (error, file_path, lock_path);
  return NULL;
}

/*
 * _pi_keyring_pi_lock_acquire:
 * @file_path: the path of auth.json, as configured (not resolved)
 * @wait_ms: how long to wait for a held lock
 * @error: return location for an error
 *
 * Takes pi's lock, blocking the calling thread: polls every 25 ms for up to
 * @wait_ms, taking a lock over once it is stale (10 s old). pi itself gives
 * up after about 200 ms; we are the patient one (DESIGN §7.1). Code on a
 * main loop polls _pi_keyring_pi_lock_try() from a timeout instead.
 *
 * Returns: (transfer full) (nullable): the lock, or %NULL with
 *   %G_IO_ERROR_BUSY when it stayed held (or another error)
 */
PiKeyringPiLock *
_pi_keyring_pi_lock_acquire (const char  *file_path,
                             guint        wait_ms,
                             GError     **error)
{
  gint64 deadline;

  g_return_val_if_fail (file_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  deadline = g_get_monotonic_time () + (gint64) wait_ms * 1000;

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      PiKeyringPiLock *lock;

      lock = _pi_keyring_pi_lock_try (file_path, DEFAULT_STALE_MS, &local_error);
      if (lock != NULL)
        return lock;

      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_BUSY) ||
          g_get_monotonic_time () >= deadline)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }

      g_usleep (POLL_INTERVAL_MS * 1000);
    }
}

/*
 * _pi_keyring_pi_lock_release:
 * @lock: (transfer full): a lock
 *
 * Releases the lock (removes the directory) and frees @lock.
 */
void
_pi_keyring_pi_lock_release (PiKeyringPiLock *lock)
{
  if (lock == NULL)
    return;

  if (g_rmdir (lock->lock_path) != 0 && errno != ENOENT)
    g_debug ("Could not remove the lock %s: %s", lock->lock_path, g_strerror (errno));

  g_free (lock->lock_path);
  g_free (lock);
}
