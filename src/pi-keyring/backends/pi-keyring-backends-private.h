/* pi-keyring-backends-private.h: what the backends share with the store and the tests: the file backend's loader and the encrypted-file backend's vault.
 *
 * Nothing here is exported; the layers above and the tests reach it
 * through the static library.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "core/pi-keyring-core-private.h"
#include "pi-keyring-backend.h"
#include "pi-keyring-memory-backend.h"
#include "pi-keyring-file-backend.h"
#include "pi-keyring-encrypted-file-backend.h"
#include "pi-keyring-secret-service-backend.h"

G_BEGIN_DECLS

/* --- pi-keyring-backend.c --- */

/* A backend whose every call fails with a copy of @error: the store's,
 * when `auto` cannot choose one. Its name is `auto`. */
PiKeyringBackend *_pi_keyring_unavailable_backend_new (const GError *error);

/* --- pi-keyring-file-backend.c --- */

/* auth.json as the file backend reads it (at most 64 MiB, wiped after
 * parsing): a missing file is an empty document; one that does not parse,
 * or is too large, is PI_KEYRING_ERROR_PARSE. */
JsonObject   *_pi_keyring_file_backend_load_document (const char  *path,
                                                      GError     **error);

/* --- pi-keyring-vault.c: the encrypted-file backend's vault (format at its top) --- */

#define PI_KEYRING_VAULT_SALT_SIZE          16
#define PI_KEYRING_VAULT_NONCE_SIZE         12
#define PI_KEYRING_VAULT_KEY_SIZE           32
#define PI_KEYRING_VAULT_TAG_SIZE           16
#define PI_KEYRING_VAULT_MIN_ITERATIONS     600000
#define PI_KEYRING_VAULT_MAX_ITERATIONS     10000000
#define PI_KEYRING_VAULT_MAX_SIZE           (16 * 1024 * 1024)

typedef struct
{
  guint   iterations;
  guint8  salt[PI_KEYRING_VAULT_SALT_SIZE];
  guint8  nonce[PI_KEYRING_VAULT_NONCE_SIZE];
  /* The AES-256-GCM ciphertext with the 16-byte tag appended. */
  guint8 *ciphertext;
  gsize   ciphertext_length;
} PiKeyringVaultEnvelope;

/* A derived key with the salt and iteration count it was derived for, on
 * a locked page that is wiped when freed. */
typedef struct _PiKeyringVaultKey PiKeyringVaultKey;

PiKeyringVaultKey *_pi_keyring_vault_key_new        (void);
PiKeyringVaultKey *_pi_keyring_vault_key_copy       (const PiKeyringVaultKey      *key);
void          _pi_keyring_vault_key_free            (PiKeyringVaultKey            *key);
gboolean      _pi_keyring_vault_key_fits            (const PiKeyringVaultKey      *key,
                                                     const PiKeyringVaultEnvelope *envelope);
PiKeyringVaultKey *_pi_keyring_vault_derive_key     (const char                   *passphrase,
                                                     const guint8                 *salt,
                                                     guint                         iterations,
                                                     GError                      **error);
gboolean      _pi_keyring_vault_envelope_parse      (const char                   *data,
                                                     gsize                         length,
                                                     const char                   *display_name,
                                                     guint                         min_iterations,
                                                     PiKeyringVaultEnvelope       *out_envelope,
                                                     GError                      **error);
void          _pi_keyring_vault_envelope_clear      (PiKeyringVaultEnvelope       *envelope);
/* The associated data: the envelope less "ciphertext", compact, in order. */
char         *_pi_keyring_vault_envelope_header     (const PiKeyringVaultEnvelope *envelope);
char         *_pi_keyring_vault_envelope_open       (const PiKeyringVaultEnvelope *envelope,
                                                     const PiKeyringVaultKey      *key,
                                                     const char                   *display_name,
                                                     gsize                        *out_length,
                                                     GError                      **error);
char         *_pi_keyring_vault_seal                (const char                   *plaintext,
                                                     gsize                         length,
                                                     const char                   *passphrase,
                                                     guint                         iterations,
                                                     PiKeyringVaultKey           **out_key,
                                                     gsize                        *out_length,
                                                     GError                      **error);
JsonObject   *_pi_keyring_vault_plaintext_parse     (const char                   *data,
                                                     gsize                         length,
                                                     const char                   *display_name,
                                                     GError                      **error);
JsonObject   *_pi_keyring_vault_plaintext_new       (void);
void          _pi_keyring_vault_document_free       (JsonObject                   *doc);
JsonObject   *_pi_keyring_vault_decrypt             (const char                   *data,
                                                     gsize                         length,
                                                     const char                   *display_name,
                                                     const char                   *passphrase,
                                                     guint                         min_iterations,
                                                     const PiKeyringVaultKey      *cached,
                                                     PiKeyringVaultKey           **out_key,
                                                     GError                      **error);
char         *_pi_keyring_vault_encrypt             (JsonObject                   *doc,
                                                     const char                   *passphrase,
                                                     guint                         iterations,
                                                     PiKeyringVaultKey           **out_key,
                                                     gsize                        *out_length,
                                                     GError                      **error);
gboolean      _pi_keyring_vault_read_file           (const char                   *path,
                                                     char                        **out_data,
                                                     gsize                        *out_length,
                                                     gboolean                     *out_missing,
                                                     GError                      **error);

/* --- pi-keyring-vault-passphrase.c --- */

/* The passphrase in the file at @path (a regular file or a pipe, private to
 * the user, at most 64 KiB, one trailing newline dropped, not empty, no NUL
 * byte): a secret, or NULL with an error naming @path. */
char         *_pi_keyring_vault_read_passphrase_file (const char  *path,
                                                      GError     **error);

/* --- pi-keyring-encrypted-file-backend.c --- */

/* For tests: the PBKDF2 iteration count used on write, and accepted down
 * to on read (instead of 600000); 0 restores the real count. */
void          _pi_keyring_encrypted_file_backend_set_iterations (PiKeyringEncryptedFileBackend *self,
                                                                 guint                          iterations);

/* --- pi-keyring-secret-service-backend.c --- */

/* TRUE when GDBus can reach a session bus without autolaunching one (an
 * explicit DBUS_SESSION_BUS_ADDRESS without "autolaunch:", or the socket
 * $XDG_RUNTIME_DIR/bus); else FALSE with @error saying why. */
gboolean      _pi_keyring_session_bus_reachable      (GError     **error);

typedef enum
{
  PI_KEYRING_SECRET_SERVICE_AVAILABLE,  /* owned or activatable */
  PI_KEYRING_SECRET_SERVICE_ABSENT,     /* no bus, or none on it; @error says why, if known */
  PI_KEYRING_SECRET_SERVICE_NO_ANSWER,  /* the session bus did not answer in time; @error set */
} PiKeyringSecretServiceProbe;

/* What pi_keyring_secret_service_backend_is_available () finds out, with
 * the case of a bus that does not answer told apart from one without a
 * Secret Service. Blocks for PI_KEYRING_TIMEOUT at most. */
PiKeyringSecretServiceProbe _pi_keyring_secret_service_probe (GCancellable  *cancellable,
                                                              GError       **error);

/* --- pi-keyring-secret-service-marker.c: the Secret Service was used --- */

/* $XDG_STATE_HOME/pi-keyring/secret-service-used: non-secret, 0600. */
char         *_pi_keyring_secret_service_marker_path   (void);
gboolean      _pi_keyring_secret_service_marker_exists (void);
/* Writes the marker unless it exists; failures are only logged. */
void          _pi_keyring_secret_service_remember_use  (void);

G_END_DECLS
