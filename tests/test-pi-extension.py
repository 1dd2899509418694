#!/usr/bin/python3
# The real pi (0.73.1 and 1.6.0, from tests/pi/install-pi.sh through
# $PI_KEYRING_TEST_PI_DIR) with pi-keyring's extension, against
# tests/mock-provider.py: its OAuth endpoints (reached by pi-keyring through
# PI_KEYRING_URL_REWRITE) and its Anthropic Messages API (reached by pi
# through models.json's baseUrl). Every case runs once per pi release
# (a class per release), in the private keyring of tests/with-test-keyring.sh
# with HOME, PI_CODING_AGENT_DIR (HOME/.pi/agent) in a temporary directory.
#
# How pi is set up: `pi-keyring setup-pi` (the extension), unless
# PI_KEYRING_TEST_PI_ROUTE=command asks for the old route, auth.json's
# `"key": "!pi-keyring get anthropic"` (pi caches its output for the life of
# the process): the cases that issue 20 is about fail there, which shows that
# they can fail.
#
# Tokens are compared, never shown (digests in messages).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import collections
import hashlib
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def load_module(name, filename):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cli = load_module("test_cli", "test-cli.py")
login = load_module("test_cli_login", "test-cli-login.py")
import pi_session  # noqa: E402

INSTALLS = {pi.version: pi for pi in pi_session.installs()}
VERSIONS = ("0.73.1", "1.6.0")
BROWSER = os.path.join(HERE, "pi", "loopback-browser.sh")
MODEL = ["--provider", "anthropic", "--model", "claude-sonnet-4-5"]
TOKEN_PATH = login.ANTHROPIC_TOKEN_PATH
MESSAGES_PATH = "/api.anthropic.com/v1/messages"
LEAD_MS = 5 * 60 * 1000


def now_ms():
    return int(time.time() * 1000)


def digest(value):
    return hashlib.sha256((value or "").encode()).hexdigest()[:12] if value else None


ROUTE = os.environ.get("PI_KEYRING_TEST_PI_ROUTE") or "extension"


