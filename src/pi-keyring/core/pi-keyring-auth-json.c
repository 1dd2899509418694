/* pi-keyring-auth-json.c: the auth.json codec, byte-compatible with pi
 *
 * pi reads auth.json with JavaScript's JSON.parse and writes it with
 * JSON.stringify (data, null, 2). This file does the same in C on top of
 * json-glib's node types: a strict RFC 8259 parser (json-glib's own parser
 * is lenient and cannot say what to do with duplicate keys) and a
 * serializer that gives JSON.stringify's bytes, member order and number
 * formatting included.
 *
 * The documents hold secrets: every scratch buffer is wiped before it is
 * freed, and partial documents are wiped when a parse fails.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "core/pi-keyring-core-private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deeper documents are refused, so that hostile input cannot exhaust the
 * stack of the recursive parser. */
#define MAX_DEPTH 512

/* JavaScript numbers are doubles: integers beyond this lose precision. */
#define MAX_SAFE_INTEGER G_GINT64_CONSTANT (9007199254740992)

/* --- a growable buffer that wipes what it drops --- */

typedef struct
{
  char  *data;
  gsize  len;
  gsize  cap;
} Buf;

static void
buf_init (Buf   *b,
          gsize  cap)
{
  b->cap = MAX (cap, 16);
  b->data = g_malloc (b->cap);
  b->len = 0;
  b->data[0] = '\0';
}

static void
buf_reserve (Buf   *b,
             gsize  extra)
{
  char *data;
  gsize cap;

  if (b->len + extra < b->cap)
    return;

  cap = MAX (b->cap * 2, b->len + extra + 1);
  data = g_malloc (cap);
  memcpy (data, b->data, b->len + 1);
  /* realloc () would leave the old copy in freed memory. */
  explicit_bzero (b->data, b->cap);
  g_free (b->data);
  b->data = data;
  b->cap = cap;
}

static void
buf_append_len (Buf        *b,
                const char *s,
                gsize       n)
{
  buf_reserve (b, n);
  memcpy (b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

static void
buf_append (Buf        *b,
            const char *s)
{
  buf_append_len (b, s, strlen (s));
}

static void
buf_append_c (Buf  *b,
              char  c)
{
  buf_reserve (b, 1);
  b->data[b->len++] = c;
  b->data[b->len] = '\0';
}

static void
buf_truncate (Buf *b)
{
  explicit_bzero (b->data, b->len);
  b->len = 0;
}

static void
buf_clear (Buf *b)
{
  if (b->data != NULL)
    explicit_bzero (b->data, b->cap);
  g_clear_pointer (&b->data, g_free);
  b->len = b->cap = 0;
}

/* Hands the buffer's text to the caller, trimmed to its length. */
static char *
buf_steal (Buf *b)
{
  char *text = g_malloc (b->len + 1);

  memcpy (text, b->data, b->len + 1);
  buf_clear (b);
  return text;
}

/* --- wiping a document we own --- */

void
_pi_keyring_json_node_wipe (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      _pi_keyring_json_object_wipe (json_node_get_object (node));
      break;

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);

        for (guint i = 0; i < n; i++)
          _pi_keyring_json_node_wipe (json_array_get_element (array, i));
      }
      break;

    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        _pi_keyring_secret_wipe ((char *) json_node_get_string (node));
      break;

    case JSON_NODE_NULL:
    default:
      break;
    }
}

static void
node_free_wiped (JsonNode *node)
{
  if (node == NULL)
    return;
  _pi_keyring_json_node_wipe (node);
  json_node_unref (node);
}

/* --- the parser --- */

typedef struct
{
  const guchar *data;
  gsize         length;
  gsize         pos;
  const char   *display_name;
  guint         depth;
  Buf           scratch;
  GError      **error;
} Parser;

static void parser_fail (Parser     *p,
                         gsize       offset,
                         const char *detail);

