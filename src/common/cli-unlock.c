/* cli-unlock.c: unlocking the keyring and opening the vault, for `unlock` and --interactive
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

#include "cli-unlock.h"
#include "cli-messages.h"
#include "cli-options.h"
#include "cli-secret.h"

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
gboolean
cli_unlock_secret_service (PiKeyringBackend  *backend,
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

gboolean
cli_vault_exists (PiKeyringBackend *backend)
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

gboolean
cli_ask_vault_passphrase (PiKeyringBackend  *backend,
                          GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  ok = cli_vault_exists (backend) ? ask_passphrase (backend, &local_error)
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
      if (cli_unlock_secret_service (backend, &local_error))
        return TRUE;
      /* No bus or no Secret Service: the command says so itself, the same
       * way with or without --interactive. */
      if (g_error_matches (local_error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_UNAVAILABLE))
        return TRUE;
      /* Ctrl-C while the service's prompt showed (it was dismissed). */
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("Unlocking was cancelled; the keyring stays locked."));
          return FALSE;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (PI_KEYRING_IS_ENCRYPTED_FILE_BACKEND (backend) &&
      pi_keyring_encrypted_file_backend_needs_passphrase (
        PI_KEYRING_ENCRYPTED_FILE_BACKEND (backend)))
    return cli_ask_vault_passphrase (backend, error);

  return TRUE;
}
