/* pi-keyring-scheduler.c: keeps a store's OAuth tokens fresh in the
 * background (the store's `auto-refresh`)
 *
 * The scheduler lists the store's OAuth credentials (its backend for its
 * profile, and the entries of pi's auth.json that the backend does not
 * shadow), and arms ONE timer (pi-keyring-timer-source.c) for the earliest
 * `expires − 5 min` among those with a numeric `expires`. Nothing else
 * wakes the process while nothing is due. When the timer fires, every
 * credential that is due is refreshed through the store's refresher
 * (pi-keyring-refresher.c: single-flight; it takes the cross-process lock, reads the entry again and
 * refreshes only if it is still due), and the timer is armed again.
 *
 * It neither watches nor lists the credentials itself: it takes them from
 * each scan of the store's change tracker (pi-keyring-change-tracker.c,
 * `scanned`), which lists once changes settle, whoever made them (the
 * store, another process through the keyring's signals or a file
 * monitor), and when the store looks at another profile or auth.json. So
 * a change is listed once for both credential-changed and the timer. The
 * timer is looked at again when the wall clock is set or the machine
 * resumes (the timer reports it).
 *
 * Failures: a transient one (network, 5xx, 429, a locked keyring) is
 * retried after 30 s, 60 s, 120 s … up to 15 min between attempts. Retries
 * go on at 15 min after the old token has expired too (a laptop offline
 * for a day still gets its token back when it comes online, without the
 * user logging in again), and `refresh-failed` is emitted once when the
 * token expires with the failures going on. A permanent failure (the
 * provider refused the refresh token, or no provider can refresh it) emits
 * `refresh-failed` once and stops the retries for that credential until it
 * changes (a login writes a new one). A credential is never deleted here.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "store/pi-keyring-store-private.h"


enum
{
  REPLACED,
  N_SCHEDULER_SIGNALS
};

static guint scheduler_signals[N_SCHEDULER_SIGNALS];

/* --- the credentials watched --- */

typedef struct
{
  PiKeyringBackend *origin;
  char             *provider;
  char             *profile;      /* the profile at the origin */
  gint64            expires_ms;
  char             *fingerprint;  /* a digest of the entry: a change resets the state */

  guint             failures;     /* in a row: transient failures, or refreshes that
                                   * gave a token due already */
  gint64            retry_at_ms;  /* -1: not waiting to retry */
  gboolean          stopped;      /* failed for good, until the credential changes */
  gboolean          expired_reported;
  gboolean          refreshing;
  gboolean          reported;     /* refresh-failed was emitted during our refresh */
} Entry;

static void
entry_free (Entry *entry)
{
  g_object_unref (entry->origin);
  g_free (entry->provider);
  g_free (entry->profile);
  g_free (entry->fingerprint);
  g_free (entry);
}

static char *
entry_key (PiKeyringBackend *origin,
           const char       *profile,
           const char       *provider)
{
  return g_strdup_printf ("%p\n%s\n%s", (gpointer) origin, profile, provider);
}

/* A digest of the whole entry (it holds secrets: only the digest stays). */
static char *
fingerprint (PiKeyringCredential *credential)
{
  g_autoptr(PiKeyringSecretString) json = pi_keyring_credential_to_json (credential);

  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, json, -1);
}

/* When the entry wants the timer: -1 for never. */
static gint64
entry_next_ms (Entry *entry)
{
  if (entry->stopped || entry->refreshing)
    return -1;
  if (entry->retry_at_ms >= 0)
    return entry->retry_at_ms;
  if (entry->expires_ms < G_MININT64 + PI_KEYRING_REFRESH_MARGIN_MS)
    return 0;
  return MAX (entry->expires_ms - PI_KEYRING_REFRESH_MARGIN_MS, 0);
}

static gboolean
entry_is_due (Entry  *entry,
              gint64  now_ms)
{
  return entry->expires_ms < G_MININT64 + PI_KEYRING_REFRESH_MARGIN_MS ||
         now_ms >= entry->expires_ms - PI_KEYRING_REFRESH_MARGIN_MS;
}

/* --- the object --- */

