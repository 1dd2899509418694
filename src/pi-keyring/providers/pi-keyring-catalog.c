/* pi-keyring-catalog.c: the providers pi knows and their environment variables
 *
 * The table itself is core's (pi-keyring-provider-table.c), the one place
 * that says which providers each pi release knows; the catalog puts the
 * registered providers in front of it and reads the environment as pi-ai's
 * env-api-keys.js does (reference §5), by the table's rules.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "providers/pi-keyring-providers-private.h"

#define AUTHENTICATED_SENTINEL "<authenticated>"


/* Set in a thread while a registered provider answers for the catalog, so
 * that a provider which asks the catalog in turn gets the table's answer
 * instead of asking itself again. */
static GPrivate deferring;

static PiKeyringProvider *
lookup_registered (const char *provider)
{
  if (g_private_get (&deferring) != NULL)
    return NULL;

  return pi_keyring_lookup_provider (provider);
}

static const char *
registered_display_name (PiKeyringProvider *provider)
{
  const char *name;

  g_private_set (&deferring, GINT_TO_POINTER (1));
  /* Interned: the registry may drop the provider later. */
  name = g_intern_string (pi_keyring_provider_get_display_name (provider));
  g_private_set (&deferring, NULL);

  return name;
}

static const char *
registered_flow (PiKeyringProvider *provider)
{
  const char *flow;

  g_private_set (&deferring, GINT_TO_POINTER (1));
  flow = g_intern_string (pi_keyring_provider_get_flow (provider));
  g_private_set (&deferring, NULL);

  return flow;
}

static char *
registered_api_key (PiKeyringProvider   *provider,
                    PiKeyringCredential *credential)
{
  char *key;

  g_private_set (&deferring, GINT_TO_POINTER (1));
  key = pi_keyring_provider_get_api_key (provider, credential);
  g_private_set (&deferring, NULL);

  return key;
}

static const PiKeyringProviderInfo *
find_provider (const char *provider)
{
  return provider != NULL ? _pi_keyring_provider_table_lookup (provider) : NULL;
}

/**
 * pi_keyring_catalog_get_ids:
 *
 * Lists every provider pi knows, in pi 1.6.0 and in pi 0.73.1 (an id one
 * of them has is listed: `azure` and `azure-openai-responses` both), and
 * the two OAuth providers only releases before 0.71 use
 * (`google-gemini-cli`, `google-antigravity`;
 * [func@PiKeyring.catalog_get_pi_versions] tells them apart): the five OAuth
 * providers of pi's registry first (`anthropic`, `github-copilot`,
 * `google-gemini-cli`, `google-antigravity`, `openai-codex`), then the
 * API-key providers in the order of pi 1.6.0's table of environment
 * variables, ending with `google-vertex` and `amazon-bedrock`.
 *
 * Returns: (transfer none) (array zero-terminated=1): the provider ids
 *
 * Since: 0.1
 */
const char * const *
pi_keyring_catalog_get_ids (void)
{
  return _pi_keyring_provider_table_get_ids ();
}

/**
 * pi_keyring_catalog_contains:
 * @provider: a provider id
 *
 * Whether @provider is one of the ids of [func@PiKeyring.catalog_get_ids].
 *
 * Returns: %TRUE for a known provider
 *
 * Since: 0.1
 */
gboolean
pi_keyring_catalog_contains (const char *provider)
{
  g_return_val_if_fail (provider != NULL, FALSE);

  return find_provider (provider) != NULL;
}

/**
 * pi_keyring_catalog_get_display_name:
 * @provider: a provider id
 *
 * Gets the name of @provider for a person. The OAuth providers have the
 * names pi shows in `/login`, such as `Anthropic (Claude Pro/Max)`; a
 * provider registered with [func@register_provider] has the name it gives.
 *
 * Returns: (transfer none) (nullable): the display name, or %NULL for an
 *   unknown provider
 *
 * Since: 0.1
 */
const char *
pi_keyring_catalog_get_display_name (const char *provider)
{
  g_autoptr(PiKeyringProvider) registered = NULL;
  const PiKeyringProviderInfo *info;

  g_return_val_if_fail (provider != NULL, NULL);

  registered = lookup_registered (provider);
  if (registered != NULL)
    return registered_display_name (registered);

  info = find_provider (provider);
  return info != NULL ? info->name : NULL;
}

/**
 * pi_keyring_catalog_is_oauth:
 * @provider: a provider id
 *
 * Whether @provider logs in with OAuth: one of the five built-in OAuth
 * providers, or a provider registered with [func@register_provider].
 *
 * Returns: %TRUE for an OAuth provider
 *
 * Since: 0.1
 */
