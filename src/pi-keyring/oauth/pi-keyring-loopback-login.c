/* pi-keyring-loopback-login.c: the authorization-code login of the
 * loopback providers (anthropic, openai-codex, google-gemini-cli,
 * google-antigravity)
 *
 * One driver for the four (reference §6, DESIGN §5):
 *
 *   1. PKCE, and a fresh random state independent of the verifier
 *      (codex: 32 hex characters, as pi; the others: 43 base64url
 *      characters, so that the verifier never leaves the process);
 *   2. the authorize URL with the provider's parameters in pi's order,
 *      form-encoded, then PI_KEYRING_URL_REWRITE;
 *   3. the loopback server on the provider's fixed port. A port that
 *      cannot be bound is not fatal for any provider (pi gives up for
 *      anthropic and Google, DESIGN §7.1 does not): the user is told, by
 *      a progress message naming the port, to paste instead;
 *   4. show_auth (URL, pi's instructions), and the browser when the
 *      interaction's open-browser is set;
 *   5. the race: the browser's callback against the pasted input
 *      (ask_code_async). The first code wins. A paste is parsed with the
 *      provider's parser and state rule and then handed to the server, so
 *      both ways end in the server's wait; when the callback wins, the
 *      question is cancelled. G_IO_ERROR_NOT_SUPPORTED from ask_code
 *      means "nothing can be pasted": the callback alone is awaited;
 *   6. the port is freed, and the provider's exchange runs (token request,
 *      for Google also the user info and the project discovery).
 *
 * The whole login has a time limit (5 minutes unless the "timeout-ms"
 * option says otherwise) and can be cancelled; every way out closes the
 * server. The loser of the race may still complete after the login has
 * returned: it then only drops its reference.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "oauth/pi-keyring-oauth-private.h"

struct _PiKeyringLoopbackLogin
{
  grefcount                      ref_count;

  const PiKeyringLoopbackConfig *config;
  GObject                       *provider;   /* the provider: the tasks' source */
  PiKeyringInteraction          *interaction;
  PiKeyringHttpClient           *http;

  PiKeyringPkce                 *pkce;
  char                          *state;         /* random, never the verifier; NULL: none */
  char                          *code;          /* a secret, once known */
  char                          *param_value;   /* config->callback_param's value, once known */
  char                          *callback_path; /* the config's, or with its random part */
  char                          *redirect_uri;  /* the config's, or built from the port */
  GHashTable                    *values;        /* "@name" → value for the authorize URL */

  GTask                         *task;          /* the login; NULL once it has returned */
  GCancellable                  *cancellable;   /* ours: cancelled when the login ends */
  GCancellable                  *ask_cancellable;
  GSource                       *timer;         /* the login's time limit */
  GSource                       *caller_cancelled;
  guint                          timeout_ms;

  PiKeyringCallbackServer       *server;        /* NULL when the port was busy */
  GError                        *listen_error;  /* why there is no server */
  gboolean                       exchanging;
};

PiKeyringLoopbackLogin *
_pi_keyring_loopback_login_ref (PiKeyringLoopbackLogin *login)
{
  g_return_val_if_fail (login != NULL, NULL);

  g_ref_count_inc (&login->ref_count);
  return login;
}

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

void
_pi_keyring_loopback_login_unref (PiKeyringLoopbackLogin *login)
{
  if (login == NULL || !g_ref_count_dec (&login->ref_count))
    return;

  g_assert (login->task == NULL);
  destroy_source (&login->timer);
  destroy_source (&login->caller_cancelled);
  if (login->server != NULL)
    _pi_keyring_callback_server_close (login->server);
  g_clear_object (&login->server);
  g_clear_error (&login->listen_error);
  g_clear_object (&login->cancellable);
  g_clear_object (&login->ask_cancellable);
  g_clear_pointer (&login->pkce, _pi_keyring_pkce_free);
  _pi_keyring_secret_free (login->state);
  _pi_keyring_secret_free (login->code);
  g_free (login->param_value);
  g_free (login->callback_path);
  g_free (login->redirect_uri);
  g_clear_pointer (&login->values, g_hash_table_unref);
  g_clear_object (&login->http);
  g_clear_object (&login->interaction);
  g_clear_object (&login->provider);
  g_free (login);
}

