/* cli-bridge-interaction.c: how a login of `pi-keyring bridge` reaches the
 * client
 *
 * The login's show_auth and progress become `auth` and `progress` events
 * of its request; a question (ask_code) becomes a `prompt` event with a
 * number, open until an `answer` request gives it text, the login stops
 * asking (its cancellable), the login answers or stdin ends; a prompt
 * closed without an answer is said with `prompt_done`. Nothing is asked on
 * the terminal.
 *
 * It knows the channel it writes to and nothing of the command's requests:
 * the command detaches an interaction once its login has answered.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "cli-bridge-interaction.h"

struct _CliBridgePrompts
{
  CliBridgeChannel *channel;
  GHashTable       *prompts;   /* &prompt->number → Prompt */
  gint64            next_prompt;
};

/* A question of a login to the user, answered by an `answer` request. */
typedef struct
{
  CliBridgePrompts *prompts;
  gint64            number;
  gint64            login_id;
  GTask            *task;      /* of ask_code_async */
  GSource          *cancel_source;
} Prompt;

struct _CliBridgeInteraction
{
  PiKeyringInteraction  parent_instance;

  CliBridgePrompts     *prompts;
  gint64                login_id;
  gboolean              detached;   /* the login answered */
};

G_DEFINE_FINAL_TYPE (CliBridgeInteraction, cli_bridge_interaction, PI_KEYRING_TYPE_INTERACTION)

/* --- prompts --- */

static void
prompt_free (Prompt *prompt)
{
  if (prompt->cancel_source != NULL)
    {
      g_source_destroy (prompt->cancel_source);
      g_source_unref (prompt->cancel_source);
    }
  g_clear_object (&prompt->task);
  g_free (prompt);
}

/* Ends @prompt without an answer: `prompt_done`, and the login's question
 * is cancelled. */
static void
prompt_withdraw (Prompt *prompt)
{
  CliBridgePrompts *prompts = prompt->prompts;
  GTask *task = g_steal_pointer (&prompt->task);
  GString *line;

  line = cli_bridge_line_new_event (prompt->login_id, "prompt_done");
  cli_bridge_line_add_int (line, "prompt", prompt->number);
  cli_bridge_channel_send (prompts->channel, line);

  g_hash_table_remove (prompts->prompts, &prompt->number);
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           _("Login cancelled."));
  g_object_unref (task);
}

static gboolean
on_prompt_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  Prompt *prompt = user_data;

  g_clear_pointer (&prompt->cancel_source, g_source_unref);
  prompt_withdraw (prompt);

  return G_SOURCE_REMOVE;
}

/* Opens a prompt of the login @login_id for @task (taken) and says it. */
static void
prompts_open (CliBridgePrompts *self,
              gint64            login_id,
              const char       *message,
              const char       *placeholder,
              GCancellable     *cancellable,
              GTask            *task)
{
  Prompt *prompt;
  GString *line;

  prompt = g_new0 (Prompt, 1);
  prompt->prompts = self;
  prompt->number = ++self->next_prompt;
  prompt->login_id = login_id;
  prompt->task = task;
  if (cancellable != NULL)
    {
      prompt->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (prompt->cancel_source, G_SOURCE_FUNC (on_prompt_cancelled),
                             prompt, NULL);
      g_source_attach (prompt->cancel_source, NULL);
    }
  g_hash_table_insert (self->prompts, &prompt->number, prompt);

  line = cli_bridge_line_new_event (login_id, "prompt");
  cli_bridge_line_add_int (line, "prompt", prompt->number);
  cli_bridge_line_add_string (line, "message", message);
  cli_bridge_line_add_string (line, "placeholder", placeholder);
  cli_bridge_channel_send (self->channel, line);
}

CliBridgePrompts *
cli_bridge_prompts_new (CliBridgeChannel *channel)
{
  CliBridgePrompts *self = g_new0 (CliBridgePrompts, 1);

  self->channel = channel;
  self->prompts = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                         (GDestroyNotify) prompt_free);
  return self;
}

void
cli_bridge_prompts_free (CliBridgePrompts *self)
{
  g_hash_table_unref (self->prompts);
  g_free (self);
}