gboolean
pi_keyring_catalog_is_oauth (const char *provider)
{
  g_autoptr(PiKeyringProvider) registered = NULL;
  const PiKeyringProviderInfo *info;

  g_return_val_if_fail (provider != NULL, FALSE);

  registered = lookup_registered (provider);
  if (registered != NULL)
    return TRUE;

  info = find_provider (provider);
  return info != NULL && info->flow != NULL;
}

/**
 * pi_keyring_catalog_get_flow:
 * @provider: a provider id
 *
 * Gets the kind of OAuth login @provider uses: `loopback` (authorization
 * code with a callback on a local port, or a pasted code) for `anthropic`,
 * `google-gemini-cli`, `google-antigravity` and `openai-codex`; `device`
 * (device code) for `github-copilot`; for a provider registered with
 * [func@register_provider], what [method@Provider.get_flow] says.
 *
 * Returns: (transfer none) (nullable): `loopback`, `device`, or %NULL for a
 *   provider without OAuth or an unknown one
 *
 * Since: 0.1
 */
const char *
pi_keyring_catalog_get_flow (const char *provider)
{
  g_autoptr(PiKeyringProvider) registered = NULL;
  const PiKeyringProviderInfo *info;

  g_return_val_if_fail (provider != NULL, NULL);

  registered = lookup_registered (provider);
  if (registered != NULL)
    return registered_flow (registered);

  info = find_provider (provider);
  return info != NULL ? info->flow : NULL;
}

/**
 * pi_keyring_catalog_get_env_vars:
 * @provider: a provider id
 *
 * Lists the environment variables pi reads for @provider, in pi's order
 * (pi 1.6.0's, with the ones only 0.73.1 reads after them: `GH_TOKEN` and
 * `GITHUB_TOKEN` of `github-copilot`). For `google-vertex` and
 * `amazon-bedrock` these are the variables that make pi consider the
 * provider authenticated; for `anthropic` the first, `ANTHROPIC_AUTH_TOKEN`
 * (pi 1.6.0), is a bearer token rather than a key, and the last five are
 * pi 1.6.0's workload identity federation (`ANTHROPIC_FEDERATION_RULE_ID`
 * …), no key either; the Cloudflare
 * providers add their account and gateway ids. The OAuth-only providers
 * (`google-gemini-cli`, `google-antigravity`, `openai-codex`) have none.
 *
 * Returns: (transfer none) (array zero-terminated=1) (nullable): the
 *   variable names (an empty array when there are none), or %NULL for an
 *   unknown provider
 *
 * Since: 0.1
 */
const char * const *
pi_keyring_catalog_get_env_vars (const char *provider)
{
  const PiKeyringProviderInfo *info;

  g_return_val_if_fail (provider != NULL, NULL);

  info = find_provider (provider);
  return info != NULL ? info->env_vars : NULL;
}

/**
 * pi_keyring_catalog_get_key_variable:
 * @provider: a provider id
 *
 * Gets the environment variable a stored key of @provider is handed to pi
 * in: the first variable pi takes a key from (`ANTHROPIC_API_KEY` for
 * `anthropic`, whose OAuth tokens go to `ANTHROPIC_OAUTH_TOKEN`;
 * `AWS_BEARER_TOKEN_BEDROCK` for `amazon-bedrock`).
 *
 * Returns: (transfer none) (nullable): the variable, or %NULL when pi
 *   reads no key of @provider from the environment or @provider is unknown
 *
 * Since: 0.2
 */
const char *
pi_keyring_catalog_get_key_variable (const char *provider)
{
  const PiKeyringProviderInfo *info;

  g_return_val_if_fail (provider != NULL, NULL);

  info = find_provider (provider);
  if (info == NULL)
    return NULL;

  return info->key_variable != NULL ? info->key_variable : info->key_vars[0];
}

/**
 * pi_keyring_catalog_get_pi_versions:
 * @provider: a provider id
 *
 * Lists the pi releases the catalog describes that know @provider, oldest
 * first, out of [func@PiKeyring.catalog_get_known_pi_versions]. The list is
 * empty for `google-gemini-cli` and `google-antigravity`, which only pi
 * releases before 0.71 log in to.
 *
 * Returns: (transfer none) (array zero-terminated=1) (nullable): the
 *   releases, such as `0.73.1` and `1.6.0`, or %NULL for an unknown
 *   provider
 *
 * Since: 0.2
 */
const char * const *
pi_keyring_catalog_get_pi_versions (const char *provider)
{
  const PiKeyringProviderInfo *info;

  g_return_val_if_fail (provider != NULL, NULL);

  info = find_provider (provider);
  return info != NULL ? _pi_keyring_provider_table_versions_of (info->pi_versions) : NULL;
}

