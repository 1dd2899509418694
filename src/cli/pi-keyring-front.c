/* pi-keyring-front.c: the pi-keyring executable: `get` from a running
 * daemon in one round trip, everything else in the command's module
 *
 * `pi-keyring get PROVIDER` runs once per use of a key (pi's
 * `"key": "!pi-keyring get P"`, scripts), so its start is most of its
 * cost: the dynamic linker, libsecret, libgcrypt, json-glib and the
 * library, a GDBus connection with its threads. With a daemon running,
 * none of that is needed: this executable links GLib only, writes the
 * whole conversation with the bus at once (authentication, Hello, who owns
 * dev.pi.Keyring1 and as which user, its backend, GetApiKey), reads the
 * answers, and prints the key. Whatever it cannot answer so (another
 * command, another backend, no daemon, a daemon's error, an unusual bus
 * address or command line) goes to the module libpi-keyring-cli.so,
 * loaded into this same process: no second exec. It is told what was
 * found out, so nothing is asked twice (cli-front.h).
 *
 * What it must not know: the library. Only D-Bus names, the command
 * line's shape and the name grammar of DESIGN §8 (checked again by the
 * module on every other path).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "cli-front.h"
#include "cli-front-wire.h"

#define MODULE_NAME "libpi-keyring-cli.so"

#define DAEMON_NAME "dev.pi.Keyring1"
#define DAEMON_PATH "/dev/pi/Keyring1"
#define DAEMON_INTERFACE "dev.pi.Keyring1"

/* As cli-daemon-client.c: a question to the bus answers at once or is
 * not worth waiting for; GetApiKey may refresh a token first. */
#define BUS_TIMEOUT_MS 1000
#define GET_API_KEY_TIMEOUT_MS 60000

/* Room for every answer at once; a longer one goes the module's way. The
 * buffer holds a key: it never grows (no copy left behind) and is wiped. */
#define BUFFER_SIZE 65536

/* --- the command line --- */

typedef struct
{
  const char *backend;   /* NULL: $PI_KEYRING_BACKEND, else auto */
  const char *profile;   /* NULL: default */
  const char *provider;
} GetLine;

/* DESIGN §8: 1-128 characters of [A-Za-z0-9._@+-], not starting with
 * . or -. The module says why a name is refused. */
static gboolean
is_valid_name (const char *name)
{
  gsize length = strlen (name);

  if (length == 0 || length > 128 || name[0] == '.' || name[0] == '-')
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (name[i]) && strchr ("._@+-", name[i]) == NULL)
      return FALSE;

  return TRUE;
}

static gboolean
take_option (char       **argv,
             int          argc,
             int         *i,
             const char  *name,
             const char **value)
{
  const char *arg = argv[*i];
  gsize length = strlen (name);

  if (strncmp (arg, name, length) != 0)
    return FALSE;
  if (arg[length] == '=')
    *value = arg + length + 1;
  else if (arg[length] == '\0' && *i + 1 < argc)
    *value = argv[++*i];
  else
    return FALSE;

  return TRUE;
}

/* `[--backend=B] [--profile=P] get [--backend=B] [--profile=P] PROVIDER`
 * (each option also as two words), and nothing else: anything the
 * module's option parser might read otherwise is left to it. */
static gboolean
parse_get_line (int      argc,
                char   **argv,
                GetLine *line)
{
  gboolean seen_get = FALSE;

  memset (line, 0, sizeof *line);
  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];

      if (take_option (argv, argc, &i, "--backend", &line->backend) ||
          take_option (argv, argc, &i, "--profile", &line->profile))
        continue;
      if (arg[0] == '-')
        return FALSE;
      if (!seen_get)
        {
          if (!g_str_equal (arg, "get"))
            return FALSE;
          seen_get = TRUE;
        }
      else if (line->provider == NULL)
        line->provider = arg;
      else
        return FALSE;
    }

  return line->provider != NULL;
}

/* Whether `get` has nothing to do but ask the daemon: the backend is
 * the Secret Service (or auto), the names are good, no `get` runs it from
 * further up (cmd-get.c's chain), and no refreshed token waits in a
 * recovery file (the store's recovery: $XDG_RUNTIME_DIR/pi-keyring/
 * <profile>/<provider>.recovery), of which `get` would speak. */
