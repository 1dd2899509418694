/* pi-keyring-secret-service-backend.c: credentials in the Secret Service keyring
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "backends/pi-keyring-secret-service-private.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

/**
 * PiKeyringSecretServiceBackend:
 *
 * A backend that keeps credentials in the user's default Secret Service
 * collection (GNOME Keyring, KWallet and others), one item per provider and
 * profile.
 *
 * Items use the schema %PI_KEYRING_SECRET_SCHEMA_NAME with the attributes
 * `provider`, `profile`, `kind` (`api_key`, `oauth` or `other`) and
 * `created` (when the credential was first stored, in microseconds since the
 * epoch; [method@Backend.list_async] returns credentials in that order). The
 * secret is the auth.json entry as JSON (`text/plain`), so that
 * `secret-tool lookup provider openai profile default` prints it.
 *
 * The backend never creates a collection, never starts a session bus
 * (no D-Bus autolaunch), never shows an unlock prompt, and gives every call
 * `PI_KEYRING_TIMEOUT` seconds (5 by default). A locked collection is
 * reported as %PI_KEYRING_ERROR_LOCKED, never as "not stored"; a missing
 * bus, Secret Service or default collection, and a Secret Service that does
 * not answer in time, as %PI_KEYRING_ERROR_UNAVAILABLE.
 *
 * Since: 0.1
 */
struct _PiKeyringSecretServiceBackend
{
  GObject  parent_instance;

  GMutex   lock;
  /* The default collection's label, as last seen; for get_location () */
  char    *collection_label;
};

static void backend_iface_init (PiKeyringBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PiKeyringSecretServiceBackend, pi_keyring_secret_service_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PI_KEYRING_TYPE_BACKEND, backend_iface_init))

#define SECRETS_BUS_NAME "org.freedesktop.secrets"

/* How often the writers' lock is tried again while another pi-keyring
 * holds it; the operation's time limit bounds the wait. */
#define WRITE_LOCK_POLL_MS 10

/* --- Reaching the session bus without autolaunch --- */

static gboolean
address_may_autolaunch (const char *address)
{
  g_auto(GStrv) entries = g_strsplit (address, ";", -1);

  for (guint i = 0; entries[i] != NULL; i++)
    if (g_str_has_prefix (g_strstrip (entries[i]), "autolaunch:"))
      return TRUE;

  return FALSE;
}

gboolean
_pi_keyring_session_bus_reachable (GError **error)
{
  const char *address = g_getenv ("DBUS_SESSION_BUS_ADDRESS");
  g_autofree char *socket_path = NULL;
  struct stat st;

  if (address != NULL && *address != '\0')
    {
      if (!address_may_autolaunch (address))
        return TRUE;

      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_UNAVAILABLE,
                   _("No session bus can be used: DBUS_SESSION_BUS_ADDRESS asks for "
                     "an autolaunched bus, and pi-keyring never starts one."));
      return FALSE;
    }

  socket_path = g_build_filename (g_get_user_runtime_dir (), "bus", NULL);
  if (stat (socket_path, &st) == 0 && S_ISSOCK (st.st_mode))
    return TRUE;

  g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_UNAVAILABLE,
               _("No session bus is running: DBUS_SESSION_BUS_ADDRESS is not set "
                 "and there is no bus socket at “%s”."), socket_path);
  return FALSE;
}

/* --- Operations: one GTask each, bounded in time --- */

typedef enum
{
  OP_PROBE,
  OP_CHECK,
  OP_LOOKUP,
  OP_STORE,
  OP_REMOVE,
  OP_LIST,
} OpKind;

