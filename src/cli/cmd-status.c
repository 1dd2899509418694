/* cmd-status.c: pi-keyring status [PROVIDER]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include "cli-daemon-client.h"
#include "cli-pi-setup.h"

/* The sources in the order of the lookup: the first one present wins. */
static const PiKeyringSource source_order[] = {
  PI_KEYRING_SOURCE_RUNTIME,
  PI_KEYRING_SOURCE_KEYRING,
  PI_KEYRING_SOURCE_AUTH_FILE,
  PI_KEYRING_SOURCE_ENVIRONMENT,
};

typedef struct
{
  char                *provider;
  PiKeyringSource      sources;
  PiKeyringSource      winner;
  PiKeyringCredential *keyring;    /* the backend's credential, or NULL */
  PiKeyringCredential *auth_file;  /* auth.json's credential, or NULL */
  const char          *env_var;    /* the variable that holds a key, or NULL */
  gboolean             plaintext;
  gboolean             stored;     /* the backend or auth.json has an entry */
  GPtrArray           *warnings;   /* of char * */
  GError              *error;      /* the sources are not known */
  /* The attention the backend's credential needs, as the daemon's object
   * says it, or a locked keyring; NULL without either. */
  char                *attention;  /* a dev.pi.Keyring1.Error name, or NULL */
  char                *attention_message;
  gint64               retry_at;   /* ms; 0: none */
} Row;

static void
row_free (Row *row)
{
  g_free (row->provider);
  g_clear_object (&row->keyring);
  g_clear_object (&row->auth_file);
  g_ptr_array_unref (row->warnings);
  g_clear_error (&row->error);
  g_free (row->attention);
  g_free (row->attention_message);
  g_free (row);
}

typedef struct
{
  PiKeyringBackend *backend;
  PiKeyringStore   *store;          /* the store whose lookup is reported */
  GError           *health;         /* why the backend cannot be used, or NULL */
  char             *where;          /* the backend, for a person */
  char             *auth_path;      /* pi's auth.json, or "" when the store reads none */
  char             *auth_display;
  PiKeyringBackend *auth_backend;   /* over auth_path, or NULL */
  GHashTable       *keyring_list;   /* provider → credential, when listed */
  GHashTable       *auth_list;      /* provider → credential, when listed */
  GPtrArray        *notes;          /* warnings about the whole status, of char * */
  int               code;           /* the exit status of the first failure */
} Status;

static void
status_clear (Status *status)
{
  g_clear_object (&status->backend);
  g_clear_object (&status->store);
  g_clear_error (&status->health);
  g_clear_pointer (&status->where, g_free);
  g_clear_pointer (&status->auth_path, g_free);
  g_clear_pointer (&status->auth_display, g_free);
  g_clear_object (&status->auth_backend);
  g_clear_pointer (&status->keyring_list, g_hash_table_unref);
  g_clear_pointer (&status->auth_list, g_hash_table_unref);
  g_clear_pointer (&status->notes, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Status, status_clear)

/* Whether @credential, as written in a file, gives a secret away: an OAuth
 * token set or a literal key does; `!command` and the name of a set
 * environment variable do not. */
static gboolean
holds_secret (PiKeyringCredential *credential)
{
  const char *key;

  if (credential == NULL)
    return FALSE;
  if (pi_keyring_credential_get_kind (credential) != PI_KEYRING_CREDENTIAL_KIND_API_KEY)
    return TRUE;

  key = pi_keyring_credential_get_key (credential);
  if (key == NULL || *key == '\0' || key[0] == '!')
    return FALSE;

  return g_getenv (key) == NULL || *g_getenv (key) == '\0';
}

static const char *
find_env_var (const char *provider)
{
  const char * const *names = pi_keyring_catalog_get_env_vars (provider);

  for (gsize i = 0; names != NULL && names[i] != NULL; i++)
    {
      const char *value = g_getenv (names[i]);

      if (value != NULL && *value != '\0')
        return names[i];
    }

  return NULL;
}

/* A warning when @path can be read by other users than its owner. */
static char *
check_file_mode (const char *path)
{
  g_autofree char *display = NULL;
  struct stat st;

  if (path == NULL || stat (path, &st) != 0 || (st.st_mode & 077) == 0)
    return NULL;

  display = g_filename_display_name (path);
  return g_strdup_printf (_("%s can be read by other users (mode %04o); “chmod 600 %s” fixes "
                            "that."),
                          display, (unsigned) (st.st_mode & 07777), display);
}

static GHashTable *
index_credentials (GPtrArray *credentials)
{
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);

  for (guint i = 0; i < credentials->len; i++)
    {
      PiKeyringCredential *credential = g_ptr_array_index (credentials, i);

      g_hash_table_insert (table, g_strdup (pi_keyring_credential_get_provider (credential)),
                           g_object_ref (credential));
    }

  return table;
}

