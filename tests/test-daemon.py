#!/usr/bin/python3
# Tests of `pi-keyring daemon`: the built binary in a subprocess on the
# private session bus and keyring of tests/with-test-keyring.sh, serving
# dev.pi.Keyring1, with tests/mock-provider.py (its own process, reached
# through PI_KEYRING_URL_REWRITE) as the OAuth provider. Also `pi-keyring
# get` asking the daemon, and the desktop files in data/.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import collections
import hashlib
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"
SOURCE_DATA = os.path.join(os.path.dirname(HERE), "data")
BUILD_DATA = os.environ.get("PI_KEYRING_DATA_BUILDDIR", "")

NAME = "dev.pi.Keyring1"
PATH = "/dev/pi/Keyring1"
IFACE = "dev.pi.Keyring1"
ANTHROPIC_TOKEN_PATH = "/platform.claude.com/v1/oauth/token"

SESSION = "/org/freedesktop/secrets/collection/session"

# The scheduler fires at expires - 5 min.
LEAD_MS = 5 * 60 * 1000


def load_module(name, filename):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cli = load_module("test_cli", "test-cli.py")
login = load_module("test_cli_login", "test-cli-login.py")

from gi.repository import Gio, GLib  # noqa: E402  (after test-cli's warning filter)


def now_ms():
    return int(time.time() * 1000)


def bus():
    return Gio.bus_get_sync(Gio.BusType.SESSION, None)


def name_owner():
    """The unique name owning dev.pi.Keyring1, or None."""
    try:
        return bus().call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "GetNameOwner",
                               GLib.Variant("(s)", (NAME,)), GLib.VariantType("(s)"),
                               Gio.DBusCallFlags.NO_AUTO_START, 2000, None).unpack()[0]
    except GLib.Error:
        return None


def call(method, args=None, reply=None, timeout=60000):
    result = bus().call_sync(NAME, PATH, IFACE, method, args,
                             GLib.VariantType(reply) if reply else None,
                             Gio.DBusCallFlags.NO_AUTO_START, timeout, None)
    return result.unpack() if result is not None else None


def remote_error(error):
    return Gio.DBusError.get_remote_error(error)


def pump(seconds=0.0):
    """Runs the default main context (D-Bus signals) for a while."""
    context = GLib.MainContext.default()
    deadline = time.monotonic() + seconds
    while True:
        while context.iteration(False):
            pass
        if time.monotonic() >= deadline:
            return
        time.sleep(0.02)


class Signals:
    """dev.pi.Keyring1's signals, as they arrive."""

    def __init__(self):
        self.received = []
        self.bus = bus()
        self.id = self.bus.signal_subscribe(None, IFACE, None, PATH, None,
                                            Gio.DBusSignalFlags.NONE, self._on_signal)
        # The match rule is in place before anything happens.
        self.bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
                           "org.freedesktop.DBus", "GetId", None, None,
                           Gio.DBusCallFlags.NONE, 2000, None)

    def _on_signal(self, connection, sender, path, iface, name, parameters):
        self.received.append((name, parameters.unpack()))

    def wait_for(self, name, timeout=20, predicate=lambda args: True):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pump()
            for signal_name, args in self.received:
                if signal_name == name and predicate(args):
                    return args
            time.sleep(0.05)
        return None

    def close(self):
        self.bus.signal_unsubscribe(self.id)