class PiTestCase(login.LoginTestCase):
    """One pi release (PI_VERSION) against the mock, pi-keyring on PATH."""

    PI_VERSION = None

    def setUp(self):
        if self.PI_VERSION not in INSTALLS:
            reason = pi_session.missing_reason() if not INSTALLS else \
                "pi %s is not installed in %s" % (self.PI_VERSION, pi_session.installs_dir())
            if os.environ.get("PI_KEYRING_TEST_PI_REQUIRED") == "1":
                self.fail(reason + " (PI_KEYRING_TEST_PI_REQUIRED=1: CI must run these tests)")
            self.skipTest(reason)
        if ROUTE not in ("extension", "command"):
            self.fail("PI_KEYRING_TEST_PI_ROUTE must be extension or command, not %r" % ROUTE)
        super().setUp()
        self.pi = INSTALLS[self.PI_VERSION]
        self.home = self.env["HOME"]
        self.agent_dir = os.path.join(self.home, ".pi", "agent")
        self.auth_file = os.path.join(self.agent_dir, "auth.json")
        self.env["PI_CODING_AGENT_DIR"] = self.agent_dir
        self.env["BROWSER"] = BROWSER
        self.bindir = os.path.dirname(os.path.abspath(cli.CLI))
        self.mock.admin("POST", "config", {"revoke_access_on_refresh": True})
        self.daemons = []
        pi_session.write_models_json(self.agent_dir, self.mock.url)
        # pi 1.6.0 asks before it trusts a project folder: the home is the cwd.
        pi_session.write_settings(self.agent_dir, {"quietStartup": True})

    # -- pi-keyring side

    def seed_anthropic(self, expires=None):
        """An Anthropic OAuth entry issued by the mock, stored in the keyring."""
        seed = self.mock.admin("POST", "seed-refresh", {"provider": "anthropic"})
        entry = collections.OrderedDict([
            ("type", "oauth"), ("refresh", seed["refresh_token"]), ("access", seed["access_token"]),
            ("expires", expires if expires is not None else now_ms() + seed["expires_in"] * 1000)])
        self.store_entry("anthropic", entry)
        return entry

    def store_entry(self, provider, entry):
        self.extra_secrets = getattr(self, "extra_secrets", set()) | {
            v for k, v in entry.items() if k in ("refresh", "access", "key")}
        source = os.path.join(self.tmp, "import-%s.json" % provider)
        self.write_auth_file(cli.pi_format({provider: entry}), path=source)
        self.assertExit(self.run_cli("import", source), 0)
        stored = self.secret_tool_lookup(provider)
        self.assertTrue(stored == entry, "the entry was not stored as given")

    def login_anthropic(self):
        """`pi-keyring login anthropic`, the fake browser approving at the mock."""
        result = self.login("anthropic")
        self.assertExit(result, 0)
        entry = self.stored("anthropic")
        self.assertIsNotNone(entry, result.err)
        return entry

    def setup_pi(self, providers=("anthropic",)):
        """Sets pi up to take its credentials from pi-keyring."""
        if ROUTE == "extension":
            result = self.run_cli("setup-pi")
            self.assertExit(result, 0)
            self.assertTrue(os.path.isfile(self.extension_file()), result.err)
        else:
            doc = collections.OrderedDict(
                (p, collections.OrderedDict([("type", "api_key"), ("key", "!pi-keyring get " + p)]))
                for p in providers)
            self.write_auth_file(cli.pi_format(doc))

    def extension_file(self):
        return os.path.join(self.agent_dir, "extensions", "pi-keyring.ts")

    def start_daemon(self):
        daemon_mod = self.daemon_module()
        daemon = daemon_mod.Daemon(self, self.env)
        self.daemons.append(daemon)
        return daemon

    @staticmethod
    def daemon_module():
        if not hasattr(PiTestCase, "_daemon_mod"):
            PiTestCase._daemon_mod = load_module("test_daemon", "test-daemon.py")
        return PiTestCase._daemon_mod

    # -- pi side

    def pi_env(self, **kw):
        return pi_session.pi_env(self.env, self.home, agent_dir=self.agent_dir, bindir=self.bindir,
                                 rewrite=self.mock.rewrite, browser=BROWSER, **kw)

    def rpc(self, env=None, args=MODEL):
        session = pi_session.RpcSession(self.pi, env or self.pi_env(), list(args))
        self.addCleanup(session.close)
        return session

    def llm(self):
        return self.mock.admin("GET", "llm")["requests"]

    def assertAnswered(self, answer, n=None):
        self.assertTrue(answer.ok, "pi %s: the prompt was not answered: stop=%r error=%r"
                        % (self.pi.version, answer.stop_reason, self.scrub(answer.error)))
        self.assertTrue(answer.text.startswith("mock reply"), answer.text[:200])

    def scrub(self, text):
        """text with every secret of this test replaced by its digest."""
        text = text or ""
        for secret in set(cli.SECRETS) | getattr(self, "extra_secrets", set()) | self.mock_tokens():
            if secret and secret in text:
                text = text.replace(secret, "<secret %s>" % digest(secret))
        return text

    def mock_tokens(self):
        tokens = set()
        report = self.mock.admin("GET", "tokens")
        for provider in report.values():
            for kind in provider.values():
                tokens.update(kind["issued"])
        return tokens

    def assertNoSecretIn(self, text, where):
        for secret in self.mock_tokens() | getattr(self, "extra_secrets", set()):
            self.assertFalse(secret in text, "a token (%s) in %s" % (digest(secret), where))

    def files_under(self, top):
        for root, _, files in os.walk(top):
            for name in files:
                yield os.path.join(root, name)

    def assertNoTokenUnder(self, top):
        tokens = self.mock_tokens() | getattr(self, "extra_secrets", set())
        for path in self.files_under(top):
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            for token in tokens:
                self.assertFalse(token.encode() in data, "a token (%s) in %s"
                                 % (digest(token), os.path.relpath(path, self.home)))


# --- a. a long session across a refresh -----------------------------------------------

class RefreshMixin:
    def test_session_crosses_a_refresh(self):
        wait_for_free = login.wait_for_free_ports
        wait_for_free()
        entry = self.login_anthropic()
        self.setup_pi()
        session = self.rpc()
        first = session.prompt("first prompt")
        self.assertAnswered(first)
        self.assertTrue(self.llm()[-1]["credential"] == entry["access"],
                        "prompt 1 did not carry the token of the login")

        result = self.run_cli("refresh", "anthropic")
        self.assertExit(result, 0)
        new = self.stored("anthropic")
        self.assertTrue(new["access"] != entry["access"], "refresh gave the same token")
        tokens = self.mock.admin("GET", "tokens")["anthropic"]["access"]
        self.assertTrue(entry["access"] in tokens["dead"], "the mock did not revoke the old token")

        second = session.prompt("second prompt")
        last = self.llm()[-1]
        self.assertAnswered(second)
        self.assertTrue(last["credential"] == new["access"],
                        "prompt 2 carried %s, not the refreshed token %s"
                        % (digest(last["credential"]), digest(new["access"])))
        self.assertEqual(last["status"], 200)
        self.assertNoSecretIn(session.stderr_text, "pi's stderr")
        # Neither the login nor its refresh left a token under ~/.pi.
        self.assertNoTokenUnder(os.path.join(self.home, ".pi"))


