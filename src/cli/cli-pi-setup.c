/* cli-pi-setup.c: pi's extension, installed, removed and checked; the pi
 * programs on PATH
 *
 * pi loads every TypeScript file of `<agentDir>/extensions` at its start (0.73.1 and
 * 1.6.0 alike). pi-keyring's extension is built into the command as a
 * resource, so that `setup-pi` works from the build tree too; the copy
 * installed under $datadir/pi-keyring/pi-extension/ is the same file. The
 * file written differs from it in two lines: a first line that says who
 * wrote it (that line is how a file of ours is told from someone else's),
 * and the command line after `// @pi-keyring-command@`, which names the
 * absolute path of the pi-keyring that wrote it, so that pi finds it
 * whatever pi's PATH is. Nothing secret is ever written here.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "cli-pi-setup.h"

/* The first line of a file of ours starts so; the version follows. */
#define HEADER_PREFIX "// Installed by pi-keyring setup-pi "
#define HEADER_SUFFIX "; remove it with: pi-keyring setup-pi --undo"
/* The line before the one setup-pi replaces. */
#define COMMAND_MARKER "// @pi-keyring-command@"
#define COMMAND_PREFIX "const PI_KEYRING_COMMAND = "

/* More than any extension or package.json of a sane size: a larger file
 * of that name is not ours, and is not read whole. */
#define MAX_FILE_SIZE (16 * 1024 * 1024)
/* npm puts a bin in <package>/dist/cli.js or <package>/dist/bundle/cli.js. */
#define MAX_PACKAGE_DEPTH 8

void
cli_pi_program_free (CliPiProgram *program)
{
  if (program == NULL)
    return;
  g_free (program->path);
  g_free (program->package);
  g_free (program->version);
  g_free (program);
}

char *
cli_pi_get_agent_dir (void)
{
  /* The library knows pi's rule for auth.json; the agent directory is
   * where that file is. */
  g_autofree char *auth_file = pi_keyring_get_default_auth_file_path ();

  return g_path_get_dirname (auth_file);
}

char *
cli_pi_get_extension_path (void)
{
  g_autofree char *agent_dir = cli_pi_get_agent_dir ();

  return g_build_filename (agent_dir, "extensions", "pi-keyring.ts", NULL);
}

const char *
cli_pi_action_to_string (CliPiAction action)
{
  switch (action)
    {
    case CLI_PI_ACTION_INSTALLED:
      return "installed";
    case CLI_PI_ACTION_UPDATED:
      return "updated";
    case CLI_PI_ACTION_UNCHANGED:
      return "unchanged";
    case CLI_PI_ACTION_REMOVED:
      return "removed";
    case CLI_PI_ACTION_ABSENT:
    default:
      return "absent";
    }
}

/* --- the file --- */

/* The line that follows the only `// @pi-keyring-command@` line of @text:
 * its start and end (before its '\n'); FALSE when there is not exactly one
 * such line with a line after it. */
static gboolean
find_command_line (const char  *text,
                   const char **out_start,
                   const char **out_end)
{
  const char *found = NULL;
  const char *line = text;

  while (*line != '\0')
    {
      const char *end = strchr (line, '\n');
      gsize length = end != NULL ? (gsize) (end - line) : strlen (line);

      if (length == strlen (COMMAND_MARKER) && strncmp (line, COMMAND_MARKER, length) == 0)
        {
          if (found != NULL || end == NULL)
            return FALSE;
          found = end + 1;
        }
      if (end == NULL)
        break;
      line = end + 1;
    }

  if (found == NULL)
    return FALSE;

  *out_start = found;
  *out_end = strchr (found, '\n');
  if (*out_end == NULL)
    *out_end = found + strlen (found);
  return TRUE;
}

/* This binary, as the absolute path pi is to run. */
static char *
get_own_path (GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *path = g_file_read_link ("/proc/self/exe", &local_error);

  if (path == NULL)
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("Could not find the path of this pi-keyring: %s"), local_error->message);
      return NULL;
    }
  if (!g_utf8_validate (path, -1, NULL))
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("The path of this pi-keyring is not valid UTF-8, which pi's extension "
                     "cannot name; install pi-keyring in another directory."));
      return NULL;
    }

  return g_steal_pointer (&path);
}

static char *
json_string_literal (const char *value)
{
  g_autoptr(JsonNode) node = json_node_init_string (json_node_alloc (), value);

  return json_to_string (node, FALSE);
}

