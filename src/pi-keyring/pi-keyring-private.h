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
/* Replaces (or appends) @name in @object keeping its position; NULL @value removes. */
void          _pi_keyring_json_object_put       (JsonObject  *object,
                                                 const char  *name,
                                                 JsonNode    *value);

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

/* --- pi-keyring-store.c --- */

/* A hook the OAuth layer installs: turns an expired OAuth credential into a
 * refreshed one. Until then an expired credential needs a new login. */

G_END_DECLS
