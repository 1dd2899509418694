/* pi-keyring-refresher.c: the single-flight OAuth refresh, written back to where the credential came from
 *
 * One PiKeyringRefresher per store holds the refreshes in flight; the
 * store, its lookup and the scheduler ask it for refreshes, and it tells
 * what happened through its signals (`changed`, `refreshed`,
 * `refresh-failed`), which the store passes on as its own. It knows
 * nothing of the store.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "store/pi-keyring-store-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <utime.h>

#include <glib/gstdio.h>

/* pi's refresh path takes its auth.json lock with a stale time of 30 s
 * (reference §3.4), its other paths with 10 s. We wait for a held lock as
 * long as pi's refresh path would let it live, and while we hold it we keep
 * its mtime fresh, as proper-lockfile does, so that nobody takes it from us
 * during a slow token request. */
#define REFRESH_LOCK_STALE_MS 30000
#define REFRESH_LOCK_POLL_MS  25
#define REFRESH_LOCK_WAIT_MS  (REFRESH_LOCK_STALE_MS + 500)
#define REFRESH_LOCK_TOUCH_MS 4000

/* The cross-process lock of a credential: polled this often. */
#define FLOCK_POLL_MIN_MS     5
#define FLOCK_POLL_MAX_MS     50

/* A provider that refuses the refresh token while another program rotated
 * it gets the newer one this many times at most. */
#define MAX_ROTATION_RETRIES  3
/* Besides twice the origin's file: room for the rest of the write. */
#define STORE_ROOM_MARGIN     4096

static char *
describe_provider (const char *provider)
{
  const char *name = pi_keyring_catalog_get_display_name (provider);

  return g_strdup (name != NULL ? name : provider);
}

/* --- auth.json read and written under a lock we already hold --- *
 *
 * The file backend takes pi's lock for each of its operations; a refresh
 * holds the lock across the re-read, the token request and the write, so
 * it reads and writes the file itself, the way the file backend does. */

static void
document_free (JsonObject *doc)
{
  if (doc == NULL)
    return;
  _pi_keyring_json_object_wipe (doc);
  json_object_unref (doc);
}

typedef JsonObject AuthDocument;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuthDocument, document_free)

/* The file backend's loader: a missing file is an empty document; one
 * that does not parse, is too large (64 MiB) or is not a regular file is
 * an error. */
static JsonObject *
read_auth_document (const char  *path,
                    GError     **error)
{
  return _pi_keyring_file_backend_load_document (path, error);
}

static PiKeyringCredential *
read_auth_entry (const char  *path,
                 const char  *provider,
                 GError     **error)
{
  g_autoptr(AuthDocument) doc = read_auth_document (path, error);
  JsonNode *entry, *copy;
  JsonObject *object;

  if (doc == NULL)
    return NULL;

  entry = json_object_get_member (doc, provider);
  if (entry == NULL || !JSON_NODE_HOLDS_OBJECT (entry))
    return NULL;

  copy = _pi_keyring_json_node_deep_copy (entry);
  object = json_object_ref (json_node_get_object (copy));
  json_node_unref (copy);

  return _pi_keyring_credential_new_take_object (provider, PI_KEYRING_DEFAULT_PROFILE, object);
}

/* Read-merge-write of @credential's provider only: everything else in the
 * file, key order included, stays as it is. */
static gboolean
write_auth_entry (const char           *path,
                  PiKeyringCredential  *credential,
                  GError              **error)
{
  const char *provider = pi_keyring_credential_get_provider (credential);
  g_autoptr(AuthDocument) doc = read_auth_document (path, error);
  g_autoptr(PiKeyringSecretString) text = NULL;
  JsonNode *old;

  if (doc == NULL)
    return FALSE;

  old = json_object_get_member (doc, provider);
  if (old != NULL)
    _pi_keyring_json_node_wipe (old);
  _pi_keyring_json_object_put (doc, provider, _pi_keyring_credential_dup_node (credential));

  text = _pi_keyring_json_object_stringify (doc, 2);
  return _pi_keyring_json_text_check (text, path, error) &&
         _pi_keyring_file_write_atomic (path, text, strlen (text), error);
}

