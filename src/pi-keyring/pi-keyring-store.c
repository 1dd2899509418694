/* pi-keyring-store.c: the facade that knows backends and providers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "pi-keyring-private.h"

/**
 * PiKeyringStore:
 *
 * The credentials of one profile and the key pi would use for a provider.
 *
 * A store puts a [iface@Backend] together with pi's rules. Use
 * [method@Store.get_api_key_async] to get the key pi would use, looked up
 * in pi's order:
 *
 * 1. a runtime override set with [method@Store.set_runtime_api_key];
 * 2. the credential stored in the backend for the store's
 *    [property@Store:profile];
 * 3. pi's auth.json ([property@Store:auth-file]) as a read fallback, unless
 *    the backend is that very file;
 * 4. the environment variables pi reads for the provider
 *    ([func@PiKeyring.catalog_get_env_api_key]).
 *
 * An api_key entry is resolved as pi does ([func@PiKeyring.resolve_config_value]) and
 * its result is final: a failing `!command` is an error, not a reason to
 * look further. An OAuth entry yields the string pi hands to the provider's
 * client ([func@PiKeyring.catalog_get_oauth_api_key]).
 *
 * Since: 1.0
 */
struct _PiKeyringStore
{
  GObject           parent_instance;

  PiKeyringBackend *backend;
  char             *profile;
  char             *auth_file;      /* "" disables the auth.json fallback */
  PiKeyringBackend *auth_backend;   /* made on first use for auth_file */

  GHashTable       *runtime_keys;   /* provider id → key (a secret) */

  PiKeyringStoreRefreshAsyncFunc  refresh_async;
  PiKeyringStoreRefreshFinishFunc refresh_finish;
  gpointer                        refresh_data;
  GDestroyNotify                  refresh_data_destroy;
};

enum {
  PROP_0,
  PROP_BACKEND,
  PROP_PROFILE,
  PROP_AUTH_FILE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  CREDENTIAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PiKeyringStore, pi_keyring_store, G_TYPE_OBJECT)

static void
pi_keyring_store_constructed (GObject *object)
{
  PiKeyringStore *self = PI_KEYRING_STORE (object);

  G_OBJECT_CLASS (pi_keyring_store_parent_class)->constructed (object);

  if (self->backend == NULL)
    {
      g_autoptr(GError) error = NULL;

      self->backend = pi_keyring_backend_new_for_name (NULL, &error);
      if (self->backend == NULL)
        {
          /* A misconfigured PI_KEYRING_BACKEND is not a bug: say so, go on. */
          g_message (_("%s Using the auto backend."), error->message);
          self->backend = pi_keyring_backend_new_for_name ("auto", NULL);
        }
    }
}

static void
pi_keyring_store_dispose (GObject *object)
{
  PiKeyringStore *self = PI_KEYRING_STORE (object);

  g_clear_object (&self->auth_backend);
  g_clear_object (&self->backend);
  if (self->refresh_data_destroy != NULL)
    g_clear_pointer (&self->refresh_data, self->refresh_data_destroy);
  self->refresh_async = NULL;
  self->refresh_finish = NULL;

  G_OBJECT_CLASS (pi_keyring_store_parent_class)->dispose (object);
}

static void
pi_keyring_store_finalize (GObject *object)
{
  PiKeyringStore *self = PI_KEYRING_STORE (object);

  g_clear_pointer (&self->runtime_keys, g_hash_table_unref);
  g_free (self->profile);
  g_free (self->auth_file);

  G_OBJECT_CLASS (pi_keyring_store_parent_class)->finalize (object);
}

