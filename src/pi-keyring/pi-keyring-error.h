/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PI_KEYRING_INSIDE) && !defined (PI_KEYRING_COMPILATION)
#error "Only <pi-keyring/pi-keyring.h> can be included directly."
#endif

#include <glib.h>
#include "pi-keyring-version-macros.h"

G_BEGIN_DECLS

/**
 * PI_KEYRING_ERROR:
 *
 * The error domain of pi-keyring.
 *
 * Since: 0.1
 */
#define PI_KEYRING_ERROR (pi_keyring_error_quark ())

/**
 * PiKeyringError:
 * @PI_KEYRING_ERROR_FAILED: a failure with no more specific code
 * @PI_KEYRING_ERROR_NOT_FOUND: no credential is stored for the provider
 * @PI_KEYRING_ERROR_LOCKED: the keyring collection is locked
 * @PI_KEYRING_ERROR_UNAVAILABLE: the storage cannot be reached (no session
 *   bus, no Secret Service, no default collection, or it did not answer in time)
 * @PI_KEYRING_ERROR_PARSE: a file or answer could not be parsed
 * @PI_KEYRING_ERROR_INVALID_ARGUMENT: the caller asked for something that
 *   cannot be done (an unknown backend name, a profile a backend cannot hold)
 * @PI_KEYRING_ERROR_COMMAND_FAILED: the `!command` of an api_key entry
 *   failed, timed out or printed nothing
 * @PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED: the provider refused the
 *   credential; log in again
 * @PI_KEYRING_ERROR_RATE_LIMITED: the provider asked to retry later (HTTP 429)
 * @PI_KEYRING_ERROR_TEMPORARY: a transient failure (network, HTTP 5xx, time-out)
 * @PI_KEYRING_ERROR_ACCESS_DENIED: the user or the provider denied access
 * @PI_KEYRING_ERROR_WRONG_PASSPHRASE: the passphrase does not open the vault
 *
 * Error codes in the %PI_KEYRING_ERROR domain.
 *
 * Since: 0.1
 */
typedef enum
{
  PI_KEYRING_ERROR_FAILED,
  PI_KEYRING_ERROR_NOT_FOUND,
  PI_KEYRING_ERROR_LOCKED,
  PI_KEYRING_ERROR_UNAVAILABLE,
  PI_KEYRING_ERROR_PARSE,
  PI_KEYRING_ERROR_INVALID_ARGUMENT,
  PI_KEYRING_ERROR_COMMAND_FAILED,
  PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED,
  PI_KEYRING_ERROR_RATE_LIMITED,
  PI_KEYRING_ERROR_TEMPORARY,
  PI_KEYRING_ERROR_ACCESS_DENIED,
  PI_KEYRING_ERROR_WRONG_PASSPHRASE,
} PiKeyringError;

PI_KEYRING_AVAILABLE_IN_ALL
GQuark pi_keyring_error_quark (void);

G_END_DECLS
