/* test-auth-json.c: the auth.json codec against JSON.parse / JSON.stringify
 *
 * Every expected string below is what JavaScript's JSON.stringify gives
 * for the same value (Node, V8).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "core/pi-keyring-core-private.h"

/* Parses @text (exactly its bytes, in a buffer of that size, so that a read
 * past the end is caught by AddressSanitizer). */
static JsonObject *
parse_len (const char  *text,
           gsize        length,
           GError     **error)
{
  g_autofree char *copy = g_memdup2 (text, length > 0 ? length : 1);

  return _pi_keyring_auth_json_parse (copy, length, "test.json", error);
}

static JsonObject *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonObject *object = parse_len (text, strlen (text), &error);

  g_assert_no_error (error);
  g_assert_nonnull (object);
  return object;
}

static void
assert_stringify (const char *input,
                  guint       indent,
                  const char *expected)
{
  g_autoptr(JsonObject) object = parse (input);
  g_autofree char *text = _pi_keyring_json_object_stringify (object, indent);

  g_assert_cmpstr (text, ==, expected);
}

static void
test_stringify_nested (void)
{
  const char *input =
    "{\"a\":1,\"b\":[1,2,{\"c\":null}],\"d\":{},\"e\":[],"
    "\"f\":{\"g\":true,\"h\":false},\"i\":\"x\",\"j\":[[],[{}]]}";

  /* JSON.stringify (v) */
  assert_stringify (input, 0, input);

  /* JSON.stringify (v, null, 2) */
  assert_stringify (input, 2,
                    "{\n"
                    "  \"a\": 1,\n"
                    "  \"b\": [\n"
                    "    1,\n"
                    "    2,\n"
                    "    {\n"
                    "      \"c\": null\n"
                    "    }\n"
                    "  ],\n"
                    "  \"d\": {},\n"
                    "  \"e\": [],\n"
                    "  \"f\": {\n"
                    "    \"g\": true,\n"
                    "    \"h\": false\n"
                    "  },\n"
                    "  \"i\": \"x\",\n"
                    "  \"j\": [\n"
                    "    [],\n"
                    "    [\n"
                    "      {}\n"
                    "    ]\n"
                    "  ]\n"
                    "}");

  /* JSON.stringify (v, null, 4) */
  assert_stringify ("{\"a\":{\"b\":[1]}}", 4,
                    "{\n"
                    "    \"a\": {\n"
                    "        \"b\": [\n"
                    "            1\n"
                    "        ]\n"
                    "    }\n"
                    "}");

  /* JavaScript uses at most 10 spaces. */
  assert_stringify ("{\"a\":1}", 20, "{\n          \"a\": 1\n}");
}

static void
test_stringify_empty (void)
{
  assert_stringify ("{}", 0, "{}");
  assert_stringify ("{}", 2, "{}");
  assert_stringify ("  { \n }  ", 2, "{}");
  assert_stringify ("{\"a\":{},\"b\":[]}", 2, "{\n  \"a\": {},\n  \"b\": []\n}");
}

static void
test_stringify_node (void)
{
  g_autoptr(JsonNode) str = json_node_init_string (json_node_alloc (), "a\"b");
  g_autoptr(JsonNode) null = json_node_init_null (json_node_alloc ());
  g_autoptr(JsonNode) array = NULL;
  g_autoptr(JsonArray) a = json_array_new ();
  g_autofree char *t1 = NULL, *t2 = NULL, *t3 = NULL, *t4 = NULL;

  json_array_add_int_element (a, 1);
  json_array_add_string_element (a, "x");
  array = json_node_init_array (json_node_alloc (), a);

  t1 = _pi_keyring_json_stringify (str, 2);
  g_assert_cmpstr (t1, ==, "\"a\\\"b\"");
  t2 = _pi_keyring_json_stringify (null, 0);
  g_assert_cmpstr (t2, ==, "null");
  t3 = _pi_keyring_json_stringify (array, 0);
  g_assert_cmpstr (t3, ==, "[1,\"x\"]");
  t4 = _pi_keyring_json_stringify (array, 2);
  g_assert_cmpstr (t4, ==, "[\n  1,\n  \"x\"\n]");
}

