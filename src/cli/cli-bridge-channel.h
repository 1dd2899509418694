/* cli-bridge-channel.h: the JSON lines of `pi-keyring bridge` and its
 * requests, from the line on stdin to the final reply on stdout
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "cli-util.h"

G_BEGIN_DECLS

typedef struct _CliBridgeChannel CliBridgeChannel;
typedef struct _CliBridgeRequest CliBridgeRequest;

/* One request, from its line until its final reply. */
struct _CliBridgeRequest
{
  CliBridgeChannel *channel;
  gpointer          owner;            /* the channel's @owner */
  gint64            id;
  JsonNode         *root;             /* the request, wiped when freed */
  JsonObject       *params;           /* of root */
  const char       *provider;         /* of params, checked */
  gint64            min_validity_ms;
  GCancellable     *cancellable;      /* of a cancellable operation */
  gboolean          registered;       /* among the running requests */

  gpointer          data;             /* the operation's, freed with the request */
  GDestroyNotify    data_free;
};

/* An `op` of the protocol; @cancellable ones get a request->cancellable,
 * which `cancel` and the end of stdin cancel. */
typedef struct
{
  const char *name;
  void      (*run) (CliBridgeRequest *request);
  gboolean    cancellable;
} CliBridgeOperation;

/* stdin ended: called before the running requests are cancelled. */
typedef void (*CliBridgeClosed) (gpointer owner);

/* A channel on stdin and stdout that runs @operations (kept, not copied)
 * for the requests it reads. */
CliBridgeChannel *cli_bridge_channel_new        (const CliBridgeOperation *operations,
                                                 gsize                     n_operations,
                                                 CliBridgeClosed           closed,
                                                 gpointer                  owner);
void              cli_bridge_channel_free       (CliBridgeChannel         *self);
/* Reads requests until stdin ends and every request has answered. */
void              cli_bridge_channel_run        (CliBridgeChannel         *self);
/* Whether stdin has ended: nobody will unlock, answer or wait any more. */
gboolean          cli_bridge_channel_is_closed  (CliBridgeChannel         *self);
/* The request @id that has not answered yet, or NULL. */
CliBridgeRequest *cli_bridge_channel_lookup     (CliBridgeChannel         *self,
                                                 gint64                    id);
/* Ends @line (taken), writes it with one call and wipes it: it may hold
 * secrets. */
void              cli_bridge_channel_send       (CliBridgeChannel         *self,
                                                 GString                  *line);
void              cli_bridge_channel_send_error (CliBridgeChannel         *self,
                                                 gint64                    id,
                                                 const char               *code,
                                                 const char               *message);

/* --- lines: a JSON object built as text, ended by cli_bridge_channel_send () --- */

GString          *cli_bridge_line_new_reply     (gint64                    id);
GString          *cli_bridge_line_new_event     (gint64                    id,
                                                 const char               *event);
/* @value as a JSON string, null when NULL. */
void              cli_bridge_line_append_string (GString                  *line,
                                                 const char               *value);
void              cli_bridge_line_add_string    (GString                  *line,
                                                 const char               *name,
                                                 const char               *value);
/* @json as it is, null when NULL. */
void              cli_bridge_line_add_raw       (GString                  *line,
                                                 const char               *name,
                                                 const char               *json);
void              cli_bridge_line_add_int       (GString                  *line,
                                                 const char               *name,
                                                 gint64                    value);

/* --- requests --- */

/* The final reply of @request is @line (taken); the request is done. */
void              cli_bridge_request_reply      (CliBridgeRequest         *request,
                                                 GString                  *line);
void              cli_bridge_request_ok         (CliBridgeRequest         *request);
/* The final reply of @request is the error @code with @message. */
void              cli_bridge_request_fail_code  (CliBridgeRequest         *request,
                                                 const char               *code,
                                                 const char               *message);
void              cli_bridge_request_fail       (CliBridgeRequest         *request,
                                                 const GError             *error);
void              cli_bridge_request_fail_invalid (CliBridgeRequest       *request,
                                                   const char             *message);
/* The member @name of the request as a positive integer, or 0. */
gint64            cli_bridge_request_get_positive (CliBridgeRequest       *request,
                                                   const char             *name);
/* Whether the member @name is absent, null or of @type. */
gboolean          cli_bridge_request_member_has_type (CliBridgeRequest    *request,
                                                      const char          *name,
                                                      GType                type);
/* `provider`: a valid id; otherwise the request is answered `invalid`. */
gboolean          cli_bridge_request_take_provider (CliBridgeRequest      *request);
/* `min_validity_ms`: absent, null or a non-negative integer; otherwise the
 * request is answered `invalid`. */
gboolean          cli_bridge_request_take_min_validity (CliBridgeRequest  *request);
/* Frees the operation's data, and keeps @data until the request is freed. */
void              cli_bridge_request_set_data   (CliBridgeRequest         *request,
                                                 gpointer                  data,
                                                 GDestroyNotify            data_free);
/* The operation's data, no longer freed with the request. */
gpointer          cli_bridge_request_steal_data (CliBridgeRequest         *request);

G_END_DECLS
