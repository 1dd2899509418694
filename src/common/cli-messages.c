/* cli-messages.c: messages on stderr, output lines on stdout, and the one table
 * from GError to exit code
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "cli-messages.h"

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
  return exit_code_for_pi_keyring_error (cli_error_code_for_foreign_error (error));
}

/* The PiKeyringError a client acts on for an error from GLib or libsecret
 * (the command's exit code, the daemon's error name on the bus). */
PiKeyringError
cli_error_code_for_foreign_error (const GError *error)
{
  g_return_val_if_fail (error != NULL, PI_KEYRING_ERROR_FAILED);

  if (error->domain == PI_KEYRING_ERROR)
    return (PiKeyringError) error->code;
  /* Something that may work later: a login that ran out of time, a network
   * that could not be reached. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
      error->domain == G_RESOLVER_ERROR)
    return PI_KEYRING_ERROR_TEMPORARY;
  /* The library maps keyring failures to its own codes; a D-Bus error that
   * comes through unchanged still means the keyring could not be used. */
  if (error->domain == G_DBUS_ERROR ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_DBUS_ERROR))
    return PI_KEYRING_ERROR_UNAVAILABLE;

  return PI_KEYRING_ERROR_FAILED;
}

int
cli_report_error (const GError *error)
{
  int code = cli_exit_code_for_error (error);

  cli_error ("%s", error->message);

  return code;
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
