/* pi-keyring-file-backend.c: credentials in pi's own auth.json
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "backends/pi-keyring-backends-private.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <glib/gstdio.h>

/**
 * PiKeyringFileBackend:
 *
 * A backend that keeps credentials in pi's own `auth.json`, in plaintext,
 * byte-compatible with pi.
 *
 * Writes follow pi's protocol, so that a running pi and pi-keyring never
 * lose each other's updates: under pi's lock (the `auth.json.lock`
 * directory) the current file is read again and only the touched provider
 * is replaced, added or deleted; unknown providers, unknown fields and key
 * order are kept; the file is written as pi writes it (2-space indent, no
 * trailing newline), atomically, with mode 0600. A file that does not parse
 * is never written.
 *
 * The file holds only the profile `default`.
 *
 * As pi does, the backend keeps the last document that parsed: when the file
 * later stops parsing, lookups keep answering from it and the parse error is
 * recorded for [method@FileBackend.drain_errors].
 *
 * Since: 0.1
 */

/* How often a held lock is tried again, and for how long: a lock that is
 * never refreshed becomes stale after 10 s and is then taken over, so we
 * wait a little longer than that. */
#define LOCK_STALE_MS    10000

/* pi's auth.json holds a few kilobytes; anything this large is not one
 * (a symbolic link to /dev/zero, say) and is not read into memory. */
#define MAX_FILE_SIZE    (64 * 1024 * 1024)
#define LOCK_POLL_MS     25
#define LOCK_WAIT_MS     (LOCK_STALE_MS + 500)

struct _PiKeyringFileBackend
{
  GObject     parent_instance;

  char       *path;
  /* The last document that parsed, or NULL before the first. Only we hold
   * it: credentials get deep copies. */
  JsonObject *snapshot;
  /* GError: parse errors hidden by answering from the snapshot */
  GPtrArray  *errors;
};

enum {
  PROP_0,
  PROP_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void backend_iface_init (PiKeyringBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PiKeyringFileBackend, pi_keyring_file_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PI_KEYRING_TYPE_BACKEND, backend_iface_init))

/* --- documents and credentials --- */

static void
document_free (JsonObject *doc)
{
  if (doc == NULL)
    return;
  _pi_keyring_json_object_wipe (doc);
  json_object_unref (doc);
}

typedef JsonObject PiKeyringDocument;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PiKeyringDocument, document_free)

static PiKeyringCredential *
credential_from_entry (const char *provider,
                       JsonNode   *entry)
{
  JsonNode *copy;
  JsonObject *object;

  if (entry == NULL || !JSON_NODE_HOLDS_OBJECT (entry))
    return NULL;

  copy = _pi_keyring_json_node_deep_copy (entry);
  object = json_object_ref (json_node_get_object (copy));
  json_node_unref (copy);

  return _pi_keyring_credential_new_take_object (provider, PI_KEYRING_DEFAULT_PROFILE, object);
}

static void
set_snapshot (PiKeyringFileBackend *self,
              JsonObject           *doc)
{
  g_clear_pointer (&self->snapshot, document_free);
  self->snapshot = doc;
}

/* --- file I/O --- */

/**
 * _pi_keyring_file_backend_load_document:
 * @path: an auth.json file
 * @error: return location for an error
 *
 * Reads and parses auth.json, refusing what is not a regular file or is
 * too large to be one (%PI_KEYRING_ERROR_PARSE). The file's bytes are
 * wiped once parsed.
 *
 * Returns: (transfer full): the document, empty when the file does not
 *   exist; %NULL with @error set on failure
 */
JsonObject *
_pi_keyring_file_backend_load_document (const char  *path,
                                        GError     **error)
{
  JsonObject *doc;
  char *data = NULL;
  gsize length = 0;

  switch (_pi_keyring_file_read_secret (path, MAX_FILE_SIZE, &data, &length, error))
    {
    case PI_KEYRING_FILE_READ_OK:
      break;

    case PI_KEYRING_FILE_READ_MISSING:
      return json_object_new ();

    case PI_KEYRING_FILE_READ_TOO_LARGE:
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE,
                   _("“%s” is too large to be pi's auth.json."), path);
      return NULL;

    case PI_KEYRING_FILE_READ_FAILED:
    default:
      return NULL;
    }

  /* pi 1.6.0 reads a file that starts with a UTF-8 byte order mark (its
   * stripBom), and writes it back without one; pi 0.73.1 cannot parse it. */
  if (length >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    doc = _pi_keyring_auth_json_parse (data + 3, length - 3, path, error);
  else
    doc = _pi_keyring_auth_json_parse (data, length, path, error);
  _pi_keyring_file_secret_free (data, length);

  return doc;
}

