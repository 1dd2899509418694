/* test-secret-service.c: the Secret Service backend against a real keyring
 *
 * Runs inside tests/with-test-keyring.sh: a private session bus with a
 * private, unlocked gnome-keyring. The keyring lives as long as this
 * program, so every fixture clears pi-keyring's items before and after.
 * Tests of the "no keyring" paths run in subprocesses, because libsecret
 * and GDBus cache their connections.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include <libsecret/secret.h>

#include "backends/pi-keyring-secret-service-private.h"
#include "store/pi-keyring-store-private.h"

#include "test-util.h"

#define LOGIN_COLLECTION "/org/freedesktop/secrets/collection/login"

/* The same schema as the backend's, to read items back independently. */
static const SecretSchema test_schema = {
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

/* The wrapper's environment, before G_TEST_OPTION_ISOLATE_DIRS replaced it:
 * a restarted keyring daemon must find the same keyring files. */
static char **wrapper_environ;

/* --- helpers --- */

static void
clear_items (void)
{
  g_autoptr(GHashTable) attributes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;

  secret_service_clear_sync (NULL, &test_schema, attributes, NULL, &error);
  if (error != NULL)
    g_assert_error (error, SECRET_ERROR, SECRET_ERROR_NO_SUCH_OBJECT);
}

/* Items of our schema, secrets loaded; NULL @profile matches any. */
static GList *
search_items (const char *provider,
              const char *profile)
{
  g_autoptr(GHashTable) attributes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  GList *items;

  if (provider != NULL)
    g_hash_table_insert (attributes, (gpointer) "provider", (gpointer) provider);
  if (profile != NULL)
    g_hash_table_insert (attributes, (gpointer) "profile", (gpointer) profile);

  items = secret_service_search_sync (NULL, &test_schema, attributes,
                                      SECRET_SEARCH_ALL | SECRET_SEARCH_LOAD_SECRETS,
                                      NULL, &error);
  g_assert_no_error (error);
  return items;
}

static char *
item_get_attribute (SecretItem *item,
                    const char *name)
{
  g_autoptr(GHashTable) attributes = secret_item_get_attributes (item);

  return g_strdup (g_hash_table_lookup (attributes, name));
}

static void
store_ok (PiKeyringBackend    *backend,
          PiKeyringCredential *credential)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pi_keyring_backend_store_sync (backend, credential, NULL, &error));
  g_assert_no_error (error);
}

static void
assert_lookup_equals (PiKeyringBackend    *backend,
                      PiKeyringCredential *expected)
{
  g_autoptr(PiKeyringCredential) found = NULL;
  g_autoptr(GError) error = NULL;

  found = pi_keyring_backend_lookup_sync (backend,
                                          pi_keyring_credential_get_provider (expected),
                                          pi_keyring_credential_get_profile (expected),
                                          NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  g_assert_cmpstr (pi_keyring_credential_get_provider (found), ==,
                   pi_keyring_credential_get_provider (expected));
  g_assert_cmpstr (pi_keyring_credential_get_profile (found), ==,
                   pi_keyring_credential_get_profile (expected));
  g_assert_true (pi_keyring_credential_equal (found, expected));
}

static void
assert_lookup_none (PiKeyringBackend *backend,
                    const char       *provider,
                    const char       *profile)
{
  g_autoptr(PiKeyringCredential) found = NULL;
  g_autoptr(GError) error = NULL;

  found = pi_keyring_backend_lookup_sync (backend, provider, profile, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (found);
}

/* "provider/profile" of each listed credential, joined by spaces */
static char *
list_to_string (GPtrArray *list)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < list->len; i++)
    {
      PiKeyringCredential *credential = g_ptr_array_index (list, i);

      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append_printf (out, "%s/%s", pi_keyring_credential_get_provider (credential),
                              pi_keyring_credential_get_profile (credential));
    }

  return g_string_free (out, FALSE);
}

static char *
list_ok (PiKeyringBackend *backend,
         const char       *profile)
{
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;

  list = pi_keyring_backend_list_sync (backend, profile, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (list);

  return list_to_string (list);
}

static GDBusConnection *
session_bus (void)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus;

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  return bus;
}

/* recipes/test-keyring.md §4: lock the login collection, no prompt */
static void
kr_lock (void)
{
  g_autoptr(GDBusConnection) bus = session_bus ();
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *paths[] = { LOGIN_COLLECTION, NULL };

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets", "/org/freedesktop/secrets",
                                       "org.freedesktop.Secret.Service", "Lock",
                                       g_variant_new ("(^ao)", paths), G_VARIANT_TYPE ("(aoo)"),
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, 5000, NULL, &error);
  g_assert_no_error (error);
}

/* recipes/test-keyring.md §4: unlock with the master password, no prompt */
static gboolean
kr_unlock (const char  *password,
           GError     **error)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) opened = NULL;
  g_autoptr(GVariant) output = NULL;
  g_autoptr(GVariant) unlocked = NULL;
  GVariant *master;
  const char *session;

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, error);
  if (bus == NULL)
    return FALSE;

  opened = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets", "/org/freedesktop/secrets",
                                        "org.freedesktop.Secret.Service", "OpenSession",
                                        g_variant_new ("(sv)", "plain", g_variant_new_string ("")),
                                        G_VARIANT_TYPE ("(vo)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                        5000, NULL, error);
  if (opened == NULL)
    return FALSE;

  g_variant_get (opened, "(v&o)", &output, &session);
  master = g_variant_new ("(o@ay@ays)", session,
                          g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, "", 0, 1),
                          g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, password, strlen (password), 1),
                          "text/plain");
  unlocked = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets", "/org/freedesktop/secrets",
                                          "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface",
                                          "UnlockWithMasterPassword",
                                          g_variant_new ("(o@(oayays))", LOGIN_COLLECTION, master),
                                          NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, 5000, NULL, error);
  return unlocked != NULL;
}

