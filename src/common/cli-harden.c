/* cli-harden.c: what the pi-keyring process does to itself before it holds
 * a secret
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "cli-harden.h"

/* The core-file limit the process started with, for `exec`'s command. */
static struct rlimit saved_core_limit;
static gboolean have_saved_core_limit;

void
cli_harden_process (void)
{
  struct rlimit no_core = { 0, RLIM_INFINITY };

  /* Not dumpable: no core file of this process, and /proc/PID/mem,
   * environ, maps and the like belong to root. It also blocks ptrace
   * (gdb -p, strace -p, process_vm_readv) by other processes of the same
   * user: only a process with CAP_SYS_PTRACE can still attach. The flag
   * goes back to normal when `exec` replaces the process with the user's
   * command. */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
    g_debug ("PR_SET_DUMPABLE failed: %s", g_strerror (errno));

  /* And no core file even if something made the process dumpable again.
   * Only the soft limit goes to 0: the hard one stays, so that the command
   * `exec` runs can have the user's limit back. */
  if (getrlimit (RLIMIT_CORE, &saved_core_limit) == 0)
    {
      have_saved_core_limit = TRUE;
      no_core.rlim_max = saved_core_limit.rlim_max;
    }
  if (setrlimit (RLIMIT_CORE, &no_core) != 0)
    g_debug ("setrlimit (RLIMIT_CORE) failed: %s", g_strerror (errno));
}

void
cli_harden_process_from (const struct rlimit *core_limit)
{
  /* The executable (pi-keyring-front.c) did the same before it loaded the
   * command: what it saw first is the user's limit. */
  cli_harden_process ();
  if (core_limit != NULL)
    {
      saved_core_limit = *core_limit;
      have_saved_core_limit = TRUE;
    }
}

void
cli_restore_core_limit (void)
{
  if (have_saved_core_limit && setrlimit (RLIMIT_CORE, &saved_core_limit) != 0)
    g_debug ("Could not restore the core file limit: %s", g_strerror (errno));
}