/* --- operations --- */

typedef enum
{
  OP_CHECK,
  OP_LOOKUP,
  OP_LIST,
  OP_STORE,
  OP_REMOVE,
} OpKind;

typedef struct
{
  OpKind               kind;
  char                *provider;
  PiKeyringCredential *credential;
  gint64               deadline;
} Op;

static void
op_free (Op *op)
{
  g_free (op->provider);
  g_clear_object (&op->credential);
  g_free (op);
}

static gboolean
op_writes (Op *op)
{
  return op->kind == OP_STORE || op->kind == OP_REMOVE;
}

/* What a read answers with, from @doc. */
static void
return_read (GTask      *task,
             JsonObject *doc)
{
  Op *op = g_task_get_task_data (task);

  switch (op->kind)
    {
    case OP_CHECK:
      g_task_return_boolean (task, TRUE);
      break;

    case OP_LOOKUP:
      {
        PiKeyringCredential *credential;

        credential = credential_from_entry (op->provider,
                                            json_object_get_member (doc, op->provider));
        g_task_return_pointer (task, credential, credential ? g_object_unref : NULL);
      }
      break;

    case OP_LIST:
      {
        GPtrArray *list = g_ptr_array_new_with_free_func (g_object_unref);
        JsonObjectIter iter;
        const char *name;
        JsonNode *entry;

        json_object_iter_init_ordered (&iter, doc);
        while (json_object_iter_next_ordered (&iter, &name, &entry))
          {
            PiKeyringCredential *credential = credential_from_entry (name, entry);

            if (credential != NULL)
              g_ptr_array_add (list, credential);
          }
        g_task_return_pointer (task, list, (GDestroyNotify) g_ptr_array_unref);
      }
      break;

    case OP_STORE:
    case OP_REMOVE:
    default:
      g_assert_not_reached ();
    }
}

static void
run_read (GTask           *task,
          PiKeyringPiLock *lock)
{
  PiKeyringFileBackend *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  JsonObject *doc;

  doc = _pi_keyring_file_backend_load_document (self->path, &error);
  _pi_keyring_pi_lock_release (lock);

  if (doc != NULL)
    {
      set_snapshot (self, doc);
      return_read (task, self->snapshot);
      return;
    }

  /* pi's reload keeps the map it had when the file stops parsing. */
  if (op->kind != OP_CHECK && self->snapshot != NULL &&
      g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE))
    {
      g_debug ("Answering from the last good copy of %s: %s", self->path, error->message);
      g_ptr_array_add (self->errors, g_steal_pointer (&error));
      return_read (task, self->snapshot);
      return;
    }

  g_task_return_error (task, g_steal_pointer (&error));
}