/* --- single-flight refresh --- *
 *
 * A flight is one refresh of one credential, shared by every caller that
 * asks for it while it runs (the waiters). Its steps:
 *
 *   take the locks → read the entry again → refresh at the provider if it
 *   is still due → write the new entry back to its origin → release
 *
 * The locks: the credential's flock (pi-keyring-refresh-lock.c; not for a
 * memory backend, which no other process sees) and, for auth.json, pi's
 * `auth.json.lock` after it, both held across the three steps. Reading
 * again under the lock is what makes N processes with one expired token
 * make one request, and what keeps a refresh token that another process
 * may have spent from being sent: a refresh token is only ever sent as
 * just read under the lock.
 *
 * Rotation safety: when the provider refuses the refresh token
 * (REAUTHENTICATION_REQUIRED, e.g. invalid_grant), the entry is read again;
 * when it now holds another refresh token, someone rotated it meanwhile (a
 * process that ignores our lock, or a login): a waiter that does not need a
 * refresh takes it as it is, and otherwise the refresh is tried again with
 * the newer token, before anyone is told to log in again. */

typedef struct _Flight Flight;

struct _PiKeyringRefresher
{
  GObject     parent_instance;

  GHashTable *flights;   /* flight_key () → Flight (owned by the flight) */
};

G_DEFINE_FINAL_TYPE (PiKeyringRefresher, _pi_keyring_refresher, G_TYPE_OBJECT)

enum
{
  CHANGED,
  REFRESHED,
  REFRESH_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
emit_refresh_failed (PiKeyringRefresher *self,
                     const char         *provider,
                     const GError       *error)
{
  g_signal_emit (self, signals[REFRESH_FAILED], 0, provider, error);
}

typedef struct
{
  Flight   *flight;
  GTask    *task;
  gboolean  force;
  gint64    margin_ms;    /* refresh when now >= expires − margin */
  gboolean  background;   /* the scheduler: reports its own failures */
  GSource  *cancel_source;
} Waiter;

struct _Flight
{
  PiKeyringRefresher  *refresher;
  char                *key;
  PiKeyringBackend    *origin;
  char                *auth_path;   /* origin is an auth.json: its path; else NULL */
  char                *provider_id;
  char                *profile;     /* the profile at the origin */
  gboolean             force;       /* refresh even when not due */
  gint64               margin_ms;   /* the largest margin of the waiters */
  GMainContext        *context;
  GCancellable        *cancellable; /* cancelled when every waiter has given up */

  char                *flock_path;  /* NULL: no cross-process lock (memory backend) */
  PiKeyringRefreshLock *flock;
  gint64               flock_deadline;
  guint                flock_poll_ms;
  PiKeyringPiLock     *lock;
  GSource             *lock_source; /* polls for a lock, then keeps pi's fresh */
  gint64               lock_deadline;

  PiKeyringProvider   *provider;
  char                *sent_refresh; /* the refresh token of the request (a secret) */
  guint                rotation_retries;
  PiKeyringCredential *fresh;       /* the new credential, being written */
  GError              *refresh_error;

  GList               *waiters;     /* Waiter */
};

static void flight_reread (Flight   *flight,
                           gboolean  after_failure);

/* `now >= expires − margin`; pi's own test (in doubles) for no margin.
 * An entry without a numeric `expires` is never due. The store's
 * get_fresh_credential decides with it too. */
gboolean
_pi_keyring_credential_is_due (PiKeyringCredential *credential,
                               gint64               margin_ms)
{
  gint64 now = _pi_keyring_wall_clock_now_ms ();
  gint64 expires;

  if (margin_ms <= 0)
    return pi_keyring_credential_is_expired (credential, now);

  if (!pi_keyring_credential_has_expires (credential))
    return FALSE;

  expires = pi_keyring_credential_get_expires (credential);
  return expires < G_MININT64 + margin_ms || now >= expires - margin_ms;
}

static void
waiter_free (Waiter *waiter)
{
  if (waiter->cancel_source != NULL)
    {
      g_source_destroy (waiter->cancel_source);
      g_source_unref (waiter->cancel_source);
    }
  g_object_unref (waiter->task);
  g_free (waiter);
}

static void
flight_free (Flight *flight)
{
  g_assert (flight->waiters == NULL);
  g_assert (flight->lock == NULL && flight->lock_source == NULL && flight->flock == NULL);

  g_clear_object (&flight->fresh);
  g_clear_object (&flight->provider);
  g_clear_pointer (&flight->sent_refresh, _pi_keyring_secret_free);
  g_clear_error (&flight->refresh_error);
  g_clear_object (&flight->cancellable);
  g_main_context_unref (flight->context);
  g_free (flight->flock_path);
  g_free (flight->profile);
  g_free (flight->provider_id);
  g_free (flight->auth_path);
  g_object_unref (flight->origin);
  g_free (flight->key);
  g_object_unref (flight->refresher);
  g_free (flight);
}

static void
flight_release_lock (Flight *flight)
{
  if (flight->lock_source != NULL)
    {
      g_source_destroy (flight->lock_source);
      g_clear_pointer (&flight->lock_source, g_source_unref);
    }

  /* pi's lock first, the one taken last. */
  g_clear_pointer (&flight->lock, _pi_keyring_pi_lock_release);
  g_clear_pointer (&flight->flock, _pi_keyring_refresh_lock_release);
}

/* Whether @waiter is served by @fallback (an entry another program wrote
 * meanwhile) instead of the flight's error. */
static gboolean
waiter_takes_fallback (Waiter              *waiter,
                       PiKeyringCredential *fallback)
{
  return fallback != NULL && !waiter->force && !_pi_keyring_credential_is_due (fallback, waiter->margin_ms);
}

/* Ends the flight. With @error, a waiter that did not force the refresh
 * gets @fallback when there is one that is not due for it; the others get
 * @error. `refresh-failed` is emitted when a caller that is not the
 * scheduler gets the error. */
static void
flight_finish (Flight              *flight,
               PiKeyringCredential *credential,
               GError              *error,
               PiKeyringCredential *fallback)
{
  GHashTable *flights;
  GList *waiters;
  gboolean emit = FALSE;

  flights = flight->refresher->flights;
  flight_release_lock (flight);
  if (g_hash_table_lookup (flights, flight->key) == flight)
    g_hash_table_remove (flights, flight->key);

  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (flight->waiters == NULL)
        emit = fallback == NULL || flight->force;
      for (GList *l = flight->waiters; l != NULL; l = l->next)
        {
          Waiter *waiter = l->data;

          if (!waiter->background && !waiter_takes_fallback (waiter, fallback))
            emit = TRUE;
        }
    }
  if (emit)
    emit_refresh_failed (flight->refresher, flight->provider_id, error);

