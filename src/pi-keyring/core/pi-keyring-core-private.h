/* pi-keyring-core-private.h: the core layer's private parts: the sync helper, secret memory, the auth.json codec, pi's lock, private files, the wall clock and its timer, config values.
 *
 * Nothing here is exported; the layers above and the tests reach it
 * through the static library.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib/gi18n-lib.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "pi-keyring-version-macros.h"
#include "pi-keyring-enum-types.h"
#include "pi-keyring-error.h"
#include "pi-keyring-config-value.h"
#include "pi-keyring-credential.h"
#include "pi-keyring-interaction.h"

G_BEGIN_DECLS

/* --- pi-keyring-net-loader.c: libsoup and GnuTLS, loaded on first use --- */

/* The table of their functions: include net/pi-keyring-net.h to call
 * them. NULL with @error set when the module cannot be loaded. */
typedef struct _PiKeyringNet PiKeyringNet;
const PiKeyringNet *_pi_keyring_net_get          (GError **error);

/* --- pi-keyring-sync.c: running an async operation to completion --- */

typedef struct
{
  GMainContext *context;
  GAsyncResult *result;
} PiKeyringSyncClosure;

void          _pi_keyring_sync_closure_init     (PiKeyringSyncClosure *closure);
void          _pi_keyring_sync_closure_callback (GObject              *source,
                                                 GAsyncResult         *result,
                                                 gpointer              user_data);
GAsyncResult *_pi_keyring_sync_closure_wait     (PiKeyringSyncClosure *closure);
void          _pi_keyring_sync_closure_clear    (PiKeyringSyncClosure *closure);

/* Milliseconds every keyring call may take: PI_KEYRING_TIMEOUT seconds, default 5. */
guint         _pi_keyring_get_timeout_ms        (void);

/* Milliseconds since the Unix epoch, as JavaScript's Date.now(). */
gint64        _pi_keyring_now_ms                (void);

/* --- pi-keyring-secret.c: secret memory --- */

void          _pi_keyring_secret_wipe           (char        *secret);
void          _pi_keyring_secret_free           (char        *secret);
char         *_pi_keyring_secret_redact         (const char  *secret);
gboolean      _pi_keyring_secret_equal          (const char  *a,
                                                 const char  *b);
void          _pi_keyring_json_object_wipe      (JsonObject  *object);

/* A growable text buffer that wipes what it drops (realloc would leave
 * copies behind): always nul-terminated. */
typedef struct
{
  char  *data;
  gsize  len;
  gsize  cap;
} PiKeyringBuf;

void          _pi_keyring_buf_init              (PiKeyringBuf *b,
                                                 gsize         cap);
void          _pi_keyring_buf_reserve           (PiKeyringBuf *b,
                                                 gsize         extra);
void          _pi_keyring_buf_append_len        (PiKeyringBuf *b,
                                                 const char   *s,
                                                 gsize         n);
void          _pi_keyring_buf_append            (PiKeyringBuf *b,
                                                 const char   *s);
void          _pi_keyring_buf_append_c          (PiKeyringBuf *b,
                                                 char          c);
/* Empties the buffer, wiping its text; the memory stays. */
void          _pi_keyring_buf_truncate          (PiKeyringBuf *b);
void          _pi_keyring_buf_clear             (PiKeyringBuf *b);
/* The text (trimmed to its length) for the caller; the buffer is cleared. */
char         *_pi_keyring_buf_steal             (PiKeyringBuf *b);

/* g_autoptr(PiKeyringSecretString) wipes the string before freeing it. */
typedef char PiKeyringSecretString;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PiKeyringSecretString, _pi_keyring_secret_free)

/* --- pi-keyring-auth-json-parse.c, pi-keyring-auth-json.c: auth.json as pi reads and writes it --- */

/* JavaScript numbers are doubles: integers beyond this lose precision. */
#define PI_KEYRING_JSON_MAX_SAFE_INTEGER G_GINT64_CONSTANT (9007199254740992)


