/* cmd-list.c: pi-keyring list
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "cli-daemon-client.h"

/* What a listing shows of a credential: never a secret. */
typedef struct
{
  char                    *provider;
  char                    *profile;
  PiKeyringCredentialKind  kind;
  char                    *type_name;  /* of an "other" entry; nullable */
  gboolean                 has_expires;
  gint64                   expires;
  const char              *backend;    /* the backend's name */
  /* As the daemon's object says (nullable: none needed, or no daemon) */
  char                    *attention;  /* a dev.pi.Keyring1.Error name */
  gint64                   retry_at;   /* ms; 0: none */
} Entry;

static void
entry_clear (gpointer data)
{
  Entry *entry = data;

  g_free (entry->provider);
  g_free (entry->profile);
  g_free (entry->type_name);
  g_free (entry->attention);
}

static void
add_entries (GArray     *entries,
             GPtrArray  *credentials,
             const char *backend)
{
  for (guint i = 0; i < credentials->len; i++)
    {
      PiKeyringCredential *credential = g_ptr_array_index (credentials, i);
      Entry entry = {
        .provider = g_strdup (pi_keyring_credential_get_provider (credential)),
        .profile = g_strdup (pi_keyring_credential_get_profile (credential)),
        .kind = pi_keyring_credential_get_kind (credential),
        .type_name = g_strdup (pi_keyring_credential_get_type_name (credential)),
        .backend = backend,
      };

      if (entry.kind == PI_KEYRING_CREDENTIAL_KIND_OAUTH &&
          pi_keyring_credential_has_expires (credential))
        {
          entry.has_expires = TRUE;
          entry.expires = pi_keyring_credential_get_expires (credential);
        }
      g_array_append_val (entries, entry);
    }
}

/* The daemon's ListCredentials answer, of @profile only (NULL: all). */
static void
add_daemon_entries (GArray     *entries,
                    GVariant   *credentials,
                    const char *profile,
                    const char *backend)
{
  GVariantIter iter;
  GVariant *dict;

  g_variant_iter_init (&iter, credentials);
  while ((dict = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *provider = NULL, *entry_profile = NULL, *kind = NULL, *type_name = NULL;
      const char *attention = NULL;
      gint64 expires, retry_at;

      if (g_variant_lookup (dict, "provider", "&s", &provider) &&
          g_variant_lookup (dict, "profile", "&s", &entry_profile) &&
          (profile == NULL || g_str_equal (profile, entry_profile)))
        {
          Entry entry = {
            .provider = g_strdup (provider),
            .profile = g_strdup (entry_profile),
            .backend = backend,
          };

          g_variant_lookup (dict, "kind", "&s", &kind);
          g_variant_lookup (dict, "type", "&s", &type_name);
          entry.kind = cli_kind_from_string (kind);
          entry.type_name = g_strdup (type_name);
          if (entry.kind == PI_KEYRING_CREDENTIAL_KIND_OAUTH &&
              g_variant_lookup (dict, "expires", "x", &expires))
            {
              entry.has_expires = TRUE;
              entry.expires = expires;
            }
          if (g_variant_lookup (dict, "attention", "&s", &attention) && *attention != '\0')
            entry.attention = g_strdup (attention);
          if (g_variant_lookup (dict, "retry_at", "x", &retry_at))
            entry.retry_at = retry_at;
          g_array_append_val (entries, entry);
        }
      g_variant_unref (dict);
    }
}

static void
print_json (GArray *entries)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  gint64 now_ms = g_get_real_time () / 1000;

  json_builder_begin_array (builder);
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *entry = &g_array_index (entries, Entry, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "provider");
      json_builder_add_string_value (builder, entry->provider);
      json_builder_set_member_name (builder, "profile");
      json_builder_add_string_value (builder, entry->profile);
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, cli_kind_to_string (entry->kind));
      json_builder_set_member_name (builder, "expires");
      if (entry->has_expires)
        json_builder_add_int_value (builder, entry->expires);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "backend");
      json_builder_add_string_value (builder, entry->backend);
      /* Since 0.2: what the daemon's dev.pi.Keyring1.Credential object says.
       * Without one (or for pi's auth.json) nothing more than "expired" is
       * known: the same output as through a daemon with nothing to say. */
      json_builder_set_member_name (builder, "expired");
      json_builder_add_boolean_value (builder, entry->has_expires && now_ms >= entry->expires);
      json_builder_set_member_name (builder, "attention_needed");
      json_builder_add_boolean_value (builder, entry->attention != NULL);
      json_builder_set_member_name (builder, "attention");
      if (entry->attention != NULL)
        json_builder_add_string_value (builder, entry->attention);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "retry_at");
      if (entry->retry_at > 0)
        json_builder_add_int_value (builder, entry->retry_at);
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  cli_print_json (root);
}

