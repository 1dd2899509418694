/* pi-keyring-encrypted-file-backend.c: credentials in a passphrase-encrypted vault
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "backends/pi-keyring-backends-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib/gstdio.h>

/**
 * PiKeyringEncryptedFileBackend:
 *
 * A backend that keeps credentials in one file encrypted with a
 * passphrase, for machines without a keyring (servers, containers, SSH
 * sessions).
 *
 * The vault is `$XDG_DATA_HOME/pi-keyring/credentials.vault` unless
 * another path is given: a JSON envelope
 * `{"format":"pi-keyring-vault","version":1,"kdf":{"name":"pbkdf2-sha256",
 * "iterations":N,"salt":…},"cipher":"aes-256-gcm","nonce":…,"ciphertext":…}`
 * whose header is authenticated along with the ciphertext. The key comes
 * from the passphrase through PBKDF2-SHA256 with at least 600000
 * iterations; every write uses a fresh random salt and nonce. Nothing but
 * the envelope is in clear: not even which providers are stored.
 *
 * The passphrase is the one given to [func@EncryptedFileBackend.new] or
 * [method@EncryptedFileBackend.set_passphrase]; without one, the content
 * of the file named by `PI_KEYRING_PASSPHRASE_FILE` (less one trailing
 * newline; the file must not be accessible by other users), else the
 * value of `PI_KEYRING_PASSPHRASE`. With none of them, every operation
 * fails with %PI_KEYRING_ERROR_LOCKED, and a program that may ask the user
 * can prompt and call [method@EncryptedFileBackend.set_passphrase].
 *
 * A wrong passphrase fails with %PI_KEYRING_ERROR_WRONG_PASSPHRASE and
 * never changes the file; so does a damaged one (GCM cannot tell them
 * apart). A file that is not a vault fails with %PI_KEYRING_ERROR_PARSE.
 * A missing vault reads as empty; the first store creates it (mode 0600,
 * its directory 0700). Writes read the vault again and change it under an
 * exclusive lock (`flock` on `credentials.vault.lock` beside it), so that
 * processes writing at the same time do not lose each other's updates,
 * and replace it atomically.
 *
 * Credentials are listed in the order in which they were first stored.
 * Every profile can be kept.
 *
 * Since: 0.1
 */

/* How often a held lock is tried again, and for how long. A writer holds
 * it for two key derivations (well under a second each). */
#define LOCK_POLL_MS     25
#define LOCK_WAIT_MS     30000


struct _PiKeyringEncryptedFileBackend
{
  GObject            parent_instance;

  char              *path;
  /* Given by the program; else the environment's, read for each operation. */
  char              *passphrase;
  /* The content of PI_KEYRING_PASSPHRASE_FILE, read once (it may be a pipe),
   * and the path it was read from. */
  char              *file_passphrase;
  char              *file_passphrase_path;
  /* The key that last opened or sealed the vault, and the passphrase it
   * was derived from: a vault that has not changed since is opened
   * without deriving the key again. */
  PiKeyringVaultKey *cached_key;
  char              *cached_passphrase;
  /* For tests: the iteration count on write, and the least on read. */
  guint              iterations;
};

enum {
  PROP_0,
  PROP_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void backend_iface_init (PiKeyringBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PiKeyringEncryptedFileBackend, pi_keyring_encrypted_file_backend,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PI_KEYRING_TYPE_BACKEND, backend_iface_init))

typedef JsonObject PiKeyringVaultDocument;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PiKeyringVaultDocument, _pi_keyring_vault_document_free)

/* --- the passphrase --- */

/* The passphrase of the next operation, in the documented order. */
static char *
resolve_passphrase (PiKeyringEncryptedFileBackend  *self,
                    GError                        **error)
{
  const char *file = g_getenv ("PI_KEYRING_PASSPHRASE_FILE");
  const char *value = g_getenv ("PI_KEYRING_PASSPHRASE");

  if (self->passphrase != NULL)
    return g_strdup (self->passphrase);

  if (file != NULL && *file != '\0')
    {
      if (self->file_passphrase == NULL || g_strcmp0 (self->file_passphrase_path, file) != 0)
        {
          char *read = _pi_keyring_vault_read_passphrase_file (file, error);

          if (read == NULL)
            return NULL;
          g_clear_pointer (&self->file_passphrase, _pi_keyring_secret_free);
          self->file_passphrase = read;
          g_free (self->file_passphrase_path);
          self->file_passphrase_path = g_strdup (file);
        }
      return g_strdup (self->file_passphrase);
    }

  if (value != NULL && *value != '\0')
    return g_strdup (value);

  g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED,
               _("The encrypted vault needs a passphrase: set PI_KEYRING_PASSPHRASE_FILE "
                 "or PI_KEYRING_PASSPHRASE, or run with --interactive."));
  return NULL;
}