static void
pi_keyring_store_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  PiKeyringStore *self = PI_KEYRING_STORE (object);

  switch (prop_id)
    {
    case PROP_BACKEND:
      g_value_set_object (value, self->backend);
      break;

    case PROP_PROFILE:
      g_value_set_string (value, self->profile);
      break;

    case PROP_AUTH_FILE:
      g_value_set_string (value, self->auth_file);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pi_keyring_store_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  PiKeyringStore *self = PI_KEYRING_STORE (object);

  switch (prop_id)
    {
    case PROP_BACKEND:
      g_set_object (&self->backend, g_value_get_object (value));
      break;

    case PROP_PROFILE:
      pi_keyring_store_set_profile (self, g_value_get_string (value));
      break;

    case PROP_AUTH_FILE:
      pi_keyring_store_set_auth_file (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pi_keyring_store_class_init (PiKeyringStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = pi_keyring_store_constructed;
  object_class->dispose = pi_keyring_store_dispose;
  object_class->finalize = pi_keyring_store_finalize;
  object_class->get_property = pi_keyring_store_get_property;
  object_class->set_property = pi_keyring_store_set_property;

  /**
   * PiKeyringStore:backend:
   *
   * Where the store keeps credentials. When none is given at construction,
   * the backend `PI_KEYRING_BACKEND` names, or `auto`.
   *
   * Since: 1.0
   */
  properties[PROP_BACKEND] =
    g_param_spec_object ("backend", NULL, NULL,
                         PI_KEYRING_TYPE_BACKEND,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * PiKeyringStore:profile:
   *
   * The profile whose credentials the store reads and writes in its
   * backend; `default` unless set.
   *
   * Since: 1.0
   */
  properties[PROP_PROFILE] =
    g_param_spec_string ("profile", NULL, NULL,
                         PI_KEYRING_DEFAULT_PROFILE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * PiKeyringStore:auth-file:
   *
   * The path of pi's auth.json, read as a fallback after the backend.
   * Setting %NULL restores the default
   * ([func@PiKeyring.get_default_auth_file_path]); the empty string turns the
   * fallback off.
   *
   * Since: 1.0
   */
  properties[PROP_AUTH_FILE] =
    g_param_spec_string ("auth-file", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PiKeyringStore::credential-changed:
   * @self: the store
   * @provider: the provider id
   *
   * Emitted after a credential was stored or removed through the store.
   * The detail is the provider id, so that a handler can connect to
   * `credential-changed::github-copilot` alone.
   *
   * Since: 1.0
   */
  signals[CREDENTIAL_CHANGED] =
    g_signal_new ("credential-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
pi_keyring_store_init (PiKeyringStore *self)
{
  self->profile = g_strdup (PI_KEYRING_DEFAULT_PROFILE);
  self->auth_file = pi_keyring_get_default_auth_file_path ();
  self->runtime_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) _pi_keyring_secret_free);
}

/**
 * pi_keyring_store_new:
 * @backend: (nullable): where to keep credentials, or %NULL for the backend
 *   `PI_KEYRING_BACKEND` names (`auto` when it is unset or unknown)
 *
 * Creates a store on @backend for the `default` profile, with pi's
 * auth.json at its default path as the fallback.
 *
 * Returns: (transfer full): a new store
 *
 * Since: 1.0
 */
PiKeyringStore *
pi_keyring_store_new (PiKeyringBackend *backend)
{
  g_return_val_if_fail (backend == NULL || PI_KEYRING_IS_BACKEND (backend), NULL);

  return g_object_new (PI_KEYRING_TYPE_STORE, "backend", backend, NULL);
}

/**
 * pi_keyring_store_get_backend:
 * @self: a store
 *
 * Gets the backend the store keeps credentials in.
 *
 * Returns: (transfer none): the backend
 *
 * Since: 1.0
 */
PiKeyringBackend *
pi_keyring_store_get_backend (PiKeyringStore *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_STORE (self), NULL);

  return self->backend;
}

/**
 * pi_keyring_store_get_profile:
 * @self: a store
 *
 * Gets the profile the store works on.
 *
 * Returns: (transfer none): the profile
 *
 * Since: 1.0
 */
const char *
pi_keyring_store_get_profile (PiKeyringStore *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_STORE (self), NULL);

  return self->profile;
}

/* g_set_str () is GLib 2.76. */
static gboolean
set_string (char       **location,
            const char  *value)
{
  if (g_strcmp0 (*location, value) == 0)
    return FALSE;

  g_free (*location);
  *location = g_strdup (value);
  return TRUE;
}

/**
 * pi_keyring_store_set_profile:
 * @self: a store
 * @profile: (nullable): a profile name, or %NULL for `default`
 *
 * Sets the profile whose credentials the store reads and writes.
 *
 * Since: 1.0
 */
void
pi_keyring_store_set_profile (PiKeyringStore *self,
                              const char     *profile)
{
  g_return_if_fail (PI_KEYRING_IS_STORE (self));
  g_return_if_fail (profile == NULL || *profile != '\0');

  if (profile == NULL)
    profile = PI_KEYRING_DEFAULT_PROFILE;

  if (set_string (&self->profile, profile))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROFILE]);
}

/**
 * pi_keyring_store_get_auth_file:
 * @self: a store
 *
 * Gets the path of the auth.json read as a fallback.
 *
 * Returns: (transfer none): the path, or the empty string when the
 *   fallback is off
 *
 * Since: 1.0
 */
const char *
pi_keyring_store_get_auth_file (PiKeyringStore *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_STORE (self), NULL);

  return self->auth_file;
}

/**
 * pi_keyring_store_set_auth_file:
 * @self: a store
 * @path: (nullable) (type filename): the path of an auth.json, %NULL for
 *   the default path, or the empty string to turn the fallback off
 *
 * Sets the auth.json the store reads after its backend.
 *
 * Since: 1.0
 */
void
pi_keyring_store_set_auth_file (PiKeyringStore *self,
                                const char     *path)
{
  g_autofree char *default_path = NULL;

  g_return_if_fail (PI_KEYRING_IS_STORE (self));

  if (path == NULL)
    path = default_path = pi_keyring_get_default_auth_file_path ();

  if (set_string (&self->auth_file, path))
    {
      g_clear_object (&self->auth_backend);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTH_FILE]);
    }
}