  /* A waiter's callback may start a new flight for the same credential:
   * this one is out of the table already. */
  waiters = g_steal_pointer (&flight->waiters);
  for (GList *l = waiters; l != NULL; l = l->next)
    {
      Waiter *waiter = l->data;

      if (error == NULL)
        g_task_return_pointer (waiter->task,
                               credential != NULL ? g_object_ref (credential) : NULL,
                               g_object_unref);
      else if (waiter_takes_fallback (waiter, fallback))
        g_task_return_pointer (waiter->task, g_object_ref (fallback), g_object_unref);
      else
        g_task_return_error (waiter->task, g_error_copy (error));

      waiter_free (waiter);
    }
  g_list_free (waiters);

  g_clear_error (&error);
  flight_free (flight);
}

static void
flight_fail (Flight *flight,
             GError *error)
{
  flight_finish (flight, NULL, error, NULL);
}

static gboolean
on_waiter_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  Waiter *waiter = user_data;
  Flight *flight = waiter->flight;

  flight->waiters = g_list_remove (flight->waiters, waiter);
  g_task_return_error_if_cancelled (waiter->task);
  waiter_free (waiter);

  /* Nobody waits any more: stop the token request and the lock wait (a
   * refresh that already succeeded is still written back), and let the
   * next caller start afresh rather than join a cancelled flight. */
  if (flight->waiters == NULL)
    {
      GHashTable *flights = flight->refresher->flights;

      if (g_hash_table_lookup (flights, flight->key) == flight)
        g_hash_table_remove (flights, flight->key);
      g_cancellable_cancel (flight->cancellable);
    }

  return G_SOURCE_REMOVE;
}

static void
flight_add_waiter (Flight   *flight,
                   GTask    *task,
                   gboolean  force,
                   gint64    margin_ms,
                   gboolean  background)
{
  GCancellable *cancellable = g_task_get_cancellable (task);
  Waiter *waiter = g_new0 (Waiter, 1);

  waiter->flight = flight;
  waiter->task = g_object_ref (task);
  waiter->force = force;
  waiter->margin_ms = margin_ms;
  waiter->background = background;
  flight->force |= force;
  flight->margin_ms = MAX (flight->margin_ms, margin_ms);

  if (cancellable != NULL)
    {
      waiter->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (waiter->cancel_source, G_SOURCE_FUNC (on_waiter_cancelled),
                             waiter, NULL);
      g_source_attach (waiter->cancel_source, g_task_get_context (task));
    }

  flight->waiters = g_list_append (flight->waiters, waiter);
}

/* "Could not refresh the OAuth token of …: <why>", keeping the code so
 * that callers can tell a refused token from a busy server. */
