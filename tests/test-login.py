#!/usr/bin/python3
"""End-to-end tests of the four loopback OAuth logins, through the typelib.

anthropic, openai-codex, google-gemini-cli and google-antigravity log in
against tests/mock-provider.py (in-process, on a free loopback port, reached
through PI_KEYRING_URL_REWRITE) with the real loopback callback server on
pi's fixed ports.  The browser is tests/fake-browser.py, started by the
library as $BROWSER, or its logic run in a thread by the Interaction
subclass; pasted input comes from the Interaction's ask_code.

Conformance cases of reference/pi-auth.md §11 are named after their
numbers (test_case_24_…).  The fixed ports are shared with other test
programs: meson runs this one with is_parallel: false.
"""
import base64
import importlib.util
import json
import os
import socket
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import gi

gi.require_version("PiKeyring", "1")
gi.require_version("Gio", "2.0")
from gi.repository import GLib, Gio, GObject, PiKeyring  # noqa: E402

# Under the sanitizers meson preloads libasan into python3; the programs
# started from here (the fake browser) must not inherit it.
os.environ.pop("LD_PRELOAD", None)

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE_BROWSER = os.path.join(HERE, "fake-browser.py")


def load_module(name, filename):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mp = load_module("mock_provider", "mock-provider.py")
fb = load_module("fake_browser", "fake-browser.py")

PORTS = {"anthropic": 53692, "openai-codex": 1455,
         "google-gemini-cli": 8085, "google-antigravity": 51121}
TOKEN_PATHS = {"anthropic": "/platform.claude.com/v1/oauth/token",
               "openai-codex": "/auth.openai.com/oauth/token",
               "google-gemini-cli": "/oauth2.googleapis.com/token",
               "google-antigravity": "/oauth2.googleapis.com/token"}
FIVE_MINUTES = 300000

NO_REDIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}), fb.NoRedirect())


def http(method, url, body=None, headers=None, timeout=10):
    """(status, headers, text) of one request; redirects are not followed."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with NO_REDIRECT.open(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode("utf-8", "replace")


def query_of(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, keep_blank_values=True))


def port_is_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def bind_port(port):
    """A listening socket on 127.0.0.1:port, as another program would hold it."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(1)
    return s


