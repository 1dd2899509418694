/* pi-keyring-store-credentials.c: the store's stored credentials: get, set, remove and list
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "store/pi-keyring-store-private.h"

/* --- get_credential --- */

static void
on_get_credential_looked_up (GObject      *source,
                             GAsyncResult *result,
                             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PiKeyringCredential *credential;
  GError *error = NULL;

  credential = pi_keyring_backend_lookup_finish (PI_KEYRING_BACKEND (source), result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, credential, g_object_unref);
}

/**
 * pi_keyring_store_get_credential_async:
 * @self: a store
 * @provider: a provider id
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called when the lookup is done
 * @user_data: data for @callback
 *
 * Looks up the credential stored in the store's backend for @provider in
 * the store's profile. auth.json and the environment are not consulted;
 * see [method@Store.get_api_key_async] for that.
 *
 * Since: 0.1
 */
void
pi_keyring_store_get_credential_async (PiKeyringStore      *self,
                                       const char          *provider,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  GError *error = NULL;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PI_KEYRING_IS_STORE (self));
  g_return_if_fail (provider != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pi_keyring_store_get_credential_async);
  if (!_pi_keyring_store_check_names (self, provider, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  pi_keyring_backend_lookup_async (pi_keyring_store_get_backend (self), provider,
                                   pi_keyring_store_get_profile (self), cancellable,
                                   on_get_credential_looked_up, g_steal_pointer (&task));
}

/**
 * pi_keyring_store_get_credential_finish:
 * @self: a store
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Store.get_credential_async].
 *
 * Returns: (transfer full) (nullable): the stored credential, or %NULL if the
 *   provider has none; %NULL with @error set on failure
 *
 * Since: 0.1
 */
PiKeyringCredential *
pi_keyring_store_get_credential_finish (PiKeyringStore  *self,
                                        GAsyncResult    *result,
                                        GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        pi_keyring_store_get_credential_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * pi_keyring_store_get_credential_sync:
 * @self: a store
 * @provider: a provider id
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Looks up the credential stored in the store's backend for @provider,
 * blocking. See [method@Store.get_credential_async].
 *
 * Returns: (transfer full) (nullable): the stored credential, or %NULL if the
 *   provider has none; %NULL with @error set on failure
 *
 * Since: 0.1
 */
PiKeyringCredential *
pi_keyring_store_get_credential_sync (PiKeyringStore  *self,
                                      const char      *provider,
                                      GCancellable    *cancellable,
                                      GError         **error)
{
  PiKeyringSyncClosure closure;
  PiKeyringCredential *ret;

  g_return_val_if_fail (PI_KEYRING_IS_STORE (self), NULL);
  g_return_val_if_fail (provider != NULL, NULL);

  _pi_keyring_sync_closure_init (&closure);
  pi_keyring_store_get_credential_async (self, provider, cancellable,
                                         _pi_keyring_sync_closure_callback, &closure);
  ret = pi_keyring_store_get_credential_finish (self, _pi_keyring_sync_closure_wait (&closure),
                                                error);
  _pi_keyring_sync_closure_clear (&closure);

  return ret;
}

/* --- get_fresh_credential --- */

typedef struct
{
  char   *provider;
  gint64  min_validity_ms;
  GError *refresh_error;   /* a transient failure, while the entry is read again */
} FreshData;

static void
fresh_data_free (FreshData *data)
{
  g_clear_error (&data->refresh_error);
  g_free (data->provider);
  g_free (data);
}

/* @credential (taken), or NOT_FOUND when there is none. */
static void
return_fresh (GTask               *task,
              PiKeyringCredential *credential)
{
  FreshData *data = g_task_get_task_data (task);

  if (credential == NULL)
    g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND,
                             _("No credential of “%s” is stored."), data->provider);
  else
    g_task_return_pointer (task, credential, g_object_unref);
}

/* Read again after a refresh: what is stored now. After a transient
 * failure that is the answer only while its token is still valid. */
static void
on_fresh_looked_up_again (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  FreshData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  PiKeyringCredential *credential;

  credential = pi_keyring_backend_lookup_finish (PI_KEYRING_BACKEND (source), result, &error);
  if (data->refresh_error == NULL)
    {
      if (error != NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        return_fresh (task, credential);
      return;
    }

  if (credential != NULL &&
      pi_keyring_credential_get_kind (credential) == PI_KEYRING_CREDENTIAL_KIND_OAUTH &&
      !pi_keyring_credential_is_expired (credential, _pi_keyring_wall_clock_now_ms ()))
    {
      g_debug ("Answering the unexpired credential of %s after a failed refresh: %s",
               data->provider, data->refresh_error->message);
      return_fresh (task, credential);
      return;
    }

  g_clear_object (&credential);
  g_task_return_error (task, g_steal_pointer (&data->refresh_error));
}

static void
look_up_again (GTask *task)
{
  PiKeyringStore *self = g_task_get_source_object (task);
  FreshData *data = g_task_get_task_data (task);

  pi_keyring_backend_lookup_async (pi_keyring_store_get_backend (self), data->provider,
                                   pi_keyring_store_get_profile (self),
                                   g_task_get_cancellable (task),
                                   on_fresh_looked_up_again, task);
}

static void
on_fresh_refreshed (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  FreshData *data = g_task_get_task_data (task);
  PiKeyringCredential *credential;
  GError *error = NULL;

  credential = _pi_keyring_refresher_refresh_finish (PI_KEYRING_REFRESHER (source), result,
                                                     &error);
  if (credential != NULL)
    {
      return_fresh (task, credential);
      return;
    }

  if (error != NULL)
    {
      if (!_pi_keyring_refresh_error_is_transient (error))
        {
          g_task_return_error (task, error);
          return;
        }
      data->refresh_error = error;
    }

  /* Removed or no longer OAuth meanwhile, or a failure that may pass:
   * what is stored now decides. */
  look_up_again (g_steal_pointer (&task));
}

static void
on_fresh_looked_up (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PiKeyringStore *self = g_task_get_source_object (task);
  FreshData *data = g_task_get_task_data (task);
  g_autoptr(PiKeyringProvider) provider = NULL;
  PiKeyringCredential *credential;
  GCancellable *cancellable;
  GError *error = NULL;

  credential = pi_keyring_backend_lookup_finish (PI_KEYRING_BACKEND (source), result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (credential != NULL &&
      pi_keyring_credential_get_kind (credential) == PI_KEYRING_CREDENTIAL_KIND_OAUTH &&
      _pi_keyring_credential_is_due (credential, data->min_validity_ms))
    provider = pi_keyring_lookup_provider (data->provider);

  if (provider == NULL)
    {
      /* Nothing to refresh here: the entry as stored. */
      return_fresh (task, credential);
      return;
    }

  g_object_unref (credential);
  cancellable = g_task_get_cancellable (task);
  _pi_keyring_refresher_refresh_due_async (_pi_keyring_store_get_refresher (self),
                                           PI_KEYRING_BACKEND (source), data->provider,
                                           pi_keyring_store_get_profile (self),
                                           data->min_validity_ms, FALSE, cancellable,
                                           on_fresh_refreshed, g_steal_pointer (&task));
}

/**
 * pi_keyring_store_get_fresh_credential_async:
 * @self: a store
 * @provider: a provider id
 * @min_validity_ms: how long the access token must stay valid, in
 *   milliseconds (0: until it has expired)
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called with the credential
 * @user_data: data for @callback
 *
 * Looks up the credential stored in the store's backend for @provider in
 * the store's profile, as [method@Store.get_credential_async] does (no
 * runtime override, no auth.json, no environment), and refreshes it first
 * when it is an OAuth credential of a registered [iface@Provider] that
 * expires within @min_validity_ms (`now >= expires − min_validity_ms`).
 *
 * The refresh is the one [method@Store.get_api_key_async] does: shared with
 * the other refreshes of the credential in this process, under the
 * credential's cross-process lock, the entry read again first (and used as
 * it is when another program refreshed it meanwhile), the new credential
 * written back to the backend. A failure that may pass (network, HTTP 5xx,
 * 429, a time-out) answers with the stored credential while its token is
 * still valid; a refused refresh token fails with
 * %PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED and the stored credential
 * stays as it is.
 *
 * Other credentials (API keys, entries of another type, OAuth entries of a
 * provider that is not registered) are answered as stored.
 *
 * Since: 0.1
 */
void
pi_keyring_store_get_fresh_credential_async (PiKeyringStore      *self,
                                             const char          *provider,
                                             gint64               min_validity_ms,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  GError *error = NULL;
  g_autoptr(GTask) task = NULL;
  FreshData *data;

  g_return_if_fail (PI_KEYRING_IS_STORE (self));
  g_return_if_fail (provider != NULL);
  g_return_if_fail (min_validity_ms >= 0);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pi_keyring_store_get_fresh_credential_async);
  if (!_pi_keyring_store_check_names (self, provider, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  data = g_new0 (FreshData, 1);
  data->provider = g_strdup (provider);
  data->min_validity_ms = min_validity_ms;
  g_task_set_task_data (task, data, (GDestroyNotify) fresh_data_free);

  pi_keyring_backend_lookup_async (pi_keyring_store_get_backend (self), provider,
                                   pi_keyring_store_get_profile (self), cancellable,
                                   on_fresh_looked_up, g_steal_pointer (&task));
}

/**
 * pi_keyring_store_get_fresh_credential_finish:
 * @self: a store
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Store.get_fresh_credential_async].
 *
 * Returns: (transfer full): the stored credential, refreshed when it was
 *   due; %NULL with @error set: %PI_KEYRING_ERROR_NOT_FOUND when the
 *   backend holds none for the provider,
 *   %PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED when the provider refused
 *   the refresh token, %PI_KEYRING_ERROR_RATE_LIMITED or
 *   %PI_KEYRING_ERROR_TEMPORARY when the refresh may work later and the
 *   token has expired, or the error of the backend
 *
 * Since: 0.1
 */
PiKeyringCredential *
pi_keyring_store_get_fresh_credential_finish (PiKeyringStore  *self,
                                              GAsyncResult    *result,
                                              GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        pi_keyring_store_get_fresh_credential_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * pi_keyring_store_get_fresh_credential_sync:
 * @self: a store
 * @provider: a provider id
 * @min_validity_ms: how long the access token must stay valid, in
 *   milliseconds (0: until it has expired)
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Looks up the stored credential of @provider, refreshed when due,
 * blocking. See [method@Store.get_fresh_credential_async].
 *
 * Returns: (transfer full): the stored credential, refreshed when it was
 *   due; %NULL with @error set
 *
 * Since: 0.1
 */
PiKeyringCredential *
pi_keyring_store_get_fresh_credential_sync (PiKeyringStore  *self,
                                            const char      *provider,
                                            gint64           min_validity_ms,
                                            GCancellable    *cancellable,
                                            GError         **error)
{
  PiKeyringSyncClosure closure;
  PiKeyringCredential *ret;

  g_return_val_if_fail (PI_KEYRING_IS_STORE (self), NULL);
  g_return_val_if_fail (provider != NULL, NULL);
  g_return_val_if_fail (min_validity_ms >= 0, NULL);

  _pi_keyring_sync_closure_init (&closure);
  pi_keyring_store_get_fresh_credential_async (self, provider, min_validity_ms, cancellable,
                                               _pi_keyring_sync_closure_callback, &closure);
  ret = pi_keyring_store_get_fresh_credential_finish (self,
                                                      _pi_keyring_sync_closure_wait (&closure),
                                                      error);
  _pi_keyring_sync_closure_clear (&closure);

  return ret;
}

/* --- set_credential and remove --- */

static void
on_credential_stored (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PiKeyringStore *self = g_task_get_source_object (task);
  const char *provider = g_task_get_task_data (task);
  GError *error = NULL;

  if (!pi_keyring_backend_store_finish (PI_KEYRING_BACKEND (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  _pi_keyring_store_emit_changed (self, provider);
  g_task_return_boolean (task, TRUE);
}

/* What every write of a new credential through the store checks first,
 * in the order a person would fix them. */
static gboolean
store_credential_check (PiKeyringStore       *self,
                        PiKeyringCredential  *credential,
                        GError              **error)
{
  const char *profile = pi_keyring_store_get_profile (self);

  if (!_pi_keyring_store_check_names (self, pi_keyring_credential_get_provider (credential),
                                      error) ||
      !_pi_keyring_credential_check_storable (credential, error))
    return FALSE;

  if (!g_str_equal (pi_keyring_credential_get_profile (credential), profile))
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT,
                   _("The credential of “%s” belongs to the profile “%s”, not to the "
                     "store's profile “%s”; nothing was stored."),
                   pi_keyring_credential_get_provider (credential),
                   pi_keyring_credential_get_profile (credential), profile);
      return FALSE;
    }

  return _pi_keyring_store_check_secret_write (self, error);
}

/**
 * pi_keyring_store_set_credential_async:
 * @self: a store
 * @credential: the credential to store
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called when the credential is stored
 * @user_data: data for @callback
 *
 * Stores @credential in the store's backend, replacing what was stored for
 * its provider in the store's profile. Emits
 * [signal@Store::credential-changed] on success.
 *
 * The credential must belong to the store's profile
 * ([property@Credential:profile] equal to [property@Store:profile]): one of
 * another profile is %PI_KEYRING_ERROR_INVALID_ARGUMENT, and
 * [method@Credential.copy_for_profile] makes the copy to store. So is an
 * API key that is empty. On a plaintext backend, see
 * [property@Store:plaintext]; a store made with
 * %PI_KEYRING_STORE_FLAGS_REFUSE_PLAINTEXT fails there with
 * %PI_KEYRING_ERROR_UNAVAILABLE.
 *
 * Since: 0.1
 */
void
pi_keyring_store_set_credential_async (PiKeyringStore      *self,
                                       PiKeyringCredential *credential,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (PI_KEYRING_IS_STORE (self));
  g_return_if_fail (PI_KEYRING_IS_CREDENTIAL (credential));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pi_keyring_store_set_credential_async);
  g_task_set_task_data (task, g_strdup (pi_keyring_credential_get_provider (credential)), g_free);

  if (!store_credential_check (self, credential, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  pi_keyring_backend_store_async (pi_keyring_store_get_backend (self), credential, cancellable,
                                  on_credential_stored, g_steal_pointer (&task));
}

/**
 * pi_keyring_store_set_credential_finish:
 * @self: a store
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Store.set_credential_async].
 *
 * Returns: %TRUE when stored; %FALSE with @error set
 *
 * Since: 0.1
 */
gboolean
pi_keyring_store_set_credential_finish (PiKeyringStore  *self,
                                        GAsyncResult    *result,
                                        GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        pi_keyring_store_set_credential_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * pi_keyring_store_set_credential_sync:
 * @self: a store
 * @credential: the credential to store
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Stores @credential in the store's backend and profile, blocking. See
 * [method@Store.set_credential_async].
 *
 * Returns: %TRUE when stored; %FALSE with @error set
 *
 * Since: 0.1
 */
gboolean
pi_keyring_store_set_credential_sync (PiKeyringStore       *self,
                                      PiKeyringCredential  *credential,
                                      GCancellable         *cancellable,
                                      GError              **error)
{
  PiKeyringSyncClosure closure;
  gboolean ret;

  g_return_val_if_fail (PI_KEYRING_IS_STORE (self), FALSE);
  g_return_val_if_fail (PI_KEYRING_IS_CREDENTIAL (credential), FALSE);

  _pi_keyring_sync_closure_init (&closure);
  pi_keyring_store_set_credential_async (self, credential, cancellable,
                                         _pi_keyring_sync_closure_callback, &closure);
  ret = pi_keyring_store_set_credential_finish (self, _pi_keyring_sync_closure_wait (&closure),
                                                error);
  _pi_keyring_sync_closure_clear (&closure);

  return ret;
}

/**
 * pi_keyring_store_set_api_key_async:
 * @self: a store
 * @provider: a provider id, such as `openai`
 * @key: the key: a literal, an environment-variable name, or `!command`,
 *   as pi reads an `api_key` entry; not empty
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called when the key is stored
 * @user_data: data for @callback
 *
 * Stores the API key @key for @provider in the store's backend and
 * profile, as `pi-keyring set` does: an entry `{"type":"api_key","key":…}`
 * replacing what was stored for the provider. A @provider or profile
 * outside the grammar of names ([func@is_valid_id]) and an empty @key are
 * %PI_KEYRING_ERROR_INVALID_ARGUMENT, and nothing is stored. A provider
 * pi-keyring does not know ([func@catalog_contains]) is stored all the
 * same: pi reads keys of its custom providers from auth.json too. Emits
 * [signal@Store::credential-changed] on success; on a plaintext backend,
 * see [property@Store:plaintext].
 *
 * Since: 0.2
 */
void
pi_keyring_store_set_api_key_async (PiKeyringStore      *self,
                                    const char          *provider,
                                    const char          *key,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (PI_KEYRING_IS_STORE (self));
  g_return_if_fail (provider != NULL);
  g_return_if_fail (key != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = _pi_keyring_store_provider_task_new (self, provider, cancellable, callback, user_data,
                                              pi_keyring_store_set_api_key_async);
  if (!_pi_keyring_store_check_names (self, provider, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  credential = pi_keyring_credential_new_api_key (provider, pi_keyring_store_get_profile (self),
                                                  key);
  if (!store_credential_check (self, credential, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  pi_keyring_backend_store_async (pi_keyring_store_get_backend (self), credential, cancellable,
                                  on_credential_stored, g_steal_pointer (&task));
}

/**
 * pi_keyring_store_set_api_key_finish:
 * @self: a store
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Store.set_api_key_async].
 *
 * Returns: %TRUE when stored; %FALSE with @error set
 *
 * Since: 0.2
 */
gboolean
pi_keyring_store_set_api_key_finish (PiKeyringStore  *self,
                                     GAsyncResult    *result,
                                     GError         **error)
{
  return _pi_keyring_store_propagate_boolean (self, result, pi_keyring_store_set_api_key_async,
                                              error);
}

/**
 * pi_keyring_store_set_api_key_sync:
 * @self: a store
 * @provider: a provider id, such as `openai`
 * @key: the key: a literal, an environment-variable name, or `!command`;
 *   not empty
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Stores the API key @key for @provider, blocking. See
 * [method@Store.set_api_key_async].
 *
 * Returns: %TRUE when stored; %FALSE with @error set
 *
 * Since: 0.2
 */
gboolean
pi_keyring_store_set_api_key_sync (PiKeyringStore  *self,
                                   const char      *provider,
                                   const char      *key,
                                   GCancellable    *cancellable,
                                   GError         **error)
{
  PiKeyringSyncClosure closure;
  gboolean ret;

  g_return_val_if_fail (PI_KEYRING_IS_STORE (self), FALSE);
  g_return_val_if_fail (provider != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  _pi_keyring_sync_closure_init (&closure);
  pi_keyring_store_set_api_key_async (self, provider, key, cancellable,
                                      _pi_keyring_sync_closure_callback, &closure);
  ret = pi_keyring_store_set_api_key_finish (self, _pi_keyring_sync_closure_wait (&closure),
                                             error);
  _pi_keyring_sync_closure_clear (&closure);

  return ret;
}

static void
on_credential_removed (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PiKeyringStore *self = g_task_get_source_object (task);
  const char *provider = g_task_get_task_data (task);
  GError *error = NULL;

  if (!pi_keyring_backend_remove_finish (PI_KEYRING_BACKEND (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  _pi_keyring_store_emit_changed (self, provider);
  g_task_return_boolean (task, TRUE);
}

/**
 * pi_keyring_store_remove_async:
 * @self: a store
 * @provider: a provider id
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called when the credential is removed
 * @user_data: data for @callback
 *
 * Removes the credential of @provider in the store's profile from the
 * store's backend, whatever its kind. Emits
 * [signal@Store::credential-changed] on success.
 *
 * Since: 0.1
 */
void
pi_keyring_store_remove_async (PiKeyringStore      *self,
                               const char          *provider,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PI_KEYRING_IS_STORE (self));
  g_return_if_fail (provider != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = _pi_keyring_store_provider_task_new (self, provider, cancellable, callback, user_data,
                                              pi_keyring_store_remove_async);
  pi_keyring_backend_remove_async (pi_keyring_store_get_backend (self), provider,
                                   pi_keyring_store_get_profile (self), cancellable,
                                   on_credential_removed, g_steal_pointer (&task));
}

/**
 * pi_keyring_store_remove_finish:
 * @self: a store
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Store.remove_async].
 *
 * Returns: %TRUE when a credential was removed; %FALSE with @error set,
 *   %PI_KEYRING_ERROR_NOT_FOUND when none was stored
 *
 * Since: 0.1
 */
gboolean
pi_keyring_store_remove_finish (PiKeyringStore  *self,
                                GAsyncResult    *result,
                                GError         **error)
{
  return _pi_keyring_store_propagate_boolean (self, result, pi_keyring_store_remove_async, error);
}

/**
 * pi_keyring_store_remove_sync:
 * @self: a store
 * @provider: a provider id
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Removes the credential of @provider in the store's profile, blocking.
 * See [method@Store.remove_async].
 *
 * Returns: %TRUE when a credential was removed; %FALSE with @error set
 *
 * Since: 0.1
 */
gboolean
pi_keyring_store_remove_sync (PiKeyringStore  *self,
                              const char      *provider,
                              GCancellable    *cancellable,
                              GError         **error)
{
  return _pi_keyring_store_run_boolean_sync (self, provider, pi_keyring_store_remove_async,
                                             pi_keyring_store_remove_finish, cancellable, error);
}

/* --- the shape of the calls on one provider --- */

GTask *
_pi_keyring_store_provider_task_new (PiKeyringStore      *self,
                                     const char          *provider,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data,
                                     gpointer             source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, g_strdup (provider), g_free);

  return task;
}

gboolean
_pi_keyring_store_propagate_boolean (PiKeyringStore  *self,
                                     GAsyncResult    *result,
                                     gpointer         source_tag,
                                     GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
_pi_keyring_store_run_boolean_sync (PiKeyringStore               *self,
                                    const char                   *provider,
                                    PiKeyringStoreProviderAsync   start,
                                    PiKeyringStoreBooleanFinish   finish,
                                    GCancellable                 *cancellable,
                                    GError                      **error)
{
  PiKeyringSyncClosure closure;
  gboolean ret;

  g_return_val_if_fail (PI_KEYRING_IS_STORE (self), FALSE);
  g_return_val_if_fail (provider != NULL, FALSE);

  _pi_keyring_sync_closure_init (&closure);
  start (self, provider, cancellable, _pi_keyring_sync_closure_callback, &closure);
  ret = finish (self, _pi_keyring_sync_closure_wait (&closure), error);
  _pi_keyring_sync_closure_clear (&closure);

  return ret;
}

/* --- list --- */

static void
on_credentials_listed (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GPtrArray *list;
  GError *error = NULL;

  list = pi_keyring_backend_list_finish (PI_KEYRING_BACKEND (source), result, &error);
  if (list == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, list, (GDestroyNotify) g_ptr_array_unref);
}

/**
 * pi_keyring_store_list_async:
 * @self: a store
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called with the list
 * @user_data: data for @callback
 *
 * Lists the credentials stored in the store's backend for the store's
 * profile.
 *
 * Since: 0.1
 */
void
pi_keyring_store_list_async (PiKeyringStore      *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PI_KEYRING_IS_STORE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pi_keyring_store_list_async);

  pi_keyring_backend_list_async (pi_keyring_store_get_backend (self),
                                 pi_keyring_store_get_profile (self), cancellable,
                                 on_credentials_listed, g_steal_pointer (&task));
}

/**
 * pi_keyring_store_list_finish:
 * @self: a store
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Store.list_async].
 *
 * Returns: (transfer container) (element-type PiKeyringCredential): the
 *   credentials, or %NULL with @error set
 *
 * Since: 0.1
 */
GPtrArray *
pi_keyring_store_list_finish (PiKeyringStore  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        pi_keyring_store_list_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * pi_keyring_store_list_sync:
 * @self: a store
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Lists the credentials of the store's profile, blocking. See
 * [method@Store.list_async].
 *
 * Returns: (transfer container) (element-type PiKeyringCredential): the
 *   credentials, or %NULL with @error set
 *
 * Since: 0.1
 */
GPtrArray *
pi_keyring_store_list_sync (PiKeyringStore  *self,
                            GCancellable    *cancellable,
                            GError         **error)
{
  PiKeyringSyncClosure closure;
  GPtrArray *ret;

  g_return_val_if_fail (PI_KEYRING_IS_STORE (self), NULL);

  _pi_keyring_sync_closure_init (&closure);
  pi_keyring_store_list_async (self, cancellable, _pi_keyring_sync_closure_callback, &closure);
  ret = pi_keyring_store_list_finish (self, _pi_keyring_sync_closure_wait (&closure), error);
  _pi_keyring_sync_closure_clear (&closure);

  return ret;
}