/* Line and column (both 1-based, the column in characters) of @offset. */
static void
parser_locate (Parser *p,
               gsize   offset,
               guint  *out_line,
               guint  *out_column)
{
  guint line = 1, column = 1;

  for (gsize i = 0; i < offset && i < p->length; i++)
    {
      if (p->data[i] == '\n')
        {
          line++;
          column = 1;
        }
      else if ((p->data[i] & 0xc0) != 0x80)
        column++;
    }

  *out_line = line;
  *out_column = column;
}

static void
parser_fail (Parser     *p,
             gsize       offset,
             const char *detail)
{
  guint line, column;

  if (p->error == NULL || *p->error != NULL)
    return;

  parser_locate (p, offset, &line, &column);
  /* TRANSLATORS: a parse error: file name, line, column, then what is wrong. */
  g_set_error (p->error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE,
               _("%s:%u:%u: %s"), p->display_name, line, column, detail);
}

static void
parser_fail_here (Parser     *p,
                  const char *expected)
{
  if (p->pos >= p->length)
    parser_fail (p, p->pos, _("unexpected end of the file"));
  else
    parser_fail (p, p->pos, expected);
}

static void
skip_whitespace (Parser *p)
{
  while (p->pos < p->length)
    {
      guchar c = p->data[p->pos];

      if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        break;
      p->pos++;
    }
}

static int
hex_value (guchar c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Reads the four hex digits of a \u escape at p->pos. */
static gboolean
read_hex4 (Parser  *p,
           guint   *out)
{
  guint value = 0;

  if (p->length - p->pos < 4)
    {
      parser_fail (p, p->pos, _("invalid \\u escape"));
      return FALSE;
    }

  for (int i = 0; i < 4; i++)
    {
      int v = hex_value (p->data[p->pos + i]);

      if (v < 0)
        {
          parser_fail (p, p->pos, _("invalid \\u escape"));
          return FALSE;
        }
      value = (value << 4) | (guint) v;
    }

  p->pos += 4;
  *out = value;
  return TRUE;
}

/* Checks one UTF-8 sequence at p->pos (strictly: no overlong forms, no
 * surrogates, nothing above U+10FFFF) and returns its length, or 0. */
static gsize
utf8_sequence_length (Parser *p)
{
  const guchar *s = p->data + p->pos;
  gsize avail = p->length - p->pos;
  guchar c = s[0];
  gsize n;
  guint32 cp;
  guint32 min;

  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf)
    {
      n = 2;
      cp = c & 0x1f;
      min = 0x80;
    }
  else if (c >= 0xe0 && c <= 0xef)
    {
      n = 3;
      cp = c & 0x0f;
      min = 0x800;
    }
  else if (c >= 0xf0 && c <= 0xf4)
    {
      n = 4;
      cp = c & 0x07;
      min = 0x10000;
    }
  else
    return 0;

  if (avail < n)
    return 0;

  for (gsize i = 1; i < n; i++)
    {
      if ((s[i] & 0xc0) != 0x80)
        return 0;
      cp = (cp << 6) | (s[i] & 0x3f);
    }

  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;

  return n;
}

static void
append_utf8 (Buf     *b,
             guint32  cp)
{
  char out[6];
  int n = g_unichar_to_utf8 (cp, out);

  buf_append_len (b, out, n);
}

