/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PI_KEYRING_INSIDE) && !defined (PI_KEYRING_COMPILATION)
#error "Only <pi-keyring/pi-keyring.h> can be included directly."
#endif

#include <gio/gio.h>
#include "pi-keyring-backend.h"
#include "pi-keyring-credential.h"
#include "pi-keyring-credential-lock.h"
#include "pi-keyring-interaction.h"
#include "pi-keyring-version-macros.h"

G_BEGIN_DECLS

/**
 * PiKeyringSource:
 * @PI_KEYRING_SOURCE_NONE: no source
 * @PI_KEYRING_SOURCE_RUNTIME: a runtime override set with
 *   [method@Store.set_runtime_api_key]
 * @PI_KEYRING_SOURCE_KEYRING: the store's backend
 * @PI_KEYRING_SOURCE_AUTH_FILE: pi's auth.json, read as a fallback
 * @PI_KEYRING_SOURCE_ENVIRONMENT: an environment variable of pi's table
 *
 * Where a key comes from, in the order of the lookup: the first source
 * that has something for a provider wins and shadows the others.
 *
 * Since: 0.1
 */
typedef enum /*< flags >*/
{
  PI_KEYRING_SOURCE_NONE        = 0,
  PI_KEYRING_SOURCE_RUNTIME     = 1 << 0,
  PI_KEYRING_SOURCE_KEYRING     = 1 << 1,
  PI_KEYRING_SOURCE_AUTH_FILE   = 1 << 2,
  PI_KEYRING_SOURCE_ENVIRONMENT = 1 << 3,
} PiKeyringSource;

/**
 * PiKeyringStoreFlags:
 * @PI_KEYRING_STORE_FLAGS_NONE: no flags: a store that writes a secret in
 *   plaintext says so once with g_warning()
 * @PI_KEYRING_STORE_FLAGS_REFUSE_PLAINTEXT: never write a secret in
 *   plaintext: [ctor@Store.new_full] fails on a plaintext backend, and
 *   every write of a new secret through the store fails with
 *   %PI_KEYRING_ERROR_UNAVAILABLE
 * @PI_KEYRING_STORE_FLAGS_NO_PLAINTEXT_WARNING: the program tells the user
 *   itself that secrets are written in plaintext (as the `pi-keyring`
 *   command does): no g_warning()
 *
 * How a store treats a backend that writes secrets unencrypted to disk
 * ([property@Store:plaintext]).
 *
 * Since: 0.2
 */
typedef enum /*< flags >*/
{
  PI_KEYRING_STORE_FLAGS_NONE                 = 0,
  PI_KEYRING_STORE_FLAGS_REFUSE_PLAINTEXT     = 1 << 0,
  PI_KEYRING_STORE_FLAGS_NO_PLAINTEXT_WARNING = 1 << 1,
} PiKeyringStoreFlags;

#define PI_KEYRING_TYPE_STORE (pi_keyring_store_get_type ())
PI_KEYRING_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (PiKeyringStore, pi_keyring_store, PI_KEYRING, STORE, GObject)

PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringStore      *pi_keyring_store_new                    (PiKeyringBackend     *backend);
PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringStore      *pi_keyring_store_new_full               (PiKeyringBackend     *backend,
                                                              PiKeyringStoreFlags   flags,
                                                              GError              **error);
PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringStoreFlags  pi_keyring_store_get_flags              (PiKeyringStore       *self);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean             pi_keyring_store_get_plaintext          (PiKeyringStore       *self);
PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringBackend    *pi_keyring_store_get_backend            (PiKeyringStore       *self);
PI_KEYRING_AVAILABLE_IN_ALL
const char          *pi_keyring_store_get_profile            (PiKeyringStore       *self);
PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_store_set_profile            (PiKeyringStore       *self,
                                                              const char           *profile);
PI_KEYRING_AVAILABLE_IN_ALL
const char          *pi_keyring_store_get_auth_file          (PiKeyringStore       *self);
PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_store_set_auth_file          (PiKeyringStore       *self,
                                                              const char           *path);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean             pi_keyring_store_get_auto_refresh       (PiKeyringStore       *self);
PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_store_set_auto_refresh       (PiKeyringStore       *self,
                                                              gboolean              auto_refresh);
