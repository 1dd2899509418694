/* pi-keyring-version-macros.h: symbol visibility and availability
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (PI_KEYRING_INSIDE) && !defined (PI_KEYRING_COMPILATION)
#error "Only <pi-keyring/pi-keyring.h> can be included directly."
#endif

#include <glib.h>

/**
 * PI_KEYRING_MAJOR_VERSION:
 *
 * The major version of the pi-keyring headers.
 */
#define PI_KEYRING_MAJOR_VERSION 0

/**
 * PI_KEYRING_MINOR_VERSION:
 *
 * The minor version of the pi-keyring headers.
 */
#define PI_KEYRING_MINOR_VERSION 1

/**
 * PI_KEYRING_MICRO_VERSION:
 *
 * The micro version of the pi-keyring headers.
 */
#define PI_KEYRING_MICRO_VERSION 0

#if defined (_WIN32) || defined (__CYGWIN__)
# define _PI_KEYRING_EXTERN __declspec(dllexport) extern
#elif defined (__GNUC__)
# define _PI_KEYRING_EXTERN __attribute__((visibility ("default"))) extern
#else
# define _PI_KEYRING_EXTERN extern
#endif

/**
 * PI_KEYRING_AVAILABLE_IN_ALL:
 *
 * Marks a symbol as part of the public API, available since the first release.
 */
#define PI_KEYRING_AVAILABLE_IN_ALL _PI_KEYRING_EXTERN