/* Records a failure that does not stop the status; the first one decides
 * the exit status. */
static void
status_add_failure (Status       *status,
                    const GError *error)
{
  for (guint i = 0; i < status->notes->len; i++)
    if (g_str_equal (g_ptr_array_index (status->notes, i), error->message))
      return;

  g_ptr_array_add (status->notes, g_strdup (error->message));
  if (status->code == CLI_EXIT_OK)
    status->code = cli_exit_code_for_error (error);
}

/* pi's auth.json, when the store reads it as a fallback: listed once, so
 * that a malformed file is said once and the other sources still show. */
static void
status_open_auth_file (Status *status)
{
  const char *auth_file = pi_keyring_store_get_auth_file (status->store);
  g_autoptr(PiKeyringBackend) auth_backend = NULL;
  g_autoptr(GPtrArray) credentials = NULL;
  g_autoptr(GError) error = NULL;

  status->auth_path = auth_file != NULL ? g_strdup (auth_file)
                                        : pi_keyring_get_default_auth_file_path ();
  status->auth_display = g_filename_display_name (status->auth_path);
  if (*status->auth_path == '\0' ||
      cli_same_file (status->auth_path, cli_backend_get_file_path (status->backend)) ||
      !g_file_test (status->auth_path, G_FILE_TEST_EXISTS))
    return;

  auth_backend = pi_keyring_file_backend_new (status->auth_path);
  credentials = pi_keyring_backend_list_sync (auth_backend, NULL, NULL, &error);
  if (credentials == NULL)
    {
      status_add_failure (status, error);
      return;
    }

  status->auth_backend = g_steal_pointer (&auth_backend);
  status->auth_list = index_credentials (credentials);
}

static void
status_open (Status           *status,
             PiKeyringBackend *backend)
{
  g_autoptr(GError) error = NULL;

  status->backend = g_object_ref (backend);
  status->where = cli_backend_describe (backend);
  status->notes = g_ptr_array_new_with_free_func (g_free);
  status->store = cli_open_store (backend);
  status_open_auth_file (status);

  if (!pi_keyring_backend_check_sync (backend, NULL, &error))
    {
      /* The backend cannot be read: report what the other sources give,
       * with a store that has nothing of its own. */
      g_autoptr(PiKeyringBackend) empty = pi_keyring_memory_backend_new ();

      status->health = g_steal_pointer (&error);
      g_clear_object (&status->store);
      status->store = cli_open_store (empty);
    }

  /* Only a readable auth.json counts as a source. */
  pi_keyring_store_set_auth_file (status->store,
                                  status->auth_backend != NULL ? status->auth_path : "");
}

/* Lists the backend's credentials, to find the providers that have any. */
static void
status_list (Status *status)
{
  g_autoptr(GPtrArray) credentials = NULL;
  g_autoptr(GError) error = NULL;

  if (status->health != NULL)
    return;

  credentials = pi_keyring_backend_list_sync (status->backend, cli_get_profile (), NULL, &error);
  if (credentials != NULL)
    status->keyring_list = index_credentials (credentials);
  else
    status_add_failure (status, error);
}

