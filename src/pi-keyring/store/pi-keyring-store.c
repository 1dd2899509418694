/* pi-keyring-store.c: the facade that knows backends and providers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "store/pi-keyring-store-private.h"

/**
 * PiKeyringStore:
 *
 * The credentials of one profile and the key pi would use for a provider.
 *
 * A store puts a [iface@Backend] together with pi's rules. Use
 * [method@Store.get_api_key_async] to get the key pi would use, looked up
 * in pi's order:
 *
 * 1. a runtime override set with [method@Store.set_runtime_api_key];
 * 2. the credential stored in the backend for the store's
 *    [property@Store:profile];
 * 3. pi's auth.json ([property@Store:auth-file]) as a read fallback, unless
 *    the backend is that very file;
 * 4. the environment variables pi reads for the provider
 *    ([func@PiKeyring.catalog_get_env_api_key]).
 *
 * An api_key entry is resolved as pi does ([func@PiKeyring.resolve_config_value]) and
 * its result is final: a failing `!command` is an error, not a reason to
 * look further. An OAuth entry yields the string pi hands to the provider's
 * client ([func@PiKeyring.catalog_get_oauth_api_key]).
 *
 * ## Names
 *
 * Every provider id and profile name the store is given, and the
 * credentials it stores, follow one grammar, the one pi-keyring's command
 * and its D-Bus service apply too: 1 to 128 characters of `A`–`Z`,
 * `a`–`z`, `0`–`9` and `._@+-`, not starting with `.` or `-` (so never
 * empty, never a `/`, a space or a control character). A name outside it
 * is %PI_KEYRING_ERROR_INVALID_ARGUMENT with the message of
 * [func@validate_id], and nothing is written; [func@is_valid_id] checks a
 * name first. An empty API key is refused the same way. A provider that
 * pi-keyring does not know can be stored (pi has custom providers); looked
 * up with nothing stored, it is %PI_KEYRING_ERROR_NOT_FOUND saying that the
 * provider is unknown.
 *
 * ## Plaintext
 *
 * The `file` backend, pi's own auth.json, keeps secrets unencrypted, and
 * `auto` picks it when no Secret Service can be reached. A store says so
 * with [property@Store:plaintext] and, the first time it writes a secret
 * there, with one g_warning(); a program that must not write plaintext makes
 * its store with [ctor@Store.new_full] and
 * %PI_KEYRING_STORE_FLAGS_REFUSE_PLAINTEXT, one that tells its user itself
 * with %PI_KEYRING_STORE_FLAGS_NO_PLAINTEXT_WARNING.
 *
 * Since: 0.1
 */
struct _PiKeyringStore
{
  GObject           parent_instance;

  PiKeyringBackend *backend;
  char             *profile;
  char             *auth_file;      /* "" disables the auth.json fallback */
  PiKeyringBackend *auth_backend;   /* made on first use for auth_file */

  GHashTable       *runtime_keys;   /* provider id → key (a secret) */

  PiKeyringStoreFlags flags;
  gboolean          plaintext_warned;   /* its one g_warning () was given */

  /* The OAuth refreshes (pi-keyring-refresher.c): its signals are passed
   * on as the store's. */
  PiKeyringRefresher *refresher;

  /* The background refresh, while auto-refresh is on. */
  PiKeyringScheduler *scheduler;

  /* Changes by other processes, while watch-changes or auto-refresh is on. */
  PiKeyringChangeTracker *tracker;
  gboolean          watch_changes;
};

enum {
  PROP_0,
  PROP_BACKEND,
  PROP_PROFILE,
  PROP_AUTH_FILE,
  PROP_AUTO_REFRESH,
  PROP_FLAGS,
  PROP_PLAINTEXT,
  PROP_WATCH_CHANGES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  CREDENTIAL_CHANGED,
  CREDENTIAL_REFRESHED,
  REFRESH_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PiKeyringStore, pi_keyring_store, G_TYPE_OBJECT)

