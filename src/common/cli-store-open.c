/* cli-store-open.c: opening the backend and the store of the command line's
 * options, and what is said about them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <sys/stat.h>

#include "cli-store-open.h"
#include "cli-messages.h"
#include "cli-options.h"
#include "cli-unlock.h"

const char *
cli_get_profile (void)
{
  return cli_options.profile != NULL ? cli_options.profile : PI_KEYRING_DEFAULT_PROFILE;
}

gboolean
cli_check_backend_name (void)
{
  const char *name = cli_options.backend;

  if (name == NULL)
    name = g_getenv ("PI_KEYRING_BACKEND");
  if (name == NULL || *name == '\0')
    return TRUE;
  if (g_strv_contains (pi_keyring_backend_get_names (), name))
    return TRUE;

  cli_usage_error (_("Unknown backend “%s”: use auto, secret-service, file, encrypted-file or "
                     "memory."),
                   name);
  return FALSE;
}

/* The executable saw org.freedesktop.secrets owned a moment ago (it asks
 * along with its question to the daemon): `auto` need not ask again. */
static gboolean secret_service_running;

void
cli_note_secret_service_running (void)
{
  secret_service_running = TRUE;
}

PiKeyringBackend *
cli_open_backend (GError **error)
{
  g_autoptr(PiKeyringBackend) backend = NULL;
  const char *name = cli_options.backend != NULL ? cli_options.backend
                                                 : g_getenv ("PI_KEYRING_BACKEND");

  /* What `auto` chooses when the Secret Service runs (backends/pi-keyring-backend.c) */
  if (secret_service_running && (name == NULL || *name == '\0' || g_str_equal (name, "auto")))
    {
      g_debug ("auto: the Secret Service, which the bus said runs");
      backend = pi_keyring_secret_service_backend_new ();
    }
  else
    backend = pi_keyring_backend_new_for_name (cli_options.backend, error);

  /* Only with --interactive: a prompt before the command runs. */
  if (backend == NULL || !cli_prepare_backend (backend, error))
    return NULL;

  return g_steal_pointer (&backend);
}

PiKeyringStore *
cli_open_store (PiKeyringBackend *backend)
{
  /* The commands say themselves where a secret goes in plaintext. */
  PiKeyringStore *store = g_object_new (PI_KEYRING_TYPE_STORE,
                                        "backend", backend,
                                        "flags", PI_KEYRING_STORE_FLAGS_NO_PLAINTEXT_WARNING,
                                        NULL);
  g_autoptr(GError) error = NULL;

  if (cli_options.profile != NULL)
    pi_keyring_store_set_profile (store, cli_options.profile);

  /* Every command first stores the refreshed credentials a full disk kept
   * out; what still finds no room stays kept, and is no failure here. */
  if (!pi_keyring_store_save_recovered_sync (store, NULL, &error) && error != NULL)
    g_debug ("Could not store the credentials kept for recovery: %s", error->message);

  return store;
}

const char *
cli_backend_get_file_path (PiKeyringBackend *backend)
{
  if (PI_KEYRING_IS_FILE_BACKEND (backend))
    return pi_keyring_file_backend_get_path (PI_KEYRING_FILE_BACKEND (backend));

  return NULL;
}

char *
cli_backend_describe (PiKeyringBackend *backend)
{
  const char *path = cli_backend_get_file_path (backend);
  char *location;

  if (path != NULL)
    return g_filename_display_name (path);

  location = pi_keyring_backend_get_location (backend);
  if (location == NULL || *location == '\0')
    {
      g_free (location);
      return g_strdup (pi_keyring_backend_get_name (backend));
    }

  return location;
}

gboolean
cli_same_file (const char *a,
               const char *b)
{
  g_autofree char *canonical_a = NULL;
  g_autofree char *canonical_b = NULL;
  struct stat st_a, st_b;

  if (a == NULL || b == NULL)
    return FALSE;

  if (stat (a, &st_a) == 0 && stat (b, &st_b) == 0)
    return st_a.st_dev == st_b.st_dev && st_a.st_ino == st_b.st_ino;

  canonical_a = g_canonicalize_filename (a, NULL);
  canonical_b = g_canonicalize_filename (b, NULL);
  return g_str_equal (canonical_a, canonical_b);
}

GVariant *
cli_login_options (const char *enterprise_domain)
{
  g_autoptr(GVariantDict) dict = g_variant_dict_new (NULL);

  if (enterprise_domain != NULL)
    g_variant_dict_insert (dict, "enterprise-domain", "s", enterprise_domain);

  return g_variant_ref_sink (g_variant_dict_end (dict));
}

int
cli_report_oauth_error (const GError *error,
                        const char   *provider)
{
  g_autoptr(GString) login = NULL;

  if (!g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED))
    return cli_report_error (error);

  /* The command that logs in to the same backend and profile. */
  login = g_string_new ("pi-keyring");
  if (cli_options.backend != NULL)
    g_string_append_printf (login, " --backend=%s", cli_options.backend);
  if (cli_options.profile != NULL && !g_str_equal (cli_options.profile, PI_KEYRING_DEFAULT_PROFILE))
    g_string_append_printf (login, " --profile=%s", cli_options.profile);
  g_string_append_printf (login, " login %s", provider);

  /* Translators: the second %s is a command, such as "pi-keyring login anthropic" */
  cli_error (_("%s Run “%s” to log in again."), error->message, login->str);
  return CLI_EXIT_REAUTHENTICATE;
}
