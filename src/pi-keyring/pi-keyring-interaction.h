/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PI_KEYRING_INSIDE) && !defined (PI_KEYRING_COMPILATION)
#error "Only <pi-keyring/pi-keyring.h> can be included directly."
#endif

#include <gio/gio.h>
#include "pi-keyring-version-macros.h"

G_BEGIN_DECLS

#define PI_KEYRING_TYPE_INTERACTION (pi_keyring_interaction_get_type ())
PI_KEYRING_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (PiKeyringInteraction, pi_keyring_interaction, PI_KEYRING, INTERACTION, GObject)

/**
 * PiKeyringInteractionClass:
 * @parent_class: the parent class
 * @show_auth: shows the user a URL to open and what to do there
 * @ask_code: asks the user for a pasted code or redirect URL, blocking;
 *   returns %NULL with an error when the user gives nothing
 * @ask_code_async: asks for a pasted code or redirect URL without blocking
 * @ask_code_finish: finishes @ask_code_async
 * @progress: tells the user what the login is doing
 *
 * What a host implements so that a login can reach the user, in the manner
 * of `GTlsInteraction`. A subclass implements @ask_code or the
 * @ask_code_async pair (the default @ask_code_async calls @ask_code); with
 * neither, the login waits for the browser's callback alone.
 */
struct _PiKeyringInteractionClass
{
  GObjectClass parent_class;

  void      (*show_auth)       (PiKeyringInteraction  *self,
                                const char            *url,
                                const char            *instructions);
  char     *(*ask_code)        (PiKeyringInteraction  *self,
                                const char            *message,
                                const char            *placeholder,
                                GCancellable          *cancellable,
                                GError               **error);
  void      (*ask_code_async)  (PiKeyringInteraction  *self,
                                const char            *message,
                                const char            *placeholder,
                                GCancellable          *cancellable,
                                GAsyncReadyCallback    callback,
                                gpointer               user_data);
  char     *(*ask_code_finish) (PiKeyringInteraction  *self,
                                GAsyncResult          *result,
                                GError               **error);
  void      (*progress)        (PiKeyringInteraction  *self,
                                const char            *message);

  /*< private >*/
  gpointer padding[12];
};

PI_KEYRING_AVAILABLE_IN_ALL
PiKeyringInteraction *pi_keyring_interaction_new                (void);
PI_KEYRING_AVAILABLE_IN_ALL
gboolean              pi_keyring_interaction_get_open_browser   (PiKeyringInteraction  *self);
PI_KEYRING_AVAILABLE_IN_ALL
void                  pi_keyring_interaction_set_open_browser   (PiKeyringInteraction  *self,
                                                                 gboolean               open_browser);
PI_KEYRING_AVAILABLE_IN_ALL
void                  pi_keyring_interaction_show_auth          (PiKeyringInteraction  *self,
                                                                 const char            *url,
                                                                 const char            *instructions);
PI_KEYRING_AVAILABLE_IN_ALL
void                  pi_keyring_interaction_ask_code_async     (PiKeyringInteraction  *self,
                                                                 const char            *message,
                                                                 const char            *placeholder,
                                                                 GCancellable          *cancellable,
                                                                 GAsyncReadyCallback    callback,
                                                                 gpointer               user_data);
PI_KEYRING_AVAILABLE_IN_ALL
char                 *pi_keyring_interaction_ask_code_finish    (PiKeyringInteraction  *self,
                                                                 GAsyncResult          *result,
                                                                 GError               **error);
PI_KEYRING_AVAILABLE_IN_ALL
void                  pi_keyring_interaction_progress           (PiKeyringInteraction  *self,
                                                                 const char            *message);

G_END_DECLS