static void
kr_unlock_ok (void)
{
  g_autoptr(GError) error = NULL;
  const char *password = g_getenv ("KR_PASSWORD");

  g_assert_nonnull (password);
  g_assert_true (kr_unlock (password, &error));
  g_assert_no_error (error);
}

/* --- fixture: a backend on the test keyring, no items of ours --- */

typedef struct
{
  PiKeyringBackend *backend;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  clear_items ();
  fixture->backend = pi_keyring_secret_service_backend_new ();
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->backend);
  clear_items ();
  secret_service_disconnect ();
}

/* --- tests on the real keyring --- */

static void
test_store_lookup (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) openai = NULL;
  g_autoptr(PiKeyringCredential) openai_work = NULL;
  g_autoptr(PiKeyringCredential) anthropic = NULL;
  g_autoptr(PiKeyringCredential) custom = NULL;
  g_autoptr(GError) error = NULL;

  openai = pi_keyring_credential_new_api_key ("openai", NULL, "sk-test-openai-default");
  openai_work = pi_keyring_credential_new_api_key ("openai", "work", "sk-test-openai-work");
  anthropic = pi_keyring_credential_new_oauth ("anthropic", NULL, "rt-test", "at-test", 1700000000000);
  custom = pi_keyring_credential_new_from_json ("github-copilot", NULL,
                                                "{\"type\":\"oauth\",\"refresh\":\"r\",\"access\":\"a\","
                                                "\"expires\":1,\"enterpriseUrl\":\"ghe.example.com\","
                                                "\"unknown\":[1,{\"x\":null}]}",
                                                -1, &error);
  g_assert_no_error (error);

  assert_lookup_none (fixture->backend, "openai", NULL);

  store_ok (fixture->backend, openai);
  store_ok (fixture->backend, openai_work);
  store_ok (fixture->backend, anthropic);
  store_ok (fixture->backend, custom);

  assert_lookup_equals (fixture->backend, openai);
  assert_lookup_equals (fixture->backend, openai_work);
  assert_lookup_equals (fixture->backend, anthropic);
  assert_lookup_equals (fixture->backend, custom);

  assert_lookup_none (fixture->backend, "google", NULL);
  assert_lookup_none (fixture->backend, "anthropic", "work");
  assert_lookup_none (fixture->backend, "openai", "other");
}

