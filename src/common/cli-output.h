/* cli-output.h: JSON, tables, times and credential kinds on stdout
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib/gi18n.h>
#include <pi-keyring/pi-keyring.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Prints @root as 2-space indented JSON and a newline on stdout. */
void              cli_print_json            (JsonNode           *root);
/* Local time for a person, such as "2026-03-15 20:15:00". */
char             *cli_format_time           (gint64              ms);
/* "api_key", "oauth" or "other", as `--json` and the daemon say it, and back. */
const char       *cli_kind_to_string        (PiKeyringCredentialKind kind);
PiKeyringCredentialKind cli_kind_from_string (const char        *kind);
/* A width-aligned table on stdout: @rows is a GPtrArray of GStrv, the
 * first row being the header. */
void              cli_print_table           (GPtrArray          *rows);

G_END_DECLS
