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
/* The member @name of @object (which may be NULL) when it is a JSON string, else NULL. */
const char   *_pi_keyring_json_get_string       (JsonObject  *object,
                                                 const char  *name);

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

/* --- pi-keyring-file-util.c: private files read whole, replaced atomically --- */

typedef enum
{
  PI_KEYRING_FILE_READ_OK,
  PI_KEYRING_FILE_READ_MISSING,    /* no such file; no error is set */
  PI_KEYRING_FILE_READ_TOO_LARGE,  /* more than max_size bytes; no error is set */
  PI_KEYRING_FILE_READ_FAILED,     /* the error is set */
} PiKeyringFileRead;

/* All of a regular file of at most @max_size bytes, nul-terminated; a FIFO
 * or device is refused (PI_KEYRING_ERROR_PARSE) without blocking. Buffers
 * given up on the way are wiped; free the result with
 * _pi_keyring_file_secret_free (data, length). */
PiKeyringFileRead _pi_keyring_file_read_secret  (const char  *path,
                                                 gsize        max_size,
                                                 char       **out_data,
                                                 gsize       *out_length,
                                                 GError     **error);
void          _pi_keyring_file_secret_free      (char        *data,
                                                 gsize        length);
/* Replaces @path (or the file its symbolic links lead to): a temporary
 * file (0600) beside it, written, synced, renamed over it; then the
 * directory synced. */
gboolean      _pi_keyring_file_write_atomic     (const char  *path,
                                                 const char  *data,
                                                 gsize        length,
                                                 GError     **error);
/* Makes @dir and its missing parents 0700; an existing one is left alone. */
gboolean      _pi_keyring_file_ensure_private_dir (const char  *dir,
                                                   GError     **error);

/* --- pi-keyring-file-backend.c --- */

/* auth.json as the file backend reads it (at most 64 MiB, wiped after
 * parsing): a missing file is an empty document; one that does not parse,
 * or is too large, is PI_KEYRING_ERROR_PARSE. */
JsonObject   *_pi_keyring_file_backend_load_document (const char  *path,
                                                      GError     **error);

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
 * Concurrent calls for one (@origin, @profile, @provider) share one refresh;
 * other processes are kept out by the credential's flock (and pi's lock for
 * auth.json), taken before the re-read. A refresh token the provider
 * refuses (REAUTHENTICATION_REQUIRED) is checked against the entry read
 * again: when someone rotated it meanwhile, the newer one is used. */
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

/* Like _pi_keyring_store_refresh_from_async (), for callers with their own
 * idea of "due": the entry read again under the lock is refreshed only when
 * `now >= expires − @margin_ms` (0: pi's test, expired), and a failed
 * refresh answers with the entry read once more when that one is not due.
 * A @background caller (the scheduler) does not make the flight emit
 * `refresh-failed`: it reports failures itself. Finish with
 * _pi_keyring_store_refresh_from_finish (). */
void          _pi_keyring_store_refresh_due_async       (PiKeyringStore      *self,
                                                         PiKeyringBackend    *origin,
                                                         const char          *provider,
                                                         const char          *profile,
                                                         gint64               margin_ms,
                                                         gboolean             background,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);

/* --- pi-keyring-refresh-lock.c: the cross-process lock of a credential --- */

/* The file the lock is taken on:
 * $XDG_RUNTIME_DIR/pi-keyring/<profile>/<provider>.lock, both names escaped
 * so that neither `/` nor a leading `.` survives (`%2F`, `%2E`). */
char         *_pi_keyring_refresh_lock_path             (const char          *profile,
                                                         const char          *provider);
/* How long a flight waits for the lock before it gives up with
 * PI_KEYRING_ERROR_TEMPORARY: 60 s, unless a test set it (0 restores it). */
void          _pi_keyring_set_refresh_lock_timeout_ms   (guint                timeout_ms);
guint         _pi_keyring_get_refresh_lock_timeout_ms   (void);

typedef struct _PiKeyringRefreshLock PiKeyringRefreshLock;

/* One attempt, without blocking: the flock on @path (its directories made
 * 0700), or NULL with G_IO_ERROR_BUSY when another process, or another
 * flight of @context, holds it. A flight of another context of this
 * process shares it. */
PiKeyringRefreshLock *_pi_keyring_refresh_lock_try      (const char          *path,
                                                         GMainContext        *context,
                                                         GError             **error);
void          _pi_keyring_refresh_lock_release          (PiKeyringRefreshLock *lock);

/* --- pi-keyring-timer-source.c: the wall clock and a timer on it --- */

/* Milliseconds since the epoch, as the refresh logic sees them: the real
 * clock, or the virtual one of a test. */
