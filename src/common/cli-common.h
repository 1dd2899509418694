/* cli-common.h: what the two programs of pi-keyring, the command (src/cli)
 * and the daemon (src/daemon), share: options, messages and exit codes,
 * opening the backend and the store, secrets on the terminal, output
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <pi-keyring/pi-keyring.h>

#include "cli-harden.h"
#include "cli-messages.h"
#include "cli-options.h"
#include "cli-output.h"
#include "cli-secret.h"
#include "cli-store-open.h"
#include "cli-unlock.h"
