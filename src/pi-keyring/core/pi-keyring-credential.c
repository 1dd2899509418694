/* pi-keyring-credential.c: one auth.json entry and its identity
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "core/pi-keyring-core-private.h"

#include <math.h>
#include <string.h>

/**
 * PiKeyringCredential:
 *
 * One credential: exactly one entry of pi's auth.json plus the provider and
 * profile it belongs to.
 *
 * A credential is either an API key (`{"type":"api_key","key":…}`) or an
 * OAuth token set (`{"type":"oauth","refresh":…,"access":…,"expires":…}`
 * plus provider fields such as `accountId` or `projectId`). Every field of
 * the entry, known or not, is kept in its order and written back unchanged,
 * so [method@Credential.to_json] gives the bytes pi would write.
 *
 * Credentials are immutable. Their secret fields are wiped from memory when
 * the last reference goes.
 *
 * A credential is made by its constructors only
 * ([ctor@Credential.new_api_key], [ctor@Credential.new_oauth],
 * [ctor@Credential.new_from_json]), which check the provider and profile
 * against the grammar of names ([func@is_valid_id]). The type is abstract,
 * as `GdkTexture` is: `g_object_new (PI_KEYRING_TYPE_CREDENTIAL, …)` and,
 * from Python, `PiKeyring.Credential ()` fail (a `TypeError` in Python)
 * rather than make a credential without a provider. Its identity
 * ([property@Credential:provider], [property@Credential:profile]) is
 * construct-only, and [property@Credential:kind] follows from the entry.
 * Do not derive from it.
 *
 * Since: 0.1
 */
struct _PiKeyringCredential
{
  GObject     parent_instance;

  char       *provider;
  char       *profile;
  JsonObject *entry;
};

enum {
  PROP_0,
  PROP_PROVIDER,
  PROP_PROFILE,
  PROP_KIND,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_ABSTRACT_TYPE (PiKeyringCredential, pi_keyring_credential, G_TYPE_OBJECT)

/* What the constructors make: abstract as the public type is, there is no
 * way to make a credential but through them (GI gives bindings a
 * constructor for every instantiable type: `PiKeyring.Credential ()` would
 * make one without a provider, and GInitable is not called by PyGObject or
 * gjs). */
#define PI_KEYRING_TYPE_ENTRY_CREDENTIAL (pi_keyring_entry_credential_get_type ())
G_DECLARE_FINAL_TYPE (PiKeyringEntryCredential, pi_keyring_entry_credential, PI_KEYRING,
                      ENTRY_CREDENTIAL, PiKeyringCredential)

struct _PiKeyringEntryCredential
{
  PiKeyringCredential parent_instance;
};

G_DEFINE_FINAL_TYPE (PiKeyringEntryCredential, pi_keyring_entry_credential,
                     PI_KEYRING_TYPE_CREDENTIAL)

static void
pi_keyring_entry_credential_class_init (PiKeyringEntryCredentialClass *klass)
{
}

static void
pi_keyring_entry_credential_init (PiKeyringEntryCredential *self)
{
}

static void
pi_keyring_credential_finalize (GObject *object)
{
  PiKeyringCredential *self = PI_KEYRING_CREDENTIAL (object);

  if (self->entry != NULL)
    {
      _pi_keyring_json_object_wipe (self->entry);
      json_object_unref (self->entry);
    }
  g_free (self->provider);
  g_free (self->profile);

  G_OBJECT_CLASS (pi_keyring_credential_parent_class)->finalize (object);
}

static void
pi_keyring_credential_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  PiKeyringCredential *self = PI_KEYRING_CREDENTIAL (object);