static void
pi_keyring_store_constructed (GObject *object)
{
  PiKeyringStore *self = PI_KEYRING_STORE (object);

  G_OBJECT_CLASS (pi_keyring_store_parent_class)->constructed (object);

  if (self->backend == NULL)
    {
      g_autoptr(GError) error = NULL;

      self->backend = pi_keyring_backend_new_for_name (NULL, &error);
      if (self->backend == NULL &&
          g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT))
        {
          /* A misconfigured PI_KEYRING_BACKEND is not a bug: say so, go on. */
          g_message (_("%s Using the auto backend."), error->message);
          g_clear_error (&error);
          self->backend = pi_keyring_backend_new_for_name ("auto", &error);
        }
      /* auto could not choose: every call says why, never a switch to
       * plaintext, never a store without a backend. */
      if (self->backend == NULL)
        self->backend = _pi_keyring_unavailable_backend_new (error);
    }
}

static void
stop_tracker (PiKeyringStore *self)
{
  if (self->tracker == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->tracker, self);
  _pi_keyring_change_tracker_stop (self->tracker);
  g_clear_object (&self->tracker);
}

static void
pi_keyring_store_dispose (GObject *object)
{
  PiKeyringStore *self = PI_KEYRING_STORE (object);

  stop_tracker (self);

  if (self->scheduler != NULL)
    {
      _pi_keyring_scheduler_stop (self->scheduler);
      g_clear_object (&self->scheduler);
    }
  if (self->refresher != NULL)
    {
      /* Flights still running (they hold the refresher) tell nobody. */
      g_signal_handlers_disconnect_by_data (self->refresher, self);
      g_clear_object (&self->refresher);
    }
  g_clear_object (&self->auth_backend);
  g_clear_object (&self->backend);

  G_OBJECT_CLASS (pi_keyring_store_parent_class)->dispose (object);
}

static void
pi_keyring_store_finalize (GObject *object)
{
  PiKeyringStore *self = PI_KEYRING_STORE (object);

  g_clear_pointer (&self->runtime_keys, g_hash_table_unref);
  g_free (self->profile);
  g_free (self->auth_file);

  G_OBJECT_CLASS (pi_keyring_store_parent_class)->finalize (object);
}

