#!/usr/bin/python3
# Tests of `pi-keyring login`, `refresh`, `get` of an expired token and
# `logout`: the built binary in a subprocess, against tests/mock-provider.py
# (its own process, reached through PI_KEYRING_URL_REWRITE), with
# tests/fake-browser.py as $BROWSER and the private gnome-keyring of
# tests/with-test-keyring.sh.
#
# The logins listen on pi's fixed loopback ports (53692, 8085, 51121, 1455):
# meson runs this program with is_parallel: false.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import base64
import collections
import hashlib
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"
FAKE_BROWSER = os.path.join(HERE, "fake-browser.py")
MOCK_PROVIDER = os.path.join(HERE, "mock-provider.py")


def load_module(name, filename):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cli = load_module("test_cli", "test-cli.py")
load_ordered = cli.load_ordered

# pi's field order of the entries each login creates (reference §3.2).
FIELDS = {
    "anthropic": ["type", "refresh", "access", "expires"],
    "github-copilot": ["type", "refresh", "access", "expires"],
    "google-gemini-cli": ["type", "refresh", "access", "expires", "projectId", "email"],
    "google-antigravity": ["type", "refresh", "access", "expires", "projectId", "email"],
    "openai-codex": ["type", "access", "refresh", "expires", "accountId"],
}
NAMES = {
    "anthropic": "Anthropic (Claude Pro/Max)",
    "github-copilot": "GitHub Copilot",
    "google-gemini-cli": "Google Cloud Code Assist (Gemini CLI)",
    "google-antigravity": "Antigravity (Gemini 3, Claude, GPT-OSS)",
    "openai-codex": "ChatGPT Plus/Pro (Codex Subscription)",
}
PORTS = {"anthropic": 53692, "google-gemini-cli": 8085, "google-antigravity": 51121,
         "openai-codex": 1455}
ANTHROPIC_TOKEN_PATH = "/platform.claude.com/v1/oauth/token"
TOKEN_PATHS = {"anthropic": ANTHROPIC_TOKEN_PATH,
               "openai-codex": "/auth.openai.com/oauth/token",
               "google-gemini-cli": "/oauth2.googleapis.com/token",
               "google-antigravity": "/oauth2.googleapis.com/token"}
AUTHORIZE_URL = re.compile(r"http://127\.0\.0\.1:\d+/[^\s?]+/(?:authorize|auth)\?\S+")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())