class Daemon(login.StderrReader):
    """`pi-keyring daemon` in the background, its stderr read as it comes."""

    def __init__(self, test, env, args=(), wrapper=(), wait=True):
        self.test = test
        self.proc = subprocess.Popen(list(wrapper) + [cli.CLI, "daemon"] + list(args),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, env=env)
        self.start_reading()
        test.addCleanup(self.kill)
        if wait:
            self.wait_for_name()

    def wait_for_name(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            owner = name_owner()
            if owner is not None:
                self.unique_name = owner
                self.daemon_pid = self.pid()
                return owner
            if self.proc.poll() is not None:
                self.test.fail("pi-keyring daemon exited (%d):\n%s"
                               % (self.proc.returncode, self.finish_text()))
            time.sleep(0.05)
        self.test.fail("pi-keyring daemon did not own %s within %d s:\n%s"
                       % (NAME, timeout, self.text))

    def pid(self):
        """The daemon's own process id (under strace it is not self.proc's)."""
        return bus().call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                               GLib.Variant("(s)", (NAME,)), GLib.VariantType("(u)"),
                               Gio.DBusCallFlags.NO_AUTO_START, 2000, None).unpack()[0]

    def finish_text(self):
        self.reader.join(5)
        return self.text

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc.poll() is None:
            os.kill(self.pid() if name_owner() else self.proc.pid, sig)
        try:
            self.proc.wait(timeout)
        finally:
            self.reader.join(5)
        return self.proc.returncode

    def kill(self):
        # Under strace, the daemon outlives a killed strace: kill it first.
        if getattr(self, "daemon_pid", None) and self.daemon_pid != self.proc.pid and \
                self.proc.poll() is None:
            try:
                os.kill(self.daemon_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(5)
        self.proc.stderr.close()
        # Nothing of a test may stay on the bus for the next one.
        deadline = time.monotonic() + 10
        while name_owner() is not None and time.monotonic() < deadline:
            time.sleep(0.05)

    def requests(self, method):
        return len(re.findall(r"%s \(" % method, self.text))


@unittest.skipUnless(cli.CLI and os.access(cli.CLI, os.X_OK), "PI_KEYRING_CLI is not set")
class DaemonTestCase(cli.CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.mock = login.Mock()

    @classmethod
    def tearDownClass(cls):
        cls.mock.stop()

    def setUp(self):
        super().setUp()
        if name_owner() is not None:
            self.fail("a pi-keyring daemon is still running")
        self.mock.admin("POST", "reset", {})
        self.env.update({
            "PI_KEYRING_URL_REWRITE": self.mock.rewrite,
            # The daemon says what it is asked (never a key).
            "G_MESSAGES_DEBUG": "pi-keyring",
        })
        self.env.pop("LD_PRELOAD", None)

    def start_daemon(self, *args, **kwargs):
        daemon = Daemon(self, self.env, args, **kwargs)
        self.addCleanup(self.check_daemon_output, daemon)
        return daemon

    def check_daemon_output(self, daemon):
        text = daemon.text
        for secret in cli.SECRETS | getattr(self, "extra_secrets", set()):
            self.assertNotIn(secret, text, "a secret on the daemon's stderr")
        self.assertNotIn("CRITICAL", text)
        self.assertNotIn("AddressSanitizer", text)
        self.assertNotIn("runtime error", text)

    def remember_secrets(self, *secrets):
        self.extra_secrets = getattr(self, "extra_secrets", set()) | set(s for s in secrets if s)

    def stored(self, provider, profile="default"):
        entry = self.secret_tool_lookup(provider, profile)
        if entry is not None:
            self.remember_secrets(entry.get("access"), entry.get("refresh"), entry.get("key"))
        return entry

    def import_oauth(self, expires, provider="anthropic", profile=None):
        """An OAuth entry whose refresh token the mock honours, in the keyring."""
        seed = self.mock.admin("POST", "seed-refresh", {"provider": provider})
        entry = collections.OrderedDict([
            ("type", "oauth"), ("refresh", seed["refresh_token"]),
            ("access", "sk-ant-oat01-daemon-old-access-%d" % expires), ("expires", expires)])
        self.remember_secrets(seed["refresh_token"], entry["access"])
        source = os.path.join(self.tmp, "import-%s.json" % provider)
        self.write_auth_file(cli.pi_format({provider: entry}), path=source)
        options = ["--profile=" + profile] if profile else []
        self.assertExit(self.run_cli(*options, "import", source), 0)
        self.assertEqual(self.stored(provider, profile or "default"), entry)
        return entry

    def refresh_requests(self):
        found = []
        for request in self.mock.requests(ANTHROPIC_TOKEN_PATH):
            body = json.loads(request["body"])
            if body.get("grant_type") == "refresh_token":
                found.append(body["refresh_token"])
        return found

    def inject_token_error(self, status, body, count=1):
        self.mock.admin("POST", "inject", {"prefix": ANTHROPIC_TOKEN_PATH, "status": status,
                                           "body": body, "count": count})


class ServiceTest(DaemonTestCase):
    def test_owns_the_name_and_serves_the_interface(self):
        daemon = self.start_daemon()
        self.assertTrue(daemon.unique_name.startswith(":"))
        xml = bus().call_sync(NAME, PATH, "org.freedesktop.DBus.Introspectable", "Introspect",
                              None, GLib.VariantType("(s)"), Gio.DBusCallFlags.NO_AUTO_START,
                              5000, None).unpack()[0]
        served = Gio.DBusNodeInfo.new_for_xml(xml).lookup_interface(IFACE)
        self.assertIsNotNone(served)
        # What runs is what data/ describes (and installs).
        with open(os.path.join(SOURCE_DATA, "dev.pi.Keyring1.xml")) as f:
            described = Gio.DBusNodeInfo.new_for_xml(f.read()).lookup_interface(IFACE)
        for kind in ("methods", "signals", "properties"):
            self.assertEqual(sorted(m.name for m in getattr(served, kind)),
                             sorted(m.name for m in getattr(described, kind)), kind)
        for method in described.methods:
            served_method = served.lookup_method(method.name)
            self.assertEqual([a.signature for a in served_method.in_args],
                             [a.signature for a in method.in_args])
            self.assertEqual([a.signature for a in served_method.out_args],
                             [a.signature for a in method.out_args])

        properties = bus().call_sync(NAME, PATH, "org.freedesktop.DBus.Properties", "GetAll",
                                     GLib.Variant("(s)", (IFACE,)), None,
                                     Gio.DBusCallFlags.NO_AUTO_START, 5000, None).unpack()[0]
        self.assertEqual(properties["Backend"], "secret-service")
        self.assertEqual(properties["BackendPath"], "")
        self.assertRegex(properties["Version"], r"^\d+\.\d+")
        self.assertIn("Serving dev.pi.Keyring1", daemon.text)

    def test_a_second_daemon_exits_1(self):
        first = self.start_daemon()
        second = Daemon(self, self.env, wait=False)
        self.assertEqual(second.proc.wait(30), 1)
        text = second.finish_text()
        self.assertIn("--replace", text)
        self.assertIn(NAME, text)
        self.assertEqual(name_owner(), first.unique_name)
        self.assertIsNone(first.proc.poll())

    def test_replace(self):
        first = self.start_daemon()
        second = Daemon(self, self.env, ["--replace"], wait=False)
        self.assertEqual(first.proc.wait(30), 0)
        self.assertIn("took over", first.finish_text())
        deadline = time.monotonic() + 10
        while name_owner() in (None, first.unique_name) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertNotEqual(name_owner(), first.unique_name)
        self.assertIsNotNone(name_owner())
        self.assertEqual(second.stop(), 0)

    def test_sigterm_and_sigint_exit_0(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            with self.subTest(signal=sig):
                daemon = self.start_daemon()
                self.assertEqual(daemon.stop(sig), 0)
                self.assertIsNone(name_owner())

    def test_usage(self):
        result = self.run_cli("daemon", "extra")
        self.assertExit(result, 2)
        result = self.run_cli("help", "daemon")
        self.assertExit(result, 0)
        self.assertIn(b"--replace", result.out)
        self.assertIn(b"dev.pi.Keyring1", result.out)

    def test_no_session_bus_keeps_the_file_backends_tokens_fresh(self):
        # A headless machine: auth.json (what `auto` picks without a bus)
        # holds a token that falls due three seconds from now.
        seed = self.mock.admin("POST", "seed-refresh", {"provider": "anthropic"})
        entry = collections.OrderedDict([
            ("type", "oauth"), ("refresh", seed["refresh_token"]),
            ("access", "sk-ant-oat01-daemon-no-bus-access"),
            ("expires", now_ms() + LEAD_MS + 3000)])
        self.remember_secrets(entry["refresh"], entry["access"])
        self.write_auth_file(cli.pi_format({"anthropic": entry}))
        env = dict(self.env)
        env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        env["XDG_RUNTIME_DIR"] = os.path.join(self.tmp, "no-runtime-dir")

        daemon = Daemon(self, env, wait=False)
        self.addCleanup(self.check_daemon_output, daemon)
        deadline = time.monotonic() + 30
        while True:
            with open(self.auth_file, "rb") as f:
                stored = json.load(f)["anthropic"]
            self.remember_secrets(stored.get("access"), stored.get("refresh"))
            if stored["access"] != entry["access"]:
                break
            self.assertIsNone(daemon.proc.poll(), daemon.text)
            self.assertLess(time.monotonic(), deadline, "not refreshed:\n" + daemon.text)
            time.sleep(0.2)
        self.assertEqual(self.refresh_requests(), [entry["refresh"]])
        self.assertGreater(stored["expires"], now_ms() + 30 * 60 * 1000)
        self.assertIn("No session bus is running", daemon.text)
        self.assertIn("not serving dev.pi.Keyring1", daemon.text)
        self.assertIsNone(name_owner())
        self.assertIsNone(daemon.proc.poll(), "it keeps running")
        self.assertEqual(daemon.stop(), 0)

    def test_no_session_bus_with_the_secret_service_backend_exits_5(self):
        env = dict(self.env)
        env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        env["XDG_RUNTIME_DIR"] = os.path.join(self.tmp, "no-runtime-dir")
        result = self.run_cli("--backend=secret-service", "daemon", env=env, timeout=20)
        self.assertExit(result, 5)
        self.assertIn("No session bus", result.err)
        self.assertIn("the secret-service backend needs one", result.err)
        env["DBUS_SESSION_BUS_ADDRESS"] = "autolaunch:"
        result = self.run_cli("--backend=secret-service", "daemon", env=env, timeout=20)
        self.assertExit(result, 5)


class MethodTest(DaemonTestCase):
    def test_get_api_key_returns_the_stored_key(self):
        self.set_key("openai", "sk-daemon-test-openai-5f6e")
        self.set_key("openai", "sk-daemon-test-work-7a8b", "--profile=work")
        self.start_daemon()
        self.assertEqual(call("GetApiKey", GLib.Variant("(ss)", ("openai", "")), "(s)"),
                         ("sk-daemon-test-openai-5f6e",))
        self.assertEqual(call("GetApiKey", GLib.Variant("(ss)", ("openai", "default")), "(s)"),
                         ("sk-daemon-test-openai-5f6e",))
        self.assertEqual(call("GetApiKey", GLib.Variant("(ss)", ("openai", "work")), "(s)"),
                         ("sk-daemon-test-work-7a8b",))

    def test_get_api_key_of_an_oauth_credential(self):
        entry = self.import_oauth(now_ms() + 3600 * 1000)
        self.start_daemon()
        self.assertEqual(call("GetApiKey", GLib.Variant("(ss)", ("anthropic", "")), "(s)"),
                         (entry["access"],))
        self.assertEqual(self.refresh_requests(), [])

    def test_get_api_key_refreshes_an_expired_token_once(self):
        entry = self.import_oauth(1000)
        daemon = self.start_daemon()
        # Many callers at once; one token request.
        results = []

        def get():
            results.append(call("GetApiKey", GLib.Variant("(ss)", ("anthropic", "")), "(s)")[0])

        threads = [threading.Thread(target=get) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        stored = self.stored("anthropic")
        self.assertEqual(results, [stored["access"]] * 8)
        self.assertNotEqual(stored["access"], entry["access"])
        self.assertEqual(self.refresh_requests(), [entry["refresh"]])
        self.assertGreaterEqual(daemon.requests("GetApiKey"), 8)

    def test_not_found_is_a_dbus_error_name(self):
        self.start_daemon()
        with self.assertRaises(GLib.Error) as caught:
            call("GetApiKey", GLib.Variant("(ss)", ("groq", "")), "(s)")
        self.assertEqual(remote_error(caught.exception), "dev.pi.Keyring1.Error.NotFound")
        self.assertIn("groq", caught.exception.message)

        # The same through gdbus, as a script would see it.
        proc = subprocess.run(["gdbus", "call", "--session", "--dest", NAME, "--object-path",
                               PATH, "--method", IFACE + ".GetApiKey", "groq", ""],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env,
                              timeout=30)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn(b"GDBus.Error:dev.pi.Keyring1.Error.NotFound", proc.stderr)

        with self.assertRaises(GLib.Error) as caught:
            call("GetApiKey", GLib.Variant("(ss)", ("", "")), "(s)")
        self.assertEqual(remote_error(caught.exception),
                         "dev.pi.Keyring1.Error.InvalidArgument")

    def test_a_gio_dbus_proxy_gets_pikeyring_errors(self):
        # Issue 22, item 3: a plain GDBus client of a program that loads the
        # library gets PiKeyring.Error back, not G_IO_ERROR 36; item 4: with
        # the library's message for a name outside the grammar.
        try:
            import gi
            gi.require_version("PiKeyring", "1")
            from gi.repository import PiKeyring
        except (ImportError, ValueError) as error:
            self.skipTest("no PiKeyring typelib: %s" % error)
        # The program's first use of PiKeyring loads the library, which
        # registers the names; nothing else is called.
        not_found = PiKeyring.Error.NOT_FOUND
        self.start_daemon()
        proxy = Gio.DBusProxy.new_sync(bus(), Gio.DBusProxyFlags.DO_NOT_AUTO_START, None,
                                       NAME, PATH, IFACE, None)
        with self.assertRaises(GLib.Error) as caught:
            proxy.call_sync("GetApiKey", GLib.Variant("(ss)", ("groq", "")),
                            Gio.DBusCallFlags.NO_AUTO_START, 30000, None)
        self.assertTrue(caught.exception.matches(PiKeyring.error_quark(), not_found),
                        caught.exception)
        self.assertEqual(remote_error(caught.exception), "dev.pi.Keyring1.Error.NotFound")

        for provider, profile, name in [("a/b", "", "a/b"), ("", "", ""),
                                        ("openai", "bad profile/../x", "bad profile/../x")]:
            with self.subTest(provider=provider, profile=profile):
                with self.assertRaises(GLib.Error) as caught:
                    proxy.call_sync("GetApiKey", GLib.Variant("(ss)", (provider, profile)),
                                    Gio.DBusCallFlags.NO_AUTO_START, 30000, None)
                self.assertTrue(caught.exception.matches(PiKeyring.error_quark(),
                                                         PiKeyring.Error.INVALID_ARGUMENT))
                self.assertEqual(caught.exception.message,
                                 "GDBus.Error:dev.pi.Keyring1.Error.InvalidArgument: "
                                 + cli.invalid_name_message(name))

    def test_names_outside_the_grammar_are_invalid_arguments(self):
        self.start_daemon()
        for method, provider, profile in [("GetApiKey", "a b", ""),
                                          ("GetApiKey", ".hidden", ""),
                                          ("GetApiKey", "x" * 129, ""),
                                          ("GetApiKey", "openai", "bad profile"),
                                          ("GetApiKey", "openai", "-x"),
                                          ("Refresh", "a/b", ""),
                                          ("Refresh", "anthropic", "a b")]:
            with self.subTest(method=method, provider=provider, profile=profile):
                with self.assertRaises(GLib.Error) as caught:
                    call(method, GLib.Variant("(ss)", (provider, profile)), None)
                self.assertEqual(remote_error(caught.exception),
                                 "dev.pi.Keyring1.Error.InvalidArgument")
        with self.assertRaises(GLib.Error) as caught:
            call("ExportCredentials", GLib.Variant("(s)", ("bad profile",)), "(a(ss))")
        self.assertEqual(remote_error(caught.exception), "dev.pi.Keyring1.Error.InvalidArgument")

    def test_commands_and_variable_names_are_left_to_the_caller(self):
        self.set_key("openai", "!echo sk-daemon-test-from-command")
        self.set_key("groq", "CLI_TEST_DAEMON_GROQ")
        self.remember_secrets("sk-daemon-test-from-command", "gsk-daemon-test-from-env")
        daemon = self.start_daemon()
        for provider in ("openai", "groq"):
            with self.subTest(provider=provider):
                with self.assertRaises(GLib.Error) as caught:
                    call("GetApiKey", GLib.Variant("(ss)", (provider, "")), "(s)")
                self.assertEqual(remote_error(caught.exception),
                                 "dev.pi.Keyring1.Error.InvalidArgument")

        # `get` resolves them itself, in its own environment.
        result = self.run_cli("get", "openai", secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertEqual(result.out, b"sk-daemon-test-from-command")
        result = self.run_cli("get", "groq", secrets_on_stdout=True,
                              extra_env={"CLI_TEST_DAEMON_GROQ": "gsk-daemon-test-from-env"})
        self.assertExit(result, 0)
        self.assertEqual(result.out, b"gsk-daemon-test-from-env")
        self.assertEqual(daemon.requests("GetApiKey"), 4)

    def test_list_credentials_has_no_secrets(self):
        self.set_key("openai", "sk-daemon-test-openai-5f6e")
        self.set_key("groq", "gsk-daemon-test-groq-1c2d", "--profile=work")
        expires = now_ms() + 3600 * 1000
        entry = self.import_oauth(expires)
        self.start_daemon()
        (credentials,) = call("ListCredentials", None, "(aa{sv})")
        by_id = {(c["provider"], c["profile"]): c for c in credentials}
        self.assertEqual(set(by_id), {("openai", "default"), ("groq", "work"),
                                      ("anthropic", "default")})
        self.assertEqual(by_id[("openai", "default")], {"provider": "openai",
                                                        "profile": "default",
                                                        "kind": "api_key"})
        self.assertEqual(by_id[("groq", "work")]["kind"], "api_key")
        self.assertEqual(by_id[("anthropic", "default")],
                         {"provider": "anthropic", "profile": "default", "kind": "oauth",
                          "expires": expires})
        text = repr(credentials)
        for secret in ("sk-daemon-test-openai-5f6e", "gsk-daemon-test-groq-1c2d",
                       entry["access"], entry["refresh"]):
            self.assertNotIn(secret, text)

    def test_refresh_now(self):
        entry = self.import_oauth(now_ms() + 3600 * 1000)
        self.start_daemon()
        signals = Signals()
        self.addCleanup(signals.close)
        self.assertEqual(call("Refresh", GLib.Variant("(ss)", ("anthropic", "")), "()"), ())
        stored = self.stored("anthropic")
        self.assertNotEqual(stored["access"], entry["access"])
        self.assertNotEqual(stored["refresh"], entry["refresh"])
        self.assertEqual(self.refresh_requests(), [entry["refresh"]])
        self.assertEqual(signals.wait_for("CredentialChanged"), ("anthropic", "default"))

    def test_refresh_of_another_profile(self):
        entry = self.import_oauth(now_ms() + 3600 * 1000, profile="work")
        self.start_daemon()
        signals = Signals()
        self.addCleanup(signals.close)
        call("Refresh", GLib.Variant("(ss)", ("anthropic", "work")), "()")
        self.assertNotEqual(self.stored("anthropic", "work")["access"], entry["access"])
        self.assertEqual(signals.wait_for("CredentialChanged"), ("anthropic", "work"))
        with self.assertRaises(GLib.Error) as caught:
            call("Refresh", GLib.Variant("(ss)", ("anthropic", "")), "()")
        self.assertEqual(remote_error(caught.exception), "dev.pi.Keyring1.Error.NotFound")

    def test_refresh_failed_on_invalid_grant(self):
        entry = self.import_oauth(now_ms() + 3600 * 1000)
        daemon = self.start_daemon()
        signals = Signals()
        self.addCleanup(signals.close)
        self.inject_token_error(400, {"error": "invalid_grant",
                                      "error_description": "Refresh token revoked"})
        with self.assertRaises(GLib.Error) as caught:
            call("Refresh", GLib.Variant("(ss)", ("anthropic", "")), "()")
        self.assertEqual(remote_error(caught.exception),
                         "dev.pi.Keyring1.Error.ReauthenticationRequired")
        args = signals.wait_for("RefreshFailed")
        self.assertIsNotNone(args, signals.received)
        self.assertEqual(args[:2], ("anthropic", "default"))
        self.assertNotEqual(args[2], "")
        self.assertNotIn(entry["refresh"], args[2])
        # The error name, last, so that readers of the first three still work.
        self.assertEqual(args[3], "dev.pi.Keyring1.Error.ReauthenticationRequired")
        # Kept as it was.
        self.assertEqual(self.stored("anthropic"), entry)
        self.assertIn("Could not refresh the OAuth token of “anthropic”", daemon.text)

    def test_other_users_are_refused(self):
        """A bus that lets another user in (ours does not) still gets no key."""
        if os.geteuid() != 0 or shutil.which("setpriv") is None:
            self.skipTest("needs root and setpriv to act as another user")
        tmp = tempfile.mkdtemp(prefix="test-daemon-bus-")
        self.addCleanup(shutil.rmtree, tmp, True)
        os.chmod(tmp, 0o755)
        config = os.path.join(tmp, "bus.conf")
        with open(config, "w") as f:
            f.write("""<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
""" % tmp)
        bus_proc = subprocess.Popen(["dbus-daemon", "--config-file=" + config, "--nofork",
                                     "--print-address"], stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, text=True)
        self.addCleanup(bus_proc.wait, 10)
        self.addCleanup(bus_proc.terminate)
        address = bus_proc.stdout.readline().strip()
        bus_proc.stdout.close()
        os.chmod(os.path.join(tmp, "bus"), 0o777)
        env = dict(self.env, DBUS_SESSION_BUS_ADDRESS=address, PI_KEYRING_BACKEND="memory")
        daemon = subprocess.Popen([cli.CLI, "daemon"], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        self.addCleanup(daemon.wait, 10)
        self.addCleanup(daemon.terminate)
        gdbus = ["gdbus", "call", "--address", address, "--dest", NAME, "--object-path", PATH,
                 "--method", IFACE + ".GetApiKey", "openai", ""]
        wait = subprocess.run(["gdbus", "wait", "--address", address, "--timeout", "20", NAME],
                              env=env, timeout=30)
        self.assertEqual(wait.returncode, 0)

        ours = subprocess.run(gdbus, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                              timeout=30)
        self.assertIn(b"dev.pi.Keyring1.Error.NotFound", ours.stderr)
        theirs = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
                                + gdbus, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=dict(env, HOME=tmp), timeout=30)
        self.assertNotEqual(theirs.returncode, 0)
        self.assertIn(b"org.freedesktop.DBus.Error.AccessDenied", theirs.stderr)


class GetTest(DaemonTestCase):
    def test_get_goes_through_the_daemon(self):
        self.set_key("openai", "sk-daemon-test-openai-5f6e")
        entry = self.import_oauth(now_ms() + 3600 * 1000)
        daemon = self.start_daemon()
        client_env = {"G_MESSAGES_DEBUG": "pi-keyring"}
        for provider, key in (("openai", "sk-daemon-test-openai-5f6e"),
                              ("anthropic", entry["access"])):
            with self.subTest(provider=provider):
                before = daemon.requests("GetApiKey")
                result = self.run_cli("get", provider, secrets_on_stdout=True,
                                      extra_env=client_env)
                self.assertExit(result, 0)
                self.assertEqual(result.out.decode(), key)
                # The daemon was asked, and answered.
                self.assertEqual(daemon.requests("GetApiKey"), before + 1)
                self.assertIn("GetApiKey (%s) from " % provider, daemon.text)
                self.assertIn("Asking the pi-keyring daemon", result.err)
                self.assertNotIn("looking alone", result.err)

        # Another profile goes to the daemon too, with its name.
        self.set_key("openai", "sk-daemon-test-work-7a8b", "--profile=work")
        result = self.run_cli("--profile=work", "get", "openai", secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertEqual(result.out, b"sk-daemon-test-work-7a8b")
        self.assertEqual(daemon.requests("GetApiKey"), 3)

        # Not found in the backend: `get` goes on alone with the environment.
        result = self.run_cli("get", "groq", secrets_on_stdout=True,
                              extra_env={"GROQ_API_KEY": "gsk-daemon-test-env-3e4f"})
        self.remember_secrets("gsk-daemon-test-env-3e4f")
        self.assertExit(result, 0)
        self.assertEqual(result.out, b"gsk-daemon-test-env-3e4f")
        self.assertEqual(daemon.requests("GetApiKey"), 4)
        result = self.run_cli("get", "groq")
        self.assertExit(result, 3)

        # A name that is not UTF-8 is none the daemon can be asked for.
        proc = subprocess.run([cli.CLI.encode(), b"get", b"\xff\xfe"], env=self.env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertIn(proc.returncode, (2, 3))
        self.assertEqual(daemon.requests("GetApiKey"), 5)

    def test_get_with_another_backend_does_not_ask(self):
        self.write_auth_file(cli.pi_format({"openai": {"type": "api_key",
                                                       "key": "sk-daemon-test-file-9a0b"}}))
        self.remember_secrets("sk-daemon-test-file-9a0b")
        self.set_key("openai", "sk-daemon-test-openai-5f6e")
        daemon = self.start_daemon()
        for options in (["--backend=file"], ["--backend=memory"]):
            with self.subTest(options=options):
                result = self.run_cli(*options, "get", "openai", secrets_on_stdout=True)
                self.assertExit(result, 0)
                self.assertEqual(result.out, b"sk-daemon-test-file-9a0b")
        self.assertEqual(daemon.requests("GetApiKey"), 0)
        result = self.run_cli("--backend=secret-service", "get", "openai",
                              secrets_on_stdout=True)
        self.assertEqual(result.out, b"sk-daemon-test-openai-5f6e")
        self.assertEqual(daemon.requests("GetApiKey"), 1)

    def test_get_reports_the_daemons_refresh_failure(self):
        entry = self.import_oauth(1000)
        self.inject_token_error(400, {"error": "invalid_grant"}, count=5)
        daemon = self.start_daemon()
        result = self.run_cli("get", "anthropic")
        self.assertExit(result, 4)
        self.assertIn("pi-keyring login anthropic", result.err)
        self.assertNotIn("GDBus.Error", result.err)
        self.assertGreaterEqual(daemon.requests("GetApiKey"), 1)
        self.assertEqual(self.stored("anthropic"), entry)

    def test_get_works_alone_and_never_starts_the_daemon(self):
        self.set_key("openai", "sk-daemon-test-openai-5f6e")
        # An activatable dev.pi.Keyring1 on the wrapper's bus: `get` must
        # not start it.
        services = os.path.join(os.path.dirname(os.environ["XDG_RUNTIME_DIR"]), "services")
        if not os.path.isdir(services):
            self.skipTest("not the bus of tests/with-test-keyring.sh")
        marker = os.path.join(self.tmp, "activated")
        service = os.path.join(services, NAME + ".service")
        with open(service, "w") as f:
            f.write("[D-BUS Service]\nName=%s\nExec=/bin/sh -c 'touch %s'\n" % (NAME, marker))
        self.addCleanup(os.unlink, service)
        bus().call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                        "ReloadConfig", None, None, Gio.DBusCallFlags.NONE, 5000, None)
        activatable = bus().call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                      "org.freedesktop.DBus", "ListActivatableNames", None,
                                      GLib.VariantType("(as)"), Gio.DBusCallFlags.NONE, 5000,
                                      None).unpack()[0]
        self.assertIn(NAME, activatable)

        result = self.run_cli("get", "openai", secrets_on_stdout=True,
                              extra_env={"G_MESSAGES_DEBUG": "pi-keyring"})
        self.assertExit(result, 0)
        self.assertEqual(result.out, b"sk-daemon-test-openai-5f6e")
        self.assertIn("No pi-keyring daemon", result.err)
        # The executable's question about the Secret Service served `auto`:
        # the module did not ask the bus again.
        self.assertIn("auto: the Secret Service, which the bus said runs", result.err)
        time.sleep(0.5)
        self.assertFalse(os.path.exists(marker), "pi-keyring get activated the daemon")

        # And after a daemon stopped.
        daemon = self.start_daemon()
        self.assertEqual(daemon.stop(), 0)
        result = self.run_cli("get", "openai", secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertEqual(result.out, b"sk-daemon-test-openai-5f6e")


class ListTest(DaemonTestCase):
    def test_list_goes_through_the_daemon_and_shows_the_same(self):
        self.set_key("openai", "sk-daemon-test-openai-5f6e")
        self.set_key("groq", "gsk-daemon-test-groq-1c2d", "--profile=work")
        self.import_oauth(now_ms() + 3600 * 1000)
        # An entry of a type pi does not know, kept as it is.
        source = os.path.join(self.tmp, "other.json")
        self.write_auth_file(cli.pi_format({"custom": {"type": "bearer", "token": "t-daemon-9f"}}),
                             path=source)
        self.remember_secrets("t-daemon-9f")
        self.assertExit(self.run_cli("import", source), 0)

        commands = [["list"], ["--json", "list"], ["--profile=work", "list"],
                    ["--json", "--profile=work", "list"]]
        alone = {}
        for args in commands:
            result = self.run_cli(*args)
            self.assertExit(result, 0)
            alone[tuple(args)] = result.out
        self.assertIn(b"other (\xe2\x80\x9cbearer\xe2\x80\x9d)", alone[("list",)])

        daemon = self.start_daemon()
        client_env = {"G_MESSAGES_DEBUG": "pi-keyring"}
        for args in commands:
            with self.subTest(args=args):
                before = daemon.requests("ListCredentials")
                result = self.run_cli(*args, extra_env=client_env)
                self.assertExit(result, 0)
                self.assertEqual(result.out, alone[tuple(args)])
                self.assertEqual(daemon.requests("ListCredentials"), before + 1)
                self.assertIn("Asking the pi-keyring daemon", result.err)
                self.assertNotIn("looking alone", result.err)

        # A change behind the daemon's back is in the next list.
        proc = subprocess.run(["secret-tool", "clear", "provider", "groq"], env=self.env,
                              timeout=30)
        self.assertEqual(proc.returncode, 0)
        listed = self.run_cli("--json", "list").json()
        self.assertEqual(sorted(c["provider"] for c in listed), ["anthropic", "custom", "openai"])
        self.set_key("mistral", "mk-daemon-test-3a4b")
        listed = self.run_cli("--json", "list").json()
        self.assertIn("mistral", [c["provider"] for c in listed])
        self.assertEqual(daemon.requests("ListCredentials"), len(commands) + 2)

        # Another backend lists alone.
        result = self.run_cli("--backend=file", "list")
        self.assertExit(result, 0)
        self.assertEqual(daemon.requests("ListCredentials"), len(commands) + 2)


class ExportTest(DaemonTestCase):
    def assertSameBytes(self, got, expected, what):
        # By digest: the bytes hold (test) secrets, kept off the test's output.
        self.assertEqual(hashlib.sha256(got).hexdigest(), hashlib.sha256(expected).hexdigest(),
                         "%s: %d bytes, %d expected" % (what, len(got), len(expected)))

    def test_export_goes_through_the_daemon_and_writes_the_same(self):
        # pi's own file, unknown fields and an entry of an unknown type included.
        source = os.path.join(self.tmp, "source.json")
        self.write_auth_file(self.read(cli.PI_AUTH), path=source)
        self.assertExit(self.run_cli("import", source), 0)
        self.set_key("groq", "gsk-daemon-test-export-1c2d", "--profile=work")

        def export(*args, extra_env=None):
            result = self.run_cli(*args, secrets_on_stdout=True, extra_env=extra_env)
            self.assertExit(result, 0)
            written = None
            if args[-1].endswith(".json"):
                written = self.read(args[-1])
                os.unlink(args[-1])
            return result, written

        target = os.path.join(self.tmp, "exported.json")
        commands = [("export",), ("export", "-"), ("--profile=work", "export"),
                    ("export", target), ("--profile=work", "export", target)]
        alone = {args: export(*args) for args in commands}
        self.assertSameBytes(alone[("export",)][0].out, self.read(cli.PI_AUTH), "alone")
        self.assertSameBytes(alone[("export", target)][1], self.read(cli.PI_AUTH), "alone, file")
        self.assertIn(b"gsk-daemon-test-export-1c2d", alone[("--profile=work", "export")][0].out)

        daemon = self.start_daemon()
        client_env = {"G_MESSAGES_DEBUG": "pi-keyring"}
        for args in commands:
            with self.subTest(args=args):
                before = daemon.requests("ExportCredentials")
                result, written = export(*args, extra_env=client_env)
                self.assertSameBytes(result.out, alone[args][0].out, "stdout")
                if written is not None:
                    self.assertSameBytes(written, alone[args][1], "file")
                self.assertEqual(daemon.requests("ExportCredentials"), before + 1)
                self.assertIn("Asking the pi-keyring daemon", result.err)
                self.assertNotIn("looking alone", result.err)
                # The same warnings as alone (two copies of OAuth tokens).
                self.assertEqual(result.err.count("two copies"),
                                 alone[args][0].err.count("two copies"))

        # The daemon keeps no secret: a new key is in the next export.
        self.set_key("openai", "sk-daemon-test-export-new-7e8f")
        result, _ = export("export")
        self.assertEqual(json.loads(result.out)["openai"],
                         {"type": "api_key", "key": "sk-daemon-test-export-new-7e8f"})
        self.assertEqual(daemon.requests("ExportCredentials"), len(commands) + 1)

        # A locked keyring is the daemon's final answer: exit 5, nothing out.
        cli.keyring_lock()
        self.addCleanup(cli.keyring_unlock)
        result = self.run_cli("export", secrets_on_stdout=True)
        self.assertExit(result, 5)
        self.assertEqual(result.out, b"")
        self.assertIn("locked", result.err)
        self.assertEqual(daemon.requests("ExportCredentials"), len(commands) + 2)
        cli.keyring_unlock()

        # Another backend exports alone.
        self.assertExit(self.run_cli("--backend=file", "export", secrets_on_stdout=True), 0)
        self.assertEqual(daemon.requests("ExportCredentials"), len(commands) + 2)

    def test_export_credentials_answers_only_for_its_profile(self):
        self.set_key("openai", "sk-daemon-test-export-0a1b")
        self.set_key("groq", "gsk-daemon-test-export-2c3d", "--profile=work")
        self.start_daemon()
        (default,) = call("ExportCredentials", GLib.Variant("(s)", ("",)), "(a(ss))")
        self.assertEqual([(p, json.loads(e)) for p, e in default],
                         [("openai", {"type": "api_key", "key": "sk-daemon-test-export-0a1b"})])
        (work,) = call("ExportCredentials", GLib.Variant("(s)", ("work",)), "(a(ss))")
        self.assertEqual([p for p, _ in work], ["groq"])
        (none,) = call("ExportCredentials", GLib.Variant("(s)", ("nobody",)), "(a(ss))")
        self.assertEqual(none, [])

    def test_an_encrypted_file_is_not_exported_by_the_daemon(self):
        passphrase = os.path.join(self.tmp, "passphrase")
        with open(passphrase, "w") as f:
            f.write("daemon test passphrase 4e5f\n")
        os.chmod(passphrase, 0o600)
        self.env["PI_KEYRING_PASSPHRASE_FILE"] = passphrase
        self.set_key("openai", "sk-daemon-test-vault-6a7b", "--backend=encrypted-file")
        daemon = self.start_daemon("--backend=encrypted-file")
        with self.assertRaises(GLib.Error) as caught:
            call("ExportCredentials", GLib.Variant("(s)", ("",)), "(a(ss))")
        self.assertEqual(remote_error(caught.exception), "dev.pi.Keyring1.Error.AccessDenied")
        self.assertIn("passphrase", caught.exception.message)
        # `export` does not ask it, and exports with the passphrase alone.
        result = self.run_cli("--backend=encrypted-file", "export", secrets_on_stdout=True,
                              extra_env={"G_MESSAGES_DEBUG": "pi-keyring"})
        self.assertExit(result, 0)
        self.assertNotIn("Asking the pi-keyring daemon", result.err)
        self.assertEqual(json.loads(result.out)["openai"]["key"], "sk-daemon-test-vault-6a7b")
        self.assertEqual(daemon.requests("ExportCredentials"), 0)
        # Its keys are served as ever.
        self.assertEqual(daemon.requests("ListCredentials"), 0)
        (listed,) = call("ListCredentials", None, "(aa{sv})")
        self.assertEqual([c["provider"] for c in listed], ["openai"])


class BackgroundTest(DaemonTestCase):
    def test_refreshes_a_credential_that_falls_due_with_no_client_asking(self):
        # Due (expires - 5 min) three seconds from now.
        entry = self.import_oauth(now_ms() + LEAD_MS + 3000)
        signals = Signals()
        self.addCleanup(signals.close)
        daemon = self.start_daemon()
        self.assertEqual(self.refresh_requests(), [])

        args = signals.wait_for("CredentialChanged", timeout=30)
        self.assertEqual(args, ("anthropic", "default"), daemon.text)
        self.assertEqual(self.refresh_requests(), [entry["refresh"]])
        stored = self.stored("anthropic")
        self.assertNotEqual(stored["access"], entry["access"])
        self.assertGreater(stored["expires"], now_ms() + 30 * 60 * 1000)
        # Nobody asked.
        self.assertEqual(daemon.requests("GetApiKey"), 0)
        self.assertEqual(daemon.requests("Refresh"), 0)
        # Not refreshed again.
        pump(2)
        self.assertEqual(len(self.refresh_requests()), 1)

    def test_refreshes_a_credential_stored_after_it_started(self):
        daemon = self.start_daemon()
        signals = Signals()
        self.addCleanup(signals.close)
        entry = self.import_oauth(now_ms() + LEAD_MS + 3000)
        args = signals.wait_for("CredentialChanged", timeout=30,
                                predicate=lambda a: len(self.refresh_requests()) > 0)
        self.assertIsNotNone(args, daemon.text)
        deadline = time.monotonic() + 10
        while self.stored("anthropic")["access"] == entry["access"]:
            self.assertLess(time.monotonic(), deadline, "not refreshed")
            time.sleep(0.2)
        self.assertEqual(self.refresh_requests(), [entry["refresh"]])

    def test_background_refresh_failure_is_signalled(self):
        entry = self.import_oauth(now_ms() + LEAD_MS + 2000)
        self.inject_token_error(400, {"error": "invalid_grant"}, count=5)
        signals = Signals()
        self.addCleanup(signals.close)
        daemon = self.start_daemon()
        args = signals.wait_for("RefreshFailed", timeout=30)
        self.assertIsNotNone(args, daemon.text)
        self.assertEqual(args[:2], ("anthropic", "default"))
        self.assertEqual(self.stored("anthropic"), entry)

    def test_idle_with_1000_credentials_makes_no_wakeups(self):
        strace = shutil.which("strace")
        if strace is None:
            self.skipTest("strace is not installed")
        self.seed_many_oauth(1000, now_ms() + 24 * 3600 * 1000)
        # A thousand items take the keyring longer than the 5 s of the tests.
        self.env["PI_KEYRING_TIMEOUT"] = "120"
        # The daemon watches pi's auth.json, or the nearest directory on
        # its way that exists: strace's busy log must be elsewhere.
        os.makedirs(self.agent_dir, mode=0o700)
        trace_dir = tempfile.mkdtemp(prefix="test-daemon-strace-")
        self.addCleanup(shutil.rmtree, trace_dir, True)
        trace = os.path.join(trace_dir, "strace.log")
        syscalls = "poll,ppoll,epoll_wait,epoll_pwait,select,pselect6,timerfd_settime," \
                   "nanosleep,clock_nanosleep"
        daemon = self.start_daemon(wrapper=[strace, "-f", "-qq", "-o", trace,
                                            "-e", "trace=" + syscalls])
        # Let it settle: the start-up reads the keyring and arms the timers.
        (credentials,) = call("ListCredentials", None, "(aa{sv})")
        self.assertEqual(len(credentials), 1000)
        quiet_since, size = time.monotonic(), os.path.getsize(trace)
        deadline = time.monotonic() + 120
        while time.monotonic() - quiet_since < 3:
            if time.monotonic() > deadline:
                with open(trace, errors="replace") as f:
                    self.fail("the daemon never went idle:\n%s\n%s"
                              % (f.read()[-3000:], daemon.text[-3000:]))
            time.sleep(0.25)
            if os.path.getsize(trace) != size:
                quiet_since, size = time.monotonic(), os.path.getsize(trace)

        time.sleep(5)
        with open(trace, errors="replace") as f:
            f.seek(size)
            during = f.read()
        self.assertEqual(during, "", "the idle daemon woke up:\n%s\n%s"
                         % (during[:3000], daemon.text[-3000:]))
        self.assertEqual(self.refresh_requests(), [])
        self.assertEqual(daemon.stop(), 0)

    def seed_many_oauth(self, count, expires):
        """count OAuth credentials (5 providers x count/5 profiles), straight
        into the keyring as the Secret Service backend stores them. They go
        to gnome-keyring's in-memory "session" collection, made the default
        for the test: the login collection is rewritten on disk at every
        change, 70 ms a credential at this size."""
        import gi
        import warnings
        gi.require_version("Secret", "1")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ImportWarning)
            from gi.repository import Secret

        secrets_bus = bus()

        def secrets_call(iface, method, args, path="/org/freedesktop/secrets"):
            result = secrets_bus.call_sync("org.freedesktop.secrets", path, iface, method, args,
                                           None, Gio.DBusCallFlags.NO_AUTO_START, 30000, None)
            return result.unpack() if result is not None else None

        def set_default(path):
            secrets_call("org.freedesktop.Secret.Service", "SetAlias",
                         GLib.Variant("(so)", ("default", path)))

        def clear_session():
            set_default(cli.LOGIN)
            items = secrets_call("org.freedesktop.DBus.Properties", "Get",
                                 GLib.Variant("(ss)", ("org.freedesktop.Secret.Collection",
                                                       "Items")), path=SESSION)[0]
            for item in items:
                secrets_call("org.freedesktop.Secret.Item", "Delete", None, path=item)

        set_default(SESSION)
        self.addCleanup(clear_session)

        schema = Secret.Schema.new("dev.pi.Keyring.Credential", Secret.SchemaFlags.NONE, {
            "provider": Secret.SchemaAttributeType.STRING,
            "profile": Secret.SchemaAttributeType.STRING,
            "kind": Secret.SchemaAttributeType.STRING,
            "created": Secret.SchemaAttributeType.STRING,
        })
        providers = cli.OAUTH_PROVIDERS
        for i in range(count):
            provider = providers[i % len(providers)]
            profile = "p%03d" % (i // len(providers))
            entry = collections.OrderedDict([
                ("type", "oauth"), ("refresh", "daemon-idle-refresh-%d" % i),
                ("access", "daemon-idle-access-%d" % i), ("expires", expires)])
            if provider.startswith("google-"):
                entry["projectId"] = "proj-idle"
            Secret.password_store_sync(schema, {"provider": provider, "profile": profile,
                                                "kind": "oauth",
                                                "created": str(int(time.time() * 1e6))},
                                       Secret.COLLECTION_DEFAULT,
                                       "pi-keyring: %s (%s)" % (provider, profile),
                                       json.dumps(entry), None)
        Secret.Service.disconnect()


class NotificationServer:
    """tests/notification-server.py on the private bus; its calls as they come."""

    def __init__(self, test):
        self.log = os.path.join(test.tmp, "notifications.jsonl")
        self.proc = subprocess.Popen([PYTHON, os.path.join(HERE, "notification-server.py"),
                                      self.log], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        test.addCleanup(self.stop)
        line = self.proc.stdout.readline()
        test.assertEqual(line.strip(), b"ready")

    def calls(self, method=None):
        try:
            with open(self.log) as f:
                found = [json.loads(line) for line in f]
        except FileNotFoundError:
            return []
        return [c["args"] for c in found if method is None or c["method"] == method]

    def wait_for(self, method, count=1, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.calls(method)) >= count:
                return self.calls(method)
            time.sleep(0.05)
        return self.calls(method)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc.stdout.close()


class NotificationTest(DaemonTestCase):
    """The daemon tells the user through org.freedesktop.Notifications."""

    def assertLoginNotification(self, args, command="pi-keyring login anthropic"):
        app_name, replaces_id, icon, summary, body, actions, hints, timeout = args
        self.assertEqual(app_name, "pi-keyring")
        self.assertEqual(replaces_id, 0)
        self.assertEqual(summary, "Log in to Anthropic (Claude Pro/Max) again")
        self.assertIn("“%s”" % command, body)
        for secret in cli.SECRETS | getattr(self, "extra_secrets", set()):
            self.assertNotIn(secret, summary + body)

    def test_a_refused_refresh_token_notifies_once_and_success_withdraws(self):
        entry = self.import_oauth(now_ms() + 3600 * 1000)
        server = NotificationServer(self)
        daemon = self.start_daemon()
        self.inject_token_error(400, {"error": "invalid_grant",
                                      "error_description": "Refresh token revoked"}, count=2)
        for _ in range(2):
            with self.assertRaises(GLib.Error) as caught:
                call("Refresh", GLib.Variant("(ss)", ("anthropic", "")), "()")
            self.assertEqual(remote_error(caught.exception),
                             "dev.pi.Keyring1.Error.ReauthenticationRequired")
        notified = server.wait_for("Notify")
        self.assertEqual(len(notified), 1, daemon.text)
        self.assertLoginNotification(notified[0])
        pump(1)
        # Once per credential and failure, however often it fails.
        self.assertEqual(len(server.calls("Notify")), 1)
        self.assertEqual(server.calls("CloseNotification"), [])
        self.assertEqual(self.stored("anthropic"), entry)

        # The provider honours the token again: the refresh withdraws it.
        call("Refresh", GLib.Variant("(ss)", ("anthropic", "")), "()")
        self.assertEqual(server.wait_for("CloseNotification"), [[1]], daemon.text)
        self.assertEqual(len(server.calls("Notify")), 1)

    def test_a_login_in_another_process_withdraws_it(self):
        # Due at once: the daemon's own schedule refreshes it, and fails for good.
        self.import_oauth(now_ms() + LEAD_MS - 1000, profile="work")
        self.inject_token_error(400, {"error": "invalid_grant"}, count=5)
        server = NotificationServer(self)
        daemon = self.start_daemon("--profile=work")
        notified = server.wait_for("Notify")
        self.assertEqual(len(notified), 1, daemon.text)
        self.assertLoginNotification(notified[0], "pi-keyring --profile=work login anthropic")

        # A new credential, written by another process (as `login` does).
        self.import_oauth(now_ms() + 3600 * 1000, profile="work")
        self.assertEqual(server.wait_for("CloseNotification"), [[1]], daemon.text)
        self.assertEqual(len(server.calls("Notify")), 1)

    def test_a_temporary_failure_notifies_only_once_the_token_has_expired(self):
        self.import_oauth(now_ms() + 3600 * 1000)
        server = NotificationServer(self)
        daemon = self.start_daemon()
        signals = Signals()
        self.addCleanup(signals.close)
        self.inject_token_error(503, {"error": "temporarily_unavailable"}, count=1)
        with self.assertRaises(GLib.Error) as caught:
            call("Refresh", GLib.Variant("(ss)", ("anthropic", "")), "()")
        self.assertEqual(remote_error(caught.exception), "dev.pi.Keyring1.Error.Temporary")
        self.assertIsNotNone(signals.wait_for("RefreshFailed"))
        pump(1.5)
        self.assertEqual(server.calls("Notify"), [], daemon.text)
        daemon.stop()

        # Expired, and the provider still down: now the user must hear of it.
        self.import_oauth(now_ms() - 60 * 1000)
        self.inject_token_error(503, {"error": "temporarily_unavailable"}, count=50)
        daemon = self.start_daemon()
        notified = server.wait_for("Notify")
        self.assertEqual(len(notified), 1, daemon.text)
        self.assertLoginNotification(notified[0])

    def test_a_locked_keyring_sends_nothing(self):
        self.import_oauth(now_ms() + LEAD_MS - 1000)
        server = NotificationServer(self)
        cli.keyring_lock()
        self.addCleanup(cli.keyring_unlock)
        daemon = self.start_daemon()
        pump(3)
        self.assertIsNone(daemon.proc.poll(), daemon.text)
        self.assertEqual(server.calls("Notify"), [])
        self.assertEqual(self.refresh_requests(), [])
        self.assertIn("locked", daemon.text)

    def test_no_notification_server_is_logged_and_changes_nothing(self):
        entry = self.import_oauth(now_ms() + 3600 * 1000)
        daemon = self.start_daemon()
        self.inject_token_error(400, {"error": "invalid_grant"}, count=1)
        with self.assertRaises(GLib.Error):
            call("Refresh", GLib.Variant("(ss)", ("anthropic", "")), "()")
        deadline = time.monotonic() + 10
        while "No desktop notification could be shown" not in daemon.text:
            self.assertLess(time.monotonic(), deadline, daemon.text)
            time.sleep(0.05)
        self.assertIn("org.freedesktop.Notifications", daemon.text)
        # Still serving.
        self.assertIsNone(daemon.proc.poll())
        key = call("GetApiKey", GLib.Variant("(ss)", ("anthropic", "")), "(s)")[0]
        self.assertEqual(key, entry["access"])


class DataFilesTest(unittest.TestCase):
    def setUp(self):
        if not BUILD_DATA or not os.path.isdir(BUILD_DATA):
            self.skipTest("PI_KEYRING_DATA_BUILDDIR is not set")

    def key_file(self, name):
        keys = GLib.KeyFile()
        keys.load_from_file(os.path.join(BUILD_DATA, name), GLib.KeyFileFlags.NONE)
        return keys

    def test_dbus_service_file(self):
        keys = self.key_file("dev.pi.Keyring1.service")
        self.assertEqual(keys.get_groups()[0], ["D-BUS Service"])
        self.assertEqual(keys.get_string("D-BUS Service", "Name"), NAME)
        program, command = keys.get_string("D-BUS Service", "Exec").split(" ")
        self.assertTrue(os.path.isabs(program), program)
        self.assertEqual(os.path.basename(program), "pi-keyring")
        self.assertEqual(command, "daemon")
        self.assertEqual(keys.get_string("D-BUS Service", "SystemdService"), "pi-keyring.service")

    def test_systemd_unit(self):
        keys = self.key_file("pi-keyring.service")
        self.assertEqual(keys.get_string("Service", "Type"), "dbus")
        self.assertEqual(keys.get_string("Service", "BusName"), NAME)
        exec_start = keys.get_string("Service", "ExecStart")
        dbus_exec = self.key_file("dev.pi.Keyring1.service").get_string("D-BUS Service", "Exec")
        self.assertEqual(exec_start, dbus_exec)
        for key, value in (("PrivateTmp", "yes"), ("NoNewPrivileges", "yes"),
                           ("ProtectSystem", "strict")):
            self.assertEqual(keys.get_string("Service", key), value)
        # What the daemon writes stays writable.
        writable = keys.get_string("Service", "ReadWritePaths").split()
        self.assertIn("-%h/.pi", writable)
        self.assertIn("%t", writable)

    def test_systemd_analyze_verify(self):
        analyze = shutil.which("systemd-analyze")
        if analyze is None:
            self.skipTest("systemd-analyze is not installed")
        tmp = tempfile.mkdtemp(prefix="test-daemon-unit-")
        self.addCleanup(shutil.rmtree, tmp, True)
        # The unit as installed, but naming the pi-keyring just built.
        with open(os.path.join(BUILD_DATA, "pi-keyring.service")) as f:
            unit = f.read()
        program = self.key_file("pi-keyring.service").get_string("Service", "ExecStart").split()[0]
        unit = unit.replace(program, os.path.abspath(cli.CLI or "/bin/true"))
        path = os.path.join(tmp, "pi-keyring.service")
        with open(path, "w") as f:
            f.write(unit)
        proc = subprocess.run([analyze, "--user", "verify", "--man=no", path],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        output = proc.stdout.decode("utf-8", "replace")
        if proc.returncode != 0 and re.search(r"Failed to (initialize|connect|set up)|"
                                              r"No such file or directory.*(bus|runtime)",
                                              output):
            self.skipTest("systemd-analyze cannot run here: " + output.strip()[:200])
        self.assertEqual(proc.returncode, 0, output)
        self.assertNotIn("pi-keyring.service:", output)


if __name__ == "__main__":
    unittest.main(verbosity=2)
