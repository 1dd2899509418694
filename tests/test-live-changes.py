#!/usr/bin/python3
"""A store with watch-changes (or auto-refresh) and a running main loop
tells of changes made by other processes (issue 22, item 1).

The store lives in this Python process (the built typelib); the changes
come from other processes: the built `pi-keyring` (set, import, remove),
pi's own AuthStorage (node, from the installed pi releases) writing
auth.json, and `secret-tool clear`. Each change must give exactly one
`credential-changed` for its provider, within a second, and a rewrite that
leaves the entries as they were none. Runs inside tests/with-test-keyring.sh.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import gi

gi.require_version("PiKeyring", "1")
from gi.repository import GLib, PiKeyring  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pi_session  # noqa: E402

CLI = os.environ.get("PI_KEYRING_CLI", "")
LATENCY_S = 1.0
# How long to go on listening after the first signal: a second one would be
# an echo or a duplicate.
QUIET_S = 0.8

# pi's AuthStorage, as pi itself writes auth.json (`/login` with an API key).
NODE_SET = r"""
import { pathToFileURL } from "node:url";
const [module, path, provider, key] = process.argv.slice(2);
const { AuthStorage } = await import(pathToFileURL(module).href);
const storage = AuthStorage.create(path);
const entry = { type: "api_key", key };
if (typeof storage.set === "function")
  storage.set(provider, entry);                    // pi 0.73.1
else
  await storage.modify(provider, async () => entry); // pi 1.6.0
