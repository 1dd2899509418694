/* crash-writer.c: writes api_key credentials through the library in a loop
 * and says on stdout which writes the backend acknowledged, for
 * tests/test-crash-race.py, which kills it at random moments.
 *
 *   crash-writer BACKEND PROVIDER FIRST COUNT
 *
 * Stores the keys "value-FIRST" … "value-(FIRST+COUNT-1)" for PROVIDER in
 * BACKEND (a --backend name; auth.json, the vault and the keyring come from
 * the environment as for the command) and prints each number, one a line,
 * once its store has returned. Exit 0 after COUNT writes, 1 on an error.
 *
 *   crash-writer --hold-lock AUTH_JSON
 *
 * Takes pi's AUTH_JSON.lock as the file backend does, prints "locked" and
 * holds it until killed: a pi-keyring that dies holding the lock.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <pi-keyring/pi-keyring.h>

#include "core/pi-keyring-core-private.h"

static int
hold_lock (const char *auth_path)
{
  g_autoptr(GError) error = NULL;
  PiKeyringPiLock *lock = _pi_keyring_pi_lock_acquire (auth_path, 30000, &error);

  if (lock == NULL)
    {
      g_printerr ("crash-writer: %s\n", error->message);
      return 1;
    }
  if (write (STDOUT_FILENO, "locked\n", 7) != 7)
    return 1;
  for (;;)
    pause ();
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(PiKeyringBackend) backend = NULL;
  g_autoptr(GError) error = NULL;
  gint64 first, count;

  if (argc == 3 && g_str_equal (argv[1], "--hold-lock"))
    return hold_lock (argv[2]);
  if (argc != 5)
    {
      g_printerr ("usage: %s BACKEND PROVIDER FIRST COUNT\n", argv[0]);
      return 2;
    }
  first = g_ascii_strtoll (argv[3], NULL, 10);
  count = g_ascii_strtoll (argv[4], NULL, 10);

  backend = pi_keyring_backend_new_for_name (argv[1], &error);
  if (backend == NULL)
    {
      g_printerr ("crash-writer: %s\n", error->message);
      return 1;
    }

  for (gint64 i = first; i < first + count; i++)
    {
      g_autofree char *key = g_strdup_printf ("value-%" G_GINT64_FORMAT, i);
      g_autoptr(PiKeyringCredential) credential = NULL;
      char line[32];
      int length;

      credential = pi_keyring_credential_new_api_key (argv[2], NULL, key);
      if (!pi_keyring_backend_store_sync (backend, credential, NULL, &error))
        {
          g_printerr ("crash-writer: write %" G_GINT64_FORMAT ": %s\n", i, error->message);
          return 1;
        }

      /* Straight to the descriptor: an acknowledgement is out as soon as
       * the store returned, never stuck in a buffer when the kill comes. */
      length = g_snprintf (line, sizeof line, "%" G_GINT64_FORMAT "\n", i);
      if (write (STDOUT_FILENO, line, (size_t) length) != length)
        return 1;
    }

  return 0;
}
