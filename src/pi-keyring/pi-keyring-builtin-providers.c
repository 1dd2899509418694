/* pi-keyring-builtin-providers.c: the five OAuth providers pi supports
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "pi-keyring-private.h"
#include "pi-keyring-oauth-private.h"

/* The built-in providers in pi's registry order (reference §1.2). */
GPtrArray *
_pi_keyring_builtin_providers_new (void)
{
  GPtrArray *providers = g_ptr_array_new_with_free_func (g_object_unref);

  /* STUB: the providers are being written. */
  return providers;
}
