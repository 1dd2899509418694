/* cmd-bridge.c: pi-keyring bridge, the pipe between pi's extension and pi-keyring
 *
 * The protocol is docs/pi-bridge.md: one JSON object per line on stdin;
 * one reply per request and the events of a login on stdout, each line
 * written at once (cli-bridge-channel.c reads and writes the lines and
 * keeps the requests; cli-bridge-interaction.c turns a login's questions
 * into prompts). Requests run concurrently, so that a login waiting for
 * the user or a lock waiting for its holder does not hold up a `read`.
 * Nothing is ever asked on the terminal; stderr carries only messages for
 * a person, never a secret. The end of stdin ends the bridge: locks are
 * released, running requests cancelled, and it exits 0 once every request
 * has answered.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>

#include "cli-bridge-channel.h"
#include "cli-bridge-interaction.h"

/* The protocol version this bridge speaks (docs/pi-bridge.md). */
#define PROTOCOL_VERSION 1

/* A lock not released by the client within this time is released. */
#define LOCK_HOLD_SECONDS 120

typedef CliBridgeRequest Request;
typedef struct _Bridge Bridge;

/* A lock handed to the client. */
typedef struct
{
  Bridge                  *bridge;
  gint64                   handle;
  PiKeyringCredentialLock *lock;
  GSource                 *timeout;
} HeldLock;

struct _Bridge
{
  PiKeyringBackend *backend;
  PiKeyringStore   *store;
  CliBridgeChannel *channel;
  CliBridgePrompts *prompts;

  GHashTable       *locks;     /* &lock->handle → HeldLock */
  GHashTable       *expired;   /* handles released after LOCK_HOLD_SECONDS (set) */
  gint64            next_lock;
};

static Bridge *
request_get_bridge (Request *request)
{
  return request->owner;
}

static PiKeyringStore *
request_get_store (Request *request)
{
  return request_get_bridge (request)->store;
}

/* `entry`: an object with a string `type`, as a credential of @provider;
 * NULL when absent or null (*@present FALSE), or when malformed (the
 * request is then answered `invalid`, *@present TRUE). */
static PiKeyringCredential *
request_take_entry (Request    *request,
                    const char *provider,
                    gboolean   *present)
{
  JsonNode *node = json_object_get_member (request->params, "entry");
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(GError) error = NULL;
  PiKeyringCredential *credential;
  const char *profile;
  JsonObject *entry;
  JsonNode *type;
  char *text;

  *present = node != NULL && !JSON_NODE_HOLDS_NULL (node);
  if (!*present)
    return NULL;

  entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  type = entry != NULL ? json_object_get_member (entry, "type") : NULL;
  if (type == NULL || !JSON_NODE_HOLDS_VALUE (type) ||
      json_node_get_value_type (type) != G_TYPE_STRING)
    {
      cli_bridge_request_fail_invalid (request,
                                       _("“entry” must be a JSON object with a string “type”."));
      return NULL;
    }

  generator = json_generator_new ();
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  profile = pi_keyring_store_get_profile (request_get_store (request));
  credential = pi_keyring_credential_new_from_json (provider, profile, text, -1, &error);
  cli_secret_free (text);
  if (credential == NULL)
    cli_bridge_request_fail_invalid (request, error->message);

  return credential;
}

/* --- read, and the key of an entry --- */

typedef void (*EntryReply) (Request             *request,
                            PiKeyringCredential *credential,
                            const char          *key);

typedef struct
{
  Request             *request;
  PiKeyringCredential *credential;
  EntryReply           reply;
  gboolean             lenient;   /* a failing command gives "key": null */
} KeyResolution;

static void
on_key_resolved (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  KeyResolution *resolution = user_data;
  g_autoptr(PiKeyringCredential) credential = resolution->credential;
  g_autoptr(CliSecret) key = NULL;
  g_autoptr(GError) error = NULL;
  Request *request = resolution->request;
  EntryReply reply = resolution->reply;
  gboolean lenient = resolution->lenient;

  g_free (resolution);

  key = pi_keyring_store_get_api_key_finish (PI_KEYRING_STORE (source), result, NULL, &error);
  /* An entry whose key comes to nothing (empty, or a template of unset
   * variables) has no key to give. */
  if (key == NULL && !lenient &&
      !g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND))
    {
      cli_bridge_request_fail (request, error);
      return;
    }

  reply (request, credential, key);
}