struct _PiKeyringScheduler
{
  GObject          parent_instance;

  /* What the store gave (the scheduler knows nothing else of it); the
   * refresher and the tracker are NULL once stopped. */
  PiKeyringRefresher *refresher;
  PiKeyringChangeTracker *tracker;  /* its scans are ours */
  GMainContext    *context;
  GCancellable    *cancellable;
  GSource         *timer;
  GPtrArray       *replaced;      /* providers whose failed credential a scan saw replaced */
  GHashTable      *entries;        /* entry_key () → Entry */
  guint            scans;          /* the tracker's scans taken in */

  gulong           failed_id;
};

G_DEFINE_FINAL_TYPE (PiKeyringScheduler, _pi_keyring_scheduler, G_TYPE_OBJECT)

static void
arm (PiKeyringScheduler *self)
{
  GHashTableIter iter;
  gpointer value;
  gint64 earliest = -1;

  if (self->timer == NULL)
    return;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      gint64 next = entry_next_ms (value);

      if (next >= 0 && (earliest < 0 || next < earliest))
        earliest = next;
    }

  if (earliest != _pi_keyring_timer_source_get_deadline (self->timer))
    g_debug ("Next OAuth refresh in %" G_GINT64_FORMAT " s (%u credentials watched)",
             earliest < 0 ? -1 : (earliest - _pi_keyring_wall_clock_now_ms ()) / 1000,
             g_hash_table_size (self->entries));

  /* Also when unchanged: this re-arms a timer that fired or was told of a
   * clock change. */
  _pi_keyring_timer_source_set_deadline (self->timer, earliest);
}

/* The tracker's next scan, once changes settle, is taken in. */
static void
schedule_scan (PiKeyringScheduler *self)
{
  if (self->tracker != NULL)
    _pi_keyring_change_tracker_queue_scan (self->tracker);
}

/* --- scanning the credentials --- */

static gboolean
can_refresh (PiKeyringCredential *credential)
{
  g_autoptr(PiKeyringProvider) provider = NULL;

  if (pi_keyring_credential_get_kind (credential) != PI_KEYRING_CREDENTIAL_KIND_OAUTH ||
      !pi_keyring_credential_has_expires (credential))
    return FALSE;

  provider = pi_keyring_lookup_provider (pi_keyring_credential_get_provider (credential));
  return provider != NULL;
}

/* Moves the entry of @credential into @table: the old one with its state
 * when the credential is the same, else a new one. */
static void
take_credential (PiKeyringScheduler  *self,
                 GHashTable          *table,
                 PiKeyringBackend    *origin,
                 const char          *profile,
                 PiKeyringCredential *credential)
{
  const char *provider = pi_keyring_credential_get_provider (credential);
  g_autofree char *key = entry_key (origin, profile, provider);
  g_autofree char *digest = NULL;
  gpointer old_key = NULL, old_value = NULL;
  Entry *entry;

  if (!can_refresh (credential) || g_hash_table_contains (table, key))
    return;

  digest = fingerprint (credential);
  if (g_hash_table_steal_extended (self->entries, key, &old_key, &old_value))
    {
      Entry *old = old_value;

      g_free (old_key);
      if (g_str_equal (old->fingerprint, digest))
        {
          g_hash_table_insert (table, g_steal_pointer (&key), old);
          return;
        }

      /* Changed (by a login, a refresh, another program): a fresh start.
       * One that had failed is told once the scan is over. */
      if (old->stopped || old->expired_reported)
        g_ptr_array_add (self->replaced, g_strdup (provider));
      entry = g_new0 (Entry, 1);
      entry->refreshing = old->refreshing;
      entry_free (old);
    }
  else
    entry = g_new0 (Entry, 1);

  entry->origin = g_object_ref (origin);
  entry->provider = g_strdup (provider);
  entry->profile = g_strdup (profile);
  entry->expires_ms = pi_keyring_credential_get_expires (credential);
  entry->fingerprint = g_steal_pointer (&digest);
  entry->retry_at_ms = -1;
  g_hash_table_insert (table, g_steal_pointer (&key), entry);
}

