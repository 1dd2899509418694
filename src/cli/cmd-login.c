/* cmd-login.c: pi-keyring login PROVIDER [--no-browser] [--enterprise-domain=D]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>

#include <glib-unix.h>

#include "cli-util.h"

typedef struct
{
  GMainLoop           *loop;
  PiKeyringCredential *credential;
  GError              *error;
} LoginState;

static void
on_login_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  LoginState *state = user_data;

  state->credential = pi_keyring_store_login_finish (PI_KEYRING_STORE (source), result,
                                                     &state->error);
  g_main_loop_quit (state->loop);
}

/* Ctrl-C or SIGTERM: stop the login; it frees its port and ends cancelled. */
static gboolean
on_signal (gpointer user_data)
{
  GCancellable *cancellable = user_data;

  g_cancellable_cancel (cancellable);
  return G_SOURCE_CONTINUE;
}

static char *
list_oauth_providers (void)
{
  g_autoptr(GPtrArray) providers = pi_keyring_list_providers ();
  g_autoptr(GString) list = g_string_new (NULL);

  for (guint i = 0; i < providers->len; i++)
    {
      if (i > 0)
        g_string_append (list, ", ");
      g_string_append (list, pi_keyring_provider_get_id (providers->pdata[i]));
    }

  return g_string_free (g_steal_pointer (&list), FALSE);
}

static int
unknown_provider (const char *provider)
{
  g_autofree char *list = list_oauth_providers ();

  if (*list == '\0')
    return cli_usage_error (_("Unknown OAuth provider: %s. No OAuth provider is available."),
                            provider);

  return cli_usage_error (_("Unknown OAuth provider: %s. Choose one of: %s."), provider, list);
}

static int
report_login_error (const GError *error,
                    GCancellable *cancellable)
{
  if (g_cancellable_is_cancelled (cancellable) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      cli_error (_("Login cancelled."));
      return CLI_EXIT_INTERRUPTED;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      cli_error (_("The login did not finish in time: %s Run the command again to retry."),
                 error->message);
      return CLI_EXIT_TEMPORARY;
    }

  return cli_report_error (error);
}

int
cli_cmd_login (const CliCommand  *command,
               int                argc,
               char             **argv)
{
  gboolean no_browser = FALSE;
  g_autofree char *enterprise_domain = NULL;
  const GOptionEntry entries[] = {
    { "no-browser", 0, 0, G_OPTION_ARG_NONE, &no_browser,
      N_("Do not open a browser; only print the URL"), NULL },
    { "enterprise-domain", 0, 0, G_OPTION_ARG_STRING, &enterprise_domain,
      N_("Log in to GitHub Enterprise at DOMAIN (github-copilot)"), N_("DOMAIN") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = cli_option_context_new (command, N_("PROVIDER"), entries);
  g_autoptr(PiKeyringProvider) oauth_provider = NULL;
  g_autoptr(PiKeyringBackend) backend = NULL;
  g_autoptr(PiKeyringStore) store = NULL;
  g_autoptr(PiKeyringInteraction) interaction = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(GVariant) options = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *where = NULL;
  LoginState state = { NULL, NULL, NULL };
  guint sigint_id, sigterm_id;
  const char *provider;
  int status;

  g_option_context_set_description (context,
                                    N_("Runs the provider's OAuth login and stores the tokens in "
                                       "the backend. The authorization URL is always printed; a "
                                       "browser opens it unless --no-browser is given. When the "
                                       "browser runs on another machine, paste the final "
                                       "redirect URL (or the code) here. Ctrl-C cancels."));
  if (!cli_option_context_parse (context, &argc, &argv) ||
      !cli_check_arguments (argc, 1, 1))
    return CLI_EXIT_USAGE;
  provider = argv[1];
  if (!cli_check_name (provider))
    return CLI_EXIT_USAGE;

  oauth_provider = pi_keyring_lookup_provider (provider);
  if (oauth_provider == NULL)
    return unknown_provider (provider);

  backend = cli_open_backend (&error);
  if (backend == NULL)
    return cli_report_error (error);
  store = cli_open_store (backend);

  /* A locked or unreachable keyring is said before the login, not after
   * the user went through it for nothing. */
  if (!pi_keyring_backend_check_sync (backend, NULL, &error))
    return cli_report_error (error);

  interaction = cli_interaction_new (!no_browser);
  options = cli_login_options (enterprise_domain);
  cancellable = g_cancellable_new ();
  state.loop = g_main_loop_new (NULL, FALSE);

  sigint_id = g_unix_signal_add (SIGINT, on_signal, cancellable);
  sigterm_id = g_unix_signal_add (SIGTERM, on_signal, cancellable);

  pi_keyring_store_login_async (store, provider, interaction, options, cancellable,
                                on_login_done, &state);
  g_main_loop_run (state.loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_main_loop_unref (state.loop);
  cli_interaction_finish_output (interaction);

  if (state.credential == NULL)
    {
      status = report_login_error (state.error, cancellable);
      g_clear_error (&state.error);
      return status;
    }
  g_clear_object (&state.credential);

  where = cli_backend_describe (backend);
  if (pi_keyring_backend_is_plaintext (backend))
    cli_warning (_("The tokens are written in plaintext to %s."), where);
  cli_info (_("Logged in to %s. Credentials saved to %s."),
            pi_keyring_provider_get_display_name (oauth_provider), where);

  return CLI_EXIT_OK;
}
