/* pi-keyring-device-login.c: what pi 1.6.0's device-code logins share
 *
 * The notice of a device code as pi 1.6.0's `pi auth login` gives it
 * (pi-coding-agent cli/auth-login.js, the "device_code" event): the
 * verification URI and the code, the browser opened on it unless
 * --no-browser, then "Waiting for authentication...". Used by meta, xai
 * and radius.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "providers/pi-keyring-providers-private.h"

void
_pi_keyring_device_login_show (PiKeyringInteraction      *interaction,
                               const PiKeyringDeviceCode *code)
{
  g_autofree char *instructions = NULL;

  g_return_if_fail (PI_KEYRING_IS_INTERACTION (interaction));
  g_return_if_fail (code != NULL);

  /* The user code is meant to be shown: it is not a secret. */
  instructions = g_strdup_printf (_("Enter code: %s"), code->user_code);
  pi_keyring_interaction_show_auth (interaction, code->verification_uri, instructions);
  if (pi_keyring_interaction_get_open_browser (interaction))
    _pi_keyring_open_browser (code->verification_uri);
  pi_keyring_interaction_progress (interaction, _("Waiting for authentication..."));
}

gboolean
_pi_keyring_device_login_get_expires_in (const PiKeyringTokenResponse *token,
                                         gint64                        default_ms,
                                         gint64                       *out_ms)
{
  JsonNode *node;

  g_return_val_if_fail (token != NULL && out_ms != NULL, FALSE);

  node = json_object_get_member (token->object, "expires_in");
  if (node == NULL && default_ms >= 0)
    {
      *out_ms = default_ms;
      return TRUE;
    }

  /* _pi_keyring_token_response_new_from_http () gives 0 for a number ≤ 0. */
  if (token->expires_in_ms <= 0)
    return FALSE;

  *out_ms = token->expires_in_ms;
  return TRUE;
}

/* --- the login: device code, notice, polling --- */

typedef struct
{
  PiKeyringInteraction     *interaction;
  PiKeyringHttpClient      *client;
  PiKeyringDevicePoller    *poller;
  char                     *token_url;
  char                     *client_id;
  PiKeyringDevicePollFlags  poll_flags;
} DeviceLogin;

static void
device_login_free (gpointer data)
{
  DeviceLogin *login = data;

  g_clear_object (&login->interaction);
  g_clear_object (&login->client);
  g_clear_object (&login->poller);
  g_free (login->token_url);
  g_free (login->client_id);
  g_free (login);
}

static void
on_polled (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PiKeyringTokenResponse *token;
  GError *error = NULL;

  token = _pi_keyring_device_poller_poll_finish (PI_KEYRING_DEVICE_POLLER (source), result, &error);
  if (token == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, token, (GDestroyNotify) _pi_keyring_token_response_free);
}

static void
on_device_code (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DeviceLogin *login = g_task_get_task_data (task);
  g_autoptr(PiKeyringDeviceCode) code = NULL;
  GCancellable *cancellable;
  GError *error = NULL;

  code = _pi_keyring_device_code_request_finish (result, &error);
  if (code == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  _pi_keyring_device_login_show (login->interaction, code);

  login->poller = _pi_keyring_device_poller_new (login->client, login->token_url,
                                                 login->client_id, code->device_code,
                                                 code->interval, code->expires_in);
  _pi_keyring_device_poller_set_flags (login->poller, login->poll_flags);
  /* Read before the task is stolen: the order of arguments is unspecified. */
  cancellable = g_task_get_cancellable (task);
  _pi_keyring_device_poller_poll_async (login->poller, cancellable, on_polled,
                                        g_steal_pointer (&task));
}

void
_pi_keyring_device_login_async (PiKeyringInteraction     *interaction,
                                PiKeyringHttpRequest     *request,
                                PiKeyringDeviceCodeFlags  code_flags,
                                const char               *token_url,
                                const char               *client_id,
                                PiKeyringDevicePollFlags  poll_flags,
                                GCancellable             *cancellable,
                                GAsyncReadyCallback       callback,
                                gpointer                  user_data)
{
  g_autoptr(GTask) task = NULL;
  DeviceLogin *login;

  g_return_if_fail (PI_KEYRING_IS_INTERACTION (interaction));
  g_return_if_fail (request != NULL);
  g_return_if_fail (token_url != NULL && client_id != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, _pi_keyring_device_login_async);

  login = g_new0 (DeviceLogin, 1);
  login->interaction = g_object_ref (interaction);
  login->client = _pi_keyring_http_client_new ();
  login->token_url = g_strdup (token_url);
  login->client_id = g_strdup (client_id);
  login->poll_flags = poll_flags;
  g_task_set_task_data (task, login, device_login_free);

  _pi_keyring_device_code_send_async (login->client, request, code_flags, cancellable,
                                      on_device_code, g_steal_pointer (&task));
}

PiKeyringTokenResponse *
_pi_keyring_device_login_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == _pi_keyring_device_login_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