static void
test_stringify_escapes (void)
{
  /* Escaped as JSON.stringify: " \ \b \f \n \r \t, other controls as
   * lowercase \u00xx; "/" , DEL, U+2028 and all non-ASCII verbatim. */
  assert_stringify ("{\"s\":\"q\\\"b\\\\s\\/ \\b\\f\\n\\r\\t \\u0001\\u001F\\u001b\\u007f"
                    " \\u00e9 \xc3\xa9 \\u20AC \\ud83d\\ude00 \xf0\x9f\x98\x80 \\u2028\"}",
                    0,
                    "{\"s\":\"q\\\"b\\\\s/ \\b\\f\\n\\r\\t \\u0001\\u001f\\u001b\x7f"
                    " \xc3\xa9 \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf0\x9f\x98\x80 \xe2\x80\xa8\"}");
}

static void
test_stringify_escaped_keys (void)
{
  assert_stringify ("{\"a\\nb\\\"\":1,\"\":2}", 2, "{\n  \"a\\nb\\\"\": 1,\n  \"\": 2\n}");
}

static void
test_stringify_integer_keys (void)
{
  /* Canonical array indices first, ascending; then the others in
   * insertion order ("01", "-1", "1.5" and 2^32 - 1 are not indices). */
  assert_stringify ("{\"b\":1,\"10\":2,\"a\":3,\"2\":4,\"01\":5,\"-1\":6,"
                    "\"4294967294\":7,\"4294967295\":8,\"1.5\":9,\"0\":10}",
                    0,
                    "{\"0\":10,\"2\":4,\"10\":2,\"4294967294\":7,\"b\":1,\"a\":3,"
                    "\"01\":5,\"-1\":6,\"4294967295\":8,\"1.5\":9}");
  assert_stringify ("{\"z\":{\"9\":1,\"x\":2,\"8\":3}}", 2,
                    "{\n  \"z\": {\n    \"8\": 3,\n    \"9\": 1,\n    \"x\": 2\n  }\n}");
}

static void
test_stringify_numbers (void)
{
  static const struct
  {
    const char *literal;
    const char *expected;
  } cases[] = {
    { "1773603300000", "1773603300000" },
    { "0.1", "0.1" },
    { "1e21", "1e+21" },
    { "1e-7", "1e-7" },
    { "-0", "0" },
    { "-0.0", "0" },
    { "5e-324", "5e-324" },
    { "1.7976931348623157e308", "1.7976931348623157e+308" },
    { "123456789012345680000", "123456789012345680000" },
    { "123456789012345678901", "123456789012345680000" },
    { "1e20", "100000000000000000000" },
    { "0.000001", "0.000001" },
    { "0.0000015", "0.0000015" },
    { "1.5", "1.5" },
    { "-2.5e-8", "-2.5e-8" },
    { "-1e-7", "-1e-7" },
    { "1e23", "1e+23" },
    { "1.2345e21", "1.2345e+21" },
    { "2.2250738585072014e-308", "2.2250738585072014e-308" },
    { "0.30000000000000004", "0.30000000000000004" },
    { "9007199254740992", "9007199254740992" },
    { "9007199254740993", "9007199254740992" },
    { "-9007199254740993", "-9007199254740992" },
    { "12345678901234567890", "12345678901234567000" },
    { "1E2", "100" },
    { "1.0", "1" },
    { "123e-20", "1.23e-18" },
    { "4.35", "4.35" },
    { "100.25e1", "1002.5" },
    { "1e400", "null" },
    { "-1e400", "null" },
    { "0", "0" },
    { "-42", "-42" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *input = g_strdup_printf ("{\"n\":%s}", cases[i].literal);
      g_autofree char *expected = g_strdup_printf ("{\"n\":%s}", cases[i].expected);

      g_test_message ("number %s", cases[i].literal);
      assert_stringify (input, 0, expected);
    }
}

static void
test_stringify_number_nodes (void)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autofree char *text = NULL;

  json_object_set_double_member (object, "nan", NAN);
  json_object_set_double_member (object, "inf", INFINITY);
  json_object_set_double_member (object, "whole", 1773603300000.0);
  json_object_set_double_member (object, "neg0", -0.0);
  /* An int64 beyond 2^53 is a double in JavaScript. */
  json_object_set_int_member (object, "big", G_MAXINT64);
  json_object_set_int_member (object, "small", G_MININT64);
  json_object_set_int_member (object, "exact", 9007199254740993);

  text = _pi_keyring_json_object_stringify (object, 0);
  g_assert_cmpstr (text, ==,
                   "{\"nan\":null,\"inf\":null,\"whole\":1773603300000,\"neg0\":0,"
                   "\"big\":9223372036854776000,\"small\":-9223372036854776000,"
                   "\"exact\":9007199254740992}");
}

