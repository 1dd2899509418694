/* cmd-exec.c: pi-keyring exec [--provider=P…] -- COMMAND [ARGUMENTS…]
 *
 * Looks the keys up as `get` does (OAuth tokens refreshed when due), puts
 * them in the environment variables pi reads (reference §5), and replaces
 * the process with COMMAND. Keys go to the command's environment only:
 * never to an argument list, and never to this process's own environment,
 * so that the `!command`s run while the keys are looked up see only what
 * the user's environment had.
 *
 * pi 1.6.0's api_key entries may carry an `env` object, variables for that
 * provider only (an AWS profile, a Cloudflare account id, a Vertex project
 * and location). pi reads them before its own environment (pi-ai's
 * getProviderEnvValue: `env?.[name] || process.env[name]`), so the ones of
 * a provider handed over are set for the command over what the
 * environment had, an empty one excepted. One environment has no
 * per-provider scope: where two providers' entries, or an entry and a key
 * handed over, want one variable, the first (the key first) keeps it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-util.h"

/* Set in the command's environment; an `exec` that finds it refuses to
 * nest, since the inner one would only shadow the outer one's keys. */
#define EXEC_VARIABLE "PI_KEYRING_EXEC"

/* The sentinel pi's environment lookup returns for Google Vertex and Amazon
 * Bedrock when credentials other than a key are present: not a key. */
#define AUTHENTICATED_SENTINEL "<authenticated>"

typedef struct
{
  const char      *provider;
  gboolean         named;
  PiKeyringSource  sources;
  PiKeyringSource  source;     /* where the key came from */
  char            *key;        /* wiped when freed */
  GError          *error;
  const char      *variable;   /* the variable set in the command's environment */
  char           **env;        /* the entry's own variables (NAME=VALUE), wiped when freed */
} Entry;

static void
wipe_strv (char **strv)
{
  for (gsize i = 0; strv != NULL && strv[i] != NULL; i++)
    explicit_bzero (strv[i], strlen (strv[i]));
  g_strfreev (strv);
}

static void
entry_free (Entry *entry)
{
  cli_secret_free (entry->key);
  wipe_strv (entry->env);
  g_clear_error (&entry->error);
  g_free (entry);
}

/* Providers pi reads only from auth.json: no variable can carry them. */
static gboolean
is_oauth_only (const char *provider)
{
  const char * const *names = pi_keyring_catalog_get_env_vars (provider);

  return names != NULL && names[0] == NULL;
}

/* --- looking the keys up, all at once --- */

typedef struct
{
  GMainLoop *loop;
  guint      pending;
} Wait;

static void
wait_done (Wait *wait)
{
  if (--wait->pending == 0)
    g_main_loop_quit (wait->loop);
}

typedef struct
{
  Wait  *wait;
  Entry *entry;
} Call;

static void
on_sources (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autofree Call *call = user_data;

  call->entry->sources = pi_keyring_store_get_sources_finish (PI_KEYRING_STORE (source), result,
                                                               &call->entry->error);
  wait_done (call->wait);
}

static void
on_api_key (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autofree Call *call = user_data;

  call->entry->key = pi_keyring_store_get_api_key_finish (PI_KEYRING_STORE (source), result,
                                                          &call->entry->source,
                                                          &call->entry->error);
  wait_done (call->wait);
}

/* The keys worth looking up: from the backend or auth.json. A key that
 * comes from the environment is already in the command's environment. */
static gboolean
needs_key (Entry *entry)
{
  if (entry->error != NULL)
    return FALSE;
  if (entry->named)
    return TRUE;
  return (entry->sources & (PI_KEYRING_SOURCE_RUNTIME | PI_KEYRING_SOURCE_KEYRING |
                            PI_KEYRING_SOURCE_AUTH_FILE)) != 0 &&
         !is_oauth_only (entry->provider);
}

/* Runs the lookups of every entry at the same time: a few dozen providers
 * cost about as much as one. */