static void
test_async (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(PiKeyringCredential) found = NULL;
  g_autoptr(GAsyncResult) stored = NULL;
  g_autoptr(GAsyncResult) looked_up = NULL;
  g_autoptr(GAsyncResult) cancelled = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  credential = pi_keyring_credential_new_api_key ("mistral", NULL, "test-mistral-key");
  pi_keyring_backend_store_async (fixture->backend, credential, NULL, test_on_result, &stored);
  while (stored == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (pi_keyring_backend_store_finish (fixture->backend, stored, &error));
  g_assert_no_error (error);

  pi_keyring_backend_lookup_async (fixture->backend, "mistral", NULL, NULL, test_on_result, &looked_up);
  while (looked_up == NULL)
    g_main_context_iteration (NULL, TRUE);
  found = pi_keyring_backend_lookup_finish (fixture->backend, looked_up, &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  g_assert_true (pi_keyring_credential_equal (found, credential));

  /* The caller's own cancellation is G_IO_ERROR_CANCELLED, not "unavailable". */
  g_cancellable_cancel (cancellable);
  pi_keyring_backend_lookup_async (fixture->backend, "mistral", NULL, cancellable,
                                   test_on_result, &cancelled);
  while (cancelled == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (pi_keyring_backend_lookup_finish (fixture->backend, cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_replace (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) first = NULL;
  g_autoptr(PiKeyringCredential) second = NULL;
  g_autoptr(PiKeyringCredential) oauth = NULL;
  g_autolist(SecretItem) items = NULL;
  g_autofree char *created = NULL;
  g_autofree char *created_again = NULL;
  g_autofree char *kind = NULL;

  first = pi_keyring_credential_new_api_key ("openai", NULL, "sk-test-first");
  second = pi_keyring_credential_new_api_key ("openai", NULL, "sk-test-second");
  oauth = pi_keyring_credential_new_oauth ("openai", NULL, "rt-test", "at-test", 42);

  store_ok (fixture->backend, first);
  items = search_items ("openai", "default");
  g_assert_cmpuint (g_list_length (items), ==, 1);
  created = item_get_attribute (items->data, "created");
  g_assert_nonnull (created);
  g_clear_list (&items, g_object_unref);

  store_ok (fixture->backend, second);
  assert_lookup_equals (fixture->backend, second);
  items = search_items ("openai", "default");
  g_assert_cmpuint (g_list_length (items), ==, 1);
  g_clear_list (&items, g_object_unref);

  /* Another kind is another attribute set: still one item, first-stored time kept. */
  store_ok (fixture->backend, oauth);
  assert_lookup_equals (fixture->backend, oauth);
  items = search_items ("openai", NULL);
  g_assert_cmpuint (g_list_length (items), ==, 1);
  kind = item_get_attribute (items->data, "kind");
  g_assert_cmpstr (kind, ==, "oauth");
  created_again = item_get_attribute (items->data, "created");
  g_assert_cmpstr (created_again, ==, created);
}

static void
test_remove (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) openai = NULL;
  g_autoptr(PiKeyringCredential) openai_work = NULL;
  g_autoptr(GError) error = NULL;

  openai = pi_keyring_credential_new_api_key ("openai", NULL, "sk-test-openai-default");
  openai_work = pi_keyring_credential_new_api_key ("openai", "work", "sk-test-openai-work");
  store_ok (fixture->backend, openai);
  store_ok (fixture->backend, openai_work);

  g_assert_true (pi_keyring_backend_remove_sync (fixture->backend, "openai", NULL, NULL, &error));
  g_assert_no_error (error);
  assert_lookup_none (fixture->backend, "openai", NULL);
  assert_lookup_equals (fixture->backend, openai_work);

  g_assert_false (pi_keyring_backend_remove_sync (fixture->backend, "openai", NULL, NULL, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (pi_keyring_backend_remove_sync (fixture->backend, "openai", "work", NULL, &error));
  g_assert_no_error (error);
  assert_lookup_none (fixture->backend, "openai", "work");
}

static void
test_list_order (Fixture       *fixture,
                 gconstpointer  data)
{
  const char *order[][3] = {
    { "openai", NULL, "sk-test-1" },
    { "anthropic", NULL, "sk-test-2" },
    { "google", "work", "sk-test-3" },
    { "xai", NULL, "sk-test-4" },
    { "groq", "work", "sk-test-5" },
  };
  g_autoptr(PiKeyringCredential) anthropic = NULL;
  g_autoptr(PiKeyringCredential) openai = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  char *text;

  text = list_ok (fixture->backend, NULL);
  g_assert_cmpstr (text, ==, "");
  g_free (text);

  /* Stored in an order that is neither alphabetical nor reversed. */
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      g_autoptr(PiKeyringCredential) credential =
        pi_keyring_credential_new_api_key (order[i][0], order[i][1], order[i][2]);

      store_ok (fixture->backend, credential);
    }

  text = list_ok (fixture->backend, NULL);
  g_assert_cmpstr (text, ==, "openai/default anthropic/default google/work xai/default groq/work");
  g_free (text);
  text = list_ok (fixture->backend, "work");
  g_assert_cmpstr (text, ==, "google/work groq/work");
  g_free (text);
  text = list_ok (fixture->backend, "default");
  g_assert_cmpstr (text, ==, "openai/default anthropic/default xai/default");
  g_free (text);
  text = list_ok (fixture->backend, "nobody");
  g_assert_cmpstr (text, ==, "");
  g_free (text);

  /* Replacing keeps the place; the listed credential is the new one. */
  anthropic = pi_keyring_credential_new_oauth ("anthropic", NULL, "rt-test", "at-test", 7);
  store_ok (fixture->backend, anthropic);
  list = pi_keyring_backend_list_sync (fixture->backend, NULL, NULL, &error);
  g_assert_no_error (error);
  text = list_to_string (list);
  g_assert_cmpstr (text, ==, "openai/default anthropic/default google/work xai/default groq/work");
  g_free (text);
  g_assert_true (pi_keyring_credential_equal (g_ptr_array_index (list, 1), anthropic));
  g_assert_cmpstr (pi_keyring_credential_get_key (g_ptr_array_index (list, 0)), ==, "sk-test-1");

  /* Removed and stored again: a new first-stored time, so last. */
  g_assert_true (pi_keyring_backend_remove_sync (fixture->backend, "openai", NULL, NULL, &error));
  g_assert_no_error (error);
  openai = pi_keyring_credential_new_api_key ("openai", NULL, "sk-test-again");
  store_ok (fixture->backend, openai);
  text = list_ok (fixture->backend, NULL);
  g_assert_cmpstr (text, ==, "anthropic/default google/work xai/default groq/work openai/default");
  g_free (text);
}

/* --- Round trips: a listing costs a fixed number of calls, not one per item --- */

typedef struct
{
  GMutex      lock;
  char       *sender;       /* the backend's unique name */
  guint       get_all;      /* Properties.GetAll on an item */
  guint       get;          /* Properties.Get on an item */
  guint       get_secret;   /* Item.GetSecret */
  guint       get_secrets;  /* Service.GetSecrets */
  guint       search;       /* SearchItems */
  guint       add_match;    /* AddMatch on the bus */
  gboolean    marker;       /* our Ping went by: every earlier call was seen */
} CallCounts;

static GDBusMessage *
count_calls (GDBusConnection *connection,
             GDBusMessage    *message,
             gboolean         incoming,
             gpointer         user_data)
{
  CallCounts *counts = user_data;
  const char *sender = g_dbus_message_get_sender (message);
  const char *path = g_dbus_message_get_path (message);
  const char *interface = g_dbus_message_get_interface (message);
  const char *member = g_dbus_message_get_member (message);
  gboolean on_item;

  if (!incoming || g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    return message;

  /* A monitor must not answer what it sees: every call is dropped here. */
  if (g_strcmp0 (sender, counts->sender) != 0 || member == NULL)
    {
      g_object_unref (message);
      return NULL;
    }

  /* /org/freedesktop/secrets/collection/login/N */
  on_item = path != NULL && g_str_has_prefix (path, LOGIN_COLLECTION "/");

  g_mutex_lock (&counts->lock);
  if (on_item && g_str_equal (member, "GetAll"))
    counts->get_all++;
  else if (on_item && g_str_equal (member, "Get"))
    counts->get++;
  else if (g_str_equal (member, "GetSecret"))
    counts->get_secret++;
  else if (g_str_equal (member, "GetSecrets"))
    counts->get_secrets++;
  else if (g_str_equal (member, "SearchItems"))
    counts->search++;
  else if (g_str_equal (member, "AddMatch"))
    counts->add_match++;
  else if (g_str_equal (member, "Ping") && g_strcmp0 (interface, "org.freedesktop.DBus.Peer") == 0)
    counts->marker = TRUE;
  g_mutex_unlock (&counts->lock);

  g_object_unref (message);
  return NULL;
}

static gboolean
marker_seen (CallCounts *counts)
{
  gboolean seen;

  g_mutex_lock (&counts->lock);
  seen = counts->marker;
  g_mutex_unlock (&counts->lock);
  return seen;
}

static void
test_list_round_trips (Fixture       *fixture,
                       gconstpointer  data)
{
  const guint n_items = 40;
  g_autoptr(GDBusConnection) bus = session_bus ();
  g_autoptr(GDBusConnection) monitor = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  const char *rules[] = { "type='method_call'", NULL };
  CallCounts counts = { 0, };
  guint filter;

  for (guint i = 0; i < n_items; i++)
    {
      g_autofree char *provider = g_strdup_printf ("provider-%02u", i);
      g_autofree char *key = g_strdup_printf ("sk-test-%02u", i);
      g_autoptr(PiKeyringCredential) credential =
        pi_keyring_credential_new_api_key (provider, i % 2 ? "work" : NULL, key);

      store_ok (fixture->backend, credential);
    }

  /* A monitor of the session bus counts the backend's method calls. */
  g_mutex_init (&counts.lock);
  counts.sender = g_strdup (g_dbus_connection_get_unique_name (bus));
  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  monitor = g_dbus_connection_new_for_address_sync (address,
                                                    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                    G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                    NULL, NULL, &error);
  g_assert_no_error (error);
  filter = g_dbus_connection_add_filter (monitor, count_calls, &counts, NULL);
  reply = g_dbus_connection_call_sync (monitor, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus.Monitoring", "BecomeMonitor",
                                       g_variant_new ("(^asu)", rules, 0), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);

  list = pi_keyring_backend_list_sync (fixture->backend, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, n_items);
  for (guint i = 0; i < n_items; i++)
    {
      g_autofree char *key = g_strdup_printf ("sk-test-%02u", i);

      g_assert_cmpstr (pi_keyring_credential_get_key (g_ptr_array_index (list, i)), ==, key);
      g_assert_cmpstr (pi_keyring_credential_get_profile (g_ptr_array_index (list, i)), ==,
                       i % 2 ? "work" : "default");
    }
  g_clear_pointer (&list, g_ptr_array_unref);

  /* Listing one profile reads only its items. */
  list = pi_keyring_backend_list_sync (fixture->backend, "work", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, n_items / 2);

  /* Every call the listings made has reached the monitor once our Ping has. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets", "/org/freedesktop/secrets",
                                       "org.freedesktop.DBus.Peer", "Ping", NULL, NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  while (!marker_seen (&counts))
    g_main_context_iteration (NULL, TRUE);
  g_dbus_connection_remove_filter (monitor, filter);

  g_mutex_lock (&counts.lock);
  /* No proxy per item, nor for the collection (each costs a GetAll and
   * an AddMatch)... */
  g_assert_cmpuint (counts.get_all, ==, 0);
  g_assert_cmpuint (counts.get_secret, ==, 0);
  /* (the one match rule of the attributes kept, when this is the
   * program's first listing) */
  g_assert_cmpuint (counts.add_match, <=, 1);
  /* ...one search and one GetSecrets per listing, and the attributes of
   * each item once: the second listing knows them all. */
  g_assert_cmpuint (counts.search, ==, 2);
  g_assert_cmpuint (counts.get_secrets, ==, 2);
  g_assert_cmpuint (counts.get, ==, n_items);
  g_mutex_unlock (&counts.lock);

  g_free (counts.sender);
  g_mutex_clear (&counts.lock);
}

/* Sets the attributes of @provider's item from another process, as a
 * user with gdbus or seahorse could. */
static void
set_attributes_elsewhere (const char *provider,
                          const char *new_provider)
{
  GList *items = search_items (provider, NULL);
  g_autoptr(GHashTable) attributes = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autofree char *text = NULL;
  g_autofree char *standard_error = NULL;
  g_autoptr(GError) error = NULL;
  GVariantBuilder builder;
  GHashTableIter iter;
  gpointer name, attribute;
  int status;

  g_assert_cmpuint (g_list_length (items), ==, 1);
  attributes = secret_item_get_attributes (items->data);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  g_hash_table_iter_init (&iter, attributes);
  while (g_hash_table_iter_next (&iter, &name, &attribute))
    g_variant_builder_add (&builder, "{ss}", name,
                           g_str_equal (name, "provider") ? new_provider : attribute);
  value = g_variant_ref_sink (g_variant_new_variant (g_variant_builder_end (&builder)));
  text = g_variant_print (value, TRUE);

  {
    const char *argv[] = {
      "gdbus", "call", "--session", "--dest", "org.freedesktop.secrets", "--object-path",
      g_dbus_proxy_get_object_path (items->data),
      "--method", "org.freedesktop.DBus.Properties.Set",
      "org.freedesktop.Secret.Item", "Attributes", text, NULL
    };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                  NULL, NULL, NULL, &standard_error, &status, &error);
  }
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("gdbus call failed: %s", standard_error);
  g_list_free_full (items, g_object_unref);
}

static void
test_list_keeps_attributes (Fixture       *fixture,
                            gconstpointer  data)
{
  const guint n_items = 10;
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *text = NULL;
  guint reads;

  for (guint i = 0; i < n_items; i++)
    {
      g_autofree char *provider = g_strdup_printf ("kept-%02u", i);
      g_autoptr(PiKeyringCredential) credential =
        pi_keyring_credential_new_api_key (provider, NULL, "sk-test-kept");

      store_ok (fixture->backend, credential);
    }

  /* New items: their attributes are asked for once... */
  reads = _pi_keyring_secret_service_get_attribute_reads ();
  first = list_ok (fixture->backend, NULL);
  g_assert_cmpuint (_pi_keyring_secret_service_get_attribute_reads () - reads, ==, n_items);
  g_assert_true (g_str_has_prefix (first, "kept-00/default kept-01/default"));

  /* ...and kept: the same list without a call per item. */
  reads = _pi_keyring_secret_service_get_attribute_reads ();
  text = list_ok (fixture->backend, NULL);
  g_assert_cmpstr (text, ==, first);
  g_assert_cmpuint (_pi_keyring_secret_service_get_attribute_reads () - reads, ==, 0);
  g_clear_pointer (&text, g_free);

  /* Another process renames one: its ItemChanged forgets what was kept,
   * and the next list asks again, for that one only. */
  set_attributes_elsewhere ("kept-03", "renamed-03");
  reads = _pi_keyring_secret_service_get_attribute_reads ();
  text = list_ok (fixture->backend, NULL);
  g_assert_cmpuint (_pi_keyring_secret_service_get_attribute_reads () - reads, ==, 1);
  g_assert_nonnull (strstr (text, "renamed-03/default"));
  g_assert_null (strstr (text, "kept-03/"));
  g_clear_pointer (&text, g_free);

  /* A removal elsewhere (secret-tool) is seen at once too. */
  {
    const char *argv[] = { "secret-tool", "clear", "provider", "kept-05", NULL };
    int status;

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                  &status, &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, &error));
  }
  reads = _pi_keyring_secret_service_get_attribute_reads ();
  text = list_ok (fixture->backend, NULL);
  g_assert_cmpuint (_pi_keyring_secret_service_get_attribute_reads () - reads, ==, 0);
  g_assert_null (strstr (text, "kept-05/"));
  g_assert_nonnull (strstr (text, "kept-06/default"));
}

static void
test_list_skips_invalid (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) openai = NULL;
  g_autoptr(PiKeyringCredential) found = NULL;
  g_autoptr(GError) error = NULL;
  char *text;

  openai = pi_keyring_credential_new_api_key ("openai", NULL, "sk-test-openai");
  store_ok (fixture->backend, openai);

  /* An item of our schema whose secret is not JSON, as another tool might leave. */
  secret_password_store_sync (&test_schema, SECRET_COLLECTION_DEFAULT, "broken", "not json {",
                              NULL, &error,
                              "provider", "broken", "profile", "default", "kind", "api_key",
                              "created", "1", NULL);
  g_assert_no_error (error);

  text = list_ok (fixture->backend, NULL);
  g_assert_cmpstr (text, ==, "openai/default");
  g_free (text);

  found = pi_keyring_backend_lookup_sync (fixture->backend, "broken", NULL, NULL, &error);
  g_assert_null (found);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE);
  g_assert_null (strstr (error->message, "not json"));
}

static void
test_item_format (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) work = NULL;
  g_autoptr(PiKeyringCredential) plain = NULL;
  g_autoptr(PiKeyringCredential) unknown = NULL;
  g_autoptr(PiKeyringSecretString) json = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  g_autolist(SecretItem) items = NULL;
  g_autofree char *label = NULL;
  g_autofree char *expected_label = NULL;
  g_autofree char *schema_name = NULL;
  g_autofree char *location = NULL;
  g_autoptr(SecretValue) value = NULL;
  const char *display_name;
  gint64 before, after, created;

  display_name = pi_keyring_catalog_get_display_name ("openai");
  if (display_name == NULL)
    display_name = "openai";

  work = pi_keyring_credential_new_api_key ("openai", "work", "sk-test-work");
  before = g_get_real_time ();
  store_ok (fixture->backend, work);
  after = g_get_real_time ();

  items = search_items ("openai", "work");
  g_assert_cmpuint (g_list_length (items), ==, 1);

  label = secret_item_get_label (items->data);
  expected_label = g_strdup_printf ("pi-keyring: %s (work)", display_name);
  g_assert_cmpstr (label, ==, expected_label);

  schema_name = secret_item_get_schema_name (items->data);
  g_assert_cmpstr (schema_name, ==, "dev.pi.Keyring.Credential");

  /* Exactly these attributes. */
  attributes = secret_item_get_attributes (items->data);
  g_assert_cmpuint (g_hash_table_size (attributes), ==, 5);
  g_assert_cmpstr (g_hash_table_lookup (attributes, "xdg:schema"), ==, "dev.pi.Keyring.Credential");
  g_assert_cmpstr (g_hash_table_lookup (attributes, "provider"), ==, "openai");
  g_assert_cmpstr (g_hash_table_lookup (attributes, "profile"), ==, "work");
  g_assert_cmpstr (g_hash_table_lookup (attributes, "kind"), ==, "api_key");
  g_assert_true (g_ascii_string_to_signed (g_hash_table_lookup (attributes, "created"), 10,
                                           0, G_MAXINT64, &created, NULL));
  g_assert_cmpint (created, >=, before);
  g_assert_cmpint (created, <=, after);

  /* The secret is the entry's JSON as text/plain. */
  value = secret_item_get_secret (items->data);
  g_assert_nonnull (value);
  g_assert_cmpstr (secret_value_get_content_type (value), ==, "text/plain");
  json = pi_keyring_credential_to_json (work);
  g_assert_true (g_str_equal (secret_value_get_text (value), json));
  g_clear_list (&items, g_object_unref);

  /* No profile suffix for the default profile; the id for unknown providers. */
  plain = pi_keyring_credential_new_api_key ("openai", NULL, "sk-test-plain");
  store_ok (fixture->backend, plain);
  items = search_items ("openai", "default");
  g_assert_cmpuint (g_list_length (items), ==, 1);
  g_clear_pointer (&label, g_free);
  label = secret_item_get_label (items->data);
  g_clear_pointer (&expected_label, g_free);
  expected_label = g_strdup_printf ("pi-keyring: %s", display_name);
  g_assert_cmpstr (label, ==, expected_label);
  g_clear_list (&items, g_object_unref);

  unknown = pi_keyring_credential_new_from_json ("example-not-a-provider", NULL,
                                                 "{\"type\":\"token\",\"value\":\"x\"}", -1, NULL);
  g_assert_nonnull (unknown);
  store_ok (fixture->backend, unknown);
  items = search_items ("example-not-a-provider", NULL);
  g_assert_cmpuint (g_list_length (items), ==, 1);
  g_clear_pointer (&label, g_free);
  label = secret_item_get_label (items->data);
  g_assert_cmpstr (label, ==, "pi-keyring: example-not-a-provider");
  g_clear_pointer (&attributes, g_hash_table_unref);
  attributes = secret_item_get_attributes (items->data);
  g_assert_cmpstr (g_hash_table_lookup (attributes, "kind"), ==, "other");
  assert_lookup_equals (fixture->backend, unknown);

  /* The backend says where: the default collection, "Login" here. */
  g_assert_cmpstr (pi_keyring_backend_get_name (fixture->backend), ==, "secret-service");
  g_assert_false (pi_keyring_backend_is_plaintext (fixture->backend));
  location = pi_keyring_backend_get_location (fixture->backend);
  g_assert_nonnull (strstr (location, "Login"));
}

