#!/usr/bin/python3
"""The uninstalled pkg-config file: a program with the documented
#include <pi-keyring/pi-keyring.h> builds with
`PKG_CONFIG_PATH=BUILD/meson-uninstalled pkg-config --cflags --libs pi-keyring-1`
and runs with the library of this build.

Environment (tests/meson.build): PI_KEYRING_BUILD_ROOT, PI_KEYRING_VERSION,
CC (the compiler and its arguments), CFLAGS (the sanitizers, if any).
"""
import os
import shlex
import subprocess
import sys
import tempfile
import unittest

PROGRAM = r'''
#include <pi-keyring/pi-keyring.h>

int
main (void)
{
  g_autoptr (PiKeyringBackend) backend = pi_keyring_memory_backend_new ();
  g_autoptr (PiKeyringStore) store = pi_keyring_store_new (backend);
  g_autoptr (PiKeyringCredential) credential = NULL;
  g_autoptr (GError) error = NULL;
  PiKeyringSource source;
  char *key;

#if !PI_KEYRING_CHECK_VERSION (0, 1, 0)
#error "PI_KEYRING_CHECK_VERSION"
#endif
  credential = pi_keyring_credential_new_api_key ("openai", NULL, "pkg-config-key");
  if (!pi_keyring_store_set_credential_sync (store, credential, NULL, &error))
    g_error ("%s", error->message);
  key = pi_keyring_store_get_api_key_sync (store, "openai", &source, NULL, &error);
  if (key == NULL)
    g_error ("%s", error->message);
  g_print ("%u.%u.%u %s %zu\n", pi_keyring_get_major_version (),
           pi_keyring_get_minor_version (), pi_keyring_get_micro_version (),
           pi_keyring_source_to_string (source), strlen (key));
  g_free (key);
  return 0;
}
'''


class UninstalledPkgConfigTest(unittest.TestCase):
    def setUp(self):
        build_root = os.environ["PI_KEYRING_BUILD_ROOT"]
        self.env = dict(os.environ,
                        PKG_CONFIG_PATH=os.path.join(build_root, "meson-uninstalled"))
        # Only the uninstalled file: no pi-keyring-1 installed elsewhere.
        self.env.pop("PKG_CONFIG_LIBDIR", None)
        self.tmp = tempfile.mkdtemp(prefix="pi-keyring-pc-")

    def pkg_config(self, *args):
        return subprocess.run(["pkg-config", *args, "pi-keyring-1"], env=self.env,
                              capture_output=True, text=True, check=True).stdout.strip()

    def test_version(self):
        self.assertEqual(self.pkg_config("--modversion"), os.environ["PI_KEYRING_VERSION"])

    def test_documented_include_builds_and_runs(self):
        flags = shlex.split(self.pkg_config("--cflags", "--libs"))
        source = os.path.join(self.tmp, "program.c")
        program = os.path.join(self.tmp, "program")
        with open(source, "w") as f:
            f.write("#include <string.h>\n" + PROGRAM)
        cc = shlex.split(os.environ.get("CC", "cc"))
        cflags = shlex.split(os.environ.get("CFLAGS", ""))
        build = subprocess.run(cc + cflags + ["-Wall", "-Werror", source, "-o", program] + flags,
                               capture_output=True, text=True)
        self.assertEqual(build.returncode, 0, "%s\n%s" % (" ".join(flags), build.stderr))

        # The library from the file's own -L, not from the test's LD_LIBRARY_PATH.
        libdirs = [f[2:] for f in flags if f.startswith("-L")]
        env = dict(os.environ, LD_LIBRARY_PATH=":".join(libdirs))
        run = subprocess.run([program], env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stdout, "%s keyring 14\n" % os.environ["PI_KEYRING_VERSION"])


if __name__ == "__main__":
    unittest.main(verbosity=2, argv=[sys.argv[0]])