typedef struct
{
  OpKind               kind;

  /* Ours: cancelled by the caller's cancellable and by the time-out */
  GCancellable        *cancellable;
  GCancellable        *caller_cancellable;
  gulong               caller_handler;
  GSource             *timeout_source;
  guint                timeout_ms;
  gboolean             over;      /* the task has returned */
  gboolean             timed_out; /* ... because its time was up */
  /* Waiting for the session bus itself (its connection, or the bus
   * daemon's own answers): a time-out is the bus's, not the keyring's. */
  gboolean             waiting_for_bus;
  GDBusConnection     *bus;       /* held while libsecret uses it */
  gboolean             retried;   /* reconnected once already */
  gboolean             tried_one; /* a lookup tried the three-call path */

  char                *provider;
  char                *profile;
  PiKeyringCredential *credential;

  SecretCollection    *collection;
  GList               *items;     /* SecretItem, owned */
  GList               *doomed;    /* SecretItem, owned: still to delete */

  /* A store or removal holds $XDG_RUNTIME_DIR/pi-keyring/secret-service.lock
   * (an flock) from its search to its last deletion: another pi-keyring's
   * write of the same credential can neither leave a second new item nor
   * delete the item this one created (and KeePassXC 2.7 has been seen to
   * crash when two clients delete one item at once). -1: none. */
  int                  lock_fd;
} Op;

static void
op_reset (Op *op)
{
  g_clear_object (&op->collection);
  g_list_free_full (g_steal_pointer (&op->items), g_object_unref);
  g_list_free_full (g_steal_pointer (&op->doomed), g_object_unref);
}

static void
op_release_lock (Op *op)
{
  if (op->lock_fd >= 0)
    {
      /* Closing the only descriptor of the open file releases the flock. */
      close (op->lock_fd);
      op->lock_fd = -1;
    }
}

static void
op_free (Op *op)
{
  if (op->timeout_source != NULL)
    {
      g_source_destroy (op->timeout_source);
      g_source_unref (op->timeout_source);
    }
  if (op->caller_cancellable != NULL)
    {
      g_cancellable_disconnect (op->caller_cancellable, op->caller_handler);
      g_object_unref (op->caller_cancellable);
    }
  op_release_lock (op);
  g_clear_object (&op->cancellable);
  g_clear_object (&op->bus);
  g_free (op->provider);
  g_free (op->profile);
  g_clear_object (&op->credential);
  op_reset (op);
  g_free (op);
}

static void
op_stop_timer (Op *op)
{
  op->over = TRUE;
  op_release_lock (op);
  if (op->timeout_source != NULL)
    {
      g_source_destroy (op->timeout_source);
      g_clear_pointer (&op->timeout_source, g_source_unref);
    }
}

static void
op_return_error (GTask  *task,
                 GError *error)
{
  Op *op = g_task_get_task_data (task);

  if (op->over)
    {
      g_error_free (error);
      return;
    }

  op_stop_timer (op);
  g_task_return_error (task, _pi_keyring_secret_service_map_error (error));
}

static void
op_return_boolean (GTask    *task,
                   gboolean  value)
{
  Op *op = g_task_get_task_data (task);

  op_stop_timer (op);
  /* Credentials are kept here now: `auto` must not fall back to
   * plaintext when the service goes away. */
  if (op->kind == OP_STORE && value)
    _pi_keyring_secret_service_remember_use ();
  g_task_return_boolean (task, value);
}

static void
op_return_pointer (GTask          *task,
                   gpointer        value,
                   GDestroyNotify  destroy)
{
  Op *op = g_task_get_task_data (task);

  op_stop_timer (op);
  /* Found here: kept here, by this pi-keyring or an older one. */
  if ((op->kind == OP_LOOKUP && value != NULL) ||
      (op->kind == OP_LIST && ((GPtrArray *) value)->len > 0))
    _pi_keyring_secret_service_remember_use ();
  g_task_return_pointer (task, value, destroy);
}

static gboolean
on_timeout (gpointer user_data)
{
  g_autoptr(GTask) task = g_object_ref (user_data);
  Op *op = g_task_get_task_data (task);

  g_debug ("The %s did not answer within %u ms",
           op->waiting_for_bus ? "session bus" : "Secret Service", op->timeout_ms);
  op->timed_out = TRUE;
  g_cancellable_cancel (op->cancellable);
  op_return_error (task, op->waiting_for_bus ? _pi_keyring_session_bus_timeout_error (op->timeout_ms)
                                             : _pi_keyring_secret_service_timeout_error (op->timeout_ms));

  return G_SOURCE_REMOVE;
}