void
cli_bridge_prompts_withdraw (CliBridgePrompts *self,
                             gint64            login_id)
{
  g_autoptr(GList) prompts = g_hash_table_get_values (self->prompts);

  for (GList *l = prompts; l != NULL; l = l->next)
    {
      Prompt *prompt = l->data;

      if (login_id == 0 || prompt->login_id == login_id)
        {
          if (prompt->cancel_source != NULL)
            {
              g_source_destroy (prompt->cancel_source);
              g_clear_pointer (&prompt->cancel_source, g_source_unref);
            }
          prompt_withdraw (prompt);
        }
    }
}

gboolean
cli_bridge_prompts_is_open (CliBridgePrompts *self,
                            gint64            number)
{
  return g_hash_table_contains (self->prompts, &number);
}

void
cli_bridge_prompts_answer (CliBridgePrompts *self,
                           gint64            number,
                           char             *text)
{
  Prompt *prompt = g_hash_table_lookup (self->prompts, &number);
  GTask *task;

  g_return_if_fail (prompt != NULL);

  task = g_steal_pointer (&prompt->task);
  g_hash_table_remove (self->prompts, &number);
  g_task_return_pointer (task, text, (GDestroyNotify) cli_secret_free);
  g_object_unref (task);
}

/* --- the interaction --- */

static void
cli_bridge_interaction_show_auth (PiKeyringInteraction *interaction,
                                  const char           *url,
                                  const char           *instructions)
{
  CliBridgeInteraction *self = CLI_BRIDGE_INTERACTION (interaction);
  GString *line;

  if (self->detached)
    return;

  line = cli_bridge_line_new_event (self->login_id, "auth");
  cli_bridge_line_add_string (line, "url", url);
  cli_bridge_line_add_string (line, "instructions",
                              instructions != NULL && *instructions != '\0' ? instructions : NULL);
  cli_bridge_channel_send (self->prompts->channel, line);
}

static void
cli_bridge_interaction_progress (PiKeyringInteraction *interaction,
                                 const char           *message)
{
  CliBridgeInteraction *self = CLI_BRIDGE_INTERACTION (interaction);
  GString *line;

  if (self->detached)
    return;

  line = cli_bridge_line_new_event (self->login_id, "progress");
  cli_bridge_line_add_string (line, "message", message);
  cli_bridge_channel_send (self->prompts->channel, line);
}

static void
cli_bridge_interaction_ask_code_async (PiKeyringInteraction *interaction,
                                       const char           *message,
                                       const char           *placeholder,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data)
{
  CliBridgeInteraction *self = CLI_BRIDGE_INTERACTION (interaction);
  g_autoptr(GTask) task = NULL;

  task = g_task_new (interaction, cancellable, callback, user_data);
  g_task_set_source_tag (task, cli_bridge_interaction_ask_code_async);

  if (self->detached || cli_bridge_channel_is_closed (self->prompts->channel))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Nothing more can be read from standard input."));
      return;
    }

  prompts_open (self->prompts, self->login_id, message, placeholder, cancellable,
                g_steal_pointer (&task));
}

static char *
cli_bridge_interaction_ask_code_finish (PiKeyringInteraction  *interaction,
                                        GAsyncResult          *result,
                                        GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, interaction), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
cli_bridge_interaction_class_init (CliBridgeInteractionClass *klass)
{
  PiKeyringInteractionClass *interaction_class = PI_KEYRING_INTERACTION_CLASS (klass);

  interaction_class->show_auth = cli_bridge_interaction_show_auth;
  interaction_class->progress = cli_bridge_interaction_progress;
  interaction_class->ask_code_async = cli_bridge_interaction_ask_code_async;
  interaction_class->ask_code_finish = cli_bridge_interaction_ask_code_finish;
}

static void
cli_bridge_interaction_init (CliBridgeInteraction *self)
{
}

PiKeyringInteraction *
cli_bridge_interaction_new (CliBridgePrompts *prompts,
                            gint64            login_id,
                            gboolean          open_browser)
{
  CliBridgeInteraction *self = g_object_new (CLI_TYPE_BRIDGE_INTERACTION,
                                             "open-browser", open_browser,
                                             NULL);

  self->prompts = prompts;
  self->login_id = login_id;
  return PI_KEYRING_INTERACTION (self);
}

void
cli_bridge_interaction_detach (CliBridgeInteraction *self)
{
  self->detached = TRUE;
}
