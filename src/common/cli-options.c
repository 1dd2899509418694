/* cli-options.c: the global options and the parsing of a command line
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "cli-options.h"
#include "cli-messages.h"

CliOptions cli_options;

static gboolean
on_backend_option (const char  *option_name,
                   const char  *value,
                   gpointer     data,
                   GError     **error)
{
  g_free (cli_options.backend);
  cli_options.backend = g_strdup (value);
  return TRUE;
}

static gboolean
on_profile_option (const char  *option_name,
                   const char  *value,
                   gpointer     data,
                   GError     **error)
{
  /* The library's error, as the library and the daemon give it: a name
   * is no secret, so cli_option_error_message () shows it. */
  if (!pi_keyring_validate_id (value, error))
    return FALSE;

  g_free (cli_options.profile);
  cli_options.profile = g_strdup (value);
  return TRUE;
}

static const GOptionEntry global_entries[] = {
  { "backend", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer) on_backend_option,
    N_("Where credentials are kept: auto, secret-service, file, encrypted-file or memory "
       "(default: $PI_KEYRING_BACKEND, else auto)"),
    N_("BACKEND") },
  { "profile", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer) on_profile_option,
    N_("Use the credentials of profile NAME (default: “default”)"), N_("NAME") },
  { "json", 0, 0, G_OPTION_ARG_NONE, &cli_options.json,
    N_("Print machine-readable JSON on standard output"), NULL },
  { "interactive", 0, 0, G_OPTION_ARG_NONE, &cli_options.interactive,
    N_("Allow prompts: unlock a locked keyring, ask for the vault's passphrase"), NULL },
  G_OPTION_ENTRY_NULL
};

const GOptionEntry *
cli_get_global_entries (void)
{
  return global_entries;
}

void
cli_options_clear (void)
{
  g_clear_pointer (&cli_options.backend, g_free);
  g_clear_pointer (&cli_options.profile, g_free);
  cli_options.json = FALSE;
  cli_options.interactive = FALSE;
}

GOptionContext *
cli_option_context_new (const CliCommand   *command,
                        const char         *parameter_string,
                        const GOptionEntry *entries)
{
  GOptionContext *context;

  context = g_option_context_new (parameter_string);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, command->summary);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, global_entries, GETTEXT_PACKAGE);

  return context;
}

char *
cli_option_name (const char *arg)
{
  const char *equal;

  if (g_str_has_prefix (arg, "--"))
    {
      equal = strchr (arg, '=');
      return equal != NULL ? g_strndup (arg, equal - arg) : g_strdup (arg);
    }
  if (arg[0] == '-' && arg[1] != '\0')
    return g_strndup (arg, 2);

  return g_strdup (arg);
}

/* The value an option argument carries in itself, or NULL. */
static const char *
inline_value (const char *arg)
{
  if (g_str_has_prefix (arg, "--"))
    {
      const char *equal = strchr (arg, '=');

      return equal != NULL ? equal + 1 : NULL;
    }
  if (arg[0] == '-' && arg[1] != '\0' && arg[2] != '\0')
    return arg + 2;

  return NULL;
}

char *
cli_option_error_message (const GError       *error,
                          int                 argc,
                          const char * const *argv)
{
  /* GLib's messages quote the argument as typed ("Unknown option
   * --key=sk-…", "Cannot parse integer value “…” for --x"): a value, which
   * may be a secret, must not be echoed. Only the option's name is; and a
   * profile name outside the grammar, in the library's words (DESIGN §8). */
  if (g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT))
    return g_strdup (error->message);
  if (g_error_matches (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION))
    {
      const char *found = NULL;

      for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-' && argv[i][1] != '\0' && strstr (error->message, argv[i]) != NULL &&
            (found == NULL || strlen (argv[i]) > strlen (found)))
          found = argv[i];
      if (found != NULL)
        {
          g_autofree char *name = cli_option_name (found);

          return g_strdup_printf (_("Unknown option “%s”."), name);
        }
      return g_strdup (_("Unknown option."));
    }

  for (int i = 1; i < argc; i++)
    {
      const char *value = NULL;

      if (argv[i][0] != '-' || argv[i][1] == '\0' || g_str_equal (argv[i], "--"))
        continue;
      value = inline_value (argv[i]);
      if (value == NULL && i + 1 < argc)
        value = argv[i + 1];
      if (value != NULL && *value != '\0' && strstr (error->message, value) != NULL)
        {
          g_autofree char *name = cli_option_name (argv[i]);

          return g_strdup_printf (_("Invalid value for option “%s”."), name);
        }
    }

  return g_strdup (error->message);
}

gboolean
cli_option_context_parse (GOptionContext   *context,
                          int              *argc,
                          char           ***argv)
{
  g_autoptr(GError) error = NULL;
  /* parsing takes the options out of @argv: keep what was typed */
  g_auto(GStrv) typed = g_new0 (char *, *argc + 1);

  for (int i = 0; i < *argc; i++)
    typed[i] = g_strdup ((*argv)[i]);

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_autofree char *message = NULL;

      message = cli_option_error_message (error, g_strv_length (typed),
                                          (const char * const *) typed);
      cli_usage_error ("%s", message);
      return FALSE;
    }

  return TRUE;
}

gboolean
cli_check_arguments (int   argc,
                     guint min,
                     guint max)
{
  guint count = argc > 0 ? (guint) argc - 1 : 0;

  if (count < min)
    {
      cli_usage_error (_("An argument is missing."));
      return FALSE;
    }
  if (count > max)
    {
      cli_usage_error (_("There are too many arguments."));
      return FALSE;
    }

  return TRUE;
}

