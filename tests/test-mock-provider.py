#!/usr/bin/python3
"""Tests of the mock OAuth provider (mock-provider.py) and of fake-browser.py.

The mock runs in-process on a free loopback port.  Every provider is driven
with urllib exactly as pi's client does it (reference/pi-auth.md §7), through
the URL rewrites the mock advertises, so these tests also pin the protocol
the pi-keyring logins will be tested against.
"""
import base64
import email.utils
import hashlib
import http.client
import http.server
import importlib.util
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = sys.executable or "/usr/bin/python3"


def load_mock_module():
    spec = importlib.util.spec_from_file_location("mock_provider", os.path.join(HERE, "mock-provider.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mp = load_mock_module()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.text = body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.text)


def fetch(method, url, form=None, json_body=None, headers=None, timeout=10):
    """One request, redirects not followed, errors returned rather than raised."""
    headers = dict(headers or {})
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    elif json_body is not None:
        data = json.dumps(json_body).encode()
        headers.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with OPENER.open(req, timeout=timeout) as resp:
            return Response(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as exc:
        return Response(exc.code, exc.headers, exc.read())


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pkce():
    verifier = b64url(secrets.token_bytes(32))
    return verifier, b64url(hashlib.sha256(verifier.encode()).digest())


def new_state():
    """A state as pi-keyring makes it: random, independent of the verifier."""
    return b64url(secrets.token_bytes(32))


def jwt_claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


ANTHROPIC = mp.PROVIDERS["anthropic"]
CODEX = mp.PROVIDERS["openai-codex"]
GEMINI = mp.PROVIDERS["google-gemini-cli"]
ANTIGRAVITY = mp.PROVIDERS["google-antigravity"]
COPILOT_HEADERS = {"User-Agent": "GitHubCopilotChat/0.35.0", "Editor-Version": "vscode/1.107.0",
                   "Editor-Plugin-Version": "copilot-chat/0.35.0", "Copilot-Integration-Id": "vscode-chat"}
GITHUB_HEADERS = {"Accept": "application/json", "User-Agent": "GitHubCopilotChat/0.35.0"}


class MockTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mock = mp.MockProvider().start()
        cls.rewrites = [pair.split("=", 1) for pair in cls.mock.rewrite.split(",")]

    @classmethod
    def tearDownClass(cls):
        cls.mock.stop()

    def setUp(self):
        self.assertEqual(self.admin("POST", "reset").status, 200)

    # -- helpers

    def rw(self, url):
        """Applies PI_KEYRING_URL_REWRITE as pi-keyring does: the first matching prefix."""
        for src, dst in self.rewrites:
            if url.startswith(src):
                return dst + url[len(src):]
        self.fail("no rewrite for " + url)

    def admin(self, method, name, body=None):
        return fetch(method, self.mock.url + "/_admin/" + name, json_body=body)

    def config(self, **knobs):
        r = self.admin("POST", "config", knobs)
        self.assertEqual(r.status, 200, r.text)

    def inject(self, **spec):
        r = self.admin("POST", "inject", spec)
        self.assertEqual(r.status, 200, r.text)

    def tokens(self, provider):
        return self.admin("GET", "tokens").json()[provider]

    def authorize_url(self, provider, challenge, state):
        """The authorize URL with pi's parameters in pi's order (§7)."""
        spec = mp.PROVIDERS[provider]
        common = [("client_id", spec["client_id"]), ("response_type", "code"),
                  ("redirect_uri", spec["redirect_uri"]), ("scope", " ".join(spec["scopes"])),
                  ("code_challenge", challenge), ("code_challenge_method", "S256"), ("state", state)]
        if provider == "anthropic":
            return "https://claude.ai/oauth/authorize?" + urllib.parse.urlencode([("code", "true")] + common)
        if provider == "openai-codex":
            params = [common[1], common[0]] + common[2:] + [
                ("id_token_add_organizations", "true"), ("codex_cli_simplified_flow", "true"),
                ("originator", "pi")]
            return "https://auth.openai.com/oauth/authorize?" + urllib.parse.urlencode(params)
        params = common + [("access_type", "offline"), ("prompt", "consent")]
        return "https://accounts.google.com/o/oauth2/v2/auth?" + urllib.parse.urlencode(params)

    def authorize(self, provider, challenge, state, expect_uri=None):
        """GETs the authorize URL; returns the query of the redirect to the loopback URI."""
        r = fetch("GET", self.rw(self.authorize_url(provider, challenge, state)))
        self.assertEqual(r.status, 302, r.text)
        location = r.headers["Location"]
        uri = expect_uri or mp.PROVIDERS[provider]["redirect_uri"]
        self.assertTrue(location.startswith(uri + "?"), location)
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))

    def anthropic_exchange(self, code, state, verifier, client_id=ANTHROPIC["client_id"]):
        return fetch("POST", self.rw("https://platform.claude.com/v1/oauth/token"),
                    headers={"Accept": "application/json"},
                    json_body={"grant_type": "authorization_code", "client_id": client_id, "code": code,
                               "state": state, "redirect_uri": ANTHROPIC["redirect_uri"],
                               "code_verifier": verifier})

    def anthropic_refresh(self, refresh):
        return fetch("POST", self.rw("https://platform.claude.com/v1/oauth/token"),
                    headers={"Accept": "application/json"},
                    json_body={"grant_type": "refresh_token", "client_id": ANTHROPIC["client_id"],
                               "refresh_token": refresh})

    def codex_exchange(self, code, verifier):
        return fetch("POST", self.rw("https://auth.openai.com/oauth/token"),
                    form={"grant_type": "authorization_code", "client_id": CODEX["client_id"], "code": code,
                          "code_verifier": verifier, "redirect_uri": CODEX["redirect_uri"]})

    def codex_refresh(self, refresh):
        return fetch("POST", self.rw("https://auth.openai.com/oauth/token"),
                    form={"grant_type": "refresh_token", "refresh_token": refresh,
                          "client_id": CODEX["client_id"]})

    def google_exchange(self, spec, code, verifier, secret=None):
        return fetch("POST", self.rw("https://oauth2.googleapis.com/token"),
                    form={"client_id": spec["client_id"], "client_secret": secret or spec["client_secret"],
                          "code": code, "grant_type": "authorization_code",
                          "redirect_uri": spec["redirect_uri"], "code_verifier": verifier})

    def google_refresh(self, spec, refresh):
        return fetch("POST", self.rw("https://oauth2.googleapis.com/token"),
                    form={"client_id": spec["client_id"], "client_secret": spec["client_secret"],
                          "refresh_token": refresh, "grant_type": "refresh_token"})

    def google_login(self, provider):
        verifier, challenge = pkce()
        query = self.authorize(provider, challenge, new_state())
        r = self.google_exchange(mp.PROVIDERS[provider], query["code"], verifier)
        self.assertEqual(r.status, 200, r.text)
        return r.json()

    def code_assist(self, path, token, body=None, host="https://cloudcode-pa.googleapis.com"):
        headers = {"Authorization": "Bearer " + token, "User-Agent": "google-api-nodejs-client/9.15.1",
                   "X-Goog-Api-Client": "gl-node/22.17.0"}
        if body is None:
            return fetch("GET", self.rw(host + path), headers=headers)
        return fetch("POST", self.rw(host + path), json_body=body, headers=headers)

    def device_code(self, domain="github.com", client_id=mp.GITHUB_CLIENT_ID):
        return fetch("POST", self.rw("https://%s/login/device/code" % domain), headers=GITHUB_HEADERS,
                    form={"client_id": client_id, "scope": "read:user"})

    def device_poll(self, device_code, domain="github.com", headers=GITHUB_HEADERS):
        return fetch("POST", self.rw("https://%s/login/oauth/access_token" % domain), headers=headers,
                    form={"client_id": mp.GITHUB_CLIENT_ID, "device_code": device_code,
                          "grant_type": "urn:ietf:params:oauth:grant-type:device_code"})

    def copilot_token(self, github_token, domain="github.com"):
        return fetch("GET", self.rw("https://api.%s/copilot_internal/v2/token" % domain),
                    headers=dict(COPILOT_HEADERS, Accept="application/json",
                                 Authorization="Bearer " + github_token))


class RewriteTest(MockTestCase):
    def test_every_host_is_mapped_under_its_own_prefix(self):
        self.assertEqual(len(self.rewrites), len(mp.HOSTS))
        for host in mp.HOSTS:
            self.assertIn(["https://" + host, "%s/%s" % (self.mock.url, host)], self.rewrites)

    def test_admin_root_reports_the_rewrite(self):
        r = self.admin("GET", "")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["rewrite"], self.mock.rewrite)

    def test_unknown_path_is_404(self):
        self.assertEqual(fetch("GET", self.rw("https://claude.ai/nothing")).status, 404)
        self.assertEqual(fetch("GET", self.rw("https://platform.claude.com/v1/oauth/token")).status, 405)


