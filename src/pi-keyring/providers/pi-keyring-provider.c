/* pi-keyring-provider.c: the OAuth provider interface and its registry
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "providers/pi-keyring-providers-private.h"

/**
 * PiKeyringProvider:
 *
 * An OAuth provider: how to log in, how to refresh a token, and how to turn
 * a stored credential into the key pi hands to the model's API.
 *
 * The five providers pi supports are built in, in pi's order: `anthropic`,
 * `github-copilot`, `google-gemini-cli`, `google-antigravity` and
 * `openai-codex`. [func@lookup_provider] finds one by id;
 * [func@register_provider] adds another or replaces a built-in one.
 *
 * Since: 0.1
 */

G_DEFINE_INTERFACE (PiKeyringProvider, pi_keyring_provider, G_TYPE_OBJECT)

static char *
default_get_api_key (PiKeyringProvider   *self,
                     PiKeyringCredential *credential)
{
  return g_strdup (pi_keyring_credential_get_access (credential));
}

static const char *
default_get_flow (PiKeyringProvider *self)
{
  return "loopback";
}

/* The finishers of a provider whose _async methods return a GTask with the
 * provider as its source object and the _async method as its source tag. A
 * provider that finishes otherwise sets its own. */
static gboolean
task_is_valid (PiKeyringProvider *self,
               GAsyncResult      *result,
               gpointer           async_method)
{
  return g_task_is_valid (result, self) &&
         g_task_get_source_tag (G_TASK (result)) == async_method;
}

