/* pi-keyring-secret-service-items.c: the Secret Service backend's items: schema, labels, errors, and reading all of them in a few D-Bus calls
 *
 * libsecret's SecretItem is a D-Bus proxy: making one for each of 1000
 * items costs 1000 round trips (Properties.GetAll) before a single secret
 * is read. The bulk read here asks for the item paths once (SearchItems),
 * the secrets once (GetSecrets, through libsecret so that the session's
 * encryption stays its business), and each item's Attributes property
 * pipelined beside them, a window of calls in flight at a time, so that the
 * keyring daemon is never idle waiting for us.
 *
 * The attributes are also kept, per item path, for the next read in this
 * process (a daemon lists again on every change; its ListCredentials
 * answers `list`): only items not seen before cost a call. An item's
 * ItemChanged or ItemDeleted signal forgets it. The signals are taken by
 * a filter in GDBus's worker thread, which sees every message in the
 * order it arrived, before any reply is handed to a main context: an
 * answer read after the change cannot be overtaken by the change, and an
 * answer that came while any change was coming in is used once and not
 * kept. Another keyring daemon (a new owner of the bus name) or another
 * bus forgets everything. Secrets are never kept.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

/* secret_service_search_for_dbus_paths () and
 * secret_service_get_secrets_for_dbus_paths (): stable since libsecret
 * 0.18, declared behind this guard. */
#define SECRET_API_SUBJECT_TO_CHANGE 1

#include "backends/pi-keyring-secret-service-private.h"

#include <string.h>

#define ITEM_INTERFACE     "org.freedesktop.Secret.Item"
#define ATTRIBUTES_WINDOW  64

