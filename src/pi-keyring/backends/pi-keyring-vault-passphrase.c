/* pi-keyring-vault-passphrase.c: the vault's passphrase read from a file (PI_KEYRING_PASSPHRASE_FILE)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "backends/pi-keyring-backends-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib/gstdio.h>

/* A passphrase file larger than this is not a passphrase. */
#define MAX_PASSPHRASE_FILE_SIZE 65536

static char *
passphrase_file_fail (char        *buffer,
                      GError     **error,
                      GError      *new_error)
{
  explicit_bzero (buffer, MAX_PASSPHRASE_FILE_SIZE + 2);
  g_free (buffer);
  g_propagate_error (error, new_error);
  return NULL;
}

char *
_pi_keyring_vault_read_passphrase_file (const char  *path,
                                        GError     **error)
{
  struct stat st;
  char *data;
  char *result;
  gsize length = 0;
  int saved_errno;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0);
  if (fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not read the passphrase file “%s”: %s"), path,
                   g_strerror (saved_errno));
      return NULL;
    }

  /* A pipe is fine (PI_KEYRING_PASSPHRASE_FILE=<(pass show vault)). */
  if (fstat (fd, &st) != 0 || !(S_ISREG (st.st_mode) || S_ISFIFO (st.st_mode)))
    {
      close (fd);
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("The passphrase file “%s” is not a file."), path);
      return NULL;
    }

  /* As ssh does with private keys. */
  if ((st.st_mode & 077) != 0)
    {
      close (fd);
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("The passphrase file “%s” can be accessed by other users "
                     "(mode %04o): make it private with “chmod 600”."),
                   path, (guint) (st.st_mode & 07777));
      return NULL;
    }

  /* One byte more than allowed, to see a file that is too large. */
  data = g_malloc0 (MAX_PASSPHRASE_FILE_SIZE + 2);
  while (length <= MAX_PASSPHRASE_FILE_SIZE)
    {
      gssize n = read (fd, data + length, MAX_PASSPHRASE_FILE_SIZE + 1 - length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          saved_errno = errno;
          close (fd);
          return passphrase_file_fail (data, error,
                                       g_error_new (G_IO_ERROR, g_io_error_from_errno (saved_errno),
                                                    _("Could not read the passphrase file “%s”: %s"),
                                                    path, g_strerror (saved_errno)));
        }
      if (n == 0)
        break;
      length += n;
    }
  close (fd);

  if (length > MAX_PASSPHRASE_FILE_SIZE)
    return passphrase_file_fail (data, error,
                                 g_error_new (PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                                              _("The passphrase file “%s” is too large to hold "
                                                "a passphrase."), path));

  /* One trailing newline (or CR LF), as `echo` and editors add it. */
  if (length > 0 && data[length - 1] == '\n')
    {
      data[--length] = '\0';
      if (length > 0 && data[length - 1] == '\r')
        data[--length] = '\0';
    }

  if (memchr (data, '\0', length) != NULL)
    return passphrase_file_fail (data, error,
                                 g_error_new (PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                                              _("The passphrase file “%s” holds a NUL byte."),
                                              path));
  if (length == 0)
    return passphrase_file_fail (data, error,
                                 g_error_new (PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                                              _("The passphrase file “%s” is empty."), path));

  result = g_strndup (data, length);
  explicit_bzero (data, MAX_PASSPHRASE_FILE_SIZE + 2);
  g_free (data);
  return result;
}
