/* pi-keyring-config-value.c: pi's resolveConfigValue
 *
 * The `key` of an api_key entry is a literal, the name of an environment
 * variable, or `!command` (reference §4). Command results are cached per
 * process, keyed by the whole value, failures included, as pi does.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "core/pi-keyring-core-private.h"

#include <string.h>

#define DEFAULT_COMMAND_TIMEOUT_MS 10000
/* Node's execSync keeps at most this much output (its default maxBuffer). */
#define MAX_COMMAND_OUTPUT (1024 * 1024)

/* --- running one command --- */

static guint command_timeout_ms = DEFAULT_COMMAND_TIMEOUT_MS;

void
_pi_keyring_set_command_timeout_ms (guint timeout_ms)
{
  g_atomic_int_set (&command_timeout_ms, timeout_ms > 0 ? timeout_ms : DEFAULT_COMMAND_TIMEOUT_MS);
}

guint
_pi_keyring_get_command_timeout_ms (void)
{
  return g_atomic_int_get (&command_timeout_ms);
}

typedef struct
{
  GSubprocess  *process;
  GInputStream *stdout_pipe;
  GCancellable *cancellable;

  /* The output so far; grown by hand so that no copy is left unwiped. */
  char         *output;
  gsize         length;
  gsize         allocated;
  char          buffer[4096];

  guint         pending;   /* async operations not finished yet */
  gboolean      timed_out;
  gboolean      too_long;
  gboolean      read_failed;
} CommandRun;

static void
append_output (CommandRun *run,
               const char *data,
               gsize       length)
{
  if (run->length + length + 1 > run->allocated)
    {
      gsize allocated = MAX (run->allocated * 2, run->length + length + 1);
      char *output = g_malloc (allocated);

      if (run->output != NULL)
        {
          memcpy (output, run->output, run->length);
          explicit_bzero (run->output, run->allocated);
          g_free (run->output);
        }
      run->output = output;
      run->allocated = allocated;
    }

  memcpy (run->output + run->length, data, length);
  run->length += length;
  run->output[run->length] = '\0';
}

static void
stop_command (CommandRun *run)
{
  g_subprocess_force_exit (run->process);
  g_cancellable_cancel (run->cancellable);
}

static void start_read (CommandRun *run);

static void
on_output_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  CommandRun *run = user_data;
  g_autoptr(GError) error = NULL;
  gssize n;

  run->pending--;
  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n < 0)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        run->read_failed = TRUE;
    }
  else if (n > 0)
    {
      append_output (run, run->buffer, n);
      if (run->length > MAX_COMMAND_OUTPUT)
        {
          run->too_long = TRUE;
          stop_command (run);
        }
      else
        start_read (run);
    }

  explicit_bzero (run->buffer, sizeof run->buffer);
}

static void
start_read (CommandRun *run)
{
  run->pending++;
  g_input_stream_read_async (run->stdout_pipe, run->buffer, sizeof run->buffer,
                             G_PRIORITY_DEFAULT, run->cancellable, on_output_read, run);
}

static void
on_process_exited (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  CommandRun *run = user_data;

  run->pending--;
  /* A cancelled wait only means that we stopped waiting. */
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
}

static gboolean
on_command_timeout (gpointer user_data)
{
  CommandRun *run = user_data;

  run->timed_out = TRUE;
  stop_command (run);

  return G_SOURCE_REMOVE;
}

static gboolean
is_js_space (gunichar c)
{
  /* String.prototype.trim removes WhiteSpace and LineTerminator. */
  switch (c)
    {
    case 0x0009: case 0x000A: case 0x000B: case 0x000C: case 0x000D:
    case 0x0020: case 0x00A0: case 0xFEFF: case 0x2028: case 0x2029:
      return TRUE;
    default:
      return g_unichar_type (c) == G_UNICODE_SPACE_SEPARATOR;
    }
}

gboolean
_pi_keyring_is_js_blank (const char *text)
{
  g_return_val_if_fail (text != NULL, FALSE);

  if (!g_utf8_validate (text, -1, NULL))
    return FALSE;
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (!is_js_space (g_utf8_get_char (p)))
      return FALSE;

  return TRUE;
}

/* Trims @text (valid UTF-8) like JavaScript's String.prototype.trim. */
static char *
trim_like_js (const char *text)
{
  const char *start = NULL;
  const char *end = text;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (is_js_space (g_utf8_get_char (p)))
        continue;
      if (start == NULL)
        start = p;
      end = g_utf8_next_char (p);
    }

  if (start == NULL)
    return g_strdup ("");

  return g_strndup (start, end - start);
}