static void
look_up (PiKeyringStore *store,
         GPtrArray      *entries)
{
  Wait wait = { g_main_loop_new (NULL, FALSE), 0 };

  for (guint round = 0; round < 2; round++)
    {
      for (guint i = 0; i < entries->len; i++)
        {
          Entry *entry = g_ptr_array_index (entries, i);
          Call *call;

          if (round == 1 && !needs_key (entry))
            continue;

          call = g_new0 (Call, 1);
          call->wait = &wait;
          call->entry = entry;
          wait.pending++;
          if (round == 0)
            pi_keyring_store_get_sources_async (store, entry->provider, NULL, on_sources, call);
          else
            pi_keyring_store_get_api_key_async (store, entry->provider, NULL, on_api_key, call);
        }

      if (wait.pending > 0)
        g_main_loop_run (wait.loop);
    }

  g_main_loop_unref (wait.loop);
}

/* --- which variable --- */

/* Whether the Anthropic key is an OAuth access token, which pi wants in
 * ANTHROPIC_OAUTH_TOKEN (it switches to bearer mode on `sk-ant-oat`). */
/* The entry of @provider in @source (the backend or auth.json). */
static PiKeyringCredential *
stored_credential (PiKeyringStore  *store,
                   const char      *provider,
                   PiKeyringSource  source,
                   const char      *auth_path)
{
  if (source == PI_KEYRING_SOURCE_KEYRING)
    return pi_keyring_store_get_credential_sync (store, provider, NULL, NULL);
  if (source == PI_KEYRING_SOURCE_AUTH_FILE && auth_path != NULL)
    {
      g_autoptr(PiKeyringBackend) auth_backend = pi_keyring_file_backend_new (auth_path);

      return pi_keyring_backend_lookup_sync (auth_backend, provider, NULL, NULL, NULL);
    }

  return NULL;
}

static gboolean
is_anthropic_oauth (PiKeyringStore *store,
                    Entry          *entry,
                    const char     *auth_path)
{
  g_autoptr(PiKeyringCredential) credential = NULL;

  if (strstr (entry->key, "sk-ant-oat") != NULL)
    return TRUE;

  credential = stored_credential (store, entry->provider, entry->source, auth_path);

  return credential != NULL &&
         pi_keyring_credential_get_kind (credential) == PI_KEYRING_CREDENTIAL_KIND_OAUTH;
}

/* The variable pi reads @entry's key from (reference §5): the first of the
 * provider's list, with the special cases. */
static const char *
variable_for (PiKeyringStore *store,
              Entry          *entry,
              const char     *auth_path)
{
  const char * const *names = pi_keyring_catalog_get_env_vars (entry->provider);

  if (g_str_equal (entry->provider, "anthropic"))
    return is_anthropic_oauth (store, entry, auth_path) ? "ANTHROPIC_OAUTH_TOKEN"
                                                         : "ANTHROPIC_API_KEY";
  if (g_str_equal (entry->provider, "github-copilot"))
    return "COPILOT_GITHUB_TOKEN";
  /* pi's first Bedrock variable is AWS_PROFILE, a profile's name; a stored
   * Bedrock key is a bearer token, which the AWS SDK reads from here. */
  if (g_str_equal (entry->provider, "amazon-bedrock"))
    return "AWS_BEARER_TOKEN_BEDROCK";

  return names != NULL ? names[0] : NULL;
}

/* The variables pi reads before @variable for @provider: they would win
 * over it, so they are left out of the command's environment. */
static void
unset_preceding (char       ***envp,
                 const char   *provider,
                 const char   *variable)
{
  const char * const *names = pi_keyring_catalog_get_env_vars (provider);

  if (g_str_equal (provider, "amazon-bedrock"))
    return;

  for (gsize i = 0; names != NULL && names[i] != NULL; i++)
    {
      if (g_str_equal (names[i], variable))
        break;
      *envp = g_environ_unsetenv (*envp, names[i]);
    }
}

/* What opens the encrypted-file backend's vault (DESIGN §4.1): never
 * handed to the command. */
static const char * const vault_variables[] = {
  "PI_KEYRING_PASSPHRASE",
  "PI_KEYRING_PASSPHRASE_FILE",
};

/* --- auth.json, which pi reads before the environment --- */

/* An entry of pi's auth.json that pi would use instead of the variable:
 * an api_key or OAuth entry, unless it asks pi-keyring for the same key. */
