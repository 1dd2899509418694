/* daemon-notify.h: the daemon's desktop notifications, through
 * org.freedesktop.Notifications
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "cli-common.h"

G_BEGIN_DECLS

typedef struct _DaemonNotifier DaemonNotifier;

DaemonNotifier *daemon_notifier_new             (GDBusConnection *bus);
void            daemon_notifier_free            (DaemonNotifier  *self);

/* A refresh of @provider in @profile failed with @error. Whether the user
 * is told: once, when the failure means they must log in again
 * (REAUTHENTICATION_REQUIRED, ACCESS_DENIED), or when it is temporary but
 * the token has expired (@expires_ms, -1 when unknown, is in the past). A
 * locked or unreachable keyring is not the user's login to fix: nothing. */
void            daemon_notifier_refresh_failed  (DaemonNotifier  *self,
                                                 const char      *provider,
                                                 const char      *profile,
                                                 const GError    *error,
                                                 gint64           expires_ms);

/* Whether daemon_notifier_refresh_failed () decides on @error by the
 * token's expiry (a temporary failure); otherwise its @expires_ms is not
 * read. */
gboolean        daemon_notifier_needs_expiry    (const GError    *error);

/* @provider in @profile works again (refreshed, logged in): withdraws the
 * notification, if one was sent. */
void            daemon_notifier_withdraw        (DaemonNotifier  *self,
                                                 const char      *provider,
                                                 const char      *profile);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DaemonNotifier, daemon_notifier_free)

G_END_DECLS