/* Parses a string at p->pos (the opening quote) into p->scratch. */
static gboolean
parse_string (Parser *p)
{
  gsize start;

  buf_truncate (&p->scratch);
  p->pos++;

  for (;;)
    {
      guchar c;

      /* A run of plain characters is copied at once. */
      start = p->pos;
      while (p->pos < p->length)
        {
          c = p->data[p->pos];
          if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80)
            break;
          p->pos++;
        }
      if (p->pos > start)
        buf_append_len (&p->scratch, (const char *) p->data + start, p->pos - start);

      if (p->pos >= p->length)
        {
          parser_fail (p, p->pos, _("unterminated string"));
          return FALSE;
        }

      c = p->data[p->pos];
      if (c == '"')
        {
          p->pos++;
          return TRUE;
        }

      if (c < 0x20)
        {
          parser_fail (p, p->pos, _("control character in a string"));
          return FALSE;
        }

      if (c >= 0x80)
        {
          gsize n = utf8_sequence_length (p);

          if (n == 0)
            {
              parser_fail (p, p->pos, _("invalid UTF-8"));
              return FALSE;
            }
          buf_append_len (&p->scratch, (const char *) p->data + p->pos, n);
          p->pos += n;
          continue;
        }

      /* A backslash. */
      start = p->pos;
      p->pos++;
      if (p->pos >= p->length)
        {
          parser_fail (p, p->pos, _("unterminated string"));
          return FALSE;
        }

      c = p->data[p->pos++];
      switch (c)
        {
        case '"':
        case '\\':
        case '/':
          buf_append_c (&p->scratch, (char) c);
          break;
        case 'b':
          buf_append_c (&p->scratch, '\b');
          break;
        case 'f':
          buf_append_c (&p->scratch, '\f');
          break;
        case 'n':
          buf_append_c (&p->scratch, '\n');
          break;
        case 'r':
          buf_append_c (&p->scratch, '\r');
          break;
        case 't':
          buf_append_c (&p->scratch, '\t');
          break;
        case 'u':
          {
            guint unit, low;

            if (!read_hex4 (p, &unit))
              return FALSE;

            if (unit >= 0xdc00 && unit <= 0xdfff)
              {
                parser_fail (p, start, _("lone UTF-16 surrogate in a \\u escape"));
                return FALSE;
              }
            if (unit >= 0xd800 && unit <= 0xdbff)
              {
                if (p->length - p->pos < 2 ||
                    p->data[p->pos] != '\\' || p->data[p->pos + 1] != 'u')
                  {
                    parser_fail (p, start, _("lone UTF-16 surrogate in a \\u escape"));
                    return FALSE;
                  }
                p->pos += 2;
                if (!read_hex4 (p, &low))
                  return FALSE;
                if (low < 0xdc00 || low > 0xdfff)
                  {
                    parser_fail (p, start, _("lone UTF-16 surrogate in a \\u escape"));
                    return FALSE;
                  }
                unit = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
              }
            if (unit == 0)
              {
                parser_fail (p, start, _("a string holds a NUL character, which is not supported"));
                return FALSE;
              }
            append_utf8 (&p->scratch, unit);
          }
          break;
        default:
          parser_fail (p, start, _("invalid escape in a string"));
          return FALSE;
        }
    }
}

static gboolean
is_digit (guchar c)
{
  return c >= '0' && c <= '9';
}

static JsonNode *
parse_number (Parser *p)
{
  gsize start = p->pos;
  gboolean integer = TRUE;
  g_autofree char *token = NULL;

  if (p->data[p->pos] == '-')
    p->pos++;

  if (p->pos >= p->length || !is_digit (p->data[p->pos]))
    {
      parser_fail (p, start, _("invalid number"));
      return NULL;
    }
  if (p->data[p->pos] == '0')
    p->pos++;
  else
    while (p->pos < p->length && is_digit (p->data[p->pos]))
      p->pos++;

  if (p->pos < p->length && p->data[p->pos] == '.')
    {
      integer = FALSE;
      p->pos++;
      if (p->pos >= p->length || !is_digit (p->data[p->pos]))
        {
          parser_fail (p, start, _("invalid number"));
          return NULL;
        }
      while (p->pos < p->length && is_digit (p->data[p->pos]))
        p->pos++;
    }

  if (p->pos < p->length && (p->data[p->pos] == 'e' || p->data[p->pos] == 'E'))
    {
      integer = FALSE;
      p->pos++;
      if (p->pos < p->length && (p->data[p->pos] == '+' || p->data[p->pos] == '-'))
        p->pos++;
      if (p->pos >= p->length || !is_digit (p->data[p->pos]))
        {
          parser_fail (p, start, _("invalid number"));
          return NULL;
        }
      while (p->pos < p->length && is_digit (p->data[p->pos]))
        p->pos++;
    }

  token = g_strndup ((const char *) p->data + start, p->pos - start);

  /* At most 16 digits always fit in an int64; 2^53 has 16. */
  if (integer && p->pos - start <= 17)
    {
      gint64 value = g_ascii_strtoll (token, NULL, 10);

      if (value >= -MAX_SAFE_INTEGER && value <= MAX_SAFE_INTEGER)
        return json_node_init_int (json_node_alloc (), value);
    }

  return json_node_init_double (json_node_alloc (), g_ascii_strtod (token, NULL));
}

