/* cli-store-open.h: opening the backend and the store of the command line's
 * options, and what is said about them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib/gi18n.h>
#include <pi-keyring/pi-keyring.h>

G_BEGIN_DECLS

const char       *cli_get_profile           (void);
gboolean          cli_check_backend_name    (void);
PiKeyringBackend *cli_open_backend          (GError            **error);
/* The executable saw the Secret Service running (cli-front.h). */
void              cli_note_secret_service_running (void);
PiKeyringStore   *cli_open_store            (PiKeyringBackend   *backend);
/* The auth.json file @backend writes, or NULL when it is not a file backend. */
const char       *cli_backend_get_file_path (PiKeyringBackend   *backend);
/* Where @backend keeps credentials, for a person. */
char             *cli_backend_describe      (PiKeyringBackend   *backend);
gboolean          cli_same_file             (const char         *a,
                                             const char         *b);
/* The options of pi_keyring_store_login_async (), with "enterprise-domain"
 * when @enterprise_domain is not NULL; a full reference. */
GVariant         *cli_login_options         (const char         *enterprise_domain);

/* cli_report_error () for an error of refreshing or using @provider's OAuth
 * token: when the provider refused it, the line says how to log in again,
 * to the same backend and profile. */
int               cli_report_oauth_error    (const GError       *error,
                                             const char         *provider);

G_END_DECLS