static const SecretSchema credential_schema = {
  PI_KEYRING_SECRET_SCHEMA_NAME,
  SECRET_SCHEMA_NONE,
  {
    { "provider", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "profile", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "created", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
};

const SecretSchema *
_pi_keyring_secret_service_schema (void)
{
  return &credential_schema;
}

const char *
_pi_keyring_secret_service_kind_string (PiKeyringCredentialKind kind)
{
  switch (kind)
    {
    case PI_KEYRING_CREDENTIAL_KIND_API_KEY:
      return "api_key";
    case PI_KEYRING_CREDENTIAL_KIND_OAUTH:
      return "oauth";
    case PI_KEYRING_CREDENTIAL_KIND_OTHER:
    default:
      return "other";
    }
}

char *
_pi_keyring_secret_service_make_label (const char *provider,
                                       const char *profile)
{
  const char *name = _pi_keyring_provider_display_name (provider);
  GString *label;

  if (name == NULL)
    name = provider;

  /* The label is an identifier people search for: not translated. */
  label = g_string_new ("pi-keyring: ");
  g_string_append (label, name);
  if (!g_str_equal (profile, PI_KEYRING_DEFAULT_PROFILE))
    g_string_append_printf (label, " (%s)", profile);

  /* KWallet makes a folder of what comes before a "/" in a label
   * ("Anthropic (Claude Pro/Max)"): U+2215 DIVISION SLASH looks the same. */
  g_string_replace (label, "/", "\xe2\x88\x95", 0);

  return g_string_free (label, FALSE);
}

gint64
_pi_keyring_secret_service_parse_created (const char *value)
{
  gint64 created;

  if (value == NULL || !g_ascii_string_to_signed (value, 10, 0, G_MAXINT64, &created, NULL))
    return G_MAXINT64;

  return created;
}

PiKeyringCredential *
_pi_keyring_secret_service_credential_from_value (SecretValue *value,
                                                  const char  *provider,
                                                  const char  *profile)
{
  g_autoptr(GError) error = NULL;
  const char *data;
  gsize length;

  if (value == NULL)
    return NULL;

  /* The parser's message may quote the secret: it is dropped. */
  data = secret_value_get (value, &length);
  return _pi_keyring_credential_parse (provider, profile, data, length, &error);
}

/* --- Errors --- */

GError *
_pi_keyring_secret_service_timeout_error (guint timeout_ms)
{
  if (timeout_ms % 1000 == 0)
    {
      guint seconds = timeout_ms / 1000;

      return g_error_new (PI_KEYRING_ERROR, PI_KEYRING_ERROR_UNAVAILABLE,
                          g_dngettext (GETTEXT_PACKAGE,
                                       "The Secret Service did not answer within %u second.",
                                       "The Secret Service did not answer within %u seconds.",
                                       seconds),
                          seconds);
    }

  return g_error_new (PI_KEYRING_ERROR, PI_KEYRING_ERROR_UNAVAILABLE,
                      _("The Secret Service did not answer within %.1f seconds."),
                      timeout_ms / 1000.0);
}

GError *
_pi_keyring_session_bus_timeout_error (guint timeout_ms)
{
  if (timeout_ms % 1000 == 0)
    {
      guint seconds = timeout_ms / 1000;

      return g_error_new (PI_KEYRING_ERROR, PI_KEYRING_ERROR_UNAVAILABLE,
                          g_dngettext (GETTEXT_PACKAGE,
                                       "The session bus did not answer within %u second.",
                                       "The session bus did not answer within %u seconds.",
                                       seconds),
                          seconds);
    }

  return g_error_new (PI_KEYRING_ERROR, PI_KEYRING_ERROR_UNAVAILABLE,
                      _("The session bus did not answer within %.1f seconds."),
                      timeout_ms / 1000.0);
}

gboolean
_pi_keyring_secret_service_error_is_stale (const GError *error)
{
  return g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_DBUS_ERROR) ||
         g_error_matches (error, SECRET_ERROR, SECRET_ERROR_NO_SUCH_OBJECT);
}

gboolean
_pi_keyring_secret_service_error_is_session_fault (const GError *error)
{
  /* KWallet refuses a session whose public key has a leading zero byte
   * ("Client public key size is invalid", org.freedesktop.DBus.Error.InvalidArgs),
   * and sometimes derives another key than libsecret: a secret that cannot
   * be decrypted. Both are gone with the next session's random key. */
  return g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_FAILED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

GError *
_pi_keyring_secret_service_map_error (GError *error)
{
  g_autofree char *message = NULL;
  GError *mapped;

  if (error->domain == PI_KEYRING_ERROR ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return error;

  if (g_dbus_error_is_remote_error (error))
    {
      g_autoptr(GError) copy = g_error_copy (error);

      g_dbus_error_strip_remote_error (copy);
      message = g_strdup (copy->message);
    }
  else
    message = g_strdup (error->message);

  /* KeePassXC's errors carry no text: GDBus then says "Error return with
   * empty body", which tells a person nothing. The error's name does. */
  if (*message == '\0' ||
      g_str_equal (message, g_dgettext ("glib20", "Error return with empty body")) ||
      g_str_equal (message, "Error return with empty body"))
    {
      g_autofree char *name = g_dbus_error_get_remote_error (error);

      g_free (message);
      message = g_strdup_printf (_("the Secret Service refused the request (%s)"),
                                 name != NULL ? name : g_quark_to_string (error->domain));
    }

  if (g_error_matches (error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED))
    mapped = _pi_keyring_secret_service_item_locked_error (NULL);
  else if (_pi_keyring_secret_service_error_is_session_fault (error) &&
           !g_dbus_error_is_remote_error (error))
    mapped = g_error_new_literal (PI_KEYRING_ERROR, PI_KEYRING_ERROR_UNAVAILABLE,
                                  _("The Secret Service sent a secret that could not be "
                                    "decrypted, twice; try again."));
  else if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
           g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
    mapped = g_error_new_literal (PI_KEYRING_ERROR, PI_KEYRING_ERROR_UNAVAILABLE,
                                  _("No Secret Service is running on the session bus: "
                                    "nothing owns the name org.freedesktop.secrets."));
  else
    mapped = g_error_new (PI_KEYRING_ERROR, PI_KEYRING_ERROR_UNAVAILABLE,
                          _("The Secret Service cannot be reached: %s"), message);

  g_error_free (error);
  return mapped;
}

GError *
_pi_keyring_secret_service_item_locked_error (const char *provider)
{
  if (provider == NULL)
    return g_error_new_literal (PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED,
                                _("A keyring item of pi-keyring is locked: the Secret Service "
                                  "gives its secret only once the item itself is unlocked. "
                                  "Run “pi-keyring unlock” and try again."));

  return g_error_new (PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED,
                      _("The keyring item of “%s” is locked: the Secret Service gives its "
                        "secret only once the item itself is unlocked. Run “pi-keyring "
                        "unlock” and try again."),
                      provider);
}

GError *
_pi_keyring_secret_service_no_default_collection_error (void)
{
  return g_error_new_literal (PI_KEYRING_ERROR, PI_KEYRING_ERROR_UNAVAILABLE,
                              _("There is no default keyring: the Secret Service has "
                                "no collection behind the alias “default”. Make one the "
                                "default (GNOME Keyring: Seahorse; KeePassXC: expose a group "
                                "of an open database in its Secret Service Integration "
                                "settings; KWallet: create a wallet) and try again."));
}

GError *
_pi_keyring_secret_service_collection_locked_error (void)
{
  return g_error_new_literal (PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED,
                              _("The default keyring is locked. Unlock it, for example "
                                "with “pi-keyring unlock”, and try again."));
}

/* --- The default collection, without a proxy --- */


/* The path of the default collection from ReadAlias's reply, or NULL with
 * an error. (A SecretCollection proxy would also load every item path of
 * its Items property, for each operation.) */
static char *
default_collection_finish (GDBusProxy    *service,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_autoptr(GVariant) reply = NULL;
  char *path = NULL;

  reply = g_dbus_proxy_call_finish (service, result, error);
  if (reply == NULL)
    return NULL;

  g_variant_get (reply, "(o)", &path);
  if (g_str_equal (path, "/"))
    {
      g_free (path);
      g_propagate_error (error, _pi_keyring_secret_service_no_default_collection_error ());
      return NULL;
    }

  return path;
}

static void
default_collection_async (SecretService       *service,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_dbus_proxy_call (G_DBUS_PROXY (service), "ReadAlias", g_variant_new ("(s)", "default"),
                     G_DBUS_CALL_FLAGS_NONE, -1, cancellable, callback, user_data);
}

/* Properties.Get (Locked) of @collection; the callback gets its reply. */
static void
collection_locked_async (SecretService       *service,
                         const char          *collection,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_dbus_connection_call (g_dbus_proxy_get_connection (G_DBUS_PROXY (service)),
                          g_dbus_proxy_get_name (G_DBUS_PROXY (service)),
                          collection, "org.freedesktop.DBus.Properties", "Get",
                          g_variant_new ("(ss)", "org.freedesktop.Secret.Collection", "Locked"),
                          G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                          cancellable, callback, user_data);
}

/* TRUE when the reply of collection_locked_async () says locked (or is
 * not a boolean); FALSE with @error set when the call failed. */
static gboolean
collection_locked_finish (GDBusConnection  *connection,
                          GAsyncResult     *result,
                          gboolean         *locked,
                          GError          **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;

  reply = g_dbus_connection_call_finish (connection, result, error);
  if (reply == NULL)
    return FALSE;

  g_variant_get (reply, "(v)", &value);
  *locked = !g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN) || g_variant_get_boolean (value);
  return TRUE;
}

/* --- Reading all items --- */

typedef struct
{
  char   *provider;   /* NULL until the attributes arrived; "" when absent */
  char   *profile;
  gint64  created;
} ItemInfo;

/* --- the attributes kept from one read to the next --- */

static GMutex           cache_lock;
static GHashTable      *cache;             /* item path → ItemInfo */
static GDBusConnection *cache_connection;  /* the bus the cache is of */
static guint            cache_filter_id;
static char            *cache_owner;       /* the unique name of the keyring daemon */
static guint64          cache_epoch;       /* counts the changes seen */
static guint            attribute_reads;   /* for tests: Properties.Get calls made */

static void
item_info_clear (ItemInfo *info)
{
  g_free (info->provider);
  g_free (info->profile);
}

static void
item_info_free (gpointer data)
{
  item_info_clear (data);
  g_free (data);
}

static void
item_info_copy (ItemInfo       *dest,
                const ItemInfo *src)
{
  dest->provider = g_strdup (src->provider);
  dest->profile = g_strdup (src->profile);
  dest->created = src->created;
}

/* GDBus's worker thread: every incoming message, in order. */
static GDBusMessage *
cache_filter (GDBusConnection *connection,
              GDBusMessage    *message,
              gboolean         incoming,
              gpointer         user_data)
{
  const char *member;
  GVariant *body;

  if (!incoming || g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_SIGNAL ||
      g_strcmp0 (g_dbus_message_get_interface (message), "org.freedesktop.Secret.Collection") != 0)
    return message;

  member = g_dbus_message_get_member (message);
  if (g_strcmp0 (member, "ItemChanged") != 0 && g_strcmp0 (member, "ItemDeleted") != 0)
    return message;

  body = g_dbus_message_get_body (message);
  g_mutex_lock (&cache_lock);
  cache_epoch++;
  if (cache != NULL && body != NULL && g_variant_is_of_type (body, G_VARIANT_TYPE ("(o)")))
    {
      const char *path;

      g_variant_get (body, "(&o)", &path);
      g_hash_table_remove (cache, path);
    }
  g_mutex_unlock (&cache_lock);

  return message;
}

/* Before a read on @connection, whose keyring daemon is @owner: the
 * filter and the match rule are in place before the read's first call
 * (the bus takes one connection's messages in order). */
static void
cache_begin (GDBusConnection *connection,
             const char      *owner)
{
  g_mutex_lock (&cache_lock);
  if (cache_connection != connection)
    {
      if (cache_connection != NULL)
        {
          g_dbus_connection_remove_filter (cache_connection, cache_filter_id);
          g_clear_object (&cache_connection);
        }
      g_clear_pointer (&cache, g_hash_table_unref);
      cache_connection = g_object_ref (connection);
      cache_filter_id = g_dbus_connection_add_filter (connection, cache_filter, NULL, NULL);
      g_dbus_connection_call (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                              "org.freedesktop.DBus", "AddMatch",
                              g_variant_new ("(s)", "type='signal',sender='org.freedesktop.secrets',"
                                                    "interface='org.freedesktop.Secret.Collection'"),
                              NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
    }
  if (cache == NULL || g_strcmp0 (owner, cache_owner) != 0)
    {
      g_clear_pointer (&cache, g_hash_table_unref);
      cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, item_info_free);
      g_free (cache_owner);
      cache_owner = g_strdup (owner);
    }
  g_mutex_unlock (&cache_lock);
}

/* Fills the @infos of the @n_paths @paths the cache knows; the others
 * stay empty (provider NULL). */
static void
cache_lookup (GDBusConnection  *connection,
              char            **paths,
              guint             n_paths,
              ItemInfo         *infos)
{
  g_mutex_lock (&cache_lock);
  if (connection == cache_connection && cache != NULL)
    for (guint i = 0; i < n_paths; i++)
      {
        const ItemInfo *known = g_hash_table_lookup (cache, paths[i]);

        if (known != NULL)
          item_info_copy (&infos[i], known);
      }
  g_mutex_unlock (&cache_lock);
}

static guint64
cache_get_epoch (void)
{
  guint64 epoch;

  g_mutex_lock (&cache_lock);
  epoch = cache_epoch;
  g_mutex_unlock (&cache_lock);

  return epoch;
}

/* Keeps @info, asked for at @epoch, unless a change came in meanwhile. */
static void
cache_store (GDBusConnection *connection,
             const char      *path,
             const ItemInfo  *info,
             guint64          epoch)
{
  g_mutex_lock (&cache_lock);
  if (connection == cache_connection && cache != NULL && epoch == cache_epoch)
    {
      ItemInfo *copy = g_new0 (ItemInfo, 1);

      item_info_copy (copy, info);
      g_hash_table_replace (cache, g_strdup (path), copy);
    }
  g_mutex_unlock (&cache_lock);
}

guint
_pi_keyring_secret_service_get_attribute_reads (void)
{
  return g_atomic_int_get (&attribute_reads);
}

typedef struct
{
  SecretService   *service;
  GDBusConnection *connection;
  char            *bus_name;
  GCancellable    *cancellable;
  char            *profile;    /* NULL: all */
  char            *collection; /* the default collection's path */

  char           **paths;
  guint            n_paths;
  ItemInfo        *infos;      /* n_paths of them */
  guint            next;       /* the next path whose Attributes to ask for */
  guint            pending;    /* calls in flight */
  GHashTable      *secrets;    /* path → SecretValue, once GetSecrets answered */
  GError          *error;      /* the first error */
  gboolean         locked_asked; /* which item is locked was asked */
} ReadAll;

static void
read_all_free (ReadAll *ra)
{
  for (guint i = 0; ra->infos != NULL && i < ra->n_paths; i++)
    item_info_clear (&ra->infos[i]);
  g_free (ra->infos);
  g_strfreev (ra->paths);
  g_clear_pointer (&ra->secrets, g_hash_table_unref);
  g_clear_error (&ra->error);
  g_clear_object (&ra->cancellable);
  g_free (ra->bus_name);
  g_free (ra->profile);
  g_free (ra->collection);
  g_clear_object (&ra->connection);
  g_clear_object (&ra->service);
  g_free (ra);
}

typedef struct
{
  gint64               created;
  PiKeyringCredential *credential;
} ListEntry;

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const ListEntry *ea = a;
  const ListEntry *eb = b;
  int cmp;

  if (ea->created != eb->created)
    return ea->created < eb->created ? -1 : 1;

  cmp = g_strcmp0 (pi_keyring_credential_get_provider (ea->credential),
                   pi_keyring_credential_get_provider (eb->credential));
  if (cmp != 0)
    return cmp;

  return g_strcmp0 (pi_keyring_credential_get_profile (ea->credential),
                    pi_keyring_credential_get_profile (eb->credential));
}

static void
clear_entry (gpointer data)
{
  ListEntry *entry = data;

  g_clear_object (&entry->credential);
}

static void read_all_complete (GTask *task);

/* The service's answer to which of our items are locked: the list's error
 * names the first one's provider (its attributes are readable while it is
 * locked), as a read of that provider would, so that a caller that reads
 * both says it once. */
static void
on_locked_searched (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ReadAll *ra = g_task_get_task_data (task);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree const char **locked = NULL;
  g_autofree const char **unlocked = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    g_debug ("Could not ask which keyring item is locked: %s", error->message);
  else
    {
      g_variant_get (reply, "(^a&o^a&o)", &unlocked, &locked);
      for (guint i = 0; i < ra->n_paths; i++)
        {
          const char *provider = ra->infos[i].provider;

          if (provider == NULL || *provider == '\0' ||
              !g_strv_contains ((const char *const *) locked, ra->paths[i]))
            continue;
          g_clear_error (&ra->error);
          ra->error = _pi_keyring_secret_service_item_locked_error (provider);
          break;
        }
    }

  read_all_complete (task);
}

/* Asks the service which items of ours are locked (a locked collection was
 * ruled out before: it is a locked item, as KeePassXC's ConfirmAccessItem
 * makes them). */
static void
ask_locked (GTask *task)
{
  ReadAll *ra = g_task_get_task_data (task);
  GVariantBuilder attributes;

  ra->locked_asked = TRUE;
  g_variant_builder_init (&attributes, G_VARIANT_TYPE ("a{ss}"));
  g_variant_builder_add (&attributes, "{ss}", "xdg:schema", credential_schema.name);
  if (ra->profile != NULL)
    g_variant_builder_add (&attributes, "{ss}", "profile", ra->profile);

  g_dbus_connection_call (ra->connection, ra->bus_name, "/org/freedesktop/secrets",
                          "org.freedesktop.Secret.Service", "SearchItems",
                          g_variant_new ("(a{ss})", &attributes), G_VARIANT_TYPE ("(aoao)"),
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, ra->cancellable,
                          on_locked_searched, g_object_ref (task));
}

/* Everything has arrived: credentials from the secrets and attributes. */
static void
read_all_complete (GTask *task)
{
  ReadAll *ra = g_task_get_task_data (task);
  g_autoptr(GArray) entries = NULL;
  GPtrArray *list;

  if (ra->error != NULL &&
      g_error_matches (ra->error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED) && !ra->locked_asked)
    {
      ask_locked (task);
      return;
    }
  if (ra->error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&ra->error));
      return;
    }

  entries = g_array_sized_new (FALSE, FALSE, sizeof (ListEntry), ra->n_paths);
  g_array_set_clear_func (entries, clear_entry);

  for (guint i = 0; i < ra->n_paths; i++)
    {
      ItemInfo *info = &ra->infos[i];
      SecretValue *value;
      ListEntry entry;

      if (info->provider == NULL || *info->provider == '\0' ||
          (info->profile != NULL && *info->profile == '\0'))
        continue;

      /* The collection is unlocked, and a service that keeps an item
       * locked refuses GetSecrets (KeePassXC: IsLocked): a secret missing
       * here is one libsecret could not decrypt (KWallet's key exchange
       * goes wrong now and then), which a new session does not have. */
      value = g_hash_table_lookup (ra->secrets, ra->paths[i]);
      if (value == NULL)
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                   "no secret for the item %s", ra->paths[i]);
          return;
        }

      entry.credential = _pi_keyring_secret_service_credential_from_value (value, info->provider,
                                                                           info->profile);
      if (entry.credential == NULL)
        {
          g_debug ("Skipping the keyring item of “%s”: it does not hold a valid credential",
                   info->provider);
          continue;
        }
      entry.created = info->created;
      g_array_append_val (entries, entry);
    }

  g_array_sort (entries, compare_entries);

  list = g_ptr_array_new_full (entries->len, g_object_unref);
  for (guint i = 0; i < entries->len; i++)
    g_ptr_array_add (list, g_steal_pointer (&g_array_index (entries, ListEntry, i).credential));

  g_task_return_pointer (task, list, (GDestroyNotify) g_ptr_array_unref);
}