const char *
_pi_keyring_loopback_login_get_code (PiKeyringLoopbackLogin *login)
{
  return login->code;
}

const char *
_pi_keyring_loopback_login_get_verifier (PiKeyringLoopbackLogin *login)
{
  return login->pkce->verifier;
}

const char *
_pi_keyring_loopback_login_get_state (PiKeyringLoopbackLogin *login)
{
  return login->state;
}

const char *
_pi_keyring_loopback_login_get_redirect_uri (PiKeyringLoopbackLogin *login)
{
  return login->redirect_uri != NULL ? login->redirect_uri : login->config->redirect_uri;
}

const char *
_pi_keyring_loopback_login_get_param_value (PiKeyringLoopbackLogin *login)
{
  return login->param_value;
}

void
_pi_keyring_loopback_login_set_value (PiKeyringLoopbackLogin *login,
                                      const char             *placeholder,
                                      const char             *value)
{
  g_return_if_fail (placeholder != NULL && placeholder[0] == '@');
  g_return_if_fail (value != NULL);

  g_hash_table_replace (login->values, g_strdup (placeholder), g_strdup (value));
}

PiKeyringHttpClient *
_pi_keyring_loopback_login_get_http_client (PiKeyringLoopbackLogin *login)
{
  return login->http;
}

PiKeyringInteraction *
_pi_keyring_loopback_login_get_interaction (PiKeyringLoopbackLogin *login)
{
  return login->interaction;
}

void
_pi_keyring_loopback_login_exchange_code (PiKeyringLoopbackLogin *login,
                                          const char             *token_url,
                                          const char             *client_id,
                                          const char * const     *extra_fields,
                                          GTask                  *task,
                                          GAsyncReadyCallback     callback)
{
  g_autoptr(PiKeyringHttpRequest) request = NULL;
  GCancellable *cancellable = g_task_get_cancellable (task);

  g_return_if_fail (login != NULL && login->code != NULL);
  g_return_if_fail (token_url != NULL && client_id != NULL);

  request = _pi_keyring_http_request_new ("POST", token_url);
  _pi_keyring_http_request_add_form_field (request, "grant_type", "authorization_code");
  _pi_keyring_http_request_add_form_field (request, "client_id", client_id);
  _pi_keyring_http_request_add_form_field (request, "code", login->code);
  _pi_keyring_http_request_add_form_field (request, "code_verifier", login->pkce->verifier);
  _pi_keyring_http_request_add_form_field (request, "redirect_uri",
                                           _pi_keyring_loopback_login_get_redirect_uri (login));
  for (guint i = 0; extra_fields != NULL && extra_fields[i] != NULL && extra_fields[i + 1] != NULL;
       i += 2)
    _pi_keyring_http_request_add_form_field (request, extra_fields[i], extra_fields[i + 1]);

  _pi_keyring_http_client_request_token_async (login->http, request, cancellable, callback, task);
}

void
_pi_keyring_loopback_login_progress (PiKeyringLoopbackLogin *login,
                                     const char             *message)
{
  pi_keyring_interaction_progress (login->interaction, message);
}

gboolean
_pi_keyring_token_expires (const PiKeyringTokenResponse *token,
                           gint64                        now_ms,
                           gint64                        buffer_ms,
                           gint64                       *out_expires,
                           GError                      **error)
{
  g_return_val_if_fail (token != NULL, FALSE);
  g_return_val_if_fail (out_expires != NULL, FALSE);

  if (token->expires_in_ms < 0)
    {
      g_set_error_literal (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                           _("The token answer did not say when the token expires."));
      return FALSE;
    }

  *out_expires = now_ms + token->expires_in_ms - buffer_ms;
  return TRUE;
}

/* --- the authorize URL --- */

/* @values (nullable): "@name" → value, for the placeholders beyond the
 * challenge and the state. */
