/* pi-keyring-secret-service-marker.c: remembering that this user keeps
 * credentials in the Secret Service
 *
 * Once a credential has been stored in (or read from) the Secret Service,
 * a small non-secret file under $XDG_STATE_HOME/pi-keyring/ says so, and
 * the `auto` backend no longer falls back to the plaintext auth.json when
 * no Secret Service is running (DESIGN §4.1): a keyring daemon that
 * crashed must not turn the next `set` into a plaintext write, nor a
 * stored key into "not found".
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "backends/pi-keyring-backends-private.h"

#include <string.h>

#include <glib/gstdio.h>

char *
_pi_keyring_secret_service_marker_path (void)
{
  return g_build_filename (g_get_user_state_dir (), "pi-keyring", "secret-service-used", NULL);
}

gboolean
_pi_keyring_secret_service_marker_exists (void)
{
  g_autofree char *path = _pi_keyring_secret_service_marker_path ();

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

void
_pi_keyring_secret_service_remember_use (void)
{
  g_autofree char *path = _pi_keyring_secret_service_marker_path ();
  g_autofree char *dir = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *when = NULL;
  g_autoptr(GError) error = NULL;

  /* One stat on every call that found or stored something: cheap. */
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return;

  now = g_date_time_new_now_utc ();
  when = g_date_time_format_iso8601 (now);
  text = g_strdup_printf ("pi-keyring has kept this user's credentials in the Secret Service "
                          "since %s.\n"
                          "While this file exists, the auto backend does not fall back to the "
                          "plaintext auth.json when no Secret Service is running;\n"
                          "remove it to allow that again.\n",
                          when);

  dir = g_path_get_dirname (path);
  if (!_pi_keyring_file_ensure_private_dir (dir, &error) ||
      !_pi_keyring_file_write_atomic (path, text, strlen (text), &error))
    g_debug ("Could not remember that the Secret Service is used: %s", error->message);
}
