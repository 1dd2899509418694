/* pi-keyring-change-tracker.c: tells the store which provider's credential another process changed
 *
 * The change watch (pi-keyring-change-watch.c) says only that something
 * may have changed: a keyring signal, a file event. The tracker keeps a
 * digest of every credential the store sees (its backend for its profile,
 * and pi's auth.json read as the fallback), and when the watch fires it
 * lists them again once the changes have settled and compares: each
 * provider whose entry appeared, vanished or changed is named once in
 * `changed`, however many signals or file events the change caused. A
 * rewrite that left an entry as it was (the same JSON) is no change.
 *
 * Changes the store made itself were announced by the store already: it
 * tells the tracker (_pi_keyring_change_tracker_note_own_change), and the
 * scans until the first one begun after that take that provider's new
 * state in silently,
 * so that the store's own writes do not come back as a second signal. (A
 * change by another process to that same provider in those few
 * milliseconds is then not told apart from the store's own.)
 *
 * An origin whose list fails (a locked keyring, a file being replaced)
 * keeps its digests; its next successful list after a failure at the start
 * only sets them. Nothing here knows providers.
 *
 * The tracker's lists are the store's only ones for changes: each scan is
 * also handed out as it is (`scanned`, before the `changed` of that scan),
 * and the refresh scheduler (pi-keyring-scheduler.c) takes its OAuth
 * credentials from there instead of watching and listing again. While it
 * does, each scan first stores the refreshed credentials that a full disk
 * kept out (_pi_keyring_change_tracker_set_restore_recovered).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "store/pi-keyring-store-private.h"

/* Changes are taken in once they have come for this long: a login writes
 * an item and then changes its attributes, pi renames over auth.json. */
#define SETTLE_MS 150

struct _PiKeyringChangeTracker
{
  GObject               parent_instance;

  PiKeyringBackend     *backend;
  char                 *profile;
  PiKeyringBackend     *auth_backend;   /* nullable */
  GMainContext         *context;
  GCancellable         *cancellable;
  PiKeyringChangeWatch *watch;
  gboolean              stopped;

  /* "b\n<provider>" / "a\n<provider>" → digest of the entry's JSON. */
  GHashTable           *digests;
  gboolean              backend_known;  /* a list of the backend succeeded */
  gboolean              auth_known;

  /* provider → the generation of the store's own last change to it. */
  GHashTable           *own;
  guint64               generation;

  GSource              *settle_source;
  gboolean              scanning;
  gboolean              rescan;
  gboolean              restore_recovered;
  guint64               scan_generation; /* the generation when the scan began */
  char                 *scan_profile;   /* what the scan lists */
  PiKeyringBackend     *scan_auth_backend;
  GPtrArray            *scan_backend;   /* the backend's list; NULL: failed */
  gboolean              scan_backend_failed;
  guint                 scans;
};

enum
{
  CHANGED,
  SCANNED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PiKeyringChangeTracker, _pi_keyring_change_tracker, G_TYPE_OBJECT)

static void scan_start (PiKeyringChangeTracker *self);

static char *
digest_of (PiKeyringCredential *credential)
{
  g_autoptr(PiKeyringSecretString) json = pi_keyring_credential_to_json (credential);

  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, json, -1);
}

/* --- coalescing --- */

static gboolean
on_settled (gpointer user_data)
{
  PiKeyringChangeTracker *self = user_data;

  g_clear_pointer (&self->settle_source, g_source_unref);
  if (self->watch != NULL)
    _pi_keyring_change_watch_update (self->watch);
  scan_start (self);

  return G_SOURCE_REMOVE;
}

/* A scan once changes have settled (@delay_ms), or sooner if one is due
 * already. */
static void
schedule_scan_after (PiKeyringChangeTracker *self,
                     guint                   delay_ms)
{
  if (self->stopped || self->settle_source != NULL)
    return;

  self->settle_source = delay_ms > 0 ? g_timeout_source_new (delay_ms) : g_idle_source_new ();
  g_source_set_static_name (self->settle_source, "[pi-keyring] changes elsewhere");
  g_source_set_callback (self->settle_source, on_settled, self, NULL);
  g_source_attach (self->settle_source, self->context);
}

static void
schedule_scan (PiKeyringChangeTracker *self)
{
  schedule_scan_after (self, SETTLE_MS);
}

/* --- comparing --- */