static void
test_secret_tool (Fixture       *fixture,
                  gconstpointer  data)
{
  const char *argv[] = { "secret-tool", "lookup", "provider", "openai", "profile", "default", NULL };
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(PiKeyringSecretString) json = NULL;
  g_autoptr(PiKeyringSecretString) out = NULL;
  g_autofree char *tool = g_find_program_in_path ("secret-tool");
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  if (tool == NULL)
    {
      g_test_skip ("secret-tool is not installed");
      return;
    }

  credential = pi_keyring_credential_new_oauth ("openai", NULL, "rt-test-openai", "at-test-openai",
                                                1767225600000);
  store_ok (fixture->backend, credential);
  json = pi_keyring_credential_to_json (credential);

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (err, ==, "");
  g_assert_true (g_str_equal (out, json));
}

static void
test_locked (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(PiKeyringCredential) openai = NULL;
  g_autoptr(PiKeyringCredential) anthropic = NULL;
  g_autoptr(PiKeyringCredential) found = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  char *text;

  openai = pi_keyring_credential_new_api_key ("openai", NULL, "sk-test-locked");
  anthropic = pi_keyring_credential_new_api_key ("anthropic", NULL, "sk-test-not-stored");
  store_ok (fixture->backend, openai);

  kr_lock ();

  found = pi_keyring_backend_lookup_sync (fixture->backend, "openai", NULL, NULL, &error);
  g_assert_null (found);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED);
  g_clear_error (&error);

  /* A provider with nothing stored is locked too, not "not found". */
  found = pi_keyring_backend_lookup_sync (fixture->backend, "google", NULL, NULL, &error);
  g_assert_null (found);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED);
  g_clear_error (&error);

  g_assert_false (pi_keyring_backend_store_sync (fixture->backend, anthropic, NULL, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED);
  g_clear_error (&error);

  g_assert_false (pi_keyring_backend_remove_sync (fixture->backend, "openai", NULL, NULL, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED);
  g_clear_error (&error);

  list = pi_keyring_backend_list_sync (fixture->backend, NULL, NULL, &error);
  g_assert_null (list);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED);
  g_clear_error (&error);

  g_assert_false (pi_keyring_backend_check_sync (fixture->backend, NULL, &error));
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED);
  g_clear_error (&error);

  /* A locked keyring is still a Secret Service. */
  g_assert_true (pi_keyring_secret_service_backend_is_available (NULL));

  kr_unlock_ok ();

  g_assert_true (pi_keyring_backend_check_sync (fixture->backend, NULL, &error));
  g_assert_no_error (error);
  assert_lookup_equals (fixture->backend, openai);
  text = list_ok (fixture->backend, NULL);
  g_assert_cmpstr (text, ==, "openai/default");
  g_free (text);
}