static void
run_write (GTask           *task,
           PiKeyringPiLock *lock)
{
  PiKeyringFileBackend *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(PiKeyringDocument) doc = NULL;
  g_autoptr(PiKeyringSecretString) text = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *old;

  /* Read again under the lock: another program may have changed the file
   * since we last looked, and only our provider is ours to change. */
  doc = _pi_keyring_file_backend_load_document (self->path, &error);
  if (doc == NULL)
    {
      _pi_keyring_pi_lock_release (lock);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  old = json_object_get_member (doc, op->provider);
  if (op->kind == OP_REMOVE && old == NULL)
    {
      _pi_keyring_pi_lock_release (lock);
      set_snapshot (self, g_steal_pointer (&doc));
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND,
                               _("No credential is stored for “%s” in “%s”."),
                               op->provider, self->path);
      return;
    }

  if (old != NULL)
    _pi_keyring_json_node_wipe (old);

  if (op->kind == OP_STORE)
    _pi_keyring_json_object_put (doc, op->provider,
                                 _pi_keyring_credential_dup_node (op->credential));
  else
    _pi_keyring_json_object_put (doc, op->provider, NULL);

  text = _pi_keyring_json_object_stringify (doc, 2);
  if (!_pi_keyring_json_text_check (text, self->path, &error) ||
      !_pi_keyring_file_write_atomic (self->path, text, strlen (text), &error))
    {
      _pi_keyring_pi_lock_release (lock);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  _pi_keyring_pi_lock_release (lock);
  set_snapshot (self, g_steal_pointer (&doc));
  g_task_return_boolean (task, TRUE);
}

static gboolean on_lock_poll (gpointer user_data);

/* Tries pi's lock; while another program holds it, tries again from a
 * timeout on the task's context, so that the main loop keeps running. */
static void
try_lock (GTask *task)
{
  PiKeyringFileBackend *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  PiKeyringPiLock *lock;

  if (g_task_return_error_if_cancelled (task))
    return;

  lock = _pi_keyring_pi_lock_try (self->path, LOCK_STALE_MS, &error);
  if (lock == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY))
    {
      if (g_get_monotonic_time () < op->deadline)
        {
          g_autoptr(GSource) source = g_timeout_source_new (LOCK_POLL_MS);

          g_task_attach_source (task, source, on_lock_poll);
          return;
        }

      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY,
                               _("Gave up waiting for another program to finish with “%s”: %s"),
                               self->path, error->message);
      return;
    }

  if (lock == NULL && op_writes (op))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (lock == NULL)
    /* A read where we cannot make the lock (a read-only directory): pi
     * could not write there either, so read without it. */
    g_debug ("Reading %s without its lock: %s", self->path, error->message);

  if (op_writes (op))
    run_write (task, lock);
  else
    run_read (task, lock);
}

static gboolean
on_lock_poll (gpointer user_data)
{
  try_lock (G_TASK (user_data));
  return G_SOURCE_REMOVE;
}

static gboolean
file_exists (const char *path)
{
  struct stat st;

  return g_stat (path, &st) == 0 || errno != ENOENT;
}

static gboolean
check_profile (GTask      *task,
               const char *profile)
{
  if (profile == NULL || g_str_equal (profile, PI_KEYRING_DEFAULT_PROFILE))
    return TRUE;

  g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT,
                           _("auth.json holds only the profile “%s”, not “%s”: "
                             "use another backend for other profiles."),
                           PI_KEYRING_DEFAULT_PROFILE, profile);
  return FALSE;
}

static void
start_op (PiKeyringFileBackend *self,
          GTask                *task,
          Op                   *op)
{
  g_autoptr(GError) error = NULL;

  g_task_set_task_data (task, op, (GDestroyNotify) op_free);
  op->deadline = g_get_monotonic_time () + (gint64) LOCK_WAIT_MS * 1000;

  if (!file_exists (self->path))
    {
      g_autofree char *dir = NULL;

      /* Nothing to read or remove, and no lock to take for it; a store
       * makes the directory and the file. */
      if (op->kind == OP_REMOVE)
        {
          g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND,
                                   _("No credential is stored for “%s” in “%s”."),
                                   op->provider, self->path);
          return;
        }
      if (op->kind != OP_STORE)
        {
          set_snapshot (self, json_object_new ());
          return_read (task, self->snapshot);
          return;
        }
      /* Missing directories are made 0700; an existing one is left alone. */
      dir = g_path_get_dirname (self->path);
      if (!_pi_keyring_file_ensure_private_dir (dir, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }

  try_lock (task);
}

/* --- the backend interface --- */

static const char *
file_get_name (PiKeyringBackend *backend)
{
  return "file";
}

static gboolean
file_is_plaintext (PiKeyringBackend *backend)
{
  return TRUE;
}

static char *
file_get_location (PiKeyringBackend *backend)
{
  return g_strdup (PI_KEYRING_FILE_BACKEND (backend)->path);
}

static void
file_check_async (PiKeyringBackend    *backend,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  PiKeyringFileBackend *self = PI_KEYRING_FILE_BACKEND (backend);
  g_autoptr(GTask) task = NULL;
  Op *op;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, file_check_async);

  op = g_new0 (Op, 1);
  op->kind = OP_CHECK;
  start_op (self, task, op);
}