/* Puts the digests of @list under @tag into @table. */
static void
add_digests (GHashTable *table,
             const char *tag,
             GPtrArray  *list)
{
  for (guint i = 0; i < list->len; i++)
    {
      PiKeyringCredential *credential = list->pdata[i];
      char *key = g_strconcat (tag, "\n", pi_keyring_credential_get_provider (credential), NULL);

      g_hash_table_replace (table, key, digest_of (credential));
    }
}

/* Copies the old digests under @tag into @table (that origin's list failed). */
static void
keep_digests (PiKeyringChangeTracker *self,
              GHashTable             *table,
              const char             *tag)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->digests);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_str_has_prefix (key, tag) && ((char *) key)[1] == '\n')
      g_hash_table_insert (table, g_strdup (key), g_strdup (value));
}

/* Adds to @providers each provider whose digest differs between @a and
 * @b, in either direction, under the tags of origins that were known. */
static void
collect_differences (GHashTable *a,
                     GHashTable *b,
                     gboolean    backend_known,
                     gboolean    auth_known,
                     GHashTable *providers)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *k = key;

      if ((k[0] == 'b' && !backend_known) || (k[0] == 'a' && !auth_known))
        continue;
      if (g_strcmp0 (g_hash_table_lookup (b, key), value) != 0)
        g_hash_table_add (providers, g_strdup (k + 2));
    }
}

static void
scan_finish (PiKeyringChangeTracker *self,
             GPtrArray              *auth_list,
             gboolean                auth_failed)
{
  g_autoptr(PiKeyringChangeTracker) hold = g_object_ref (self);
  g_autoptr(GHashTable) table = NULL;
  g_autoptr(GHashTable) providers = NULL;
  g_autoptr(GPtrArray) names = NULL;
  gboolean backend_known = self->backend_known;
  gboolean auth_known = self->auth_known;
  GHashTableIter iter;
  gpointer key, value;

  table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  providers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (self->scan_backend_failed)
    keep_digests (self, table, "b");
  else
    {
      add_digests (table, "b", self->scan_backend);
      self->backend_known = TRUE;
    }
  if (self->auth_backend != NULL && auth_failed)
    keep_digests (self, table, "a");
  else if (auth_list != NULL)
    {
      add_digests (table, "a", auth_list);
      self->auth_known = TRUE;
    }

  /* Only origins known before and listed now can tell a change. */
  collect_differences (self->digests, table, backend_known && !self->scan_backend_failed,
                       auth_known && !auth_failed, providers);
  collect_differences (table, self->digests, backend_known && !self->scan_backend_failed,
                       auth_known && !auth_failed, providers);

  g_hash_table_unref (self->digests);
  self->digests = g_steal_pointer (&table);
  self->scanning = FALSE;
  self->scans++;

  {
    PiKeyringChangeSnapshot snapshot = {
      .backend = self->backend,
      .profile = self->scan_profile,
      .backend_list = self->scan_backend_failed ? NULL : self->scan_backend,
      .auth_backend = self->scan_auth_backend,
      .auth_list = auth_failed ? NULL : auth_list,
    };

    g_signal_emit (self, signals[SCANNED], 0, &snapshot);
  }
  g_clear_pointer (&self->scan_backend, g_ptr_array_unref);
  g_clear_object (&self->scan_auth_backend);

  /* What the store changed itself it told already. A scan begun before
   * the store's change may or may not have seen it: the next one too
   * takes that provider in silently. */
  g_hash_table_iter_init (&iter, self->own);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_hash_table_remove (providers, key);
      if (*(guint64 *) value <= self->scan_generation)
        g_hash_table_iter_remove (&iter);
    }

  names = g_ptr_array_new ();
  g_hash_table_iter_init (&iter, providers);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (names, key);
  for (guint i = 0; i < names->len && !self->stopped; i++)
    {
      g_debug ("The credential of %s changed elsewhere", (const char *) names->pdata[i]);
      g_signal_emit (self, signals[CHANGED], 0, names->pdata[i]);
    }

  if (self->rescan && !self->stopped)
    {
      self->rescan = FALSE;
      scan_start (self);
    }
}

