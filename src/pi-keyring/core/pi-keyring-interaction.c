/* pi-keyring-interaction.c: how a login reaches the user
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "core/pi-keyring-core-private.h"

/**
 * PiKeyringInteraction:
 *
 * What a login needs from the person at the keyboard: to be shown a URL
 * with instructions, to be asked for a pasted code or redirect URL, and to
 * be told what is going on.
 *
 * The command and Python programs subclass it, in the manner of
 * `GTlsInteraction`. The base class shows nothing and asks nothing: a
 * login with it waits for the browser's callback alone. Whether the login
 * opens a browser is the [property@Interaction:open-browser] property.
 *
 * Since: 0.1
 */

typedef struct
{
  gboolean open_browser;
} PiKeyringInteractionPrivate;

enum {
  PROP_0,
  PROP_OPEN_BROWSER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_TYPE_WITH_PRIVATE (PiKeyringInteraction, pi_keyring_interaction, G_TYPE_OBJECT)

static void
default_show_auth (PiKeyringInteraction *self,
                   const char           *url,
                   const char           *instructions)
{
}

static void
default_progress (PiKeyringInteraction *self,
                  const char           *message)
{
}

static void
default_ask_code_async (PiKeyringInteraction *self,
                        const char           *message,
                        const char           *placeholder,
                        GCancellable         *cancellable,
                        GAsyncReadyCallback   callback,
                        gpointer              user_data)
{
  PiKeyringInteractionClass *klass = PI_KEYRING_INTERACTION_GET_CLASS (self);
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  char *code;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, default_ask_code_async);

  if (klass->ask_code == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Nothing can be pasted here."));
      return;
    }

