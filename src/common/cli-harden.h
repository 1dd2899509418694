/* cli-harden.h: process hardening
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib/gi18n.h>
#include <pi-keyring/pi-keyring.h>

G_BEGIN_DECLS

/* Makes the process non-dumpable and without core files; first thing in
 * main (), before any secret is read. */
void              cli_harden_process        (void);
/* The same, in a process whose executable did it already and saw
 * @core_limit (nullable) first. */
struct rlimit;
void              cli_harden_process_from   (const struct rlimit *core_limit);
/* Gives a command about to be exec'd the core-file limit the user had. */
void              cli_restore_core_limit    (void);

G_END_DECLS
