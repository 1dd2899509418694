/* cmd-remove.c: pi-keyring remove PROVIDER (alias: logout)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "cli-util.h"

/* Whether pi's auth.json, read as a fallback, still has an entry for
 * @provider that the backend does not hold. */
static gboolean
auth_file_has_entry (PiKeyringStore   *store,
                     PiKeyringBackend *backend,
                     const char       *provider,
                     char            **out_path)
{
  const char *auth_file = pi_keyring_store_get_auth_file (store);
  g_autofree char *default_auth_file = NULL;
  g_autoptr(PiKeyringBackend) file_backend = NULL;
  g_autoptr(PiKeyringCredential) credential = NULL;

  if (auth_file == NULL)
    auth_file = default_auth_file = pi_keyring_get_default_auth_file_path ();
  if (*auth_file == '\0' || cli_same_file (auth_file, cli_backend_get_file_path (backend)) ||
      !g_file_test (auth_file, G_FILE_TEST_EXISTS))
    return FALSE;

  file_backend = pi_keyring_file_backend_new (auth_file);
  credential = pi_keyring_backend_lookup_sync (file_backend, provider, NULL, NULL, NULL);
  if (credential == NULL)
    return FALSE;

  *out_path = g_filename_display_name (auth_file);
  return TRUE;
}

int
cli_cmd_remove (const CliCommand  *command,
                int                argc,
                char             **argv)
{
  g_autoptr(GOptionContext) context = cli_option_context_new (command, N_("PROVIDER"), NULL);
  g_autoptr(PiKeyringBackend) backend = NULL;
  g_autoptr(PiKeyringStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *where = NULL;
  const char *provider;

  g_option_context_set_description (context,
                                    N_("Deletes the credential stored in the backend for the "
                                       "profile. An OAuth token is first revoked at its provider "
                                       "where the provider offers that; the credential is "
                                       "deleted even when the revocation fails. The exit status "
                                       "is 3 when nothing was stored."));
  if (!cli_option_context_parse (context, &argc, &argv) ||
      !cli_check_arguments (argc, 1, 1))
    return CLI_EXIT_USAGE;
  provider = argv[1];

  backend = cli_open_backend (&error);
  if (backend == NULL)
    return cli_report_error (error);
  store = cli_open_store (backend);
  where = cli_backend_describe (backend);

  if (!pi_keyring_store_logout_sync (store, provider, NULL, &error))
    {
      g_autofree char *auth_file = NULL;

      if (!g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND))
        return cli_report_error (error);

      cli_error (_("No credential of “%s” is stored in %s."), provider, where);
      if (auth_file_has_entry (store, backend, provider, &auth_file))
        cli_info (_("pi's %s still has an entry for “%s”; “pi-keyring --backend=file remove %s” "
                    "removes it."), auth_file, provider, provider);
      return CLI_EXIT_NOT_FOUND;
    }

  cli_info (_("Removed the credential of “%s” from %s."), provider, where);
  return CLI_EXIT_OK;
}
