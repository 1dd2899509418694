/* cmd-unlock.c: pi-keyring unlock, and what --interactive does before any
 * command
 *
 * The two places where pi-keyring may prompt for the keyring: `unlock`,
 * and any command given --interactive. Nothing else asks for a keyring
 * password or a vault passphrase: without --interactive a locked keyring or
 * a vault without a passphrase is an error (exit 5), at once.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>

#include <glib-unix.h>
#include <glib/gstdio.h>

#include "cli-util.h"

/* How many times a mistyped vault passphrase may be typed again. */
#define PASSPHRASE_ATTEMPTS 3

/* --- the Secret Service: the keyring's own prompt --- */

typedef struct
{
  GMainLoop *loop;
  gboolean   done;
  gboolean   ok;
  GError    *error;
} UnlockState;

static void
on_unlocked (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  UnlockState *state = user_data;

  state->ok = pi_keyring_secret_service_backend_unlock_finish (
    PI_KEYRING_SECRET_SERVICE_BACKEND (source), result, &state->error);
  state->done = TRUE;
  g_main_loop_quit (state->loop);
}

/* Ctrl-C or SIGTERM while the prompt shows: dismiss it. */
static gboolean
on_signal (gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
  return G_SOURCE_CONTINUE;
}

/* Unlocks the default collection; the keyring may show its prompt. */
static gboolean
unlock_secret_service (PiKeyringBackend  *backend,
                       GError           **error)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  UnlockState state = { NULL, FALSE, FALSE, NULL };
  guint sigint_id, sigterm_id;

  state.loop = g_main_loop_new (NULL, FALSE);
  sigint_id = g_unix_signal_add (SIGINT, on_signal, cancellable);
  sigterm_id = g_unix_signal_add (SIGTERM, on_signal, cancellable);

  pi_keyring_secret_service_backend_unlock_async (PI_KEYRING_SECRET_SERVICE_BACKEND (backend),
                                                  cancellable, on_unlocked, &state);
  if (!state.done)
    g_main_loop_run (state.loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_main_loop_unref (state.loop);

  if (!state.ok)
    {
      g_propagate_error (error, state.error);
      return FALSE;
    }

  return TRUE;
}

/* --- the encrypted vault: a passphrase typed on the terminal --- */

static gboolean
vault_exists (PiKeyringBackend *backend)
{
  const char *path =
    pi_keyring_encrypted_file_backend_get_path (PI_KEYRING_ENCRYPTED_FILE_BACKEND (backend));

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* A vault that does not exist yet is created with what is typed: ask twice,
 * so that a typo does not lock the user out of it. */
static gboolean
ask_new_passphrase (PiKeyringBackend  *backend,
                    GError           **error)
{
  for (guint attempt = 0; attempt < PASSPHRASE_ATTEMPTS; attempt++)
    {
      g_autoptr(CliSecret) first = NULL;
      g_autoptr(CliSecret) second = NULL;

      first = cli_read_secret_from_terminal (_("New passphrase for the encrypted vault: "),
                                             error);
      if (first == NULL)
        return FALSE;
      if (*first == '\0')
        {
          cli_error (_("The passphrase must not be empty."));
          continue;
        }
      second = cli_read_secret_from_terminal (_("Type the same passphrase again: "), error);
      if (second == NULL)
        return FALSE;
      if (!g_str_equal (first, second))
        {
          cli_error (_("The two passphrases differ."));
          continue;
        }

      pi_keyring_encrypted_file_backend_set_passphrase (
        PI_KEYRING_ENCRYPTED_FILE_BACKEND (backend), first);
      return TRUE;
    }

  g_set_error_literal (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED,
                       _("No passphrase was given for the encrypted vault."));
  return FALSE;
}

/* Asks for the passphrase of an existing vault until it opens it. */
static gboolean
ask_passphrase (PiKeyringBackend  *backend,
                GError           **error)
{
  for (guint attempt = 0; attempt < PASSPHRASE_ATTEMPTS; attempt++)
    {
      g_autoptr(CliSecret) passphrase = NULL;
      g_autoptr(GError) local_error = NULL;

      passphrase = cli_read_secret_from_terminal (_("Passphrase of the encrypted vault: "),
                                                  error);
      if (passphrase == NULL)
        return FALSE;

      pi_keyring_encrypted_file_backend_set_passphrase (
        PI_KEYRING_ENCRYPTED_FILE_BACKEND (backend), passphrase);
      if (pi_keyring_backend_check_sync (backend, NULL, &local_error))
        return TRUE;

      if (!g_error_matches (local_error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_WRONG_PASSPHRASE) ||
          attempt + 1 == PASSPHRASE_ATTEMPTS)
        {
          pi_keyring_encrypted_file_backend_set_passphrase (
            PI_KEYRING_ENCRYPTED_FILE_BACKEND (backend), NULL);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      cli_error ("%s", local_error->message);
    }

  g_assert_not_reached ();
  return FALSE;
}

static gboolean
ask_vault_passphrase (PiKeyringBackend  *backend,
                      GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  ok = vault_exists (backend) ? ask_passphrase (backend, &local_error)
                              : ask_new_passphrase (backend, &local_error);
  if (ok)
    return TRUE;

  /* No terminal (a service, a pipe): the vault stays locked, as without
   * --interactive. */
  if (local_error->domain == G_IO_ERROR)
    g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED,
                 _("The encrypted vault needs a passphrase, and it cannot be asked for: %s"),
                 local_error->message);
  else
    g_propagate_error (error, g_steal_pointer (&local_error));

  return FALSE;
}

/* --- --interactive --- */

gboolean
cli_prepare_backend (PiKeyringBackend  *backend,
                     GError           **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!cli_options.interactive)
    return TRUE;

  if (PI_KEYRING_IS_SECRET_SERVICE_BACKEND (backend))
    {
      if (unlock_secret_service (backend, &local_error))
        return TRUE;
      /* No bus or no Secret Service: the command says so itself, the same
       * way with or without --interactive. */
      if (g_error_matches (local_error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_UNAVAILABLE))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (PI_KEYRING_IS_ENCRYPTED_FILE_BACKEND (backend) &&
      pi_keyring_encrypted_file_backend_needs_passphrase (
        PI_KEYRING_ENCRYPTED_FILE_BACKEND (backend)))
    return ask_vault_passphrase (backend, error);

  return TRUE;
}

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

  if (!vault_exists (backend))
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
      if (!ask_vault_passphrase (backend, &error))
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
                                    N_("Unlocks the Secret Service's default collection; the "
                                       "keyring shows its own prompt for the password. This and "
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
      where = cli_backend_describe (backend);
      cli_info (_("%s is already unlocked."), where);
      return CLI_EXIT_OK;
    }
  if (!g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED))
    return cli_report_error (error);
  g_clear_error (&error);

  if (!unlock_secret_service (backend, &error))
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