/* Keeps the first error; no further calls start, those in flight end. */
static void
read_all_failed (ReadAll *ra,
                 GError  *error)
{
  if (ra->error == NULL)
    ra->error = error;
  else
    g_error_free (error);
}

/* One call has finished; the last one completes the task. */
static void
read_all_call_done (GTask *task)
{
  ReadAll *ra = g_task_get_task_data (task);

  g_assert (ra->pending > 0);
  if (--ra->pending == 0 && (ra->error != NULL || ra->next == ra->n_paths))
    read_all_complete (task);
}

static void ask_attributes (GTask *task);

/* One Properties.Get call: which item it is for. */
typedef struct
{
  GTask   *task;
  guint    index;
  guint64  epoch;  /* the changes seen when it was asked */
} AttributesCall;

static void
on_attributes (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  AttributesCall *call = user_data;
  g_autoptr(GTask) task = call->task;
  guint index = call->index;
  guint64 epoch = call->epoch;
  ReadAll *ra = g_task_get_task_data (task);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) boxed = NULL;
  g_autoptr(GVariant) attributes = NULL;
  GError *error = NULL;
  ItemInfo *info;
  const char *created = NULL;
  const char *provider = NULL;
  const char *profile = NULL;

  g_free (call);

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      read_all_failed (ra, error);
      read_all_call_done (task);
      return;
    }

  info = &ra->infos[index];
  g_variant_get (reply, "(v)", &boxed);
  if (g_variant_is_of_type (boxed, G_VARIANT_TYPE ("a{ss}")))
    {
      attributes = g_variant_ref (boxed);
      g_variant_lookup (attributes, "provider", "&s", &provider);
      g_variant_lookup (attributes, "profile", "&s", &profile);
      g_variant_lookup (attributes, "created", "&s", &created);
    }
  info->provider = g_strdup (provider != NULL ? provider : "");
  info->profile = g_strdup (profile);
  info->created = _pi_keyring_secret_service_parse_created (created);
  cache_store (ra->connection, ra->paths[index], info, epoch);

  /* A locked item: the attributes still come, to name its provider. */
  if (ra->error == NULL || g_error_matches (ra->error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED))
    ask_attributes (task);
  read_all_call_done (task);
}

