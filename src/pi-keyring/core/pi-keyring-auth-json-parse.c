/* pi-keyring-auth-json-parse.c: auth.json read as JavaScript's JSON.parse reads it
 *
 * Hand-written on purpose, on top of json-glib's node types: json-glib's
 * JsonParser (1.6) accepts what JSON.parse refuses — single quotes,
 * leading zeros, `.5`, hexadecimal numbers, raw tabs in strings, comments,
 * a byte-order mark — and disagrees on what it accepts: lone surrogates,
 * `\u0000` truncating a string, invalid UTF-8 (read as U+FFFD, as pi's
 * readFileSync reads it), integers past 2^63 wrapping
 * negative, `1e400`. tests/test-auth-json.c (/auth-json/parse/json-glib-*)
 * checks each of these against json-glib live, so this file can go when
 * they stop holding. The parser is strict RFC 8259 as JSON.parse is:
 * duplicate keys keep the last value in the first position, numbers are
 * doubles, errors name the file, line and column, and documents deeper
 * than MAX_DEPTH are refused before the stack is.
 *
 * The documents hold secrets: scratch buffers are wiped before they are
 * freed, and a partial document is wiped when a parse fails.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "core/pi-keyring-core-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Deeper documents are refused, so that hostile input cannot exhaust the
 * stack of the recursive parser. */
#define MAX_DEPTH 512

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
  PiKeyringBuf           scratch;
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

/* The UTF-8 sequence at p->pos: its length when it is valid (strictly: no
 * overlong forms, no surrogates, nothing above U+10FFFF); otherwise 0,
 * and *skip is how many bytes read as one U+FFFD, as Node's decoder (the
 * WHATWG one, which pi reads auth.json with) reads them: the longest start
 * of a valid sequence, or one byte. */
static gsize
utf8_sequence_length (Parser *p,
                      gsize  *skip)
{
  const guchar *s = p->data + p->pos;
  gsize avail = p->length - p->pos;
  guchar c = s[0];
  guchar lo = 0x80, hi = 0xbf;
  gsize n;

  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf)
    n = 2;
  else if (c >= 0xe0 && c <= 0xef)
    {
      n = 3;
      if (c == 0xe0)
        lo = 0xa0;  /* overlong */
      else if (c == 0xed)
        hi = 0x9f;  /* surrogates */
    }
  else if (c >= 0xf0 && c <= 0xf4)
    {
      n = 4;
      if (c == 0xf0)
        lo = 0x90;  /* overlong */
      else if (c == 0xf4)
        hi = 0x8f;  /* above U+10FFFF */
    }
  else
    {
      *skip = 1;
      return 0;
    }

  for (gsize i = 1; i < n; i++)
    {
      if (i >= avail || s[i] < lo || s[i] > hi)
        {
          *skip = i;
          return 0;
        }
      lo = 0x80;
      hi = 0xbf;
    }

  return n;
}

static void
append_utf8 (PiKeyringBuf     *b,
             guint32  cp)
{
  char out[6];
  int n = g_unichar_to_utf8 (cp, out);

  _pi_keyring_buf_append_len (b, out, n);
}

/* Parses a string at p->pos (the opening quote) into p->scratch. */
static gboolean
parse_string (Parser *p)
{
  gsize start;

  _pi_keyring_buf_truncate (&p->scratch);
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
        _pi_keyring_buf_append_len (&p->scratch, (const char *) p->data + start, p->pos - start);

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
          gsize skip = 0;
          gsize n = utf8_sequence_length (p, &skip);

          /* pi reads invalid UTF-8 as U+FFFD: so do we, so that a file
           * with a stray byte (written by an older pi-keyring) is what pi
           * sees, and can be repaired. */
          if (n == 0)
            {
              _pi_keyring_buf_append (&p->scratch, "\xef\xbf\xbd");
              p->pos += skip;
              continue;
            }
          _pi_keyring_buf_append_len (&p->scratch, (const char *) p->data + p->pos, n);
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
          _pi_keyring_buf_append_c (&p->scratch, (char) c);
          break;
        case 'b':
          _pi_keyring_buf_append_c (&p->scratch, '\b');
          break;
        case 'f':
          _pi_keyring_buf_append_c (&p->scratch, '\f');
          break;
        case 'n':
          _pi_keyring_buf_append_c (&p->scratch, '\n');
          break;
        case 'r':
          _pi_keyring_buf_append_c (&p->scratch, '\r');
          break;
        case 't':
          _pi_keyring_buf_append_c (&p->scratch, '\t');
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

static JsonNode *
parse_number (Parser *p)
{
  gsize start = p->pos;
  gboolean integer = TRUE;
  g_autofree char *token = NULL;

  if (p->data[p->pos] == '-')
    p->pos++;

  if (p->pos >= p->length || !g_ascii_isdigit (p->data[p->pos]))
    {
      parser_fail (p, start, _("invalid number"));
      return NULL;
    }
  if (p->data[p->pos] == '0')
    p->pos++;
  else
    while (p->pos < p->length && g_ascii_isdigit (p->data[p->pos]))
      p->pos++;

  if (p->pos < p->length && p->data[p->pos] == '.')
    {
      integer = FALSE;
      p->pos++;
      if (p->pos >= p->length || !g_ascii_isdigit (p->data[p->pos]))
        {
          parser_fail (p, start, _("invalid number"));
          return NULL;
        }
      while (p->pos < p->length && g_ascii_isdigit (p->data[p->pos]))
        p->pos++;
    }

  if (p->pos < p->length && (p->data[p->pos] == 'e' || p->data[p->pos] == 'E'))
    {
      integer = FALSE;
      p->pos++;
      if (p->pos < p->length && (p->data[p->pos] == '+' || p->data[p->pos] == '-'))
        p->pos++;
      if (p->pos >= p->length || !g_ascii_isdigit (p->data[p->pos]))
        {
          parser_fail (p, start, _("invalid number"));
          return NULL;
        }
      while (p->pos < p->length && g_ascii_isdigit (p->data[p->pos]))
        p->pos++;
    }

  token = g_strndup ((const char *) p->data + start, p->pos - start);

  /* At most 16 digits always fit in an int64; 2^53 has 16. */
  if (integer && p->pos - start <= 17)
    {
      gint64 value = g_ascii_strtoll (token, NULL, 10);

      if (value >= -PI_KEYRING_JSON_MAX_SAFE_INTEGER && value <= PI_KEYRING_JSON_MAX_SAFE_INTEGER)
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
        _pi_keyring_buf_truncate (&p->scratch);
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
      if (c == '-' || g_ascii_isdigit (c))
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
 * invalid UTF-8 in a string is read as U+FFFD, as Node reads it;
 * nesting deeper than 512 levels, lone surrogates and NUL
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
  _pi_keyring_buf_init (&p.scratch, 256);

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

  _pi_keyring_buf_clear (&p.scratch);

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