/* The string pi would send for @credential, then @reply. An api_key entry
 * is resolved by the store's lookup, which takes the backend's entry first
 * (the bridge sets no runtime key), so that `read` gives the key `get`
 * gives: pi 1.6.0's `env` of the entry and its templates included. */
static void
resolve_key (Request             *request,
             PiKeyringCredential *credential,
             gboolean             lenient,
             EntryReply           reply)
{
  g_autoptr(CliSecret) key = NULL;

  switch (credential != NULL ? pi_keyring_credential_get_kind (credential)
                             : PI_KEYRING_CREDENTIAL_KIND_OTHER)
    {
    case PI_KEYRING_CREDENTIAL_KIND_API_KEY:
      if (pi_keyring_credential_get_key (credential) != NULL)
        {
          KeyResolution *resolution = g_new0 (KeyResolution, 1);

          resolution->request = request;
          resolution->credential = g_object_ref (credential);
          resolution->reply = reply;
          resolution->lenient = lenient;
          pi_keyring_store_get_api_key_async (request_get_store (request),
                                              pi_keyring_credential_get_provider (credential),
                                              request->cancellable, on_key_resolved,
                                              resolution);
          return;
        }
      break;

    case PI_KEYRING_CREDENTIAL_KIND_OAUTH:
      key = pi_keyring_catalog_get_oauth_api_key (credential);
      break;

    case PI_KEYRING_CREDENTIAL_KIND_OTHER:
    default:
      break;
    }

  reply (request, credential, key);
}

static void
line_add_entry (GString             *line,
                PiKeyringCredential *credential)
{
  g_autoptr(CliSecret) json = credential != NULL ? pi_keyring_credential_to_json (credential)
                                                 : NULL;

  cli_bridge_line_add_raw (line, "entry", json);
}

static void
reply_read (Request             *request,
            PiKeyringCredential *credential,
            const char          *key)
{
  GString *line = cli_bridge_line_new_reply (request->id);

  line_add_entry (line, credential);
  cli_bridge_line_add_string (line, "key", key);
  cli_bridge_request_reply (request, line);
}

static void
on_read_other_fresh (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  credential = pi_keyring_store_get_fresh_credential_finish (PI_KEYRING_STORE (source), result,
                                                             &error);
  if (credential == NULL && !g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND))
    {
      cli_bridge_request_fail (request, error);
      return;
    }

  resolve_key (request, credential, FALSE, reply_read);
}

static void
on_read_fresh (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;
  const char *other_id;

  credential = pi_keyring_store_get_fresh_credential_finish (PI_KEYRING_STORE (source), result,
                                                             &error);
  if (credential == NULL && !g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND))
    {
      cli_bridge_request_fail (request, error);
      return;
    }

  /* Nothing under the id this pi asks for: the id the other pi release
   * gives the provider (azure, azure-openai-responses), as get looks. */
  other_id = credential == NULL ? pi_keyring_catalog_get_other_id (request->provider) : NULL;
  if (other_id != NULL)
    {
      pi_keyring_store_get_fresh_credential_async (request_get_store (request), other_id,
                                                   request->min_validity_ms,
                                                   request->cancellable,
                                                   on_read_other_fresh, request);
      return;
    }

  resolve_key (request, credential, FALSE, reply_read);
}

static void
op_read (Request *request)
{
  if (!cli_bridge_request_take_provider (request) ||
      !cli_bridge_request_take_min_validity (request))
    return;

  pi_keyring_store_get_fresh_credential_async (request_get_store (request), request->provider,
                                               request->min_validity_ms, request->cancellable,
                                               on_read_fresh, request);
}

/* --- hello, list --- */

static void
op_hello (Request *request)
{
  Bridge *bridge = request_get_bridge (request);
  g_autoptr(GPtrArray) providers = pi_keyring_list_providers ();
  GString *line = cli_bridge_line_new_reply (request->id);

  cli_bridge_line_add_int (line, "protocol", PROTOCOL_VERSION);
  cli_bridge_line_add_string (line, "version", PACKAGE_VERSION);
  cli_bridge_line_add_string (line, "backend", pi_keyring_backend_get_name (bridge->backend));
  cli_bridge_line_add_string (line, "profile", pi_keyring_store_get_profile (bridge->store));
  g_string_append (line, ",\"oauth\":[");
  for (guint i = 0; i < providers->len; i++)
    {
      if (i > 0)
        g_string_append_c (line, ',');
      cli_bridge_line_append_string (line, pi_keyring_provider_get_id (providers->pdata[i]));
    }
  g_string_append_c (line, ']');

  cli_bridge_request_reply (request, line);
}