def jwt_payload(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


class Interaction(PiKeyring.Interaction):
    """Records what the login shows; on_auth(url) plays the browser."""

    def __init__(self, on_auth=None, open_browser=False):
        super().__init__()
        self.props.open_browser = open_browser
        self.on_auth = on_auth
        self.urls = []
        self.instructions = []
        self.messages = []
        self.events = []

    def do_show_auth(self, url, instructions):
        self.urls.append(url)
        self.instructions.append(instructions)
        self.events.append(("auth", instructions))
        if self.on_auth is not None:
            self.on_auth(url)

    def do_progress(self, message):
        self.messages.append(message)
        self.events.append(("progress", message))


class PasteInteraction(Interaction):
    """Answers ask_code with paste(url), url being the authorize URL shown."""

    def __init__(self, paste, **kwargs):
        super().__init__(**kwargs)
        self.paste = paste
        self.questions = []

    def do_ask_code(self, message, placeholder, cancellable):
        self.questions.append((message, placeholder))
        return self.paste(self.urls[-1])


class BrowserThread:
    """Runs a browser function on the URL in a thread (the main loop serves the callback)."""

    def __init__(self, function):
        self.function = function
        self.result = None
        self.thread = None

    def __call__(self, url):
        def run():
            self.result = self.function(url)
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def join(self):
        if self.thread is not None:
            self.thread.join(15)
        return self.result


class LoginTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mock = mp.MockProvider().start()

    @classmethod
    def tearDownClass(cls):
        cls.mock.stop()

    def setUp(self):
        self.mock.state.reset()
        os.environ["PI_KEYRING_URL_REWRITE"] = self.mock.rewrite
        os.environ["BROWSER"] = FAKE_BROWSER
        os.environ.pop("FAKE_BROWSER_MODE", None)
        for name in ("GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_PROJECT_ID"):
            os.environ.pop(name, None)
        self.held = []

    def tearDown(self):
        for s in self.held:
            s.close()

    # -- helpers

    def need_port(self, provider_id):
        """Waits for another test program to free the provider's port, or skips."""
        port = PORTS[provider_id]
        deadline = time.time() + 30
        while not port_is_free(port):
            if time.time() > deadline:
                self.skipTest("port %d is held by another program" % port)
            time.sleep(0.2)

    def configure(self, **knobs):
        self.mock.state.configure(knobs)

    def requests(self, prefix):
        with self.mock.state.lock:
            return [dict(r) for r in self.mock.state.requests if r["path"].startswith(prefix)]

    def seed(self, provider_id):
        status, _, text = http("POST", self.mock.url + "/_admin/seed-refresh", {"provider": provider_id})
        self.assertEqual(status, 200, text)
        return json.loads(text)

    def authorize_redirect(self, url):
        """What the provider redirects the browser to, without following it."""
        status, headers, text = http("GET", url)
        self.assertEqual(status, 302, text)
        return headers["Location"]

    def run_async(self, start, finish, timeout=60):
        """Runs start(callback) and the main loop until finish(source, result) returns or raises."""
        loop = GLib.MainLoop()
        outcome = {}

        def done(source, result):
            try:
                outcome["value"] = finish(source, result)
            except GLib.Error as exc:
                outcome["error"] = exc
            loop.quit()

        def expired():
            outcome["timeout"] = True
            loop.quit()
            return GLib.SOURCE_REMOVE

        timer = GLib.timeout_add_seconds(timeout, expired)
        start(done)
        loop.run()
        if "timeout" not in outcome:
            GLib.source_remove(timer)
        self.assertNotIn("timeout", outcome, "the operation did not finish")
        return outcome

    def login(self, provider_id, interaction, options=None, cancellable=None, timeout=60):
        provider = PiKeyring.lookup_provider(provider_id)
        self.assertIsNotNone(provider)
        return self.run_async(
            lambda cb: provider.login_async(interaction, options, cancellable, cb),
            lambda src, res: src.login_finish(res), timeout)

    def login_ok(self, provider_id, interaction, **kwargs):
        before = int(time.time() * 1000)
        outcome = self.login(provider_id, interaction, **kwargs)
        after = int(time.time() * 1000)
        self.assertNotIn("error", outcome, outcome.get("error") and outcome["error"].message)
        cred = outcome["value"]
        self.assertEqual(cred.props.provider, provider_id)
        self.assertEqual(cred.props.profile, "default")
        return cred, before, after

    def login_error(self, provider_id, interaction, **kwargs):
        outcome = self.login(provider_id, interaction, **kwargs)
        self.assertIn("error", outcome, "the login succeeded")
        return outcome["error"]

    def refresh(self, cred, provider_id=None):
        provider = PiKeyring.lookup_provider(provider_id or cred.props.provider)
        return self.run_async(lambda cb: provider.refresh_async(cred, None, cb),
                              lambda src, res: src.refresh_finish(res))

    def assert_error(self, error, domain, code, text=None):
        self.assertTrue(error.matches(domain, code),
                        "%s %d: %s" % (error.domain, error.code, error.message))
        if text is not None:
            self.assertIn(text, error.message)

    def assert_no_secret(self, message, *secrets_):
        for secret in secrets_:
            if secret:
                self.assertNotIn(secret, message)

    def assert_expires(self, cred, before, after, lifetime_ms):
        self.assertGreaterEqual(cred.get_expires(), before + lifetime_ms)
        self.assertLessEqual(cred.get_expires(), after + lifetime_ms)

    def browser_login(self, provider_id):
        """A login whose browser is $BROWSER (fake-browser.py, started by the library)."""
        self.need_port(provider_id)
        interaction = Interaction(open_browser=True)
        cred, before, after = self.login_ok(provider_id, interaction)
        return cred, before, after, interaction

    def assert_state_not_verifier(self, url, verifier):
        """DESIGN §5: the URL's state is 43 fresh base64url characters, not
        the verifier, whose S256 is the URL's code_challenge."""
        shown = query_of(url)
        self.assertRegex(shown["state"], r"^[A-Za-z0-9_-]{43}$")
        self.assertNotEqual(shown["state"], verifier)
        self.assertNotIn(verifier, url)
        self.assertEqual(mp.pkce_challenge(verifier), shown["code_challenge"])


class LoopbackLoginTest(LoginTestCase):
    """Each login completes through the browser and stores pi's fields in pi's order."""

    def test_case_52_anthropic_login_via_browser(self):
        cred, before, after, interaction = self.browser_login("anthropic")
        entry = json.loads(cred.to_json())
        self.assertEqual(list(entry), ["type", "refresh", "access", "expires"])
        self.assertEqual(cred.get_field_names(), ["type", "refresh", "access", "expires"])
        self.assertTrue(entry["access"].startswith("sk-ant-oat01-"))
        # expires_in 3600 → now + 3600000 − 300000
        self.assert_expires(cred, before, after, 3600000 - FIVE_MINUTES)
        tokens = self.mock.state.tokens_report()["anthropic"]
        self.assertIn(entry["refresh"], tokens["refresh"]["valid"])
        self.assertIn(entry["access"], tokens["access"]["valid"])
        self.assertEqual(interaction.instructions,
                         ["Complete login in your browser. If the browser is on another machine, "
                          "paste the final redirect URL here."])
        self.assertEqual(interaction.messages, ["Exchanging authorization code for tokens..."])
        self.assertEqual(PiKeyring.lookup_provider("anthropic").get_api_key(cred), entry["access"])
        self.assertFalse(PiKeyring.lookup_provider("anthropic").can_revoke())
        # the token request: pi's JSON body, in pi's order
        posts = self.requests(TOKEN_PATHS["anthropic"])
        self.assertEqual(len(posts), 1)
        body = json.loads(posts[0]["body"])
        self.assertEqual(list(body), ["grant_type", "client_id", "code", "state", "redirect_uri",
                                      "code_verifier"])
        # the state sent is the one of the authorize URL, never the verifier
        self.assertEqual(body["state"], query_of(interaction.urls[0])["state"])
        self.assert_state_not_verifier(interaction.urls[0], body["code_verifier"])
        self.assertTrue(port_is_free(PORTS["anthropic"]))

    def test_case_54_codex_login_via_browser(self):
        self.configure(expires_in=3600)
        cred, before, after, interaction = self.browser_login("openai-codex")
        entry = json.loads(cred.to_json())
        self.assertEqual(list(entry), ["type", "access", "refresh", "expires", "accountId"])
        self.assertEqual(entry["accountId"], "acc_test")
        self.assertEqual(jwt_payload(entry["access"])["https://api.openai.com/auth"]["chatgpt_account_id"],
                         "acc_test")
        tokens = self.mock.state.tokens_report()["openai-codex"]
        self.assertEqual(tokens["refresh"]["valid"], [entry["refresh"]])
        self.assertEqual(tokens["access"]["valid"], [entry["access"]])
        # no safety buffer
        self.assert_expires(cred, before, after, 3600000)
        self.assertEqual(interaction.instructions,
                         ["A browser window should open. Complete login to finish."])
        self.assertEqual(interaction.messages, [])
        form = query_of("?" + self.requests(TOKEN_PATHS["openai-codex"])[0]["body"])
        self.assertEqual(list(form), ["grant_type", "client_id", "code", "code_verifier", "redirect_uri"])
        self.assertEqual(form["redirect_uri"], "http://localhost:1455/auth/callback")

    def test_gemini_login_via_browser(self):
        cred, before, after, interaction = self.browser_login("google-gemini-cli")
        entry = json.loads(cred.to_json())
        self.assertEqual(list(entry), ["type", "refresh", "access", "expires", "projectId", "email"])
        self.assertEqual(entry["projectId"], "proj-123")
        self.assertEqual(entry["email"], "me@example.com")
        self.assert_expires(cred, before, after, 3600000 - FIVE_MINUTES)
        tokens = self.mock.state.tokens_report()["google-gemini-cli"]
        self.assertEqual(tokens["refresh"]["valid"], [entry["refresh"]])
        self.assertEqual(tokens["access"]["valid"], [entry["access"]])
        self.assertEqual(interaction.events, [
            ("progress", "Starting local server for OAuth callback..."),
            ("auth", "Complete the sign-in in your browser."),
            ("progress", "Waiting for OAuth callback..."),
            ("progress", "Exchanging authorization code for tokens..."),
            ("progress", "Getting user info..."),
            ("progress", "Checking for existing Cloud Code Assist project..."),
        ])
        form = query_of("?" + self.requests(TOKEN_PATHS["google-gemini-cli"])[0]["body"])
        self.assertEqual(list(form), ["client_id", "client_secret", "code", "grant_type",
                                      "redirect_uri", "code_verifier"])
        self.assert_state_not_verifier(interaction.urls[0], form["code_verifier"])
        load = self.requests("/cloudcode-pa.googleapis.com/v1internal:loadCodeAssist")[0]
        self.assertEqual(load["body"], '{"metadata":{"ideType":"IDE_UNSPECIFIED",'
                                       '"platform":"PLATFORM_UNSPECIFIED","pluginType":"GEMINI"}}')
        self.assertEqual(load["headers"]["User-Agent"], "google-api-nodejs-client/9.15.1")
        self.assertEqual(load["headers"]["X-Goog-Api-Client"], "gl-node/22.17.0")
        self.assertEqual(load["headers"]["Authorization"], "Bearer " + entry["access"])
        user = self.requests("/www.googleapis.com/oauth2/v1/userinfo")[0]
        self.assertEqual(user["query"], "alt=json")
        key = PiKeyring.lookup_provider("google-gemini-cli").get_api_key(cred)
        self.assertEqual(key, '{"token":"%s","projectId":"proj-123"}' % entry["access"])

    def test_gemini_login_onboarding(self):
        self.configure(gemini_load="onboard", onboard_polls=1)
        cred, _, _, interaction = self.browser_login("google-gemini-cli")
        self.assertEqual(cred.get_string_field("projectId"), "proj-onboarded")
        self.assertEqual(interaction.messages[-2:], [
            "Checking for existing Cloud Code Assist project...",
            "Provisioning Cloud Code Assist project (this may take a moment)..."])
        onboard = self.requests("/cloudcode-pa.googleapis.com/v1internal:onboardUser")
        self.assertEqual(len(onboard), 1)
        self.assertEqual(onboard[0]["body"], '{"tierId":"free-tier","metadata":{"ideType":'
                                             '"IDE_UNSPECIFIED","platform":"PLATFORM_UNSPECIFIED",'
                                             '"pluginType":"GEMINI"}}')
        self.assertEqual(len(self.requests("/cloudcode-pa.googleapis.com/v1internal/operations/")), 1)

    def test_gemini_login_onboarding_polls_every_5_seconds(self):
        self.configure(gemini_load="onboard", onboard_polls=2)
        cred, _, _, interaction = self.browser_login("google-gemini-cli")
        self.assertEqual(cred.get_string_field("projectId"), "proj-onboarded")
        self.assertEqual(interaction.messages[-1], "Waiting for project provisioning (attempt 2)...")
        polls = self.requests("/cloudcode-pa.googleapis.com/v1internal/operations/")
        self.assertEqual(len(polls), 2)
        self.assertGreaterEqual(polls[1]["time"] - polls[0]["time"], 4.9)

    def test_gemini_login_standard_tier_needs_a_project(self):
        self.configure(gemini_load="onboard", gemini_default_tier="standard-tier")
        self.need_port("google-gemini-cli")
        error = self.login_error("google-gemini-cli", Interaction(open_browser=True))
        self.assert_error(error, PiKeyring.error_quark(), PiKeyring.Error.FAILED,
                          "requires setting the GOOGLE_CLOUD_PROJECT or GOOGLE_CLOUD_PROJECT_ID")
        self.assertEqual(self.requests("/cloudcode-pa.googleapis.com/v1internal:onboardUser"), [])

    def test_gemini_login_environment_project(self):
        os.environ["GOOGLE_CLOUD_PROJECT_ID"] = "env-project"
        self.configure(gemini_load="onboard", gemini_default_tier="standard-tier")
        cred, _, _, _ = self.browser_login("google-gemini-cli")
        self.assertEqual(cred.get_string_field("projectId"), "env-project")
        load = self.requests("/cloudcode-pa.googleapis.com/v1internal:loadCodeAssist")[0]
        self.assertEqual(json.loads(load["body"]), {
            "cloudaicompanionProject": "env-project",
            "metadata": {"ideType": "IDE_UNSPECIFIED", "platform": "PLATFORM_UNSPECIFIED",
                         "pluginType": "GEMINI", "duetProject": "env-project"}})
        onboard = json.loads(self.requests("/cloudcode-pa.googleapis.com/v1internal:onboardUser")[0]["body"])
        self.assertEqual(list(onboard), ["tierId", "metadata", "cloudaicompanionProject"])
        self.assertEqual(onboard["tierId"], "standard-tier")

    def test_gemini_login_security_policy_violation(self):
        self.configure(gemini_load="security_policy")
        self.need_port("google-gemini-cli")
        error = self.login_error("google-gemini-cli", Interaction(open_browser=True))
        self.assertIn("requires setting the GOOGLE_CLOUD_PROJECT", error.message)
        os.environ["GOOGLE_CLOUD_PROJECT"] = "vpc-project"
        cred, _, _, _ = self.browser_login("google-gemini-cli")
        self.assertEqual(cred.get_string_field("projectId"), "vpc-project")

    def test_gemini_login_code_assist_error(self):
        self.need_port("google-gemini-cli")
        self.mock.state.inject({"prefix": "/cloudcode-pa.googleapis.com/v1internal:loadCodeAssist",
                                "status": 403, "body": {"error": {"code": 403, "message": "Forbidden here.",
                                                                  "status": "PERMISSION_DENIED"}}})
        error = self.login_error("google-gemini-cli", Interaction(open_browser=True))
        self.assert_error(error, PiKeyring.error_quark(), PiKeyring.Error.FAILED, "loadCodeAssist failed")
        self.assertIn("403", error.message)
        self.assertIn("Forbidden here.", error.message)

    def test_gemini_login_without_email(self):
        self.configure(userinfo_fail=True)
        cred, _, _, _ = self.browser_login("google-gemini-cli")
        self.assertEqual(cred.get_field_names(), ["type", "refresh", "access", "expires", "projectId"])

    def test_antigravity_login_via_browser(self):
        cred, before, after, interaction = self.browser_login("google-antigravity")
        entry = json.loads(cred.to_json())
        self.assertEqual(list(entry), ["type", "refresh", "access", "expires", "projectId", "email"])
        self.assertEqual(entry["projectId"], "proj-antigravity")
        self.assert_expires(cred, before, after, 3600000 - FIVE_MINUTES)
        tokens = self.mock.state.tokens_report()["google-antigravity"]
        self.assertEqual(tokens["refresh"]["valid"], [entry["refresh"]])
        self.assertEqual(tokens["access"]["valid"], [entry["access"]])
        self.assertEqual(interaction.messages[-1], "Checking for existing project...")
        load = self.requests("/cloudcode-pa.googleapis.com/v1internal:loadCodeAssist")[0]
        self.assertEqual(load["headers"]["X-Goog-Api-Client"], "google-cloud-sdk vscode_cloudshelleditor/0.1")
        self.assertEqual(load["headers"]["Client-Metadata"],
                         '{"ideType":"IDE_UNSPECIFIED","platform":"PLATFORM_UNSPECIFIED","pluginType":"GEMINI"}')
        self.assertEqual(load["headers"]["User-Agent"], "google-api-nodejs-client/9.15.1")
        self.assertEqual(query_of(interaction.urls[0])["client_id"], mp.PROVIDERS["google-antigravity"]["client_id"])
        form = query_of("?" + self.requests(TOKEN_PATHS["google-antigravity"])[0]["body"])
        self.assert_state_not_verifier(interaction.urls[0], form["code_verifier"])

    def test_antigravity_project_object(self):
        self.configure(antigravity_project_object=True)
        cred, _, _, _ = self.browser_login("google-antigravity")
        self.assertEqual(cred.get_string_field("projectId"), "proj-antigravity")

    def test_case_66_antigravity_default_project(self):
        self.configure(antigravity_load_fail=True)
        cred, _, _, interaction = self.browser_login("google-antigravity")
        self.assertEqual(cred.get_string_field("projectId"), "rising-fact-p41fc")
        self.assertEqual(interaction.messages[-2:], ["Checking for existing project...",
                                                     "Using default project..."])
        self.assertEqual(len(self.requests("/cloudcode-pa.googleapis.com/v1internal:loadCodeAssist")), 1)
        self.assertEqual(len(self.requests(
            "/daily-cloudcode-pa.sandbox.googleapis.com/v1internal:loadCodeAssist")), 1)

    def test_case_65_codex_token_without_account_claim(self):
        self.configure(codex_account_id=None)
        self.need_port("openai-codex")
        error = self.login_error("openai-codex", Interaction(open_browser=True))
        self.assert_error(error, PiKeyring.error_quark(), PiKeyring.Error.FAILED,
                          "Failed to extract accountId from token")
        # the refresh re-extracts it too
        seeded = self.seed("openai-codex")
        old = PiKeyring.Credential.new_from_json("openai-codex", None, json.dumps(
            {"type": "oauth", "access": "x", "refresh": seeded["refresh_token"], "expires": 1,
             "accountId": "acc_test"}), -1)
        outcome = self.refresh(old)
        self.assert_error(outcome["error"], PiKeyring.error_quark(), PiKeyring.Error.FAILED,
                          "Failed to refresh OpenAI Codex token")
        self.assertIn("Failed to extract accountId from token", outcome["error"].message)


class PasteTest(LoginTestCase):
    """Pasted input, the state rules and the port-busy fallback."""

    def test_case_24_anthropic_paste_full_redirect_url(self):
        self.need_port("anthropic")
        interaction = PasteInteraction(self.authorize_redirect)
        cred, _, _ = self.login_ok("anthropic", interaction)
        self.assertEqual(interaction.questions, [("Paste the authorization code or full redirect URL:",
                                                  "http://localhost:53692/callback")])
        posts = self.requests(TOKEN_PATHS["anthropic"])
        self.assertEqual(len(posts), 1)
        self.assertEqual(posts[0]["method"], "POST")
        self.assertEqual(posts[0]["headers"]["Content-Type"], "application/json")
        self.assertEqual(posts[0]["headers"]["Accept"], "application/json")
        body = json.loads(posts[0]["body"])
        shown = query_of(interaction.urls[0])
        self.assertEqual(body["grant_type"], "authorization_code")
        self.assertEqual(body["client_id"], "9d1c250a-e61b-44d9-88ed-5944d1962f5e")
        self.assertEqual(body["redirect_uri"], "http://localhost:53692/callback")
        self.assertEqual(body["state"], shown["state"])
        self.assertNotEqual(body["code_verifier"], shown["state"])
        self.assertEqual(mp.pkce_challenge(body["code_verifier"]), shown["code_challenge"])
        access = self.mock.state.tokens_report()["anthropic"]["access"]["valid"]
        self.assertEqual([cred.get_access()], access)
        self.assertTrue(port_is_free(PORTS["anthropic"]))

    def test_case_56_anthropic_paste_state_mismatch(self):
        self.need_port("anthropic")

        def paste(url):
            code = query_of(self.authorize_redirect(url))["code"]
            return "%s#%s" % (code, "not-the-state")

        error = self.login_error("anthropic", PasteInteraction(paste))
        self.assert_error(error, PiKeyring.error_quark(), PiKeyring.Error.FAILED, "OAuth state mismatch")
        self.assertEqual(self.requests(TOKEN_PATHS["anthropic"]), [])
        self.assertTrue(port_is_free(PORTS["anthropic"]))

    def test_case_56_anthropic_paste_bare_code(self):
        self.need_port("anthropic")
        interaction = PasteInteraction(lambda url: "  %s  " % query_of(self.authorize_redirect(url))["code"])
        cred, _, _ = self.login_ok("anthropic", interaction)
        body = json.loads(self.requests(TOKEN_PATHS["anthropic"])[0]["body"])
        # a bare code: the token request carries the state of the URL
        verifier = body["code_verifier"]
        self.assertEqual(body["state"], query_of(interaction.urls[0])["state"])
        self.assertNotEqual(body["state"], verifier)

    def test_case_57_gemini_paste_bare_code(self):
        self.need_port("google-gemini-cli")
        interaction = PasteInteraction(lambda url: query_of(self.authorize_redirect(url))["code"])
        error = self.login_error("google-gemini-cli", interaction)
        self.assert_error(error, PiKeyring.error_quark(), PiKeyring.Error.FAILED,
                          "No authorization code received")
        self.assertEqual(self.requests(TOKEN_PATHS["google-gemini-cli"]), [])

    def test_gemini_paste_full_url(self):
        self.need_port("google-gemini-cli")
        interaction = PasteInteraction(self.authorize_redirect)
        cred, _, _ = self.login_ok("google-gemini-cli", interaction)
        self.assertEqual(cred.get_string_field("projectId"), "proj-123")
        self.assertEqual(interaction.questions[0][1], "http://localhost:8085/oauth2callback")

    def test_gemini_paste_state_mismatch(self):
        self.need_port("google-gemini-cli")

        def paste(url):
            target = self.authorize_redirect(url)
            return target.replace("state=", "state=x", 1)

        error = self.login_error("google-gemini-cli", PasteInteraction(paste))
        self.assertIn("OAuth state mismatch - possible CSRF attack", error.message)

    def test_codex_paste_code_and_state(self):
        self.need_port("openai-codex")

        def paste(url):
            q = query_of(self.authorize_redirect(url))
            return "%s#%s" % (q["code"], q["state"])

        interaction = PasteInteraction(paste)
        cred, _, _ = self.login_ok("openai-codex", interaction)
        self.assertEqual(cred.get_string_field("accountId"), "acc_test")
        self.assertEqual(interaction.questions, [("Paste the authorization code (or full redirect URL):", None)])

    def test_codex_paste_state_mismatch(self):
        self.need_port("openai-codex")
        error = self.login_error("openai-codex", PasteInteraction(lambda url: "code=abc&state=0123"))
        self.assertIn("State mismatch", error.message)

    def test_case_62_codex_port_busy_paste(self):
        self.need_port("openai-codex")
        self.held.append(bind_port(PORTS["openai-codex"]))
        interaction = PasteInteraction(self.authorize_redirect)
        cred, _, _ = self.login_ok("openai-codex", interaction)
        self.assertEqual(cred.get_string_field("accountId"), "acc_test")
        self.assertTrue(any("1455" in m for m in interaction.messages), interaction.messages)

    def test_case_62_anthropic_port_busy_paste(self):
        # pi fails here; DESIGN §7.1 makes the paste work for every provider.
        self.need_port("anthropic")
        self.held.append(bind_port(PORTS["anthropic"]))
        interaction = PasteInteraction(self.authorize_redirect)
        cred, _, _ = self.login_ok("anthropic", interaction)
        self.assertTrue(cred.get_access().startswith("sk-ant-oat01-"))
        busy = [m for m in interaction.messages if "53692" in m]
        self.assertEqual(len(busy), 1, interaction.messages)
        self.assertIn("paste", busy[0])
        self.assertEqual(len(self.requests(TOKEN_PATHS["anthropic"])), 1)

    def test_case_62_gemini_port_busy_paste(self):
        self.need_port("google-gemini-cli")
        self.held.append(bind_port(PORTS["google-gemini-cli"]))
        interaction = PasteInteraction(self.authorize_redirect)
        cred, _, _ = self.login_ok("google-gemini-cli", interaction)
        self.assertEqual(cred.get_string_field("projectId"), "proj-123")
        busy = [m for m in interaction.messages if "8085" in m]
        self.assertEqual(len(busy), 1, interaction.messages)
        self.assertIn("full URL", busy[0])

    def test_port_busy_without_paste_fails(self):
        self.need_port("google-antigravity")
        self.held.append(bind_port(PORTS["google-antigravity"]))
        error = self.login_error("google-antigravity", Interaction())
        self.assert_error(error, Gio.io_error_quark(), Gio.IOErrorEnum.ADDRESS_IN_USE, "51121")

    def test_paste_cancelled_by_the_user(self):
        self.need_port("anthropic")

        class Refusing(Interaction):
            def do_ask_code(self, message, placeholder, cancellable):
                raise GLib.Error("Login cancelled", "g-io-error-quark", Gio.IOErrorEnum.CANCELLED)

        error = self.login_error("anthropic", Refusing())
        self.assert_error(error, Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
        self.assertTrue(port_is_free(PORTS["anthropic"]))


class CallbackServerTest(LoginTestCase):
    """The real loopback server inside a login: pi's answers and ours."""

    def test_case_58_anthropic_authorize_url(self):
        self.need_port("anthropic")
        del os.environ["PI_KEYRING_URL_REWRITE"]
        cancellable = Gio.Cancellable()
        interaction = Interaction(on_auth=lambda url: GLib.idle_add(cancellable.cancel))
        error = self.login_error("anthropic", interaction, cancellable=cancellable)
        self.assert_error(error, Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
        url = interaction.urls[0]
        parts = urllib.parse.urlsplit(url)
        self.assertEqual((parts.scheme, parts.netloc, parts.path), ("https", "claude.ai", "/oauth/authorize"))
        q = urllib.parse.parse_qsl(parts.query)
        self.assertEqual([k for k, _ in q], ["code", "client_id", "response_type", "redirect_uri", "scope",
                                             "code_challenge", "code_challenge_method", "state"])
        q = dict(q)
        self.assertEqual(q["code"], "true")
        self.assertEqual(q["client_id"], "9d1c250a-e61b-44d9-88ed-5944d1962f5e")
        self.assertEqual(q["code_challenge_method"], "S256")
        # DESIGN §5: the state is 43 random base64url characters, not the
        # verifier (whose S256 is the challenge)
        self.assertRegex(q["state"], r"^[A-Za-z0-9_-]{43}$")
        self.assertNotEqual(mp.pkce_challenge(q["state"]), q["code_challenge"])
        self.assertEqual(len(q["code_challenge"]), 43)
        # pi's form encoding: ':' and '/' escaped, spaces as '+'
        self.assertIn("redirect_uri=http%3A%2F%2Flocalhost%3A53692%2Fcallback", url)
        self.assertIn("scope=org%3Acreate_api_key+user%3Aprofile+", url)
        self.assertTrue(port_is_free(PORTS["anthropic"]))

    def test_case_59_codex_authorize_url(self):
        self.need_port("openai-codex")
        interaction = Interaction(open_browser=True)
        self.login_ok("openai-codex", interaction)
        q = urllib.parse.parse_qsl(urllib.parse.urlsplit(interaction.urls[0]).query)
        self.assertEqual([k for k, _ in q], [
            "response_type", "client_id", "redirect_uri", "scope", "code_challenge",
            "code_challenge_method", "state", "id_token_add_organizations", "codex_cli_simplified_flow",
            "originator"])
        q = dict(q)
        self.assertRegex(q["state"], r"^[0-9a-f]{32}$")
        verifier = query_of("?" + self.requests(TOKEN_PATHS["openai-codex"])[0]["body"])["code_verifier"]
        self.assertNotEqual(q["state"], verifier)
        self.assertEqual(mp.pkce_challenge(verifier), q["code_challenge"])
        self.assertEqual((q["id_token_add_organizations"], q["codex_cli_simplified_flow"], q["originator"]),
                         ("true", "true", "pi"))

    def test_case_60_anthropic_loopback_answers(self):
        self.need_port("anthropic")
        seen = []

        def browser(url):
            base = "http://localhost:53692"
            seen.append(http("GET", base + "/callback?code=x&state=wrong")[0])
            seen.append(http("GET", base + "/other")[0])
            seen.append(http("GET", base + "/callback?error=access_denied")[0])
            return fb.follow(url)

        thread = BrowserThread(browser)
        cred, _, _ = self.login_ok("anthropic", Interaction(on_auth=thread))
        self.assertTrue(thread.join())
        self.assertEqual(seen, [400, 404, 400])
        # the wrong-state code was never exchanged
        bodies = [json.loads(r["body"]) for r in self.requests(TOKEN_PATHS["anthropic"])]
        self.assertEqual(len(bodies), 1)
        self.assertNotEqual(bodies[0]["code"], "x")

    def test_case_61_codex_loopback_answers(self):
        self.need_port("openai-codex")
        seen = []

        def browser(url):
            state = query_of(url)["state"]
            base = "http://localhost:1455/auth/callback"
            seen.append(http("GET", base + "?code=x")[::2])
            seen.append(http("GET", base + "?state=" + state)[::2])
            return fb.follow(url)

        thread = BrowserThread(browser)
        self.login_ok("openai-codex", Interaction(on_auth=thread))
        self.assertTrue(thread.join())
        self.assertEqual(seen[0][0], 400)
        self.assertIn("State mismatch", seen[0][1])
        self.assertEqual(seen[1][0], 400)
        self.assertIn("Missing authorization code", seen[1][1])

    def test_access_denied_redirect(self):
        self.configure(authorize_error="access_denied")
        self.need_port("openai-codex")
        error = self.login_error("openai-codex", Interaction(open_browser=True))
        self.assert_error(error, PiKeyring.error_quark(), PiKeyring.Error.ACCESS_DENIED)
        self.assertEqual(self.requests(TOKEN_PATHS["openai-codex"]), [])
        self.assertTrue(port_is_free(PORTS["openai-codex"]))

    def test_access_denied_redirect_google(self):
        self.configure(authorize_error="access_denied")
        self.need_port("google-gemini-cli")
        error = self.login_error("google-gemini-cli", Interaction(open_browser=True))
        self.assert_error(error, PiKeyring.error_quark(), PiKeyring.Error.ACCESS_DENIED)

    def test_wrong_state_redirect_keeps_waiting(self):
        self.configure(authorize_wrong_state=True)
        self.need_port("anthropic")
        options = GLib.Variant("a{sv}", {"timeout-ms": GLib.Variant("u", 1500)})
        error = self.login_error("anthropic", Interaction(open_browser=True), options=options)
        self.assert_error(error, Gio.io_error_quark(), Gio.IOErrorEnum.TIMED_OUT)
        self.assertEqual(self.requests(TOKEN_PATHS["anthropic"]), [])
        self.assertTrue(port_is_free(PORTS["anthropic"]))

    def test_foreign_host_refused(self):
        self.need_port("google-antigravity")
        seen = []

        def browser(url):
            target = self.authorize_redirect(url)
            parts = urllib.parse.urlsplit(target)
            seen.append(http("GET", target, headers={"Host": "evil.example.com:%d" % parts.port})[0])
            seen.append(http("GET", target)[0])
            return True

        thread = BrowserThread(browser)
        cred, _, _ = self.login_ok("google-antigravity", Interaction(on_auth=thread))
        thread.join()
        self.assertEqual(seen, [421, 200])
        self.assertEqual(len(self.requests(TOKEN_PATHS["google-antigravity"])), 1)
        self.assertEqual(cred.get_string_field("projectId"), "proj-antigravity")

    def test_cancellation_frees_the_port(self):
        self.need_port("google-gemini-cli")
        cancellable = Gio.Cancellable()
        interaction = Interaction(on_auth=lambda url: GLib.timeout_add(100, cancellable.cancel))
        error = self.login_error("google-gemini-cli", interaction, cancellable=cancellable)
        self.assert_error(error, Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
        self.held.append(bind_port(PORTS["google-gemini-cli"]))

    def test_login_time_out_frees_the_port(self):
        self.need_port("openai-codex")
        options = GLib.Variant("a{sv}", {"timeout-ms": GLib.Variant("u", 300)})
        start = time.time()
        error = self.login_error("openai-codex", Interaction(), options=options)
        self.assertLess(time.time() - start, 10)
        self.assert_error(error, Gio.io_error_quark(), Gio.IOErrorEnum.TIMED_OUT)
        self.held.append(bind_port(PORTS["openai-codex"]))

    def test_no_browser_when_open_browser_is_false(self):
        self.need_port("anthropic")
        log = os.path.join(os.environ.get("TMPDIR", "/tmp"), "fake-browser-nb-%d.log" % os.getpid())
        os.environ["FAKE_BROWSER_LOG"] = log
        try:
            options = GLib.Variant("a{sv}", {"timeout-ms": GLib.Variant("u", 1000)})
            error = self.login_error("anthropic", Interaction(open_browser=False), options=options)
        finally:
            del os.environ["FAKE_BROWSER_LOG"]
        self.assert_error(error, Gio.io_error_quark(), Gio.IOErrorEnum.TIMED_OUT)
        self.assertFalse(os.path.exists(log))


class RefreshTest(LoginTestCase):
    def credential(self, provider_id, **fields):
        entry = {"type": "oauth"}
        entry.update(fields)
        return PiKeyring.Credential.new_from_json(provider_id, "work", json.dumps(entry), -1)

    def test_case_25_anthropic_refresh_body(self):
        seeded = self.seed("anthropic")
        old = self.credential("anthropic", refresh=seeded["refresh_token"], access="old", expires=1)
        before = int(time.time() * 1000)
        outcome = self.refresh(old)
        after = int(time.time() * 1000)
        new = outcome["value"]
        posts = self.requests(TOKEN_PATHS["anthropic"])
        self.assertEqual(len(posts), 1)
        body = json.loads(posts[0]["body"])
        self.assertEqual(body, {"grant_type": "refresh_token", "client_id": "9d1c250a-e61b-44d9-88ed-5944d1962f5e",
                                "refresh_token": seeded["refresh_token"]})
        self.assertEqual(list(body), ["grant_type", "client_id", "refresh_token"])
        self.assertNotIn("scope", body)
        tokens = self.mock.state.tokens_report()["anthropic"]
        self.assertNotEqual(new.get_refresh(), seeded["refresh_token"])
        self.assertIn(new.get_refresh(), tokens["refresh"]["valid"])
        self.assertIn(new.get_access(), tokens["access"]["valid"])
        self.assertEqual(new.get_field_names(), ["type", "refresh", "access", "expires"])
        self.assertEqual(new.props.profile, "work")
        self.assert_expires(new, before, after, 3600000 - FIVE_MINUTES)

    def test_case_50_gemini_refresh_keeps_refresh_token(self):
        seeded = self.seed("google-gemini-cli")
        old = self.credential("google-gemini-cli", refresh=seeded["refresh_token"], access="old",
                              expires=1, projectId="proj-x", email="me@example.com")
        new = self.refresh(old)["value"]
        self.assertEqual(new.get_refresh(), seeded["refresh_token"])
        self.assertEqual(new.get_string_field("projectId"), "proj-x")
        self.assertIsNone(new.get_string_field("email"))
        self.assertEqual(new.get_field_names(), ["type", "refresh", "access", "expires", "projectId"])
        form = query_of("?" + self.requests(TOKEN_PATHS["google-gemini-cli"])[0]["body"])
        self.assertEqual(list(form), ["client_id", "client_secret", "refresh_token", "grant_type"])
        self.assertEqual(form["client_secret"], mp.PROVIDERS["google-gemini-cli"]["client_secret"])

    def test_case_50_antigravity_refresh(self):
        seeded = self.seed("google-antigravity")
        old = self.credential("google-antigravity", refresh=seeded["refresh_token"], access="old",
                              expires=1, projectId="rising-fact-p41fc")
        new = self.refresh(old)["value"]
        self.assertEqual(new.get_refresh(), seeded["refresh_token"])
        self.assertEqual(new.get_string_field("projectId"), "rising-fact-p41fc")

    def test_case_51_missing_project_id(self):
        for provider_id, text in (("google-gemini-cli", "Google Cloud credentials missing projectId"),
                                  ("google-antigravity", "Antigravity credentials missing projectId")):
            seeded = self.seed(provider_id)
            old = self.credential(provider_id, refresh=seeded["refresh_token"], access="a", expires=1)
            error = self.refresh(old)["error"]
            self.assertIn(text, error.message)
            self.assertEqual(self.requests(TOKEN_PATHS[provider_id]), [])

    def test_codex_refresh_rotates(self):
        seeded = self.seed("openai-codex")
        old = self.credential("openai-codex", access="a", refresh=seeded["refresh_token"], expires=1,
                              accountId="acc_old")
        new = self.refresh(old)["value"]
        self.assertNotEqual(new.get_refresh(), seeded["refresh_token"])
        self.assertEqual(new.get_string_field("accountId"), "acc_test")
        self.assertEqual(new.get_field_names(), ["type", "access", "refresh", "expires", "accountId"])
        form = query_of("?" + self.requests(TOKEN_PATHS["openai-codex"])[0]["body"])
        self.assertEqual(list(form), ["grant_type", "refresh_token", "client_id"])
        # the old refresh token is dead now
        error = self.refresh(old)["error"]
        self.assert_error(error, PiKeyring.error_quark(), PiKeyring.Error.REAUTHENTICATION_REQUIRED,
                          "Failed to refresh OpenAI Codex token")
        self.assert_no_secret(error.message, seeded["refresh_token"], new.get_refresh())
        # and the new one works
        newer = self.refresh(new)["value"]
        self.assertNotEqual(newer.get_refresh(), new.get_refresh())

    def test_refresh_invalid_grant(self):
        seeded = self.seed("anthropic")
        http("POST", self.mock.url + "/_admin/revoke", {"token": seeded["refresh_token"]})
        old = self.credential("anthropic", refresh=seeded["refresh_token"], access="a", expires=1)
        error = self.refresh(old)["error"]
        self.assert_error(error, PiKeyring.error_quark(), PiKeyring.Error.REAUTHENTICATION_REQUIRED)
        self.assertIn("invalid_grant", error.message)
        self.assert_no_secret(error.message, seeded["refresh_token"])

    def test_refresh_rate_limited(self):
        seeded = self.seed("google-gemini-cli")
        self.mock.state.inject({"prefix": TOKEN_PATHS["google-gemini-cli"], "status": 429,
                                "headers": {"Retry-After": "120"},
                                "body": {"error": "rate_limited"}})
        old = self.credential("google-gemini-cli", refresh=seeded["refresh_token"], access="a",
                              expires=1, projectId="p")
        error = self.refresh(old)["error"]
        self.assert_error(error, PiKeyring.error_quark(), PiKeyring.Error.RATE_LIMITED, "about 2 minutes")
        self.assertIn("Google Cloud token refresh failed", error.message)

    def test_refresh_server_error_is_temporary(self):
        seeded = self.seed("anthropic")
        self.mock.state.inject({"prefix": TOKEN_PATHS["anthropic"], "status": 502, "body": "<html>bad</html>"})
        old = self.credential("anthropic", refresh=seeded["refresh_token"], access="a", expires=1)
        error = self.refresh(old)["error"]
        self.assert_error(error, PiKeyring.error_quark(), PiKeyring.Error.TEMPORARY)

    def test_google_revoke(self):
        seeded = self.seed("google-gemini-cli")
        cred = self.credential("google-gemini-cli", refresh=seeded["refresh_token"],
                               access=seeded["access_token"], expires=1, projectId="p")
        provider = PiKeyring.lookup_provider("google-gemini-cli")
        self.assertTrue(provider.can_revoke())
        outcome = self.run_async(lambda cb: provider.revoke_async(cred, None, cb),
                                 lambda src, res: src.revoke_finish(res))
        self.assertTrue(outcome["value"])
        form = query_of("?" + self.requests("/oauth2.googleapis.com/revoke")[0]["body"])
        self.assertEqual(form, {"token": seeded["refresh_token"]})
        dead = self.mock.state.tokens_report()["google-gemini-cli"]["refresh"]["dead"]
        self.assertIn(seeded["refresh_token"], dead)
        # the refresh token no longer works
        error = self.refresh(cred)["error"]
        self.assert_error(error, PiKeyring.error_quark(), PiKeyring.Error.REAUTHENTICATION_REQUIRED)

    def test_no_revocation_for_others(self):
        for provider_id in ("anthropic", "openai-codex"):
            provider = PiKeyring.lookup_provider(provider_id)
            self.assertFalse(provider.can_revoke())


class PythonProvider(GObject.Object, PiKeyring.Provider):
    """An OAuth provider written in Python: async vfuncs through Gio.Task."""

    def __init__(self):
        super().__init__()
        self.refreshes = 0

    def do_get_id(self):
        return "python-test"

    def do_get_display_name(self):
        return "Python Test Provider"

    def do_get_flow(self):
        return "loopback"

    def do_login_async(self, interaction, options, cancellable, callback, user_data):
        # The C callback arrives as a gi.CCallback bound to its user data.
        task = Gio.Task.new(self, cancellable, lambda source, result, data: callback(source, result), None)
        interaction.show_auth("https://example.com/authorize", "Nothing to do.")
        interaction.progress("Logging in...")
        entry = {"type": "oauth", "refresh": "py-refresh", "access": "py-access", "expires": 4102444800000}
        task.return_value(PiKeyring.Credential.new_from_json("python-test", None, json.dumps(entry), -1))

    def do_login_finish(self, result):
        return result.propagate_value()[1]

    def do_refresh_async(self, credential, cancellable, callback, user_data):
        self.refreshes += 1
        task = Gio.Task.new(self, cancellable, lambda source, result, data: callback(source, result), None)
        if credential.get_refresh() != "py-refresh":
            task.return_error(GLib.Error("bad refresh token", "pi-keyring-error-quark",
                                         int(PiKeyring.Error.REAUTHENTICATION_REQUIRED)))
            return
        entry = {"type": "oauth", "refresh": "py-refresh-2", "access": "py-access-2",
                 "expires": 4102444800000}
        task.return_value(PiKeyring.Credential.new_from_json("python-test", None, json.dumps(entry), -1))

    def do_refresh_finish(self, result):
        return result.propagate_value()[1]

    def do_get_api_key(self, credential):
        return "Bearer " + credential.get_access()


class PythonProviderTest(LoginTestCase):
    def test_python_provider(self):
        provider = PythonProvider()
        PiKeyring.register_provider(provider)
        try:
            found = PiKeyring.lookup_provider("python-test")
            self.assertIs(found, provider)
            self.assertIn("python-test", [p.get_id() for p in PiKeyring.list_providers()])
            self.assertEqual(found.get_display_name(), "Python Test Provider")
            interaction = Interaction()
            cred, _, _ = self.login_ok("python-test", interaction)
            self.assertEqual(interaction.urls, ["https://example.com/authorize"])
            self.assertEqual(interaction.messages, ["Logging in..."])
            self.assertEqual(found.get_api_key(cred), "Bearer py-access")
            new = self.refresh(cred, "python-test")["value"]
            self.assertEqual(new.get_access(), "py-access-2")
            error = self.refresh(new, "python-test")["error"]
            self.assert_error(error, PiKeyring.error_quark(), PiKeyring.Error.REAUTHENTICATION_REQUIRED)
            self.assertEqual(provider.refreshes, 2)
            self.assertFalse(found.can_revoke())
        finally:
            PiKeyring.unregister_provider("python-test")
        self.assertIsNone(PiKeyring.lookup_provider("python-test"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
