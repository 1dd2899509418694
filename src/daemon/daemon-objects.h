/* daemon-objects.h: the daemon's org.freedesktop.DBus.ObjectManager, one
 * dev.pi.Keyring1.Credential object per stored credential
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "cli-common.h"

G_BEGIN_DECLS

typedef enum
{
  DAEMON_OBJECT_GET_ACCESS_TOKEN,
  DAEMON_OBJECT_ENSURE_CREDENTIALS,
  DAEMON_OBJECT_REFRESH,
} DaemonObjectMethod;

/* A method call on a credential's object; @invocation is borrowed, the
 * handler answers it. */
typedef void (*DaemonObjectsCallFunc)    (GDBusMethodInvocation *invocation,
                                          DaemonObjectMethod     method,
                                          const char            *provider,
                                          const char            *profile,
                                          gpointer               user_data);

/* A credential was added, changed or removed (@credential NULL) in the
 * backend, by anyone: called after the objects were updated. */
typedef void (*DaemonObjectsChangedFunc) (const char            *provider,
                                          const char            *profile,
                                          PiKeyringCredential   *credential,
                                          gpointer               user_data);

typedef struct _DaemonObjects DaemonObjects;

/* Exports the manager at @manager_path on @bus and watches @backend (the
 * keyring's item signals, or the backend's file); the first scan starts
 * at once. */
DaemonObjects *daemon_objects_new            (GDBusConnection          *bus,
                                              const char               *manager_path,
                                              PiKeyringBackend         *backend,
                                              DaemonObjectsCallFunc     call,
                                              DaemonObjectsChangedFunc  changed,
                                              gpointer                  user_data);
void           daemon_objects_free           (DaemonObjects            *self);

/* Something may have changed: scans the backend again shortly. */
void           daemon_objects_rescan         (DaemonObjects            *self);

/* A refresh of @provider in @profile failed with @error_name
 * (dev.pi.Keyring1.Error.…): the object needs attention until its
 * credential changes. */
void           daemon_objects_refresh_failed (DaemonObjects            *self,
                                              const char               *provider,
                                              const char               *profile,
                                              const char               *error_name,
                                              const char               *message);

/* What the object of @provider in @profile says of its attention: FALSE
 * when none is needed; the strings are borrowed. */
gboolean       daemon_objects_get_attention  (DaemonObjects            *self,
                                              const char               *provider,
                                              const char               *profile,
                                              const char              **out_reason,
                                              const char              **out_message,
                                              gint64                   *out_retry_at);

G_END_DECLS
