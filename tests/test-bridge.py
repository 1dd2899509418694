#!/usr/bin/python3
# Tests of `pi-keyring bridge` (docs/pi-bridge.md): the built binary in a
# subprocess, spoken to through its stdin and stdout, against the private
# gnome-keyring of tests/with-test-keyring.sh and tests/mock-provider.py
# (reached through PI_KEYRING_URL_REWRITE), with tests/fake-browser.py as
# $BROWSER.
#
# The logins listen on pi's fixed loopback ports: meson runs this program
# with is_parallel: false.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import collections
import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def load_module(name, filename):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cli = load_module("test_cli", "test-cli.py")
login = load_module("test_cli_login", "test-cli-login.py")

OAUTH = ["anthropic", "github-copilot", "google-gemini-cli", "google-antigravity",
         "openai-codex", "meta", "xai", "radius", "openrouter", "openai", "kimi-coding"]
MARGIN_MS = 5 * 60 * 1000


def now_ms():
    return int(time.time() * 1000)


class Bridge(login.StderrReader):
    """A `pi-keyring bridge` in the background: requests written to its
    stdin, every line of its stdout parsed as it comes."""

    def __init__(self, test, env, args=()):
        self.test = test
        self.proc = subprocess.Popen([cli.CLI] + list(args) + ["bridge"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.start_reading()
        self.cond = threading.Condition()
        self.lines = []
        self.bad = []
        self.eof = False
        self.next_id = 100
        self.out_reader = threading.Thread(target=self._read_out, daemon=True)
        self.out_reader.start()

    def _read_out(self):
        for raw in self.proc.stdout:
            try:
                line = json.loads(raw.decode("utf-8"), object_pairs_hook=collections.OrderedDict)
                if not isinstance(line, dict) or not raw.endswith(b"\n"):
                    raise ValueError("not one object on one line")
            except ValueError:
                line = None
            with self.cond:
                if line is None:
                    self.bad.append(raw)
                else:
                    self.lines.append(line)
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def send_raw(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, op, **params):
        self.next_id += 1
        request = collections.OrderedDict([("id", self.next_id), ("op", op)])
        request.update(params)
        self.send_raw(json.dumps(request).encode("utf-8") + b"\n")
        return self.next_id

    def _wait(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.lines:
                    if predicate(line):
                        return line
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.eof:
                    break
                self.cond.wait(remaining)
        self.test.fail("no %s within %d s; lines: %r; stderr: %s"
                       % (what, timeout, self.lines, self.text))

    def reply(self, request_id, timeout=30):
        return self._wait(lambda l: l.get("id") == request_id and "ok" in l, timeout,
                          "reply to %d" % request_id)

    def has_reply(self, request_id):
        with self.cond:
            return any(l.get("id") == request_id and "ok" in l for l in self.lines)

    def event(self, request_id, event, timeout=30, **match):
        return self._wait(lambda l: l.get("id") == request_id and l.get("event") == event and
                          all(l.get(k) == v for k, v in match.items()),
                          timeout, "%s event of %d" % (event, request_id))

    def lines_of(self, request_id):
        with self.cond:
            return [l for l in self.lines if l.get("id") == request_id]

    def call(self, op, timeout=30, **params):
        return self.reply(self.send(op, **params), timeout)

    def close(self, timeout=30):
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        code = self.proc.wait(timeout)
        self.out_reader.join(5)
        self.reader.join(5)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return code

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@unittest.skipUnless(cli.CLI and os.access(cli.CLI, os.X_OK), "PI_KEYRING_CLI is not set")
class BridgeTestCase(cli.CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.mock = login.Mock()

    @classmethod
    def tearDownClass(cls):
        cls.mock.stop()

    def setUp(self):
        super().setUp()
        self.mock.admin("POST", "reset", {})
        self.browser_log = os.path.join(self.tmp, "browser.log")
        self.env.update({
            "PI_KEYRING_URL_REWRITE": self.mock.rewrite,
            "BROWSER": "%s %s" % (login.PYTHON, login.FAKE_BROWSER),
            "FAKE_BROWSER_LOG": self.browser_log,
            "MOCK_PROVIDER_URL": self.mock.url,
        })
        # The sanitizer runtime is for pi-keyring, not for the Python
        # programs it starts (the fake browser, `!command`s).
        self.env.pop("LD_PRELOAD", None)

    def start_bridge(self, *args, env=None):
        bridge = Bridge(self, env or self.env, args)
        self.addCleanup(self.check_bridge, bridge)
        return bridge

    def check_bridge(self, bridge):
        bridge.kill()
        text = bridge.text
        for secret in cli.SECRETS | getattr(self, "extra_secrets", set()):
            self.assertNotIn(secret, text, "a secret on the bridge's stderr")
        self.assertNotIn("CRITICAL", text)
        self.assertNotIn("AddressSanitizer", text)
        self.assertNotIn("runtime error", text)
        self.assertEqual(bridge.bad, [], "stdout lines that are not one JSON object")

    def remember_secrets(self, *secrets):
        self.extra_secrets = getattr(self, "extra_secrets", set()) | set(s for s in secrets if s)

    def stored(self, provider):
        entry = self.secret_tool_lookup(provider)
        if entry is not None:
            self.remember_secrets(entry.get("access"), entry.get("refresh"), entry.get("key"))
        return entry

    def store_oauth(self, expires, provider="anthropic"):
        """An OAuth entry whose refresh token the mock honours, in the keyring."""
        seed = self.mock.admin("POST", "seed-refresh", {"provider": provider})
        entry = collections.OrderedDict([
            ("type", "oauth"), ("refresh", seed["refresh_token"]),
            ("access", "sk-ant-oat01-bridge-old-access-%d" % expires), ("expires", expires)])
        self.remember_secrets(seed["refresh_token"], entry["access"])
        source = os.path.join(self.tmp, "import-%s.json" % provider)
        self.write_auth_file(cli.pi_format({provider: entry}), path=source)
        self.assertExit(self.run_cli("import", source), 0)
        self.assertEqual(self.stored(provider), entry)
        return entry

    def refresh_requests(self):
        found = []
        for request in self.mock.requests(login.ANTHROPIC_TOKEN_PATH):
            body = json.loads(request["body"])
            if body.get("grant_type") == "refresh_token":
                found.append(body["refresh_token"])
        return found

    def assertOk(self, reply):
        self.assertIs(reply.get("ok"), True, reply)

    def assertError(self, reply, code):
        self.assertIs(reply.get("ok"), False, reply)
        self.assertEqual(reply["error"]["code"], code, reply)
        self.assertIsInstance(reply["error"]["message"], str)
        self.assertNotEqual(reply["error"]["message"], "")


class BasicsTest(BridgeTestCase):
    def test_hello(self):
        bridge = self.start_bridge()
        reply = bridge.call("hello", protocol=1)
        self.assertOk(reply)
        self.assertEqual(reply["protocol"], 1)
        self.assertRegex(reply["version"], r"^\d+\.\d+")
        self.assertEqual(reply["backend"], "secret-service")
        self.assertEqual(reply["profile"], "default")
        self.assertEqual(reply["oauth"], OAUTH)
        self.assertEqual(bridge.close(), 0)

    def test_hello_names_the_profile_and_backend_it_was_given(self):
        bridge = self.start_bridge("--profile=work", "--backend=memory")
        reply = bridge.call("hello")
        self.assertEqual((reply["backend"], reply["profile"]), ("memory", "work"))
        self.assertEqual(bridge.close(), 0)

    def test_list_has_no_secrets(self):
        self.set_key("openai", "sk-cli-test-openai-0f9e8d7c")
        entry = self.store_oauth(now_ms() + 3600 * 1000)
        bridge = self.start_bridge()
        reply = bridge.call("list")
        self.assertOk(reply)
        entries = sorted(reply["entries"], key=lambda e: e["provider"])
        self.assertEqual(entries, [
            {"provider": "anthropic", "kind": "oauth", "expires": entry["expires"]},
            {"provider": "openai", "kind": "api_key", "expires": None},
        ])
        text = json.dumps(reply)
        for secret in (entry["access"], entry["refresh"], "sk-cli-test-openai-0f9e8d7c"):
            self.assertNotIn(secret, text)
        self.assertEqual(bridge.close(), 0)

    def test_read_api_key_literal_and_command(self):
        self.set_key("openai", "sk-cli-test-openai-0f9e8d7c")
        self.set_key("groq", "!printf %s gsk-cli-test-groq-9c0d")
        self.set_key("mistral", "!exit 3")
        bridge = self.start_bridge()

        reply = bridge.call("read", provider="openai")
        self.assertOk(reply)
        self.assertEqual(reply["entry"], {"type": "api_key", "key": "sk-cli-test-openai-0f9e8d7c"})
        self.assertEqual(reply["key"], "sk-cli-test-openai-0f9e8d7c")

        reply = bridge.call("read", provider="groq")
        self.assertOk(reply)
        # The entry as stored, the key as pi resolves it.
        self.assertEqual(reply["entry"]["key"], "!printf %s gsk-cli-test-groq-9c0d")
        self.assertEqual(reply["key"], "gsk-cli-test-groq-9c0d")

        self.assertError(bridge.call("read", provider="mistral"), "failed")
        self.assertEqual(bridge.close(), 0)

    def test_read_resolves_as_get_does(self):
        """pi 1.6.0's entry `env` and key templates: read's key is get's key."""
        self.remember_secrets("sk-from-entry-env-77")
        bridge = self.start_bridge()
        entry = collections.OrderedDict([
            ("type", "api_key"), ("key", "${PI_KEYRING_TEST_DEPLOY_KEY}"),
            ("env", collections.OrderedDict([("PI_KEYRING_TEST_DEPLOY_KEY", "sk-from-entry-env-77")]))])
        self.assertOk(bridge.call("write", provider="deepseek", entry=entry))
        reply = bridge.call("read", provider="deepseek")
        self.assertOk(reply)
        self.assertEqual(reply["entry"], entry)
        self.assertEqual(reply["key"], "sk-from-entry-env-77")
        get = self.run_cli("get", "deepseek", secrets_on_stdout=True)
        self.assertExit(get, 0)
        self.assertEqual(get.text, reply["key"])

        # A template of unset variables comes to no key: null, not an error.
        entry = {"type": "api_key", "key": "$PI_KEYRING_TEST_UNSET_VAR"}
        self.assertOk(bridge.call("write", provider="groq", entry=entry))
        reply = bridge.call("read", provider="groq")
        self.assertOk(reply)
        self.assertEqual(reply["entry"], entry)
        self.assertIsNone(reply["key"])
        self.assertEqual(bridge.close(), 0)

    def test_read_finds_the_other_azure_id(self):
        """pi 1.6.0 asks for azure, pi 0.73.1 for azure-openai-responses: either finds the other."""
        self.set_key("azure-openai-responses", "azure-old-id-bridge-key")
        bridge = self.start_bridge()
        reply = bridge.call("read", provider="azure")
        self.assertOk(reply)
        self.assertEqual(reply["entry"], {"type": "api_key", "key": "azure-old-id-bridge-key"})
        self.assertEqual(reply["key"], "azure-old-id-bridge-key")
        reply = bridge.call("read", provider="openai")
        self.assertOk(reply)
        self.assertIsNone(reply["entry"])
        self.assertEqual(bridge.close(), 0)
        self.assertIsNone(self.secret_tool_lookup("azure"))

    def test_read_not_found_is_a_null_entry(self):
        bridge = self.start_bridge()
        reply = bridge.call("read", provider="openai")
        self.assertOk(reply)
        self.assertIsNone(reply["entry"])
        self.assertIsNone(reply["key"])
        self.assertEqual(bridge.close(), 0)

    def test_read_never_falls_back_to_auth_json_or_the_environment(self):
        self.write_auth_file(cli.pi_format({"openai": {"type": "api_key", "key": "sk-file"}}))
        env = dict(self.env, OPENAI_API_KEY="sk-from-environment")
        bridge = self.start_bridge(env=env)
        reply = bridge.call("read", provider="openai")
        self.assertOk(reply)
        self.assertIsNone(reply["entry"])
        self.assertEqual(bridge.close(), 0)

    def test_write_and_read_back(self):
        bridge = self.start_bridge()
        entry = collections.OrderedDict([
            ("type", "oauth"), ("access", "ext-access-tok-1"), ("refresh", "ext-refresh-tok-1"),
            ("expires", now_ms() + 3600 * 1000), ("unknownField", {"kept": [1, 2]})])
        self.remember_secrets(entry["access"], entry["refresh"])
        # custom-oauth: a pi extension's OAuth provider, which pi-keyring does not know.
        self.assertOk(bridge.call("write", provider="custom-oauth", entry=entry))
        # pi's field order and unknown fields kept, in the keyring too.
        self.assertEqual(list(self.stored("custom-oauth").items()), list(entry.items()))
        reply = bridge.call("read", provider="custom-oauth", min_validity_ms=MARGIN_MS)
        self.assertOk(reply)
        self.assertEqual(list(reply["entry"].items()), list(entry.items()))
        # Not a provider pi-keyring refreshes: no key of its own.
        self.assertIsNone(reply["key"])
        self.assertEqual(bridge.close(), 0)

    def test_write_refuses_bad_requests(self):
        bridge = self.start_bridge()
        self.assertError(bridge.call("write", provider="../etc", entry={"type": "api_key",
                                                                        "key": "x"}), "invalid")
        self.assertError(bridge.call("write", provider="openai", entry="sk-x"), "invalid")
        self.assertError(bridge.call("write", provider="openai", entry={"key": "x"}), "invalid")
        self.assertError(bridge.call("write", provider="openai"), "invalid")
        self.assertError(bridge.call("read", provider="openai", min_validity_ms=-1), "invalid")
        self.assertIsNone(self.stored("openai"))
        self.assertEqual(bridge.close(), 0)

    def test_delete(self):
        self.set_key("openai", "sk-cli-test-openai-0f9e8d7c")
        bridge = self.start_bridge()
        reply = bridge.call("delete", provider="openai")
        self.assertOk(reply)
        self.assertIs(reply["removed"], True)
        self.assertIsNone(self.stored("openai"))
        reply = bridge.call("delete", provider="openai")
        self.assertOk(reply)
        self.assertIs(reply["removed"], False)
        self.assertEqual(bridge.close(), 0)

    def test_malformed_lines_are_invalid_and_the_bridge_goes_on(self):
        bridge = self.start_bridge()
        for line in [b"garbage", b"[1,2]", b'{"op":"hello"}', b'{"id":-1,"op":"hello"}',
                     b'{"id":"7","op":"hello"}', b'{"id":1.5,"op":"hello"}', b'"hello"',
                     b'{"id":3,"op":"hello"', b"\xff\xfe{}"]:
            with self.subTest(line=line):
                before = len(bridge.lines_of(0))
                bridge.send_raw(line + b"\n")
                deadline = time.monotonic() + 10
                while len(bridge.lines_of(0)) == before and time.monotonic() < deadline:
                    time.sleep(0.02)
                answers = bridge.lines_of(0)
                self.assertEqual(len(answers), before + 1, line)
                self.assertError(answers[-1], "invalid")
        self.assertError(bridge.call("frobnicate"), "invalid")
        self.assertError(bridge.call("read"), "invalid")
        self.assertOk(bridge.call("hello"))
        self.assertEqual(bridge.close(), 0)

    def test_stdin_end_exits_0(self):
        bridge = self.start_bridge()
        self.assertOk(bridge.call("hello"))
        start = time.monotonic()
        self.assertEqual(bridge.close(), 0)
        self.assertLess(time.monotonic() - start, 10)
        self.assertEqual(bridge.text, "")

    def test_locked_keyring_is_locked(self):
        self.set_key("openai", "sk-cli-test-openai-0f9e8d7c")
        bridge = self.start_bridge()
        cli.keyring_lock()
        try:
            self.assertError(bridge.call("read", provider="openai"), "locked")
            self.assertError(bridge.call("list"), "locked")
        finally:
            cli.keyring_unlock()
        # And not stuck: unlocked, the same bridge reads it.
        self.assertEqual(bridge.call("read", provider="openai")["key"],
                         "sk-cli-test-openai-0f9e8d7c")
        self.assertEqual(bridge.close(), 0)


class RefreshTest(BridgeTestCase):
    def test_fresh_oauth_is_answered_as_stored(self):
        entry = self.store_oauth(now_ms() + 3600 * 1000)
        bridge = self.start_bridge()
        reply = bridge.call("read", provider="anthropic", min_validity_ms=MARGIN_MS)
        self.assertOk(reply)
        self.assertEqual(list(reply["entry"].items()), list(entry.items()))
        self.assertEqual(reply["key"], entry["access"])
        self.assertEqual(self.refresh_requests(), [])
        self.assertEqual(bridge.close(), 0)

    def test_due_oauth_is_refreshed_once(self):
        # Valid for another minute: due within 5 min, not yet expired.
        entry = self.store_oauth(now_ms() + 60 * 1000)
        bridge = self.start_bridge()

        # Without a margin it is not due.
        reply = bridge.call("read", provider="anthropic")
        self.assertEqual(reply["entry"]["access"], entry["access"])
        self.assertEqual(self.refresh_requests(), [])

        replies = [bridge.call("read", provider="anthropic", min_validity_ms=MARGIN_MS)]
        # Pipelined: answered from the refreshed entry, no other request.
        ids = [bridge.send("read", provider="anthropic", min_validity_ms=MARGIN_MS)
               for _ in range(3)]
        replies += [bridge.reply(i) for i in ids]
        stored = self.stored("anthropic")
        self.assertNotEqual(stored["access"], entry["access"])
        self.assertNotEqual(stored["refresh"], entry["refresh"])
        self.assertGreater(stored["expires"], now_ms() + MARGIN_MS)
        for reply in replies:
            self.assertOk(reply)
            self.assertEqual(reply["entry"], stored)
            self.assertEqual(reply["key"], stored["access"])
        self.assertEqual(self.refresh_requests(), [entry["refresh"]])
        self.assertEqual(bridge.close(), 0)

    def test_refused_refresh_token_is_reauth_and_kept(self):
        entry = self.store_oauth(now_ms() - 1000)
        self.mock.admin("POST", "revoke", {"token": entry["refresh"]})
        bridge = self.start_bridge()
        self.assertError(bridge.call("read", provider="anthropic"), "reauth")
        self.assertEqual(self.stored("anthropic"), entry)
        self.assertEqual(bridge.close(), 0)


class LockTest(BridgeTestCase):
    def test_lock_and_unlock_with_an_entry(self):
        old = collections.OrderedDict([("type", "oauth"), ("access", "kimi-access-tok-2"),
                                       ("refresh", "kimi-refresh-tok-2"),
                                       ("expires", now_ms() + 3600 * 1000)])
        new = collections.OrderedDict(old, access="kimi-access-tok-3",
                                      refresh="kimi-refresh-tok-3")
        self.remember_secrets(old["access"], old["refresh"], new["access"], new["refresh"])
        bridge = self.start_bridge()
        self.assertOk(bridge.call("write", provider="kimi-coding", entry=old))

        reply = bridge.call("lock", provider="kimi-coding", min_validity_ms=MARGIN_MS)
        self.assertOk(reply)
        self.assertIsInstance(reply["lock"], int)
        self.assertGreater(reply["lock"], 0)
        self.assertEqual(reply["entry"], old)
        handle = reply["lock"]

        self.assertOk(bridge.call("unlock", lock=handle, entry=new))
        self.assertEqual(self.stored("kimi-coding"), new)
        # Released: it cannot be released again.
        self.assertError(bridge.call("unlock", lock=handle), "invalid")
        self.assertEqual(bridge.close(), 0)

    def test_lock_without_an_entry_and_unlock_without_writing(self):
        bridge = self.start_bridge()
        first = bridge.call("lock", provider="kimi-coding")
        self.assertOk(first)
        self.assertIsNone(first["entry"])
        self.assertIsNone(first["key"])
        self.assertOk(bridge.call("unlock", lock=first["lock"]))
        self.assertIsNone(self.stored("kimi-coding"))
        # The next lock gets another handle.
        second = bridge.call("lock", provider="kimi-coding")
        self.assertNotEqual(second["lock"], first["lock"])
        self.assertOk(bridge.call("unlock", lock=second["lock"], entry=None))
        self.assertError(bridge.call("unlock", lock=999), "invalid")
        self.assertEqual(bridge.close(), 0)

    def test_a_second_bridge_waits_for_the_lock(self):
        entry = collections.OrderedDict([("type", "api_key"), ("key", "sk-kimi-first")])
        changed = collections.OrderedDict([("type", "api_key"), ("key", "sk-kimi-second")])
        self.remember_secrets("sk-kimi-first", "sk-kimi-second")
        first = self.start_bridge()
        second = self.start_bridge()
        self.assertOk(first.call("write", provider="kimi-coding", entry=entry))
        held = first.call("lock", provider="kimi-coding")
        self.assertOk(held)

        waiting = second.send("lock", provider="kimi-coding")
        time.sleep(1.5)
        self.assertFalse(second.has_reply(waiting), second.lines)
        # A read that needs no refresh is not held up.
        self.assertEqual(second.call("read", provider="kimi-coding", timeout=5)["key"],
                         "sk-kimi-first")

        self.assertOk(first.call("unlock", lock=held["lock"], entry=changed))
        reply = second.reply(waiting, timeout=10)
        self.assertOk(reply)
        # Read again under the lock: the first bridge's write.
        self.assertEqual(reply["entry"], changed)
        self.assertEqual(reply["key"], "sk-kimi-second")
        self.assertOk(second.call("unlock", lock=reply["lock"]))
        self.assertEqual(first.close(), 0)
        self.assertEqual(second.close(), 0)

    def test_a_second_lock_in_the_same_bridge_waits(self):
        bridge = self.start_bridge()
        held = bridge.call("lock", provider="kimi-coding")
        waiting = bridge.send("lock", provider="kimi-coding")
        time.sleep(1)
        self.assertFalse(bridge.has_reply(waiting))
        self.assertOk(bridge.call("unlock", lock=held["lock"]))
        self.assertOk(bridge.reply(waiting, timeout=10))
        self.assertEqual(bridge.close(), 0)

    def test_a_waiting_lock_is_cancelled(self):
        first = self.start_bridge()
        second = self.start_bridge()
        held = first.call("lock", provider="kimi-coding")
        waiting = second.send("lock", provider="kimi-coding")
        time.sleep(0.5)
        reply = second.call("cancel", target=waiting)
        self.assertOk(reply)
        self.assertIs(reply["cancelled"], True)
        self.assertError(second.reply(waiting, timeout=10), "cancelled")
        self.assertOk(first.call("unlock", lock=held["lock"]))
        self.assertEqual(first.close(), 0)
        self.assertEqual(second.close(), 0)

    def test_stdin_end_releases_the_locks(self):
        first = self.start_bridge()
        self.assertOk(first.call("lock", provider="kimi-coding"))
        second = self.start_bridge()
        waiting = second.send("lock", provider="kimi-coding")
        time.sleep(0.5)
        self.assertFalse(second.has_reply(waiting))
        self.assertEqual(first.close(), 0)
        self.assertOk(second.reply(waiting, timeout=10))
        self.assertEqual(second.close(), 0)

    def test_lock_refreshes_a_due_token_first(self):
        entry = self.store_oauth(now_ms() + 60 * 1000)
        bridge = self.start_bridge()
        reply = bridge.call("lock", provider="anthropic", min_validity_ms=MARGIN_MS)
        self.assertOk(reply)
        stored = self.stored("anthropic")
        self.assertNotEqual(stored["access"], entry["access"])
        self.assertEqual(reply["entry"], stored)
        self.assertEqual(self.refresh_requests(), [entry["refresh"]])
        self.assertOk(bridge.call("unlock", lock=reply["lock"]))
        self.assertEqual(bridge.close(), 0)


class LoginTest(BridgeTestCase):
    def setUp(self):
        super().setUp()
        login.wait_for_free_ports()

    def check_login_entry(self, reply):
        self.assertOk(reply)
        stored = self.stored("anthropic")
        self.assertIsNotNone(stored)
        self.assertEqual(list(reply["entry"].items()), list(stored.items()))
        self.assertEqual(stored["type"], "oauth")
        self.assertGreater(stored["expires"], now_ms())

    def test_login_through_the_browser(self):
        bridge = self.start_bridge()
        request = bridge.send("login", provider="anthropic", no_browser=False,
                              enterprise_domain=None)
        auth = bridge.event(request, "auth")
        self.assertTrue(auth["url"].startswith(self.mock.url), auth)
        self.check_login_entry(bridge.reply(request, timeout=60))
        # A prompt raced with the callback and was withdrawn before the reply.
        lines = bridge.lines_of(request)
        prompts = [l["prompt"] for l in lines if l.get("event") == "prompt"]
        done = [l["prompt"] for l in lines if l.get("event") == "prompt_done"]
        self.assertEqual(sorted(prompts), sorted(done), lines)
        self.assertIn("ok", lines[-1])
        with open(self.browser_log, encoding="utf-8") as f:
            self.assertIn("RESULT ok", f.read())
        self.assertEqual(bridge.close(), 0)

    def test_login_with_a_pasted_code(self):
        env = dict(self.env, FAKE_BROWSER_MODE="none")
        bridge = self.start_bridge(env=env)
        request = bridge.send("login", provider="anthropic", no_browser=True)
        auth = bridge.event(request, "auth")
        prompt = bridge.event(request, "prompt")
        self.assertIsInstance(prompt["prompt"], int)
        self.assertIsInstance(prompt["message"], str)
        redirect = self.authorize_redirect(auth["url"])
        self.assertError(bridge.call("answer", prompt=prompt["prompt"], text="  "), "invalid")
        self.assertOk(bridge.call("answer", prompt=prompt["prompt"], text=redirect))
        self.check_login_entry(bridge.reply(request, timeout=60))
        self.assertError(bridge.call("answer", prompt=prompt["prompt"], text="again"),
                         "not_found")
        # No browser was started.
        self.assertFalse(os.path.exists(self.browser_log))
        self.assertEqual(bridge.close(), 0)

    def test_cancel_a_login(self):
        env = dict(self.env, FAKE_BROWSER_MODE="none")
        bridge = self.start_bridge(env=env)
        request = bridge.send("login", provider="anthropic", no_browser=True)
        bridge.event(request, "auth")
        prompt = bridge.event(request, "prompt")
        reply = bridge.call("cancel", target=request)
        self.assertOk(reply)
        self.assertIs(reply["cancelled"], True)
        self.assertError(bridge.reply(request, timeout=30), "cancelled")
        bridge.event(request, "prompt_done", prompt=prompt["prompt"])
        self.assertIsNone(self.stored("anthropic"))
        # Nothing is running any more.
        self.assertIs(bridge.call("cancel", target=request)["cancelled"], False)
        self.assertEqual(bridge.close(), 0)
        self.assertTrue(login.port_is_free(login.PORTS["anthropic"]))

    def test_stdin_end_cancels_a_login(self):
        env = dict(self.env, FAKE_BROWSER_MODE="none")
        bridge = self.start_bridge(env=env)
        request = bridge.send("login", provider="anthropic", no_browser=True)
        bridge.event(request, "prompt")
        self.assertEqual(bridge.close(), 0)
        self.assertIsNone(self.stored("anthropic"))

    def test_login_of_an_unknown_provider_is_invalid(self):
        bridge = self.start_bridge()
        # groq takes an API key only (openai has pi 1.6.0's ChatGPT sign-in).
        self.assertError(bridge.call("login", provider="groq"), "invalid")
        self.assertEqual(bridge.close(), 0)

    def authorize_redirect(self, url):
        status, headers, _ = login.fetch("GET", url)
        self.assertEqual(status, 302, url)
        return headers["Location"]


if __name__ == "__main__":
    unittest.main(verbosity=2)
