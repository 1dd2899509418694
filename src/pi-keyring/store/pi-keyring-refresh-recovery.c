/* pi-keyring-refresh-recovery.c: refreshed credentials that could not be saved, kept until they can
 *
 * A refresh spends the old refresh token: when the new credential cannot be
 * written back to its origin (a full disk), it is kept in
 * $XDG_RUNTIME_DIR/pi-keyring/<profile>/<provider>.recovery (RAM, 0600, in
 * a 0700 directory, written atomically; never under HOME: without
 * XDG_RUNTIME_DIR there is no recovery), with the origin it belongs to.
 * The next store of that origin writes it there first, unless the origin
 * holds a newer credential by then, and removes the file once it is stored.
 * It knows nothing of the store.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "store/pi-keyring-store-private.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#define RECOVERY_FORMAT   "pi-keyring-recovery"
#define RECOVERY_SUFFIX   ".recovery"
#define RECOVERY_MAX_SIZE (1024 * 1024)

/* The runtime directory, only when the environment names one: GLib's
 * fallback is the cache directory, under HOME, which is not RAM. */
static const char *
runtime_dir (void)
{
  const char *dir = g_getenv ("XDG_RUNTIME_DIR");

  return dir != NULL && g_path_is_absolute (dir) ? dir : NULL;
}

char *
_pi_keyring_recovery_path (const char *profile,
                           const char *provider)
{
  if (runtime_dir () == NULL)
    return NULL;

  return _pi_keyring_refresh_file_path (profile, provider, RECOVERY_SUFFIX);
}

/* Room enough for one recovery file: one credential, written atomically. */
#define RECOVERY_ROOM (16 * 1024)

gboolean
_pi_keyring_recovery_can_keep (const char *profile,
                               const char *provider)
{
  g_autofree char *path = _pi_keyring_recovery_path (profile, provider);
  g_autofree char *dir = NULL;

  if (path == NULL || g_access (runtime_dir (), W_OK | X_OK) != 0)
    return FALSE;

  dir = g_path_get_dirname (path);
  return !_pi_keyring_file_dir_lacks_room (dir, RECOVERY_ROOM, NULL);
}

/* What names an origin: its backend's name and, for the file backends,
 * their file. */
static char *
origin_location (PiKeyringBackend *origin)
{
  if (PI_KEYRING_IS_FILE_BACKEND (origin))
    return g_strdup (pi_keyring_file_backend_get_path (PI_KEYRING_FILE_BACKEND (origin)));
  if (PI_KEYRING_IS_ENCRYPTED_FILE_BACKEND (origin))
    return g_strdup (pi_keyring_encrypted_file_backend_get_path (
                       PI_KEYRING_ENCRYPTED_FILE_BACKEND (origin)));
  return g_strdup ("");
}

gboolean
_pi_keyring_recovery_save (PiKeyringBackend     *origin,
                           PiKeyringCredential  *credential,
                           char                **out_path,
                           GError              **error)
{
  const char *provider = pi_keyring_credential_get_provider (credential);
  const char *profile = pi_keyring_credential_get_profile (credential);
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *location = NULL;
  g_autoptr(PiKeyringSecretString) text = NULL;
  JsonObject *doc;

  if (PI_KEYRING_IS_MEMORY_BACKEND (origin))
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("A credential of the memory backend is not kept for later."));
      return FALSE;
    }

  path = _pi_keyring_recovery_path (profile, provider);
  if (path == NULL)
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("There is no runtime directory (XDG_RUNTIME_DIR) to keep it in."));
      return FALSE;
    }

  dir = g_path_get_dirname (path);
  if (!_pi_keyring_file_ensure_private_dir (dir, error))
    return FALSE;

  location = origin_location (origin);
  doc = json_object_new ();
  json_object_set_string_member (doc, "format", RECOVERY_FORMAT);
  json_object_set_int_member (doc, "version", 1);
  json_object_set_string_member (doc, "backend", pi_keyring_backend_get_name (origin));
  json_object_set_string_member (doc, "location", location);
  json_object_set_string_member (doc, "provider", provider);
  json_object_set_string_member (doc, "profile", profile);
  json_object_set_member (doc, "credential", _pi_keyring_credential_dup_node (credential));
  text = _pi_keyring_json_object_stringify (doc, 0);
  _pi_keyring_json_object_wipe (doc);
  json_object_unref (doc);

  if (!_pi_keyring_json_text_check (text, path, error) ||
      !_pi_keyring_file_write_atomic (path, text, strlen (text), error))
    return FALSE;

  g_debug ("Kept the refreshed credential of %s in %s", provider, path);
  if (out_path != NULL)
    *out_path = g_steal_pointer (&path);
  return TRUE;
}