static void
pi_keyring_store_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  PiKeyringStore *self = PI_KEYRING_STORE (object);

  switch (prop_id)
    {
    case PROP_BACKEND:
      g_value_set_object (value, self->backend);
      break;

    case PROP_PROFILE:
      g_value_set_string (value, self->profile);
      break;

    case PROP_AUTH_FILE:
      g_value_set_string (value, self->auth_file);
      break;

    case PROP_AUTO_REFRESH:
      g_value_set_boolean (value, self->scheduler != NULL);
      break;

    case PROP_FLAGS:
      g_value_set_flags (value, self->flags);
      break;

    case PROP_PLAINTEXT:
      g_value_set_boolean (value, pi_keyring_store_get_plaintext (self));
      break;

    case PROP_WATCH_CHANGES:
      g_value_set_boolean (value, self->watch_changes);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pi_keyring_store_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  PiKeyringStore *self = PI_KEYRING_STORE (object);

  switch (prop_id)
    {
    case PROP_BACKEND:
      g_set_object (&self->backend, g_value_get_object (value));
      break;

    case PROP_PROFILE:
      pi_keyring_store_set_profile (self, g_value_get_string (value));
      break;

    case PROP_AUTH_FILE:
      pi_keyring_store_set_auth_file (self, g_value_get_string (value));
      break;

    case PROP_AUTO_REFRESH:
      pi_keyring_store_set_auto_refresh (self, g_value_get_boolean (value));
      break;

    case PROP_FLAGS:
      self->flags = g_value_get_flags (value);
      break;

    case PROP_WATCH_CHANGES:
      pi_keyring_store_set_watch_changes (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pi_keyring_store_class_init (PiKeyringStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = pi_keyring_store_constructed;
  object_class->dispose = pi_keyring_store_dispose;
  object_class->finalize = pi_keyring_store_finalize;
  object_class->get_property = pi_keyring_store_get_property;
  object_class->set_property = pi_keyring_store_set_property;

  /**
   * PiKeyringStore:backend:
   *
   * Where the store keeps credentials. When none is given at construction,
   * the backend `PI_KEYRING_BACKEND` names, or `auto`.
   *
   * Since: 0.1
   */
  properties[PROP_BACKEND] =
    g_param_spec_object ("backend", NULL, NULL,
                         PI_KEYRING_TYPE_BACKEND,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * PiKeyringStore:profile:
   *
   * The profile whose credentials the store reads and writes in its
   * backend; `default` unless set.
   *
   * Since: 0.1
   */
  properties[PROP_PROFILE] =
    g_param_spec_string ("profile", NULL, NULL,
                         PI_KEYRING_DEFAULT_PROFILE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * PiKeyringStore:auth-file:
   *
   * The path of pi's auth.json, read as a fallback after the backend.
   * Setting %NULL restores the default
   * ([func@PiKeyring.get_default_auth_file_path]); the empty string turns the
   * fallback off.
   *
   * Since: 0.1
   */
  properties[PROP_AUTH_FILE] =
    g_param_spec_string ("auth-file", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * PiKeyringStore:auto-refresh:
   *
   * Whether the store keeps its OAuth tokens fresh in the background, as
   * `pi-keyring daemon` does.
   *
   * While it is on, one timer (one per store, however many credentials)
   * waits in the thread-default main context of the moment it was turned
   * on for the earliest `expires − 5 min` among the OAuth credentials the
   * store would use: those of its backend for its profile, and those of
   * pi's auth.json that the backend does not shadow. The timer goes by the
   * wall clock: it fires on time after a suspend and looks again when the
   * clock is set. Nothing else wakes the process while nothing is due.
   * Each credential that is due is refreshed as
   * [method@Store.refresh_async] would (one token request however many
   * programs want it; written back to where it came from), with
   * [signal@Store::credential-refreshed] on success.
   *
   * The store looks again at its credentials when they change, through it
   * or through another program (the keyring's item signals, a file monitor
   * on auth.json), and tells of changes by other programs as
   * [property@Store:watch-changes] does. A transient failure (network, server error, HTTP 429, a
   * locked keyring) is retried after 30 s, then after twice as long each
   * time, at most 15 min apart, also once the token has expired; a
   * permanent one (the provider refused the refresh token) emits
   * [signal@Store::refresh-failed] once and is not retried until the
   * credential changes. Credentials are never removed.
   *
   * Since: 0.1
   */
  properties[PROP_AUTO_REFRESH] =
    g_param_spec_boolean ("auto-refresh", NULL, NULL,
                          FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * PiKeyringStore:watch-changes:
   *
   * Whether the store tells of changes other programs make to its
   * credentials: another `pi-keyring set`, `import` or `remove`, pi writing
   * its auth.json, `secret-tool clear`, another store in this program.
   *
   * While it is on (or [property@Store:auto-refresh] is), the store follows
   * the keyring's item signals or a file monitor on the file backend's
   * file, and on pi's auth.json read as the fallback, in the thread-default
   * main context of the moment it was turned on, which must run. Once the
   * changes have settled (about 150 ms) it lists the credentials again and
   * emits [signal@Store::credential-changed] once for each provider whose
   * entry was added, removed or changed, within a second of the change,
   * however many keyring signals or file events it caused. A rewrite that
   * left an entry as it was is no change; the changes made through this
   * store were told already and are not told twice. A memory backend has
   * no other writers. When the profile or the auth.json changes, the
   * store takes the new credentials in without a signal.
   *
   * Since: 0.2
   */
  properties[PROP_WATCH_CHANGES] =
    g_param_spec_boolean ("watch-changes", NULL, NULL,
                          FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * PiKeyringStore:flags:
   *
   * How the store treats a plaintext backend; see [flags@StoreFlags] and
   * [ctor@Store.new_full].
   *
   * Since: 0.2
   */
  properties[PROP_FLAGS] =
    g_param_spec_flags ("flags", NULL, NULL,
                        PI_KEYRING_TYPE_STORE_FLAGS,
                        PI_KEYRING_STORE_FLAGS_NONE,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * PiKeyringStore:plaintext:
   *
   * Whether the store's backend writes secrets unencrypted to disk
   * ([method@Backend.is_plaintext]): the `file` backend, pi's own
   * auth.json, which `auto` picks when no Secret Service can be reached.
   * A program shows it to its user, or refuses it with
   * %PI_KEYRING_STORE_FLAGS_REFUSE_PLAINTEXT.
   *
   * Unless the store was made with
   * %PI_KEYRING_STORE_FLAGS_NO_PLAINTEXT_WARNING, the first secret it
   * writes in plaintext (through [method@Store.set_credential_async],
   * [method@Store.set_api_key_async] or [method@Store.login_async]) is
   * preceded by one g_warning() saying where it goes. A refreshed token
   * written back to where it came from is no new secret and says nothing.
   *
   * Since: 0.2
   */
  properties[PROP_PLAINTEXT] =
    g_param_spec_boolean ("plaintext", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PiKeyringStore::credential-changed:
   * @self: the store
   * @provider: the provider id
   *
   * Emitted after a credential was stored or removed through the store,
   * refreshes included; with [property@Store:watch-changes] or
   * [property@Store:auto-refresh], also once for each change another
   * program made (a login in a terminal, say). The detail is the provider id, so that a handler
   * can connect to `credential-changed::github-copilot` alone.
   *
   * Since: 0.1
   */
  signals[CREDENTIAL_CHANGED] =
    g_signal_new ("credential-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * PiKeyringStore::credential-refreshed:
   * @self: the store
   * @provider: the provider id
   * @credential: the new credential, as written back
   *
   * Emitted after an OAuth credential was refreshed and the new one
   * written back to where the old one came from (the store's backend or
   * pi's auth.json), after [signal@Store::credential-changed]: on demand
   * ([method@Store.get_api_key_async], [method@Store.refresh_async]) or
   * in the background ([property@Store:auto-refresh]). It is emitted once
   * per token request, by the store that made it; when another program
   * refreshed the credential first, the new one is used without a request
   * and without this signal. The detail is the provider id.
   *
   * Since: 0.1
   */
  signals[CREDENTIAL_REFRESHED] =
    g_signal_new ("credential-refreshed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, PI_KEYRING_TYPE_CREDENTIAL);

  /**
   * PiKeyringStore::refresh-failed:
   * @self: the store
   * @provider: the provider id
   * @error: why the refresh failed
   *
   * Emitted when refreshing an OAuth credential failed. The stored
   * credential is kept as it was: the user can log in again.
   *
   * A refresh asked for ([method@Store.get_api_key_async],
   * [method@Store.refresh_async]) emits it on every failure, unless the
   * caller was served by a credential another program refreshed meanwhile.
   * The background refresh ([property@Store:auto-refresh]) emits it once for
   * a permanent failure (%PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED and
   * the like), and once when the token expired while transient failures
   * (%PI_KEYRING_ERROR_TEMPORARY, %PI_KEYRING_ERROR_RATE_LIMITED) go on;
   * it retries those quietly. The detail is the provider id.
   *
   * Since: 0.1
   */
  signals[REFRESH_FAILED] =
    g_signal_new ("refresh-failed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_ERROR);
}

static void emit_changed (PiKeyringStore *self,
                          const char     *provider);

/* Another program changed a credential. */
static void
on_tracker_changed (PiKeyringChangeTracker *tracker,
                    const char             *provider,
                    gpointer                user_data)
{
  emit_changed (user_data, provider);
}

static void
start_tracker (PiKeyringStore *self)
{
  if (self->tracker != NULL)
    return;

  self->tracker = _pi_keyring_change_tracker_new (
    self->backend, self->profile, _pi_keyring_store_get_auth_file_backend (self));
  g_signal_connect (self->tracker, "changed", G_CALLBACK (on_tracker_changed), self);
}

/* The tracker runs while watch-changes or auto-refresh is on: its scans
 * are the scheduler's too. */
static void
update_tracker (PiKeyringStore *self)
{
  if (self->watch_changes || self->scheduler != NULL)
    start_tracker (self);
  else
    stop_tracker (self);
}

static void
on_refresher_changed (PiKeyringRefresher *refresher,
                      const char         *provider,
                      gpointer            user_data)
{
  _pi_keyring_store_emit_changed (user_data, provider);
}

static void
on_refresher_refreshed (PiKeyringRefresher  *refresher,
                        PiKeyringCredential *credential,
                        gpointer             user_data)
{
  const char *provider = pi_keyring_credential_get_provider (credential);

  g_signal_emit (user_data, signals[CREDENTIAL_REFRESHED], g_quark_from_string (provider),
                 provider, credential);
}

static void
on_refresher_failed (PiKeyringRefresher *refresher,
                     const char         *provider,
                     const GError       *error,
                     gpointer            user_data)
{
  g_signal_emit (user_data, signals[REFRESH_FAILED], g_quark_from_string (provider),
                 provider, error);
}

static void
pi_keyring_store_init (PiKeyringStore *self)
{
  self->profile = g_strdup (PI_KEYRING_DEFAULT_PROFILE);
  self->auth_file = pi_keyring_get_default_auth_file_path ();
  self->runtime_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) _pi_keyring_secret_free);
  self->refresher = _pi_keyring_refresher_new ();
  g_signal_connect (self->refresher, "changed", G_CALLBACK (on_refresher_changed), self);
  g_signal_connect (self->refresher, "refreshed", G_CALLBACK (on_refresher_refreshed), self);
  g_signal_connect (self->refresher, "refresh-failed", G_CALLBACK (on_refresher_failed), self);
}

/**
 * pi_keyring_store_new:
 * @backend: (nullable): where to keep credentials, or %NULL for the backend
 *   `PI_KEYRING_BACKEND` names (`auto` when it is unset or unknown)
 *
 * Creates a store on @backend for the `default` profile, with pi's
 * auth.json at its default path as the fallback.
 *
 * When `auto` chooses pi's auth.json because no Secret Service can be
 * reached, the store writes secrets there in plaintext: it says so with
 * [property@Store:plaintext] and one g_warning(). A program that must not
 * write plaintext makes its store with [ctor@Store.new_full] and
 * %PI_KEYRING_STORE_FLAGS_REFUSE_PLAINTEXT.
 *
 * Returns: (transfer full): a new store
 *
 * Since: 0.1
 */
PiKeyringStore *
pi_keyring_store_new (PiKeyringBackend *backend)
{
  g_return_val_if_fail (backend == NULL || PI_KEYRING_IS_BACKEND (backend), NULL);

  return g_object_new (PI_KEYRING_TYPE_STORE, "backend", backend, NULL);
}

/**
 * pi_keyring_store_new_full:
 * @backend: (nullable): where to keep credentials, or %NULL for the backend
 *   `PI_KEYRING_BACKEND` names (`auto` when it is unset)
 * @flags: how to treat a plaintext backend
 * @error: return location for an error
 *
 * Creates a store as [ctor@Store.new] does, with @flags. Unlike
 * [ctor@Store.new], a backend that cannot be chosen is an error: an
 * unknown `PI_KEYRING_BACKEND` (%PI_KEYRING_ERROR_INVALID_ARGUMENT), or
 * `auto` when the session bus does not answer or this user's credentials
 * are in a Secret Service that is gone (%PI_KEYRING_ERROR_UNAVAILABLE).
 *
 * With %PI_KEYRING_STORE_FLAGS_REFUSE_PLAINTEXT, a backend that writes
 * secrets in plaintext ([property@Store:plaintext]) is
 * %PI_KEYRING_ERROR_UNAVAILABLE: so a program that must not leave a key in
 * plaintext, and lets `auto` choose, fails here on a machine without a
 * Secret Service instead of writing pi's auth.json.
 *
 * Returns: (transfer full): a new store, or %NULL with @error set
 *
 * Since: 0.2
 */
PiKeyringStore *
pi_keyring_store_new_full (PiKeyringBackend     *backend,
                           PiKeyringStoreFlags   flags,
                           GError              **error)
{
  g_autoptr(PiKeyringBackend) chosen = NULL;
  PiKeyringStore *self;

  g_return_val_if_fail (backend == NULL || PI_KEYRING_IS_BACKEND (backend), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (backend == NULL)
    {
      chosen = pi_keyring_backend_new_for_name (NULL, error);
      if (chosen == NULL)
        return NULL;
      backend = chosen;
    }

  self = g_object_new (PI_KEYRING_TYPE_STORE, "backend", backend, "flags", flags, NULL);
  if (!_pi_keyring_store_check_secret_write (self, error))
    {
      g_object_unref (self);
      return NULL;
    }

  return self;
}

/**
 * pi_keyring_store_get_flags:
 * @self: a store
 *
 * Gets the flags the store was made with.
 *
 * Returns: the flags
 *
 * Since: 0.2
 */
PiKeyringStoreFlags
pi_keyring_store_get_flags (PiKeyringStore *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_STORE (self), PI_KEYRING_STORE_FLAGS_NONE);

  return self->flags;
}

/**
 * pi_keyring_store_get_plaintext:
 * @self: a store
 *
 * Gets whether the store's backend writes secrets unencrypted to disk.
 * See [property@Store:plaintext].
 *
 * Returns: %TRUE for a plaintext backend
 *
 * Since: 0.2
 */
gboolean
pi_keyring_store_get_plaintext (PiKeyringStore *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_STORE (self), FALSE);

  return self->backend != NULL && pi_keyring_backend_is_plaintext (self->backend);
}

gboolean
_pi_keyring_store_check_names (PiKeyringStore  *self,
                               const char      *provider,
                               GError         **error)
{
  return pi_keyring_validate_id (provider, error) &&
         pi_keyring_validate_id (self->profile, error);
}

gboolean
_pi_keyring_store_check_secret_write (PiKeyringStore  *self,
                                      GError         **error)
{
  g_autofree char *location = NULL;
  g_autofree char *where = NULL;

  if (!pi_keyring_store_get_plaintext (self))
    return TRUE;

  location = pi_keyring_backend_get_location (self->backend);
  where = g_filename_display_name (location != NULL ? location : "");
  if (self->flags & PI_KEYRING_STORE_FLAGS_REFUSE_PLAINTEXT)
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_UNAVAILABLE,
                   _("The backend “%s” writes secrets in plaintext (%s), and this program "
                     "refuses that: start a Secret Service (gnome-keyring, for example) or "
                     "use an encrypted backend."),
                   pi_keyring_backend_get_name (self->backend), where);
      return FALSE;
    }

  if (!(self->flags & PI_KEYRING_STORE_FLAGS_NO_PLAINTEXT_WARNING) && !self->plaintext_warned)
    {
      self->plaintext_warned = TRUE;
      g_warning (_("Secrets are written in plaintext to %s: no Secret Service is in use. "
                   "A program can refuse this with PI_KEYRING_STORE_FLAGS_REFUSE_PLAINTEXT."),
                 where);
    }

  return TRUE;
}

/**
 * pi_keyring_store_get_backend:
 * @self: a store
 *
 * Gets the backend the store keeps credentials in.
 *
 * Returns: (transfer none): the backend
 *
 * Since: 0.1
 */
PiKeyringBackend *
pi_keyring_store_get_backend (PiKeyringStore *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_STORE (self), NULL);

  return self->backend;
}

/**
 * pi_keyring_store_get_profile:
 * @self: a store
 *
 * Gets the profile the store works on.
 *
 * Returns: (transfer none): the profile
 *
 * Since: 0.1
 */
const char *
pi_keyring_store_get_profile (PiKeyringStore *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_STORE (self), NULL);

  return self->profile;
}

/* g_set_str () is GLib 2.76. */
static gboolean
set_string (char       **location,
            const char  *value)
{
  if (g_strcmp0 (*location, value) == 0)
    return FALSE;

  g_free (*location);
  *location = g_strdup (value);
  return TRUE;
}

/**
 * pi_keyring_store_set_profile:
 * @self: a store
 * @profile: (nullable): a profile name, or %NULL for `default`
 *
 * Sets the profile whose credentials the store reads and writes. A name
 * outside the grammar of names ([func@is_valid_id]) is taken, and every
 * call on the store then fails with %PI_KEYRING_ERROR_INVALID_ARGUMENT
 * and the message of [func@validate_id].
 *
 * Since: 0.1
 */
void
pi_keyring_store_set_profile (PiKeyringStore *self,
                              const char     *profile)
{
  g_return_if_fail (PI_KEYRING_IS_STORE (self));

  if (profile == NULL)
    profile = PI_KEYRING_DEFAULT_PROFILE;

  if (set_string (&self->profile, profile))
    {
      /* The tracker lists the new profile, for the scheduler too. */
      if (self->tracker != NULL)
        _pi_keyring_change_tracker_set_profile (self->tracker, self->profile);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROFILE]);
    }
}

/**
 * pi_keyring_store_get_auth_file:
 * @self: a store
 *
 * Gets the path of the auth.json read as a fallback.
 *
 * Returns: (transfer none): the path, or the empty string when the
 *   fallback is off
 *
 * Since: 0.1
 */
const char *
pi_keyring_store_get_auth_file (PiKeyringStore *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_STORE (self), NULL);

  return self->auth_file;
}

/**
 * pi_keyring_store_set_auth_file:
 * @self: a store
 * @path: (nullable) (type filename): the path of an auth.json, %NULL for
 *   the default path, or the empty string to turn the fallback off
 *
 * Sets the auth.json the store reads after its backend.
 *
 * Since: 0.1
 */
void
pi_keyring_store_set_auth_file (PiKeyringStore *self,
                                const char     *path)
{
  g_autofree char *default_path = NULL;

  g_return_if_fail (PI_KEYRING_IS_STORE (self));

  if (path == NULL)
    path = default_path = pi_keyring_get_default_auth_file_path ();

  if (set_string (&self->auth_file, path))
    {
      g_clear_object (&self->auth_backend);
      /* The tracker lists the new auth.json, for the scheduler too. */
      if (self->tracker != NULL)
        _pi_keyring_change_tracker_set_auth_backend (
          self->tracker, _pi_keyring_store_get_auth_file_backend (self));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTH_FILE]);
    }
}

/**
 * pi_keyring_store_get_auto_refresh:
 * @self: a store
 *
 * Gets whether the store refreshes its OAuth tokens in the background.
 * See [property@Store:auto-refresh].
 *
 * Returns: %TRUE when it does
 *
 * Since: 0.1
 */
gboolean
pi_keyring_store_get_auto_refresh (PiKeyringStore *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_STORE (self), FALSE);

  return self->scheduler != NULL;
}

/**
 * pi_keyring_store_set_auto_refresh:
 * @self: a store
 * @auto_refresh: whether to refresh OAuth tokens in the background
 *
 * Turns the background refresh of [property@Store:auto-refresh] on or off.
 * Turned on, it works in the thread-default main context of the caller,
 * which must run for it to do anything.
 *
 * Since: 0.1
 */
void
pi_keyring_store_set_auto_refresh (PiKeyringStore *self,
                                   gboolean        auto_refresh)
{
  g_return_if_fail (PI_KEYRING_IS_STORE (self));

  if (!auto_refresh == (self->scheduler == NULL))
    return;

  if (auto_refresh)
    {
      start_tracker (self);
      self->scheduler = _pi_keyring_scheduler_new (self->refresher, self->tracker);
    }
  else
    {
      _pi_keyring_scheduler_stop (self->scheduler);
      g_clear_object (&self->scheduler);
    }
  update_tracker (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTO_REFRESH]);
}