static void
test_available (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pi_keyring_secret_service_backend_is_available (NULL));
  g_assert_true (pi_keyring_backend_check_sync (fixture->backend, NULL, &error));
  g_assert_no_error (error);
}

/* The keyring daemon is replaced while libsecret keeps its SecretService:
 * the backend reconnects once and finds the stored item. */
static void
test_daemon_restart (Fixture       *fixture,
                     gconstpointer  data)
{
  const char *argv[] = {
    "/bin/sh", "-c",
    "printf '%s' \"$KR_PASSWORD\" | "
    "gnome-keyring-daemon --replace --unlock --components=secrets --daemonize >/dev/null",
    NULL
  };
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GDBusConnection) bus = session_bus ();
  g_autoptr(GVariant) owner_reply = NULL;
  g_autofree char *old_owner = NULL;
  g_autofree char *daemon_err = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline;
  guint reads;
  int status;

  credential = pi_keyring_credential_new_api_key ("openai", NULL, "sk-test-survives");
  store_ok (fixture->backend, credential);
  assert_lookup_equals (fixture->backend, credential);
  /* (its attributes are kept now) */
  g_free (list_ok (fixture->backend, NULL));

  owner_reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                             "org.freedesktop.DBus", "GetNameOwner",
                                             g_variant_new ("(s)", "org.freedesktop.secrets"),
                                             G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE,
                                             5000, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (owner_reply, "(s)", &old_owner);

  g_assert_true (g_spawn_sync (NULL, (char **) argv, wrapper_environ, G_SPAWN_DEFAULT, NULL, NULL,
                               NULL, &daemon_err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, &error));
  g_assert_no_error (error);

  /* Wait until the new daemon owns the name. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autoptr(GVariant) reply = NULL;
      g_autofree char *owner = NULL;

      reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus", "GetNameOwner",
                                           g_variant_new ("(s)", "org.freedesktop.secrets"),
                                           G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE,
                                           5000, NULL, NULL);
      if (reply != NULL)
        g_variant_get (reply, "(s)", &owner);
      if (owner != NULL && !g_str_equal (owner, old_owner))
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20 * 1000);
    }

  assert_lookup_equals (fixture->backend, credential);

  /* Another keyring daemon: nothing kept of the old one is trusted. */
  reads = _pi_keyring_secret_service_get_attribute_reads ();
  text = list_ok (fixture->backend, NULL);
  g_assert_cmpstr (text, ==, "openai/default");
  g_assert_cmpuint (_pi_keyring_secret_service_get_attribute_reads () - reads, ==, 1);
}