# --- b. a 401 makes the extension ask pi-keyring once more ---------------------------------

class Retry401Mixin:
    def test_a_401_asks_pi_keyring_again(self):
        entry = self.seed_anthropic()
        self.setup_pi()
        session = self.rpc()
        self.assertAnswered(session.prompt("first prompt"))

        # Prompt 2's request is held at the mock; meanwhile another process
        # refreshes (the mock revokes the token the request carries): the
        # request then meets a 401 with a token that was valid when it was read.
        self.mock.admin("POST", "inject", {"prefix": MESSAGES_PATH, "delay": 3.0, "count": 1})
        seen = len(self.llm())
        answers = []
        thread = threading.Thread(target=lambda: answers.append(session.prompt("second prompt")))
        thread.start()
        deadline = time.monotonic() + 30
        while not any(r["path"].startswith(MESSAGES_PATH) and r["injected"]
                      for r in self.mock.requests(MESSAGES_PATH)):
            self.assertLess(time.monotonic(), deadline, "prompt 2 never reached the mock")
            time.sleep(0.05)
        self.assertExit(self.run_cli("refresh", "anthropic"), 0)
        new = self.stored("anthropic")
        thread.join(90)
        self.assertTrue(answers, "no answer to prompt 2")
        calls = self.llm()[seen:]
        self.assertAnswered(answers[0])
        self.assertEqual([c["status"] for c in calls], [401, 200])
        self.assertTrue(calls[0]["credential"] == entry["access"], "the held request had another token")
        self.assertTrue(calls[1]["credential"] == new["access"], "the retry did not carry the new token")


# --- c. /login and /logout inside pi ---------------------------------------------------

class LoginInPiMixin:
    def test_login_and_logout_inside_pi(self):
        login.wait_for_free_ports()
        self.setup_pi(providers=())
        env = self.pi_env()
        tui = pi_session.TmuxPi(self.pi, env, MODEL, cwd=self.home)
        self.addCleanup(tui.close)
        tui.wait_for(r"claude-sonnet-4-5|anthropic", timeout=60)
        # /login: the method (a subscription / an account: the first item),
        # then the provider list, filtered by typing.
        tui.send("/login")
        tui.wait_for(r"Select authentication method|Select provider", timeout=20)
        if re.search(r"Select authentication method", tui.screen()):
            tui.key("Enter")
        tui.wait_for(r"Select provider", timeout=20)
        tui.send("Anthropic", enter=False)
        time.sleep(0.5)
        tui.key("Enter")
        deadline = time.monotonic() + 45
        entry = None
        while time.monotonic() < deadline:
            entry = self.secret_tool_lookup("anthropic")
            if entry is not None:
                break
            if tui.exited():
                break
            time.sleep(0.5)
        screen = tui.screen()
        self.assertIsNotNone(entry, "pi's /login stored nothing in the keyring; browser log:\n%s\nscreen:\n%s"
                             % (self.read_browser_log(), self.scrub(screen)))
        self.extra_secrets = getattr(self, "extra_secrets", set()) | {entry["access"], entry["refresh"]}
        self.assertEqual(entry["type"], "oauth")
        issued = self.mock.admin("GET", "tokens")["anthropic"]
        self.assertTrue(entry["access"] in issued["access"]["valid"], "not a token the mock issued")
        listed = self.run_cli("list", "--json")
        self.assertExit(listed, 0)
        self.assertIn("anthropic", [e.get("provider") for e in listed.json()])
        got = self.run_cli("get", "anthropic", secrets_on_stdout=True)
        self.assertExit(got, 0)
        self.assertTrue(got.out.decode() == entry["access"], "get gives another token")
        time.sleep(1)
        self.assertNoTokenUnder(os.path.join(self.home, ".pi"))

        # pi uses it.
        tui.send("say hello")
        tui.wait_for(r"mock reply", timeout=60)

        tui.send("/logout")
        tui.wait_for(r"Anthropic", timeout=20)
        tui.send("Anthropic", enter=False)
        time.sleep(0.5)
        tui.key("Enter")
        deadline = time.monotonic() + 30
        while self.secret_tool_lookup("anthropic") is not None and time.monotonic() < deadline:
            time.sleep(0.3)
        # (assertIsNone would show the entry, tokens and all)
        self.assertTrue(self.secret_tool_lookup("anthropic") is None, "/logout left the entry in the keyring")
        self.assertNoTokenUnder(os.path.join(self.home, ".pi"))
        self.assertNoSecretIn(self.scrub_free(tui.stderr_text()), "pi's stderr")

    def scrub_free(self, text):
        return text

    def read_browser_log(self):
        try:
            with open(self.browser_log, encoding="utf-8") as f:
                return re.sub(r"(code|state)=[^&\s]+", r"\1=…", f.read())[-3000:]
        except OSError:
            return "(no browser log)"


