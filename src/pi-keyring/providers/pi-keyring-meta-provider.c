/* pi-keyring-meta-provider.c: the `meta` OAuth provider (pi 1.6.0)
 *
 * pi 1.6.0's "Meta (Muse subscription)" login (pi-ai
 * dist/auth/oauth/meta.js): an RFC 8628 device flow for an identity
 * token, which buys a Model API key:
 *
 *   1. POST https://auth.meta.com/oidc/device/authorization/, form
 *      client_id (startDeviceAuthorization); verification_uri_complete,
 *      else verification_uri (http or https), is shown; interval and
 *      expires_in are optional (no expires_in: pi polls without a
 *      deadline; pi-keyring stops after a day);
 *   2. polling https://auth.meta.com/oidc/device/token/ (form grant_type,
 *      device_code, client_id) with pi 1.6.0's poller, waiting before the
 *      first poll (pollForIdentityToken); its access_token is the
 *      identity token;
 *   3. the key mint (mintApiKey): POST https://api.meta.ai/muse-code/key,
 *      body {}, `Authorization: Bearer <identity token>`,
 *      `x-api-version: 1.0.0`. 401 and 403 mean the identity token is dead
 *      (REAUTHENTICATION_REQUIRED: only a new login helps); an answer
 *      without api_key names the action_url where setup is finished;
 *   4. the entry: type, refresh (the identity token), access (the key),
 *      expires = now + 24 hours (the answer's lifetime is not read).
 *
 * A refresh is step 3 again with the stored identity token, which never
 * changes (auth.meta.com has no refresh grant: it answers 404). So a
 * revoked sign-in shows as 401/403 at the mint, never as invalid_grant.
 *
 * Revocation: neither pi nor Meta's documentation has a revocation
 * endpoint for this client, so the provider offers none (revoke_async
 * NULL): logout forgets the identity token and the key.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "providers/pi-keyring-providers-private.h"

#include <string.h>

#define PROVIDER_ID        "meta"
#define CLIENT_ID          "1031625952748946"
#define DEVICE_CODE_URL    "https://auth.meta.com/oidc/device/authorization/"
#define TOKEN_URL          "https://auth.meta.com/oidc/device/token/"
#define MINT_URL           "https://api.meta.ai/muse-code/key"
#define API_KEY_LIFETIME_MS ((gint64) 24 * 60 * 60 * 1000)

#define PI_KEYRING_TYPE_META_PROVIDER (_pi_keyring_meta_provider_get_type ())
G_DECLARE_FINAL_TYPE (PiKeyringMetaProvider, _pi_keyring_meta_provider, PI_KEYRING,
                      META_PROVIDER, GObject)

struct _PiKeyringMetaProvider
{
  GObject parent_instance;
};

static void provider_iface_init (PiKeyringProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PiKeyringMetaProvider, _pi_keyring_meta_provider, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PI_KEYRING_TYPE_PROVIDER,
                                                      provider_iface_init))

static void
_pi_keyring_meta_provider_class_init (PiKeyringMetaProviderClass *klass)
{
}

static void
_pi_keyring_meta_provider_init (PiKeyringMetaProvider *self)
{
}

PiKeyringProvider *
_pi_keyring_meta_provider_new (void)
{
  return g_object_new (PI_KEYRING_TYPE_META_PROVIDER, NULL);
}

/* --- the key mint (login and refresh) --- */

typedef struct
{
  char *identity;  /* a secret */
  char *profile;
} MintData;

static void
mint_data_free (gpointer data)
{
  MintData *mint = data;

  _pi_keyring_secret_free (mint->identity);
  g_free (mint->profile);
  g_free (mint);
}

static void
on_minted (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  MintData *mint = g_task_get_task_data (task);
  g_autoptr(PiKeyringHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  const char *api_key;
  JsonObject *entry;

  response = _pi_keyring_http_client_send_finish (PI_KEYRING_HTTP_CLIENT (source), result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The identity token cannot be renewed: only a new login helps. */
  if (response->status == 401 || response->status == 403)
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED,
                               _("The Meta session has expired (HTTP %u). Log in again with "
                                 "“pi-keyring login meta”."), response->status);
      return;
    }
  /* Any other refusal is not about the identity token. */
  if (response->status == 400)
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                               _("The server at %s gave an unexpected answer (%s)."),
                               response->url, "HTTP 400");
      return;
    }
  if (!_pi_keyring_http_response_check (response, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  api_key = _pi_keyring_json_get_string (response->object, "api_key");
  if (api_key == NULL || *api_key == '\0')
    {
      const char *action_url = _pi_keyring_json_get_string (response->object, "action_url");
      g_autoptr(GError) url_error = NULL;

      /* A URL to show, not a secret: only an http(s) one, as pi has it. */
      if (action_url != NULL && g_utf8_validate (action_url, -1, NULL) &&
          (g_str_has_prefix (action_url, "https://") || g_str_has_prefix (action_url, "http://")) &&
          strpbrk (action_url, " \t\r\n\x1b") == NULL && strlen (action_url) < 2048)
        g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                                 _("Meta did not issue an API key. Complete setup at %s"),
                                 action_url);
      else
        g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                                 "%s", _("Meta did not issue an API key."));
      return;
    }

  /* pi's field order: type, refresh, access, expires. */
  entry = json_object_new ();
  json_object_set_string_member (entry, "type", "oauth");
  json_object_set_string_member (entry, "refresh", mint->identity);
  json_object_set_string_member (entry, "access", api_key);
  json_object_set_int_member (entry, "expires", _pi_keyring_now_ms () + API_KEY_LIFETIME_MS);

  g_task_return_pointer (task, _pi_keyring_credential_new_take_object (PROVIDER_ID, mint->profile,
                                                                       entry),
                         g_object_unref);
}