static void
file_lookup_async (PiKeyringBackend    *backend,
                   const char          *provider,
                   const char          *profile,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  PiKeyringFileBackend *self = PI_KEYRING_FILE_BACKEND (backend);
  g_autoptr(GTask) task = NULL;
  Op *op;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, file_lookup_async);

  /* Only `default` lives in auth.json: nothing is stored for the others. */
  if (profile != NULL && !g_str_equal (profile, PI_KEYRING_DEFAULT_PROFILE))
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  op = g_new0 (Op, 1);
  op->kind = OP_LOOKUP;
  op->provider = g_strdup (provider);
  start_op (self, task, op);
}

static void
file_store_async (PiKeyringBackend    *backend,
                  PiKeyringCredential *credential,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  PiKeyringFileBackend *self = PI_KEYRING_FILE_BACKEND (backend);
  g_autoptr(GTask) task = NULL;
  Op *op;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, file_store_async);

  if (!check_profile (task, pi_keyring_credential_get_profile (credential)))
    return;

  op = g_new0 (Op, 1);
  op->kind = OP_STORE;
  op->provider = g_strdup (pi_keyring_credential_get_provider (credential));
  op->credential = g_object_ref (credential);
  start_op (self, task, op);
}

static void
file_remove_async (PiKeyringBackend    *backend,
                   const char          *provider,
                   const char          *profile,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  PiKeyringFileBackend *self = PI_KEYRING_FILE_BACKEND (backend);
  g_autoptr(GTask) task = NULL;
  Op *op;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, file_remove_async);

  if (!check_profile (task, profile))
    return;

  op = g_new0 (Op, 1);
  op->kind = OP_REMOVE;
  op->provider = g_strdup (provider);
  start_op (self, task, op);
}

static void
file_list_async (PiKeyringBackend    *backend,
                 const char          *profile,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  PiKeyringFileBackend *self = PI_KEYRING_FILE_BACKEND (backend);
  g_autoptr(GTask) task = NULL;
  Op *op;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, file_list_async);

  if (profile != NULL && !g_str_equal (profile, PI_KEYRING_DEFAULT_PROFILE))
    {
      g_task_return_pointer (task, g_ptr_array_new_with_free_func (g_object_unref),
                             (GDestroyNotify) g_ptr_array_unref);
      return;
    }

  op = g_new0 (Op, 1);
  op->kind = OP_LIST;
  start_op (self, task, op);
}

static void
backend_iface_init (PiKeyringBackendInterface *iface)
{
  iface->get_name = file_get_name;
  iface->is_plaintext = file_is_plaintext;
  iface->get_location = file_get_location;
  iface->check_async = file_check_async;
  iface->lookup_async = file_lookup_async;
  iface->store_async = file_store_async;
  iface->remove_async = file_remove_async;
  iface->list_async = file_list_async;
}

/* --- the object --- */

static void
pi_keyring_file_backend_constructed (GObject *object)
{
  PiKeyringFileBackend *self = PI_KEYRING_FILE_BACKEND (object);

  G_OBJECT_CLASS (pi_keyring_file_backend_parent_class)->constructed (object);

  if (self->path == NULL)
    self->path = pi_keyring_get_default_auth_file_path ();
}

static void
pi_keyring_file_backend_finalize (GObject *object)
{
  PiKeyringFileBackend *self = PI_KEYRING_FILE_BACKEND (object);

  g_clear_pointer (&self->snapshot, document_free);
  g_clear_pointer (&self->errors, g_ptr_array_unref);
  g_free (self->path);

  G_OBJECT_CLASS (pi_keyring_file_backend_parent_class)->finalize (object);
}

