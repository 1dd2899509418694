/* pi-keyring-change-watch.c: tells the refresh scheduler when another process may have changed a credential
 *
 * It watches:
 * - the default collection's ItemCreated / ItemChanged / ItemDeleted
 *   signals, and the Secret Service's CollectionCreated / Changed (a
 *   collection unlocked, or another one made the default), when the
 *   backend is the Secret Service and a session bus is reachable without
 *   autolaunch;
 * - the file of a file or encrypted-file backend, and the auth.json read
 *   as the fallback: a GFileMonitor on the file when its directory
 *   exists, else on the nearest directory that does (GLib would poll for
 *   a missing one); when that directory gains a child, the watch moves
 *   closer at the next _pi_keyring_change_watch_update ().
 *
 * Each change emits `changed`; the scheduler coalesces them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "store/pi-keyring-store-private.h"

#define SECRETS_BUS_NAME        "org.freedesktop.secrets"
#define SECRETS_PATH            "/org/freedesktop/secrets"
#define SECRET_SERVICE_IFACE    "org.freedesktop.Secret.Service"
#define SECRET_COLLECTION_IFACE "org.freedesktop.Secret.Collection"

struct _PiKeyringChangeWatch
{
  GObject           parent_instance;

  PiKeyringBackend *backend;
  PiKeyringBackend *auth_backend;  /* nullable */
  GCancellable     *cancellable;
  gboolean          stopped;

  gboolean          subscribing;   /* the keyring's signals are being subscribed to */
  GDBusConnection  *bus;
  char             *default_collection;
  guint             collection_signal_id;
  guint             service_signal_id;

  GPtrArray        *monitors;      /* GFileMonitor */
  gboolean          rewatch_files;
};

enum
{
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PiKeyringChangeWatch, _pi_keyring_change_watch, G_TYPE_OBJECT)

static void
emit_changed (PiKeyringChangeWatch *self)
{
  if (!self->stopped)
    g_signal_emit (self, signals[CHANGED], 0);
}

/* --- files --- */

static void
on_file_changed (GFileMonitor      *monitor,
                 GFile             *file,
                 GFile             *other_file,
                 GFileMonitorEvent  event_type,
                 gpointer           user_data)
{
  PiKeyringChangeWatch *self = user_data;

  if (event_type == G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED ||
      event_type == G_FILE_MONITOR_EVENT_PRE_UNMOUNT)
    return;

  /* A directory on the way to the file appeared: watch closer. */
  if (g_object_get_data (G_OBJECT (monitor), "pi-keyring-ancestor") != NULL)
    self->rewatch_files = TRUE;
  emit_changed (self);
}

static void
clear_monitors (PiKeyringChangeWatch *self)
{
  for (guint i = 0; i < self->monitors->len; i++)
    {
      GFileMonitor *monitor = self->monitors->pdata[i];

      g_signal_handlers_disconnect_by_data (monitor, self);
      g_file_monitor_cancel (monitor);
    }
  g_ptr_array_set_size (self->monitors, 0);
}

static void
watch_path (PiKeyringChangeWatch *self,
            const char           *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) dir = g_file_get_parent (file);
  g_autoptr(GFileMonitor) monitor = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ancestor = FALSE;

  while (dir != NULL &&
         g_file_query_file_type (dir, G_FILE_QUERY_INFO_NONE, NULL) != G_FILE_TYPE_DIRECTORY)
    {
      GFile *parent = g_file_get_parent (dir);

      g_object_unref (dir);
      dir = parent;
      ancestor = TRUE;
    }
  if (dir == NULL)
    return;

  if (ancestor)
    monitor = g_file_monitor_directory (dir, G_FILE_MONITOR_NONE, NULL, &error);
  else
    monitor = g_file_monitor_file (file, G_FILE_MONITOR_WATCH_MOVES, NULL, &error);

  if (monitor == NULL)
    {
      g_debug ("The refresh scheduler cannot watch %s: %s", path, error->message);
      return;
    }

  if (ancestor)
    g_object_set_data (G_OBJECT (monitor), "pi-keyring-ancestor", GINT_TO_POINTER (1));
  g_signal_connect (monitor, "changed", G_CALLBACK (on_file_changed), self);
  g_ptr_array_add (self->monitors, g_steal_pointer (&monitor));
}

