#!/usr/bin/python3
# Tests of the net module (src/pi-keyring/net/): the command loads libsoup
# and GnuTLS only when it needs HTTP, randomness or encryption, and says so
# clearly when the module is missing. The loader's own choice is seen
# through the dynamic linker's log (LD_DEBUG=files), which names every
# object as it is loaded and who asked for it.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import re
import shutil
import subprocess
import tempfile
import unittest

CLI = os.environ.get("PI_KEYRING_CLI", "")
LIB_DIR = os.environ.get("PI_KEYRING_LIB_DIR", "")
MODULE_DIR = os.environ.get("PI_KEYRING_INSTALLED_MODULEDIR", "")
PASSPHRASE = "net-module-test passphrase"
KEY = "sk-net-module-test-3e4f"

# The objects that only the module may bring in.
NET_LIBS = ("libsoup-3.0.so", "libgnutls.so", "libnghttp2.so", "libgssapi_krb5.so",
            "libsqlite3.so", "libnettle.so", "libp11-kit.so")


class NetModuleTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pi-keyring-net-")
        self.addCleanup(shutil.rmtree, self.tmp)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.tmp,
            "XDG_CONFIG_HOME": os.path.join(self.tmp, "config"),
            "XDG_DATA_HOME": os.path.join(self.tmp, "data"),
            "XDG_RUNTIME_DIR": self.tmp,
            "PI_CODING_AGENT_DIR": os.path.join(self.tmp, "agent"),
            "PI_KEYRING_PASSPHRASE": PASSPHRASE,
            "DBUS_SESSION_BUS_ADDRESS": "unix:path=" + os.path.join(self.tmp, "no-bus"),
            "LD_LIBRARY_PATH": os.environ.get("LD_LIBRARY_PATH", ""),
            "LANG": "C.UTF-8",
            "LANGUAGE": "",
        }
        for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "G_DEBUG"):
            if name in os.environ:
                self.env[name] = os.environ[name]

    def run_cli(self, *args, stdin=b"", extra_env=None, trace=False):
        env = dict(self.env, **(extra_env or {}))
        if trace:
            env["LD_DEBUG"] = "files"
        result = subprocess.run([CLI] + list(args), input=stdin, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        self.assertNotIn(KEY.encode(), result.stderr)
        return result

    @staticmethod
    def loaded(stderr):
        """The objects the dynamic linker loaded: {file name: (how, by whom, path)}."""
        objects = {}
        for line in stderr.decode("utf-8", "replace").splitlines():
            match = re.search(r"file=(\S+) \[\d+\];\s+(needed by|dynamically loaded by) (\S+)",
                              line)
            if match:
                objects[os.path.basename(match.group(1))] = match.group(2, 3, 1)
        return objects

    def net_libs(self, objects):
        return sorted(name for name in objects if name.startswith(NET_LIBS))

    def test_get_loads_no_http_or_tls(self):
        result = self.run_cli("--backend=file", "set", "groq", stdin=KEY.encode())
        self.assertEqual(result.returncode, 0, result.stderr)

        result = self.run_cli("--backend=file", "get", "groq", trace=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.decode().strip(), KEY)
        objects = self.loaded(result.stderr)
        self.assertIn("libpi-keyring-1.so.0", objects)  # the log is read right
        self.assertEqual(self.net_libs(objects), [])
        self.assertNotIn("libpi-keyring-net.so", objects)

    def test_encryption_loads_the_module_beside_the_library(self):
        result = self.run_cli("--backend=encrypted-file", "set", "groq", stdin=KEY.encode(),
                              trace=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        objects = self.loaded(result.stderr)
        how, by, path = objects.get("libpi-keyring-net.so", (None, None, None))
        # by GModule's dlopen (or by the sanitizer's interceptor of it)
        self.assertEqual(how, "dynamically loaded by", objects)
        self.assertEqual(os.path.realpath(path),
                         os.path.realpath(os.path.join(LIB_DIR, "net", "libpi-keyring-net.so")))
        self.assertIn("libgnutls.so.30", objects)
        self.assertIn("libsoup-3.0.so.0", objects)

        result = self.run_cli("--backend=encrypted-file", "get", "groq")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.decode().strip(), KEY)

    def test_missing_module_is_a_clear_error_and_loses_nothing(self):
        if MODULE_DIR and os.path.exists(os.path.join(MODULE_DIR, "libpi-keyring-net.so")):
            self.skipTest("an installed module in %s would be found" % MODULE_DIR)
        result = self.run_cli("--backend=encrypted-file", "set", "groq", stdin=KEY.encode())
        self.assertEqual(result.returncode, 0, result.stderr)
        vault = os.path.join(self.tmp, "data", "pi-keyring", "credentials.vault")
        with open(vault, "rb") as f:
            before = f.read()

        # The library alone, without its net/ folder.
        alone = os.path.join(self.tmp, "lib")
        os.mkdir(alone)
        for name in os.listdir(LIB_DIR):
            if name.startswith("libpi-keyring-1.so") and \
                    os.path.isfile(os.path.join(LIB_DIR, name)):
                shutil.copy(os.path.join(LIB_DIR, name), alone, follow_symlinks=True)
        env = {"LD_LIBRARY_PATH": alone}

        result = self.run_cli("--backend=encrypted-file", "get", "groq", extra_env=env,
                              trace=True)
        self.assertIn(os.path.join(alone, "libpi-keyring-1.so.0"),
                      result.stderr.decode("utf-8", "replace"))  # the copy was the one used
        result = self.run_cli("--backend=encrypted-file", "get", "groq", extra_env=env)
        self.assertNotEqual(result.returncode, 0)
        self.assertEqual(result.stdout, b"")
        message = result.stderr.decode()
        self.assertIn("pi-keyring is not installed completely", message)
        self.assertIn("libpi-keyring-net.so", message)
        with open(vault, "rb") as f:
            self.assertEqual(f.read(), before)

        # What needs neither still works.
        result = self.run_cli("--backend=file", "set", "groq", stdin=KEY.encode(), extra_env=env)
        self.assertEqual(result.returncode, 0, result.stderr)
        result = self.run_cli("--backend=file", "get", "groq", extra_env=env)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.decode().strip(), KEY)


if __name__ == "__main__":
    unittest.main(verbosity=2)