static PiKeyringCredential *
default_login_finish (PiKeyringProvider  *self,
                      GAsyncResult       *result,
                      GError            **error)
{
  g_return_val_if_fail (task_is_valid (self, result,
                                       PI_KEYRING_PROVIDER_GET_IFACE (self)->login_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static PiKeyringCredential *
default_refresh_finish (PiKeyringProvider  *self,
                        GAsyncResult       *result,
                        GError            **error)
{
  g_return_val_if_fail (task_is_valid (self, result,
                                       PI_KEYRING_PROVIDER_GET_IFACE (self)->refresh_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
default_revoke_finish (PiKeyringProvider  *self,
                       GAsyncResult       *result,
                       GError            **error)
{
  g_return_val_if_fail (task_is_valid (self, result,
                                       PI_KEYRING_PROVIDER_GET_IFACE (self)->revoke_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
pi_keyring_provider_default_init (PiKeyringProviderInterface *iface)
{
  iface->get_api_key = default_get_api_key;
  iface->get_flow = default_get_flow;
  iface->login_finish = default_login_finish;
  iface->refresh_finish = default_refresh_finish;
  iface->revoke_finish = default_revoke_finish;
}

/**
 * pi_keyring_provider_get_id:
 * @self: a provider
 *
 * Gets the provider id, which is also the key of its auth.json entry.
 *
 * Returns: the id
 *
 * Since: 0.1
 */
const char *
pi_keyring_provider_get_id (PiKeyringProvider *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_PROVIDER (self), NULL);

  return PI_KEYRING_PROVIDER_GET_IFACE (self)->get_id (self);
}

/**
 * pi_keyring_provider_get_display_name:
 * @self: a provider
 *
 * Gets the name shown to a person, such as `Anthropic (Claude Pro/Max)`.
 *
 * Returns: the display name
 *
 * Since: 0.1
 */
const char *
pi_keyring_provider_get_display_name (PiKeyringProvider *self)
{
  PiKeyringProviderInterface *iface;

  g_return_val_if_fail (PI_KEYRING_IS_PROVIDER (self), NULL);

  iface = PI_KEYRING_PROVIDER_GET_IFACE (self);
  if (iface->get_display_name == NULL)
    return iface->get_id (self);

  return iface->get_display_name (self);
}

/**
 * pi_keyring_provider_get_flow:
 * @self: a provider
 *
 * Gets the kind of login: `loopback` (a browser redirect to a local
 * server, or a pasted code) or `device` (a code entered on another device).
 *
 * Returns: the flow
 *
 * Since: 0.1
 */
const char *
pi_keyring_provider_get_flow (PiKeyringProvider *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_PROVIDER (self), NULL);

  return PI_KEYRING_PROVIDER_GET_IFACE (self)->get_flow (self);
}

/**
 * pi_keyring_provider_login_async:
 * @self: a provider
 * @interaction: (nullable): how to reach the user; %NULL shows nothing
 * @options: (nullable): an `a{sv}` of provider options, such as
 *   `enterprise-domain` (s) for GitHub Copilot
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called when the login is done
 * @user_data: data for @callback
 *
 * Runs the provider's login flow. The result is not stored: see
 * [method@Store.login_async].
 *
 * Since: 0.1
 */
void
pi_keyring_provider_login_async (PiKeyringProvider    *self,
                                 PiKeyringInteraction *interaction,
                                 GVariant             *options,
                                 GCancellable         *cancellable,
                                 GAsyncReadyCallback   callback,
                                 gpointer              user_data)
{
  g_autoptr(PiKeyringInteraction) fallback = NULL;

  g_return_if_fail (PI_KEYRING_IS_PROVIDER (self));
  g_return_if_fail (interaction == NULL || PI_KEYRING_IS_INTERACTION (interaction));
  g_return_if_fail (options == NULL || g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (interaction == NULL)
    interaction = fallback = pi_keyring_interaction_new ();

  PI_KEYRING_PROVIDER_GET_IFACE (self)->login_async (self, interaction, options, cancellable,
                                                     callback, user_data);
}

/**
 * pi_keyring_provider_login_finish:
 * @self: a provider
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Provider.login_async].
 *
 * Returns: (transfer full): the new credential, in the `default` profile,
 *   or %NULL with @error set
 *
 * Since: 0.1
 */
PiKeyringCredential *
pi_keyring_provider_login_finish (PiKeyringProvider  *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  g_return_val_if_fail (PI_KEYRING_IS_PROVIDER (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);

  return PI_KEYRING_PROVIDER_GET_IFACE (self)->login_finish (self, result, error);
}

/**
 * pi_keyring_provider_refresh_async:
 * @self: a provider
 * @credential: the credential to refresh
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called when the refresh is done
 * @user_data: data for @callback
 *
 * Exchanges the credential's refresh token for new tokens.
 *
 * Since: 0.1
 */
void
pi_keyring_provider_refresh_async (PiKeyringProvider   *self,
                                   PiKeyringCredential *credential,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (PI_KEYRING_IS_PROVIDER (self));
  g_return_if_fail (PI_KEYRING_IS_CREDENTIAL (credential));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  PI_KEYRING_PROVIDER_GET_IFACE (self)->refresh_async (self, credential, cancellable,
                                                       callback, user_data);
}

/**
 * pi_keyring_provider_refresh_finish:
 * @self: a provider
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Provider.refresh_async].
 *
 * Returns: (transfer full): a complete replacement credential, or %NULL
 *   with @error set (%PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED when the
 *   provider refused the refresh token)
 *
 * Since: 0.1
 */
PiKeyringCredential *
pi_keyring_provider_refresh_finish (PiKeyringProvider  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  g_return_val_if_fail (PI_KEYRING_IS_PROVIDER (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);

  return PI_KEYRING_PROVIDER_GET_IFACE (self)->refresh_finish (self, result, error);
}

/**
 * pi_keyring_provider_get_api_key:
 * @self: a provider
 * @credential: an unexpired credential of this provider
 *
 * Turns the credential into the key pi hands to the model's API: the
 * access token, or for the Google providers the JSON text
 * `{"token":…,"projectId":…}`.
 *
 * Returns: (transfer full) (nullable): the key, or %NULL when the
 *   credential lacks what the provider needs
 *
 * Since: 0.1
 */
char *
pi_keyring_provider_get_api_key (PiKeyringProvider   *self,
                                 PiKeyringCredential *credential)
{
  g_return_val_if_fail (PI_KEYRING_IS_PROVIDER (self), NULL);
  g_return_val_if_fail (PI_KEYRING_IS_CREDENTIAL (credential), NULL);

  return PI_KEYRING_PROVIDER_GET_IFACE (self)->get_api_key (self, credential);
}

/**
 * pi_keyring_provider_can_revoke:
 * @self: a provider
 *
 * Whether the provider offers token revocation.
 *
 * Returns: %TRUE when [method@Provider.revoke_async] does something
 *
 * Since: 0.1
 */
gboolean
pi_keyring_provider_can_revoke (PiKeyringProvider *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_PROVIDER (self), FALSE);

  return PI_KEYRING_PROVIDER_GET_IFACE (self)->revoke_async != NULL;
}

/**
 * pi_keyring_provider_revoke_async:
 * @self: a provider
 * @credential: the credential to revoke
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called when the revocation is done
 * @user_data: data for @callback
 *
 * Revokes the credential's tokens at the provider. A provider without
 * revocation finishes at once with %TRUE.
 *
 * Since: 0.1
 */
void
pi_keyring_provider_revoke_async (PiKeyringProvider   *self,
                                  PiKeyringCredential *credential,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  PiKeyringProviderInterface *iface;

  g_return_if_fail (PI_KEYRING_IS_PROVIDER (self));
  g_return_if_fail (PI_KEYRING_IS_CREDENTIAL (credential));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  iface = PI_KEYRING_PROVIDER_GET_IFACE (self);
  if (iface->revoke_async == NULL)
    {
      g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

      g_task_set_source_tag (task, pi_keyring_provider_revoke_async);
      g_task_return_boolean (task, TRUE);
      return;
    }

  iface->revoke_async (self, credential, cancellable, callback, user_data);
}

/**
 * pi_keyring_provider_revoke_finish:
 * @self: a provider
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Provider.revoke_async].
 *
 * Returns: %TRUE when revoked (or nothing to do); %FALSE with @error set
 *
 * Since: 0.1
 */
gboolean
pi_keyring_provider_revoke_finish (PiKeyringProvider  *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (PI_KEYRING_IS_PROVIDER (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  if (g_async_result_is_tagged (result, pi_keyring_provider_revoke_async))
    return g_task_propagate_boolean (G_TASK (result), error);

  return PI_KEYRING_PROVIDER_GET_IFACE (self)->revoke_finish (self, result, error);
}

/* --- the registry, with pi's semantics (reference §1.2) --- */

static GMutex registry_lock;
static GPtrArray *registry;   /* PiKeyringProvider, in order */
static GPtrArray *builtins;   /* the five built-ins, in pi's order */

static GPtrArray *
get_registry (void)
{
  if (registry == NULL)
    {
      builtins = _pi_keyring_builtin_providers_new ();
      registry = g_ptr_array_new_with_free_func (g_object_unref);
      /* Names that core's table gives from now on come from the registry
       * first: a registered provider may name itself differently. */
      _pi_keyring_set_display_name_func (pi_keyring_catalog_get_display_name);
      for (guint i = 0; i < builtins->len; i++)
        g_ptr_array_add (registry, g_object_ref (builtins->pdata[i]));
    }

  return registry;
}

static gint
find_in (GPtrArray  *array,
         const char *id)
{
  for (guint i = 0; i < array->len; i++)
    if (g_str_equal (pi_keyring_provider_get_id (array->pdata[i]), id))
      return (gint) i;

  return -1;
}

/**
 * pi_keyring_lookup_provider:
 * @id: a provider id
 *
 * Finds a registered OAuth provider.
 *
 * Returns: (transfer full) (nullable): the provider, or %NULL when no
 *   OAuth provider has that id
 *
 * Since: 0.1
 */
PiKeyringProvider *
pi_keyring_lookup_provider (const char *id)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&registry_lock);
  GPtrArray *list;
  gint index;

  g_return_val_if_fail (id != NULL, NULL);

  list = get_registry ();
  index = find_in (list, id);
  if (index < 0)
    return NULL;

  return g_object_ref (list->pdata[index]);
}

/**
 * pi_keyring_list_providers:
 *
 * Lists the registered OAuth providers: the built-ins in pi's order, then
 * the ones registered later.
 *
 * Returns: (transfer container) (element-type PiKeyringProvider): the providers
 *
 * Since: 0.1
 */
GPtrArray *
pi_keyring_list_providers (void)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&registry_lock);
  GPtrArray *list = get_registry ();
  GPtrArray *copy = g_ptr_array_new_full (list->len, g_object_unref);

  for (guint i = 0; i < list->len; i++)
    g_ptr_array_add (copy, g_object_ref (list->pdata[i]));

  return copy;
}

/**
 * pi_keyring_register_provider:
 * @provider: a provider
 *
 * Registers an OAuth provider. A provider with the id of a registered one
 * replaces it in its place; a new id goes to the end.
 *
 * Since: 0.1
 */
void
pi_keyring_register_provider (PiKeyringProvider *provider)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&registry_lock);
  GPtrArray *list;
  gint index;

  g_return_if_fail (PI_KEYRING_IS_PROVIDER (provider));

  list = get_registry ();
  index = find_in (list, pi_keyring_provider_get_id (provider));
  if (index < 0)
    {
      g_ptr_array_add (list, g_object_ref (provider));
      return;
    }

  g_object_unref (list->pdata[index]);
  list->pdata[index] = g_object_ref (provider);
}

/**
 * pi_keyring_unregister_provider:
 * @id: a provider id
 *
 * Unregisters a provider: a built-in id gets its built-in provider back,
 * any other id is removed.
 *
 * Since: 0.1
 */
void
pi_keyring_unregister_provider (const char *id)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&registry_lock);
  GPtrArray *list;
  gint index, builtin;

  g_return_if_fail (id != NULL);

  list = get_registry ();
  index = find_in (list, id);
  if (index < 0)
    return;

  builtin = find_in (builtins, id);
  if (builtin < 0)
    {
      g_ptr_array_remove_index (list, index);
      return;
    }

  g_object_unref (list->pdata[index]);
  list->pdata[index] = g_object_ref (builtins->pdata[builtin]);
}
