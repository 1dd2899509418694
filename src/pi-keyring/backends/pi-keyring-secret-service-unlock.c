/* pi-keyring-secret-service-unlock.c: unlocking the default collection, the
 * one place where pi-keyring lets the keyring prompt
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

/* secret_service_search_for_dbus_paths () and
 * secret_service_unlock_dbus_paths (): stable since libsecret 0.18,
 * declared behind this guard. */
#define SECRET_API_SUBJECT_TO_CHANGE 1

#include "backends/pi-keyring-secret-service-private.h"

#include <string.h>

/* How long the keyring's unlock prompt may wait for the person in front of
 * it. The calls before the prompt get PI_KEYRING_TIMEOUT, as every other
 * keyring call. */
#define PROMPT_TIMEOUT_MS (5 * 60 * 1000)

typedef struct
{
  GCancellable     *cancellable;         /* ours: the caller's and the time-out */
  GCancellable     *caller_cancellable;
  gulong            caller_handler;
  GSource          *timeout_source;
  guint             timeout_ms;
  gboolean          over;
  SecretService    *service;
  SecretCollection *collection;
  char            **items;               /* the locked items asked for */
} UnlockData;

static void
unlock_data_stop_timer (UnlockData *data)
{
  if (data->timeout_source != NULL)
    {
      g_source_destroy (data->timeout_source);
      g_clear_pointer (&data->timeout_source, g_source_unref);
    }
}

static void
unlock_data_free (UnlockData *data)
{
  unlock_data_stop_timer (data);
  if (data->caller_cancellable != NULL)
    {
      g_cancellable_disconnect (data->caller_cancellable, data->caller_handler);
      g_object_unref (data->caller_cancellable);
    }
  g_clear_object (&data->cancellable);
  g_clear_object (&data->service);
  g_clear_object (&data->collection);
  g_strfreev (data->items);
  g_free (data);
}

static void
unlock_return_error (GTask  *task,
                     GError *error)
{
  UnlockData *data = g_task_get_task_data (task);

  if (data->over)
    {
      g_error_free (error);
      return;
    }
  data->over = TRUE;
  unlock_data_stop_timer (data);

  if (error->domain == PI_KEYRING_ERROR ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, error);
      return;
    }

  if (g_error_matches (error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED))
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED,
                               _("The keyring could not be unlocked: the Secret Service "
                                 "keeps it locked."));
      g_error_free (error);
      return;
    }

  /* The backend's mapping: never a D-Bus error's raw (or empty) text. */
  error = _pi_keyring_secret_service_map_error (error);
  g_task_return_new_error (task, PI_KEYRING_ERROR, error->code,
                           _("The keyring could not be unlocked: %s"), error->message);
  g_error_free (error);
}

static void
unlock_return_boolean (GTask *task)
{
  UnlockData *data = g_task_get_task_data (task);

  if (data->over)
    return;
  data->over = TRUE;
  unlock_data_stop_timer (data);
  g_task_return_boolean (task, TRUE);
}

static gboolean
on_timeout (gpointer user_data)
{
  g_autoptr(GTask) task = g_object_ref (user_data);
  UnlockData *data = g_task_get_task_data (task);
  guint seconds = (data->timeout_ms + 999) / 1000;

  g_debug ("The keyring did not unlock within %u ms", data->timeout_ms);
  g_cancellable_cancel (data->cancellable);
  unlock_return_error (task,
                       g_error_new (PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED,
                                    g_dngettext (GETTEXT_PACKAGE,
                                                 "The keyring was not unlocked within %u "
                                                 "second.",
                                                 "The keyring was not unlocked within %u "
                                                 "seconds.",
                                                 seconds),
                                    seconds));
  return G_SOURCE_REMOVE;
}

/* (Re)starts the time limit of the next step. */
static void
unlock_arm_timer (GTask *task,
                  guint  timeout_ms)
{
  UnlockData *data = g_task_get_task_data (task);

  unlock_data_stop_timer (data);
  data->timeout_ms = timeout_ms;
  data->timeout_source = g_timeout_source_new (timeout_ms);
  g_task_attach_source (task, data->timeout_source, on_timeout);
}