# --- d. five pi processes and the daemon at the moment a token expires ----------------------

N_PI = 5


class ExpiryRaceMixin:
    def test_five_pi_and_the_daemon_make_one_token_request(self):
        entry = self.seed_anthropic()
        self.setup_pi()
        env = self.pi_env()
        sessions = []
        starters = []
        for _ in range(N_PI):
            starters.append(threading.Thread(target=lambda: sessions.append(self.rpc(env))))
            starters[-1].start()
        for t in starters:
            t.join(120)
        self.assertEqual(len(sessions), N_PI)
        first = self.parallel([(s, "first prompt") for s in sessions])
        for answer in first:
            self.assertAnswered(answer)

        # The token expires now: the stored entry says so, the mock refuses it.
        expired = collections.OrderedDict(entry, expires=now_ms() - 1000)
        self.store_entry("anthropic", expired)
        self.mock.admin("POST", "revoke", {"token": entry["access"], "reason": "expired"})
        # The first token request is held so that everyone meets it.
        self.mock.admin("POST", "inject", {"prefix": TOKEN_PATH, "delay": 1.0, "count": 1})
        before = len(self.refresh_requests())
        self.assertEqual(before, 0)
        seen = len(self.llm())
        self.start_daemon()
        second = self.parallel([(s, "second prompt") for s in sessions])
        for answer in second:
            self.assertAnswered(answer)
        sent = self.refresh_requests()
        self.assertEqual(len(sent), 1, "%d token requests instead of one" % len(sent))
        new = self.stored("anthropic")
        calls = [c for c in self.llm()[seen:] if c["status"] == 200]
        self.assertEqual(len(calls), N_PI)
        self.assertTrue(all(c["credential"] == new["access"] for c in calls),
                        "a prompt did not carry the one refreshed token")

    def refresh_requests(self):
        out = []
        for request in self.mock.requests(TOKEN_PATH):
            body = json.loads(request["body"])
            if body.get("grant_type") == "refresh_token":
                out.append(body["refresh_token"])
        return out

    def parallel(self, work, timeout=120):
        answers = [None] * len(work)

        def run(i, session, text):
            try:
                answers[i] = session.prompt(text, timeout=timeout)
            except Exception as exc:  # reported below
                answers[i] = pi_session.Answer({"stopReason": "error", "errorMessage": repr(exc)}, [], 0)
        threads = [threading.Thread(target=run, args=(i, s, t)) for i, (s, t) in enumerate(work)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout + 10)
        return answers


# --- e. a locked keyring; no pi-keyring at all ---------------------------------------