static gboolean
no_recovery_files (void)
{
  const char *runtime = g_getenv ("XDG_RUNTIME_DIR");
  g_autofree char *base = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (runtime == NULL || !g_path_is_absolute (runtime))
    return TRUE;
  base = g_build_filename (runtime, "pi-keyring", NULL);
  dir = g_dir_open (base, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *sub = g_build_filename (base, name, NULL);
      g_autoptr(GDir) subdir = g_dir_open (sub, 0, NULL);
      const char *file;

      while (subdir != NULL && (file = g_dir_read_name (subdir)) != NULL)
        if (g_str_has_suffix (file, ".recovery"))
          return FALSE;
    }

  return TRUE;
}

static gboolean
is_simple_get (const GetLine *line,
               gboolean      *is_auto)
{
  const char *backend = line->backend;
  const char *chain = g_getenv ("PI_KEYRING_GET_CHAIN");

  if (backend == NULL)
    backend = g_getenv ("PI_KEYRING_BACKEND");
  if (backend == NULL || *backend == '\0')
    backend = "auto";
  if (!g_str_equal (backend, "secret-service") && !g_str_equal (backend, "auto"))
    return FALSE;
  *is_auto = g_str_equal (backend, "auto");

  return is_valid_name (line->provider) &&
         (line->profile == NULL || is_valid_name (line->profile)) &&
         (chain == NULL || *chain == '\0') &&
         no_recovery_files ();
}

/* --- the bus --- */

static gboolean
unescape_address_value (const char *value,
                        gsize       length,
                        GString    *out)
{
  for (gsize i = 0; i < length; i++)
    {
      if (value[i] == '%')
        {
          int high, low;

          if (i + 2 >= length)
            return FALSE;
          high = g_ascii_xdigit_value (value[i + 1]);
          low = g_ascii_xdigit_value (value[i + 2]);
          if (high < 0 || low < 0)
            return FALSE;
          g_string_append_c (out, (char) (high * 16 + low));
          i += 2;
        }
      else
        g_string_append_c (out, value[i]);
    }

  return TRUE;
}

/* The socket of the session bus, as GDBus would find it, when it is a
 * plain Unix socket; FALSE for anything else (the module connects then).
 * *unreachable when there is no bus to reach without autolaunch
 * (cli_dbus_session_bus_reachable ()). */
static gboolean
find_bus_socket (struct sockaddr_un *address,
                 socklen_t          *address_length,
                 gboolean           *unreachable)
{
  const char *env = g_getenv ("DBUS_SESSION_BUS_ADDRESS");
  g_autoptr(GString) path = g_string_new (NULL);
  gboolean abstract = FALSE;
  struct stat st;

  *unreachable = FALSE;
  if (env == NULL || *env == '\0')
    {
      g_autofree char *socket_path = g_build_filename (g_get_user_runtime_dir (), "bus", NULL);

      if (stat (socket_path, &st) != 0 || !S_ISSOCK (st.st_mode))
        {
          *unreachable = TRUE;
          return FALSE;
        }
      g_string_assign (path, socket_path);
    }
  else
    {
      /* Only one entry, unix:path= or unix:abstract=, with keys we know */
      g_auto(GStrv) pairs = NULL;

      if (strchr (env, ';') != NULL || !g_str_has_prefix (env, "unix:"))
        return FALSE;
      pairs = g_strsplit (env + strlen ("unix:"), ",", -1);
      for (guint i = 0; pairs[i] != NULL; i++)
        {
          const char *equal = strchr (pairs[i], '=');

          if (equal == NULL)
            return FALSE;
          if (g_str_has_prefix (pairs[i], "path=") || g_str_has_prefix (pairs[i], "abstract="))
            {
              if (path->len > 0)
                return FALSE;
              abstract = g_str_has_prefix (pairs[i], "abstract=");
              if (!unescape_address_value (equal + 1, strlen (equal + 1), path) || path->len == 0)
                return FALSE;
            }
          else if (!g_str_has_prefix (pairs[i], "guid="))
            return FALSE;
        }
      if (path->len == 0)
        return FALSE;
    }

  if (path->len + 1 > sizeof address->sun_path || memchr (path->str, '\0', path->len) != NULL)
    return FALSE;
  memset (address, 0, sizeof *address);
  address->sun_family = AF_UNIX;
  if (abstract)
    {
      memcpy (address->sun_path + 1, path->str, path->len);
      *address_length = offsetof (struct sockaddr_un, sun_path) + 1 + path->len;
    }
  else
    {
      memcpy (address->sun_path, path->str, path->len);
      *address_length = offsetof (struct sockaddr_un, sun_path) + path->len + 1;
    }

  return TRUE;
}

