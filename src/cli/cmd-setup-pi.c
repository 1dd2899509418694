/* cmd-setup-pi.c: pi-keyring setup-pi [--undo]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "cli-pi-setup.h"

int
cli_cmd_setup_pi (const CliCommand  *command,
                  int                argc,
                  char             **argv)
{
  gboolean undo = FALSE;
  const GOptionEntry entries[] = {
    { "undo", 0, 0, G_OPTION_ARG_NONE, &undo,
      N_("Remove pi-keyring's extension again; pi's auth.json is left as it is"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = cli_option_context_new (command, NULL, entries);

  g_option_context_set_description (context,
                                    N_("Installs pi-keyring's extension for pi as "
                                       "AGENT_DIR/extensions/pi-keyring.ts (AGENT_DIR is "
                                       "$PI_CODING_AGENT_DIR, by default ~/.pi/agent), with "
                                       "mode 0600; pi loads it at its next start and then takes "
                                       "every credential from pi-keyring, on every request. "
                                       "Running it again changes nothing, or updates an older "
                                       "copy; a file of that name that pi-keyring did not write "
                                       "is never touched. It says which pi it finds on PATH. "
                                       "Nothing secret is written."));
  if (!cli_option_context_parse (context, &argc, &argv) ||
      !cli_check_arguments (argc, 0, 0))
    return CLI_EXIT_USAGE;

  return cli_pi_setup (undo, cli_options.json);
}