static void
test_parse_number_types (void)
{
  g_autoptr(JsonObject) object =
    parse ("{\"a\":1,\"b\":1.0,\"c\":9007199254740992,\"d\":9007199254740993,"
           "\"e\":-9007199254740992,\"f\":1e2,\"g\":-0,\"h\":1773603300000}");

  g_assert_cmpint (json_node_get_value_type (json_object_get_member (object, "a")), ==, G_TYPE_INT64);
  g_assert_cmpint (json_object_get_int_member (object, "a"), ==, 1);
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (object, "b")), ==, G_TYPE_DOUBLE);
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (object, "c")), ==, G_TYPE_INT64);
  g_assert_cmpint (json_object_get_int_member (object, "c"), ==, G_GINT64_CONSTANT (9007199254740992));
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (object, "d")), ==, G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_object_get_double_member (object, "d"), ==, 9007199254740992.0);
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (object, "e")), ==, G_TYPE_INT64);
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (object, "f")), ==, G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_object_get_double_member (object, "f"), ==, 100.0);
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (object, "g")), ==, G_TYPE_INT64);
  g_assert_cmpint (json_object_get_int_member (object, "h"), ==, G_GINT64_CONSTANT (1773603300000));
}

static void
test_parse_strings (void)
{
  g_autoptr(JsonObject) object =
    parse ("{\"a\":\"\\ud83d\\ude00\",\"b\":\"\\u00E9\",\"c\":\"x\\/y\",\"\\u0041\":\"key\"}");

  g_assert_cmpstr (json_object_get_string_member (object, "a"), ==, "\xf0\x9f\x98\x80");
  g_assert_cmpstr (json_object_get_string_member (object, "b"), ==, "\xc3\xa9");
  g_assert_cmpstr (json_object_get_string_member (object, "c"), ==, "x/y");
  g_assert_cmpstr (json_object_get_string_member (object, "A"), ==, "key");
}

static void
test_parse_empty (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) empty = NULL;
  g_autoptr(JsonObject) nul = NULL;

  /* pi: empty content is {} */
  empty = _pi_keyring_auth_json_parse ("", 0, "test.json", &error);
  g_assert_no_error (error);
  g_assert_nonnull (empty);
  g_assert_cmpuint (json_object_get_size (empty), ==, 0);

  nul = _pi_keyring_auth_json_parse ("{}", -1, "test.json", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_object_get_size (nul), ==, 0);
}