PI_KEYRING_AVAILABLE_IN_0_2
gboolean             pi_keyring_store_get_watch_changes      (PiKeyringStore       *self);
PI_KEYRING_AVAILABLE_IN_0_2
void                 pi_keyring_store_set_watch_changes      (PiKeyringStore       *self,
                                                              gboolean              watch_changes);
PI_KEYRING_AVAILABLE_IN_ALL
const char          *pi_keyring_source_to_string             (PiKeyringSource       source);

PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_store_set_runtime_api_key    (PiKeyringStore       *self,
                                                              const char           *provider,
                                                              const char           *key);

PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_store_get_credential_async   (PiKeyringStore       *self,
                                                              const char           *provider,
                                                              GCancellable         *cancellable,
                                                              GAsyncReadyCallback   callback,
                                                              gpointer              user_data);
PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringCredential *pi_keyring_store_get_credential_finish  (PiKeyringStore       *self,
                                                              GAsyncResult         *result,
                                                              GError              **error);
PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringCredential *pi_keyring_store_get_credential_sync    (PiKeyringStore       *self,
                                                              const char           *provider,
                                                              GCancellable         *cancellable,
                                                              GError              **error);

PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_store_get_fresh_credential_async  (PiKeyringStore       *self,
                                                                   const char           *provider,
                                                                   gint64                min_validity_ms,
                                                                   GCancellable         *cancellable,
                                                                   GAsyncReadyCallback   callback,
                                                                   gpointer              user_data);
PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringCredential *pi_keyring_store_get_fresh_credential_finish (PiKeyringStore       *self,
                                                                   GAsyncResult         *result,
                                                                   GError              **error);
PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringCredential *pi_keyring_store_get_fresh_credential_sync   (PiKeyringStore       *self,
                                                                   const char           *provider,
                                                                   gint64                min_validity_ms,
                                                                   GCancellable         *cancellable,
                                                                   GError              **error);

PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_store_lock_credential_async  (PiKeyringStore       *self,
                                                              const char           *provider,
                                                              GCancellable         *cancellable,
                                                              GAsyncReadyCallback   callback,
                                                              gpointer              user_data);
PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringCredentialLock *pi_keyring_store_lock_credential_finish (PiKeyringStore   *self,
                                                                  GAsyncResult     *result,
                                                                  GError          **error);

PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_store_set_credential_async   (PiKeyringStore       *self,
                                                              PiKeyringCredential  *credential,
                                                              GCancellable         *cancellable,
                                                              GAsyncReadyCallback   callback,
                                                              gpointer              user_data);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean             pi_keyring_store_set_credential_finish  (PiKeyringStore       *self,
                                                              GAsyncResult         *result,
                                                              GError              **error);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean             pi_keyring_store_set_credential_sync    (PiKeyringStore       *self,
                                                              PiKeyringCredential  *credential,
                                                              GCancellable         *cancellable,
                                                              GError              **error);

PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_store_set_api_key_async      (PiKeyringStore       *self,
                                                              const char           *provider,
                                                              const char           *key,
                                                              GCancellable         *cancellable,
                                                              GAsyncReadyCallback   callback,
                                                              gpointer              user_data);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean             pi_keyring_store_set_api_key_finish     (PiKeyringStore       *self,
                                                              GAsyncResult         *result,
                                                              GError              **error);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean             pi_keyring_store_set_api_key_sync       (PiKeyringStore       *self,
                                                              const char           *provider,
                                                              const char           *key,
                                                              GCancellable         *cancellable,
                                                              GError              **error);

PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_store_remove_async           (PiKeyringStore       *self,
                                                              const char           *provider,
                                                              GCancellable         *cancellable,
                                                              GAsyncReadyCallback   callback,
                                                              gpointer              user_data);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean             pi_keyring_store_remove_finish          (PiKeyringStore       *self,
                                                              GAsyncResult         *result,
                                                              GError              **error);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean             pi_keyring_store_remove_sync            (PiKeyringStore       *self,
                                                              const char           *provider,
                                                              GCancellable         *cancellable,
                                                              GError              **error);

PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_store_list_async             (PiKeyringStore       *self,
                                                              GCancellable         *cancellable,
                                                              GAsyncReadyCallback   callback,
                                                              gpointer              user_data);
PI_KEYRING_AVAILABLE_IN_ALL
GPtrArray           *pi_keyring_store_list_finish            (PiKeyringStore       *self,
                                                              GAsyncResult         *result,
                                                              GError              **error);
PI_KEYRING_AVAILABLE_IN_ALL
GPtrArray           *pi_keyring_store_list_sync              (PiKeyringStore       *self,
                                                              GCancellable         *cancellable,
                                                              GError              **error);

PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_store_get_api_key_async      (PiKeyringStore       *self,
                                                              const char           *provider,
                                                              GCancellable         *cancellable,
                                                              GAsyncReadyCallback   callback,
                                                              gpointer              user_data);
PI_KEYRING_AVAILABLE_IN_ALL
char                *pi_keyring_store_get_api_key_finish     (PiKeyringStore       *self,
                                                              GAsyncResult         *result,
                                                              PiKeyringSource      *out_source,
                                                              GError              **error);
PI_KEYRING_AVAILABLE_IN_ALL
char                *pi_keyring_store_get_api_key_sync       (PiKeyringStore       *self,
                                                              const char           *provider,
                                                              PiKeyringSource      *out_source,
                                                              GCancellable         *cancellable,
                                                              GError              **error);

PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_store_get_sources_async      (PiKeyringStore       *self,
                                                              const char           *provider,
                                                              GCancellable         *cancellable,
                                                              GAsyncReadyCallback   callback,
                                                              gpointer              user_data);
PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringSource      pi_keyring_store_get_sources_finish     (PiKeyringStore       *self,
                                                              GAsyncResult         *result,
                                                              GError              **error);
PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringSource      pi_keyring_store_get_sources_sync       (PiKeyringStore       *self,
                                                              const char           *provider,
                                                              GCancellable         *cancellable,
                                                              GError              **error);

PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_store_login_async            (PiKeyringStore       *self,
                                                              const char           *provider,
                                                              PiKeyringInteraction *interaction,
                                                              GVariant             *options,
                                                              GCancellable         *cancellable,
                                                              GAsyncReadyCallback   callback,
                                                              gpointer              user_data);
PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringCredential *pi_keyring_store_login_finish           (PiKeyringStore       *self,
                                                              GAsyncResult         *result,
                                                              GError              **error);

PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_store_refresh_async          (PiKeyringStore       *self,
                                                              const char           *provider,
                                                              GCancellable         *cancellable,
                                                              GAsyncReadyCallback   callback,
                                                              gpointer              user_data);
PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringCredential *pi_keyring_store_refresh_finish         (PiKeyringStore       *self,
                                                              GAsyncResult         *result,
                                                              GError              **error);
PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringCredential *pi_keyring_store_refresh_sync           (PiKeyringStore       *self,
                                                              const char           *provider,
                                                              GCancellable         *cancellable,
                                                              GError              **error);

PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_store_logout_async           (PiKeyringStore       *self,
                                                              const char           *provider,
                                                              GCancellable         *cancellable,
                                                              GAsyncReadyCallback   callback,
                                                              gpointer              user_data);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean             pi_keyring_store_logout_finish          (PiKeyringStore       *self,
                                                              GAsyncResult         *result,
                                                              GError              **error);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean             pi_keyring_store_logout_sync            (PiKeyringStore       *self,
                                                              const char           *provider,
                                                              GCancellable         *cancellable,
                                                              GError              **error);

PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_store_save_recovered_async   (PiKeyringStore       *self,
                                                              GCancellable         *cancellable,
                                                              GAsyncReadyCallback   callback,
                                                              gpointer              user_data);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean             pi_keyring_store_save_recovered_finish  (PiKeyringStore       *self,
                                                              GAsyncResult         *result,
                                                              GError              **error);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean             pi_keyring_store_save_recovered_sync    (PiKeyringStore       *self,
                                                              GCancellable         *cancellable,
                                                              GError              **error);
PI_KEYRING_AVAILABLE_IN_ALL
char               **pi_keyring_store_describe_recovered     (const char           *provider);

G_END_DECLS
