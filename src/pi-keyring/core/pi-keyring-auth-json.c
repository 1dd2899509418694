/* pi-keyring-auth-json.c: auth.json written as JavaScript's JSON.stringify (data, null, 2) writes it
 *
 * Hand-written on purpose: json-glib's JsonGenerator orders members as
 * they were added and prints numbers its own way, while pi's file is
 * JSON.stringify's bytes — canonical array-index keys first, the shortest
 * number that reads back the same, `\u` escapes for lone surrogates, 2
 * spaces. The parser is pi-keyring-auth-json-parse.c; both work on
 * json-glib's JsonNode, so everything else uses json-glib's API.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "core/pi-keyring-core-private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- the serializer --- */

/* Canonical array indices ("0" … "4294967294") come first in JavaScript's
 * property order, in ascending numeric order. */
static gboolean
is_array_index (const char *name,
                guint64    *out_value)
{
  guint64 value = 0;
  gsize n = strlen (name);

  if (n == 0 || n > 10)
    return FALSE;
  if (name[0] == '0' && n > 1)
    return FALSE;

  for (gsize i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit ((guchar) name[i]))
        return FALSE;
      value = value * 10 + (guint64) (name[i] - '0');
    }

  if (value > G_GUINT64_CONSTANT (4294967294))
    return FALSE;

  *out_value = value;
  return TRUE;
}

typedef struct
{
  const char *name;
  JsonNode   *node;
  guint64     index;
  gboolean    is_index;
  guint       position;
} Member;

static int
compare_members (gconstpointer a,
                 gconstpointer b)
{
  const Member *ma = a;
  const Member *mb = b;

  if (ma->is_index != mb->is_index)
    return ma->is_index ? -1 : 1;
  if (ma->is_index && ma->index != mb->index)
    return ma->index < mb->index ? -1 : 1;
  return ma->position < mb->position ? -1 : (ma->position > mb->position ? 1 : 0);
}

static void
write_string (PiKeyringBuf        *b,
              const char *s)
{
  static const char hex[] = "0123456789abcdef";
  const char *run = s;

  _pi_keyring_buf_append_c (b, '"');
  for (; *s != '\0'; s++)
    {
      guchar c = (guchar) *s;
      const char *escape = NULL;
      char u[7];

      if (c >= 0x20 && c != '"' && c != '\\')
        continue;

      _pi_keyring_buf_append_len (b, run, s - run);
      run = s + 1;

      switch (c)
        {
        case '"':
          escape = "\\\"";
          break;
        case '\\':
          escape = "\\\\";
          break;
        case '\b':
          escape = "\\b";
          break;
        case '\f':
          escape = "\\f";
          break;
        case '\n':
          escape = "\\n";
          break;
        case '\r':
          escape = "\\r";
          break;
        case '\t':
          escape = "\\t";
          break;
        default:
          u[0] = '\\';
          u[1] = 'u';
          u[2] = '0';
          u[3] = '0';
          u[4] = hex[c >> 4];
          u[5] = hex[c & 0xf];
          u[6] = '\0';
          escape = u;
          break;
        }
      _pi_keyring_buf_append (b, escape);
    }
  _pi_keyring_buf_append_len (b, run, s - run);
  _pi_keyring_buf_append_c (b, '"');
}

/* The shortest decimal digits that read back as @v (> 0, finite), as
 * JavaScript's Number::toString picks them: @digits gets k digits without
 * trailing zeros, and v = 0.digits × 10^n. */
static void
shortest_digits (double  v,
                 char   *digits,
                 gsize   digits_size,
                 int    *out_n)
{
  for (int precision = 1; precision <= 17; precision++)
    {
      char text[64];
      char candidate[64];
      guint64 mantissa = 0;
      int exponent;
      const char *e;

      g_snprintf (text, sizeof text, "%.*e", precision - 1, v);
      for (e = text; *e != '\0' && *e != 'e'; e++)
        if (g_ascii_isdigit ((guchar) *e))
          mantissa = mantissa * 10 + (guint64) (*e - '0');
      g_assert (*e == 'e');
      exponent = atoi (e + 1) - (precision - 1);

      /* The correctly rounded candidate is the closest; when it does not
       * read back, a neighbour may (near powers of two the interval that
       * reads back is lopsided). At most one of them can. */
      for (int delta = 0; delta < 3; delta++)
        {
          guint64 m = mantissa;
          gsize len;

          if (delta == 1)
            m = mantissa + 1;
          else if (delta == 2)
            {
              if (mantissa <= 1)
                continue;
              m = mantissa - 1;
            }

          g_snprintf (candidate, sizeof candidate, "%" G_GUINT64_FORMAT "e%d", m, exponent);
          if (g_ascii_strtod (candidate, NULL) != v)
            continue;

          g_snprintf (digits, digits_size, "%" G_GUINT64_FORMAT, m);
          len = strlen (digits);
          *out_n = exponent + (int) len;
          while (len > 1 && digits[len - 1] == '0')
            digits[--len] = '\0';
          return;
        }
    }

  g_assert_not_reached ();
}