/* Parses @data (which may be empty: that is `{}`); the top level must be an
 * object. Errors are PI_KEYRING_ERROR_PARSE and name @display_name, the
 * line and the column. */
JsonObject   *_pi_keyring_auth_json_parse       (const char  *data,
                                                 gssize       length,
                                                 const char  *display_name,
                                                 GError     **error);
/* JSON.stringify (node, null, indent) to the byte: @indent 0 is compact. */
char         *_pi_keyring_json_stringify        (JsonNode    *node,
                                                 guint        indent);
char         *_pi_keyring_json_object_stringify (JsonObject  *object,
                                                 guint        indent);
/* Replaces (or appends) @name in @object keeping its position; NULL @value removes.
 * Takes @value. */
void          _pi_keyring_json_object_put       (JsonObject  *object,
                                                 const char  *name,
                                                 JsonNode    *value);
/* PI_KEYRING_ERROR_INVALID_ARGUMENT, naming @path, unless @text (what is
 * about to be written there) is valid UTF-8: no file is written that its
 * reader would read otherwise. */
gboolean      _pi_keyring_json_text_check       (const char  *text,
                                                 const char  *path,
                                                 GError     **error);
/* Zeroes every string in @node (only when nobody else holds it). */
void          _pi_keyring_json_node_wipe        (JsonNode    *node);
/* The member @name of @object (which may be NULL) when it is a JSON string, else NULL. */
const char   *_pi_keyring_json_get_string       (JsonObject  *object,
                                                 const char  *name);

/* --- pi-keyring-pi-lock.c: pi's auth.json.lock directory protocol --- */

typedef struct _PiKeyringPiLock PiKeyringPiLock;

/* One attempt: TRUE when the lock is ours (a stale lock older than
 * @stale_ms is taken over); FALSE with G_IO_ERROR_BUSY when held. */
PiKeyringPiLock *_pi_keyring_pi_lock_try        (const char  *file_path,
                                                 guint        stale_ms,
                                                 GError     **error);
/* Blocks up to @wait_ms, then takes a stale lock over as pi does. */
PiKeyringPiLock *_pi_keyring_pi_lock_acquire    (const char  *file_path,
                                                 guint        wait_ms,
                                                 GError     **error);
/* Sets the lock's mtime to now (proper-lockfile's update). */
void          _pi_keyring_pi_lock_touch         (PiKeyringPiLock *lock);
void          _pi_keyring_pi_lock_release       (PiKeyringPiLock *lock);

/* --- pi-keyring-file-util.c: private files read whole, replaced atomically --- */

typedef enum
{
  PI_KEYRING_FILE_READ_OK,
  PI_KEYRING_FILE_READ_MISSING,    /* no such file; no error is set */
  PI_KEYRING_FILE_READ_TOO_LARGE,  /* more than max_size bytes; no error is set */
  PI_KEYRING_FILE_READ_FAILED,     /* the error is set */
} PiKeyringFileRead;

/* All of a regular file of at most @max_size bytes, nul-terminated; a FIFO
 * or device is refused (PI_KEYRING_ERROR_PARSE) without blocking. Buffers
 * given up on the way are wiped; free the result with
 * _pi_keyring_file_secret_free (data, length). */
PiKeyringFileRead _pi_keyring_file_read_secret  (const char  *path,
                                                 gsize        max_size,
                                                 char       **out_data,
                                                 gsize       *out_length,
                                                 GError     **error);
void          _pi_keyring_file_secret_free      (char        *data,
                                                 gsize        length);
/* Replaces @path (or the file its symbolic links lead to): a temporary
 * file (0600) beside it, written, synced, renamed over it; then the
 * directory synced. */
gboolean      _pi_keyring_file_write_atomic     (const char  *path,
                                                 const char  *data,
                                                 gsize        length,
                                                 GError     **error);