static void
mint_async (const char          *identity,
            const char          *profile,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PiKeyringHttpClient) client = NULL;
  g_autoptr(PiKeyringHttpRequest) request = NULL;
  g_autoptr(PiKeyringSecretString) authorization = NULL;
  g_autoptr(JsonObject) body = json_object_new ();
  MintData *mint;

  client = _pi_keyring_http_client_new ();
  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, mint_async);

  mint = g_new0 (MintData, 1);
  mint->identity = g_strdup (identity);
  mint->profile = g_strdup (profile);
  g_task_set_task_data (task, mint, mint_data_free);

  authorization = g_strconcat ("Bearer ", identity, NULL);
  request = _pi_keyring_http_request_new ("POST", MINT_URL);
  _pi_keyring_http_request_add_header (request, "Authorization", authorization);
  _pi_keyring_http_request_add_header (request, "x-api-version", "1.0.0");
  _pi_keyring_http_request_set_json_body (request, body);

  _pi_keyring_http_client_send_async (client, request, cancellable, on_minted,
                                      g_steal_pointer (&task));
}

static void
on_mint_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PiKeyringCredential *credential;
  GError *error = NULL;

  credential = g_task_propagate_pointer (G_TASK (result), &error);
  if (credential == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, credential, g_object_unref);
}

/* --- login --- */

static void
on_login_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PiKeyringInteraction *interaction = g_task_get_task_data (task);
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  GCancellable *cancellable;
  GError *error = NULL;

  token = _pi_keyring_device_login_finish (result, &error);
  if (token == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  pi_keyring_interaction_progress (interaction, _("Enabling Meta Model API access..."));
  cancellable = g_task_get_cancellable (task);
  mint_async (token->access_token, NULL, cancellable, on_mint_done, g_steal_pointer (&task));
}

static void
meta_login_async (PiKeyringProvider    *provider,
                  PiKeyringInteraction *interaction,
                  GVariant             *options,
                  GCancellable         *cancellable,
                  GAsyncReadyCallback   callback,
                  gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PiKeyringHttpRequest) request = NULL;

  task = g_task_new (provider, cancellable, callback, user_data);
  g_task_set_source_tag (task, meta_login_async);
  g_task_set_task_data (task, g_object_ref (interaction), g_object_unref);

  /* client_id only: no scope. */
  request = _pi_keyring_http_request_new ("POST", DEVICE_CODE_URL);
  _pi_keyring_http_request_add_form_field (request, "client_id", CLIENT_ID);

  _pi_keyring_device_login_async (interaction, request,
                                  PI_KEYRING_DEVICE_CODE_INTERVAL_OPTIONAL |
                                  PI_KEYRING_DEVICE_CODE_EXPIRES_OPTIONAL |
                                  PI_KEYRING_DEVICE_CODE_PREFER_COMPLETE |
                                  PI_KEYRING_DEVICE_CODE_URI_OPTIONAL |
                                  PI_KEYRING_DEVICE_CODE_HTTP_URI,
                                  TOKEN_URL, CLIENT_ID,
                                  PI_KEYRING_DEVICE_POLL_PLAIN |
                                  PI_KEYRING_DEVICE_POLL_ERRORS_BELOW_500 |
                                  PI_KEYRING_DEVICE_POLL_GRANT_DEVICE_CLIENT,
                                  cancellable, on_login_done, g_steal_pointer (&task));
}

/* --- refresh: a new key from the same identity token --- */

static void
meta_refresh_async (PiKeyringProvider   *provider,
                    PiKeyringCredential *credential,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  const char *identity = pi_keyring_credential_get_refresh (credential);

  task = g_task_new (provider, cancellable, callback, user_data);
  g_task_set_source_tag (task, meta_refresh_async);

  if (identity == NULL || *identity == '\0')
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED,
                               _("The credential has no refresh token. Log in again."));
      return;
    }

  mint_async (identity, pi_keyring_credential_get_profile (credential), cancellable,
              on_mint_done, g_steal_pointer (&task));
}

/* toAuth: {apiKey: access}. */
static char *
meta_get_api_key (PiKeyringProvider   *provider,
                  PiKeyringCredential *credential)
{
  return g_strdup (pi_keyring_credential_get_access (credential));
}

static const PiKeyringBuiltinProviderInfo meta_info = {
  .id = PROVIDER_ID,
  .display_name = "Meta (Muse subscription)",
  .flow = "device",
};

static void
provider_iface_init (PiKeyringProviderInterface *iface)
{
  _pi_keyring_builtin_provider_iface_init (iface, &meta_info);
  iface->login_async = meta_login_async;
  iface->refresh_async = meta_refresh_async;
  iface->get_api_key = meta_get_api_key;
  /* No revoke_async: see the comment at the top of the file. */
  iface->revoke_async = NULL;
}