class FailureMessagesMixin:
    def test_a_locked_keyring_names_pi_keyring_unlock(self):
        self.seed_anthropic()
        self.setup_pi()
        cli.keyring_lock()
        self.addCleanup(cli.keyring_unlock)
        session = self.rpc()
        answer = session.prompt("hello")
        said = self.everything_said(session, answer)
        self.assertFalse(answer.ok, "answered with a locked keyring?")
        self.assertIn("pi-keyring unlock", said, "pi's error does not name `pi-keyring unlock`:\n%s"
                      % self.scrub(said)[-3000:])

    def test_a_refused_refresh_token_names_login(self):
        entry = self.seed_anthropic(expires=now_ms() - 60 * 1000)
        self.mock.admin("POST", "revoke", {"token": entry["refresh"]})
        self.setup_pi()
        session = self.rpc()
        answer = session.prompt("hello")
        said = self.everything_said(session, answer)
        self.assertFalse(answer.ok, "answered with a refused refresh token?")
        self.assertIn("/login anthropic", said, "pi's error does not name `/login anthropic`:\n%s"
                      % self.scrub(said)[-3000:])
        # The refused credential stays stored, for the user to log in again over it.
        self.assertTrue(self.secret_tool_lookup("anthropic") == entry, "the refused credential was changed")

    def test_no_pi_keyring_is_said_once_and_pi_goes_on(self):
        self.setup_pi()
        if ROUTE == "extension":
            # The installed extension runs the pi-keyring that installed it:
            # point it at a path that does not exist.
            path = self.extension_file()
            with open(path, encoding="utf-8") as f:
                text = f.read()
            text, n = re.subn(r'(// @pi-keyring-command@\s*\nconst PI_KEYRING_COMMAND = )"[^"\n]*"',
                              r'\1"/nonexistent/bin/pi-keyring"', text)
            self.assertEqual(n, 1, "no @pi-keyring-command@ line in the installed extension")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        key = self.mock.admin("POST", "api-key", {"provider": "anthropic"})["key"]
        self.extra_secrets = getattr(self, "extra_secrets", set()) | {key}
        env = self.pi_env(keep_bindir_off_path=True, extra={"ANTHROPIC_API_KEY": key})
        self.assertIsNone(shutil.which("pi-keyring", path=env["PATH"]), "pi-keyring still on PATH")
        session = self.rpc(env)
        answers = [session.prompt("hello"), session.prompt("again")]
        for answer in answers:
            self.assertAnswered(answer)
        self.assertTrue(self.llm()[-1]["credential"] == key, "pi did not use the key of its environment")
        said = self.everything_said(session, *answers)
        count = len(re.findall(r"pi-keyring is not installed|pi-keyring could not be started", said))
        self.assertEqual(count, 1, "the missing pi-keyring was said %d times:\n%s"
                         % (count, self.scrub(said)[-3000:]))

    def everything_said(self, session, *answers):
        """pi's errors, the extension's notifications and stderr, as one text."""
        parts = [session.stderr_text]
        for answer in answers:
            parts.append(answer.error or "")
            for event in answer.events:
                if event.get("type") in ("extension_ui_request", "extension_error", "notification"):
                    parts.append(json.dumps(event))
        for event in session.drain():
            parts.append(json.dumps(event))
        return "\n".join(parts)


# --- f. no secret in the argv or environment of pi-keyring under pi ----------------------------

class NoSecretInProcMixin:
    def test_no_secret_in_argv_or_environment(self):
        entry = self.seed_anthropic()
        self.setup_pi()
        session = self.rpc()
        self.assertAnswered(session.prompt("hello"))
        found = []
        for pid in pi_session.descendants(session.pid):
            try:
                argv = pi_session.proc_argv(pid)
                environ = pi_session.proc_environ(pid)
            except OSError:
                continue
            if argv and os.path.basename(argv[0]) == "pi-keyring":
                found.append((pid, argv, environ))
        self.assertTrue(found, "no pi-keyring process under pi while the session runs")
        self.assertTrue(any("bridge" in argv for _, argv, _ in found),
                        "no `pi-keyring bridge` under pi: %r" % [a for _, a, _ in found])
        for pid, argv, environ in found:
            text = "\0".join(argv) + "\0" + "\0".join("%s=%s" % kv for kv in environ.items())
            for secret in (entry["access"], entry["refresh"]):
                self.assertFalse(secret in text, "a token (%s) in the argv or environment of %r"
                                 % (digest(secret), argv))
        self.assertAnswered(session.prompt("again"))


# --- g. an API key entered through /login inside pi -------------------------------------

LINK_ENTRY = {"type": "api_key", "key": "!pi-keyring get anthropic"}


