/* cli-util.h: what the pi-keyring sub-commands share: the utilities of both
 * programs (src/common), the sub-commands and the login's interaction
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "cli-common.h"

G_BEGIN_DECLS

/* The sub-commands (one file each). */
int cli_cmd_providers (const CliCommand *command, int argc, char **argv);
int cli_cmd_list      (const CliCommand *command, int argc, char **argv);
int cli_cmd_status    (const CliCommand *command, int argc, char **argv);
int cli_cmd_get       (const CliCommand *command, int argc, char **argv);
int cli_cmd_set       (const CliCommand *command, int argc, char **argv);
int cli_cmd_remove    (const CliCommand *command, int argc, char **argv);
int cli_cmd_import    (const CliCommand *command, int argc, char **argv);
int cli_cmd_export    (const CliCommand *command, int argc, char **argv);
int cli_cmd_login     (const CliCommand *command, int argc, char **argv);
int cli_cmd_refresh   (const CliCommand *command, int argc, char **argv);
int cli_cmd_exec      (const CliCommand *command, int argc, char **argv);
int cli_cmd_unlock    (const CliCommand *command, int argc, char **argv);
int cli_cmd_bridge    (const CliCommand *command, int argc, char **argv);
int cli_cmd_setup_pi  (const CliCommand *command, int argc, char **argv);

/* --- the login's interaction (cli-interaction.c) --- */

#define CLI_TYPE_INTERACTION (cli_interaction_get_type ())
G_DECLARE_FINAL_TYPE (CliInteraction, cli_interaction, CLI, INTERACTION, PiKeyringInteraction)

PiKeyringInteraction *cli_interaction_new           (gboolean              open_browser);
void                  cli_interaction_finish_output (PiKeyringInteraction *interaction);

G_END_DECLS
