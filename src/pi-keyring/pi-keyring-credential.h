/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PI_KEYRING_INSIDE) && !defined (PI_KEYRING_COMPILATION)
#error "Only <pi-keyring/pi-keyring.h> can be included directly."
#endif

#include <glib-object.h>
#include "pi-keyring-version-macros.h"

G_BEGIN_DECLS

/**
 * PI_KEYRING_DEFAULT_PROFILE:
 *
 * The name of the profile used when none is given.
 *
 * Since: 0.1
 */
#define PI_KEYRING_DEFAULT_PROFILE "default"

/**
 * PiKeyringCredentialKind:
 * @PI_KEYRING_CREDENTIAL_KIND_API_KEY: an `api_key` entry
 * @PI_KEYRING_CREDENTIAL_KIND_OAUTH: an `oauth` entry
 * @PI_KEYRING_CREDENTIAL_KIND_OTHER: an entry whose `type` pi does not know;
 *   it is kept and written back unchanged but never yields a key
 *
 * The kind of a credential, from the `type` field of its auth.json entry.
 *
 * Since: 0.1
 */
typedef enum
{
  PI_KEYRING_CREDENTIAL_KIND_API_KEY,
  PI_KEYRING_CREDENTIAL_KIND_OAUTH,
  PI_KEYRING_CREDENTIAL_KIND_OTHER,
} PiKeyringCredentialKind;

PI_KEYRING_AVAILABLE_IN_ALL
gboolean                 pi_keyring_is_valid_id                (const char              *id);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean                 pi_keyring_validate_id                (const char              *id,
                                                                GError                 **error);

#define PI_KEYRING_TYPE_CREDENTIAL (pi_keyring_credential_get_type ())
PI_KEYRING_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (PiKeyringCredential, pi_keyring_credential, PI_KEYRING, CREDENTIAL, GObject)

PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringCredential     *pi_keyring_credential_new_api_key     (const char              *provider,
                                                                const char              *profile,
                                                                const char              *key);
PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringCredential     *pi_keyring_credential_new_oauth       (const char              *provider,
                                                                const char              *profile,
                                                                const char              *refresh,
                                                                const char              *access,
                                                                gint64                   expires);
PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringCredential     *pi_keyring_credential_new_from_json   (const char              *provider,
                                                                const char              *profile,
                                                                const char              *json,
                                                                gssize                   length,
                                                                GError                 **error);
PI_KEYRING_AVAILABLE_IN_ALL
char                    *pi_keyring_credential_to_json         (PiKeyringCredential     *self);
PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringCredential     *pi_keyring_credential_copy_for_profile (PiKeyringCredential    *self,
                                                                const char              *profile);

PI_KEYRING_AVAILABLE_IN_ALL
const char              *pi_keyring_credential_get_provider    (PiKeyringCredential     *self);
PI_KEYRING_AVAILABLE_IN_ALL
const char              *pi_keyring_credential_get_profile     (PiKeyringCredential     *self);
PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringCredentialKind  pi_keyring_credential_get_kind        (PiKeyringCredential     *self);
PI_KEYRING_AVAILABLE_IN_ALL
const char              *pi_keyring_credential_get_type_name   (PiKeyringCredential     *self);
PI_KEYRING_AVAILABLE_IN_ALL
const char              *pi_keyring_credential_get_key         (PiKeyringCredential     *self);
PI_KEYRING_AVAILABLE_IN_0_2
char                   **pi_keyring_credential_get_env         (PiKeyringCredential     *self);
PI_KEYRING_AVAILABLE_IN_ALL
const char              *pi_keyring_credential_get_access      (PiKeyringCredential     *self);
PI_KEYRING_AVAILABLE_IN_ALL
const char              *pi_keyring_credential_get_refresh     (PiKeyringCredential     *self);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean                 pi_keyring_credential_has_expires     (PiKeyringCredential     *self);
PI_KEYRING_AVAILABLE_IN_ALL
gint64                   pi_keyring_credential_get_expires     (PiKeyringCredential     *self);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean                 pi_keyring_credential_is_expired      (PiKeyringCredential     *self,
                                                                gint64                   now_ms);
PI_KEYRING_AVAILABLE_IN_ALL
const char              *pi_keyring_credential_get_string_field (PiKeyringCredential    *self,
                                                                const char              *name);
PI_KEYRING_AVAILABLE_IN_ALL
char                   **pi_keyring_credential_get_field_names (PiKeyringCredential     *self);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean                 pi_keyring_credential_equal           (PiKeyringCredential     *a,
                                                                PiKeyringCredential     *b);

G_END_DECLS