/* --- tests in subprocesses: no bus, no Secret Service, no answer --- */

typedef struct
{
  const char *name;
  gint64      max_ms;
  const char *message_prefix;   /* or NULL */
} ExpectUnavailable;

/* Every operation fails with PI_KEYRING_ERROR_UNAVAILABLE within max_ms. */
static void
assert_all_unavailable (const ExpectUnavailable *expect)
{
  g_autoptr(PiKeyringBackend) backend = pi_keyring_secret_service_backend_new ();
  g_autoptr(PiKeyringCredential) credential = NULL;

  credential = pi_keyring_credential_new_api_key ("openai", NULL, "sk-test-unstored");

  for (guint step = 0; step < 5; step++)
    {
      g_autoptr(PiKeyringCredential) found = NULL;
      g_autoptr(GPtrArray) list = NULL;
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      gint64 elapsed_ms;

      switch (step)
        {
        case 0:
          found = pi_keyring_backend_lookup_sync (backend, "openai", NULL, NULL, &error);
          g_assert_null (found);
          break;
        case 1:
          g_assert_false (pi_keyring_backend_store_sync (backend, credential, NULL, &error));
          break;
        case 2:
          g_assert_false (pi_keyring_backend_remove_sync (backend, "openai", NULL, NULL, &error));
          break;
        case 3:
          list = pi_keyring_backend_list_sync (backend, NULL, NULL, &error);
          g_assert_null (list);
          break;
        case 4:
        default:
          g_assert_false (pi_keyring_backend_check_sync (backend, NULL, &error));
          break;
        }

      elapsed_ms = (g_get_monotonic_time () - start) / 1000;
      g_test_message ("%s, step %u: %" G_GINT64_FORMAT " ms: %s", expect->name, step, elapsed_ms,
                      error != NULL ? error->message : "(no error)");
      g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_UNAVAILABLE);
      if (expect->message_prefix != NULL)
        g_assert_true (g_str_has_prefix (error->message, expect->message_prefix));
      g_assert_cmpint (elapsed_ms, <, expect->max_ms);
    }
}