/* --- the conversation --- */

enum
{
  SERIAL_HELLO = 1,
  SERIAL_OWNER,
  SERIAL_USER,
  SERIAL_SECRETS,
  SERIAL_BACKEND,
  SERIAL_BACKEND_PATH,
  SERIAL_GET_API_KEY,
  N_SERIALS
};

typedef struct
{
  gboolean    answered;
  gboolean    is_error;
  const char *error_name;
  const char *sender;
  const char *string;     /* the first argument, if a string */
  const char *variant;    /* the string inside a variant argument (Properties.Get) */
  guint32     number;     /* the first argument, if a u or b */
} Answer;

typedef struct
{
  guint8  *buffer;
  gsize    filled;
  gsize    parsed;
  Answer   answers[N_SERIALS];
} Conversation;

static void
take_answer (Conversation         *conversation,
             const CliWireMessage *message)
{
  Answer *answer;
  CliWireReader body = message->body;

  if ((message->type != CLI_WIRE_TYPE_METHOD_RETURN && message->type != CLI_WIRE_TYPE_ERROR) ||
      message->reply_serial == 0 || message->reply_serial >= N_SERIALS)
    return;
  answer = &conversation->answers[message->reply_serial];
  answer->answered = TRUE;
  answer->is_error = message->type == CLI_WIRE_TYPE_ERROR;
  answer->error_name = message->error_name;
  answer->sender = message->sender;
  if (g_str_has_prefix (message->signature, "s"))
    answer->string = cli_wire_reader_string (&body, FALSE);
  else if (g_str_equal (message->signature, "u") || g_str_equal (message->signature, "b"))
    answer->number = cli_wire_reader_u32 (&body);
  else if (g_str_equal (message->signature, "v") &&
           g_strcmp0 (cli_wire_reader_string (&body, TRUE), "s") == 0)
    answer->variant = cli_wire_reader_string (&body, FALSE);
}

static gint64
now_ms (void)
{
  return g_get_monotonic_time () / 1000;
}

static gboolean
answered_up_to (const Conversation *conversation,
                guint32             serial)
{
  for (guint32 i = 1; i <= serial; i++)
    if (!conversation->answers[i].answered)
      return FALSE;

  return TRUE;
}

/* Reads until @serial and every question before it are answered, or
 * @deadline passes. FALSE on a time-out,
 * a closed socket or a message this parser does not know. */
