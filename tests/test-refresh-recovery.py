#!/usr/bin/python3
# A refreshed token is never lost (issue 24, item 2): a refresh on a full
# disk spends the old refresh token at the provider (tests/mock-provider.py
# rotates them and refuses a spent one with invalid_grant); the new
# credential, which cannot be written back, is kept in a 0600 recovery file
# under $XDG_RUNTIME_DIR/pi-keyring/ (0700), `get` still prints its token,
# `status` says where it is kept, and once there is room again the next
# command of any kind (`list` here) stores it where it came from and removes
# the file; a later refresh sends the newest refresh token, which the
# provider accepts, without a new login.
#
# The full disk is a 64 KiB tmpfs mounted in the test's temporary directory
# (root only; skipped otherwise), holding pi's auth.json (the file backend)
# or the vault (the encrypted-file backend), filled up with a filler file.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import collections
import errno
import importlib.util
import json
import os
import stat
import subprocess
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def load_module(name, filename):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cli = load_module("test_cli", "test-cli.py")
cli_login = load_module("test_cli_login", "test-cli-login.py")

TOKEN_PATH = cli_login.ANTHROPIC_TOKEN_PATH
EXPIRED_ACCESS = "sk-ant-oat01-recovery-expired-access"
PASSPHRASE = "refresh-recovery test passphrase"


