/* pi-keyring-pi-lock.c: pi's auth.json.lock directory protocol
 *
 * pi guards auth.json with npm proper-lockfile (reference §3.4): the lock is
 * the directory `<auth.json path>.lock`, made with mkdir; a lock whose
 * mtime is older than the stale time (10 s) may be removed by anyone and
 * taken; unlocking removes the directory. Which path: pi 1.6.0 resolves
 * it (realpath) for every lock; pi 0.73.1 resolves it for its refresh
 * only. For a symbolic link to auth.json we take both (see
 * _pi_keyring_pi_lock_try).
 *
 * proper-lockfile refreshes the lock's mtime every stale/2 (5 s) while it
 * is held. Our holds last a read, a parse and a write of one small file, far
 * below that, so we do not refresh (the refresher does, through
 * _pi_keyring_pi_lock_touch ()).
 *
 * A pi-keyring killed while it holds the lock must not make the next one,
 * or pi, wait the 10 s: we say who holds it, in the sibling file
 * `<auth.json path>.lock.owner` (0600, there while the lock is held), not
 * inside the directory. pi 0.73.1
 * and 1.6.0 (both proper-lockfile 4.1.2) remove the directory with a plain
 * rmdir — when it unlocks, when it takes a stale lock over, and at exit —
 * which fails with ENOTEMPTY on a directory holding a file: pi could then
 * never take over a lock we left, and would fail to write auth.json for
 * good. The owner file:
 *
 * - is the pi-keyrings' mutex: flock (LOCK_EX) on it is held for as long
 *   as the directory is ours, so the kernel drops it the moment we die;
 * - holds our pid, the start time of our process, the boot id and the
 *   lock directory's device, inode and mtime, written right after mkdir.
 *
 * Whoever gets the flock and finds the directory knows no live pi-keyring
 * on this machine holds it. It takes the directory over at once when the
 * record names a process of this boot that is gone (a pid reused since has
 * another start time) and the directory is still the one recorded (same
 * inode and mtime: a directory pi made after ours, from a stale takeover,
 * has another mtime). Anything else — pi's lock, another machine's, a
 * record cut short — is left to the mtime rule. The directory is made
 * under a temporary name, recorded, and renamed into place (renameat2,
 * RENAME_NOREPLACE), so that it never exists unrecorded; release removes
 * it, then empties the record.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "core/pi-keyring-core-private.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <utime.h>

#include <glib/gstdio.h>

#define DEFAULT_STALE_MS 10000
#define POLL_INTERVAL_MS 25

/* One lock directory held. */
typedef struct
{
  char *lock_path;
  int   owner_fd;   /* flocked for as long as we hold the lock; -1 without one */
} HeldDir;

/* pi's lock of one auth.json: one directory, or two when the configured
 * path is a symbolic link (see _pi_keyring_pi_lock_try). */
struct _PiKeyringPiLock
{
  HeldDir *dirs[2];   /* taken in this order, released in the other */
};

/* The start time of process @pid (field 22 of /proc/PID/stat, clock ticks
 * since boot); 0 when it is gone or a zombie. */
