/* cli-secret.c: reading a secret from stdin or the terminal, writing one to
 * stdout, wiping it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli-secret.h"

/* The longest secret `set` reads. API keys are a few hundred bytes. */
#define MAX_SECRET_LENGTH (64 * 1024)

void
cli_secret_free (char *secret)
{
  if (secret == NULL)
    return;

  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

/* A growing buffer that wipes what it held whenever it moves or is freed. */
typedef struct
{
  char  *data;
  gsize  length;
  gsize  allocated;
} SecretBuffer;

static void
secret_buffer_clear (SecretBuffer *buffer)
{
  if (buffer->data != NULL)
    {
      explicit_bzero (buffer->data, buffer->allocated);
      g_free (buffer->data);
    }
  buffer->data = NULL;
  buffer->length = buffer->allocated = 0;
}

static void
secret_buffer_reserve (SecretBuffer *buffer,
                       gsize         room)
{
  char *grown;
  gsize allocated;

  if (buffer->allocated - buffer->length > room)
    return;

  allocated = MAX (buffer->allocated * 2, buffer->length + room + 1);
  allocated = MAX (allocated, 256);
  grown = g_malloc0 (allocated);
  if (buffer->data != NULL)
    {
      memcpy (grown, buffer->data, buffer->length);
      explicit_bzero (buffer->data, buffer->allocated);
      g_free (buffer->data);
    }
  buffer->data = grown;
  buffer->allocated = allocated;
}

/* Reads @fd up to the end (or up to a newline when @one_line). */
static gboolean
read_secret_fd (int            fd,
                gboolean       one_line,
                SecretBuffer  *buffer,
                GError       **error)
{
  for (;;)
    {
      ssize_t n;

      secret_buffer_reserve (buffer, 1024);
      n = read (fd, buffer->data + buffer->length, buffer->allocated - buffer->length - 1);
      if (n < 0)
        {
          int saved_errno = errno;

          if (saved_errno == EINTR)
            continue;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("Could not read the key: %s"), g_strerror (saved_errno));
          return FALSE;
        }
      if (n == 0)
        break;

      buffer->length += (gsize) n;
      buffer->data[buffer->length] = '\0';
      if (buffer->length > MAX_SECRET_LENGTH)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                       _("The key is longer than %d bytes."), MAX_SECRET_LENGTH);
          return FALSE;
        }
      if (one_line && memchr (buffer->data, '\n', buffer->length) != NULL)
        break;
    }

  return TRUE;
}

/* The terminal whose echo is off while the user types a secret, restored by
 * the signal handler when the user presses Ctrl-C. */
static int tty_fd = -1;
static struct termios tty_saved;

static void
restore_tty_and_reraise (int signum)
{
  if (tty_fd >= 0)
    tcsetattr (tty_fd, TCSAFLUSH, &tty_saved);
  signal (signum, SIG_DFL);
  raise (signum);
}

static gboolean
read_secret_from_tty (const char    *prompt,
                      SecretBuffer  *buffer,
                      GError       **error)
{
  static const int signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
  struct sigaction action = { 0 }, saved_actions[G_N_ELEMENTS (signals)];
  struct termios quiet;
  gboolean ok;
  int fd;

  fd = open ("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not open the terminal: %s"), g_strerror (saved_errno));
      return FALSE;
    }

  if (tcgetattr (fd, &tty_saved) != 0)
    {
      int saved_errno = errno;

      close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not open the terminal: %s"), g_strerror (saved_errno));
      return FALSE;
    }

  action.sa_handler = restore_tty_and_reraise;
  sigemptyset (&action.sa_mask);
  for (gsize i = 0; i < G_N_ELEMENTS (signals); i++)
    sigaction (signals[i], &action, &saved_actions[i]);

  tty_fd = fd;
  quiet = tty_saved;
  quiet.c_lflag &= ~(tcflag_t) (ECHO | ECHONL);
  quiet.c_lflag |= ICANON;
  tcsetattr (fd, TCSAFLUSH, &quiet);

  /* Echo is off before the prompt shows: nothing typed after it is seen. */
  if (write (fd, prompt, strlen (prompt)) < 0)
    { /* The prompt is a courtesy; reading still works. */ }

  ok = read_secret_fd (fd, TRUE, buffer, error);

  tcsetattr (fd, TCSAFLUSH, &tty_saved);
  tty_fd = -1;
  for (gsize i = 0; i < G_N_ELEMENTS (signals); i++)
    sigaction (signals[i], &saved_actions[i], NULL);

  if (write (fd, "\n", 1) < 0)
    { /* Only cosmetic. */ }
  close (fd);

  return ok;
}