static gboolean
parse_literal (Parser     *p,
               const char *word)
{
  gsize n = strlen (word);

  if (p->length - p->pos < n || memcmp (p->data + p->pos, word, n) != 0)
    {
      parser_fail (p, p->pos, _("expected a value"));
      return FALSE;
    }

  p->pos += n;
  return TRUE;
}

static JsonNode *parse_value (Parser *p);

static gboolean
enter (Parser *p)
{
  if (p->depth >= MAX_DEPTH)
    {
      parser_fail (p, p->pos, _("nested too deeply"));
      return FALSE;
    }
  p->depth++;
  return TRUE;
}

static JsonNode *
parse_object (Parser *p)
{
  JsonObject *object;
  JsonNode *node;

  if (!enter (p))
    return NULL;

  p->pos++;
  object = json_object_new ();
  node = json_node_init_object (json_node_alloc (), object);
  json_object_unref (object);

  skip_whitespace (p);
  if (p->pos < p->length && p->data[p->pos] == '}')
    {
      p->pos++;
      p->depth--;
      return node;
    }

  for (;;)
    {
      g_autofree char *name = NULL;
      JsonNode *value;
      JsonNode *old;

      skip_whitespace (p);
      if (p->pos >= p->length || p->data[p->pos] != '"')
        {
          parser_fail_here (p, _("expected a string (a member name)"));
          goto fail;
        }
      if (!parse_string (p))
        goto fail;
      name = g_strndup (p->scratch.data, p->scratch.len);

      skip_whitespace (p);
      if (p->pos >= p->length || p->data[p->pos] != ':')
        {
          parser_fail_here (p, _("expected ‘:’"));
          goto fail;
        }
      p->pos++;

      value = parse_value (p);
      if (value == NULL)
        goto fail;

      /* As JSON.parse: the last of duplicate keys wins, at the position of
       * the first (json_object_set_member keeps the position). */
      old = json_object_get_member (object, name);
      if (old != NULL)
        _pi_keyring_json_node_wipe (old);
      json_object_set_member (object, name, value);

      skip_whitespace (p);
      if (p->pos < p->length && p->data[p->pos] == ',')
        {
          p->pos++;
          continue;
        }
      if (p->pos < p->length && p->data[p->pos] == '}')
        {
          p->pos++;
          break;
        }
      parser_fail_here (p, _("expected ‘,’ or ‘}’"));
      goto fail;
    }

  p->depth--;
  return node;

fail:
  node_free_wiped (node);
  return NULL;
}

static JsonNode *
parse_array (Parser *p)
{
  JsonArray *array;
  JsonNode *node;

  if (!enter (p))
    return NULL;

  p->pos++;
  array = json_array_new ();
  node = json_node_init_array (json_node_alloc (), array);
  json_array_unref (array);

  skip_whitespace (p);
  if (p->pos < p->length && p->data[p->pos] == ']')
    {
      p->pos++;
      p->depth--;
      return node;
    }

  for (;;)
    {
      JsonNode *value = parse_value (p);

      if (value == NULL)
        goto fail;
      json_array_add_element (array, value);

      skip_whitespace (p);
      if (p->pos < p->length && p->data[p->pos] == ',')
        {
          p->pos++;
          continue;
        }
      if (p->pos < p->length && p->data[p->pos] == ']')
        {
          p->pos++;
          break;
        }
      parser_fail_here (p, _("expected ‘,’ or ‘]’"));
      goto fail;
    }

  p->depth--;
  return node;

fail:
  node_free_wiped (node);
  return NULL;
}