static char *
build_authorize_url (const PiKeyringLoopbackConfig *config,
                     const char                    *challenge,
                     const char                    *state,
                     GHashTable                    *values)
{
  GString *url;

  url = g_string_new (config->authorize_url);
  for (guint i = 0; config->authorize_params[i] != NULL; i += 2)
    {
      const char *name = config->authorize_params[i];
      const char *value = config->authorize_params[i + 1];

      if (g_str_equal (value, PI_KEYRING_LOOPBACK_CHALLENGE))
        value = challenge;
      else if (g_str_equal (value, PI_KEYRING_LOOPBACK_STATE))
        value = state;
      else if (value[0] == '@' && values != NULL && g_hash_table_contains (values, value))
        value = g_hash_table_lookup (values, value);
      g_assert (value != NULL);

      g_string_append_c (url, i == 0 ? '?' : '&');
      _pi_keyring_form_encode_append (url, name);
      g_string_append_c (url, '=');
      _pi_keyring_form_encode_append (url, value);
    }

  return g_string_free (url, FALSE);
}

char *
_pi_keyring_loopback_build_authorize_url (const PiKeyringLoopbackConfig *config,
                                          const char                    *challenge,
                                          const char                    *state)
{
  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (challenge != NULL, NULL);
  g_return_val_if_fail (state != NULL, NULL);

  return build_authorize_url (config, challenge, state, NULL);
}

/* --- the end --- */

/* Returns the login's result once; later calls only drop what they carry. */
static void
finish_login (PiKeyringLoopbackLogin *login,
              PiKeyringCredential    *credential,
              GError                 *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&login->task);

  if (task == NULL)
    {
      g_clear_object (&credential);
      g_clear_error (&error);
      return;
    }

  destroy_source (&login->timer);
  destroy_source (&login->caller_cancelled);
  /* Stops the loser of the race and anything still running, and frees the port. */
  g_cancellable_cancel (login->ask_cancellable);
  g_cancellable_cancel (login->cancellable);
  if (login->server != NULL)
    _pi_keyring_callback_server_close (login->server);

  if (error != NULL)
    {
      g_debug ("Login with %s failed: %s",
               G_OBJECT_TYPE_NAME (login->provider), error->message);
      g_task_return_error (task, error);
    }
  else
    g_task_return_pointer (task, credential, g_object_unref);
}

static gboolean
on_login_timeout (gpointer user_data)
{
  PiKeyringLoopbackLogin *login = user_data;
  g_autofree char *limit = _pi_keyring_format_approximate_duration (login->timeout_ms);

  g_clear_pointer (&login->timer, g_source_unref);
  finish_login (login, NULL,
                g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                             _("The login did not finish within %s. Run the login again."),
                             limit));

  return G_SOURCE_REMOVE;
}

static gboolean
on_caller_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  PiKeyringLoopbackLogin *login = user_data;

  g_clear_pointer (&login->caller_cancelled, g_source_unref);
  finish_login (login, NULL,
                g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Login cancelled.")));

  return G_SOURCE_REMOVE;
}

/* --- the exchange --- */

static void
on_exchanged (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(PiKeyringLoopbackLogin) login = user_data;
  GError *error = NULL;
  PiKeyringCredential *credential;

  credential = g_task_propagate_pointer (G_TASK (result), &error);
  finish_login (login, credential, error);
}

static void
start_exchange (PiKeyringLoopbackLogin *login,
                char                   *code,
                const char             *param_value)
{
  GTask *exchange;

  g_assert (!login->exchanging);
  login->exchanging = TRUE;
  login->code = code;
  login->param_value = g_strdup (param_value);

  /* The code is ours: stop asking, free the port. */
  g_cancellable_cancel (login->ask_cancellable);
  if (login->server != NULL)
    _pi_keyring_callback_server_close (login->server);

  exchange = g_task_new (login->provider, login->cancellable, on_exchanged,
                         _pi_keyring_loopback_login_ref (login));
  g_task_set_source_tag (exchange, start_exchange);
  login->config->exchange (login, exchange);
}

/* --- the race --- */

