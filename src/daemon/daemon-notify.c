/* daemon-notify.c: the daemon tells the user, with a desktop notification, when
 * a credential needs a new login
 *
 * The notifications go to org.freedesktop.Notifications (the Desktop
 * Notifications Specification) directly: the daemon is not a GApplication
 * and has no desktop file for GNotification to name. One notification per
 * credential and failure: while one is out (shown, or dismissed by the
 * user) the same credential does not notify again; a later success closes
 * it. A missing notification server is said once in the log and changes
 * nothing else.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "daemon-notify.h"

#define NOTIFICATIONS_NAME  "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH  "/org/freedesktop/Notifications"
#define NOTIFY_TIMEOUT_MS   5000

struct _DaemonNotifier
{
  GDBusConnection *bus;
  /* "provider\nprofile" → Sent, for each credential told about */
  GHashTable      *sent;
  gboolean         said_unavailable;
  GCancellable    *cancellable;
};

typedef struct
{
  guint32  id;          /* the server's id, 0 while Notify is on its way */
  gboolean withdrawn;   /* success came before the server's answer */
} Sent;

typedef struct
{
  DaemonNotifier *notifier;
  char        *key;
} NotifyCall;

static char *
make_key (const char *provider,
          const char *profile)
{
  return g_strconcat (provider, "\n", profile, NULL);
}

static void
close_notification (DaemonNotifier *self,
                    guint32      id)
{
  g_debug ("Closing notification %u", id);
  g_dbus_connection_call (self->bus, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                          NOTIFICATIONS_NAME, "CloseNotification",
                          g_variant_new ("(u)", id), NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START,
                          NOTIFY_TIMEOUT_MS, NULL, NULL, NULL);
}

static void
on_notified (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  NotifyCall *call = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  DaemonNotifier *self;
  Sent *sent;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    goto out;

  self = call->notifier;
  sent = g_hash_table_lookup (self->sent, call->key);
  if (reply == NULL)
    {
      if (!self->said_unavailable)
        {
          g_dbus_error_strip_remote_error (error);
          g_printerr (_("%s: No desktop notification could be shown (%s): %s\n"),
                      g_get_prgname (), NOTIFICATIONS_NAME, error->message);
          self->said_unavailable = TRUE;
        }
      /* Told in the log instead; a later failure tries again. */
      if (sent != NULL && sent->id == 0)
        g_hash_table_remove (self->sent, call->key);
      goto out;
    }

  self->said_unavailable = FALSE;
  if (sent == NULL)
    goto out;
  g_variant_get (reply, "(u)", &sent->id);
  g_debug ("Notification %u shown", sent->id);
  if (sent->withdrawn)
    {
      close_notification (self, sent->id);
      g_hash_table_remove (self->sent, call->key);
    }

out:
  g_free (call->key);
  g_free (call);
}

typedef enum
{
  NOTIFY_NEVER,
  NOTIFY_NOW,
  NOTIFY_IF_EXPIRED,
} NotifyWhen;

static NotifyWhen
notify_when (const GError *error)
{
  if (error == NULL)
    return NOTIFY_NEVER;

  if (g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_REAUTHENTICATION_REQUIRED) ||
      g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_ACCESS_DENIED))
    return NOTIFY_NOW;

  /* The keyring, not the login: unlocking it is the fix, and the unlock
   * prompt of the desktop says so. */
  if (g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_LOCKED) ||
      g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_UNAVAILABLE) ||
      g_error_matches (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_NOT_FOUND) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return NOTIFY_NEVER;

  /* Rate limits, the network, a provider's bad day: retried; the user
   * hears of it once the token no longer works. */
  return NOTIFY_IF_EXPIRED;
}

gboolean
daemon_notifier_needs_expiry (const GError *error)
{
  return notify_when (error) == NOTIFY_IF_EXPIRED;
}

