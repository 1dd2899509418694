/* cli-messages.h: messages on stderr, output lines on stdout, exit codes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib/gi18n.h>
#include <pi-keyring/pi-keyring.h>

G_BEGIN_DECLS

/* Exit codes, DESIGN.md §7. */
typedef enum
{
  CLI_EXIT_OK = 0,
  CLI_EXIT_FAILURE = 1,
  CLI_EXIT_USAGE = 2,
  CLI_EXIT_NOT_FOUND = 3,
  CLI_EXIT_REAUTHENTICATE = 4,
  CLI_EXIT_UNAVAILABLE = 5,
  CLI_EXIT_TEMPORARY = 6,
  CLI_EXIT_INTERRUPTED = 130,  /* Ctrl-C during a login, as a shell reports SIGINT */
} CliExit;

/* "pi-keyring COMMAND: message" on stderr; returns CLI_EXIT_USAGE after a
 * hint to run --help. */
int             cli_usage_error             (const char         *format,
                                             ...) G_GNUC_PRINTF (1, 2);
/* "pi-keyring COMMAND: message" on stderr. */
void            cli_error                   (const char         *format,
                                             ...) G_GNUC_PRINTF (1, 2);
/* "pi-keyring COMMAND: warning: message" on stderr. */
void            cli_warning                 (const char         *format,
                                             ...) G_GNUC_PRINTF (1, 2);
/* A plain line on stderr, for a person. */
void            cli_info                    (const char         *format,
                                             ...) G_GNUC_PRINTF (1, 2);
/* A plain line on stdout: the text form of a listing (providers, list,
 * status), the command's output. */
void            cli_output                  (const char         *format,
                                             ...) G_GNUC_PRINTF (1, 2);

/* The one table from GError to exit code. */
int             cli_exit_code_for_error     (const GError       *error);
/* The code of a GLib or libsecret error, as a PiKeyringError. */
PiKeyringError  cli_error_code_for_foreign_error
                                            (const GError       *error);
/* Prints @error and returns its exit code. */
int             cli_report_error            (const GError       *error);
gboolean        cli_check_name              (const char         *name);
/* Shows the library's messages (g_message, g_warning) as
 * "pi-keyring COMMAND: warning: …" lines. */
void            cli_install_log_writer      (void);

G_END_DECLS
