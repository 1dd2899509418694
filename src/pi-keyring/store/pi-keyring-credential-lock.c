/* pi-keyring-credential-lock.c: a credential's cross-process lock, held by a caller
 *
 * The lock the refresher holds from its re-read to its write-back
 * (pi-keyring-refresh-lock.c), taken for a caller that reads, changes and
 * writes a credential itself and must keep every refresher of pi-keyring,
 * in this process and in others, out meanwhile (pi's
 * `CredentialStore.modify`, through `pi-keyring bridge`). It is waited for
 * the way a refresh waits for it: polled from the caller's main loop, which
 * keeps running, until the refresher's time limit.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "store/pi-keyring-store-private.h"

/* Polled quickly at first (the holder may be about done), then every 50 ms,
 * as a refresh polls it. */
#define LOCK_POLL_MIN_MS 5
#define LOCK_POLL_MAX_MS 50

/**
 * PiKeyringCredentialLock:
 *
 * A held lock of one stored credential, from
 * [method@Store.lock_credential_async].
 *
 * While it is held, no refresh of pi-keyring (in this process or another
 * one, the daemon's included) reads, refreshes or writes back that
 * credential, and no other holder gets it. It is released by
 * [method@CredentialLock.release], or when the last reference goes.
 *
 * Since: 0.1
 */
struct _PiKeyringCredentialLock
{
  GObject               parent_instance;

  char                 *provider;
  char                 *profile;
  PiKeyringRefreshLock *lock;   /* NULL once released */
};

G_DEFINE_FINAL_TYPE (PiKeyringCredentialLock, pi_keyring_credential_lock, G_TYPE_OBJECT)

static void
pi_keyring_credential_lock_finalize (GObject *object)
{
  PiKeyringCredentialLock *self = PI_KEYRING_CREDENTIAL_LOCK (object);

  pi_keyring_credential_lock_release (self);
  g_free (self->profile);
  g_free (self->provider);

  G_OBJECT_CLASS (pi_keyring_credential_lock_parent_class)->finalize (object);
}

static void
pi_keyring_credential_lock_class_init (PiKeyringCredentialLockClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pi_keyring_credential_lock_finalize;
}

static void
pi_keyring_credential_lock_init (PiKeyringCredentialLock *self)
{
}

/**
 * pi_keyring_credential_lock_get_provider:
 * @self: a credential lock
 *
 * The provider id of the locked credential.
 *
 * Returns: (transfer none): the provider id
 *
 * Since: 0.1
 */
const char *
pi_keyring_credential_lock_get_provider (PiKeyringCredentialLock *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_CREDENTIAL_LOCK (self), NULL);

  return self->provider;
}

/**
 * pi_keyring_credential_lock_get_profile:
 * @self: a credential lock
 *
 * The profile of the locked credential.
 *
 * Returns: (transfer none): the profile
 *
 * Since: 0.1
 */
const char *
pi_keyring_credential_lock_get_profile (PiKeyringCredentialLock *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_CREDENTIAL_LOCK (self), NULL);

  return self->profile;
}

/**
 * pi_keyring_credential_lock_is_held:
 * @self: a credential lock
 *
 * Whether @self still holds the lock, that is, has not been released.
 *
 * Returns: %TRUE until [method@CredentialLock.release]
 *
 * Since: 0.1
 */
gboolean
pi_keyring_credential_lock_is_held (PiKeyringCredentialLock *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_CREDENTIAL_LOCK (self), FALSE);

  return self->lock != NULL;
}

/**
 * pi_keyring_credential_lock_release:
 * @self: a credential lock
 *
 * Releases the lock, letting the next waiter (a refresh, another holder)
 * have it. Releasing it again does nothing.
 *
 * Since: 0.1
 */
void
pi_keyring_credential_lock_release (PiKeyringCredentialLock *self)
{
  g_return_if_fail (PI_KEYRING_IS_CREDENTIAL_LOCK (self));

  g_clear_pointer (&self->lock, _pi_keyring_refresh_lock_release);
}

/* --- taking it --- */

typedef struct
{
  char         *provider;
  char         *profile;
  char         *path;
  GMainContext *context;
  gint64        deadline;   /* monotonic, µs */
  guint         poll_ms;
} LockWait;

static void
lock_wait_free (LockWait *wait)
{
  g_main_context_unref (wait->context);
  g_free (wait->path);
  g_free (wait->profile);
  g_free (wait->provider);
  g_free (wait);
}

static void lock_try (GTask *task);

