/* daemon-objects.c: the daemon's org.freedesktop.DBus.ObjectManager, one
 * dev.pi.Keyring1.Credential object per credential stored in its backend
 *
 * The objects follow the whole backend, every profile, whoever writes it:
 * the keyring's item signals (or a monitor on the backend's file) and the
 * daemon's own changes ask for a scan; a scan, once the changes have settled,
 * lists the backend and compares each credential's digest with the last
 * one, exporting, updating and unexporting objects (InterfacesAdded,
 * PropertiesChanged, InterfacesRemoved). Attention comes from the daemon's
 * failed refreshes (daemon_objects_refresh_failed) and from a locked
 * keyring; a changed credential clears a failure. It knows nothing of the
 * daemon's stores: it tells the daemon what changed and hands it the
 * method calls.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "daemon-objects.h"

#include "cli-dbus.h"
#include "daemon-dbus-generated.h"

/* Changes are taken in once they have come for this long: a `set` writes
 * an item and then its attributes. */
#define SETTLE_MS 150

/* The retry time of a failed refresh the library's scheduler uses
 * (DESIGN §6): 30 s, doubling with each failure, at most 15 minutes. */
#define BACKOFF_FIRST_MS (30 * 1000)
#define BACKOFF_MAX_MS   (15 * 60 * 1000)

#define SECRETS_BUS_NAME        "org.freedesktop.secrets"
#define SECRET_SERVICE_IFACE    "org.freedesktop.Secret.Service"
#define SECRET_COLLECTION_IFACE "org.freedesktop.Secret.Collection"

#define ERROR_LOCKED    "dev.pi.Keyring1.Error.Locked"
#define ERROR_TEMPORARY "dev.pi.Keyring1.Error.Temporary"
#define ERROR_RATE      "dev.pi.Keyring1.Error.RateLimited"

typedef struct
{
  char   *name;      /* dev.pi.Keyring1.Error.… */
  char   *message;
  guint   failures;  /* in a row, for the backoff */
  gint64  retry_at;  /* ms; 0: none */
} Failure;

typedef struct
{
  DaemonObjects                *objects;
  char                         *provider;
  char                         *profile;
  char                         *digest;
  DaemonDBusObjectSkeleton     *object;
  DaemonDBusKeyring1Credential *iface;
} Entry;

struct _DaemonObjects
{
  GDBusConnection          *bus;
  PiKeyringBackend         *backend;
  GDBusObjectManagerServer *manager;
  char                     *manager_path;
  DaemonObjectsCallFunc     call;
  DaemonObjectsChangedFunc  changed;
  gpointer                  user_data;

  GHashTable               *entries;   /* "profile\nprovider" → Entry */
  GHashTable               *failures;  /* "profile\nprovider" → Failure */
  gboolean                  locked;
  gboolean                  scanned;   /* a scan has succeeded */

  GCancellable             *cancellable;
  guint                     settle_id;
  gboolean                  scanning;
  gboolean                  rescan;

  guint                     service_signal_id;
  guint                     collection_signal_id;
  GFileMonitor             *monitor;
};

static char *
entry_key (const char *profile,
           const char *provider)
{
  return g_strconcat (profile, "\n", provider, NULL);
}

static void
failure_free (Failure *failure)
{
  g_free (failure->name);
  g_free (failure->message);
  g_free (failure);
}

/* --- the objects --- */

static void
entry_apply (Entry *entry)
{
  DaemonObjects *self = entry->objects;
  g_autofree char *key = entry_key (entry->profile, entry->provider);
  Failure *failure = g_hash_table_lookup (self->failures, key);
  const char *reason = "";
  const char *message = "";
  gint64 retry_at = 0;

  if (self->locked)
    {
      reason = ERROR_LOCKED;
      message = _("The keyring is locked.");
    }
  else if (failure != NULL)
    {
      reason = failure->name;
      message = failure->message;
      retry_at = failure->retry_at;
    }

  daemon_dbus_keyring1_credential_set_attention_reason (entry->iface, reason);
  daemon_dbus_keyring1_credential_set_attention_message (entry->iface, message);
  daemon_dbus_keyring1_credential_set_retry_at (entry->iface, retry_at);
  daemon_dbus_keyring1_credential_set_attention_needed (entry->iface, *reason != '\0');
}

