/* pi-keyring-net.h: the table of libsoup and GnuTLS functions that the library calls through, so that it loads them only when it needs them.
 *
 * `pi-keyring get` and the idle daemon need neither HTTP nor encryption;
 * libsoup and GnuTLS bring 21 shared objects (GSSAPI, Kerberos, nghttp2,
 * SQLite, nettle, GMP, p11-kit…) whose loading was most of a lookup's
 * time and a part of the daemon's memory. So libpi-keyring links neither:
 * the module libpi-keyring-net.so (pi-keyring-net-module.c) does, and
 * hands out this table of the functions the library uses, which
 * core/pi-keyring-net-loader.c loads on first use (the tests and the
 * benchmarks link the module's code in instead).
 *
 * The entries keep the libraries' own names and signatures: a call reads
 * as the library's call does, `net->soup_message_new (…)`. The headers are
 * included for their types and constants only; a macro that refers to a
 * libsoup or GnuTLS symbol (a type check such as SOUP_SESSION (), or
 * SOUP_METHOD_GET) must not be used outside the module, and the link of
 * libpi-keyring (with -Wl,--no-undefined) fails if one is.
 *
 * The lowest layer: it includes nothing of ours.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

G_BEGIN_DECLS

/* Bumped when an entry is added, removed or changed: the loader refuses a
 * module built for another table. */
#define PI_KEYRING_NET_ABI 2

/* The module's one exported function, by name, for g_module_symbol (). */
#define PI_KEYRING_NET_ENTRY_POINT "pi_keyring_net_module_get"

typedef struct _PiKeyringNet PiKeyringNet;

struct _PiKeyringNet
{
  guint abi;    /* PI_KEYRING_NET_ABI */
  gsize size;   /* sizeof (PiKeyringNet) */

  /* --- GnuTLS: randomness and the vault's encryption --- */
  int          (*gnutls_rnd)                 (gnutls_rnd_level_t       level,
                                              void                    *data,
                                              size_t                   length);
  const char * (*gnutls_strerror)            (int                      error);
  int          (*gnutls_pbkdf2)              (gnutls_mac_algorithm_t   mac,
                                              const gnutls_datum_t    *key,
                                              const gnutls_datum_t    *salt,
                                              unsigned                 iter_count,
                                              void                    *output,
                                              size_t                   length);
  int          (*gnutls_aead_cipher_init)    (gnutls_aead_cipher_hd_t *handle,
                                              gnutls_cipher_algorithm_t cipher,
                                              const gnutls_datum_t    *key);
  int          (*gnutls_aead_cipher_encrypt) (gnutls_aead_cipher_hd_t  handle,
                                              const void              *nonce,
                                              size_t                   nonce_length,
                                              const void              *auth,
                                              size_t                   auth_length,
                                              size_t                   tag_size,
                                              const void              *plaintext,
                                              size_t                   plaintext_length,
                                              void                    *ciphertext,
                                              size_t                  *ciphertext_length);
  int          (*gnutls_aead_cipher_decrypt) (gnutls_aead_cipher_hd_t  handle,
                                              const void              *nonce,
                                              size_t                   nonce_length,
                                              const void              *auth,
                                              size_t                   auth_length,
                                              size_t                   tag_size,
                                              const void              *ciphertext,
                                              size_t                   ciphertext_length,
                                              void                    *plaintext,
                                              size_t                  *plaintext_length);
  void         (*gnutls_aead_cipher_deinit)  (gnutls_aead_cipher_hd_t  handle);

  /* --- libsoup: the token-endpoint client --- */
  SoupSession *        (*soup_session_new)                        (void);
  void                 (*soup_session_send_async)                 (SoupSession         *session,
                                                                   SoupMessage         *msg,
                                                                   int                  io_priority,
                                                                   GCancellable        *cancellable,
                                                                   GAsyncReadyCallback  callback,
                                                                   gpointer             user_data);
  GInputStream *       (*soup_session_send_finish)                (SoupSession         *session,
                                                                   GAsyncResult        *result,
                                                                   GError             **error);
  SoupMessage *        (*soup_message_new)                        (const char          *method,
                                                                   const char          *uri_string);
  void                 (*soup_message_add_flags)                  (SoupMessage         *msg,
                                                                   SoupMessageFlags     flags);
  SoupMessageHeaders * (*soup_message_get_request_headers)        (SoupMessage         *msg);
  SoupMessageHeaders * (*soup_message_get_response_headers)       (SoupMessage         *msg);
  SoupStatus           (*soup_message_get_status)                 (SoupMessage         *msg);
  void                 (*soup_message_set_request_body_from_bytes) (SoupMessage        *msg,
                                                                   const char          *content_type,
                                                                   GBytes              *bytes);
  void                 (*soup_message_headers_replace)            (SoupMessageHeaders  *hdrs,
                                                                   const char          *name,
                                                                   const char          *value);
  const char *         (*soup_message_headers_get_one)            (SoupMessageHeaders  *hdrs,
                                                                   const char          *name);
  const char *         (*soup_message_headers_get_content_type)   (SoupMessageHeaders  *hdrs,
                                                                   GHashTable         **params);
  GDateTime *          (*soup_date_time_new_from_http_string)     (const char          *date_string);

  /* --- libsoup: the loopback callback server --- */
  SoupServer *         (*soup_server_new)                         (const char          *optname1,
                                                                   ...);
  gboolean             (*soup_server_listen)                      (SoupServer          *server,
                                                                   GSocketAddress      *address,
                                                                   SoupServerListenOptions options,
                                                                   GError             **error);
  GSList *             (*soup_server_get_uris)                    (SoupServer          *server);
  void                 (*soup_server_add_handler)                 (SoupServer          *server,
                                                                   const char          *path,
                                                                   SoupServerCallback   callback,
                                                                   gpointer             user_data,
                                                                   GDestroyNotify       destroy);
  void                 (*soup_server_remove_handler)              (SoupServer          *server,
                                                                   const char          *path);
  void                 (*soup_server_disconnect)                  (SoupServer          *server);
  const char *         (*soup_server_message_get_method)          (SoupServerMessage   *msg);
  SoupMessageHeaders * (*soup_server_message_get_request_headers) (SoupServerMessage   *msg);
  SoupMessageHeaders * (*soup_server_message_get_response_headers) (SoupServerMessage  *msg);
  void                 (*soup_server_message_set_status)          (SoupServerMessage   *msg,
                                                                   guint                status_code,
                                                                   const char          *reason_phrase);
  void                 (*soup_server_message_set_response)        (SoupServerMessage   *msg,
                                                                   const char          *content_type,
                                                                   SoupMemoryUse        resp_use,
                                                                   const char          *resp_body,
                                                                   gsize                resp_length);
  GSocketAddress *     (*soup_server_message_get_remote_address) (SoupServerMessage   *msg);
  GSocketAddress *     (*soup_server_message_get_local_address)  (SoupServerMessage   *msg);
};

/* The module's entry point (pi-keyring-net-module.c). */
typedef const PiKeyringNet *(*PiKeyringNetEntryPoint) (void);

G_END_DECLS
