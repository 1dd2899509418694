/* cli-dbus.h: what the pi-keyring daemon (src/daemon) and its clients in
 * `pi-keyring get`, `list` and `export` (src/cli) share of the
 * dev.pi.Keyring1 D-Bus interface
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "cli-common.h"

G_BEGIN_DECLS

/* data/dev.pi.Keyring1.xml */
#define CLI_DBUS_NAME      "dev.pi.Keyring1"
#define CLI_DBUS_PATH      "/dev/pi/Keyring1"
#define CLI_DBUS_INTERFACE "dev.pi.Keyring1"

/* Makes sure the D-Bus error names of the PI_KEYRING_ERROR codes
 * (dev.pi.Keyring1.Error.NotFound …) are registered: the library does it
 * with the quark, so that an error a method returns comes back to a GDBus
 * client as the PiKeyring error it was. Idempotent. */
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

/* The D-Bus error names of the Credential objects' AttentionReason
 * (data/dev.pi.Keyring1.xml). */
#define CLI_DBUS_ATTENTION_NEEDS_LOGIN  "dev.pi.Keyring1.Error.ReauthenticationRequired"
#define CLI_DBUS_ATTENTION_LOCKED       "dev.pi.Keyring1.Error.Locked"

/* A few words for a person on why a credential needs attention: @reason
 * is an AttentionReason, @retry_at its RetryAt (0: none). */
char     *cli_dbus_describe_attention     (const char        *reason,
                                           gint64             retry_at);

G_END_DECLS