static void
pi_keyring_file_backend_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  PiKeyringFileBackend *self = PI_KEYRING_FILE_BACKEND (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pi_keyring_file_backend_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  PiKeyringFileBackend *self = PI_KEYRING_FILE_BACKEND (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_free (self->path);
      self->path = g_value_dup_string (value);
      if (self->path != NULL && *self->path == '\0')
        g_clear_pointer (&self->path, g_free);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pi_keyring_file_backend_class_init (PiKeyringFileBackendClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = pi_keyring_file_backend_constructed;
  object_class->finalize = pi_keyring_file_backend_finalize;
  object_class->get_property = pi_keyring_file_backend_get_property;
  object_class->set_property = pi_keyring_file_backend_set_property;

  /**
   * PiKeyringFileBackend:path:
   *
   * The path of the auth.json file; %NULL at construction means
   * [func@get_default_auth_file_path].
   *
   * Since: 0.1
   */
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pi_keyring_file_backend_init (PiKeyringFileBackend *self)
{
  self->errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
}

/**
 * pi_keyring_file_backend_new:
 * @path: (nullable) (type filename): the path of auth.json, or %NULL for
 *   [func@get_default_auth_file_path]
 *
 * Creates a backend on pi's auth.json. Nothing is read or created until
 * the backend is used; the first store creates the directory (mode 0700)
 * and the file (mode 0600).
 *
 * Returns: (transfer full): a new backend
 *
 * Since: 0.1
 */
PiKeyringBackend *
pi_keyring_file_backend_new (const char *path)
{
  return g_object_new (PI_KEYRING_TYPE_FILE_BACKEND, "path", path, NULL);
}

/**
 * pi_keyring_file_backend_get_path:
 * @self: a file backend
 *
 * Gets the path of the auth.json file.
 *
 * Returns: (type filename): the path
 *
 * Since: 0.1
 */
const char *
pi_keyring_file_backend_get_path (PiKeyringFileBackend *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_FILE_BACKEND (self), NULL);

  return self->path;
}

/**
 * pi_keyring_file_backend_drain_errors:
 * @self: a file backend
 *
 * Takes the errors that lookups and lists did not report because they
 * answered from the last copy of the file that parsed, as pi's
 * `drainErrors ()`: when auth.json stops parsing, the backend keeps
 * answering from what it read before and records the parse error here.
 * A second call returns only errors recorded since the first.
 *
 * Returns: (transfer container) (element-type GLib.Error): the recorded errors,
 *   oldest first; empty when there are none
 *
 * Since: 0.1
 */
GPtrArray *
pi_keyring_file_backend_drain_errors (PiKeyringFileBackend *self)
{
  GPtrArray *errors;

  g_return_val_if_fail (PI_KEYRING_IS_FILE_BACKEND (self), NULL);

  errors = g_steal_pointer (&self->errors);
  self->errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);

  return errors;
}

/**
 * pi_keyring_get_default_auth_file_path:
 *
 * Gets the path of pi's auth.json as pi finds it:
 * `$PI_CODING_AGENT_DIR/auth.json`, where a value of exactly `~` is the
 * home directory and `~/…` is relative to it (any other value is used as
 * it is, and a relative one stays relative); without the variable (or when
 * it is empty), `~/.pi/agent/auth.json`.
 *
 * Returns: (transfer full) (type filename): the path
 *
 * Since: 0.1
 */
char *
pi_keyring_get_default_auth_file_path (void)
{
  g_autofree char *dir = _pi_keyring_pi_agent_dir ();

  return g_build_filename (dir, "auth.json", NULL);
}

/**
 * pi_keyring_file_backend_format_credentials:
 * @credentials: (element-type PiKeyringCredential): the credentials, in
 *   the order they are to be written
 *
 * Formats credentials as the auth.json file pi would write for them:
 * providers in the order given (a provider given twice keeps its first
 * position and its last entry), 2-space indent, no trailing newline.
 * Profiles are ignored.
 *
 * Returns: (transfer full): the file's text; it holds secrets
 *
 * Since: 0.1
 */
char *
pi_keyring_file_backend_format_credentials (GPtrArray *credentials)
{
  g_autoptr(PiKeyringDocument) doc = NULL;

  g_return_val_if_fail (credentials != NULL, NULL);

  doc = json_object_new ();
  for (guint i = 0; i < credentials->len; i++)
    {
      PiKeyringCredential *credential = g_ptr_array_index (credentials, i);
      const char *provider;
      JsonNode *old;

      g_return_val_if_fail (PI_KEYRING_IS_CREDENTIAL (credential), NULL);

      provider = pi_keyring_credential_get_provider (credential);
      old = json_object_get_member (doc, provider);
      if (old != NULL)
        _pi_keyring_json_node_wipe (old);
      _pi_keyring_json_object_put (doc, provider, _pi_keyring_credential_dup_node (credential));
    }

  return _pi_keyring_json_object_stringify (doc, 2);
}
