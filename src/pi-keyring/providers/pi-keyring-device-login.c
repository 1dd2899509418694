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