  switch (prop_id)
    {
    case PROP_PROVIDER:
      g_value_set_string (value, self->provider);
      break;

    case PROP_PROFILE:
      g_value_set_string (value, self->profile);
      break;

    case PROP_KIND:
      g_value_set_enum (value, pi_keyring_credential_get_kind (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pi_keyring_credential_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  PiKeyringCredential *self = PI_KEYRING_CREDENTIAL (object);

  switch (prop_id)
    {
    case PROP_PROVIDER:
      g_free (self->provider);
      self->provider = g_value_dup_string (value);
      break;

    case PROP_PROFILE:
      g_free (self->profile);
      self->profile = g_value_dup_string (value);
      if (self->profile == NULL)
        self->profile = g_strdup (PI_KEYRING_DEFAULT_PROFILE);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pi_keyring_credential_constructed (GObject *object)
{
  PiKeyringCredential *self = PI_KEYRING_CREDENTIAL (object);

  G_OBJECT_CLASS (pi_keyring_credential_parent_class)->constructed (object);

  /* Only a type derived by someone else gets here without them: it is
   * not supported, but keeps every method defined. */
  if (self->provider == NULL || *self->provider == '\0')
    g_critical ("A PiKeyringCredential needs a provider: make it with "
                "pi_keyring_credential_new_api_key () and the like.");
  if (self->entry == NULL)
    self->entry = json_object_new ();
}

static void
pi_keyring_credential_class_init (PiKeyringCredentialClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = pi_keyring_credential_constructed;
  object_class->finalize = pi_keyring_credential_finalize;
  object_class->get_property = pi_keyring_credential_get_property;
  object_class->set_property = pi_keyring_credential_set_property;

  /**
   * PiKeyringCredential:provider:
   *
   * The provider id, which is also the entry's key in auth.json. Set once,
   * by the constructors.
   *
   * Since: 0.1
   */
  properties[PROP_PROVIDER] =
    g_param_spec_string ("provider", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * PiKeyringCredential:profile:
   *
   * The profile the credential belongs to; `default` unless set. Set once,
   * by the constructors.
   *
   * Since: 0.1
   */
  properties[PROP_PROFILE] =
    g_param_spec_string ("profile", NULL, NULL, PI_KEYRING_DEFAULT_PROFILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * PiKeyringCredential:kind:
   *
   * Whether the credential is an API key or an OAuth token set: the
   * `type` of its entry, read-only.
   *
   * Since: 0.1
   */
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL,
                       PI_KEYRING_TYPE_CREDENTIAL_KIND,
                       PI_KEYRING_CREDENTIAL_KIND_API_KEY,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pi_keyring_credential_init (PiKeyringCredential *self)
{
}

/* DESIGN §8: what every provider id and profile name is. */
#define MAX_ID_LENGTH 128

/**
 * pi_keyring_is_valid_id:
 * @id: (nullable): a provider id or profile name
 *
 * Checks a provider id or profile name against the grammar every entry
 * point of the library, the command and the daemon applies: 1 to 128
 * characters of `A`–`Z`, `a`–`z`, `0`–`9` and `._@+-`, not starting with
 * `.` or `-`. Such a name is valid UTF-8, a single shell word, a file name
 * and a D-Bus string, so whatever stores it can read it back.
 *
 * Returns: %TRUE when @id is valid; %FALSE for %NULL
 *
 * Since: 0.1
 */
gboolean
pi_keyring_is_valid_id (const char *id)
{
  gsize length;

  if (id == NULL || id[0] == '.' || id[0] == '-')
    return FALSE;

  for (length = 0; id[length] != '\0'; length++)
    {
      if (length >= MAX_ID_LENGTH)
        return FALSE;
      if (!g_ascii_isalnum (id[length]) && strchr ("._@+-", id[length]) == NULL)
        return FALSE;
    }

  return length > 0;
}

/**
 * pi_keyring_validate_id:
 * @id: (nullable): a provider id or profile name
 * @error: return location for an error
 *
 * Checks @id as [func@is_valid_id] does, with an error that says what a
 * name may be.
 *
 * Returns: %TRUE when @id is valid; %FALSE with @error set to
 *   %PI_KEYRING_ERROR_INVALID_ARGUMENT otherwise
 *
 * Since: 0.1
 */
gboolean
pi_keyring_validate_id (const char  *id,
                        GError     **error)
{
  g_autofree char *shown = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (pi_keyring_is_valid_id (id))
    return TRUE;

  /* Every byte outside printable ASCII escaped: the name may not even be
   * UTF-8. A very long one is cut. */
  shown = g_strescape (id != NULL ? id : "", NULL);
  if (strlen (shown) > MAX_ID_LENGTH + 16)
    strcpy (shown + MAX_ID_LENGTH, "…");
  g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT,
               _("“%s” is not a valid provider or profile name: a name is 1 to 128 letters "
                 "(A–Z, a–z), digits and “._@+-”, and does not start with “.” or “-”."),
               shown);
  return FALSE;
}

static gboolean
profile_is_valid (const char *profile)
{
  return profile == NULL || pi_keyring_is_valid_id (profile);
}

PiKeyringCredential *
_pi_keyring_credential_new_take_object (const char *provider,
                                        const char *profile,
                                        JsonObject *entry)
{
  PiKeyringCredential *self;

  self = g_object_new (PI_KEYRING_TYPE_ENTRY_CREDENTIAL,
                       "provider", provider,
                       "profile", profile,
                       NULL);
  g_clear_pointer (&self->entry, json_object_unref);
  self->entry = entry;

  return self;
}

JsonObject *
_pi_keyring_credential_get_object (PiKeyringCredential *self)
{
  return self->entry;
}

JsonNode *
_pi_keyring_json_node_deep_copy (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *src = json_node_get_object (node);
        JsonObject *dst = json_object_new ();
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;

        json_object_iter_init_ordered (&iter, src);
        while (json_object_iter_next_ordered (&iter, &name, &member))
          json_object_set_member (dst, name, _pi_keyring_json_node_deep_copy (member));

        JsonNode *result = json_node_init_object (json_node_alloc (), dst);

        json_object_unref (dst);
        return result;
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *src = json_node_get_array (node);
        JsonArray *dst = json_array_new ();
        guint n = json_array_get_length (src);
        JsonNode *result;

        for (guint i = 0; i < n; i++)
          json_array_add_element (dst, _pi_keyring_json_node_deep_copy (json_array_get_element (src, i)));

        result = json_node_init_array (json_node_alloc (), dst);
        json_array_unref (dst);
        return result;
      }

    case JSON_NODE_VALUE:
      {
        /* json_node_copy () would share the JsonValue, and with it the
         * string that the original's owner may wipe. */
        GType type = json_node_get_value_type (node);

        if (type == G_TYPE_STRING)
          return json_node_init_string (json_node_alloc (), json_node_get_string (node));
        if (type == G_TYPE_INT64)
          return json_node_init_int (json_node_alloc (), json_node_get_int (node));
        if (type == G_TYPE_DOUBLE)
          return json_node_init_double (json_node_alloc (), json_node_get_double (node));
        if (type == G_TYPE_BOOLEAN)
          return json_node_init_boolean (json_node_alloc (), json_node_get_boolean (node));
        return json_node_copy (node);
      }

    case JSON_NODE_NULL:
    default:
      return json_node_init_null (json_node_alloc ());
    }
}

JsonNode *
_pi_keyring_credential_dup_node (PiKeyringCredential *self)
{
  g_autoptr(JsonNode) tmp = json_node_init_object (json_node_alloc (), self->entry);

  /* A deep copy: the caller's document must not share our strings, which
   * are wiped when the credential goes. */
  return _pi_keyring_json_node_deep_copy (tmp);
}

/**
 * pi_keyring_credential_new_api_key:
 * @provider: the provider id, such as `openai`
 * @profile: (nullable): the profile, or %NULL for `default`
 * @key: the key: a literal, an environment-variable name, or `!command`
 *
 * Creates an API-key credential, `{"type":"api_key","key":…}`.
 *
 * @provider and @profile must be valid names ([func@is_valid_id]): a bad
 * one is a programming error here. Names from outside the program are
 * checked with [func@validate_id] first, or stored with
 * [method@Store.set_api_key_async], which reports them as
 * %PI_KEYRING_ERROR_INVALID_ARGUMENT.
 *
 * Returns: (transfer full): a new credential
 *
 * Since: 0.1
 */
PiKeyringCredential *
pi_keyring_credential_new_api_key (const char *provider,
                                   const char *profile,
                                   const char *key)
{
  JsonObject *entry;

  g_return_val_if_fail (pi_keyring_is_valid_id (provider), NULL);
  g_return_val_if_fail (profile_is_valid (profile), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  entry = json_object_new ();
  json_object_set_string_member (entry, "type", "api_key");
  json_object_set_string_member (entry, "key", key);

  return _pi_keyring_credential_new_take_object (provider, profile, entry);
}

/**
 * pi_keyring_credential_new_oauth:
 * @provider: the provider id, such as `anthropic`
 * @profile: (nullable): the profile, or %NULL for `default`
 * @refresh: the refresh token
 * @access: the access token
 * @expires: when @access expires, in milliseconds since the epoch
 *
 * Creates an OAuth credential with pi's field order: `type`, `refresh`,
 * `access`, `expires`. Providers that store more fields, or another order,
 * build their entry with [ctor@Credential.new_from_json].
 *
 * @provider and @profile must be valid names ([func@is_valid_id]), as for
 * [ctor@Credential.new_api_key].
 *
 * Returns: (transfer full): a new credential
 *
 * Since: 0.1
 */
PiKeyringCredential *
pi_keyring_credential_new_oauth (const char *provider,
                                 const char *profile,
                                 const char *refresh,
                                 const char *access,
                                 gint64      expires)
{
  JsonObject *entry;

  g_return_val_if_fail (pi_keyring_is_valid_id (provider), NULL);
  g_return_val_if_fail (profile_is_valid (profile), NULL);
  g_return_val_if_fail (refresh != NULL, NULL);
  g_return_val_if_fail (access != NULL, NULL);

  entry = json_object_new ();
  json_object_set_string_member (entry, "type", "oauth");
  json_object_set_string_member (entry, "refresh", refresh);
  json_object_set_string_member (entry, "access", access);
  json_object_set_int_member (entry, "expires", expires);

  return _pi_keyring_credential_new_take_object (provider, profile, entry);
}

/**
 * pi_keyring_credential_new_from_json:
 * @provider: the provider id
 * @profile: (nullable): the profile, or %NULL for `default`
 * @json: the entry as JSON text, an object
 * @length: the length of @json in bytes, or -1 if it is nul-terminated
 * @error: return location for an error
 *
 * Parses one auth.json entry. Any object is accepted, as pi accepts it;
 * an entry without a `type` pi knows has the kind
 * %PI_KEYRING_CREDENTIAL_KIND_OTHER.
 *
 * Returns: (transfer full): a new credential, or %NULL with @error set to
 *   %PI_KEYRING_ERROR_PARSE, or to %PI_KEYRING_ERROR_INVALID_ARGUMENT when
 *   @provider or @profile is not a valid name ([func@is_valid_id])
 *
 * Since: 0.1
 */
PiKeyringCredential *
pi_keyring_credential_new_from_json (const char  *provider,
                                     const char  *profile,
                                     const char  *json,
                                     gssize       length,
                                     GError     **error)
{
  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!pi_keyring_validate_id (provider, error) ||
      (profile != NULL && !pi_keyring_validate_id (profile, error)))
    return NULL;

  return _pi_keyring_credential_parse (provider, profile, json, length, error);
}

/*
 * _pi_keyring_credential_parse:
 *
 * pi_keyring_credential_new_from_json () for an entry a backend holds: its
 * names are taken as they are, so that an entry stored under a name
 * outside the grammar (by an older version) can be listed and removed.
 */
PiKeyringCredential *
_pi_keyring_credential_parse (const char  *provider,
                              const char  *profile,
                              const char  *json,
                              gssize       length,
                              GError     **error)
{
  JsonObject *entry;

  g_return_val_if_fail (provider != NULL && *provider != '\0', NULL);
  g_return_val_if_fail (profile == NULL || *profile != '\0', NULL);
  g_return_val_if_fail (json != NULL, NULL);

  if (length < 0)
    length = strlen (json);

  if (length == 0)
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE,
                   _("The credential of “%s” is empty."), provider);
      return NULL;
    }

  entry = _pi_keyring_auth_json_parse (json, length, provider, error);
  if (entry == NULL)
    return NULL;

  return _pi_keyring_credential_new_take_object (provider, profile, entry);
}

gboolean
_pi_keyring_credential_check_storable (PiKeyringCredential  *credential,
                                       GError              **error)
{
  const char *key;
  JsonNode *env;

  if (!pi_keyring_validate_id (credential->provider, error) ||
      !pi_keyring_validate_id (credential->profile, error))
    return FALSE;

  key = _pi_keyring_json_get_string (credential->entry, "key");
  /* pi 1.6.0 writes an api_key entry without a key but with an `env` (an
   * AWS profile, a Vertex project): the provider's credentials are in the
   * environment. */
  env = json_object_get_member (credential->entry, "env");
  if (key == NULL && !json_object_has_member (credential->entry, "key") &&
      env != NULL && JSON_NODE_HOLDS_OBJECT (env))
    return TRUE;
  if (pi_keyring_credential_get_kind (credential) == PI_KEYRING_CREDENTIAL_KIND_API_KEY &&
      (key == NULL || *key == '\0'))
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT,
                   _("The API key of “%s” is empty; nothing was stored."), credential->provider);
      return FALSE;
    }

  return TRUE;
}

/**
 * pi_keyring_credential_to_json:
 * @self: a credential
 *
 * Serializes the entry as `JSON.stringify (entry)` does in pi: compact,
 * fields in their order.
 *
 * Returns: (transfer full): the entry as JSON text; it holds secrets
 *
 * Since: 0.1
 */
char *
pi_keyring_credential_to_json (PiKeyringCredential *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_CREDENTIAL (self), NULL);