static guint64
process_start_time (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *contents = NULL;
  const char *p;
  guint64 start = 0;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;

  /* After the command name, which may hold spaces and parentheses. */
  p = strrchr (contents, ')');
  if (p == NULL || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
    return 0;
  p += 2;
  for (int field = 3; field < 22 && p != NULL; field++)
    {
      p = strchr (p, ' ');
      if (p != NULL)
        p++;
    }
  if (p != NULL)
    start = g_ascii_strtoull (p, NULL, 10);

  return start;
}

static char *
boot_id (void)
{
  g_autofree char *contents = NULL;

  if (!g_file_get_contents ("/proc/sys/kernel/random/boot_id", &contents, NULL, NULL))
    return NULL;

  return g_strdup (g_strstrip (contents));
}

/* Records us as the owner of @lock_path, right after its mkdir. */
static void
owner_write (int         fd,
             const char *lock_path)
{
  g_autofree char *boot = boot_id ();
  g_autofree char *record = NULL;
  struct stat st;
  gsize length;

  if (fd < 0 || boot == NULL || g_stat (lock_path, &st) != 0)
    return;

  record = g_strdup_printf ("pi-keyring %d %" G_GUINT64_FORMAT " %s %" G_GUINT64_FORMAT
                            " %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT ".%09ld\n",
                            (int) getpid (), process_start_time (getpid ()), boot,
                            (guint64) st.st_dev, (guint64) st.st_ino,
                            (gint64) st.st_mtim.tv_sec, (long) st.st_mtim.tv_nsec);
  length = strlen (record);
  if (ftruncate (fd, 0) != 0 || pwrite (fd, record, length, 0) != (gssize) length)
    g_debug ("Could not record the owner of %s: %s", lock_path, g_strerror (errno));
}

/* Whether the record in @fd (whose flock we hold) names a pi-keyring of
 * this boot that is gone, and @lock_path is still the directory it made. */
static gboolean
owner_is_dead (int         fd,
               const char *lock_path)
{
  g_autofree char *boot = boot_id ();
  char record[256];
  char recorded_boot[64];
  int pid;
  guint64 start, dev, ino, now_start;
  gint64 mtime_sec;
  long mtime_nsec;
  struct stat st;
  gssize n;

  if (fd < 0 || boot == NULL)
    return FALSE;

  n = pread (fd, record, sizeof record - 1, 0);
  if (n <= 0)
    return FALSE;
  record[n] = '\0';

  if (sscanf (record, "pi-keyring %d %" G_GUINT64_FORMAT " %63s %" G_GUINT64_FORMAT
              " %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT ".%ld",
              &pid, &start, recorded_boot, &dev, &ino, &mtime_sec, &mtime_nsec) != 7 ||
      pid <= 0 || !g_str_equal (recorded_boot, boot))
    return FALSE;

  if (g_stat (lock_path, &st) != 0 || (guint64) st.st_dev != dev || (guint64) st.st_ino != ino ||
      (gint64) st.st_mtim.tv_sec != mtime_sec || st.st_mtim.tv_nsec != mtime_nsec)
    return FALSE;

  if (kill (pid, 0) != 0 && errno == ESRCH)
    return TRUE;

  now_start = process_start_time (pid);
  return now_start == 0 || now_start != start;
}

/* The owner file, opened and flocked; -1 when another pi-keyring holds it
 * (errno EWOULDBLOCK) or it cannot be had (then the mtime rule alone). */
static int
owner_open (const char *lock_path,
            gboolean   *out_busy)
{
  g_autofree char *owner_path = g_strconcat (lock_path, ".owner", NULL);
  int fd;

  *out_busy = FALSE;
  /* Its holder removes it on release: a file we flocked after that has no
   * name any more, and the one of the name is opened again. */
  for (int tries = 0; tries < 10; tries++)
    {
      struct stat opened, named;

      fd = g_open (owner_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
      if (fd < 0)
        {
          g_debug ("Could not open %s: %s", owner_path, g_strerror (errno));
          return -1;
        }

      if (flock (fd, LOCK_EX | LOCK_NB) != 0)
        {
          *out_busy = (errno == EWOULDBLOCK);
          close (fd);
          return -1;
        }

      if (fstat (fd, &opened) == 0 && g_lstat (owner_path, &named) == 0 &&
          opened.st_ino == named.st_ino && opened.st_dev == named.st_dev)
        return fd;
      close (fd);
    }

  *out_busy = TRUE;
  return -1;
}

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

/* Lock directories a pi-keyring killed while making one left (NAME.lock.XXXXXX);
 * we hold the owner file's flock, so none is being made now. */
static void
remove_stray_dirs (const char *lock_path)
{
  g_autofree char *dir_path = g_path_get_dirname (lock_path);
  g_autofree char *base = g_path_get_basename (lock_path);
  gsize base_length = strlen (base);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *entry;

  if (dir == NULL)
    return;

  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;

      if (strncmp (entry, base, base_length) != 0 || entry[base_length] != '.' ||
          strlen (entry) != base_length + 7)
        continue;
      path = g_build_filename (dir_path, entry, NULL);
      if (g_rmdir (path) == 0)  /* an empty directory only */
        g_debug ("Removed %s, left by a pi-keyring that is gone", path);
    }
}

/* Makes the lock directory, 0700 whatever the umask (mkdir applies it,
 * chmod does not), with its owner record. Where renameat2 can refuse to
 * replace, the directory is made under a temporary name, recorded, then
 * renamed into place: no moment exists at which it is there unrecorded.
 * Otherwise mkdir, then the record. -1 with errno set (EEXIST: held). */
static int
make_lock_dir (const char *lock_path,
               int         owner_fd)
{
  if (owner_fd >= 0)
    {
      g_autofree char *tmp_path = g_strconcat (lock_path, ".XXXXXX", NULL);

      if (g_mkdtemp_full (tmp_path, 0700) != NULL)
        {
          int saved_errno;

          if (g_chmod (tmp_path, 0700) == 0)
            {
              owner_write (owner_fd, tmp_path);
              if (renameat2 (AT_FDCWD, tmp_path, AT_FDCWD, lock_path, RENAME_NOREPLACE) == 0)
                return 0;
            }
          saved_errno = errno;
          g_rmdir (tmp_path);
          if (saved_errno != EINVAL && saved_errno != ENOSYS && saved_errno != EOPNOTSUPP)
            {
              errno = saved_errno;
              return -1;
            }
        }
    }

  if (g_mkdir (lock_path, 0700) != 0)
    return -1;
  if (g_chmod (lock_path, 0700) != 0)
    g_debug ("Could not make %s private: %s", lock_path, g_strerror (errno));
  owner_write (owner_fd, lock_path);
  return 0;
}

/* One attempt at the directory @lock_path, as proper-lockfile's
 * acquireLock: mkdir; when the lock exists and its mtime is older than
 * @stale_ms, remove it and try once more without the stale check. */
static HeldDir *
dir_try (const char  *file_path,
         const char  *lock_path,
         guint        stale_ms,
         GError     **error)
{
  HeldDir *held;
  struct stat st;
  gboolean busy;
  int owner_fd;
  int saved_errno;

  /* Another pi-keyring holds it: no need to look further. */
  owner_fd = owner_open (lock_path, &busy);
  if (busy)
    {
      set_busy_error (error, file_path, lock_path);
      return NULL;
    }
  if (owner_fd >= 0)
    remove_stray_dirs (lock_path);

  /* proper-lockfile's order is mkdir, then the stale check on EEXIST and
   * one more mkdir without it; the check comes first here, since making
   * the lock writes the record the check reads. A lock made meanwhile is
   * a busy one all the same. */
  if (g_lstat (lock_path, &st) == 0)
    {
      if (owner_is_dead (owner_fd, lock_path))
        g_debug ("Taking over the lock %s of a pi-keyring that is gone", lock_path);
      else if (stale_ms > 0 && mtime_ms (&st) < _pi_keyring_now_ms () - (gint64) stale_ms)
        g_debug ("Taking over the stale lock %s", lock_path);
      else
        goto busy;

      if (g_rmdir (lock_path) != 0 && errno != ENOENT)
        {
          saved_errno = errno;
          goto fail;
        }
    }
  else if (errno != ENOENT)
    {
      saved_errno = errno;
      goto fail;
    }

  if (make_lock_dir (lock_path, owner_fd) != 0)
    {
      saved_errno = errno;
      if (saved_errno == EEXIST)
        goto busy;
      goto fail;
    }

  held = g_new0 (HeldDir, 1);
  held->lock_path = g_strdup (lock_path);
  held->owner_fd = owner_fd;
  return held;

busy:
  if (owner_fd >= 0)
    close (owner_fd);
  set_busy_error (error, file_path, lock_path);
  return NULL;

fail:
  if (owner_fd >= 0)
    close (owner_fd);
  set_errno_error (error, saved_errno, lock_path);
  return NULL;
}

static void
dir_release (HeldDir *held)
{
  if (held == NULL)
    return;

  /* The directory first: a record left by a kill in between names a
   * directory that is gone (a later one has another inode or mtime). */
  if (g_rmdir (held->lock_path) != 0 && errno != ENOENT)
    g_debug ("Could not remove the lock %s: %s", held->lock_path, g_strerror (errno));

  if (held->owner_fd >= 0)
    {
      g_autofree char *owner_path = g_strconcat (held->lock_path, ".owner", NULL);

      /* Emptied, then gone: only auth.json stays beside auth.json. */
      if (ftruncate (held->owner_fd, 0) != 0 || g_unlink (owner_path) != 0)
        g_debug ("Could not remove %s: %s", owner_path, g_strerror (errno));
      close (held->owner_fd);
    }
  g_free (held->lock_path);
  g_free (held);
}

/* realpath (3) of @path as a GLib string; NULL when it cannot be had (the
 * file is missing, a link dangles). */
static char *
real_path (const char *path)
{
  char *real = realpath (path, NULL);
  char *copy;

  if (real == NULL)
    return NULL;
  copy = g_strdup (real);
  free (real);
  return copy;
}

/* The lock pi 1.6.0 takes for @file_path, when it is another directory
 * than `<@file_path>.lock`: proper-lockfile's `realpath` option (its
 * default, which pi 1.6.0 uses everywhere and pi 0.73.1 for its refresh)
 * locks `<realpath of the file>.lock`; pi 0.73.1's other locks
 * (`realpath: false`) lock `<the path as configured>.lock`. The two are
 * one directory unless the file's last component is a symbolic link (a
 * linked directory above it leads both to the same place). NULL when they
 * are one, or the file cannot be resolved (it does not exist yet: neither
 * pi locks before making it, and then it is not a link). */
static char *
resolved_lock_path (const char *file_path)
{
  g_autofree char *resolved = real_path (file_path);
  g_autofree char *dir = NULL;
  g_autofree char *real_dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *unresolved = NULL;

  if (resolved == NULL)
    return NULL;

  dir = g_path_get_dirname (file_path);
  base = g_path_get_basename (file_path);
  real_dir = real_path (dir);
  if (real_dir != NULL)
    {
      unresolved = g_build_filename (real_dir, base, NULL);
      if (g_str_equal (unresolved, resolved))
        return NULL;
    }

  return g_strconcat (resolved, ".lock", NULL);
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
 * When @file_path is a symbolic link, pi 1.6.0 locks the file it leads to
 * and pi 0.73.1 (but for its refresh) the link: both directories are
 * taken, the resolved one first (a fixed order, so that two pi-keyrings
 * reaching one file through different links cannot each hold the lock the
 * other wants; neither pi holds one lock while it waits for another). When
 * the second is held by another program the first is let go again, and
 * the attempt is a busy one.
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
  g_autofree char *resolved = NULL;
  PiKeyringPiLock *lock;
  HeldDir *first = NULL;
  HeldDir *second;

  g_return_val_if_fail (file_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  lock_path = g_strconcat (file_path, ".lock", NULL);
  resolved = resolved_lock_path (file_path);

  if (resolved != NULL)
    {
      first = dir_try (file_path, resolved, stale_ms, error);
      if (first == NULL)
        return NULL;
    }

  second = dir_try (file_path, lock_path, stale_ms, error);
  if (second == NULL)
    {
      dir_release (first);
      return NULL;
    }

  lock = g_new0 (PiKeyringPiLock, 1);
  lock->dirs[0] = first != NULL ? first : second;
  lock->dirs[1] = first != NULL ? second : NULL;
  return lock;
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
 * _pi_keyring_pi_lock_touch:
 * @lock: a lock
 *
 * proper-lockfile's "update": sets the lock's mtime to now, so that a lock
 * held for long never looks stale, and records the new mtime as ours.
 */
void
_pi_keyring_pi_lock_touch (PiKeyringPiLock *lock)
{
  g_return_if_fail (lock != NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (lock->dirs); i++)
    {
      HeldDir *held = lock->dirs[i];

      if (held == NULL)
        continue;
      if (g_utime (held->lock_path, NULL) != 0)
        {
          g_debug ("Could not refresh the lock %s: %s", held->lock_path, g_strerror (errno));
          continue;
        }
      owner_write (held->owner_fd, held->lock_path);
    }
}

/*
 * _pi_keyring_pi_lock_release:
 * @lock: (transfer full): a lock
 *
 * Releases the lock (removes each directory, then its owner file, letting
 * go of its flock; the last one taken first) and frees @lock.
 */
void
_pi_keyring_pi_lock_release (PiKeyringPiLock *lock)
{
  if (lock == NULL)
    return;

  dir_release (lock->dirs[1]);
  dir_release (lock->dirs[0]);
  g_free (lock);
}
