/* cmd-unlock.c: pi-keyring unlock, which unlocks the keyring or checks the vault's passphrase
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "cli-util.h"

/* --- pi-keyring unlock --- */

static gboolean
backend_was_chosen (void)
{
  const char *name = cli_options.backend;

  if (name == NULL || *name == '\0')
    name = g_getenv ("PI_KEYRING_BACKEND");

  return name != NULL && *name != '\0' && !g_str_equal (name, "auto");
}

static int
unlock_vault (PiKeyringBackend *backend)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *display = g_filename_display_name (
    pi_keyring_encrypted_file_backend_get_path (PI_KEYRING_ENCRYPTED_FILE_BACKEND (backend)));

  if (!cli_vault_exists (backend))
    {
      cli_info (_("There is no encrypted vault at %s yet: nothing to unlock. The first "
                  "“pi-keyring --backend=encrypted-file set” or “login” creates it."),
                display);
      return CLI_EXIT_OK;
    }

  /* A passphrase from PI_KEYRING_PASSPHRASE_FILE or PI_KEYRING_PASSPHRASE
   * is checked as it is; otherwise it is typed on the terminal. */
  if (pi_keyring_encrypted_file_backend_needs_passphrase (
        PI_KEYRING_ENCRYPTED_FILE_BACKEND (backend)))
    {
      if (!cli_ask_vault_passphrase (backend, &error))
        return cli_report_error (error);
    }
  else if (!pi_keyring_backend_check_sync (backend, NULL, &error))
    return cli_report_error (error);

  cli_info (_("The passphrase opens the encrypted vault %s."), display);
  return CLI_EXIT_OK;
}

int
cli_cmd_unlock (const CliCommand  *command,
                int                argc,
                char             **argv)
{
  g_autoptr(GOptionContext) context = cli_option_context_new (command, NULL, NULL);
  g_autoptr(PiKeyringBackend) backend = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *where = NULL;

  g_option_context_set_description (context,
                                    N_("Unlocks the Secret Service's default collection, and "
                                       "pi-keyring's items in it that the service keeps locked "
                                       "(KeePassXC asks before it gives a secret to a program); "
                                       "the service shows its own prompt. This and "
                                       "--interactive are the only ways pi-keyring lets a "
                                       "keyring prompt appear. With --backend=encrypted-file it "
                                       "asks for the vault's passphrase on the terminal, without "
                                       "echo, and checks that it opens the vault. Exit status 5: "
                                       "the keyring stays locked or cannot be reached, or the "
                                       "passphrase is wrong."));
  if (!cli_option_context_parse (context, &argc, &argv) ||
      !cli_check_arguments (argc, 0, 0))
    return CLI_EXIT_USAGE;
  if (!cli_check_backend_name ())
    return CLI_EXIT_USAGE;

  /* Not cli_open_backend (): --interactive would unlock twice. */
  backend = pi_keyring_backend_new_for_name (cli_options.backend, &error);
  if (backend == NULL)
    return cli_report_error (error);

  if (PI_KEYRING_IS_ENCRYPTED_FILE_BACKEND (backend))
    return unlock_vault (backend);

  if (!PI_KEYRING_IS_SECRET_SERVICE_BACKEND (backend))
    {
      if (!backend_was_chosen ())
        {
          cli_error (_("No Secret Service can be reached, so there is no keyring to unlock."));
          return CLI_EXIT_UNAVAILABLE;
        }
      cli_info (_("The %s backend has nothing to unlock."), pi_keyring_backend_get_name (backend));
      return CLI_EXIT_OK;
    }

  if (pi_keyring_backend_check_sync (backend, NULL, &error))
    {
      g_autoptr(GPtrArray) all = NULL;

      /* The collection is unlocked; some services (KeePassXC) keep each
       * item locked as well until a client unlocks it. */
      all = pi_keyring_backend_list_sync (backend, NULL, NULL, &error);
      if (all != NULL || !g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED))
        {
          g_clear_error (&error);
          where = cli_backend_describe (backend);
          cli_info (_("%s is already unlocked."), where);
          return CLI_EXIT_OK;
        }
    }
  if (!g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED))
    return cli_report_error (error);
  g_clear_error (&error);

  if (!cli_unlock_secret_service (backend, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          cli_error (_("Unlocking was cancelled; the keyring stays locked."));
          return CLI_EXIT_INTERRUPTED;
        }
      return cli_report_error (error);
    }

  where = cli_backend_describe (backend);
  cli_info (_("Unlocked %s."), where);
  return CLI_EXIT_OK;
}
