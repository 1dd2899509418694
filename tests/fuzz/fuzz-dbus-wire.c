/* fuzz-dbus-wire.c: the D-Bus messages pi-keyring-front.c reads itself
 *
 * Input: the bytes the bus sends after the authentication: any number of
 * messages, or anything.
 *
 * Properties of cli_wire_parse_message () and the readers:
 * - it says -1 (not a message it knows), 0 (more bytes needed) or the
 *   length of one message, which is at least 16 and within the input;
 * - the header fields it gives (error name, sender, signature) and the
 *   strings read from the body as the executable reads them lie within
 *   that message and end with a NUL there;
 * - cutting the input short never turns a message into another: a prefix
 *   parses as "more bytes needed" or as the same error;
 * - a method call written by cli_wire_put_call () with the input's text
 *   as its arguments parses back whole, with its signature.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "cli-front-wire.h"
#include "fuzz-common.h"

static void
check_within (const char   *value,
              const guint8 *start,
              gsize         length)
{
  if (value == NULL)
    return;
  FUZZ_CHECK ((const guint8 *) value >= start && (const guint8 *) value < start + length);
  FUZZ_CHECK (memchr (value, '\0', length - (gsize) ((const guint8 *) value - start)) != NULL);
}

/* The body's first argument, as take_answer () in pi-keyring-front.c reads it. */
static void
read_body (const CliWireMessage *message,
           const guint8         *start,
           gsize                 length)
{
  CliWireReader body = message->body;

  if (g_str_has_prefix (message->signature, "s"))
    check_within (cli_wire_reader_string (&body, FALSE), start, length);
  else if (g_str_equal (message->signature, "u") || g_str_equal (message->signature, "b"))
    (void) cli_wire_reader_u32 (&body);
  else if (g_str_equal (message->signature, "v"))
    {
      const char *type = cli_wire_reader_string (&body, TRUE);

      check_within (type, start, length);
      if (g_strcmp0 (type, "s") == 0)
        check_within (cli_wire_reader_string (&body, FALSE), start, length);
    }
}

static void
round_trip (const uint8_t *data,
            size_t         size)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autofree char *text = fuzz_strndup (data, MIN (size, 256));
  CliWireMessage message;
  gssize length;

  if (!g_utf8_validate (text, -1, NULL))
    return;
  cli_wire_put_call (out, 7, TRUE, "dev.pi.Keyring1", "/dev/pi/Keyring1", "dev.pi.Keyring1",
                     "GetApiKey", "ss", text, "default");
  length = cli_wire_parse_message (out->data, out->len, &message);
  FUZZ_CHECK (length == (gssize) out->len);
  FUZZ_CHECK (message.type == CLI_WIRE_TYPE_METHOD_CALL);
  FUZZ_CHECK (g_strcmp0 (message.signature, "ss") == 0);
  FUZZ_CHECK (g_strcmp0 (cli_wire_reader_string (&message.body, FALSE), text) == 0);
  FUZZ_CHECK (g_strcmp0 (cli_wire_reader_string (&message.body, FALSE), "default") == 0);
  FUZZ_CHECK (message.body.ok);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  gsize parsed = 0;

  fuzz_init ();

  while (parsed < size)
    {
      /* A copy of exactly the rest, so that a read past it is caught. */
      gsize rest = size - parsed;
      g_autofree guint8 *copy = g_memdup2 (data + parsed, rest);
      CliWireMessage message;
      gssize length = cli_wire_parse_message (copy, rest, &message);

      if (length <= 0)
        break;
      FUZZ_CHECK (length >= 16 && (gsize) length <= rest);
      check_within (message.error_name, copy, (gsize) length);
      check_within (message.sender, copy, (gsize) length);
      /* Without a signature field it is "" (no argument), not in the message. */
      if (*message.signature != '\0')
        check_within (message.signature, copy, (gsize) length);
      read_body (&message, copy, (gsize) length);

      /* One byte short: more is needed. */
      {
        CliWireMessage shorter;
        gssize again = cli_wire_parse_message (copy, (gsize) length - 1, &shorter);

        FUZZ_CHECK (again == 0);
      }
      parsed += (gsize) length;
    }

  round_trip (data, size);

  return 0;
}