/**
 * pi_keyring_catalog_get_known_pi_versions:
 *
 * Lists the pi releases whose providers the catalog describes, oldest first.
 *
 * Returns: (transfer none) (array zero-terminated=1): the releases
 *
 * Since: 0.2
 */
const char * const *
pi_keyring_catalog_get_known_pi_versions (void)
{
  return _pi_keyring_provider_table_get_pi_versions ();
}

/**
 * pi_keyring_catalog_get_other_id:
 * @provider: a provider id
 *
 * Gets the id other pi releases give the provider @provider is: Azure
 * OpenAI is `azure` in pi 1.6.0 and `azure-openai-responses` in 0.73.1.
 * A lookup of one finds an entry stored under the other when there is
 * none under its own ([method@Store.get_api_key_async]); an entry keeps
 * the id it was stored under.
 *
 * Returns: (transfer none) (nullable): the other id, or %NULL
 *
 * Since: 0.2
 */
const char *
pi_keyring_catalog_get_other_id (const char *provider)
{
  const PiKeyringProviderInfo *info;

  g_return_val_if_fail (provider != NULL, NULL);

  info = find_provider (provider);
  return info != NULL ? info->other_id : NULL;
}

/* An environment variable counts only when it is set and not empty, as a
 * JavaScript `process.env.X || …` test. */
static const char *
env_value (const char *name)
{
  const char *value = g_getenv (name);

  /* pi 1.6.0's auth context (pi-ai defaultProviderAuthContext): a value
   * that trims to nothing is unset; pi 0.73.1 would send it as the key,
   * which no provider takes. */
  return value != NULL && !_pi_keyring_is_js_blank (value) ? value : NULL;
}

/* 0: not computed yet; 1: no ADC file; 2: the ADC file exists. */
static gint adc_exists_cache = 0;

/* pi computes once per process whether the Application Default Credentials
 * file exists: GOOGLE_APPLICATION_CREDENTIALS if set, else the gcloud
 * default under the home directory. */
static gboolean
has_vertex_adc_credentials (void)
{
  gint cached = g_atomic_int_get (&adc_exists_cache);

  if (cached == 0)
    {
      const char *path = env_value ("GOOGLE_APPLICATION_CREDENTIALS");
      g_autofree char *default_path = NULL;

      if (path == NULL)
        path = default_path = g_build_filename (g_get_home_dir (), ".config", "gcloud",
                                                "application_default_credentials.json",
                                                NULL);

      cached = g_file_test (path, G_FILE_TEST_EXISTS) ? 2 : 1;
      g_atomic_int_set (&adc_exists_cache, cached);
    }

  return cached == 2;
}

void
_pi_keyring_catalog_reset_adc_cache (void)
{
  g_atomic_int_set (&adc_exists_cache, 0);
}

static const char *
first_env_value (const char * const *names)
{
  for (gsize i = 0; names[i] != NULL; i++)
    {
      const char *value = env_value (names[i]);

      if (value != NULL)
        return value;
    }

  return NULL;
}

static const char *
lookup_env_api_key (const char *provider)
{
  const PiKeyringProviderInfo *info = find_provider (provider);
  const char *key;

  if (info == NULL)
    return NULL;

  key = first_env_value (info->key_vars);
  if (key != NULL)
    return key;

  switch (info->env_rule)
    {
    case PI_KEYRING_ENV_RULE_VERTEX:
      {
        gboolean has_project, has_location;

        /* Evaluated in pi's order: the ADC file first, so its existence is
         * cached at the first look whatever else is set. */
        if (!has_vertex_adc_credentials ())
          return NULL;
        has_project = env_value ("GOOGLE_CLOUD_PROJECT") != NULL ||
                      env_value ("GCLOUD_PROJECT") != NULL;
        has_location = env_value ("GOOGLE_CLOUD_LOCATION") != NULL;

        return has_project && has_location ? AUTHENTICATED_SENTINEL : NULL;
      }

    case PI_KEYRING_ENV_RULE_BEDROCK:
      if (env_value ("AWS_PROFILE") != NULL ||
          (env_value ("AWS_ACCESS_KEY_ID") != NULL && env_value ("AWS_SECRET_ACCESS_KEY") != NULL) ||
          env_value ("AWS_BEARER_TOKEN_BEDROCK") != NULL ||
          env_value ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") != NULL ||
          env_value ("AWS_CONTAINER_CREDENTIALS_FULL_URI") != NULL ||
          env_value ("AWS_WEB_IDENTITY_TOKEN_FILE") != NULL)
        return AUTHENTICATED_SENTINEL;
      return NULL;

    case PI_KEYRING_ENV_RULE_FIRST:
    default:
      return NULL;
    }
}