PiKeyringScheduler *
_pi_keyring_store_get_scheduler (PiKeyringStore *self)
{
  return self->scheduler;
}

/**
 * pi_keyring_store_get_watch_changes:
 * @self: a store
 *
 * Gets whether the store tells of changes other programs make. See
 * [property@Store:watch-changes].
 *
 * Returns: %TRUE when it does
 *
 * Since: 0.2
 */
gboolean
pi_keyring_store_get_watch_changes (PiKeyringStore *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_STORE (self), FALSE);

  return self->watch_changes;
}

/**
 * pi_keyring_store_set_watch_changes:
 * @self: a store
 * @watch_changes: whether to tell of changes other programs make
 *
 * Turns [property@Store:watch-changes] on or off. Turned on, it works in
 * the thread-default main context of the caller, which must run for
 * [signal@Store::credential-changed] to come.
 *
 * Since: 0.2
 */
void
pi_keyring_store_set_watch_changes (PiKeyringStore *self,
                                    gboolean        watch_changes)
{
  g_return_if_fail (PI_KEYRING_IS_STORE (self));

  watch_changes = !!watch_changes;
  if (self->watch_changes == watch_changes)
    return;

  self->watch_changes = watch_changes;
  update_tracker (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WATCH_CHANGES]);
}

PiKeyringChangeTracker *
_pi_keyring_store_get_change_tracker (PiKeyringStore *self)
{
  return self->tracker;
}