  return _pi_keyring_json_object_stringify (self->entry, 0);
}

/**
 * pi_keyring_credential_copy_for_profile:
 * @self: a credential
 * @profile: (nullable): the profile of the copy, or %NULL for `default`
 *
 * Copies @self into another profile.
 *
 * Returns: (transfer full): a new credential with the same entry
 *
 * Since: 0.1
 */
PiKeyringCredential *
pi_keyring_credential_copy_for_profile (PiKeyringCredential *self,
                                        const char          *profile)
{
  JsonNode *copy;
  JsonObject *entry;

  g_return_val_if_fail (PI_KEYRING_IS_CREDENTIAL (self), NULL);
  g_return_val_if_fail (profile_is_valid (profile), NULL);

  copy = _pi_keyring_credential_dup_node (self);
  entry = json_object_ref (json_node_get_object (copy));
  json_node_unref (copy);

  return _pi_keyring_credential_new_take_object (self->provider, profile, entry);
}

/**
 * pi_keyring_credential_get_provider:
 * @self: a credential
 *
 * Gets the provider id.
 *
 * Returns: the provider id
 *
 * Since: 0.1
 */
const char *
pi_keyring_credential_get_provider (PiKeyringCredential *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_CREDENTIAL (self), NULL);

  return self->provider;
}

