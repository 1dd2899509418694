#!/usr/bin/python3
# The same cases against each Secret Service users run (issue 23): the
# private gnome-keyring of tests/with-test-keyring.sh, KeePassXC (its
# default ConfirmAccessItem=true, and false) of tests/with-keepassxc.sh and
# KWallet of tests/with-kwallet.sh, each on a private session bus.
#
#   test-secret-services.py SERVICE    gnome-keyring | keepassxc |
#                                      keepassxc-confirm | kwallet
#
# The script runs itself again inside SERVICE's wrapper (a bus of its own,
# even under meson's with-test-keyring.sh), so it can be run directly with
# PI_KEYRING_CLI set. A service that is not installed is a skip (exit 77),
# unless PI_KEYRING_SECRET_SERVICES_REQUIRED=1 (CI).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import collections
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"
SERVICES = {
    # name: (wrapper, its environment, the program that must be installed)
    "gnome-keyring": ("with-test-keyring.sh", {}, "gnome-keyring-daemon"),
    "keepassxc": ("with-keepassxc.sh", {"KPXC_CONFIRM_ACCESS": "false"}, "keepassxc"),
    "keepassxc-confirm": ("with-keepassxc.sh", {"KPXC_CONFIRM_ACCESS": "true"}, "keepassxc"),
    "kwallet": ("with-kwallet.sh", {}, "kwalletd5"),
}
SERVICE = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PI_KEYRING_SECRET_SERVICE", "")
INSIDE = "PI_KEYRING_SECRET_SERVICE_INSIDE"


def reexec_inside_wrapper():
    if SERVICE not in SERVICES:
        sys.exit("usage: test-secret-services.py {%s}" % "|".join(SERVICES))
    wrapper, extra, program = SERVICES[SERVICE]
    if shutil.which(program) is None:
        message = "%s is not installed: the %s cases are skipped" % (program, SERVICE)
        if os.environ.get("PI_KEYRING_SECRET_SERVICES_REQUIRED") == "1":
            sys.exit(message)
        print(message, file=sys.stderr)
        sys.exit(77)
    env = dict(os.environ, **extra)
    env[INSIDE] = SERVICE
    env.pop("LD_PRELOAD", None)
    os.execve("/bin/sh", ["/bin/sh", os.path.join(HERE, wrapper), PYTHON,
                          os.path.abspath(__file__), SERVICE] + sys.argv[2:], env)


if os.environ.get(INSIDE) != SERVICE:
    reexec_inside_wrapper()
del sys.argv[1:2]  # the rest is unittest's


def load_module(name, filename):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cli = load_module("test_cli", "test-cli.py")
cli_login = load_module("test_cli_login", "test-cli-login.py")

from gi.repository import Gio, GLib  # noqa: E402

SS = "org.freedesktop.secrets"
SERVICE_PATH = "/org/freedesktop/secrets"
CONFIRM = SERVICE == "keepassxc-confirm"
KEEPASSXC = SERVICE.startswith("keepassxc")
TOKEN_PATH = cli_login.ANTHROPIC_TOKEN_PATH
# Every command's time limit here; a stopped service must be reported
# within it (and a little more to start the process).
TIMEOUT_S = 2
TIMINGS = []


def bus():
    return Gio.bus_get_sync(Gio.BusType.SESSION, None)


def call(path, iface, method, args=None, reply=None, name=SS, timeout=10000):
    result = bus().call_sync(name, path, iface, method, args,
                             GLib.VariantType(reply) if reply else None,
                             Gio.DBusCallFlags.NO_AUTO_START, timeout, None)
    return result.unpack() if result is not None else None


def default_collection():
    (path,) = call(SERVICE_PATH, "org.freedesktop.Secret.Service", "ReadAlias",
                   GLib.Variant("(s)", ("default",)), "(o)")
    return path


def get_property(path, iface, name):
    return call(path, "org.freedesktop.DBus.Properties", "Get",
                GLib.Variant("(ss)", (iface, name)), "(v)")[0]


def prompt(path, timeout=10):
    """Performs a prompt the service answers without a person (Lock)."""
    if path == "/":
        return
    loop = GLib.MainLoop()
    done = {}

    def on_completed(conn, sender, obj, iface, signal_name, params):
        done["result"] = params.unpack()
        loop.quit()

    connection = bus()
    sub = connection.signal_subscribe(SS, "org.freedesktop.Secret.Prompt", "Completed", path,
                                      None, Gio.DBusSignalFlags.NONE, on_completed)
    call(path, "org.freedesktop.Secret.Prompt", "Prompt", GLib.Variant("(s)", ("",)))
    GLib.timeout_add(timeout * 1000, loop.quit)
    loop.run()
    connection.signal_unsubscribe(sub)
    if "result" not in done:
        raise AssertionError("the prompt %s did not complete" % path)


