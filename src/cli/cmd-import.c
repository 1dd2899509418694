/* cmd-import.c: pi-keyring import [FILE] [--link]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "cli-pi-setup.h"

typedef struct
{
  PiKeyringBackend *backend;      /* where the entries go */
  PiKeyringBackend *source;       /* the auth.json they come from */
  char             *where;        /* the backend, for a person */
  char             *source_name;  /* the auth.json path, for a person */
  gboolean          link;
  guint             imported;
} Import;

static void
import_clear (Import *import)
{
  g_clear_object (&import->backend);
  g_clear_object (&import->source);
  g_clear_pointer (&import->where, g_free);
  g_clear_pointer (&import->source_name, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Import, import_clear)

static char *
shell_word (const char *word)
{
  for (const char *p = word; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("._-+@%/:,=", *p) == NULL)
      return g_shell_quote (word);

  return g_strdup (word);
}

/* The api_key `key` that makes pi ask pi-keyring. */
static char *
link_command (const char *provider)
{
  g_autofree char *quoted_provider = shell_word (provider);

  if (g_strcmp0 (cli_get_profile (), PI_KEYRING_DEFAULT_PROFILE) != 0)
    {
      g_autofree char *option = g_strconcat ("--profile=", cli_get_profile (), NULL);
      g_autofree char *quoted_option = shell_word (option);

      return g_strdup_printf ("!pi-keyring %s get %s", quoted_option, quoted_provider);
    }

  return g_strdup_printf ("!pi-keyring get %s", quoted_provider);
}

/* An entry that already asks pi-keyring must not be copied into the
 * backend: it would ask itself. */
static gboolean
is_link (PiKeyringCredential *credential)
{
  const char *key = pi_keyring_credential_get_key (credential);

  return pi_keyring_credential_get_kind (credential) == PI_KEYRING_CREDENTIAL_KIND_API_KEY &&
         key != NULL && g_str_has_prefix (key, "!pi-keyring ");
}

static gboolean
import_api_key (Import               *import,
                PiKeyringCredential  *credential,
                GError              **error)
{
  const char *provider = pi_keyring_credential_get_provider (credential);
  g_autofree char *command = NULL;
  g_autoptr(PiKeyringCredential) link = NULL;

  if (!import->link)
    {
      cli_info (_("%s: copied the API key to %s; it stays in %s."),
                provider, import->where, import->source_name);
      return TRUE;
    }

  command = link_command (provider);
  link = pi_keyring_credential_new_api_key (provider, NULL, command);
  if (!pi_keyring_backend_store_sync (import->source, link, NULL, error))
    {
      cli_error (_("%s: copied the API key to %s, but could not rewrite it in %s."),
                 provider, import->where, import->source_name);
      return FALSE;
    }

  cli_info (_("%s: copied the API key to %s; %s now runs “%s”."),
            provider, import->where, import->source_name, command);
  return TRUE;
}

/* The OAuth entry in the file is replaced by a link, in one write: pi
 * without the extension still sees that the provider is set up, and the
 * file keeps no token. */
static gboolean
link_oauth (Import      *import,
            const char  *provider,
            GError     **error)
{
  g_autofree char *command = link_command (provider);
  g_autoptr(PiKeyringCredential) link = pi_keyring_credential_new_api_key (provider, NULL,
                                                                          command);

  if (!pi_keyring_backend_store_sync (import->source, link, NULL, error))
    {
      cli_error (_("%s: copied the OAuth credential to %s, but could not remove it from %s; "
                   "remove one of the two copies, or they will break each other at the "
                   "next refresh."),
                 provider, import->where, import->source_name);
      return FALSE;
    }

  cli_info (_("%s: moved the OAuth credential from %s to %s; %s now runs “%s”."),
            provider, import->source_name, import->where, import->source_name, command);
  return TRUE;
}

static gboolean
import_one (Import               *import,
            PiKeyringCredential  *credential,
            GError              **error)
{
  const char *provider = pi_keyring_credential_get_provider (credential);
  g_autoptr(PiKeyringCredential) copy = NULL;

  /* pi accepts more names than we store (DESIGN §8): such an entry stays
   * where it is, for pi, and the others are imported. */
  if (!pi_keyring_is_valid_id (provider))
    {
      g_autofree char *shown = g_strescape (provider, NULL);

      cli_warning (_("“%s”: skipped; it is not a valid provider name here, so it stays in %s."),
                   shown, import->source_name);
      return TRUE;
    }

  if (is_link (credential))
    {
      cli_info (_("%s: skipped; it already runs “%s”."),
                provider, pi_keyring_credential_get_key (credential));
      return TRUE;
    }

  copy = pi_keyring_credential_copy_for_profile (credential, cli_options.profile);
  if (!pi_keyring_backend_store_sync (import->backend, copy, NULL, error))
    {
      cli_error (_("%s: not imported."), provider);
      return FALSE;
    }
  import->imported++;

  switch (pi_keyring_credential_get_kind (credential))
    {
    case PI_KEYRING_CREDENTIAL_KIND_OAUTH:
      /* Refresh tokens rotate: two holders of one would break each other. */
      if (import->link)
        return link_oauth (import, provider, error);
      if (!pi_keyring_backend_remove_sync (import->source, provider, NULL, NULL, error))
        {
          cli_error (_("%s: copied the OAuth credential to %s, but could not remove it from %s; "
                       "remove one of the two copies, or they will break each other at the "
                       "next refresh."),
                     provider, import->where, import->source_name);
          return FALSE;
        }
      cli_info (_("%s: moved the OAuth credential from %s to %s."),
                provider, import->source_name, import->where);
      return TRUE;

    case PI_KEYRING_CREDENTIAL_KIND_API_KEY:
      return import_api_key (import, credential, error);

    case PI_KEYRING_CREDENTIAL_KIND_OTHER:
      break;
    }

  cli_info (_("%s: copied the entry to %s; it stays in %s."),
            provider, import->where, import->source_name);
  return TRUE;
}

int
cli_cmd_import (const CliCommand  *command,
                int                argc,
                char             **argv)
{
  gboolean link = FALSE;
  const GOptionEntry entries[] = {
    { "link", 0, 0, G_OPTION_ARG_NONE, &link,
      N_("Leave “!pi-keyring get PROVIDER” in FILE for every imported entry, and set pi up "
         "as “pi-keyring setup-pi” does"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = cli_option_context_new (command, N_("[FILE]"), entries);
  g_auto(Import) import = { NULL, };
  g_autoptr(GPtrArray) credentials = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *default_path = NULL;
  const char *path;

  g_option_context_set_description (context,
                                    N_("FILE is pi's auth.json by default. Every entry is stored "
                                       "in the backend. OAuth entries are then removed from FILE, "
                                       "so that one refresh token has one holder; API keys stay "
                                       "in FILE unless --link rewrites them to ask pi-keyring. "
                                       "--link also replaces each moved OAuth entry with one that "
                                       "asks pi-keyring (no token is left in FILE), then installs "
                                       "pi's extension as “pi-keyring setup-pi” does. A FILE that "
                                       "does not parse is left as it is."));
  if (!cli_option_context_parse (context, &argc, &argv) ||
      !cli_check_arguments (argc, 0, 1))
    return CLI_EXIT_USAGE;

  path = argc > 1 ? argv[1] : (default_path = pi_keyring_get_default_auth_file_path ());
  import.link = link;
  import.source_name = g_filename_display_name (path);

  import.backend = cli_open_backend (&error);
  if (import.backend == NULL)
    return cli_report_error (error);
  import.where = cli_backend_describe (import.backend);

  /* OAuth entries are moved: into memory, they would be gone at exit. */
  if (g_str_equal (pi_keyring_backend_get_name (import.backend), "memory"))
    return cli_usage_error (_("The memory backend forgets everything when pi-keyring exits; "
                              "choose another backend with --backend."));

  if (cli_same_file (path, cli_backend_get_file_path (import.backend)))
    return cli_usage_error (_("%s is the file the backend writes; choose another backend with "
                              "--backend, such as --backend=secret-service."),
                            import.source_name);

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      cli_error (_("%s does not exist or is not a file; there is nothing to import."),
                 import.source_name);
      return CLI_EXIT_NOT_FOUND;
    }

  import.source = pi_keyring_file_backend_new (path);
  credentials = pi_keyring_backend_list_sync (import.source, NULL, NULL, &error);
  if (credentials == NULL)
    return cli_report_error (error);

  if (credentials->len == 0)
    {
      cli_info (_("%s has no entries; there is nothing to import."), import.source_name);
      return link ? cli_pi_setup (FALSE, FALSE) : CLI_EXIT_OK;
    }

  if (pi_keyring_backend_is_plaintext (import.backend))
    cli_warning (_("The credentials are written in plaintext to %s."), import.where);

  for (guint i = 0; i < credentials->len; i++)
    {
      if (!import_one (&import, g_ptr_array_index (credentials, i), &error))
        return cli_report_error (error);
    }

  cli_info (ngettext ("Imported %u entry from %s.", "Imported %u entries from %s.",
                      import.imported),
            import.imported, import.source_name);

  /* pi's extension: every request asks pi-keyring, so that pi never keeps
   * an old token for the rest of its session. */
  if (link)
    return cli_pi_setup (FALSE, FALSE);

  return CLI_EXIT_OK;
}
