/* pi-keyring-net-loader.c: loads libpi-keyring-net.so, the module that holds libsoup and GnuTLS, the first time the library needs HTTP, randomness or encryption.
 *
 * The module is looked for beside the library first (the build tree keeps
 * it in net/ under the library's own folder) and then in the folder it is
 * installed to; never in a folder named by the environment. A program that
 * links the module's code in (the tests, the benchmarks) is served by that
 * copy through a weak reference, and nothing is loaded.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "core/pi-keyring-core-private.h"
#include "net/pi-keyring-net.h"

#include <dlfcn.h>
#include <gmodule.h>

#define MODULE_NAME "libpi-keyring-net.so"

/* Defined when the module's code is linked into the program. */
extern const PiKeyringNet *pi_keyring_net_module_get (void) __attribute__ ((weak));

typedef struct
{
  const PiKeyringNet *net;
  char               *message;  /* why it could not be loaded, else NULL */
} LoadResult;

static const PiKeyringNet *
check_table (const PiKeyringNet  *net,
             const char          *path,
             GString             *why)
{
  if (net != NULL && net->abi == PI_KEYRING_NET_ABI && net->size == sizeof (PiKeyringNet))
    return net;

  g_string_append_printf (why, "%s%s: built for another version of pi-keyring",
                          why->len > 0 ? "; " : "", path);
  return NULL;
}

static const PiKeyringNet *
open_module (const char *path,
             GString    *why)
{
  GModule *module;
  PiKeyringNetEntryPoint entry_point = NULL;
  const PiKeyringNet *net;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return NULL;

  module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      g_string_append_printf (why, "%s%s", why->len > 0 ? "; " : "", g_module_error ());
      return NULL;
    }

  if (!g_module_symbol (module, PI_KEYRING_NET_ENTRY_POINT, (gpointer *) &entry_point) ||
      entry_point == NULL)
    {
      g_string_append_printf (why, "%s%s", why->len > 0 ? "; " : "", g_module_error ());
      g_module_close (module);
      return NULL;
    }

  net = check_table (entry_point (), path, why);
  if (net == NULL)
    {
      g_module_close (module);
      return NULL;
    }

  /* Its functions may be running on any thread until the process ends. */
  g_module_make_resident (module);
  g_debug ("Loaded %s", path);
  return net;
}

static gpointer
load (gpointer data)
{
  LoadResult *result = g_new0 (LoadResult, 1);
  g_autoptr(GString) why = g_string_new (NULL);
  g_autofree char *beside = NULL;
  Dl_info info;

  if (pi_keyring_net_module_get != NULL)
    {
      result->net = check_table (pi_keyring_net_module_get (), "the linked-in module", why);
      if (result->net == NULL)
        result->message = g_strdup (why->str);
      return result;
    }

  if (dladdr ((const void *) load, &info) != 0 && info.dli_fname != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (info.dli_fname);

      beside = g_build_filename (dir, "net", MODULE_NAME, NULL);
      result->net = open_module (beside, why);
    }

  if (result->net == NULL)
    result->net = open_module (PI_KEYRING_MODULEDIR G_DIR_SEPARATOR_S MODULE_NAME, why);

  if (result->net == NULL)
    {
      if (why->len == 0)
        g_string_append_printf (why, "not found in %s", PI_KEYRING_MODULEDIR);
      result->message = g_strdup (why->str);
    }

  return result;
}

/**
 * _pi_keyring_net_get:
 * @error: return location for an error
 *
 * The table of libsoup and GnuTLS functions, loading the module on the
 * first call. Thread-safe; a failure is remembered.
 *
 * Returns: (transfer none): the table, or %NULL with @error set when the
 *   module cannot be loaded
 */
const PiKeyringNet *
_pi_keyring_net_get (GError **error)
{
  static GOnce once = G_ONCE_INIT;
  const LoadResult *result = g_once (&once, load, NULL);

  if (result->net == NULL)
    {
      g_set_error (error, PI_KEYRING_ERROR, PI_KEYRING_ERROR_FAILED,
                   _("pi-keyring is not installed completely: could not load %s, which it needs "
                     "for HTTP and encryption (%s)."),
                   MODULE_NAME, result->message);
      return NULL;
    }

  return result->net;
}
