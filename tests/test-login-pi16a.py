#!/usr/bin/python3
# Tests of pi 1.6.0's openrouter login in pi-keyring (the openai ChatGPT
# sign-in and kimi-coding are NOT covered yet): `login openrouter` through
# the loopback callback (ephemeral port) against tests/mock-provider.py's
# openrouter routes, with tests/fake-browser.py following the redirect; the
# stored entry in pi 1.6.0's shape {type, access, refresh: "", expires:
# MAX_SAFE_INTEGER} (openrouter.js), `get` of the never-expiring key makes
# no request, a failed key exchange stores nothing.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import importlib.util
import os
import urllib.parse
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def load_module(name, filename):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


login = load_module("test_cli_login", "test-cli-login.py")
cli = login.cli

MAX_SAFE_INTEGER = 9007199254740991


class Pi16aTestCase(login.LoginTestCase):
    def setUp(self):
        super().setUp()
        login.wait_for_free_ports()
        self.env["PI_KEYRING_BACKEND"] = "file"

    def auth_entry(self, provider):
        entry = cli.load_ordered(self.read(self.auth_file))[provider]
        self.extra_secrets = getattr(self, "extra_secrets", set()) | {entry["access"]}
        return entry

    def run_login(self, provider, args, browser):
        env = dict(self.env)
        env["FAKE_BROWSER_MODE"] = browser
        proc = login.LoginProcess(self, ["login", provider] + args, env)
        result = proc.finish(timeout=120)
        self.assertNotIn("CRITICAL", result.err)
        self.assertNotIn("runtime error", result.err)
        self.assertNotIn("AddressSanitizer", result.err)
        return result


class OpenrouterTest(Pi16aTestCase):
    def test_login_stores_pis_entry_and_get_makes_no_request(self):
        result = self.run_login("openrouter", [], "follow")
        self.assertExit(result, 0)
        self.assertEqual(result.out, b"")
        entry = self.auth_entry("openrouter")
        self.assertEqual(list(entry), ["type", "access", "refresh", "expires"])
        self.assertEqual(entry["type"], "oauth")
        self.assertTrue(entry["access"].startswith("sk-or-v1-"))
        self.assertEqual(entry["refresh"], "")
        self.assertEqual(entry["expires"], MAX_SAFE_INTEGER)
        self.assertNotIn(entry["access"], result.err)
        keys = self.mock.requests("/openrouter.ai/api/v1/auth/keys")
        self.assertEqual(len(keys), 1)
        seen = len(self.mock.requests("/"))
        got = self.run_cli("get", "openrouter", secrets_on_stdout=True)
        self.assertExit(got, 0)
        self.assertEqual(got.out.decode(), entry["access"])
        # The key never expires: no refresh, no request at all.
        self.assertEqual(len(self.mock.requests("/")), seen)

    def test_paste_code_or_redirect_url(self):
        # pi's parseAuthorizationInput: the bare code or the redirect URL.
        for form in ("code", "url"):
            with self.subTest(form=form):
                proc = login.LoginProcess(self, ["login", "openrouter"],
                                          dict(self.env, FAKE_BROWSER_MODE="none"))
                url = proc.wait_for(r"(http://127\.0\.0\.1:\d+/openrouter\.ai/auth\?\S+)").group(1)
                proc.wait_for(r"[Pp]aste")
                location = self.authorize_redirect(url)
                code = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["code"][0]
                proc.paste(code if form == "code" else location)
                result = proc.finish(timeout=120)
                self.assertExit(result, 0)
                entry = self.auth_entry("openrouter")
                self.assertEqual(list(entry), ["type", "access", "refresh", "expires"])
                self.assertNotIn(entry["access"], result.err)
                os.unlink(self.auth_file)

    def test_failed_key_exchange_stores_nothing(self):
        self.mock.admin("POST", "config", {"openrouter_key_status": 500})
        result = self.run_login("openrouter", [], "follow")
        self.assertNotEqual(result.code, 0)
        self.assertIn("OpenRouter OAuth key exchange failed (HTTP 500)", result.err)
        self.assertFalse(os.path.exists(self.auth_file))


if __name__ == "__main__":
    unittest.main(verbosity=2)