char *
cli_pi_extension_contents (GError **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *source = NULL;
  g_autofree char *own_path = NULL;
  g_autofree char *literal = NULL;
  const char *start, *end;
  gsize size;

  bytes = g_resources_lookup_data (CLI_PI_EXTENSION_RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE,
                                   error);
  if (bytes == NULL)
    return NULL;

  source = g_strndup (g_bytes_get_data (bytes, &size), g_bytes_get_size (bytes));
  if (strlen (source) != size || !find_command_line (source, &start, &end))
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("The pi extension built into this pi-keyring has no line “%s” followed "
                     "by its command; this pi-keyring is broken."),
                   COMMAND_MARKER);
      return NULL;
    }

  own_path = get_own_path (error);
  if (own_path == NULL)
    return NULL;
  literal = json_string_literal (own_path);

  return g_strdup_printf (HEADER_PREFIX "%s" HEADER_SUFFIX "\n%.*s" COMMAND_PREFIX "%s;%s",
                          PACKAGE_VERSION, (int) (start - source), source, literal, end);
}

/* The pi-keyring the command line of @text names, or NULL. */
static char *
read_command (const char *text)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *value = NULL;
  const char *start, *end;

  if (!find_command_line (text, &start, &end) ||
      !g_str_has_prefix (start, COMMAND_PREFIX) ||
      end - start < (gssize) strlen (COMMAND_PREFIX) + 1 || end[-1] != ';')
    return NULL;

  start += strlen (COMMAND_PREFIX);
  value = g_strndup (start, end - 1 - start);
  node = json_from_string (value, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return g_strdup (json_node_get_string (node));
}

CliPiExtensionState
cli_pi_extension_check (const char  *path,
                        const char  *wanted,
                        char       **out_command,
                        GError     **error)
{
  g_autofree char *text = NULL;
  gsize length;
  GStatBuf st;

  if (out_command != NULL)
    *out_command = NULL;

  if (g_lstat (path, &st) != 0)
    {
      int saved_errno = errno;

      if (saved_errno == ENOENT || saved_errno == ENOTDIR)
        return CLI_PI_EXTENSION_ABSENT;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not read “%s”: %s"), path, g_strerror (saved_errno));
      return CLI_PI_EXTENSION_FOREIGN;
    }

  /* A directory, a FIFO, a dangling link or a huge file is not ours. */
  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size > MAX_FILE_SIZE)
    return CLI_PI_EXTENSION_FOREIGN;

  if (!g_file_get_contents (path, &text, &length, error))
    return CLI_PI_EXTENSION_FOREIGN;

  if (!g_str_has_prefix (text, HEADER_PREFIX) || strlen (text) != length)
    return CLI_PI_EXTENSION_FOREIGN;

  if (out_command != NULL)
    *out_command = read_command (text);

  if (wanted != NULL && g_str_equal (text, wanted))
    return CLI_PI_EXTENSION_INSTALLED;

  return CLI_PI_EXTENSION_OUTDATED;
}

/* Writes @contents to @path atomically (a temporary file beside it, synced,
 * renamed over it), mode 0600; a missing directory is made 0700. */
static gboolean
write_extension (const char  *path,
                 const char  *contents,
                 GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not create the directory “%s”: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }

  return g_file_set_contents_full (path, contents, -1,
                                   G_FILE_SET_CONTENTS_CONSISTENT |
                                   G_FILE_SET_CONTENTS_DURABLE,
                                   0600, error);
}

/* --- pi on PATH --- */

/* Whether @value, a "bin" entry of the package in @dir, is @real_bin. */
static gboolean
bin_entry_is (const char *dir,
              JsonNode   *value,
              const char *real_bin)
{
  g_autofree char *path = NULL;
  g_autofree char *real = NULL;

  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value) ||
      json_node_get_value_type (value) != G_TYPE_STRING)
    return FALSE;

  path = g_build_filename (dir, json_node_get_string (value), NULL);
  real = realpath (path, NULL);
  return real != NULL && g_str_equal (real, real_bin);
}

/* Whether the package.json in @dir declares @real_bin as a "bin"; its name
 * and version then. */
