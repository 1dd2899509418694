/* cli-front-wire.h: the few D-Bus messages pi-keyring-front.c writes and
 * reads on the bus socket itself (GLib only, no GDBus)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Longest message read: a longer one is not this parser's (the caller
 * then asks the usual way). */
#define CLI_WIRE_MAX_MESSAGE 65536

enum
{
  CLI_WIRE_FIELD_PATH = 1,
  CLI_WIRE_FIELD_INTERFACE = 2,
  CLI_WIRE_FIELD_MEMBER = 3,
  CLI_WIRE_FIELD_ERROR_NAME = 4,
  CLI_WIRE_FIELD_REPLY_SERIAL = 5,
  CLI_WIRE_FIELD_DESTINATION = 6,
  CLI_WIRE_FIELD_SENDER = 7,
  CLI_WIRE_FIELD_SIGNATURE = 8,
};

enum
{
  CLI_WIRE_TYPE_METHOD_CALL = 1,
  CLI_WIRE_TYPE_METHOD_RETURN = 2,
  CLI_WIRE_TYPE_ERROR = 3,
};

#define CLI_WIRE_FLAG_NO_AUTO_START 0x2

typedef struct
{
  const guint8 *data;
  gsize         length;
  gsize         offset;
  gboolean      swap;
  gboolean      ok;
} CliWireReader;

typedef struct
{
  guint8      type;
  guint32     reply_serial;
  const char *error_name;
  const char *sender;
  const char *signature;
  CliWireReader      body;
} CliWireMessage;

void          cli_wire_put_call       (GByteArray    *out,
                                       guint32        serial,
                                       gboolean       no_auto_start,
                                       const char    *destination,
                                       const char    *path,
                                       const char    *interface,
                                       const char    *member,
                                       const char    *signature,
                                       const char    *arg1,
                                       const char    *arg2);
guint32       cli_wire_reader_u32     (CliWireReader *r);
const char   *cli_wire_reader_string  (CliWireReader *r,
                                       gboolean       is_signature);
gssize        cli_wire_parse_message  (const guint8  *data,
                                       gsize          length,
                                       CliWireMessage *message);

G_END_DECLS