  code = klass->ask_code (self, message, placeholder, cancellable, &error);
  if (code == NULL)
    g_task_return_error (task, error != NULL ? error :
                         g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Login cancelled")));
  else
    g_task_return_pointer (task, code, (GDestroyNotify) _pi_keyring_secret_free);
}

static char *
default_ask_code_finish (PiKeyringInteraction  *self,
                         GAsyncResult          *result,
                         GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
pi_keyring_interaction_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  PiKeyringInteraction *self = PI_KEYRING_INTERACTION (object);

  switch (prop_id)
    {
    case PROP_OPEN_BROWSER:
      g_value_set_boolean (value, pi_keyring_interaction_get_open_browser (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pi_keyring_interaction_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  PiKeyringInteraction *self = PI_KEYRING_INTERACTION (object);

  switch (prop_id)
    {
    case PROP_OPEN_BROWSER:
      pi_keyring_interaction_set_open_browser (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pi_keyring_interaction_class_init (PiKeyringInteractionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = pi_keyring_interaction_get_property;
  object_class->set_property = pi_keyring_interaction_set_property;

  klass->show_auth = default_show_auth;
  klass->progress = default_progress;
  klass->ask_code_async = default_ask_code_async;
  klass->ask_code_finish = default_ask_code_finish;

  /**
   * PiKeyringInteraction:open-browser:
   *
   * Whether a login opens the authorization URL in a browser (`$BROWSER`
   * when set, else the desktop's default). The URL is shown either way.
   *
   * Since: 0.1
   */
  properties[PROP_OPEN_BROWSER] =
    g_param_spec_boolean ("open-browser", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pi_keyring_interaction_init (PiKeyringInteraction *self)
{
  PiKeyringInteractionPrivate *priv = pi_keyring_interaction_get_instance_private (self);

  priv->open_browser = TRUE;
}

/**
 * pi_keyring_interaction_new:
 *
 * Creates an interaction that shows nothing and asks nothing.
 *
 * Returns: (transfer full): a new interaction
 *
 * Since: 0.1
 */
PiKeyringInteraction *
pi_keyring_interaction_new (void)
{
  return g_object_new (PI_KEYRING_TYPE_INTERACTION, NULL);
}

/**
 * pi_keyring_interaction_get_open_browser:
 * @self: an interaction
 *
 * Gets [property@Interaction:open-browser].
 *
 * Returns: whether a login opens a browser
 *
 * Since: 0.1
 */
gboolean
pi_keyring_interaction_get_open_browser (PiKeyringInteraction *self)
{
  PiKeyringInteractionPrivate *priv;

  g_return_val_if_fail (PI_KEYRING_IS_INTERACTION (self), FALSE);

  priv = pi_keyring_interaction_get_instance_private (self);
  return priv->open_browser;
}

/**
 * pi_keyring_interaction_set_open_browser:
 * @self: an interaction
 * @open_browser: whether a login opens a browser
 *
 * Sets [property@Interaction:open-browser].
 *
 * Since: 0.1
 */
void
pi_keyring_interaction_set_open_browser (PiKeyringInteraction *self,
                                         gboolean              open_browser)
{
  PiKeyringInteractionPrivate *priv;

  g_return_if_fail (PI_KEYRING_IS_INTERACTION (self));

  priv = pi_keyring_interaction_get_instance_private (self);
  open_browser = !!open_browser;
  if (priv->open_browser == open_browser)
    return;

  priv->open_browser = open_browser;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPEN_BROWSER]);
}

/**
 * pi_keyring_interaction_show_auth:
 * @self: an interaction
 * @url: the URL to open
 * @instructions: (nullable): what to do there, such as "Enter code: ABCD-1234"
 *
 * Shows the user where to authorize.
 *
 * Since: 0.1
 */
void
pi_keyring_interaction_show_auth (PiKeyringInteraction *self,
                                  const char           *url,
                                  const char           *instructions)
{
  g_return_if_fail (PI_KEYRING_IS_INTERACTION (self));
  g_return_if_fail (url != NULL);

  PI_KEYRING_INTERACTION_GET_CLASS (self)->show_auth (self, url, instructions);
}

/**
 * pi_keyring_interaction_ask_code_async:
 * @self: an interaction
 * @message: what to ask, such as "Paste the authorization code or full redirect URL:"
 * @placeholder: (nullable): an example of the expected input
 * @cancellable: (nullable): a cancellable; the login cancels it when the
 *   browser's callback wins the race
 * @callback: (scope async): called with the answer
 * @user_data: data for @callback
 *
 * Asks the user for a pasted code or redirect URL.
 *
 * Since: 0.1
 */
void
pi_keyring_interaction_ask_code_async (PiKeyringInteraction *self,
                                       const char           *message,
                                       const char           *placeholder,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data)
{
  g_return_if_fail (PI_KEYRING_IS_INTERACTION (self));
  g_return_if_fail (message != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  PI_KEYRING_INTERACTION_GET_CLASS (self)->ask_code_async (self, message, placeholder,
                                                           cancellable, callback, user_data);
}

/**
 * pi_keyring_interaction_ask_code_finish:
 * @self: an interaction
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Interaction.ask_code_async].
 *
 * Returns: (transfer full): what the user pasted, or %NULL with @error set
 *   (%G_IO_ERROR_NOT_SUPPORTED when the host cannot ask,
 *   %G_IO_ERROR_CANCELLED when the user gave up)
 *
 * Since: 0.1
 */
char *
pi_keyring_interaction_ask_code_finish (PiKeyringInteraction  *self,
                                        GAsyncResult          *result,
                                        GError               **error)
{
  g_return_val_if_fail (PI_KEYRING_IS_INTERACTION (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);

  return PI_KEYRING_INTERACTION_GET_CLASS (self)->ask_code_finish (self, result, error);
}

/**
 * pi_keyring_interaction_progress:
 * @self: an interaction
 * @message: what the login is doing, such as "Exchanging authorization code for tokens..."
 *
 * Tells the user how the login goes.
 *
 * Since: 0.1
 */
void
pi_keyring_interaction_progress (PiKeyringInteraction *self,
                                 const char           *message)
{
  g_return_if_fail (PI_KEYRING_IS_INTERACTION (self));
  g_return_if_fail (message != NULL);

  PI_KEYRING_INTERACTION_GET_CLASS (self)->progress (self, message);
}