/* A list failed: the entries of @origin stay as they were. */
static void
keep_entries_of (PiKeyringScheduler *self,
                 GHashTable         *table,
                 PiKeyringBackend   *origin)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (((Entry *) value)->origin == origin)
      {
        g_hash_table_iter_steal (&iter);
        g_hash_table_insert (table, key, value);
      }
}

/* A scan of the tracker: the entries are those it listed. */
static void
on_scanned (PiKeyringChangeTracker        *tracker,
            const PiKeyringChangeSnapshot *snapshot,
            gpointer                       user_data)
{
  PiKeyringScheduler *self = user_data;
  PiKeyringBackend *backend = snapshot->backend;
  const char *profile = snapshot->profile;
  PiKeyringBackend *auth_backend = snapshot->auth_backend;
  GPtrArray *auth_list = snapshot->auth_list;
  g_autoptr(GHashTable) shadowed = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTable *table;
  GHashTableIter iter;
  gpointer value;

  if (self->refresher == NULL)
    return;

  table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) entry_free);

  if (snapshot->backend_list != NULL)
    for (guint i = 0; i < snapshot->backend_list->len; i++)
      {
        PiKeyringCredential *credential = snapshot->backend_list->pdata[i];

        /* As the lookup: what the backend has for a provider shadows auth.json. */
        if (pi_keyring_credential_get_kind (credential) != PI_KEYRING_CREDENTIAL_KIND_OTHER)
          g_hash_table_add (shadowed, (gpointer) pi_keyring_credential_get_provider (credential));
        take_credential (self, table, backend, profile, credential);
      }
  else
    keep_entries_of (self, table, backend);

  if (auth_backend != NULL && auth_list != NULL)
    {
      g_hash_table_iter_init (&iter, table);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        g_hash_table_add (shadowed, ((Entry *) value)->provider);

      for (guint i = 0; i < auth_list->len; i++)
        {
          PiKeyringCredential *credential = auth_list->pdata[i];

          if (!g_hash_table_contains (shadowed, pi_keyring_credential_get_provider (credential)))
            take_credential (self, table, auth_backend, PI_KEYRING_DEFAULT_PROFILE, credential);
        }
    }
  else if (auth_backend != NULL)
    keep_entries_of (self, table, auth_backend);

  /* Entries kept while a scan is running keep their refresh going. */
  g_hash_table_unref (self->entries);
  self->entries = table;
  self->scans++;

  arm (self);

  if (self->replaced->len > 0)
    {
      g_autoptr(GPtrArray) replaced = g_steal_pointer (&self->replaced);
      g_autoptr(PiKeyringScheduler) hold = g_object_ref (self);

      self->replaced = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < replaced->len; i++)
        g_signal_emit (self, scheduler_signals[REPLACED], 0, replaced->pdata[i]);
    }
}

/* --- refreshing --- */

typedef struct
{
  PiKeyringScheduler *self;
  char               *key;
} RefreshData;

static void
refresh_data_free (RefreshData *data)
{
  g_object_unref (data->self);
  g_free (data->key);
  g_free (data);
}

/* Takes what the refresh of @entry gave. Emits `refresh-failed` last: a
 * handler may stop the scheduler. */