char *
cli_read_secret (const char  *prompt,
                 GError     **error)
{
  SecretBuffer buffer = { NULL, 0, 0 };
  gboolean from_tty = isatty (STDIN_FILENO);
  char *secret;
  gsize length;

  if (from_tty)
    {
      if (!read_secret_from_tty (prompt, &buffer, error))
        {
          secret_buffer_clear (&buffer);
          return NULL;
        }
    }
  else if (!read_secret_fd (STDIN_FILENO, FALSE, &buffer, error))
    {
      secret_buffer_clear (&buffer);
      return NULL;
    }

  secret_buffer_reserve (&buffer, 1);
  length = buffer.length;
  if (from_tty)
    {
      /* Everything after the first newline is not part of the key. */
      char *newline = memchr (buffer.data, '\n', length);

      if (newline != NULL)
        length = (gsize) (newline - buffer.data) + 1;
    }

  /* One trailing "\n" or "\r\n", as `echo KEY |` or a Windows editor adds. */
  if (length > 0 && buffer.data[length - 1] == '\n')
    {
      length--;
      if (length > 0 && buffer.data[length - 1] == '\r')
        length--;
    }
  buffer.data[length] = '\0';

  if (memchr (buffer.data, '\0', length) != NULL)
    {
      secret_buffer_clear (&buffer);
      g_set_error_literal (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                           _("The key contains a NUL byte."));
      return NULL;
    }
  if (!g_utf8_validate (buffer.data, (gssize) length, NULL))
    {
      secret_buffer_clear (&buffer);
      g_set_error_literal (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                           _("The key is not valid UTF-8 text."));
      return NULL;
    }

  secret = g_strndup (buffer.data, length);
  secret_buffer_clear (&buffer);

  return secret;
}

char *
cli_read_secret_from_terminal (const char  *prompt,
                               GError     **error)
{
  SecretBuffer buffer = { NULL, 0, 0 };
  char *newline;
  char *secret;
  gsize length;

  if (!read_secret_from_tty (prompt, &buffer, error))
    {
      secret_buffer_clear (&buffer);
      return NULL;
    }

  secret_buffer_reserve (&buffer, 1);
  length = buffer.length;
  newline = memchr (buffer.data, '\n', length);
  if (newline != NULL)
    length = (gsize) (newline - buffer.data);
  if (length > 0 && buffer.data[length - 1] == '\r')
    length--;
  buffer.data[length] = '\0';

  if (memchr (buffer.data, '\0', length) != NULL ||
      !g_utf8_validate (buffer.data, (gssize) length, NULL))
    {
      secret_buffer_clear (&buffer);
      g_set_error_literal (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                           _("What was typed is not valid UTF-8 text."));
      return NULL;
    }

  secret = g_strndup (buffer.data, length);
  secret_buffer_clear (&buffer);

  return secret;
}

static gboolean
write_all (int          fd,
           const char  *data,
           gsize        length,
           GError     **error)
{
  while (length > 0)
    {
      ssize_t n = write (fd, data, length);

      if (n < 0)
        {
          int saved_errno = errno;

          if (saved_errno == EINTR)
            continue;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("Could not write to standard output: %s"), g_strerror (saved_errno));
          return FALSE;
        }
      data += n;
      length -= (gsize) n;
    }

  return TRUE;
}

gboolean
cli_write_secret (const char  *secret,
                  gboolean     newline_if_tty,
                  GError     **error)
{
  /* Straight to the file descriptor: no copy of the secret stays behind in
   * a stdio buffer. */
  fflush (stdout);
  if (!write_all (STDOUT_FILENO, secret, strlen (secret), error))
    return FALSE;
  if (newline_if_tty && isatty (STDOUT_FILENO))
    return write_all (STDOUT_FILENO, "\n", 1, error);

  return TRUE;
}

