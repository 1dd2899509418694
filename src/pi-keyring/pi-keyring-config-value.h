/* pi-keyring-config-value.h: pi's configuration values (`!command`, variable names, literals)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (PI_KEYRING_INSIDE) && !defined (PI_KEYRING_COMPILATION)
#error "Only <pi-keyring/pi-keyring.h> can be included directly."
#endif

#include <gio/gio.h>
#include "pi-keyring-version-macros.h"

G_BEGIN_DECLS

PI_KEYRING_AVAILABLE_IN_ALL
char               *pi_keyring_resolve_config_value         (const char           *value,
                                                             GError              **error);
PI_KEYRING_AVAILABLE_IN_ALL
void                pi_keyring_resolve_config_value_async   (const char           *value,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
PI_KEYRING_AVAILABLE_IN_ALL
char               *pi_keyring_resolve_config_value_finish  (GAsyncResult         *result,
                                                             GError              **error);
PI_KEYRING_AVAILABLE_IN_ALL
void                pi_keyring_clear_config_value_cache     (void);

G_END_DECLS