def fetch(method, url, body=None, timeout=10):
    """(status, headers, parsed JSON or text); redirects are not followed."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"} if data else {})
    try:
        with OPENER.open(req, timeout=timeout) as resp:
            status, headers, raw = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        status, headers, raw = exc.code, exc.headers, exc.read()
    text = raw.decode("utf-8", "replace")
    try:
        return status, headers, json.loads(text)
    except ValueError:
        return status, headers, text


def cli_pkce_challenge(verifier):
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def port_is_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def wait_for_free_ports(timeout=60):
    """Other test programs (in other build directories) use the same fixed
    ports: wait for them to be done rather than fail."""
    deadline = time.monotonic() + timeout
    while not all(port_is_free(port) for port in PORTS.values()):
        if time.monotonic() > deadline:
            raise RuntimeError("pi's loopback ports stay busy: %r"
                               % [p for p in PORTS.values() if not port_is_free(p)])
        time.sleep(0.2)


def port_is_listening(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class Mock:
    """tests/mock-provider.py in its own process."""

    def __init__(self):
        self.proc = subprocess.Popen([PYTHON, MOCK_PROVIDER], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        match = re.match(r"PORT=(\d+) URL=(\S+) REWRITE=(\S+)", line)
        if not match:
            self.proc.kill()
            raise RuntimeError("the mock provider did not start: %r" % line)
        self.port = int(match.group(1))
        self.url = match.group(2)
        self.rewrite = match.group(3)

    def admin(self, method, name, body=None):
        status, _, answer = fetch(method, self.url + "/_admin/" + name, body)
        if status != 200:
            raise RuntimeError("mock %s %s: %d %r" % (method, name, status, answer))
        return answer

    def requests(self, prefix):
        return self.admin("GET", "requests?prefix=" + urllib.parse.quote(prefix))["requests"]

    def stop(self):
        try:
            self.admin("POST", "shutdown", {})
        except Exception:
            pass
        self.proc.stdout.close()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class StderrReader:
    """A process in the background (self.proc), its stderr read as it comes."""

    def start_reading(self):
        self.err = b""
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            chunk = os.read(self.proc.stderr.fileno(), 4096)
            if not chunk:
                return
            with self.lock:
                self.err += chunk

    @property
    def text(self):
        with self.lock:
            return self.err.decode("utf-8", "replace")


class LoginProcess(StderrReader):
    """A `pi-keyring login` running in the background, its stderr read as it comes."""

    def __init__(self, test, args, env):
        self.test = test
        self.proc = subprocess.Popen([cli.CLI] + args, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.start_reading()

    def wait_for(self, pattern, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.text)
            if match:
                return match
            if self.proc.poll() is not None:
                self.reader.join(5)
                match = re.search(pattern, self.text)
                if match:
                    return match
                self.test.fail("pi-keyring exited (%d) before %r:\n%s"
                               % (self.proc.returncode, pattern, self.text))
            time.sleep(0.05)
        self.test.fail("no %r within %d s:\n%s" % (pattern, timeout, self.text))

    def paste(self, text):
        self.proc.stdin.write(text.encode() + b"\n")
        self.proc.stdin.flush()

    def finish(self, timeout=60):
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        out = self.proc.stdout.read()
        self.proc.wait(timeout)
        self.reader.join(5)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return cli.Result(["login"], self.proc.returncode, out, self.text, 0)


@unittest.skipUnless(cli.CLI and os.access(cli.CLI, os.X_OK), "PI_KEYRING_CLI is not set")
class LoginTestCase(cli.CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.mock = Mock()

    @classmethod
    def tearDownClass(cls):
        cls.mock.stop()

    def setUp(self):
        super().setUp()
        wait_for_free_ports()
        self.mock.admin("POST", "reset", {})
        # Copilot polls every interval + 1 s: keep it short.
        self.mock.admin("POST", "config", {"device_interval": 1})
        self.browser_log = os.path.join(self.tmp, "browser.log")
        self.env.update({
            "PI_KEYRING_URL_REWRITE": self.mock.rewrite,
            "BROWSER": "%s %s" % (PYTHON, FAKE_BROWSER),
            "FAKE_BROWSER_LOG": self.browser_log,
            "MOCK_PROVIDER_URL": self.mock.url,
        })
        # The sanitizer runtime is for the instrumented pi-keyring, not for
        # the Python programs it starts (the fake browser).
        self.env.pop("LD_PRELOAD", None)

    def login(self, provider, *args, extra_env=None):
        env = {"FAKE_BROWSER_MODE": "device"} if provider == "github-copilot" else {}
        env.update(extra_env or {})
        return self.run_cli("login", provider, *args, extra_env=env, timeout=120)

    def stored(self, provider):
        entry = self.secret_tool_lookup(provider)
        if entry is not None:
            # Tokens must never show on stderr from now on.
            self.extra_secrets = getattr(self, "extra_secrets", set()) | {
                entry["access"], entry["refresh"]}
        return entry

    def assertNoTokens(self, text, entry):
        self.assertNotIn(entry["access"], text)
        self.assertNotIn(entry["refresh"], text)

    def authorize_redirect(self, url):
        """What the browser would be sent to: the loopback callback with the code."""
        status, headers, _ = fetch("GET", url)
        self.assertEqual(status, 302, url)
        return headers["Location"]

    def assertVerifierKept(self, provider, result):
        """The PKCE verifier of the login's token request is on neither
        stream; the URL's state is fresh and random, the verifier's S256 is
        its code_challenge (DESIGN §5, RFC 9700 §2.1.1)."""
        body = self.mock.requests(TOKEN_PATHS[provider])[-1]["body"]
        if provider == "anthropic":
            sent = json.loads(body)
        else:
            sent = dict(urllib.parse.parse_qsl(body))
        verifier = sent["code_verifier"]
        self.assertEqual(len(verifier), 43)
        text = result.err + result.out.decode("utf-8", "replace")
        self.assertNotIn(verifier, text)
        urls = AUTHORIZE_URL.findall(result.err)
        self.assertTrue(urls, result.err)
        for url in urls:
            shown = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
            if provider == "openai-codex":
                self.assertRegex(shown["state"], r"^[0-9a-f]{32}$")
            else:
                self.assertRegex(shown["state"], r"^[A-Za-z0-9_-]{43}$")
            self.assertNotEqual(shown["state"], verifier)
            self.assertEqual(shown["code_challenge"], cli_pkce_challenge(verifier))
            if provider == "anthropic":
                self.assertEqual(sent["state"], shown["state"])

    def expected_key(self, provider, entry):
        if provider.startswith("google-"):
            return json.dumps({"token": entry["access"], "projectId": entry["projectId"]},
                              separators=(",", ":"))
        return entry["access"]


class LoginTest(LoginTestCase):
    def test_login_every_provider(self):
        for provider in FIELDS:
            with self.subTest(provider=provider):
                result = self.login(provider)
                self.assertExit(result, 0)
                self.assertIn("Logged in to %s. Credentials saved to " % NAMES[provider],
                              result.err)
                # The URL is always printed.
                self.assertIn(self.mock.url, result.err)

                entry = self.stored(provider)
                self.assertIsNotNone(entry, result.err)
                self.assertEqual(list(entry), FIELDS[provider])
                self.assertEqual(entry["type"], "oauth")
                self.assertGreater(entry["expires"], time.time() * 1000)
                self.assertNoTokens(result.err, entry)
                self.assertNoTokens(result.text, entry)
                if provider in TOKEN_PATHS:
                    self.assertVerifierKept(provider, result)
                if provider.startswith("google-"):
                    self.assertEqual(entry["email"], "me@example.com")

                # The mock issued these tokens and still honours them.
                issued = self.mock.admin("GET", "tokens")[provider]
                self.assertIn(entry["refresh"], issued["refresh"]["valid"])
                self.assertIn(entry["access"], issued["access"]["valid"])

                result = self.run_cli("get", provider, secrets_on_stdout=True)
                self.assertExit(result, 0)
                self.assertEqual(result.out.decode(), self.expected_key(provider, entry))

        self.assertEqual(cli.keyring_count(), len(FIELDS))

    def test_paste_through_stdin(self):
        proc = LoginProcess(self, ["login", "anthropic"],
                            dict(self.env, FAKE_BROWSER_MODE="none"))
        url = proc.wait_for(r"(http://127\.0\.0\.1:\d+/claude\.ai/oauth/authorize\?\S+)").group(1)
        proc.wait_for(r"[Pp]aste")
        proc.paste(self.authorize_redirect(url))
        result = proc.finish()
        self.assertExit(result, 0)
        self.assertIn("Logged in to Anthropic (Claude Pro/Max).", result.err)
        entry = self.stored("anthropic")
        self.assertEqual(list(entry), FIELDS["anthropic"])
        self.assertNoTokens(result.err, entry)
        self.assertVerifierKept("anthropic", result)

    def test_no_browser(self):
        proc = LoginProcess(self, ["login", "--no-browser", "openai-codex"], self.env)
        url = proc.wait_for(r"(http://127\.0\.0\.1:\d+/auth\.openai\.com/oauth/authorize\?\S+)")
        proc.paste(self.authorize_redirect(url.group(1)))
        result = proc.finish()
        self.assertExit(result, 0)
        self.assertFalse(os.path.exists(self.browser_log), "the browser was started")
        self.assertEqual(list(self.stored("openai-codex")), FIELDS["openai-codex"])
        self.assertVerifierKept("openai-codex", result)

    def test_no_browser_keeps_the_verifier(self):
        # The URL shown for a browser elsewhere does not carry the verifier.
        for provider, host in [("anthropic", r"claude\.ai/oauth/authorize"),
                               ("google-gemini-cli", r"accounts\.google\.com/o/oauth2/v2/auth"),
                               ("google-antigravity", r"accounts\.google\.com/o/oauth2/v2/auth")]:
            with self.subTest(provider=provider):
                wait_for_free_ports()
                proc = LoginProcess(self, ["login", "--no-browser", provider], self.env)
                url = proc.wait_for(r"(http://127\.0\.0\.1:\d+/%s\?\S+)" % host).group(1)
                proc.wait_for(r"[Pp]aste")
                self.assertFalse(os.path.exists(self.browser_log), "the browser was started")
                proc.paste(self.authorize_redirect(url))
                result = proc.finish()
                self.assertExit(result, 0)
                self.assertVerifierKept(provider, result)

    def test_ctrl_c_cancels_and_frees_the_port(self):
        proc = LoginProcess(self, ["login", "anthropic"],
                            dict(self.env, FAKE_BROWSER_MODE="none"))
        proc.wait_for(r"[Pp]aste")
        self.assertTrue(port_is_listening(PORTS["anthropic"]))
        start = time.monotonic()
        proc.proc.send_signal(signal.SIGINT)
        result = proc.finish(timeout=10)
        self.assertExit(result, 130)
        self.assertLess(time.monotonic() - start, 5)
        self.assertIn("Login cancelled.", result.err)
        self.assertTrue(port_is_free(PORTS["anthropic"]))
        self.assertIsNone(self.secret_tool_lookup("anthropic"))

    def test_sigterm_cancels(self):
        proc = LoginProcess(self, ["login", "google-gemini-cli"],
                            dict(self.env, FAKE_BROWSER_MODE="none"))
        proc.wait_for(r"[Pp]aste")
        proc.proc.send_signal(signal.SIGTERM)
        result = proc.finish(timeout=10)
        self.assertExit(result, 130)
        self.assertIn("Login cancelled.", result.err)
        self.assertTrue(port_is_free(PORTS["google-gemini-cli"]))

    def test_busy_port_then_paste(self):
        port = PORTS["anthropic"]
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
            # (SO_REUSEADDR for the connections of earlier tests in TIME_WAIT;
            # Linux still lets only one socket listen.)
            busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            busy.bind(("127.0.0.1", port))
            busy.listen(1)
            proc = LoginProcess(self, ["login", "anthropic"],
                                dict(self.env, FAKE_BROWSER_MODE="none"))
            url = proc.wait_for(r"(http://127\.0\.0\.1:\d+/claude\.ai/oauth/authorize\?\S+)")
            # The user is told which port is busy and what to paste.
            told = proc.wait_for(r"[^\n]*port %d[^\n]*" % port).group(0)
            self.assertIn("paste", told)
            self.assertNotIn("authorize?", told)
            proc.wait_for(r"Paste the authorization code")
            proc.paste(self.authorize_redirect(url.group(1)))
            result = proc.finish()
        self.assertExit(result, 0)
        self.assertEqual(list(self.stored("anthropic")), FIELDS["anthropic"])
        self.assertVerifierKept("anthropic", result)

    def test_locked_keyring_is_said_before_the_login(self):
        cli.keyring_lock()
        try:
            result = self.login("anthropic")
        finally:
            cli.keyring_unlock()
        self.assertExit(result, 5)
        self.assertIn("locked", result.err.lower())
        self.assertFalse(os.path.exists(self.browser_log), "the login started")
        self.assertEqual(self.mock.requests("/"), [])

    def test_device_code_expiry_exits_6(self):
        self.mock.admin("POST", "config", {"device_expires_in": 3})
        result = self.login("github-copilot", extra_env={"FAKE_BROWSER_MODE": "none"})
        self.assertExit(result, 6)
        self.assertIn("did not finish in time", result.err)
        self.assertIsNone(self.secret_tool_lookup("github-copilot"))

    def test_unknown_provider(self):
        # groq takes an API key only (openai has pi 1.6.0's ChatGPT sign-in).
        result = self.run_cli("login", "groq")
        self.assertExit(result, 2)
        self.assertIn("Unknown OAuth provider: groq", result.err)
        for provider in FIELDS:
            self.assertIn(provider, result.err)

    def test_login_to_the_file_backend_warns_plaintext(self):
        result = self.login("anthropic", extra_env={"PI_KEYRING_BACKEND": "file"})
        self.assertExit(result, 0)
        self.assertIn("plaintext", result.err)
        entry = load_ordered(self.read(self.auth_file))["anthropic"]
        self.assertEqual(list(entry), FIELDS["anthropic"])
        self.assertEqual(cli.keyring_count(), 0)


class RefreshTest(LoginTestCase):
    def import_expired(self, provider="anthropic"):
        """An expired entry with a refresh token the mock honours, in the keyring."""
        seed = self.mock.admin("POST", "seed-refresh", {"provider": provider})
        entry = collections.OrderedDict([
            ("type", "oauth"), ("refresh", seed["refresh_token"]),
            ("access", "sk-ant-oat01-cli-expired-access"), ("expires", 1000)])
        self.extra_secrets = getattr(self, "extra_secrets", set()) | {seed["refresh_token"]}
        source = os.path.join(self.tmp, "import.json")
        self.write_auth_file(cli.pi_format({provider: entry}), path=source)
        self.assertExit(self.run_cli("import", source), 0)
        self.assertEqual(self.secret_tool_lookup(provider), entry)
        return entry

    def inject(self, status, body, headers=None, count=1):
        self.mock.admin("POST", "inject", {"prefix": ANTHROPIC_TOKEN_PATH, "status": status,
                                           "body": body, "headers": headers or {},
                                           "count": count})

    def refresh_requests(self):
        found = []
        for request in self.mock.requests(ANTHROPIC_TOKEN_PATH):
            body = json.loads(request["body"])
            if body.get("grant_type") == "refresh_token":
                found.append(body["refresh_token"])
        return found

    def test_get_refreshes_an_expired_token(self):
        entry = self.import_expired()
        result = self.run_cli("get", "anthropic", secrets_on_stdout=True)
        self.assertExit(result, 0)
        stored = self.stored("anthropic")
        self.assertEqual(result.out.decode(), stored["access"])
        self.assertNotEqual(stored["refresh"], entry["refresh"])
        self.assertGreater(stored["expires"], time.time() * 1000)
        self.assertEqual(list(stored), FIELDS["anthropic"])
        self.assertEqual(self.refresh_requests(), [entry["refresh"]])

        # Fresh now: no second request.
        result = self.run_cli("get", "anthropic", secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertEqual(len(self.refresh_requests()), 1)

    def test_rate_limited_exits_6_with_the_time_to_wait(self):
        entry = self.import_expired()
        self.inject(429, {"error": "rate_limit_error"}, {"Retry-After": "120"})
        result = self.run_cli("get", "anthropic")
        self.assertExit(result, 6)
        self.assertEqual(result.out, b"")
        self.assertIn("about 2 minutes", result.err)
        self.assertEqual(self.secret_tool_lookup("anthropic"), entry)

    def test_invalid_grant_exits_4_and_keeps_the_credential(self):
        entry = self.import_expired()
        self.inject(400, {"error": "invalid_grant", "error_description": "Refresh token revoked"},
                    count=2)
        for args in (["get", "anthropic"], ["refresh", "anthropic"]):
            with self.subTest(args=args):
                result = self.run_cli(*args)
                self.assertExit(result, 4)
                self.assertEqual(result.out, b"")
                self.assertIn("pi-keyring login anthropic", result.err)
                self.assertEqual(self.secret_tool_lookup("anthropic"), entry)

    def test_server_error_exits_6(self):
        entry = self.import_expired()
        self.inject(503, "<html>Service Unavailable</html>")
        result = self.run_cli("get", "anthropic")
        self.assertExit(result, 6)
        self.assertEqual(self.secret_tool_lookup("anthropic"), entry)

    def test_rotation_through_refresh(self):
        self.assertExit(self.login("anthropic"), 0)
        first = self.stored("anthropic")
        for _ in range(2):
            result = self.run_cli("refresh", "anthropic")
            self.assertExit(result, 0)
            self.assertIn("Refreshed the token of Anthropic (Claude Pro/Max)", result.err)
            self.assertEqual(len(result.err.strip().splitlines()), 1, result.err)
        sent = self.refresh_requests()
        self.assertEqual(len(sent), 2)
        self.assertNotEqual(sent[0], sent[1])
        self.assertEqual(sent[0], first["refresh"])
        last = self.stored("anthropic")
        self.assertNotIn(last["refresh"], sent)
        tokens = self.mock.admin("GET", "tokens")["anthropic"]["refresh"]
        self.assertEqual(tokens["valid"], [last["refresh"]])

    def test_refresh_all_exit_code_is_the_worst(self):
        self.assertExit(self.login("anthropic"), 0)
        self.assertExit(self.login("github-copilot"), 0)
        self.set_key("openai", "sk-cli-test-openai-0f9e8d7c")
        self.inject(400, {"error": "invalid_grant"})
        result = self.run_cli("refresh")
        self.assertExit(result, 4)
        lines = result.err.strip().splitlines()
        self.assertEqual(len(lines), 2, result.err)
        self.assertIn("pi-keyring login anthropic", result.err)
        self.assertIn("Refreshed the token of GitHub Copilot", result.err)

    def test_refresh_of_an_api_key(self):
        self.set_key("openai", "sk-cli-test-openai-0f9e8d7c")
        result = self.run_cli("refresh", "openai")
        self.assertExit(result, 3)

    def test_refresh_writes_back_to_auth_json(self):
        seed = self.mock.admin("POST", "seed-refresh", {"provider": "anthropic"})
        self.extra_secrets = getattr(self, "extra_secrets", set()) | {seed["refresh_token"]}
        self.write_auth_file(cli.pi_format(collections.OrderedDict([
            ("openai", {"type": "api_key", "key": "sk-cli-test-openai-0f9e8d7c"}),
            ("anthropic", collections.OrderedDict([
                ("type", "oauth"), ("refresh", seed["refresh_token"]),
                ("access", "sk-ant-oat01-cli-expired-access"), ("expires", 1000)]))])))
        result = self.run_cli("get", "anthropic", secrets_on_stdout=True)
        self.assertExit(result, 0)
        data = self.read(self.auth_file)
        doc = load_ordered(data)
        self.assertEqual(list(doc), ["openai", "anthropic"])
        self.assertEqual(result.out.decode(), doc["anthropic"]["access"])
        self.assertEqual(data, cli.pi_format(doc))
        self.assertFalse(os.path.exists(self.auth_file + ".lock"))
        # Not duplicated into the keyring.
        self.assertEqual(cli.keyring_count(), 0)


class LogoutTest(LoginTestCase):
    def test_logout_revokes_at_google(self):
        self.assertExit(self.login("google-gemini-cli"), 0)
        entry = self.stored("google-gemini-cli")
        result = self.run_cli("logout", "google-gemini-cli")
        self.assertExit(result, 0)
        self.assertIsNone(self.secret_tool_lookup("google-gemini-cli"))
        revokes = self.mock.requests("/oauth2.googleapis.com/revoke")
        self.assertEqual(len(revokes), 1)
        tokens = self.mock.admin("GET", "tokens")["google-gemini-cli"]
        self.assertIn(entry["refresh"], tokens["refresh"]["dead"])

    def test_failed_revocation_still_removes(self):
        self.assertExit(self.login("google-antigravity"), 0)
        self.mock.admin("POST", "inject", {"prefix": "/oauth2.googleapis.com/revoke",
                                           "status": 503, "body": "unavailable"})
        result = self.run_cli("remove", "google-antigravity")
        self.assertExit(result, 0)
        self.assertIn("warning", result.err)
        self.assertIn("removed here anyway", result.err)
        self.assertIsNone(self.secret_tool_lookup("google-antigravity"))

    def test_logout_without_revocation(self):
        self.assertExit(self.login("anthropic"), 0)
        result = self.run_cli("logout", "anthropic")
        self.assertExit(result, 0)
        self.assertIsNone(self.secret_tool_lookup("anthropic"))
        self.assertEqual(self.mock.requests("/oauth2.googleapis.com/revoke"), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
