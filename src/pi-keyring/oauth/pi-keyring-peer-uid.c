/* pi-keyring-peer-uid.c: who owns the other end of a loopback TCP connection (Linux: /proc/net/tcp and /proc/net/tcp6)
 *
 * The loopback callback server answers only the user's own programs
 * (issue 24, item 6): another local user who learnt the authorize URL
 * must not end a login with a code of her own. Both ends of the
 * connection are on this machine, so the caller's socket is in the
 * kernel's table: the one whose local address:port is the caller's
 * address:port and whose remote address:port is ours. Its uid column is
 * the uid that created the socket.
 *
 * The tables, one line a socket after a header:
 *
 *   sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
 *   0: 0100007F:D0FC 0100007F:D1BC 01 00000000:00000000 00:00000000 00000000 1000 0 12345 …
 *
 * An address is the kernel's 32-bit words printed with %08X: the bytes in
 * network order read as a number in host order (127.0.0.1 is 0100007F on
 * a little-endian machine); IPv6 is four such words. The port is a plain
 * number. A program that reaches 127.0.0.1 through an IPv6 socket is in
 * tcp6 as ::ffff:127.0.0.1, so every address is compared in its IPv6 form.
 *
 * Only a socket a process still holds counts (inode not 0): TIME_WAIT and
 * SYN_RECV entries show uid 0 whoever made them, which would pass for
 * root's own. The parser is a pure function of the text, for the tests.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "oauth/pi-keyring-oauth-private.h"

#include <string.h>

typedef struct
{
  guint8  address[16];  /* IPv6; IPv4 as ::ffff:a.b.c.d */
  guint16 port;
} Endpoint;

/* The columns used, by their index in a line. */
enum
{
  FIELD_LOCAL   = 1,
  FIELD_REMOTE  = 2,
  FIELD_UID     = 7,
  FIELD_INODE   = 9,
  N_FIELDS_USED = 10,
};

static void
map_ipv4 (const guint8 ipv4[4],
          guint8       out[16])
{
  memset (out, 0, 10);
  out[10] = 0xff;
  out[11] = 0xff;
  memcpy (out + 12, ipv4, 4);
}

static gboolean
endpoint_from_socket_address (GInetSocketAddress *socket_address,
                              Endpoint           *out)
{
  GInetAddress *inet = g_inet_socket_address_get_address (socket_address);
  const guint8 *bytes = g_inet_address_to_bytes (inet);

  switch (g_inet_address_get_native_size (inet))
    {
    case 4:
      map_ipv4 (bytes, out->address);
      break;
    case 16:
      memcpy (out->address, bytes, 16);
      break;
    default:
      return FALSE;
    }
  out->port = g_inet_socket_address_get_port (socket_address);

  return TRUE;
}

/* @length hexadecimal digits (at most 8) as a number. */
static gboolean
parse_hex (const char *text,
           gsize       length,
           guint32    *out)
{
  guint32 value = 0;

  if (length == 0 || length > 8)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      int digit = g_ascii_xdigit_value (text[i]);

      if (digit < 0)
        return FALSE;
      value = (value << 4) | (guint32) digit;
    }
  *out = value;

  return TRUE;
}

/* "0100007F:D0FC" or 32 hex digits, a colon and the port. */
static gboolean
parse_endpoint (const char *field,
                gsize       length,
                Endpoint   *out)
{
  const char *colon = memchr (field, ':', length);
  gsize address_length, port_length;
  guint8 words[16];
  guint32 port;

  if (colon == NULL)
    return FALSE;
  address_length = colon - field;
  port_length = length - address_length - 1;
  if (port_length != 4 || !parse_hex (colon + 1, port_length, &port))
    return FALSE;
  if (address_length != 8 && address_length != 32)
    return FALSE;

  for (gsize i = 0; i < address_length / 8; i++)
    {
      guint32 word;

      if (!parse_hex (field + 8 * i, 8, &word))
        return FALSE;
      /* the number in host order is the bytes in network order */
      memcpy (words + 4 * i, &word, 4);
    }

  if (address_length == 8)
    map_ipv4 (words, out->address);
  else
    memcpy (out->address, words, 16);
  out->port = port;

  return TRUE;
}