/**
 * pi_keyring_source_to_string:
 * @source: one source
 *
 * Names a source as `pi-keyring status` shows it.
 *
 * Returns: (transfer none) (nullable): `runtime`, `keyring`, `auth.json` or
 *   `env`; %NULL for %PI_KEYRING_SOURCE_NONE or a combination of flags
 *
 * Since: 0.1
 */
const char *
pi_keyring_source_to_string (PiKeyringSource source)
{
  switch (source)
    {
    case PI_KEYRING_SOURCE_RUNTIME:
      return "runtime";
    case PI_KEYRING_SOURCE_KEYRING:
      return "keyring";
    case PI_KEYRING_SOURCE_AUTH_FILE:
      return "auth.json";
    case PI_KEYRING_SOURCE_ENVIRONMENT:
      return "env";
    case PI_KEYRING_SOURCE_NONE:
    default:
      return NULL;
    }
}

/**
 * pi_keyring_store_set_runtime_api_key:
 * @self: a store
 * @provider: a provider id
 * @key: (nullable): the key, or %NULL to remove the override
 *
 * Sets a key for @provider that wins over every stored one, as pi's
 * `--api-key`. It is kept in memory only. An empty key is kept but yields
 * nothing.
 *
 * Since: 0.1
 */
void
pi_keyring_store_set_runtime_api_key (PiKeyringStore *self,
                                      const char     *provider,
                                      const char     *key)
{
  g_return_if_fail (PI_KEYRING_IS_STORE (self));
  g_return_if_fail (provider != NULL);

  if (key == NULL)
    g_hash_table_remove (self->runtime_keys, provider);
  else
    g_hash_table_replace (self->runtime_keys, g_strdup (provider), g_strdup (key));
}

