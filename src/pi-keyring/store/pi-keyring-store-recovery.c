/* pi-keyring-store-recovery.c: the store's refreshed credentials that could not be saved
 *
 * A refresh whose write-back fails keeps the new credential in a recovery
 * file (pi-keyring-refresh-recovery.c); these calls store it into its
 * origin when there is room again, and say what is still kept.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "store/pi-keyring-store-private.h"

static void
on_recovered_restored (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  gboolean done;

  done = _pi_keyring_recovery_restore_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, done);
}

/**
 * pi_keyring_store_save_recovered_async:
 * @self: a store
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called when it is done
 * @user_data: data for @callback
 *
 * Stores the refreshed credentials that an earlier refresh could not
 * write back (a full disk) and kept in a recovery file under
 * `$XDG_RUNTIME_DIR/pi-keyring/`, into the place they came from: the
 * store's backend under its profile, or pi's auth.json. A kept credential
 * that expires no later than the one stored there now is discarded instead;
 * a recovery file is removed only once its credential is stored. Those of
 * other backends are left for a store of theirs.
 *
 * Since: 0.1
 */
void
pi_keyring_store_save_recovered_async (PiKeyringStore      *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (PI_KEYRING_IS_STORE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pi_keyring_store_save_recovered_async);

  _pi_keyring_recovery_restore_async (pi_keyring_store_get_backend (self),
                                      pi_keyring_store_get_profile (self),
                                      _pi_keyring_store_get_auth_file_backend (self),
                                      NULL, cancellable, on_recovered_restored, task);
}

/**
 * pi_keyring_store_save_recovered_finish:
 * @self: a store
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Store.save_recovered_async].
 *
 * Returns: %TRUE when nothing is kept any more for the store's backend and
 *   auth.json; %FALSE when something could not be stored yet (there is
 *   still no room), which is not an error
 *
 * Since: 0.1
 */
gboolean
pi_keyring_store_save_recovered_finish (PiKeyringStore  *self,
                                        GAsyncResult    *result,
                                        GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        pi_keyring_store_save_recovered_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * pi_keyring_store_save_recovered_sync:
 * @self: a store
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * The synchronous form of [method@Store.save_recovered_async].
 *
 * Returns: see [method@Store.save_recovered_finish]
 *
 * Since: 0.1
 */
gboolean
pi_keyring_store_save_recovered_sync (PiKeyringStore  *self,
                                      GCancellable    *cancellable,
                                      GError         **error)
{
  PiKeyringSyncClosure closure;
  gboolean ret;

  g_return_val_if_fail (PI_KEYRING_IS_STORE (self), FALSE);

  _pi_keyring_sync_closure_init (&closure);
  pi_keyring_store_save_recovered_async (self, cancellable, _pi_keyring_sync_closure_callback,
                                         &closure);
  ret = pi_keyring_store_save_recovered_finish (self, _pi_keyring_sync_closure_wait (&closure),
                                                error);
  _pi_keyring_sync_closure_clear (&closure);

  return ret;
}

/**
 * pi_keyring_store_describe_recovered:
 * @provider: (nullable): a provider id, or %NULL for every provider
 *
 * Says, one sentence for a person each, which refreshed tokens could not
 * be saved and are kept in a recovery file until they can be (of any
 * backend and profile).
 *
 * Returns: (transfer full) (array zero-terminated=1): the sentences,
 *   empty when nothing is kept
 *
 * Since: 0.1
 */
char **
pi_keyring_store_describe_recovered (const char *provider)
{
  return _pi_keyring_recovery_describe (provider);
}
