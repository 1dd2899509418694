/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PI_KEYRING_INSIDE) && !defined (PI_KEYRING_COMPILATION)
#error "Only <pi-keyring/pi-keyring.h> can be included directly."
#endif

#include <glib-object.h>
#include "pi-keyring-config-value.h"
#include "pi-keyring-credential.h"
#include "pi-keyring-version-macros.h"

G_BEGIN_DECLS

PI_KEYRING_AVAILABLE_IN_ALL
const char * const *pi_keyring_catalog_get_ids              (void);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean            pi_keyring_catalog_contains             (const char           *provider);
PI_KEYRING_AVAILABLE_IN_ALL
const char         *pi_keyring_catalog_get_display_name     (const char           *provider);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean            pi_keyring_catalog_is_oauth             (const char           *provider);
PI_KEYRING_AVAILABLE_IN_ALL
const char         *pi_keyring_catalog_get_flow             (const char           *provider);
PI_KEYRING_AVAILABLE_IN_ALL
const char * const *pi_keyring_catalog_get_env_vars         (const char           *provider);
PI_KEYRING_AVAILABLE_IN_0_2
const char         *pi_keyring_catalog_get_key_variable     (const char           *provider);
PI_KEYRING_AVAILABLE_IN_0_2
const char * const *pi_keyring_catalog_get_pi_versions      (const char           *provider);
PI_KEYRING_AVAILABLE_IN_0_2
const char * const *pi_keyring_catalog_get_known_pi_versions (void);
PI_KEYRING_AVAILABLE_IN_0_2
const char         *pi_keyring_catalog_get_other_id         (const char           *provider);
PI_KEYRING_AVAILABLE_IN_ALL
char               *pi_keyring_catalog_get_env_api_key      (const char           *provider);
PI_KEYRING_AVAILABLE_IN_ALL
char               *pi_keyring_catalog_get_oauth_api_key    (PiKeyringCredential  *credential);

G_END_DECLS