static gboolean
shadows_variable (PiKeyringCredential *credential)
{
  const char *key;

  if (credential == NULL)
    return FALSE;

  switch (pi_keyring_credential_get_kind (credential))
    {
    case PI_KEYRING_CREDENTIAL_KIND_OAUTH:
      return TRUE;
    case PI_KEYRING_CREDENTIAL_KIND_API_KEY:
      key = pi_keyring_credential_get_key (credential);
      return key == NULL || !g_str_has_prefix (key, "!pi-keyring get ");
    case PI_KEYRING_CREDENTIAL_KIND_OTHER:
    default:
      return FALSE;
    }
}

static GHashTable *
read_auth_file (const char *path)
{
  g_autoptr(PiKeyringBackend) backend = NULL;
  g_autoptr(GPtrArray) credentials = NULL;
  g_autoptr(GError) error = NULL;
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);

  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    return table;

  backend = pi_keyring_file_backend_new (path);
  credentials = pi_keyring_backend_list_sync (backend, NULL, NULL, &error);
  if (credentials == NULL)
    {
      g_debug ("Could not read %s: %s", path, error->message);
      return table;
    }

  for (guint i = 0; i < credentials->len; i++)
    {
      PiKeyringCredential *credential = g_ptr_array_index (credentials, i);

      g_hash_table_replace (table, g_strdup (pi_keyring_credential_get_provider (credential)),
                            g_object_ref (credential));
    }

  return table;
}

/* --- an entry's own variables (pi 1.6.0) --- */

/* The `env` of the api_key entry pi would use for @entry: the one its key
 * came from, or, when no key came from a stored entry, the stored one
 * without a key (pi 1.6.0 writes such an entry for an AWS profile or a
 * Vertex project: the provider's credentials are in the environment).
 * Sets entry->env; TRUE when the entry is one without a key. */
static gboolean
find_entry_env (PiKeyringStore *store,
                Entry          *entry,
                const char     *auth_path)
{
  static const PiKeyringSource stored[] = { PI_KEYRING_SOURCE_KEYRING,
                                            PI_KEYRING_SOURCE_AUTH_FILE };
  g_autoptr(PiKeyringCredential) credential = NULL;

  if (entry->key != NULL &&
      (entry->source == PI_KEYRING_SOURCE_KEYRING || entry->source == PI_KEYRING_SOURCE_AUTH_FILE))
    credential = stored_credential (store, entry->provider, entry->source, auth_path);
  else if (entry->key != NULL && entry->source != PI_KEYRING_SOURCE_ENVIRONMENT)
    return FALSE;  /* a runtime override */
  else
    for (gsize i = 0; i < G_N_ELEMENTS (stored) && credential == NULL; i++)
      if ((entry->sources & stored[i]) != 0)
        {
          credential = stored_credential (store, entry->provider, stored[i], auth_path);
          if (credential != NULL &&
              (pi_keyring_credential_get_kind (credential) != PI_KEYRING_CREDENTIAL_KIND_API_KEY ||
               pi_keyring_credential_get_key (credential) != NULL))
            return FALSE;  /* it has a key, which did not come to us */
        }

  if (credential == NULL ||
      pi_keyring_credential_get_kind (credential) != PI_KEYRING_CREDENTIAL_KIND_API_KEY)
    return FALSE;

  entry->env = pi_keyring_credential_get_env (credential);
  return entry->env != NULL && pi_keyring_credential_get_key (credential) == NULL;
}

/* Whether NAME=VALUE can go into an environment: a name without "=". */
static gboolean
split_variable (const char  *variable,
                char       **out_name,
                const char **out_value)
{
  const char *equals = strchr (variable, '=');

  if (equals == NULL || equals == variable)
    return FALSE;

  *out_name = g_strndup (variable, equals - variable);
  *out_value = equals + 1;
  return TRUE;
}

/* Sets the variables of @entry's `env` in @envp, unless a key handed over
 * (@set_variables) or another provider's entry (@env_owners) has them. */
