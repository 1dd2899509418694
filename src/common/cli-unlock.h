/* cli-unlock.h: unlocking the keyring and opening the vault, for `unlock` and
 * --interactive
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib/gi18n.h>
#include <pi-keyring/pi-keyring.h>

G_BEGIN_DECLS

/* With --interactive: unlocks a locked Secret Service collection (which may
 * prompt), or asks on the terminal for the passphrase of an encrypted vault
 * that has none. Without --interactive it does nothing: nothing prompts. */
gboolean          cli_prepare_backend       (PiKeyringBackend   *backend,
                                             GError            **error);
/* The keyring's own prompt for the default collection (cancelled by
 * SIGINT/SIGTERM): FALSE with the error when it stays locked. */
gboolean          cli_unlock_secret_service (PiKeyringBackend   *backend,
                                             GError            **error);
/* Whether the encrypted-file backend's vault exists yet. */
gboolean          cli_vault_exists          (PiKeyringBackend   *backend);
/* The vault's passphrase typed on the terminal (twice for a new vault),
 * checked against the vault, a few attempts. */
gboolean          cli_ask_vault_passphrase  (PiKeyringBackend   *backend,
                                             GError            **error);

G_END_DECLS