static void
on_callback_waited (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(PiKeyringLoopbackLogin) login = user_data;
  g_autoptr(GError) error = NULL;
  char *code;

  code = _pi_keyring_callback_server_wait_finish (PI_KEYRING_CALLBACK_SERVER (source), result,
                                                  &error);
  if (login->task == NULL || login->exchanging)
    {
      _pi_keyring_secret_free (code);
      return;
    }

  if (code == NULL)
    {
      finish_login (login, NULL, g_steal_pointer (&error));
      return;
    }

  start_exchange (login, code, _pi_keyring_callback_server_get_param_value (login->server));
}

static void
on_code_asked (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(PiKeyringLoopbackLogin) login = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PiKeyringSecretString) text = NULL;
  g_autofree char *param_value = NULL;
  char *code;

  text = pi_keyring_interaction_ask_code_finish (PI_KEYRING_INTERACTION (source), result, &error);
  if (login->task == NULL || login->exchanging)
    return;

  if (text == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
        {
          if (login->server != NULL)
            return;  /* nothing can be pasted: the callback alone decides */

          finish_login (login, NULL, g_error_copy (login->listen_error));
          return;
        }

      if (error == NULL)
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Login cancelled."));
      finish_login (login, NULL, g_steal_pointer (&error));
      return;
    }

  if (login->config->callback_param != NULL)
    code = _pi_keyring_paste_accept_redirect (text, _pi_keyring_loopback_login_get_redirect_uri (login),
                                              login->state, login->config->callback_param,
                                              &param_value, &error);
  else
    code = _pi_keyring_paste_accept (text, login->config->paste_mode, login->state,
                                     _(login->config->state_mismatch), &error);
  if (code == NULL)
    {
      finish_login (login, NULL, g_steal_pointer (&error));
      return;
    }

  if (login->server == NULL)
    {
      start_exchange (login, code, param_value);
      return;
    }

  /* The server's wait returns the pasted code, unless a callback came
   * first (its code then wins). */
  if (!_pi_keyring_callback_server_submit_code_with_param (login->server, code, param_value))
    g_debug ("Login: a code was pasted after the browser's callback; the callback wins");
  _pi_keyring_secret_free (code);
}

/* --- the start --- */

static guint
option_timeout_ms (GVariant *options)
{
  guint32 timeout_ms = 0;

  if (options != NULL && g_variant_lookup (options, "timeout-ms", "u", &timeout_ms) &&
      timeout_ms > 0)
    return timeout_ms;

  return PI_KEYRING_LOGIN_DEFAULT_TIMEOUT_MS;
}

static void
start_server (PiKeyringLoopbackLogin *login)
{
  const PiKeyringLoopbackConfig *config = login->config;

  login->server = _pi_keyring_callback_server_new (config->port, login->callback_path,
                                                   login->state, &login->listen_error);
  if (login->server != NULL)
    {
      _pi_keyring_callback_server_set_timeout_ms (login->server, login->timeout_ms);
      if (config->callback_param != NULL)
        _pi_keyring_callback_server_set_required_param (login->server, config->callback_param);
      if (config->redirect_uri == NULL)
        login->redirect_uri = g_strdup_printf ("http://127.0.0.1:%u%s",
                                               _pi_keyring_callback_server_get_port (login->server),
                                               login->callback_path);
    }
  else
    g_debug ("Login: no loopback server on port %u: %s", config->port,
             login->listen_error->message);
}

/* The port could not be bound: say so, and how to go on. */
static void
tell_paste_instead (PiKeyringLoopbackLogin *login)
{
  const PiKeyringLoopbackConfig *config = login->config;
  g_autofree char *message = NULL;

  if (config->paste_mode == PI_KEYRING_PASTE_STRICT || config->callback_param != NULL)
    message = g_strdup_printf (_("%s After signing in, paste the full URL the browser was "
                                 "redirected to (it starts with %s)."),
                               login->listen_error->message,
                               _pi_keyring_loopback_login_get_redirect_uri (login));
  else
    message = g_strdup_printf (_("%s After signing in, paste the authorization code or the "
                                 "full URL the browser was redirected to (it starts with %s)."),
                               login->listen_error->message,
                               _pi_keyring_loopback_login_get_redirect_uri (login));
  pi_keyring_interaction_progress (login->interaction, message);
}