/**
 * pi_keyring_credential_get_profile:
 * @self: a credential
 *
 * Gets the profile.
 *
 * Returns: the profile name
 *
 * Since: 0.1
 */
const char *
pi_keyring_credential_get_profile (PiKeyringCredential *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_CREDENTIAL (self), NULL);

  return self->profile;
}

/**
 * pi_keyring_credential_get_type_name:
 * @self: a credential
 *
 * Gets the entry's `type` field as it is written.
 *
 * Returns: (nullable): the `type` string, or %NULL when the entry has none
 *
 * Since: 0.1
 */
const char *
pi_keyring_credential_get_type_name (PiKeyringCredential *self)
{
  g_return_val_if_fail (PI_KEYRING_IS_CREDENTIAL (self), NULL);

  return pi_keyring_credential_get_string_field (self, "type");
}

/**
 * pi_keyring_credential_get_kind:
 * @self: a credential
 *
 * Gets the kind of the credential, from its `type` field.
 *
 * Returns: the kind
 *
 * Since: 0.1
 */
PiKeyringCredentialKind
pi_keyring_credential_get_kind (PiKeyringCredential *self)
{
  const char *type;

  g_return_val_if_fail (PI_KEYRING_IS_CREDENTIAL (self), PI_KEYRING_CREDENTIAL_KIND_OTHER);

  type = pi_keyring_credential_get_type_name (self);
  if (g_strcmp0 (type, "api_key") == 0)
    return PI_KEYRING_CREDENTIAL_KIND_API_KEY;
  if (g_strcmp0 (type, "oauth") == 0)
    return PI_KEYRING_CREDENTIAL_KIND_OAUTH;

  return PI_KEYRING_CREDENTIAL_KIND_OTHER;
}