static void
test_parse_duplicate_keys (void)
{
  /* As JSON.parse: the last value, at the position of the first key. */
  assert_stringify ("{\"a\":1,\"b\":2,\"a\":3}", 0, "{\"a\":3,\"b\":2}");
  assert_stringify ("{\"x\":{\"k\":\"old\",\"m\":1,\"k\":{\"n\":[1]}},\"x2\":0}", 0,
                    "{\"x\":{\"k\":{\"n\":[1]},\"m\":1},\"x2\":0}");
  assert_stringify ("{\"p\":{\"type\":\"api_key\"},\"q\":1,\"p\":{\"type\":\"oauth\"}}", 2,
                    "{\n  \"p\": {\n    \"type\": \"oauth\"\n  },\n  \"q\": 1\n}");
}

/* Inputs on which json-glib 1.6's JsonParser and JavaScript's JSON.parse
 * (what pi reads auth.json with: readFileSync (path, "utf-8") then
 * JSON.parse) disagree in a way a user would notice. This table is why
 * pi-keyring-auth-json.c keeps its own parser: each row checks json-glib's
 * answer live (so the test says when a json-glib release changes it) and
 * ours. The "node" column was taken with node -e on each input. */
typedef struct
{
  const char *input;
  gsize       length;            /* 0: strlen (input) */
  const char *node;              /* what JSON.parse does */
  gboolean    json_glib_accepts;
  gboolean    we_accept;         /* always node's answer, or a refusal */
} Disagreement;

static const Disagreement disagreements[] = {
  /* json-glib accepts, JSON.parse throws: we throw, as pi would. */
  { "{'a':1}", 0, "SyntaxError: Expected property name", TRUE, FALSE },
  { "{\"a\":01}", 0, "SyntaxError: Unexpected number", TRUE, FALSE },
  { "{\"a\":.5}", 0, "SyntaxError: Unexpected token '.'", TRUE, FALSE },
  { "{\"a\":0x10}", 0, "SyntaxError: Expected ',' or '}'", TRUE, FALSE },
  { "{\"a\":\"\t\"}", 0, "SyntaxError: Bad control character in string literal", TRUE, FALSE },
  { "/*c*/{\"a\":1}", 0, "SyntaxError: Unexpected token '/'", TRUE, FALSE },
  { "\xef\xbb\xbf{\"a\":1}", 0, "SyntaxError: Unexpected token (the BOM is kept)", TRUE, FALSE },
  /* JSON.parse keeps a value UTF-8 cannot hold (a lone surrogate), one the
   * C strings of json-glib cannot (NUL; json-glib cuts the string there,
   * silently): we refuse with a clear message instead of storing
   * something else than pi would. Invalid UTF-8 pi reads as U+FFFD (its
   * readFileSync decodes the file first), and so do we. */
  { "{\"a\":\"\\ud800\"}", 0, "accepted: a lone surrogate", FALSE, FALSE },
  { "{\"a\":\"x\\u0000y\"}", 0, "accepted: \"x\\u0000y\"", TRUE, FALSE },
  { "{\"a\":\"\xff\"}", 0, "accepted: \"\\ufffd\"", FALSE, TRUE },
};

static void
test_parse_json_glib_disagrees (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (disagreements); i++)
    {
      const Disagreement *d = &disagreements[i];
      gsize length = d->length > 0 ? d->length : strlen (d->input);
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) object = NULL;
      gboolean jg;

      g_test_message ("input %" G_GSIZE_FORMAT ": JSON.parse: %s", i, d->node);
      jg = json_parser_load_from_data (parser, d->input, length, NULL);
      g_assert_cmpint (jg, ==, d->json_glib_accepts);

      object = parse_len (d->input, length, &error);
      if (d->we_accept)
        g_assert_no_error (error);
      else
        {
          g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE);
          g_assert_null (object);
        }
    }
}

/* Invalid UTF-8 in a string reads as Node reads it (each row was taken
 * with Buffer.from (hex, "hex").toString ("utf-8") in node 22): the
 * longest start of a valid sequence, or one byte, is one U+FFFD. */
