/* pi-keyring-file-util.c: private files read whole and replaced atomically
 *
 * What the file backend (auth.json) and the encrypted-file backend (the
 * vault) do alike with their files: read one whole, bounded, without
 * blocking on a FIFO and into memory that is wiped; replace one atomically
 * with mode 0600; make its directory 0700.
 *
 * A replacement is written where a killed process leaves nothing readable:
 * an O_TMPFILE file, without a name until it is complete, linked under a
 * temporary name only to be renamed over the file at once. Where the file
 * system has no O_TMPFILE, a named temporary file (mkstemp) is written as
 * before. Either way the writer holds an flock on its temporary file until
 * it is renamed, and every write first removes the temporary files of the
 * same target (`NAME.XXXXXX`) whose flock is free: their writers are gone.
 * The callers write under a lock of their own (pi's auth.json.lock, the
 * vault's flock), so no two writers of one file race here.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "core/pi-keyring-core-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
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

/* The characters of a temporary name's suffix, as mkstemp's. */
#define TMP_SUFFIX_LENGTH 6
static const char tmp_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static gboolean
is_tmp_name (const char *entry,
             const char *base)
{
  gsize base_length = strlen (base);

  if (strncmp (entry, base, base_length) != 0 || entry[base_length] != '.' ||
      strlen (entry) != base_length + 1 + TMP_SUFFIX_LENGTH)
    return FALSE;

  for (const char *p = entry + base_length + 1; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p))
      return FALSE;

  return TRUE;
}

/* Removes the temporary files of @target that a killed writer left: ours
 * (regular, our uid), and free to flock — a live writer holds its flock
 * until the rename. */
static void
remove_stale_tmp_files (const char *target)
{
  g_autofree char *dir_path = g_path_get_dirname (target);
  g_autofree char *base = g_path_get_basename (target);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *entry;

  if (dir == NULL)
    return;

  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      struct stat st, named;
      int fd;

      if (!is_tmp_name (entry, base))
        continue;

      path = g_build_filename (dir_path, entry, NULL);
      fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0);
      if (fd < 0)
        continue;

      if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && st.st_uid == getuid () &&
          flock (fd, LOCK_EX | LOCK_NB) == 0 &&
          g_lstat (path, &named) == 0 && named.st_ino == st.st_ino && named.st_dev == st.st_dev)
        {
          g_debug ("Removing %s, left by a writer that is gone", path);
          g_unlink (path);
        }
      close (fd);
    }
}

static gboolean
write_all (int         fd,
           const char *data,
           gsize       length)
{
  gsize written = 0;

  while (written < length)
    {
      gssize n = write (fd, data + written, length - written);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      written += n;
    }

  return TRUE;
}

/* An unnamed file in @target's directory, written, synced, then linked as
 * @tmp_path (a fresh NAME.XXXXXX). -1 when O_TMPFILE or linking it is not
 * to be had here (the caller writes a named file instead), with
 * *@saved_errno 0; -1 with *@saved_errno set when the write failed. */
