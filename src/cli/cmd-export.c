/* cmd-export.c: pi-keyring export [FILE|-]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "cli-daemon-client.h"

#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* The links the kernel follows itself are checked by it (fs.protected_symlinks);
 * pi-keyring resolves the last component's links itself, to replace the
 * file they lead to, so it checks those: each must be the user's own. A
 * link another user owns, in a world-writable sticky directory such as
 * /tmp above all, may have been planted to make export rewrite a file of
 * the attacker's choosing (with the keys merged in). pi's auth.json is
 * written through its links as before: a dotfile manager's link is the
 * user's choice, not an argument. */
static gboolean
check_links (const char *path)
{
  g_autofree char *current = g_strdup (path);

  for (int i = 0; i < 40; i++)
    {
      struct stat st;
      struct stat dir_st;
      g_autofree char *dir = NULL;
      g_autofree char *target = NULL;

      if (g_lstat (current, &st) != 0 || !S_ISLNK (st.st_mode))
        return TRUE;

      dir = g_path_get_dirname (current);
      if (st.st_uid != geteuid ())
        {
          g_autofree char *display = g_filename_display_name (current);
          gboolean sticky = g_stat (dir, &dir_st) == 0 && (dir_st.st_mode & S_ISVTX) != 0 &&
                            (dir_st.st_mode & S_IWOTH) != 0;

          if (sticky)
            cli_error (_("%s is a symbolic link in a world-writable directory, and another user "
                         "(uid %u) owns it: the credentials are not exported through it."),
                       display, (guint) st.st_uid);
          else
            cli_error (_("%s is a symbolic link that another user (uid %u) owns: the "
                         "credentials are not exported through it."),
                       display, (guint) st.st_uid);
          return FALSE;
        }

      target = g_file_read_link (current, NULL);
      if (target == NULL)
        return TRUE;
      g_free (current);
      current = g_path_is_absolute (target) ? g_steal_pointer (&target)
                                            : g_build_filename (dir, target, NULL);
    }

  return TRUE;
}

static int
export_to_stdout (GPtrArray *credentials)
{
  g_autoptr(CliSecret) text = pi_keyring_file_backend_format_credentials (credentials);
  g_autoptr(GError) error = NULL;

  /* No newline on a pipe or in a file: the bytes are pi's. */
  if (!cli_write_secret (text, TRUE, &error))
    return cli_report_error (error);

  return CLI_EXIT_OK;
}

static int
export_to_file (GPtrArray  *credentials,
                const char *path)
{
  g_autoptr(PiKeyringBackend) target = pi_keyring_file_backend_new (path);
  g_autofree char *display = g_filename_display_name (path);
  g_autoptr(GError) error = NULL;

  if (credentials->len == 0)
    {
      cli_info (_("No credentials are stored; %s was not written."), display);
      return CLI_EXIT_OK;
    }

  for (guint i = 0; i < credentials->len; i++)
    {
      PiKeyringCredential *credential = g_ptr_array_index (credentials, i);
      g_autoptr(PiKeyringCredential) copy = NULL;

      /* auth.json has no profiles: every entry goes in as pi's own. */
      copy = pi_keyring_credential_copy_for_profile (credential, NULL);
      if (!pi_keyring_backend_store_sync (target, copy, NULL, &error))
        {
          cli_error (_("%s: not exported."), pi_keyring_credential_get_provider (credential));
          return cli_report_error (error);
        }
    }

  cli_warning (_("The credentials are written in plaintext to %s."), display);
  cli_info (ngettext ("Exported %u credential to %s.", "Exported %u credentials to %s.",
                      credentials->len),
            credentials->len, display);
  return CLI_EXIT_OK;
}

/* Refresh tokens rotate: once one copy is refreshed, the other stops
 * working. Say so when the export made a second copy of one. */
static void
warn_about_oauth_copies (GPtrArray *credentials)
{
  guint count = 0;

  for (guint i = 0; i < credentials->len; i++)
    if (pi_keyring_credential_get_kind (g_ptr_array_index (credentials, i)) ==
        PI_KEYRING_CREDENTIAL_KIND_OAUTH)
      count++;

  if (count == 0)
    return;

  cli_warning (ngettext ("%u OAuth credential now has two copies; the first refresh of one "
                         "breaks the other, so keep only one (“pi-keyring remove PROVIDER” "
                         "removes the backend's).",
                         "%u OAuth credentials now have two copies; the first refresh of one "
                         "breaks the other, so keep only one (“pi-keyring remove PROVIDER” "
                         "removes the backend's).",
                         count),
               count);
}

int
cli_cmd_export (const CliCommand  *command,
                int                argc,
                char             **argv)
{
  g_autoptr(GOptionContext) context = cli_option_context_new (command, N_("[FILE|-]"), NULL);
  g_autoptr(PiKeyringBackend) backend = NULL;
  g_autoptr(GPtrArray) credentials = NULL;
  g_autoptr(GError) error = NULL;
  const char *target;
  int status;

  g_option_context_set_description (context,
                                    N_("Writes the credentials of the profile in pi's auth.json "
                                       "format: to standard output for “-” (the default), else "
                                       "merged into FILE, which is written with mode 0600 and "
                                       "keeps the entries of other providers. The output holds "
                                       "secrets. When a pi-keyring daemon with the Secret Service "
                                       "backend runs, it is asked for the credentials."));
  if (!cli_option_context_parse (context, &argc, &argv) ||
      !cli_check_arguments (argc, 0, 1))
    return CLI_EXIT_USAGE;
  target = argc > 1 ? argv[1] : "-";
  if (!g_str_equal (target, "-") && !check_links (target))
    return CLI_EXIT_FAILURE;

  backend = cli_open_backend (&error);
  if (backend == NULL)
    return cli_report_error (error);

  /* A running daemon keeps what it read of the keyring: many credentials
   * without a call per item. */
  switch (cli_dbus_daemon_export_credentials (backend, &credentials, &error))
    {
    case CLI_DAEMON_ANSWERED:
      break;

    case CLI_DAEMON_FAILED:
      return cli_report_error (error);

    case CLI_DAEMON_NOT_ASKED:
    default:
      credentials = pi_keyring_backend_list_sync (backend, cli_get_profile (), NULL, &error);
      if (credentials == NULL)
        return cli_report_error (error);
      break;
    }

  if (g_str_equal (target, "-"))
    status = export_to_stdout (credentials);
  else
    status = export_to_file (credentials, target);

  if (status == CLI_EXIT_OK)
    warn_about_oauth_copies (credentials);

  return status;
}