static void
test_parse_invalid_utf8_as_node (void)
{
  static const struct { const char *input; const char *value; } cases[] = {
    { "{\"a\":\"\xff\"}", "\xef\xbf\xbd" },
    { "{\"a\":\"\xc0\xaf\"}", "\xef\xbf\xbd\xef\xbf\xbd" },
    { "{\"a\":\"\xed\xa0\x80\"}", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
    { "{\"a\":\"\xf4\x90\x80\x80\"}", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
    { "{\"a\":\"\xe2\x82\"}", "\xef\xbf\xbd" },
    { "{\"a\":\"a\xe2\x82" "b\"}", "a\xef\xbf\xbd" "b" },
    { "{\"a\":\"\xf0\x9f\x98\"}", "\xef\xbf\xbd" },
    { "{\"a\":\"\xe0\x80\x8f\"}", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
    { "{\"a\":\"\xf4\x8f\xbf\xbf\"}", "\xf4\x8f\xbf\xbf" },
    { "{\"op\xff" "en\":{\"type\":\"api_key\",\"key\":\"k\"}}", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) object = parse_len (cases[i].input, strlen (cases[i].input), &error);

      g_assert_no_error (error);
      if (cases[i].value != NULL)
        g_assert_cmpstr (json_object_get_string_member (object, "a"), ==, cases[i].value);
      else
        g_assert_true (json_object_has_member (object, "op\xef\xbf\xbd" "en"));
    }
}

/* Values json-glib reads differently from JSON.parse. */
static void
test_parse_json_glib_values (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *jg;
  const char *text = "{\"big\":12345678901234567890,\"inf\":1e400,\"nul\":\"x\\u0000y\"}";

  /* json-glib: the integer wraps around to a negative int64 (a timestamp
   * or a quota would change sign); 1e400 is +inf; "x\u0000y" becomes "x". */
  g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
  jg = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (jg, "big"), <, 0);
  g_assert_cmpstr (json_object_get_string_member (jg, "nul"), ==, "x");

  /* JSON.parse: 12345678901234567000 and Infinity, which JSON.stringify
   * writes as 12345678901234567000 and null. We give the same bytes. */
  assert_stringify ("{\"big\":12345678901234567890,\"inf\":1e400}", 0,
                    "{\"big\":12345678901234567000,\"inf\":null}");
}

typedef struct
{
  const char *input;
  gssize      length;
  guint       line;
  guint       column;
  const char *detail;
} ErrorCase;

static void
test_parse_errors (void)
{
  static const ErrorCase cases[] = {
    { "{\n  \"a\": 1\n  \"b\": 2\n}", -1, 3, 3, "expected ‘,’ or ‘}’" },
    { "{\"a\":1,}", -1, 1, 8, "expected a string (a member name)" },
    { "{'a':1}", -1, 1, 2, "expected a string (a member name)" },
    { "{\"a\" 1}", -1, 1, 6, "expected ‘:’" },
    { "{\"a\":NaN}", -1, 1, 6, "expected a value" },
    { "{\"a\":Infinity}", -1, 1, 6, "expected a value" },
    { "{\"a\":undefined}", -1, 1, 6, "expected a value" },
    { "{/* c */}", -1, 1, 2, "expected a string (a member name)" },
    { "{\"a\":1 // c\n}", -1, 1, 8, "expected ‘,’ or ‘}’" },
    { "{\"a\":[1,]}", -1, 1, 9, "expected a value" },
    { "{\"a\":[1 2]}", -1, 1, 9, "expected ‘,’ or ‘]’" },
    { "{\"a\":01}", -1, 1, 7, "expected ‘,’ or ‘}’" },
    { "{\"a\":1.}", -1, 1, 6, "invalid number" },
    { "{\"a\":.5}", -1, 1, 6, "expected a value" },
    { "{\"a\":+1}", -1, 1, 6, "expected a value" },
    { "{\"a\":-}", -1, 1, 6, "invalid number" },
    { "{\"a\":1e}", -1, 1, 6, "invalid number" },
    { "{\"a\":0x10}", -1, 1, 7, "expected ‘,’ or ‘}’" },
    { "{\"a\":tru}", -1, 1, 6, "expected a value" },
    { "{\"a\":True}", -1, 1, 6, "expected a value" },
    { "{\"a\":\"x", -1, 1, 8, "unterminated string" },
    { "{\"a\":\"x\\", -1, 1, 9, "unterminated string" },
    { "{\"a\":1", -1, 1, 7, "unexpected end of the file" },
    { "{\"a\":", -1, 1, 6, "unexpected end of the file" },
    { "{", -1, 1, 2, "unexpected end of the file" },
    { "   ", -1, 1, 4, "unexpected end of the file" },
    { "\n\n", -1, 3, 1, "unexpected end of the file" },
    { "[]", -1, 1, 1, "expected an object at the top level" },
    { " 1", -1, 1, 2, "expected an object at the top level" },
    { "\"s\"", -1, 1, 1, "expected an object at the top level" },
    { "null", -1, 1, 1, "expected an object at the top level" },
    { "{} x", -1, 1, 4, "unexpected text after the end of the document" },
    { "{}{}", -1, 1, 3, "unexpected text after the end of the document" },
    { "{\"a\":\"\\x\"}", -1, 1, 7, "invalid escape in a string" },
    { "{\"a\":\"\\u12\"}", -1, 1, 9, "invalid \\u escape" },
    { "{\"a\":\"\\u12g4\"}", -1, 1, 9, "invalid \\u escape" },
    { "{\"a\":\"\\ud800\"}", -1, 1, 7, "lone UTF-16 surrogate in a \\u escape" },
    { "{\"a\":\"\\udc00\"}", -1, 1, 7, "lone UTF-16 surrogate in a \\u escape" },
    { "{\"a\":\"\\ud800\\u0041\"}", -1, 1, 7, "lone UTF-16 surrogate in a \\u escape" },
    { "{\"a\":\"\\ud800x\"}", -1, 1, 7, "lone UTF-16 surrogate in a \\u escape" },
    { "{\"a\":\"\\u0000\"}", -1, 1, 7, "a string holds a NUL character, which is not supported" },
    { "{\"a\":\"x\ty\"}", -1, 1, 8, "control character in a string" },
    { "{\"a\":\"x\ny\"}", -1, 1, 8, "control character in a string" },
    /* Invalid UTF-8 is U+FFFD, then the string is unterminated. */
    { "{\"a\":\"\xe2\x82", -1, 1, 8, "unterminated string" },
    /* Outside a string, a stray byte is no JSON. */
    { "{\"a\":\xff}", -1, 1, 6, "expected a value" },
    /* A byte-order mark is not JSON whitespace for JSON.parse. */
    { "\xef\xbb\xbf{}", -1, 1, 1, "expected a value" },
    /* Columns count characters, not bytes. */
    { "{\"\xc3\xa9\xe2\x82\xac\":1 x}", -1, 1, 9, "expected ‘,’ or ‘}’" },
    { "{\"a\":1}\r\n  ]", -1, 2, 3, "unexpected text after the end of the document" },
    /* A NUL byte is not whitespace. */
    { "{}\0", 3, 1, 3, "unexpected text after the end of the document" },
    { "{\"a\":\"\0\"}", 9, 1, 7, "control character in a string" },
    /* The length bounds the input, whatever follows it. */
    { "{\"a\":1}", 6, 1, 7, "unexpected end of the file" },
    { "{\"a\":true}", 8, 1, 6, "expected a value" },
    { "{\"a\":\"\\u00e9\"}", 10, 1, 9, "invalid \\u escape" },
    { "{\"a\":12}", 6, 1, 7, "unexpected end of the file" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) object = NULL;
      g_autofree char *expected = NULL;
      gsize length = cases[i].length >= 0 ? (gsize) cases[i].length : strlen (cases[i].input);

      g_test_message ("case %" G_GSIZE_FORMAT ": expecting %s", i, cases[i].detail);
      object = parse_len (cases[i].input, length, &error);
      g_assert_null (object);
      g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE);
      expected = g_strdup_printf ("test.json:%u:%u: %s", cases[i].line, cases[i].column,
                                  cases[i].detail);
      g_assert_cmpstr (error->message, ==, expected);
    }
}

static void
test_parse_error_hides_content (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = NULL;
  const char *input = "{\"anthropic\":{\"type\":\"oauth\",\"access\":\"sk-ant-oat01-SECRET\" \"x\":1}}";

  object = parse_len (input, strlen (input), &error);
  g_assert_null (object);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE);
  g_assert_null (strstr (error->message, "SECRET"));
  g_assert_null (strstr (error->message, "sk-ant"));
  g_assert_true (g_str_has_prefix (error->message, "test.json:1:"));
}