static void
refresh_done (PiKeyringScheduler  *self,
              Entry               *entry,
              PiKeyringCredential *credential,
              const GError        *error)
{
  gint64 now = _pi_keyring_wall_clock_now_ms ();
  g_autofree char *digest = NULL;

  if (error == NULL && credential == NULL)
    {
      /* Removed, or no longer OAuth: the next scan drops it. */
      entry->stopped = TRUE;
      schedule_scan (self);
      return;
    }

  if (error == NULL)
    {
      entry->expires_ms = pi_keyring_credential_get_expires (credential);
      g_free (entry->fingerprint);
      entry->fingerprint = fingerprint (credential);
      entry->stopped = FALSE;
      entry->expired_reported = FALSE;
      if (entry_is_due (entry, now))
        {
          /* A token that is due at once (a provider with short-lived
           * tokens): not again right away. */
          entry->failures++;
          entry->retry_at_ms = now + _pi_keyring_refresh_backoff_ms (entry->failures, -1);
        }
      else
        {
          entry->failures = 0;
          entry->retry_at_ms = -1;
        }
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (_pi_keyring_refresh_error_is_transient (error))
    {
      /* GError carries no Retry-After: the backoff alone spaces a 429. */
      entry->failures++;
      entry->retry_at_ms = now + _pi_keyring_refresh_backoff_ms (entry->failures, -1);
      g_debug ("Refreshing %s failed (%s); trying again in %" G_GINT64_FORMAT " s",
               entry->provider, error->message, (entry->retry_at_ms - now) / 1000);

      if (now >= entry->expires_ms && !entry->expired_reported)
        {
          entry->expired_reported = TRUE;
          if (!entry->reported)
            _pi_keyring_refresher_report_failure (self->refresher, entry->provider, error);
        }
      return;
    }

  g_debug ("Refreshing %s failed for good (%s): not trying again until it changes",
           entry->provider, error->message);
  entry->stopped = TRUE;
  if (!entry->reported)
    _pi_keyring_refresher_report_failure (self->refresher, entry->provider, error);
}

static void
on_refreshed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  RefreshData *data = user_data;
  PiKeyringScheduler *self = g_object_ref (data->self);
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;
  Entry *entry = NULL;

  credential = _pi_keyring_refresher_refresh_finish (PI_KEYRING_REFRESHER (source), result, &error);
  if (self->refresher != NULL)
    entry = g_hash_table_lookup (self->entries, data->key);

  if (entry != NULL)
    {
      entry->refreshing = FALSE;
      refresh_done (self, entry, credential, error);
    }

  if (self->refresher != NULL)
    arm (self);

  refresh_data_free (data);
  g_object_unref (self);
}

static void
refresh_entry (PiKeyringScheduler *self,
               const char         *key,
               Entry              *entry)
{
  RefreshData *data = g_new0 (RefreshData, 1);

  data->self = g_object_ref (self);
  data->key = g_strdup (key);
  entry->refreshing = TRUE;
  entry->reported = FALSE;

  g_debug ("Refreshing the OAuth token of %s in the background", entry->provider);
  _pi_keyring_refresher_refresh_due_async (self->refresher, entry->origin, entry->provider,
                                           entry->profile, PI_KEYRING_REFRESH_MARGIN_MS, TRUE,
                                           self->cancellable, on_refreshed, data);
}

static gboolean
on_timer (PiKeyringTimerEvent event,
          gpointer            user_data)
{
  PiKeyringScheduler *self = user_data;
  g_autoptr(GPtrArray) due = g_ptr_array_new_with_free_func (g_free);
  gint64 now = _pi_keyring_wall_clock_now_ms ();
  GHashTableIter iter;
  gpointer key, value;

  if (event == PI_KEYRING_TIMER_CLOCK_SET)
    g_debug ("The clock was set or the system resumed: looking again at what is due");

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      gint64 next = entry_next_ms (value);

      if (next >= 0 && next <= now)
        g_ptr_array_add (due, g_strdup (key));
    }

  for (guint i = 0; i < due->len && self->refresher != NULL; i++)
    {
      Entry *entry = g_hash_table_lookup (self->entries, due->pdata[i]);

      if (entry != NULL && !entry->refreshing)
        refresh_entry (self, due->pdata[i], entry);
    }

  if (self->refresher != NULL)
    arm (self);

  return G_SOURCE_CONTINUE;
}

/* --- changes --- */

static void
on_refresh_failed (PiKeyringRefresher *refresher,
                   const char         *provider,
                   const GError       *error,
                   gpointer            user_data)
{
  PiKeyringScheduler *self = user_data;
  GHashTableIter iter;
  gpointer value;

  /* Emitted by a refresh of ours shared with another caller: said once. */
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Entry *entry = value;

      if (entry->refreshing && g_str_equal (entry->provider, provider))
        entry->reported = TRUE;
    }
}

/* --- life --- */

