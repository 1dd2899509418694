/* pi-keyring-store-lookup.c: the key pi would use, in pi's order
 * (reference §3.7), and the sources that have one
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "store/pi-keyring-store-private.h"

static gboolean
kind_has_key (PiKeyringCredential *credential)
{
  PiKeyringCredentialKind kind = pi_keyring_credential_get_kind (credential);

  return kind == PI_KEYRING_CREDENTIAL_KIND_API_KEY || kind == PI_KEYRING_CREDENTIAL_KIND_OAUTH;
}

/* A provider that other pi releases know under another id (Azure OpenAI:
 * `azure` in pi 1.6.0, `azure-openai-responses` in 0.73.1) is found under
 * either in each store: its own id first, then the other, before the next
 * source. The entry keeps the id it is stored under; a refresh writes it
 * back there. */
static const char *
next_id (const char *provider,
         const char *looking_at)
{
  if (looking_at != NULL && g_str_equal (looking_at, provider))
    return pi_keyring_catalog_get_other_id (provider);

  return NULL;
}

/* --- get_api_key: pi's lookup order --- */

typedef struct
{
  char            *provider;
  const char      *looking_at; /* the id asked for in this step: provider or its other id */
  PiKeyringSource  source;     /* the step being looked at, then the winner */
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
  const char *auth_variable;

  if (key != NULL)
    {
      return_key (task, key, PI_KEYRING_SOURCE_ENVIRONMENT);
      return;
    }

  data->source = PI_KEYRING_SOURCE_NONE;
  auth_variable = _pi_keyring_catalog_get_env_auth_variable (data->provider);
  if (auth_variable != NULL)
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND,
                               _("pi authenticates to “%s” with %s from the environment, "
                                 "which is not a key: pi uses it itself."),
                               data->provider, auth_variable);
      return;
    }
  if (!pi_keyring_catalog_contains (data->provider))
    {
      g_autoptr(PiKeyringProvider) registered = pi_keyring_lookup_provider (data->provider);

      /* No environment variables to speak of. */
      if (registered == NULL)
        {
          g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND,
                                   _("“%s” is an unknown provider: pi-keyring does not know it, "
                                     "and no credential is stored for it. `pi-keyring "
                                     "providers` lists the known ones."),
                                   data->provider);
          return;
        }
    }
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

/* After a step that may find a credential: @error (taken) ends the lookup,
 * no credential goes on with the environment. TRUE when @credential is
 * there to be used. */
static gboolean
found_or_next (GTask               *task,
               PiKeyringCredential *credential,
               GError              *error)
{
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return FALSE;
    }
  if (credential == NULL)
    {
      look_up_environment (task);
      return FALSE;
    }

  return TRUE;
}

static void
on_credential_refreshed (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(PiKeyringCredential) credential = NULL;
  GError *error = NULL;

  /* The entry went away or stopped being OAuth meanwhile: pi then goes on
   * with the environment, not with what else is stored. */
  credential = _pi_keyring_refresher_refresh_finish (PI_KEYRING_REFRESHER (source), result, &error);
  if (found_or_next (task, credential, error))
    return_oauth_key (task, credential);
}

/* An OAuth entry: its key when unexpired, else refreshed through its
 * provider and written back to @origin (pi refreshes only at or after
 * `expires`, never earlier here). */
