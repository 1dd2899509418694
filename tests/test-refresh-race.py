#!/usr/bin/python3
# N processes, one expired token, one token request: 20 `pi-keyring get`
# started together on one expired OAuth credential make exactly one refresh
# request at tests/mock-provider.py, and all print the same new token.
#
# The first process to take the credential's lock
# ($XDG_RUNTIME_DIR/pi-keyring/<profile>/<provider>.lock, and pi's
# auth.json.lock for auth.json) refreshes; its token request is held for a
# second at the mock so that the others are all waiting by then; each of
# them reads the entry again under the lock and finds the new token. The
# mock rotates refresh tokens: a second request would have to send a spent
# token or a new one, and would show up either way.
#
# Backends: the Secret Service (the private gnome-keyring of
# tests/with-test-keyring.sh), pi's auth.json as the file backend, and
# auth.json as the fallback behind an empty keyring.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import collections
import importlib.util
import json
import os
import subprocess
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def load_module(name, filename):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cli = load_module("test_cli", "test-cli.py")
cli_login = load_module("test_cli_login", "test-cli-login.py")

N_PROCESSES = 20
TOKEN_PATH = cli_login.ANTHROPIC_TOKEN_PATH
EXPIRED_ACCESS = "sk-ant-oat01-race-expired-access"


@unittest.skipUnless(cli.CLI and os.access(cli.CLI, os.X_OK), "PI_KEYRING_CLI is not set")
class RefreshRaceTest(cli.CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.mock = cli_login.Mock()

    @classmethod
    def tearDownClass(cls):
        cls.mock.stop()

    def setUp(self):
        super().setUp()
        self.mock.admin("POST", "reset", {})
        self.env["PI_KEYRING_URL_REWRITE"] = self.mock.rewrite
        # Every process must meet the others on one lock directory.
        self.assertTrue(self.env.get("XDG_RUNTIME_DIR"), "no XDG_RUNTIME_DIR")
        seed = self.mock.admin("POST", "seed-refresh", {"provider": "anthropic"})
        self.entry = collections.OrderedDict([
            ("type", "oauth"), ("refresh", seed["refresh_token"]),
            ("access", EXPIRED_ACCESS), ("expires", 1000)])
        self.extra_secrets = {seed["refresh_token"]}

    def refresh_requests(self):
        sent = []
        for request in self.mock.requests(TOKEN_PATH):
            body = json.loads(request["body"])
            if body.get("grant_type") == "refresh_token":
                sent.append(body["refresh_token"])
        return sent

    def race(self, *options):
        """Starts N `get`s at once; returns their (exit code, stdout, stderr)."""
        # The first token request is held so that the others queue up on the lock.
        self.mock.admin("POST", "inject", {"prefix": TOKEN_PATH, "delay": 1.0, "count": 1})
        argv = [cli.CLI] + list(options) + ["get", "anthropic"]
        start = time.monotonic()
        procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=self.env)
                 for _ in range(N_PROCESSES)]
        results = []
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            results.append((proc.returncode, out.decode(), err.decode("utf-8", "replace")))
        elapsed = time.monotonic() - start
        # The held request means they really overlapped.
        self.assertGreaterEqual(elapsed, 1.0)
        for code, out, err in results:
            self.assertEqual(code, 0, err)
            self.assertNotIn(self.entry["refresh"], err)
            self.assertNotIn("CRITICAL", err)
            self.assertNotIn("AddressSanitizer", err)
            self.assertNotIn("runtime error", err)
        return results

    # Tokens are compared without being shown, even when a test fails.

    def assertOneRefresh(self, results, stored):
        outputs = {out for _, out, _ in results}
        self.assertEqual(len(outputs), 1, "the processes printed %d different tokens" % len(outputs))
        token = outputs.pop()
        self.assertTrue(token != EXPIRED_ACCESS, "the expired token was printed")
        self.assertTrue(token == stored["access"], "the token printed is not the one stored")
        self.assertGreater(stored["expires"], time.time() * 1000)
        sent = self.refresh_requests()
        self.assertEqual(len(sent), 1, "%d token requests instead of one" % len(sent))
        self.assertTrue(sent[0] == self.entry["refresh"], "the request sent another token")
        # The mock's view: one rotation, and the new token is the valid one.
        tokens = self.mock.admin("GET", "tokens")["anthropic"]["refresh"]
        self.assertTrue(tokens["valid"] == [stored["refresh"]],
                        "%d valid refresh tokens, or not the stored one" % len(tokens["valid"]))
        self.assertTrue(self.entry["refresh"] in tokens["dead"], "the old token is not spent")

    def test_secret_service(self):
        source = os.path.join(self.tmp, "import.json")
        self.write_auth_file(cli.pi_format({"anthropic": self.entry}), path=source)
        self.assertExit(self.run_cli("--backend=secret-service", "import", source), 0)
        self.assertTrue(self.secret_tool_lookup("anthropic") == self.entry, "not imported")

        results = self.race("--backend=secret-service")
        stored = self.secret_tool_lookup("anthropic")
        self.extra_secrets |= {stored["refresh"]}
        self.assertOneRefresh(results, stored)
        self.assertEqual(cli.keyring_count(), 1)
        self.assertFalse(os.path.exists(self.auth_file))

    def test_file_backend(self):
        self.write_auth_file(cli.pi_format(collections.OrderedDict([
            ("openai", {"type": "api_key", "key": "sk-cli-test-openai-0f9e8d7c"}),
            ("anthropic", self.entry)])))

        results = self.race("--backend=file")
        doc = cli.load_ordered(self.read(self.auth_file))
        self.assertEqual(list(doc), ["openai", "anthropic"])
        self.extra_secrets |= {doc["anthropic"]["refresh"]}
        self.assertOneRefresh(results, doc["anthropic"])
        self.assertTrue(self.read(self.auth_file) == cli.pi_format(doc), "not in pi's format")
        self.assertFalse(os.path.exists(self.auth_file + ".lock"))
        self.assertEqual(cli.keyring_count(), 0)

    def test_auth_json_fallback(self):
        self.write_auth_file(cli.pi_format({"anthropic": self.entry}))

        results = self.race("--backend=secret-service")
        doc = cli.load_ordered(self.read(self.auth_file))
        self.extra_secrets |= {doc["anthropic"]["refresh"]}
        self.assertOneRefresh(results, doc["anthropic"])
        # Written back where it came from, not into the keyring.
        self.assertEqual(cli.keyring_count(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