def our_items():
    """(path, label) of pi-keyring's items in the default collection."""
    collection = default_collection()
    unlocked, locked = call(SERVICE_PATH, "org.freedesktop.Secret.Service", "SearchItems",
                            GLib.Variant("(a{ss})", ({"xdg:schema": "dev.pi.Keyring.Credential"},)),
                            "(aoao)")
    return [(p, get_property(p, "org.freedesktop.Secret.Item", "Label"))
            for p in unlocked + locked if p.startswith(collection + "/")]


def clear():
    for path, _ in our_items():
        (p,) = call(path, "org.freedesktop.Secret.Item", "Delete", None, "(o)")
        prompt(p)


def service_pid():
    return call("/org/freedesktop/DBus", "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                GLib.Variant("(s)", (SS,)), "(u)", name="org.freedesktop.DBus")[0]


def lock():
    collection = default_collection()
    if SERVICE == "kwallet":
        subprocess.run([PYTHON, os.environ["KW_HELPER"], "lock"], check=True, timeout=30)
    else:
        _, p = call(SERVICE_PATH, "org.freedesktop.Secret.Service", "Lock",
                    GLib.Variant("(ao)", ([collection],)), "(aoo)")
        prompt(p)
    deadline = time.monotonic() + 10
    while not get_property(collection, "org.freedesktop.Secret.Collection", "Locked"):
        if time.monotonic() > deadline:
            raise AssertionError("the collection did not lock")
        time.sleep(0.1)


def unlock():
    if KEEPASSXC:
        call("/keepassxc", "org.keepassxc.KeePassXC.MainWindow", "openDatabase",
             GLib.Variant("(ss)", (os.environ["KPXC_DB"], os.environ.get("KPXC_PASSWORD",
                                                                          "test-password"))),
             name="org.keepassxc.KeePassXC.MainWindow")
    elif SERVICE == "kwallet":
        subprocess.run([PYTHON, os.environ["KW_HELPER"], "unlock"], check=True, timeout=30)
    else:
        cli.LOGIN = default_collection()
        cli.keyring_unlock()
    deadline = time.monotonic() + 10
    while True:
        try:
            if not get_property(default_collection(), "org.freedesktop.Secret.Collection",
                                "Locked"):
                return
        except GLib.Error:
            pass
        if time.monotonic() > deadline:
            raise AssertionError("the collection did not unlock")
        time.sleep(0.1)


class ServiceTestCase(cli.CliTestCase):
    needs_keyring = False

    @classmethod
    def setUpClass(cls):
        cls.mock = cli_login.Mock()

    @classmethod
    def tearDownClass(cls):
        cls.mock.stop()

    def setUp(self):
        super().setUp()
        self.env.update({"PI_KEYRING_BACKEND": "secret-service",
                         "PI_KEYRING_TIMEOUT": str(TIMEOUT_S),
                         "PI_KEYRING_URL_REWRITE": self.mock.rewrite})
        self.env.pop("LD_PRELOAD", None)
        self.mock.admin("POST", "reset", {})
        clear()
        self.started = time.monotonic()

    def tearDown(self):
        TIMINGS.append((self.id().rsplit(".", 1)[-1], time.monotonic() - self.started))

    def run_cli(self, *args, **kwargs):
        result = super().run_cli(*args, **kwargs)
        self.assertNotIn("empty body", result.err, repr(result))
        self.assertNotIn("GDBus.Error", result.err, repr(result))
        return result

    def assertLockedItem(self, result):
        self.assertExit(result, 5)
        self.assertIn("pi-keyring unlock", result.err)

    def import_expired_oauth(self):
        seed = self.mock.admin("POST", "seed-refresh", {"provider": "anthropic"})
        entry = collections.OrderedDict([
            ("type", "oauth"), ("refresh", seed["refresh_token"]),
            ("access", "sk-ant-oat01-services-expired-access"), ("expires", 1000)])
        self.extra_secrets = getattr(self, "extra_secrets", set()) | {entry["refresh"],
                                                                      entry["access"]}
        source = self.write_auth_file(cli.pi_format({"anthropic": entry}),
                                      path=os.path.join(self.tmp, "import.json"))
        self.assertExit(self.run_cli("import", source), 0)
        return entry

    def refresh_requests(self):
        return [r for r in self.mock.requests(TOKEN_PATH)
                if json.loads(r["body"]).get("grant_type") == "refresh_token"]


class StoreTest(ServiceTestCase):
    def test_01_set_replace_get(self):
        self.set_key("openai", "sk-services-first-1a2b")
        start = time.monotonic()
        self.set_key("openai", "sk-services-second-3c4d")
        # KeePassXC asked in a dialog before replacing an item: 5 s, then a failure.
        self.assertLess(time.monotonic() - start, 1.0)
        self.assertEqual(len(our_items()), 1)
        result = self.run_cli("get", "openai", secrets_on_stdout=True)
        if CONFIRM:
            self.assertLockedItem(result)
            return
        self.assertExit(result, 0)
        self.assertEqual(result.out, b"sk-services-second-3c4d")

    def test_02_profiles_and_list(self):
        self.set_key("openai", "sk-services-default-5e6f")
        self.set_key("openai", "sk-services-work-7a8b", "--profile=work")
        self.set_key("anthropic", "sk-ant-services-key-9c0d")
        # No "/" in a label: KWallet makes a folder of it.
        labels = sorted(label for _, label in our_items())
        self.assertEqual(len(labels), 3)
        self.assertFalse([l for l in labels if "/" in l], labels)
        result = self.run_cli("--profile=work", "get", "openai", secrets_on_stdout=True)
        listed = self.run_cli("list")
        if CONFIRM:
            self.assertLockedItem(result)
            self.assertLockedItem(listed)
            return
        self.assertExit(result, 0)
        self.assertEqual(result.out, b"sk-services-work-7a8b")
        result = self.run_cli("get", "openai", secrets_on_stdout=True)
        self.assertEqual(result.out, b"sk-services-default-5e6f")
        self.assertExit(listed, 0)
        self.assertIn("anthropic", listed.text)
        self.assertIn("openai", listed.text)
        result = self.run_cli("--profile=work", "list")
        self.assertIn("openai", result.text)
        self.assertNotIn("anthropic", result.text)

    def test_03_import_export_byte_identical(self):
        with open(cli.PI_AUTH, "rb") as f:
            original = f.read()
        self.write_auth_file(original)
        self.assertExit(self.run_cli("import"), 0)
        result = self.run_cli("export", secrets_on_stdout=True)
        if CONFIRM:
            self.assertLockedItem(result)
            return
        self.assertExit(result, 0)
        self.assertEqual(result.out, original)

    def test_04_expired_oauth_is_refreshed_once_and_kept(self):
        entry = self.import_expired_oauth()
        result = self.run_cli("get", "anthropic", secrets_on_stdout=True)
        if CONFIRM:
            self.assertLockedItem(result)
            self.assertEqual(self.refresh_requests(), [])
            return
        self.assertExit(result, 0)
        token = result.out
        self.assertNotEqual(token, entry["access"].encode())
        self.assertNotIn("could not be saved", result.err)
        again = self.run_cli("get", "anthropic", secrets_on_stdout=True)
        self.assertExit(again, 0)
        self.assertTrue(again.out == token, "the refreshed token was not kept")
        self.assertEqual(len(self.refresh_requests()), 1)
        self.assertEqual(len(our_items()), 1)

    def test_05_daemon(self):
        self.set_key("openai", "sk-services-daemon-1f2e")
        daemon = subprocess.Popen([cli.CLI, "daemon"], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  env=self.env)
        try:
            subprocess.run(["gdbus", "wait", "--session", "--timeout", "10", "dev.pi.Keyring1"],
                           check=True, timeout=20)
            try:
                (key,) = call("/dev/pi/Keyring1", "dev.pi.Keyring1", "GetApiKey",
                              GLib.Variant("(ss)", ("openai", "")), "(s)",
                              name="dev.pi.Keyring1")
            except GLib.Error as e:
                if not CONFIRM:
                    raise
                self.assertIn("pi-keyring unlock", str(e))
                self.assertNotIn("empty body", str(e))
            else:
                self.assertFalse(CONFIRM, "a locked item's key was given out")
                self.assertTrue(key == "sk-services-daemon-1f2e", "the daemon gave another key")
        finally:
            daemon.terminate()
            _, err = daemon.communicate(timeout=20)
        self.assertNotIn(b"sk-services-daemon-1f2e", err)
        self.assertNotIn(b"CRITICAL", err)


    def test_06_concurrent_replaces_leave_one_item(self):
        self.set_key("openai", "sk-services-concurrent-0")
        keys = ["sk-services-concurrent-%d" % i for i in range(1, 6)]
        self.extra_secrets |= set(keys)
        procs = [subprocess.Popen([cli.CLI, "set", "openai"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env)
                 for _ in keys]
        for key, proc in zip(keys, procs):
            proc.stdin.write(key.encode() + b"\n")
            proc.stdin.close()
            proc.stdin = None
        for proc in procs:
            _, err = proc.communicate(timeout=30)
            self.assertEqual(proc.returncode, 0, err)
            self.assertNotIn(b"CRITICAL", err)
        # Each writer deleted the items it found: no duplicate is left.
        self.assertEqual(len(our_items()), 1)
        result = self.run_cli("get", "openai", secrets_on_stdout=True)
        if not CONFIRM:
            self.assertExit(result, 0)
            self.assertIn(result.out.decode(), keys)


@unittest.skipUnless(CONFIRM, "KeePassXC with ConfirmAccessItem=true only")
class ZZLockedItemsTest(ServiceTestCase):
    """The very last: KeePassXC keeps its access dialog open after the
    prompt was dismissed, and then refuses to lock the database."""

    def test_unlock_asks_the_service_to_unlock_the_items(self):
        self.set_key("openai", "sk-services-confirm-4b5c")
        items = [p for p, _ in our_items()]
        result = self.run_cli("get", "openai")
        self.assertLockedItem(result)
        self.assertIn("openai", result.err)
        result = self.run_cli("status")
        self.assertExit(result, 5)
        self.assertIn("pi-keyring unlock", result.err)
        # The list names the locked item's provider, as its own read does:
        # status says it once.
        said = result.err + result.text
        self.assertEqual(said.count("is locked"), 1, said)
        self.assertIn("openai", [l for l in said.splitlines() if "is locked" in l][0], said)

        monitor = subprocess.Popen(
            ["dbus-monitor", "--session",
             "type='method_call',interface='org.freedesktop.Secret.Service',member='Unlock'",
             "type='method_call',interface='org.freedesktop.Secret.Prompt'"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            time.sleep(0.3)
            # KeePassXC shows its access dialog (offscreen: nobody can answer
            # it); Ctrl-C makes pi-keyring dismiss the prompt.
            proc = subprocess.Popen([cli.CLI, "unlock"], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    env=self.env)
            time.sleep(1.5)
            self.assertIsNone(proc.poll(), "unlock did not wait for the prompt")
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=10)
            time.sleep(0.3)
        finally:
            monitor.terminate()
            text = monitor.communicate(timeout=10)[0]
        err = err.decode("utf-8", "replace")
        self.assertNotEqual(proc.returncode, 0, err)
        self.assertIn("cancelled", err)
        self.assertNotIn("empty body", err)
        unlock_call = text[text.index("member=Unlock"):]
        for item in items:
            self.assertIn('object path "%s"' % item, unlock_call.split("method call")[0])
        self.assertIn("member=Prompt", unlock_call)
        self.assertIn("member=Dismiss", unlock_call)
        # Still locked: the next get says so again, at once.
        self.assertLockedItem(self.run_cli("get", "openai"))

    def test_interactive_get_asks_the_service_too(self):
        self.set_key("openai", "sk-services-interactive-6e7f")
        items = [p for p, _ in our_items()]
        monitor = subprocess.Popen(
            ["dbus-monitor", "--session",
             "type='method_call',interface='org.freedesktop.Secret.Service',member='Unlock'",
             "type='method_call',interface='org.freedesktop.Secret.Prompt'"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            time.sleep(0.3)
            proc = subprocess.Popen([cli.CLI, "--interactive", "get", "openai"],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, env=self.env)
            time.sleep(1.5)
            self.assertIsNone(proc.poll(), "--interactive did not wait for the prompt")
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=10)
            time.sleep(0.3)
        finally:
            monitor.terminate()
            text = monitor.communicate(timeout=10)[0]
        err = err.decode("utf-8", "replace")
        self.assertEqual(proc.returncode, 130, err)
        self.assertEqual(out, b"")
        self.assertIn("Unlocking was cancelled", err)
        unlock_call = text[text.index("member=Unlock"):]
        for item in items:
            self.assertIn('object path "%s"' % item, unlock_call.split("method call")[0])
        self.assertIn("member=Prompt", unlock_call)
        self.assertIn("member=Dismiss", unlock_call)


class ZLockedStoreTest(ServiceTestCase):
    """Last: the store is locked, then unlocked again."""

    def test_locked_store_answers_locked_at_once(self):
        self.set_key("openai", "sk-services-locked-6d7e")
        lock()
        try:
            for args in (["get", "openai"], ["remove", "openai"], ["list"], ["status"],
                         ["export"]):
                result = self.run_cli(*args)
                self.assertExit(result, 5)
                # status says it on stdout, beside the rest
                self.assertIn("locked", result.err + result.text, repr(result))
                self.assertLess(result.elapsed, 2.0, repr(result))
        finally:
            unlock()
        self.assertEqual(len(our_items()), 1)

    def test_stopped_service_is_reported_within_the_time_limit(self):
        self.set_key("openai", "sk-services-stopped-8f9a")
        pid = service_pid()
        os.kill(pid, signal.SIGSTOP)
        try:
            # All at once: each waits for its own time limit.
            key_file = os.path.join(self.tmp, "key")
            with open(key_file, "wb") as f:
                f.write(b"sk-services-stopped-0b1c\n")
            start = time.monotonic()
            procs = []
            for args in (["get", "openai"], ["list"], ["status"], ["set", "openai"],
                         ["remove", "openai"]):
                with open(key_file, "rb") as key:
                    procs.append((args, subprocess.Popen([cli.CLI] + args, stdin=key,
                                                         stdout=subprocess.PIPE,
                                                         stderr=subprocess.PIPE, env=self.env)))
            for args, proc in procs:
                out, err = proc.communicate(timeout=30)
                result = cli.Result(args, proc.returncode, out, err.decode("utf-8", "replace"),
                                    time.monotonic() - start)
                self.assertExit(result, 5)
                self.assertIn("did not answer", result.err + result.text, repr(result))
                self.assertNotIn("empty body", result.err, repr(result))
                self.assertLess(result.elapsed, TIMEOUT_S + 1.5, repr(result))
            # The daemon's start-up: it owns its name within the bound, and
            # its answers say the service did not answer.
            env = dict(self.env, G_MESSAGES_DEBUG="")
            daemon = subprocess.Popen([cli.CLI, "daemon"], stdin=subprocess.DEVNULL,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
            try:
                start = time.monotonic()
                subprocess.run(["gdbus", "wait", "--session", "--timeout", "10",
                                "dev.pi.Keyring1"], check=True, timeout=20)
                self.assertLess(time.monotonic() - start, TIMEOUT_S + 1.5)
                start = time.monotonic()
                with self.assertRaises(GLib.Error) as caught:
                    call("/dev/pi/Keyring1", "dev.pi.Keyring1", "GetApiKey",
                         GLib.Variant("(ss)", ("openai", "")), "(s)", name="dev.pi.Keyring1")
                self.assertIn("did not answer", str(caught.exception))
                self.assertLess(time.monotonic() - start, TIMEOUT_S + 1.5)
            finally:
                daemon.terminate()
                err = daemon.communicate(timeout=20)[1].decode("utf-8", "replace")
            self.assertNotIn("CRITICAL", err)
        finally:
            os.kill(pid, signal.SIGCONT)


class NoDefaultCollectionTest(ServiceTestCase):
    def test_no_default_collection_is_a_clear_error(self):
        if SERVICE == "gnome-keyring":
            # SetAlias ("default", "/") is accepted, yet gnome-keyring still
            # answers the alias with its login collection.
            self.skipTest("gnome-keyring always has a default collection")
        else:
            # A service of its own, started without a collection.
            env = dict(self.env, PI_KEYRING_SECRET_SERVICE_INSIDE="", KPXC_EXPOSE="0",
                       KW_WALLET="0")
            start = time.monotonic()
            proc = subprocess.run(["/bin/sh", os.path.join(HERE, SERVICES[SERVICE][0]), cli.CLI,
                                   "get", "openai"], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, timeout=60)
            result = cli.Result(["get", "openai"], proc.returncode, proc.stdout,
                                proc.stderr.decode("utf-8", "replace"), time.monotonic() - start)
        self.assertExit(result, 5)
        self.assertIn("There is no default keyring", result.err, repr(result))
        self.assertNotIn("empty body", result.err)


if __name__ == "__main__":
    started = time.monotonic()
    program = unittest.main(verbosity=2, exit=False)
    sys.stderr.write("%s: %.1f s in all\n" % (SERVICE, time.monotonic() - started))
    for name, seconds in TIMINGS:
        sys.stderr.write("  %-60s %.2f s\n" % (name, seconds))
    sys.exit(not program.result.wasSuccessful())
