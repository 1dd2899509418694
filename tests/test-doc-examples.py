#!/usr/bin/python3
"""The examples of the API reference (docs/reference/examples), as a reader
runs them: inside tests/with-test-keyring.sh (a private bus and
gnome-keyring), with the store's default backend; the C ones as meson built
them, the Python ones on the typelib of this build. The credentials they
read or see change are written by a second process, `pi-keyring set` and
`pi-keyring remove`.

Environment (tests/meson.build): PI_KEYRING_CLI, PI_KEYRING_EXAMPLE_GET_KEY,
PI_KEYRING_EXAMPLE_WATCH_CHANGES, PI_KEYRING_EXAMPLES_DIR; GI_TYPELIB_PATH
when there is a typelib (the Python examples are skipped otherwise).
"""
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

CLI = os.environ["PI_KEYRING_CLI"]
EXAMPLES = os.environ["PI_KEYRING_EXAMPLES_DIR"]
HAVE_GI = bool(os.environ.get("GI_TYPELIB_PATH"))
KEY = "sk-doc-example-0123456789abcdef"   # 31 characters
TIMEOUT = 10


def program(name):
    """The command line of the example @name (get-key.c, watch-changes.py …)."""
    if name == "get-key.c":
        return [os.environ["PI_KEYRING_EXAMPLE_GET_KEY"]]
    if name == "watch-changes.c":
        return [os.environ["PI_KEYRING_EXAMPLE_WATCH_CHANGES"]]
    return [sys.executable, os.path.join(EXAMPLES, name)]


class ExampleTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pi-keyring-doc-")
        self.env = dict(os.environ, PI_CODING_AGENT_DIR=os.path.join(self.tmp, "agent"))
        for name in ("PI_KEYRING_BACKEND", "OPENAI_API_KEY", "ANTHROPIC_API_KEY",
                     "ANTHROPIC_OAUTH_TOKEN"):
            self.env.pop(name, None)
        self.cli("remove", "openai", check=False)
        self.cli("remove", "anthropic", check=False)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def cli(self, *args, stdin=None, check=True):
        r = subprocess.run([CLI, *args], input=stdin, env=self.env, capture_output=True,
                           text=True, timeout=60)
        if check:
            self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def skip_without_gi(self, name):
        if name.endswith(".py") and not HAVE_GI:
            self.skipTest("no typelib")

    # --- Getting a key ---

    def check_get_key(self, name):
        self.skip_without_gi(name)
        r = subprocess.run(program(name) + ["openai"], env=self.env, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual((r.returncode, r.stdout), (1, ""), r.stderr)
        self.assertIn("No key for openai: store one with pi-keyring set openai", r.stderr)

        self.cli("set", "openai", stdin=KEY)
        r = subprocess.run(program(name) + ["openai"], env=self.env, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "openai: a key of 31 characters, from keyring\n")
        self.assertNotIn(KEY, r.stdout + r.stderr)

        # pi's environment variable, when nothing is stored.
        env = dict(self.env, ANTHROPIC_API_KEY=KEY + "xy")
        r = subprocess.run(program(name) + ["anthropic"], env=env, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual((r.returncode, r.stdout),
                         (0, "anthropic: a key of 33 characters, from env\n"), r.stderr)

        r = subprocess.run(program(name), env=self.env, capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertIn("usage:", r.stderr)

    def test_get_key_c(self):
        self.check_get_key("get-key.c")

    def test_get_key_python(self):
        self.check_get_key("get-key.py")

    # --- Watching for changes ---

    def start_watcher(self, name, *args):
        proc = subprocess.Popen(program(name) + list(args), env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        proc.pending = b""
        self.addCleanup(self.stop, proc)
        self.assertEqual(self.next_line(proc), "Watching for changes; Ctrl+C to stop")
        return proc

    def stop(self, proc):
        proc.terminate()
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()

    def next_line(self, proc, timeout=TIMEOUT):
        """The next line on the watcher's stdout, or None after @timeout s."""
        deadline = time.monotonic() + timeout
        while b"\n" not in proc.pending:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([proc.stdout], [], [], left)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 4096)
                if chunk == b"":
                    self.fail("%s exited (%s): %s" % (proc.args, proc.wait(),
                                                      proc.stderr.read().decode()))
                proc.pending += chunk
        line, proc.pending = proc.pending.split(b"\n", 1)
        return line.decode()

    def check_watch(self, name):
        self.skip_without_gi(name)
        every = self.start_watcher(name)
        one = self.start_watcher(name, "anthropic")

        # Changes by another process: each told once, in order.
        self.cli("set", "openai", stdin=KEY)
        self.assertEqual(self.next_line(every), "openai: API key")
        self.cli("set", "anthropic", stdin=KEY)
        self.assertEqual(self.next_line(every), "anthropic: API key")
        self.assertEqual(self.next_line(one), "anthropic: API key")
        self.cli("remove", "openai")
        self.assertEqual(self.next_line(every), "openai: removed")
        self.cli("remove", "anthropic")
        self.assertEqual(self.next_line(every), "anthropic: removed")
        self.assertEqual(self.next_line(one), "anthropic: removed")

        # Nothing more: no change told twice, none of openai to the one
        # watching anthropic.
        self.assertIsNone(self.next_line(every, timeout=2))
        self.assertIsNone(self.next_line(one, timeout=0.5))
        for proc in (every, one):
            self.assertIsNone(proc.poll())

    def test_watch_changes_c(self):
        self.check_watch("watch-changes.c")

    def test_watch_changes_python(self):
        self.check_watch("watch-changes.py")


if __name__ == "__main__":
    unittest.main(verbosity=2, argv=[sys.argv[0]])