static PiKeyringCredential *
find_credential (GHashTable       *list,
                 PiKeyringBackend *backend,
                 const char       *profile,
                 const char       *provider,
                 GPtrArray        *warnings)
{
  g_autoptr(GError) error = NULL;
  PiKeyringCredential *credential;

  if (list != NULL)
    {
      credential = g_hash_table_lookup (list, provider);
      return credential != NULL ? g_object_ref (credential) : NULL;
    }
  if (backend == NULL)
    return NULL;

  credential = pi_keyring_backend_lookup_sync (backend, provider, profile, NULL, &error);
  if (error != NULL)
    g_ptr_array_add (warnings, g_strdup (error->message));

  return credential;
}

/* pi skips an entry whose type it does not know: it gives no key. */
static void
add_unknown_type_warning (Row                 *row,
                          PiKeyringCredential *credential,
                          const char          *where)
{
  const char *type;

  if (credential == NULL ||
      pi_keyring_credential_get_kind (credential) != PI_KEYRING_CREDENTIAL_KIND_OTHER)
    return;

  type = pi_keyring_credential_get_type_name (credential);
  if (type != NULL)
    g_ptr_array_add (row->warnings,
                     g_strdup_printf (_("The entry in %s has the type “%s”, which pi does not "
                                        "know; it gives no key."),
                                      where, type));
  else
    g_ptr_array_add (row->warnings,
                     g_strdup_printf (_("The entry in %s has no type; it gives no key."), where));
}

static void
add_warnings (Status *status,
              Row    *row)
{
  gboolean backend_plaintext = pi_keyring_backend_is_plaintext (status->backend);
  gboolean keyring_source = (row->sources & PI_KEYRING_SOURCE_KEYRING) != 0;
  gboolean auth_source = (row->sources & PI_KEYRING_SOURCE_AUTH_FILE) != 0;
  const char *key;

  g_auto(GStrv) recovered = pi_keyring_store_describe_recovered (row->provider);

  add_unknown_type_warning (row, row->keyring, status->where);
  add_unknown_type_warning (row, row->auth_file, status->auth_display);
  for (guint i = 0; recovered[i] != NULL; i++)
    g_ptr_array_add (row->warnings, g_strdup (recovered[i]));

  if (backend_plaintext && holds_secret (row->keyring))
    {
      const char *path = cli_backend_get_file_path (status->backend);
      g_autofree char *display = path != NULL ? g_filename_display_name (path)
                                              : g_strdup (status->where);
      char *mode = check_file_mode (path);

      g_ptr_array_add (row->warnings,
                       g_strdup_printf (_("The credential is kept in plaintext in %s."), display));
      if (mode != NULL)
        g_ptr_array_add (row->warnings, mode);
    }

  if (holds_secret (row->auth_file))
    {
      char *mode = check_file_mode (status->auth_path);

      g_ptr_array_add (row->warnings,
                       g_strdup_printf (_("pi's %s holds this credential in plaintext; "
                                          "“pi-keyring import” moves it into the backend."),
                                        status->auth_display));
      if (mode != NULL)
        g_ptr_array_add (row->warnings, mode);
    }

  if (keyring_source && auth_source && row->keyring != NULL && row->auth_file != NULL &&
      pi_keyring_credential_get_kind (row->keyring) == PI_KEYRING_CREDENTIAL_KIND_OAUTH &&
      pi_keyring_credential_get_kind (row->auth_file) == PI_KEYRING_CREDENTIAL_KIND_OAUTH)
    g_ptr_array_add (row->warnings,
                     g_strdup_printf (_("Both the backend and %s hold an OAuth credential; refresh "
                                        "tokens rotate, so one of the two copies will stop "
                                        "working."),
                                      status->auth_display));

  key = row->keyring != NULL ? pi_keyring_credential_get_key (row->keyring) : NULL;
  if (keyring_source && key != NULL && g_str_has_prefix (key, "!pi-keyring "))
    g_ptr_array_add (row->warnings,
                     g_strdup_printf (_("The key stored in the backend runs “%s”, which asks the "
                                        "backend again."),
                                      key + 1));

  if (status->health != NULL)
    g_ptr_array_add (row->warnings,
                     g_strdup_printf (_("The backend could not be read: %s"),
                                      status->health->message));
}