/* Number.prototype.toString (ECMA-262 Number::toString, radix 10). */
static void
write_double (PiKeyringBuf    *b,
              double  v)
{
  char digits[32];
  char exp[16];
  int n, k;

  if (!isfinite (v))
    {
      /* JSON.stringify writes NaN and ±Infinity as null. */
      _pi_keyring_buf_append (b, "null");
      return;
    }
  if (v == 0)
    {
      _pi_keyring_buf_append_c (b, '0');
      return;
    }
  if (v < 0)
    {
      _pi_keyring_buf_append_c (b, '-');
      v = -v;
    }

  shortest_digits (v, digits, sizeof digits, &n);
  k = strlen (digits);

  if (k <= n && n <= 21)
    {
      _pi_keyring_buf_append (b, digits);
      for (int i = 0; i < n - k; i++)
        _pi_keyring_buf_append_c (b, '0');
    }
  else if (0 < n && n <= 21)
    {
      _pi_keyring_buf_append_len (b, digits, n);
      _pi_keyring_buf_append_c (b, '.');
      _pi_keyring_buf_append (b, digits + n);
    }
  else if (-6 < n && n <= 0)
    {
      _pi_keyring_buf_append (b, "0.");
      for (int i = 0; i < -n; i++)
        _pi_keyring_buf_append_c (b, '0');
      _pi_keyring_buf_append (b, digits);
    }
  else
    {
      _pi_keyring_buf_append_c (b, digits[0]);
      if (k > 1)
        {
          _pi_keyring_buf_append_c (b, '.');
          _pi_keyring_buf_append (b, digits + 1);
        }
      g_snprintf (exp, sizeof exp, "e%c%d", n - 1 >= 0 ? '+' : '-', ABS (n - 1));
      _pi_keyring_buf_append (b, exp);
    }
}

static void
write_value (PiKeyringBuf      *b,
             JsonNode *node)
{
  GType type = json_node_get_value_type (node);

  if (type == G_TYPE_STRING)
    write_string (b, json_node_get_string (node));
  else if (type == G_TYPE_INT64)
    {
      gint64 value = json_node_get_int (node);

      if (value >= -PI_KEYRING_JSON_MAX_SAFE_INTEGER && value <= PI_KEYRING_JSON_MAX_SAFE_INTEGER)
        {
          char text[32];

          g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, value);
          _pi_keyring_buf_append (b, text);
        }
      else
        /* pi would hold this as a double. */
        write_double (b, (double) value);
    }
  else if (type == G_TYPE_DOUBLE)
    write_double (b, json_node_get_double (node));
  else if (type == G_TYPE_BOOLEAN)
    _pi_keyring_buf_append (b, json_node_get_boolean (node) ? "true" : "false");
  else
    _pi_keyring_buf_append (b, "null");
}

static void
write_newline (PiKeyringBuf   *b,
               guint  indent,
               guint  level)
{
  if (indent == 0)
    return;

  _pi_keyring_buf_append_c (b, '\n');
  _pi_keyring_buf_reserve (b, (gsize) indent * level);
  memset (b->data + b->len, ' ', (gsize) indent * level);
  b->len += (gsize) indent * level;
  b->data[b->len] = '\0';
}

static void write_node (PiKeyringBuf      *b,
                        JsonNode *node,
                        guint     indent,
                        guint     level);

static void
write_object (PiKeyringBuf        *b,
              JsonObject *object,
              guint       indent,
              guint       level)
{
  g_autoptr(GArray) members = g_array_new (FALSE, FALSE, sizeof (Member));
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      Member m = { name, member, 0, FALSE, members->len };

      m.is_index = is_array_index (name, &m.index);
      g_array_append_val (members, m);
    }

  if (members->len == 0)
    {
      _pi_keyring_buf_append (b, "{}");
      return;
    }

  g_array_sort (members, compare_members);

  _pi_keyring_buf_append_c (b, '{');
  for (guint i = 0; i < members->len; i++)
    {
      Member *m = &g_array_index (members, Member, i);

      if (i > 0)
        _pi_keyring_buf_append_c (b, ',');
      write_newline (b, indent, level + 1);
      write_string (b, m->name);
      _pi_keyring_buf_append (b, indent > 0 ? ": " : ":");
      write_node (b, m->node, indent, level + 1);
    }
  write_newline (b, indent, level);
  _pi_keyring_buf_append_c (b, '}');
}

