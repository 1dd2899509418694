/* cli-output.c: JSON, tables, times and credential kinds on stdout
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>

#include "cli-output.h"

void
cli_print_json (JsonNode *root)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);

  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

char *
cli_format_time (gint64 ms)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (ms / 1000);

  if (time == NULL)
    return g_strdup ("?");

  return g_date_time_format (time, "%Y-%m-%d %H:%M:%S");
}

const char *
cli_kind_to_string (PiKeyringCredentialKind kind)
{
  switch (kind)
    {
    case PI_KEYRING_CREDENTIAL_KIND_API_KEY:
      return "api_key";
    case PI_KEYRING_CREDENTIAL_KIND_OAUTH:
      return "oauth";
    case PI_KEYRING_CREDENTIAL_KIND_OTHER:
      return "other";
    }

  return "other";
}

PiKeyringCredentialKind
cli_kind_from_string (const char *kind)
{
  if (g_strcmp0 (kind, "api_key") == 0)
    return PI_KEYRING_CREDENTIAL_KIND_API_KEY;
  if (g_strcmp0 (kind, "oauth") == 0)
    return PI_KEYRING_CREDENTIAL_KIND_OAUTH;

  return PI_KEYRING_CREDENTIAL_KIND_OTHER;
}

void
cli_print_table (GPtrArray *rows)
{
  g_autofree gsize *widths = NULL;
  guint columns = 0;

  for (guint r = 0; r < rows->len; r++)
    columns = MAX (columns, g_strv_length (g_ptr_array_index (rows, r)));

  widths = g_new0 (gsize, columns);
  for (guint r = 0; r < rows->len; r++)
    {
      char **row = g_ptr_array_index (rows, r);

      for (guint c = 0; row[c] != NULL; c++)
        widths[c] = MAX (widths[c], (gsize) g_utf8_strlen (row[c], -1));
    }

  for (guint r = 0; r < rows->len; r++)
    {
      char **row = g_ptr_array_index (rows, r);
      g_autoptr(GString) line = g_string_new (NULL);

      for (guint c = 0; row[c] != NULL; c++)
        {
          g_string_append (line, row[c]);
          if (row[c + 1] != NULL)
            {
              gsize pad = widths[c] - (gsize) g_utf8_strlen (row[c], -1) + 2;

              for (gsize i = 0; i < pad; i++)
                g_string_append_c (line, ' ');
            }
        }
      g_print ("%s\n", line->str);
    }
}
