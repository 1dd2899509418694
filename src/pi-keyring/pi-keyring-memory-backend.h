/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PI_KEYRING_INSIDE) && !defined (PI_KEYRING_COMPILATION)
#error "Only <pi-keyring/pi-keyring.h> can be included directly."
#endif

#include "pi-keyring-backend.h"

G_BEGIN_DECLS

#define PI_KEYRING_TYPE_MEMORY_BACKEND (pi_keyring_memory_backend_get_type ())
PI_KEYRING_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (PiKeyringMemoryBackend, pi_keyring_memory_backend, PI_KEYRING, MEMORY_BACKEND, GObject)

PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringBackend *pi_keyring_memory_backend_new (void);

G_END_DECLS
