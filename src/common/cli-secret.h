/* cli-secret.h: secrets read from stdin or the terminal, and written to
 * stdout
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib/gi18n.h>
#include <pi-keyring/pi-keyring.h>

G_BEGIN_DECLS

/* Wipes and frees a string that held a secret. */
void              cli_secret_free           (char               *secret);
typedef char CliSecret;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliSecret, cli_secret_free)

/* Reads a secret from stdin when it is not a terminal (without one trailing
 * "\n" or "\r\n"), else from the terminal without echo after @prompt. */
char             *cli_read_secret           (const char         *prompt,
                                             GError            **error);
/* Reads a secret typed on the controlling terminal (/dev/tty) without echo,
 * whatever stdin is; fails when there is no terminal. */
char             *cli_read_secret_from_terminal (const char     *prompt,
                                                 GError        **error);
/* Writes @secret to stdout, and a newline only when stdout is a terminal. */
gboolean          cli_write_secret          (const char         *secret,
                                             gboolean            newline_if_tty,
                                             GError            **error);

G_END_DECLS
