/* bench-get-api-key.c: in-process pi_keyring_store_get_api_key_sync ()
 * calls per second on a warm store, each next to a plain GHashTable peer
 *
 *   bench-get-api-key [--seconds=S]
 *
 * Two cases, each timed for about S seconds (1 by default):
 * - runtime: the key is a runtime override
 *   (pi_keyring_store_set_runtime_api_key ()); goal 1,000,000 calls/s;
 * - backend: the key is an api_key entry of a memory backend, warmed with
 *   one call first (the lookup goes runtime → backend, and stops there);
 *   goal 100,000 calls/s.
 * The peer of each is g_hash_table_lookup () + g_strdup () + g_free () on
 * the same provider id and key, in the same run: what a cache in front of
 * the store could cost at least. For comparison, both cases also go
 * through pi_keyring_store_get_api_key_async () on the default main
 * context (`*_async_per_s`): the difference is the _sync wrapper's own
 * cost (pushing and popping the thread's sync context; a runtime override
 * takes no main loop at all).
 *
 * Prints one `name=value` line per number (calls per second, integers),
 * for bench/bench.py; nothing else on stdout, and never a key (the keys
 * are fake ones anyway). Nothing here asserts a time.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pi-keyring/pi-keyring.h"

#define RUNTIME_PROVIDER "openai"
#define RUNTIME_KEY      "sk-bench-0001"
#define BACKEND_PROVIDER "anthropic"
#define BACKEND_KEY      "sk-bench-0002"

/* Calls between two looks at the clock. */
#define BATCH 256

typedef gboolean (*CallFunc) (gpointer user_data);

typedef struct
{
  PiKeyringStore  *store;
  const char      *provider;
  PiKeyringSource  source;    /* the source the key must come from */
} StoreCall;

typedef struct
{
  GHashTable *table;
  const char *provider;
} PeerCall;

/* A returned key is a secret: wiped before it is freed, as the store's
 * documentation asks. */
static void
wipe_free (char *key)
{
  if (key == NULL)
    return;
  explicit_bzero (key, strlen (key));
  g_free (key);
}

/* TRUE when @key came from the source @call expects; wipes and frees it. */
static gboolean
take_key (StoreCall       *call,
          char            *key,
          PiKeyringSource  source,
          const GError    *error)
{
  gboolean ok = key != NULL && source == call->source;

  if (!ok)
    g_printerr ("bench-get-api-key: no key for %s from %s: %s\n", call->provider,
                pi_keyring_source_to_string (call->source),
                error != NULL ? error->message : "another source answered");
  wipe_free (key);

  return ok;
}

static gboolean
call_store (gpointer user_data)
{
  StoreCall *call = user_data;
  PiKeyringSource source = PI_KEYRING_SOURCE_NONE;
  g_autoptr(GError) error = NULL;
  char *key;

  key = pi_keyring_store_get_api_key_sync (call->store, call->provider, &source, NULL, &error);
  return take_key (call, key, source, error);
}