const char *
_pi_keyring_catalog_get_env_auth_variable (const char *provider)
{
  g_return_val_if_fail (provider != NULL, NULL);

  if (!g_str_equal (provider, "anthropic"))
    return NULL;

  /* pi-ai 1.6.0 dist/providers/anthropic.js, anthropicApiKeyAuth ().resolve:
   * the bearer token before the keys, the federation after them, which
   * needs its rule, organization and identity token file. */
  if (env_value ("ANTHROPIC_AUTH_TOKEN") != NULL)
    return "ANTHROPIC_AUTH_TOKEN";
  if (env_value ("ANTHROPIC_FEDERATION_RULE_ID") != NULL &&
      env_value ("ANTHROPIC_ORGANIZATION_ID") != NULL &&
      env_value ("ANTHROPIC_IDENTITY_TOKEN_FILE") != NULL)
    return "ANTHROPIC_FEDERATION_RULE_ID";

  return NULL;
}

/**
 * pi_keyring_catalog_get_env_api_key:
 * @provider: a provider id
 *
 * Gets the key pi would take from the environment for @provider, exactly as
 * pi's `getEnvApiKey`: the first non-empty of the provider's key variables
 * (for `github-copilot` `COPILOT_GITHUB_TOKEN`, `GH_TOKEN`, `GITHUB_TOKEN`,
 * the last two read by pi 0.73.1 only; for `anthropic`
 * `ANTHROPIC_OAUTH_TOKEN`, else `ANTHROPIC_API_KEY`: pi 1.6.0's
 * `ANTHROPIC_AUTH_TOKEN` is a bearer token, no key); for `google-vertex`
 * `GOOGLE_CLOUD_API_KEY`, else the sentinel `<authenticated>` when the
 * Application Default Credentials file exists (looked at once per process),
 * a project and a location are set; for `amazon-bedrock` the sentinel
 * `<authenticated>` when one of the AWS credential sources is set;
 * otherwise the provider's variable of pi's table. A variable set to the
 * empty string, or to nothing but white space (pi 1.6.0), counts as unset.
 *
 * Returns: (transfer full) (nullable): the key, or %NULL when the
 *   environment has none or @provider is unknown; free it with g_free()
 *
 * Since: 0.1
 */
char *
pi_keyring_catalog_get_env_api_key (const char *provider)
{
  g_return_val_if_fail (provider != NULL, NULL);

  return g_strdup (lookup_env_api_key (provider));
}

/**
 * pi_keyring_catalog_get_oauth_api_key:
 * @credential: an OAuth credential
 *
 * Turns an OAuth credential into the string pi hands to the provider's
 * client, as the provider's `getApiKey` does: for `google-gemini-cli` and
 * `google-antigravity` the compact JSON text
 * `{"token":"<access>","projectId":"<projectId>"}`, for the other OAuth
 * providers the `access` field. When a provider of that id is registered
 * ([func@lookup_provider]), its [method@Provider.get_api_key] decides.
 *
 * Returns: (transfer full) (nullable): the key, or %NULL when @credential
 *   is not an OAuth credential, its provider is not a known OAuth provider,
 *   or (for the providers that hand out `access`) it has no `access` field;
 *   it is a secret: wipe it before freeing it
 *
 * Since: 0.1
 */
char *
pi_keyring_catalog_get_oauth_api_key (PiKeyringCredential *credential)
{
  g_autoptr(PiKeyringProvider) registered = NULL;
  const char *provider;

  g_return_val_if_fail (PI_KEYRING_IS_CREDENTIAL (credential), NULL);

  provider = pi_keyring_credential_get_provider (credential);
  if (pi_keyring_credential_get_kind (credential) != PI_KEYRING_CREDENTIAL_KIND_OAUTH)
    return NULL;

  registered = lookup_registered (provider);
  if (registered != NULL)
    return registered_api_key (registered, credential);

  if (!pi_keyring_catalog_is_oauth (provider))
    return NULL;

  if (g_str_equal (provider, "google-gemini-cli") ||
      g_str_equal (provider, "google-antigravity"))
    {
      /* JSON.stringify ({ token: access, projectId }): members that are
       * undefined are left out, any other value is written as it is. */
      JsonObject *entry = _pi_keyring_credential_get_object (credential);
      g_autoptr(JsonObject) object = json_object_new ();
      JsonNode *member;

      member = json_object_get_member (entry, "access");
      if (member != NULL)
        json_object_set_member (object, "token", _pi_keyring_json_node_deep_copy (member));
      member = json_object_get_member (entry, "projectId");
      if (member != NULL)
        json_object_set_member (object, "projectId", _pi_keyring_json_node_deep_copy (member));

      {
        char *text = _pi_keyring_json_object_stringify (object, 0);

        _pi_keyring_json_object_wipe (object);
        return text;
      }
    }

  return g_strdup (pi_keyring_credential_get_access (credential));
}
