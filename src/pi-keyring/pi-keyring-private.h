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

/* --- pi-keyring-store.c: what the store's other files need of it --- */

/* The runtime override of @provider, or NULL when none or empty. */
const char   *_pi_keyring_store_get_runtime_key         (PiKeyringStore      *self,
                                                         const char          *provider);

/* The backend on pi's auth.json read as the fallback, or NULL when there is
 * none (turned off, or the store's backend is that very file). */
PiKeyringBackend *_pi_keyring_store_get_auth_file_backend (PiKeyringStore      *self);
/* The refreshes in flight: key → PiKeyringRefreshFlight (owned by the flight). */
GHashTable   *_pi_keyring_store_get_flights             (PiKeyringStore      *self);
void          _pi_keyring_store_emit_changed            (PiKeyringStore      *self,
                                                         const char          *provider);
void          _pi_keyring_store_emit_refreshed          (PiKeyringStore      *self,
                                                         PiKeyringCredential *credential);
void          _pi_keyring_store_emit_refresh_failed     (PiKeyringStore      *self,
                                                         const char          *provider,
                                                         const GError        *error);

/* --- pi-keyring-store-refresh.c: the single-flight OAuth refresh --- */

/* Refreshes the OAuth credential of @provider kept in @origin (the store's
 * backend under @profile, or an auth.json under `default`) and writes the
 * new one back to @origin, with pi's semantics (reference §3.7 step 3c):
 * the entry is read again first; when it is no longer OAuth the result is
 * NULL without an error ("gone": pi then goes on with the environment);
 * when it is no longer expired and @force is FALSE it is the result as it
 * is, without a request or a write. A failed refresh reads the entry once
 * more and, unless @force, answers with it when it is unexpired; otherwise
 * it fails with the provider's error, and the stored entry is never changed.
 * Concurrent calls for one (@origin, @profile, @provider) share one refresh. */
void          _pi_keyring_store_refresh_from_async      (PiKeyringStore      *self,
                                                         PiKeyringBackend    *origin,
                                                         const char          *provider,
                                                         const char          *profile,
                                                         gboolean             force,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
PiKeyringCredential *_pi_keyring_store_refresh_from_finish (PiKeyringStore   *self,
                                                            GAsyncResult     *result,
                                                            GError          **error);

/* --- pi-keyring-vault.c: the encrypted-file backend's vault (format at its top) --- */

#define PI_KEYRING_VAULT_SALT_SIZE          16
#define PI_KEYRING_VAULT_NONCE_SIZE         12
#define PI_KEYRING_VAULT_KEY_SIZE           32
#define PI_KEYRING_VAULT_TAG_SIZE           16
#define PI_KEYRING_VAULT_MIN_ITERATIONS     600000
#define PI_KEYRING_VAULT_MAX_ITERATIONS     10000000
#define PI_KEYRING_VAULT_MAX_SIZE           (16 * 1024 * 1024)

typedef struct
{
  guint   iterations;
  guint8  salt[PI_KEYRING_VAULT_SALT_SIZE];
  guint8  nonce[PI_KEYRING_VAULT_NONCE_SIZE];
  /* The AES-256-GCM ciphertext with the 16-byte tag appended. */
  guint8 *ciphertext;
  gsize   ciphertext_length;
} PiKeyringVaultEnvelope;

/* A derived key with the salt and iteration count it was derived for, on
 * a locked page that is wiped when freed. */
typedef struct _PiKeyringVaultKey PiKeyringVaultKey;

PiKeyringVaultKey *_pi_keyring_vault_key_new        (void);
PiKeyringVaultKey *_pi_keyring_vault_key_copy       (const PiKeyringVaultKey      *key);
void          _pi_keyring_vault_key_free            (PiKeyringVaultKey            *key);
gboolean      _pi_keyring_vault_key_fits            (const PiKeyringVaultKey      *key,
                                                     const PiKeyringVaultEnvelope *envelope);
PiKeyringVaultKey *_pi_keyring_vault_derive_key     (const char                   *passphrase,
                                                     const guint8                 *salt,
                                                     guint                         iterations,
                                                     GError                      **error);
gboolean      _pi_keyring_vault_envelope_parse      (const char                   *data,
                                                     gsize                         length,
                                                     const char                   *display_name,
                                                     guint                         min_iterations,
                                                     PiKeyringVaultEnvelope       *out_envelope,
                                                     GError                      **error);
void          _pi_keyring_vault_envelope_clear      (PiKeyringVaultEnvelope       *envelope);
/* The associated data: the envelope less "ciphertext", compact, in order. */
char         *_pi_keyring_vault_envelope_header     (const PiKeyringVaultEnvelope *envelope);
char         *_pi_keyring_vault_envelope_open       (const PiKeyringVaultEnvelope *envelope,
                                                     const PiKeyringVaultKey      *key,
                                                     const char                   *display_name,
                                                     gsize                        *out_length,
                                                     GError                      **error);
char         *_pi_keyring_vault_seal                (const char                   *plaintext,
                                                     gsize                         length,
                                                     const char                   *passphrase,
                                                     guint                         iterations,
                                                     PiKeyringVaultKey           **out_key,
                                                     gsize                        *out_length,
                                                     GError                      **error);
JsonObject   *_pi_keyring_vault_plaintext_parse     (const char                   *data,
                                                     gsize                         length,
                                                     const char                   *display_name,
                                                     GError                      **error);
JsonObject   *_pi_keyring_vault_plaintext_new       (void);
void          _pi_keyring_vault_document_free       (JsonObject                   *doc);
JsonObject   *_pi_keyring_vault_decrypt             (const char                   *data,
                                                     gsize                         length,
                                                     const char                   *display_name,
                                                     const char                   *passphrase,
                                                     guint                         min_iterations,
                                                     const PiKeyringVaultKey      *cached,
                                                     PiKeyringVaultKey           **out_key,
                                                     GError                      **error);
char         *_pi_keyring_vault_encrypt             (JsonObject                   *doc,
                                                     const char                   *passphrase,
                                                     guint                         iterations,
                                                     PiKeyringVaultKey           **out_key,
                                                     gsize                        *out_length,
                                                     GError                      **error);
gboolean      _pi_keyring_vault_read_file           (const char                   *path,
                                                     char                        **out_data,
                                                     gsize                        *out_length,
                                                     gboolean                     *out_missing,
                                                     GError                      **error);
gboolean      _pi_keyring_vault_write_file          (const char                   *path,
                                                     const char                   *data,
                                                     gsize                         length,
                                                     GError                      **error);

/* --- pi-keyring-encrypted-file-backend.c --- */

/* For tests: the PBKDF2 iteration count used on write, and accepted down
 * to on read (instead of 600000); 0 restores the real count. */
void          _pi_keyring_encrypted_file_backend_set_iterations (PiKeyringEncryptedFileBackend *self,
                                                                 guint                          iterations);

G_END_DECLS