static void
clear_cache (PiKeyringEncryptedFileBackend *self)
{
  g_clear_pointer (&self->cached_key, _pi_keyring_vault_key_free);
  g_clear_pointer (&self->cached_passphrase, _pi_keyring_secret_free);
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
  char                *path;
  char                *passphrase;
  char                *provider;
  char                *profile;
  /* OP_STORE: a deep copy of the credential's entry */
  JsonNode            *entry;
  guint                write_iterations;
  guint                min_iterations;
  /* In: the cached key, when it came from this passphrase. Out: the key
   * that opened or sealed the vault, for the cache. */
  PiKeyringVaultKey   *key;
  int                  lock_fd;
  gint64               deadline;
  /* Results */
  PiKeyringCredential *found;
  GPtrArray           *list;
} Op;

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
  op_release_lock (op);
  g_free (op->path);
  g_clear_pointer (&op->passphrase, _pi_keyring_secret_free);
  g_free (op->provider);
  g_free (op->profile);
  if (op->entry != NULL)
    {
      _pi_keyring_json_node_wipe (op->entry);
      json_node_unref (op->entry);
    }
  g_clear_pointer (&op->key, _pi_keyring_vault_key_free);
  g_clear_object (&op->found);
  g_clear_pointer (&op->list, g_ptr_array_unref);
  g_free (op);
}

static Op *
op_new (OpKind      kind,
        const char *provider,
        const char *profile)
{
  Op *op = g_new0 (Op, 1);

  op->kind = kind;
  op->provider = g_strdup (provider);
  op->profile = g_strdup (profile);
  op->lock_fd = -1;
  return op;
}

static gboolean
op_writes (Op *op)
{
  return op->kind == OP_STORE || op->kind == OP_REMOVE;
}

static const char *
item_string (JsonObject *item,
             const char *name)
{
  return _pi_keyring_json_get_string (item, name);
}

/* The index of the item of @provider and @profile in @credentials, or -1. */
static gint
find_item (JsonArray  *credentials,
           const char *provider,
           const char *profile)
{
  guint n = json_array_get_length (credentials);

  for (guint i = 0; i < n; i++)
    {
      JsonObject *item = json_array_get_object_element (credentials, i);

      if (g_str_equal (item_string (item, "provider"), provider) &&
          g_str_equal (item_string (item, "profile"), profile))
        return (gint) i;
    }

  return -1;
}

/* A credential that shares nothing with the document, which is wiped. */
static PiKeyringCredential *
credential_from_item (JsonObject *item)
{
  JsonNode *copy = _pi_keyring_json_node_deep_copy (json_object_get_member (item, "entry"));
  JsonObject *entry = json_object_ref (json_node_get_object (copy));

  json_node_unref (copy);
  return _pi_keyring_credential_new_take_object (item_string (item, "provider"),
                                                 item_string (item, "profile"),
                                                 entry);
}

static void
answer_read (Op        *op,
             JsonArray *credentials)
{
  guint n = json_array_get_length (credentials);
  gint index;

  switch (op->kind)
    {
    case OP_LOOKUP:
      index = find_item (credentials, op->provider, op->profile);
      if (index >= 0)
        op->found = credential_from_item (json_array_get_object_element (credentials, index));
      break;

    case OP_LIST:
      op->list = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; i < n; i++)
        {
          JsonObject *item = json_array_get_object_element (credentials, i);

          if (op->profile == NULL || g_str_equal (item_string (item, "profile"), op->profile))
            g_ptr_array_add (op->list, credential_from_item (item));
        }
      break;

    case OP_CHECK:
    case OP_STORE:
    case OP_REMOVE:
    default:
      break;
    }
}