static gboolean
wait_for (int           fd,
          Conversation *conversation,
          gboolean     *authenticated,
          guint32       serial,
          gint64        deadline)
{
  while (!answered_up_to (conversation, serial))
    {
      struct pollfd pfd = { fd, POLLIN, 0 };
      gint64 left = deadline - now_ms ();
      ssize_t n;

      if (!*authenticated)
        {
          guint8 *end = memchr (conversation->buffer, '\n', conversation->filled);

          if (end != NULL)
            {
              if (conversation->filled < 3 || memcmp (conversation->buffer, "OK ", 3) != 0)
                return FALSE;
              conversation->parsed = (gsize) (end - conversation->buffer) + 1;
              *authenticated = TRUE;
              continue;
            }
        }
      else
        {
          CliWireMessage message;
          gssize length = cli_wire_parse_message (conversation->buffer + conversation->parsed,
                                         conversation->filled - conversation->parsed, &message);

          if (length < 0)
            return FALSE;
          if (length > 0)
            {
              take_answer (conversation, &message);
              conversation->parsed += (gsize) length;
              continue;
            }
        }

      if (left <= 0 || conversation->filled == BUFFER_SIZE)
        return FALSE;
      if (poll (&pfd, 1, (int) MIN (left, G_MAXINT)) <= 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      n = read (fd, conversation->buffer + conversation->filled,
                BUFFER_SIZE - conversation->filled);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      conversation->filled += (gsize) n;
    }

  return TRUE;
}

static guint
get_timeout_ms (void)
{
  /* As cli_dbus_get_timeout_ms (): seconds, default 5. */
  const char *value = g_getenv ("PI_KEYRING_TIMEOUT");
  char *end = NULL;
  double seconds;

  if (value == NULL || *value == '\0')
    return 5000;
  seconds = g_ascii_strtod (value, &end);
  if (end == value || *end != '\0' || !(seconds > 0) || seconds > 3600)
    return 5000;

  return (guint) (seconds * 1000);
}

static gboolean
write_all (int           fd,
           const guint8 *data,
           gsize         length,
           int          *error_number)
{
  while (length > 0)
    {
      ssize_t n = write (fd, data, length);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          *error_number = errno;
          return FALSE;
        }
      data += n;
      length -= (gsize) n;
    }

  return TRUE;
}

/* The whole conversation, written at once: the bus's questions with the
 * daemon's after them. Those to dev.pi.Keyring1 never start it (no
 * auto-start: ServiceUnknown when nobody owns it), and GetApiKey asks
 * for nothing secret: its answer is used only if the answers before it
 * say that this user's daemon, with this backend, gave it. */
static GByteArray *
build_conversation (const GetLine *line,
                    gboolean       is_auto)
{
  GByteArray *out = g_byte_array_new ();
  g_autofree char *uid = g_strdup_printf ("%u", (guint) getuid ());
  g_autoptr(GString) auth = g_string_new (NULL);
  const char *profile = line->profile != NULL ? line->profile : "default";

  /* EXTERNAL with the user id in hex digits of its decimal form; BEGIN
   * and the messages follow without waiting for OK, as sd-bus does. */
  g_string_append_c (auth, '\0');
  g_string_append (auth, "AUTH EXTERNAL ");
  for (const char *c = uid; *c != '\0'; c++)
    g_string_append_printf (auth, "%02x", (guint) (guchar) *c);
  g_string_append (auth, "\r\nBEGIN\r\n");
  g_byte_array_append (out, (const guint8 *) auth->str, (guint) auth->len);

  cli_wire_put_call (out, SERIAL_HELLO, FALSE, "org.freedesktop.DBus", "/org/freedesktop/DBus",
            "org.freedesktop.DBus", "Hello", "", NULL, NULL);
  cli_wire_put_call (out, SERIAL_OWNER, FALSE, "org.freedesktop.DBus", "/org/freedesktop/DBus",
            "org.freedesktop.DBus", "GetNameOwner", "s", DAEMON_NAME, NULL);
  cli_wire_put_call (out, SERIAL_USER, FALSE, "org.freedesktop.DBus", "/org/freedesktop/DBus",
            "org.freedesktop.DBus", "GetConnectionUnixUser", "s", DAEMON_NAME, NULL);
  /* auto's question; the Secret Service backend asks the same of the
   * daemon's name, to keep the serials */
  cli_wire_put_call (out, SERIAL_SECRETS, FALSE, "org.freedesktop.DBus", "/org/freedesktop/DBus",
            "org.freedesktop.DBus", "NameHasOwner", "s",
            is_auto ? "org.freedesktop.secrets" : DAEMON_NAME, NULL);
  cli_wire_put_call (out, SERIAL_BACKEND, TRUE, DAEMON_NAME, DAEMON_PATH,
            "org.freedesktop.DBus.Properties", "Get", "ss", DAEMON_INTERFACE, "Backend");
  cli_wire_put_call (out, SERIAL_BACKEND_PATH, TRUE, DAEMON_NAME, DAEMON_PATH,
            "org.freedesktop.DBus.Properties", "Get", "ss", DAEMON_INTERFACE, "BackendPath");
  cli_wire_put_call (out, SERIAL_GET_API_KEY, TRUE, DAEMON_NAME, DAEMON_PATH,
            DAEMON_INTERFACE, "GetApiKey", "ss", line->provider, profile);

  return out;
}

