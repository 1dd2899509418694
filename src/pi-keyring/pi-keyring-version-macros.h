/* pi-keyring-version-macros.h: symbol visibility and availability
 *
 * The version numbers themselves are in the generated pi-keyring-version.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (PI_KEYRING_INSIDE) && !defined (PI_KEYRING_COMPILATION)
#error "Only <pi-keyring/pi-keyring.h> can be included directly."
#endif

#include <glib.h>

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
 * Marks a symbol as part of the public API, available since the first
 * release, 0.1.
 *
 * Since: 0.1
 */
#define PI_KEYRING_AVAILABLE_IN_ALL _PI_KEYRING_EXTERN

/**
 * PI_KEYRING_AVAILABLE_IN_0_2:
 *
 * Marks a symbol as part of the public API since pi-keyring 0.2; its
 * documentation says `Since: 0.2`.
 *
 * Since: 0.2
 */
#define PI_KEYRING_AVAILABLE_IN_0_2 _PI_KEYRING_EXTERN