static GError *
refresh_error_new (Flight *flight,
                   GError *error)
{
  g_autofree char *name = describe_provider (flight->provider_id);
  GError *wrapped;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return error;

  wrapped = g_error_new (error->domain, error->code,
                         _("Could not refresh the OAuth token of %s: %s"),
                         name, error->message);
  g_error_free (error);
  return wrapped;
}

/* The tokens were refreshed but not saved: the old refresh token may be
 * spent, so the new credential is kept in its recovery file (RAM) and
 * stored by the next command; the callers get it meanwhile. Only when it
 * cannot even be kept there is the refresh an error, said plainly. */
static void
flight_write_failed (Flight *flight,
                     GError *error)
{
  g_autofree char *name = describe_provider (flight->provider_id);
  g_autoptr(GError) keep_error = NULL;
  g_autoptr(PiKeyringCredential) fresh = NULL;
  g_autofree char *kept = NULL;
  GError *wrapped;

  if (_pi_keyring_recovery_save (flight->origin, flight->fresh, &kept, &keep_error))
    {
      g_debug ("The OAuth token of %s was refreshed but could not be saved (%s); "
               "it is kept in %s", flight->provider_id, error->message, kept);
      g_error_free (error);
      fresh = g_steal_pointer (&flight->fresh);
      flight_finish (flight, fresh, NULL, NULL);
      return;
    }

  if (PI_KEYRING_IS_MEMORY_BACKEND (flight->origin))
    wrapped = g_error_new (error->domain, error->code,
                           _("The OAuth token of %s was refreshed but could not be saved: %s"),
                           name, error->message);
  else
    wrapped = g_error_new (error->domain, error->code,
                           _("The OAuth token of %s was refreshed but could not be saved: %s "
                             "(nor kept for later: %s)"),
                           name, error->message, keep_error->message);
  g_error_free (error);
  flight_fail (flight, wrapped);
}

static void
flight_written (Flight *flight)
{
  g_autoptr(PiKeyringCredential) fresh = g_steal_pointer (&flight->fresh);

  /* What a recovery file kept is older than this. */
  _pi_keyring_recovery_forget (flight->origin, flight->profile, flight->provider_id);
  g_signal_emit (flight->refresher, signals[CHANGED], 0, flight->provider_id);
  g_signal_emit (flight->refresher, signals[REFRESHED], 0, fresh);
  flight_finish (flight, fresh, NULL, NULL);
}

static void
on_backend_stored (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Flight *flight = user_data;
  GError *error = NULL;

  if (!pi_keyring_backend_store_finish (PI_KEYRING_BACKEND (source), result, &error))
    flight_write_failed (flight, error);
  else
    flight_written (flight);
}

static void
flight_write_back (Flight *flight)
{
  GError *error = NULL;

  if (flight->auth_path == NULL)
    {
      /* Not cancellable: the old refresh token may be spent already. */
      pi_keyring_backend_store_async (flight->origin, flight->fresh, NULL,
                                      on_backend_stored, flight);
      return;
    }

  /* Under pi's lock, taken before the re-read. */
  if (!write_auth_entry (flight->auth_path, flight->fresh, &error))
    flight_write_failed (flight, error);
  else
    flight_written (flight);
}

/* The provider's answer as an entry of the origin: its provider id, the
 * origin's profile. */
static PiKeyringCredential *
adopt_refreshed (Flight               *flight,
                 PiKeyringCredential  *fresh,
                 GError              **error)
{
  if (!g_str_equal (pi_keyring_credential_get_provider (fresh), flight->provider_id) ||
      pi_keyring_credential_get_kind (fresh) != PI_KEYRING_CREDENTIAL_KIND_OAUTH)
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("The provider “%s” answered the refresh with a credential that is not "
                     "one of its OAuth credentials."),
                   flight->provider_id);
      return NULL;
    }

  if (!g_str_equal (pi_keyring_credential_get_profile (fresh), flight->profile))
    return pi_keyring_credential_copy_for_profile (fresh, flight->profile);

  return g_object_ref (fresh);
}

static void
on_provider_refreshed (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Flight *flight = user_data;
  g_autoptr(PiKeyringCredential) fresh = NULL;
  GError *error = NULL;

  fresh = pi_keyring_provider_refresh_finish (PI_KEYRING_PROVIDER (source), result, &error);
  if (fresh != NULL)
    flight->fresh = adopt_refreshed (flight, fresh, &error);
  else if (error == NULL)
    g_set_error (&error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                 _("The provider gave no credential."));

  if (flight->fresh == NULL)
    {
      g_debug ("Refreshing %s failed: %s", flight->provider_id, error->message);
      flight->refresh_error = refresh_error_new (flight, error);
      /* pi reads the entry once more: another program may have
       * refreshed it meanwhile, spending the refresh token we sent. */
      flight_reread (flight, TRUE);
      return;
    }

  flight_write_back (flight);
}

