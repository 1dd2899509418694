/* pi-keyring-file-util.c: private files read whole and replaced atomically
 *
 * What the file backend (auth.json) and the encrypted-file backend (the
 * vault) do alike with their files: read one whole, bounded, without
 * blocking on a FIFO and into memory that is wiped; replace one atomically
 * with mode 0600; make its directory 0700.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "core/pi-keyring-core-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib/gstdio.h>

/* The buffer of a file with no size (a file of /proc) starts this large. */
#define MIN_CAPACITY 4096

static PiKeyringFileRead
read_fail (GError     **error,
           const char  *path,
           int          saved_errno)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               _("Could not read “%s”: %s"), path, g_strerror (saved_errno));
  return PI_KEYRING_FILE_READ_FAILED;
}

static void
wipe_and_free (char  *data,
               gsize  size)
{
  explicit_bzero (data, size);
  g_free (data);
}

/**
 * _pi_keyring_file_read_secret:
 * @path: the file
 * @max_size: the most bytes it may hold
 * @out_data: (out): its bytes, nul-terminated, when it was read
 * @out_length: (out): their number
 * @error: return location for an error
 *
 * Reads all of a regular file of at most @max_size bytes. A FIFO or a
 * device in its place is refused without blocking. Every buffer that held
 * some of the file is wiped before it is freed, except the one returned:
 * free that with _pi_keyring_file_secret_free (@out_data, @out_length)
 * (or g_free () when the file holds no secret).
 *
 * Errors name @path: %G_IO_ERROR (“Could not read …”) when the system
 * fails, %PI_KEYRING_ERROR_PARSE when it is not a regular file.
 *
 * Returns: %PI_KEYRING_FILE_READ_OK when read; %PI_KEYRING_FILE_READ_MISSING
 *   or %PI_KEYRING_FILE_READ_TOO_LARGE, with no error set (the caller says
 *   what that means), when it does not exist or holds more than @max_size
 *   bytes; %PI_KEYRING_FILE_READ_FAILED with @error set otherwise
 */
PiKeyringFileRead
_pi_keyring_file_read_secret (const char  *path,
                              gsize        max_size,
                              char       **out_data,
                              gsize       *out_length,
                              GError     **error)
{
  struct stat st;
  char *data;
  gsize length = 0, capacity;
  int fd;

  g_return_val_if_fail (max_size < G_MAXSIZE / 2, PI_KEYRING_FILE_READ_FAILED);

  /* O_NONBLOCK: a FIFO in the file's place must not block the open; it is
   * refused just below, as is a device. */
  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0)
    {
      int saved_errno = errno;

      if (saved_errno == ENOENT)
        return PI_KEYRING_FILE_READ_MISSING;
      return read_fail (error, path, saved_errno);
    }

  if (fstat (fd, &st) != 0)
    {
      int saved_errno = errno;

      close (fd);
      return read_fail (error, path, saved_errno);
    }
  if (!S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE,
                   _("“%s” is not a regular file."), path);
      return PI_KEYRING_FILE_READ_FAILED;
    }
  if ((guint64) st.st_size > max_size)
    {
      close (fd);
      return PI_KEYRING_FILE_READ_TOO_LARGE;
    }

  /* Room for one byte more than the file and the nul: the end is seen
   * without growing, and so is a file that grew meanwhile. Reads stop at
   * one byte past @max_size, so the buffer never gets much larger. */
  capacity = MIN (MAX ((gsize) st.st_size + 2, MIN_CAPACITY), max_size + 2);
  data = g_malloc (capacity);

  for (;;)
    {
      gssize n;

      if (length + 1 >= capacity)
        {
          gsize bigger_capacity = MIN (capacity * 2, max_size + 2);
          char *bigger = g_malloc (bigger_capacity);

          memcpy (bigger, data, length);
          wipe_and_free (data, capacity);
          data = bigger;
          capacity = bigger_capacity;
        }

      n = read (fd, data + length, MIN (capacity - length - 1, max_size + 1 - length));
      if (n < 0)
        {
          int saved_errno = errno;

          if (saved_errno == EINTR)
            continue;
          wipe_and_free (data, capacity);
          close (fd);
          return read_fail (error, path, saved_errno);
        }
      if (n == 0)
        break;
      length += n;
      if (length > max_size)
        {
          wipe_and_free (data, capacity);
          close (fd);
          return PI_KEYRING_FILE_READ_TOO_LARGE;
        }
    }

  close (fd);
  data[length] = '\0';
  *out_data = data;
  *out_length = length;
  return PI_KEYRING_FILE_READ_OK;
}