gint64        _pi_keyring_wall_clock_now_ms             (void);
/* For tests: the clock stands at @now_ms (-1: the real clock again) until
 * one of the calls below moves it. Each tells the timer sources as the
 * kernel would tell a timerfd. */
void          _pi_keyring_wall_clock_set_virtual        (gint64               now_ms);
/* Time passes: timers whose deadline comes fire. */
void          _pi_keyring_wall_clock_advance            (gint64               delta_ms);
/* The clock is set (forwards or backwards): every timer hears of it. */
void          _pi_keyring_wall_clock_jump               (gint64               delta_ms);
/* A resume after @slept_ms of suspend: the time passed (timers whose
 * deadline passed fire) and the clock counts as set. */
void          _pi_keyring_wall_clock_simulate_resume    (gint64               slept_ms);

typedef enum
{
  PI_KEYRING_TIMER_EXPIRED,     /* the deadline has come */
  PI_KEYRING_TIMER_CLOCK_SET,   /* the wall clock was set, or the system resumed */
} PiKeyringTimerEvent;

typedef gboolean (*PiKeyringTimerFunc) (PiKeyringTimerEvent event,
                                        gpointer            user_data);

/* A GSource on a timerfd (CLOCK_REALTIME, TFD_TIMER_ABSTIME |
 * TFD_TIMER_CANCEL_ON_SET): fires at a wall-clock deadline, after a
 * suspend too, and when the clock is set. Callback: PiKeyringTimerFunc. */
GSource      *_pi_keyring_timer_source_new              (GError             **error);
/* -1: no deadline (clock changes are still reported). */
void          _pi_keyring_timer_source_set_deadline     (GSource             *source,
                                                         gint64               deadline_ms);
gint64        _pi_keyring_timer_source_get_deadline     (GSource             *source);
/* What the kernel timer is armed for (timerfd_gettime), -1 for nothing. */
gint64        _pi_keyring_timer_source_get_armed_ms     (GSource             *source);
guint         _pi_keyring_timer_source_get_dispatch_count (GSource           *source);

/* --- pi-keyring-scheduler.c: the background refresh of a store --- */

/* A credential is refreshed this long before it expires. */
#define PI_KEYRING_REFRESH_MARGIN_MS (5 * 60 * 1000)

/* The wait before retry number @failures (1, 2, …) after transient
 * failures: 30 s, doubling, capped at 15 min; at least @retry_after_ms
 * (the server's Retry-After; -1 when unknown). */
gint64        _pi_keyring_refresh_backoff_ms            (guint                failures,
                                                         gint64               retry_after_ms);
/* Whether a refresh that failed with @error may work later (network,
 * 5xx, 429, a locked or unreachable keyring, a lock held too long). */
gboolean      _pi_keyring_refresh_error_is_transient    (const GError        *error);

#define PI_KEYRING_TYPE_SCHEDULER (_pi_keyring_scheduler_get_type ())
G_DECLARE_FINAL_TYPE (PiKeyringScheduler, _pi_keyring_scheduler, PI_KEYRING, SCHEDULER, GObject)

/* One per store with auto-refresh on; it keeps a pointer to @store (the
 * store owns it) and works in the thread-default main context of now. */
PiKeyringScheduler *_pi_keyring_scheduler_new           (PiKeyringStore      *store);
/* Stops every timer, watch and refresh the scheduler started. */
void          _pi_keyring_scheduler_stop                (PiKeyringScheduler  *self);
/* For tests: the deadline armed (-1: none), the timer source itself, how
 * many scans of the credentials were completed, and whether nothing is
 * pending (no scan due or running, no refresh running). */
gint64        _pi_keyring_scheduler_get_deadline        (PiKeyringScheduler  *self);
GSource      *_pi_keyring_scheduler_get_timer_source    (PiKeyringScheduler  *self);
guint         _pi_keyring_scheduler_get_scan_count      (PiKeyringScheduler  *self);
gboolean      _pi_keyring_scheduler_is_idle             (PiKeyringScheduler  *self);

/* pi-keyring-store.c: the scheduler of a store with auto-refresh, or NULL. */
PiKeyringScheduler *_pi_keyring_store_get_scheduler     (PiKeyringStore      *self);

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

/* --- pi-keyring-encrypted-file-backend.c --- */

/* For tests: the PBKDF2 iteration count used on write, and accepted down
 * to on read (instead of 600000); 0 restores the real count. */
void          _pi_keyring_encrypted_file_backend_set_iterations (PiKeyringEncryptedFileBackend *self,
                                                                 guint                          iterations);

G_END_DECLS