static void
on_listed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(GPtrArray) credentials = NULL;
  g_autoptr(GError) error = NULL;
  GString *line;

  credentials = pi_keyring_store_list_finish (PI_KEYRING_STORE (source), result, &error);
  if (credentials == NULL)
    {
      cli_bridge_request_fail (request, error);
      return;
    }

  line = cli_bridge_line_new_reply (request->id);
  g_string_append (line, ",\"entries\":[");
  for (guint i = 0; i < credentials->len; i++)
    {
      PiKeyringCredential *credential = credentials->pdata[i];
      PiKeyringCredentialKind kind = pi_keyring_credential_get_kind (credential);

      if (i > 0)
        g_string_append_c (line, ',');
      g_string_append (line, "{\"provider\":");
      cli_bridge_line_append_string (line, pi_keyring_credential_get_provider (credential));
      cli_bridge_line_add_string (line, "kind",
                       kind == PI_KEYRING_CREDENTIAL_KIND_OTHER
                       ? pi_keyring_credential_get_type_name (credential)
                       : cli_kind_to_string (kind));
      if (kind == PI_KEYRING_CREDENTIAL_KIND_OAUTH &&
          pi_keyring_credential_has_expires (credential))
        cli_bridge_line_add_int (line, "expires", pi_keyring_credential_get_expires (credential));
      else
        cli_bridge_line_add_raw (line, "expires", NULL);
      g_string_append_c (line, '}');
    }
  g_string_append_c (line, ']');

  cli_bridge_request_reply (request, line);
}

static void
op_list (Request *request)
{
  pi_keyring_store_list_async (request_get_store (request), request->cancellable, on_listed,
                               request);
}

/* --- write, delete --- */

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(GError) error = NULL;

  if (!pi_keyring_store_set_credential_finish (PI_KEYRING_STORE (source), result, &error))
    cli_bridge_request_fail (request, error);
  else
    cli_bridge_request_ok (request);
}

static void
op_write (Request *request)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  gboolean present;

  if (!cli_bridge_request_take_provider (request))
    return;

  credential = request_take_entry (request, request->provider, &present);
  if (credential == NULL)
    {
      if (!present)
        cli_bridge_request_fail_invalid (request,
                                         _("“entry” must be a JSON object with a string “type”."));
      return;
    }

  /* A write is not cancelled halfway. */
  pi_keyring_store_set_credential_async (request_get_store (request), credential, NULL, on_written,
                                         request);
}

static void
on_deleted (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(GError) error = NULL;
  gboolean removed;
  GString *line;

  removed = pi_keyring_store_remove_finish (PI_KEYRING_STORE (source), result, &error);
  if (!removed && !g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND))
    {
      cli_bridge_request_fail (request, error);
      return;
    }

  line = cli_bridge_line_new_reply (request->id);
  cli_bridge_line_add_raw (line, "removed", removed ? "true" : "false");
  cli_bridge_request_reply (request, line);
}

static void
op_delete (Request *request)
{
  if (!cli_bridge_request_take_provider (request))
    return;

  pi_keyring_store_remove_async (request_get_store (request), request->provider, NULL, on_deleted,
                                 request);
}

/* --- lock, unlock --- */

static void
held_lock_free (HeldLock *held)
{
  if (held->timeout != NULL)
    {
      g_source_destroy (held->timeout);
      g_source_unref (held->timeout);
    }
  if (held->lock != NULL)
    {
      pi_keyring_credential_lock_release (held->lock);
      g_object_unref (held->lock);
    }
  g_free (held);
}

static gboolean
on_lock_held_too_long (gpointer user_data)
{
  HeldLock *held = user_data;
  Bridge *bridge = held->bridge;
  gint64 *handle = g_new (gint64, 1);

  cli_warning (_("The lock of “%s” was held for more than %d seconds; it is released."),
               pi_keyring_credential_lock_get_provider (held->lock), LOCK_HOLD_SECONDS);

  *handle = held->handle;
  g_hash_table_add (bridge->expired, handle);
  g_clear_pointer (&held->timeout, g_source_unref);
  g_hash_table_remove (bridge->locks, &held->handle);

  return G_SOURCE_REMOVE;
}