static void
on_caller_cancelled (GCancellable *caller,
                     gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static GTask *
op_new (gpointer             source_object,
        OpKind               kind,
        const char          *provider,
        const char          *profile,
        GCancellable        *cancellable,
        GAsyncReadyCallback  callback,
        gpointer             user_data,
        gpointer             source_tag)
{
  GTask *task;
  Op *op;

  task = g_task_new (source_object, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  op = g_new0 (Op, 1);
  op->kind = kind;
  op->provider = g_strdup (provider);
  op->profile = g_strdup (profile);
  op->cancellable = g_cancellable_new ();
  op->timeout_ms = _pi_keyring_get_timeout_ms ();
  op->lock_fd = -1;
  g_task_set_task_data (task, op, (GDestroyNotify) op_free);

  if (cancellable != NULL)
    {
      op->caller_cancellable = g_object_ref (cancellable);
      op->caller_handler = g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled),
                                                  op->cancellable, NULL);
    }

  op->timeout_source = g_timeout_source_new (op->timeout_ms);
  g_source_set_static_name (op->timeout_source, "[pi-keyring] Secret Service time-out");
  g_task_attach_source (task, op->timeout_source, on_timeout);

  return task;
}

static void op_start (GTask *task);

/* Takes @error. Retries once, on a fresh connection, when libsecret's
 * cached SecretService belongs to a keyring daemon that went away, or its
 * session's key exchange went wrong (KWallet, now and then). */
static void
op_fail (GTask  *task,
         GError *error)
{
  Op *op = g_task_get_task_data (task);

  if (!op->over && !op->retried &&
      (_pi_keyring_secret_service_error_is_stale (error) ||
       _pi_keyring_secret_service_error_is_session_fault (error)))
    {
      g_debug ("Reconnecting to the Secret Service after: %s", error->message);
      g_error_free (error);
      op->retried = TRUE;
      op_reset (op);
      secret_service_disconnect ();
      op_start (task);
      return;
    }

  op_return_error (task, error);
}

/* microseconds since the epoch, or G_MAXINT64 when absent or malformed */
static gint64
item_get_created (SecretItem *item)
{
  g_autoptr(GHashTable) attributes = secret_item_get_attributes (item);

  return _pi_keyring_secret_service_parse_created (g_hash_table_lookup (attributes, "created"));
}

/* Parses an item's secret into a credential; NULL when it is not one. */
static PiKeyringCredential *
credential_from_item (SecretItem *item,
                      const char *provider,
                      const char *profile)
{
  g_autoptr(SecretValue) value = secret_item_get_secret (item);

  return _pi_keyring_secret_service_credential_from_value (value, provider, profile);
}

static void delete_next (GTask *task);

static void
on_item_deleted (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;

  /* Already gone: another writer replaced the same credential at the
   * same time, and deleted the item both had found. */
  if (!secret_item_delete_finish (SECRET_ITEM (source), result, &error) &&
      !g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) &&
      !g_error_matches (error, SECRET_ERROR, SECRET_ERROR_NO_SUCH_OBJECT))
    {
      op_fail (task, error);
      return;
    }
  if (error != NULL)
    {
      g_debug ("A keyring item to delete was gone already: %s", error->message);
      g_clear_error (&error);
    }
  if (op->over)
    return;

  delete_next (task);
}

static void
delete_next (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  SecretItem *item;

  if (op->doomed == NULL)
    {
      op_return_boolean (task, TRUE);
      return;
    }

  item = op->doomed->data;
  op->doomed = g_list_delete_link (op->doomed, op->doomed);
  secret_item_delete (item, op->cancellable, on_item_deleted, g_object_ref (task));
  g_object_unref (item);
}

static void
on_item_created (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(SecretItem) item = NULL;
  GError *error = NULL;
  const char *path;

  item = secret_item_create_finish (result, &error);
  if (item == NULL)
    {
      op_fail (task, error);
      return;
    }
  if (op->over)
    return;

  /* The items of the same provider and profile found before go: the new
   * one replaces them. Until they are gone a reader may find both, and
   * takes the newer (on_searched ()). */
  path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (item));
  for (GList *l = op->items; l != NULL; l = l->next)
    if (g_strcmp0 (g_dbus_proxy_get_object_path (l->data), path) != 0)
      op->doomed = g_list_prepend (op->doomed, g_object_ref (l->data));

  delete_next (task);
}