static Row *
status_row (Status     *status,
            const char *provider)
{
  Row *row = g_new0 (Row, 1);

  row->provider = g_strdup (provider);
  row->warnings = g_ptr_array_new_with_free_func (g_free);
  row->sources = pi_keyring_store_get_sources_sync (status->store, provider, NULL, &row->error);
  if (row->error != NULL)
    {
      row->sources = PI_KEYRING_SOURCE_NONE;
      g_ptr_array_add (row->warnings, g_strdup (row->error->message));
    }

  for (gsize i = 0; i < G_N_ELEMENTS (source_order); i++)
    if ((row->sources & source_order[i]) != 0)
      {
        row->winner = source_order[i];
        break;
      }

  if (status->health == NULL)
    row->keyring = find_credential (status->keyring_list, status->backend, cli_get_profile (),
                                    provider, row->warnings);
  row->auth_file = find_credential (status->auth_list, status->auth_backend, NULL,
                                    provider, row->warnings);
  if ((row->sources & PI_KEYRING_SOURCE_ENVIRONMENT) != 0)
    row->env_var = find_env_var (provider);

  row->plaintext = holds_secret (row->auth_file) ||
                   (pi_keyring_backend_is_plaintext (status->backend) &&
                    holds_secret (row->keyring));
  row->stored = row->keyring != NULL || row->auth_file != NULL;
  add_warnings (status, row);

  return row;
}

static PiKeyringCredential *
row_get_winning_credential (Row *row)
{
  if (row->winner == PI_KEYRING_SOURCE_KEYRING)
    return row->keyring;
  if (row->winner == PI_KEYRING_SOURCE_AUTH_FILE)
    return row->auth_file;

  return NULL;
}

static gboolean
row_get_expires (Row    *row,
                 gint64 *out_expires)
{
  PiKeyringCredential *credential = row_get_winning_credential (row);

  if (credential == NULL ||
      pi_keyring_credential_get_kind (credential) != PI_KEYRING_CREDENTIAL_KIND_OAUTH ||
      !pi_keyring_credential_has_expires (credential))
    return FALSE;

  *out_expires = pi_keyring_credential_get_expires (credential);
  return TRUE;
}

/* Frees an entry's variables, whose values may be secrets. */
static void
wipe_strv (char **strv)
{
  for (gsize i = 0; strv != NULL && strv[i] != NULL; i++)
    explicit_bzero (strv[i], strlen (strv[i]));
  g_strfreev (strv);
}

/* The names of the winning entry's `env` (pi 1.6.0: variables for that
 * provider only), or of a stored entry's without a key when the key comes
 * from the environment. Never their values: pi 1.6.0 reads keys and
 * tokens from there too (an entry's `$NAME` references, a Cloudflare or
 * AWS setting next to the key), and which value is secret cannot be told.
 * NULL when there are none. */
static char **
row_get_env_names (Row *row)
{
  PiKeyringCredential *credential = row_get_winning_credential (row);
  char **env;
  GPtrArray *names;

  if (credential == NULL && row->winner != PI_KEYRING_SOURCE_RUNTIME)
    credential = row->keyring != NULL ? row->keyring : row->auth_file;
  if (credential == NULL ||
      pi_keyring_credential_get_kind (credential) != PI_KEYRING_CREDENTIAL_KIND_API_KEY)
    return NULL;

  env = pi_keyring_credential_get_env (credential);
  if (env == NULL || env[0] == NULL)
    {
      wipe_strv (env);
      return NULL;
    }

  names = g_ptr_array_new ();
  for (gsize i = 0; env[i] != NULL; i++)
    {
      const char *equals = strchr (env[i], '=');

      g_ptr_array_add (names, g_strndup (env[i], equals != NULL ? equals - env[i]
                                                                 : (gssize) strlen (env[i])));
    }
  g_ptr_array_add (names, NULL);
  wipe_strv (env);

  return (char **) g_ptr_array_free (names, FALSE);
}

/* --- output --- */

