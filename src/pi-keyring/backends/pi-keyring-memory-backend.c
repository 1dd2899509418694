/* pi-keyring-memory-backend.c: credentials kept in memory
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "backends/pi-keyring-backends-private.h"

/**
 * PiKeyringMemoryBackend:
 *
 * A backend that keeps credentials in memory only, for tests and for
 * programs that embed pi-keyring and persist nothing.
 *
 * Since: 0.1
 */
struct _PiKeyringMemoryBackend
{
  GObject    parent_instance;

  /* PiKeyringCredential, in the order they were first stored */
  GPtrArray *credentials;
};

static void backend_iface_init (PiKeyringBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PiKeyringMemoryBackend, pi_keyring_memory_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PI_KEYRING_TYPE_BACKEND, backend_iface_init))

static gboolean
find_credential (PiKeyringMemoryBackend *self,
                 const char             *provider,
                 const char             *profile,
                 guint                  *out_index)
{
  for (guint i = 0; i < self->credentials->len; i++)
    {
      PiKeyringCredential *credential = g_ptr_array_index (self->credentials, i);

      if (g_str_equal (pi_keyring_credential_get_provider (credential), provider) &&
          g_str_equal (pi_keyring_credential_get_profile (credential), profile))
        {
          *out_index = i;
          return TRUE;
        }
    }

  return FALSE;
}

static const char *
memory_get_name (PiKeyringBackend *backend)
{
  return "memory";
}

static char *
memory_get_location (PiKeyringBackend *backend)
{
  return g_strdup (_("memory (nothing is saved)"));
}

static void
memory_lookup_async (PiKeyringBackend    *backend,
                     const char          *provider,
                     const char          *profile,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  PiKeyringMemoryBackend *self = PI_KEYRING_MEMORY_BACKEND (backend);
  g_autoptr(GTask) task = NULL;
  guint index;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, memory_lookup_async);

  if (find_credential (self, provider, profile, &index))
    g_task_return_pointer (task, g_object_ref (g_ptr_array_index (self->credentials, index)),
                           g_object_unref);
  else
    g_task_return_pointer (task, NULL, NULL);
}

static void
memory_store_async (PiKeyringBackend    *backend,
                    PiKeyringCredential *credential,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  PiKeyringMemoryBackend *self = PI_KEYRING_MEMORY_BACKEND (backend);
  g_autoptr(GTask) task = NULL;
  guint index;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, memory_store_async);

  if (find_credential (self, pi_keyring_credential_get_provider (credential),
                       pi_keyring_credential_get_profile (credential), &index))
    {
      g_object_unref (self->credentials->pdata[index]);
      self->credentials->pdata[index] = g_object_ref (credential);
    }
  else
    g_ptr_array_add (self->credentials, g_object_ref (credential));

  g_task_return_boolean (task, TRUE);
}

static void
memory_remove_async (PiKeyringBackend    *backend,
                     const char          *provider,
                     const char          *profile,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  PiKeyringMemoryBackend *self = PI_KEYRING_MEMORY_BACKEND (backend);
  g_autoptr(GTask) task = NULL;
  guint index;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, memory_remove_async);

  if (!find_credential (self, provider, profile, &index))
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND,
                               _("No credential is stored for “%s”."), provider);
      return;
    }

  g_ptr_array_remove_index (self->credentials, index);
  g_task_return_boolean (task, TRUE);
}

static void
memory_list_async (PiKeyringBackend    *backend,
                   const char          *profile,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  PiKeyringMemoryBackend *self = PI_KEYRING_MEMORY_BACKEND (backend);
  g_autoptr(GTask) task = NULL;
  GPtrArray *list;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, memory_list_async);

  list = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->credentials->len; i++)
    {
      PiKeyringCredential *credential = g_ptr_array_index (self->credentials, i);

      if (profile == NULL || g_str_equal (pi_keyring_credential_get_profile (credential), profile))
        g_ptr_array_add (list, g_object_ref (credential));
    }

  g_task_return_pointer (task, list, (GDestroyNotify) g_ptr_array_unref);
}

static void
backend_iface_init (PiKeyringBackendInterface *iface)
{
  iface->get_name = memory_get_name;
  iface->get_location = memory_get_location;
  iface->lookup_async = memory_lookup_async;
  iface->store_async = memory_store_async;
  iface->remove_async = memory_remove_async;
  iface->list_async = memory_list_async;
}

static void
pi_keyring_memory_backend_finalize (GObject *object)
{
  PiKeyringMemoryBackend *self = PI_KEYRING_MEMORY_BACKEND (object);

  g_clear_pointer (&self->credentials, g_ptr_array_unref);

  G_OBJECT_CLASS (pi_keyring_memory_backend_parent_class)->finalize (object);
}

static void
pi_keyring_memory_backend_class_init (PiKeyringMemoryBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pi_keyring_memory_backend_finalize;
}

static void
pi_keyring_memory_backend_init (PiKeyringMemoryBackend *self)
{
  self->credentials = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * pi_keyring_memory_backend_new:
 *
 * Creates an empty memory backend.
 *
 * Returns: (transfer full): a new backend
 *
 * Since: 0.1
 */
PiKeyringBackend *
pi_keyring_memory_backend_new (void)
{
  return g_object_new (PI_KEYRING_TYPE_MEMORY_BACKEND, NULL);
}
