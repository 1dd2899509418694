/* test-util.h: helpers that the GTest programs share (fixtures' clean-up, waiting for a result).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Removes @path and, for a folder, everything below it. */
void          test_remove_tree        (const char   *path);

/* Unsets every environment variable of pi's table of providers, and those
 * of @extra_vars (NULL-terminated; may be NULL): a test must not see the
 * caller's keys. */
void          test_unset_provider_env (const char * const *extra_vars);

/* A GAsyncReadyCallback that stores a reference to the result in the
 * GAsyncResult * that @user_data points to. */
void          test_on_result          (GObject      *source,
                                       GAsyncResult *result,
                                       gpointer      user_data);

/* Iterates the global default main context until *@result is set, and
 * returns it (owned by the caller of test_on_result's slot). */
GAsyncResult *test_wait_for           (GAsyncResult **result);

/* A GSourceFunc that cancels the GCancellable @user_data, once. */
gboolean      test_cancel_later       (gpointer      user_data);

G_END_DECLS
