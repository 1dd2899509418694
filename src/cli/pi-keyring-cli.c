/* pi-keyring-cli.c: the pi-keyring command: global options and dispatch
 *
 * Built as the module libpi-keyring-cli.so, which the executable
 * (pi-keyring-front.c) loads and enters through pi_keyring_cli_main ().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <gmodule.h>

#include "cli-front.h"
#include "cli-util.h"
#include "pi-keyring-daemon.h"

static const CliFront *front;

static const CliCommand commands[] = {
  { "providers", cli_cmd_providers,
    N_("List the providers pi knows, how they log in and their environment variables."), FALSE },
  { "list", cli_cmd_list,
    N_("List the stored credentials, without their secrets."), FALSE },
  { "status", cli_cmd_status,
    N_("Show where each provider's key comes from, what it shadows, and what needs attention."),
    FALSE },
  { "get", cli_cmd_get,
    N_("Print the key pi would use for PROVIDER on standard output."), FALSE },
  { "set", cli_cmd_set,
    N_("Store an API key for PROVIDER, read from standard input or typed on the terminal."),
    FALSE },
  { "remove", cli_cmd_remove,
    N_("Remove the stored credential of PROVIDER."), FALSE },
  { "logout", cli_cmd_remove,
    N_("Remove the stored credential of PROVIDER."), TRUE },
  { "login", cli_cmd_login,
    N_("Log in to the OAuth provider PROVIDER and store its tokens."), FALSE },
  { "refresh", cli_cmd_refresh,
    N_("Refresh the stored OAuth tokens now (all of them when no PROVIDER is named)."), FALSE },
  { "import", cli_cmd_import,
    N_("Copy the entries of pi's auth.json into the backend; OAuth entries are moved."), FALSE },
  { "export", cli_cmd_export,
    N_("Write the backend's credentials as a pi-compatible auth.json."), FALSE },
  { "exec", cli_cmd_exec,
    N_("Run a command with the providers' keys in pi's environment variables."), FALSE },
  { "unlock", cli_cmd_unlock,
    N_("Unlock the default keyring (it may prompt), or check the vault's passphrase."), FALSE },
  { "daemon", pi_keyring_daemon_main,
    N_("Keep the OAuth tokens fresh and serve the keys on the session bus (dev.pi.Keyring1)."),
    FALSE },
  { "bridge", cli_cmd_bridge,
    N_("Answer the requests of pi's extension: JSON lines on standard input and output."), FALSE },
  { "setup-pi", cli_cmd_setup_pi,
    N_("Install pi-keyring's extension for pi, so that pi takes every credential from "
       "pi-keyring (--undo removes it)."),
    FALSE },
};

static const CliCommand *
find_command (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, name))
      return &commands[i];

  return NULL;
}

static char *
describe_commands (void)
{
  GString *text = g_string_new (_("Commands:"));
  int width = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    width = MAX (width, (int) strlen (commands[i].name));

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (commands[i].hidden)
        continue;
      g_string_append_printf (text, "\n  %-*s  %s", width, commands[i].name,
                              _(commands[i].summary));
    }

  g_string_append (text, "\n\n");
  g_string_append (text, _("“pi-keyring help COMMAND” or “pi-keyring COMMAND --help” shows the "
                           "options of a command. “logout” is another name for “remove”."));
  g_string_append (text, "\n\n");
  g_string_append (text, _("Exit status: 0 success, 1 failure, 2 usage error, 3 not found, "
                           "4 log in again, 5 keyring locked or unavailable, 6 temporary "
                           "failure (network, rate limit, time-out: try again later), "
                           "130 interrupted."));

  return g_string_free (text, FALSE);
}

static GOptionContext *
main_option_context_new (gboolean *show_version)
{
  GOptionEntry version_entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, show_version, N_("Print the version and exit"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autofree char *description = describe_commands ();
  GOptionContext *context;

  context = g_option_context_new (N_("COMMAND [ARGUMENTS…]"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                N_("Keeps the pi coding agent's API keys and OAuth tokens in the "
                                   "desktop keyring."));
  g_option_context_set_description (context, description);
  /* Stop at the command name; the command parses what follows it. */
  g_option_context_set_strict_posix (context, TRUE);
  g_option_context_add_main_entries (context, version_entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, cli_get_global_entries (), GETTEXT_PACKAGE);

  return context;
}

static int
run_command (const CliCommand *command,
             int               argc,
             char            **argv)
{
  g_autofree char *prgname = g_strdup_printf ("pi-keyring %s", argv[0]);

  g_set_prgname (prgname);
  return command->handler (command, argc, argv);
}

static int
run_help (GOptionContext *main_context,
          int             argc,
          char          **argv)
{
  const CliCommand *command;
  char *help_argv[3];

  if (argc < 2)
    {
      g_autofree char *help = g_option_context_get_help (main_context, TRUE, NULL);

      g_print ("%s", help);
      return CLI_EXIT_OK;
    }

  g_set_prgname ("pi-keyring help");
  if (argc > 2)
    return cli_usage_error (_("There are too many arguments."));

  if (argv[1][0] == '-')
    {
      /* an option's value is not echoed */
      g_autofree char *name = cli_option_name (argv[1]);

      return cli_usage_error (_("Unknown option “%s”."), name);
    }
  command = find_command (argv[1]);
  if (command == NULL)
    return cli_usage_error (_("Unknown command “%s”."), argv[1]);

  /* `help COMMAND` is `COMMAND --help`, to the byte. */
  help_argv[0] = argv[1];
  help_argv[1] = (char *) "--help";
  help_argv[2] = NULL;
  return run_command (command, 2, help_argv);
}

static int
run (int    argc,
     char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  const CliCommand *command;
  gboolean show_version = FALSE;

  context = main_option_context_new (&show_version);
  if (!cli_option_context_parse (context, &argc, &argv))
    return CLI_EXIT_USAGE;

  if (show_version)
    {
      g_print ("pi-keyring %s\n", PACKAGE_VERSION);
      return CLI_EXIT_OK;
    }

  if (argc < 2)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      g_printerr ("%s", help);
      return CLI_EXIT_USAGE;
    }

  if (g_str_equal (argv[1], "help"))
    return run_help (context, argc - 1, argv + 1);

  command = find_command (argv[1]);
  if (command == NULL)
    return cli_usage_error (_("Unknown command “%s”."), argv[1]);

  return run_command (command, argc - 1, argv + 1);
}

const CliFront *
cli_get_front (void)
{
  return front;
}

G_MODULE_EXPORT int
pi_keyring_cli_main (int             argc,
                     char          **argv,
                     const CliFront *the_front)
{
  const char *localedir;
  int status;

  front = the_front != NULL && the_front->size == sizeof (CliFront) ? the_front : NULL;

  /* Before anything else, and before any secret is read: no core dumps,
   * no ptrace by other processes of the same user. The executable did it
   * first; it says what the limit was. */
  cli_harden_process_from (front != NULL && front->have_core_limit ? &front->core_limit : NULL);
  if (front != NULL && front->secret_service_running)
    cli_note_secret_service_running ();

  /* PI_KEYRING_LOCALEDIR, when set, replaces the installed catalogs: the
   * tests point it at the build tree's po/ directory. */
  localedir = g_getenv ("PI_KEYRING_LOCALEDIR");
  if (localedir == NULL || *localedir == '\0')
    localedir = LOCALEDIR;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_prgname ("pi-keyring");
  cli_install_log_writer ();

  status = run (argc, argv);
  cli_options_clear ();

  return status;
}