static void
on_auth_listed (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(PiKeyringChangeTracker) self = user_data;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;

  list = pi_keyring_backend_list_finish (PI_KEYRING_BACKEND (source), result, &error);
  if (self->stopped)
    return;
  if (list == NULL)
    g_debug ("Changes elsewhere: could not list %s: %s",
             pi_keyring_file_backend_get_path (PI_KEYRING_FILE_BACKEND (source)), error->message);
  if (PI_KEYRING_BACKEND (source) != self->auth_backend)
    {
      /* The store reads another auth.json meanwhile: look again. */
      self->rescan = TRUE;
      scan_finish (self, NULL, TRUE);
      return;
    }
  scan_finish (self, list, list == NULL);
}

static void
on_backend_listed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(PiKeyringChangeTracker) self = user_data;
  g_autoptr(GError) error = NULL;

  self->scan_backend = pi_keyring_backend_list_finish (PI_KEYRING_BACKEND (source), result,
                                                       &error);
  if (self->stopped)
    {
      g_clear_pointer (&self->scan_backend, g_ptr_array_unref);
      return;
    }
  self->scan_backend_failed = self->scan_backend == NULL;
  if (self->scan_backend_failed)
    g_debug ("Changes elsewhere: could not list the credentials: %s", error->message);

  if (self->scan_auth_backend == NULL)
    {
      scan_finish (self, NULL, FALSE);
      return;
    }
  pi_keyring_backend_list_async (self->scan_auth_backend, PI_KEYRING_DEFAULT_PROFILE,
                                 self->cancellable, on_auth_listed, g_object_ref (self));
}

static void
on_recovered_stored (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(PiKeyringChangeTracker) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!_pi_keyring_recovery_restore_finish (result, &error) && error == NULL)
    g_debug ("A refreshed credential kept for recovery could not be stored yet");
  if (self->stopped)
    return;

  pi_keyring_backend_list_async (self->backend, self->scan_profile, self->cancellable,
                                 on_backend_listed, g_object_ref (self));
}

static void
scan_start (PiKeyringChangeTracker *self)
{
  if (self->stopped)
    return;
  if (self->scanning)
    {
      self->rescan = TRUE;
      return;
    }

  self->scanning = TRUE;
  self->scan_generation = self->generation;
  g_free (self->scan_profile);
  self->scan_profile = g_strdup (self->profile);
  g_set_object (&self->scan_auth_backend, self->auth_backend);

  if (!self->restore_recovered)
    {
      pi_keyring_backend_list_async (self->backend, self->scan_profile, self->cancellable,
                                     on_backend_listed, g_object_ref (self));
      return;
    }

  /* Refreshed credentials a full disk kept out are stored first. */
  _pi_keyring_recovery_restore_async (self->backend, self->scan_profile,
                                      self->scan_auth_backend, NULL, self->cancellable,
                                      on_recovered_stored, g_object_ref (self));
}

/* Takes the state of every origin in again without telling anything: the
 * store looks at another profile or auth.json. */
static void
forget (PiKeyringChangeTracker *self)
{
  g_hash_table_remove_all (self->digests);
  self->backend_known = FALSE;
  self->auth_known = FALSE;
  schedule_scan (self);
}

/* --- life --- */

void
_pi_keyring_change_tracker_stop (PiKeyringChangeTracker *self)
{
  g_return_if_fail (PI_KEYRING_IS_CHANGE_TRACKER (self));

  self->stopped = TRUE;
  g_cancellable_cancel (self->cancellable);
  if (self->settle_source != NULL)
    {
      g_source_destroy (self->settle_source);
      g_clear_pointer (&self->settle_source, g_source_unref);
    }
  if (self->watch != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->watch, self);
      _pi_keyring_change_watch_stop (self->watch);
      g_clear_object (&self->watch);
    }
}

static void
_pi_keyring_change_tracker_dispose (GObject *object)
{
  _pi_keyring_change_tracker_stop (PI_KEYRING_CHANGE_TRACKER (object));

  G_OBJECT_CLASS (_pi_keyring_change_tracker_parent_class)->dispose (object);
}

static void
_pi_keyring_change_tracker_finalize (GObject *object)
{
  PiKeyringChangeTracker *self = PI_KEYRING_CHANGE_TRACKER (object);

  g_clear_pointer (&self->scan_backend, g_ptr_array_unref);
  g_clear_object (&self->scan_auth_backend);
  g_free (self->scan_profile);
  g_hash_table_unref (self->digests);
  g_hash_table_unref (self->own);
  g_clear_object (&self->backend);
  g_clear_object (&self->auth_backend);
  g_free (self->profile);
  g_object_unref (self->cancellable);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (_pi_keyring_change_tracker_parent_class)->finalize (object);
}