static void
entry_set_credential (Entry               *entry,
                      PiKeyringCredential *credential)
{
  PiKeyringCredentialKind kind = pi_keyring_credential_get_kind (credential);
  gint64 expires = 0;

  if (kind == PI_KEYRING_CREDENTIAL_KIND_OAUTH && pi_keyring_credential_has_expires (credential))
    expires = pi_keyring_credential_get_expires (credential);

  daemon_dbus_keyring1_credential_set_kind (entry->iface, cli_kind_to_string (kind));
  daemon_dbus_keyring1_credential_set_expires (entry->iface, expires);
}

static gboolean
on_handle_call (Entry                 *entry,
                GDBusMethodInvocation *invocation,
                DaemonObjectMethod     method)
{
  DaemonObjects *self = entry->objects;

  self->call (invocation, method, entry->provider, entry->profile, self->user_data);

  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_handle_get_access_token (DaemonDBusKeyring1Credential *iface,
                            GDBusMethodInvocation        *invocation,
                            Entry                        *entry)
{
  return on_handle_call (entry, invocation, DAEMON_OBJECT_GET_ACCESS_TOKEN);
}

static gboolean
on_handle_ensure_credentials (DaemonDBusKeyring1Credential *iface,
                              GDBusMethodInvocation        *invocation,
                              Entry                        *entry)
{
  return on_handle_call (entry, invocation, DAEMON_OBJECT_ENSURE_CREDENTIALS);
}

static gboolean
on_handle_refresh (DaemonDBusKeyring1Credential *iface,
                   GDBusMethodInvocation        *invocation,
                   Entry                        *entry)
{
  return on_handle_call (entry, invocation, DAEMON_OBJECT_REFRESH);
}

/* Any valid name gives one path segment of [A-Za-z0-9_], and two names
 * never the same one: g_dbus_escape_object_path () escapes "_" too. */
static char *
object_path_for (DaemonObjects *self,
                 const char    *profile,
                 const char    *provider)
{
  g_autofree char *escaped_profile = g_dbus_escape_object_path (profile);
  g_autofree char *escaped_provider = g_dbus_escape_object_path (provider);

  return g_strconcat (self->manager_path, "/Credentials/", escaped_profile, "/",
                      escaped_provider, NULL);
}

static Entry *
entry_new (DaemonObjects       *self,
           PiKeyringCredential *credential,
           const char          *digest)
{
  Entry *entry = g_new0 (Entry, 1);
  g_autofree char *path = NULL;

  entry->objects = self;
  entry->provider = g_strdup (pi_keyring_credential_get_provider (credential));
  entry->profile = g_strdup (pi_keyring_credential_get_profile (credential));
  entry->digest = g_strdup (digest);

  path = object_path_for (self, entry->profile, entry->provider);
  entry->object = daemon_dbus_object_skeleton_new (path);
  entry->iface = daemon_dbus_keyring1_credential_skeleton_new ();
  daemon_dbus_keyring1_credential_set_provider (entry->iface, entry->provider);
  daemon_dbus_keyring1_credential_set_profile (entry->iface, entry->profile);
  entry_set_credential (entry, credential);
  entry_apply (entry);

  g_signal_connect (entry->iface, "handle-get-access-token",
                    G_CALLBACK (on_handle_get_access_token), entry);
  g_signal_connect (entry->iface, "handle-ensure-credentials",
                    G_CALLBACK (on_handle_ensure_credentials), entry);
  g_signal_connect (entry->iface, "handle-refresh", G_CALLBACK (on_handle_refresh), entry);
  daemon_dbus_object_skeleton_set_keyring1_credential (entry->object, entry->iface);

  return entry;
}

static void
entry_free (Entry *entry)
{
  g_signal_handlers_disconnect_by_data (entry->iface, entry);
  g_clear_object (&entry->iface);
  g_clear_object (&entry->object);
  g_free (entry->provider);
  g_free (entry->profile);
  g_free (entry->digest);
  g_free (entry);
}

/* --- scanning --- */

/* Of the whole entry, secrets included, so that a refreshed token is a
 * change; the JSON is wiped, only the digest is kept. */
static char *
credential_digest (PiKeyringCredential *credential)
{
  g_autofree char *json = pi_keyring_credential_to_json (credential);
  char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, json, -1);

  explicit_bzero (json, strlen (json));
  return digest;
}