class AnthropicTest(MockTestCase):
    def login(self):
        verifier, challenge = pkce()
        state = new_state()
        query = self.authorize("anthropic", challenge, state)
        self.assertEqual(query["state"], state)
        r = self.anthropic_exchange(query["code"], query["state"], verifier)
        self.assertEqual(r.status, 200, r.text)
        return r.json()

    def test_happy_path_and_rotation(self):
        tokens = self.login()
        self.assertTrue(tokens["access_token"].startswith("sk-ant-oat01-"))
        self.assertTrue(tokens["refresh_token"].startswith("sk-ant-ort01-"))
        self.assertEqual(tokens["expires_in"], 3600)
        first = tokens["refresh_token"]

        r = self.anthropic_refresh(first)
        self.assertEqual(r.status, 200, r.text)
        second = r.json()["refresh_token"]
        self.assertNotEqual(first, second)
        self.assertNotEqual(r.json()["access_token"], tokens["access_token"])

        r = self.anthropic_refresh(first)  # reuse of the rotated token
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json(), {"error": "invalid_grant",
                                    "error_description": "Refresh token not found or invalid"})
        self.assertEqual(self.anthropic_refresh(second).status, 200)

        report = self.tokens("anthropic")["refresh"]
        self.assertEqual(report["issued"][:2], [first, second])
        self.assertIn(first, report["dead"])
        self.assertIn(second, report["dead"])
        self.assertEqual(len(report["valid"]), 1)

    def test_request_is_recorded_as_sent(self):
        self.login()
        recorded = self.admin("GET", "requests?prefix=/platform.claude.com/").json()["requests"]
        self.assertEqual(len(recorded), 1)
        self.assertEqual(recorded[0]["method"], "POST")
        self.assertEqual(recorded[0]["headers"]["Content-Type"], "application/json")
        self.assertEqual(set(json.loads(recorded[0]["body"])),
                         {"grant_type", "client_id", "code", "state", "redirect_uri", "code_verifier"})
        auth = self.admin("GET", "requests?prefix=/claude.ai/").json()["requests"][0]
        self.assertEqual(auth["params"]["code"], "true")
        self.assertEqual(auth["status"], 302)

    def test_wrong_verifier_is_refused_and_code_consumed(self):
        verifier, challenge = pkce()
        query = self.authorize("anthropic", challenge, new_state())
        r = self.anthropic_exchange(query["code"], query["state"], pkce()[0])
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["error"], "invalid_grant")
        r = self.anthropic_exchange(query["code"], query["state"], verifier)
        self.assertEqual(r.status, 400, "a code is used once")

    def test_code_is_used_once(self):
        verifier, challenge = pkce()
        query = self.authorize("anthropic", challenge, new_state())
        self.assertEqual(self.anthropic_exchange(query["code"], query["state"], verifier).status, 200)
        r = self.anthropic_exchange(query["code"], query["state"], verifier)
        self.assertEqual((r.status, r.json()["error"]), (400, "invalid_grant"))

    def test_wrong_state_in_token_request_is_refused(self):
        verifier, challenge = pkce()
        query = self.authorize("anthropic", challenge, new_state())
        self.assertEqual(self.anthropic_exchange(query["code"], "other", verifier).status, 400)
        self.config(anthropic_check_state=False)
        query = self.authorize("anthropic", challenge, new_state())
        self.assertEqual(self.anthropic_exchange(query["code"], "other", verifier).status, 200)

    def test_wrong_client_id_is_refused(self):
        verifier, challenge = pkce()
        url = self.authorize_url("anthropic", challenge, new_state()).replace(
            ANTHROPIC["client_id"], "00000000-0000-0000-0000-000000000000")
        r = fetch("GET", self.rw(url))
        self.assertEqual(r.status, 400)
        self.assertIn("client_id", r.text)
        query = self.authorize("anthropic", challenge, new_state())
        r = self.anthropic_exchange(query["code"], query["state"], verifier, client_id="nope")
        self.assertEqual((r.status, r.json()["error"]), (401, "invalid_client"))

    def test_invalid_authorize_requests_get_a_400_page(self):
        verifier, challenge = pkce()
        state = new_state()
        good = self.authorize_url("anthropic", challenge, state)
        for old, new in [("code=true", "code=false"), ("response_type=code", "response_type=token"),
                         ("S256", "plain"), ("53692", "53693"), ("user%3Aprofile+", ""),
                         ("&state=" + state, ""), (challenge, "short")]:
            r = fetch("GET", self.rw(good.replace(old, new)))
            self.assertEqual(r.status, 400, old)
            self.assertTrue(r.headers["Content-Type"].startswith("text/html"))

    def test_form_body_is_refused(self):
        verifier, challenge = pkce()
        query = self.authorize("anthropic", challenge, new_state())
        r = fetch("POST", self.rw("https://platform.claude.com/v1/oauth/token"),
                 form={"grant_type": "authorization_code", "client_id": ANTHROPIC["client_id"],
                       "code": query["code"], "state": query["state"],
                       "redirect_uri": ANTHROPIC["redirect_uri"], "code_verifier": verifier})
        self.assertEqual((r.status, r.json()["error"]), (400, "invalid_request"))

    def test_authorize_access_denied_and_wrong_state(self):
        verifier, challenge = pkce()
        state = new_state()
        self.config(authorize_error="access_denied")
        query = self.authorize("anthropic", challenge, state)
        self.assertEqual(query["error"], "access_denied")
        self.assertEqual(query["state"], state)
        self.assertNotIn("code", query)
        self.config(authorize_error=None, authorize_wrong_state=True)
        query = self.authorize("anthropic", challenge, state)
        self.assertIn("code", query)
        self.assertNotEqual(query["state"], state)

    def test_verifier_as_state_is_refused(self):
        # RFC 9700 §2.1.1: the state is not the PKCE verifier, which must
        # not leave the client; the mock recognises it by its challenge.
        for provider in ("anthropic", "google-gemini-cli", "google-antigravity", "openai-codex"):
            verifier, challenge = pkce()
            r = fetch("GET", self.rw(self.authorize_url(provider, challenge, verifier)))
            self.assertEqual(r.status, 400, provider)
            self.assertIn("state is the PKCE verifier", r.text)

    def test_concurrent_refreshes_of_one_token_rotate_once(self):
        seeded = self.admin("POST", "seed-refresh", {"provider": "anthropic"}).json()["refresh_token"]
        statuses = []
        threads = [threading.Thread(target=lambda: statuses.append(self.anthropic_refresh(seeded).status))
                   for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        self.assertEqual(sorted(statuses), [200] + [400] * 7)
        self.assertEqual(len(self.tokens("anthropic")["refresh"]["valid"]), 1)

    def test_seeded_refresh_token_and_expired_reason(self):
        seeded = self.admin("POST", "seed-refresh", {"provider": "anthropic"}).json()["refresh_token"]
        self.config(expires_in=120)
        r = self.anthropic_refresh(seeded)
        self.assertEqual(r.json()["expires_in"], 120)
        newer = r.json()["refresh_token"]
        self.assertEqual(self.admin("POST", "revoke", {"token": newer, "reason": "expired"}).status, 200)
        r = self.anthropic_refresh(newer)
        self.assertEqual(r.json()["error_description"], "Refresh token expired")


class CodexTest(MockTestCase):
    def login(self):
        verifier, challenge = pkce()
        state = secrets.token_hex(16)
        query = self.authorize("openai-codex", challenge, state)
        self.assertEqual(query["state"], state)
        r = self.codex_exchange(query["code"], verifier)
        self.assertEqual(r.status, 200, r.text)
        return r.json()

    def test_happy_path_and_rotation(self):
        tokens = self.login()
        self.assertEqual(len(tokens["access_token"].split(".")), 3)
        claims = jwt_claims(tokens["access_token"])
        self.assertEqual(claims["https://api.openai.com/auth"]["chatgpt_account_id"], "acc_test")
        self.assertIsInstance(tokens["expires_in"], int)
        first = tokens["refresh_token"]
        r = self.codex_refresh(first)
        self.assertEqual(r.status, 200, r.text)
        second = r.json()["refresh_token"]
        self.assertNotEqual(first, second)
        self.assertIn("expires_in", r.json())

        r = self.codex_refresh(first)
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json()["error"]["code"], "refresh_token_reused")
        r = self.codex_refresh("rt_unknown")
        self.assertEqual(r.json()["error"]["code"], "refresh_token_invalidated")
        self.assertEqual(self.codex_refresh(second).status, 200)

    def test_account_id_is_settable_and_removable(self):
        self.config(codex_account_id="acc_other")
        claims = jwt_claims(self.login()["access_token"])
        self.assertEqual(claims["https://api.openai.com/auth"]["chatgpt_account_id"], "acc_other")
        self.config(codex_account_id=None)
        self.assertNotIn("https://api.openai.com/auth", jwt_claims(self.login()["access_token"]))

    def test_extra_authorize_params_are_required(self):
        verifier, challenge = pkce()
        url = self.authorize_url("openai-codex", challenge, "s" * 32)
        for param in ("&originator=pi", "&codex_cli_simplified_flow=true", "&id_token_add_organizations=true"):
            self.assertEqual(fetch("GET", self.rw(url.replace(param, ""))).status, 400, param)

    def test_wrong_verifier_and_json_body_are_refused(self):
        verifier, challenge = pkce()
        query = self.authorize("openai-codex", challenge, "s" * 32)
        r = self.codex_exchange(query["code"], pkce()[0])
        self.assertEqual((r.status, r.json()["error"]), (400, "invalid_grant"))
        query = self.authorize("openai-codex", challenge, "s" * 32)
        r = fetch("POST", self.rw("https://auth.openai.com/oauth/token"),
                 json_body={"grant_type": "authorization_code", "client_id": CODEX["client_id"],
                            "code": query["code"], "code_verifier": verifier,
                            "redirect_uri": CODEX["redirect_uri"]})
        self.assertEqual(r.status, 400)

    def test_wrong_client_id_is_refused(self):
        verifier, challenge = pkce()
        url = self.authorize_url("openai-codex", challenge, "s" * 32).replace(CODEX["client_id"], "app_x")
        self.assertEqual(fetch("GET", self.rw(url)).status, 400)
        r = fetch("POST", self.rw("https://auth.openai.com/oauth/token"),
                 form={"grant_type": "refresh_token", "refresh_token": "x", "client_id": "app_x"})
        self.assertEqual(r.status, 401)


