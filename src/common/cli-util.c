/* cli-util.c: helpers shared by the pi-keyring sub-commands
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cli-common.h"

/* The longest secret `set` reads. API keys are a few hundred bytes. */
#define MAX_SECRET_LENGTH (64 * 1024)

CliOptions cli_options;

/* --- options --- */

static gboolean
on_backend_option (const char  *option_name,
                   const char  *value,
                   gpointer     data,
                   GError     **error)
{
  g_free (cli_options.backend);
  cli_options.backend = g_strdup (value);
  return TRUE;
}

static gboolean
on_profile_option (const char  *option_name,
                   const char  *value,
                   gpointer     data,
                   GError     **error)
{
  /* The library's error, as the library and the daemon give it: a name
   * is no secret, so cli_option_error_message () shows it. */
  if (!pi_keyring_validate_id (value, error))
    return FALSE;

  g_free (cli_options.profile);
  cli_options.profile = g_strdup (value);
  return TRUE;
}

static const GOptionEntry global_entries[] = {
  { "backend", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer) on_backend_option,
    N_("Where credentials are kept: auto, secret-service, file, encrypted-file or memory "
       "(default: $PI_KEYRING_BACKEND, else auto)"),
    N_("BACKEND") },
  { "profile", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer) on_profile_option,
    N_("Use the credentials of profile NAME (default: “default”)"), N_("NAME") },
  { "json", 0, 0, G_OPTION_ARG_NONE, &cli_options.json,
    N_("Print machine-readable JSON on standard output"), NULL },
  { "interactive", 0, 0, G_OPTION_ARG_NONE, &cli_options.interactive,
    N_("Allow prompts: unlock a locked keyring, ask for the vault's passphrase"), NULL },
  G_OPTION_ENTRY_NULL
};

const GOptionEntry *
cli_get_global_entries (void)
{
  return global_entries;
}

void
cli_options_clear (void)
{
  g_clear_pointer (&cli_options.backend, g_free);
  g_clear_pointer (&cli_options.profile, g_free);
  cli_options.json = FALSE;
  cli_options.interactive = FALSE;
}

GOptionContext *
cli_option_context_new (const CliCommand   *command,
                        const char         *parameter_string,
                        const GOptionEntry *entries)
{
  GOptionContext *context;

  context = g_option_context_new (parameter_string);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, command->summary);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, global_entries, GETTEXT_PACKAGE);

  return context;
}

char *
cli_option_name (const char *arg)
{
  const char *equal;

  if (g_str_has_prefix (arg, "--"))
    {
      equal = strchr (arg, '=');
      return equal != NULL ? g_strndup (arg, equal - arg) : g_strdup (arg);
    }
  if (arg[0] == '-' && arg[1] != '\0')
    return g_strndup (arg, 2);

  return g_strdup (arg);
}

/* The value an option argument carries in itself, or NULL. */
static const char *
inline_value (const char *arg)
{
  if (g_str_has_prefix (arg, "--"))
    {
      const char *equal = strchr (arg, '=');

      return equal != NULL ? equal + 1 : NULL;
    }
  if (arg[0] == '-' && arg[1] != '\0' && arg[2] != '\0')
    return arg + 2;

  return NULL;
}

char *
cli_option_error_message (const GError       *error,
                          int                 argc,
                          const char * const *argv)
{
  /* GLib's messages quote the argument as typed ("Unknown option
   * --key=sk-…", "Cannot parse integer value “…” for --x"): a value, which
   * may be a secret, must not be echoed. Only the option's name is; and a
   * profile name outside the grammar, in the library's words (DESIGN §8). */
  if (g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT))
    return g_strdup (error->message);
  if (g_error_matches (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION))
    {
      const char *found = NULL;

      for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-' && argv[i][1] != '\0' && strstr (error->message, argv[i]) != NULL &&
            (found == NULL || strlen (argv[i]) > strlen (found)))
          found = argv[i];
      if (found != NULL)
        {
          g_autofree char *name = cli_option_name (found);

          return g_strdup_printf (_("Unknown option “%s”."), name);
        }
      return g_strdup (_("Unknown option."));
    }

  for (int i = 1; i < argc; i++)
    {
      const char *value = NULL;

      if (argv[i][0] != '-' || argv[i][1] == '\0' || g_str_equal (argv[i], "--"))
        continue;
      value = inline_value (argv[i]);
      if (value == NULL && i + 1 < argc)
        value = argv[i + 1];
      if (value != NULL && *value != '\0' && strstr (error->message, value) != NULL)
        {
          g_autofree char *name = cli_option_name (argv[i]);

          return g_strdup_printf (_("Invalid value for option “%s”."), name);
        }
    }

  return g_strdup (error->message);
}

