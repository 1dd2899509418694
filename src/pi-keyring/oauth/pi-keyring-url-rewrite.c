/* pi-keyring-url-rewrite.c: PI_KEYRING_URL_REWRITE and the URL policy
 *
 * PI_KEYRING_URL_REWRITE="FROM=TO[,FROM=TO…]" rewrites every URL
 * pi-keyring requests or shows whose text starts with FROM (the longest
 * matching FROM wins) to TO followed by the rest of the URL. It serves
 * enterprise proxies and tests against a local mock provider. A TO that is
 * neither https nor http on a loopback host is ignored with a warning.
 *
 * Only https URLs are used, except on loopback (DESIGN §5).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "oauth/pi-keyring-oauth-private.h"

#include <string.h>

typedef struct
{
  char *from;
  char *to;
} Rule;

static void
rule_free (gpointer data)
{
  Rule *rule = data;

  g_free (rule->from);
  g_free (rule->to);
  g_free (rule);
}

gboolean
_pi_keyring_host_is_loopback (const char *host)
{
  g_autofree char *bare = NULL;
  g_autoptr(GInetAddress) address = NULL;
  gsize length;

  if (host == NULL || *host == '\0')
    return FALSE;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;

  length = strlen (host);
  if (host[0] == '[' && length > 2 && host[length - 1] == ']')
    bare = g_strndup (host + 1, length - 2);
  else
    bare = g_strdup (host);

  address = g_inet_address_new_from_string (bare);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* https anywhere, http on loopback only. */
static gboolean
uri_is_allowed (GUri *uri)
{
  const char *scheme = g_uri_get_scheme (uri);
  const char *host = g_uri_get_host (uri);

  if (host == NULL || *host == '\0')
    return FALSE;

  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return TRUE;

  return g_ascii_strcasecmp (scheme, "http") == 0 && _pi_keyring_host_is_loopback (host);
}

static GPtrArray *
parse_rules (const char *text)
{
  GPtrArray *rules = g_ptr_array_new_with_free_func (rule_free);
  g_auto(GStrv) entries = NULL;

  if (text == NULL)
    return rules;

  entries = g_strsplit (text, ",", -1);
  for (guint i = 0; entries[i] != NULL; i++)
    {
      char *entry = g_strstrip (entries[i]);
      char *equals = strchr (entry, '=');
      g_autoptr(GUri) target = NULL;
      const char *to;
      Rule *rule;

      if (*entry == '\0')
        continue;

      if (equals == NULL || equals == entry || equals[1] == '\0')
        {
          g_warning (_("PI_KEYRING_URL_REWRITE: ignoring “%s”: it is not of the form FROM=TO."),
                     entry);
          continue;
        }

      *equals = '\0';
      to = equals + 1;
      target = g_uri_parse (to, G_URI_FLAGS_NONE, NULL);
      if (target == NULL || !uri_is_allowed (target))
        {
          g_warning (_("PI_KEYRING_URL_REWRITE: ignoring the target “%s”: it must be an https URL, "
                       "or an http URL on a loopback address."), to);
          continue;
        }

      rule = g_new0 (Rule, 1);
      rule->from = g_strdup (entry);
      rule->to = g_strdup (to);
      g_ptr_array_add (rules, rule);
    }

  return rules;
}

static char *
apply_rules (GPtrArray  *rules,
             const char *url)
{
  const Rule *best = NULL;
  gsize best_length = 0;

  for (guint i = 0; i < rules->len; i++)
    {
      const Rule *rule = g_ptr_array_index (rules, i);
      gsize length = strlen (rule->from);

      if (length > best_length && strncmp (url, rule->from, length) == 0)
        {
          best = rule;
          best_length = length;
        }
    }

  if (best == NULL)
    return g_strdup (url);

  return g_strconcat (best->to, url + best_length, NULL);
}

char *
_pi_keyring_url_rewrite_with_rules (const char *rules,
                                    const char *url)
{
  g_autoptr(GPtrArray) parsed = NULL;

  g_return_val_if_fail (url != NULL, NULL);

  parsed = parse_rules (rules);
  return apply_rules (parsed, url);
}

/* The rules of the environment, parsed (and warned about) once per value. */
static GMutex cache_lock;
static char *cache_text;
static GPtrArray *cache_rules;

char *
_pi_keyring_url_rewrite (const char *url)
{
  const char *text;
  char *result;

  g_return_val_if_fail (url != NULL, NULL);

  text = g_getenv ("PI_KEYRING_URL_REWRITE");
  if (text == NULL || *text == '\0')
    return g_strdup (url);

  g_mutex_lock (&cache_lock);
  if (cache_rules == NULL || g_strcmp0 (cache_text, text) != 0)
    {
      g_clear_pointer (&cache_rules, g_ptr_array_unref);
      g_free (cache_text);
      cache_text = g_strdup (text);
      cache_rules = parse_rules (text);
    }
  result = apply_rules (cache_rules, url);
  g_mutex_unlock (&cache_lock);

  return result;
}

char *
_pi_keyring_url_for_display (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  const char *host;
  GString *out;

  g_return_val_if_fail (url != NULL, NULL);

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);
  if (uri == NULL)
    {
      /* Not a URL: drop the query, the fragment and any user information. */
      gsize end = strcspn (url, "?#");
      const char *authority = strstr (url, "://");
      const char *at;

      out = g_string_new_len (url, end);
      if (authority != NULL && (gsize) (authority - url) < end)
        {
          gsize start = authority - url + 3;
          gsize stop = start + strcspn (out->str + start, "/");

          at = memchr (out->str + start, '@', stop - start);
          if (at != NULL)
            g_string_erase (out, start, at - (out->str + start) + 1);
        }
      return g_string_free (out, FALSE);
    }

  /* Built by hand: g_uri_join () refuses some host/path pairs that the
   * relaxed parser gives, and this must never fail. */
  out = g_string_new (g_uri_get_scheme (uri));
  g_string_append_c (out, ':');
  host = g_uri_get_host (uri);
  if (host != NULL)
    {
      g_string_append (out, "//");
      if (strchr (host, ':') != NULL)
        g_string_append_printf (out, "[%s]", host);
      else
        g_string_append (out, host);
      if (g_uri_get_port (uri) > 0)
        g_string_append_printf (out, ":%d", g_uri_get_port (uri));
    }
  g_string_append (out, g_uri_get_path (uri));

  return g_string_free (out, FALSE);
}

gboolean
_pi_keyring_url_check_allowed (const char  *url,
                               GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *display = NULL;

  g_return_val_if_fail (url != NULL, FALSE);

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  if (uri != NULL && uri_is_allowed (uri))
    return TRUE;

  display = _pi_keyring_url_for_display (url);
  if (uri == NULL)
    g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT,
                 _("“%s” is not a valid URL."), display);
  else
    g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT,
                 _("Refusing to use “%s”: only https URLs are allowed, except on a loopback "
                   "address."), display);

  return FALSE;
}