/* The file that @flight's origin keeps its credentials in (auth.json, the
 * vault), or NULL (the Secret Service, memory: nothing to measure). */
static const char *
origin_file (Flight *flight)
{
  if (flight->auth_path != NULL)
    return flight->auth_path;
  if (PI_KEYRING_IS_ENCRYPTED_FILE_BACKEND (flight->origin))
    return pi_keyring_encrypted_file_backend_get_path (
             PI_KEYRING_ENCRYPTED_FILE_BACKEND (flight->origin));
  return NULL;
}

/* Issue 24, item 2 (d): the request spends the old refresh token, so
 * before it is sent there must be a place for its answer. The origin's
 * file is replaced atomically (a second copy beside the first): its
 * directory needs the file's size twice over plus a margin, and an inode.
 * When it clearly has not, a recovery file in $XDG_RUNTIME_DIR (RAM) can
 * still keep the answer, and then the request goes on: the credential
 * keeps working, and the next command stores it once there is room. With
 * neither, nothing is sent: the old refresh token stays valid, and the
 * caller gets a temporary failure. Anything statvfs cannot tell is not a
 * lack of room. */
static gboolean
flight_has_room (Flight  *flight,
                 GError **error)
{
  const char *file = origin_file (flight);
  g_autofree char *dir = NULL;
  GStatBuf st;
  guint64 size = 0;
  guint64 available = 0;

  if (file == NULL)
    return TRUE;

  if (g_stat (file, &st) == 0 && S_ISREG (st.st_mode))
    size = (guint64) st.st_size;

  dir = g_path_get_dirname (file);
  if (!_pi_keyring_file_dir_lacks_room (dir, 2 * size + STORE_ROOM_MARGIN, &available))
    return TRUE;

  if (_pi_keyring_recovery_can_keep (flight->profile, flight->provider_id))
    {
      g_debug ("No room to store a refreshed token of %s in %s (%" G_GUINT64_FORMAT
               " bytes free): refreshing anyway, a recovery file keeps it",
               flight->provider_id, file, available);
      return TRUE;
    }

  g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY,
               _("No space left to store a refreshed token in %s; the old token is kept, "
                 "free some space and try again"),
               file);
  return FALSE;
}

/* Sends @current's refresh token, as just read under the lock, when its
 * answer can be kept. */
static void
flight_request (Flight              *flight,
                PiKeyringCredential *current)
{
  GError *error = NULL;

  if (!flight_has_room (flight, &error))
    {
      g_debug ("Not refreshing %s: %s", flight->provider_id, error->message);
      /* A waiter for whom @current is not due yet still takes it. */
      flight_finish (flight, NULL, error, current);
      return;
    }

  g_clear_pointer (&flight->sent_refresh, _pi_keyring_secret_free);
  flight->sent_refresh = g_strdup (pi_keyring_credential_get_refresh (current));

  g_debug ("Refreshing the OAuth token of %s", flight->provider_id);
  pi_keyring_provider_refresh_async (flight->provider, current, flight->cancellable,
                                     on_provider_refreshed, flight);
}

/* @current, or the credential a recovery file keeps for it when that one
 * is newer (an earlier refresh spent @current's refresh token and could not
 * save the new one); an older kept one is discarded. The result is
 * @current or *@recovered (owned there). */
static PiKeyringCredential *
flight_prefer_recovered (Flight               *flight,
                         PiKeyringCredential  *current,
                         PiKeyringCredential **recovered)
{
  *recovered = _pi_keyring_recovery_load (flight->origin, flight->profile, flight->provider_id);
  if (*recovered == NULL)
    return current;

  if (current != NULL && _pi_keyring_recovery_is_older (*recovered, current))
    {
      _pi_keyring_recovery_forget (flight->origin, flight->profile, flight->provider_id);
      g_clear_object (recovered);
      return current;
    }

  g_debug ("Using the refreshed credential of %s kept for recovery", flight->provider_id);
  return *recovered;
}