static gboolean
read_package (const char    *dir,
              const char    *real_bin,
              CliPiProgram  *program)
{
  g_autofree char *path = g_build_filename (dir, "package.json", NULL);
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *package;
  JsonNode *bin;
  gboolean owns = FALSE;
  GStatBuf st;

  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size > MAX_FILE_SIZE)
    return FALSE;

  parser = json_parser_new ();
  if (!json_parser_load_from_file (parser, path, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return FALSE;

  package = json_node_get_object (json_parser_get_root (parser));
  bin = json_object_get_member (package, "bin");
  if (bin != NULL && JSON_NODE_HOLDS_OBJECT (bin))
    {
      JsonObject *bins = json_node_get_object (bin);
      g_autoptr(GList) names = json_object_get_members (bins);

      for (GList *n = names; n != NULL && !owns; n = n->next)
        owns = bin_entry_is (dir, json_object_get_member (bins, n->data), real_bin);
    }
  else
    owns = bin_entry_is (dir, bin, real_bin);

  if (!owns)
    return FALSE;

  program->package = g_strdup (json_object_get_string_member_with_default (package, "name",
                                                                           NULL));
  program->version = g_strdup (json_object_get_string_member_with_default (package, "version",
                                                                           NULL));
  return TRUE;
}

/* The package that owns @real_bin: the nearest directory above it whose
 * package.json names it in "bin". */
static void
find_package (const char   *real_bin,
              CliPiProgram *program)
{
  g_autofree char *dir = g_path_get_dirname (real_bin);

  for (int i = 0; i < MAX_PACKAGE_DEPTH; i++)
    {
      char *parent;

      if (read_package (dir, real_bin, program))
        return;

      parent = g_path_get_dirname (dir);
      if (g_str_equal (parent, dir))
        {
          g_free (parent);
          return;
        }
      g_free (dir);
      dir = parent;
    }
}

GPtrArray *
cli_pi_find_programs (void)
{
  GPtrArray *programs = g_ptr_array_new_with_free_func ((GDestroyNotify) cli_pi_program_free);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *path = g_getenv ("PATH");
  g_auto(GStrv) dirs = NULL;

  if (path == NULL)
    return programs;

  dirs = g_strsplit (path, G_SEARCHPATH_SEPARATOR_S, -1);
  for (gsize i = 0; dirs[i] != NULL; i++)
    {
      /* an empty entry is the working directory, as for the shell */
      g_autofree char *candidate = g_build_filename (*dirs[i] != '\0' ? dirs[i] : ".", "pi",
                                                     NULL);
      g_autofree char *real = NULL;
      CliPiProgram *program;

      if (!g_file_test (candidate, G_FILE_TEST_IS_EXECUTABLE) ||
          g_file_test (candidate, G_FILE_TEST_IS_DIR))
        continue;

      real = realpath (candidate, NULL);
      if (real == NULL || !g_hash_table_add (seen, g_strdup (real)))
        continue;

      program = g_new0 (CliPiProgram, 1);
      program->path = g_steal_pointer (&candidate);
      find_package (real, program);
      g_ptr_array_add (programs, program);
    }

  return programs;
}

char *
cli_pi_program_describe (const CliPiProgram *program)
{
  g_autofree char *display = g_filename_display_name (program->path);

  if (program->package != NULL && program->version != NULL)
    /* Translators: "pi 0.73.1 (@mariozechner/pi-coding-agent) at /usr/local/bin/pi" */
    return g_strdup_printf (_("pi %s (%s) at %s"), program->version, program->package, display);
  if (program->package != NULL)
    return g_strdup_printf (_("pi of unknown version (%s) at %s"), program->package, display);

  /* Translators: a pi that is not the bin of an npm package */
  return g_strdup_printf (_("pi at %s (no package.json names it)"), display);
}

/* --- setup-pi --- */

static gboolean
is_known_package (const char *package)
{
  return g_strcmp0 (package, "@mariozechner/pi-coding-agent") == 0 ||
         g_strcmp0 (package, "@earendil-works/pi-coding-agent") == 0;
}

static void
report_programs (GPtrArray *programs)
{
  if (programs->len == 0)
    {
      cli_warning (_("No pi was found on PATH; the extension is in place for when pi is "
                     "installed (npm install -g @earendil-works/pi-coding-agent)."));
      return;
    }

  for (guint i = 0; i < programs->len; i++)
    {
      CliPiProgram *program = g_ptr_array_index (programs, i);
      g_autofree char *description = cli_pi_program_describe (program);

      if (i == 0)
        cli_info (_("Found %s."), description);
      else
        cli_info (_("Also on PATH, after the first: %s."), description);

      if (program->package != NULL && !is_known_package (program->package))
        cli_warning (_("%s is not a pi that pi-keyring knows (@mariozechner/pi-coding-agent "
                       "or @earendil-works/pi-coding-agent); it may not load the extension."),
                     program->package);
    }
}

static void
print_json (const char  *path,
            CliPiAction  action,
            GPtrArray   *programs)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "extension");
  json_builder_add_string_value (builder, path);
  json_builder_set_member_name (builder, "action");
  json_builder_add_string_value (builder, cli_pi_action_to_string (action));
  json_builder_set_member_name (builder, "pi");
  json_builder_begin_array (builder);
  for (guint i = 0; i < programs->len; i++)
    {
      CliPiProgram *program = g_ptr_array_index (programs, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "path");
      json_builder_add_string_value (builder, program->path);
      json_builder_set_member_name (builder, "package");
      if (program->package != NULL)
        json_builder_add_string_value (builder, program->package);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "version");
      if (program->version != NULL)
        json_builder_add_string_value (builder, program->version);
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  cli_print_json (root);
}

