#!/usr/bin/python3
# Tests of pi 1.6.0's ChatGPT sign-in (provider id `openai`, pi-ai
# dist/auth/oauth/openai-chatgpt.js) and kimi-coding login (kimi-coding.js)
# in pi-keyring: `login` through each flow (openai: the loopback callback on
# 127.0.0.1:1455 and the pasted redirect URL with --no-browser; kimi-coding:
# the device code), the device id in the authorize URL (pi's settings.json
# deviceId, else $XDG_STATE_HOME/pi-keyring/device-id), the stored entry
# compared with the one pi 1.6.0's own login () and refresh () store
# (tests/pi16b-login.mjs under node 22 against the same mock), refresh on
# `get`, each protocol's errors and their exit codes, logout, the daemon's
# background refresh, and an `openai` API key next to the ChatGPT sign-in
# (one entry per id, the last one written wins, as in pi 1.6.0).
# Against tests/mock-provider.py, with tests/fake-browser.py as $BROWSER and
# the private gnome-keyring of tests/with-test-keyring.sh.
#
# The ChatGPT sign-in listens on pi's fixed port 1455: meson runs this
# program with is_parallel: false.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import collections
import importlib.util
import json
import os
import re
import signal
import socket
import time
import unittest
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))


def load_module(name, filename):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pi16b = load_module("test_login_pi16b", "test-login-pi16b.py")
login = pi16b.login
cli = login.cli
daemon_tests = pi16b.daemon_tests

CHATGPT_SCOPES = ["openid", "profile", "email", "offline_access", "resource.invoke",
                  "chatgpt.tokens.use.direct"]
REDIRECT_URI = "http://127.0.0.1:1455/auth/callback"
AUTHORIZE = re.compile(r"http://127\.0\.0\.1:\d+/auth\.openai\.com/api/accounts/authorize\?\S+")
TOKEN_PATH = {"openai": "/auth.openai.com/api/accounts/oauth/token",
              "kimi-coding": "/auth.kimi.com/api/oauth/token"}
DEVICE_PATH = "/auth.kimi.com/api/oauth/device_authorization"

# The pi16b harness's tables, extended (its methods read them).
pi16b.FIELDS.update({"openai": ["type", "access", "refresh", "expires", "clientId", "scopes"],
                     "kimi-coding": ["type", "access", "refresh", "expires"]})
pi16b.NAMES.update({"openai": "OpenAI", "kimi-coding": "Kimi Code (subscription)"})
# openai: expires_in − 3 min; kimi-coding: expires_in, no margin.
pi16b.LIFETIME_MS.update({"openai": 3600 * 1000 - 180000, "kimi-coding": 3600 * 1000})
pi16b.PREFIXES.update({"openai": ("/auth.openai.com/api/accounts/",), "kimi-coding": ("/auth.kimi.com/",)})
pi16b.TOKEN_PATH.update(TOKEN_PATH)
FIELDS, NAMES = pi16b.FIELDS, pi16b.NAMES
PROVIDERS = ("openai", "kimi-coding")
# provider, pi-keyring's arguments, how the fake browser acts (None: the test approves).
FLOWS = [("openai", [], "follow"), ("kimi-coding", [], "device"), ("kimi-coding", ["--no-browser"], None)]


def normalized(text):
    """pi16b's normalization, and the issued client id (a new one per login)."""
    return re.sub(r'"clientId": "[^"]*"', '"clientId": "CLIENT"', pi16b.normalized(text))


