/* cli-daemon-client.h: the client side of dev.pi.Keyring1, for
 * `pi-keyring get`, `list` and `export`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "cli-dbus.h"
#include "cli-util.h"

G_BEGIN_DECLS

typedef enum
{
  CLI_DAEMON_ANSWERED,     /* *out_key is the key */
  CLI_DAEMON_FAILED,       /* the daemon tried and failed: report *error */
  CLI_DAEMON_NOT_ASKED,    /* no daemon, another backend, or it could not
                            * answer for the caller: work alone */
} CliDaemonAnswer;

/* Asks a running daemon for the key of @provider in the profile of the
 * command line, when the daemon owns its name on an already reachable
 * session bus (never autolaunched, never activated), runs as this user and
 * uses the same backend as @backend. */
CliDaemonAnswer cli_dbus_daemon_get_api_key (PiKeyringBackend  *backend,
                                             const char        *provider,
                                             char             **out_key,
                                             GError           **error);

/* What the daemon's GetApiKey error @error_name with @message means, as
 * cli_dbus_daemon_get_api_key () would take it: FAILED with @error set
 * when it is the daemon's answer, else NOT_ASKED. For the executable's
 * own question (cli-front.h). */
CliDaemonAnswer cli_dbus_daemon_answer_from_error (const char  *error_name,
                                                   const char  *message,
                                                   GError     **error);

/* Asks such a daemon for its credentials, without secrets: the
 * ListCredentials dictionaries of every profile. Only a locked keyring is
 * its final answer (FAILED); otherwise, NOT_ASKED: list alone. */
CliDaemonAnswer cli_dbus_daemon_list_credentials (PiKeyringBackend  *backend,
                                                  GVariant         **out_credentials,
                                                  GError           **error);

/* Asks such a daemon, when @backend is the Secret Service one, for the
 * credentials of the command line's profile, secrets included, as `export`
 * writes them. FAILED only with the daemon's final answer (a locked
 * keyring); otherwise NOT_ASKED: export alone. */
CliDaemonAnswer cli_dbus_daemon_export_credentials (PiKeyringBackend  *backend,
                                                    GPtrArray        **out_credentials,
                                                    GError           **error);

G_END_DECLS