const char *
_pi_keyring_store_get_runtime_key (PiKeyringStore *self,
                                   const char     *provider)
{
  const char *key = g_hash_table_lookup (self->runtime_keys, provider);

  return key != NULL && *key != '\0' ? key : NULL;
}

static gboolean
same_path (const char *a,
           const char *b)
{
  g_autoptr(GFile) fa = NULL;
  g_autoptr(GFile) fb = NULL;

  if (a == NULL || b == NULL)
    return FALSE;

  fa = g_file_new_for_path (a);
  fb = g_file_new_for_path (b);
  return g_file_equal (fa, fb);
}

/* The backend on pi's auth.json read as the fallback, or NULL when there is
 * none: turned off, or the store's backend is that file itself. */
PiKeyringBackend *
_pi_keyring_store_get_auth_file_backend (PiKeyringStore *self)
{
  if (self->auth_file[0] == '\0')
    return NULL;

  if (PI_KEYRING_IS_FILE_BACKEND (self->backend) &&
      same_path (pi_keyring_file_backend_get_path (PI_KEYRING_FILE_BACKEND (self->backend)),
                 self->auth_file))
    return NULL;

  if (self->auth_backend == NULL)
    self->auth_backend = pi_keyring_file_backend_new (self->auth_file);

  return self->auth_backend;
}

PiKeyringRefresher *
_pi_keyring_store_get_refresher (PiKeyringStore *self)
{
  return self->refresher;
}

/* The scheduler needs no word: it takes the tracker's scans, and the
 * tracker scans after the store's own changes too. */
static void
emit_changed (PiKeyringStore *self,
              const char     *provider)
{
  g_signal_emit (self, signals[CREDENTIAL_CHANGED], g_quark_from_string (provider), provider);
}

/* `credential-changed` for a change made through the store, and the
 * tracker (the scheduler with it) looks again; it does not tell it a
 * second time. */
void
_pi_keyring_store_emit_changed (PiKeyringStore *self,
                                const char     *provider)
{
  if (self->tracker != NULL)
    _pi_keyring_change_tracker_note_own_change (self->tracker, provider);
  emit_changed (self, provider);
}
