/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PI_KEYRING_INSIDE) && !defined (PI_KEYRING_COMPILATION)
#error "Only <pi-keyring/pi-keyring.h> can be included directly."
#endif

#include <gio/gio.h>
#include "pi-keyring-credential.h"
#include "pi-keyring-version-macros.h"

G_BEGIN_DECLS

#define PI_KEYRING_TYPE_BACKEND (pi_keyring_backend_get_type ())
PI_KEYRING_AVAILABLE_IN_ALL
G_DECLARE_INTERFACE (PiKeyringBackend, pi_keyring_backend, PI_KEYRING, BACKEND, GObject)

/**
 * PiKeyringBackendInterface:
 * @g_iface: the parent interface
 * @get_name: returns the backend's name, as `--backend` takes it
 * @is_plaintext: whether secrets are written unencrypted
 * @get_location: a text for a person saying where the credentials are kept
 * @check_async: starts checking that the storage is reachable and unlocked
 * @check_finish: finishes @check_async
 * @lookup_async: starts looking up the credential of a provider and profile
 * @lookup_finish: finishes @lookup_async; %NULL without an error when nothing is stored
 * @store_async: starts storing a credential, replacing the one of the same
 *   provider and profile
 * @store_finish: finishes @store_async
 * @remove_async: starts removing the credential of a provider and profile
 * @remove_finish: finishes @remove_async; %PI_KEYRING_ERROR_NOT_FOUND when
 *   nothing was stored
 * @list_async: starts listing the stored credentials of a profile, or of all
 *   profiles
 * @list_finish: finishes @list_async
 *
 * The virtual methods of a storage backend. Every method that may block is
 * an asynchronous pair; the `_sync` wrappers run them on a private main
 * context.
 */
struct _PiKeyringBackendInterface
{
  GTypeInterface g_iface;

  const char          *(*get_name)      (PiKeyringBackend     *self);
  gboolean             (*is_plaintext)  (PiKeyringBackend     *self);
  char                *(*get_location)  (PiKeyringBackend     *self);

  void                 (*check_async)   (PiKeyringBackend     *self,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
  gboolean             (*check_finish)  (PiKeyringBackend     *self,
                                         GAsyncResult         *result,
                                         GError              **error);

  void                 (*lookup_async)  (PiKeyringBackend     *self,
                                         const char           *provider,
                                         const char           *profile,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
  PiKeyringCredential *(*lookup_finish) (PiKeyringBackend     *self,
                                         GAsyncResult         *result,
                                         GError              **error);

  void                 (*store_async)   (PiKeyringBackend     *self,
                                         PiKeyringCredential  *credential,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
  gboolean             (*store_finish)  (PiKeyringBackend     *self,
                                         GAsyncResult         *result,
                                         GError              **error);

  void                 (*remove_async)  (PiKeyringBackend     *self,
                                         const char           *provider,
                                         const char           *profile,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
  gboolean             (*remove_finish) (PiKeyringBackend     *self,
                                         GAsyncResult         *result,
                                         GError              **error);

  void                 (*list_async)    (PiKeyringBackend     *self,
                                         const char           *profile,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
  GPtrArray           *(*list_finish)   (PiKeyringBackend     *self,
                                         GAsyncResult         *result,
                                         GError              **error);

  /*< private >*/
  gpointer padding[12];
};

PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringBackend    *pi_keyring_backend_new_for_name  (const char           *name,
                                                       GError              **error);
PI_KEYRING_AVAILABLE_IN_ALL
const char * const  *pi_keyring_backend_get_names     (void);

PI_KEYRING_AVAILABLE_IN_ALL
const char          *pi_keyring_backend_get_name      (PiKeyringBackend     *self);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean             pi_keyring_backend_is_plaintext  (PiKeyringBackend     *self);
PI_KEYRING_AVAILABLE_IN_ALL
char                *pi_keyring_backend_get_location  (PiKeyringBackend     *self);

PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_backend_check_async   (PiKeyringBackend     *self,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean             pi_keyring_backend_check_finish  (PiKeyringBackend     *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean             pi_keyring_backend_check_sync    (PiKeyringBackend     *self,
                                                       GCancellable         *cancellable,
                                                       GError              **error);

PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_backend_lookup_async  (PiKeyringBackend     *self,
                                                       const char           *provider,
                                                       const char           *profile,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringCredential *pi_keyring_backend_lookup_finish (PiKeyringBackend     *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);
PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringCredential *pi_keyring_backend_lookup_sync   (PiKeyringBackend     *self,
                                                       const char           *provider,
                                                       const char           *profile,
                                                       GCancellable         *cancellable,
                                                       GError              **error);

PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_backend_store_async   (PiKeyringBackend     *self,
                                                       PiKeyringCredential  *credential,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean             pi_keyring_backend_store_finish  (PiKeyringBackend     *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean             pi_keyring_backend_store_sync    (PiKeyringBackend     *self,
                                                       PiKeyringCredential  *credential,
                                                       GCancellable         *cancellable,
                                                       GError              **error);

PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_backend_remove_async  (PiKeyringBackend     *self,
                                                       const char           *provider,
                                                       const char           *profile,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean             pi_keyring_backend_remove_finish (PiKeyringBackend     *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean             pi_keyring_backend_remove_sync   (PiKeyringBackend     *self,
                                                       const char           *provider,
                                                       const char           *profile,
                                                       GCancellable         *cancellable,
                                                       GError              **error);

PI_KEYRING_AVAILABLE_IN_ALL
void                 pi_keyring_backend_list_async    (PiKeyringBackend     *self,
                                                       const char           *profile,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
PI_KEYRING_AVAILABLE_IN_ALL
GPtrArray           *pi_keyring_backend_list_finish   (PiKeyringBackend     *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);
PI_KEYRING_AVAILABLE_IN_ALL
GPtrArray           *pi_keyring_backend_list_sync     (PiKeyringBackend     *self,
                                                       const char           *profile,
                                                       GCancellable         *cancellable,
                                                       GError              **error);

G_END_DECLS
