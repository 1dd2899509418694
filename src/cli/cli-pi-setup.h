/* cli-pi-setup.h: pi's extension, as `setup-pi`, `import --link` and
 * `status` install, remove and check it, and the pi programs on PATH
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "cli-util.h"

G_BEGIN_DECLS

/* The extension as it is built into the command (data/pi-extension/). */
#define CLI_PI_EXTENSION_RESOURCE "/dev/pi/Keyring/pi-extension/pi-keyring.ts"

/* What is at <agentDir>/extensions/pi-keyring.ts. */
typedef enum
{
  CLI_PI_EXTENSION_ABSENT,     /* nothing of that name */
  CLI_PI_EXTENSION_INSTALLED,  /* what setup-pi of this pi-keyring writes, to the byte */
  CLI_PI_EXTENSION_OUTDATED,   /* written by setup-pi (its first line), but different */
  CLI_PI_EXTENSION_FOREIGN,    /* a file of that name that setup-pi did not write */
} CliPiExtensionState;

/* What setup-pi did; the "action" of its --json object. */
typedef enum
{
  CLI_PI_ACTION_INSTALLED,
  CLI_PI_ACTION_UPDATED,
  CLI_PI_ACTION_UNCHANGED,
  CLI_PI_ACTION_REMOVED,
  CLI_PI_ACTION_ABSENT,
} CliPiAction;

/* A `pi` found on PATH. */
typedef struct
{
  char *path;     /* as found on PATH, before symbolic links */
  char *package;  /* the name in the package.json whose "bin" it is, or NULL */
  char *version;  /* that package's version, or NULL */
} CliPiProgram;

void                cli_pi_program_free         (CliPiProgram *program);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliPiProgram, cli_pi_program_free)

/* pi's agent directory: $PI_CODING_AGENT_DIR with pi's `~` handling, by
 * default ~/.pi/agent (the directory of pi's auth.json). */
char               *cli_pi_get_agent_dir        (void);
/* <agentDir>/extensions/pi-keyring.ts */
char               *cli_pi_get_extension_path   (void);
/* The file setup-pi writes: the built-in extension, its command line
 * pointing at this very binary, after the line that marks it as ours. */
char               *cli_pi_extension_contents   (GError      **error);
/* What is at @path, compared with @wanted (cli_pi_extension_contents ());
 * @out_command (nullable): the pi-keyring an extension of ours runs, when
 * its command line says. */
CliPiExtensionState cli_pi_extension_check      (const char   *path,
                                                 const char   *wanted,
                                                 char        **out_command,
                                                 GError      **error);
/* Every `pi` on PATH, in PATH's order (the first is the one that runs),
 * each file once: a GPtrArray of CliPiProgram. */
GPtrArray          *cli_pi_find_programs        (void);
/* "pi 0.73.1 (@mariozechner/pi-coding-agent) at /usr/local/bin/pi", for a person. */
char               *cli_pi_program_describe     (const CliPiProgram *program);
const char         *cli_pi_action_to_string     (CliPiAction   action);

/* `setup-pi` (@undo: `setup-pi --undo`): does it, says on stderr what it did
 * and which pi it found, prints the --json object on stdout when @json;
 * returns the exit status. */
int                 cli_pi_setup                (gboolean      undo,
                                                 gboolean      json);

G_END_DECLS
