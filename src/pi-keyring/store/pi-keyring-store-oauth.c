/* pi-keyring-store-oauth.c: the store's OAuth calls: refresh now, login,
 * logout with revocation (the refresh itself is pi-keyring-refresher.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "store/pi-keyring-store-private.h"

static char *
describe_provider (const char *provider)
{
  const char *name = pi_keyring_catalog_get_display_name (provider);

  return g_strdup (name != NULL ? name : provider);
}

/* --- refresh --- */

static void
on_refresh_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  const char *provider = g_task_get_task_data (task);
  PiKeyringCredential *credential;
  GError *error = NULL;

  credential = _pi_keyring_refresher_refresh_finish (PI_KEYRING_REFRESHER (source), result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else if (credential == NULL)
    g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND,
                             _("The OAuth credential of “%s” was removed or replaced while it "
                               "was being refreshed."),
                             provider);
  else
    g_task_return_pointer (task, credential, g_object_unref);
}

/* The credential the lookup order finds, if it is one to refresh. */
static void
refresh_found (GTask               *task,
               PiKeyringCredential *credential,
               PiKeyringBackend    *origin,
               const char          *profile)
{
  PiKeyringStore *self = g_task_get_source_object (task);
  const char *provider = g_task_get_task_data (task);
  g_autoptr(PiKeyringProvider) oauth_provider = NULL;

  if (pi_keyring_credential_get_kind (credential) != PI_KEYRING_CREDENTIAL_KIND_OAUTH)
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND,
                               _("“%s” has no OAuth token to refresh: its stored credential is "
                                 "an API key."),
                               provider);
      return;
    }

  oauth_provider = pi_keyring_lookup_provider (provider);
  if (oauth_provider == NULL)
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND,
                               _("No OAuth provider is registered for “%s”."), provider);
      return;
    }

  _pi_keyring_refresher_refresh_async (_pi_keyring_store_get_refresher (self), origin, provider,
                                       profile, TRUE, g_task_get_cancellable (task),
                                       on_refresh_done, g_object_ref (task));
}

static void
on_refresh_auth_file_looked_up (GObject      *source,
                                GAsyncResult *result,
                                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  const char *provider = g_task_get_task_data (task);
  g_autoptr(PiKeyringCredential) credential = NULL;
  GError *error = NULL;

  credential = pi_keyring_backend_lookup_finish (PI_KEYRING_BACKEND (source), result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else if (credential == NULL ||
           pi_keyring_credential_get_kind (credential) == PI_KEYRING_CREDENTIAL_KIND_OTHER)
    g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND,
                             _("No OAuth credential of “%s” is stored."), provider);
  else
    refresh_found (task, credential, PI_KEYRING_BACKEND (source), PI_KEYRING_DEFAULT_PROFILE);
}

static void
on_refresh_looked_up (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PiKeyringStore *self = g_task_get_source_object (task);
  const char *provider = g_task_get_task_data (task);
  g_autoptr(PiKeyringCredential) credential = NULL;
  PiKeyringBackend *auth_backend;
  GError *error = NULL;

  credential = pi_keyring_backend_lookup_finish (PI_KEYRING_BACKEND (source), result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* As the lookup of a key: an entry of a type pi does not know is skipped. */
  if (credential != NULL &&
      pi_keyring_credential_get_kind (credential) != PI_KEYRING_CREDENTIAL_KIND_OTHER)
    {
      refresh_found (task, credential, PI_KEYRING_BACKEND (source),
                     pi_keyring_store_get_profile (self));
      return;
    }

  auth_backend = _pi_keyring_store_get_auth_file_backend (self);
  if (auth_backend == NULL)
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND,
                               _("No OAuth credential of “%s” is stored."), provider);
      return;
    }

  pi_keyring_backend_lookup_async (auth_backend, provider, PI_KEYRING_DEFAULT_PROFILE,
                                   g_task_get_cancellable (task),
                                   on_refresh_auth_file_looked_up, g_object_ref (task));
}

