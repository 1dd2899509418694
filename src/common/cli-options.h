/* cli-options.h: the global options, the sub-commands' type and the parsing
 * of a command line
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib/gi18n.h>
#include <pi-keyring/pi-keyring.h>

G_BEGIN_DECLS

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

G_END_DECLS
