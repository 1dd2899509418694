/* pi-keyring-secret-service-private.h: what the Secret Service backend's two files share: the item schema, labels, error mapping and the bulk read.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "pi-keyring-backends-private.h"

#include <libsecret/secret.h>

G_BEGIN_DECLS

/* --- pi-keyring-secret-service-items.c --- */

/* The schema of pi-keyring's items: provider, profile, kind, created. */
const SecretSchema *_pi_keyring_secret_service_schema     (void);

/* "api_key", "oauth" or "other" */
const char         *_pi_keyring_secret_service_kind_string (PiKeyringCredentialKind kind);

/* The item label: "pi-keyring: Anthropic" or "pi-keyring: Anthropic (work)". */
char               *_pi_keyring_secret_service_make_label (const char *provider,
                                                           const char *profile);

/* The "created" attribute's value (microseconds since the epoch), or
 * G_MAXINT64 when @value is NULL or malformed. */
gint64              _pi_keyring_secret_service_parse_created (const char *value);

/* Parses an item's secret into a credential; NULL when it is not one. */
PiKeyringCredential *_pi_keyring_secret_service_credential_from_value (SecretValue *value,
                                                                       const char  *provider,
                                                                       const char  *profile);

GError             *_pi_keyring_secret_service_timeout_error (guint timeout_ms);
/* The same when the session bus itself did not answer: a stopped
 * dbus-daemon, or a socket that accepts and never speaks. */
GError             *_pi_keyring_session_bus_timeout_error (guint timeout_ms);

/* Errors that mean libsecret's cached SecretService (or its session)
 * belongs to a keyring daemon that has gone away. */
gboolean            _pi_keyring_secret_service_error_is_stale (const GError *error);

/* PI_KEYRING_ERROR_LOCKED for an item the service keeps locked while its
 * collection is not (KeePassXC with ConfirmAccessItem): the message says
 * to run `pi-keyring unlock`. @provider may be NULL. */
GError             *_pi_keyring_secret_service_item_locked_error (const char *provider);
/* PI_KEYRING_ERROR_UNAVAILABLE: no collection behind the alias "default". */
GError             *_pi_keyring_secret_service_no_default_collection_error (void);
/* PI_KEYRING_ERROR_LOCKED: the default collection is locked. */
GError             *_pi_keyring_secret_service_collection_locked_error (void);

/* Errors that a new session (a new key exchange) may not have: KWallet's
 * key exchange fails now and then. */
gboolean            _pi_keyring_secret_service_error_is_session_fault (const GError *error);

/* Takes @error; returns the error to report: ours, keeping the message
 * (never a D-Bus error's empty text). */
GError             *_pi_keyring_secret_service_map_error (GError *error);

/* Reads every pi-keyring item of the default collection (of @profile, or
 * all when NULL) in a fixed number of D-Bus round trips: ReadAlias, the
 * collection's Locked, one SearchItems, one GetSecrets, and the items'
 * Attributes properties pipelined beside it; no proxy for the collection
 * (whose Items property lists every item) or the items. The default
 * collection missing is PI_KEYRING_ERROR_UNAVAILABLE, locked
 * PI_KEYRING_ERROR_LOCKED.
 * The result is a GPtrArray of credentials, oldest first; an item whose
 * secret is missing from GetSecrets' answer is G_IO_ERROR_INVALID_DATA (a
 * session fault: see _pi_keyring_secret_service_error_is_session_fault ()),
 * a service that refuses it for a locked item SECRET_ERROR_IS_LOCKED. Other errors
 * are libsecret's and GDBus's, unmapped. */
void                _pi_keyring_secret_service_read_all_async  (SecretService       *service,
                                                                const char          *profile,
                                                                GCancellable        *cancellable,
                                                                GAsyncReadyCallback  callback,
                                                                gpointer             user_data);
GPtrArray          *_pi_keyring_secret_service_read_all_finish (GAsyncResult        *result,
                                                                GError             **error);
/* For tests: how many items' attributes were asked for (the ones kept
 * from an earlier read are not). */
guint               _pi_keyring_secret_service_get_attribute_reads (void);

/* Reads the credential of @provider in @profile from the default collection
 * in three calls (ReadAlias, SearchItems, GetSecrets), with no proxy for the
 * collection or the item. Returns the credential, or NULL with no error when
 * none is stored. The error is PI_KEYRING_ERROR_LOCKED for a locked item
 * or collection, PI_KEYRING_ERROR_UNAVAILABLE without a default collection,
 * PI_KEYRING_ERROR_PARSE for an item that holds no credential, and
 * G_IO_ERROR_EXISTS when several items match: the caller then picks the
 * newest through libsecret. Others are libsecret's and GDBus's, unmapped. */
void                 _pi_keyring_secret_service_read_one_async  (SecretService       *service,
                                                                 const char          *provider,
                                                                 const char          *profile,
                                                                 GCancellable        *cancellable,
                                                                 GAsyncReadyCallback  callback,
                                                                 gpointer             user_data);
PiKeyringCredential *_pi_keyring_secret_service_read_one_finish (GAsyncResult        *result,
                                                                 GError             **error);

G_END_DECLS
