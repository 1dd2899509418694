/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "core/pi-keyring-core-private.h"

/**
 * pi_keyring_error_quark:
 *
 * The quark of the %PI_KEYRING_ERROR domain.
 *
 * Returns: the error quark
 */
G_DEFINE_QUARK (pi-keyring-error-quark, pi_keyring_error)