/* The entry as it is now, read under the lock. */
static void
on_reread (Flight              *flight,
           PiKeyringCredential *current,
           GError              *error)
{
  g_autoptr(PiKeyringCredential) recovered = NULL;

  if (error != NULL)
    {
      flight_fail (flight, error);
      return;
    }

  /* Removed, or no longer OAuth (another program changed it): "none". */
  if (current == NULL ||
      pi_keyring_credential_get_kind (current) != PI_KEYRING_CREDENTIAL_KIND_OAUTH)
    {
      _pi_keyring_recovery_forget (flight->origin, flight->profile, flight->provider_id);
      flight_finish (flight, NULL, NULL, NULL);
      return;
    }

  current = flight_prefer_recovered (flight, current, &recovered);

  /* Refreshed by another program meanwhile: no request, no write. */
  if (!flight->force && !_pi_keyring_credential_is_due (current, flight->margin_ms))
    {
      flight_finish (flight, current, NULL, NULL);
      return;
    }

  flight->provider = pi_keyring_lookup_provider (flight->provider_id);
  if (flight->provider == NULL)
    {
      flight_fail (flight, g_error_new (PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND,
                                        _("No OAuth provider is registered for “%s”."),
                                        flight->provider_id));
      return;
    }

  flight_request (flight, current);
}

/* The refresh token of @current is not the one the provider refused. */
static gboolean
was_rotated_meanwhile (Flight              *flight,
                       PiKeyringCredential *current)
{
  const char *refresh;

  if (current == NULL ||
      pi_keyring_credential_get_kind (current) != PI_KEYRING_CREDENTIAL_KIND_OAUTH ||
      !g_error_matches (flight->refresh_error, PI_KEYRING_ERROR,
                        PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED))
    return FALSE;

  refresh = pi_keyring_credential_get_refresh (current);
  return refresh != NULL && !_pi_keyring_secret_equal (refresh, flight->sent_refresh);
}

/* After a failed refresh: an entry that another program wrote meanwhile
 * still serves the callers that do not need it refreshed; a refused token
 * that was rotated meanwhile is tried again with the newer one. */
static void
on_failure_reread (Flight              *flight,
                   PiKeyringCredential *current,
                   GError              *error)
{
  g_autoptr(PiKeyringCredential) recovered = NULL;
  PiKeyringCredential *fallback = NULL;

  if (error == NULL && current != NULL &&
      pi_keyring_credential_get_kind (current) == PI_KEYRING_CREDENTIAL_KIND_OAUTH)
    current = flight_prefer_recovered (flight, current, &recovered);

  if (error != NULL)
    g_debug ("Reading %s again after a failed refresh: %s", flight->provider_id,
             error->message);
  else if (was_rotated_meanwhile (flight, current) &&
           flight->rotation_retries < MAX_ROTATION_RETRIES &&
           (flight->force || _pi_keyring_credential_is_due (current, flight->margin_ms)))
    {
      g_debug ("The refresh token of %s was rotated by someone else meanwhile: "
               "trying the newer one", flight->provider_id);
      flight->rotation_retries++;
      g_clear_error (&flight->refresh_error);
      flight_request (flight, current);
      return;
    }
  else if (current != NULL &&
           pi_keyring_credential_get_kind (current) == PI_KEYRING_CREDENTIAL_KIND_OAUTH)
    fallback = current;

  g_clear_error (&error);
  flight_finish (flight, NULL, g_steal_pointer (&flight->refresh_error), fallback);
}

static void
on_backend_reread (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Flight *flight = user_data;
  g_autoptr(PiKeyringCredential) current = NULL;
  GError *error = NULL;

  current = pi_keyring_backend_lookup_finish (PI_KEYRING_BACKEND (source), result, &error);
  if (flight->refresh_error != NULL)
    on_failure_reread (flight, current, error);
  else
    on_reread (flight, current, error);
}

static void
flight_reread (Flight   *flight,
               gboolean  after_failure)
{
  g_autoptr(PiKeyringCredential) current = NULL;
  GError *error = NULL;

  if (flight->auth_path == NULL)
    {
      pi_keyring_backend_lookup_async (flight->origin, flight->provider_id, flight->profile,
                                       NULL, on_backend_reread, flight);
      return;
    }

  current = read_auth_entry (flight->auth_path, flight->provider_id, &error);
  if (after_failure)
    on_failure_reread (flight, current, error);
  else
    on_reread (flight, current, error);
}

static gboolean
on_lock_touch (gpointer user_data)
{
  Flight *flight = user_data;

  /* proper-lockfile's "update": a held lock never looks stale. */
  if (flight->lock != NULL)
    _pi_keyring_pi_lock_touch (flight->lock);

  return G_SOURCE_CONTINUE;
}

static void flight_take_lock (Flight *flight);