static void
reply_lock (Request             *request,
            PiKeyringCredential *credential,
            const char          *key)
{
  Bridge *bridge = request_get_bridge (request);
  HeldLock *held = g_new0 (HeldLock, 1);
  GString *line;

  held->bridge = bridge;
  held->handle = ++bridge->next_lock;
  held->lock = cli_bridge_request_steal_data (request);
  held->timeout = g_timeout_source_new_seconds (LOCK_HOLD_SECONDS);
  g_source_set_callback (held->timeout, on_lock_held_too_long, held, NULL);
  g_source_attach (held->timeout, NULL);
  g_hash_table_insert (bridge->locks, &held->handle, held);

  line = cli_bridge_line_new_reply (request->id);
  cli_bridge_line_add_int (line, "lock", held->handle);
  line_add_entry (line, credential);
  cli_bridge_line_add_string (line, "key", key);
  cli_bridge_request_reply (request, line);
}

static void
on_lock_reread (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  credential = pi_keyring_store_get_credential_finish (PI_KEYRING_STORE (source), result,
                                                       &error);
  if (error != NULL)
    {
      /* Freeing the request releases the lock. */
      cli_bridge_request_fail (request, error);
      return;
    }

  resolve_key (request, credential, TRUE, reply_lock);
}

static void
on_lock_taken (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(GError) error = NULL;
  PiKeyringCredentialLock *lock;

  lock = pi_keyring_store_lock_credential_finish (PI_KEYRING_STORE (source), result, &error);
  if (lock == NULL)
    {
      cli_bridge_request_fail (request, error);
      return;
    }
  cli_bridge_request_set_data (request, lock, g_object_unref);

  /* Under the lock: the entry as it is now. */
  pi_keyring_store_get_credential_async (request_get_store (request), request->provider,
                                         NULL, on_lock_reread, request);
}

static void
on_lock_refreshed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  /* A refresh that failed does not keep the client from changing the
   * entry (a login after a refused refresh token, say): the entry read
   * under the lock is answered as it is. */
  credential = pi_keyring_store_get_fresh_credential_finish (PI_KEYRING_STORE (source), result,
                                                             &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      cli_bridge_request_fail (request, error);
      return;
    }

  /* Taken after the refresh, which takes the same lock itself. */
  pi_keyring_store_lock_credential_async (request_get_store (request), request->provider,
                                          request->cancellable, on_lock_taken, request);
}

static void
op_lock (Request *request)
{
  if (!cli_bridge_request_take_provider (request) ||
      !cli_bridge_request_take_min_validity (request))
    return;

  pi_keyring_store_get_fresh_credential_async (request_get_store (request), request->provider,
                                               request->min_validity_ms, request->cancellable,
                                               on_lock_refreshed, request);
}

static void
on_unlock_written (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(GError) error = NULL;
  gboolean written;

  written = pi_keyring_store_set_credential_finish (PI_KEYRING_STORE (source), result, &error);
  cli_bridge_request_set_data (request, NULL, NULL);

  if (!written)
    cli_bridge_request_fail (request, error);
  else
    cli_bridge_request_ok (request);
}

static void
op_unlock (Request *request)
{
  Bridge *bridge = request_get_bridge (request);
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autofree char *number = NULL;
  g_autofree char *message = NULL;
  gint64 handle = cli_bridge_request_get_positive (request, "lock");
  HeldLock *held;
  gboolean present;

  if (handle == 0)
    {
      message = g_strdup_printf (_("“%s” must be a positive integer."), "lock");
      cli_bridge_request_fail_invalid (request, message);
      return;
    }

  number = g_strdup_printf ("%" G_GINT64_FORMAT, handle);
  held = g_hash_table_lookup (bridge->locks, &handle);
  if (held == NULL)
    {
      if (g_hash_table_contains (bridge->expired, &handle))
        {
          message = g_strdup_printf (_("The lock %s was released after %d seconds; nothing was "
                                       "written."),
                                     number, LOCK_HOLD_SECONDS);
          cli_bridge_request_fail_code (request, "failed", message);
          return;
        }

      message = g_strdup_printf (_("No lock %s is held."), number);
      cli_bridge_request_fail_invalid (request, message);
      return;
    }

  /* A malformed entry leaves the lock held: the client may say it again. */
  credential = request_take_entry (request,
                                   pi_keyring_credential_lock_get_provider (held->lock),
                                   &present);
  if (present && credential == NULL)
    return;

  g_hash_table_steal (bridge->locks, &handle);
  if (credential == NULL)
    {
      held_lock_free (held);
      cli_bridge_request_ok (request);
      return;
    }

  /* Released once the entry is written, before the reply. */
  cli_bridge_request_set_data (request, held, (GDestroyNotify) held_lock_free);
  pi_keyring_store_set_credential_async (bridge->store, credential, NULL, on_unlock_written,
                                         request);
}

