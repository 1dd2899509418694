/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PI_KEYRING_INSIDE) && !defined (PI_KEYRING_COMPILATION)
#error "Only <pi-keyring/pi-keyring.h> can be included directly."
#endif

#include <gio/gio.h>
#include "pi-keyring-version-macros.h"

G_BEGIN_DECLS

#define PI_KEYRING_TYPE_CREDENTIAL_LOCK (pi_keyring_credential_lock_get_type ())
PI_KEYRING_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (PiKeyringCredentialLock, pi_keyring_credential_lock, PI_KEYRING,
                      CREDENTIAL_LOCK, GObject)

PI_KEYRING_AVAILABLE_IN_ALL
const char *pi_keyring_credential_lock_get_provider (PiKeyringCredentialLock *self);
PI_KEYRING_AVAILABLE_IN_ALL
const char *pi_keyring_credential_lock_get_profile  (PiKeyringCredentialLock *self);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean    pi_keyring_credential_lock_is_held      (PiKeyringCredentialLock *self);
PI_KEYRING_AVAILABLE_IN_ALL
void        pi_keyring_credential_lock_release      (PiKeyringCredentialLock *self);

G_END_DECLS