static gboolean
on_lock_poll (gpointer user_data)
{
  lock_try (G_TASK (user_data));

  return G_SOURCE_REMOVE;
}

static void
lock_try (GTask *task)
{
  LockWait *wait = g_task_get_task_data (task);
  g_autoptr(GSource) source = NULL;
  g_autoptr(GError) error = NULL;
  PiKeyringCredentialLock *self;
  PiKeyringRefreshLock *lock;

  if (g_task_return_error_if_cancelled (task))
    return;

  lock = _pi_keyring_refresh_lock_try (wait->path, wait->context, &error);
  if (lock != NULL)
    {
      self = g_object_new (PI_KEYRING_TYPE_CREDENTIAL_LOCK, NULL);
      self->provider = g_strdup (wait->provider);
      self->profile = g_strdup (wait->profile);
      self->lock = lock;
      g_task_return_pointer (task, self, g_object_unref);
      return;
    }

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (g_get_monotonic_time () >= wait->deadline)
    {
      const char *name = pi_keyring_catalog_get_display_name (wait->provider);

      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY,
                               _("Gave up waiting for another program to finish with the "
                                 "credential of %s."),
                               name != NULL ? name : wait->provider);
      return;
    }

  source = g_timeout_source_new (wait->poll_ms);
  wait->poll_ms = MIN (wait->poll_ms * 2, LOCK_POLL_MAX_MS);
  g_task_attach_source (task, source, on_lock_poll);
}

/**
 * pi_keyring_store_lock_credential_async:
 * @self: a store
 * @provider: a provider id
 * @cancellable: (nullable): a cancellable; cancelling stops the wait
 * @callback: (scope async): called when the lock is held, or the wait failed
 * @user_data: data for @callback
 *
 * Takes the cross-process lock of the credential of @provider in the
 * store's profile: the lock that pi-keyring's refresh holds from reading a
 * due credential again to writing the refreshed one back
 * (`$XDG_RUNTIME_DIR/pi-keyring/<profile>/<provider>.lock`, an `flock`).
 * While it is held, no refresh of that credential runs in any process that
 * uses pi-keyring, so that the holder can read, change and store the
 * credential without losing a rotated refresh token.
 *
 * A held lock is waited for as a refresh waits for it, polled from the
 * thread-default main context, which keeps running, for at most 60 s, then
 * the call fails with %PI_KEYRING_ERROR_TEMPORARY. A second lock of the
 * same credential taken in the same main context waits for the first one
 * to be released, as another process would; one taken in another main
 * context of this process shares it (a `_sync` call there may be what the
 * holder waits for).
 *
 * The lock is not taken for any other credential, nor does it lock pi's
 * auth.json. While holding it, do not let this process refresh the same
 * credential from the same main context (refresh it before taking the
 * lock): the refresh waits for the lock, up to its time limit.
 *
 * Since: 0.1
 */
void
pi_keyring_store_lock_credential_async (PiKeyringStore      *self,
                                        const char          *provider,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  LockWait *wait;

  g_return_if_fail (PI_KEYRING_IS_STORE (self));
  g_return_if_fail (provider != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pi_keyring_store_lock_credential_async);
  if (!_pi_keyring_store_check_names (self, provider, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  wait = g_new0 (LockWait, 1);
  wait->provider = g_strdup (provider);
  wait->profile = g_strdup (pi_keyring_store_get_profile (self));
  wait->path = _pi_keyring_refresh_lock_path (wait->profile, provider);
  wait->context = g_main_context_ref_thread_default ();
  wait->deadline = g_get_monotonic_time () +
                   (gint64) _pi_keyring_get_refresh_lock_timeout_ms () * 1000;
  wait->poll_ms = LOCK_POLL_MIN_MS;
  g_task_set_task_data (task, wait, (GDestroyNotify) lock_wait_free);

  lock_try (task);
}

/**
 * pi_keyring_store_lock_credential_finish:
 * @self: a store
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Store.lock_credential_async].
 *
 * Returns: (transfer full): the held lock; %NULL with @error set:
 *   %PI_KEYRING_ERROR_TEMPORARY when the holder did not release it in time,
 *   %G_IO_ERROR_CANCELLED when cancelled, or the error of making the lock
 *   file
 *
 * Since: 0.1
 */
PiKeyringCredentialLock *
pi_keyring_store_lock_credential_finish (PiKeyringStore  *self,
                                         GAsyncResult    *result,
                                         GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        pi_keyring_store_lock_credential_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
