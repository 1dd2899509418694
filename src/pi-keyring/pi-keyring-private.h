/* pi-keyring-private.h: helpers shared between the library's files
 *
 * Nothing here is exported; tests reach it through the static library.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib/gi18n-lib.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "pi-keyring.h"

G_BEGIN_DECLS

#define PI_KEYRING_LOG_DOMAIN_NAME "PiKeyring"

/* --- pi-keyring-sync.c: running an async operation to completion --- */

typedef struct
{
  GMainContext *context;
  GAsyncResult *result;
} PiKeyringSyncClosure;

void          _pi_keyring_sync_closure_init     (PiKeyringSyncClosure *closure);
void          _pi_keyring_sync_closure_callback (GObject              *source,
                                                 GAsyncResult         *result,
                                                 gpointer              user_data);
GAsyncResult *_pi_keyring_sync_closure_wait     (PiKeyringSyncClosure *closure);
void          _pi_keyring_sync_closure_clear    (PiKeyringSyncClosure *closure);

/* Milliseconds every keyring call may take: PI_KEYRING_TIMEOUT seconds, default 5. */
guint         _pi_keyring_get_timeout_ms        (void);

/* Milliseconds since the Unix epoch, as JavaScript's Date.now(). */
gint64        _pi_keyring_now_ms                (void);

/* --- pi-keyring-secret.c: secret memory --- */

void          _pi_keyring_secret_wipe           (char        *secret);
void          _pi_keyring_secret_free           (char        *secret);
char         *_pi_keyring_secret_redact         (const char  *secret);
gboolean      _pi_keyring_secret_equal          (const char  *a,
                                                 const char  *b);
void          _pi_keyring_json_object_wipe      (JsonObject  *object);

/* g_autoptr(PiKeyringSecretString) wipes the string before freeing it. */
typedef char PiKeyringSecretString;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PiKeyringSecretString, _pi_keyring_secret_free)

/* --- pi-keyring-auth-json.c: auth.json codec, byte-compatible with pi --- */

/* Parses @data (which may be empty: that is `{}`); the top level must be an
 * object. Errors are PI_KEYRING_ERROR_PARSE and name @display_name, the
 * line and the column. */
JsonObject   *_pi_keyring_auth_json_parse       (const char  *data,
                                                 gssize       length,
                                                 const char  *display_name,
                                                 GError     **error);
/* JSON.stringify (node, null, indent) to the byte: @indent 0 is compact. */
char         *_pi_keyring_json_stringify        (JsonNode    *node,
                                                 guint        indent);
char         *_pi_keyring_json_object_stringify (JsonObject  *object,
                                                 guint        indent);
/* Replaces (or appends) @name in @object keeping its position; NULL @value removes.
 * Takes @value. */
void          _pi_keyring_json_object_put       (JsonObject  *object,
                                                 const char  *name,
                                                 JsonNode    *value);
/* Zeroes every string in @node (only when nobody else holds it). */
void          _pi_keyring_json_node_wipe        (JsonNode    *node);

/* --- pi-keyring-pi-lock.c: pi's auth.json.lock directory protocol --- */

typedef struct _PiKeyringPiLock PiKeyringPiLock;

/* One attempt: TRUE when the lock is ours (a stale lock older than
 * @stale_ms is taken over); FALSE with G_IO_ERROR_BUSY when held. */
PiKeyringPiLock *_pi_keyring_pi_lock_try        (const char  *file_path,
                                                 guint        stale_ms,
                                                 GError     **error);
/* Blocks up to @wait_ms, then takes a stale lock over as pi does. */
PiKeyringPiLock *_pi_keyring_pi_lock_acquire    (const char  *file_path,
                                                 guint        wait_ms,
                                                 GError     **error);
void          _pi_keyring_pi_lock_release       (PiKeyringPiLock *lock);

/* --- pi-keyring-credential.c --- */

PiKeyringCredential *_pi_keyring_credential_new_take_object (const char *provider,
                                                             const char *profile,
                                                             JsonObject *entry);
JsonObject   *_pi_keyring_credential_get_object (PiKeyringCredential *self);
JsonNode     *_pi_keyring_credential_dup_node   (PiKeyringCredential *self);
/* A copy that shares no strings with @node. */
JsonNode     *_pi_keyring_json_node_deep_copy   (JsonNode            *node);

/* --- pi-keyring-catalog.c --- */

/* Forgets whether the Google ADC file exists (pi looks once per process). For tests. */
void          _pi_keyring_catalog_reset_adc_cache (void);

/* --- pi-keyring-config-value.c --- */

/* The `!command` time limit, 10 s unless a test shortens it (0 restores it). */
void          _pi_keyring_set_command_timeout_ms  (guint        timeout_ms);
guint         _pi_keyring_get_command_timeout_ms  (void);
/* pi_keyring_resolve_config_value () without blocking the caller: a command
 * runs in a worker thread, the result comes back in the caller's context. */
void          _pi_keyring_resolve_config_value_async  (const char          *value,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
char         *_pi_keyring_resolve_config_value_finish (GAsyncResult        *result,
                                                       GError             **error);

/* --- pi-keyring-store.c --- */

/* A hook the OAuth layer installs: turns an expired OAuth credential into a
 * refreshed one. Until then an expired credential needs a new login. */

/* >>> PRIVATE REFRESH HOOK (placeholder until the OAuth layer lands) <<<
 *
 * @refresh_async is called by get_api_key for an expired OAuth credential,
 * with the backend the credential came from (the store's backend, or the
 * auth.json fallback backend). It refreshes the credential, writes the new
 * one back to @origin, and finishes with it. @refresh_finish returns:
 * - the refreshed credential: its key is handed out;
 * - NULL without an error: the entry is gone or no longer OAuth (another
 *   process changed it): the lookup falls through to the environment, as pi's
 *   refresh "none" result does;
 * - NULL with an error: get_api_key fails with that error.
 * Without a hook, an expired credential is
 * PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED. */
typedef void                 (*PiKeyringStoreRefreshAsyncFunc)  (PiKeyringStore       *store,
                                                                 PiKeyringBackend     *origin,
                                                                 PiKeyringCredential  *credential,
                                                                 GCancellable         *cancellable,
                                                                 GAsyncReadyCallback   callback,
                                                                 gpointer              user_data,
                                                                 gpointer              func_data);
typedef PiKeyringCredential *(*PiKeyringStoreRefreshFinishFunc) (PiKeyringStore       *store,
                                                                 GAsyncResult         *result,
                                                                 GError              **error,
                                                                 gpointer              func_data);

void          _pi_keyring_store_set_refresh_func (PiKeyringStore                  *self,
                                                  PiKeyringStoreRefreshAsyncFunc   refresh_async,
                                                  PiKeyringStoreRefreshFinishFunc  refresh_finish,
                                                  gpointer                         func_data,
                                                  GDestroyNotify                   func_data_destroy);

G_END_DECLS
