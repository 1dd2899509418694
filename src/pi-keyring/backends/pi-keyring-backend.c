/* pi-keyring-backend.c: the storage interface
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "backends/pi-keyring-backends-private.h"

/**
 * PiKeyringBackend:
 *
 * Where credentials are kept: the Secret Service keyring, pi's auth.json,
 * or memory.
 *
 * A backend stores one [class@Credential] per provider and profile. It
 * knows nothing of providers or OAuth; [class@Store] puts backends and
 * providers together. Use [func@Backend.new_for_name] to get the backend
 * that `--backend` names, `auto` included.
 *
 * Since: 0.1
 */

G_DEFINE_INTERFACE (PiKeyringBackend, pi_keyring_backend, G_TYPE_OBJECT)

/* The finishers every backend of ours would write the same way: its
 * _async methods return a GTask whose source object is the backend. A
 * backend that finishes otherwise sets its own. */
static gboolean
task_boolean_finish (PiKeyringBackend  *self,
                     GAsyncResult      *result,
                     GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static PiKeyringCredential *
task_lookup_finish (PiKeyringBackend  *self,
                    GAsyncResult      *result,
                    GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static GPtrArray *
task_list_finish (PiKeyringBackend  *self,
                  GAsyncResult      *result,
                  GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
pi_keyring_backend_default_init (PiKeyringBackendInterface *iface)
{
  iface->check_finish = task_boolean_finish;
  iface->lookup_finish = task_lookup_finish;
  iface->store_finish = task_boolean_finish;
  iface->remove_finish = task_boolean_finish;
  iface->list_finish = task_list_finish;
}

static const char * const backend_names[] = {
  "auto",
  "secret-service",
  "file",
  "encrypted-file",
  "memory",
  NULL
};

/**
 * pi_keyring_backend_get_names:
 *
 * Lists the names [func@Backend.new_for_name] takes, `auto` first.
 *
 * Returns: (transfer none) (array zero-terminated=1): the backend names
 *
 * Since: 0.1
 */
const char * const *
pi_keyring_backend_get_names (void)
{
  return backend_names;
}

/* `auto`: the Secret Service when there is one; pi's auth.json when there
 * is none. A bus that does not answer says nothing either way: that is an
 * error, not a reason to write plaintext. */
static PiKeyringBackend *
new_auto_backend (GError **error)
{
  g_autoptr(GError) local_error = NULL;

  switch (_pi_keyring_secret_service_probe (NULL, &local_error))
    {
    case PI_KEYRING_SECRET_SERVICE_AVAILABLE:
      return pi_keyring_secret_service_backend_new ();

    case PI_KEYRING_SECRET_SERVICE_NO_ANSWER:
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;

    case PI_KEYRING_SECRET_SERVICE_ABSENT:
    default:
      if (local_error != NULL)
        g_debug ("No Secret Service: %s", local_error->message);
      /* Once credentials were kept in the Secret Service, its absence is
       * an error (DESIGN §4.1): a stored key would be "not found" in
       * auth.json, and a new one written there in plaintext. */
      if (_pi_keyring_secret_service_marker_exists ())
        {
          g_autofree char *marker = _pi_keyring_secret_service_marker_path ();
          g_autofree char *display = g_filename_display_name (marker);

          g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_UNAVAILABLE,
                       _("No Secret Service is running, and this user keeps credentials in "
                         "one (%s says so): pi-keyring does not switch to the plaintext "
                         "auth.json. Start the Secret Service again (gnome-keyring-daemon, "
                         "KeePassXC or kwalletd5), or choose auth.json with --backend=file "
                         "(PI_KEYRING_BACKEND=file); removing that file lets auto fall back "
                         "to auth.json again."),
                       display);
          return NULL;
        }
      return pi_keyring_file_backend_new (NULL);
    }
}

/**
 * pi_keyring_backend_new_for_name:
 * @name: (nullable): `auto`, `secret-service`, `file`, `encrypted-file` or
 *   `memory`; %NULL means the value of `PI_KEYRING_BACKEND`, else `auto`
 * @error: return location for an error
 *
 * Creates the backend @name names. `auto` picks `secret-service` when a
 * session bus is reachable without autolaunching one and a Secret Service
 * is running or activatable on it; otherwise `file`, pi's auth.json. A
 * session bus that does not answer within `PI_KEYRING_TIMEOUT` seconds is
 * an error for `auto` (%PI_KEYRING_ERROR_UNAVAILABLE): it says nothing
 * about whether a Secret Service runs. Once credentials have been kept in
 * the Secret Service (a non-secret file under `$XDG_STATE_HOME/pi-keyring/`
 * says so), a missing Secret Service is %PI_KEYRING_ERROR_UNAVAILABLE for
 * `auto` too, never a switch to the plaintext auth.json.
 *
 * Returns: (transfer full): a new backend, or %NULL with @error set to
 *   %PI_KEYRING_ERROR_INVALID_ARGUMENT for an unknown name, or to
 *   %PI_KEYRING_ERROR_UNAVAILABLE when `auto` cannot choose
 *
 * Since: 0.1
 */
PiKeyringBackend *
pi_keyring_backend_new_for_name (const char  *name,
                                 GError     **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (name == NULL)
    name = g_getenv ("PI_KEYRING_BACKEND");
  if (name == NULL || *name == '\0')
    name = "auto";

  if (g_str_equal (name, "auto"))
    return new_auto_backend (error);
  if (g_str_equal (name, "secret-service"))
    return pi_keyring_secret_service_backend_new ();
  if (g_str_equal (name, "file"))
    return pi_keyring_file_backend_new (NULL);
  if (g_str_equal (name, "memory"))
    return pi_keyring_memory_backend_new ();
  if (g_str_equal (name, "encrypted-file"))
    return pi_keyring_encrypted_file_backend_new (NULL, NULL);

  g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT,
               _("Unknown backend “%s”: use auto, secret-service, file, encrypted-file or memory."),
               name);
  return NULL;
}

/**
 * pi_keyring_backend_get_name:
 * @self: a backend
 *
 * Gets the backend's name, as `--backend` takes it.
 *
 * Returns: the name, such as `secret-service`
 *
 * Since: 0.1
 */
const char *
pi_keyring_backend_get_name (PiKeyringBackend *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_BACKEND (self), NULL);

  return PI_KEYRING_BACKEND_GET_IFACE (self)->get_name (self);
}

