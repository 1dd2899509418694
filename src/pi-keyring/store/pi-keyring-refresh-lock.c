/* pi-keyring-refresh-lock.c: the cross-process lock of a credential
 *
 * An flock on $XDG_RUNTIME_DIR/pi-keyring/<profile>/<provider>.lock, held
 * from the re-read to the write-back, so that N processes with one expired
 * token make one token request: the first refreshes, the others wait, read
 * the entry again and find it fresh. The file is never removed (removing a
 * lock file lets two holders in). Waiting polls with LOCK_NB from the main
 * loop, which keeps running.
 *
 * Inside one process the lock is held once per path: a flight of the same
 * main context waits for the holder, which can go on; a flight of another
 * context shares it, since that context may be blocked in a _sync call
 * waiting for us (the flights table keeps one flight per context anyway).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "store/pi-keyring-store-private.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>

/* How long a flight waits for the lock before it gives up. */
#define FLOCK_WAIT_MS 60000

struct _PiKeyringRefreshLock
{
  char         *path;
  int           fd;
  GMainContext *context;
  guint         holders;
};

G_LOCK_DEFINE_STATIC (held_locks);
static GHashTable *held_locks;   /* path → PiKeyringRefreshLock */
static gint flock_wait_ms = FLOCK_WAIT_MS;

void
_pi_keyring_set_refresh_lock_timeout_ms (guint timeout_ms)
{
  g_atomic_int_set (&flock_wait_ms, timeout_ms > 0 ? timeout_ms : FLOCK_WAIT_MS);
}

guint
_pi_keyring_get_refresh_lock_timeout_ms (void)
{
  return (guint) g_atomic_int_get (&flock_wait_ms);
}

/* A name that is one path component whatever the id: no `/`, no NUL, not
 * `.` or `..`, no leading dot, nothing the shell or a person would trip on. */
static char *
escape_file_name (const char *name)
{
  GString *out = g_string_new (NULL);

  for (const char *p = name; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (g_ascii_isalnum (c) || c == '-' || c == '_' || c == '@' || c == '+' ||
          (c == '.' && p != name))
        g_string_append_c (out, (char) c);
      else
        g_string_append_printf (out, "%%%02X", c);
    }

  if (out->len == 0)
    g_string_append (out, "%");

  /* NAME_MAX is 255; keep room for ".lock" and ".recovery". */
  if (out->len > 200)
    {
      char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, name, -1);

      g_string_assign (out, "%sha256-");
      g_string_append (out, digest);
      g_free (digest);
    }

  return g_string_free (out, FALSE);
}

char *
_pi_keyring_refresh_file_path (const char *profile,
                               const char *provider,
                               const char *suffix)
{
  g_autofree char *profile_name = escape_file_name (profile);
  g_autofree char *provider_name = escape_file_name (provider);
  g_autofree char *file_name = g_strconcat (provider_name, suffix, NULL);

  return g_build_filename (g_get_user_runtime_dir (), "pi-keyring", profile_name, file_name,
                           NULL);
}

char *
_pi_keyring_refresh_lock_path (const char *profile,
                               const char *provider)
{
  return _pi_keyring_refresh_file_path (profile, provider, ".lock");
}

static void
refresh_lock_free (PiKeyringRefreshLock *lock)
{
  /* Closing the last descriptor releases the flock. */
  if (lock->fd >= 0)
    close (lock->fd);
  g_main_context_unref (lock->context);
  g_free (lock->path);
  g_free (lock);
}

/* One attempt: the lock, or NULL with G_IO_ERROR_BUSY when someone else
 * holds it, or another error when the file cannot be made. */
PiKeyringRefreshLock *
_pi_keyring_refresh_lock_try (const char    *path,
               GMainContext  *context,
               GError       **error)
{
  g_autofree char *dir = NULL;
  PiKeyringRefreshLock *lock;
  int saved_errno;
  int fd;

  G_LOCK (held_locks);

  if (held_locks == NULL)
    held_locks = g_hash_table_new (g_str_hash, g_str_equal);

  lock = g_hash_table_lookup (held_locks, path);
  if (lock != NULL)
    {
      if (lock->context == context)
        {
          G_UNLOCK (held_locks);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                       _("Another refresh of this credential is running."));
          return NULL;
        }
      lock->holders++;
      G_UNLOCK (held_locks);
      return lock;
    }

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      saved_errno = errno;
      G_UNLOCK (held_locks);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not create the directory “%s”: %s"), dir, g_strerror (saved_errno));
      return NULL;
    }

  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    {
      saved_errno = errno;
      G_UNLOCK (held_locks);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not open the lock file “%s”: %s"), path, g_strerror (saved_errno));
      return NULL;
    }

  while (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      saved_errno = errno;
      if (saved_errno == EINTR)
        continue;

      close (fd);
      G_UNLOCK (held_locks);
      if (saved_errno == EWOULDBLOCK)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                     _("Another program is refreshing this credential."));
      else
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                     _("Could not lock “%s”: %s"), path, g_strerror (saved_errno));
      return NULL;
    }

  lock = g_new0 (PiKeyringRefreshLock, 1);
  lock->path = g_strdup (path);
  lock->fd = fd;
  lock->context = g_main_context_ref (context);
  lock->holders = 1;
  g_hash_table_insert (held_locks, lock->path, lock);

  G_UNLOCK (held_locks);
  return lock;
}

void
_pi_keyring_refresh_lock_release (PiKeyringRefreshLock *lock)
{
  G_LOCK (held_locks);
  if (--lock->holders == 0)
    {
      g_hash_table_remove (held_locks, lock->path);
      refresh_lock_free (lock);
    }
  G_UNLOCK (held_locks);
}