static void
write_array (PiKeyringBuf       *b,
             JsonArray *array,
             guint      indent,
             guint      level)
{
  guint n = json_array_get_length (array);

  if (n == 0)
    {
      _pi_keyring_buf_append (b, "[]");
      return;
    }

  _pi_keyring_buf_append_c (b, '[');
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        _pi_keyring_buf_append_c (b, ',');
      write_newline (b, indent, level + 1);
      write_node (b, json_array_get_element (array, i), indent, level + 1);
    }
  write_newline (b, indent, level);
  _pi_keyring_buf_append_c (b, ']');
}

static void
write_node (PiKeyringBuf      *b,
            JsonNode *node,
            guint     indent,
            guint     level)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      write_object (b, json_node_get_object (node), indent, level);
      break;

    case JSON_NODE_ARRAY:
      write_array (b, json_node_get_array (node), indent, level);
      break;

    case JSON_NODE_VALUE:
      write_value (b, node);
      break;

    case JSON_NODE_NULL:
    default:
      _pi_keyring_buf_append (b, "null");
      break;
    }
}

/*
 * _pi_keyring_json_stringify:
 * @node: a JSON node
 * @indent: spaces per level (at most 10 are used, as in JavaScript); 0 is
 *   compact
 *
 * Serializes @node exactly as `JSON.stringify (node, null, indent)`.
 *
 * Returns: (transfer full): the text; it may hold secrets, so free it with
 *   _pi_keyring_secret_free()
 */
char *
_pi_keyring_json_stringify (JsonNode *node,
                            guint     indent)
{
  PiKeyringBuf b;

  g_return_val_if_fail (node != NULL, NULL);

  _pi_keyring_buf_init (&b, 1024);
  write_node (&b, node, MIN (indent, 10), 0);
  return _pi_keyring_buf_steal (&b);
}

char *
_pi_keyring_json_object_stringify (JsonObject *object,
                                   guint       indent)
{
  PiKeyringBuf b;

  g_return_val_if_fail (object != NULL, NULL);

  _pi_keyring_buf_init (&b, 1024);
  write_object (&b, object, MIN (indent, 10), 0);
  return _pi_keyring_buf_steal (&b);
}

/*
 * _pi_keyring_json_object_put:
 * @object: an object
 * @name: a member name
 * @value: (transfer full) (nullable): the new value, or %NULL to remove
 *   the member
 *
 * Sets @name as pi's `data[name] = value` does: an existing member keeps
 * its position, a new one is appended; `delete data[name]` for %NULL.
 */
void
_pi_keyring_json_object_put (JsonObject *object,
                             const char *name,
                             JsonNode   *value)
{
  g_return_if_fail (object != NULL);
  g_return_if_fail (name != NULL);

  if (value == NULL)
    {
      if (json_object_has_member (object, name))
        json_object_remove_member (object, name);
      return;
    }

  /* json_object_set_member () replaces in place. */
  json_object_set_member (object, name, value);
}

/**
 * _pi_keyring_json_get_string:
 * @object: (nullable): an object, or %NULL
 * @name: the member
 *
 * The one shared "member as a string" reader: what every caller of
 * json-glib here wants instead of json_object_get_string_member (), which
 * warns on a missing member and turns a number into %NULL only by chance.
 *
 * Returns: (nullable) (transfer none): the member @name when it is a JSON
 *   string, else %NULL (no @object, no such member, or another type)
 */
const char *
_pi_keyring_json_get_string (JsonObject *object,
                             const char *name)
{
  JsonNode *node;

  g_return_val_if_fail (name != NULL, NULL);

  node = object != NULL ? json_object_get_member (object, name) : NULL;
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

/*
 * _pi_keyring_json_text_check:
 * @text: JSON text about to be written
 * @path: (nullable): where, for the message
 * @error: return location for an error
 *
 * The writers' last check: a string of the document that is not valid
 * UTF-8 (a library caller's value) would be read back as something else,
 * or not at all, so nothing is written.
 *
 * Returns: %TRUE when @text is valid UTF-8
 */
gboolean
_pi_keyring_json_text_check (const char  *text,
                             const char  *path,
                             GError     **error)
{
  g_autofree char *display = NULL;

  if (g_utf8_validate (text, -1, NULL))
    return TRUE;

  display = path != NULL ? g_filename_display_name (path) : g_strdup ("?");
  g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_INVALID_ARGUMENT,
               _("Nothing was written to “%s”: a value is not valid UTF-8."), display);
  return FALSE;
}