static void
on_caller_cancelled (GCancellable *caller,
                     gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static gboolean
path_in_collection (const char *path,
                    const char *collection)
{
  gsize length = strlen (collection);

  return strncmp (path, collection, length) == 0 && path[length] == '/' &&
         strchr (path + length + 1, '/') == NULL;
}

static void
on_items_unlocked (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  UnlockData *data = g_task_get_task_data (task);
  g_auto(GStrv) unlocked = NULL;
  GError *error = NULL;
  guint asked = g_strv_length (data->items);
  guint done = 0;

  secret_service_unlock_dbus_paths_finish (SECRET_SERVICE (source), result, &unlocked, &error);
  if (error != NULL)
    {
      unlock_return_error (task, error);
      return;
    }
  if (data->over)
    return;

  for (guint i = 0; data->items[i] != NULL; i++)
    if (unlocked != NULL && g_strv_contains ((const char * const *) unlocked, data->items[i]))
      done++;

  g_debug ("The Secret Service unlocked %u of %u items", done, asked);
  if (done < asked)
    {
      unlock_return_error (task,
                           g_error_new (PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED,
                                        g_dngettext (GETTEXT_PACKAGE,
                                                     "A keyring item of pi-keyring is still "
                                                     "locked: the Secret Service's prompt was "
                                                     "dismissed or could not be shown.",
                                                     "%u keyring items of pi-keyring are still "
                                                     "locked: the Secret Service's prompt was "
                                                     "dismissed or could not be shown.",
                                                     asked - done),
                                        asked - done));
      return;
    }

  unlock_return_boolean (task);
}

static void
on_items_searched (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  UnlockData *data = g_task_get_task_data (task);
  g_auto(GStrv) unlocked = NULL;
  g_auto(GStrv) locked = NULL;
  g_autoptr(GPtrArray) mine = NULL;
  const char *collection;
  GError *error = NULL;

  if (!secret_service_search_for_dbus_paths_finish (SECRET_SERVICE (source), result,
                                                    &unlocked, &locked, &error))
    {
      unlock_return_error (task, error);
      return;
    }
  if (data->over)
    return;

  collection = g_dbus_proxy_get_object_path (G_DBUS_PROXY (data->collection));
  mine = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; locked != NULL && locked[i] != NULL; i++)
    if (path_in_collection (locked[i], collection))
      g_ptr_array_add (mine, g_strdup (locked[i]));

  if (mine->len == 0)
    {
      unlock_return_boolean (task);
      return;
    }

  /* The service may ask the person (KeePassXC: for each client and item,
   * with ConfirmAccessItem): minutes, as for the collection. */
  g_ptr_array_add (mine, NULL);
  data->items = (char **) g_ptr_array_free (g_steal_pointer (&mine), FALSE);
  unlock_arm_timer (task, MAX (PROMPT_TIMEOUT_MS, _pi_keyring_get_timeout_ms ()));
  secret_service_unlock_dbus_paths (data->service, (const char **) data->items,
                                    data->cancellable, on_items_unlocked, g_object_ref (task));
}

/* The collection is unlocked: some services (KeePassXC with its default
 * ConfirmAccessItem) also keep each item locked until a client unlocks
 * it. pi-keyring's items of the default collection that are locked are
 * unlocked the same way, through Service.Unlock and its prompt. */
static void
unlock_items (GTask *task)
{
  UnlockData *data = g_task_get_task_data (task);
  g_autoptr(GHashTable) attributes = g_hash_table_new (g_str_hash, g_str_equal);

  unlock_arm_timer (task, _pi_keyring_get_timeout_ms ());
  secret_service_search_for_dbus_paths (data->service, _pi_keyring_secret_service_schema (),
                                        attributes, data->cancellable, on_items_searched,
                                        g_object_ref (task));
}

static void
on_unlocked (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  UnlockData *data = g_task_get_task_data (task);
  g_autolist(GDBusProxy) unlocked = NULL;
  GError *error = NULL;

  secret_service_unlock_finish (SECRET_SERVICE (source), result, &unlocked, &error);
  if (error != NULL)
    {
      unlock_return_error (task, error);
      return;
    }
  if (data->over)
    return;

  /* A prompt that was dismissed, or that could not be shown (no display),
   * completes without an error and without unlocking anything. */
  if (secret_collection_get_locked (data->collection))
    {
      unlock_return_error (task,
                           g_error_new (PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED,
                                        _("The default keyring is still locked: the unlock "
                                          "prompt was dismissed or could not be shown.")));
      return;
    }

  unlock_items (task);
}

static void
on_collection (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  UnlockData *data = g_task_get_task_data (task);
  g_autoptr(GList) objects = NULL;
  GError *error = NULL;

  data->collection = secret_collection_for_alias_finish (result, &error);
  if (error != NULL)
    {
      unlock_return_error (task, error);
      return;
    }
  if (data->over)
    return;

  if (data->collection == NULL)
    {
      unlock_return_error (task,
                           g_error_new (PI_KEYRING_ERROR, PI_KEYRING_ERROR_UNAVAILABLE,
                                        _("There is no default keyring: the Secret Service has "
                                          "no collection behind the alias “default”.")));
      return;
    }

  if (!secret_collection_get_locked (data->collection))
    {
      unlock_items (task);
      return;
    }

  /* The keyring may now show its prompt: the person gets minutes, not
   * seconds, and can still cancel. */
  unlock_arm_timer (task, MAX (PROMPT_TIMEOUT_MS, _pi_keyring_get_timeout_ms ()));
  objects = g_list_append (NULL, data->collection);
  secret_service_unlock (data->service, objects, data->cancellable, on_unlocked,
                         g_object_ref (task));
}