@unittest.skipUnless(cli.CLI and os.access(cli.CLI, os.X_OK), "PI_KEYRING_CLI is not set")
class RefreshRecoveryTest(cli.CliTestCase):
    needs_keyring = False

    @classmethod
    def setUpClass(cls):
        cls.mock = cli_login.Mock()

    @classmethod
    def tearDownClass(cls):
        cls.mock.stop()

    def setUp(self):
        super().setUp()
        self.small = os.path.join(self.tmp, "small")
        os.makedirs(self.small)
        mount = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs",
                                self.small], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if mount.returncode != 0:
            self.skipTest("cannot mount a small tmpfs (needs root): %s"
                          % mount.stdout.decode("utf-8", "replace").strip())
        self.addCleanup(subprocess.run, ["umount", "-l", self.small])

        self.mock.admin("POST", "reset", {})
        seed = self.mock.admin("POST", "seed-refresh", {"provider": "anthropic"})
        self.entry = collections.OrderedDict([
            ("type", "oauth"), ("refresh", seed["refresh_token"]),
            ("access", EXPIRED_ACCESS), ("expires", 1000)])
        self.extra_secrets = {seed["refresh_token"]}

        self.runtime = os.path.join(self.tmp, "runtime")
        os.makedirs(self.runtime, mode=0o700)
        self.recovery = os.path.join(self.runtime, "pi-keyring", "default", "anthropic.recovery")
        self.agent_dir = os.path.join(self.small, "agent")
        self.auth_file = os.path.join(self.agent_dir, "auth.json")
        self.env.update({
            "PI_KEYRING_URL_REWRITE": self.mock.rewrite,
            "XDG_RUNTIME_DIR": self.runtime,
            "PI_CODING_AGENT_DIR": self.agent_dir,
            # No keyring and no daemon: the file backends alone.
            "DBUS_SESSION_BUS_ADDRESS": "unix:path=" + os.path.join(self.tmp, "no-bus"),
        })
        self.filler = os.path.join(self.small, "filler")

    def fill(self):
        """Fills the tmpfs to the last byte."""
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            for size in (4096, 1):
                try:
                    while True:
                        os.write(fd, b"\0" * size)
                except OSError as e:
                    self.assertEqual(e.errno, errno.ENOSPC)
        finally:
            os.close(fd)

    def tokens(self):
        return self.mock.admin("GET", "tokens")["anthropic"]["refresh"]

    def refresh_requests(self):
        sent = []
        for request in self.mock.requests(TOKEN_PATH):
            body = json.loads(request["body"])
            if body.get("grant_type") == "refresh_token":
                sent.append(body["refresh_token"])
        return sent

    def assertRecoveryKept(self, backend):
        # get: the provider rotated the token; the new one works now.
        result = self.run_cli(backend, "get", "anthropic", secrets_on_stdout=True)
        self.assertExit(result, 0)
        token = result.out.decode()
        self.assertTrue(token and token != EXPIRED_ACCESS, "no new token printed")
        self.assertEqual(len(self.refresh_requests()), 1)
        valid = self.tokens()["valid"]
        self.assertEqual(len(valid), 1)
        self.assertTrue(self.entry["refresh"] in self.tokens()["dead"], "the old token is not spent")
        self.extra_secrets |= {valid[0], token}
        self.assertIn("could not be saved", result.err)
        self.assertIn(self.recovery, result.err)

        # Kept in RAM only: the file 0600, its directory 0700.
        self.assertTrue(os.path.exists(self.recovery), "no recovery file: %r" % (result,))
        self.assertEqual(stat.S_IMODE(os.stat(self.recovery).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(self.recovery)).st_mode), 0o700)
        self.assertTrue(valid[0] in self.read(self.recovery).decode(),
                        "the recovery file does not hold the new refresh token")

        # status says so.
        status = self.run_cli(backend, "status")
        self.assertIn("A refreshed token for Anthropic (Claude Pro/Max) could not be saved",
                      status.out.decode())
        self.assertIn(self.recovery, status.out.decode())

        # Another get while the disk is still full uses what is kept: no request.
        again = self.run_cli(backend, "get", "anthropic", secrets_on_stdout=True)
        self.assertExit(again, 0)
        self.assertTrue(again.out.decode() == token, "not the kept token")
        self.assertEqual(len(self.refresh_requests()), 1)
        self.assertTrue(os.path.exists(self.recovery))
        return valid[0]

    def assertStoredAfterwards(self, backend, new_refresh):
        os.unlink(self.filler)
        self.assertExit(self.run_cli(backend, "list"), 0)
        self.assertFalse(os.path.exists(self.recovery), "the recovery file was not removed")
        status = self.run_cli(backend, "status")
        self.assertNotIn("could not be saved", status.out.decode())

        # A forced refresh sends the newest refresh token, which the
        # provider accepts: no new login.
        result = self.run_cli(backend, "refresh", "anthropic")
        self.assertExit(result, 0)
        sent = self.refresh_requests()
        self.assertEqual(len(sent), 2)
        self.assertTrue(sent[1] == new_refresh, "the second refresh did not send the kept token")
        self.extra_secrets |= set(self.tokens()["valid"])
        self.assertFalse(os.path.exists(self.recovery))

    def test_file_backend(self):
        self.write_auth_file(cli.pi_format(collections.OrderedDict([
            ("openai", {"type": "api_key", "key": "sk-cli-test-openai-0f9e8d7c"}),
            ("anthropic", self.entry)])))
        self.fill()

        new_refresh = self.assertRecoveryKept("--backend=file")
        doc = cli.load_ordered(self.read(self.auth_file))
        self.assertTrue(doc["anthropic"] == self.entry, "auth.json changed on a full disk")

        self.assertStoredAfterwards("--backend=file", new_refresh)
        doc = cli.load_ordered(self.read(self.auth_file))
        self.assertEqual(list(doc), ["openai", "anthropic"])
        self.assertTrue(doc["anthropic"]["refresh"] in self.tokens()["valid"],
                        "auth.json does not hold the valid refresh token")

    def test_encrypted_file_backend(self):
        self.env.update({
            "XDG_DATA_HOME": os.path.join(self.small, "data"),
            "PI_KEYRING_PASSPHRASE": PASSPHRASE,
        })
        source = os.path.join(self.tmp, "import.json")
        self.write_auth_file(cli.pi_format({"anthropic": self.entry}), path=source)
        self.assertExit(self.run_cli("--backend=encrypted-file", "import", source), 0)
        vault = os.path.join(self.small, "data", "pi-keyring", "credentials.vault")
        self.assertTrue(os.path.exists(vault))
        before = self.read(vault)
        self.fill()

        new_refresh = self.assertRecoveryKept("--backend=encrypted-file")
        self.assertTrue(self.read(vault) == before, "the vault changed on a full disk")

        self.assertStoredAfterwards("--backend=encrypted-file", new_refresh)
        self.assertFalse(self.read(vault) == before, "the vault was not written")

    # Item 2 (d): with no recovery file possible (no XDG_RUNTIME_DIR), a full
    # disk stops the refresh before the request: the old refresh token is
    # not spent, the stored credential is unchanged, exit 6 (temporary);
    # once there is room again the same old refresh token works.
    def assertNotSpentOnFullDisk(self, backend, origin):
        del self.env["XDG_RUNTIME_DIR"]
        before = self.read(origin)
        self.fill()
        result = self.run_cli(backend, "get", "anthropic", secrets_on_stdout=True)
        self.assertExit(result, 6)
        self.assertIn("No space left to store a refreshed token in " + origin, result.err)
        self.assertIn("the old token is kept", result.err)
        self.assertEqual(self.refresh_requests(), [], "a refresh token was sent on a full disk")
        self.assertEqual(self.tokens()["dead"], [])
        self.assertFalse(os.path.exists(self.recovery))
        self.assertTrue(self.read(origin) == before, "the stored credential changed")

        os.unlink(self.filler)
        result = self.run_cli(backend, "get", "anthropic", secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.extra_secrets |= set(self.tokens()["valid"]) | {result.out.decode()}
        self.assertTrue(self.refresh_requests() == [self.entry["refresh"]],
                        "the old refresh token was not the one sent once there was room")

    def test_file_backend_full_without_recovery(self):
        self.write_auth_file(cli.pi_format({"anthropic": self.entry}))
        before = self.read(self.auth_file)
        self.assertNotSpentOnFullDisk("--backend=file", self.auth_file)
        self.assertTrue(cli.load_ordered(self.read(self.auth_file))["anthropic"]["refresh"]
                        in self.tokens()["valid"], "auth.json does not hold the new token")
        self.assertFalse(self.read(self.auth_file) == before)

    def test_encrypted_file_backend_full_without_recovery(self):
        self.env.update({
            "XDG_DATA_HOME": os.path.join(self.small, "data"),
            "PI_KEYRING_PASSPHRASE": PASSPHRASE,
        })
        source = os.path.join(self.tmp, "import.json")
        self.write_auth_file(cli.pi_format({"anthropic": self.entry}), path=source)
        self.assertExit(self.run_cli("--backend=encrypted-file", "import", source), 0)
        vault = os.path.join(self.small, "data", "pi-keyring", "credentials.vault")
        before = self.read(vault)
        self.assertNotSpentOnFullDisk("--backend=encrypted-file", vault)
        self.assertFalse(self.read(vault) == before, "the vault was not written")


if __name__ == "__main__":
    unittest.main(verbosity=2)