/* Since 0.2: "expired", and what a locked keyring or the daemon's
 * dev.pi.Keyring1.Credential object says; false when nothing is known. */
static void
add_attention_json (JsonBuilder *builder,
                    Row         *row)
{
  PiKeyringCredential *credential = row_get_winning_credential (row);

  json_builder_set_member_name (builder, "expired");
  json_builder_add_boolean_value (builder,
                                  credential != NULL &&
                                  pi_keyring_credential_get_kind (credential) ==
                                    PI_KEYRING_CREDENTIAL_KIND_OAUTH &&
                                  pi_keyring_credential_is_expired (credential,
                                                                    g_get_real_time () / 1000));
  json_builder_set_member_name (builder, "attention_needed");
  json_builder_add_boolean_value (builder, row->attention != NULL);
  json_builder_set_member_name (builder, "attention");
  if (row->attention != NULL)
    json_builder_add_string_value (builder, row->attention);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "retry_at");
  if (row->retry_at > 0)
    json_builder_add_int_value (builder, row->retry_at);
  else
    json_builder_add_null_value (builder);
}

static void
print_json (GPtrArray *rows)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; i < rows->len; i++)
    {
      Row *row = g_ptr_array_index (rows, i);
      gint64 expires;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "provider");
      json_builder_add_string_value (builder, row->provider);
      json_builder_set_member_name (builder, "profile");
      json_builder_add_string_value (builder, cli_get_profile ());
      json_builder_set_member_name (builder, "source");
      if (row->winner != PI_KEYRING_SOURCE_NONE)
        json_builder_add_string_value (builder, pi_keyring_source_to_string (row->winner));
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "shadowed");
      json_builder_begin_array (builder);
      for (gsize j = 0; j < G_N_ELEMENTS (source_order); j++)
        if (source_order[j] != row->winner && (row->sources & source_order[j]) != 0)
          json_builder_add_string_value (builder, pi_keyring_source_to_string (source_order[j]));
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "expires");
      if (row_get_expires (row, &expires))
        json_builder_add_int_value (builder, expires);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "plaintext");
      json_builder_add_boolean_value (builder, row->plaintext);
      /* pi 1.6.0's `env` of the entry: names only. */
      json_builder_set_member_name (builder, "env");
      json_builder_begin_array (builder);
      {
        g_auto(GStrv) names = row_get_env_names (row);

        for (gsize j = 0; names != NULL && names[j] != NULL; j++)
          json_builder_add_string_value (builder, names[j]);
      }
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "warnings");
      json_builder_begin_array (builder);
      for (guint j = 0; j < row->warnings->len; j++)
        json_builder_add_string_value (builder, g_ptr_array_index (row->warnings, j));
      json_builder_end_array (builder);
      add_attention_json (builder, row);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  cli_print_json (root);
}

static char *
describe_source (Status          *status,
                 Row             *row,
                 PiKeyringSource  source)
{
  switch (source)
    {
    case PI_KEYRING_SOURCE_RUNTIME:
      return g_strdup (_("runtime override"));
    case PI_KEYRING_SOURCE_KEYRING:
      return g_strdup (status->where);
    case PI_KEYRING_SOURCE_AUTH_FILE:
      /* Translators: a source of keys, such as "auth.json (/home/me/.pi/agent/auth.json)" */
      return g_strdup_printf (_("auth.json (%s)"), status->auth_display);
    case PI_KEYRING_SOURCE_ENVIRONMENT:
      if (row->env_var != NULL)
        /* Translators: a source of keys, such as "environment (OPENAI_API_KEY)" */
        return g_strdup_printf (_("environment (%s)"), row->env_var);
      return g_strdup (_("environment"));
    case PI_KEYRING_SOURCE_NONE:
    default:
      return g_strdup (_("none"));
    }
}