static void
hand_over_env (char       ***envp,
               Entry        *entry,
               GHashTable   *set_variables,
               GHashTable   *env_owners)
{
  for (gsize i = 0; entry->env != NULL && entry->env[i] != NULL; i++)
    {
      g_autofree char *name = NULL;
      const char *value;
      Entry *owner;

      if (!split_variable (entry->env[i], &name, &value))
        continue;
      /* pi: an empty one leaves the environment's (`||`). */
      if (*value == '\0')
        continue;
      if (g_str_equal (name, EXEC_VARIABLE))
        continue;

      owner = g_hash_table_lookup (set_variables, name);
      if (owner != NULL)
        {
          if (owner != entry && !g_str_equal (owner->key, value))
            cli_warning (_("The entry of “%s” sets %s, which holds the key of “%s”; the key "
                           "stays."),
                         entry->provider, name, owner->provider);
          continue;
        }

      owner = g_hash_table_lookup (env_owners, name);
      if (owner != NULL)
        {
          if (owner != entry && g_strcmp0 (g_environ_getenv (*envp, name), value) != 0)
            cli_warning (_("The entries of “%s” and “%s” both set %s; it holds the value of "
                           "“%s”."),
                         owner->provider, entry->provider, name, owner->provider);
          continue;
        }

      *envp = g_environ_setenv (*envp, name, value, TRUE);
      g_hash_table_insert (env_owners, g_steal_pointer (&name), entry);
    }
}

/* --- the arguments --- */

static int
check_named_provider (const char *provider)
{
  if (!cli_check_name (provider))
    return CLI_EXIT_USAGE;
  if (!pi_keyring_catalog_contains (provider))
    return cli_usage_error (_("pi reads no environment variable for “%s”, so its key cannot be "
                              "handed over; “pi-keyring providers” lists the ones it reads."),
                            provider);

  if (is_oauth_only (provider))
    return cli_usage_error (_("pi cannot read the credentials of “%s” from the environment: it "
                              "reads them only from its auth.json. Log in with pi, or write "
                              "them there with “pi-keyring export”."),
                            provider);

  return CLI_EXIT_OK;
}

/* The entries of the named providers (repeated or comma-separated), or of
 * every provider when none is named. */
static GPtrArray *
make_entries (char **named,
              int   *status)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  *status = CLI_EXIT_OK;

  if (named == NULL || named[0] == NULL)
    {
      const char * const *ids = pi_keyring_catalog_get_ids ();

      for (gsize i = 0; ids[i] != NULL; i++)
        {
          Entry *entry = g_new0 (Entry, 1);

          entry->provider = ids[i];
          g_ptr_array_add (entries, entry);
        }
      return g_steal_pointer (&entries);
    }

  for (gsize i = 0; named[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (named[i], ",", -1);

      if (parts[0] == NULL)
        {
          *status = cli_usage_error (_("A provider name is empty."));
          return NULL;
        }
      for (gsize j = 0; parts[j] != NULL; j++)
        {
          const char *provider = g_strstrip (parts[j]);
          Entry *entry;

          if (*provider == '\0')
            {
              *status = cli_usage_error (_("A provider name is empty."));
              return NULL;
            }
          if ((*status = check_named_provider (provider)) != CLI_EXIT_OK)
            return NULL;
          if (!g_hash_table_add (seen, (gpointer) g_intern_string (provider)))
            continue;

          entry = g_new0 (Entry, 1);
          entry->provider = g_intern_string (provider);
          entry->named = TRUE;
          g_ptr_array_add (entries, entry);
        }
    }

  return g_steal_pointer (&entries);
}

/* Errors about the whole store stop an unnamed `exec`; the others only
 * leave one provider out. */
static gboolean
error_is_fatal (const Entry *entry)
{
  if (entry->named)
    return TRUE;

  return g_error_matches (entry->error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED) ||
         g_error_matches (entry->error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_UNAVAILABLE) ||
         g_error_matches (entry->error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_WRONG_PASSPHRASE) ||
         g_error_matches (entry->error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE) ||
         entry->error->domain != PI_KEYRING_ERROR;
}

/* --- running the command --- */

static void
wipe_environment (char **envp)
{
  for (gsize i = 0; envp != NULL && envp[i] != NULL; i++)
    explicit_bzero (envp[i], strlen (envp[i]));
  g_strfreev (envp);
}

