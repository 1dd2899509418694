/* pi-keyring-net-module.c: the module libpi-keyring-net.so, which links libsoup and GnuTLS and hands the library its table of their functions.
 *
 * See pi-keyring-net.h for why. Nothing else lives here: every line of
 * behaviour stays in the library, where it is tested either way.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gmodule.h>

#include "net/pi-keyring-net.h"

static const PiKeyringNet net = {
  .abi = PI_KEYRING_NET_ABI,
  .size = sizeof (PiKeyringNet),
  .gnutls_rnd = gnutls_rnd,
  .gnutls_strerror = gnutls_strerror,
  .gnutls_pbkdf2 = gnutls_pbkdf2,
  .gnutls_aead_cipher_init = gnutls_aead_cipher_init,
  .gnutls_aead_cipher_encrypt = gnutls_aead_cipher_encrypt,
  .gnutls_aead_cipher_decrypt = gnutls_aead_cipher_decrypt,
  .gnutls_aead_cipher_deinit = gnutls_aead_cipher_deinit,
  .soup_session_new = soup_session_new,
  .soup_session_send_async = soup_session_send_async,
  .soup_session_send_finish = soup_session_send_finish,
  .soup_message_new = soup_message_new,
  .soup_message_add_flags = soup_message_add_flags,
  .soup_message_get_request_headers = soup_message_get_request_headers,
  .soup_message_get_response_headers = soup_message_get_response_headers,
  .soup_message_get_status = soup_message_get_status,
  .soup_message_set_request_body_from_bytes = soup_message_set_request_body_from_bytes,
  .soup_message_headers_replace = soup_message_headers_replace,
  .soup_message_headers_get_one = soup_message_headers_get_one,
  .soup_message_headers_get_content_type = soup_message_headers_get_content_type,
  .soup_date_time_new_from_http_string = soup_date_time_new_from_http_string,
  .soup_server_new = soup_server_new,
  .soup_server_listen = soup_server_listen,
  .soup_server_get_uris = soup_server_get_uris,
  .soup_server_add_handler = soup_server_add_handler,
  .soup_server_remove_handler = soup_server_remove_handler,
  .soup_server_disconnect = soup_server_disconnect,
  .soup_server_message_get_method = soup_server_message_get_method,
  .soup_server_message_get_request_headers = soup_server_message_get_request_headers,
  .soup_server_message_get_response_headers = soup_server_message_get_response_headers,
  .soup_server_message_set_status = soup_server_message_set_status,
  .soup_server_message_set_response = soup_server_message_set_response,
  .soup_server_message_get_remote_address = soup_server_message_get_remote_address,
  .soup_server_message_get_local_address = soup_server_message_get_local_address,
};

/* Exported from the module (and, in the tests' static link, found by the
 * loader's weak reference). */
G_MODULE_EXPORT const PiKeyringNet *pi_keyring_net_module_get (void);

const PiKeyringNet *
pi_keyring_net_module_get (void)
{
  return &net;
}