static void
store_credential (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autoptr(GHashTable) attributes = NULL;
  g_autoptr(PiKeyringSecretString) json = NULL;
  g_autoptr(SecretValue) value = NULL;
  g_autofree char *created = NULL;
  g_autofree char *label = NULL;
  gint64 first = G_MAXINT64;

  /* Keep when the credential was first stored. */
  for (GList *l = op->items; l != NULL; l = l->next)
    first = MIN (first, item_get_created (l->data));
  if (first == G_MAXINT64)
    first = g_get_real_time ();
  created = g_strdup_printf ("%" G_GINT64_FORMAT, first);

  attributes = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (attributes, (gpointer) "provider", op->provider);
  g_hash_table_insert (attributes, (gpointer) "profile", op->profile);
  g_hash_table_insert (attributes, (gpointer) "kind",
                       (gpointer) _pi_keyring_secret_service_kind_string (pi_keyring_credential_get_kind (op->credential)));
  g_hash_table_insert (attributes, (gpointer) "created", created);

  label = _pi_keyring_secret_service_make_label (op->provider, op->profile);
  json = pi_keyring_credential_to_json (op->credential);
  value = secret_value_new (json, -1, "text/plain");

  /* Never SECRET_ITEM_CREATE_REPLACE: KeePassXC asks the person in a
   * dialog before it replaces an item, and the call waits for them. A new
   * item, then the old ones deleted, needs no one. */
  secret_item_create (op->collection, _pi_keyring_secret_service_schema (), attributes, label, value,
                      SECRET_ITEM_CREATE_NONE, op->cancellable,
                      on_item_created, g_object_ref (task));
}

static void
on_lookup_secret_loaded (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  SecretItem *item = SECRET_ITEM (source);
  PiKeyringCredential *credential;
  GError *error = NULL;

  if (!secret_item_load_secret_finish (item, result, &error))
    {
      op_fail (task, error);
      return;
    }
  if (op->over)
    return;

  credential = credential_from_item (item, op->provider, op->profile);
  if (credential == NULL)
    {
      if (secret_item_get_locked (item))
        op_return_error (task, _pi_keyring_secret_service_item_locked_error (op->provider));
      else
        op_return_error (task, g_error_new (PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE,
                                            _("The keyring item of “%s” does not hold a valid credential."),
                                            op->provider));
      return;
    }

  op_return_pointer (task, credential, g_object_unref);
}

/* The items last modified, of several for one provider and profile: a
 * reader that came between a writer's new item and its deletion of the old
 * ones, or after a writer that was killed in between. */
static GList *
newest_items (GList *items)
{
  GList *newest = NULL;
  guint64 modified = 0;

  for (GList *l = items; l != NULL; l = l->next)
    {
      guint64 m = secret_item_get_modified (l->data);

      if (newest == NULL || m > modified)
        {
          g_list_free (newest);
          newest = NULL;
          modified = m;
        }
      if (m == modified)
        newest = g_list_prepend (newest, l->data);
    }

  return g_list_reverse (newest);
}

/* The Modified property counts seconds: of items modified in the same
 * second, the credential that stays valid longest (a refreshed token
 * written back over the one it replaced). */
static void
on_newest_secrets_loaded (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(PiKeyringCredential) best = NULL;
  g_autoptr(GList) newest = NULL;
  GError *error = NULL;

  if (!secret_item_load_secrets_finish (result, &error))
    {
      op_fail (task, error);
      return;
    }
  if (op->over)
    return;

  newest = newest_items (op->items);
  for (GList *l = newest; l != NULL; l = l->next)
    {
      g_autoptr(PiKeyringCredential) credential = credential_from_item (l->data, op->provider,
                                                                        op->profile);

      if (credential != NULL &&
          (best == NULL ||
           pi_keyring_credential_get_expires (credential) > pi_keyring_credential_get_expires (best)))
        g_set_object (&best, credential);
    }

  if (best == NULL)
    {
      op_return_error (task, g_error_new (PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE,
                                          _("The keyring item of “%s” does not hold a valid credential."),
                                          op->provider));
      return;
    }

  op_return_pointer (task, g_steal_pointer (&best), g_object_unref);
}