static int
run_command (char **command,
             char **envp)
{
  int saved_errno;

  cli_restore_core_limit ();
  fflush (stdout);
  fflush (stderr);

  /* The command takes the place of this process: its signals and its exit
   * status are the caller's to see, with nothing in between. */
  execvpe (command[0], command, envp);
  saved_errno = errno;

  wipe_environment (envp);
  if (saved_errno == ENOENT || saved_errno == ENOTDIR)
    {
      cli_error (_("Command not found: %s"), command[0]);
      return 127;
    }

  cli_error (_("Could not run “%s”: %s"), command[0], g_strerror (saved_errno));
  return 126;
}

int
cli_cmd_exec (const CliCommand  *command,
              int                argc,
              char             **argv)
{
  g_auto(GStrv) named = NULL;
  const GOptionEntry entries_options[] = {
    { "provider", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &named,
      N_("Hand over the key of PROVIDER only (repeat, or separate with commas)"),
      N_("PROVIDER") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = cli_option_context_new (command,
                                                              N_("-- COMMAND [ARGUMENTS…]"),
                                                              entries_options);
  g_autoptr(PiKeyringBackend) backend = NULL;
  g_autoptr(PiKeyringStore) store = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GHashTable) auth_entries = NULL;
  g_autoptr(GHashTable) set_variables = NULL;
  g_autoptr(GHashTable) env_owners = NULL;
  g_autoptr(GPtrArray) env_entries = NULL;
  g_autofree char *auth_path = NULL;
  g_autoptr(GError) error = NULL;
  const char *store_auth_file;
  const char *backend_file;
  char **envp;
  int status;

  g_option_context_set_description (context,
                                    N_("Looks the keys up as “pi-keyring get” does (OAuth tokens "
                                       "are refreshed when due), puts them in the environment "
                                       "variables pi reads, and runs COMMAND in place of "
                                       "pi-keyring: its exit status is COMMAND's, 127 when it is "
                                       "not found. Without --provider every provider that has a "
                                       "stored key is handed over; keys already in the "
                                       "environment stay as they are. The credentials of "
                                       "google-gemini-cli, google-antigravity and openai-codex "
                                       "cannot be handed over: pi reads them only from its "
                                       "auth.json. PI_KEYRING_EXEC=1 is set for COMMAND, and an "
                                       "exec inside it refuses to run. PI_KEYRING_PASSPHRASE and "
                                       "PI_KEYRING_PASSPHRASE_FILE, which open the encrypted "
                                       "vault, are taken out of COMMAND's environment."));
  /* Everything after COMMAND is COMMAND's. */
  g_option_context_set_strict_posix (context, TRUE);
  if (!cli_option_context_parse (context, &argc, &argv))
    return CLI_EXIT_USAGE;
  argc--;
  argv++;
  if (argc > 0 && g_str_equal (argv[0], "--"))
    {
      argc--;
      argv++;
    }
  if (argc < 1)
    return cli_usage_error (_("The command to run is missing."));

  if (g_getenv (EXEC_VARIABLE) != NULL)
    {
      cli_error (_("pi-keyring exec is already running further up (PI_KEYRING_EXEC is set); it "
                   "does not nest."));
      return CLI_EXIT_FAILURE;
    }

  entries = make_entries (named, &status);
  if (entries == NULL)
    return status;

  backend = cli_open_backend (&error);
  if (backend == NULL)
    return cli_report_error (error);
  store = cli_open_store (backend);

  look_up (store, entries);

  store_auth_file = pi_keyring_store_get_auth_file (store);
  auth_path = store_auth_file != NULL && *store_auth_file != '\0'
              ? g_strdup (store_auth_file) : pi_keyring_get_default_auth_file_path ();
  backend_file = cli_backend_get_file_path (backend);
  auth_entries = read_auth_file (auth_path);
  set_variables = g_hash_table_new (g_str_hash, g_str_equal);
  env_owners = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  env_entries = g_ptr_array_new ();

  envp = g_get_environ ();
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (entries, i);
      Entry *previous;

      /* A stored entry without a key but with variables (pi 1.6.0): they
       * are what is handed over. */
      if (!is_oauth_only (entry->provider) &&
          (entry->error == NULL ||
           g_error_matches (entry->error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND)) &&
          find_entry_env (store, entry, auth_path))
        {
          g_clear_error (&entry->error);
          g_ptr_array_add (env_entries, entry);
          continue;
        }

      /* Only variables that authenticate pi without a key (pi 1.6.0's
       * ANTHROPIC_AUTH_TOKEN): already in the command's environment. */
      if (g_error_matches (entry->error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND) &&
          entry->sources == PI_KEYRING_SOURCE_ENVIRONMENT)
        {
          g_clear_error (&entry->error);
          continue;
        }

      if (entry->error != NULL)
        {
          if (error_is_fatal (entry))
            {
              wipe_environment (envp);
              if (g_error_matches (entry->error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND))
                {
                  cli_error ("%s", entry->error->message);
                  return CLI_EXIT_NOT_FOUND;
                }
              return cli_report_oauth_error (entry->error, entry->provider);
            }
          cli_warning (_("The key of “%s” is left out: %s"), entry->provider,
                       entry->error->message);
          continue;
        }

      if (is_oauth_only (entry->provider))
        {
          if ((entry->sources & PI_KEYRING_SOURCE_KEYRING) != 0)
            cli_info (_("Note: the credentials of “%s” are left out: pi reads them only from its "
                        "auth.json."),
                      entry->provider);
          continue;
        }

      if (entry->key == NULL)
        continue;
      if (entry->source == PI_KEYRING_SOURCE_ENVIRONMENT ||
          g_str_equal (entry->key, AUTHENTICATED_SENTINEL))
        {
          g_debug ("The key of %s is already in the environment", entry->provider);
          continue;
        }

      entry->variable = variable_for (store, entry, auth_path);
      if (entry->variable == NULL)
        continue;

      /* opencode and opencode-go share OPENCODE_API_KEY. */
      previous = g_hash_table_lookup (set_variables, entry->variable);
      if (previous != NULL)
        {
          if (!g_str_equal (previous->key, entry->key))
            cli_warning (_("“%s” and “%s” both use %s; it holds the key of “%s”."),
                         previous->provider, entry->provider, entry->variable,
                         previous->provider);
          else
            g_ptr_array_add (env_entries, entry);  /* its key is there all the same */
          continue;
        }
      g_hash_table_insert (set_variables, (gpointer) entry->variable, entry);

      /* pi reads auth.json before the environment (reference §3.7). */
      if (entry->source != PI_KEYRING_SOURCE_AUTH_FILE &&
          !cli_same_file (backend_file, auth_path) &&
          shadows_variable (g_hash_table_lookup (auth_entries, entry->provider)))
        {
          g_autofree char *display = g_filename_display_name (auth_path);

          cli_warning (_("pi reads %s before the environment: its “%s” entry will be used "
                         "inside pi instead of %s."),
                       display, entry->provider, entry->variable);
        }

      unset_preceding (&envp, entry->provider, entry->variable);
      envp = g_environ_setenv (envp, entry->variable, entry->key, TRUE);
      g_debug ("Handing over the key of %s in %s", entry->provider, entry->variable);
      g_ptr_array_add (env_entries, entry);
    }

  /* The entries' own variables, once every key is in place. */
  for (guint i = 0; i < env_entries->len; i++)
    hand_over_env (&envp, g_ptr_array_index (env_entries, i), set_variables, env_owners);
  g_clear_pointer (&env_entries, g_ptr_array_unref);
  g_clear_pointer (&env_owners, g_hash_table_unref);

  envp = g_environ_setenv (envp, EXEC_VARIABLE, "1", TRUE);
  /* The vault's passphrase opens every credential in it: the command gets
   * the keys it was handed, not the means to read the rest. */
  for (gsize i = 0; i < G_N_ELEMENTS (vault_variables); i++)
    envp = g_environ_unsetenv (envp, vault_variables[i]);

  /* The keys are in @envp alone from here on. */
  g_clear_pointer (&entries, g_ptr_array_unref);
  g_clear_object (&store);
  g_clear_object (&backend);

  return run_command (argv, envp);
}
