#!/usr/bin/python3
# Tests of pi 1.6.0's meta, xai and radius logins in pi-keyring: `login`
# through each flow (meta and xai: device code; radius: browser PKCE, and
# the device code with --no-browser), the stored entry compared with the
# one pi 1.6.0's own login () and refresh () (pi-ai dist/auth/oauth/*.js,
# run with node 22 by tests/pi16b-login.mjs against the same mock) store,
# refresh on `get`, each protocol's errors and their exit codes, logout and
# the daemon's background refresh. Against tests/mock-provider.py, with
# tests/fake-browser.py as $BROWSER and the private gnome-keyring of
# tests/with-test-keyring.sh.
#
# Radius listens on pi's fixed port 1456: meson runs this program with
# is_parallel: false.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import collections
import glob
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))


def load_module(name, filename):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


login = load_module("test_cli_login", "test-cli-login.py")
cli = login.cli
daemon_tests = load_module("test_daemon", "test-daemon.py")

# tests/meson.build passes the directory of tests/pi/install-pi.sh.
PI_HOME = os.environ.get("PI_KEYRING_TEST_PI_DIR") or os.path.expanduser("~/.cache/pi-keyring-test-pi")
NODE = os.path.join(PI_HOME, "node22", "node_modules", ".bin", "node")
PI_AI_DIST = os.path.join(PI_HOME, "1.6.0", "node_modules", "@earendil-works", "pi-ai", "dist")
HARNESS = os.path.join(HERE, "pi16b-login.mjs")

FIELDS = {
    "meta": ["type", "refresh", "access", "expires"],
    "xai": ["type", "access", "refresh", "expires"],
    "radius": ["type", "access", "refresh", "expires", "scope"],
}
NAMES = {"meta": "Meta (Muse subscription)", "xai": "xAI (Grok/X subscription)", "radius": "Radius"}
# expires − the time of the answer, as pi 1.6.0 computes it (reference
# pi-1.6-oauth.md): meta a fixed day, xai expires_in − 5 min, radius − 1 min.
LIFETIME_MS = {"meta": 24 * 3600 * 1000, "xai": 3600 * 1000 - 300000, "radius": 3600 * 1000 - 60000}
PREFIXES = {"meta": ("/auth.meta.com/", "/api.meta.ai/"), "xai": ("/auth.x.ai/",),
            "radius": ("/radius.pi.dev/",)}
TOKEN_PATH = {"meta": "/api.meta.ai/muse-code/key", "xai": "/auth.x.ai/oauth2/token",
              "radius": "/radius.pi.dev/v1/oauth/token"}
# The flows: provider, pi-keyring's arguments, how the fake browser acts
# (None: no browser, the test approves), pi's method choice.
FLOWS = [("meta", [], "device", None), ("xai", [], "device", None),
         ("radius", [], "follow", "browser"), ("radius", ["--no-browser"], None, "device-code")]


def have_pi():
    return os.access(NODE, os.X_OK) and os.path.isdir(PI_AI_DIST)


def normalized(text):
    """auth.json text with the tokens and the expiry replaced: the shape pi writes."""
    text = re.sub(r'"(access|refresh)": "[^"]*"', r'"\1": "TOKEN"', text)
    return re.sub(r'"expires": \d+', '"expires": EXPIRES', text)