class GoogleTest(MockTestCase):
    def test_gemini_happy_path_refresh_keeps_token(self):
        verifier, challenge = pkce()
        state = new_state()
        query = self.authorize("google-gemini-cli", challenge, state)
        self.assertEqual(query["state"], state)
        self.assertEqual(query["scope"], " ".join(GEMINI["scopes"]))
        self.assertTrue(query["code"].startswith("4/0A"))
        r = self.google_exchange(GEMINI, query["code"], verifier)
        self.assertEqual(r.status, 200, r.text)
        tokens = r.json()
        self.assertTrue(tokens["access_token"].startswith("ya29."))
        refresh = tokens["refresh_token"]
        r = self.google_refresh(GEMINI, refresh)
        self.assertEqual(r.status, 200, r.text)
        self.assertNotIn("refresh_token", r.json())
        self.assertNotEqual(r.json()["access_token"], tokens["access_token"])
        self.assertEqual(self.google_refresh(GEMINI, refresh).status, 200, "Google does not rotate")

    def test_rotation_when_configured(self):
        self.config(rotate={"google-gemini-cli": True})
        refresh = self.google_login("google-gemini-cli")["refresh_token"]
        r = self.google_refresh(GEMINI, refresh)
        newer = r.json()["refresh_token"]
        self.assertNotEqual(refresh, newer)
        r = self.google_refresh(GEMINI, refresh)
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json(), {"error": "invalid_grant",
                                    "error_description": "Token has been expired or revoked."})
        self.assertIn(refresh, self.tokens("google-gemini-cli")["refresh"]["dead"])

    def test_client_secret_and_client_id_are_checked(self):
        verifier, challenge = pkce()
        query = self.authorize("google-gemini-cli", challenge, new_state())
        r = self.google_exchange(GEMINI, query["code"], verifier, secret=ANTIGRAVITY["client_secret"])
        self.assertEqual((r.status, r.json()["error"]), (401, "invalid_client"))
        r = self.google_exchange(dict(GEMINI, client_id="1-x.apps.googleusercontent.com"), "c", verifier)
        self.assertEqual((r.status, r.json()["error"]), (401, "invalid_client"))
        url = self.authorize_url("google-gemini-cli", challenge, new_state()).replace("681255809395", "1")
        self.assertEqual(fetch("GET", self.rw(url)).status, 400)

    def test_code_of_one_client_is_refused_to_the_other(self):
        verifier, challenge = pkce()
        query = self.authorize("google-antigravity", challenge, new_state())
        r = self.google_exchange(GEMINI, query["code"], verifier)
        self.assertEqual((r.status, r.json()["error"]), (400, "invalid_grant"))

    def test_wrong_verifier_is_refused(self):
        verifier, challenge = pkce()
        query = self.authorize("google-gemini-cli", challenge, new_state())
        r = self.google_exchange(GEMINI, query["code"], pkce()[0])
        self.assertEqual((r.status, r.json()["error"]), (400, "invalid_grant"))

    def test_access_type_and_prompt_are_required(self):
        verifier, challenge = pkce()
        url = self.authorize_url("google-gemini-cli", challenge, new_state())
        self.assertEqual(fetch("GET", self.rw(url.replace("&access_type=offline", ""))).status, 400)
        self.assertEqual(fetch("GET", self.rw(url.replace("prompt=consent", "prompt=none"))).status, 400)

    def test_userinfo(self):
        access = self.google_login("google-gemini-cli")["access_token"]
        url = self.rw("https://www.googleapis.com/oauth2/v1/userinfo?alt=json")
        r = fetch("GET", url, headers={"Authorization": "Bearer " + access})
        self.assertEqual((r.status, r.json()["email"]), (200, "me@example.com"))
        self.assertEqual(fetch("GET", url, headers={"Authorization": "Bearer ya29.nope"}).status, 401)
        self.config(userinfo_fail=True)
        self.assertEqual(fetch("GET", url, headers={"Authorization": "Bearer " + access}).status, 500)

    def test_revoke_kills_the_grant(self):
        tokens = self.google_login("google-gemini-cli")
        r = fetch("POST", self.rw("https://oauth2.googleapis.com/revoke"), form={"token": tokens["refresh_token"]})
        self.assertEqual(r.status, 200)
        self.assertEqual(self.google_refresh(GEMINI, tokens["refresh_token"]).json()["error"], "invalid_grant")
        r = fetch("GET", self.rw("https://www.googleapis.com/oauth2/v1/userinfo?alt=json"),
                 headers={"Authorization": "Bearer " + tokens["access_token"]})
        self.assertEqual(r.status, 401)
        r = fetch("POST", self.rw("https://oauth2.googleapis.com/revoke"), form={"token": tokens["refresh_token"]})
        self.assertEqual((r.status, r.json()["error"]), (400, "invalid_token"))

    def test_gemini_current_tier(self):
        access = self.google_login("google-gemini-cli")["access_token"]
        body = {"metadata": {"ideType": "IDE_UNSPECIFIED", "platform": "PLATFORM_UNSPECIFIED",
                             "pluginType": "GEMINI"}}
        r = self.code_assist("/v1internal:loadCodeAssist", access, body)
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.json()["currentTier"]["id"], "free-tier")
        self.assertEqual(r.json()["cloudaicompanionProject"], "proj-123")
        self.assertEqual(self.code_assist("/v1internal:loadCodeAssist", "ya29.bad", body).status, 401)
        self.assertEqual(self.code_assist("/v1internal:loadCodeAssist", access, {"x": 1}).status, 400)

    def test_gemini_onboarding_operation(self):
        self.config(gemini_load="onboard", onboard_polls=3)
        access = self.google_login("google-gemini-cli")["access_token"]
        meta = {"ideType": "IDE_UNSPECIFIED", "platform": "PLATFORM_UNSPECIFIED", "pluginType": "GEMINI"}
        r = self.code_assist("/v1internal:loadCodeAssist", access, {"metadata": meta})
        self.assertNotIn("currentTier", r.json())
        default = [t for t in r.json()["allowedTiers"] if t.get("isDefault")]
        self.assertEqual(default[0]["id"], "free-tier")
        r = self.code_assist("/v1internal:onboardUser", access, {"tierId": "free-tier", "metadata": meta})
        self.assertEqual(r.status, 200, r.text)
        op = r.json()
        self.assertFalse(op["done"])
        self.assertTrue(op["name"].startswith("operations/"))
        polls = []
        for _ in range(5):
            r = self.code_assist("/v1internal/" + op["name"], access)
            self.assertEqual(r.status, 200, r.text)
            polls.append(r.json())
            if r.json()["done"]:
                break
        self.assertEqual(len(polls), 3)
        self.assertEqual(polls[-1]["response"]["cloudaicompanionProject"]["id"], "proj-onboarded")
        self.assertEqual(self.code_assist("/v1internal/operations/nope", access).status, 404)

    def test_gemini_security_policy_violation(self):
        self.config(gemini_load="security_policy")
        access = self.google_login("google-gemini-cli")["access_token"]
        r = self.code_assist("/v1internal:loadCodeAssist", access, {"metadata": {"pluginType": "GEMINI"}})
        self.assertEqual(r.status, 403)
        self.assertEqual(r.json()["error"]["details"][0]["reason"], "SECURITY_POLICY_VIOLATED")

    def test_antigravity_discovery_on_both_endpoints(self):
        access = self.google_login("google-antigravity")["access_token"]
        body = {"metadata": {"ideType": "IDE_UNSPECIFIED", "platform": "PLATFORM_UNSPECIFIED",
                             "pluginType": "GEMINI"}}
        hosts = ["https://cloudcode-pa.googleapis.com", "https://daily-cloudcode-pa.sandbox.googleapis.com"]
        for host in hosts:
            r = self.code_assist("/v1internal:loadCodeAssist", access, body, host=host)
            self.assertEqual(r.json()["cloudaicompanionProject"], "proj-antigravity")
        self.config(antigravity_project_object=True)
        r = self.code_assist("/v1internal:loadCodeAssist", access, body, host=hosts[1])
        self.assertEqual(r.json()["cloudaicompanionProject"]["id"], "proj-antigravity")
        self.config(antigravity_load_fail=True)
        for host in hosts:
            self.assertEqual(self.code_assist("/v1internal:loadCodeAssist", access, body, host=host).status, 503)