class ApiKeyLoginInPiMixin:
    def test_api_key_login_inside_pi(self):
        self.setup_pi(providers=())
        key = self.mock.admin("POST", "api-key", {"provider": "anthropic"})["key"]
        self.extra_secrets = getattr(self, "extra_secrets", set()) | {key}
        tui = pi_session.TmuxPi(self.pi, self.pi_env(), MODEL, cwd=self.home)
        self.addCleanup(tui.close)
        tui.wait_for(r"claude-sonnet-4-5|anthropic", timeout=60)
        # /login: the API-key method (the second: pi 0.73.1 "Use an API key",
        # pi 1.6.0 "Sign in with an API key"), the provider, the key.
        # pi 0.73.1 stores it with AuthStorage.set, pi 1.6.0 with pi-ai's
        # apiKey.login and CredentialStore.modify.
        tui.send("/login")
        tui.wait_for(r"Select authentication method", timeout=20)
        tui.key("Down")
        tui.wait_for(r"→ (Use|Sign in with) an API key", timeout=10)
        tui.key("Enter")
        tui.wait_for(r"Select provider", timeout=20)
        tui.send("Anthropic", enter=False)
        time.sleep(0.5)
        tui.key("Enter")
        tui.wait_for(r"Enter (Anthropic )?API key", timeout=20)
        tui.send(key)
        deadline = time.monotonic() + 30
        entry = None
        while time.monotonic() < deadline and not tui.exited():
            entry = self.secret_tool_lookup("anthropic")
            if entry is not None and self.auth_entry("anthropic") is not None:
                break
            time.sleep(0.3)
        self.assertIsNotNone(entry, "pi's /login stored no API key in the keyring; screen:\n%s"
                             % self.scrub(tui.screen()))
        self.assertEqual(entry.get("type"), "api_key")
        self.assertTrue(entry.get("key") == key, "the keyring holds another key (%s, not %s)"
                        % (digest(entry.get("key")), digest(key)))
        got = self.run_cli("get", "anthropic", secrets_on_stdout=True)
        self.assertExit(got, 0)
        self.assertTrue(got.text == key, "`pi-keyring get anthropic` gives %s, not the key of /login %s"
                        % (digest(got.text), digest(key)))
        linked = self.auth_entry("anthropic")
        self.assertTrue(linked == LINK_ENTRY, "auth.json's anthropic entry is not the link entry: %s"
                        % self.scrub(json.dumps(linked)))
        self.assertNoTokenUnder(os.path.join(self.home, ".pi"))

        # pi uses it.
        seen = len(self.llm())
        tui.send("say hello")
        self.wait_scrubbed(tui, r"mock reply", timeout=60)
        calls = self.llm()[seen:]
        self.assertTrue(calls, "no request reached the mock")
        self.assertEqual(calls[-1]["status"], 200)
        self.assertTrue(calls[-1]["credential"] == key, "the prompt carried %s, not the key of /login %s"
                        % (digest(calls[-1]["credential"]), digest(key)))

        tui.send("/logout")
        self.wait_scrubbed(tui, r"Anthropic", timeout=20)
        tui.send("Anthropic", enter=False)
        time.sleep(0.5)
        tui.key("Enter")
        deadline = time.monotonic() + 30
        while self.secret_tool_lookup("anthropic") is not None and time.monotonic() < deadline:
            time.sleep(0.3)
        self.assertTrue(self.secret_tool_lookup("anthropic") is None, "/logout left the key in the keyring")
        self.assertTrue(self.auth_entry("anthropic") is None, "/logout left an entry in auth.json: %s"
                        % self.scrub(json.dumps(self.auth_entry("anthropic"))))
        self.assertNoTokenUnder(os.path.join(self.home, ".pi"))
        self.assertNoSecretIn(tui.stderr_text(), "pi's stderr")

    def wait_scrubbed(self, tui, pattern, timeout):
        """tui.wait_for, its failure without the key (the screen may still show it)."""
        try:
            return tui.wait_for(pattern, timeout=timeout)
        except TimeoutError as exc:
            self.fail(self.scrub(str(exc)))

    def auth_entry(self, provider):
        try:
            with open(self.auth_file, encoding="utf-8") as f:
                return json.load(f).get(provider)
        except (OSError, ValueError):
            return None


# --- h. a provider pi-keyring cannot refresh: pi's code refreshes it, under the lock ---------

CUSTOM = "custom-oauth"
CUSTOM_MODEL = ["--provider", CUSTOM, "--model", "custom-model"]
CUSTOM_TOKEN_PATH = "/sso.custom-oauth.example/oauth/token"
N_CUSTOM = 3