class Pi16bTestCase(login.LoginTestCase):
    def setUp(self):
        super().setUp()
        login.PORTS.setdefault("radius", 1456)
        login.wait_for_free_ports()
        self.env["PI_KEYRING_BACKEND"] = "file"

    def auth_text(self):
        return self.read(self.auth_file).decode("utf-8")

    def auth_entry(self, provider):
        entry = cli.load_ordered(self.read(self.auth_file))[provider]
        self.extra_secrets = getattr(self, "extra_secrets", set()) | {entry["access"], entry["refresh"]}
        return entry

    def run_login(self, provider, args, browser, extra_env=None):
        """`pi-keyring login`; without a browser the test approves the device code."""
        env = dict(self.env)
        env["FAKE_BROWSER_MODE"] = browser or "none"
        env.update(extra_env or {})
        proc = login.LoginProcess(self, ["login", provider] + args, env)
        if browser is None:
            proc.wait_for(r"Enter code: \S+")
            self.mock.admin("POST", "device/approve", {})
        result = proc.finish(timeout=120)
        self.assertNotIn("CRITICAL", result.err)
        self.assertNotIn("runtime error", result.err)
        self.assertNotIn("AddressSanitizer", result.err)
        return result

    def assertLifetime(self, provider, expires, before, after):
        self.assertGreaterEqual(expires, before + LIFETIME_MS[provider] - 1)
        self.assertLessEqual(expires, after + LIFETIME_MS[provider] + 1)

    def pi(self, provider, action, method=None, credential=None):
        """pi 1.6.0's own login or refresh against the mock: (before, after, file text)."""
        args = [NODE, HARNESS, PI_AI_DIST, self.mock.url, self.mock.rewrite, provider, action]
        if method:
            args.append(method)
        env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
        proc = subprocess.run(args, input=json.dumps(credential or {}).encode(), capture_output=True,
                              timeout=120, env=env)
        answer = json.loads(proc.stdout.decode().strip().splitlines()[-1])
        self.assertNotIn("error", answer, proc.stderr.decode())
        return answer["before"], answer["after"], answer["file"]

    def request_shape(self, provider):
        """The requests the mock got for the provider: (method, path, form/JSON field names)."""
        shape = []
        for prefix in PREFIXES[provider]:
            for request in self.mock.requests(prefix):
                body = request.get("body") or ""
                try:
                    names = list(json.loads(body)) if body.startswith("{") else \
                        [name for name, _ in urllib.parse.parse_qsl(body, keep_blank_values=True)]
                except ValueError:
                    names = ["?"]
                path = request["path"].split("?")[0]
                if request["method"] == "GET" and path.endswith("/device"):
                    continue  # the fake browser's visit of the verification page
                item = (request["seq"], request["method"], path, names)
                shape.append(item)
        shape.sort()
        # Polls that are still pending come as often as the clock wants.
        result = []
        for _, method, path, names in shape:
            if not result or result[-1] != (method, path, names):
                result.append((method, path, names))
        return result

    def import_entry(self, provider, entry):
        source = os.path.join(self.tmp, "import.json")
        self.write_auth_file(cli.pi_format({provider: entry}), path=source)
        self.assertExit(self.run_cli("import", source), 0)

    def expired_entry(self, provider):
        """An expired entry whose refresh token (meta: identity token) the mock honours."""
        seed = self.mock.admin("POST", "seed-refresh", {"provider": provider})
        self.extra_secrets = getattr(self, "extra_secrets", set()) | {seed["refresh_token"],
                                                                      seed["access_token"]}
        pairs = [("type", "oauth"), ("access", seed["access_token"]),
                 ("refresh", seed["refresh_token"]), ("expires", 1000)]
        if provider == "meta":
            pairs[1], pairs[2] = pairs[2], pairs[1]
        if provider == "radius":
            pairs.append(("scope", "gateway offline_access"))
        return collections.OrderedDict(pairs)


