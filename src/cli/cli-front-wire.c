/* cli-front-wire.c: the D-Bus messages of pi-keyring-front.c: method calls
 * whose arguments are strings, and the replies' header fields and first
 * argument, read with every length checked (tests/fuzz/fuzz-dbus-wire.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "cli-front-wire.h"

static void
pad (GByteArray *out,
     guint       alignment)
{
  static const guint8 zeros[8] = { 0 };

  if (out->len % alignment != 0)
    g_byte_array_append (out, zeros, alignment - out->len % alignment);
}

static void
put_u32 (GByteArray *out,
         guint32     value)
{
  pad (out, 4);
  g_byte_array_append (out, (const guint8 *) &value, 4);
}

static void
put_string (GByteArray *out,
            const char *value)
{
  put_u32 (out, (guint32) strlen (value));
  g_byte_array_append (out, (const guint8 *) value, (guint) strlen (value) + 1);
}

static void
put_signature (GByteArray *out,
               const char *value)
{
  guint8 length = (guint8) strlen (value);

  g_byte_array_append (out, &length, 1);
  g_byte_array_append (out, (const guint8 *) value, length + 1u);
}

static void
put_field (GByteArray *out,
           guint8      code,
           const char *type,
           const char *value)
{
  pad (out, 8);
  g_byte_array_append (out, &code, 1);
  put_signature (out, type);
  if (g_str_equal (type, "g"))
    put_signature (out, value);
  else
    put_string (out, value);
}

/* Appends a method call whose arguments are all strings (@signature "",
 * "s" or "ss", given as @arg1 and @arg2), in this machine's byte order. */
void
cli_wire_put_call (GByteArray *out,
                   guint32     serial,
                   gboolean    no_auto_start,
                   const char *destination,
                   const char *path,
                   const char *interface,
                   const char *member,
                   const char *signature,
                   const char *arg1,
                   const char *arg2)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autoptr(GByteArray) fields = g_byte_array_new ();
  g_autoptr(GByteArray) message = g_byte_array_new ();
  guint8 fixed[4] = { G_BYTE_ORDER == G_LITTLE_ENDIAN ? 'l' : 'B', CLI_WIRE_TYPE_METHOD_CALL,
                      no_auto_start ? CLI_WIRE_FLAG_NO_AUTO_START : 0, 1 };
  guint32 length;

  if (arg1 != NULL)
    put_string (body, arg1);
  if (arg2 != NULL)
    put_string (body, arg2);

  /* The fields as they are laid out after the 16 fixed bytes: their
   * alignment is that of the whole message, which starts aligned. */
  g_byte_array_set_size (fields, 16);
  put_field (fields, CLI_WIRE_FIELD_PATH, "o", path);
  put_field (fields, CLI_WIRE_FIELD_INTERFACE, "s", interface);
  put_field (fields, CLI_WIRE_FIELD_MEMBER, "s", member);
  put_field (fields, CLI_WIRE_FIELD_DESTINATION, "s", destination);
  if (*signature != '\0')
    put_field (fields, CLI_WIRE_FIELD_SIGNATURE, "g", signature);

  /* Alignment is counted from the start of each message, and messages
   * follow each other without padding. */
  g_byte_array_append (message, fixed, 4);
  length = body->len;
  g_byte_array_append (message, (const guint8 *) &length, 4);
  g_byte_array_append (message, (const guint8 *) &serial, 4);
  length = fields->len - 16;
  g_byte_array_append (message, (const guint8 *) &length, 4);
  g_byte_array_append (message, fields->data + 16, fields->len - 16);
  pad (message, 8);
  g_byte_array_append (message, body->data, body->len);
  g_byte_array_append (out, message->data, message->len);
}


static void
cli_wire_reader_align (CliWireReader *r,
                       gsize          alignment)
{
  gsize aligned = (r->offset + alignment - 1) / alignment * alignment;

  if (aligned > r->length)
    r->ok = FALSE;
  else
    r->offset = aligned;
}

guint32
cli_wire_reader_u32 (CliWireReader *r)
{
  guint32 value = 0;

  cli_wire_reader_align (r, 4);
  if (!r->ok || r->length - r->offset < 4)
    {
      r->ok = FALSE;
      return 0;
    }
  memcpy (&value, r->data + r->offset, 4);
  r->offset += 4;

  return r->swap ? GUINT32_SWAP_LE_BE (value) : value;
}

/* A string (s, o) or, with @is_signature, a signature (g): a pointer into
 * the message, nul-terminated as D-Bus guarantees (checked). */
const char *
cli_wire_reader_string (CliWireReader *r,
                        gboolean       is_signature)
{
  gsize length;
  const char *value;

  if (is_signature)
    {
      if (!r->ok || r->offset >= r->length)
        {
          r->ok = FALSE;
          return NULL;
        }
      length = r->data[r->offset++];
    }
  else
    length = cli_wire_reader_u32 (r);

  if (!r->ok || r->length - r->offset < length + 1 || r->data[r->offset + length] != '\0' ||
      memchr (r->data + r->offset, '\0', length) != NULL)
    {
      r->ok = FALSE;
      return NULL;
    }
  value = (const char *) r->data + r->offset;
  r->offset += length + 1;

  return value;
}


/* Parses the message at the start of @data: its length, 0 when more
 * bytes are needed, -1 when it is not one this parser knows. */
gssize
cli_wire_parse_message (const guint8   *data,
                        gsize           length,
                        CliWireMessage *message)
{
  CliWireReader r = { data, length, 12, FALSE, TRUE };
  guint32 body_length, fields_length;
  gsize fields_end, total;

  if (length < 16)
    return 0;
  if (data[0] != 'l' && data[0] != 'B')
    return -1;
  r.swap = (data[0] == 'l') != (G_BYTE_ORDER == G_LITTLE_ENDIAN);
  r.offset = 4;
  body_length = cli_wire_reader_u32 (&r);
  r.offset = 12;
  fields_length = cli_wire_reader_u32 (&r);
  if (body_length > CLI_WIRE_MAX_MESSAGE || fields_length > CLI_WIRE_MAX_MESSAGE)
    return -1;
  fields_end = 16 + fields_length;
  total = (fields_end + 7) / 8 * 8 + body_length;
  if (length < total)
    return 0;

  memset (message, 0, sizeof *message);
  message->type = data[1];
  message->signature = "";
  r.length = fields_end;
  while (r.ok && r.offset < fields_end)
    {
      guint8 code;
      const char *type;

      cli_wire_reader_align (&r, 8);
      if (!r.ok || r.offset >= fields_end)
        break;
      code = data[r.offset++];
      type = cli_wire_reader_string (&r, TRUE);
      if (type == NULL)
        return -1;
      if (g_str_equal (type, "u"))
        {
          guint32 value = cli_wire_reader_u32 (&r);

          if (code == CLI_WIRE_FIELD_REPLY_SERIAL)
            message->reply_serial = value;
        }
      else if (g_str_equal (type, "s") || g_str_equal (type, "o") || g_str_equal (type, "g"))
        {
          const char *value = cli_wire_reader_string (&r, g_str_equal (type, "g"));

          if (code == CLI_WIRE_FIELD_ERROR_NAME)
            message->error_name = value;
          else if (code == CLI_WIRE_FIELD_SENDER)
            message->sender = value;
          else if (code == CLI_WIRE_FIELD_SIGNATURE)
            message->signature = value;
        }
      else
        return -1;
    }
  if (!r.ok)
    return -1;

  message->body = (CliWireReader) { data + (fields_end + 7) / 8 * 8, body_length, 0, r.swap, TRUE };
  return (gssize) total;
}

