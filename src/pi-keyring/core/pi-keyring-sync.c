/* pi-keyring-sync.c: _sync calls on top of _async ones
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "core/pi-keyring-core-private.h"

#include <stdlib.h>

/* One context per thread for its _sync calls, made on the first and kept:
 * a new GMainContext for each call costs an eventfd and a poll, which is
 * most of what a call on a warm store costs. Sources an earlier call left
 * behind (a cancelled call's late reply) run at the next one. */
static GPrivate sync_context = G_PRIVATE_INIT ((GDestroyNotify) g_main_context_unref);

static GMainContext *
get_sync_context (void)
{
  GMainContext *context = g_private_get (&sync_context);

  if (context == NULL)
    {
      context = g_main_context_new ();
      g_private_set (&sync_context, context);
    }

  return context;
}

void
_pi_keyring_sync_closure_init (PiKeyringSyncClosure *closure)
{
  closure->context = g_main_context_ref (get_sync_context ());
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
  /* Run by the iteration of _wait () on this thread, which then looks at
   * the result; only a callback from elsewhere must wake it. */
  if (!g_main_context_is_owner (closure->context))
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