class LoginTest(Pi16bTestCase):
    def test_login_each_flow(self):
        for provider, args, browser, _ in FLOWS:
            with self.subTest(provider=provider, args=args):
                self.mock.admin("POST", "reset", {})
                self.mock.admin("POST", "config", {"device_interval": 1})
                before = time.time() * 1000
                result = self.run_login(provider, args, browser)
                after = time.time() * 1000
                self.assertExit(result, 0)
                self.assertIn("Logged in to %s. Credentials saved to " % NAMES[provider], result.err)
                entry = self.auth_entry(provider)
                self.assertEqual(list(entry), FIELDS[provider])
                self.assertLifetime(provider, entry["expires"], before, after)
                self.assertNoTokens(result.err, entry)
                self.assertEqual(result.out, b"")
                if provider == "radius":
                    self.assertEqual(entry["scope"], "gateway offline_access")
                # get gives the access token (toAuth's apiKey).
                got = self.run_cli("get", provider, secrets_on_stdout=True)
                self.assertExit(got, 0)
                self.assertEqual(got.out.decode(), entry["access"])
                os.unlink(self.auth_file)

    def test_radius_browser_flow_state_and_url(self):
        self.mock.admin("POST", "config", {"device_interval": 1})
        result = self.run_login("radius", [], "follow")
        self.assertExit(result, 0)
        url = re.search(r"http://127\.0\.0\.1:\d+/radius\.pi\.dev/oauth/authorize\?\S+", result.err).group(0)
        query = urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query)
        # pi's order; the discovered endpoint's own query is replaced.
        self.assertEqual([name for name, _ in query],
                         ["response_type", "client_id", "redirect_uri", "scope", "code_challenge",
                          "code_challenge_method", "handoff", "state"])
        shown = dict(query)
        self.assertEqual(shown["redirect_uri"], "http://127.0.0.1:1456/oauth/callback")
        self.assertRegex(shown["state"], r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        body = dict(urllib.parse.parse_qsl(self.mock.requests(TOKEN_PATH["radius"])[-1]["body"]))
        self.assertEqual(len(body["code_verifier"]), 43)
        self.assertNotEqual(body["code_verifier"], shown["state"])
        self.assertNotIn(body["code_verifier"], result.err)
        self.assertEqual(shown["code_challenge"], login.cli_pkce_challenge(body["code_verifier"]))
        self.assertIn("Listening for OAuth callback on http://127.0.0.1:1456/oauth/callback",
                      result.err)
        self.assertIn("pi-keyring login radius --no-browser", result.err)
        self.assertFalse(login.port_is_listening(1456))

    def test_device_flows_poll_as_pi(self):
        # pending twice, then slow_down, then approved: pi 1.6.0's poller
        # (interval 1 s, slow_down → the answer's interval, radius + 5 s).
        for provider, args in (("xai", ["--no-browser"]), ("radius", ["--no-browser"])):
            with self.subTest(provider=provider):
                self.mock.admin("POST", "reset", {})
                self.mock.admin("POST", "config", {
                    "device_interval": 1,
                    "device_script": ["authorization_pending", "slow_down", "ok"]})
                start = time.monotonic()
                result = self.run_login(provider, args, None)
                elapsed = time.monotonic() - start
                self.assertExit(result, 0)
                polls = [r for r in self.mock.requests(TOKEN_PATH[provider])
                         if "device_code" in r["body"]]
                self.assertEqual(len(polls), 3)
                # xai: 1 s first wait, 1 s, then 6 s (the slow_down's interval);
                # radius: no first wait, 1 s, then 1 + 5 s.
                self.assertGreater(elapsed, 7.0 if provider == "xai" else 6.0)
                os.unlink(self.auth_file)

    def test_meta_device_answer_without_interval_or_expiry(self):
        self.mock.admin("POST", "config", {"pi16b_device_omit": ["interval", "expires_in",
                                                                 "verification_uri_complete"]})
        start = time.monotonic()
        result = self.run_login("meta", [], "device")
        self.assertExit(result, 0)
        # RFC 8628's 5 s default before the first poll (waitBeforeFirstPoll).
        self.assertGreater(time.monotonic() - start, 4.5)
        self.assertIn("/auth.meta.com/device\n", result.err)
        self.assertEqual(list(self.auth_entry("meta")), FIELDS["meta"])

    def test_device_errors(self):
        cases = [
            ("xai", ["access_denied"], 1, "denied"),
            ("xai", ["authorization_denied"], 1, "denied"),
            ("meta", ["access_denied"], 1, "denied"),
            ("radius", ["access_denied"], 1, "denied"),
            ("xai", ["expired_token"], 6, "did not finish in time"),
            ("meta", ["expired_token"], 6, "did not finish in time"),
            ("radius", ["expired_token"], 6, "did not finish in time"),
            ("meta", [503], 6, "temporary"),
            ("xai", ["invalid_client"], 1, "invalid_client"),
        ]
        for provider, script, code, text in cases:
            with self.subTest(provider=provider, script=script):
                self.mock.admin("POST", "reset", {})
                self.mock.admin("POST", "config", {"device_interval": 1, "device_script": script})
                args = ["--no-browser"] if provider == "radius" else []
                env = dict(self.env, FAKE_BROWSER_MODE="none")
                result = self.run_cli("login", provider, *args, env=env, timeout=60)
                self.assertExit(result, code)
                self.assertIn(text, result.err)
                self.assertFalse(os.path.exists(self.auth_file))

    def test_device_code_request_errors(self):
        for provider, status, code in (("xai", 503, 6), ("meta", 429, 6), ("radius", 500, 6),
                                       ("xai", 403, 1)):
            with self.subTest(provider=provider, status=status):
                self.mock.admin("POST", "reset", {})
                device = {"xai": "/auth.x.ai/oauth2/device/code",
                          "meta": "/auth.meta.com/oidc/device/authorization/",
                          "radius": "/radius.pi.dev/v1/oauth/device"}[provider]
                self.mock.admin("POST", "inject", {"prefix": device, "status": status,
                                                   "body": {"error": "server_error"}})
                args = ["--no-browser"] if provider == "radius" else []
                result = self.run_cli("login", provider, *args, timeout=60)
                self.assertExit(result, code)

    def test_untrusted_verification_uri_is_refused(self):
        # xai: https only (parseDeviceCode); a javascript: URI is never opened.
        self.mock.admin("POST", "inject", {
            "prefix": "/auth.x.ai/oauth2/device/code", "status": 200,
            "body": {"device_code": "d", "user_code": "U", "verification_uri": "javascript:alert(1)",
                     "expires_in": 600}})
        result = self.run_cli("login", "xai", timeout=60)
        self.assertExit(result, 1)
        self.assertIn("invalid device code answer", result.err)
        self.assertFalse(os.path.exists(self.browser_log))

    def test_meta_mint_without_key_names_the_setup_url(self):
        self.mock.admin("POST", "config", {"device_interval": 1, "meta_mint_no_key": True})
        result = self.run_login("meta", [], "device")
        self.assertExit(result, 1)
        self.assertIn("Meta did not issue an API key. Complete setup at "
                      "https://www.meta.ai/muse/setup?step=terms", result.err)
        self.assertFalse(os.path.exists(self.auth_file))

    def test_radius_callback_error_and_discovery_failure(self):
        self.mock.admin("POST", "config", {"authorize_error": "access_denied"})
        result = self.run_login("radius", [], "follow")
        self.assertExit(result, 1)
        self.assertFalse(login.port_is_listening(1456))
        self.mock.admin("POST", "reset", {})
        self.mock.admin("POST", "inject", {"prefix": "/radius.pi.dev/v1/oauth", "status": 404,
                                           "body": "not here"})
        result = self.run_cli("login", "radius", timeout=60)
        self.assertExit(result, 1)
        self.assertIn("Radius OAuth configuration", result.err)

    def test_logout_forgets_without_revocation(self):
        for provider in ("meta", "xai", "radius"):
            with self.subTest(provider=provider):
                self.import_entry(provider, self.expired_entry(provider))
                seq = len(self.mock.requests("/"))
                result = self.run_cli("logout", provider)
                self.assertExit(result, 0)
                self.assertNotIn(provider, cli.load_ordered(self.read(self.auth_file)))
                # No provider offers revocation: nothing is sent.
                self.assertEqual(len(self.mock.requests("/")), seq)


class RefreshTest(Pi16bTestCase):
    def test_get_refreshes(self):
        for provider in ("meta", "xai", "radius"):
            with self.subTest(provider=provider):
                entry = self.expired_entry(provider)
                self.import_entry(provider, entry)
                before = time.time() * 1000
                got = self.run_cli("get", provider, secrets_on_stdout=True)
                after = time.time() * 1000
                self.assertExit(got, 0)
                stored = self.auth_entry(provider)
                self.assertEqual(got.out.decode(), stored["access"])
                self.assertNotEqual(stored["access"], entry["access"])
                self.assertEqual(list(stored), FIELDS[provider])
                self.assertLifetime(provider, stored["expires"], before, after)
                if provider == "meta":
                    # The identity token never changes: it re-mints the key.
                    self.assertEqual(stored["refresh"], entry["refresh"])
                    mint = self.mock.requests(TOKEN_PATH["meta"])[-1]
                    self.assertEqual(mint["body"], "{}")
                else:
                    self.assertNotEqual(stored["refresh"], entry["refresh"])
                # Fresh now: no second request.
                count = len(self.mock.requests(TOKEN_PATH[provider]))
                self.assertExit(self.run_cli("get", provider, secrets_on_stdout=True), 0)
                self.assertEqual(len(self.mock.requests(TOKEN_PATH[provider])), count)

    def test_xai_refresh_without_rotation_keeps_the_refresh_token(self):
        self.mock.admin("POST", "config", {"xai_refresh_omit_refresh": True, "xai_omit_expires_in": True,
                                           "rotate": {"xai": False}})
        entry = self.expired_entry("xai")
        self.import_entry("xai", entry)
        before = time.time() * 1000
        self.assertExit(self.run_cli("refresh", "xai"), 0)
        stored = self.auth_entry("xai")
        self.assertEqual(stored["refresh"], entry["refresh"])
        # expires_in absent: pi's 3600 s.
        self.assertLifetime("xai", stored["expires"], before, time.time() * 1000)

    def test_radius_answer_without_scope_leaves_it_out(self):
        self.mock.admin("POST", "config", {"radius_scope": None})
        self.import_entry("radius", self.expired_entry("radius"))
        self.assertExit(self.run_cli("refresh", "radius"), 0)
        self.assertEqual(list(self.auth_entry("radius")), ["type", "access", "refresh", "expires"])

    def test_refresh_errors(self):
        # (provider, how the refresh fails, exit code, text on stderr)
        cases = [
            ("meta", "revoke", 4, "pi-keyring login meta"),
            ("meta", {"meta_mint_status": 403}, 4, "pi-keyring login meta"),
            ("meta", {"meta_mint_status": 500}, 6, None),
            ("meta", {"meta_mint_status": 429}, 6, None),
            ("xai", "revoke", 4, "pi-keyring login xai"),
            ("xai", 503, 6, None),
            ("xai", 429, 6, None),
            ("radius", "revoke", 4, "pi-keyring login radius"),
            ("radius", 502, 6, None),
            ("radius", "drop", 6, None),
        ]
        for provider, failure, code, text in cases:
            with self.subTest(provider=provider, failure=failure):
                self.mock.admin("POST", "reset", {})
                entry = self.expired_entry(provider)
                self.import_entry(provider, entry)
                if failure == "revoke":
                    self.mock.admin("POST", "revoke", {"token": entry["refresh"]})
                elif failure == "drop":
                    self.mock.admin("POST", "inject", {"prefix": TOKEN_PATH[provider], "drop": True})
                elif isinstance(failure, int):
                    self.mock.admin("POST", "inject", {"prefix": TOKEN_PATH[provider], "status": failure,
                                                       "body": {"error": "temporarily_unavailable"},
                                                       "headers": {"Retry-After": "30"}})
                else:
                    self.mock.admin("POST", "config", failure)
                result = self.run_cli("get", provider)
                self.assertExit(result, code)
                self.assertEqual(result.out, b"")
                if text:
                    self.assertIn(text, result.err)
                # The credential stays as it was.
                self.assertEqual(self.auth_entry(provider), entry)

    def test_daemon_refreshes_in_the_background(self):
        del self.env["PI_KEYRING_BACKEND"]  # the keyring, as the daemon is used
        self.env["G_MESSAGES_DEBUG"] = "pi-keyring"
        entries = {}
        for provider in ("meta", "xai", "radius"):
            entry = self.expired_entry(provider)
            # Due (expires − 5 min) two seconds from now.
            entry["expires"] = int(time.time() * 1000) + 5 * 60 * 1000 + 2000
            self.import_entry(provider, entry)
            entries[provider] = entry
        daemon = daemon_tests.Daemon(self, self.env)
        deadline = time.monotonic() + 40
        pending = set(entries)
        while pending:
            for provider in list(pending):
                stored = self.secret_tool_lookup(provider)
                self.extra_secrets = getattr(self, "extra_secrets", set()) | {
                    stored["access"], stored["refresh"]}
                if stored["access"] != entries[provider]["access"]:
                    self.assertEqual(list(stored), FIELDS[provider])
                    self.assertGreater(stored["expires"], time.time() * 1000 + 20 * 60 * 1000)
                    pending.discard(provider)
            self.assertIsNone(daemon.proc.poll(), daemon.text)
            self.assertLess(time.monotonic(), deadline, "not refreshed: %r\n%s" % (pending, daemon.text))
            time.sleep(0.2)
        daemon.stop()
        for provider in entries:
            self.assertNotIn(self.secret_tool_lookup(provider)["access"], daemon.text)


class SameAsPiTest(Pi16bTestCase):
    """pi-keyring's entries against the ones pi 1.6.0's own code stores."""

    def setUp(self):
        if not have_pi():
            reason = "pi 1.6.0 or node 22 is not installed under %s" % PI_HOME
            if os.environ.get("PI_KEYRING_TEST_PI_REQUIRED") == "1":
                self.fail(reason + " (PI_KEYRING_TEST_PI_REQUIRED=1: CI must run these tests)")
            self.skipTest(reason)
        super().setUp()

    def test_login_stores_what_pi_stores(self):
        for provider, args, browser, method in FLOWS:
            with self.subTest(provider=provider, args=args):
                if os.path.exists(self.auth_file):
                    os.unlink(self.auth_file)
                self.mock.admin("POST", "reset", {})
                self.mock.admin("POST", "config", {"device_interval": 1})
                pi_before, pi_after, pi_file = self.pi(provider, "login", method)
                pi_requests = self.request_shape(provider)
                pi_entry = json.loads(pi_file, object_pairs_hook=collections.OrderedDict)[provider]
                self.extra_secrets = getattr(self, "extra_secrets", set()) | {
                    pi_entry["access"], pi_entry["refresh"]}
                self.assertLifetime(provider, pi_entry["expires"], pi_before, pi_after)

                self.mock.admin("POST", "reset", {})
                self.mock.admin("POST", "config", {"device_interval": 1})
                before = time.time() * 1000
                result = self.run_login(provider, args, browser)
                after = time.time() * 1000
                self.assertExit(result, 0)
                ours = self.auth_text()
                # Byte for byte, tokens and expiry aside: the same members in
                # the same order, the same JSON formatting.
                self.assertEqual(normalized(ours).rstrip("\n"), normalized(pi_file))
                self.assertLifetime(provider, self.auth_entry(provider)["expires"], before, after)
                # The same requests, with the same fields in the same order.
                self.assertEqual(self.request_shape(provider), pi_requests)
                os.unlink(self.auth_file)

    def test_refresh_stores_what_pi_stores(self):
        for provider in ("meta", "xai", "radius"):
            with self.subTest(provider=provider):
                self.mock.admin("POST", "reset", {})
                entry = self.expired_entry(provider)
                pi_before, pi_after, pi_file = self.pi(provider, "refresh", credential=entry)
                pi_requests = self.request_shape(provider)
                self.assertLifetime(provider, json.loads(pi_file)[provider]["expires"],
                                    pi_before, pi_after)

                self.mock.admin("POST", "reset", {})
                entry = self.expired_entry(provider)
                self.import_entry(provider, entry)
                self.assertExit(self.run_cli("refresh", provider), 0)
                self.assertEqual(normalized(self.auth_text()).rstrip("\n"), normalized(pi_file))
                self.assertEqual(self.request_shape(provider), pi_requests)
                os.unlink(self.auth_file)


if __name__ == "__main__":
    unittest.main(verbosity=2)