static char *
nested (guint       depth,
        const char *open,
        const char *close)
{
  GString *s = g_string_new ("{\"a\":");

  for (guint i = 0; i < depth; i++)
    g_string_append (s, open);
  for (guint i = 0; i < depth; i++)
    g_string_append (s, close);
  g_string_append_c (s, '}');

  return g_string_free (s, FALSE);
}

static void
test_parse_depth (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) ok = NULL;
  g_autoptr(JsonObject) ok_objects = NULL;
  g_autoptr(JsonObject) too_deep = NULL;
  g_autoptr(JsonObject) hostile = NULL;
  g_autofree char *at_limit = nested (511, "[", "]");
  g_autofree char *at_limit_objects = NULL;
  g_autofree char *over_limit = nested (512, "[", "]");
  g_autofree char *very_deep = NULL;
  GString *s;

  /* The top-level object is level 1: 511 more make 512, the limit. */
  ok = parse_len (at_limit, strlen (at_limit), &error);
  g_assert_no_error (error);
  g_assert_nonnull (ok);

  {
    g_autofree char *text = _pi_keyring_json_object_stringify (ok, 0);
    g_assert_cmpstr (text, ==, at_limit);
  }

  s = g_string_new ("");
  for (guint i = 0; i < 511; i++)
    g_string_append (s, "{\"k\":");
  g_string_append (s, "1");
  for (guint i = 0; i < 511; i++)
    g_string_append_c (s, '}');
  at_limit_objects = g_string_free (s, FALSE);
  ok_objects = parse_len (at_limit_objects, strlen (at_limit_objects), &error);
  g_assert_no_error (error);
  g_assert_nonnull (ok_objects);

  too_deep = parse_len (over_limit, strlen (over_limit), &error);
  g_assert_null (too_deep);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE);
  g_assert_cmpstr (error->message, ==, "test.json:1:517: nested too deeply");
  g_clear_error (&error);

  /* Far deeper input fails just as cleanly (no stack exhaustion). */
  s = g_string_new ("{\"a\":");
  for (guint i = 0; i < 1000000; i++)
    g_string_append_c (s, '[');
  very_deep = g_string_free (s, FALSE);
  hostile = parse_len (very_deep, strlen (very_deep), &error);
  g_assert_null (hostile);
  g_assert_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_PARSE);
}