/* --- login and the answers to its prompts --- */

static void
op_answer (Request *request)
{
  Bridge *bridge = request_get_bridge (request);
  gint64 number = cli_bridge_request_get_positive (request, "prompt");
  g_autofree char *message = NULL;
  char *text;
  JsonNode *node;

  if (number == 0)
    {
      message = g_strdup_printf (_("“%s” must be a positive integer."), "prompt");
      cli_bridge_request_fail_invalid (request, message);
      return;
    }

  if (!cli_bridge_prompts_is_open (bridge->prompts, number))
    {
      g_autofree char *digits = g_strdup_printf ("%" G_GINT64_FORMAT, number);

      message = g_strdup_printf (_("No prompt %s is open."), digits);
      cli_bridge_request_fail_code (request, "not_found", message);
      return;
    }

  node = json_object_get_member (request->params, "text");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    {
      message = g_strdup_printf (_("“%s” must be a string."), "text");
      cli_bridge_request_fail_invalid (request, message);
      return;
    }

  text = g_strstrip (g_strdup (json_node_get_string (node)));
  if (*text == '\0')
    {
      g_free (text);
      cli_bridge_request_fail_invalid (request, _("The answer is empty."));
      return;
    }

  cli_bridge_prompts_answer (bridge->prompts, number, text);
  cli_bridge_request_ok (request);
}

static void
on_logged_in (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GError) error = NULL;
  GString *line;

  credential = pi_keyring_store_login_finish (PI_KEYRING_STORE (source), result, &error);
  cli_bridge_prompts_withdraw (request_get_bridge (request)->prompts, request->id);

  if (credential == NULL)
    {
      cli_bridge_request_fail (request, error);
      return;
    }

  line = cli_bridge_line_new_reply (request->id);
  line_add_entry (line, credential);
  cli_bridge_request_reply (request, line);
}

static void
on_login_backend_checked (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(GVariant) options = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *domain;

  /* A locked or unreachable keyring is said before the login, not after
   * the user went through it for nothing. */
  if (!pi_keyring_backend_check_finish (PI_KEYRING_BACKEND (source), result, &error))
    {
      cli_bridge_request_fail (request, error);
      return;
    }

  domain = json_object_get_member (request->params, "enterprise_domain");
  options = cli_login_options (domain != NULL && !JSON_NODE_HOLDS_NULL (domain)
                               ? json_node_get_string (domain) : NULL);
  pi_keyring_store_login_async (request_get_store (request), request->provider,
                                request->data, options, request->cancellable,
                                on_logged_in, request);
}

/* The login has answered: its interaction says and asks nothing more. */
static void
interaction_release (gpointer interaction)
{
  cli_bridge_interaction_detach (CLI_BRIDGE_INTERACTION (interaction));
  g_object_unref (interaction);
}

static void
op_login (Request *request)
{
  g_autoptr(PiKeyringProvider) provider = NULL;
  g_autofree char *message = NULL;
  PiKeyringInteraction *interaction;
  JsonNode *no_browser;

  if (!cli_bridge_request_take_provider (request))
    return;

  provider = pi_keyring_lookup_provider (request->provider);
  if (provider == NULL)
    {
      message = g_strdup_printf (_("pi-keyring cannot log in to “%s”: it is not one of its OAuth "
                                   "providers."),
                                 request->provider);
      cli_bridge_request_fail_invalid (request, message);
      return;
    }
  if (!cli_bridge_request_member_has_type (request, "no_browser", G_TYPE_BOOLEAN))
    {
      message = g_strdup_printf (_("“%s” must be true or false."), "no_browser");
      cli_bridge_request_fail_invalid (request, message);
      return;
    }
  if (!cli_bridge_request_member_has_type (request, "enterprise_domain", G_TYPE_STRING))
    {
      message = g_strdup_printf (_("“%s” must be a string or null."), "enterprise_domain");
      cli_bridge_request_fail_invalid (request, message);
      return;
    }

  no_browser = json_object_get_member (request->params, "no_browser");
  interaction = cli_bridge_interaction_new (request_get_bridge (request)->prompts, request->id,
                                            no_browser == NULL ||
                                            JSON_NODE_HOLDS_NULL (no_browser) ||
                                            !json_node_get_boolean (no_browser));
  cli_bridge_request_set_data (request, interaction, interaction_release);

  pi_keyring_backend_check_async (request_get_bridge (request)->backend, request->cancellable,
                                  on_login_backend_checked, request);
}

