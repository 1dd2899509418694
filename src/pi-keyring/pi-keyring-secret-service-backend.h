/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PI_KEYRING_INSIDE) && !defined (PI_KEYRING_COMPILATION)
#error "Only <pi-keyring/pi-keyring.h> can be included directly."
#endif

#include "pi-keyring-backend.h"

G_BEGIN_DECLS

/**
 * PI_KEYRING_SECRET_SCHEMA_NAME:
 *
 * The name of the Secret Service schema of pi-keyring's items.
 *
 * Since: 0.1
 */
#define PI_KEYRING_SECRET_SCHEMA_NAME "dev.pi.Keyring.Credential"

#define PI_KEYRING_TYPE_SECRET_SERVICE_BACKEND (pi_keyring_secret_service_backend_get_type ())
PI_KEYRING_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (PiKeyringSecretServiceBackend, pi_keyring_secret_service_backend, PI_KEYRING, SECRET_SERVICE_BACKEND, GObject)

PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringBackend *pi_keyring_secret_service_backend_new            (void);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean          pi_keyring_secret_service_backend_is_available   (GCancellable *cancellable);

PI_KEYRING_AVAILABLE_IN_ALL
void              pi_keyring_secret_service_backend_unlock_async   (PiKeyringSecretServiceBackend  *self,
                                                                    GCancellable                   *cancellable,
                                                                    GAsyncReadyCallback             callback,
                                                                    gpointer                        user_data);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean          pi_keyring_secret_service_backend_unlock_finish  (PiKeyringSecretServiceBackend  *self,
                                                                    GAsyncResult                   *result,
                                                                    GError                        **error);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean          pi_keyring_secret_service_backend_unlock_sync    (PiKeyringSecretServiceBackend  *self,
                                                                    GCancellable                   *cancellable,
                                                                    GError                        **error);

G_END_DECLS