void
_pi_keyring_scheduler_stop (PiKeyringScheduler *self)
{
  g_return_if_fail (PI_KEYRING_IS_SCHEDULER (self));

  if (self->refresher != NULL)
    {
      g_clear_signal_handler (&self->failed_id, self->refresher);
      g_clear_object (&self->refresher);
    }

  g_cancellable_cancel (self->cancellable);

  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }

  if (self->tracker != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->tracker, self);
      _pi_keyring_change_tracker_set_restore_recovered (self->tracker, FALSE);
      g_clear_object (&self->tracker);
    }

  g_hash_table_remove_all (self->entries);
}

static void
_pi_keyring_scheduler_dispose (GObject *object)
{
  _pi_keyring_scheduler_stop (PI_KEYRING_SCHEDULER (object));

  G_OBJECT_CLASS (_pi_keyring_scheduler_parent_class)->dispose (object);
}

static void
_pi_keyring_scheduler_finalize (GObject *object)
{
  PiKeyringScheduler *self = PI_KEYRING_SCHEDULER (object);

  g_hash_table_unref (self->entries);
  g_ptr_array_unref (self->replaced);
  g_object_unref (self->cancellable);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (_pi_keyring_scheduler_parent_class)->finalize (object);
}

static void
_pi_keyring_scheduler_class_init (PiKeyringSchedulerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = _pi_keyring_scheduler_dispose;
  object_class->finalize = _pi_keyring_scheduler_finalize;

  /* A credential whose refresh had failed (for good, or until it expired)
   * was replaced by another one, e.g. by a login in another process. */
  scheduler_signals[REPLACED] =
    g_signal_new ("replaced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
_pi_keyring_scheduler_init (PiKeyringScheduler *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->cancellable = g_cancellable_new ();
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) entry_free);
  self->replaced = g_ptr_array_new_with_free_func (g_free);
}

PiKeyringScheduler *
_pi_keyring_scheduler_new (PiKeyringRefresher     *refresher,
                           PiKeyringChangeTracker *tracker)
{
  PiKeyringScheduler *self;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (PI_KEYRING_IS_REFRESHER (refresher), NULL);
  g_return_val_if_fail (PI_KEYRING_IS_CHANGE_TRACKER (tracker), NULL);

  self = g_object_new (PI_KEYRING_TYPE_SCHEDULER, NULL);
  self->refresher = g_object_ref (refresher);
  self->tracker = g_object_ref (tracker);

  self->timer = _pi_keyring_timer_source_new (&error);
  if (self->timer == NULL)
    g_warning ("Tokens will not be refreshed in the background: %s", error->message);
  else
    {
      g_source_set_callback (self->timer, (GSourceFunc) (void (*) (void)) on_timer, self, NULL);
      g_source_attach (self->timer, self->context);
    }

  self->failed_id = g_signal_connect (refresher, "refresh-failed",
                                      G_CALLBACK (on_refresh_failed), self);

  /* The first scan stores what a full disk kept out, as every scan after. */
  g_signal_connect (tracker, "scanned", G_CALLBACK (on_scanned), self);
  _pi_keyring_change_tracker_set_restore_recovered (tracker, TRUE);
  _pi_keyring_change_tracker_scan_soon (tracker);

  return self;
}

gint64
_pi_keyring_scheduler_get_deadline (PiKeyringScheduler *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_SCHEDULER (self), -1);

  return self->timer != NULL ? _pi_keyring_timer_source_get_deadline (self->timer) : -1;
}

GSource *
_pi_keyring_scheduler_get_timer_source (PiKeyringScheduler *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_SCHEDULER (self), NULL);

  return self->timer;
}

guint
_pi_keyring_scheduler_get_scan_count (PiKeyringScheduler *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_SCHEDULER (self), 0);

  return self->scans;
}

gboolean
_pi_keyring_scheduler_is_idle (PiKeyringScheduler *self)
{
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (PI_KEYRING_IS_SCHEDULER (self), TRUE);

  /* The tracker's scans, and its watch: until the subscriptions are made
   * (and the default collection known), a change elsewhere could go
   * unseen. */
  if (self->tracker != NULL && !_pi_keyring_change_tracker_is_idle (self->tracker))
    return FALSE;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Entry *) value)->refreshing)
      return FALSE;

  return TRUE;
}