/* Runs `/bin/sh -c command` as Node's execSync does for pi: stdin from
 * /dev/null, stdout captured, stderr discarded, a time limit. Blocks the
 * calling thread; any thread may call it. Returns the trimmed output, or
 * NULL with @out_message saying why not (never quoting the output). */
static char *
run_command (const char  *command,
             char       **out_message)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSource) timeout = NULL;
  CommandRun run = { 0 };
  guint timeout_ms = _pi_keyring_get_command_timeout_ms ();
  char *result = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  run.process = g_subprocess_launcher_spawn (launcher, &error, "/bin/sh", "-c", command, NULL);
  if (run.process == NULL)
    {
      g_debug ("The key command could not be started: %s", error->message);
      *out_message = g_strdup (_("The key command could not be started."));
      return NULL;
    }

  g_main_context_push_thread_default (context);

  run.stdout_pipe = g_subprocess_get_stdout_pipe (run.process);
  run.cancellable = g_cancellable_new ();

  timeout = g_timeout_source_new (timeout_ms);
  g_source_set_callback (timeout, on_command_timeout, &run, NULL);
  g_source_attach (timeout, context);

  start_read (&run);
  run.pending++;
  g_subprocess_wait_async (run.process, run.cancellable, on_process_exited, &run);

  /* Both the output's end and the exit, or the time limit. */
  while (run.pending > 0)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);
  g_main_context_pop_thread_default (context);

  if (run.timed_out)
    *out_message = g_strdup_printf (_("The key command did not finish within %u seconds."),
                                    (timeout_ms + 999) / 1000);
  else if (run.too_long)
    *out_message = g_strdup (_("The key command printed more than 1 MiB."));
  else if (run.read_failed)
    *out_message = g_strdup (_("The output of the key command could not be read."));
  else if (!g_subprocess_get_if_exited (run.process))
    *out_message = g_strdup_printf (_("The key command was killed by signal %d."),
                                    g_subprocess_get_term_sig (run.process));
  else if (g_subprocess_get_exit_status (run.process) != 0)
    *out_message = g_strdup_printf (_("The key command exited with status %d."),
                                    g_subprocess_get_exit_status (run.process));
  else
    {
      /* Node decodes the output as UTF-8, replacing what is not. */
      g_autoptr(PiKeyringSecretString) text = g_utf8_make_valid (run.output != NULL ? run.output : "",
                                                                 run.length);

      result = trim_like_js (text);
      if (*result == '\0')
        {
          g_clear_pointer (&result, g_free);
          *out_message = g_strdup (_("The key command printed nothing."));
        }
    }

  if (run.output != NULL)
    explicit_bzero (run.output, run.allocated);
  g_free (run.output);
  g_clear_object (&run.cancellable);
  g_clear_object (&run.process);

  /* Let the cancelled sources run their destroy notifies. */
  while (g_main_context_pending (context))
    g_main_context_iteration (context, FALSE);

  return result;
}

/* --- the per-process cache of command results --- */

typedef struct
{
  gint      ref_count;
  gboolean  done;
  char     *value;     /* the command's result, or NULL when it failed */
  char     *message;   /* why it failed */
} CacheEntry;

static GMutex cache_mutex;
static GCond cache_cond;
/* the whole value, `!` included → CacheEntry */
static GHashTable *cache;

static CacheEntry *
cache_entry_ref (CacheEntry *entry)
{
  g_atomic_int_inc (&entry->ref_count);
  return entry;
}

static void
cache_entry_unref (gpointer data)
{
  CacheEntry *entry = data;

  if (!g_atomic_int_dec_and_test (&entry->ref_count))
    return;

  _pi_keyring_secret_free (entry->value);
  g_free (entry->message);
  g_free (entry);
}

static GHashTable *
get_cache_locked (void)
{
  if (cache == NULL)
    cache = g_hash_table_new_full (g_str_hash, g_str_equal,
                                   (GDestroyNotify) _pi_keyring_secret_free,
                                   cache_entry_unref);
  return cache;
}

static char *
entry_get_result (CacheEntry  *entry,
                  GError     **error)
{
  if (entry->value == NULL)
    {
      g_set_error_literal (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_COMMAND_FAILED,
                           entry->message);
      return NULL;
    }

  return g_strdup (entry->value);
}

/* TRUE when the result of @value is in the cache already: then it is in
 * @out_result, or in @error. */