/**
 * pi_keyring_backend_is_plaintext:
 * @self: a backend
 *
 * Whether the backend writes secrets unencrypted to disk.
 *
 * Returns: %TRUE for a plaintext backend
 *
 * Since: 0.1
 */
gboolean
pi_keyring_backend_is_plaintext (PiKeyringBackend *self)
{
  PiKeyringBackendInterface *iface;

  g_return_val_if_fail (PI_KEYRING_IS_BACKEND (self), FALSE);

  iface = PI_KEYRING_BACKEND_GET_IFACE (self);
  return iface->is_plaintext != NULL && iface->is_plaintext (self);
}

/**
 * pi_keyring_backend_get_location:
 * @self: a backend
 *
 * Says where the backend keeps credentials, for a person: a file path, or
 * the keyring's default collection.
 *
 * Returns: (transfer full): the location
 *
 * Since: 0.1
 */
char *
pi_keyring_backend_get_location (PiKeyringBackend *self)
{
  PiKeyringBackendInterface *iface;

  g_return_val_if_fail (PI_KEYRING_IS_BACKEND (self), NULL);

  iface = PI_KEYRING_BACKEND_GET_IFACE (self);
  if (iface->get_location == NULL)
    return g_strdup (iface->get_name (self));

  return iface->get_location (self);
}

/**
 * pi_keyring_backend_check_async:
 * @self: a backend
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called when the check is done
 * @user_data: data for @callback
 *
 * Checks that the storage can be reached and is unlocked.
 *
 * Since: 0.1
 */