static void
on_service (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  UnlockData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->service = secret_service_get_finish (result, &error);
  if (data->service == NULL)
    {
      unlock_return_error (task, error);
      return;
    }
  if (data->over)
    return;

  secret_collection_for_alias (data->service, SECRET_COLLECTION_DEFAULT,
                               SECRET_COLLECTION_NONE, data->cancellable, on_collection,
                               g_object_ref (task));
}

static void
on_checked (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  UnlockData *data = g_task_get_task_data (task);
  GError *error = NULL;

  /* Only a locked collection, or its locked items, are for us; a missing
   * bus, service or collection stays what the backend said it is. */
  if (!pi_keyring_backend_check_finish (PI_KEYRING_BACKEND (source), result, &error) &&
      !g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED))
    {
      unlock_return_error (task, error);
      return;
    }
  g_clear_error (&error);
  if (data->over)
    return;

  unlock_arm_timer (task, _pi_keyring_get_timeout_ms ());
  secret_service_get (SECRET_SERVICE_NONE, data->cancellable, on_service, g_object_ref (task));
}

/**
 * pi_keyring_secret_service_backend_unlock_async:
 * @self: a Secret Service backend
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called when the collection is unlocked or stays
 *   locked
 * @user_data: data for @callback
 *
 * Unlocks the default collection when it is locked, and then pi-keyring's
 * items in it that the service keeps locked on their own (KeePassXC does,
 * with its default `ConfirmAccessItem`), through `Service.Unlock` of their
 * paths and the prompt the service returns. This is the one call of
 * pi-keyring that lets the keyring show its unlock prompt: use it only when
 * the user asked for interaction (`pi-keyring unlock`, `--interactive`).
 * The steps before the prompt are bounded by `PI_KEYRING_TIMEOUT`; the
 * prompt itself waits for up to five minutes, or until @cancellable is
 * cancelled (which dismisses it).
 *
 * A collection that was already unlocked, with no locked item of
 * pi-keyring, succeeds at once, without a prompt. A prompt that is dismissed, or that cannot be shown (no
 * display), leaves the collection locked and fails with
 * %PI_KEYRING_ERROR_LOCKED; a missing bus, Secret Service or default
 * collection fails with %PI_KEYRING_ERROR_UNAVAILABLE.
 *
 * Since: 0.1
 */
void
pi_keyring_secret_service_backend_unlock_async (PiKeyringSecretServiceBackend *self,
                                                GCancellable                  *cancellable,
                                                GAsyncReadyCallback            callback,
                                                gpointer                       user_data)
{
  g_autoptr(GTask) task = NULL;
  UnlockData *data;

  g_return_if_fail (PI_KEYRING_IS_SECRET_SERVICE_BACKEND (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pi_keyring_secret_service_backend_unlock_async);

  data = g_new0 (UnlockData, 1);
  data->cancellable = g_cancellable_new ();
  g_task_set_task_data (task, data, (GDestroyNotify) unlock_data_free);
  if (cancellable != NULL)
    {
      data->caller_cancellable = g_object_ref (cancellable);
      data->caller_handler = g_cancellable_connect (cancellable,
                                                    G_CALLBACK (on_caller_cancelled),
                                                    g_object_ref (data->cancellable),
                                                    g_object_unref);
    }

  /* The backend's own check says, within the time-out and without
   * autolaunching a bus, whether there is anything to unlock. */
  pi_keyring_backend_check_async (PI_KEYRING_BACKEND (self), data->cancellable, on_checked,
                                  g_steal_pointer (&task));
}

/**
 * pi_keyring_secret_service_backend_unlock_finish:
 * @self: a Secret Service backend
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@SecretServiceBackend.unlock_async].
 *
 * Returns: %TRUE when the default collection is unlocked
 *
 * Since: 0.1
 */
gboolean
pi_keyring_secret_service_backend_unlock_finish (PiKeyringSecretServiceBackend  *self,
                                                 GAsyncResult                   *result,
                                                 GError                        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        pi_keyring_secret_service_backend_unlock_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * pi_keyring_secret_service_backend_unlock_sync:
 * @self: a Secret Service backend
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Unlocks the default collection, blocking; see
 * [method@SecretServiceBackend.unlock_async]. It may show the keyring's
 * unlock prompt.
 *
 * Returns: %TRUE when the default collection is unlocked
 *
 * Since: 0.1
 */
gboolean
pi_keyring_secret_service_backend_unlock_sync (PiKeyringSecretServiceBackend  *self,
                                               GCancellable                   *cancellable,
                                               GError                        **error)
{
  PiKeyringSyncClosure closure;
  gboolean ret;

  g_return_val_if_fail (PI_KEYRING_IS_SECRET_SERVICE_BACKEND (self), FALSE);

  _pi_keyring_sync_closure_init (&closure);
  pi_keyring_secret_service_backend_unlock_async (self, cancellable,
                                                  _pi_keyring_sync_closure_callback, &closure);
  ret = pi_keyring_secret_service_backend_unlock_finish (self,
                                                         _pi_keyring_sync_closure_wait (&closure),
                                                         error);
  _pi_keyring_sync_closure_clear (&closure);

  return ret;
}