static void
watch_files (PiKeyringChangeWatch *self)
{
  PiKeyringBackend *backend = self->backend;

  clear_monitors (self);
  if (self->stopped)
    return;

  if (PI_KEYRING_IS_FILE_BACKEND (backend))
    watch_path (self, pi_keyring_file_backend_get_path (PI_KEYRING_FILE_BACKEND (backend)));
  else if (PI_KEYRING_IS_ENCRYPTED_FILE_BACKEND (backend))
    watch_path (self, pi_keyring_encrypted_file_backend_get_path (
                        PI_KEYRING_ENCRYPTED_FILE_BACKEND (backend)));

  if (self->auth_backend != NULL)
    watch_path (self, pi_keyring_file_backend_get_path (
                        PI_KEYRING_FILE_BACKEND (self->auth_backend)));
}

/* --- the keyring --- */

static void
on_secret_signal (GDBusConnection *connection,
                  const char      *sender_name,
                  const char      *object_path,
                  const char      *interface_name,
                  const char      *signal_name,
                  GVariant        *parameters,
                  gpointer         user_data)
{
  PiKeyringChangeWatch *self = user_data;

  if (g_str_equal (interface_name, SECRET_COLLECTION_IFACE) &&
      self->default_collection != NULL &&
      !g_str_equal (object_path, self->default_collection))
    return;

  g_debug ("The keyring changed (%s): looking again at the credentials", signal_name);
  emit_changed (self);
}

static void
on_alias_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(PiKeyringChangeWatch) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *path = NULL;

  self->subscribing = FALSE;
  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      /* Then every collection's changes count. */
      g_debug ("The refresh scheduler could not find the default collection: %s",
               error->message);
      return;
    }

  g_variant_get (reply, "(&o)", &path);
  if (!self->stopped && !g_str_equal (path, "/"))
    self->default_collection = g_strdup (path);
}

static void
on_bus (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(PiKeyringChangeWatch) self = user_data;
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus;

  bus = g_bus_get_finish (result, &error);
  if (bus == NULL)
    {
      self->subscribing = FALSE;
      g_debug ("The refresh scheduler cannot watch the keyring: %s", error->message);
      return;
    }
  if (self->stopped)
    {
      self->subscribing = FALSE;
      g_object_unref (bus);
      return;
    }

  self->bus = bus;
  self->collection_signal_id =
    g_dbus_connection_signal_subscribe (bus, SECRETS_BUS_NAME, SECRET_COLLECTION_IFACE,
                                        NULL, NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        on_secret_signal, g_object_ref (self), g_object_unref);
  /* A collection unlocked, created, or the default one changed. */
  self->service_signal_id =
    g_dbus_connection_signal_subscribe (bus, SECRETS_BUS_NAME, SECRET_SERVICE_IFACE,
                                        NULL, SECRETS_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        on_secret_signal, g_object_ref (self), g_object_unref);

  g_dbus_connection_call (bus, SECRETS_BUS_NAME, SECRETS_PATH, SECRET_SERVICE_IFACE,
                          "ReadAlias", g_variant_new ("(s)", "default"), G_VARIANT_TYPE ("(o)"),
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, (gint) _pi_keyring_get_timeout_ms (),
                          self->cancellable, on_alias_read, g_object_ref (self));
}