/**
 * pi_keyring_store_refresh_async:
 * @self: a store
 * @provider: a provider id
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called when the refresh is done
 * @user_data: data for @callback
 *
 * Refreshes the OAuth credential of @provider now, whether it is due or
 * not, as `pi-keyring refresh` does. The credential is the one
 * [method@Store.get_api_key_async] would use: the backend's for the
 * store's profile, else the one in pi's auth.json. The new credential is
 * written back to where the old one came from, and
 * [signal@Store::credential-changed] and
 * [signal@Store::credential-refreshed] are emitted.
 *
 * A refresh that fails leaves the stored credential as it was. Concurrent
 * refreshes of one credential, including those
 * [method@Store.get_api_key_async] starts, share one token request.
 *
 * Since: 0.1
 */
void
pi_keyring_store_refresh_async (PiKeyringStore      *self,
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
  g_task_set_source_tag (task, pi_keyring_store_refresh_async);
  if (!_pi_keyring_store_check_names (self, provider, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, g_strdup (provider), g_free);

  pi_keyring_backend_lookup_async (pi_keyring_store_get_backend (self), provider,
                                   pi_keyring_store_get_profile (self), cancellable,
                                   on_refresh_looked_up, g_steal_pointer (&task));
}

/**
 * pi_keyring_store_refresh_finish:
 * @self: a store
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Store.refresh_async].
 *
 * Returns: (transfer full): the new credential; %NULL with @error set:
 *   %PI_KEYRING_ERROR_NOT_FOUND when no OAuth credential of the provider is
 *   stored or no provider of that id is registered,
 *   %PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED when the provider refused
 *   the refresh token (log in again), %PI_KEYRING_ERROR_RATE_LIMITED or
 *   %PI_KEYRING_ERROR_TEMPORARY when it may work later
 *
 * Since: 0.1
 */
PiKeyringCredential *
pi_keyring_store_refresh_finish (PiKeyringStore  *self,
                                 GAsyncResult    *result,
                                 GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        pi_keyring_store_refresh_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * pi_keyring_store_refresh_sync:
 * @self: a store
 * @provider: a provider id
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Refreshes the OAuth credential of @provider now, blocking. See
 * [method@Store.refresh_async].
 *
 * Returns: (transfer full): the new credential, or %NULL with @error set
 *
 * Since: 0.1
 */
PiKeyringCredential *
pi_keyring_store_refresh_sync (PiKeyringStore  *self,
                               const char      *provider,
                               GCancellable    *cancellable,
                               GError         **error)
{
  PiKeyringSyncClosure closure;
  PiKeyringCredential *ret;

  g_return_val_if_fail (PI_KEYRING_IS_STORE (self), NULL);
  g_return_val_if_fail (provider != NULL, NULL);

  _pi_keyring_sync_closure_init (&closure);
  pi_keyring_store_refresh_async (self, provider, cancellable,
                                  _pi_keyring_sync_closure_callback, &closure);
  ret = pi_keyring_store_refresh_finish (self, _pi_keyring_sync_closure_wait (&closure), error);
  _pi_keyring_sync_closure_clear (&closure);

  return ret;
}

/* --- login --- */

static void
on_login_stored (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PiKeyringStore *self = g_task_get_source_object (task);
  PiKeyringCredential *credential = g_task_get_task_data (task);
  GError *error = NULL;

  if (!pi_keyring_backend_store_finish (PI_KEYRING_BACKEND (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  _pi_keyring_store_emit_changed (self, pi_keyring_credential_get_provider (credential));
  g_task_return_pointer (task, g_object_ref (credential), g_object_unref);
}

static void
on_login_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PiKeyringStore *self = g_task_get_source_object (task);
  PiKeyringProvider *provider = PI_KEYRING_PROVIDER (source);
  const char *id = pi_keyring_provider_get_id (provider);
  g_autoptr(PiKeyringCredential) credential = NULL;
  PiKeyringCredential *stored;
  GError *error = NULL;

  credential = pi_keyring_provider_login_finish (provider, result, &error);
  if (credential == NULL)
    {
      if (error == NULL)
        g_set_error (&error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                     _("The login gave no credential."));
      g_task_return_error (task, error);
      return;
    }

  if (!g_str_equal (pi_keyring_credential_get_provider (credential), id) ||
      pi_keyring_credential_get_kind (credential) != PI_KEYRING_CREDENTIAL_KIND_OAUTH)
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                               _("The provider “%s” answered the login with a credential that is "
                                 "not one of its OAuth credentials."),
                               id);
      return;
    }

  stored = pi_keyring_credential_copy_for_profile (credential, pi_keyring_store_get_profile (self));
  g_task_set_task_data (task, stored, g_object_unref);

  /* Not cancellable any more: the tokens exist now and must not be lost. */
  pi_keyring_backend_store_async (pi_keyring_store_get_backend (self), stored, NULL,
                                  on_login_stored, g_steal_pointer (&task));
}

/**
 * pi_keyring_store_login_async:
 * @self: a store
 * @provider: an OAuth provider id, such as `anthropic`
 * @interaction: (nullable): how the login reaches the user; %NULL shows
 *   nothing and waits for the browser's callback alone
 * @options: (nullable): an `a{sv}` of provider options, such as
 *   `enterprise-domain` (s) for `github-copilot`
 * @cancellable: (nullable): a cancellable; cancelling stops the login and
 *   frees its loopback port
 * @callback: (scope async): called when the login is done
 * @user_data: data for @callback
 *
 * Runs the login flow of the registered OAuth provider @provider
 * ([method@Provider.login_async]) and stores the resulting credential in
 * the store's backend, for the store's profile, replacing what was stored
 * for @provider. Emits [signal@Store::credential-changed] once stored.
 *
 * A @provider or store profile outside the grammar of names
 * ([func@is_valid_id]) is %PI_KEYRING_ERROR_INVALID_ARGUMENT, and a
 * plaintext backend that the store refuses
 * (%PI_KEYRING_STORE_FLAGS_REFUSE_PLAINTEXT) %PI_KEYRING_ERROR_UNAVAILABLE,
 * before the flow starts.
 *
 * Since: 0.1
 */
void
pi_keyring_store_login_async (PiKeyringStore       *self,
                              const char           *provider,
                              PiKeyringInteraction *interaction,
                              GVariant             *options,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PiKeyringProvider) oauth_provider = NULL;
  GError *error = NULL;

  g_return_if_fail (PI_KEYRING_IS_STORE (self));
  g_return_if_fail (provider != NULL);
  g_return_if_fail (interaction == NULL || PI_KEYRING_IS_INTERACTION (interaction));
  g_return_if_fail (options == NULL || g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pi_keyring_store_login_async);
  /* Once the credential is stored, the login succeeded, cancelled or not. */
  g_task_set_check_cancellable (task, FALSE);

  /* Before the user is sent to a browser: whether the result can be kept. */
  if (!_pi_keyring_store_check_names (self, provider, &error) ||
      !_pi_keyring_store_check_secret_write (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  oauth_provider = pi_keyring_lookup_provider (provider);
  if (oauth_provider == NULL)
    {
      /* pi's message (reference §3.6). */
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND,
                               _("Unknown OAuth provider: %s"), provider);
      return;
    }

  pi_keyring_provider_login_async (oauth_provider, interaction, options, cancellable,
                                   on_login_done, g_steal_pointer (&task));
}

/**
 * pi_keyring_store_login_finish:
 * @self: a store
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Store.login_async].
 *
 * Returns: (transfer full): the stored credential; %NULL with @error set:
 *   %PI_KEYRING_ERROR_NOT_FOUND for an unknown provider,
 *   %G_IO_ERROR_CANCELLED when cancelled, %G_IO_ERROR_TIMED_OUT when the
 *   user did not finish in time, %PI_KEYRING_ERROR_ACCESS_DENIED when the
 *   user or the provider denied access, or the error of the backend
 *
 * Since: 0.1
 */
PiKeyringCredential *
pi_keyring_store_login_finish (PiKeyringStore  *self,
                               GAsyncResult    *result,
                               GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        pi_keyring_store_login_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- logout --- */

static void
on_logout_removed (GObject      *source,
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

static void
logout_remove (GTask *task)
{
  PiKeyringStore *self = g_task_get_source_object (task);
  const char *provider = g_task_get_task_data (task);

  /* Not cancellable: the revocation, if any, has happened. */
  pi_keyring_backend_remove_async (pi_keyring_store_get_backend (self), provider,
                                   pi_keyring_store_get_profile (self), NULL,
                                   on_logout_removed, g_object_ref (task));
}

static void
on_logout_revoked (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  const char *provider = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!pi_keyring_provider_revoke_finish (PI_KEYRING_PROVIDER (source), result, &error))
    {
      g_autofree char *name = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      /* Best effort: the credential goes either way. */
      name = describe_provider (provider);
      g_message (_("Could not revoke the token of %s at the provider: %s The credential is "
                   "removed here anyway."),
                 name, error->message);
    }

  logout_remove (task);
}

static void
on_logout_looked_up (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  const char *provider = g_task_get_task_data (task);
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(PiKeyringProvider) oauth_provider = NULL;
  GError *error = NULL;

  credential = pi_keyring_backend_lookup_finish (PI_KEYRING_BACKEND (source), result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (credential != NULL &&
      pi_keyring_credential_get_kind (credential) == PI_KEYRING_CREDENTIAL_KIND_OAUTH)
    oauth_provider = pi_keyring_lookup_provider (provider);

  if (oauth_provider == NULL || !pi_keyring_provider_can_revoke (oauth_provider))
    {
      logout_remove (task);
      return;
    }

  pi_keyring_provider_revoke_async (oauth_provider, credential, g_task_get_cancellable (task),
                                    on_logout_revoked, g_object_ref (task));
}

/**
 * pi_keyring_store_logout_async:
 * @self: a store
 * @provider: a provider id
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called when the credential is removed
 * @user_data: data for @callback
 *
 * Removes the credential of @provider in the store's profile from the
 * store's backend, whatever its kind, as pi's logout. An OAuth credential
 * is first revoked at its provider when the provider offers that
 * ([method@Provider.can_revoke]). Revocation is best effort: when it fails
 * the credential is removed all the same, and a message saying so is
 * logged with g_message(). Emits [signal@Store::credential-changed] on
 * success. A @provider outside the grammar of names ([func@is_valid_id])
 * is %PI_KEYRING_ERROR_INVALID_ARGUMENT unless the backend holds an entry
 * of that name (stored by an older version), which is then removed.
 *
 * Since: 0.1
 */
void
pi_keyring_store_logout_async (PiKeyringStore      *self,
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
                                              pi_keyring_store_logout_async);
  /* A name outside the grammar is no provider's to revoke; its entry, if
   * an older version stored one, is removed as it is (or the name is the
   * error). */
  if (!pi_keyring_is_valid_id (provider))
    {
      logout_remove (task);
      return;
    }
  pi_keyring_backend_lookup_async (pi_keyring_store_get_backend (self), provider,
                                   pi_keyring_store_get_profile (self), cancellable,
                                   on_logout_looked_up, g_steal_pointer (&task));
}

/**
 * pi_keyring_store_logout_finish:
 * @self: a store
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Store.logout_async].
 *
 * Returns: %TRUE when the credential was removed; %FALSE with @error set,
 *   %PI_KEYRING_ERROR_NOT_FOUND when none was stored
 *
 * Since: 0.1
 */
gboolean
pi_keyring_store_logout_finish (PiKeyringStore  *self,
                                GAsyncResult    *result,
                                GError         **error)
{
  return _pi_keyring_store_propagate_boolean (self, result, pi_keyring_store_logout_async, error);
}

/**
 * pi_keyring_store_logout_sync:
 * @self: a store
 * @provider: a provider id
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Revokes (where the provider offers it) and removes the credential of
 * @provider, blocking. See [method@Store.logout_async].
 *
 * Returns: %TRUE when the credential was removed; %FALSE with @error set
 *
 * Since: 0.1
 */
gboolean
pi_keyring_store_logout_sync (PiKeyringStore  *self,
                              const char      *provider,
                              GCancellable    *cancellable,
                              GError         **error)
{
  return _pi_keyring_store_run_boolean_sync (self, provider, pi_keyring_store_logout_async,
                                             pi_keyring_store_logout_finish, cancellable, error);
}