/**
 * pi_keyring_source_to_string:
 * @source: one source
 *
 * Names a source as `pi-keyring status` shows it.
 *
 * Returns: (transfer none) (nullable): `runtime`, `keyring`, `auth.json` or
 *   `env`; %NULL for %PI_KEYRING_SOURCE_NONE or a combination of flags
 *
 * Since: 1.0
 */
const char *
pi_keyring_source_to_string (PiKeyringSource source)
{
  switch (source)
    {
    case PI_KEYRING_SOURCE_RUNTIME:
      return "runtime";
    case PI_KEYRING_SOURCE_KEYRING:
      return "keyring";
    case PI_KEYRING_SOURCE_AUTH_FILE:
      return "auth.json";
    case PI_KEYRING_SOURCE_ENVIRONMENT:
      return "env";
    case PI_KEYRING_SOURCE_NONE:
    default:
      return NULL;
    }
}

/**
 * pi_keyring_store_set_runtime_api_key:
 * @self: a store
 * @provider: a provider id
 * @key: (nullable): the key, or %NULL to remove the override
 *
 * Sets a key for @provider that wins over every stored one, as pi's
 * `--api-key`. It is kept in memory only. An empty key is kept but yields
 * nothing.
 *
 * Since: 1.0
 */
void
pi_keyring_store_set_runtime_api_key (PiKeyringStore *self,
                                      const char     *provider,
                                      const char     *key)
{
  g_return_if_fail (PI_KEYRING_IS_STORE (self));
  g_return_if_fail (provider != NULL);

  if (key == NULL)
    g_hash_table_remove (self->runtime_keys, provider);
  else
    g_hash_table_replace (self->runtime_keys, g_strdup (provider), g_strdup (key));
}

void
_pi_keyring_store_set_refresh_func (PiKeyringStore                  *self,
                                    PiKeyringStoreRefreshAsyncFunc   refresh_async,
                                    PiKeyringStoreRefreshFinishFunc  refresh_finish,
                                    gpointer                         func_data,
                                    GDestroyNotify                   func_data_destroy)
{
  g_return_if_fail (PI_KEYRING_IS_STORE (self));
  g_return_if_fail ((refresh_async == NULL) == (refresh_finish == NULL));

  if (self->refresh_data_destroy != NULL)
    g_clear_pointer (&self->refresh_data, self->refresh_data_destroy);

  self->refresh_async = refresh_async;
  self->refresh_finish = refresh_finish;
  self->refresh_data = func_data;
  self->refresh_data_destroy = func_data_destroy;
}