/* Applies a store or a remove to @credentials. */
static gboolean
apply_write (Op         *op,
             JsonArray  *credentials,
             GError    **error)
{
  gint index = find_item (credentials, op->provider, op->profile);

  if (op->kind == OP_REMOVE)
    {
      if (index < 0)
        {
          g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND,
                       _("No credential is stored for “%s” in “%s”."), op->provider, op->path);
          return FALSE;
        }
      _pi_keyring_json_node_wipe (json_array_get_element (credentials, index));
      json_array_remove_element (credentials, index);
      return TRUE;
    }

  if (index >= 0)
    {
      /* Replaced in place: the list keeps the order of first storing. */
      JsonObject *item = json_array_get_object_element (credentials, index);

      _pi_keyring_json_node_wipe (json_object_get_member (item, "entry"));
      _pi_keyring_json_object_put (item, "entry", g_steal_pointer (&op->entry));
    }
  else
    {
      JsonObject *item = json_object_new ();

      json_object_set_string_member (item, "provider", op->provider);
      json_object_set_string_member (item, "profile", op->profile);
      json_object_set_int_member (item, "created", g_get_real_time ());
      json_object_set_member (item, "entry", g_steal_pointer (&op->entry));
      json_array_add_object_element (credentials, item);
    }

  return TRUE;
}

static void
op_set_key (Op                *op,
            PiKeyringVaultKey *key)
{
  g_clear_pointer (&op->key, _pi_keyring_vault_key_free);
  op->key = key;
}

/* Reads (and for a write, changes and writes) the vault. Runs in a worker
 * thread: PBKDF2 with 600000 iterations takes tens to hundreds of
 * milliseconds per derivation, too long to block the caller's main loop
 * (a daemon serving D-Bus), and a write derives twice. Nothing here
 * touches the backend object; the lock is already held for a write. */
static gboolean
run_transaction (Op            *op,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(PiKeyringVaultDocument) doc = NULL;
  g_autofree char *data = NULL;
  g_autofree char *envelope = NULL;
  PiKeyringVaultKey *key = NULL;
  JsonArray *credentials;
  gboolean missing = FALSE;
  gsize length = 0;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  if (_pi_keyring_vault_read_file (op->path, &data, &length, &missing, error))
    {
      doc = _pi_keyring_vault_decrypt (data, length, op->path, op->passphrase,
                                       op->min_iterations, op->key, &key, error);
      if (doc == NULL)
        return FALSE;
      op_set_key (op, key);
    }
  else if (missing)
    doc = _pi_keyring_vault_plaintext_new ();
  else
    return FALSE;

  credentials = json_object_get_array_member (doc, "credentials");
  if (!op_writes (op))
    {
      answer_read (op, credentials);
      return TRUE;
    }

  if (!apply_write (op, credentials, error))
    return FALSE;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  key = NULL;
  envelope = _pi_keyring_vault_encrypt (doc, op->passphrase, op->write_iterations,
                                        &key, &length, error);
  if (envelope == NULL)
    return FALSE;
  op_set_key (op, key);

  return _pi_keyring_file_write_atomic (op->path, envelope, length, error);
}

static void
transaction_thread (GTask        *inner,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  Op *op = task_data;
  GError *error = NULL;
  gboolean ok;

  ok = run_transaction (op, cancellable, &error);
  op_release_lock (op);

  if (ok)
    g_task_return_boolean (inner, TRUE);
  else
    g_task_return_error (inner, error);
}

static void
on_transaction_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  PiKeyringEncryptedFileBackend *self = PI_KEYRING_ENCRYPTED_FILE_BACKEND (source);
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;

  /* Keep the key for the vault as it now is, whatever the outcome. */
  if (op->key != NULL)
    {
      clear_cache (self);
      self->cached_key = g_steal_pointer (&op->key);
      self->cached_passphrase = g_strdup (op->passphrase);
    }

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }

  switch (op->kind)
    {
    case OP_LOOKUP:
      g_task_return_pointer (task, g_steal_pointer (&op->found), g_object_unref);
      break;

    case OP_LIST:
      g_task_return_pointer (task, g_steal_pointer (&op->list),
                             (GDestroyNotify) g_ptr_array_unref);
      break;

    case OP_CHECK:
    case OP_STORE:
    case OP_REMOVE:
    default:
      g_task_return_boolean (task, TRUE);
      break;
    }
}

static void
start_transaction (GTask *task)
{
  PiKeyringEncryptedFileBackend *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(GTask) inner = NULL;

  inner = g_task_new (self, g_task_get_cancellable (task), on_transaction_done,
                      g_object_ref (task));
  g_task_set_source_tag (inner, start_transaction);
  /* The outer task owns the op and outlives the inner one. */
  g_task_set_task_data (inner, op, NULL);
  g_task_set_check_cancellable (inner, FALSE);
  g_task_run_in_thread (inner, transaction_thread);
}

static gboolean on_lock_poll (gpointer user_data);