static gboolean
on_lock_poll (gpointer user_data)
{
  Flight *flight = user_data;

  g_clear_pointer (&flight->lock_source, g_source_unref);
  flight_take_lock (flight);

  return G_SOURCE_REMOVE;
}

static void
flight_attach_lock_source (Flight      *flight,
                           guint        interval_ms,
                           GSourceFunc  func)
{
  flight->lock_source = g_timeout_source_new (interval_ms);
  g_source_set_callback (flight->lock_source, func, flight, NULL);
  g_source_attach (flight->lock_source, flight->context);
}

/* The credential's flock. TRUE when the flight may go on (held, or not
 * needed, or not possible here: then as before there was one); FALSE when
 * it waits or failed. */
static gboolean
flight_take_flock (Flight *flight)
{
  g_autoptr(GError) error = NULL;

  if (flight->flock_path == NULL || flight->flock != NULL)
    return TRUE;

  flight->flock = _pi_keyring_refresh_lock_try (flight->flock_path, flight->context, &error);
  if (flight->flock != NULL)
    {
      /* pi's lock is waited for from now on. */
      flight->lock_deadline = g_get_monotonic_time () + (gint64) REFRESH_LOCK_WAIT_MS * 1000;
      return TRUE;
    }

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY))
    {
      /* No runtime directory we can write: go on without (pi's lock
       * still guards auth.json). */
      g_debug ("Refreshing %s without the cross-process lock: %s", flight->provider_id,
               error->message);
      g_clear_pointer (&flight->flock_path, g_free);
      return TRUE;
    }

  if (g_get_monotonic_time () >= flight->flock_deadline)
    {
      g_autofree char *name = describe_provider (flight->provider_id);

      flight_fail (flight, g_error_new (PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY,
                                        _("Gave up waiting for another program to finish "
                                          "refreshing the OAuth token of %s."),
                                        name));
      return FALSE;
    }

  /* Quick at first (the holder may be about done), then every 50 ms. */
  flight_attach_lock_source (flight, flight->flock_poll_ms, on_lock_poll);
  flight->flock_poll_ms = MIN (flight->flock_poll_ms * 2, FLOCK_POLL_MAX_MS);
  return FALSE;
}

/* The credential's flock, then pi's lock for auth.json, each polled from
 * the main loop so that it keeps running; then the re-read. */
static void
flight_take_lock (Flight *flight)
{
  g_autoptr(GError) error = NULL;

  if (g_cancellable_set_error_if_cancelled (flight->cancellable, &error))
    {
      flight_fail (flight, g_steal_pointer (&error));
      return;
    }

  if (!flight_take_flock (flight))
    return;

  if (flight->auth_path == NULL)
    {
      flight_reread (flight, FALSE);
      return;
    }

  flight->lock = _pi_keyring_pi_lock_try (flight->auth_path, REFRESH_LOCK_STALE_MS, &error);
  if (flight->lock == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY))
        flight_fail (flight, g_steal_pointer (&error));
      else if (g_get_monotonic_time () < flight->lock_deadline)
        flight_attach_lock_source (flight, REFRESH_LOCK_POLL_MS, on_lock_poll);
      else
        flight_fail (flight, g_error_new (PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY,
                                          _("Gave up waiting for another program to finish "
                                            "with “%s”: %s"),
                                          flight->auth_path, error->message));
      return;
    }

  flight_attach_lock_source (flight, REFRESH_LOCK_TOUCH_MS, on_lock_touch);
  flight_reread (flight, FALSE);
}

/* One flight per credential and main context: a caller blocked in a _sync
 * call iterates its own context only, so it must not wait for a flight
 * that runs in another one. */
static char *
flight_key (PiKeyringBackend *origin,
            const char       *profile,
            const char       *provider,
            GMainContext     *context)
{
  return g_strdup_printf ("%p\n%p\n%s\n%s", (gpointer) context, (gpointer) origin,
                          profile, provider);
}