static void
lookup_newest (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autoptr(GList) newest = newest_items (op->items);

  if (newest->next == NULL)
    secret_item_load_secret (newest->data, op->cancellable, on_lookup_secret_loaded,
                             g_object_ref (task));
  else
    secret_item_load_secrets (newest, op->cancellable, on_newest_secrets_loaded,
                              g_object_ref (task));
}

static void
on_searched (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  GList *items;

  items = secret_collection_search_finish (SECRET_COLLECTION (source), result, &error);
  if (error != NULL)
    {
      op_fail (task, error);
      return;
    }
  if (op->over)
    {
      g_list_free_full (items, g_object_unref);
      return;
    }

  op->items = items;
  /* A lookup needs the secret; a store or a removal only deletes the
   * items, which a locked item does not stop. */
  if (op->kind == OP_LOOKUP)
    for (GList *l = items; l != NULL; l = l->next)
      if (secret_item_get_locked (l->data))
        {
          op_return_error (task, _pi_keyring_secret_service_item_locked_error (op->provider));
          return;
        }

  switch (op->kind)
    {
    case OP_LOOKUP:
      if (items == NULL)
        op_return_pointer (task, NULL, NULL);
      else
        lookup_newest (task);
      break;

    case OP_REMOVE:
      if (items == NULL)
        {
          op_return_error (task, g_error_new (PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND,
                                              _("No credential is stored for “%s”."), op->provider));
          return;
        }
      for (GList *l = items; l != NULL; l = l->next)
        op->doomed = g_list_prepend (op->doomed, g_object_ref (l->data));
      delete_next (task);
      break;

    case OP_STORE:
      store_credential (task);
      break;

    case OP_LIST:
    case OP_PROBE:
    case OP_CHECK:
    default:
      g_assert_not_reached ();
    }
}

static void
on_read_all (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  GPtrArray *list;
  GError *error = NULL;

  list = _pi_keyring_secret_service_read_all_finish (result, &error);
  if (list == NULL)
    {
      op_fail (task, error);
      return;
    }
  if (op->over)
    {
      g_ptr_array_unref (list);
      return;
    }

  op_return_pointer (task, list, (GDestroyNotify) g_ptr_array_unref);
}

static void
remember_collection (PiKeyringSecretServiceBackend *self,
                     SecretCollection              *collection)
{
  g_autofree char *label = secret_collection_get_label (collection);

  g_mutex_lock (&self->lock);
  g_free (self->collection_label);
  self->collection_label = g_steal_pointer (&label);
  g_mutex_unlock (&self->lock);
}

static void
on_collection (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(SecretCollection) collection = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  GError *error = NULL;

  collection = secret_collection_for_alias_finish (result, &error);
  if (error != NULL)
    {
      op_fail (task, error);
      return;
    }
  if (op->over)
    return;

  if (collection == NULL)
    {
      op_return_error (task, _pi_keyring_secret_service_no_default_collection_error ());
      return;
    }

  remember_collection (g_task_get_source_object (task), collection);

  if (secret_collection_get_locked (collection))
    {
      op_return_error (task, _pi_keyring_secret_service_collection_locked_error ());
      return;
    }

  if (op->kind == OP_CHECK)
    {
      op_return_boolean (task, TRUE);
      return;
    }

  op->collection = g_steal_pointer (&collection);

  attributes = g_hash_table_new (g_str_hash, g_str_equal);
  if (op->provider != NULL)
    g_hash_table_insert (attributes, (gpointer) "provider", op->provider);
  if (op->profile != NULL)
    g_hash_table_insert (attributes, (gpointer) "profile", op->profile);

  secret_collection_search (op->collection, _pi_keyring_secret_service_schema (), attributes, SECRET_SEARCH_ALL,
                            op->cancellable, on_searched, g_object_ref (task));
}

static void
on_read_one (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  PiKeyringCredential *credential;
  GError *error = NULL;

  credential = _pi_keyring_secret_service_read_one_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    {
      /* Duplicates: the newest, through libsecret's proxies. */
      g_clear_error (&error);
      op_start (task);
      return;
    }
  if (error != NULL)
    {
      op_fail (task, error);
      return;
    }
  if (op->over)
    {
      g_clear_object (&credential);
      return;
    }

  op_return_pointer (task, credential, credential != NULL ? g_object_unref : NULL);
}

