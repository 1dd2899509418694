/* pi-keyring-refresh-policy.c: when a failed refresh is tried again: the backoff, and which errors may pass
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "store/pi-keyring-store-private.h"

#define BACKOFF_FIRST_MS (30 * 1000)
#define BACKOFF_MAX_MS   (15 * 60 * 1000)

gint64
_pi_keyring_refresh_backoff_ms (guint  failures,
                                gint64 retry_after_ms)
{
  gint64 wait = BACKOFF_FIRST_MS;

  for (guint i = 1; i < failures && wait < BACKOFF_MAX_MS; i++)
    wait *= 2;

  return MAX (MIN (wait, BACKOFF_MAX_MS), retry_after_ms);
}

gboolean
_pi_keyring_refresh_error_is_transient (const GError *error)
{
  g_return_val_if_fail (error != NULL, FALSE);

  if (error->domain == PI_KEYRING_ERROR)
    return error->code == PI_KEYRING_ERROR_TEMPORARY ||
           error->code == PI_KEYRING_ERROR_RATE_LIMITED ||
           error->code == PI_KEYRING_ERROR_LOCKED ||
           error->code == PI_KEYRING_ERROR_UNAVAILABLE;

  if (error->domain == G_IO_ERROR)
    return error->code == G_IO_ERROR_TIMED_OUT ||
           error->code == G_IO_ERROR_BUSY ||
           error->code == G_IO_ERROR_WOULD_BLOCK ||
           error->code == G_IO_ERROR_HOST_NOT_FOUND ||
           error->code == G_IO_ERROR_HOST_UNREACHABLE ||
           error->code == G_IO_ERROR_NETWORK_UNREACHABLE ||
           error->code == G_IO_ERROR_CONNECTION_REFUSED ||
           error->code == G_IO_ERROR_CONNECTION_CLOSED ||
           error->code == G_IO_ERROR_NOT_CONNECTED ||
           error->code == G_IO_ERROR_BROKEN_PIPE ||
           error->code == G_IO_ERROR_PROXY_FAILED ||
           error->code == G_IO_ERROR_NO_SPACE;

  if (error->domain == G_RESOLVER_ERROR)
    return TRUE;

  if (error->domain == G_DBUS_ERROR)
    return error->code == G_DBUS_ERROR_NO_REPLY ||
           error->code == G_DBUS_ERROR_TIMEOUT ||
           error->code == G_DBUS_ERROR_TIMED_OUT ||
           error->code == G_DBUS_ERROR_SERVICE_UNKNOWN ||
           error->code == G_DBUS_ERROR_NAME_HAS_NO_OWNER ||
           error->code == G_DBUS_ERROR_DISCONNECTED;

  return FALSE;
}