static gboolean
lookup_finished_command (const char  *value,
                         char       **out_result,
                         GError     **error)
{
  CacheEntry *entry;
  gboolean found = FALSE;

  g_mutex_lock (&cache_mutex);
  entry = g_hash_table_lookup (get_cache_locked (), value);
  if (entry != NULL && entry->done)
    {
      *out_result = entry_get_result (entry, error);
      found = TRUE;
    }
  g_mutex_unlock (&cache_mutex);

  return found;
}

/* Resolves a `!command` value through the cache. A command runs once per
 * process however many threads ask at the same time. Blocks. */
static char *
resolve_command (const char  *value,
                 GError     **error)
{
  CacheEntry *entry;
  char *result;
  char *output;
  char *message = NULL;

  g_mutex_lock (&cache_mutex);
  entry = g_hash_table_lookup (get_cache_locked (), value);
  if (entry != NULL)
    {
      cache_entry_ref (entry);
      while (!entry->done)
        g_cond_wait (&cache_cond, &cache_mutex);
      result = entry_get_result (entry, error);
      g_mutex_unlock (&cache_mutex);
      cache_entry_unref (entry);
      return result;
    }

  entry = g_new0 (CacheEntry, 1);
  entry->ref_count = 2;  /* the table's and ours */
  g_hash_table_insert (cache, g_strdup (value), entry);
  g_mutex_unlock (&cache_mutex);

  g_debug ("Running a key command (time limit %u ms).", _pi_keyring_get_command_timeout_ms ());
  output = run_command (value + 1, &message);

  g_mutex_lock (&cache_mutex);
  entry->value = output;
  entry->message = message;
  entry->done = TRUE;
  g_cond_broadcast (&cache_cond);
  result = entry_get_result (entry, error);
  g_mutex_unlock (&cache_mutex);
  cache_entry_unref (entry);

  return result;
}

/* A literal or the name of an environment variable; never cached. */
static char *
resolve_plain (const char *value)
{
  const char *env = g_getenv (value);

  if (env != NULL && *env != '\0')
    return g_strdup (env);

  return g_strdup (value);
}

/**
 * pi_keyring_resolve_config_value:
 * @value: the `key` of an api_key entry
 * @error: return location for an error
 *
 * Resolves @value as pi's `resolveConfigValue` does. A value starting with
 * `!` is a shell command: the rest runs through `/bin/sh -c` with stdin from
 * `/dev/null` and stderr discarded, for at most 10 seconds, and its output
 * with leading and trailing white space removed is the result. Command
 * results (failures included) are cached for the life of the process, keyed
 * by the whole @value; see [func@PiKeyring.clear_config_value_cache]. Any other value
 * is the name of an environment variable when one of that name is set and
 * not empty, whose value is then the result; otherwise it is the key
 * itself.
 *
 * This function blocks while a command runs.
 *
 * Returns: (transfer full) (nullable): the resolved key, a secret to wipe
 *   before freeing; %NULL with @error set to
 *   %PI_KEYRING_ERROR_COMMAND_FAILED when the command failed, timed out or
 *   printed nothing
 *
 * Since: 0.1
 */
char *
pi_keyring_resolve_config_value (const char  *value,
                                 GError     **error)
{
  g_return_val_if_fail (value != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (value[0] == '!')
    return resolve_command (value, error);

  return resolve_plain (value);
}

/**
 * pi_keyring_clear_config_value_cache:
 *
 * Forgets the cached results of every `!command`, so that the next
 * [func@PiKeyring.resolve_config_value] of each runs it again. The cached keys are
 * wiped from memory.
 *
 * Since: 0.1
 */
void
pi_keyring_clear_config_value_cache (void)
{
  g_mutex_lock (&cache_mutex);
  if (cache != NULL)
    g_hash_table_remove_all (cache);
  g_mutex_unlock (&cache_mutex);
}

/* --- the asynchronous form, for the store --- */

static void
resolve_in_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  GError *error = NULL;
  char *result;

  result = resolve_command (task_data, &error);
  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) _pi_keyring_secret_free);
}

void
_pi_keyring_resolve_config_value_async (const char          *value,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  char *result = NULL;

  g_return_if_fail (value != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, _pi_keyring_resolve_config_value_async);

  if (value[0] != '!')
    {
      g_task_return_pointer (task, resolve_plain (value), (GDestroyNotify) _pi_keyring_secret_free);
      return;
    }

  if (lookup_finished_command (value, &result, &error))
    {
      if (result == NULL)
        g_task_return_error (task, error);
      else
        g_task_return_pointer (task, result, (GDestroyNotify) _pi_keyring_secret_free);
      return;
    }

  /* The command blocks for up to its time limit: run it off the caller's
   * thread; the result comes back in the caller's context. */
  g_task_set_task_data (task, g_strdup (value), g_free);
  g_task_run_in_thread (task, resolve_in_thread);
}

