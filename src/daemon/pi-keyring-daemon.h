/* pi-keyring-daemon.h: the pi-keyring daemon, which keeps the OAuth tokens
 * fresh and serves dev.pi.Keyring1 on the session bus
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "cli-common.h"

G_BEGIN_DECLS

/* Runs the daemon until SIGTERM or SIGINT, or until another takes its
 * name; @argv[0] is the name it was started as. Returns the exit code. */
int pi_keyring_daemon_main (const CliCommand  *command,
                            int                argc,
                            char             **argv);

G_END_DECLS