static void
apply_all (DaemonObjects *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    entry_apply (value);
}

static void
tell_changed (DaemonObjects       *self,
              const char          *provider,
              const char          *profile,
              PiKeyringCredential *credential)
{
  g_debug ("Credential object %s/%s %s", profile, provider,
           credential != NULL ? "changed" : "removed");
  if (self->changed != NULL)
    self->changed (provider, profile, credential, self->user_data);
}

static void
take_list (DaemonObjects *self,
           GPtrArray     *credentials)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  gboolean first = !self->scanned;
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < credentials->len; i++)
    {
      PiKeyringCredential *credential = credentials->pdata[i];
      const char *provider = pi_keyring_credential_get_provider (credential);
      const char *profile = pi_keyring_credential_get_profile (credential);
      g_autofree char *digest = credential_digest (credential);
      char *entry_id = entry_key (profile, provider);
      Entry *entry = g_hash_table_lookup (self->entries, entry_id);

      /* Listed twice (newest first): the first one counts. */
      if (!g_hash_table_add (seen, entry_id))
        continue;

      if (entry == NULL)
        {
          entry = entry_new (self, credential, digest);
          g_hash_table_insert (self->entries, g_strdup (entry_id), entry);
          g_dbus_object_manager_server_export (self->manager,
                                               G_DBUS_OBJECT_SKELETON (entry->object));
          if (!first)
            tell_changed (self, provider, profile, credential);
        }
      else if (!g_str_equal (entry->digest, digest))
        {
          /* Refreshed, logged in again, set anew: what failed is over. */
          g_hash_table_remove (self->failures, entry_id);
          g_free (entry->digest);
          entry->digest = g_steal_pointer (&digest);
          entry_set_credential (entry, credential);
          entry_apply (entry);
          tell_changed (self, provider, profile, credential);
        }
    }

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Entry *entry = value;

      if (g_hash_table_contains (seen, key))
        continue;

      g_dbus_object_manager_server_unexport (self->manager,
                                             g_dbus_object_get_object_path (G_DBUS_OBJECT (entry->object)));
      g_hash_table_remove (self->failures, key);
      g_hash_table_iter_steal (&iter);
      g_free (key);
      g_ptr_array_add (gone, entry);
    }

  for (guint i = 0; i < gone->len; i++)
    {
      Entry *entry = gone->pdata[i];

      tell_changed (self, entry->provider, entry->profile, NULL);
    }
}

static void start_scan (DaemonObjects *self);

static void
on_listed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GCancellable) cancellable = user_data;
  g_autoptr(GPtrArray) credentials = NULL;
  g_autoptr(GError) error = NULL;
  DaemonObjects *self;

  credentials = pi_keyring_backend_list_finish (PI_KEYRING_BACKEND (source), result, &error);
  /* Cancelled when the objects were freed, whatever the list says. */
  if (g_cancellable_is_cancelled (cancellable))
    return;

  self = g_object_get_data (G_OBJECT (cancellable), "daemon-objects");
  self->scanning = FALSE;

  if (credentials == NULL)
    {
      g_debug ("Could not list the credentials for their objects: %s", error->message);
      if (g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED) && !self->locked)
        {
          self->locked = TRUE;
          apply_all (self);
        }
    }
  else
    {
      gboolean was_locked = self->locked;

      self->locked = FALSE;
      take_list (self, credentials);
      self->scanned = TRUE;
      if (was_locked)
        apply_all (self);
    }

  if (self->rescan)
    {
      self->rescan = FALSE;
      start_scan (self);
    }
}