static void
on_api_key (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* The same lookup through the _async call on the thread's default main
 * context: what the _sync wrapper (its push and pop of the thread's sync
 * context) costs on top. */
static gboolean
call_store_async (gpointer user_data)
{
  StoreCall *call = user_data;
  g_autoptr(GAsyncResult) result = NULL;
  PiKeyringSource source = PI_KEYRING_SOURCE_NONE;
  g_autoptr(GError) error = NULL;
  char *key;

  pi_keyring_store_get_api_key_async (call->store, call->provider, NULL, on_api_key, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  key = pi_keyring_store_get_api_key_finish (call->store, result, &source, &error);
  return take_key (call, key, source, error);
}

static gboolean
call_peer (gpointer user_data)
{
  PeerCall *call = user_data;
  const char *value = g_hash_table_lookup (call->table, call->provider);
  char *key;

  if (value == NULL)
    return FALSE;
  key = g_strdup (value);
  g_free (key);

  return TRUE;
}

/* Calls @func for about @seconds; returns the calls per second, or -1
 * when a call failed. */
static double
run_for (CallFunc  func,
         gpointer  user_data,
         double    seconds)
{
  gint64 budget = (gint64) (seconds * G_USEC_PER_SEC);
  gint64 start, elapsed;
  guint64 calls = 0;

  start = g_get_monotonic_time ();
  do
    {
      for (guint i = 0; i < BATCH; i++)
        if (!func (user_data))
          return -1;
      calls += BATCH;
      elapsed = g_get_monotonic_time () - start;
    }
  while (elapsed < budget);

  return (double) calls * G_USEC_PER_SEC / (double) elapsed;
}

static gboolean
report (const char *name,
        CallFunc    func,
        gpointer    user_data,
        double      seconds)
{
  double rate;

  /* Warm: the first call may set things up (types, the provider table). */
  if (!func (user_data))
    return FALSE;
  rate = run_for (func, user_data, seconds);
  if (rate < 0)
    return FALSE;
  g_print ("%s=%.0f\n", name, rate);

  return TRUE;
}

static PiKeyringStore *
new_store (PiKeyringBackend *backend)
{
  PiKeyringStore *store = pi_keyring_store_new (backend);

  /* Only what the store is given: no auth.json of the caller's HOME. */
  pi_keyring_store_set_auth_file (store, "");

  return store;
}

int
main (int    argc,
      char **argv)
{
  double seconds = 1.0;
  const GOptionEntry entries[] = {
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds,
      "Time each loop for about SECONDS (default 1)", "SECONDS" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PiKeyringBackend) runtime_backend = NULL;
  g_autoptr(PiKeyringBackend) memory_backend = NULL;
  g_autoptr(PiKeyringStore) runtime_store = NULL;
  g_autoptr(PiKeyringStore) backend_store = NULL;
  g_autoptr(PiKeyringCredential) credential = NULL;
  g_autoptr(GHashTable) table = NULL;
  StoreCall runtime_call, backend_call;
  PeerCall runtime_peer, backend_peer;

  g_option_context_set_summary (context,
                                "Times pi_keyring_store_get_api_key_sync () on a warm store "
                                "against a GHashTable lookup, and prints calls per second.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-get-api-key: %s\n", error->message);
      return 2;
    }
  if (!(seconds > 0) || seconds > 600)
    {
      g_printerr ("bench-get-api-key: --seconds must be in (0, 600]\n");
      return 2;
    }

  runtime_backend = pi_keyring_memory_backend_new ();
  runtime_store = new_store (runtime_backend);
  pi_keyring_store_set_runtime_api_key (runtime_store, RUNTIME_PROVIDER, RUNTIME_KEY);

  memory_backend = pi_keyring_memory_backend_new ();
  backend_store = new_store (memory_backend);
  credential = pi_keyring_credential_new_api_key (BACKEND_PROVIDER, PI_KEYRING_DEFAULT_PROFILE,
                                                  BACKEND_KEY);
  if (!pi_keyring_store_set_credential_sync (backend_store, credential, NULL, &error))
    {
      g_printerr ("bench-get-api-key: could not store the credential: %s\n", error->message);
      return 1;
    }

  table = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (table, (gpointer) RUNTIME_PROVIDER, (gpointer) RUNTIME_KEY);
  g_hash_table_insert (table, (gpointer) BACKEND_PROVIDER, (gpointer) BACKEND_KEY);

  runtime_call = (StoreCall) { runtime_store, RUNTIME_PROVIDER, PI_KEYRING_SOURCE_RUNTIME };
  backend_call = (StoreCall) { backend_store, BACKEND_PROVIDER, PI_KEYRING_SOURCE_KEYRING };
  runtime_peer = (PeerCall) { table, RUNTIME_PROVIDER };
  backend_peer = (PeerCall) { table, BACKEND_PROVIDER };

  /* Ours then the peer, case by case, in one process. */
  if (!report ("runtime_override_per_s", call_store, &runtime_call, seconds) ||
      !report ("runtime_override_peer_per_s", call_peer, &runtime_peer, seconds) ||
      !report ("backend_cached_per_s", call_store, &backend_call, seconds) ||
      !report ("backend_cached_peer_per_s", call_peer, &backend_peer, seconds) ||
      !report ("runtime_override_async_per_s", call_store_async, &runtime_call, seconds) ||
      !report ("backend_cached_async_per_s", call_store_async, &backend_call, seconds))
    return 1;

  return 0;
}