char *
_pi_keyring_resolve_config_value_finish (GAsyncResult  *result,
                                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        _pi_keyring_resolve_config_value_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_config_value_resolved (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *key;

  key = _pi_keyring_resolve_config_value_finish (result, &error);
  if (key == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, key, (GDestroyNotify) _pi_keyring_secret_free);
}

/**
 * pi_keyring_resolve_config_value_async:
 * @value: the `key` of an api_key entry
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called with the result
 * @user_data: data for @callback
 *
 * Resolves @value as [func@PiKeyring.resolve_config_value] does, without
 * blocking the caller: a `!command` runs in a worker thread, and @callback
 * is called in the thread-default main context of the caller. A command
 * already resolved in this process answers from the cache at once.
 *
 * Since: 0.1
 */
void
pi_keyring_resolve_config_value_async (const char          *value,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (value != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, pi_keyring_resolve_config_value_async);

  _pi_keyring_resolve_config_value_async (value, cancellable, on_config_value_resolved,
                                          g_steal_pointer (&task));
}

/**
 * pi_keyring_resolve_config_value_finish:
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [func@PiKeyring.resolve_config_value_async].
 *
 * Returns: (transfer full) (nullable): the resolved key, a secret to wipe
 *   before freeing; %NULL with @error set to
 *   %PI_KEYRING_ERROR_COMMAND_FAILED when the command failed, timed out or
 *   printed nothing
 *
 * Since: 0.1
 */
char *
pi_keyring_resolve_config_value_finish (GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        pi_keyring_resolve_config_value_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- pi 1.6.0's templates: "$NAME", "${NAME}", "$$", "$!" --- */

static gboolean
is_name_start (char c)
{
  return g_ascii_isalpha (c) || c == '_';
}

static gboolean
is_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '_';
}

/* The value of NAME: the entry's own variable first, then the process's;
 * an empty one counts as unset, as `env?.[name] || process.env[name]`. */
static const char *
template_variable (const char          *name,
                   const char * const  *env)
{
  const char *value = env != NULL ? g_environ_getenv ((char **) env, name) : NULL;

  if (value == NULL || *value == '\0')
    value = g_getenv (name);

  return value != NULL && *value != '\0' ? value : NULL;
}

char *
_pi_keyring_expand_config_template (const char          *value,
                                    const char * const  *env)
{
  GString *out = g_string_new (NULL);
  const char *p = value;

  g_return_val_if_fail (value != NULL, NULL);

  while (*p != '\0')
    {
      const char *dollar = strchr (p, '$');
      g_autofree char *name = NULL;
      const char *resolved;

      if (dollar == NULL)
        {
          g_string_append (out, p);
          break;
        }
      g_string_append_len (out, p, dollar - p);

      if (dollar[1] == '$' || dollar[1] == '!')
        {
          g_string_append_c (out, dollar[1]);
          p = dollar + 2;
          continue;
        }

      if (dollar[1] == '{')
        {
          const char *end = strchr (dollar + 2, '}');
          gboolean valid;

          if (end == NULL)
            {
              g_string_append_c (out, '$');
              p = dollar + 1;
              continue;
            }
          name = g_strndup (dollar + 2, end - (dollar + 2));
          valid = is_name_start (name[0]);
          for (const char *c = name; valid && *c != '\0'; c++)
            valid = is_name_char (*c);
          if (!valid)
            {
              g_string_append_len (out, dollar, end + 1 - dollar);
              p = end + 1;
              continue;
            }
          p = end + 1;
        }
      else if (is_name_start (dollar[1]))
        {
          const char *end = dollar + 1;

          while (is_name_char (*end))
            end++;
          name = g_strndup (dollar + 1, end - (dollar + 1));
          p = end;
        }
      else
        {
          g_string_append_c (out, '$');
          p = dollar + 1;
          continue;
        }

      resolved = template_variable (name, env);
      if (resolved == NULL)
        {
          _pi_keyring_secret_free (g_string_free (out, FALSE));
          return NULL;
        }
      g_string_append (out, resolved);
    }

  return g_string_free (out, FALSE);
}