static void
start_scan (DaemonObjects *self)
{
  if (self->scanning)
    {
      self->rescan = TRUE;
      return;
    }

  self->scanning = TRUE;
  pi_keyring_backend_list_async (self->backend, NULL, self->cancellable, on_listed,
                                 g_object_ref (self->cancellable));
}

static gboolean
on_settled (gpointer user_data)
{
  DaemonObjects *self = user_data;

  self->settle_id = 0;
  start_scan (self);

  return G_SOURCE_REMOVE;
}

void
daemon_objects_rescan (DaemonObjects *self)
{
  g_return_if_fail (self != NULL);

  if (self->settle_id != 0)
    g_source_remove (self->settle_id);
  self->settle_id = g_timeout_add (SETTLE_MS, on_settled, self);
}

/* --- watching the backend --- */

static void
on_keyring_signal (GDBusConnection *connection,
                   const char      *sender,
                   const char      *path,
                   const char      *iface,
                   const char      *signal_name,
                   GVariant        *parameters,
                   gpointer         user_data)
{
  daemon_objects_rescan (user_data);
}

static void
on_file_changed (GFileMonitor      *monitor,
                 GFile             *file,
                 GFile             *other_file,
                 GFileMonitorEvent  event_type,
                 gpointer           user_data)
{
  if (event_type == G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED ||
      event_type == G_FILE_MONITOR_EVENT_PRE_UNMOUNT)
    return;

  daemon_objects_rescan (user_data);
}

static void
watch_backend (DaemonObjects *self)
{
  const char *name = pi_keyring_backend_get_name (self->backend);

  if (g_str_equal (name, "secret-service"))
    {
      /* Every collection: the scan lists the default one, and an unlocked
       * or a new default collection shows in the Service's signals. */
      self->collection_signal_id =
        g_dbus_connection_signal_subscribe (self->bus, SECRETS_BUS_NAME, SECRET_COLLECTION_IFACE,
                                            NULL, NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                            on_keyring_signal, self, NULL);
      self->service_signal_id =
        g_dbus_connection_signal_subscribe (self->bus, SECRETS_BUS_NAME, SECRET_SERVICE_IFACE,
                                            NULL, NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                            on_keyring_signal, self, NULL);
    }
  else if (g_str_equal (name, "file") || g_str_equal (name, "encrypted-file"))
    {
      g_autofree char *path = cli_dbus_get_backend_path (self->backend);
      g_autoptr(GFile) file = NULL;
      g_autoptr(GError) error = NULL;

      if (path == NULL || *path == '\0')
        return;
      file = g_file_new_for_path (path);
      self->monitor = g_file_monitor_file (file, G_FILE_MONITOR_NONE, NULL, &error);
      if (self->monitor == NULL)
        {
          g_debug ("Not watching %s: %s", path, error->message);
          return;
        }
      g_signal_connect (self->monitor, "changed", G_CALLBACK (on_file_changed), self);
    }
  /* The memory backend is the daemon's own: its changes come through
   * daemon_objects_rescan (). */
}

/* --- attention --- */