static gboolean
must_notify (const GError *error,
             gint64        expires_ms)
{
  switch (notify_when (error))
    {
    case NOTIFY_NOW:
      return TRUE;
    case NOTIFY_IF_EXPIRED:
      return expires_ms >= 0 && expires_ms <= g_get_real_time () / 1000;
    case NOTIFY_NEVER:
    default:
      return FALSE;
    }
}

void
daemon_notifier_refresh_failed (DaemonNotifier *self,
                                const char     *provider,
                                const char     *profile,
                                const GError   *error,
                                gint64          expires_ms)
{
  g_autofree char *key = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *body = NULL;
  g_autofree char *command = NULL;
  PiKeyringProvider *info;
  const char *name = provider;
  GVariantBuilder hints;
  NotifyCall *call;

  g_return_if_fail (self != NULL);
  g_return_if_fail (provider != NULL && profile != NULL);

  if (!must_notify (error, expires_ms))
    return;

  key = make_key (provider, profile);
  if (g_hash_table_contains (self->sent, key))
    {
      g_debug ("Already told about %s (%s)", provider, profile);
      return;
    }

  info = pi_keyring_lookup_provider (provider);
  if (info != NULL)
    name = pi_keyring_provider_get_display_name (info);

  if (g_str_equal (profile, PI_KEYRING_DEFAULT_PROFILE))
    command = g_strdup_printf ("pi-keyring login %s", provider);
  else
    command = g_strdup_printf ("pi-keyring --profile=%s login %s", profile, provider);

  /* Translators: the title of a desktop notification; %s is a provider
   * such as "Anthropic (Claude Pro/Max)". */
  summary = g_strdup_printf (_("Log in to %s again"), name);
  /* Translators: %s is a command line such as "pi-keyring login anthropic". */
  body = g_strdup_printf (_("pi-keyring can no longer refresh this login. Run “%s” in a terminal."),
                          command);

  g_variant_builder_init (&hints, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&hints, "{sv}", "urgency", g_variant_new_byte (1));
  g_variant_builder_add (&hints, "{sv}", "category", g_variant_new_string ("network.error"));

  g_hash_table_insert (self->sent, g_strdup (key), g_new0 (Sent, 1));
  g_debug ("Notifying: %s", summary);

  call = g_new0 (NotifyCall, 1);
  call->notifier = self;
  call->key = g_steal_pointer (&key);
  /* A notification server may be activatable: no NO_AUTO_START. */
  g_dbus_connection_call (self->bus, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                          NOTIFICATIONS_NAME, "Notify",
                          g_variant_new ("(susssasa{sv}i)", "pi-keyring", (guint32) 0,
                                         "dialog-password", summary, body, NULL, &hints,
                                         (gint32) 0),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, NOTIFY_TIMEOUT_MS,
                          self->cancellable, on_notified, call);
}

void
daemon_notifier_withdraw (DaemonNotifier *self,
                          const char     *provider,
                          const char     *profile)
{
  g_autofree char *key = NULL;
  Sent *sent;

  g_return_if_fail (self != NULL);

  key = make_key (provider, profile);
  sent = g_hash_table_lookup (self->sent, key);
  if (sent == NULL)
    return;

  if (sent->id == 0)
    {
      /* Closed as soon as the server has answered. */
      sent->withdrawn = TRUE;
      return;
    }

  close_notification (self, sent->id);
  g_hash_table_remove (self->sent, key);
}

DaemonNotifier *
daemon_notifier_new (GDBusConnection *bus)
{
  DaemonNotifier *self = g_new0 (DaemonNotifier, 1);

  self->bus = g_object_ref (bus);
  self->sent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->cancellable = g_cancellable_new ();

  return self;
}

void
daemon_notifier_free (DaemonNotifier *self)
{
  if (self == NULL)
    return;

  /* Calls still on their way end with G_IO_ERROR_CANCELLED, in a later
   * iteration: they must not look at the notifier. */
  g_cancellable_cancel (self->cancellable);
  g_object_unref (self->cancellable);
  g_hash_table_unref (self->sent);
  g_object_unref (self->bus);
  g_free (self);
}