static void
test_object_put (void)
{
  g_autoptr(JsonObject) object = parse ("{\"a\":1,\"b\":2,\"c\":3}");
  g_autofree char *t1 = NULL, *t2 = NULL, *t3 = NULL;

  /* Replacing keeps the position. */
  _pi_keyring_json_object_put (object, "b", json_node_init_string (json_node_alloc (), "B"));
  t1 = _pi_keyring_json_object_stringify (object, 0);
  g_assert_cmpstr (t1, ==, "{\"a\":1,\"b\":\"B\",\"c\":3}");

  /* A new member is appended. */
  _pi_keyring_json_object_put (object, "d", json_node_init_int (json_node_alloc (), 4));
  t2 = _pi_keyring_json_object_stringify (object, 0);
  g_assert_cmpstr (t2, ==, "{\"a\":1,\"b\":\"B\",\"c\":3,\"d\":4}");

  /* NULL removes; removing what is absent does nothing. */
  _pi_keyring_json_object_put (object, "a", NULL);
  _pi_keyring_json_object_put (object, "zz", NULL);
  t3 = _pi_keyring_json_object_stringify (object, 0);
  g_assert_cmpstr (t3, ==, "{\"b\":\"B\",\"c\":3,\"d\":4}");

  /* Removing and adding again moves the member to the end, as in JS. */
  _pi_keyring_json_object_put (object, "b", NULL);
  _pi_keyring_json_object_put (object, "b", json_node_init_boolean (json_node_alloc (), TRUE));
  {
    g_autofree char *t4 = _pi_keyring_json_object_stringify (object, 0);
    g_assert_cmpstr (t4, ==, "{\"c\":3,\"d\":4,\"b\":true}");
  }
}