/**
 * _pi_keyring_file_secret_free:
 * @data: (nullable): what _pi_keyring_file_read_secret () read
 * @length: its length
 *
 * Wipes and frees a file's bytes.
 */
void
_pi_keyring_file_secret_free (char  *data,
                              gsize  length)
{
  if (data == NULL)
    return;
  wipe_and_free (data, length);
}

/* The file a write replaces: @path, or what it links to. */
static char *
resolve_symlinks (const char *path)
{
  char *current = g_strdup (path);

  for (int i = 0; i < 40; i++)
    {
      struct stat st;
      char *target;
      char *next;

      if (g_lstat (current, &st) != 0 || !S_ISLNK (st.st_mode))
        break;

      target = g_file_read_link (current, NULL);
      if (target == NULL)
        break;

      if (g_path_is_absolute (target))
        next = target;
      else
        {
          g_autofree char *dir = g_path_get_dirname (current);

          next = g_build_filename (dir, target, NULL);
          g_free (target);
        }
      g_free (current);
      current = next;
    }

  return current;
}

static void
sync_directory (const char *file_path)
{
  g_autofree char *dir = g_path_get_dirname (file_path);
  int fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

/**
 * _pi_keyring_file_write_atomic:
 * @path: the file
 * @data: its new bytes
 * @length: their number
 * @error: return location for an error
 *
 * Replaces a file atomically, so that readers see the old file or the new
 * one, whole: when @path is a symbolic link, the file it leads to is
 * replaced and the link kept. A temporary file (mode 0600) beside that
 * target is written, synced, and renamed over it, then the directory is
 * synced. On failure the temporary file is removed and the target is as
 * it was.
 *
 * Errors are %G_IO_ERROR, “Could not write …” naming the target.
 *
 * Returns: %TRUE when written
 */
gboolean
_pi_keyring_file_write_atomic (const char  *path,
                               const char  *data,
                               gsize        length,
                               GError     **error)
{
  g_autofree char *target = resolve_symlinks (path);
  g_autofree char *tmp_path = g_strconcat (target, ".XXXXXX", NULL);
  gboolean created = FALSE;
  gsize written = 0;
  int saved_errno = 0;
  int fd;

  fd = g_mkstemp_full (tmp_path, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      saved_errno = errno;
      goto fail;
    }
  created = TRUE;

  while (written < length)
    {
      gssize n = write (fd, data + written, length - written);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          saved_errno = errno;
          goto fail;
        }
      written += n;
    }

  if (fchmod (fd, 0600) != 0 || fsync (fd) != 0)
    {
      saved_errno = errno;
      goto fail;
    }

  if (close (fd) != 0)
    {
      fd = -1;
      saved_errno = errno;
      goto fail;
    }
  fd = -1;

  if (g_rename (tmp_path, target) != 0)
    {
      saved_errno = errno;
      goto fail;
    }

  sync_directory (target);
  return TRUE;

fail:
  if (fd >= 0)
    close (fd);
  if (created)
    g_unlink (tmp_path);
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               _("Could not write “%s”: %s"), target, g_strerror (saved_errno));
  return FALSE;
}

/**
 * _pi_keyring_file_ensure_private_dir:
 * @dir: a directory
 * @error: return location for an error
 *
 * Makes @dir and its missing parents with mode 0700; a directory that
 * exists is left as it is, mode included.
 *
 * Errors are %G_IO_ERROR, “Could not create the directory …” naming @dir.
 *
 * Returns: %TRUE when @dir exists
 */
gboolean
_pi_keyring_file_ensure_private_dir (const char  *dir,
                                     GError     **error)
{
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not create the directory “%s”: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}