static void
assert_runtime_dir_has_no_bus (void)
{
  g_autofree char *socket_path = g_build_filename (g_get_user_runtime_dir (), "bus", NULL);

  g_assert_false (g_file_test (socket_path, G_FILE_TEST_EXISTS));
}

static void
test_no_session_bus (gconstpointer data)
{
  const char *scenario = data;

  if (g_test_subprocess ())
    {
      ExpectUnavailable expect = { scenario, 2000, NULL };
      gint64 start;

      assert_runtime_dir_has_no_bus ();
      /* With a display, an autolaunch would try dbus-launch: it must not. */
      g_setenv ("DISPLAY", ":987", TRUE);
      if (g_str_equal (scenario, "missing-socket"))
        g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent", TRUE);
      else if (g_str_equal (scenario, "autolaunch"))
        {
          g_setenv ("DBUS_SESSION_BUS_ADDRESS", "autolaunch:", TRUE);
          expect.message_prefix = "No session bus";
        }
      else
        {
          g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
          expect.message_prefix = "No session bus";
        }

      assert_all_unavailable (&expect);

      start = g_get_monotonic_time ();
      g_assert_false (pi_keyring_secret_service_backend_is_available (NULL));
      g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
      return;
    }

  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static GTestDBus *
start_private_bus (void)
{
  GTestDBus *bus;

  /* No service directories: nothing is activatable on this bus. */
  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);
  return bus;
}

static void
test_no_secret_service (void)
{
  if (g_test_subprocess ())
    {
      ExpectUnavailable expect = { "no Secret Service", 2000, NULL };
      GTestDBus *bus = start_private_bus ();

      g_assert_false (pi_keyring_secret_service_backend_is_available (NULL));
      assert_all_unavailable (&expect);

      secret_service_disconnect ();
      /* Not g_test_dbus_down (): libsecret may keep a reference to the
       * connection (recipes/test-keyring.md §6). */
      g_test_dbus_stop (bus);
      return;
    }

  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static gboolean
name_has_owner (GDBusConnection *bus,
                const char      *name)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  gboolean owned;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(b)", &owned);
  return owned;
}

static void
remove_tree (const char *path)
{
  const char *argv[] = { "rm", "-rf", path, NULL };

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, NULL, NULL);
}

/* A keyring daemon started by D-Bus activation without --unlock has no
 * login collection, and its "default" alias is "/" (recipes/test-keyring.md §2). */