/* Makes @dir and its missing parents 0700; an existing one is left alone. */
gboolean      _pi_keyring_file_ensure_private_dir (const char  *dir,
                                                   GError     **error);
/* Whether @dir (or its nearest existing ancestor) clearly has no room for
 * a file of @bytes bytes: fewer free bytes, or no free inode (statvfs);
 * FALSE when that cannot be told. @out_free: (optional): its free bytes. */
gboolean      _pi_keyring_file_dir_lacks_room   (const char  *dir,
                                                 guint64      bytes,
                                                 guint64     *out_free);
/* pi's agent directory: $PI_CODING_AGENT_DIR (with pi's `~`), else ~/.pi/agent. */
char         *_pi_keyring_pi_agent_dir          (void);

/* --- pi-keyring-credential.c --- */

PiKeyringCredential *_pi_keyring_credential_new_take_object (const char *provider,
                                                             const char *profile,
                                                             JsonObject *entry);
/* pi_keyring_credential_new_from_json () without the check of the names:
 * for what a backend holds, which may predate the check. */
PiKeyringCredential *_pi_keyring_credential_parse (const char  *provider,
                                                   const char  *profile,
                                                   const char  *json,
                                                   gssize       length,
                                                   GError     **error);
/* PI_KEYRING_ERROR_INVALID_ARGUMENT unless @credential may be written:
 * valid names (an empty key is refused too; a missing one only when the
 * entry has no `env` object, which pi 1.6.0 writes instead). */
gboolean      _pi_keyring_credential_check_storable (PiKeyringCredential  *credential,
                                                     GError              **error);
JsonObject   *_pi_keyring_credential_get_object (PiKeyringCredential *self);
JsonNode     *_pi_keyring_credential_dup_node   (PiKeyringCredential *self);
/* A copy that shares no strings with @node. */
JsonNode     *_pi_keyring_json_node_deep_copy   (JsonNode            *node);

/* --- pi-keyring-config-value.c --- */

/* The `!command` time limit, 10 s unless a test shortens it (0 restores it). */
void          _pi_keyring_set_command_timeout_ms  (guint        timeout_ms);
guint         _pi_keyring_get_command_timeout_ms  (void);
/* pi_keyring_resolve_config_value () without blocking the caller: a command
 * runs in a worker thread, the result comes back in the caller's context. */
