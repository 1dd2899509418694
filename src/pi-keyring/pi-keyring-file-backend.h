/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PI_KEYRING_INSIDE) && !defined (PI_KEYRING_COMPILATION)
#error "Only <pi-keyring/pi-keyring.h> can be included directly."
#endif

#include "pi-keyring-backend.h"

G_BEGIN_DECLS

#define PI_KEYRING_TYPE_FILE_BACKEND (pi_keyring_file_backend_get_type ())
PI_KEYRING_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (PiKeyringFileBackend, pi_keyring_file_backend, PI_KEYRING, FILE_BACKEND, GObject)

PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringBackend *pi_keyring_file_backend_new              (const char           *path);
PI_KEYRING_AVAILABLE_IN_ALL
const char       *pi_keyring_file_backend_get_path         (PiKeyringFileBackend *self);
PI_KEYRING_AVAILABLE_IN_ALL
GPtrArray        *pi_keyring_file_backend_drain_errors     (PiKeyringFileBackend *self);
PI_KEYRING_AVAILABLE_IN_ALL
char             *pi_keyring_get_default_auth_file_path    (void);
PI_KEYRING_AVAILABLE_IN_ALL
char             *pi_keyring_file_backend_format_credentials (GPtrArray        *credentials);

G_END_DECLS