gboolean
cli_option_context_parse (GOptionContext   *context,
                          int              *argc,
                          char           ***argv)
{
  g_autoptr(GError) error = NULL;
  /* parsing takes the options out of @argv: keep what was typed */
  g_auto(GStrv) typed = g_new0 (char *, *argc + 1);

  for (int i = 0; i < *argc; i++)
    typed[i] = g_strdup ((*argv)[i]);

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_autofree char *message = NULL;

      message = cli_option_error_message (error, g_strv_length (typed),
                                          (const char * const *) typed);
      cli_usage_error ("%s", message);
      return FALSE;
    }

  return TRUE;
}

gboolean
cli_check_arguments (int   argc,
                     guint min,
                     guint max)
{
  guint count = argc > 0 ? (guint) argc - 1 : 0;

  if (count < min)
    {
      cli_usage_error (_("An argument is missing."));
      return FALSE;
    }
  if (count > max)
    {
      cli_usage_error (_("There are too many arguments."));
      return FALSE;
    }

  return TRUE;
}

/* --- messages --- */

static void
print_prefixed (const char *prefix,
                const char *format,
                va_list     args) G_GNUC_PRINTF (2, 0);

static void
print_prefixed (const char *prefix,
                const char *format,
                va_list     args)
{
  g_autofree char *message = g_strdup_vprintf (format, args);

  if (prefix != NULL)
    g_printerr ("%s: %s%s\n", g_get_prgname (), prefix, message);
  else
    g_printerr ("%s: %s\n", g_get_prgname (), message);
}

int
cli_usage_error (const char *format,
                 ...)
{
  va_list args;

  va_start (args, format);
  print_prefixed (NULL, format, args);
  va_end (args);

  g_printerr (_("Try “%s --help” for more information."), g_get_prgname ());
  g_printerr ("\n");

  return CLI_EXIT_USAGE;
}

void
cli_error (const char *format,
           ...)
{
  va_list args;

  va_start (args, format);
  print_prefixed (NULL, format, args);
  va_end (args);
}

void
cli_warning (const char *format,
             ...)
{
  va_list args;

  va_start (args, format);
  /* Translators: the prefix of a warning, such as "pi-keyring set: warning: …" */
  print_prefixed (_("warning: "), format, args);
  va_end (args);
}

void
cli_info (const char *format,
          ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("%s\n", message);
}

void
cli_output (const char *format,
            ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_print ("%s\n", message);
}

static CliExit
exit_code_for_pi_keyring_error (PiKeyringError code)
{
  /* No default: the compiler warns when the enumeration grows. */
  switch (code)
    {
    case PI_KEYRING_ERROR_FAILED:
    case PI_KEYRING_ERROR_PARSE:
    case PI_KEYRING_ERROR_COMMAND_FAILED:
    case PI_KEYRING_ERROR_ACCESS_DENIED:
      return CLI_EXIT_FAILURE;
    case PI_KEYRING_ERROR_INVALID_ARGUMENT:
      return CLI_EXIT_USAGE;
    case PI_KEYRING_ERROR_NOT_FOUND:
      return CLI_EXIT_NOT_FOUND;
    case PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED:
      return CLI_EXIT_REAUTHENTICATE;
    case PI_KEYRING_ERROR_LOCKED:
    case PI_KEYRING_ERROR_UNAVAILABLE:
    case PI_KEYRING_ERROR_WRONG_PASSPHRASE:
      return CLI_EXIT_UNAVAILABLE;
    case PI_KEYRING_ERROR_RATE_LIMITED:
    case PI_KEYRING_ERROR_TEMPORARY:
      return CLI_EXIT_TEMPORARY;
    }

  return CLI_EXIT_FAILURE;
}