static JsonNode *
parse_value (Parser *p)
{
  guchar c;

  skip_whitespace (p);
  if (p->pos >= p->length)
    {
      parser_fail (p, p->pos, _("unexpected end of the file"));
      return NULL;
    }

  c = p->data[p->pos];
  switch (c)
    {
    case '{':
      return parse_object (p);

    case '[':
      return parse_array (p);

    case '"':
      {
        JsonNode *node;

        if (!parse_string (p))
          return NULL;
        node = json_node_init_string (json_node_alloc (), p->scratch.data);
        buf_truncate (&p->scratch);
        return node;
      }

    case 't':
      if (!parse_literal (p, "true"))
        return NULL;
      return json_node_init_boolean (json_node_alloc (), TRUE);

    case 'f':
      if (!parse_literal (p, "false"))
        return NULL;
      return json_node_init_boolean (json_node_alloc (), FALSE);

    case 'n':
      if (!parse_literal (p, "null"))
        return NULL;
      return json_node_init_null (json_node_alloc ());

    default:
      if (c == '-' || is_digit (c))
        return parse_number (p);
      parser_fail (p, p->pos, _("expected a value"));
      return NULL;
    }
}

/*
 * _pi_keyring_auth_json_parse:
 * @data: the text, UTF-8
 * @length: its length in bytes, or -1 when nul-terminated
 * @display_name: how errors name the text (a file path)
 * @error: return location for an error
 *
 * Parses as JSON.parse does, strictly (RFC 8259), with a few limits:
 * nesting deeper than 512 levels, invalid UTF-8, lone surrogates and NUL
 * characters in strings are errors. Empty input (length 0) is `{}`, as pi
 * reads an empty auth.json; otherwise the top level must be an object.
 * Integers up to 2^53 in magnitude become int64 nodes, other numbers
 * doubles. Of duplicate keys, the last value wins at the first position.
 *
 * Returns: (transfer full): the object, or %NULL with
 *   %PI_KEYRING_ERROR_PARSE naming @display_name, line and column
 */
