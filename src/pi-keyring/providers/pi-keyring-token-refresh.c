/* pi-keyring-token-refresh.c: the refresh that most OAuth providers share
 *
 * Send a refresh-token request to the token endpoint, turn the answer
 * into the complete replacement entry with the provider's own builder,
 * and prefix a failure with pi's message for that provider, keeping our
 * error code (DESIGN §5: 400/401 → re-authentication, 429 → rate limited,
 * 5xx and the network → temporary). A provider whose pi retries (Kimi
 * Code: after 1, 2 and 4 s for 429, 5xx and network failures) says how
 * many times; a provider-specific rule for a refused token (Kimi: 403 too)
 * goes in the builder's caller through @refused_statuses.
 *
 * Used by openai-codex, openai (ChatGPT) and kimi-coding.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "providers/pi-keyring-providers-private.h"

typedef struct
{
  PiKeyringCredential      *old;
  PiKeyringHttpRequest     *request;
  PiKeyringHttpClient      *http;
  PiKeyringTokenRefreshBuildFunc build;
  const char               *failure_message;  /* N_() */
  guint                     retries_left;
  guint                     attempt;
  gboolean                  forbidden_refused;
  GSource                  *sleep;
} RefreshData;

static void
refresh_data_free (gpointer data)
{
  RefreshData *refresh = data;

  g_clear_object (&refresh->old);
  g_clear_pointer (&refresh->request, _pi_keyring_http_request_free);
  g_clear_object (&refresh->http);
  if (refresh->sleep != NULL)
    {
      g_source_destroy (refresh->sleep);
      g_source_unref (refresh->sleep);
    }
  g_free (refresh);
}

/* pi's message, keeping our error code and the reason. */
static void
return_refresh_error (GTask  *task,
                      GError *error)
{
  RefreshData *refresh = g_task_get_task_data (task);

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_prefix_error (&error, "%s ", _(refresh->failure_message));
  g_task_return_error (task, error);
}

static gboolean
is_retryable (const GError *error)
{
  return g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_RATE_LIMITED) ||
         g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_TEMPORARY) ||
         (error->domain == G_IO_ERROR && error->code != G_IO_ERROR_CANCELLED);
}

static void send_request (GTask *task);

static gboolean
on_retry_sleep_done (gpointer user_data)
{
  GTask *task = user_data;
  RefreshData *refresh = g_task_get_task_data (task);

  g_clear_pointer (&refresh->sleep, g_source_unref);
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return G_SOURCE_REMOVE;
    }

  send_request (task);  /* takes the reference */
  return G_SOURCE_REMOVE;
}

static void
on_refreshed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RefreshData *refresh = g_task_get_task_data (task);
  g_autoptr(PiKeyringTokenResponse) token = NULL;
  g_autoptr(PiKeyringHttpResponse) response = NULL;
  GError *error = NULL;
  PiKeyringCredential *credential;

  token = _pi_keyring_http_client_request_token_finish (PI_KEYRING_HTTP_CLIENT (source), result,
                                                        &response, &error);
  if (token == NULL)
    {
      if (refresh->forbidden_refused && response != NULL &&
          (response->status == 403 || g_strcmp0 (response->oauth_error, "invalid_grant") == 0))
        {
          error->domain = PI_KEYRING_ERROR;
          error->code = PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED;
        }
      else if (refresh->retries_left > 0 && is_retryable (error))
        {
          guint delay_ms = 1000u << refresh->attempt;

          g_debug ("Refresh: %s; retrying in %u ms", error->message, delay_ms);
          g_clear_error (&error);
          refresh->retries_left--;
          refresh->attempt++;
          refresh->sleep = g_timeout_source_new (delay_ms);
          g_source_set_name (refresh->sleep, "[pi-keyring] refresh retry");
          if (g_task_get_cancellable (task) != NULL)
            {
              GSource *cancelled = g_cancellable_source_new (g_task_get_cancellable (task));

              g_source_set_dummy_callback (cancelled);
              g_source_add_child_source (refresh->sleep, cancelled);
              g_source_unref (cancelled);
            }
          g_task_attach_source (task, refresh->sleep, on_retry_sleep_done);
          g_steal_pointer (&task);  /* on_retry_sleep_done takes it over */
          return;
        }
      return_refresh_error (task, error);
      return;
    }

  credential = refresh->build (refresh->old, token, &error);
  if (credential == NULL)
    return_refresh_error (task, error);
  else
    g_task_return_pointer (task, credential, g_object_unref);
}

/* Takes the reference to @task. */
static void
send_request (GTask *task)
{
  RefreshData *refresh = g_task_get_task_data (task);

  _pi_keyring_http_client_request_token_async (refresh->http, refresh->request,
                                               g_task_get_cancellable (task), on_refreshed, task);
}

void
_pi_keyring_token_refresh_async (PiKeyringProvider              *provider,
                                 PiKeyringCredential            *credential,
                                 PiKeyringHttpRequest           *request,
                                 const PiKeyringTokenRefreshConfig *config,
                                 GCancellable                   *cancellable,
                                 GAsyncReadyCallback             callback,
                                 gpointer                        user_data)
{
  GTask *task;
  RefreshData *refresh;

  g_return_if_fail (PI_KEYRING_IS_PROVIDER (provider));
  g_return_if_fail (PI_KEYRING_IS_CREDENTIAL (credential));
  g_return_if_fail (request != NULL);
  g_return_if_fail (config != NULL && config->build != NULL && config->failure_message != NULL);

  task = g_task_new (provider, cancellable, callback, user_data);
  /* The interface's default refresh_finish checks for the provider's method. */
  g_task_set_source_tag (task, PI_KEYRING_PROVIDER_GET_IFACE (provider)->refresh_async);

  refresh = g_new0 (RefreshData, 1);
  refresh->old = g_object_ref (credential);
  refresh->request = request;
  refresh->http = _pi_keyring_http_client_new ();
  refresh->build = config->build;
  refresh->failure_message = config->failure_message;
  refresh->retries_left = config->retries;
  refresh->forbidden_refused = config->forbidden_refused;
  g_task_set_task_data (task, refresh, refresh_data_free);

  send_request (task);
}

gboolean
_pi_keyring_token_refresh_check (PiKeyringProvider              *provider,
                                 PiKeyringCredential            *credential,
                                 const PiKeyringTokenRefreshConfig *config,
                                 GCancellable                   *cancellable,
                                 GAsyncReadyCallback             callback,
                                 gpointer                        user_data)
{
  const char *refresh = pi_keyring_credential_get_refresh (credential);
  g_autoptr(GTask) task = NULL;

  if (refresh != NULL && *refresh != '\0')
    return TRUE;

  task = g_task_new (provider, cancellable, callback, user_data);
  /* The interface's default refresh_finish checks for the provider's method. */
  g_task_set_source_tag (task, PI_KEYRING_PROVIDER_GET_IFACE (provider)->refresh_async);
  g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED,
                           "%s %s", _(config->failure_message),
                           _("The credential has no refresh token. Log in again."));
  return FALSE;
}