/* Asks the daemon for the key of @line. TRUE when it was printed; else
 * @front says what the module needs to know. */
static gboolean
get_from_daemon (const GetLine *line,
                 gboolean       is_auto,
                 CliFront      *front)
{
  struct sockaddr_un address;
  socklen_t address_length = 0;
  gboolean unreachable, authenticated = FALSE;
  g_autoptr(GByteArray) request = NULL;
  Conversation conversation = { 0 };
  Answer *owner, *user, *secrets, *backend, *backend_path, *key;
  guint timeout_ms = get_timeout_ms ();
  gint64 start;
  int fd = -1, error_number = 0;
  gboolean printed = FALSE;

  if (!find_bus_socket (&address, &address_length, &unreachable))
    {
      /* No bus without autolaunch: the daemon cannot be asked. */
      if (unreachable)
        front->daemon = CLI_FRONT_DAEMON_NOT_ASKED;
      return FALSE;
    }

  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect (fd, (struct sockaddr *) &address, address_length) != 0)
    {
      /* GDBus says why, in the module. */
      if (fd >= 0)
        close (fd);
      return FALSE;
    }

  request = build_conversation (line, is_auto);
  conversation.buffer = g_malloc (BUFFER_SIZE);
  start = now_ms ();
  if (!write_all (fd, request->data, request->len, &error_number))
    goto out;

  /* The connection: PI_KEYRING_TIMEOUT for the Secret Service backend,
   * which needs the bus (exit 5 after it); for auto, a short wait and
   * then the module's own (its probe says what auto chooses). */
  if (!wait_for (fd, &conversation, &authenticated, SERIAL_HELLO,
                 start + (is_auto ? MIN (BUS_TIMEOUT_MS, timeout_ms) : timeout_ms)))
    {
      if (!is_auto && now_ms () >= start + timeout_ms)
        {
          front->daemon = CLI_FRONT_DAEMON_BUS_TIMEOUT;
          front->timeout_ms = timeout_ms;
        }
      goto out;
    }
  if (conversation.answers[SERIAL_HELLO].is_error ||
      !wait_for (fd, &conversation, &authenticated, SERIAL_BACKEND_PATH,
                 now_ms () + BUS_TIMEOUT_MS))
    goto out;

  owner = &conversation.answers[SERIAL_OWNER];
  user = &conversation.answers[SERIAL_USER];
  secrets = &conversation.answers[SERIAL_SECRETS];
  backend = &conversation.answers[SERIAL_BACKEND];
  backend_path = &conversation.answers[SERIAL_BACKEND_PATH];

  /* auto: the Secret Service when it runs; otherwise the module's probe
   * decides (it may be activatable). */
  if (is_auto && (secrets->is_error || secrets->number != 1))
    goto out;
  front->secret_service_running = is_auto;

  front->daemon = CLI_FRONT_DAEMON_NOT_ASKED;
  if (owner->is_error || owner->string == NULL)
    {
      g_debug ("No pi-keyring daemon: %s",
               owner->error_name != NULL ? owner->error_name : "no answer");
      goto out;
    }
  if (user->is_error || user->number != (guint32) getuid ())
    {
      g_debug ("The pi-keyring daemon runs as another user (%u)", user->number);
      goto out;
    }
  if (backend->is_error || backend_path->is_error || backend->variant == NULL ||
      backend_path->variant == NULL || g_strcmp0 (backend->sender, owner->string) != 0 ||
      g_strcmp0 (backend_path->sender, owner->string) != 0)
    {
      g_debug ("The pi-keyring daemon did not say its backend");
      goto out;
    }
  if (!g_str_equal (backend->variant, "secret-service") || *backend_path->variant != '\0')
    {
      g_debug ("The pi-keyring daemon uses the %s backend, not secret-service", backend->variant);
      goto out;
    }

  g_debug ("Asking the pi-keyring daemon %s: GetApiKey", owner->string);
  key = &conversation.answers[SERIAL_GET_API_KEY];
  if (!wait_for (fd, &conversation, &authenticated, SERIAL_GET_API_KEY,
                 now_ms () + GET_API_KEY_TIMEOUT_MS) ||
      g_strcmp0 (key->sender, owner->string) != 0)
    {
      g_debug ("The pi-keyring daemon did not answer GetApiKey; looking alone");
      goto out;
    }
  if (key->is_error)
    {
      /* The module knows which errors are its answer. */
      front->daemon = CLI_FRONT_DAEMON_ERROR;
      front->error_name = g_strdup (key->error_name);
      front->error_message = g_strdup (key->string != NULL ? key->string : "");
      goto out;
    }
  if (key->string == NULL)
    goto out;

  /* Straight to the file descriptor, with a newline only on a terminal
   * (cli_write_secret ()). */
  if (!write_all (STDOUT_FILENO, (const guint8 *) key->string, strlen (key->string),
                  &error_number) ||
      (isatty (STDOUT_FILENO) && !write_all (STDOUT_FILENO, (const guint8 *) "\n", 1,
                                             &error_number)))
    {
      front->daemon = CLI_FRONT_DAEMON_WRITE_FAILED;
      front->write_errno = error_number;
      goto out;
    }
  printed = TRUE;

