/* cmd-providers.c: pi-keyring providers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "cli-util.h"

static const char *
describe_login (const char *flow)
{
  if (g_strcmp0 (flow, "loopback") == 0)
    return _("OAuth (browser)");
  if (g_strcmp0 (flow, "device") == 0)
    return _("OAuth (device code)");

  return _("API key");
}

static void
print_json (const char * const *ids)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (gsize i = 0; ids[i] != NULL; i++)
    {
      const char *flow = pi_keyring_catalog_get_flow (ids[i]);
      const char * const *env = pi_keyring_catalog_get_env_vars (ids[i]);
      const char * const *versions = pi_keyring_catalog_get_pi_versions (ids[i]);
      const char *other_id;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, ids[i]);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, pi_keyring_catalog_get_display_name (ids[i]));
      json_builder_set_member_name (builder, "oauth");
      json_builder_add_boolean_value (builder, pi_keyring_catalog_is_oauth (ids[i]));
      json_builder_set_member_name (builder, "flow");
      if (flow != NULL)
        json_builder_add_string_value (builder, flow);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "env");
      json_builder_begin_array (builder);
      for (gsize j = 0; env != NULL && env[j] != NULL; j++)
        json_builder_add_string_value (builder, env[j]);
      json_builder_end_array (builder);
      /* The pi releases pi-keyring describes that know the provider; none
       * for the two only releases before 0.71 use. */
      json_builder_set_member_name (builder, "pi_versions");
      json_builder_begin_array (builder);
      for (gsize j = 0; versions != NULL && versions[j] != NULL; j++)
        json_builder_add_string_value (builder, versions[j]);
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "older_pi_only");
      json_builder_add_boolean_value (builder, versions == NULL || versions[0] == NULL);
      other_id = pi_keyring_catalog_get_other_id (ids[i]);
      json_builder_set_member_name (builder, "same_as");
      if (other_id != NULL)
        json_builder_add_string_value (builder, other_id);
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  cli_print_json (root);
}

static void
print_text (const char * const *ids)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  g_ptr_array_add (rows, g_strdupv ((char *[]) {
    /* Translators: column headers of “pi-keyring providers” */
    _("ID"), _("NAME"), _("LOGIN"), _("PI"), _("ENVIRONMENT"), NULL }));

  for (gsize i = 0; ids[i] != NULL; i++)
    {
      const char * const *env = pi_keyring_catalog_get_env_vars (ids[i]);
      const char * const *versions = pi_keyring_catalog_get_pi_versions (ids[i]);
      g_autofree char *env_text = NULL;
      g_autofree char *versions_text = NULL;

      if (env != NULL && env[0] != NULL)
        env_text = g_strjoinv (", ", (char **) env);
      else
        env_text = g_strdup ("-");
      if (versions != NULL && versions[0] != NULL)
        versions_text = g_strjoinv (",", (char **) versions);
      else
        /* Only pi releases before 0.71 know it. */
        versions_text = g_strdup ("<0.71");

      g_ptr_array_add (rows, g_strdupv ((char *[]) {
        (char *) ids[i],
        (char *) pi_keyring_catalog_get_display_name (ids[i]),
        (char *) describe_login (pi_keyring_catalog_get_flow (ids[i])),
        versions_text,
        env_text,
        NULL }));
    }

  cli_print_table (rows);
}

int
cli_cmd_providers (const CliCommand  *command,
                   int                argc,
                   char             **argv)
{
  g_autoptr(GOptionContext) context = cli_option_context_new (command, NULL, NULL);

  if (!cli_option_context_parse (context, &argc, &argv) ||
      !cli_check_arguments (argc, 0, 0) ||
      !cli_check_backend_name ())
    return CLI_EXIT_USAGE;

  if (cli_options.json)
    print_json (pi_keyring_catalog_get_ids ());
  else
    print_text (pi_keyring_catalog_get_ids ());

  return CLI_EXIT_OK;
}