static void
test_no_default_collection (void)
{
  if (g_test_subprocess ())
    {
      ExpectUnavailable expect = { "no default collection", 5000, "There is no default keyring" };
      /* Short paths: the daemon's control socket must fit in sun_path. */
      g_autofree char *tmp = g_dir_make_tmp ("pkr-XXXXXX", NULL);
      g_autofree char *services = g_build_filename (tmp, "services", NULL);
      g_autofree char *data_dir = g_build_filename (tmp, "data", NULL);
      g_autofree char *run_dir = g_build_filename (tmp, "run", NULL);
      g_autofree char *service_file = g_build_filename (services, "org.freedesktop.secrets.service", NULL);
      g_autofree char *contents = NULL;
      g_autoptr(GDBusConnection) connection = NULL;
      g_autoptr(GError) error = NULL;
      GTestDBus *bus;

      g_assert_nonnull (tmp);
      g_assert_cmpint (g_mkdir (services, 0700), ==, 0);
      g_assert_cmpint (g_mkdir (data_dir, 0700), ==, 0);
      g_assert_cmpint (g_mkdir (run_dir, 0700), ==, 0);
      contents = g_strdup_printf ("[D-BUS Service]\n"
                                  "Name=org.freedesktop.secrets\n"
                                  "Exec=/usr/bin/env XDG_DATA_HOME=%s XDG_RUNTIME_DIR=%s "
                                  "/usr/bin/gnome-keyring-daemon --start --foreground --components=secrets\n",
                                  data_dir, run_dir);
      g_assert_true (g_file_set_contents (service_file, contents, -1, &error));
      g_assert_no_error (error);

      bus = g_test_dbus_new (G_TEST_DBUS_NONE);
      g_test_dbus_add_service_dir (bus, services);
      g_test_dbus_up (bus);

      /* Activatable is available; asking must not start it. */
      g_assert_true (pi_keyring_secret_service_backend_is_available (NULL));
      connection = session_bus ();
      g_assert_false (name_has_owner (connection, "org.freedesktop.secrets"));

      /* Never creates a collection, never prompts. */
      assert_all_unavailable (&expect);
      g_assert_true (name_has_owner (connection, "org.freedesktop.secrets"));

      secret_service_disconnect ();
      g_test_dbus_stop (bus);
      remove_tree (tmp);
      return;
    }

  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* Runs in GDBus's worker thread: swallow every call, answer nothing. */
static GDBusMessage *
drop_method_calls (GDBusConnection *connection,
                   GDBusMessage    *message,
                   gboolean         incoming,
                   gpointer         user_data)
{
  if (incoming && g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    {
      g_object_unref (message);
      return NULL;
    }

  return message;
}

/* A "Secret Service" that owns org.freedesktop.secrets and never answers. */
static GDBusConnection *
start_silent_secret_service (GTestDBus *bus)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection;
  guint32 result;

  connection = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (bus),
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_add_filter (connection, drop_method_calls, NULL, NULL);

  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", "org.freedesktop.secrets", 4),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, 5000,
                                       NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &result);
  g_assert_cmpuint (result, ==, 1);   /* DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER */

  return connection;
}

static gpointer
cancel_later (gpointer data)
{
  g_usleep (200 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_timeout (void)
{
  if (g_test_subprocess ())
    {
      ExpectUnavailable expect = { "silent Secret Service", 2500, "The Secret Service did not answer within 1 second" };
      g_autoptr(PiKeyringBackend) backend = NULL;
      g_autoptr(PiKeyringCredential) found = NULL;
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(GError) error = NULL;
      GDBusConnection *silent;
      GTestDBus *bus;
      GThread *thread;
      gint64 start, elapsed;

      g_setenv ("PI_KEYRING_TIMEOUT", "1", TRUE);
      bus = start_private_bus ();
      silent = start_silent_secret_service (bus);

      /* The bus itself answers: the name is owned. */
      g_assert_true (pi_keyring_secret_service_backend_is_available (NULL));

      backend = pi_keyring_secret_service_backend_new ();
      start = g_get_monotonic_time ();
      found = pi_keyring_backend_lookup_sync (backend, "openai", NULL, NULL, &error);
      elapsed = g_get_monotonic_time () - start;
      g_assert_null (found);
      g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_UNAVAILABLE);
      g_assert_cmpint (elapsed, >=, 900 * 1000);
      g_clear_error (&error);

      assert_all_unavailable (&expect);

      /* The caller's own cancellation wins over a longer time-out. */
      g_setenv ("PI_KEYRING_TIMEOUT", "20", TRUE);
      thread = g_thread_new ("cancel", cancel_later, cancellable);
      start = g_get_monotonic_time ();
      found = pi_keyring_backend_lookup_sync (backend, "openai", NULL, cancellable, &error);
      elapsed = g_get_monotonic_time () - start;
      g_thread_join (thread);
      g_assert_null (found);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_cmpint (elapsed, <, 5 * G_USEC_PER_SEC);

      secret_service_disconnect ();
      g_dbus_connection_close_sync (silent, NULL, NULL);
      g_object_unref (silent);
      g_test_dbus_stop (bus);
      return;
    }

  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  wrapper_environ = g_get_environ ();
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/secret-service/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("store-lookup", test_store_lookup);
  ADD ("async", test_async);
  ADD ("replace", test_replace);
  ADD ("remove", test_remove);
  ADD ("list/first-stored-order", test_list_order);
  ADD ("list/round-trips", test_list_round_trips);
  ADD ("list/keeps-attributes", test_list_keeps_attributes);
  ADD ("list/skips-invalid", test_list_skips_invalid);
  ADD ("item-format", test_item_format);
  ADD ("secret-tool-lookup", test_secret_tool);
  ADD ("locked", test_locked);
  ADD ("available", test_available);
  g_test_add_data_func ("/secret-service/unavailable/no-session-bus/missing-socket",
                        "missing-socket", test_no_session_bus);
  g_test_add_data_func ("/secret-service/unavailable/no-session-bus/unset",
                        "unset", test_no_session_bus);
  g_test_add_data_func ("/secret-service/unavailable/no-session-bus/autolaunch",
                        "autolaunch", test_no_session_bus);
  g_test_add_func ("/secret-service/unavailable/no-secret-service", test_no_secret_service);
  g_test_add_func ("/secret-service/unavailable/no-default-collection", test_no_default_collection);
  g_test_add_func ("/secret-service/unavailable/timeout", test_timeout);
  /* Last (its own suite runs after the others): it replaces the keyring daemon. */
  ADD ("reconnect/daemon-restarted", test_daemon_restart);

#undef ADD

  ret = g_test_run ();

  secret_service_disconnect ();
  g_strfreev (wrapper_environ);

  return ret;
}