JsonObject *
_pi_keyring_auth_json_parse (const char  *data,
                             gssize       length,
                             const char  *display_name,
                             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  Parser p = { 0, };
  JsonNode *root;
  JsonObject *object;
  gsize value_start;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (display_name == NULL)
    display_name = "auth.json";
  if (length < 0)
    length = strlen (data);
  if (length == 0)
    return json_object_new ();

  p.data = (const guchar *) data;
  p.length = length;
  p.display_name = display_name;
  p.error = &local_error;
  buf_init (&p.scratch, 256);

  skip_whitespace (&p);
  value_start = p.pos;
  root = parse_value (&p);
  if (root != NULL)
    {
      skip_whitespace (&p);
      if (p.pos < p.length)
        {
          parser_fail (&p, p.pos, _("unexpected text after the end of the document"));
          g_clear_pointer (&root, node_free_wiped);
        }
      else if (!JSON_NODE_HOLDS_OBJECT (root))
        {
          parser_fail (&p, value_start, _("expected an object at the top level"));
          g_clear_pointer (&root, node_free_wiped);
        }
    }

  buf_clear (&p.scratch);

  if (root == NULL)
    {
      g_assert (local_error != NULL);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  object = json_object_ref (json_node_get_object (root));
  json_node_unref (root);
  return object;
}

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
      if (!is_digit ((guchar) name[i]))
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
write_string (Buf        *b,
              const char *s)
{
  static const char hex[] = "0123456789abcdef";
  const char *run = s;

  buf_append_c (b, '"');
  for (; *s != '\0'; s++)
    {
      guchar c = (guchar) *s;
      const char *escape = NULL;
      char u[7];

      if (c >= 0x20 && c != '"' && c != '\\')
        continue;

      buf_append_len (b, run, s - run);
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
      buf_append (b, escape);
    }
  buf_append_len (b, run, s - run);
  buf_append_c (b, '"');
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
        if (is_digit ((guchar) *e))
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
write_double (Buf    *b,
              double  v)
{
  char digits[32];
  char exp[16];
  int n, k;

  if (!isfinite (v))
    {
      /* JSON.stringify writes NaN and ±Infinity as null. */
      buf_append (b, "null");
      return;
    }
  if (v == 0)
    {
      buf_append_c (b, '0');
      return;
    }
  if (v < 0)
    {
      buf_append_c (b, '-');
      v = -v;
    }

  shortest_digits (v, digits, sizeof digits, &n);
  k = strlen (digits);

  if (k <= n && n <= 21)
    {
      buf_append (b, digits);
      for (int i = 0; i < n - k; i++)
        buf_append_c (b, '0');
    }
  else if (0 < n && n <= 21)
    {
      buf_append_len (b, digits, n);
      buf_append_c (b, '.');
      buf_append (b, digits + n);
    }
  else if (-6 < n && n <= 0)
    {
      buf_append (b, "0.");
      for (int i = 0; i < -n; i++)
        buf_append_c (b, '0');
      buf_append (b, digits);
    }
  else
    {
      buf_append_c (b, digits[0]);
      if (k > 1)
        {
          buf_append_c (b, '.');
          buf_append (b, digits + 1);
        }
      g_snprintf (exp, sizeof exp, "e%c%d", n - 1 >= 0 ? '+' : '-', ABS (n - 1));
      buf_append (b, exp);
    }
}

static void
write_value (Buf      *b,
             JsonNode *node)
{
  GType type = json_node_get_value_type (node);

  if (type == G_TYPE_STRING)
    write_string (b, json_node_get_string (node));
  else if (type == G_TYPE_INT64)
    {
      gint64 value = json_node_get_int (node);

      if (value >= -MAX_SAFE_INTEGER && value <= MAX_SAFE_INTEGER)
        {
          char text[32];

          g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, value);
          buf_append (b, text);
        }
      else
        /* pi would hold this as a double. */
        write_double (b, (double) value);
    }
  else if (type == G_TYPE_DOUBLE)
    write_double (b, json_node_get_double (node));
  else if (type == G_TYPE_BOOLEAN)
    buf_append (b, json_node_get_boolean (node) ? "true" : "false");
  else
    buf_append (b, "null");
}

static void
write_newline (Buf   *b,
               guint  indent,
               guint  level)
{
  if (indent == 0)
    return;

  buf_append_c (b, '\n');
  buf_reserve (b, (gsize) indent * level);
  memset (b->data + b->len, ' ', (gsize) indent * level);
  b->len += (gsize) indent * level;
  b->data[b->len] = '\0';
}

static void write_node (Buf      *b,
                        JsonNode *node,
                        guint     indent,
                        guint     level);

static void
write_object (Buf        *b,
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
      buf_append (b, "{}");
      return;
    }

  g_array_sort (members, compare_members);

  buf_append_c (b, '{');
  for (guint i = 0; i < members->len; i++)
    {
      Member *m = &g_array_index (members, Member, i);

      if (i > 0)
        buf_append_c (b, ',');
      write_newline (b, indent, level + 1);
      write_string (b, m->name);
      buf_append (b, indent > 0 ? ": " : ":");
      write_node (b, m->node, indent, level + 1);
    }
  write_newline (b, indent, level);
  buf_append_c (b, '}');
}

static void
write_array (Buf       *b,
             JsonArray *array,
             guint      indent,
             guint      level)
{
  guint n = json_array_get_length (array);

  if (n == 0)
    {
      buf_append (b, "[]");
      return;
    }

  buf_append_c (b, '[');
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        buf_append_c (b, ',');
      write_newline (b, indent, level + 1);
      write_node (b, json_array_get_element (array, i), indent, level + 1);
    }
  write_newline (b, indent, level);
  buf_append_c (b, ']');
}

static void
write_node (Buf      *b,
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
      buf_append (b, "null");
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
  Buf b;

  g_return_val_if_fail (node != NULL, NULL);

  buf_init (&b, 1024);
  write_node (&b, node, MIN (indent, 10), 0);
  return buf_steal (&b);
}

char *
_pi_keyring_json_object_stringify (JsonObject *object,
                                   guint       indent)
{
  Buf b;

  g_return_val_if_fail (object != NULL, NULL);

  buf_init (&b, 1024);
  write_object (&b, object, MIN (indent, 10), 0);
  return buf_steal (&b);
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