/* The string @name of @doc, or NULL when it is missing or not a string. */
static const char *
string_member (JsonObject *doc,
               const char *name)
{
  JsonNode *node = json_object_get_member (doc, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

/* The recovery file at @path: its document, or NULL when it is missing or
 * not one (then it is left alone). */
static JsonObject *
read_recovery (const char *path)
{
  g_autoptr(GError) error = NULL;
  JsonObject *doc;
  char *data = NULL;
  gsize length = 0;

  if (_pi_keyring_file_read_secret (path, RECOVERY_MAX_SIZE, &data, &length, &error) !=
      PI_KEYRING_FILE_READ_OK)
    {
      if (error != NULL)
        g_debug ("Could not read %s: %s", path, error->message);
      return NULL;
    }

  doc = _pi_keyring_auth_json_parse (data, length, path, &error);
  _pi_keyring_file_secret_free (data, length);
  if (doc == NULL)
    {
      g_debug ("Could not read %s: %s", path, error->message);
      return NULL;
    }

  if (g_strcmp0 (string_member (doc, "format"), RECOVERY_FORMAT) != 0 ||
      string_member (doc, "backend") == NULL || string_member (doc, "location") == NULL ||
      string_member (doc, "provider") == NULL || string_member (doc, "profile") == NULL ||
      json_object_get_member (doc, "credential") == NULL ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (doc, "credential")))
    {
      _pi_keyring_json_object_wipe (doc);
      json_object_unref (doc);
      return NULL;
    }

  return doc;
}

static void
recovery_doc_free (JsonObject *doc)
{
  _pi_keyring_json_object_wipe (doc);
  json_object_unref (doc);
}

typedef JsonObject RecoveryDocument;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RecoveryDocument, recovery_doc_free)

static gboolean
doc_is_for (JsonObject       *doc,
            PiKeyringBackend *origin)
{
  g_autofree char *location = origin_location (origin);

  return g_strcmp0 (string_member (doc, "backend"),
                    pi_keyring_backend_get_name (origin)) == 0 &&
         g_strcmp0 (string_member (doc, "location"),
                    location) == 0;
}

static PiKeyringCredential *
doc_credential (JsonObject *doc)
{
  JsonNode *copy = _pi_keyring_json_node_deep_copy (json_object_get_member (doc, "credential"));
  JsonObject *object = json_object_ref (json_node_get_object (copy));
  PiKeyringCredential *credential;

  json_node_unref (copy);
  credential = _pi_keyring_credential_new_take_object (
    string_member (doc, "provider"),
    string_member (doc, "profile"), object);
  if (pi_keyring_credential_get_kind (credential) != PI_KEYRING_CREDENTIAL_KIND_OAUTH)
    g_clear_object (&credential);

  return credential;
}

PiKeyringCredential *
_pi_keyring_recovery_load (PiKeyringBackend *origin,
                           const char       *profile,
                           const char       *provider)
{
  g_autofree char *path = _pi_keyring_recovery_path (profile, provider);
  g_autoptr(RecoveryDocument) doc = NULL;

  if (path == NULL || PI_KEYRING_IS_MEMORY_BACKEND (origin))
    return NULL;

  doc = read_recovery (path);
  if (doc == NULL || !doc_is_for (doc, origin))
    return NULL;

  return doc_credential (doc);
}

void
_pi_keyring_recovery_forget (PiKeyringBackend *origin,
                             const char       *profile,
                             const char       *provider)
{
  g_autofree char *path = _pi_keyring_recovery_path (profile, provider);
  g_autoptr(RecoveryDocument) doc = NULL;

  if (path == NULL || PI_KEYRING_IS_MEMORY_BACKEND (origin))
    return;

  doc = read_recovery (path);
  if (doc == NULL || !doc_is_for (doc, origin))
    return;

  if (g_unlink (path) != 0 && errno != ENOENT)
    g_debug ("Could not remove %s: %s", path, g_strerror (errno));
  else
    g_debug ("Removed %s", path);
}