static void
refresh_start (GTask            *task,
               PiKeyringBackend *origin,
               const char       *provider,
               const char       *profile,
               gboolean          force,
               gint64            margin_ms,
               gboolean          background)
{
  PiKeyringRefresher *self = g_task_get_source_object (task);
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  g_autofree char *key = NULL;
  GHashTable *flights;
  Flight *flight;

  flights = self->flights;
  key = flight_key (origin, profile, provider, context);
  flight = g_hash_table_lookup (flights, key);
  if (flight != NULL)
    {
      g_debug ("Joining the refresh of %s in flight", provider);
      flight_add_waiter (flight, task, force, margin_ms, background);
      return;
    }

  flight = g_new0 (Flight, 1);
  flight->refresher = g_object_ref (self);
  flight->key = g_steal_pointer (&key);
  flight->origin = g_object_ref (origin);
  if (PI_KEYRING_IS_FILE_BACKEND (origin))
    flight->auth_path = g_strdup (pi_keyring_file_backend_get_path (PI_KEYRING_FILE_BACKEND (origin)));
  if (!PI_KEYRING_IS_MEMORY_BACKEND (origin))
    flight->flock_path = _pi_keyring_refresh_lock_path (profile, provider);
  flight->provider_id = g_strdup (provider);
  flight->profile = g_strdup (profile);
  flight->context = g_steal_pointer (&context);
  flight->cancellable = g_cancellable_new ();
  flight->flock_deadline = g_get_monotonic_time () + (gint64) _pi_keyring_get_refresh_lock_timeout_ms () * 1000;
  flight->flock_poll_ms = FLOCK_POLL_MIN_MS;
  flight->lock_deadline = g_get_monotonic_time () + (gint64) REFRESH_LOCK_WAIT_MS * 1000;
  g_hash_table_insert (flights, flight->key, flight);

  flight_add_waiter (flight, task, force, margin_ms, background);
  flight_take_lock (flight);
}

void
_pi_keyring_refresher_refresh_async (PiKeyringRefresher  *self,
                                      PiKeyringBackend    *origin,
                                      const char          *provider,
                                      const char          *profile,
                                      gboolean             force,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PI_KEYRING_IS_REFRESHER (self));
  g_return_if_fail (PI_KEYRING_IS_BACKEND (origin));
  g_return_if_fail (provider != NULL);
  g_return_if_fail (profile != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, _pi_keyring_refresher_refresh_async);

  refresh_start (task, origin, provider, profile, force, 0, FALSE);
}

void
_pi_keyring_refresher_refresh_due_async (PiKeyringRefresher  *self,
                                     PiKeyringBackend    *origin,
                                     const char          *provider,
                                     const char          *profile,
                                     gint64               margin_ms,
                                     gboolean             background,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PI_KEYRING_IS_REFRESHER (self));
  g_return_if_fail (PI_KEYRING_IS_BACKEND (origin));
  g_return_if_fail (provider != NULL);
  g_return_if_fail (profile != NULL);
  g_return_if_fail (margin_ms >= 0);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, _pi_keyring_refresher_refresh_async);

  refresh_start (task, origin, provider, profile, FALSE, margin_ms, background);
}

PiKeyringCredential *
_pi_keyring_refresher_refresh_finish (PiKeyringRefresher  *self,
                                      GAsyncResult        *result,
                                      GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        _pi_keyring_refresher_refresh_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Said by a caller that reports its own failures (the scheduler): it goes
 * out as `refresh-failed`, as a flight's would. */
void
_pi_keyring_refresher_report_failure (PiKeyringRefresher *self,
                                      const char         *provider,
                                      const GError       *error)
{
  g_return_if_fail (PI_KEYRING_IS_REFRESHER (self));
  g_return_if_fail (provider != NULL && error != NULL);

  emit_refresh_failed (self, provider, error);
}

guint
_pi_keyring_refresher_get_flight_count (PiKeyringRefresher *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_REFRESHER (self), 0);

  return g_hash_table_size (self->flights);
}

static void
_pi_keyring_refresher_finalize (GObject *object)
{
  PiKeyringRefresher *self = PI_KEYRING_REFRESHER (object);

  /* Every flight holds a reference: none is left. */
  g_assert (g_hash_table_size (self->flights) == 0);
  g_hash_table_unref (self->flights);

  G_OBJECT_CLASS (_pi_keyring_refresher_parent_class)->finalize (object);
}

static void
_pi_keyring_refresher_class_init (PiKeyringRefresherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = _pi_keyring_refresher_finalize;

  /* A refresh wrote a new credential of the provider back. */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* The same, with the new credential (after `changed`). */
  signals[REFRESHED] =
    g_signal_new ("refreshed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, PI_KEYRING_TYPE_CREDENTIAL);
  /* A refresh of the provider failed, and a caller was told (see
   * flight_finish) or the scheduler reported it. */
  signals[REFRESH_FAILED] =
    g_signal_new ("refresh-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_ERROR);
}

static void
_pi_keyring_refresher_init (PiKeyringRefresher *self)
{
  self->flights = g_hash_table_new (g_str_hash, g_str_equal);
}

PiKeyringRefresher *
_pi_keyring_refresher_new (void)
{
  return g_object_new (PI_KEYRING_TYPE_REFRESHER, NULL);
}