static const char *
get_runtime_key (PiKeyringStore *self,
                 const char     *provider)
{
  const char *key = g_hash_table_lookup (self->runtime_keys, provider);

  return key != NULL && *key != '\0' ? key : NULL;
}

static gboolean
same_path (const char *a,
           const char *b)
{
  g_autoptr(GFile) fa = NULL;
  g_autoptr(GFile) fb = NULL;

  if (a == NULL || b == NULL)
    return FALSE;

  fa = g_file_new_for_path (a);
  fb = g_file_new_for_path (b);
  return g_file_equal (fa, fb);
}

/* The backend on pi's auth.json read as the fallback, or NULL when there is
 * none: turned off, or the store's backend is that file itself. */
static PiKeyringBackend *
get_auth_file_backend (PiKeyringStore *self)
{
  if (self->auth_file[0] == '\0')
    return NULL;

  if (PI_KEYRING_IS_FILE_BACKEND (self->backend) &&
      same_path (pi_keyring_file_backend_get_path (PI_KEYRING_FILE_BACKEND (self->backend)),
                 self->auth_file))
    return NULL;

  if (self->auth_backend == NULL)
    self->auth_backend = pi_keyring_file_backend_new (self->auth_file);

  return self->auth_backend;
}

static gboolean
kind_has_key (PiKeyringCredential *credential)
{
  PiKeyringCredentialKind kind = pi_keyring_credential_get_kind (credential);

  return kind == PI_KEYRING_CREDENTIAL_KIND_API_KEY || kind == PI_KEYRING_CREDENTIAL_KIND_OAUTH;
}

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
 * Since: 1.0
 */
void
pi_keyring_store_get_credential_async (PiKeyringStore      *self,
                                       const char          *provider,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PI_KEYRING_IS_STORE (self));
  g_return_if_fail (provider != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pi_keyring_store_get_credential_async);

  pi_keyring_backend_lookup_async (self->backend, provider, self->profile, cancellable,
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
 * Since: 1.0
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
 * Since: 1.0
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

  g_signal_emit (self, signals[CREDENTIAL_CHANGED], g_quark_from_string (provider), provider);
  g_task_return_boolean (task, TRUE);
}

/**
 * pi_keyring_store_set_credential_async:
 * @self: a store
 * @credential: the credential to store
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called when the credential is stored
 * @user_data: data for @callback
 *
 * Stores @credential in the store's backend, in the store's profile (a copy
 * is stored when @credential belongs to another profile), replacing what
 * was stored for its provider. Emits [signal@Store::credential-changed]
 * on success.
 *
 * Since: 1.0
 */
