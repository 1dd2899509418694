/* pi-keyring-version.c: the version of the library in use, at run time
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "pi-keyring-version.h"

/**
 * pi_keyring_get_major_version:
 *
 * The major version of the pi-keyring library in use: 0 in 0.2.1.
 *
 * This is the library the program runs with, which may be newer than
 * the headers it was compiled against ([const@MAJOR_VERSION]).
 *
 * Returns: the major version
 *
 * Since: 0.2
 */
guint
pi_keyring_get_major_version (void)
{
  return PI_KEYRING_MAJOR_VERSION;
}

/**
 * pi_keyring_get_minor_version:
 *
 * The minor version of the pi-keyring library in use: 2 in 0.2.1.
 *
 * This is the library the program runs with, which may be newer than
 * the headers it was compiled against ([const@MINOR_VERSION]).
 *
 * Returns: the minor version
 *
 * Since: 0.2
 */
guint
pi_keyring_get_minor_version (void)
{
  return PI_KEYRING_MINOR_VERSION;
}

/**
 * pi_keyring_get_micro_version:
 *
 * The micro version of the pi-keyring library in use: 1 in 0.2.1.
 *
 * This is the library the program runs with, which may be newer than
 * the headers it was compiled against ([const@MICRO_VERSION]).
 *
 * Returns: the micro version
 *
 * Since: 0.2
 */
guint
pi_keyring_get_micro_version (void)
{
  return PI_KEYRING_MICRO_VERSION;
}

/**
 * pi_keyring_check_version:
 * @major: the major version required
 * @minor: the minor version required
 * @micro: the micro version required
 *
 * Whether the pi-keyring library in use, at run time, is compatible with
 * version @major.@minor.@micro: it has the same major version and is of
 * that version or newer.
 *
 * In Python:
 *
 * ```python
 * if not PiKeyring.check_version(0, 2, 0):
 *     sys.exit("pi-keyring 0.2 or newer is needed")
 * ```
 *
 * `PI_KEYRING_CHECK_VERSION ()` asks the same of the headers at compile
 * time.
 *
 * Returns: %TRUE when the library is compatible with that version
 *
 * Since: 0.2
 */
gboolean
pi_keyring_check_version (guint major,
                          guint minor,
                          guint micro)
{
  if (major != PI_KEYRING_MAJOR_VERSION)
    return FALSE;
  if (minor != PI_KEYRING_MINOR_VERSION)
    return minor < PI_KEYRING_MINOR_VERSION;
  return micro <= PI_KEYRING_MICRO_VERSION;
}
