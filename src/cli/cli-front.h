/* cli-front.h: what the pi-keyring executable (pi-keyring-front.c) hands
 * to the command's module (libpi-keyring-cli.so) it loads
 *
 * The executable links GLib only: it answers `pi-keyring get PROVIDER`
 * from a running daemon with one write to the session bus and one wait,
 * and loads the module, with libpi-keyring and everything it links, for
 * everything else. It tells the module what it found out on the way, so
 * that nothing is asked twice.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <sys/resource.h>

#include <glib.h>

G_BEGIN_DECLS

#define CLI_FRONT_ENTRY_POINT "pi_keyring_cli_main"

typedef enum
{
  CLI_FRONT_DAEMON_UNKNOWN,     /* not asked: the command does all itself */
  CLI_FRONT_DAEMON_NOT_ASKED,   /* no daemon that may answer (none runs, another
                                 * user's, another backend, no bus): go alone */
  CLI_FRONT_DAEMON_ERROR,       /* the daemon's GetApiKey answered an error */
  CLI_FRONT_DAEMON_BUS_TIMEOUT, /* the bus did not answer in timeout_ms */
  CLI_FRONT_DAEMON_WRITE_FAILED /* the daemon's key could not be written (write_errno) */
} CliFrontDaemon;

typedef struct
{
  gsize            size;              /* sizeof (CliFront) */
  /* The core-file limit the process started with (cli-harden.c) */
  struct rlimit    core_limit;
  gboolean         have_core_limit;
  /* What the executable found out for `get` */
  CliFrontDaemon   daemon;
  char            *error_name;        /* CLI_FRONT_DAEMON_ERROR: the D-Bus error name */
  char            *error_message;     /* … and its message */
  guint            timeout_ms;        /* CLI_FRONT_DAEMON_BUS_TIMEOUT */
  int              write_errno;       /* CLI_FRONT_DAEMON_WRITE_FAILED */
  /* `auto`: the bus said org.freedesktop.secrets has an owner, so the
   * module's auto backend need not ask again */
  gboolean         secret_service_running;
} CliFront;

typedef int (*CliFrontEntryPoint) (int              argc,
                                   char           **argv,
                                   const CliFront  *front);

/* The module's entry point (pi-keyring-cli.c); the front's record of what
 * it found out for `get` (cmd-get.c reads it). */
int               pi_keyring_cli_main     (int              argc,
                                           char           **argv,
                                           const CliFront  *front);
const CliFront   *cli_get_front           (void);

G_END_DECLS
