/* cmd-refresh.c: pi-keyring refresh [PROVIDER…]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "cli-util.h"

static void
add_oauth_ids (GPtrArray *ids,
               GPtrArray *credentials)
{
  for (guint i = 0; i < credentials->len; i++)
    {
      PiKeyringCredential *credential = credentials->pdata[i];
      const char *provider = pi_keyring_credential_get_provider (credential);

      if (pi_keyring_credential_get_kind (credential) == PI_KEYRING_CREDENTIAL_KIND_OAUTH &&
          !g_ptr_array_find_with_equal_func (ids, provider, g_str_equal, NULL))
        g_ptr_array_add (ids, g_strdup (provider));
    }
}

/* Every stored OAuth credential: the backend's, then those of pi's
 * auth.json (read as the fallback) that the backend does not hold. */
static GPtrArray *
list_stored_oauth (PiKeyringStore    *store,
                   PiKeyringBackend  *backend,
                   GError           **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) stored = NULL;
  const char *auth_file = pi_keyring_store_get_auth_file (store);

  stored = pi_keyring_store_list_sync (store, NULL, error);
  if (stored == NULL)
    return NULL;
  add_oauth_ids (ids, stored);

  if (auth_file != NULL && *auth_file != '\0' &&
      !cli_same_file (auth_file, cli_backend_get_file_path (backend)) &&
      g_file_test (auth_file, G_FILE_TEST_EXISTS))
    {
      g_autoptr(PiKeyringBackend) file_backend = pi_keyring_file_backend_new (auth_file);
      g_autoptr(GPtrArray) in_file = NULL;

      in_file = pi_keyring_backend_list_sync (file_backend, NULL, NULL, error);
      if (in_file == NULL)
        return NULL;
      add_oauth_ids (ids, in_file);
    }

  return g_steal_pointer (&ids);
}

static int
refresh_one (PiKeyringStore *store,
             const char     *provider)
{
  const char *display = pi_keyring_catalog_get_display_name (provider);
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  credential = pi_keyring_store_refresh_sync (store, provider, NULL, &error);
  if (credential == NULL)
    return cli_report_oauth_error (error, provider);

  if (display == NULL)
    display = provider;

  if (pi_keyring_credential_has_expires (credential))
    {
      g_autofree char *when = cli_format_time (pi_keyring_credential_get_expires (credential));

      cli_info (_("Refreshed the token of %s; it is valid until %s."), display, when);
    }
  else
    cli_info (_("Refreshed the token of %s."), display);

  return CLI_EXIT_OK;
}

int
cli_cmd_refresh (const CliCommand  *command,
                 int                argc,
                 char             **argv)
{
  g_autoptr(GOptionContext) context = cli_option_context_new (command, N_("[PROVIDER…]"), NULL);
  g_autoptr(PiKeyringBackend) backend = NULL;
  g_autoptr(PiKeyringStore) store = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  int status = CLI_EXIT_OK;

  g_option_context_set_description (context,
                                    N_("Refreshes the named OAuth tokens now, whether they are "
                                       "due or not; without a name, every stored OAuth token. A "
                                       "token is written back to where it was found: the "
                                       "backend, or pi's auth.json. One line per provider; the "
                                       "exit status is the highest of theirs."));
  if (!cli_option_context_parse (context, &argc, &argv))
    return CLI_EXIT_USAGE;
  for (int i = 1; i < argc; i++)
    if (!cli_check_name (argv[i]))
      return CLI_EXIT_USAGE;

  backend = cli_open_backend (&error);
  if (backend == NULL)
    return cli_report_error (error);
  store = cli_open_store (backend);

  if (argc > 1)
    {
      ids = g_ptr_array_new_with_free_func (g_free);
      for (int i = 1; i < argc; i++)
        g_ptr_array_add (ids, g_strdup (argv[i]));
    }
  else
    {
      ids = list_stored_oauth (store, backend, &error);
      if (ids == NULL)
        return cli_report_error (error);
      if (ids->len == 0)
        {
          cli_info (_("No OAuth token is stored; there is nothing to refresh."));
          return CLI_EXIT_OK;
        }
    }

  for (guint i = 0; i < ids->len; i++)
    {
      int one = refresh_one (store, ids->pdata[i]);

      status = MAX (status, one);
    }

  return status;
}
