/* pi-keyring-sync.c: _sync calls on top of _async ones
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "core/pi-keyring-core-private.h"

#include <stdlib.h>

void
_pi_keyring_sync_closure_init (PiKeyringSyncClosure *closure)
{
  closure->context = g_main_context_new ();
  closure->result = NULL;
  g_main_context_push_thread_default (closure->context);
}

void
_pi_keyring_sync_closure_callback (GObject      *source,
                                   GAsyncResult *result,
                                   gpointer      user_data)
{
  PiKeyringSyncClosure *closure = user_data;

  g_assert (closure->result == NULL);
  closure->result = g_object_ref (result);
  g_main_context_wakeup (closure->context);
}

GAsyncResult *
_pi_keyring_sync_closure_wait (PiKeyringSyncClosure *closure)
{
  while (closure->result == NULL)
    g_main_context_iteration (closure->context, TRUE);

  return closure->result;
}

void
_pi_keyring_sync_closure_clear (PiKeyringSyncClosure *closure)
{
  g_main_context_pop_thread_default (closure->context);
  g_clear_object (&closure->result);
  /* Let sources that were cancelled or finished run their destroy notifies. */
  while (g_main_context_pending (closure->context))
    g_main_context_iteration (closure->context, FALSE);
  g_clear_pointer (&closure->context, g_main_context_unref);
}

guint
_pi_keyring_get_timeout_ms (void)
{
  const char *value = g_getenv ("PI_KEYRING_TIMEOUT");
  char *end = NULL;
  double seconds;

  if (value == NULL || *value == '\0')
    return 5000;

  seconds = g_ascii_strtod (value, &end);
  if (end == value || *end != '\0' || !(seconds > 0) || seconds > 3600)
    return 5000;

  return (guint) (seconds * 1000);
}

gint64
_pi_keyring_now_ms (void)
{
  return g_get_real_time () / 1000;
}
