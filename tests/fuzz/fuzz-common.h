/* fuzz-common.h: shared by the fuzz targets
 *
 * Every target defines LLVMFuzzerTestOneInput (). Built with
 * -fsanitize=fuzzer it is driven by libFuzzer; built with
 * standalone-main.c it replays the files of its corpus directory, as a
 * regression test in the normal build.
 *
 * Properties are checked with FUZZ_CHECK, which aborts (a crash for
 * libFuzzer, a failure for the regression test). GLib criticals abort
 * too; warnings and debug messages are dropped so that a hostile input
 * cannot slow the fuzzer down by printing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

#define FUZZ_CHECK(cond)                                                       \
  G_STMT_START {                                                               \
    if (G_UNLIKELY (!(cond)))                                                  \
      {                                                                        \
        fprintf (stderr, "%s:%d: property failed: %s\n",                       \
                 __FILE__, __LINE__, #cond);                                   \
        abort ();                                                              \
      }                                                                        \
  } G_STMT_END

static GLogWriterOutput
fuzz_log_writer (GLogLevelFlags   log_level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  if ((log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) == 0)
    return G_LOG_WRITER_HANDLED;

  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
      fprintf (stderr, "GLib critical: %.*s\n",
               fields[i].length < 0 ? (int) strlen (fields[i].value) : (int) fields[i].length,
               (const char *) fields[i].value);
  abort ();
}

static inline void
fuzz_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
      g_once_init_leave (&initialized, 1);
    }
}

/* The input as a C string, cut at its first NUL byte. */
static inline char *
fuzz_strndup (const uint8_t *data,
              size_t         size)
{
  return g_strndup ((const char *) data, size);
}

/* TRUE when @text holds no ASCII control character (messages are shown
 * on terminals: a server must not be able to put escapes in them). */
static inline gboolean
fuzz_is_printable_message (const char *text)
{
  if (!g_utf8_validate (text, -1, NULL))
    return FALSE;

  for (const char *p = text; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      return FALSE;

  return TRUE;
}