class GitHubTest(MockTestCase):
    def start(self, **knobs):
        self.config(**dict({"device_interval": 1}, **knobs))
        r = self.device_code()
        self.assertEqual(r.status, 200, r.text)
        answer = r.json()
        for key, kind in [("device_code", str), ("user_code", str), ("verification_uri", str),
                          ("interval", int), ("expires_in", int)]:
            self.assertIsInstance(answer[key], kind, key)
        self.assertEqual(answer["verification_uri"], "https://github.com/login/device")
        return answer

    def test_scripted_device_flow(self):
        device = self.start(device_script=["authorization_pending", "slow_down", "ok"])
        r = self.device_poll(device["device_code"])
        self.assertEqual((r.status, r.json()["error"]), (200, "authorization_pending"))
        r = self.device_poll(device["device_code"])
        self.assertEqual((r.status, r.json()["error"], r.json()["interval"]), (200, "slow_down", 6))
        r = self.device_poll(device["device_code"])
        self.assertEqual(r.status, 200)
        token = r.json()["access_token"]
        self.assertTrue(token.startswith("ghu_"))
        self.assertEqual(r.json()["token_type"], "bearer")
        self.assertEqual(self.device_poll(device["device_code"]).json()["error"], "incorrect_device_code")
        self.assertEqual(self.tokens("github-copilot")["refresh"]["valid"], [token])

    def test_admin_approval(self):
        device = self.start()
        self.assertEqual(self.device_poll(device["device_code"]).json()["error"], "authorization_pending")
        r = self.admin("POST", "device/approve", {"user_code": device["user_code"]})
        self.assertEqual(r.status, 200, r.text)
        self.assertIn("access_token", self.device_poll(device["device_code"]).json())
        self.assertEqual(self.admin("POST", "device/approve", {}).status, 404)

    def test_denied_and_expired(self):
        device = self.start(device_script=["access_denied"])
        self.assertEqual(self.device_poll(device["device_code"]).json()["error"], "access_denied")
        self.assertEqual(self.device_poll(device["device_code"]).json()["error"], "access_denied")
        device = self.start(device_expires_in=1)
        self.assertEqual(device["expires_in"], 1)
        time.sleep(1.1)
        self.admin("POST", "device/approve", {"user_code": device["user_code"]})
        self.assertEqual(self.device_poll(device["device_code"]).json()["error"], "expired_token")

    def test_enforced_interval(self):
        device = self.start(device_enforce_interval=True, device_interval=5)
        self.assertEqual(self.device_poll(device["device_code"]).json()["error"], "authorization_pending")
        r = self.device_poll(device["device_code"])
        self.assertEqual((r.json()["error"], r.json()["interval"]), ("slow_down", 10))

    def test_client_id_and_grant_type_are_checked(self):
        self.assertEqual(self.device_code(client_id="Iv1.other").status, 404)
        device = self.start()
        r = fetch("POST", self.rw("https://github.com/login/oauth/access_token"), headers=GITHUB_HEADERS,
                 form={"client_id": "Iv1.other", "device_code": device["device_code"],
                       "grant_type": "urn:ietf:params:oauth:grant-type:device_code"})
        self.assertEqual((r.status, r.json()["error"]), (200, "incorrect_client_credentials"))
        r = fetch("POST", self.rw("https://github.com/login/oauth/access_token"), headers=GITHUB_HEADERS,
                 form={"client_id": mp.GITHUB_CLIENT_ID, "device_code": device["device_code"],
                       "grant_type": "authorization_code"})
        self.assertEqual(r.json()["error"], "unsupported_grant_type")

    def test_answers_form_encoded_without_accept_json(self):
        device = self.start()
        r = self.device_poll(device["device_code"], headers={})
        self.assertTrue(r.headers["Content-Type"].startswith("application/x-www-form-urlencoded"))
        self.assertEqual(urllib.parse.parse_qs(r.text)["error"], ["authorization_pending"])

    def test_copilot_exchange_and_policy(self):
        github = self.admin("POST", "seed-refresh", {"provider": "github-copilot"}).json()["refresh_token"]
        before = time.time()
        r = self.copilot_token(github)
        self.assertEqual(r.status, 200, r.text)
        answer = r.json()
        self.assertIsInstance(answer["expires_at"], int)
        self.assertAlmostEqual(answer["expires_at"], before + 1800, delta=5)
        self.assertIn(";proxy-ep=proxy.individual.githubcopilot.com;", answer["token"])
        self.assertTrue(answer["token"].startswith("tid="))
        self.assertEqual(self.copilot_token("ghu_unknown").status, 401)
        self.assertEqual(self.copilot_token(github, domain="company.ghe.com").status, 401)

        url = self.rw("https://api.individual.githubcopilot.com/models/gpt-4.1/policy")
        headers = dict(COPILOT_HEADERS, Authorization="Bearer " + answer["token"])
        headers.update({"openai-intent": "chat-policy", "x-interaction-type": "chat-policy"})
        r = fetch("POST", url, json_body={"state": "enabled"}, headers=headers)
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(fetch("POST", url, json_body={"state": "enabled"}).status, 401)
        policies = self.admin("GET", "policies").json()["policies"]
        self.assertEqual([(p["model"], p["authorized"]) for p in policies], [("gpt-4.1", True), ("gpt-4.1", False)])
        self.assertEqual(self.tokens("github-copilot")["access"]["valid"], [answer["token"]])

    def test_enterprise_flow_omits_proxy_ep(self):
        self.config(device_script=["ok"])
        r = self.device_code(domain="company.ghe.com")
        self.assertEqual(r.json()["verification_uri"], "https://company.ghe.com/login/device")
        device_code = r.json()["device_code"]
        self.assertEqual(self.device_poll(device_code).json()["error"], "incorrect_device_code")
        github = self.device_poll(device_code, domain="company.ghe.com").json()["access_token"]
        self.assertEqual(self.copilot_token(github).status, 401, "a GHE token is not a github.com token")
        r = self.copilot_token(github, domain="company.ghe.com")
        self.assertEqual(r.status, 200, r.text)
        self.assertNotIn("proxy-ep=", r.json()["token"])
        url = self.rw("https://copilot-api.company.ghe.com/models/claude-sonnet-4.5/policy")
        r = fetch("POST", url, json_body={"state": "enabled"},
                 headers={"Authorization": "Bearer " + r.json()["token"]})
        self.assertEqual(r.status, 200, r.text)
        self.config(copilot_proxy_ep={"company.ghe.com": "proxy.company.ghe.com"})
        self.assertIn(";proxy-ep=proxy.company.ghe.com;", self.copilot_token(github, "company.ghe.com").json()["token"])

    def test_verification_page(self):
        self.assertEqual(fetch("GET", self.rw("https://github.com/login/device")).status, 200)