void
pi_keyring_store_set_credential_async (PiKeyringStore      *self,
                                       PiKeyringCredential *credential,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PiKeyringCredential) copy = NULL;

  g_return_if_fail (PI_KEYRING_IS_STORE (self));
  g_return_if_fail (PI_KEYRING_IS_CREDENTIAL (credential));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pi_keyring_store_set_credential_async);
  g_task_set_task_data (task, g_strdup (pi_keyring_credential_get_provider (credential)), g_free);

  if (!g_str_equal (pi_keyring_credential_get_profile (credential), self->profile))
    copy = pi_keyring_credential_copy_for_profile (credential, self->profile);

  pi_keyring_backend_store_async (self->backend, copy != NULL ? copy : credential, cancellable,
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
 * Since: 1.0
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
 * Since: 1.0
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

  g_signal_emit (self, signals[CREDENTIAL_CHANGED], g_quark_from_string (provider), provider);
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
 * Since: 1.0
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

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pi_keyring_store_remove_async);
  g_task_set_task_data (task, g_strdup (provider), g_free);

  pi_keyring_backend_remove_async (self->backend, provider, self->profile, cancellable,
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
 * Since: 1.0
 */
gboolean
pi_keyring_store_remove_finish (PiKeyringStore  *self,
                                GAsyncResult    *result,
                                GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        pi_keyring_store_remove_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
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
 * Since: 1.0
 */
gboolean
pi_keyring_store_remove_sync (PiKeyringStore  *self,
                              const char      *provider,
                              GCancellable    *cancellable,
                              GError         **error)
{
  PiKeyringSyncClosure closure;
  gboolean ret;

  g_return_val_if_fail (PI_KEYRING_IS_STORE (self), FALSE);
  g_return_val_if_fail (provider != NULL, FALSE);

  _pi_keyring_sync_closure_init (&closure);
  pi_keyring_store_remove_async (self, provider, cancellable,
                                 _pi_keyring_sync_closure_callback, &closure);
  ret = pi_keyring_store_remove_finish (self, _pi_keyring_sync_closure_wait (&closure), error);
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
 * Since: 1.0
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

  pi_keyring_backend_list_async (self->backend, self->profile, cancellable,
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
 * Since: 1.0
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
 * Since: 1.0
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

/* --- get_api_key: pi's lookup order --- */

typedef struct
{
  char            *provider;
  PiKeyringSource  source;   /* the step being looked at, then the winner */
} ApiKeyData;

static void
api_key_data_free (ApiKeyData *data)
{
  g_free (data->provider);
  g_free (data);
}

static void
return_key (GTask           *task,
            char            *key,
            PiKeyringSource  source)
{
  ApiKeyData *data = g_task_get_task_data (task);

  data->source = source;
  g_task_return_pointer (task, key, (GDestroyNotify) _pi_keyring_secret_free);
}

static void look_up_auth_file (GTask *task);

/* Step 4: the environment, else nothing. */
static void
look_up_environment (GTask *task)
{
  ApiKeyData *data = g_task_get_task_data (task);
  char *key = pi_keyring_catalog_get_env_api_key (data->provider);

  if (key != NULL)
    {
      return_key (task, key, PI_KEYRING_SOURCE_ENVIRONMENT);
      return;
    }

  data->source = PI_KEYRING_SOURCE_NONE;
  g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND,
                           _("No key is available for “%s”: it has no stored credential and "
                             "none of its environment variables is set."),
                           data->provider);
}

/* After a credential of the kind pi ignores: the next step. */
static void
look_up_next_step (GTask *task)
{
  ApiKeyData *data = g_task_get_task_data (task);

  if (data->source == PI_KEYRING_SOURCE_KEYRING)
    look_up_auth_file (task);
  else
    look_up_environment (task);
}

static void
on_api_key_resolved (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ApiKeyData *data = g_task_get_task_data (task);
  GError *error = NULL;
  char *key;

  key = _pi_keyring_resolve_config_value_finish (result, &error);
  if (key == NULL)
    {
      /* Final, as in pi: no fall-through to the environment. */
      g_task_return_error (task, error);
      return;
    }

  if (*key == '\0')
    {
      _pi_keyring_secret_free (key);
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND,
                               _("The stored API key of “%s” is empty."), data->provider);
      return;
    }

  return_key (task, key, data->source);
}

static void
return_oauth_key (GTask               *task,
                  PiKeyringCredential *credential)
{
  ApiKeyData *data = g_task_get_task_data (task);
  char *key = pi_keyring_catalog_get_oauth_api_key (credential);

  if (key == NULL)
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND,
                               _("The OAuth credential of “%s” has no access token; log in again."),
                               data->provider);
      return;
    }

  return_key (task, key, data->source);
}

static void
on_credential_refreshed (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PiKeyringStore *self = g_task_get_source_object (task);
  g_autoptr(PiKeyringCredential) credential = NULL;
  GError *error = NULL;

  credential = self->refresh_finish (self, result, &error, self->refresh_data);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* The entry went away or stopped being OAuth meanwhile: pi then goes on
   * with the environment, not with what else is stored. */
  if (credential == NULL)
    {
      look_up_environment (task);
      return;
    }

  return_oauth_key (task, credential);
}