gboolean
_pi_keyring_recovery_is_older (PiKeyringCredential *recovered,
                               PiKeyringCredential *current)
{
  if (current == NULL ||
      pi_keyring_credential_get_kind (current) != PI_KEYRING_CREDENTIAL_KIND_OAUTH ||
      !pi_keyring_credential_has_expires (current))
    return FALSE;
  if (!pi_keyring_credential_has_expires (recovered))
    return TRUE;

  return pi_keyring_credential_get_expires (recovered) <=
         pi_keyring_credential_get_expires (current);
}

/* Every recovery file of @profile (NULL: of every profile). */
static GPtrArray *
list_paths (const char *profile)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *base = NULL;
  g_autoptr(GDir) top = NULL;
  const char *name;

  if (runtime_dir () == NULL)
    return paths;

  base = g_build_filename (runtime_dir (), "pi-keyring", NULL);
  top = g_dir_open (base, 0, NULL);
  while (top != NULL && (name = g_dir_read_name (top)) != NULL)
    {
      g_autofree char *sub = g_build_filename (base, name, NULL);
      g_autoptr(GDir) dir = NULL;
      const char *file;

      if (profile != NULL)
        {
          g_autofree char *probe = _pi_keyring_refresh_file_path (profile, "x", RECOVERY_SUFFIX);
          g_autofree char *probe_dir = g_path_get_dirname (probe);

          if (!g_str_equal (probe_dir, sub))
            continue;
        }

      dir = g_dir_open (sub, 0, NULL);
      while (dir != NULL && (file = g_dir_read_name (dir)) != NULL)
        if (g_str_has_suffix (file, RECOVERY_SUFFIX))
          g_ptr_array_add (paths, g_build_filename (sub, file, NULL));
    }

  return paths;
}

char **
_pi_keyring_recovery_describe (const char *provider)
{
  g_autoptr(GPtrArray) paths = list_paths (NULL);
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_autoptr(RecoveryDocument) doc = read_recovery (path);
      const char *id, *name;
      g_autofree char *display = NULL;

      if (doc == NULL)
        continue;
      id = string_member (doc, "provider");
      if (id == NULL || (provider != NULL && g_strcmp0 (id, provider) != 0))
        continue;

      name = pi_keyring_catalog_get_display_name (id);
      display = g_filename_display_name (path);
      g_ptr_array_add (out, g_strdup_printf (_("A refreshed token for %s could not be saved; "
                                               "it is kept in %s; it will be stored on the "
                                               "next command when there is room."),
                                             name != NULL ? name : id, display));
    }

  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

/* --- storing what was kept --- */

typedef struct
{
  GQueue                queue;    /* RestoreItem */
  PiKeyringRefreshLock *flock;
  GMainContext         *context;
  guint                 pending;  /* kept still: not stored this time */
} RestoreData;

typedef struct
{
  char                *path;
  PiKeyringBackend    *origin;
  PiKeyringCredential *credential;
} RestoreItem;

static void
restore_item_free (RestoreItem *item)
{
  g_free (item->path);
  g_object_unref (item->origin);
  g_object_unref (item->credential);
  g_free (item);
}

static void
restore_data_free (RestoreData *data)
{
  g_queue_clear_full (&data->queue, (GDestroyNotify) restore_item_free);
  g_clear_pointer (&data->flock, _pi_keyring_refresh_lock_release);
  g_main_context_unref (data->context);
  g_free (data);
}

static void restore_next (GTask *task);

static void
restore_done (GTask    *task,
              gboolean  removed)
{
  RestoreData *data = g_task_get_task_data (task);
  RestoreItem *item = g_queue_pop_head (&data->queue);

  if (removed)
    {
      if (g_unlink (item->path) != 0 && errno != ENOENT)
        g_debug ("Could not remove %s: %s", item->path, g_strerror (errno));
    }
  else
    data->pending++;

  g_clear_pointer (&data->flock, _pi_keyring_refresh_lock_release);
  restore_item_free (item);
  restore_next (task);
}

static void
on_restore_stored (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  RestoreData *data = g_task_get_task_data (task);
  RestoreItem *item = g_queue_peek_head (&data->queue);
  g_autoptr(GError) error = NULL;

  if (!pi_keyring_backend_store_finish (PI_KEYRING_BACKEND (source), result, &error))
    {
      g_debug ("The refreshed credential of %s kept in %s is still not stored: %s",
               pi_keyring_credential_get_provider (item->credential), item->path,
               error->message);
      restore_done (task, FALSE);
      return;
    }

  g_debug ("Stored the refreshed credential of %s kept in %s",
           pi_keyring_credential_get_provider (item->credential), item->path);
  restore_done (task, TRUE);
}

