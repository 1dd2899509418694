/* cmd-get.c: pi-keyring get PROVIDER
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gio.h>

#include "cli-daemon-client.h"
#include "cli-front.h"

/* The providers (profile/provider) whose `get` is running further up in
 * this process tree. An api_key entry `!pi-keyring get P` read back by
 * `pi-keyring get P` itself (auth.json as the fallback, say) would
 * otherwise start itself again and again. */
#define GET_CHAIN_VARIABLE "PI_KEYRING_GET_CHAIN"

static gboolean
enter_get_chain (const char  *provider,
                 GError     **error)
{
  const char *chain = g_getenv (GET_CHAIN_VARIABLE);
  g_autofree char *self = g_strdup_printf ("%s/%s", cli_get_profile (), provider);
  g_autofree char *extended = NULL;

  if (chain != NULL && *chain != '\0')
    {
      g_auto(GStrv) links = g_strsplit (chain, "\n", -1);

      if (g_strv_contains ((const char * const *) links, self))
        {
          g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_COMMAND_FAILED,
                       _("The key of “%s” is a command that runs “pi-keyring get %s” again."),
                       provider, provider);
          return FALSE;
        }
      extended = g_strconcat (chain, "\n", self, NULL);
    }

  g_setenv (GET_CHAIN_VARIABLE, extended != NULL ? extended : self, TRUE);
  return TRUE;
}

/* The daemon's answer: the one the executable got, or a question now. */
static CliDaemonAnswer
ask_daemon (PiKeyringBackend  *backend,
            const char        *provider,
            char             **out_key,
            GError           **error)
{
  const CliFront *front = cli_get_front ();

  switch (front != NULL ? front->daemon : CLI_FRONT_DAEMON_UNKNOWN)
    {
    case CLI_FRONT_DAEMON_NOT_ASKED:
      return CLI_DAEMON_NOT_ASKED;

    case CLI_FRONT_DAEMON_ERROR:
      return cli_dbus_daemon_answer_from_error (front->error_name, front->error_message, error);

    case CLI_FRONT_DAEMON_BUS_TIMEOUT:
      /* The Secret Service backend needs the bus (cli-daemon-client.c) */
      g_propagate_error (error, cli_dbus_bus_timeout_error (front->timeout_ms));
      return CLI_DAEMON_FAILED;

    case CLI_FRONT_DAEMON_UNKNOWN:
    default:
      return cli_dbus_daemon_get_api_key (backend, provider, out_key, error);
    }
}

int
cli_cmd_get (const CliCommand  *command,
             int                argc,
             char             **argv)
{
  g_autoptr(GOptionContext) context = cli_option_context_new (command, N_("PROVIDER"), NULL);
  g_autoptr(PiKeyringBackend) backend = NULL;
  g_autoptr(PiKeyringStore) store = NULL;
  g_autoptr(CliSecret) key = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) recovered = NULL;
  PiKeyringSource source = PI_KEYRING_SOURCE_NONE;
  const char *provider;

  g_option_context_set_description (context,
                                    N_("The key is looked up as pi does: the backend, then pi's "
                                       "auth.json, then the environment. OAuth tokens are "
                                       "refreshed when due. A newline follows the key only when "
                                       "standard output is a terminal, so that pi can use "
                                       "\"key\": \"!pi-keyring get PROVIDER\". It never prompts. "
                                       "When a pi-keyring daemon with the same backend runs, "
                                       "it is asked for the stored credential."));
  if (!cli_option_context_parse (context, &argc, &argv) ||
      !cli_check_arguments (argc, 1, 1))
    return CLI_EXIT_USAGE;
  provider = argv[1];
  if (!cli_check_name (provider))
    return CLI_EXIT_USAGE;

  if (!enter_get_chain (provider, &error))
    return cli_report_error (error);

  backend = cli_open_backend (&error);
  if (backend == NULL)
    return cli_report_error (error);

  /* The daemon's key, which the executable could not write */
  if (cli_get_front () != NULL && cli_get_front ()->daemon == CLI_FRONT_DAEMON_WRITE_FAILED)
    {
      int saved_errno = cli_get_front ()->write_errno;

      g_set_error (&error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not write to standard output: %s"), g_strerror (saved_errno));
      return cli_report_error (error);
    }

  /* A running `pi-keyring daemon` with the same backend answers for the
   * stored credential: its token is fresh, and a refresh is done once for
   * every client. Without one, or when it cannot answer, alone. The
   * executable may have asked it already (cli-front.h). */
  switch (ask_daemon (backend, provider, &key, &error))
    {
    case CLI_DAEMON_ANSWERED:
      break;

    case CLI_DAEMON_FAILED:
      return cli_report_oauth_error (error, provider);

    case CLI_DAEMON_NOT_ASKED:
    default:
      store = cli_open_store (backend);
      key = pi_keyring_store_get_api_key_sync (store, provider, &source, NULL, &error);
      if (key == NULL)
        {
          if (error != NULL)
            return cli_report_oauth_error (error, provider);

          cli_error (_("No key is available for “%s”."), provider);
          return CLI_EXIT_NOT_FOUND;
        }
      break;
    }

  /* A refreshed token that could not be saved works now; say where it is
   * kept until it can be. */
  recovered = pi_keyring_store_describe_recovered (provider);
  for (guint i = 0; recovered[i] != NULL; i++)
    cli_warning ("%s", recovered[i]);

  if (!cli_write_secret (key, TRUE, &error))
    return cli_report_error (error);

  return CLI_EXIT_OK;
}