static void
test_fixture_round_trip (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "auth-pi-written.json", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);

  object = _pi_keyring_auth_json_parse (contents, length, path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_object_get_size (object), ==, 9);

  text = _pi_keyring_json_object_stringify (object, 2);
  g_assert_cmpstr (text, ==, contents);

  /* Compact input is re-formatted the way pi writes it. */
  {
    g_autofree char *compact = _pi_keyring_json_object_stringify (object, 0);
    g_autoptr(JsonObject) again = _pi_keyring_auth_json_parse (compact, -1, "compact", &error);
    g_autofree char *pretty = NULL;

    g_assert_no_error (error);
    g_assert_null (strchr (compact, '\n'));
    pretty = _pi_keyring_json_object_stringify (again, 2);
    g_assert_cmpstr (pretty, ==, contents);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/auth-json/stringify/nested", test_stringify_nested);
  g_test_add_func ("/auth-json/stringify/empty-containers", test_stringify_empty);
  g_test_add_func ("/auth-json/stringify/node", test_stringify_node);
  g_test_add_func ("/auth-json/stringify/escapes", test_stringify_escapes);
  g_test_add_func ("/auth-json/stringify/escaped-keys", test_stringify_escaped_keys);
  g_test_add_func ("/auth-json/stringify/integer-keys-first", test_stringify_integer_keys);
  g_test_add_func ("/auth-json/stringify/numbers", test_stringify_numbers);
  g_test_add_func ("/auth-json/stringify/number-nodes", test_stringify_number_nodes);
  g_test_add_func ("/auth-json/parse/number-types", test_parse_number_types);
  g_test_add_func ("/auth-json/parse/strings", test_parse_strings);
  g_test_add_func ("/auth-json/parse/empty-is-object", test_parse_empty);
  g_test_add_func ("/auth-json/parse/duplicate-keys", test_parse_duplicate_keys);
  g_test_add_func ("/auth-json/parse/errors", test_parse_errors);
  g_test_add_func ("/auth-json/parse/json-glib-disagrees", test_parse_json_glib_disagrees);
  g_test_add_func ("/auth-json/parse/json-glib-values", test_parse_json_glib_values);
  g_test_add_func ("/auth-json/parse/invalid-utf8-as-node", test_parse_invalid_utf8_as_node);
  g_test_add_func ("/auth-json/parse/error-hides-content", test_parse_error_hides_content);
  g_test_add_func ("/auth-json/parse/depth-limit", test_parse_depth);
  g_test_add_func ("/auth-json/object-put", test_object_put);
  g_test_add_func ("/auth-json/fixture-round-trip", test_fixture_round_trip);

  return g_test_run ();
}