static void
on_restore_looked_up (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GTask *task = user_data;
  RestoreData *data = g_task_get_task_data (task);
  RestoreItem *item = g_queue_peek_head (&data->queue);
  g_autoptr(PiKeyringCredential) current = NULL;
  g_autoptr(GError) error = NULL;

  current = pi_keyring_backend_lookup_finish (PI_KEYRING_BACKEND (source), result, &error);
  if (error != NULL)
    {
      g_debug ("Could not read %s back: %s",
               pi_keyring_credential_get_provider (item->credential), error->message);
      restore_done (task, FALSE);
      return;
    }

  /* Logged out meanwhile, or something newer is there: discarded. */
  if (current == NULL || _pi_keyring_recovery_is_older (item->credential, current))
    {
      g_debug ("Discarding %s: the origin has no such entry or a newer one", item->path);
      restore_done (task, TRUE);
      return;
    }

  /* Not cancellable: the refresh token in the origin may be spent. */
  pi_keyring_backend_store_async (item->origin, item->credential, NULL, on_restore_stored, task);
}

static void
restore_next (GTask *task)
{
  RestoreData *data = g_task_get_task_data (task);
  RestoreItem *item;

  while ((item = g_queue_peek_head (&data->queue)) != NULL)
    {
      const char *provider = pi_keyring_credential_get_provider (item->credential);
      const char *profile = pi_keyring_credential_get_profile (item->credential);
      g_autofree char *lock_path = _pi_keyring_refresh_lock_path (profile, provider);
      g_autoptr(GError) error = NULL;

      /* A refresh of it running now stores or replaces it itself. */
      data->flock = _pi_keyring_refresh_lock_try (lock_path, data->context, &error);
      if (data->flock == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY))
        {
          data->pending++;
          restore_item_free (g_queue_pop_head (&data->queue));
          continue;
        }

      pi_keyring_backend_lookup_async (item->origin, provider, profile, NULL,
                                       on_restore_looked_up, task);
      return;
    }

  g_task_return_boolean (task, data->pending == 0);
  g_object_unref (task);
}

static void
queue_origin (RestoreData      *data,
              PiKeyringBackend *origin,
              const char       *profile)
{
  g_autoptr(GPtrArray) paths = NULL;

  if (origin == NULL || PI_KEYRING_IS_MEMORY_BACKEND (origin))
    return;

  paths = list_paths (profile);
  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_autoptr(RecoveryDocument) doc = read_recovery (path);
      PiKeyringCredential *credential;
      RestoreItem *item;

      if (doc == NULL || !doc_is_for (doc, origin) ||
          g_strcmp0 (string_member (doc, "profile"), profile) != 0)
        continue;
      credential = doc_credential (doc);
      if (credential == NULL)
        continue;

      item = g_new0 (RestoreItem, 1);
      item->path = g_strdup (path);
      item->origin = g_object_ref (origin);
      item->credential = credential;
      g_queue_push_tail (&data->queue, item);
    }
}

void
_pi_keyring_recovery_restore_async (PiKeyringBackend    *backend,
                                    const char          *profile,
                                    PiKeyringBackend    *auth_backend,
                                    gpointer             source_object,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task;
  RestoreData *data;

  g_return_if_fail (PI_KEYRING_IS_BACKEND (backend));
  g_return_if_fail (profile != NULL);
  g_return_if_fail (auth_backend == NULL || PI_KEYRING_IS_BACKEND (auth_backend));

  task = g_task_new (source_object, cancellable, callback, user_data);
  g_task_set_source_tag (task, _pi_keyring_recovery_restore_async);
  data = g_new0 (RestoreData, 1);
  g_queue_init (&data->queue);
  data->context = g_main_context_ref_thread_default ();
  g_task_set_task_data (task, data, (GDestroyNotify) restore_data_free);

  queue_origin (data, backend, profile);
  if (auth_backend != backend)
    queue_origin (data, auth_backend, PI_KEYRING_DEFAULT_PROFILE);

  restore_next (task);
}

gboolean
_pi_keyring_recovery_restore_finish (GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        _pi_keyring_recovery_restore_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
