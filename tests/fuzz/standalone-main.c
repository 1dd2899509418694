/* standalone-main.c: replays fuzz inputs without libFuzzer
 *
 * Linked with one fuzz target, this is a regression test for the normal
 * build: every argument is a file, or a directory whose files (sorted by
 * name, not recursing) are fed to LLVMFuzzerTestOneInput () one by one.
 * A failed property aborts, which fails the test; the name of the input
 * is printed first so that the log says which one it was.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib.h>

#include "fuzz-common.h"

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
run_file (const char *path,
          guint      *count)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree guint8 *copy = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return FALSE;
    }

  /* A buffer of exactly the input's size, as libFuzzer gives, so that
   * AddressSanitizer sees a read past its end. */
  copy = g_malloc (MAX (length, 1));
  memcpy (copy, contents, length);

  printf ("%s (%" G_GSIZE_FORMAT " bytes)\n", path, length);
  fflush (stdout);
  LLVMFuzzerTestOneInput (copy, length);
  (*count)++;

  return TRUE;
}

static gboolean
run_directory (const char *path,
               guint      *count)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (path, 0, &error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return FALSE;
    }

  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *file = g_build_filename (path, names->pdata[i], NULL);

      if (g_file_test (file, G_FILE_TEST_IS_REGULAR) && !run_file (file, count))
        return FALSE;
    }

  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  guint count = 0;

  if (argc < 2)
    {
      fprintf (stderr, "Usage: %s FILE-OR-DIRECTORY…\n", argv[0]);
      return 2;
    }

  for (int i = 1; i < argc; i++)
    {
      gboolean ok;

      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        ok = run_directory (argv[i], &count);
      else
        ok = run_file (argv[i], &count);

      if (!ok)
        return 1;
    }

  if (count == 0)
    {
      fprintf (stderr, "No inputs found.\n");
      return 1;
    }

  printf ("%u inputs passed.\n", count);
  return 0;
}
