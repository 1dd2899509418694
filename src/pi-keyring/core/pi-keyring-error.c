/* pi-keyring-error.c: the PI_KEYRING_ERROR domain and its D-Bus error names
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "core/pi-keyring-core-private.h"

/* The names of data/dev.pi.Keyring1.xml, one per code, in the order of
 * the enumeration: the daemon returns them, and every GDBus client that
 * loads the library gets the PiKeyring error back. */
static const GDBusErrorEntry error_entries[] = {
  { PI_KEYRING_ERROR_FAILED, "dev.pi.Keyring1.Error.Failed" },
  { PI_KEYRING_ERROR_NOT_FOUND, "dev.pi.Keyring1.Error.NotFound" },
  { PI_KEYRING_ERROR_LOCKED, "dev.pi.Keyring1.Error.Locked" },
  { PI_KEYRING_ERROR_UNAVAILABLE, "dev.pi.Keyring1.Error.Unavailable" },
  { PI_KEYRING_ERROR_PARSE, "dev.pi.Keyring1.Error.Parse" },
  { PI_KEYRING_ERROR_INVALID_ARGUMENT, "dev.pi.Keyring1.Error.InvalidArgument" },
  { PI_KEYRING_ERROR_COMMAND_FAILED, "dev.pi.Keyring1.Error.CommandFailed" },
  { PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED, "dev.pi.Keyring1.Error.ReauthenticationRequired" },
  { PI_KEYRING_ERROR_RATE_LIMITED, "dev.pi.Keyring1.Error.RateLimited" },
  { PI_KEYRING_ERROR_TEMPORARY, "dev.pi.Keyring1.Error.Temporary" },
  { PI_KEYRING_ERROR_ACCESS_DENIED, "dev.pi.Keyring1.Error.AccessDenied" },
  { PI_KEYRING_ERROR_WRONG_PASSPHRASE, "dev.pi.Keyring1.Error.WrongPassphrase" },
};

/**
 * pi_keyring_error_quark:
 *
 * The quark of the %PI_KEYRING_ERROR domain.
 *
 * The first call also registers the domain with GDBus
 * (`g_dbus_error_register_error_domain ()`): each code has the D-Bus error
 * name `dev.pi.Keyring1.Error.` followed by its name in camel case
 * (`dev.pi.Keyring1.Error.NotFound` for %PI_KEYRING_ERROR_NOT_FOUND …), so
 * that an error the `dev.pi.Keyring1` service returns comes back to any
 * GDBus client of a program that uses %PI_KEYRING_ERROR (a
 * `Gio.DBusProxy` in Python, say) as the PiKeyring error it was, and a
 * PiKeyring error a program returns from a D-Bus method goes out under
 * that name.
 *
 * The library also does this when it is loaded, so that a program that
 * only talks to the service through GDBus (a `Gio.DBusProxy`, say) gets
 * PiKeyring errors without calling this function first. (From Python or
 * JavaScript, importing `PiKeyring` alone does not load it; the first use
 * of anything in it does, `PiKeyring.Error` included.)
 *
 * Returns: the error quark
 *
 * Since: 0.1
 */
GQuark
pi_keyring_error_quark (void)
{
  static gsize quark = 0;

  /* One name per code. */
  G_STATIC_ASSERT (G_N_ELEMENTS (error_entries) == PI_KEYRING_ERROR_WRONG_PASSPHRASE + 1);

  g_dbus_error_register_error_domain ("pi-keyring-error-quark", &quark,
                                      error_entries, G_N_ELEMENTS (error_entries));
  return (GQuark) quark;
}

#if defined (__GNUC__) || defined (__clang__)
/* At load: GI loads the library on a program's first use of PiKeyring
 * (PiKeyring.Error included), and GDBus maps error names as they arrive. */
static void register_at_load (void) __attribute__ ((constructor));

static void
register_at_load (void)
{
  (void) pi_keyring_error_quark ();
}
#endif