class InjectionTest(MockTestCase):
    TOKEN = "https://platform.claude.com/v1/oauth/token"

    def test_status_body_and_headers_for_n_requests(self):
        seeded = self.admin("POST", "seed-refresh", {"provider": "anthropic"}).json()["refresh_token"]
        date = email.utils.formatdate(time.time() + 300, usegmt=True)
        self.inject(prefix="/platform.claude.com/", count=2, status=429,
                    body={"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}},
                    headers={"Retry-After": "120"})
        self.inject(prefix="/platform.claude.com/", status=429, body="", headers={"Retry-After": date})
        for _ in range(2):
            r = self.anthropic_refresh(seeded)
            self.assertEqual((r.status, r.headers["Retry-After"]), (429, "120"))
            self.assertEqual(r.json()["error"]["type"], "rate_limit_error")
        r = self.anthropic_refresh(seeded)
        self.assertEqual((r.status, r.headers["Retry-After"]), (429, date))
        self.assertEqual(self.anthropic_refresh(seeded).status, 200, "the injections are used up")
        self.assertEqual(self.admin("GET", "inject").json()["injections"], [])
        recorded = self.admin("GET", "requests?prefix=/platform.claude.com/").json()["requests"]
        self.assertEqual([r["injected"] for r in recorded], [True, True, True, False])

    def test_html_502_and_plain_500_and_invalid_grant(self):
        self.inject(prefix="/oauth2.googleapis.com/token", status=502,
                    body="<html><body><h1>502 Bad Gateway</h1></body></html>")
        self.inject(prefix="/oauth2.googleapis.com/token", status=500, body="oops")
        self.inject(prefix="/oauth2.googleapis.com/token", status=400,
                    body={"error": "invalid_grant", "error_description": "Bad Request"})
        r = self.google_refresh(GEMINI, "whatever")
        self.assertEqual(r.status, 502)
        self.assertTrue(r.headers["Content-Type"].startswith("text/html"))
        self.assertIn("Bad Gateway", r.text)
        r = self.google_refresh(GEMINI, "whatever")
        self.assertEqual((r.status, r.text), (500, "oops"))
        self.assertEqual(self.google_refresh(GEMINI, "whatever").json()["error"], "invalid_grant")

    def test_method_filter(self):
        self.inject(prefix="/github.com/login/device", method="GET", status=503, body="down")
        self.assertEqual(self.device_code().status, 200)
        self.assertEqual(fetch("GET", self.rw("https://github.com/login/device")).status, 503)

    def test_hang_does_not_block_others_and_reset_releases_it(self):
        self.inject(prefix=self.rw(self.TOKEN)[len(self.mock.url):], hang=True)
        started = time.time()
        with self.assertRaises((TimeoutError, socket.timeout, urllib.error.URLError)):
            self.anthropic_refresh_with_timeout(0.5)
        self.assertLess(time.time() - started, 5)
        # A second hang, released by reset while another request goes through.
        self.inject(prefix="/platform.claude.com/", hang=True)
        outcome = {}

        def hanging():
            try:
                outcome["status"] = self.anthropic_refresh_with_timeout(30).status
            except Exception as exc:  # the connection is closed without an answer
                outcome["error"] = exc

        thread = threading.Thread(target=hanging)
        thread.start()
        time.sleep(0.3)
        self.assertTrue(thread.is_alive())
        self.assertEqual(self.device_code().status, 200, "other requests are served meanwhile")
        self.admin("POST", "reset")
        thread.join(5)
        self.assertFalse(thread.is_alive())
        self.assertIn("error", outcome)

    def anthropic_refresh_with_timeout(self, timeout):
        return fetch("POST", self.rw(self.TOKEN), timeout=timeout,
                    json_body={"grant_type": "refresh_token", "client_id": ANTHROPIC["client_id"],
                               "refresh_token": "x"})

    def test_drop_and_delay(self):
        self.inject(prefix="/platform.claude.com/", drop=True)
        with self.assertRaises((ConnectionError, urllib.error.URLError, http.client.HTTPException)):
            self.anthropic_refresh_with_timeout(5)
        self.inject(prefix="/platform.claude.com/", delay=0.5)
        started = time.time()
        self.assertEqual(self.anthropic_refresh_with_timeout(5).status, 400)
        self.assertGreaterEqual(time.time() - started, 0.5)

    def test_bad_admin_calls(self):
        self.assertEqual(self.admin("POST", "inject", {"prefix": "x", "status": 500}).status, 400)
        self.assertEqual(self.admin("POST", "inject", {"prefix": "/x"}).status, 400)
        self.assertEqual(self.admin("POST", "config", {"no_such_knob": 1}).status, 400)
        self.assertEqual(self.admin("GET", "nothing").status, 404)
        self.assertEqual(self.admin("POST", "seed-refresh", {"provider": "nope"}).status, 400)


class CallbackServer:
    """A small http.server standing in for pi-keyring's loopback callback."""

    def __init__(self):
        hits = self.hits = []

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append({"path": self.path, "host": self.headers.get("Host")})
                good = self.headers.get("Host", "").split(":")[0] in ("localhost", "127.0.0.1")
                body = b"<html><title>Authentication successful</title></html>" if good else b"bad host"
                self.send_response(200 if good else 400)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class FakeBrowserTest(MockTestCase):
    def setUp(self):
        super().setUp()
        self.callback = CallbackServer()
        self.addCleanup(self.callback.close)
        self.redirect_uri = "http://localhost:%d/callback" % self.callback.port
        self.config(redirect_uris={"anthropic": self.redirect_uri})
        self.log = tempfile.NamedTemporaryFile(prefix="fake-browser-", suffix=".log", delete=False).name
        self.addCleanup(os.unlink, self.log)

    def browse(self, url, mode=None, **env):
        environ = dict(os.environ, FAKE_BROWSER_LOG=self.log, MOCK_PROVIDER_URL=self.mock.url, **env)
        if mode:
            environ["FAKE_BROWSER_MODE"] = mode
        return subprocess.run([PYTHON, os.path.join(HERE, "fake-browser.py"), url], env=environ,
                              timeout=30, capture_output=True).returncode

    def authorize_in_browser(self, mode=None):
        verifier, challenge = pkce()
        self.state = new_state()
        url = self.rw(self.authorize_url("anthropic", challenge, self.state)).replace(
            urllib.parse.quote(ANTHROPIC["redirect_uri"], safe=""), urllib.parse.quote(self.redirect_uri, safe=""))
        return verifier, self.browse(url, mode)

    def test_follows_redirect_to_loopback(self):
        verifier, rc = self.authorize_in_browser()
        self.assertEqual(rc, 0)
        self.assertEqual(len(self.callback.hits), 1)
        hit = self.callback.hits[0]
        self.assertEqual(hit["host"], "localhost:%d" % self.callback.port)
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(hit["path"]).query))
        self.assertEqual(query["state"], self.state)
        r = fetch("POST", self.rw("https://platform.claude.com/v1/oauth/token"),
                 json_body={"grant_type": "authorization_code", "client_id": ANTHROPIC["client_id"],
                            "code": query["code"], "state": self.state, "redirect_uri": self.redirect_uri,
                            "code_verifier": verifier})
        self.assertEqual(r.status, 200, r.text)
        with open(self.log) as f:
            lines = f.read().splitlines()
        self.assertIn("-> 302", lines[1])
        self.assertIn("-> 200", lines[2])
        self.assertTrue(lines[-1].endswith("RESULT ok"))

    def test_wrong_host(self):
        _, rc = self.authorize_in_browser("wrong-host")
        self.assertEqual(rc, 1)
        self.assertEqual(self.callback.hits[0]["host"], "evil.example.com:%d" % self.callback.port)
        requests = self.admin("GET", "requests?prefix=/claude.ai/").json()["requests"]
        self.assertTrue(requests[0]["headers"]["Host"].startswith("127.0.0.1:"), "only the loopback hop")

    def test_none_mode_does_nothing(self):
        _, rc = self.authorize_in_browser("none")
        self.assertEqual(rc, 0)
        self.assertEqual(self.callback.hits, [])
        self.assertEqual(self.admin("GET", "requests").json()["requests"], [])

    def test_error_page_fails(self):
        self.assertEqual(self.browse(self.rw("https://claude.ai/oauth/authorize?client_id=x")), 1)

    def test_redirect_loop_stops_after_five_hops(self):
        class Loop(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(302)
                self.send_header("Location", "/again")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Loop)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        self.assertEqual(self.browse("http://127.0.0.1:%d/" % server.server_address[1]), 1)
        with open(self.log) as f:
            self.assertEqual(f.read().count("GET http://"), 6)

    def test_device_mode_approves_newest_code(self):
        self.config(device_interval=1)
        old = self.device_code().json()
        new = self.device_code().json()
        self.assertEqual(self.browse(self.rw(new["verification_uri"]), "device"), 0)
        self.assertIn("access_token", self.device_poll(new["device_code"]).json())
        self.assertEqual(self.device_poll(old["device_code"]).json()["error"], "authorization_pending")
        self.assertEqual(self.browse(self.rw(old["verification_uri"]), "device-deny"), 0)
        self.assertEqual(self.device_poll(old["device_code"]).json()["error"], "access_denied")

    def test_detach_returns_at_once(self):
        verifier, challenge = pkce()
        url = self.rw(self.authorize_url("anthropic", challenge, new_state())).replace(
            urllib.parse.quote(ANTHROPIC["redirect_uri"], safe=""), urllib.parse.quote(self.redirect_uri, safe=""))
        started = time.time()
        self.assertEqual(self.browse(url, FAKE_BROWSER_DETACH="1", FAKE_BROWSER_DELAY="2"), 0)
        self.assertLess(time.time() - started, 2, "the parent returns before the work is done")
        self.assertEqual(self.callback.hits, [])
        deadline = time.time() + 10
        while time.time() < deadline:  # until the child has written its last line
            with open(self.log) as f:
                if "RESULT" in f.read():
                    break
            time.sleep(0.05)
        self.assertEqual(len(self.callback.hits), 1)
        with open(self.log) as f:
            self.assertTrue(f.read().rstrip().endswith("RESULT ok"))


class CommandLineTest(unittest.TestCase):
    def test_prints_port_and_rewrite_and_shuts_down(self):
        proc = subprocess.Popen([PYTHON, os.path.join(HERE, "mock-provider.py")], stdout=subprocess.PIPE,
                                text=True)
        try:
            line = proc.stdout.readline().strip()
            fields = dict(part.split("=", 1) for part in line.split(" "))
            port = int(fields["PORT"])
            self.assertEqual(fields["URL"], "http://127.0.0.1:%d" % port)
            self.assertEqual(fields["REWRITE"], mp.rewrite_value(fields["URL"]))
            self.assertIn("https://claude.ai=http://127.0.0.1:%d/claude.ai" % port, fields["REWRITE"])
            self.assertEqual(fetch("POST", fields["URL"] + "/_admin/shutdown").status, 200)
            self.assertEqual(proc.wait(10), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()

    def test_print_rewrite(self):
        out = subprocess.run([PYTHON, os.path.join(HERE, "mock-provider.py"), "--print-rewrite", "--port", "8080"],
                             capture_output=True, text=True, check=True).stdout.strip()
        self.assertTrue(out.startswith("https://claude.ai=http://127.0.0.1:8080/claude.ai,"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