# A second extension, beside pi-keyring's: the OAuth provider of
# tests/mock-provider.py's custom-oauth (both releases take this legacy
# registerProvider form: pi 0.73.1 registers config.oauth with pi-ai, pi 1.6.0
# adapts it in provider-composer's adaptOAuth).
CUSTOM_EXTENSION = """\
// Written by tests/test-pi-extension.py: an OAuth provider pi-keyring does not know.
const MOCK = %(mock)s;

export default function (pi: any) {
  pi.registerProvider(%(provider)s, {
    name: "Custom OAuth (test)",
    baseUrl: MOCK + "/api.anthropic.com",
    api: "anthropic-messages",
    models: [{
      id: "custom-model", name: "Custom Model", reasoning: false, input: ["text"],
      cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
      contextWindow: 200000, maxTokens: 4096,
    }],
    oauth: {
      name: "Custom OAuth (test)",
      async login(_callbacks: any) {
        throw new Error("no login in this test");
      },
      async refreshToken(credentials: any) {
        const response = await fetch(MOCK + %(token_path)s, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ grant_type: "refresh_token", refresh_token: credentials.refresh }),
        });
        if (!response.ok)
          throw new Error(`custom-oauth refresh failed: HTTP ${response.status}`);
        const tokens: any = await response.json();
        return { refresh: tokens.refresh_token, access: tokens.access_token,
                 expires: Date.now() + tokens.expires_in * 1000 };
      },
      getApiKey(credentials: any) {
        return credentials.access;
      },
    },
  });
}
"""


class PiRefreshesUnderLockMixin:
    def test_pi_refreshes_a_foreign_provider_once_under_the_lock(self):
        self.setup_pi()
        extensions = os.path.join(self.agent_dir, "extensions")
        os.makedirs(extensions, mode=0o700, exist_ok=True)
        with open(os.path.join(extensions, "custom-oauth.ts"), "w", encoding="utf-8") as f:
            f.write(CUSTOM_EXTENSION % {"mock": json.dumps(self.mock.url), "provider": json.dumps(CUSTOM),
                                        "token_path": json.dumps(CUSTOM_TOKEN_PATH)})
        # An expired entry of that provider in pi-keyring; the mock refuses
        # its access token too, and answers a refresh after 1 s.
        seed = self.mock.admin("POST", "seed-refresh", {"provider": CUSTOM})
        self.mock.admin("POST", "revoke", {"token": seed["access_token"], "reason": "expired"})
        self.store_entry(CUSTOM, collections.OrderedDict([
            ("type", "oauth"), ("refresh", seed["refresh_token"]), ("access", seed["access_token"]),
            ("expires", now_ms() - 60 * 1000)]))
        self.mock.admin("POST", "config", {"custom_token_delay": 1.0})

        env = self.pi_env()
        sessions = []
        starters = [threading.Thread(target=lambda: sessions.append(self.rpc(env, CUSTOM_MODEL)))
                    for _ in range(N_CUSTOM)]
        for t in starters:
            t.start()
        for t in starters:
            t.join(120)
        self.assertEqual(len(sessions), N_CUSTOM)
        seen = len(self.llm())
        answers = ExpiryRaceMixin.parallel(self, [(s, "hello %d" % i) for i, s in enumerate(sessions)])
        refreshes = self.mock.requests(CUSTOM_TOKEN_PATH)
        self.assertEqual(len(refreshes), 1, "%d refresh requests for %d pi processes (statuses %r)"
                         % (len(refreshes), N_CUSTOM, [r["status"] for r in refreshes]))
        for answer in answers:
            self.assertAnswered(answer)
        tokens = self.mock.admin("GET", "tokens")[CUSTOM]
        self.assertEqual(len(tokens["refresh"]["valid"]), 1)
        stored = self.secret_tool_lookup(CUSTOM)
        self.assertIsNotNone(stored, "pi-keyring lost the entry")
        self.assertTrue(stored.get("refresh") == tokens["refresh"]["valid"][0],
                        "pi-keyring does not hold the refreshed refresh token")
        self.assertTrue(stored.get("access") in tokens["access"]["valid"],
                        "pi-keyring does not hold the refreshed access token")
        self.assertGreater(stored.get("expires", 0), now_ms() + 10 * 60 * 1000)
        calls = [c for c in self.llm()[seen:] if c["status"] == 200]
        self.assertEqual(len(calls), N_CUSTOM)
        self.assertTrue(all(c["credential"] == stored["access"] for c in calls),
                        "a prompt did not carry the one refreshed token")
        # auth.json: at most the link entry (pi 1.6.0's modify leaves it).
        linked = ApiKeyLoginInPiMixin.auth_entry(self, CUSTOM)
        self.assertIn(linked, (None, {"type": "api_key", "key": "!pi-keyring get " + CUSTOM}),
                      "auth.json's %s entry: %s" % (CUSTOM, self.scrub(json.dumps(linked))))
        self.assertNoTokenUnder(os.path.join(self.home, ".pi"))
        for session in sessions:
            self.assertNoSecretIn(session.stderr_text, "pi's stderr")