/* Tries the lock; while another process holds it, tries again from a
 * timeout on the task's context, so that the caller's main loop runs. */
static void
try_lock (GTask *task)
{
  PiKeyringEncryptedFileBackend *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  int saved_errno;

  if (g_task_return_error_if_cancelled (task))
    return;

  if (flock (op->lock_fd, LOCK_EX | LOCK_NB) == 0)
    {
      start_transaction (task);
      return;
    }

  saved_errno = errno;
  if (saved_errno == EWOULDBLOCK || saved_errno == EINTR)
    {
      if (g_get_monotonic_time () < op->deadline)
        {
          g_autoptr(GSource) source = g_timeout_source_new (LOCK_POLL_MS);

          g_task_attach_source (task, source, on_lock_poll);
          return;
        }

      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY,
                               _("Gave up waiting for another program to finish with “%s”."),
                               self->path);
      return;
    }

  g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                           _("Could not lock “%s”: %s"), self->path, g_strerror (saved_errno));
}

static gboolean
on_lock_poll (gpointer user_data)
{
  try_lock (G_TASK (user_data));
  return G_SOURCE_REMOVE;
}

/* Makes the vault's directory (0700) and opens its lock file (0600). */
static gboolean
open_lock (PiKeyringEncryptedFileBackend  *self,
           Op                             *op,
           GError                        **error)
{
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autofree char *lock_path = g_strconcat (self->path, ".lock", NULL);
  int saved_errno;

  if (!_pi_keyring_file_ensure_private_dir (dir, error))
    return FALSE;

  op->lock_fd = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
  if (op->lock_fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not open the lock file “%s”: %s"), lock_path,
                   g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

static gboolean
vault_exists (const char *path)
{
  struct stat st;

  return g_lstat (path, &st) == 0 || errno != ENOENT;
}

/* Runs @op (taken) as a task of @self tagged @source_tag. */
static void
start_op (PiKeyringEncryptedFileBackend *self,
          Op                            *op,
          gpointer                       source_tag,
          GCancellable                  *cancellable,
          GAsyncReadyCallback            callback,
          gpointer                       user_data)
{
  g_autoptr(GTask) owned_task = g_task_new (self, cancellable, callback, user_data);
  GTask *task = owned_task;
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, op, (GDestroyNotify) op_free);
  /* A cancellation that came too late to stop a write must not make it
   * look undone: the operation reports cancelling itself when it stops. */
  g_task_set_check_cancellable (task, FALSE);

  op->passphrase = resolve_passphrase (self, &error);
  if (op->passphrase == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  op->path = g_strdup (self->path);
  op->write_iterations = self->iterations > 0 ? self->iterations : PI_KEYRING_VAULT_MIN_ITERATIONS;
  op->min_iterations = MIN (op->write_iterations, PI_KEYRING_VAULT_MIN_ITERATIONS);
  op->deadline = g_get_monotonic_time () + (gint64) LOCK_WAIT_MS * 1000;

  if (self->cached_key != NULL &&
      _pi_keyring_secret_equal (self->cached_passphrase, op->passphrase))
    op->key = _pi_keyring_vault_key_copy (self->cached_key);

  /* Readers need no lock: a write replaces the file whole, by a rename. */
  if (!op_writes (op))
    {
      start_transaction (task);
      return;
    }

  /* Nothing to remove, and no directory or lock file to make for it. */
  if (op->kind == OP_REMOVE && !vault_exists (self->path))
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND,
                               _("No credential is stored for “%s” in “%s”."),
                               op->provider, self->path);
      return;
    }

  if (!open_lock (self, op, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  try_lock (task);
}

/* --- the backend interface --- */

static const char *
encrypted_get_name (PiKeyringBackend *backend)
{
  return "encrypted-file";
}

static gboolean
encrypted_is_plaintext (PiKeyringBackend *backend)
{
  return FALSE;
}

static char *
encrypted_get_location (PiKeyringBackend *backend)
{
  return g_strdup (PI_KEYRING_ENCRYPTED_FILE_BACKEND (backend)->path);
}

static void
encrypted_check_async (PiKeyringBackend    *backend,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  start_op (PI_KEYRING_ENCRYPTED_FILE_BACKEND (backend), op_new (OP_CHECK, NULL, NULL),
            encrypted_check_async, cancellable, callback, user_data);
}

static void
encrypted_lookup_async (PiKeyringBackend    *backend,
                        const char          *provider,
                        const char          *profile,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  start_op (PI_KEYRING_ENCRYPTED_FILE_BACKEND (backend), op_new (OP_LOOKUP, provider, profile),
            encrypted_lookup_async, cancellable, callback, user_data);
}

static void
encrypted_store_async (PiKeyringBackend    *backend,
                       PiKeyringCredential *credential,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  Op *op = op_new (OP_STORE, pi_keyring_credential_get_provider (credential),
                   pi_keyring_credential_get_profile (credential));

  /* Copied here: the worker thread must not share the caller's object. */
  op->entry = _pi_keyring_credential_dup_node (credential);
  start_op (PI_KEYRING_ENCRYPTED_FILE_BACKEND (backend), op,
            encrypted_store_async, cancellable, callback, user_data);
}

static void
encrypted_remove_async (PiKeyringBackend    *backend,
                        const char          *provider,
                        const char          *profile,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  start_op (PI_KEYRING_ENCRYPTED_FILE_BACKEND (backend), op_new (OP_REMOVE, provider, profile),
            encrypted_remove_async, cancellable, callback, user_data);
}

static void
encrypted_list_async (PiKeyringBackend    *backend,
                      const char          *profile,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  start_op (PI_KEYRING_ENCRYPTED_FILE_BACKEND (backend), op_new (OP_LIST, NULL, profile),
            encrypted_list_async, cancellable, callback, user_data);
}

static void
backend_iface_init (PiKeyringBackendInterface *iface)
{
  iface->get_name = encrypted_get_name;
  iface->is_plaintext = encrypted_is_plaintext;
  iface->get_location = encrypted_get_location;
  iface->check_async = encrypted_check_async;
  iface->lookup_async = encrypted_lookup_async;
  iface->store_async = encrypted_store_async;
  iface->remove_async = encrypted_remove_async;
  iface->list_async = encrypted_list_async;
}

/* --- the object --- */

static void
pi_keyring_encrypted_file_backend_constructed (GObject *object)
{
  PiKeyringEncryptedFileBackend *self = PI_KEYRING_ENCRYPTED_FILE_BACKEND (object);

  G_OBJECT_CLASS (pi_keyring_encrypted_file_backend_parent_class)->constructed (object);

  if (self->path == NULL)
    self->path = pi_keyring_get_default_vault_path ();
}

static void
pi_keyring_encrypted_file_backend_finalize (GObject *object)
{
  PiKeyringEncryptedFileBackend *self = PI_KEYRING_ENCRYPTED_FILE_BACKEND (object);

  clear_cache (self);
  g_clear_pointer (&self->passphrase, _pi_keyring_secret_free);
  g_clear_pointer (&self->file_passphrase, _pi_keyring_secret_free);
  g_free (self->file_passphrase_path);
  g_free (self->path);

  G_OBJECT_CLASS (pi_keyring_encrypted_file_backend_parent_class)->finalize (object);
}

static void
pi_keyring_encrypted_file_backend_get_property (GObject    *object,
                                                guint       prop_id,
                                                GValue     *value,
                                                GParamSpec *pspec)
{
  PiKeyringEncryptedFileBackend *self = PI_KEYRING_ENCRYPTED_FILE_BACKEND (object);

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
pi_keyring_encrypted_file_backend_set_property (GObject      *object,
                                                guint         prop_id,
                                                const GValue *value,
                                                GParamSpec   *pspec)
{
  PiKeyringEncryptedFileBackend *self = PI_KEYRING_ENCRYPTED_FILE_BACKEND (object);

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
pi_keyring_encrypted_file_backend_class_init (PiKeyringEncryptedFileBackendClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = pi_keyring_encrypted_file_backend_constructed;
  object_class->finalize = pi_keyring_encrypted_file_backend_finalize;
  object_class->get_property = pi_keyring_encrypted_file_backend_get_property;
  object_class->set_property = pi_keyring_encrypted_file_backend_set_property;

  /**
   * PiKeyringEncryptedFileBackend:path:
   *
   * The path of the vault; %NULL at construction means
   * [func@get_default_vault_path].
   *
   * Since: 0.1
   */
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pi_keyring_encrypted_file_backend_init (PiKeyringEncryptedFileBackend *self)
{
}

/**
 * pi_keyring_encrypted_file_backend_new:
 * @path: (nullable) (type filename): the path of the vault, or %NULL for
 *   [func@get_default_vault_path]
 * @passphrase: (nullable): the vault's passphrase, or %NULL to take it from
 *   `PI_KEYRING_PASSPHRASE_FILE` or `PI_KEYRING_PASSPHRASE` at each
 *   operation
 *
 * Creates a backend on an encrypted vault. Nothing is read or created
 * until the backend is used; the first store creates the directory (mode
 * 0700) and the vault (mode 0600). The backend keeps a copy of
 * @passphrase, wiped when it is replaced or the backend is finalized.
 *
 * Returns: (transfer full): a new backend
 *
 * Since: 0.1
 */
PiKeyringBackend *
pi_keyring_encrypted_file_backend_new (const char *path,
                                       const char *passphrase)
{
  PiKeyringEncryptedFileBackend *self;

  self = g_object_new (PI_KEYRING_TYPE_ENCRYPTED_FILE_BACKEND, "path", path, NULL);
  pi_keyring_encrypted_file_backend_set_passphrase (self, passphrase);

  return PI_KEYRING_BACKEND (self);
}

/**
 * pi_keyring_encrypted_file_backend_get_path:
 * @self: an encrypted-file backend
 *
 * Gets the path of the vault.
 *
 * Returns: (type filename): the path
 *
 * Since: 0.1
 */
const char *
pi_keyring_encrypted_file_backend_get_path (PiKeyringEncryptedFileBackend *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_ENCRYPTED_FILE_BACKEND (self), NULL);

  return self->path;
}

/**
 * pi_keyring_encrypted_file_backend_set_passphrase:
 * @self: an encrypted-file backend
 * @passphrase: (nullable): the vault's passphrase, or %NULL (or empty) to
 *   take it from the environment again
 *
 * Sets the passphrase that opens the vault, for example one the user typed
 * after an operation failed with %PI_KEYRING_ERROR_LOCKED. It is used for
 * the operations started from now on; the previous one is wiped from
 * memory. A wrong passphrase is only found out by the next operation,
 * which then fails with %PI_KEYRING_ERROR_WRONG_PASSPHRASE.
 *
 * Since: 0.1
 */
void
pi_keyring_encrypted_file_backend_set_passphrase (PiKeyringEncryptedFileBackend *self,
                                                  const char                    *passphrase)
{
  g_return_if_fail (PI_KEYRING_IS_ENCRYPTED_FILE_BACKEND (self));

  g_clear_pointer (&self->passphrase, _pi_keyring_secret_free);
  if (passphrase != NULL && *passphrase != '\0')
    self->passphrase = g_strdup (passphrase);
  clear_cache (self);
}

/**
 * pi_keyring_encrypted_file_backend_needs_passphrase:
 * @self: an encrypted-file backend
 *
 * Whether operations would fail with %PI_KEYRING_ERROR_LOCKED for want of a
 * passphrase: none was set, and neither `PI_KEYRING_PASSPHRASE_FILE` nor
 * `PI_KEYRING_PASSPHRASE` is set. A program that may ask the user can
 * prompt and call [method@EncryptedFileBackend.set_passphrase] first.
 *
 * Returns: %TRUE when there is no passphrase to use
 *
 * Since: 0.1
 */
gboolean
pi_keyring_encrypted_file_backend_needs_passphrase (PiKeyringEncryptedFileBackend *self)
{
  const char *file = g_getenv ("PI_KEYRING_PASSPHRASE_FILE");
  const char *value = g_getenv ("PI_KEYRING_PASSPHRASE");

  g_return_val_if_fail (PI_KEYRING_IS_ENCRYPTED_FILE_BACKEND (self), FALSE);

  return self->passphrase == NULL &&
         (file == NULL || *file == '\0') &&
         (value == NULL || *value == '\0');
}

/**
 * pi_keyring_get_default_vault_path:
 *
 * Gets the path of the encrypted-file backend's vault:
 * `$XDG_DATA_HOME/pi-keyring/credentials.vault` (by default
 * `~/.local/share/pi-keyring/credentials.vault`).
 *
 * Returns: (transfer full) (type filename): the path
 *
 * Since: 0.1
 */
char *
pi_keyring_get_default_vault_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "pi-keyring", "credentials.vault", NULL);
}

void
_pi_keyring_encrypted_file_backend_set_iterations (PiKeyringEncryptedFileBackend *self,
                                                   guint                          iterations)
{
  g_return_if_fail (PI_KEYRING_IS_ENCRYPTED_FILE_BACKEND (self));
  g_return_if_fail (iterations <= PI_KEYRING_VAULT_MAX_ITERATIONS);

  self->iterations = iterations;
}