"""


def child_env(env):
    """The environment of an uninstrumented child (no sanitizer runtime)."""
    env = dict(env)
    env.pop("LD_PRELOAD", None)
    return env


class LiveChangesTest(unittest.TestCase):
    BACKEND = None

    def setUp(self):
        if not CLI or not os.access(CLI, os.X_OK):
            self.skipTest("PI_KEYRING_CLI is not set")
        self.tmp = tempfile.mkdtemp(prefix="pi-keyring-live-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.agent_dir = os.path.join(self.tmp, "agent")
        os.makedirs(self.agent_dir, mode=0o700)
        self.auth_file = os.path.join(self.agent_dir, "auth.json")
        self.profile = "live-%d-%s" % (os.getpid(), self.id().rsplit(".", 1)[-1][-20:])
        os.environ["PI_CODING_AGENT_DIR"] = self.agent_dir
        self.env = child_env(os.environ)
        self.env.update({"PI_CODING_AGENT_DIR": self.agent_dir, "PI_KEYRING_BACKEND": self.BACKEND})
        for name in list(self.env):
            if name.endswith("_API_KEY"):
                del self.env[name]
        self.seen = []
        self.loop = GLib.MainLoop()
        self.store = self.make_store()

    def tearDown(self):
        if getattr(self, "store", None) is not None:
            self.store.props.watch_changes = False
            self.store = None

    # -- helpers

    def make_backend(self):
        return PiKeyring.Backend.new_for_name(self.BACKEND)

    def make_store(self):
        store = PiKeyring.Store.new(self.make_backend())
        store.props.profile = self.cli_profile()
        store.connect("credential-changed", self.on_changed)
        store.props.watch_changes = True
        self.settle(0.5)
        return store

    def cli_profile(self):
        return self.profile if self.BACKEND == "secret-service" else "default"

    def on_changed(self, store, provider):
        self.seen.append((provider, time.monotonic()))
        if self.stop_after_first:
            self.loop.quit()

    stop_after_first = False

    def settle(self, seconds):
        GLib.timeout_add(int(seconds * 1000), self.loop.quit)
        self.loop.run()

    def cli(self, *args, stdin=None):
        argv = [CLI, "--profile", self.cli_profile()] + list(args)
        result = subprocess.run(argv, input=stdin, env=self.env, capture_output=True, timeout=60)
        self.assertEqual(result.returncode, 0, (argv, result.stderr.decode()))
        return result

    def expect_one(self, provider, action):
        """Runs @action (another process) and expects exactly one
        credential-changed for @provider, within LATENCY_S of its end."""
        self.seen = []
        action()
        done = time.monotonic()
        self.stop_after_first = True
        timed_out = []

        def on_timeout():
            timed_out.append(True)
            self.loop.quit()
            return GLib.SOURCE_REMOVE
        source = GLib.timeout_add(int(LATENCY_S * 1000 * 3), on_timeout)
        self.loop.run()
        if not timed_out:
            GLib.source_remove(source)
        self.stop_after_first = False
        self.assertTrue(self.seen, "no credential-changed for %s" % provider)
        first = self.seen[0][1] - done
        self.assertLess(first, LATENCY_S, "credential-changed came after %.2f s" % first)
        self.settle(QUIET_S)
        self.assertEqual([p for p, _ in self.seen], [provider])

    def expect_none(self, action):
        self.seen = []
        action()
        self.settle(QUIET_S + 0.4)
        self.assertEqual([p for p, _ in self.seen], [])

    # -- the cases

    def test_set_import_remove_in_another_process(self):
        self.expect_one("openai", lambda: self.cli("set", "openai", stdin=b"sk-live-one"))
        self.expect_one("openai", lambda: self.cli("set", "openai", stdin=b"sk-live-two"))

        source = os.path.join(self.tmp, "import.json")
        with open(source, "w") as f:
            json.dump({"mistral": {"type": "api_key", "key": "mk-live"}}, f)
        self.expect_one("mistral", lambda: self.cli("import", source))

        self.expect_one("openai", lambda: self.cli("remove", "openai"))
        self.expect_one("mistral", lambda: self.cli("remove", "mistral"))

    def test_own_change_is_told_once(self):
        cred = PiKeyring.Credential.new_api_key("openai", self.cli_profile(), "sk-own")

        def own():
            self.assertTrue(self.store.set_credential_sync(cred, None))
        self.expect_one("openai", own)
        self.expect_one("openai", lambda: self.assertTrue(self.store.remove_sync("openai", None)))

    def test_auth_json_written_by_pi(self):
        installs = pi_session.installs()
        if not installs:
            self.skipTest(pi_session.missing_reason())
        for n, pi in enumerate(installs):
            module = os.path.join(os.path.dirname(pi.cli), "core", "auth-storage.js")
            if not os.path.isfile(module):
                module = os.path.join(os.path.dirname(os.path.dirname(pi.cli)), "core",
                                      "auth-storage.js")
            self.assertTrue(os.path.isfile(module), module)
            script = os.path.join(self.tmp, "set.mjs")
            with open(script, "w") as f:
                f.write(NODE_SET)
            provider = ("groq", "cerebras")[n % 2]

            def pi_set():
                env = pi_session.pi_env(self.env, self.env["HOME"], agent_dir=self.agent_dir)
                result = subprocess.run([pi.node, script, module, self.auth_file, provider,
                                         "pi-written-%d" % n],
                                        env=env, capture_output=True, timeout=60)
                self.assertEqual(result.returncode, 0, result.stderr.decode())
            with self.subTest(pi=pi.version):
                self.expect_one(provider, pi_set)

    def test_rewrite_without_change_is_silent(self):
        self.cli("set", "openai", stdin=b"sk-same")
        self.settle(QUIET_S)
        # The same key stored again.
        self.expect_none(lambda: self.cli("set", "openai", stdin=b"sk-same"))


class SecretServiceTest(LiveChangesTest):
    BACKEND = "secret-service"

    def test_secret_tool_clear(self):
        if shutil.which("secret-tool") is None:
            self.skipTest("secret-tool is not installed")
        self.cli("set", "openai", stdin=b"sk-to-clear")
        self.settle(QUIET_S)

        def clear():
            subprocess.run(["secret-tool", "clear", "provider", "openai",
                            "profile", self.profile], env=self.env, check=True, timeout=30)
        self.expect_one("openai", clear)


class FileTest(LiveChangesTest):
    BACKEND = "file"

    def make_backend(self):
        return PiKeyring.FileBackend.new(self.auth_file)

    def test_auth_json_rewritten_identically_is_silent(self):
        self.cli("set", "openai", stdin=b"sk-rewrite")
        self.settle(QUIET_S)
        with open(self.auth_file) as f:
            text = f.read()

        def rewrite():
            tmp = self.auth_file + ".tmp"
            with open(tmp, "w") as f:
                f.write(text)
            os.chmod(tmp, 0o600)
            os.rename(tmp, self.auth_file)
        self.expect_none(rewrite)


class EncryptedFileTest(LiveChangesTest):
    BACKEND = "encrypted-file"

    def setUp(self):
        os.environ["PI_KEYRING_PASSPHRASE"] = "live-changes-passphrase"
        self.addCleanup(os.environ.pop, "PI_KEYRING_PASSPHRASE", None)
        super().setUp()

    # pi writes auth.json, not the vault: the auth.json case is the file
    # backend's and the secret service's (auth.json as the fallback).
    test_auth_json_written_by_pi = None


class AutoRefreshTest(unittest.TestCase):
    """auto-refresh alone watches too (as the daemon's store)."""

    def test_auto_refresh_implies_watching(self):
        if not CLI or not os.access(CLI, os.X_OK):
            self.skipTest("PI_KEYRING_CLI is not set")
        tmp = tempfile.mkdtemp(prefix="pi-keyring-live-")
        self.addCleanup(shutil.rmtree, tmp, True)
        auth = os.path.join(tmp, "auth.json")
        store = PiKeyring.Store.new(PiKeyring.FileBackend.new(auth))
        seen = []
        loop = GLib.MainLoop()
        store.connect("credential-changed::openai", lambda s, p: (seen.append(p), loop.quit()))
        store.props.auto_refresh = True
        self.assertFalse(store.props.watch_changes)
        GLib.timeout_add(400, loop.quit)
        loop.run()
        env = child_env(os.environ)
        env.update({"PI_CODING_AGENT_DIR": tmp, "PI_KEYRING_BACKEND": "file"})
        subprocess.run([CLI, "set", "openai"], input=b"sk-auto", env=env, check=True,
                       capture_output=True, timeout=60)
        GLib.timeout_add(3000, loop.quit)
        loop.run()
        store.props.auto_refresh = False
        self.assertEqual(seen, ["openai"])


# The base class runs only through its backends.
del LiveChangesTest

if __name__ == "__main__":
    unittest.main()