static gboolean
endpoint_equal (const Endpoint *a,
                const Endpoint *b)
{
  return a->port == b->port && memcmp (a->address, b->address, 16) == 0;
}

static gboolean
parse_decimal (const char *text,
               gsize       length,
               guint64    *out)
{
  guint64 value = 0;

  if (length == 0 || length > 19)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return FALSE;
      value = value * 10 + (guint64) (text[i] - '0');
    }
  *out = value;

  return TRUE;
}

/* Splits the line [@line, @end) at blanks into the first N_FIELDS_USED
 * fields; FALSE when it has fewer. */
static gboolean
split_fields (const char *line,
              const char *end,
              const char *fields[N_FIELDS_USED],
              gsize       lengths[N_FIELDS_USED])
{
  const char *p = line;

  for (guint i = 0; i < N_FIELDS_USED; i++)
    {
      while (p < end && (*p == ' ' || *p == '\t'))
        p++;
      if (p == end)
        return FALSE;
      fields[i] = p;
      while (p < end && *p != ' ' && *p != '\t')
        p++;
      lengths[i] = p - fields[i];
    }

  return TRUE;
}

/* Whether the line [@line, @end) is the socket @caller → @ours held by a
 * process; its uid in @out_uid. */
static gboolean
line_matches (const char     *line,
              const char     *end,
              const Endpoint *caller,
              const Endpoint *ours,
              guint          *out_uid)
{
  const char *fields[N_FIELDS_USED];
  gsize lengths[N_FIELDS_USED];
  Endpoint local, remote;
  guint64 uid, inode;

  if (!split_fields (line, end, fields, lengths))
    return FALSE;
  if (!parse_endpoint (fields[FIELD_LOCAL], lengths[FIELD_LOCAL], &local) ||
      !parse_endpoint (fields[FIELD_REMOTE], lengths[FIELD_REMOTE], &remote))
    return FALSE;
  if (!endpoint_equal (&local, caller) || !endpoint_equal (&remote, ours))
    return FALSE;
  if (!parse_decimal (fields[FIELD_UID], lengths[FIELD_UID], &uid) || uid > G_MAXUINT ||
      !parse_decimal (fields[FIELD_INODE], lengths[FIELD_INODE], &inode) || inode == 0)
    return FALSE;

  *out_uid = (guint) uid;
  return TRUE;
}

gboolean
_pi_keyring_proc_net_tcp_find_uid (const char         *text,
                                   gsize               length,
                                   GInetSocketAddress *caller,
                                   GInetSocketAddress *ours,
                                   guint              *out_uid)
{
  Endpoint caller_endpoint, our_endpoint;
  const char *line, *end;

  g_return_val_if_fail (text != NULL || length == 0, FALSE);
  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (caller), FALSE);
  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (ours), FALSE);
  g_return_val_if_fail (out_uid != NULL, FALSE);

  if (!endpoint_from_socket_address (caller, &caller_endpoint) ||
      !endpoint_from_socket_address (ours, &our_endpoint))
    return FALSE;

  end = text + length;
  for (line = text; line < end; )
    {
      const char *newline = memchr (line, '\n', end - line);
      const char *line_end = newline != NULL ? newline : end;

      if (line_matches (line, line_end, &caller_endpoint, &our_endpoint, out_uid))
        return TRUE;
      line = line_end + 1;
    }

  return FALSE;
}

gboolean
_pi_keyring_loopback_peer_uid (GInetSocketAddress *caller,
                               GInetSocketAddress *ours,
                               guint              *out_uid)
{
  /* A caller through an IPv6 socket may be in tcp6 even for 127.0.0.1. */
  static const char *const tables[] = { "/proc/net/tcp", "/proc/net/tcp6" };

  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (caller), FALSE);
  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (ours), FALSE);
  g_return_val_if_fail (out_uid != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      g_autofree char *text = NULL;
      gsize length = 0;
      g_autoptr(GError) error = NULL;

      if (!g_file_get_contents (tables[i], &text, &length, &error))
        {
          g_debug ("Callback server: cannot read %s: %s", tables[i], error->message);
          continue;
        }
      if (_pi_keyring_proc_net_tcp_find_uid (text, length, caller, ours, out_uid))
        return TRUE;
    }

  return FALSE;
}