/* Steps 2 and 3 for one found credential. */
static void
use_credential (GTask               *task,
                PiKeyringCredential *credential,
                PiKeyringBackend    *origin)
{
  PiKeyringStore *self = g_task_get_source_object (task);
  ApiKeyData *data = g_task_get_task_data (task);

  switch (pi_keyring_credential_get_kind (credential))
    {
    case PI_KEYRING_CREDENTIAL_KIND_API_KEY:
      {
        const char *key = pi_keyring_credential_get_key (credential);

        if (key == NULL)
          {
            g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE,
                                     _("The API key entry of “%s” has no key."), data->provider);
            return;
          }
        _pi_keyring_resolve_config_value_async (key, g_task_get_cancellable (task),
                                                on_api_key_resolved, g_object_ref (task));
      }
      return;

    case PI_KEYRING_CREDENTIAL_KIND_OAUTH:
      if (!pi_keyring_catalog_is_oauth (data->provider))
        {
          g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND,
                                   _("No OAuth provider is registered for “%s”."),
                                   data->provider);
          return;
        }

      if (!pi_keyring_credential_is_expired (credential, _pi_keyring_now_ms ()))
        {
          return_oauth_key (task, credential);
          return;
        }

      if (self->refresh_async == NULL)
        {
          g_task_return_new_error (task, PI_KEYRING_ERROR,
                                   PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED,
                                   _("The OAuth token of “%s” has expired; log in again."),
                                   data->provider);
          return;
        }

      self->refresh_async (self, origin, credential, g_task_get_cancellable (task),
                           on_credential_refreshed, g_object_ref (task), self->refresh_data);
      return;

    case PI_KEYRING_CREDENTIAL_KIND_OTHER:
    default:
      /* pi ignores entries of another type. */
      look_up_next_step (task);
      return;
    }
}