# --- i. a pi-keyring too old for the extension -------------------------------------------

class TooOldPiKeyringMixin:
    def test_a_too_old_pi_keyring_is_said_once_and_pi_goes_on(self):
        self.setup_pi()
        # An old pi-keyring has no `bridge`: it says what this one says of an
        # unknown command, and exits 2.
        real = self.run_cli("no-such-command")
        self.assertExit(real, 2)
        self.assertEqual(real.err.count("no-such-command"), 1, real.err)
        script = os.path.join(self.tmp, "old-pi-keyring")
        with open(script, "w", encoding="utf-8") as f:
            f.write("#!/bin/sh\n# pi-keyring before `bridge`\nprintf %s \"$1\" >&2\nexit 2\n"
                    % shlex.quote(real.err.replace("%", "%%").replace("no-such-command", "%s")))
        os.chmod(script, 0o755)
        said = subprocess.run([script, "bridge"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual((said.returncode, said.stderr.decode()), (2, real.err.replace("no-such-command", "bridge")))

        key = self.mock.admin("POST", "api-key", {"provider": "anthropic"})["key"]
        self.extra_secrets = getattr(self, "extra_secrets", set()) | {key}
        env = self.pi_env(keep_bindir_off_path=True,
                          extra={"ANTHROPIC_API_KEY": key, "PI_KEYRING_COMMAND": script})
        session = self.rpc(env)
        answers = [session.prompt("hello"), session.prompt("again")]
        for answer in answers:
            self.assertAnswered(answer)
        self.assertTrue(self.llm()[-1]["credential"] == key, "pi did not use the key of its environment")
        said = FailureMessagesMixin.everything_said(self, session, *answers)
        count = len(re.findall(r"too old", said))
        self.assertEqual(count, 1, "the too old pi-keyring was said %d times:\n%s"
                         % (count, self.scrub(said)[-3000:]))


# --- j. pi -p: print mode exits by itself ---------------------------------------------

class PrintModeMixin:
    def test_print_mode_answers_and_exits(self):
        self.setup_pi()
        key = self.mock.admin("POST", "api-key", {"provider": "anthropic"})["key"]
        self.set_key("anthropic", key)
        argv = self.pi.argv + ["--no-session", "-p", "say hello"] + MODEL
        start = time.monotonic()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=self.pi_env(), cwd=self.home)
        try:
            out, err = proc.communicate(timeout=PRINT_EXIT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            answered = [c for c in self.llm() if c["status"] == 200]
            self.fail("pi %s -p did not exit within %d s (%s); stdout: %r"
                      % (self.pi.version, PRINT_EXIT_S,
                         "after the mock answered" if answered else "the mock was not asked",
                         self.scrub(out.decode("utf-8", "replace"))[-500:]))
        elapsed = time.monotonic() - start
        text = out.decode("utf-8", "replace")
        self.assertEqual(proc.returncode, 0, self.scrub(err.decode("utf-8", "replace"))[-2000:])
        self.assertIn("mock reply", text)
        self.assertTrue(self.llm()[-1]["credential"] == key, "pi -p did not use the key in pi-keyring")
        self.assertNoSecretIn(text + err.decode("utf-8", "replace"), "pi -p's output")
        sys.stderr.write("[pi %s -p: %.1f s] " % (self.pi.version, elapsed))


PRINT_EXIT_S = 20


MIXINS = [RefreshMixin, Retry401Mixin, LoginInPiMixin, ExpiryRaceMixin, FailureMessagesMixin,
          NoSecretInProcMixin, ApiKeyLoginInPiMixin, PiRefreshesUnderLockMixin, TooOldPiKeyringMixin,
          PrintModeMixin]
for _mixin in MIXINS:
    for _version in VERSIONS:
        _name = "%s_pi_%s" % (_mixin.__name__.replace("Mixin", "Test"), _version.replace(".", "_"))
        globals()[_name] = type(_name, (_mixin, PiTestCase), {"PI_VERSION": _version})
del _mixin, _version, _name


if __name__ == "__main__":
    unittest.main(verbosity=2)