static void
use_oauth_credential (GTask               *task,
                      PiKeyringCredential *credential,
                      PiKeyringBackend    *origin)
{
  PiKeyringStore *self = g_task_get_source_object (task);
  ApiKeyData *data = g_task_get_task_data (task);
  g_autoptr(PiKeyringProvider) provider = NULL;

  /* An id no OAuth provider has: final "no key" (conformance 46). */
  if (!pi_keyring_catalog_is_oauth (data->looking_at))
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

  provider = pi_keyring_lookup_provider (data->looking_at);
  if (provider == NULL)
    {
      /* A built-in id whose implementation is not available. */
      g_task_return_new_error (task, PI_KEYRING_ERROR,
                               PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED,
                               _("The OAuth token of “%s” has expired and cannot be refreshed "
                                 "here; log in again."),
                               data->provider);
      return;
    }

  _pi_keyring_refresher_refresh_async (_pi_keyring_store_get_refresher (self), origin,
                                       data->looking_at,
                                       origin == pi_keyring_store_get_backend (self)
                                       ? pi_keyring_store_get_profile (self)
                                       : PI_KEYRING_DEFAULT_PROFILE,
                                       FALSE, g_task_get_cancellable (task),
                                       on_credential_refreshed, g_object_ref (task));
}

/* The values of an entry's `env` may be secrets. */
static void
wipe_env (char **env)
{
  for (gsize i = 0; env != NULL && env[i] != NULL; i++)
    _pi_keyring_secret_wipe (env[i]);
}

/* Steps 2 and 3 for one found credential. */
static void
use_credential (GTask               *task,
                PiKeyringCredential *credential,
                PiKeyringBackend    *origin)
{
  ApiKeyData *data = g_task_get_task_data (task);

  switch (pi_keyring_credential_get_kind (credential))
    {
    case PI_KEYRING_CREDENTIAL_KIND_API_KEY:
      {
        const char *key = pi_keyring_credential_get_key (credential);
        g_auto(GStrv) env = pi_keyring_credential_get_env (credential);

        /* pi 1.6.0: an entry without a key (an AWS profile or a Vertex
         * project in its `env`) lets the provider take its credentials
         * from the environment. */
        if (key == NULL && env != NULL)
          {
            wipe_env (env);
            look_up_environment (task);
            return;
          }
        if (key == NULL)
          {
            g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE,
                                     _("The API key entry of “%s” has no key."), data->provider);
            return;
          }
        /* pi 1.6.0's format (an `env` object) or a key with a "$": pi
         * 1.6.0's template, the entry's variables first; a reference to an
         * unset variable leaves the key to the environment, as pi 1.6.0
         * does. Otherwise the rule both pi releases share. */
        if (key[0] != '!' && (env != NULL || strchr (key, '$') != NULL))
          {
            char *resolved = _pi_keyring_expand_config_template (key,
                                                                 (const char * const *) env);

            wipe_env (env);
            if (resolved == NULL)
              {
                look_up_environment (task);
                return;
              }
            if (*resolved == '\0')
              {
                _pi_keyring_secret_free (resolved);
                g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND,
                                         _("The stored API key of “%s” is empty."),
                                         data->provider);
                return;
              }
            return_key (task, resolved, data->source);
            return;
          }
        wipe_env (env);
        _pi_keyring_resolve_config_value_async (key, g_task_get_cancellable (task),
                                                on_api_key_resolved, g_object_ref (task));
      }
      return;

    case PI_KEYRING_CREDENTIAL_KIND_OAUTH:
      use_oauth_credential (task, credential, origin);
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
  ApiKeyData *data = g_task_get_task_data (task);
  g_autoptr(PiKeyringCredential) credential = NULL;
  GError *error = NULL;
  const char *other;

  /* A malformed auth.json is an error here, not a reason to skip it. */
  credential = pi_keyring_backend_lookup_finish (PI_KEYRING_BACKEND (source), result, &error);
  other = next_id (data->provider, data->looking_at);
  if (credential == NULL && error == NULL && other != NULL)
    {
      /* Read before the call: its arguments steal the task. */
      GCancellable *cancellable = g_task_get_cancellable (task);

      data->looking_at = other;
      pi_keyring_backend_lookup_async (PI_KEYRING_BACKEND (source), other,
                                       PI_KEYRING_DEFAULT_PROFILE, cancellable,
                                       on_auth_file_looked_up, g_steal_pointer (&task));
      return;
    }
  if (found_or_next (task, credential, error))
    use_credential (task, credential, PI_KEYRING_BACKEND (source));
}

