/* daemon-private.h: what the files of the pi-keyring daemon share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "cli-common.h"
#include "daemon-dbus-generated.h"
#include "daemon-notify.h"
#include "daemon-objects.h"

G_BEGIN_DECLS

typedef struct
{
  GMainLoop          *loop;
  int                 status;

  PiKeyringBackend   *backend;
  const char         *profile;     /* the default profile: --profile, else "default" */
  GHashTable         *stores;      /* profile → PiKeyringStore, with auto-refresh */

  GDBusConnection    *bus;
  DaemonDBusKeyring1 *skeleton;
  DaemonNotifier     *notifier;
  DaemonObjects      *objects;     /* the credential objects; NULL without a bus */
  guint               owner_id;
  gboolean            name_acquired;
  gboolean            name_replaced;
} Daemon;

/* pi-keyring-daemon.c: the store of @profile ("" or NULL: the daemon's
 * own), made on first use, with auto-refresh. */
PiKeyringStore *daemon_get_store            (Daemon                *daemon,
                                             const char            *profile);

/* daemon-requests.c */
/* The D-Bus error name @error crosses the bus as (dev.pi.Keyring1.Error.…). */
char           *daemon_error_name_for       (const GError          *error);
/* Answers dev.pi.Keyring1's method calls on daemon->skeleton. */
void            daemon_requests_connect     (Daemon                *daemon);
/* Answers a Credential object's method call (a DaemonObjectsCallFunc). */
void            daemon_requests_object_call (GDBusMethodInvocation *invocation,
                                             DaemonObjectMethod     method,
                                             const char            *provider,
                                             const char            *profile,
                                             gpointer               user_data);

G_END_DECLS