/* --- cancel --- */

static void
op_cancel (Request *request)
{
  Bridge *bridge = request_get_bridge (request);
  gint64 target = cli_bridge_request_get_positive (request, "target");
  g_autofree char *message = NULL;
  Request *running;
  GString *line;
  gboolean cancelled = FALSE;

  if (target == 0)
    {
      message = g_strdup_printf (_("“%s” must be a positive integer."), "target");
      cli_bridge_request_fail_invalid (request, message);
      return;
    }

  /* A login, a lock (its refresh or its wait) or a read (its refresh);
   * writes are not stopped halfway. */
  running = cli_bridge_channel_lookup (bridge->channel, target);
  if (running != NULL && running->cancellable != NULL &&
      !g_cancellable_is_cancelled (running->cancellable))
    {
      g_cancellable_cancel (running->cancellable);
      cancelled = TRUE;
    }

  line = cli_bridge_line_new_reply (request->id);
  cli_bridge_line_add_raw (line, "cancelled", cancelled ? "true" : "false");
  cli_bridge_request_reply (request, line);
}

/* --- dispatch --- */

static const CliBridgeOperation operations[] = {
  { "hello", op_hello, FALSE },
  { "list", op_list, FALSE },
  { "read", op_read, TRUE },
  { "write", op_write, FALSE },
  { "delete", op_delete, FALSE },
  { "lock", op_lock, TRUE },
  { "unlock", op_unlock, FALSE },
  { "login", op_login, TRUE },
  { "answer", op_answer, FALSE },
  { "cancel", op_cancel, FALSE },
};

/* stdin ended: nobody will unlock or answer any more. */
static void
on_input_closed (gpointer user_data)
{
  Bridge *bridge = user_data;

  g_hash_table_remove_all (bridge->locks);
  cli_bridge_prompts_withdraw (bridge->prompts, 0);
}

int
cli_cmd_bridge (const CliCommand  *command,
                int                argc,
                char             **argv)
{
  g_autoptr(GOptionContext) context = cli_option_context_new (command, NULL, NULL);
  g_autoptr(GError) error = NULL;
  Bridge bridge = { NULL };

  g_option_context_set_description (context,
                                    N_("Made for pi's extension, which starts one per pi "
                                       "process: it answers JSON requests, one per line on "
                                       "standard input, with one JSON line each on standard "
                                       "output (the credentials of the backend, locks, logins), "
                                       "until standard input ends. It never prompts on the "
                                       "terminal."));
  if (!cli_option_context_parse (context, &argc, &argv) ||
      !cli_check_arguments (argc, 0, 0))
    return CLI_EXIT_USAGE;

  /* A client that went away is a failed write, not a signal. */
  signal (SIGPIPE, SIG_IGN);

  /* Not cli_open_backend (): even with --interactive, nothing prompts. */
  bridge.backend = pi_keyring_backend_new_for_name (cli_options.backend, &error);
  if (bridge.backend == NULL)
    return cli_report_error (error);
  bridge.store = cli_open_store (bridge.backend);

  bridge.channel = cli_bridge_channel_new (operations, G_N_ELEMENTS (operations),
                                           on_input_closed, &bridge);
  bridge.prompts = cli_bridge_prompts_new (bridge.channel);
  bridge.locks = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                        (GDestroyNotify) held_lock_free);
  bridge.expired = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  cli_bridge_channel_run (bridge.channel);

  g_hash_table_unref (bridge.expired);
  g_hash_table_unref (bridge.locks);
  cli_bridge_prompts_free (bridge.prompts);
  cli_bridge_channel_free (bridge.channel);
  g_object_unref (bridge.store);
  g_object_unref (bridge.backend);

  return CLI_EXIT_OK;
}
