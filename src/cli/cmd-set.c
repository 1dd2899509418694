/* cmd-set.c: pi-keyring set PROVIDER
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "cli-util.h"

static char *
describe_provider (const char *provider)
{
  const char *name = pi_keyring_catalog_get_display_name (provider);

  return g_strdup (name != NULL ? name : provider);
}

int
cli_cmd_set (const CliCommand  *command,
             int                argc,
             char             **argv)
{
  g_autoptr(GOptionContext) context = cli_option_context_new (command, N_("PROVIDER"), NULL);
  g_autoptr(PiKeyringBackend) backend = NULL;
  g_autoptr(PiKeyringStore) store = NULL;
  g_autoptr(CliSecret) key = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *prompt = NULL;
  g_autofree char *where = NULL;
  const char *provider;

  g_option_context_set_description (context,
                                    N_("The key is read from standard input when it is not a "
                                       "terminal (one trailing newline is removed), otherwise it "
                                       "is typed on the terminal without echo. It is never taken "
                                       "from the command line. The stored value may also be an "
                                       "environment variable's name or a “!command”, as in pi's "
                                       "auth.json."));
  if (!cli_option_context_parse (context, &argc, &argv) ||
      !cli_check_arguments (argc, 1, 1))
    return CLI_EXIT_USAGE;
  provider = argv[1];
  if (!cli_check_name (provider))
    return CLI_EXIT_USAGE;
  name = describe_provider (provider);

  backend = cli_open_backend (&error);
  if (backend == NULL)
    return cli_report_error (error);
  store = cli_open_store (backend);

  if (!pi_keyring_catalog_contains (provider))
    cli_warning (_("“%s” is not a provider pi-keyring knows; the key is stored under that name "
                   "anyway."),
                 provider);

  /* Translators: the prompt for a key typed on the terminal */
  prompt = g_strdup_printf (_("API key for %s: "), name);
  key = cli_read_secret (prompt, &error);
  if (key == NULL)
    return cli_report_error (error);
  if (*key == '\0')
    {
      cli_error (_("The key is empty; nothing was stored."));
      return CLI_EXIT_FAILURE;
    }

  if (!pi_keyring_store_set_api_key_sync (store, provider, key, NULL, &error))
    return cli_report_error (error);

  where = cli_backend_describe (backend);
  if (pi_keyring_backend_is_plaintext (backend))
    {
      const char *path = cli_backend_get_file_path (backend);
      g_autofree char *display = path != NULL ? g_filename_display_name (path) : g_strdup (where);

      cli_warning (_("The key is written in plaintext to %s."), display);
    }
  cli_info (_("Stored the API key for %s in %s."), name, where);

  return CLI_EXIT_OK;
}