PiKeyringLoopbackLogin *
_pi_keyring_loopback_login_start (GObject                       *provider,
                                  const PiKeyringLoopbackConfig *config,
                                  PiKeyringInteraction          *interaction,
                                  GVariant                      *options,
                                  GCancellable                  *cancellable,
                                  GAsyncReadyCallback            callback,
                                  gpointer                       user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *shown_url = NULL;
  g_autoptr(PiKeyringLoopbackLogin) hold = NULL;
  PiKeyringLoopbackLogin *login;
  GMainContext *context;

  g_return_val_if_fail (G_IS_OBJECT (provider), NULL);
  g_return_val_if_fail (config != NULL && config->exchange != NULL, NULL);
  g_return_val_if_fail (PI_KEYRING_IS_INTERACTION (interaction), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  task = g_task_new (provider, cancellable, callback, user_data);
  g_task_set_source_tag (task, _pi_keyring_loopback_login_async);

  if (g_task_return_error_if_cancelled (task))
    return NULL;

  login = g_new0 (PiKeyringLoopbackLogin, 1);
  g_ref_count_init (&login->ref_count);
  login->config = config;
  login->provider = g_object_ref (provider);
  login->interaction = g_object_ref (interaction);
  login->http = _pi_keyring_http_client_new ();
  login->cancellable = g_cancellable_new ();
  login->ask_cancellable = g_cancellable_new ();
  login->timeout_ms = option_timeout_ms (options);
  login->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) _pi_keyring_secret_free);
  login->task = g_steal_pointer (&task);
  /* The task's data holds the login until the task is gone; the login
   * holds the task until it has returned. */
  g_task_set_task_data (login->task, login, (GDestroyNotify) _pi_keyring_loopback_login_unref);
  /* Ours until we return, whatever the host's callbacks do meanwhile. */
  hold = _pi_keyring_loopback_login_ref (login);

  login->pkce = _pi_keyring_pkce_new (&error);
  if (login->pkce == NULL)
    {
      finish_login (login, NULL, g_steal_pointer (&error));
      return g_steal_pointer (&hold);
    }
  if (config->state_format != PI_KEYRING_STATE_NONE)
    {
      login->state = _pi_keyring_oauth_new_state (config->state_format, &error);
      if (login->state == NULL)
        {
          finish_login (login, NULL, g_steal_pointer (&error));
          return g_steal_pointer (&hold);
        }
    }
  if (config->random_path)
    {
      g_autofree char *uuid = g_uuid_string_random ();

      login->callback_path = g_strconcat (config->callback_path, uuid, NULL);
    }
  else
    login->callback_path = g_strdup (config->callback_path);
  if (config->prepare != NULL && !config->prepare (login, &error))
    {
      finish_login (login, NULL, g_steal_pointer (&error));
      return g_steal_pointer (&hold);
    }

  context = g_task_get_context (login->task);
  login->timer = g_timeout_source_new (login->timeout_ms);
  g_source_set_name (login->timer, "[pi-keyring] login time-out");
  g_source_set_callback (login->timer, on_login_timeout, _pi_keyring_loopback_login_ref (login),
                         (GDestroyNotify) _pi_keyring_loopback_login_unref);
  g_source_attach (login->timer, context);
  if (cancellable != NULL)
    {
      login->caller_cancelled = g_cancellable_source_new (cancellable);
      g_source_set_callback (login->caller_cancelled, G_SOURCE_FUNC (on_caller_cancelled),
                             _pi_keyring_loopback_login_ref (login),
                             (GDestroyNotify) _pi_keyring_loopback_login_unref);
      g_source_attach (login->caller_cancelled, context);
    }

  if (config->google_progress)
    pi_keyring_interaction_progress (interaction, _("Starting local server for OAuth callback..."));
  start_server (login);
  if (_pi_keyring_loopback_login_get_redirect_uri (login) == NULL)
    {
      /* An ephemeral port that could not be had: there is nowhere to return to. */
      finish_login (login, NULL, g_steal_pointer (&login->listen_error));
      return g_steal_pointer (&hold);
    }
  _pi_keyring_loopback_login_set_value (login, PI_KEYRING_LOOPBACK_REDIRECT_URI,
                                        _pi_keyring_loopback_login_get_redirect_uri (login));
  if (config->tell_listening)
    {
      g_autofree char *message = g_strdup_printf (_("Listening for the OAuth callback on %s"),
                                                  _pi_keyring_loopback_login_get_redirect_uri (login));

      pi_keyring_interaction_progress (interaction, message);
      if (login->task == NULL)
        return g_steal_pointer (&hold);
    }

  url = build_authorize_url (config, login->pkce->challenge,
                             login->state != NULL ? login->state : "", login->values);
  shown_url = _pi_keyring_url_rewrite (url);

  pi_keyring_interaction_show_auth (interaction, shown_url, _(config->instructions));
  if (pi_keyring_interaction_get_open_browser (interaction))
    _pi_keyring_open_browser (shown_url);
  if (login->server == NULL)
    tell_paste_instead (login);

  if (config->google_progress)
    pi_keyring_interaction_progress (interaction, _("Waiting for OAuth callback..."));

  /* show_auth or progress may have ended the login (a host that cancels). */
  if (login->task == NULL)
    return g_steal_pointer (&hold);

  if (login->server != NULL)
    _pi_keyring_callback_server_wait_async (login->server, login->cancellable, on_callback_waited,
                                            _pi_keyring_loopback_login_ref (login));

  pi_keyring_interaction_ask_code_async (interaction, _(config->paste_message),
                                         config->paste_placeholder, login->ask_cancellable,
                                         on_code_asked, _pi_keyring_loopback_login_ref (login));

  return g_steal_pointer (&hold);
}

