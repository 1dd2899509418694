/* test-util.c: helpers that the GTest programs share (fixtures' clean-up, waiting for a result).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-util.h"

#include <glib/gstdio.h>

#include <pi-keyring/pi-keyring.h>

void
test_remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);

  if (dir != NULL)
    {
      const char *name;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          test_remove_tree (child);
        }
      g_dir_close (dir);
    }
  g_remove (path);
}

void
test_unset_provider_env (const char * const *extra_vars)
{
  const char * const *ids = pi_keyring_catalog_get_ids ();

  for (gsize i = 0; ids[i] != NULL; i++)
    {
      const char * const *vars = pi_keyring_catalog_get_env_vars (ids[i]);

      for (gsize j = 0; vars[j] != NULL; j++)
        g_unsetenv (vars[j]);
    }

  for (gsize i = 0; extra_vars != NULL && extra_vars[i] != NULL; i++)
    g_unsetenv (extra_vars[i]);
}

void
test_on_result (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

GAsyncResult *
test_wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return *result;
}

gboolean
test_cancel_later (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}
