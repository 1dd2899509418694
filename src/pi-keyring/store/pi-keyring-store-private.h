/* pi-keyring-store-private.h: what the store's files share: the store's internals, the single-flight refresh, the cross-process refresh lock, the scheduler and its change watch.
 *
 * Nothing here is exported; the layers above and the tests reach it
 * through the static library.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "backends/pi-keyring-backends-private.h"
#include "providers/pi-keyring-providers-private.h"
#include "pi-keyring-store.h"

G_BEGIN_DECLS

/* --- pi-keyring-refresher.c: the single-flight OAuth refresh --- */

#define PI_KEYRING_TYPE_REFRESHER (_pi_keyring_refresher_get_type ())
G_DECLARE_FINAL_TYPE (PiKeyringRefresher, _pi_keyring_refresher, PI_KEYRING, REFRESHER, GObject)

/* One per store. Signals: `changed` (provider) and `refreshed`
 * (credential) after a refresh was written back; `refresh-failed`
 * (provider, error) when a caller was told of a failure, or one was
 * reported. */
PiKeyringRefresher *_pi_keyring_refresher_new          (void);

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
void          _pi_keyring_refresher_refresh_async       (PiKeyringRefresher  *self,
                                                         PiKeyringBackend    *origin,
                                                         const char          *provider,
                                                         const char          *profile,
                                                         gboolean             force,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
/* `now >= expires − @margin_ms` (0: pi's own test, expired); an entry
 * without a numeric `expires` is never due. */
gboolean      _pi_keyring_credential_is_due             (PiKeyringCredential *credential,
                                                         gint64               margin_ms);

/* Like _pi_keyring_refresher_refresh_async (), for callers with their own
 * idea of "due": the entry read again under the lock is refreshed only when
 * `now >= expires − @margin_ms` (0: pi's test, expired), and a failed
 * refresh answers with the entry read once more when that one is not due.
 * A @background caller (the scheduler) does not make the flight emit
 * `refresh-failed`: it reports failures itself. */
void          _pi_keyring_refresher_refresh_due_async   (PiKeyringRefresher  *self,
                                                         PiKeyringBackend    *origin,
                                                         const char          *provider,
                                                         const char          *profile,
                                                         gint64               margin_ms,
                                                         gboolean             background,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
PiKeyringCredential *_pi_keyring_refresher_refresh_finish (PiKeyringRefresher  *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);
/* Emits `refresh-failed` for a failure the caller saw itself. */
void          _pi_keyring_refresher_report_failure      (PiKeyringRefresher  *self,
                                                         const char          *provider,
                                                         const GError        *error);
/* For tests: the refreshes in flight. */
guint         _pi_keyring_refresher_get_flight_count    (PiKeyringRefresher  *self);

/* --- pi-keyring-store.c: what the store's other files need of it --- */

/* The runtime override of @provider, or NULL when none or empty. */
const char   *_pi_keyring_store_get_runtime_key         (PiKeyringStore      *self,
                                                         const char          *provider);

/* The backend on pi's auth.json read as the fallback, or NULL when there is
 * none (turned off, or the store's backend is that very file). */
PiKeyringBackend *_pi_keyring_store_get_auth_file_backend (PiKeyringStore      *self);
PiKeyringRefresher *_pi_keyring_store_get_refresher     (PiKeyringStore      *self);
/* `credential-changed` for @provider; the tracker (and the scheduler with
 * it) looks again. */
void          _pi_keyring_store_emit_changed            (PiKeyringStore      *self,
                                                         const char          *provider);
/* @provider and the store's profile against the grammar of names:
 * INVALID_ARGUMENT with pi_keyring_validate_id ()'s message otherwise. */
gboolean      _pi_keyring_store_check_names             (PiKeyringStore      *self,
                                                         const char          *provider,
                                                         GError             **error);
/* Before a new secret is written to the backend: UNAVAILABLE when the
 * backend is plaintext and the store refuses that; else TRUE, with the
 * store's one g_warning () the first time it writes plaintext unless it
 * was told not to. */
gboolean      _pi_keyring_store_check_secret_write      (PiKeyringStore      *self,
                                                         GError             **error);

/* --- pi-keyring-store-credentials.c: the shape of the calls on one provider --- */

/* The _async and _finish halves of a store call on one provider that ends
 * in a boolean (remove, logout). */
typedef void     (*PiKeyringStoreProviderAsync)  (PiKeyringStore      *self,
                                                  const char          *provider,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
typedef gboolean (*PiKeyringStoreBooleanFinish)  (PiKeyringStore      *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

/* The task of such a call: @source_tag set, the provider id as task data. */
GTask        *_pi_keyring_store_provider_task_new       (PiKeyringStore      *self,
                                                         const char          *provider,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data,
                                                         gpointer             source_tag);
gboolean      _pi_keyring_store_propagate_boolean       (PiKeyringStore      *self,
                                                         GAsyncResult        *result,
                                                         gpointer             source_tag,
                                                         GError             **error);
/* The _sync half: @start, then @finish, on a private main context. */
gboolean      _pi_keyring_store_run_boolean_sync        (PiKeyringStore      *self,
                                                         const char          *provider,
                                                         PiKeyringStoreProviderAsync start,
                                                         PiKeyringStoreBooleanFinish finish,
                                                         GCancellable        *cancellable,
                                                         GError             **error);

/* --- pi-keyring-refresh-lock.c: the cross-process lock of a credential --- */

/* The file the lock is taken on:
 * $XDG_RUNTIME_DIR/pi-keyring/<profile>/<provider>.lock, both names escaped
 * so that neither `/` nor a leading `.` survives (`%2F`, `%2E`). */
char         *_pi_keyring_refresh_lock_path             (const char          *profile,
                                                         const char          *provider);
/* The same directory, another file: <provider><suffix>. */
char         *_pi_keyring_refresh_file_path             (const char          *profile,
                                                         const char          *provider,
                                                         const char          *suffix);
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

/* --- pi-keyring-refresh-recovery.c: refreshed credentials that could not be saved --- */

/* $XDG_RUNTIME_DIR/pi-keyring/<profile>/<provider>.recovery, or NULL when
 * XDG_RUNTIME_DIR is not set (GLib's fallback is under HOME: not used). */
char         *_pi_keyring_recovery_path                 (const char          *profile,
                                                         const char          *provider);
/* Whether a recovery file for (@profile, @provider) could be written now:
 * XDG_RUNTIME_DIR is set and writable, and has room for it (statvfs). */
gboolean      _pi_keyring_recovery_can_keep             (const char          *profile,
                                                         const char          *provider);
/* Keeps @credential (refreshed, not stored in @origin) in its recovery
 * file: 0600, its directory 0700, written atomically, with @origin's name
 * and file. Not for a memory backend. @out_path: (optional): the file. */
gboolean      _pi_keyring_recovery_save                 (PiKeyringBackend     *origin,
                                                         PiKeyringCredential  *credential,
                                                         char                **out_path,
                                                         GError              **error);
/* The credential kept for (@origin, @profile, @provider), or NULL. */
PiKeyringCredential *_pi_keyring_recovery_load          (PiKeyringBackend    *origin,
                                                         const char          *profile,
                                                         const char          *provider);
/* Removes the file kept for (@origin, @profile, @provider), if any. */
void          _pi_keyring_recovery_forget               (PiKeyringBackend    *origin,
                                                         const char          *profile,
                                                         const char          *provider);
/* Whether @recovered is not newer than @current (an OAuth entry that
 * expires no earlier): then it is discarded, never written over it. */
gboolean      _pi_keyring_recovery_is_older             (PiKeyringCredential *recovered,
                                                         PiKeyringCredential *current);
/* One sentence for a person per file kept (of @provider; NULL: all). */
char        **_pi_keyring_recovery_describe             (const char          *provider);
/* Stores what is kept for @backend under @profile and for @auth_backend
 * (nullable) under `default` into them, each under its credential's
 * flock (one held by a refresh is skipped), unless the origin holds a
 * newer entry (then it is discarded); a file is removed only once stored.
 * TRUE when nothing is left kept for them; it never fails otherwise. */
void          _pi_keyring_recovery_restore_async        (PiKeyringBackend    *backend,
                                                         const char          *profile,
                                                         PiKeyringBackend    *auth_backend,
                                                         gpointer             source_object,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean      _pi_keyring_recovery_restore_finish       (GAsyncResult        *result,
                                                         GError             **error);

/* --- pi-keyring-scheduler.c: the background refresh of a store --- */

/* A credential is refreshed this long before it expires. */
#define PI_KEYRING_REFRESH_MARGIN_MS (5 * 60 * 1000)

/* pi-keyring-refresh-policy.c: the wait before retry number @failures
 * (1, 2, …) after transient failures: 30 s, doubling, capped at 15 min;
 * at least @retry_after_ms (the server's Retry-After; -1 when unknown). */
gint64        _pi_keyring_refresh_backoff_ms            (guint                failures,
                                                         gint64               retry_after_ms);
/* Whether a refresh that failed with @error may work later (network,
 * 5xx, 429, a locked or unreachable keyring, a lock held too long). */
gboolean      _pi_keyring_refresh_error_is_transient    (const GError        *error);

/* pi-keyring-change-watch.c: `changed` when another process may have
 * changed a credential of @backend (its keyring's signals, or its file) or
 * of @auth_backend (nullable: none), in the thread-default main context
 * of now. _update () moves the file monitors closer when a missing
 * directory appeared, or to the auth.json given by _set_auth_backend ();
 * _is_ready () is FALSE until the keyring's signals are subscribed to. */
#define PI_KEYRING_TYPE_CHANGE_WATCH (_pi_keyring_change_watch_get_type ())
G_DECLARE_FINAL_TYPE (PiKeyringChangeWatch, _pi_keyring_change_watch, PI_KEYRING, CHANGE_WATCH,
                      GObject)

PiKeyringChangeWatch *_pi_keyring_change_watch_new      (PiKeyringBackend     *backend,
                                                         PiKeyringBackend     *auth_backend);
void          _pi_keyring_change_watch_set_auth_backend (PiKeyringChangeWatch *self,
                                                         PiKeyringBackend     *auth_backend);
void          _pi_keyring_change_watch_update           (PiKeyringChangeWatch *self);
gboolean      _pi_keyring_change_watch_is_ready         (PiKeyringChangeWatch *self);
void          _pi_keyring_change_watch_stop             (PiKeyringChangeWatch *self);

/* pi-keyring-change-tracker.c: `changed` (provider) once per credential of
 * @backend under @profile, or of @auth_backend (nullable) under `default`,
 * that another process added, removed or changed (a different entry, not
 * a rewrite of the same), in the thread-default main context of now.
 * Changes the store made itself are told with _note_own_change () and are
 * not named again. _is_idle (): the first scan is done, nothing pending.
 * Each scan is also given out, before its `changed`, as `scanned`
 * (a PiKeyringChangeSnapshot *, valid during the emission): the
 * scheduler's credentials. _queue_scan (): a scan once changes settle;
 * _scan_soon (): one in the next main-loop iteration (or once the running
 * one is done). With _set_restore_recovered (TRUE) each scan first stores
 * the refreshed credentials kept for recovery (_pi_keyring_recovery_restore_async). */
#define PI_KEYRING_TYPE_CHANGE_TRACKER (_pi_keyring_change_tracker_get_type ())
G_DECLARE_FINAL_TYPE (PiKeyringChangeTracker, _pi_keyring_change_tracker, PI_KEYRING,
                      CHANGE_TRACKER, GObject)

typedef struct
{
  PiKeyringBackend *backend;
  const char       *profile;        /* the profile listed in @backend */
  GPtrArray        *backend_list;   /* nullable: the list failed */
  PiKeyringBackend *auth_backend;   /* nullable: no auth.json read */
  GPtrArray        *auth_list;      /* nullable: none, or the list failed */
} PiKeyringChangeSnapshot;

PiKeyringChangeTracker *_pi_keyring_change_tracker_new  (PiKeyringBackend       *backend,
                                                         const char             *profile,
                                                         PiKeyringBackend       *auth_backend);
void          _pi_keyring_change_tracker_set_profile    (PiKeyringChangeTracker *self,
                                                         const char             *profile);
void          _pi_keyring_change_tracker_set_auth_backend (PiKeyringChangeTracker *self,
                                                         PiKeyringBackend       *auth_backend);
void          _pi_keyring_change_tracker_note_own_change (PiKeyringChangeTracker *self,
                                                         const char             *provider);
void          _pi_keyring_change_tracker_queue_scan     (PiKeyringChangeTracker *self);
void          _pi_keyring_change_tracker_scan_soon      (PiKeyringChangeTracker *self);
void          _pi_keyring_change_tracker_set_restore_recovered (PiKeyringChangeTracker *self,
                                                         gboolean                restore);
guint         _pi_keyring_change_tracker_get_scan_count (PiKeyringChangeTracker *self);
gboolean      _pi_keyring_change_tracker_is_idle        (PiKeyringChangeTracker *self);
void          _pi_keyring_change_tracker_stop           (PiKeyringChangeTracker *self);

/* pi-keyring-store.c: the tracker of a store that watches, or NULL. */
PiKeyringChangeTracker *_pi_keyring_store_get_change_tracker (PiKeyringStore *self);

#define PI_KEYRING_TYPE_SCHEDULER (_pi_keyring_scheduler_get_type ())
G_DECLARE_FINAL_TYPE (PiKeyringScheduler, _pi_keyring_scheduler, PI_KEYRING, SCHEDULER, GObject)

/* One per store with auto-refresh on, working in the thread-default main
 * context of now: it takes the OAuth credentials of each scan of @tracker
 * (the store's backend under its profile, and auth.json) and refreshes
 * them through @refresher. It neither watches nor lists itself. */
PiKeyringScheduler *_pi_keyring_scheduler_new           (PiKeyringRefresher     *refresher,
                                                         PiKeyringChangeTracker *tracker);
/* Stops every timer and refresh the scheduler started. */
void          _pi_keyring_scheduler_stop                (PiKeyringScheduler  *self);
/* For tests: the deadline armed (-1: none), the timer source itself, how
 * many scans of the credentials were completed, and whether nothing is
 * pending (no scan due or running, no refresh running, the keyring watched). */
gint64        _pi_keyring_scheduler_get_deadline        (PiKeyringScheduler  *self);
GSource      *_pi_keyring_scheduler_get_timer_source    (PiKeyringScheduler  *self);
guint         _pi_keyring_scheduler_get_scan_count      (PiKeyringScheduler  *self);
gboolean      _pi_keyring_scheduler_is_idle             (PiKeyringScheduler  *self);

/* pi-keyring-store.c: the scheduler of a store with auto-refresh, or NULL. */
PiKeyringScheduler *_pi_keyring_store_get_scheduler     (PiKeyringStore      *self);

G_END_DECLS