static int
refuse_foreign (const char *display,
                gboolean    undo)
{
  if (undo)
    cli_error (_("%s was not written by pi-keyring setup-pi; it is left as it is."), display);
  else
    cli_error (_("%s was not written by pi-keyring setup-pi; it is left as it is. Move it "
                 "away, then run “pi-keyring setup-pi” again."),
               display);
  return CLI_EXIT_FAILURE;
}

static int
install (const char  *path,
         const char  *display,
         CliPiAction *out_action)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = cli_pi_extension_contents (&error);
  CliPiExtensionState state;

  if (contents == NULL)
    return cli_report_error (error);

  state = cli_pi_extension_check (path, contents, NULL, &error);
  if (error != NULL)
    return cli_report_error (error);

  switch (state)
    {
    case CLI_PI_EXTENSION_FOREIGN:
      return refuse_foreign (display, FALSE);

    case CLI_PI_EXTENSION_INSTALLED:
      *out_action = CLI_PI_ACTION_UNCHANGED;
      cli_info (_("pi is already set up: %s is up to date."), display);
      return CLI_EXIT_OK;

    case CLI_PI_EXTENSION_OUTDATED:
    case CLI_PI_EXTENSION_ABSENT:
    default:
      break;
    }

  if (!write_extension (path, contents, &error))
    return cli_report_error (error);

  if (state == CLI_PI_EXTENSION_OUTDATED)
    {
      *out_action = CLI_PI_ACTION_UPDATED;
      cli_info (_("Updated pi's extension %s; pi sessions started from now on take their "
                  "credentials from pi-keyring through it."),
                display);
    }
  else
    {
      *out_action = CLI_PI_ACTION_INSTALLED;
      cli_info (_("Installed pi's extension %s; pi sessions started from now on take their "
                  "credentials from pi-keyring through it."),
                display);
    }
  return CLI_EXIT_OK;
}

static int
uninstall (const char  *path,
           const char  *display,
           CliPiAction *out_action)
{
  g_autoptr(GError) error = NULL;

  switch (cli_pi_extension_check (path, NULL, NULL, &error))
    {
    case CLI_PI_EXTENSION_ABSENT:
      *out_action = CLI_PI_ACTION_ABSENT;
      cli_info (_("pi-keyring's extension is not in %s; there is nothing to remove."), display);
      return CLI_EXIT_OK;

    case CLI_PI_EXTENSION_FOREIGN:
      if (error != NULL)
        return cli_report_error (error);
      return refuse_foreign (display, TRUE);

    case CLI_PI_EXTENSION_INSTALLED:
    case CLI_PI_EXTENSION_OUTDATED:
    default:
      break;
    }

  if (g_unlink (path) != 0)
    {
      int saved_errno = errno;

      g_set_error (&error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not remove “%s”: %s"), display, g_strerror (saved_errno));
      return cli_report_error (error);
    }

  *out_action = CLI_PI_ACTION_REMOVED;
  cli_info (_("Removed pi's extension %s; pi's auth.json is left as it is."), display);
  return CLI_EXIT_OK;
}

int
cli_pi_setup (gboolean undo,
              gboolean json)
{
  g_autofree char *path = cli_pi_get_extension_path ();
  g_autofree char *display = g_filename_display_name (path);
  g_autoptr(GPtrArray) programs = NULL;
  CliPiAction action = CLI_PI_ACTION_ABSENT;
  int status;

  status = undo ? uninstall (path, display, &action) : install (path, display, &action);
  if (status != CLI_EXIT_OK)
    return status;

  programs = cli_pi_find_programs ();
  if (!undo)
    report_programs (programs);
  if (json)
    print_json (path, action, programs);

  return CLI_EXIT_OK;
}