static char *
describe_credential (Row *row)
{
  PiKeyringCredential *credential = row_get_winning_credential (row);
  g_autofree char *time = NULL;
  gint64 expires;

  if (credential == NULL)
    return NULL;

  switch (pi_keyring_credential_get_kind (credential))
    {
    case PI_KEYRING_CREDENTIAL_KIND_API_KEY:
      return g_strdup (_("API key"));
    case PI_KEYRING_CREDENTIAL_KIND_OTHER:
      return g_strdup (_("an entry of another type"));
    case PI_KEYRING_CREDENTIAL_KIND_OAUTH:
      break;
    }

  if (!row_get_expires (row, &expires))
    return g_strdup (_("OAuth, no expiry"));

  time = cli_format_time (expires);
  if (pi_keyring_credential_is_expired (credential, g_get_real_time () / 1000))
    return g_strdup_printf (_("OAuth, expired %s; refreshed at the next use"), time);

  return g_strdup_printf (_("OAuth, expires %s"), time);
}

static void
print_row_text (Status *status,
                Row    *row)
{
  const char *name = pi_keyring_catalog_get_display_name (row->provider);
  g_autoptr(GPtrArray) shadowed = g_ptr_array_new_with_free_func (g_free);

  g_print ("\n");
  if (name != NULL)
    cli_output ("%s (%s)", row->provider, name);
  else
    cli_output ("%s", row->provider);

  if (row->winner != PI_KEYRING_SOURCE_NONE)
    {
      g_autofree char *source = describe_source (status, row, row->winner);
      g_autofree char *details = describe_credential (row);

      if (details != NULL)
        /* Translators: "key from: SOURCE (DETAILS)" in “pi-keyring status” */
        cli_output (_("  key from: %s (%s)"), source, details);
      else
        cli_output (_("  key from: %s"), source);
    }
  else
    cli_output (_("  no key"));

  {
    g_auto(GStrv) names = row_get_env_names (row);

    if (names != NULL)
      {
        g_autofree char *list = g_strjoinv (", ", names);

        /* Translators: the names of the variables an auth.json entry of pi
         * 1.6.0 sets for its provider; their values are never shown */
        cli_output (_("  entry's variables: %s (values not shown)"), list);
      }
  }

  for (gsize i = 0; i < G_N_ELEMENTS (source_order); i++)
    if (source_order[i] != row->winner && (row->sources & source_order[i]) != 0)
      g_ptr_array_add (shadowed, describe_source (status, row, source_order[i]));
  if (shadowed->len > 0)
    {
      g_autofree char *list = NULL;

      g_ptr_array_add (shadowed, NULL);
      list = g_strjoinv (", ", (char **) shadowed->pdata);
      /* Translators: sources that have a key for the provider but lose to
       * the one that wins; keep the word "shadowed" recognizable */
      cli_output (_("  shadowed: %s"), list);
    }

  if (row->attention != NULL)
    {
      g_autofree char *attention = cli_dbus_describe_attention (row->attention, row->retry_at);

      if (row->attention_message != NULL && *row->attention_message != '\0')
        /* Translators: in “pi-keyring status”: why (a few words), then the
         * daemon's sentence about the failure */
        cli_output (_("  needs attention: %s: %s"), attention, row->attention_message);
      else
        cli_output (_("  needs attention: %s"), attention);
    }

  for (guint i = 0; i < row->warnings->len; i++)
    {
      const char *warning = g_ptr_array_index (row->warnings, i);

      /* The backend's health is said once, above the providers. */
      if (status->health != NULL && g_str_has_suffix (warning, status->health->message))
        continue;
      cli_output (_("  warning: %s"), warning);
    }
}

