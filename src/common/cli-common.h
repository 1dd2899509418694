/* cli-common.h: what the two programs of pi-keyring, the command (src/cli)
 * and the daemon (src/daemon), share: options, messages and exit codes,
 * opening the backend and the store, secrets on the terminal, output
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
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

/* The global options; they are accepted before and after the command name. */
typedef struct
{
  char     *backend;   /* --backend, or NULL: PI_KEYRING_BACKEND, else auto */
  char     *profile;   /* --profile, or NULL: default */
  gboolean  json;      /* --json */
  gboolean  interactive; /* --interactive: the only way a keyring prompt may show */
} CliOptions;

extern CliOptions cli_options;

typedef struct _CliCommand CliCommand;

/* A sub-command. @argv[0] is the command name as the user typed it. */
typedef int (*CliHandler) (const CliCommand *command,
                           int               argc,
                           char            **argv);

struct _CliCommand
{
  const char *name;
  CliHandler  handler;
  const char *summary;  /* N_() text, translated when shown */
  gboolean    hidden;   /* an alias, left out of the command list */
};

/* --- process hardening (cli-harden.c) --- */

/* Makes the process non-dumpable and without core files; first thing in
 * main (), before any secret is read. */
void              cli_harden_process        (void);
/* Gives a command about to be exec'd the core-file limit the user had. */
void              cli_restore_core_limit    (void);

/* --- interaction with the keyring (cli-unlock.c) --- */

/* With --interactive: unlocks a locked Secret Service collection (which may
 * prompt), or asks on the terminal for the passphrase of an encrypted vault
 * that has none. Without --interactive it does nothing: nothing prompts. */
gboolean          cli_prepare_backend       (PiKeyringBackend   *backend,
                                             GError            **error);
/* The keyring's own prompt for the default collection (cancelled by
 * SIGINT/SIGTERM): FALSE with the error when it stays locked. */
gboolean          cli_unlock_secret_service (PiKeyringBackend   *backend,
                                             GError            **error);
/* Whether the encrypted-file backend's vault exists yet. */
gboolean          cli_vault_exists          (PiKeyringBackend   *backend);
/* The vault's passphrase typed on the terminal (twice for a new vault),
 * checked against the vault, a few attempts. */
gboolean          cli_ask_vault_passphrase  (PiKeyringBackend   *backend,
                                             GError            **error);

/* --- options and usage --- */

const GOptionEntry *cli_get_global_entries  (void);
void                cli_options_clear       (void);

/* A context for @command with its own @entries (may be NULL) and the global
 * options; @parameter_string is shown after "[OPTION…]". */
GOptionContext *cli_option_context_new      (const CliCommand   *command,
                                             const char         *parameter_string,
                                             const GOptionEntry *entries);
/* "--name=value" → "--name", "-kvalue" → "-k"; anything else as it is. */
char           *cli_option_name             (const char         *arg);
/* The message for a GOptionContext error that names only the option
 * ("--key" for "--key=VALUE", "-k" for "-kVALUE") and never a value;
 * @argv is what was typed, before parsing. */
char           *cli_option_error_message    (const GError       *error,
                                             int                 argc,
                                             const char * const *argv);
/* Parses; on a bad option prints the error and a hint and returns FALSE. */
gboolean        cli_option_context_parse    (GOptionContext     *context,
                                             int                *argc,
                                             char             ***argv);
/* Checks that exactly @min..@max positional arguments follow the command
 * name; otherwise prints a usage error and returns FALSE. */
gboolean        cli_check_arguments         (int                 argc,
                                             guint               min,
                                             guint               max);

/* --- messages --- */

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
/* Prints @error and returns its exit code. */
int             cli_report_error            (const GError       *error);
gboolean        cli_check_name              (const char         *name);
/* The same for an error of refreshing or using @provider's OAuth token:
 * when the provider refused it, the line says how to log in again. */
int             cli_report_oauth_error      (const GError       *error,
                                             const char         *provider);
/* Shows the library's messages (g_message, g_warning) as
 * "pi-keyring COMMAND: warning: …" lines. */
void            cli_install_log_writer      (void);

/* --- backend and store --- */

const char       *cli_get_profile           (void);
gboolean          cli_check_backend_name    (void);
PiKeyringBackend *cli_open_backend          (GError            **error);
PiKeyringStore   *cli_open_store            (PiKeyringBackend   *backend);
/* The auth.json file @backend writes, or NULL when it is not a file backend. */
const char       *cli_backend_get_file_path (PiKeyringBackend   *backend);
/* Where @backend keeps credentials, for a person. */
char             *cli_backend_describe      (PiKeyringBackend   *backend);
gboolean          cli_same_file             (const char         *a,
                                             const char         *b);
/* The options of pi_keyring_store_login_async (), with "enterprise-domain"
 * when @enterprise_domain is not NULL; a full reference. */
GVariant         *cli_login_options         (const char         *enterprise_domain);

/* --- secrets --- */

/* Wipes and frees a string that held a secret. */
void              cli_secret_free           (char               *secret);
typedef char CliSecret;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliSecret, cli_secret_free)

/* Reads a secret from stdin when it is not a terminal (without one trailing
 * "\n" or "\r\n"), else from the terminal without echo after @prompt. */
char             *cli_read_secret           (const char         *prompt,
                                             GError            **error);
/* Reads a secret typed on the controlling terminal (/dev/tty) without echo,
 * whatever stdin is; fails when there is no terminal. */
char             *cli_read_secret_from_terminal (const char     *prompt,
                                                 GError        **error);
/* Writes @secret to stdout, and a newline only when stdout is a terminal. */
gboolean          cli_write_secret          (const char         *secret,
                                             gboolean            newline_if_tty,
                                             GError            **error);

/* --- output --- */

/* Prints @root as 2-space indented JSON and a newline on stdout. */
void              cli_print_json            (JsonNode           *root);
/* Local time for a person, such as "2026-03-15 20:15:00". */
char             *cli_format_time           (gint64              ms);
/* "api_key", "oauth" or "other", as `--json` and the daemon say it, and back. */
const char       *cli_kind_to_string        (PiKeyringCredentialKind kind);
PiKeyringCredentialKind cli_kind_from_string (const char        *kind);
/* A width-aligned table on stdout: @rows is a GPtrArray of GStrv, the
 * first row being the header. */
void              cli_print_table           (GPtrArray          *rows);

G_END_DECLS