static int
write_unnamed (const char  *target,
               const char  *data,
               gsize        length,
               char       **tmp_path,
               int         *saved_errno)
{
  g_autofree char *dir = g_path_get_dirname (target);
  g_autofree char *proc_path = NULL;
  int fd;

  *saved_errno = 0;
  fd = g_open (dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    return -1;  /* no O_TMPFILE here: a named file */

  if (flock (fd, LOCK_EX) != 0 || !write_all (fd, data, length) ||
      fchmod (fd, 0600) != 0 || fsync (fd) != 0)
    {
      *saved_errno = errno;
      close (fd);
      return -1;
    }

  proc_path = g_strdup_printf ("/proc/self/fd/%d", fd);
  for (int tries = 0; tries < 100; tries++)
    {
      char *suffix;

      g_free (*tmp_path);
      *tmp_path = g_strconcat (target, ".XXXXXX", NULL);
      suffix = *tmp_path + strlen (*tmp_path) - TMP_SUFFIX_LENGTH;
      for (int i = 0; i < TMP_SUFFIX_LENGTH; i++)
        suffix[i] = tmp_alphabet[g_random_int_range (0, sizeof tmp_alphabet - 1)];

      if (linkat (AT_FDCWD, proc_path, AT_FDCWD, *tmp_path, AT_SYMLINK_FOLLOW) == 0)
        return fd;
      if (errno != EEXIST)
        break;
    }

  /* No /proc, or a file system that links no unnamed file: write again,
   * named. The data never had a name, so nothing is left. */
  g_clear_pointer (tmp_path, g_free);
  close (fd);
  return -1;
}

/* A named temporary file (0600) beside @target, written and synced. */
static int
write_named (const char  *target,
             const char  *data,
             gsize        length,
             char       **tmp_path,
             int         *saved_errno)
{
  int fd;

  *tmp_path = g_strconcat (target, ".XXXXXX", NULL);
  fd = g_mkstemp_full (*tmp_path, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      *saved_errno = errno;
      g_clear_pointer (tmp_path, g_free);
      return -1;
    }

  if (flock (fd, LOCK_EX) != 0 || !write_all (fd, data, length) ||
      fchmod (fd, 0600) != 0 || fsync (fd) != 0)
    {
      *saved_errno = errno;
      close (fd);
      g_unlink (*tmp_path);
      g_clear_pointer (tmp_path, g_free);
      return -1;
    }

  return fd;
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
 * replaced and the link kept. The new bytes go to a temporary file (mode
 * 0600) beside that target — unnamed (O_TMPFILE) until it is complete
 * where the file system allows — synced, and renamed over it, then the
 * directory is synced. Temporary files of the target that a killed writer
 * left are removed first. On failure the temporary file is removed and
 * the target is as it was.
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
  g_autofree char *tmp_path = NULL;
  int saved_errno = 0;
  int fd;

  remove_stale_tmp_files (target);

  fd = write_unnamed (target, data, length, &tmp_path, &saved_errno);
  if (fd < 0 && saved_errno == 0)
    fd = write_named (target, data, length, &tmp_path, &saved_errno);
  if (fd < 0)
    goto fail;

  /* The flock goes with the descriptor, after the rename: until then the
   * temporary name is a live writer's. */
  if (g_rename (tmp_path, target) != 0)
    {
      saved_errno = errno;
      g_unlink (tmp_path);
      close (fd);
      goto fail;
    }

  if (close (fd) != 0)
    g_debug ("Closing the new %s: %s", target, g_strerror (errno));
  sync_directory (target);
  return TRUE;

fail:
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

/**
 * _pi_keyring_file_dir_lacks_room:
 * @dir: a directory; when it does not exist yet, its nearest existing
 *   ancestor is asked instead
 * @bytes: what a write there needs
 * @out_free: (out) (optional): the bytes free there for the user
 *
 * Whether a file of @bytes bytes clearly cannot be written into @dir:
 * statvfs(3) counts fewer free bytes (for an unprivileged user) or no free
 * inode. Anything that cannot be told (statvfs fails, a file system that
 * counts no inodes) is not a lack of room: the write itself is the test.
 *
 * Returns: %TRUE when there is clearly no room
 */
gboolean
_pi_keyring_file_dir_lacks_room (const char *dir,
                                 guint64     bytes,
                                 guint64    *out_free)
{
  g_autofree char *at = g_strdup (dir);
  struct statvfs vfs;
  guint64 available;

  while (statvfs (at, &vfs) != 0)
    {
      char *parent;

      if (errno != ENOENT && errno != ENOTDIR)
        return FALSE;
      parent = g_path_get_dirname (at);
      if (g_str_equal (parent, at))
        {
          g_free (parent);
          return FALSE;
        }
      g_free (at);
      at = parent;
    }

  available = (guint64) vfs.f_bavail * (guint64) (vfs.f_frsize != 0 ? vfs.f_frsize : vfs.f_bsize);
  if (out_free != NULL)
    *out_free = available;

  return available < bytes || (vfs.f_files != 0 && vfs.f_favail == 0);
}

/**
 * _pi_keyring_pi_agent_dir:
 *
 * pi's agent directory as pi finds it (pi-coding-agent config.js
 * getAgentDir): `$PI_CODING_AGENT_DIR`, where a value of exactly `~` is
 * the home directory and `~/…` is relative to it (any other value is used
 * as it is); without the variable (or when it is empty), `~/.pi/agent`.
 *
 * Returns: (transfer full) (type filename): the directory
 */
char *
_pi_keyring_pi_agent_dir (void)
{
  const char *dir = g_getenv ("PI_CODING_AGENT_DIR");
  const char *home = g_get_home_dir ();

  if (dir == NULL || *dir == '\0')
    return g_build_filename (home, ".pi", "agent", NULL);

  if (g_str_equal (dir, "~"))
    return g_strdup (home);

  if (g_str_has_prefix (dir, "~/"))
    return g_build_filename (home, dir + 2, NULL);

  return g_strdup (dir);
}