/* Step 3: pi's auth.json, read as a fallback. auth.json has no profiles:
 * like the environment, it serves every profile. */
static void
look_up_auth_file (GTask *task)
{
  PiKeyringStore *self = g_task_get_source_object (task);
  ApiKeyData *data = g_task_get_task_data (task);
  PiKeyringBackend *auth_backend = _pi_keyring_store_get_auth_file_backend (self);

  data->source = PI_KEYRING_SOURCE_AUTH_FILE;
  data->looking_at = data->provider;
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
  PiKeyringStore *self = g_task_get_source_object (task);
  ApiKeyData *data = g_task_get_task_data (task);
  g_autoptr(PiKeyringCredential) credential = NULL;
  GError *error = NULL;
  const char *other;

  credential = pi_keyring_backend_lookup_finish (PI_KEYRING_BACKEND (source), result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  other = next_id (data->provider, data->looking_at);
  if (credential == NULL && other != NULL)
    {
      /* Read before the call: its arguments steal the task. */
      GCancellable *cancellable = g_task_get_cancellable (task);

      data->looking_at = other;
      pi_keyring_backend_lookup_async (PI_KEYRING_BACKEND (source), other,
                                       pi_keyring_store_get_profile (self), cancellable,
                                       on_keyring_looked_up, g_steal_pointer (&task));
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
 * the environment. A provider other pi releases know under another id
 * ([func@PiKeyring.catalog_get_other_id]: `azure` and
 * `azure-openai-responses`) is found under either id in each source, its
 * own first. The first source with an entry decides: an api_key
 * entry is resolved with [func@PiKeyring.resolve_config_value], and a failing
 * `!command` is an error rather than a reason to look further; an OAuth
 * entry gives the string of [func@PiKeyring.catalog_get_oauth_api_key]; an entry of
 * another type is skipped.
 *
 * An OAuth entry that has expired (`now >= expires`) is refreshed through
 * its [iface@Provider] first, and the new credential is written back to
 * where the entry came from: the backend, or pi's auth.json (under pi's
 * lock, so that a running pi and this store never spend one refresh token
 * twice). The entry is read again before the refresh: when another program
 * refreshed it meanwhile, its new token is used without a request; when it
 * is no longer an OAuth entry, the environment is consulted. A failed
 * refresh never changes or deletes the stored credential. Concurrent
 * lookups of one credential share one refresh.
 *
 * Since: 0.1
 */
void
pi_keyring_store_get_api_key_async (PiKeyringStore      *self,
                                    const char          *provider,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GError *error = NULL;
  g_autoptr(GTask) task = NULL;
  ApiKeyData *data;
  const char *runtime_key;

  g_return_if_fail (PI_KEYRING_IS_STORE (self));
  g_return_if_fail (provider != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pi_keyring_store_get_api_key_async);
  if (!_pi_keyring_store_check_names (self, provider, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  data = g_new0 (ApiKeyData, 1);
  data->provider = g_strdup (provider);
  data->looking_at = data->provider;
  g_task_set_task_data (task, data, (GDestroyNotify) api_key_data_free);

  runtime_key = _pi_keyring_store_get_runtime_key (self, provider);
  if (runtime_key != NULL)
    {
      return_key (task, g_strdup (runtime_key), PI_KEYRING_SOURCE_RUNTIME);
      return;
    }

  data->source = PI_KEYRING_SOURCE_KEYRING;
  pi_keyring_backend_lookup_async (pi_keyring_store_get_backend (self), provider,
                                   pi_keyring_store_get_profile (self), cancellable,
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
 *   when its OAuth token expired and the provider refused the refresh,
 *   %PI_KEYRING_ERROR_RATE_LIMITED or %PI_KEYRING_ERROR_TEMPORARY when the
 *   refresh may work later
 *
 * Since: 0.1
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
 * Since: 0.1
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

  const char *runtime_key;

  g_return_val_if_fail (PI_KEYRING_IS_STORE (self), NULL);
  g_return_val_if_fail (provider != NULL, NULL);

  /* A runtime override needs no main loop. */
  runtime_key = _pi_keyring_store_get_runtime_key (self, provider);
  if (runtime_key != NULL)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          if (out_source != NULL)
            *out_source = PI_KEYRING_SOURCE_NONE;
          return NULL;
        }
      if (out_source != NULL)
        *out_source = PI_KEYRING_SOURCE_RUNTIME;
      return g_strdup (runtime_key);
    }

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
  const char      *looking_at; /* as in ApiKeyData */
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

  /* pi 1.6.0 also authenticates from variables that hold no key. */
  if (env_key != NULL || _pi_keyring_catalog_get_env_auth_variable (data->provider) != NULL)
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
  const char *other;

  credential = pi_keyring_backend_lookup_finish (PI_KEYRING_BACKEND (source), result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (credential != NULL && kind_has_key (credential))
    data->sources |= PI_KEYRING_SOURCE_AUTH_FILE;

  other = next_id (data->provider, data->looking_at);
  if (credential == NULL && other != NULL)
    {
      /* Read before the call: its arguments steal the task. */
      GCancellable *cancellable = g_task_get_cancellable (task);

      data->looking_at = other;
      pi_keyring_backend_lookup_async (PI_KEYRING_BACKEND (source), other,
                                       PI_KEYRING_DEFAULT_PROFILE, cancellable,
                                       on_sources_auth_file_looked_up, g_steal_pointer (&task));
      return;
    }

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
  const char *other;

  credential = pi_keyring_backend_lookup_finish (PI_KEYRING_BACKEND (source), result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (credential != NULL && kind_has_key (credential))
    data->sources |= PI_KEYRING_SOURCE_KEYRING;

  other = next_id (data->provider, data->looking_at);
  if (credential == NULL && other != NULL)
    {
      /* Read before the call: its arguments steal the task. */
      GCancellable *cancellable = g_task_get_cancellable (task);

      data->looking_at = other;
      pi_keyring_backend_lookup_async (PI_KEYRING_BACKEND (source), other,
                                       pi_keyring_store_get_profile (self), cancellable,
                                       on_sources_keyring_looked_up, g_steal_pointer (&task));
      return;
    }

  auth_backend = _pi_keyring_store_get_auth_file_backend (self);
  data->looking_at = data->provider;
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
 * auth.json (under @provider or the id other pi releases give it, as
 * [method@Store.get_api_key_async] looks), a non-empty environment
 * variable (also one that authenticates pi without being a key, such as
 * `ANTHROPIC_AUTH_TOKEN`, which pi 1.6.0 sends as a bearer token; then
 * [method@Store.get_api_key_async] has no key to give). Nothing is resolved or
 * refreshed. The lowest flag is the source [method@Store.get_api_key_async]
 * takes; the others are shadowed by it.
 *
 * Since: 0.1
 */
void
pi_keyring_store_get_sources_async (PiKeyringStore      *self,
                                    const char          *provider,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GError *error = NULL;
  g_autoptr(GTask) task = NULL;
  SourcesData *data;

  g_return_if_fail (PI_KEYRING_IS_STORE (self));
  g_return_if_fail (provider != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pi_keyring_store_get_sources_async);
  if (!_pi_keyring_store_check_names (self, provider, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  data = g_new0 (SourcesData, 1);
  data->provider = g_strdup (provider);
  data->looking_at = data->provider;
  g_task_set_task_data (task, data, (GDestroyNotify) sources_data_free);

  if (_pi_keyring_store_get_runtime_key (self, provider) != NULL)
    data->sources |= PI_KEYRING_SOURCE_RUNTIME;

  pi_keyring_backend_lookup_async (pi_keyring_store_get_backend (self), provider,
                                   pi_keyring_store_get_profile (self), cancellable,
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
 * Since: 0.1
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
 * Since: 0.1
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