/* Keeps up to ATTRIBUTES_WINDOW Properties.Get calls in flight. */
static void
ask_attributes (GTask *task)
{
  ReadAll *ra = g_task_get_task_data (task);

  while (ra->next < ra->n_paths)
    {
      AttributesCall *call;

      /* Known from an earlier read. */
      if (ra->infos[ra->next].provider != NULL)
        {
          ra->next++;
          continue;
        }
      if (ra->pending >= ATTRIBUTES_WINDOW)
        break;

      call = g_new (AttributesCall, 1);
      call->task = g_object_ref (task);
      call->index = ra->next;
      call->epoch = cache_get_epoch ();
      ra->pending++;
      g_atomic_int_inc (&attribute_reads);
      g_dbus_connection_call (ra->connection, ra->bus_name, ra->paths[ra->next],
                              "org.freedesktop.DBus.Properties", "Get",
                              g_variant_new ("(ss)", ITEM_INTERFACE, "Attributes"),
                              G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                              -1, ra->cancellable, on_attributes, call);
      ra->next++;
    }
}

static void
on_secrets (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ReadAll *ra = g_task_get_task_data (task);
  GError *error = NULL;

  ra->secrets = secret_service_get_secrets_for_dbus_paths_finish (SECRET_SERVICE (source),
                                                                  result, &error);
  if (error != NULL)
    read_all_failed (ra, error);
  else if (ra->secrets == NULL)
    /* no secret at all: each item is reported as locked */
    ra->secrets = g_hash_table_new (g_str_hash, g_str_equal);
  read_all_call_done (task);
}