int
cli_exit_code_for_error (const GError *error)
{
  g_return_val_if_fail (error != NULL, CLI_EXIT_FAILURE);

  if (error->domain == PI_KEYRING_ERROR)
    return exit_code_for_pi_keyring_error ((PiKeyringError) error->code);
  if (error->domain == G_OPTION_ERROR)
    return CLI_EXIT_USAGE;
  /* Interrupted (Ctrl-C during a login). */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return CLI_EXIT_INTERRUPTED;
  /* Something that may work later: a login that ran out of time, a network
   * that could not be reached. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
      error->domain == G_RESOLVER_ERROR)
    return CLI_EXIT_TEMPORARY;
  /* The library maps keyring failures to its own codes; a D-Bus error that
   * comes through unchanged still means the keyring could not be used. */
  if (error->domain == G_DBUS_ERROR ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_DBUS_ERROR))
    return CLI_EXIT_UNAVAILABLE;

  return CLI_EXIT_FAILURE;
}

int
cli_report_error (const GError *error)
{
  int code = cli_exit_code_for_error (error);

  cli_error ("%s", error->message);

  return code;
}

int
cli_report_oauth_error (const GError *error,
                        const char   *provider)
{
  g_autoptr(GString) login = NULL;

  if (!g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED))
    return cli_report_error (error);

  /* The command that logs in to the same backend and profile. */
  login = g_string_new ("pi-keyring");
  if (cli_options.backend != NULL)
    g_string_append_printf (login, " --backend=%s", cli_options.backend);
  if (cli_options.profile != NULL && !g_str_equal (cli_options.profile, PI_KEYRING_DEFAULT_PROFILE))
    g_string_append_printf (login, " --profile=%s", cli_options.profile);
  g_string_append_printf (login, " login %s", provider);

  /* Translators: the second %s is a command, such as "pi-keyring login anthropic" */
  cli_error (_("%s Run “%s” to log in again."), error->message, login->str);
  return CLI_EXIT_REAUTHENTICATE;
}

static GLogWriterOutput
write_log (GLogLevelFlags   log_level,
           const GLogField *fields,
           gsize            n_fields,
           gpointer         user_data)
{
  const char *domain = NULL, *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
        domain = fields[i].value;
      else if (g_str_equal (fields[i].key, "MESSAGE"))
        message = fields[i].value;
    }

  /* The library's messages for the user (a token that could not be
   * revoked, say), as the command's own warnings. */
  if ((log_level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_WARNING)) != 0 &&
      g_strcmp0 (domain, "PiKeyring") == 0 && message != NULL &&
      !g_log_writer_default_would_drop (log_level, domain))
    {
      cli_warning ("%s", message);
      return G_LOG_WRITER_HANDLED;
    }

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

void
cli_install_log_writer (void)
{
  /* Debug output (G_MESSAGES_DEBUG) goes to stderr too: stdout carries
   * nothing but what a command prints, a key for `get`. */
  g_log_writer_default_set_use_stderr (TRUE);
  g_log_set_writer_func (write_log, NULL, NULL);
}

/* --- backend and store --- */

const char *
cli_get_profile (void)
{
  return cli_options.profile != NULL ? cli_options.profile : PI_KEYRING_DEFAULT_PROFILE;
}

gboolean
cli_check_backend_name (void)
{
  const char *name = cli_options.backend;

  if (name == NULL)
    name = g_getenv ("PI_KEYRING_BACKEND");
  if (name == NULL || *name == '\0')
    return TRUE;
  if (g_strv_contains (pi_keyring_backend_get_names (), name))
    return TRUE;

  cli_usage_error (_("Unknown backend “%s”: use auto, secret-service, file, encrypted-file or "
                     "memory."),
                   name);
  return FALSE;
}

PiKeyringBackend *
cli_open_backend (GError **error)
{
  g_autoptr(PiKeyringBackend) backend = pi_keyring_backend_new_for_name (cli_options.backend,
                                                                          error);

  /* Only with --interactive: a prompt before the command runs. */
  if (backend == NULL || !cli_prepare_backend (backend, error))
    return NULL;

  return g_steal_pointer (&backend);
}

PiKeyringStore *
cli_open_store (PiKeyringBackend *backend)
{
  /* The commands say themselves where a secret goes in plaintext. */
  PiKeyringStore *store = g_object_new (PI_KEYRING_TYPE_STORE,
                                        "backend", backend,
                                        "flags", PI_KEYRING_STORE_FLAGS_NO_PLAINTEXT_WARNING,
                                        NULL);
  g_autoptr(GError) error = NULL;

  if (cli_options.profile != NULL)
    pi_keyring_store_set_profile (store, cli_options.profile);

  /* Every command first stores the refreshed credentials a full disk kept
   * out; what still finds no room stays kept, and is no failure here. */
  if (!pi_keyring_store_save_recovered_sync (store, NULL, &error) && error != NULL)
    g_debug ("Could not store the credentials kept for recovery: %s", error->message);

  return store;
}

