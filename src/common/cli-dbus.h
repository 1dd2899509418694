/* cli-dbus.h: the dev.pi.Keyring1 D-Bus interface of `pi-keyring daemon`,
 * shared by the daemon and by its clients in `pi-keyring get`, `list` and
 * `export`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "cli-util.h"

G_BEGIN_DECLS

/* data/dev.pi.Keyring1.xml */
#define CLI_DBUS_NAME      "dev.pi.Keyring1"
#define CLI_DBUS_PATH      "/dev/pi/Keyring1"
#define CLI_DBUS_INTERFACE "dev.pi.Keyring1"

/* Registers the D-Bus error names of the PI_KEYRING_ERROR codes
 * (dev.pi.Keyring1.Error.NotFound …), so that an error a method returns
 * comes back to a GDBus client as the PiKeyring error it was. Idempotent. */
void      cli_dbus_register_errors        (void);

/* TRUE when a session bus can be reached without autolaunching one: an
 * explicit DBUS_SESSION_BUS_ADDRESS that is not "autolaunch:", or the
 * socket $XDG_RUNTIME_DIR/bus. pi-keyring never starts a bus. */
gboolean  cli_dbus_session_bus_reachable  (void);

/* PI_KEYRING_TIMEOUT in milliseconds, as the library reads it (default 5 s). */
guint            cli_dbus_get_timeout_ms   (void);
/* "The session bus did not answer within N seconds." (PI_KEYRING_ERROR_UNAVAILABLE) */
GError          *cli_dbus_bus_timeout_error (guint             timeout_ms);
/* The session bus connection, waited for @timeout_ms at most (a bus that
 * accepts and never answers would block g_bus_get_sync () for ever); NULL
 * with @error set otherwise: cli_dbus_bus_timeout_error () when the time
 * was up. */
GDBusConnection *cli_dbus_get_session_bus  (guint             timeout_ms,
                                            GError          **error);

/* The file a file or encrypted-file backend keeps credentials in; "" for
 * the others. The daemon's BackendPath property. */
char     *cli_dbus_get_backend_path       (PiKeyringBackend  *backend);

/* The client side, for `pi-keyring get`, `list` and `export`. */
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
