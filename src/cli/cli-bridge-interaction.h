/* cli-bridge-interaction.h: how a login of `pi-keyring bridge` reaches the
 * client: its events, and its questions as prompts
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "cli-bridge-channel.h"

G_BEGIN_DECLS

/* The open prompts of a bridge's logins, numbered across the bridge. */
typedef struct _CliBridgePrompts CliBridgePrompts;

CliBridgePrompts     *cli_bridge_prompts_new        (CliBridgeChannel     *channel);
void                  cli_bridge_prompts_free       (CliBridgePrompts     *self);
/* Withdraws the prompts of the login @login_id (every prompt when 0):
 * `prompt_done` for each, and the login's question is cancelled. */
void                  cli_bridge_prompts_withdraw   (CliBridgePrompts     *self,
                                                     gint64                login_id);
/* Whether the prompt @number is open. */
gboolean              cli_bridge_prompts_is_open    (CliBridgePrompts     *self,
                                                     gint64                number);
/* Gives the open prompt @number the answer @text (taken, wiped when freed),
 * which closes it. */
void                  cli_bridge_prompts_answer     (CliBridgePrompts     *self,
                                                     gint64                number,
                                                     char                 *text);

#define CLI_TYPE_BRIDGE_INTERACTION (cli_bridge_interaction_get_type ())
G_DECLARE_FINAL_TYPE (CliBridgeInteraction, cli_bridge_interaction, CLI, BRIDGE_INTERACTION,
                      PiKeyringInteraction)

/* The interaction of the login request @login_id: its show_auth and
 * progress become events of @login_id, its questions prompts of @prompts
 * (which must outlive it). */
PiKeyringInteraction *cli_bridge_interaction_new    (CliBridgePrompts     *prompts,
                                                     gint64                login_id,
                                                     gboolean              open_browser);
/* The login request has answered: nothing more is sent for it, and it
 * asks nothing. */
void                  cli_bridge_interaction_detach (CliBridgeInteraction *self);

G_END_DECLS