static char *
describe_kind (const Entry *entry)
{
  switch (entry->kind)
    {
    case PI_KEYRING_CREDENTIAL_KIND_API_KEY:
      return g_strdup (_("API key"));
    case PI_KEYRING_CREDENTIAL_KIND_OAUTH:
      return g_strdup (_("OAuth"));
    case PI_KEYRING_CREDENTIAL_KIND_OTHER:
      break;
    }

  if (entry->type_name == NULL)
    return g_strdup (_("other (no type)"));

  /* Translators: an auth.json entry whose "type" pi does not know */
  return g_strdup_printf (_("other (“%s”)"), entry->type_name);
}

static char *
describe_expiry (const Entry *entry,
                 gint64       now_ms)
{
  g_autofree char *time = NULL;

  if (entry->attention != NULL)
    {
      g_autofree char *attention = cli_dbus_describe_attention (entry->attention,
                                                                entry->retry_at);

      if (!entry->has_expires)
        return g_steal_pointer (&attention);
      time = cli_format_time (entry->expires);
      /* Translators: an expiry time and why the credential needs attention,
       * such as "2026-03-15 20:15:00 (log in again)" */
      return g_strdup_printf (_("%s (%s)"), time, attention);
    }

  if (!entry->has_expires)
    return g_strdup ("-");

  time = cli_format_time (entry->expires);
  if (now_ms >= entry->expires)
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
      g_autofree char *kind = describe_kind (entry);
      g_autofree char *expiry = describe_expiry (entry, now_ms);

      g_ptr_array_add (rows, g_strdupv ((char *[]) {
        entry->provider, entry->profile, kind, expiry, (char *) entry->backend, NULL }));
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
  g_autoptr(GVariant) daemon_credentials = NULL;
  g_autoptr(GArray) entries = NULL;
  g_autoptr(GError) error = NULL;

  g_option_context_set_description (context,
                                    N_("Without --profile, the credentials of every profile are "
                                      "listed. Entries of pi's auth.json, which pi-keyring reads "
                                      "as a fallback, are listed with the backend “file”. When a "
                                      "pi-keyring daemon with the same backend runs, it is asked "
                                      "for the list."));
  if (!cli_option_context_parse (context, &argc, &argv) ||
      !cli_check_arguments (argc, 0, 0))
    return CLI_EXIT_USAGE;

  backend = cli_open_backend (&error);
  if (backend == NULL)
    return cli_report_error (error);
  store = cli_open_store (backend);

  entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (entries, entry_clear);

  /* A running daemon keeps what it read of the keyring, and answers from
   * that and the changes it was told of: a list of many credentials
   * without a call per item. */
  switch (cli_dbus_daemon_list_credentials (backend, &daemon_credentials, &error))
    {
    case CLI_DAEMON_ANSWERED:
      add_daemon_entries (entries, daemon_credentials, cli_options.profile,
                          pi_keyring_backend_get_name (backend));
      break;

    case CLI_DAEMON_FAILED:
      return cli_report_error (error);

    case CLI_DAEMON_NOT_ASKED:
    default:
      credentials = pi_keyring_backend_list_sync (backend, cli_options.profile, NULL, &error);
      if (credentials == NULL)
        return cli_report_error (error);
      add_entries (entries, credentials, pi_keyring_backend_get_name (backend));
      break;
    }
  add_auth_file_entries (entries, store, backend);

  if (cli_options.json)
    print_json (entries);
  else
    print_text (entries);

  return CLI_EXIT_OK;
}