/**
 * pi_keyring_credential_get_string_field:
 * @self: a credential
 * @name: a field name, such as `accountId`
 *
 * Gets a string field of the entry.
 *
 * Returns: (nullable): the value, or %NULL when the field is missing or
 *   not a string
 *
 * Since: 0.1
 */
const char *
pi_keyring_credential_get_string_field (PiKeyringCredential *self,
                                        const char          *name)
{
  g_return_val_if_fail (PI_KEYRING_IS_CREDENTIAL (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return _pi_keyring_json_get_string (self->entry, name);
}

/**
 * pi_keyring_credential_get_field_names:
 * @self: a credential
 *
 * Lists the names of the entry's fields in their order.
 *
 * Returns: (transfer full) (array zero-terminated=1): the field names
 *
 * Since: 0.1
 */
char **
pi_keyring_credential_get_field_names (PiKeyringCredential *self)
{
  GStrvBuilder *builder;
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  g_return_val_if_fail (PI_KEYRING_IS_CREDENTIAL (self), NULL);

  builder = g_strv_builder_new ();
  json_object_iter_init_ordered (&iter, self->entry);
  while (json_object_iter_next_ordered (&iter, &name, &node))
    g_strv_builder_add (builder, name);

  {
    char **names = g_strv_builder_end (builder);

    g_strv_builder_unref (builder);
    return names;
  }
}

/**
 * pi_keyring_credential_get_key:
 * @self: a credential
 *
 * Gets the `key` of an API-key credential, unresolved.
 *
 * Returns: (nullable): the key, or %NULL
 *
 * Since: 0.1
 */
const char *
pi_keyring_credential_get_key (PiKeyringCredential *self)
{
  return pi_keyring_credential_get_string_field (self, "key");
}

/**
 * pi_keyring_credential_get_env:
 * @self: a credential
 *
 * Gets the `env` object pi 1.6.0 may write into an api_key entry: variables
 * that apply to this provider only (an AWS profile, a Cloudflare account
 * id, a Vertex project and location, or what the key's `$NAME` references
 * name). Members whose value is not a string are left out, as pi 1.6.0
 * refuses them.
 *
 * Returns: (transfer full) (nullable) (array zero-terminated=1): the
 *   variables as `NAME=VALUE` strings in the entry's order (values may be
 *   secrets: wipe them before freeing), or %NULL when the entry has no
 *   `env` object
 *
 * Since: 0.2
 */
char **
pi_keyring_credential_get_env (PiKeyringCredential *self)
{
  JsonNode *node;
  JsonObject *env;
  g_autoptr(GList) members = NULL;
  GPtrArray *vars;

  g_return_val_if_fail (PI_KEYRING_IS_CREDENTIAL (self), NULL);

  node = json_object_get_member (_pi_keyring_credential_get_object (self), "env");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  env = json_node_get_object (node);
  vars = g_ptr_array_new ();
  members = json_object_get_members (env);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (env, l->data);

      if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
        g_ptr_array_add (vars, g_strconcat (l->data, "=", json_node_get_string (value), NULL));
    }
  g_ptr_array_add (vars, NULL);

  return (char **) g_ptr_array_free (vars, FALSE);
}

/**
 * pi_keyring_credential_get_access:
 * @self: a credential
 *
 * Gets the access token of an OAuth credential.
 *
 * Returns: (nullable): the access token, or %NULL
 *
 * Since: 0.1
 */
const char *
pi_keyring_credential_get_access (PiKeyringCredential *self)
{
  return pi_keyring_credential_get_string_field (self, "access");
}

/**
 * pi_keyring_credential_get_refresh:
 * @self: a credential
 *
 * Gets the refresh token of an OAuth credential.
 *
 * Returns: (nullable): the refresh token, or %NULL
 *
 * Since: 0.1
 */
const char *
pi_keyring_credential_get_refresh (PiKeyringCredential *self)
{
  return pi_keyring_credential_get_string_field (self, "refresh");
}

static gboolean
get_expires (PiKeyringCredential *self,
             gint64              *out_expires)
{
  JsonNode *node = json_object_get_member (self->entry, "expires");
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    {
      *out_expires = json_node_get_int (node);
      return TRUE;
    }
  if (type == G_TYPE_DOUBLE)
    {
      double value = json_node_get_double (node);

      if (!isfinite (value))
        return FALSE;
      /* pi compares `now >= expires` with now a whole number of
       * milliseconds: for a fraction that is `now >= ceil (expires)`.
       * Saturate rather than overflow the conversion. */
      value = ceil (value);
      if (value >= 9223372036854775807.0)
        *out_expires = G_MAXINT64;
      else if (value <= -9223372036854775808.0)
        *out_expires = G_MININT64;
      else
        *out_expires = (gint64) value;
      return TRUE;
    }

  return FALSE;
}

/**
 * pi_keyring_credential_has_expires:
 * @self: a credential
 *
 * Whether the entry has a numeric `expires`. pi treats an OAuth entry
 * without one as valid for ever.
 *
 * Returns: %TRUE when `expires` is a number
 *
 * Since: 0.1
 */
gboolean
pi_keyring_credential_has_expires (PiKeyringCredential *self)
{
  gint64 expires;

  g_return_val_if_fail (PI_KEYRING_IS_CREDENTIAL (self), FALSE);

  return get_expires (self, &expires);
}

/**
 * pi_keyring_credential_get_expires:
 * @self: a credential
 *
 * Gets when the access token expires.
 *
 * Returns: milliseconds since the epoch, or -1 when the entry has no
 *   numeric `expires`
 *
 * Since: 0.1
 */
gint64
pi_keyring_credential_get_expires (PiKeyringCredential *self)
{
  gint64 expires;

  g_return_val_if_fail (PI_KEYRING_IS_CREDENTIAL (self), -1);

  if (!get_expires (self, &expires))
    return -1;

  return expires;
}

/**
 * pi_keyring_credential_is_expired:
 * @self: a credential
 * @now_ms: the time to compare with, in milliseconds since the epoch
 *
 * Whether an OAuth credential has expired at @now_ms, as pi decides it
 * (`now >= expires`; without a numeric `expires`, never).
 *
 * Returns: %TRUE when expired
 *
 * Since: 0.1
 */
gboolean
pi_keyring_credential_is_expired (PiKeyringCredential *self,
                                  gint64               now_ms)
{
  JsonNode *node;

  g_return_val_if_fail (PI_KEYRING_IS_CREDENTIAL (self), FALSE);

  node = json_object_get_member (self->entry, "expires");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return now_ms >= json_node_get_int (node);

  /* A JavaScript number: compare as pi does, in doubles. */
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE &&
      isfinite (json_node_get_double (node)))
    return (double) now_ms >= json_node_get_double (node);

  return FALSE;
}

/**
 * pi_keyring_credential_equal:
 * @a: a credential
 * @b: another credential
 *
 * Whether two credentials have the same provider, profile and entry (the
 * same JSON, field order included).
 *
 * Returns: %TRUE when equal
 *
 * Since: 0.1
 */
gboolean
pi_keyring_credential_equal (PiKeyringCredential *a,
                             PiKeyringCredential *b)
{
  g_autoptr(PiKeyringSecretString) ja = NULL;
  g_autoptr(PiKeyringSecretString) jb = NULL;

  g_return_val_if_fail (PI_KEYRING_IS_CREDENTIAL (a), FALSE);
  g_return_val_if_fail (PI_KEYRING_IS_CREDENTIAL (b), FALSE);

  if (g_strcmp0 (a->provider, b->provider) != 0 ||
      g_strcmp0 (a->profile, b->profile) != 0)
    return FALSE;

  ja = pi_keyring_credential_to_json (a);
  jb = pi_keyring_credential_to_json (b);

  return _pi_keyring_secret_equal (ja, jb);
}
