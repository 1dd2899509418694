/* cmd-list.c: pi-keyring list
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "cli-util.h"

typedef struct
{
  PiKeyringCredential *credential;
  const char          *backend;  /* the backend's name */
} Entry;

static void
entry_clear (gpointer data)
{
  Entry *entry = data;

  g_clear_object (&entry->credential);
}

static void
add_entries (GArray     *entries,
             GPtrArray  *credentials,
             const char *backend)
{
  for (guint i = 0; i < credentials->len; i++)
    {
      Entry entry = { g_object_ref (g_ptr_array_index (credentials, i)), backend };

      g_array_append_val (entries, entry);
    }
}

static void
print_json (GArray *entries)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *entry = &g_array_index (entries, Entry, i);
      PiKeyringCredential *credential = entry->credential;
      PiKeyringCredentialKind kind = pi_keyring_credential_get_kind (credential);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "provider");
      json_builder_add_string_value (builder, pi_keyring_credential_get_provider (credential));
      json_builder_set_member_name (builder, "profile");
      json_builder_add_string_value (builder, pi_keyring_credential_get_profile (credential));
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, cli_kind_to_string (kind));
      json_builder_set_member_name (builder, "expires");
      if (kind == PI_KEYRING_CREDENTIAL_KIND_OAUTH &&
          pi_keyring_credential_has_expires (credential))
        json_builder_add_int_value (builder, pi_keyring_credential_get_expires (credential));
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "backend");
      json_builder_add_string_value (builder, entry->backend);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  cli_print_json (root);
}

static char *
describe_kind (PiKeyringCredential *credential)
{
  const char *type;

  switch (pi_keyring_credential_get_kind (credential))
    {
    case PI_KEYRING_CREDENTIAL_KIND_API_KEY:
      return g_strdup (_("API key"));
    case PI_KEYRING_CREDENTIAL_KIND_OAUTH:
      return g_strdup (_("OAuth"));
    case PI_KEYRING_CREDENTIAL_KIND_OTHER:
      break;
    }

  type = pi_keyring_credential_get_type_name (credential);
  if (type == NULL)
    return g_strdup (_("other (no type)"));

  /* Translators: an auth.json entry whose "type" pi does not know */
  return g_strdup_printf (_("other (“%s”)"), type);
}

static char *
describe_expiry (PiKeyringCredential *credential,
                 gint64               now_ms)
{
  g_autofree char *time = NULL;

  if (pi_keyring_credential_get_kind (credential) != PI_KEYRING_CREDENTIAL_KIND_OAUTH ||
      !pi_keyring_credential_has_expires (credential))
    return g_strdup ("-");

  time = cli_format_time (pi_keyring_credential_get_expires (credential));
  if (pi_keyring_credential_is_expired (credential, now_ms))
    /* Translators: an expiry time in the past, such as "2026-03-15 20:15:00 (expired)" */
    return g_strdup_printf (_("%s (expired)"), time);

  return g_steal_pointer (&time);
}

static void
print_text (GArray *entries)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  gint64 now_ms = g_get_real_time () / 1000;

  if (entries->len == 0)
    {
      cli_info (_("No credentials are stored."));
      return;
    }

  g_ptr_array_add (rows, g_strdupv ((char *[]) {
    /* Translators: column headers of “pi-keyring list” */
    _("PROVIDER"), _("PROFILE"), _("KIND"), _("EXPIRES"), _("BACKEND"), NULL }));

  for (guint i = 0; i < entries->len; i++)
    {
      Entry *entry = &g_array_index (entries, Entry, i);
      g_autofree char *kind = describe_kind (entry->credential);
      g_autofree char *expiry = describe_expiry (entry->credential, now_ms);

      g_ptr_array_add (rows, g_strdupv ((char *[]) {
        (char *) pi_keyring_credential_get_provider (entry->credential),
        (char *) pi_keyring_credential_get_profile (entry->credential),
        kind, expiry, (char *) entry->backend, NULL }));
    }

  cli_print_table (rows);
}

/* pi's auth.json is read as a fallback, for every profile, when the backend
 * is something else: its entries are stored credentials too. */
static void
add_auth_file_entries (GArray           *entries,
                       PiKeyringStore   *store,
                       PiKeyringBackend *backend)
{
  const char *auth_file = pi_keyring_store_get_auth_file (store);
  g_autofree char *default_auth_file = NULL;
  g_autoptr(PiKeyringBackend) file_backend = NULL;
  g_autoptr(GPtrArray) credentials = NULL;
  g_autoptr(GError) error = NULL;

  if (auth_file == NULL)
    auth_file = default_auth_file = pi_keyring_get_default_auth_file_path ();
  if (*auth_file == '\0' || cli_same_file (auth_file, cli_backend_get_file_path (backend)) ||
      !g_file_test (auth_file, G_FILE_TEST_EXISTS))
    return;

  file_backend = pi_keyring_file_backend_new (auth_file);
  credentials = pi_keyring_backend_list_sync (file_backend, NULL, NULL, &error);
  if (credentials == NULL)
    {
      cli_warning ("%s", error->message);
      return;
    }

  add_entries (entries, credentials, pi_keyring_backend_get_name (file_backend));
}

int
cli_cmd_list (const CliCommand  *command,
              int                argc,
              char             **argv)
{
  g_autoptr(GOptionContext) context = cli_option_context_new (command, NULL, NULL);
  g_autoptr(PiKeyringBackend) backend = NULL;
  g_autoptr(PiKeyringStore) store = NULL;
  g_autoptr(GPtrArray) credentials = NULL;
  g_autoptr(GArray) entries = NULL;
  g_autoptr(GError) error = NULL;

  g_option_context_set_description (context,
                                    N_("Without --profile, the credentials of every profile are "
                                      "listed. Entries of pi's auth.json, which pi-keyring reads "
                                      "as a fallback, are listed with the backend “file”."));
  if (!cli_option_context_parse (context, &argc, &argv) ||
      !cli_check_arguments (argc, 0, 0))
    return CLI_EXIT_USAGE;

  backend = cli_open_backend (&error);
  if (backend == NULL)
    return cli_report_error (error);
  store = cli_open_store (backend);

  credentials = pi_keyring_backend_list_sync (backend, cli_options.profile, NULL, &error);
  if (credentials == NULL)
    return cli_report_error (error);

  entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (entries, entry_clear);
  add_entries (entries, credentials, pi_keyring_backend_get_name (backend));
  add_auth_file_entries (entries, store, backend);

  if (cli_options.json)
    print_json (entries);
  else
    print_text (entries);

  return CLI_EXIT_OK;
}