static void
on_service (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(SecretService) service = NULL;
  GError *error = NULL;

  service = secret_service_get_finish (result, &error);
  if (service == NULL)
    {
      op_fail (task, error);
      return;
    }
  if (op->over)
    return;

  /* A listing reads all items without a proxy for each, nor for the
   * collection. */
  if (op->kind == OP_LIST)
    {
      _pi_keyring_secret_service_read_all_async (service, op->profile, op->cancellable,
                                                 on_read_all, g_object_ref (task));
      return;
    }

  /* A lookup of one provider and profile: three calls, no proxies. */
  if (op->kind == OP_LOOKUP && op->profile != NULL && !op->tried_one)
    {
      op->tried_one = TRUE;
      _pi_keyring_secret_service_read_one_async (service, op->provider, op->profile,
                                                 op->cancellable, on_read_one,
                                                 g_object_ref (task));
      return;
    }

  secret_collection_for_alias (service, SECRET_COLLECTION_DEFAULT, SECRET_COLLECTION_NONE,
                               op->cancellable, on_collection, g_object_ref (task));
}

/* The connection first, on its own, so that a bus that does not answer is
 * told apart from a keyring that does not; libsecret then finds it made. */
static void
on_op_bus (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;

  g_clear_object (&op->bus);
  op->bus = g_bus_get_finish (result, &error);
  if (op->bus == NULL)
    {
      op_fail (task, error);
      return;
    }
  if (op->over)
    return;

  op->waiting_for_bus = FALSE;
  secret_service_get (SECRET_SERVICE_NONE, op->cancellable, on_service, g_object_ref (task));
}

static void probe_start (GTask *task);

static void
op_start (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  op->waiting_for_bus = TRUE;
  if (op->kind == OP_PROBE)
    probe_start (task);
  else
    g_bus_get (G_BUS_TYPE_SESSION, op->cancellable, on_op_bus, g_object_ref (task));
}

static gboolean on_write_lock_poll (gpointer user_data);

/* Takes the writers' lock, polling from a timeout on the task's context
 * while another process holds it; then starts. Without a runtime
 * directory to lock in, the write goes on unlocked. */
static void
op_lock_and_start (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  if (op->over)
    return;

  if (op->lock_fd < 0)
    {
      g_autofree char *dir = g_build_filename (g_get_user_runtime_dir (), "pi-keyring", NULL);
      g_autofree char *path = g_build_filename (dir, "secret-service.lock", NULL);
      g_autoptr(GError) error = NULL;

      if (!_pi_keyring_file_ensure_private_dir (dir, &error) ||
          (op->lock_fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600)) < 0)
        {
          g_debug ("Writing to the Secret Service without the writers' lock: %s",
                   error != NULL ? error->message : g_strerror (errno));
          op_start (task);
          return;
        }
    }

  if (flock (op->lock_fd, LOCK_EX | LOCK_NB) == 0)
    {
      op_start (task);
      return;
    }

  if (errno == EWOULDBLOCK || errno == EINTR)
    {
      g_autoptr(GSource) source = g_timeout_source_new (WRITE_LOCK_POLL_MS);

      /* The poll holds the task: no call is pending meanwhile. */
      g_source_set_static_name (source, "[pi-keyring] Secret Service writers' lock");
      g_source_set_callback (source, on_write_lock_poll, g_object_ref (task), g_object_unref);
      g_source_attach (source, g_task_get_context (task));
      return;
    }

  g_debug ("Writing to the Secret Service without the writers' lock: %s", g_strerror (errno));
  op_release_lock (op);
  op_start (task);
}

static gboolean
on_write_lock_poll (gpointer user_data)
{
  op_lock_and_start (G_TASK (user_data));
  return G_SOURCE_REMOVE;
}

/* Starts @task_in, taking the reference, unless the session bus cannot be
 * reached without autolaunch or an argument cannot be an attribute value.
 * From here on each pending call holds a reference to the task. */