static void
_pi_keyring_change_tracker_class_init (PiKeyringChangeTrackerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = _pi_keyring_change_tracker_dispose;
  object_class->finalize = _pi_keyring_change_tracker_finalize;

  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SCANNED] =
    g_signal_new ("scanned", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
_pi_keyring_change_tracker_init (PiKeyringChangeTracker *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->cancellable = g_cancellable_new ();
  self->digests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->own = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

PiKeyringChangeTracker *
_pi_keyring_change_tracker_new (PiKeyringBackend *backend,
                                const char       *profile,
                                PiKeyringBackend *auth_backend)
{
  PiKeyringChangeTracker *self;

  g_return_val_if_fail (PI_KEYRING_IS_BACKEND (backend), NULL);
  g_return_val_if_fail (profile != NULL, NULL);
  g_return_val_if_fail (auth_backend == NULL || PI_KEYRING_IS_FILE_BACKEND (auth_backend), NULL);

  self = g_object_new (PI_KEYRING_TYPE_CHANGE_TRACKER, NULL);
  self->backend = g_object_ref (backend);
  self->profile = g_strdup (profile);
  self->auth_backend = auth_backend != NULL ? g_object_ref (auth_backend) : NULL;

  self->watch = _pi_keyring_change_watch_new (backend, auth_backend);
  g_signal_connect_swapped (self->watch, "changed", G_CALLBACK (schedule_scan), self);
  /* Soon, not now: a scheduler attached right after shares the first scan. */
  schedule_scan_after (self, 0);

  return self;
}

void
_pi_keyring_change_tracker_set_profile (PiKeyringChangeTracker *self,
                                        const char             *profile)
{
  g_return_if_fail (PI_KEYRING_IS_CHANGE_TRACKER (self));
  g_return_if_fail (profile != NULL);

  g_free (self->profile);
  self->profile = g_strdup (profile);
  forget (self);
}

void
_pi_keyring_change_tracker_set_auth_backend (PiKeyringChangeTracker *self,
                                             PiKeyringBackend       *auth_backend)
{
  g_return_if_fail (PI_KEYRING_IS_CHANGE_TRACKER (self));
  g_return_if_fail (auth_backend == NULL || PI_KEYRING_IS_FILE_BACKEND (auth_backend));

  g_set_object (&self->auth_backend, auth_backend);
  if (self->watch != NULL)
    _pi_keyring_change_watch_set_auth_backend (self->watch, auth_backend);
  forget (self);
}

void
_pi_keyring_change_tracker_note_own_change (PiKeyringChangeTracker *self,
                                            const char             *provider)
{
  guint64 *generation;

  g_return_if_fail (PI_KEYRING_IS_CHANGE_TRACKER (self));
  g_return_if_fail (provider != NULL);

  generation = g_new (guint64, 1);
  *generation = ++self->generation;
  g_hash_table_replace (self->own, g_strdup (provider), generation);
  schedule_scan (self);
}

void
_pi_keyring_change_tracker_queue_scan (PiKeyringChangeTracker *self)
{
  g_return_if_fail (PI_KEYRING_IS_CHANGE_TRACKER (self));

  schedule_scan (self);
}

void
_pi_keyring_change_tracker_scan_soon (PiKeyringChangeTracker *self)
{
  g_return_if_fail (PI_KEYRING_IS_CHANGE_TRACKER (self));

  if (self->scanning)
    self->rescan = TRUE;
  else
    schedule_scan_after (self, 0);
}

void
_pi_keyring_change_tracker_set_restore_recovered (PiKeyringChangeTracker *self,
                                                  gboolean                restore)
{
  g_return_if_fail (PI_KEYRING_IS_CHANGE_TRACKER (self));

  self->restore_recovered = !!restore;
}

guint
_pi_keyring_change_tracker_get_scan_count (PiKeyringChangeTracker *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_CHANGE_TRACKER (self), 0);

  return self->scans;
}

gboolean
_pi_keyring_change_tracker_is_idle (PiKeyringChangeTracker *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_CHANGE_TRACKER (self), TRUE);

  return !self->scanning && self->settle_source == NULL && self->scans > 0 &&
         (self->watch == NULL || _pi_keyring_change_watch_is_ready (self->watch));
}