void          _pi_keyring_resolve_config_value_async  (const char          *value,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
char         *_pi_keyring_resolve_config_value_finish (GAsyncResult        *result,
                                                       GError             **error);
/* pi 1.6.0's resolveConfigValue for a value that is not a `!command`:
 * "$NAME" and "${NAME}" from @env (NAME=VALUE, the entry's `env`) else the
 * process's environment, "$$" and "$!" for "$" and "!"; NULL when a named
 * variable is unset or empty. A secret: wipe it before freeing. */
char         *_pi_keyring_expand_config_template      (const char          *value,
                                                       const char * const  *env);
/* Whether @text is empty or only what JavaScript's trim () removes: pi
 * 1.6.0 takes such an environment variable as unset. Not UTF-8: FALSE. */
gboolean      _pi_keyring_is_js_blank                 (const char          *text);

/* --- pi-keyring-timer-source.c: the wall clock and a timer on it --- */

/* Milliseconds since the epoch, as the refresh logic sees them: the real
 * clock, or the virtual one of a test. */
gint64        _pi_keyring_wall_clock_now_ms             (void);
/* For tests: the clock stands at @now_ms (-1: the real clock again) until
 * one of the calls below moves it. Each tells the timer sources as the
 * kernel would tell a timerfd. */
void          _pi_keyring_wall_clock_set_virtual        (gint64               now_ms);
/* Time passes: timers whose deadline comes fire. */
void          _pi_keyring_wall_clock_advance            (gint64               delta_ms);
/* The clock is set (forwards or backwards): every timer hears of it. */
void          _pi_keyring_wall_clock_jump               (gint64               delta_ms);
/* A resume after @slept_ms of suspend: the time passed (timers whose
 * deadline passed fire) and the clock counts as set. */
void          _pi_keyring_wall_clock_simulate_resume    (gint64               slept_ms);

typedef enum
{
  PI_KEYRING_TIMER_EXPIRED,     /* the deadline has come */
  PI_KEYRING_TIMER_CLOCK_SET,   /* the wall clock was set, or the system resumed */
} PiKeyringTimerEvent;

typedef gboolean (*PiKeyringTimerFunc) (PiKeyringTimerEvent event,
                                        gpointer            user_data);

/* A GSource on a timerfd (CLOCK_REALTIME, TFD_TIMER_ABSTIME |
 * TFD_TIMER_CANCEL_ON_SET): fires at a wall-clock deadline, after a
 * suspend too, and when the clock is set. Callback: PiKeyringTimerFunc. */
GSource      *_pi_keyring_timer_source_new              (GError             **error);
/* -1: no deadline (clock changes are still reported). */
void          _pi_keyring_timer_source_set_deadline     (GSource             *source,
                                                         gint64               deadline_ms);
gint64        _pi_keyring_timer_source_get_deadline     (GSource             *source);
/* What the kernel timer is armed for (timerfd_gettime), -1 for nothing. */
gint64        _pi_keyring_timer_source_get_armed_ms     (GSource             *source);
guint         _pi_keyring_timer_source_get_dispatch_count (GSource           *source);

/* --- pi-keyring-provider-table.c: pi's table of providers --- */

/* How the environment gives pi a key for a provider (getEnvApiKey). */
typedef enum
{
  PI_KEYRING_ENV_RULE_FIRST,    /* the first set variable of key_vars */
  PI_KEYRING_ENV_RULE_VERTEX,   /* key_vars, else the ADC file, a project and a location */
  PI_KEYRING_ENV_RULE_BEDROCK,  /* "<authenticated>" when an AWS credential source is set */
} PiKeyringEnvRule;

/* The pi releases the table describes, one bit each (the index into
 * _pi_keyring_provider_table_get_pi_versions ()). */
#define PI_KEYRING_PI_0_73 (1u << 0)
#define PI_KEYRING_PI_1_6  (1u << 1)

typedef struct
{
  const char         *id;
  const char         *name;
  const char         *flow;         /* "loopback", "device", or NULL for an API key */
  const char * const *env_vars;     /* every variable pi reads, in pi's order; NULL-terminated */
  const char * const *key_vars;     /* those whose value is the key, in lookup order */
  const char         *key_variable; /* where a stored key goes for pi (exec); NULL: none */
  PiKeyringEnvRule    env_rule;
  guint               pi_versions;  /* PI_KEYRING_PI_*; 0: only pi releases before 0.71 */
  const char         *other_id;     /* the id other pi releases give the same provider */
} PiKeyringProviderInfo;

/* The pi releases of the table's bits, oldest first, NULL-terminated. */
const char * const *_pi_keyring_provider_table_get_pi_versions (void);
/* The releases of @mask (PI_KEYRING_PI_*), NULL-terminated, static. */
const char * const *_pi_keyring_provider_table_versions_of (guint mask);

/* The entry of @provider, or NULL when pi's table does not have it. */
const PiKeyringProviderInfo *_pi_keyring_provider_table_lookup (const char *provider);
/* The ids in pi's order (the OAuth providers first), NULL-terminated. */
const char * const *_pi_keyring_provider_table_get_ids (void);

/* The name of @provider for people: what the installed function says (the
 * providers layer installs one once providers are registered, since a
 * registered provider names itself), else the table's; NULL when unknown. */
typedef const char *(*PiKeyringDisplayNameFunc) (const char *provider);
void          _pi_keyring_set_display_name_func  (PiKeyringDisplayNameFunc func);
const char   *_pi_keyring_provider_display_name  (const char *provider);

G_END_DECLS