/* Whether pi is set up: pi-keyring's extension, and the pi on PATH. */
static void
print_pi_text (void)
{
  g_autofree char *path = cli_pi_get_extension_path ();
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *wanted = NULL;
  g_autofree char *command = NULL;
  g_autoptr(GPtrArray) programs = cli_pi_find_programs ();
  g_autoptr(GError) error = NULL;

  /* Without it (a broken build), an extension of ours is "out of date". */
  wanted = cli_pi_extension_contents (NULL);
  switch (cli_pi_extension_check (path, wanted, &command, &error))
    {
    case CLI_PI_EXTENSION_INSTALLED:
      /* Translators: in “pi-keyring status” */
      cli_output (_("pi's extension: %s: installed"), display);
      break;
    case CLI_PI_EXTENSION_OUTDATED:
      cli_output (_("pi's extension: %s: out of date; “pi-keyring setup-pi” updates it"),
                  display);
      break;
    case CLI_PI_EXTENSION_FOREIGN:
      cli_output (_("pi's extension: %s: a file of that name that pi-keyring did not write"),
                  display);
      break;
    case CLI_PI_EXTENSION_ABSENT:
    default:
      cli_output (_("pi's extension: %s: not installed; “pi-keyring setup-pi” installs it"),
                  display);
      break;
    }
  if (error != NULL)
    cli_output (_("  warning: %s"), error->message);
  if (command != NULL)
    {
      cli_output (_("  runs: %s"), command);
      if (!g_file_test (command, G_FILE_TEST_IS_EXECUTABLE))
        cli_output (_("  warning: %s is not there; “pi-keyring setup-pi” points the extension "
                      "at this pi-keyring."),
                    command);
    }

  if (programs->len == 0)
    cli_output (_("pi: none found on PATH"));
  for (guint i = 0; i < programs->len; i++)
    {
      g_autofree char *description = cli_pi_program_describe (g_ptr_array_index (programs, i));

      /* Translators: "pi: pi 0.73.1 (@mariozechner/pi-coding-agent) at /usr/local/bin/pi" */
      cli_output (_("pi: %s"), description);
    }
}

static void
print_text (Status    *status,
            GPtrArray *rows,
            gboolean   all)
{
  if (status->health == NULL)
    /* Translators: the first line of “pi-keyring status” */
    cli_output (_("Backend: %s: ready"), status->where);
  else
    {
      cli_output (_("Backend: %s: %s"), status->where, status->health->message);
      cli_output (_("The credentials in the backend are not part of this status."));
    }
  if (cli_options.profile != NULL)
    cli_output (_("Profile: %s"), cli_get_profile ());
  if (all)
    print_pi_text ();

  /* warnings about the whole status: stderr, as every warning */
  for (guint i = 0; i < status->notes->len; i++)
    cli_info (_("warning: %s"), (const char *) g_ptr_array_index (status->notes, i));

  if (all && rows->len == 0)
    cli_output (_("No provider has a key."));

  for (guint i = 0; i < rows->len; i++)
    print_row_text (status, g_ptr_array_index (rows, i));
}

static Row *
find_row (GPtrArray  *rows,
          const char *provider)
{
  for (guint i = 0; i < rows->len; i++)
    {
      Row *row = g_ptr_array_index (rows, i);

      if (g_str_equal (row->provider, provider))
        return row;
    }

  return NULL;
}

static void
row_set_attention (Row        *row,
                   const char *reason,
                   const char *message,
                   gint64      retry_at)
{
  g_free (row->attention);
  row->attention = reason != NULL && *reason != '\0' ? g_strdup (reason) : NULL;
  g_free (row->attention_message);
  row->attention_message = g_strdup (message);
  row->retry_at = retry_at;
}

/* The attention the backend's credentials need: a locked keyring, or what
 * a running daemon with the same backend knows (a refresh that failed for
 * good, one that fails for now). Without a daemon, nothing more is known. */
