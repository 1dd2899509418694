/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PI_KEYRING_INSIDE) && !defined (PI_KEYRING_COMPILATION)
#error "Only <pi-keyring/pi-keyring.h> can be included directly."
#endif

#include <gio/gio.h>
#include "pi-keyring-credential.h"
#include "pi-keyring-interaction.h"
#include "pi-keyring-version-macros.h"

G_BEGIN_DECLS

#define PI_KEYRING_TYPE_PROVIDER (pi_keyring_provider_get_type ())
PI_KEYRING_AVAILABLE_IN_ALL
G_DECLARE_INTERFACE (PiKeyringProvider, pi_keyring_provider, PI_KEYRING, PROVIDER, GObject)

/**
 * PiKeyringProviderInterface:
 * @g_iface: the parent interface
 * @get_id: the provider id, which is also the auth.json key
 * @get_display_name: the name shown to a person
 * @get_flow: `loopback` or `device`
 * @login_async: runs the login flow
 * @login_finish: finishes @login_async with the credential to store
 * @refresh_async: refreshes a credential
 * @refresh_finish: finishes @refresh_async with a complete replacement
 * @get_api_key: turns a credential into the key pi hands to the model's API
 * @revoke_async: revokes a credential at the provider, where it offers that
 * @revoke_finish: finishes @revoke_async
 *
 * An OAuth provider. The five providers pi knows are built in; more can be
 * implemented, from C or from Python, and added with
 * [func@register_provider].
 */
struct _PiKeyringProviderInterface
{
  GTypeInterface g_iface;

  const char          *(*get_id)           (PiKeyringProvider     *self);
  const char          *(*get_display_name) (PiKeyringProvider     *self);
  const char          *(*get_flow)         (PiKeyringProvider     *self);

  void                 (*login_async)      (PiKeyringProvider     *self,
                                            PiKeyringInteraction  *interaction,
                                            GVariant              *options,
                                            GCancellable          *cancellable,
                                            GAsyncReadyCallback    callback,
                                            gpointer               user_data);
  PiKeyringCredential *(*login_finish)     (PiKeyringProvider     *self,
                                            GAsyncResult          *result,
                                            GError               **error);

  void                 (*refresh_async)    (PiKeyringProvider     *self,
                                            PiKeyringCredential   *credential,
                                            GCancellable          *cancellable,
                                            GAsyncReadyCallback    callback,
                                            gpointer               user_data);
  PiKeyringCredential *(*refresh_finish)   (PiKeyringProvider     *self,
                                            GAsyncResult          *result,
                                            GError               **error);

  char                *(*get_api_key)      (PiKeyringProvider     *self,
                                            PiKeyringCredential   *credential);

  void                 (*revoke_async)     (PiKeyringProvider     *self,
                                            PiKeyringCredential   *credential,
                                            GCancellable          *cancellable,
                                            GAsyncReadyCallback    callback,
                                            gpointer               user_data);
  gboolean             (*revoke_finish)    (PiKeyringProvider     *self,
                                            GAsyncResult          *result,
                                            GError               **error);

  /*< private >*/
  gpointer padding[12];
};

PI_KEYRING_AVAILABLE_IN_ALL
const char          *pi_keyring_provider_get_id           (PiKeyringProvider     *self);
PI_KEYRING_AVAILABLE_IN_ALL
const char          *pi_keyring_provider_get_display_name (PiKeyringProvider     *self);
PI_KEYRING_AVAILABLE_IN_ALL
const char          *pi_keyring_provider_get_flow         (PiKeyringProvider     *self);
PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_provider_login_async      (PiKeyringProvider     *self,
                                                           PiKeyringInteraction  *interaction,
                                                           GVariant              *options,
                                                           GCancellable          *cancellable,
                                                           GAsyncReadyCallback    callback,
                                                           gpointer               user_data);
PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringCredential *pi_keyring_provider_login_finish     (PiKeyringProvider     *self,
                                                           GAsyncResult          *result,
                                                           GError               **error);
PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_provider_refresh_async    (PiKeyringProvider     *self,
                                                           PiKeyringCredential   *credential,
                                                           GCancellable          *cancellable,
                                                           GAsyncReadyCallback    callback,
                                                           gpointer               user_data);
PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringCredential *pi_keyring_provider_refresh_finish   (PiKeyringProvider     *self,
                                                           GAsyncResult          *result,
                                                           GError               **error);
PI_KEYRING_AVAILABLE_IN_ALL
char                *pi_keyring_provider_get_api_key      (PiKeyringProvider     *self,
                                                           PiKeyringCredential   *credential);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean             pi_keyring_provider_can_revoke       (PiKeyringProvider     *self);
PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_provider_revoke_async     (PiKeyringProvider     *self,
                                                           PiKeyringCredential   *credential,
                                                           GCancellable          *cancellable,
                                                           GAsyncReadyCallback    callback,
                                                           gpointer               user_data);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean             pi_keyring_provider_revoke_finish    (PiKeyringProvider     *self,
                                                           GAsyncResult          *result,
                                                           GError               **error);

PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringProvider   *pi_keyring_lookup_provider           (const char            *id);
PI_KEYRING_AVAILABLE_IN_ALL
GPtrArray           *pi_keyring_list_providers            (void);
PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_register_provider         (PiKeyringProvider     *provider);
PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_unregister_provider       (const char            *id);

G_END_DECLS
