/* pi-keyring-browser.c: opening the authorization URL in a browser
 *
 * DESIGN §5: `$BROWSER URL` when BROWSER is set, else the desktop's
 * default handler (g_app_info_launch_default_for_uri). BROWSER is read as
 * the usual convention has it: a ':'-separated list of commands of which
 * the first is used; a `%s` in it is replaced by the URL, otherwise the
 * URL is the last argument. The command is split with shell quoting rules
 * before the URL goes in, so nothing in the URL is ever parsed as shell
 * syntax. The browser runs asynchronously and is never waited for.
 *
 * A browser that cannot be started is not an error: the URL is always
 * shown to the user, who can open it by hand. Failures go to g_debug.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "oauth/pi-keyring-oauth-private.h"

#include <string.h>

/* "%s" in @arg replaced by @url; *replaced set when there was one. */
static char *
substitute_url (const char *arg,
                const char *url,
                gboolean   *replaced)
{
  GString *out = g_string_new (NULL);

  for (const char *p = arg; *p != '\0'; p++)
    {
      if (p[0] == '%' && p[1] == 's')
        {
          g_string_append (out, url);
          *replaced = TRUE;
          p++;
        }
      else
        g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}

gboolean
_pi_keyring_browser_build_argv (const char   *browser,
                                const char   *url,
                                char       ***out_argv,
                                GError      **error)
{
  g_auto(GStrv) argv = NULL;
  g_autoptr(GPtrArray) result = NULL;
  g_autofree char *first = NULL;
  const char *colon;
  gboolean replaced = FALSE;

  g_return_val_if_fail (browser != NULL, FALSE);
  g_return_val_if_fail (url != NULL, FALSE);
  g_return_val_if_fail (out_argv != NULL, FALSE);

  colon = strchr (browser, ':');
  first = colon != NULL ? g_strndup (browser, colon - browser) : g_strdup (browser);

  if (!g_shell_parse_argv (first, NULL, &argv, error))
    return FALSE;

  result = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (result, substitute_url (argv[i], url, &replaced));
  if (!replaced)
    g_ptr_array_add (result, g_strdup (url));
  g_ptr_array_add (result, NULL);

  *out_argv = (char **) g_ptr_array_free (g_steal_pointer (&result), FALSE);
  return TRUE;
}

void
_pi_keyring_open_browser (const char *url)
{
  g_autoptr(GError) error = NULL;
  const char *browser;

  g_return_if_fail (url != NULL);

  browser = g_getenv ("BROWSER");
  if (browser != NULL && *browser != '\0')
    {
      g_auto(GStrv) argv = NULL;

      if (!_pi_keyring_browser_build_argv (browser, url, &argv, &error) ||
          !g_spawn_async (NULL, argv, NULL,
                          G_SPAWN_SEARCH_PATH | G_SPAWN_STDIN_FROM_DEV_NULL |
                          G_SPAWN_STDOUT_TO_DEV_NULL,
                          NULL, NULL, NULL, &error))
        g_debug ("Could not start the browser from $BROWSER: %s", error->message);
      return;
    }

  if (!g_app_info_launch_default_for_uri (url, NULL, &error))
    g_debug ("Could not open the desktop's default browser: %s", error->message);
}