static void
status_add_attention (Status    *status,
                      GPtrArray *rows)
{
  g_autoptr(GVariant) credentials = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  GVariant *dict;

  if (status->health != NULL)
    {
      if (g_error_matches (status->health, PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED))
        for (guint i = 0; i < rows->len; i++)
          row_set_attention (g_ptr_array_index (rows, i), CLI_DBUS_ATTENTION_LOCKED,
                             status->health->message, 0);
      return;
    }

  if (cli_dbus_daemon_list_credentials (status->backend, &credentials, &error) !=
      CLI_DAEMON_ANSWERED)
    return;

  g_variant_iter_init (&iter, credentials);
  while ((dict = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *provider = NULL, *profile = NULL, *attention = NULL, *message = "";
      gint64 retry_at = 0;
      Row *row;

      if (g_variant_lookup (dict, "provider", "&s", &provider) &&
          g_variant_lookup (dict, "profile", "&s", &profile) &&
          g_str_equal (profile, cli_get_profile ()) &&
          g_variant_lookup (dict, "attention", "&s", &attention) &&
          (row = find_row (rows, provider)) != NULL && row->keyring != NULL)
        {
          g_variant_lookup (dict, "attention_message", "&s", &message);
          g_variant_lookup (dict, "retry_at", "x", &retry_at);
          row_set_attention (row, attention, message, retry_at);
        }
      g_variant_unref (dict);
    }
}

/* The catalog's providers, then the stored ids the catalog does not know. */
static GPtrArray *
collect_providers (Status *status)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  const char * const *catalog = pi_keyring_catalog_get_ids ();
  GHashTable *lists[] = { status->keyring_list, status->auth_list };

  for (gsize i = 0; catalog[i] != NULL; i++)
    {
      g_ptr_array_add (ids, g_strdup (catalog[i]));
      g_hash_table_add (seen, (gpointer) catalog[i]);
    }

  for (gsize l = 0; l < G_N_ELEMENTS (lists); l++)
    {
      g_autoptr(GList) keys = NULL;

      if (lists[l] == NULL)
        continue;
      keys = g_list_sort (g_hash_table_get_keys (lists[l]), (GCompareFunc) g_strcmp0);
      for (GList *k = keys; k != NULL; k = k->next)
        if (g_hash_table_add (seen, k->data))
          g_ptr_array_add (ids, g_strdup (k->data));
    }

  return ids;
}

int
cli_cmd_status (const CliCommand  *command,
                int                argc,
                char             **argv)
{
  g_autoptr(GOptionContext) context = cli_option_context_new (command, N_("[PROVIDER]"), NULL);
  g_autoptr(PiKeyringBackend) backend = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) providers = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Status) status = { NULL, };
  gboolean all;

  g_option_context_set_description (context,
                                    N_("For every provider that has a key (or for PROVIDER): the "
                                       "source that wins (runtime, keyring, auth.json or env), "
                                       "the sources it shadows, the expiry of OAuth tokens, and "
                                       "warnings about credentials kept in plaintext; without "
                                       "PROVIDER, also whether pi's extension is installed "
                                       "(“pi-keyring setup-pi”) and which pi is on PATH (in the "
                                       "text form only: --json keeps its array). The exit "
                                       "status is 5 when the backend is locked or unavailable, "
                                       "and 3 when PROVIDER has no key."));
  if (!cli_option_context_parse (context, &argc, &argv) ||
      !cli_check_arguments (argc, 0, 1))
    return CLI_EXIT_USAGE;
  all = argc < 2;

  backend = cli_open_backend (&error);
  if (backend == NULL)
    return cli_report_error (error);

  status_open (&status, backend);
  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);

  if (all)
    {
      status_list (&status);
      providers = collect_providers (&status);
    }
  else
    {
      providers = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (providers, g_strdup (argv[1]));
    }

  for (guint i = 0; i < providers->len; i++)
    {
      Row *row = status_row (&status, g_ptr_array_index (providers, i));

      if (all && row->sources == PI_KEYRING_SOURCE_NONE && !row->stored)
        {
          /* One failure is said once, not for every provider. */
          if (row->error != NULL)
            status_add_failure (&status, row->error);
          row_free (row);
          continue;
        }
      if (row->error != NULL && status.code == CLI_EXIT_OK)
        status.code = cli_exit_code_for_error (row->error);
      g_ptr_array_add (rows, row);
    }
  status_add_attention (&status, rows);

  if (cli_options.json)
    print_json (rows);
  else
    print_text (&status, rows, all);

  if (status.health != NULL)
    return cli_exit_code_for_error (status.health);
  if (status.code != CLI_EXIT_OK)
    return status.code;
  if (!all && ((Row *) g_ptr_array_index (rows, 0))->sources == PI_KEYRING_SOURCE_NONE)
    return CLI_EXIT_NOT_FOUND;

  return CLI_EXIT_OK;
}