const char *
cli_backend_get_file_path (PiKeyringBackend *backend)
{
  if (PI_KEYRING_IS_FILE_BACKEND (backend))
    return pi_keyring_file_backend_get_path (PI_KEYRING_FILE_BACKEND (backend));

  return NULL;
}

char *
cli_backend_describe (PiKeyringBackend *backend)
{
  const char *path = cli_backend_get_file_path (backend);
  char *location;

  if (path != NULL)
    return g_filename_display_name (path);

  location = pi_keyring_backend_get_location (backend);
  if (location == NULL || *location == '\0')
    {
      g_free (location);
      return g_strdup (pi_keyring_backend_get_name (backend));
    }

  return location;
}

gboolean
cli_same_file (const char *a,
               const char *b)
{
  g_autofree char *canonical_a = NULL;
  g_autofree char *canonical_b = NULL;
  struct stat st_a, st_b;

  if (a == NULL || b == NULL)
    return FALSE;

  if (stat (a, &st_a) == 0 && stat (b, &st_b) == 0)
    return st_a.st_dev == st_b.st_dev && st_a.st_ino == st_b.st_ino;

  canonical_a = g_canonicalize_filename (a, NULL);
  canonical_b = g_canonicalize_filename (b, NULL);
  return g_str_equal (canonical_a, canonical_b);
}

GVariant *
cli_login_options (const char *enterprise_domain)
{
  g_autoptr(GVariantDict) dict = g_variant_dict_new (NULL);

  if (enterprise_domain != NULL)
    g_variant_dict_insert (dict, "enterprise-domain", "s", enterprise_domain);

  return g_variant_ref_sink (g_variant_dict_end (dict));
}

/* --- secrets --- */

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

/* --- output --- */

void
cli_print_json (JsonNode *root)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);

  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

char *
cli_format_time (gint64 ms)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (ms / 1000);

  if (time == NULL)
    return g_strdup ("?");

  return g_date_time_format (time, "%Y-%m-%d %H:%M:%S");
}

const char *
cli_kind_to_string (PiKeyringCredentialKind kind)
{
  switch (kind)
    {
    case PI_KEYRING_CREDENTIAL_KIND_API_KEY:
      return "api_key";
    case PI_KEYRING_CREDENTIAL_KIND_OAUTH:
      return "oauth";
    case PI_KEYRING_CREDENTIAL_KIND_OTHER:
      return "other";
    }

  return "other";
}

PiKeyringCredentialKind
cli_kind_from_string (const char *kind)
{
  if (g_strcmp0 (kind, "api_key") == 0)
    return PI_KEYRING_CREDENTIAL_KIND_API_KEY;
  if (g_strcmp0 (kind, "oauth") == 0)
    return PI_KEYRING_CREDENTIAL_KIND_OAUTH;

  return PI_KEYRING_CREDENTIAL_KIND_OTHER;
}

void
cli_print_table (GPtrArray *rows)
{
  g_autofree gsize *widths = NULL;
  guint columns = 0;

  for (guint r = 0; r < rows->len; r++)
    columns = MAX (columns, g_strv_length (g_ptr_array_index (rows, r)));

  widths = g_new0 (gsize, columns);
  for (guint r = 0; r < rows->len; r++)
    {
      char **row = g_ptr_array_index (rows, r);

      for (guint c = 0; row[c] != NULL; c++)
        widths[c] = MAX (widths[c], (gsize) g_utf8_strlen (row[c], -1));
    }

  for (guint r = 0; r < rows->len; r++)
    {
      char **row = g_ptr_array_index (rows, r);
      g_autoptr(GString) line = g_string_new (NULL);

      for (guint c = 0; row[c] != NULL; c++)
        {
          g_string_append (line, row[c]);
          if (row[c + 1] != NULL)
            {
              gsize pad = widths[c] - (gsize) g_utf8_strlen (row[c], -1) + 2;

              for (gsize i = 0; i < pad; i++)
                g_string_append_c (line, ' ');
            }
        }
      g_print ("%s\n", line->str);
    }
}

/* DESIGN §8: FALSE, after saying why (exit status 2), unless @name is a
 * valid provider id. */
gboolean
cli_check_name (const char *name)
{
  g_autoptr(GError) error = NULL;

  if (pi_keyring_validate_id (name, &error))
    return TRUE;

  cli_report_error (error);
  return FALSE;
}