out:
  close (fd);
  explicit_bzero (conversation.buffer, BUFFER_SIZE);
  g_free (conversation.buffer);
  return printed;
}

/* --- the module --- */

/* The module's path: in the build tree, beside the executable; installed,
 * in the modules' folder (and there too when none is beside). Never a
 * folder named by the environment. */
static char *
module_path (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = self != NULL ? g_path_get_dirname (self) : NULL;
  g_autofree char *beside = NULL;

  if (dir != NULL && !g_str_equal (dir, BINDIR))
    {
      beside = g_build_filename (dir, MODULE_NAME, NULL);
      if (g_file_test (beside, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&beside);
    }

  return g_build_filename (PI_KEYRING_MODULEDIR, MODULE_NAME, NULL);
}

static int
run_module (int       argc,
            char    **argv,
            CliFront *front)
{
  g_autofree char *path = module_path ();
  CliFrontEntryPoint entry_point;
  void *module;

  module = dlopen (path, RTLD_LAZY | RTLD_LOCAL);
  entry_point = module != NULL ? (CliFrontEntryPoint) dlsym (module, CLI_FRONT_ENTRY_POINT) : NULL;
  if (entry_point == NULL)
    {
      g_autofree char *error = g_strdup (dlerror ());
      const char *localedir = g_getenv ("PI_KEYRING_LOCALEDIR");

      setlocale (LC_ALL, "");
      bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && *localedir != '\0' ? localedir
                                                                                : LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      g_printerr (_("pi-keyring: it is not installed completely: %s"), error);
      g_printerr ("\n");
      return 1;
    }

  return entry_point (argc, argv, front);
}

int
main (int    argc,
      char **argv)
{
  CliFront front = { sizeof (CliFront), { 0, 0 }, FALSE, CLI_FRONT_DAEMON_UNKNOWN, NULL, NULL,
                     0, 0, FALSE };
  struct rlimit no_core = { 0, RLIM_INFINITY };
  GetLine line;
  gboolean is_auto = FALSE;
  int status;

  /* Before anything else, and before any secret is read: no core dumps,
   * no ptrace by other processes of the same user (cli-harden.c, which
   * the module takes the saved limit over from). */
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (getrlimit (RLIMIT_CORE, &front.core_limit) == 0)
    {
      front.have_core_limit = TRUE;
      no_core.rlim_max = front.core_limit.rlim_max;
    }
  setrlimit (RLIMIT_CORE, &no_core);

  /* Messages on stderr, as the module's log writer puts them */
  g_log_writer_default_set_use_stderr (TRUE);
  if (parse_get_line (argc, argv, &line) && is_simple_get (&line, &is_auto))
    {
      if (get_from_daemon (&line, is_auto, &front))
        return 0;
    }

  status = run_module (argc, argv, &front);
  g_free (front.error_name);
  g_free (front.error_message);

  return status;
}