void
daemon_objects_refresh_failed (DaemonObjects *self,
                               const char    *provider,
                               const char    *profile,
                               const char    *error_name,
                               const char    *message)
{
  g_autofree char *key = NULL;
  Failure *failure;
  Entry *entry;

  g_return_if_fail (self != NULL);
  g_return_if_fail (provider != NULL && profile != NULL && error_name != NULL);

  /* A locked keyring is the keyring's state, not the credential's: the
   * next scan sees it, and sees it go. */
  if (g_str_equal (error_name, ERROR_LOCKED))
    {
      daemon_objects_rescan (self);
      return;
    }

  key = entry_key (profile, provider);
  failure = g_hash_table_lookup (self->failures, key);
  if (failure == NULL)
    {
      failure = g_new0 (Failure, 1);
      g_hash_table_insert (self->failures, g_strdup (key), failure);
    }

  g_free (failure->name);
  failure->name = g_strdup (error_name);
  g_free (failure->message);
  failure->message = g_strdup (message != NULL ? message : "");
  if (g_str_equal (error_name, ERROR_TEMPORARY) || g_str_equal (error_name, ERROR_RATE))
    {
      gint64 wait = BACKOFF_FIRST_MS;

      failure->failures++;
      for (guint i = 1; i < failure->failures && wait < BACKOFF_MAX_MS; i++)
        wait *= 2;
      failure->retry_at = g_get_real_time () / 1000 + MIN (wait, BACKOFF_MAX_MS);
    }
  else
    {
      failure->failures = 0;
      failure->retry_at = 0;
    }

  entry = g_hash_table_lookup (self->entries, key);
  if (entry != NULL)
    entry_apply (entry);
}

gboolean
daemon_objects_get_attention (DaemonObjects  *self,
                              const char     *provider,
                              const char     *profile,
                              const char    **out_reason,
                              const char    **out_message,
                              gint64         *out_retry_at)
{
  g_autofree char *key = NULL;
  Entry *entry;

  g_return_val_if_fail (self != NULL, FALSE);

  key = entry_key (profile, provider);
  entry = g_hash_table_lookup (self->entries, key);
  if (entry == NULL || !daemon_dbus_keyring1_credential_get_attention_needed (entry->iface))
    return FALSE;

  *out_reason = daemon_dbus_keyring1_credential_get_attention_reason (entry->iface);
  *out_message = daemon_dbus_keyring1_credential_get_attention_message (entry->iface);
  *out_retry_at = daemon_dbus_keyring1_credential_get_retry_at (entry->iface);
  return TRUE;
}

/* --- life --- */

DaemonObjects *
daemon_objects_new (GDBusConnection          *bus,
                    const char               *manager_path,
                    PiKeyringBackend         *backend,
                    DaemonObjectsCallFunc     call,
                    DaemonObjectsChangedFunc  changed,
                    gpointer                  user_data)
{
  DaemonObjects *self;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (bus), NULL);
  g_return_val_if_fail (g_variant_is_object_path (manager_path), NULL);
  g_return_val_if_fail (PI_KEYRING_IS_BACKEND (backend), NULL);
  g_return_val_if_fail (call != NULL, NULL);

  self = g_new0 (DaemonObjects, 1);
  self->bus = g_object_ref (bus);
  self->backend = g_object_ref (backend);
  self->manager_path = g_strdup (manager_path);
  self->call = call;
  self->changed = changed;
  self->user_data = user_data;
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) entry_free);
  self->failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) failure_free);
  self->cancellable = g_cancellable_new ();
  g_object_set_data (G_OBJECT (self->cancellable), "daemon-objects", self);

  self->manager = g_dbus_object_manager_server_new (manager_path);
  g_dbus_object_manager_server_set_connection (self->manager, bus);

  watch_backend (self);
  start_scan (self);

  return self;
}

void
daemon_objects_free (DaemonObjects *self)
{
  if (self == NULL)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->settle_id, g_source_remove);
  if (self->collection_signal_id != 0)
    g_dbus_connection_signal_unsubscribe (self->bus, self->collection_signal_id);
  if (self->service_signal_id != 0)
    g_dbus_connection_signal_unsubscribe (self->bus, self->service_signal_id);
  if (self->monitor != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->monitor, self);
      g_file_monitor_cancel (self->monitor);
      g_clear_object (&self->monitor);
    }

  /* Unexports every object: InterfacesRemoved for each. */
  g_dbus_object_manager_server_set_connection (self->manager, NULL);
  g_clear_object (&self->manager);
  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_pointer (&self->failures, g_hash_table_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->backend);
  g_clear_object (&self->bus);
  g_free (self->manager_path);
  g_free (self);
}
