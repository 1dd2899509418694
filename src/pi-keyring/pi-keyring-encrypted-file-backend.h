/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PI_KEYRING_INSIDE) && !defined (PI_KEYRING_COMPILATION)
#error "Only <pi-keyring/pi-keyring.h> can be included directly."
#endif

#include "pi-keyring-backend.h"

G_BEGIN_DECLS

#define PI_KEYRING_TYPE_ENCRYPTED_FILE_BACKEND (pi_keyring_encrypted_file_backend_get_type ())
PI_KEYRING_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (PiKeyringEncryptedFileBackend, pi_keyring_encrypted_file_backend, PI_KEYRING, ENCRYPTED_FILE_BACKEND, GObject)

PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringBackend *pi_keyring_encrypted_file_backend_new               (const char                    *path,
                                                                      const char                    *passphrase);
PI_KEYRING_AVAILABLE_IN_ALL
const char       *pi_keyring_encrypted_file_backend_get_path          (PiKeyringEncryptedFileBackend *self);
PI_KEYRING_AVAILABLE_IN_ALL
void              pi_keyring_encrypted_file_backend_set_passphrase    (PiKeyringEncryptedFileBackend *self,
                                                                      const char                    *passphrase);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean          pi_keyring_encrypted_file_backend_needs_passphrase  (PiKeyringEncryptedFileBackend *self);
PI_KEYRING_AVAILABLE_IN_ALL
char             *pi_keyring_get_default_vault_path                   (void);

G_END_DECLS