void
_pi_keyring_loopback_login_async (GObject                       *provider,
                                  const PiKeyringLoopbackConfig *config,
                                  PiKeyringInteraction          *interaction,
                                  GVariant                      *options,
                                  GCancellable                  *cancellable,
                                  GAsyncReadyCallback            callback,
                                  gpointer                       user_data)
{
  g_autoptr(PiKeyringLoopbackLogin) login = NULL;

  login = _pi_keyring_loopback_login_start (provider, config, interaction, options,
                                            cancellable, callback, user_data);
}

PiKeyringCredential *
_pi_keyring_loopback_login_finish (GObject            *provider,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, provider), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        _pi_keyring_loopback_login_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * _pi_keyring_token_entry_new:
 * @token: the token answer
 * @refresh: the refresh token to store (the answer's, or the old one)
 * @buffer_ms: subtracted from the expiry (pi: 5 minutes; none for codex)
 * @access_first: put `access` before `refresh`, as pi's codex entry has it
 * @error: return location for an error
 *
 * The shared part of the providers' token-answer-to-entry code: the
 * members pi writes, in pi's order, so that auth.json stays byte-identical.
 * A provider appends its own members (accountId, projectId, email) after.
 *
 * Returns: (transfer full) (nullable): the entry, or %NULL with @error set
 */
JsonObject *
_pi_keyring_token_entry_new (const PiKeyringTokenResponse *token,
                             const char                   *refresh,
                             gint64                        buffer_ms,
                             gboolean                      access_first,
                             GError                      **error)
{
  JsonObject *entry;
  gint64 expires;

  g_return_val_if_fail (token != NULL, NULL);
  g_return_val_if_fail (refresh != NULL, NULL);

  if (!_pi_keyring_token_expires (token, _pi_keyring_now_ms (), buffer_ms, &expires, error))
    return NULL;

  entry = json_object_new ();
  json_object_set_string_member (entry, "type", "oauth");
  if (access_first)
    {
      json_object_set_string_member (entry, "access", token->access_token);
      json_object_set_string_member (entry, "refresh", refresh);
    }
  else
    {
      json_object_set_string_member (entry, "refresh", refresh);
      json_object_set_string_member (entry, "access", token->access_token);
    }
  json_object_set_int_member (entry, "expires", expires);
  return entry;
}