void
pi_keyring_backend_check_async (PiKeyringBackend    *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  PiKeyringBackendInterface *iface;

  g_return_if_fail (PI_KEYRING_IS_BACKEND (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  iface = PI_KEYRING_BACKEND_GET_IFACE (self);
  if (iface->check_async == NULL)
    {
      g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

      g_task_set_source_tag (task, pi_keyring_backend_check_async);
      g_task_return_boolean (task, TRUE);
      return;
    }

  iface->check_async (self, cancellable, callback, user_data);
}

/**
 * pi_keyring_backend_check_finish:
 * @self: a backend
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Backend.check_async].
 *
 * Returns: %TRUE when the storage is usable; %FALSE with @error set, for
 *   example to %PI_KEYRING_ERROR_LOCKED or %PI_KEYRING_ERROR_UNAVAILABLE
 *
 * Since: 0.1
 */
gboolean
pi_keyring_backend_check_finish (PiKeyringBackend  *self,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  PiKeyringBackendInterface *iface;

  g_return_val_if_fail (PI_KEYRING_IS_BACKEND (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  if (g_async_result_is_tagged (result, pi_keyring_backend_check_async))
    return g_task_propagate_boolean (G_TASK (result), error);

  iface = PI_KEYRING_BACKEND_GET_IFACE (self);
  return iface->check_finish (self, result, error);
}

/**
 * pi_keyring_backend_check_sync:
 * @self: a backend
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Checks that the storage can be reached and is unlocked, blocking.
 *
 * Returns: %TRUE when the storage is usable
 *
 * Since: 0.1
 */
gboolean
pi_keyring_backend_check_sync (PiKeyringBackend  *self,
                               GCancellable      *cancellable,
                               GError           **error)
{
  PiKeyringSyncClosure closure;
  gboolean ret;

  g_return_val_if_fail (PI_KEYRING_IS_BACKEND (self), FALSE);

  _pi_keyring_sync_closure_init (&closure);
  pi_keyring_backend_check_async (self, cancellable, _pi_keyring_sync_closure_callback, &closure);
  ret = pi_keyring_backend_check_finish (self, _pi_keyring_sync_closure_wait (&closure), error);
  _pi_keyring_sync_closure_clear (&closure);

  return ret;
}

/* DESIGN §8: the names of every call, checked here once for every backend. */
static gboolean
check_names (const char  *provider,
             const char  *profile,
             GError     **error)
{
  return pi_keyring_validate_id (provider, error) &&
         (profile == NULL || pi_keyring_validate_id (profile, error));
}

static void
on_removed_unchecked (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PiKeyringBackend *self = PI_KEYRING_BACKEND (source);
  GError *error = NULL;

  if (PI_KEYRING_BACKEND_GET_IFACE (self)->remove_finish (self, result, &error))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND))
    {
      const char * const *names = g_task_get_task_data (task);   /* provider, profile */

      /* The bad name is the error, in the words every entry point uses. */
      g_clear_error (&error);
      if (check_names (names[0], names[1], &error))
        g_assert_not_reached ();
      g_task_return_error (task, error);
      return;
    }

  g_task_return_error (task, error);
}

/**
 * pi_keyring_backend_lookup_async:
 * @self: a backend
 * @provider: a provider id
 * @profile: (nullable): a profile, or %NULL for `default`
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called when the lookup is done
 * @user_data: data for @callback
 *
 * Looks up the credential stored for @provider in @profile.
 *
 * Since: 0.1
 */
void
pi_keyring_backend_lookup_async (PiKeyringBackend    *self,
                                 const char          *provider,
                                 const char          *profile,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GError *error = NULL;

  g_return_if_fail (PI_KEYRING_IS_BACKEND (self));
  g_return_if_fail (provider != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (!check_names (provider, profile, &error))
    {
      g_task_report_error (self, callback, user_data, pi_keyring_backend_lookup_async, error);
      return;
    }

  PI_KEYRING_BACKEND_GET_IFACE (self)->lookup_async (self, provider,
                                                     profile ? profile : PI_KEYRING_DEFAULT_PROFILE,
                                                     cancellable, callback, user_data);
}

/**
 * pi_keyring_backend_lookup_finish:
 * @self: a backend
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Backend.lookup_async].
 *
 * Returns: (transfer full) (nullable): the stored credential, or %NULL
 *   without an error when none is stored; %NULL with @error set on failure
 *   (a locked keyring is %PI_KEYRING_ERROR_LOCKED, never "not stored")
 *
 * Since: 0.1
 */
PiKeyringCredential *
pi_keyring_backend_lookup_finish (PiKeyringBackend  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (PI_KEYRING_IS_BACKEND (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);

  if (g_async_result_is_tagged (result, pi_keyring_backend_lookup_async))
    return g_task_propagate_pointer (G_TASK (result), error);

  return PI_KEYRING_BACKEND_GET_IFACE (self)->lookup_finish (self, result, error);
}

/**
 * pi_keyring_backend_lookup_sync:
 * @self: a backend
 * @provider: a provider id
 * @profile: (nullable): a profile, or %NULL for `default`
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Looks up the credential stored for @provider in @profile, blocking.
 *
 * Returns: (transfer full) (nullable): the stored credential, or %NULL
 *   without an error when none is stored; %NULL with @error set on failure
 *
 * Since: 0.1
 */
PiKeyringCredential *
pi_keyring_backend_lookup_sync (PiKeyringBackend  *self,
                                const char        *provider,
                                const char        *profile,
                                GCancellable      *cancellable,
                                GError           **error)
{
  PiKeyringSyncClosure closure;
  PiKeyringCredential *ret;

  g_return_val_if_fail (PI_KEYRING_IS_BACKEND (self), NULL);
  g_return_val_if_fail (provider != NULL, NULL);

  _pi_keyring_sync_closure_init (&closure);
  pi_keyring_backend_lookup_async (self, provider, profile, cancellable,
                                   _pi_keyring_sync_closure_callback, &closure);
  ret = pi_keyring_backend_lookup_finish (self, _pi_keyring_sync_closure_wait (&closure), error);
  _pi_keyring_sync_closure_clear (&closure);

  return ret;
}

/**
 * pi_keyring_backend_store_async:
 * @self: a backend
 * @credential: the credential to store
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called when the credential is stored
 * @user_data: data for @callback
 *
 * Stores @credential, replacing the one of the same provider and profile.
 *
 * Since: 0.1
 */
void
pi_keyring_backend_store_async (PiKeyringBackend    *self,
                                PiKeyringCredential *credential,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GError *error = NULL;

  g_return_if_fail (PI_KEYRING_IS_BACKEND (self));
  g_return_if_fail (PI_KEYRING_IS_CREDENTIAL (credential));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  /* Nothing is written that could not be read back. */
  if (!_pi_keyring_credential_check_storable (credential, &error))
    {
      g_task_report_error (self, callback, user_data, pi_keyring_backend_store_async, error);
      return;
    }

  PI_KEYRING_BACKEND_GET_IFACE (self)->store_async (self, credential, cancellable, callback, user_data);
}

/**
 * pi_keyring_backend_store_finish:
 * @self: a backend
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Backend.store_async].
 *
 * Returns: %TRUE when stored; %FALSE with @error set
 *
 * Since: 0.1
 */
gboolean
pi_keyring_backend_store_finish (PiKeyringBackend  *self,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  g_return_val_if_fail (PI_KEYRING_IS_BACKEND (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  if (g_async_result_is_tagged (result, pi_keyring_backend_store_async))
    return g_task_propagate_boolean (G_TASK (result), error);

  return PI_KEYRING_BACKEND_GET_IFACE (self)->store_finish (self, result, error);
}

/**
 * pi_keyring_backend_store_sync:
 * @self: a backend
 * @credential: the credential to store
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Stores @credential, blocking.
 *
 * Returns: %TRUE when stored; %FALSE with @error set
 *
 * Since: 0.1
 */
gboolean
pi_keyring_backend_store_sync (PiKeyringBackend     *self,
                               PiKeyringCredential  *credential,
                               GCancellable         *cancellable,
                               GError              **error)
{
  PiKeyringSyncClosure closure;
  gboolean ret;

  g_return_val_if_fail (PI_KEYRING_IS_BACKEND (self), FALSE);
  g_return_val_if_fail (PI_KEYRING_IS_CREDENTIAL (credential), FALSE);

  _pi_keyring_sync_closure_init (&closure);
  pi_keyring_backend_store_async (self, credential, cancellable,
                                  _pi_keyring_sync_closure_callback, &closure);
  ret = pi_keyring_backend_store_finish (self, _pi_keyring_sync_closure_wait (&closure), error);
  _pi_keyring_sync_closure_clear (&closure);

  return ret;
}

/**
 * pi_keyring_backend_remove_async:
 * @self: a backend
 * @provider: a provider id
 * @profile: (nullable): a profile, or %NULL for `default`
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called when the credential is removed
 * @user_data: data for @callback
 *
 * Removes the credential of @provider in @profile.
 *
 * Since: 0.1
 */
void
pi_keyring_backend_remove_async (PiKeyringBackend    *self,
                                 const char          *provider,
                                 const char          *profile,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (PI_KEYRING_IS_BACKEND (self));
  g_return_if_fail (provider != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (check_names (provider, profile, NULL))
    {
      PI_KEYRING_BACKEND_GET_IFACE (self)->remove_async (self, provider,
                                                         profile ? profile : PI_KEYRING_DEFAULT_PROFILE,
                                                         cancellable, callback, user_data);
      return;
    }

  /* A name outside the grammar may still be stored, by an older version:
   * that entry can be removed; otherwise the name is the error. */
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pi_keyring_backend_remove_async);
  {
    char **names = g_new0 (char *, 3);

    names[0] = g_strdup (provider);
    names[1] = g_strdup (profile);
    g_task_set_task_data (task, names, (GDestroyNotify) g_strfreev);
  }
  PI_KEYRING_BACKEND_GET_IFACE (self)->remove_async (self, provider,
                                                     profile ? profile : PI_KEYRING_DEFAULT_PROFILE,
                                                     cancellable, on_removed_unchecked, task);
}

/**
 * pi_keyring_backend_remove_finish:
 * @self: a backend
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Backend.remove_async].
 *
 * Returns: %TRUE when a credential was removed; %FALSE with @error set,
 *   %PI_KEYRING_ERROR_NOT_FOUND when none was stored
 *
 * Since: 0.1
 */
gboolean
pi_keyring_backend_remove_finish (PiKeyringBackend  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (PI_KEYRING_IS_BACKEND (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  if (g_async_result_is_tagged (result, pi_keyring_backend_remove_async))
    return g_task_propagate_boolean (G_TASK (result), error);

  return PI_KEYRING_BACKEND_GET_IFACE (self)->remove_finish (self, result, error);
}

/**
 * pi_keyring_backend_remove_sync:
 * @self: a backend
 * @provider: a provider id
 * @profile: (nullable): a profile, or %NULL for `default`
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Removes the credential of @provider in @profile, blocking.
 *
 * Returns: %TRUE when a credential was removed; %FALSE with @error set
 *
 * Since: 0.1
 */
gboolean
pi_keyring_backend_remove_sync (PiKeyringBackend  *self,
                                const char        *provider,
                                const char        *profile,
                                GCancellable      *cancellable,
                                GError           **error)
{
  PiKeyringSyncClosure closure;
  gboolean ret;

  g_return_val_if_fail (PI_KEYRING_IS_BACKEND (self), FALSE);
  g_return_val_if_fail (provider != NULL, FALSE);

  _pi_keyring_sync_closure_init (&closure);
  pi_keyring_backend_remove_async (self, provider, profile, cancellable,
                                   _pi_keyring_sync_closure_callback, &closure);
  ret = pi_keyring_backend_remove_finish (self, _pi_keyring_sync_closure_wait (&closure), error);
  _pi_keyring_sync_closure_clear (&closure);

  return ret;
}

/**
 * pi_keyring_backend_list_async:
 * @self: a backend
 * @profile: (nullable): a profile, or %NULL for every profile
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called with the list
 * @user_data: data for @callback
 *
 * Lists the stored credentials, in the order they were first stored.
 *
 * Since: 0.1
 */
void
pi_keyring_backend_list_async (PiKeyringBackend    *self,
                               const char          *profile,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GError *error = NULL;

  g_return_if_fail (PI_KEYRING_IS_BACKEND (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (profile != NULL && !pi_keyring_validate_id (profile, &error))
    {
      g_task_report_error (self, callback, user_data, pi_keyring_backend_list_async, error);
      return;
    }

  PI_KEYRING_BACKEND_GET_IFACE (self)->list_async (self, profile, cancellable, callback, user_data);
}

/**
 * pi_keyring_backend_list_finish:
 * @self: a backend
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Backend.list_async].
 *
 * Returns: (transfer container) (element-type PiKeyringCredential): the
 *   credentials, or %NULL with @error set
 *
 * Since: 0.1
 */
GPtrArray *
pi_keyring_backend_list_finish (PiKeyringBackend  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (PI_KEYRING_IS_BACKEND (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);

  if (g_async_result_is_tagged (result, pi_keyring_backend_list_async))
    return g_task_propagate_pointer (G_TASK (result), error);

  return PI_KEYRING_BACKEND_GET_IFACE (self)->list_finish (self, result, error);
}

/**
 * pi_keyring_backend_list_sync:
 * @self: a backend
 * @profile: (nullable): a profile, or %NULL for every profile
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Lists the stored credentials, blocking.
 *
 * Returns: (transfer container) (element-type PiKeyringCredential): the
 *   credentials, or %NULL with @error set
 *
 * Since: 0.1
 */
GPtrArray *
pi_keyring_backend_list_sync (PiKeyringBackend  *self,
                              const char        *profile,
                              GCancellable      *cancellable,
                              GError           **error)
{
  PiKeyringSyncClosure closure;
  GPtrArray *ret;

  g_return_val_if_fail (PI_KEYRING_IS_BACKEND (self), NULL);

  _pi_keyring_sync_closure_init (&closure);
  pi_keyring_backend_list_async (self, profile, cancellable,
                                 _pi_keyring_sync_closure_callback, &closure);
  ret = pi_keyring_backend_list_finish (self, _pi_keyring_sync_closure_wait (&closure), error);
  _pi_keyring_sync_closure_clear (&closure);

  return ret;
}

/* --- a backend that could not be chosen --- */

/* What a store made without a backend uses when `auto` cannot choose one
 * (a session bus that does not answer, a Secret Service that is gone
 * while this user's credentials are in it): every call fails with that
 * error, rather than the store writing plaintext or having no backend. */
#define PI_KEYRING_TYPE_UNAVAILABLE_BACKEND (pi_keyring_unavailable_backend_get_type ())
G_DECLARE_FINAL_TYPE (PiKeyringUnavailableBackend, pi_keyring_unavailable_backend, PI_KEYRING,
                      UNAVAILABLE_BACKEND, GObject)

struct _PiKeyringUnavailableBackend
{
  GObject  parent_instance;
  GError  *error;
};

static void pi_keyring_unavailable_backend_iface_init (PiKeyringBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PiKeyringUnavailableBackend, pi_keyring_unavailable_backend,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PI_KEYRING_TYPE_BACKEND,
                                                      pi_keyring_unavailable_backend_iface_init))

static void
pi_keyring_unavailable_backend_finalize (GObject *object)
{
  g_clear_error (&PI_KEYRING_UNAVAILABLE_BACKEND (object)->error);

  G_OBJECT_CLASS (pi_keyring_unavailable_backend_parent_class)->finalize (object);
}

static void
pi_keyring_unavailable_backend_class_init (PiKeyringUnavailableBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pi_keyring_unavailable_backend_finalize;
}

static void
pi_keyring_unavailable_backend_init (PiKeyringUnavailableBackend *self)
{
}

static const char *
unavailable_get_name (PiKeyringBackend *backend)
{
  return "auto";
}

static char *
unavailable_get_location (PiKeyringBackend *backend)
{
  return g_strdup ("");
}

static void
unavailable_report (PiKeyringBackend    *backend,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data,
                    gpointer             source_tag)
{
  g_task_report_error (backend, callback, user_data, source_tag,
                       g_error_copy (PI_KEYRING_UNAVAILABLE_BACKEND (backend)->error));
}

static void
unavailable_check_async (PiKeyringBackend    *backend,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  unavailable_report (backend, callback, user_data, unavailable_check_async);
}

static void
unavailable_lookup_async (PiKeyringBackend    *backend,
                          const char          *provider,
                          const char          *profile,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  unavailable_report (backend, callback, user_data, unavailable_lookup_async);
}

static void
unavailable_store_async (PiKeyringBackend    *backend,
                         PiKeyringCredential *credential,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  unavailable_report (backend, callback, user_data, unavailable_store_async);
}

static void
unavailable_remove_async (PiKeyringBackend    *backend,
                          const char          *provider,
                          const char          *profile,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  unavailable_report (backend, callback, user_data, unavailable_remove_async);
}

static void
unavailable_list_async (PiKeyringBackend    *backend,
                        const char          *profile,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  unavailable_report (backend, callback, user_data, unavailable_list_async);
}

static void
pi_keyring_unavailable_backend_iface_init (PiKeyringBackendInterface *iface)
{
  iface->get_name = unavailable_get_name;
  iface->get_location = unavailable_get_location;
  iface->check_async = unavailable_check_async;
  iface->lookup_async = unavailable_lookup_async;
  iface->store_async = unavailable_store_async;
  iface->remove_async = unavailable_remove_async;
  iface->list_async = unavailable_list_async;
}

PiKeyringBackend *
_pi_keyring_unavailable_backend_new (const GError *error)
{
  PiKeyringUnavailableBackend *self = g_object_new (PI_KEYRING_TYPE_UNAVAILABLE_BACKEND, NULL);

  self->error = g_error_copy (error);
  return PI_KEYRING_BACKEND (self);
}