static void
op_run (GTask *task_in)
{
  g_autoptr(GTask) task = task_in;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (op->caller_cancellable != NULL &&
      g_cancellable_set_error_if_cancelled (op->caller_cancellable, &error))
    {
      op_return_error (task, error);
      return;
    }

  if ((op->provider != NULL && !g_utf8_validate (op->provider, -1, NULL)) ||
      (op->profile != NULL && !g_utf8_validate (op->profile, -1, NULL)))
    {
      op_return_error (task, g_error_new (PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT,
                                          _("Provider and profile names must be valid UTF-8.")));
      return;
    }

  if (!_pi_keyring_session_bus_reachable (&error))
    {
      op_return_error (task, error);
      return;
    }

  if (op->kind == OP_STORE || op->kind == OP_REMOVE)
    op_lock_and_start (task);
  else
    op_start (task);
}

/* --- Is a Secret Service reachable? --- */

static void
on_probe_activatable (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(GVariant) reply = NULL;
  g_autofree const char **names = NULL;
  GError *error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      op_return_error (task, error);
      return;
    }
  if (op->over)
    return;

  g_variant_get (reply, "(^a&s)", &names);
  op_return_boolean (task, g_strv_contains (names, SECRETS_BUS_NAME));
}

static void
on_probe_has_owner (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(GVariant) reply = NULL;
  GError *error = NULL;
  gboolean owned;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      op_return_error (task, error);
      return;
    }
  if (op->over)
    return;

  g_variant_get (reply, "(b)", &owned);
  if (owned)
    {
      op_return_boolean (task, TRUE);
      return;
    }

  g_dbus_connection_call (G_DBUS_CONNECTION (source), "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "ListActivatableNames", NULL,
                          G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                          (int) op->timeout_ms, op->cancellable,
                          on_probe_activatable, g_object_ref (task));
}

static void
on_probe_bus (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(GDBusConnection) bus = NULL;
  GError *error = NULL;

  bus = g_bus_get_finish (result, &error);
  if (bus == NULL)
    {
      op_return_error (task, error);
      return;
    }
  if (op->over)
    return;

  g_dbus_connection_call (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "NameHasOwner",
                          g_variant_new ("(s)", SECRETS_BUS_NAME),
                          G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                          (int) op->timeout_ms, op->cancellable,
                          on_probe_has_owner, g_object_ref (task));
}

static void
probe_start (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  g_bus_get (G_BUS_TYPE_SESSION, op->cancellable, on_probe_bus, g_object_ref (task));
}

/**
 * pi_keyring_secret_service_backend_is_available:
 * @cancellable: (nullable): a cancellable
 *
 * Checks, without starting anything, whether a Secret Service can be used:
 * a session bus is reachable without autolaunch (`DBUS_SESSION_BUS_ADDRESS`,
 * or the socket `$XDG_RUNTIME_DIR/bus`) and `org.freedesktop.secrets` is
 * owned or activatable on it, as the bus answers within
 * `PI_KEYRING_TIMEOUT` seconds. This is how the `auto` backend chooses.
 *
 * It blocks for at most that long, and says nothing about whether the
 * default collection exists or is unlocked: use [method@Backend.check_async]
 * for that.
 *
 * Returns: %TRUE when a Secret Service is running or can be started
 *
 * Since: 0.1
 */
gboolean
pi_keyring_secret_service_backend_is_available (GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  PiKeyringSecretServiceProbe probe;

  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);

  probe = _pi_keyring_secret_service_probe (cancellable, &error);
  if (error != NULL)
    g_debug ("No Secret Service: %s", error->message);

  return probe == PI_KEYRING_SECRET_SERVICE_AVAILABLE;
}

PiKeyringSecretServiceProbe
_pi_keyring_secret_service_probe (GCancellable  *cancellable,
                                  GError       **error)
{
  PiKeyringSyncClosure closure;
  g_autoptr(GTask) task = NULL;
  GError *local_error = NULL;
  GAsyncResult *result;
  gboolean available, timed_out;

  if (!_pi_keyring_session_bus_reachable (error))
    return PI_KEYRING_SECRET_SERVICE_ABSENT;

  _pi_keyring_sync_closure_init (&closure);
  task = op_new (NULL, OP_PROBE, NULL, NULL, cancellable, _pi_keyring_sync_closure_callback, &closure,
                 pi_keyring_secret_service_backend_is_available);
  op_run (g_steal_pointer (&task));
  result = _pi_keyring_sync_closure_wait (&closure);
  timed_out = ((Op *) g_task_get_task_data (G_TASK (result)))->timed_out;
  available = g_task_propagate_boolean (G_TASK (result), &local_error);
  _pi_keyring_sync_closure_clear (&closure);

  if (local_error != NULL)
    g_propagate_error (error, local_error);
  if (timed_out)
    return PI_KEYRING_SECRET_SERVICE_NO_ANSWER;

  return available ? PI_KEYRING_SECRET_SERVICE_AVAILABLE : PI_KEYRING_SECRET_SERVICE_ABSENT;
}

