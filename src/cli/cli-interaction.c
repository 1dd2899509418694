/* cli-interaction.c: how a login reaches the person at the terminal
 *
 * Everything goes to stderr (stdout is for secrets only, and for --json):
 * the authorization URL (always, whether a browser opens or not), the
 * provider's instructions and progress, and the prompt for a pasted code
 * or redirect URL, which is read from stdin one line at a time without
 * blocking the main loop, so that the browser's callback can win the race.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>

#include "cli-util.h"

struct _CliInteraction
{
  PiKeyringInteraction  parent_instance;

  GDataInputStream     *stdin_lines;  /* made on the first prompt */
  gboolean              prompt_open;  /* a prompt without its newline is on stderr */
  gboolean              stdin_closed;
};

G_DEFINE_FINAL_TYPE (CliInteraction, cli_interaction, PI_KEYRING_TYPE_INTERACTION)

/* A complete line on stderr, after the pending prompt's line if there is one. */
static void
print_line (CliInteraction *self,
            const char     *text)
{
  if (self->prompt_open)
    {
      g_printerr ("\n");
      self->prompt_open = FALSE;
    }
  g_printerr ("%s\n", text);
}

static void
cli_interaction_show_auth (PiKeyringInteraction *interaction,
                           const char           *url,
                           const char           *instructions)
{
  CliInteraction *self = CLI_INTERACTION (interaction);
  g_autofree char *line = NULL;

  if (pi_keyring_interaction_get_open_browser (interaction))
    print_line (self, _("Opening your browser. If it does not open, visit this URL to log in:"));
  else
    print_line (self, _("Visit this URL in a browser to log in:"));

  line = g_strdup_printf ("\n  %s\n", url);
  print_line (self, line);

  if (instructions != NULL && *instructions != '\0')
    print_line (self, instructions);
}

static void
cli_interaction_progress (PiKeyringInteraction *interaction,
                          const char           *message)
{
  print_line (CLI_INTERACTION (interaction), message);
}

static void read_next_line (GTask *task);

static void
on_line_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CliInteraction *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  char *line;
  gsize length = 0;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                    &length, &error);
  if (line == NULL)
    {
      if (error != NULL)
        {
          /* Cancelled: the browser's callback won, or the login stopped. */
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      /* End of input (nothing, or /dev/null): the callback alone decides.
       * The prompt's line ends with the next message. */
      self->stdin_closed = TRUE;
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Nothing more can be read from standard input."));
      return;
    }

  /* On a terminal the user's Enter ended the prompt's line; piped input
   * is not echoed, so the next message ends it. */
  if (isatty (STDIN_FILENO))
    self->prompt_open = FALSE;
  g_strstrip (line);
  if (*line == '\0')
    {
      /* An empty line (Enter pressed by mistake): keep waiting. */
      g_free (line);
      read_next_line (g_steal_pointer (&task));
      return;
    }

  g_task_return_pointer (task, line, (GDestroyNotify) cli_secret_free);
}

static void
read_next_line (GTask *task)
{
  CliInteraction *self = g_task_get_source_object (task);

  g_data_input_stream_read_line_async (self->stdin_lines, G_PRIORITY_DEFAULT,
                                       g_task_get_cancellable (task),
                                       on_line_read, task);
}

static void
cli_interaction_ask_code_async (PiKeyringInteraction *interaction,
                                const char           *message,
                                const char           *placeholder,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data)
{
  CliInteraction *self = CLI_INTERACTION (interaction);
  g_autoptr(GTask) task = NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cli_interaction_ask_code_async);

  if (self->stdin_closed)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Nothing more can be read from standard input."));
      return;
    }

  if (self->stdin_lines == NULL)
    {
      g_autoptr(GInputStream) input = g_unix_input_stream_new (STDIN_FILENO, FALSE);

      self->stdin_lines = g_data_input_stream_new (input);
      g_data_input_stream_set_newline_type (self->stdin_lines, G_DATA_STREAM_NEWLINE_TYPE_ANY);
    }

  if (self->prompt_open)
    g_printerr ("\n");
  g_printerr ("%s ", message);
  self->prompt_open = TRUE;

  read_next_line (g_steal_pointer (&task));
}

static char *
cli_interaction_ask_code_finish (PiKeyringInteraction  *interaction,
                                 GAsyncResult          *result,
                                 GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, interaction), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
cli_interaction_dispose (GObject *object)
{
  CliInteraction *self = CLI_INTERACTION (object);

  g_clear_object (&self->stdin_lines);

  G_OBJECT_CLASS (cli_interaction_parent_class)->dispose (object);
}

static void
cli_interaction_class_init (CliInteractionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  PiKeyringInteractionClass *interaction_class = PI_KEYRING_INTERACTION_CLASS (klass);

  object_class->dispose = cli_interaction_dispose;

  interaction_class->show_auth = cli_interaction_show_auth;
  interaction_class->progress = cli_interaction_progress;
  interaction_class->ask_code_async = cli_interaction_ask_code_async;
  interaction_class->ask_code_finish = cli_interaction_ask_code_finish;
}

static void
cli_interaction_init (CliInteraction *self)
{
}

PiKeyringInteraction *
cli_interaction_new (gboolean open_browser)
{
  return g_object_new (CLI_TYPE_INTERACTION, "open-browser", open_browser, NULL);
}

/* Ends the line of a prompt left open (the callback won the race). */
void
cli_interaction_finish_output (PiKeyringInteraction *interaction)
{
  CliInteraction *self = CLI_INTERACTION (interaction);

  if (self->prompt_open)
    {
      g_printerr ("\n");
      self->prompt_open = FALSE;
    }
}