static void
on_auth_file_looked_up (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(PiKeyringCredential) credential = NULL;
  GError *error = NULL;

  /* A malformed auth.json is an error here, not a reason to skip it. */
  credential = pi_keyring_backend_lookup_finish (PI_KEYRING_BACKEND (source), result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (credential == NULL)
    look_up_environment (task);
  else
    use_credential (task, credential, PI_KEYRING_BACKEND (source));
}

/* Step 3: pi's auth.json, read as a fallback. auth.json has no profiles:
 * like the environment, it serves every profile. */
static void
look_up_auth_file (GTask *task)
{
  PiKeyringStore *self = g_task_get_source_object (task);
  ApiKeyData *data = g_task_get_task_data (task);
  PiKeyringBackend *auth_backend = get_auth_file_backend (self);

  data->source = PI_KEYRING_SOURCE_AUTH_FILE;
  if (auth_backend == NULL)
    {
      look_up_environment (task);
      return;
    }

  pi_keyring_backend_lookup_async (auth_backend, data->provider, PI_KEYRING_DEFAULT_PROFILE,
                                   g_task_get_cancellable (task),
                                   on_auth_file_looked_up, g_object_ref (task));
}

static void
on_keyring_looked_up (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(PiKeyringCredential) credential = NULL;
  GError *error = NULL;

  credential = pi_keyring_backend_lookup_finish (PI_KEYRING_BACKEND (source), result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (credential == NULL)
    look_up_auth_file (task);
  else
    use_credential (task, credential, PI_KEYRING_BACKEND (source));
}

/**
 * pi_keyring_store_get_api_key_async:
 * @self: a store
 * @provider: a provider id
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called with the key
 * @user_data: data for @callback
 *
 * Gets the key pi would use for @provider, in pi's order: the runtime
 * override, the backend's credential for the store's profile, auth.json,
 * the environment. The first source with an entry decides: an api_key
 * entry is resolved with [func@PiKeyring.resolve_config_value], and a failing
 * `!command` is an error rather than a reason to look further; an OAuth
 * entry gives the string of [func@PiKeyring.catalog_get_oauth_api_key]; an entry of
 * another type is skipped.
 *
 * Since: 1.0
 */
void
pi_keyring_store_get_api_key_async (PiKeyringStore      *self,
                                    const char          *provider,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ApiKeyData *data;
  const char *runtime_key;

  g_return_if_fail (PI_KEYRING_IS_STORE (self));
  g_return_if_fail (provider != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pi_keyring_store_get_api_key_async);
  data = g_new0 (ApiKeyData, 1);
  data->provider = g_strdup (provider);
  g_task_set_task_data (task, data, (GDestroyNotify) api_key_data_free);

  runtime_key = get_runtime_key (self, provider);
  if (runtime_key != NULL)
    {
      return_key (task, g_strdup (runtime_key), PI_KEYRING_SOURCE_RUNTIME);
      return;
    }

  data->source = PI_KEYRING_SOURCE_KEYRING;
  pi_keyring_backend_lookup_async (self->backend, provider, self->profile, cancellable,
                                   on_keyring_looked_up, g_steal_pointer (&task));
}

/**
 * pi_keyring_store_get_api_key_finish:
 * @self: a store
 * @result: the result passed to the callback
 * @out_source: (out) (optional): where the key came from
 * @error: return location for an error
 *
 * Finishes [method@Store.get_api_key_async].
 *
 * Returns: (transfer full) (nullable): the key, a secret to wipe before
 *   freeing; %NULL with @error set: %PI_KEYRING_ERROR_NOT_FOUND when no
 *   source has one, %PI_KEYRING_ERROR_COMMAND_FAILED when the `!command`
 *   of the winning entry failed, %PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED
 *   when its OAuth token expired and cannot be refreshed
 *
 * Since: 1.0
 */
char *
pi_keyring_store_get_api_key_finish (PiKeyringStore   *self,
                                     GAsyncResult     *result,
                                     PiKeyringSource  *out_source,
                                     GError          **error)
{
  char *key;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        pi_keyring_store_get_api_key_async, NULL);

  key = g_task_propagate_pointer (G_TASK (result), error);
  if (out_source != NULL)
    {
      ApiKeyData *data = g_task_get_task_data (G_TASK (result));

      *out_source = key != NULL ? data->source : PI_KEYRING_SOURCE_NONE;
    }

  return key;
}

/**
 * pi_keyring_store_get_api_key_sync:
 * @self: a store
 * @provider: a provider id
 * @out_source: (out) (optional): where the key came from
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Gets the key pi would use for @provider, blocking. See
 * [method@Store.get_api_key_async].
 *
 * Returns: (transfer full) (nullable): the key, a secret to wipe before
 *   freeing; %NULL with @error set
 *
 * Since: 1.0
 */
char *
pi_keyring_store_get_api_key_sync (PiKeyringStore   *self,
                                   const char       *provider,
                                   PiKeyringSource  *out_source,
                                   GCancellable     *cancellable,
                                   GError          **error)
{
  PiKeyringSyncClosure closure;
  char *ret;

  g_return_val_if_fail (PI_KEYRING_IS_STORE (self), NULL);
  g_return_val_if_fail (provider != NULL, NULL);

  _pi_keyring_sync_closure_init (&closure);
  pi_keyring_store_get_api_key_async (self, provider, cancellable,
                                      _pi_keyring_sync_closure_callback, &closure);
  ret = pi_keyring_store_get_api_key_finish (self, _pi_keyring_sync_closure_wait (&closure),
                                             out_source, error);
  _pi_keyring_sync_closure_clear (&closure);

  return ret;
}

/* --- get_sources --- */

typedef struct
{
  char            *provider;
  PiKeyringSource  sources;
} SourcesData;

static void
sources_data_free (SourcesData *data)
{
  g_free (data->provider);
  g_free (data);
}

static void
finish_sources (GTask *task)
{
  SourcesData *data = g_task_get_task_data (task);
  g_autoptr(PiKeyringSecretString) env_key = pi_keyring_catalog_get_env_api_key (data->provider);

  if (env_key != NULL)
    data->sources |= PI_KEYRING_SOURCE_ENVIRONMENT;

  g_task_return_int (task, data->sources);
}

static void
on_sources_auth_file_looked_up (GObject      *source,
                                GAsyncResult *result,
                                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SourcesData *data = g_task_get_task_data (task);
  g_autoptr(PiKeyringCredential) credential = NULL;
  GError *error = NULL;

  credential = pi_keyring_backend_lookup_finish (PI_KEYRING_BACKEND (source), result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (credential != NULL && kind_has_key (credential))
    data->sources |= PI_KEYRING_SOURCE_AUTH_FILE;

  finish_sources (task);
}

static void
on_sources_keyring_looked_up (GObject      *source,
                              GAsyncResult *result,
                              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PiKeyringStore *self = g_task_get_source_object (task);
  SourcesData *data = g_task_get_task_data (task);
  g_autoptr(PiKeyringCredential) credential = NULL;
  PiKeyringBackend *auth_backend;
  GError *error = NULL;

  credential = pi_keyring_backend_lookup_finish (PI_KEYRING_BACKEND (source), result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (credential != NULL && kind_has_key (credential))
    data->sources |= PI_KEYRING_SOURCE_KEYRING;

  auth_backend = get_auth_file_backend (self);
  if (auth_backend == NULL)
    {
      finish_sources (task);
      return;
    }

  pi_keyring_backend_lookup_async (auth_backend, data->provider, PI_KEYRING_DEFAULT_PROFILE,
                                   g_task_get_cancellable (task),
                                   on_sources_auth_file_looked_up, g_object_ref (task));
}

/**
 * pi_keyring_store_get_sources_async:
 * @self: a store
 * @provider: a provider id
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called with the sources
 * @user_data: data for @callback
 *
 * Finds every source that has something for @provider: a non-empty
 * runtime override, an api_key or OAuth entry in the backend or in
 * auth.json, a non-empty environment variable. Nothing is resolved or
 * refreshed. The lowest flag is the source [method@Store.get_api_key_async]
 * takes; the others are shadowed by it.
 *
 * Since: 1.0
 */
void
pi_keyring_store_get_sources_async (PiKeyringStore      *self,
                                    const char          *provider,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SourcesData *data;

  g_return_if_fail (PI_KEYRING_IS_STORE (self));
  g_return_if_fail (provider != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pi_keyring_store_get_sources_async);
  data = g_new0 (SourcesData, 1);
  data->provider = g_strdup (provider);
  g_task_set_task_data (task, data, (GDestroyNotify) sources_data_free);

  if (get_runtime_key (self, provider) != NULL)
    data->sources |= PI_KEYRING_SOURCE_RUNTIME;

  pi_keyring_backend_lookup_async (self->backend, provider, self->profile, cancellable,
                                   on_sources_keyring_looked_up, g_steal_pointer (&task));
}

/**
 * pi_keyring_store_get_sources_finish:
 * @self: a store
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Store.get_sources_async].
 *
 * Returns: the sources that have something for the provider,
 *   %PI_KEYRING_SOURCE_NONE when none has; %PI_KEYRING_SOURCE_NONE with
 *   @error set when the backend or auth.json could not be read
 *
 * Since: 1.0
 */
PiKeyringSource
pi_keyring_store_get_sources_finish (PiKeyringStore  *self,
                                     GAsyncResult    *result,
                                     GError         **error)
{
  gssize sources;

  g_return_val_if_fail (g_task_is_valid (result, self), PI_KEYRING_SOURCE_NONE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        pi_keyring_store_get_sources_async, PI_KEYRING_SOURCE_NONE);

  sources = g_task_propagate_int (G_TASK (result), error);
  return sources < 0 ? PI_KEYRING_SOURCE_NONE : (PiKeyringSource) sources;
}

/**
 * pi_keyring_store_get_sources_sync:
 * @self: a store
 * @provider: a provider id
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Finds every source that has something for @provider, blocking. See
 * [method@Store.get_sources_async].
 *
 * Returns: the sources; %PI_KEYRING_SOURCE_NONE with @error set on failure
 *
 * Since: 1.0
 */
PiKeyringSource
pi_keyring_store_get_sources_sync (PiKeyringStore  *self,
                                   const char      *provider,
                                   GCancellable    *cancellable,
                                   GError         **error)
{
  PiKeyringSyncClosure closure;
  PiKeyringSource ret;

  g_return_val_if_fail (PI_KEYRING_IS_STORE (self), PI_KEYRING_SOURCE_NONE);
  g_return_val_if_fail (provider != NULL, PI_KEYRING_SOURCE_NONE);

  _pi_keyring_sync_closure_init (&closure);
  pi_keyring_store_get_sources_async (self, provider, cancellable,
                                      _pi_keyring_sync_closure_callback, &closure);
  ret = pi_keyring_store_get_sources_finish (self, _pi_keyring_sync_closure_wait (&closure),
                                             error);
  _pi_keyring_sync_closure_clear (&closure);

  return ret;
}