/* --- The backend interface --- */

static const char *
ss_backend_get_name (PiKeyringBackend *backend)
{
  return "secret-service";
}

static char *
ss_backend_get_location (PiKeyringBackend *backend)
{
  PiKeyringSecretServiceBackend *self = PI_KEYRING_SECRET_SERVICE_BACKEND (backend);
  char *location;

  g_mutex_lock (&self->lock);
  if (self->collection_label != NULL && *self->collection_label != '\0')
    location = g_strdup_printf (_("Secret Service default collection (“%s”)"), self->collection_label);
  else
    location = g_strdup (_("Secret Service default collection"));
  g_mutex_unlock (&self->lock);

  return location;
}

static void
ss_backend_check_async (PiKeyringBackend    *backend,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  op_run (op_new (backend, OP_CHECK, NULL, NULL, cancellable, callback, user_data,
                  ss_backend_check_async));
}

static void
ss_backend_lookup_async (PiKeyringBackend    *backend,
                         const char          *provider,
                         const char          *profile,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  op_run (op_new (backend, OP_LOOKUP, provider, profile, cancellable, callback, user_data,
                  ss_backend_lookup_async));
}

static void
ss_backend_store_async (PiKeyringBackend    *backend,
                        PiKeyringCredential *credential,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task = op_new (backend, OP_STORE, pi_keyring_credential_get_provider (credential),
                        pi_keyring_credential_get_profile (credential), cancellable, callback,
                        user_data, ss_backend_store_async);
  Op *op = g_task_get_task_data (task);

  op->credential = g_object_ref (credential);
  op_run (task);
}

static void
ss_backend_remove_async (PiKeyringBackend    *backend,
                         const char          *provider,
                         const char          *profile,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  op_run (op_new (backend, OP_REMOVE, provider, profile, cancellable, callback, user_data,
                  ss_backend_remove_async));
}

static void
ss_backend_list_async (PiKeyringBackend    *backend,
                       const char          *profile,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  op_run (op_new (backend, OP_LIST, NULL, profile, cancellable, callback, user_data,
                  ss_backend_list_async));
}

static void
backend_iface_init (PiKeyringBackendInterface *iface)
{
  iface->get_name = ss_backend_get_name;
  iface->get_location = ss_backend_get_location;
  iface->check_async = ss_backend_check_async;
  iface->lookup_async = ss_backend_lookup_async;
  iface->store_async = ss_backend_store_async;
  iface->remove_async = ss_backend_remove_async;
  iface->list_async = ss_backend_list_async;
}

static void
pi_keyring_secret_service_backend_finalize (GObject *object)
{
  PiKeyringSecretServiceBackend *self = PI_KEYRING_SECRET_SERVICE_BACKEND (object);

  g_clear_pointer (&self->collection_label, g_free);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (pi_keyring_secret_service_backend_parent_class)->finalize (object);
}

static void
pi_keyring_secret_service_backend_class_init (PiKeyringSecretServiceBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pi_keyring_secret_service_backend_finalize;
}

static void
pi_keyring_secret_service_backend_init (PiKeyringSecretServiceBackend *self)
{
  g_mutex_init (&self->lock);
}

/**
 * pi_keyring_secret_service_backend_new:
 *
 * Creates a backend on the user's default Secret Service collection.
 * Nothing is contacted until the first call; use
 * [func@SecretServiceBackend.is_available] or [method@Backend.check_async]
 * to find out whether the keyring can be used.
 *
 * Returns: (transfer full): a new backend
 *
 * Since: 0.1
 */
PiKeyringBackend *
pi_keyring_secret_service_backend_new (void)
{
  return g_object_new (PI_KEYRING_TYPE_SECRET_SERVICE_BACKEND, NULL);
}