def port_taken(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(1)
    return sock


class Pi16cTestCase(pi16b.Pi16bTestCase):
    def setUp(self):
        super().setUp()
        self.state_dir = self.env["XDG_STATE_HOME"]
        self.device_file = os.path.join(self.state_dir, "pi-keyring", "device-id")

    def browser_text(self):
        try:
            with open(self.browser_log, encoding="utf-8") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def write_settings(self, settings):
        os.makedirs(self.agent_dir, exist_ok=True)
        with open(os.path.join(self.agent_dir, "settings.json"), "w", encoding="utf-8") as f:
            json.dump(settings, f, indent=2)

    def authorize_query(self, text):
        urls = AUTHORIZE.findall(text)
        self.assertTrue(urls, text)
        return urllib.parse.parse_qsl(urllib.parse.urlsplit(urls[-1]).query)

    def expired_entry(self, provider):
        seed = self.mock.admin("POST", "seed-refresh", {"provider": provider})
        self.extra_secrets = getattr(self, "extra_secrets", set()) | {seed["refresh_token"],
                                                                      seed["access_token"]}
        pairs = [("type", "oauth"), ("access", seed["access_token"]),
                 ("refresh", seed["refresh_token"]), ("expires", 1000)]
        if provider == "openai":
            pairs += [("clientId", seed["client_id"]), ("scopes", list(CHATGPT_SCOPES))]
        return collections.OrderedDict(pairs)

    def token_form(self, provider, index=-1):
        return dict(urllib.parse.parse_qsl(self.mock.requests(TOKEN_PATH[provider])[index]["body"]))


class LoginTest(Pi16cTestCase):
    def test_login_each_flow(self):
        for provider, args, browser in FLOWS:
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
                if provider == "openai":
                    # The client the callback named, for the exchange and the entry.
                    form = self.token_form("openai")
                    self.assertRegex(entry["clientId"], r"^app_dyn_[0-9a-f]{24}$")
                    self.assertEqual(form["client_id"], entry["clientId"])
                    self.assertEqual(entry["scopes"], CHATGPT_SCOPES)
                else:
                    # client_id only, no scope.
                    body = self.mock.requests(DEVICE_PATH)[-1]["body"]
                    self.assertEqual(urllib.parse.parse_qsl(body),
                                     [("client_id", "17e5f671-d194-4dfb-9706-5516cb48c098")])
                # get gives the access token (kimi: the Bearer header's value).
                got = self.run_cli("get", provider, secrets_on_stdout=True)
                self.assertExit(got, 0)
                self.assertEqual(got.out.decode(), entry["access"])
                os.unlink(self.auth_file)

    def test_openai_authorize_url_state_nonce_verifier(self):
        result = self.run_login("openai", [], "follow")
        self.assertExit(result, 0)
        query = self.authorize_query(result.err)
        self.assertEqual([name for name, _ in query],
                         ["client_id", "agent_name_hint", "ext_agent_host_id", "response_type",
                          "redirect_uri", "resource", "scope", "state", "code_challenge",
                          "code_challenge_method", "nonce"])
        shown = dict(query)
        self.assertEqual(shown["client_id"], "dynamic_agent_client")
        self.assertEqual(shown["agent_name_hint"], "Pi")
        self.assertEqual(shown["redirect_uri"], REDIRECT_URI)
        self.assertEqual(shown["resource"], "https://api.openai.com/v1")
        self.assertEqual(shown["scope"], " ".join(CHATGPT_SCOPES))
        form = self.token_form("openai")
        self.assertEqual([name for name, _ in urllib.parse.parse_qsl(
            self.mock.requests(TOKEN_PATH["openai"])[-1]["body"])],
            ["grant_type", "client_id", "code", "code_verifier", "redirect_uri", "resource"])
        verifier = form["code_verifier"]
        for name in ("state", "nonce"):
            self.assertRegex(shown[name], r"^[A-Za-z0-9_-]{43}$")
            self.assertNotEqual(shown[name], verifier)
        self.assertNotEqual(shown["state"], shown["nonce"])
        self.assertEqual(len(verifier), 43)
        self.assertEqual(shown["code_challenge"], login.cli_pkce_challenge(verifier))
        self.assertNotIn(verifier, result.err)
        self.assertFalse(login.port_is_listening(1455))

    def test_openai_device_id_of_our_own(self):
        # No settings.json: a UUID made once under $XDG_STATE_HOME, reused.
        self.assertExit(self.run_login("openai", [], "follow"), 0)
        with open(self.device_file, encoding="utf-8") as f:
            device_id = f.read().strip()
        self.assertEqual(str(uuid.UUID(device_id)), device_id)
        self.assertEqual(os.stat(os.path.dirname(self.device_file)).st_mode & 0o077, 0)
        os.unlink(self.auth_file)
        result = self.run_login("openai", [], "follow")
        self.assertExit(result, 0)
        self.assertEqual(dict(self.authorize_query(result.err))["ext_agent_host_id"],
                         "urn:uuid:" + device_id)
        self.assertFalse(os.path.exists(os.path.join(self.agent_dir, "settings.json")))
        self.assertFalse(os.path.exists(os.path.join(self.env["HOME"], ".pi")))

    def test_openai_device_id_from_pi_settings(self):
        # pi's settings.json deviceId wins (lower-cased in the URN) and
        # nothing of our own is made.
        device_id = str(uuid.uuid4()).upper()
        self.write_settings({"theme": "dark", "deviceId": device_id})
        result = self.run_login("openai", [], "follow")
        self.assertExit(result, 0)
        self.assertEqual(dict(self.authorize_query(result.err))["ext_agent_host_id"],
                         "urn:uuid:" + device_id.lower())
        self.assertFalse(os.path.exists(self.device_file))
        # A deviceId that is no UUID is not pi's: ours is used.
        os.unlink(self.auth_file)
        self.write_settings({"deviceId": "not-a-uuid"})
        result = self.run_login("openai", [], "follow")
        self.assertExit(result, 0)
        with open(self.device_file, encoding="utf-8") as f:
            ours = f.read().strip()
        self.assertEqual(dict(self.authorize_query(result.err))["ext_agent_host_id"], "urn:uuid:" + ours)

    def test_openai_pasted_redirect_url(self):
        env = dict(self.env, FAKE_BROWSER_MODE="none")
        proc = login.LoginProcess(self, ["login", "openai", "--no-browser"], env)
        match = proc.wait_for(AUTHORIZE.pattern)
        location = self.authorize_redirect(match.group(0))
        self.assertTrue(location.startswith(REDIRECT_URI + "?"), location)
        proc.paste(location)
        result = proc.finish(timeout=60)
        self.assertExit(result, 0)
        self.assertFalse(os.path.exists(self.browser_log))
        entry = self.auth_entry("openai")
        self.assertEqual(list(entry), FIELDS["openai"])
        self.assertEqual(entry["clientId"], dict(urllib.parse.parse_qsl(
            urllib.parse.urlsplit(location).query))["client_id"])

    def test_openai_pasted_answer_must_be_the_redirect_url_of_this_sign_in(self):
        # (what is pasted, exit code, text): pi's authorizationResultFromManualInput.
        for kind, code, text in (("wrong-state", 1, "state"), ("bare-code", 1, None),
                                 ("no-client-id", 1, "client"), ("other-url", 1, None)):
            with self.subTest(kind=kind):
                self.mock.admin("POST", "reset", {})
                env = dict(self.env, FAKE_BROWSER_MODE="none")
                proc = login.LoginProcess(self, ["login", "openai", "--no-browser"], env)
                match = proc.wait_for(AUTHORIZE.pattern)
                location = self.authorize_redirect(match.group(0))
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
                if kind == "wrong-state":
                    pasted = REDIRECT_URI + "?" + urllib.parse.urlencode(dict(query, state="x" * 43))
                elif kind == "bare-code":
                    pasted = query["code"]
                elif kind == "no-client-id":
                    pasted = REDIRECT_URI + "?" + urllib.parse.urlencode(
                        {"code": query["code"], "state": query["state"]})
                else:
                    pasted = "http://127.0.0.1:1456/oauth/callback?" + urllib.parse.urlencode(query)
                proc.paste(pasted)
                time.sleep(1)
                if proc.proc.poll() is None:
                    proc.proc.send_signal(signal.SIGINT)
                result = proc.finish(timeout=60)
                self.assertNotEqual(result.code, 0)
                if text:
                    self.assertIn(text, result.err)
                self.assertNotIn(query["code"], result.err)
                self.assertFalse(os.path.exists(self.auth_file))
                self.assertEqual(self.mock.requests(TOKEN_PATH["openai"]), [])
                self.assertFalse(login.port_is_listening(1455))

    def test_openai_callback_errors(self):
        # The provider's error= (pi: "ChatGPT authorization failed: …").
        self.mock.admin("POST", "config", {"authorize_error": "access_denied"})
        result = self.run_login("openai", [], "follow")
        self.assertExit(result, 1)
        self.assertIn("Access was denied in the browser.", result.err)
        self.assertFalse(os.path.exists(self.auth_file))
        self.assertFalse(login.port_is_listening(1455))
        # A callback without the issued client_id is refused (400) and the
        # login keeps waiting; Ctrl-C ends it.
        self.mock.admin("POST", "reset", {})
        self.mock.admin("POST", "config", {"chatgpt_callback_client_id": False})
        os.unlink(self.browser_log)
        env = dict(self.env, FAKE_BROWSER_MODE="follow")
        proc = login.LoginProcess(self, ["login", "openai"], env)
        deadline = time.monotonic() + 30
        while "RESULT" not in self.browser_text():
            self.assertLess(time.monotonic(), deadline, proc.text)
            time.sleep(0.1)
        self.assertIn("RESULT fail", self.browser_text())
        self.assertIsNone(proc.proc.poll(), proc.text)
        proc.proc.send_signal(signal.SIGINT)
        result = proc.finish(timeout=30)
        self.assertExit(result, 130)
        self.assertEqual(self.mock.requests(TOKEN_PATH["openai"]), [])
        self.assertFalse(os.path.exists(self.auth_file))

    def test_openai_exchange_errors(self):
        cases = [
            ({"chatgpt_omit_id_token": True}, None, 1, "ID token"),
            ({"chatgpt_scope": "openid profile email offline_access"}, None, 1,
             "chatgpt.tokens.use.direct"),
            ({"chatgpt_scope": None}, None, 1, "invalid scope"),
            ({"expires_in": 0}, None, 1, "invalid expires_in"),
            ({}, (400, {"error": "invalid_grant", "error_description": "Code expired."}), 4, None),
            ({}, (500, {"error": "server_error"}), 6, None),
            ({}, (429, {"error": "rate_limited"}), 6, None),
        ]
        for config, inject, code, text in cases:
            with self.subTest(config=config, inject=inject):
                self.mock.admin("POST", "reset", {})
                self.mock.admin("POST", "config", config)
                if inject:
                    self.mock.admin("POST", "inject", {"prefix": TOKEN_PATH["openai"], "status": inject[0],
                                                       "body": inject[1], "headers": {"Retry-After": "30"}})
                result = self.run_login("openai", [], "follow")
                self.assertExit(result, code)
                if text:
                    self.assertIn(text, result.err)
                self.assertFalse(os.path.exists(self.auth_file))
                self.assertFalse(login.port_is_listening(1455))

    def test_openai_busy_port(self):
        # pi 1.6.0 fails ("Port 1455 is in use…") rather than offer the paste:
        # the browser's callback would reach whoever holds the port.
        sock = port_taken(1455)
        try:
            result = self.run_cli("login", "openai", extra_env={"FAKE_BROWSER_MODE": "none"}, timeout=60)
        finally:
            sock.close()
        self.assertExit(result, 1)
        self.assertIn("1455", result.err)
        self.assertFalse(os.path.exists(self.auth_file))

    def test_kimi_polls_as_pi(self):
        # first wait 1 s, pending, 1 s, slow_down (the answer's interval 6 s), ok.
        self.mock.admin("POST", "config", {"device_interval": 1,
                                           "device_script": ["authorization_pending", "slow_down", "ok"]})
        start = time.monotonic()
        result = self.run_login("kimi-coding", [], None)
        elapsed = time.monotonic() - start
        self.assertExit(result, 0)
        polls = [r for r in self.mock.requests(TOKEN_PATH["kimi-coding"]) if "device_code" in r["body"]]
        self.assertEqual(len(polls), 3)
        self.assertEqual([name for name, _ in urllib.parse.parse_qsl(polls[0]["body"])],
                         ["client_id", "device_code", "grant_type"])
        self.assertGreater(elapsed, 7.5)
        # The user opens verification_uri_complete (it carries the code).
        self.assertRegex(result.err, r"/www\.kimi\.com/code/authorize_device\?user_code=")

    def test_kimi_oauth_host_from_the_environment(self):
        # pi's getOauthHost: KIMI_CODE_OAUTH_HOST, else KIMI_OAUTH_HOST, trailing slashes dropped.
        for variables in ({"KIMI_CODE_OAUTH_HOST": self.mock.url + "/auth.kimi.com//",
                           "KIMI_OAUTH_HOST": "https://unused.example"},
                          {"KIMI_OAUTH_HOST": self.mock.url + "/auth.kimi.com/"}):
            with self.subTest(variables=sorted(variables)):
                self.mock.admin("POST", "reset", {})
                self.mock.admin("POST", "config", {"device_interval": 1})
                env = dict(self.env, PI_KEYRING_URL_REWRITE="https://www.kimi.com=%s/www.kimi.com"
                           % self.mock.url, **variables)
                result = self.run_login("kimi-coding", [], None, extra_env=env)
                self.assertExit(result, 0)
                self.assertEqual(len(self.mock.requests(DEVICE_PATH)), 1)
                self.assertEqual(list(self.auth_entry("kimi-coding")), FIELDS["kimi-coding"])
                os.unlink(self.auth_file)

    def test_kimi_device_errors(self):
        cases = [
            (["access_denied"], 1, "Kimi Code login was denied."),
            (["expired_token"], 6, "did not finish in time"),
            ([503], 6, None),
            (["invalid_client"], 1, "invalid_client"),
        ]
        for script, code, text in cases:
            with self.subTest(script=script):
                self.mock.admin("POST", "reset", {})
                self.mock.admin("POST", "config", {"device_interval": 1, "device_script": script})
                env = dict(self.env, FAKE_BROWSER_MODE="none")
                result = self.run_cli("login", "kimi-coding", env=env, timeout=60)
                self.assertExit(result, code)
                if text:
                    self.assertIn(text, result.err)
                self.assertFalse(os.path.exists(self.auth_file))

    def test_kimi_device_request_errors(self):
        for status, code in ((503, 6), (429, 6), (403, 1)):
            with self.subTest(status=status):
                self.mock.admin("POST", "reset", {})
                self.mock.admin("POST", "inject", {"prefix": DEVICE_PATH, "status": status,
                                                   "body": {"error": "invalid_request"}})
                result = self.run_cli("login", "kimi-coding", timeout=60)
                self.assertExit(result, code)
                self.assertIn("Kimi Code device authorization failed", result.err)

    def test_kimi_untrusted_verification_uri_is_refused(self):
        self.mock.admin("POST", "inject", {
            "prefix": DEVICE_PATH, "status": 200,
            "body": {"device_code": "d", "user_code": "U", "verification_uri": "https://www.kimi.com/x",
                     "verification_uri_complete": "javascript:alert(1)", "expires_in": 600}})
        result = self.run_cli("login", "kimi-coding", timeout=60)
        self.assertExit(result, 1)
        self.assertIn("Invalid Kimi Code device authorization response", result.err)
        self.assertFalse(os.path.exists(self.browser_log))

    def test_logout_forgets_without_revocation(self):
        for provider in PROVIDERS:
            with self.subTest(provider=provider):
                self.import_entry(provider, self.expired_entry(provider))
                seq = len(self.mock.requests("/"))
                result = self.run_cli("logout", provider)
                self.assertExit(result, 0)
                self.assertNotIn(provider, cli.load_ordered(self.read(self.auth_file)))
                # Neither offers revocation: nothing is sent.
                self.assertEqual(len(self.mock.requests("/")), seq)


class ApiKeyAndSignInTest(Pi16cTestCase):
    """`openai` is one id: an API key or the ChatGPT sign-in, the last written wins (pi 1.6.0's
    AuthStorage.modify replaces the entry; resolve.js: a stored credential owns the provider)."""

    def test_login_replaces_an_api_key_and_set_replaces_the_sign_in(self):
        key = "sk-proj-" + "k" * 40
        self.extra_secrets = {key}
        self.assertExit(self.run_cli("set", "openai", stdin=key.encode()), 0)
        self.assertEqual(cli.load_ordered(self.read(self.auth_file))["openai"],
                         {"type": "api_key", "key": key})
        self.assertExit(self.run_login("openai", [], "follow"), 0)
        entry = self.auth_entry("openai")
        self.assertEqual(list(entry), FIELDS["openai"])
        got = self.run_cli("get", "openai", secrets_on_stdout=True, extra_env={"OPENAI_API_KEY": key})
        # The stored sign-in wins over the environment.
        self.assertEqual(got.out.decode(), entry["access"])
        self.assertExit(self.run_cli("set", "openai", stdin=key.encode()), 0)
        self.assertEqual(cli.load_ordered(self.read(self.auth_file))["openai"],
                         {"type": "api_key", "key": key})
        got = self.run_cli("get", "openai", secrets_on_stdout=True)
        self.assertEqual(got.out.decode(), key)
        # An API key is never refreshed: refresh says so (not found, 3).
        count = len(self.mock.requests(TOKEN_PATH["openai"]))
        result = self.run_cli("refresh", "openai")
        self.assertExit(result, 3)
        self.assertIn("API key", result.err)
        self.assertEqual(len(self.mock.requests(TOKEN_PATH["openai"])), count)


class RefreshTest(Pi16cTestCase):
    def test_get_refreshes(self):
        for provider in PROVIDERS:
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
                self.assertNotEqual(stored["refresh"], entry["refresh"])
                self.assertEqual(list(stored), FIELDS[provider])
                self.assertLifetime(provider, stored["expires"], before, after)
                body = self.mock.requests(TOKEN_PATH[provider])[-1]["body"]
                names = [name for name, _ in urllib.parse.parse_qsl(body)]
                if provider == "openai":
                    self.assertEqual(names, ["grant_type", "client_id", "refresh_token", "resource"])
                    self.assertEqual(self.token_form(provider)["client_id"], entry["clientId"])
                    self.assertEqual(stored["clientId"], entry["clientId"])
                    self.assertEqual(stored["scopes"], CHATGPT_SCOPES)
                else:
                    self.assertEqual(names, ["client_id", "grant_type", "refresh_token"])
                count = len(self.mock.requests(TOKEN_PATH[provider]))
                self.assertExit(self.run_cli("get", provider, secrets_on_stdout=True), 0)
                self.assertEqual(len(self.mock.requests(TOKEN_PATH[provider])), count)

    def test_openai_refresh_needs_the_issued_client_id(self):
        entry = self.expired_entry("openai")
        del entry["clientId"]
        self.import_entry("openai", entry)
        result = self.run_cli("get", "openai")
        self.assertExit(result, 4)
        self.assertIn("client ID", result.err)
        self.assertEqual(self.mock.requests(TOKEN_PATH["openai"]), [])
        self.assertEqual(self.auth_entry("openai"), entry)

    def test_refresh_errors(self):
        # (provider, how the refresh fails, exit code, text, token requests)
        cases = [
            ("openai", "revoke", 4, "pi-keyring login openai", 1),
            ("openai", (503, 1), 6, None, 1),
            ("openai", (429, 1), 6, None, 1),
            ("openai", {"chatgpt_scope": "openid offline_access"}, 1, "chatgpt.tokens.use.direct", 1),
            ("kimi-coding", "revoke", 4, "pi-keyring login kimi-coding", 1),
            ("kimi-coding", (401, 1), 4, None, 1),
            ("kimi-coding", (403, 1), 4, None, 1),
            # pi retries 429, 5xx and the network after 1, 2 and 4 s.
            ("kimi-coding", (503, 4), 6, None, 4),
            ("kimi-coding", (429, 4), 6, None, 4),
            ("kimi-coding", "drop", 6, None, 4),
        ]
        for provider, failure, code, text, requests in cases:
            with self.subTest(provider=provider, failure=failure):
                self.mock.admin("POST", "reset", {})
                entry = self.expired_entry(provider)
                self.import_entry(provider, entry)
                if failure == "revoke":
                    self.mock.admin("POST", "revoke", {"token": entry["refresh"]})
                elif failure == "drop":
                    self.mock.admin("POST", "inject", {"prefix": TOKEN_PATH[provider], "drop": True,
                                                       "count": 4})
                elif isinstance(failure, tuple):
                    self.mock.admin("POST", "inject", {"prefix": TOKEN_PATH[provider], "status": failure[0],
                                                       "count": failure[1],
                                                       "body": {"error": "temporarily_unavailable"},
                                                       "headers": {"Retry-After": "30"}})
                else:
                    self.mock.admin("POST", "config", failure)
                result = self.run_cli("get", provider)
                self.assertExit(result, code)
                self.assertEqual(result.out, b"")
                if text:
                    self.assertIn(text, result.err)
                self.assertEqual(len(self.mock.requests(TOKEN_PATH[provider])), requests)
                self.assertEqual(self.auth_entry(provider), entry)

    def test_kimi_retry_then_success(self):
        entry = self.expired_entry("kimi-coding")
        self.import_entry("kimi-coding", entry)
        self.mock.admin("POST", "inject", {"prefix": TOKEN_PATH["kimi-coding"], "status": 502, "count": 2,
                                           "body": {"error": "bad_gateway"}})
        start = time.monotonic()
        got = self.run_cli("get", "kimi-coding", secrets_on_stdout=True)
        self.assertExit(got, 0)
        # 1 s, then 2 s.
        self.assertGreater(time.monotonic() - start, 2.9)
        self.assertEqual(len(self.mock.requests(TOKEN_PATH["kimi-coding"])), 3)
        self.assertEqual(got.out.decode(), self.auth_entry("kimi-coding")["access"])

    def test_daemon_refreshes_in_the_background(self):
        del self.env["PI_KEYRING_BACKEND"]  # the keyring, as the daemon is used
        self.env["G_MESSAGES_DEBUG"] = "pi-keyring"
        entries = {}
        for provider in PROVIDERS:
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
                    if provider == "openai":
                        self.assertEqual(stored["clientId"], entries[provider]["clientId"])
                    pending.discard(provider)
            self.assertIsNone(daemon.proc.poll(), daemon.text)
            self.assertLess(time.monotonic(), deadline, "not refreshed: %r\n%s" % (pending, daemon.text))
            time.sleep(0.2)
        daemon.stop()
        for provider in entries:
            self.assertNotIn(self.secret_tool_lookup(provider)["access"], daemon.text)


class SameAsPiTest(Pi16cTestCase):
    """pi-keyring's entries against the ones pi 1.6.0's own code stores."""

    def setUp(self):
        if not pi16b.have_pi():
            reason = "pi 1.6.0 or node 22 is not installed under %s" % pi16b.PI_HOME
            if os.environ.get("PI_KEYRING_TEST_PI_REQUIRED") == "1":
                self.fail(reason + " (PI_KEYRING_TEST_PI_REQUIRED=1: CI must run these tests)")
            self.skipTest(reason)
        super().setUp()
        self.device_id = str(uuid.uuid4())
        os.environ["PI16_DEVICE_ID"] = self.device_id  # for pi16b-login.mjs
        self.addCleanup(os.environ.pop, "PI16_DEVICE_ID", None)
        self.write_settings({"deviceId": self.device_id})

    def authorize_values(self):
        """The authorize request's parameters, the random ones named only."""
        requests = [r for r in self.mock.requests("/auth.openai.com/api/accounts/authorize")]
        query = urllib.parse.parse_qsl(urllib.parse.urlsplit(requests[-1]["path"]).query or
                                       requests[-1].get("query", ""))
        return [(name, None if name in ("state", "code_challenge", "nonce") else value)
                for name, value in query]

    def test_login_stores_what_pi_stores(self):
        for provider, args, browser in FLOWS:
            with self.subTest(provider=provider, args=args):
                if os.path.exists(self.auth_file):
                    os.unlink(self.auth_file)
                self.mock.admin("POST", "reset", {})
                self.mock.admin("POST", "config", {"device_interval": 1})
                pi_before, pi_after, pi_file = self.pi(provider, "login")
                pi_requests = self.request_shape(provider)
                pi_entry = json.loads(pi_file, object_pairs_hook=collections.OrderedDict)[provider]
                self.extra_secrets = getattr(self, "extra_secrets", set()) | {
                    pi_entry["access"], pi_entry["refresh"]}
                self.assertLifetime(provider, pi_entry["expires"], pi_before, pi_after)
                if provider == "openai":
                    pi_authorize = self.authorize_values()
                    self.assertIn(("ext_agent_host_id", "urn:uuid:" + self.device_id), pi_authorize)

                self.mock.admin("POST", "reset", {})
                self.mock.admin("POST", "config", {"device_interval": 1})
                before = time.time() * 1000
                result = self.run_login(provider, args, browser)
                after = time.time() * 1000
                self.assertExit(result, 0)
                ours = self.auth_text()
                self.assertEqual(normalized(ours).rstrip("\n"), normalized(pi_file))
                self.assertLifetime(provider, self.auth_entry(provider)["expires"], before, after)
                self.assertEqual(self.request_shape(provider), pi_requests)
                if provider == "openai":
                    self.assertEqual(self.authorize_values(), pi_authorize)
                os.unlink(self.auth_file)

    def test_refresh_stores_what_pi_stores(self):
        for provider in PROVIDERS:
            with self.subTest(provider=provider):
                self.mock.admin("POST", "reset", {})
                entry = self.expired_entry(provider)
                pi_before, pi_after, pi_file = self.pi(provider, "refresh", credential=entry)
                pi_requests = self.request_shape(provider)
                self.assertLifetime(provider, json.loads(pi_file)[provider]["expires"], pi_before, pi_after)

                self.mock.admin("POST", "reset", {})
                entry = self.expired_entry(provider)
                self.import_entry(provider, entry)
                self.assertExit(self.run_cli("refresh", provider), 0)
                self.assertEqual(normalized(self.auth_text()).rstrip("\n"), normalized(pi_file))
                self.assertEqual(self.request_shape(provider), pi_requests)
                os.unlink(self.auth_file)


if __name__ == "__main__":
    unittest.main(verbosity=2)