static void
on_paths (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ReadAll *ra = g_task_get_task_data (task);
  g_autoptr(GVariant) reply = NULL;
  GError *error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  g_variant_get (reply, "(^ao)", &ra->paths);
  ra->n_paths = g_strv_length (ra->paths);
  if (ra->n_paths == 0)
    {
      g_task_return_pointer (task, g_ptr_array_new_with_free_func (g_object_unref),
                             (GDestroyNotify) g_ptr_array_unref);
      return;
    }

  ra->infos = g_new0 (ItemInfo, ra->n_paths);
  cache_lookup (ra->connection, ra->paths, ra->n_paths, ra->infos);

  /* The secrets in one call, the attributes beside it. */
  ra->pending++;
  secret_service_get_secrets_for_dbus_paths (ra->service, (const char **) ra->paths,
                                             ra->cancellable, on_secrets, g_object_ref (task));
  ask_attributes (task);
}

static void
on_all_collection_locked (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ReadAll *ra = g_task_get_task_data (task);
  GVariantBuilder attributes;
  GError *error = NULL;
  gboolean locked;

  if (!collection_locked_finish (G_DBUS_CONNECTION (source), result, &locked, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (locked)
    {
      g_task_return_error (task, _pi_keyring_secret_service_collection_locked_error ());
      return;
    }

  /* What secret_collection_search () asks: the schema's name, and the profile. */
  g_variant_builder_init (&attributes, G_VARIANT_TYPE ("a{ss}"));
  g_variant_builder_add (&attributes, "{ss}", "xdg:schema", credential_schema.name);
  if (ra->profile != NULL)
    g_variant_builder_add (&attributes, "{ss}", "profile", ra->profile);

  g_dbus_connection_call (ra->connection, ra->bus_name, ra->collection,
                          "org.freedesktop.Secret.Collection", "SearchItems",
                          g_variant_new ("(a{ss})", &attributes), G_VARIANT_TYPE ("(ao)"),
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, ra->cancellable, on_paths,
                          g_object_ref (task));
}

static void
on_all_alias (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ReadAll *ra = g_task_get_task_data (task);
  GError *error = NULL;

  ra->collection = default_collection_finish (G_DBUS_PROXY (source), result, &error);
  if (ra->collection == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  collection_locked_async (ra->service, ra->collection, ra->cancellable,
                           on_all_collection_locked, g_object_ref (task));
}

void
_pi_keyring_secret_service_read_all_async (SecretService       *service,
                                           const char          *profile,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *owner = NULL;
  ReadAll *ra;

  g_return_if_fail (SECRET_IS_SERVICE (service));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, _pi_keyring_secret_service_read_all_async);

  ra = g_new0 (ReadAll, 1);
  ra->service = g_object_ref (service);
  ra->connection = g_object_ref (g_dbus_proxy_get_connection (G_DBUS_PROXY (service)));
  ra->bus_name = g_strdup (g_dbus_proxy_get_name (G_DBUS_PROXY (service)));
  ra->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  ra->profile = g_strdup (profile);
  g_task_set_task_data (task, ra, (GDestroyNotify) read_all_free);

  owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (service));
  cache_begin (ra->connection, owner);
  default_collection_async (service, ra->cancellable, on_all_alias, g_object_ref (task));
}

GPtrArray *
_pi_keyring_secret_service_read_all_finish (GAsyncResult  *result,
                                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- Reading one item --- */

typedef struct
{
  SecretService *service;
  GCancellable  *cancellable;
  char          *provider;
  char          *profile;
  char          *collection;   /* the default collection's path */
  char          *item;         /* the one item's path */
  /* The session is opened while the item is looked for: the task
   * returns only once it is open (no call left behind it). */
  gboolean       session_pending;
  gboolean       item_found;   /* waiting for the session to get the secret */
  /* Locked is asked of the default alias's object at once, beside
   * ReadAlias; a service without alias objects is asked again at the
   * collection's path. */
  gboolean       alias_pending;
  int            alias_locked; /* 0 unlocked, 1 locked, -1 not answered */
  gboolean       ended;        /* waiting for the calls above to return outcome */
  GError        *outcome;      /* … an error, or NULL for nothing stored */
} ReadOne;

#define DEFAULT_ALIAS_PATH "/org/freedesktop/secrets/aliases/default"

static void
read_one_free (ReadOne *ro)
{
  g_clear_object (&ro->service);
  g_clear_object (&ro->cancellable);
  g_free (ro->provider);
  g_free (ro->profile);
  g_free (ro->collection);
  g_free (ro->item);
  g_clear_error (&ro->outcome);
  g_free (ro);
}

/* Returns @error (taken), or nothing stored when it is NULL, once the
 * session and the alias's Locked are answered. */
static void
read_one_end (GTask  *task,
              GError *error)
{
  ReadOne *ro = g_task_get_task_data (task);

  if (ro->session_pending || ro->alias_pending)
    {
      ro->ended = TRUE;
      ro->outcome = error;
      return;
    }

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, NULL, NULL);
}

static void on_one_secret (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data);
static void search_one (GTask *task);

static void
get_one_secret (GTask *task)
{
  ReadOne *ro = g_task_get_task_data (task);
  const char *paths[2] = { ro->item, NULL };

  secret_service_get_secrets_for_dbus_paths (ro->service, paths, ro->cancellable,
                                             on_one_secret, g_object_ref (task));
}

static void
on_one_session (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ReadOne *ro = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  /* A session that failed is tried again, and its error returned, by
   * GetSecrets; only a search that found the item needs one. */
  if (!secret_service_ensure_session_finish (SECRET_SERVICE (source), result, &error))
    g_debug ("Could not open a Secret Service session yet: %s", error->message);
  ro->session_pending = FALSE;

  if (ro->ended)
    read_one_end (task, g_steal_pointer (&ro->outcome));
  else if (ro->item_found)
    get_one_secret (task);
}

static gboolean
path_in_collection (const char *path,
                    const char *collection)
{
  gsize length = strlen (collection);

  return strncmp (path, collection, length) == 0 && path[length] == '/' &&
         strchr (path + length + 1, '/') == NULL;
}

static void
on_one_secret (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ReadOne *ro = g_task_get_task_data (task);
  g_autoptr(GHashTable) secrets = NULL;
  PiKeyringCredential *credential;
  SecretValue *value;
  GError *error = NULL;

  secrets = secret_service_get_secrets_for_dbus_paths_finish (SECRET_SERVICE (source), result,
                                                              &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* The item was unlocked (SearchItems said so): libsecret could not
   * decrypt what the service sent. KWallet gets the Diffie-Hellman key of a
   * session wrong now and then; a new session does not. */
  value = secrets != NULL ? g_hash_table_lookup (secrets, ro->item) : NULL;
  if (value == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "no secret for the unlocked item %s", ro->item);
      return;
    }

  credential = _pi_keyring_secret_service_credential_from_value (value, ro->provider, ro->profile);
  if (credential == NULL)
    {
      g_task_return_new_error (task, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE,
                               _("The keyring item of “%s” does not hold a valid credential."),
                               ro->provider);
      return;
    }

  g_task_return_pointer (task, credential, g_object_unref);
}

static void
on_one_searched (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ReadOne *ro = g_task_get_task_data (task);
  g_auto(GStrv) unlocked = NULL;
  g_auto(GStrv) locked = NULL;
  GError *error = NULL;
  guint found = 0;

  if (!secret_service_search_for_dbus_paths_finish (SECRET_SERVICE (source), result,
                                                    &unlocked, &locked, &error))
    {
      read_one_end (task, error);
      return;
    }

  /* Only the default collection's items count. */
  for (guint i = 0; locked != NULL && locked[i] != NULL; i++)
    if (path_in_collection (locked[i], ro->collection))
      {
        read_one_end (task, _pi_keyring_secret_service_item_locked_error (ro->provider));
        return;
      }
  for (guint i = 0; unlocked != NULL && unlocked[i] != NULL; i++)
    if (path_in_collection (unlocked[i], ro->collection))
      {
        if (found++ == 0)
          ro->item = g_strdup (unlocked[i]);
      }

  if (found == 0)
    {
      /* Nothing stored: the collection was unlocked before the search. */
      read_one_end (task, NULL);
      return;
    }
  if (found > 1)
    {
      read_one_end (task, g_error_new (G_IO_ERROR, G_IO_ERROR_EXISTS,
                                       "%u items match", found));
      return;
    }

  if (ro->session_pending)
    ro->item_found = TRUE;
  else
    get_one_secret (task);
}

static void
on_one_collection_locked (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  gboolean locked;

  if (!collection_locked_finish (G_DBUS_CONNECTION (source), result, &locked, &error))
    {
      read_one_end (task, error);
      return;
    }
  if (locked)
    {
      read_one_end (task, _pi_keyring_secret_service_collection_locked_error ());
      return;
    }

  search_one (task);
}

static void
search_one (GTask *task)
{
  ReadOne *ro = g_task_get_task_data (task);
  g_autoptr(GHashTable) attributes = g_hash_table_new (g_str_hash, g_str_equal);

  g_hash_table_insert (attributes, (gpointer) "provider", ro->provider);
  g_hash_table_insert (attributes, (gpointer) "profile", ro->profile);
  secret_service_search_for_dbus_paths (ro->service, &credential_schema, attributes,
                                        ro->cancellable, on_one_searched, g_object_ref (task));
}

/* Once the alias and its Locked are known */
static void
after_alias (GTask *task)
{
  ReadOne *ro = g_task_get_task_data (task);

  if (ro->alias_locked == 0)
    search_one (task);
  else if (ro->alias_locked == 1)
    read_one_end (task, _pi_keyring_secret_service_collection_locked_error ());
  else
    collection_locked_async (ro->service, ro->collection, ro->cancellable,
                             on_one_collection_locked, g_object_ref (task));
}

static void
on_alias_locked (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ReadOne *ro = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean locked;

  if (collection_locked_finish (G_DBUS_CONNECTION (source), result, &locked, &error))
    ro->alias_locked = locked ? 1 : 0;
  else
    {
      g_debug ("No Locked at %s: %s", DEFAULT_ALIAS_PATH, error->message);
      ro->alias_locked = -1;
    }
  ro->alias_pending = FALSE;

  if (ro->ended)
    read_one_end (task, g_steal_pointer (&ro->outcome));
  else if (ro->collection != NULL)
    after_alias (task);
}

/* The collection's Locked before any search: a locked KeePassXC database
 * answers SearchItems with its unlock dialog (UnlockBeforeSearch), and
 * the call waits for a person. */
static void
on_alias (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ReadOne *ro = g_task_get_task_data (task);
  GError *error = NULL;

  ro->collection = default_collection_finish (G_DBUS_PROXY (source), result, &error);
  if (ro->collection == NULL)
    {
      read_one_end (task, error);
      return;
    }

  if (!ro->alias_pending)
    after_alias (task);
}

void
_pi_keyring_secret_service_read_one_async (SecretService       *service,
                                           const char          *provider,
                                           const char          *profile,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ReadOne *ro;

  g_return_if_fail (SECRET_IS_SERVICE (service));
  g_return_if_fail (provider != NULL && profile != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, _pi_keyring_secret_service_read_one_async);

  ro = g_new0 (ReadOne, 1);
  ro->service = g_object_ref (service);
  ro->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  ro->provider = g_strdup (provider);
  ro->profile = g_strdup (profile);
  g_task_set_task_data (task, ro, (GDestroyNotify) read_one_free);

  /* The session (a Diffie-Hellman exchange: the slowest call) while the
   * alias, the lock and the search are asked; none of them needs it. */
  ro->session_pending = TRUE;
  secret_service_ensure_session (service, ro->cancellable, on_one_session, g_object_ref (task));
  default_collection_async (service, ro->cancellable, on_alias, g_object_ref (task));
  ro->alias_pending = TRUE;
  collection_locked_async (service, DEFAULT_ALIAS_PATH, ro->cancellable, on_alias_locked,
                           g_object_ref (task));
}

PiKeyringCredential *
_pi_keyring_secret_service_read_one_finish (GAsyncResult  *result,
                                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