static void
watch_secret_service (PiKeyringChangeWatch *self)
{
  /* As the Secret Service backend decides it: never a bus that would be
   * autolaunched. */
  if (!PI_KEYRING_IS_SECRET_SERVICE_BACKEND (self->backend) ||
      !_pi_keyring_session_bus_reachable (NULL))
    return;

  self->subscribing = TRUE;
  g_bus_get (G_BUS_TYPE_SESSION, self->cancellable, on_bus, g_object_ref (self));
}

/* --- life --- */

void
_pi_keyring_change_watch_stop (PiKeyringChangeWatch *self)
{
  g_return_if_fail (PI_KEYRING_IS_CHANGE_WATCH (self));

  self->stopped = TRUE;
  g_cancellable_cancel (self->cancellable);

  if (self->bus != NULL)
    {
      if (self->collection_signal_id != 0)
        g_dbus_connection_signal_unsubscribe (self->bus, self->collection_signal_id);
      if (self->service_signal_id != 0)
        g_dbus_connection_signal_unsubscribe (self->bus, self->service_signal_id);
      self->collection_signal_id = self->service_signal_id = 0;
      g_clear_object (&self->bus);
    }

  clear_monitors (self);
}

static void
_pi_keyring_change_watch_dispose (GObject *object)
{
  _pi_keyring_change_watch_stop (PI_KEYRING_CHANGE_WATCH (object));

  G_OBJECT_CLASS (_pi_keyring_change_watch_parent_class)->dispose (object);
}

static void
_pi_keyring_change_watch_finalize (GObject *object)
{
  PiKeyringChangeWatch *self = PI_KEYRING_CHANGE_WATCH (object);

  g_ptr_array_unref (self->monitors);
  g_clear_object (&self->backend);
  g_clear_object (&self->auth_backend);
  g_free (self->default_collection);
  g_object_unref (self->cancellable);

  G_OBJECT_CLASS (_pi_keyring_change_watch_parent_class)->finalize (object);
}

static void
_pi_keyring_change_watch_class_init (PiKeyringChangeWatchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = _pi_keyring_change_watch_dispose;
  object_class->finalize = _pi_keyring_change_watch_finalize;

  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
_pi_keyring_change_watch_init (PiKeyringChangeWatch *self)
{
  self->cancellable = g_cancellable_new ();
  self->monitors = g_ptr_array_new_with_free_func (g_object_unref);
}

PiKeyringChangeWatch *
_pi_keyring_change_watch_new (PiKeyringBackend *backend,
                              PiKeyringBackend *auth_backend)
{
  PiKeyringChangeWatch *self;

  g_return_val_if_fail (PI_KEYRING_IS_BACKEND (backend), NULL);
  g_return_val_if_fail (auth_backend == NULL || PI_KEYRING_IS_FILE_BACKEND (auth_backend), NULL);

  self = g_object_new (PI_KEYRING_TYPE_CHANGE_WATCH, NULL);
  self->backend = g_object_ref (backend);
  self->auth_backend = auth_backend != NULL ? g_object_ref (auth_backend) : NULL;

  watch_secret_service (self);
  watch_files (self);

  return self;
}

void
_pi_keyring_change_watch_set_auth_backend (PiKeyringChangeWatch *self,
                                           PiKeyringBackend     *auth_backend)
{
  g_return_if_fail (PI_KEYRING_IS_CHANGE_WATCH (self));
  g_return_if_fail (auth_backend == NULL || PI_KEYRING_IS_FILE_BACKEND (auth_backend));

  g_set_object (&self->auth_backend, auth_backend);
  self->rewatch_files = TRUE;
}

void
_pi_keyring_change_watch_update (PiKeyringChangeWatch *self)
{
  g_return_if_fail (PI_KEYRING_IS_CHANGE_WATCH (self));

  if (self->rewatch_files)
    {
      self->rewatch_files = FALSE;
      watch_files (self);
    }
}

gboolean
_pi_keyring_change_watch_is_ready (PiKeyringChangeWatch *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_CHANGE_WATCH (self), TRUE);

  return !self->subscribing;
}
