#!/usr/bin/python3
# Tests of the daemon's org.freedesktop.DBus.ObjectManager: one
# dev.pi.Keyring1.Credential object per stored credential (data/dev.pi.Keyring1.xml),
# with the built `pi-keyring daemon` on the private bus and keyring of
# tests/with-test-keyring.sh and tests/mock-provider.py as the OAuth provider.
# Changes come from other processes (`pi-keyring set`, `import`, `remove`);
# clients are plain Gio.DBusProxy / Gio.DBusObjectManagerClient, in this
# process and in programs started afterwards.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import importlib.util
import json
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def load_module(name, filename):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


daemon_tests = load_module("test_daemon", "test-daemon.py")
cli = daemon_tests.cli

from gi.repository import Gio, GLib  # noqa: E402

NAME = daemon_tests.NAME
MANAGER = daemon_tests.PATH
CREDENTIAL = "dev.pi.Keyring1.Credential"
OBJECT_MANAGER = "org.freedesktop.DBus.ObjectManager"
PROPERTIES = "org.freedesktop.DBus.Properties"
now_ms = daemon_tests.now_ms
pump = daemon_tests.pump

# How long a change in another process may take to show on the bus.
CHANGE_TIMEOUT = 2.5


def escape(name):
    return "".join(c if c.isascii() and c.isalnum() else "_%02x" % ord(c) for c in name)


def object_path(profile, provider):
    return "%s/Credentials/%s/%s" % (MANAGER, escape(profile), escape(provider))


def call_object(path, method, reply, timeout=60000):
    result = daemon_tests.bus().call_sync(NAME, path, CREDENTIAL, method, None,
                                          GLib.VariantType(reply),
                                          Gio.DBusCallFlags.NO_AUTO_START, timeout, None)
    return result.unpack()


def managed_objects():
    return daemon_tests.bus().call_sync(NAME, MANAGER, OBJECT_MANAGER, "GetManagedObjects",
                                        None, GLib.VariantType("(a{oa{sa{sv}}})"),
                                        Gio.DBusCallFlags.NO_AUTO_START, 5000, None).unpack()[0]


# A program of its own, started after the fact: what it sees through a
# plain Gio.DBusObjectManagerClient, as JSON on stdout.
LATECOMER = r"""
import json, sys
from gi.repository import Gio
manager = Gio.DBusObjectManagerClient.new_for_bus_sync(
    Gio.BusType.SESSION, Gio.DBusObjectManagerClientFlags.DO_NOT_AUTO_START,
    "dev.pi.Keyring1", "/dev/pi/Keyring1", None, None, None)
found = {}
for obj in manager.get_objects():
    proxy = obj.get_interface("dev.pi.Keyring1.Credential")
    if proxy is None:
        continue
    found[obj.get_object_path()] = {
        name: proxy.get_cached_property(name).unpack()
        for name in proxy.get_cached_property_names()}
json.dump(found, sys.stdout)
"""


class BusEvents:
    """The ObjectManager's and the objects' signals, and dev.pi.Keyring1's."""

    def __init__(self):
        self.received = []
        self.bus = daemon_tests.bus()
        self.ids = [
            self.bus.signal_subscribe(NAME, OBJECT_MANAGER, None, MANAGER, None,
                                      Gio.DBusSignalFlags.NONE, self._on_signal),
            self.bus.signal_subscribe(NAME, PROPERTIES, "PropertiesChanged", None, None,
                                      Gio.DBusSignalFlags.NONE, self._on_signal),
            self.bus.signal_subscribe(NAME, daemon_tests.IFACE, None, MANAGER, None,
                                      Gio.DBusSignalFlags.NONE, self._on_signal),
        ]
        self.bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
                           "org.freedesktop.DBus", "GetId", None, None,
                           Gio.DBusCallFlags.NONE, 2000, None)

    def _on_signal(self, connection, sender, path, iface, name, parameters):
        self.received.append((path, name, parameters.unpack()))

    def wait_for(self, name, predicate=lambda path, args: True, timeout=CHANGE_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            pump()
            for path, signal_name, args in self.received:
                if signal_name == name and predicate(path, args):
                    return path, args
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.02)

    def clear(self):
        self.received = []

    def close(self):
        for id in self.ids:
            self.bus.signal_unsubscribe(id)


def changed(path_wanted, **properties):
    """A predicate: PropertiesChanged of the Credential interface at
    @path_wanted with these values."""
    def predicate(path, args):
        iface, values, _ = args
        return (path == path_wanted and iface == CREDENTIAL and
                all(values.get(k) == v for k, v in properties.items()))
    return predicate


class ObjectsTestCase(daemon_tests.DaemonTestCase):
    def events(self):
        events = BusEvents()
        self.addCleanup(events.close)
        return events

    def latecomer(self):
        proc = subprocess.run([sys.executable, "-c", LATECOMER], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=self.env, timeout=30)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return json.loads(proc.stdout)


class ChangesTest(ObjectsTestCase):
    def test_another_process_set_import_remove(self):
        self.start_daemon()
        events = self.events()
        path = object_path("default", "anthropic")

        start = time.monotonic()
        self.set_key("anthropic", "sk-ant-api03-objects-first-key")
        added = events.wait_for("InterfacesAdded", lambda p, args: args[0] == path)
        self.assertIsNotNone(added, events.received)
        self.assertLess(time.monotonic() - start, CHANGE_TIMEOUT + 1)
        properties = added[1][1][CREDENTIAL]
        self.assertEqual(properties["Provider"], "anthropic")
        self.assertEqual(properties["Profile"], "default")
        self.assertEqual(properties["Kind"], "api_key")
        self.assertEqual(properties["Expires"], 0)
        self.assertFalse(properties["AttentionNeeded"])
        self.assertEqual(properties["AttentionReason"], "")
        self.assertIsNotNone(events.wait_for("CredentialChanged",
                                             lambda p, a: a == ("anthropic", "default")))
        # No secret in what the objects say.
        self.assertNotIn("sk-ant-api03-objects-first-key", repr(managed_objects()))

        # The import turns it into an OAuth credential: its properties change.
        events.clear()
        expires = now_ms() + 3600 * 1000
        self.import_oauth(expires)
        self.assertIsNotNone(events.wait_for("PropertiesChanged",
                                             changed(path, Kind="oauth", Expires=expires)),
                             events.received)
        self.assertIsNotNone(events.wait_for("CredentialChanged",
                                             lambda p, a: a == ("anthropic", "default")))

        events.clear()
        self.assertExit(self.run_cli("remove", "anthropic"), 0)
        removed = events.wait_for("InterfacesRemoved", lambda p, args: args[0] == path)
        self.assertIsNotNone(removed, events.received)
        self.assertEqual(removed[1][1], [CREDENTIAL])
        self.assertIsNotNone(events.wait_for("CredentialChanged",
                                             lambda p, a: a == ("anthropic", "default")))
        self.assertNotIn(path, managed_objects())

    def test_a_profile_the_daemon_had_not_seen(self):
        # Nothing in "side" when the daemon starts: its first credential and
        # its removal still show, with CredentialChanged.
        self.start_daemon()
        events = self.events()
        path = object_path("side", "openai")

        self.set_key("openai", "sk-objects-side-profile-key", "--profile=side")
        self.assertIsNotNone(events.wait_for("InterfacesAdded", lambda p, a: a[0] == path),
                             events.received)
        self.assertIsNotNone(events.wait_for("CredentialChanged",
                                             lambda p, a: a == ("openai", "side")),
                             events.received)
        events.clear()
        self.assertExit(self.run_cli("--profile=side", "remove", "openai"), 0)
        self.assertIsNotNone(events.wait_for("InterfacesRemoved", lambda p, a: a[0] == path),
                             events.received)
        self.assertIsNotNone(events.wait_for("CredentialChanged",
                                             lambda p, a: a == ("openai", "side")),
                             events.received)

    def test_objects_of_credentials_stored_before_the_start(self):
        self.set_key("openai", "sk-objects-before-start", "--profile=early")
        self.start_daemon()
        deadline = time.monotonic() + CHANGE_TIMEOUT
        while object_path("early", "openai") not in managed_objects():
            self.assertLess(time.monotonic(), deadline, managed_objects())
            time.sleep(0.05)

    def test_odd_valid_names_give_valid_distinct_paths(self):
        profiles = ["a.b", "a-b", "a+b", "a@b", "A", "a", "x" * 128, "0._@+-"]
        for profile in profiles:
            self.set_key("openai", "sk-objects-odd-%d" % len(profile), "--profile=" + profile)
        self.start_daemon()
        deadline = time.monotonic() + CHANGE_TIMEOUT
        while True:
            objects = managed_objects()
            if len(objects) == len(profiles) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(len(objects), len(profiles), objects)
        by_profile = {}
        for path, interfaces in objects.items():
            self.assertTrue(GLib.Variant.is_object_path(path), path)
            self.assertTrue(path.startswith(MANAGER + "/Credentials/"), path)
            by_profile[interfaces[CREDENTIAL]["Profile"]] = path
        self.assertEqual(sorted(by_profile), sorted(profiles))
        self.assertEqual(len(set(by_profile.values())), len(profiles))
        for profile, path in by_profile.items():
            self.assertEqual(path, object_path(profile, "openai"))


class AttentionTest(ObjectsTestCase):
    def test_a_refresh_failing_for_good_needs_a_login(self):
        entry = self.import_oauth(now_ms() + 3600 * 1000)
        self.start_daemon()
        path = object_path("default", "anthropic")
        deadline = time.monotonic() + CHANGE_TIMEOUT
        while path not in managed_objects():
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        events = self.events()

        self.inject_token_error(400, {"error": "invalid_grant",
                                      "error_description": "Refresh token revoked"})
        with self.assertRaises(GLib.Error) as caught:
            call_object(path, "Refresh", "()")
        self.assertEqual(daemon_tests.remote_error(caught.exception),
                         "dev.pi.Keyring1.Error.ReauthenticationRequired")
        reason = "dev.pi.Keyring1.Error.ReauthenticationRequired"
        self.assertIsNotNone(events.wait_for("PropertiesChanged",
                                             changed(path, AttentionNeeded=True,
                                                     AttentionReason=reason)),
                             events.received)
        failed = events.wait_for("RefreshFailed")
        self.assertIsNotNone(failed)
        self.assertEqual(failed[1][3], reason)

        # A program that connects afterwards sees it, with a message and no secret.
        seen = self.latecomer()[path]
        self.assertTrue(seen["AttentionNeeded"])
        self.assertEqual(seen["AttentionReason"], reason)
        self.assertEqual(seen["RetryAt"], 0)
        self.assertNotEqual(seen["AttentionMessage"], "")
        self.assertNotIn(entry["refresh"], json.dumps(seen))
        self.assertNotIn(entry["access"], json.dumps(seen))

        # The same facts on the command line.
        listed = {e["provider"]: e for e in self.run_cli("--json", "list").json()}
        self.assertTrue(listed["anthropic"]["attention_needed"])
        self.assertEqual(listed["anthropic"]["attention"], reason)
        self.assertFalse(listed["anthropic"]["expired"])
        self.assertIsNone(listed["anthropic"]["retry_at"])
        self.assertIn("log in again", self.run_cli("list").out.decode())
        result = self.run_cli("--json", "status", "anthropic")
        self.assertExit(result, 0)
        row = result.json()[0]
        self.assertTrue(row["attention_needed"])
        self.assertEqual(row["attention"], reason)
        self.assertFalse(row["expired"])
        self.assertIn("needs attention: log in again", self.run_cli("status", "anthropic").out.decode())

        # A new login (here: an import) clears it.
        events.clear()
        self.import_oauth(now_ms() + 7200 * 1000)
        self.assertIsNotNone(events.wait_for("PropertiesChanged",
                                             changed(path, AttentionNeeded=False,
                                                     AttentionReason="")),
                             events.received)
        listed = {e["provider"]: e for e in self.run_cli("--json", "list").json()}
        self.assertIs(listed["anthropic"]["attention_needed"], False)
        self.assertIsNone(listed["anthropic"]["attention"])
        row = self.run_cli("--json", "status", "anthropic").json()[0]
        self.assertIs(row["attention_needed"], False)
        self.assertNotIn("needs attention", self.run_cli("status", "anthropic").out.decode())

    def test_a_temporary_failure_says_when_it_is_tried_again(self):
        self.import_oauth(now_ms() - 1000)
        # Also the daemon's first refresh, at its start, fails.
        self.inject_token_error(503, {"error": "unavailable"}, count=10)
        before = now_ms()
        events = self.events()
        self.start_daemon()
        path = object_path("default", "anthropic")
        deadline = time.monotonic() + CHANGE_TIMEOUT
        while path not in managed_objects():
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        with self.assertRaises(GLib.Error) as caught:
            call_object(path, "EnsureCredentials", "(x)")
        reason = daemon_tests.remote_error(caught.exception)
        self.assertEqual(reason, "dev.pi.Keyring1.Error.Temporary")
        found = events.wait_for("PropertiesChanged",
                                changed(path, AttentionNeeded=True, AttentionReason=reason))
        self.assertIsNotNone(found, events.received)
        retry_at = self.latecomer()[path]["RetryAt"]
        self.assertGreaterEqual(retry_at, before + 30 * 1000)
        self.assertLessEqual(retry_at, now_ms() + 15 * 60 * 1000)

    def test_a_locked_keyring(self):
        self.set_key("openai", "sk-objects-locked-keyring")
        self.start_daemon()
        path = object_path("default", "openai")
        deadline = time.monotonic() + CHANGE_TIMEOUT
        while path not in managed_objects():
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        events = self.events()
        cli.keyring_lock()
        self.addCleanup(cli.keyring_unlock)
        self.assertIsNotNone(events.wait_for("PropertiesChanged",
                                             changed(path, AttentionNeeded=True,
                                                     AttentionReason="dev.pi.Keyring1.Error.Locked")),
                             events.received)
        events.clear()
        cli.keyring_unlock()
        self.assertIsNotNone(events.wait_for("PropertiesChanged",
                                             changed(path, AttentionNeeded=False,
                                                     AttentionReason="")),
                             events.received)


class CommandWithoutDaemonTest(ObjectsTestCase):
    def test_what_can_be_known_alone(self):
        self.import_oauth(now_ms() - 1000)
        self.set_key("openai", "sk-objects-no-daemon-key")
        listed = {e["provider"]: e for e in self.run_cli("--json", "list").json()}
        self.assertTrue(listed["anthropic"]["expired"])
        self.assertFalse(listed["openai"]["expired"])
        for entry in listed.values():
            # Nothing more is known without a daemon.
            self.assertIs(entry["attention_needed"], False)
            self.assertIsNone(entry["attention"])
            self.assertIsNone(entry["retry_at"])
        rows = {r["provider"]: r for r in self.run_cli("--json", "status").json()}
        self.assertTrue(rows["anthropic"]["expired"])
        self.assertIs(rows["anthropic"]["attention_needed"], False)
        self.assertFalse(rows["openai"]["expired"])

    def test_a_locked_keyring_is_known_alone(self):
        self.set_key("openai", "sk-objects-no-daemon-locked")
        cli.keyring_lock()
        self.addCleanup(cli.keyring_unlock)
        result = self.run_cli("--json", "status", "openai")
        self.assertExit(result, 5)
        row = result.json()[0]
        self.assertTrue(row["attention_needed"])
        self.assertEqual(row["attention"], "dev.pi.Keyring1.Error.Locked")


class MethodsTest(ObjectsTestCase):
    def test_get_access_token_refreshes_first_and_gives_the_expiry(self):
        old = self.import_oauth(now_ms() - 1000)
        self.start_daemon()
        path = object_path("default", "anthropic")
        deadline = time.monotonic() + CHANGE_TIMEOUT
        while path not in managed_objects():
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        token, expires = call_object(path, "GetAccessToken", "(sx)")
        stored = self.stored("anthropic")
        self.remember_secrets(token)
        self.assertNotEqual(token, old["access"])
        self.assertEqual(token, stored["access"])
        self.assertEqual(expires, stored["expires"])
        self.assertGreater(expires, now_ms())
        self.assertEqual(len(self.refresh_requests()), 1)
        # Fresh now: EnsureCredentials leaves it alone.
        self.assertEqual(call_object(path, "EnsureCredentials", "(x)"), (expires,))
        self.assertEqual(len(self.refresh_requests()), 1)

    def test_an_api_key_has_no_expiry(self):
        self.set_key("openai", "sk-objects-api-key-value")
        self.start_daemon()
        path = object_path("default", "openai")
        deadline = time.monotonic() + CHANGE_TIMEOUT
        while path not in managed_objects():
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        self.assertEqual(call_object(path, "GetAccessToken", "(sx)"),
                         ("sk-objects-api-key-value", 0))
        self.assertEqual(call_object(path, "EnsureCredentials", "(x)"), (0,))
        with self.assertRaises(GLib.Error) as caught:
            call_object(path, "Refresh", "()")
        self.assertEqual(daemon_tests.remote_error(caught.exception),
                         "dev.pi.Keyring1.Error.NotFound")

    def test_plain_gio_clients(self):
        self.set_key("openai", "sk-objects-gio-client-key")
        self.start_daemon()
        manager = Gio.DBusObjectManagerClient.new_for_bus_sync(
            Gio.BusType.SESSION, Gio.DBusObjectManagerClientFlags.DO_NOT_AUTO_START,
            NAME, MANAGER, None, None, None)
        path = object_path("default", "openai")
        deadline = time.monotonic() + CHANGE_TIMEOUT
        while manager.get_object(path) is None:
            self.assertLess(time.monotonic(), deadline)
            pump(0.05)
        proxy = manager.get_interface(path, CREDENTIAL)
        self.assertEqual(proxy.get_cached_property("Provider").unpack(), "openai")
        self.assertEqual(proxy.get_cached_property("Kind").unpack(), "api_key")
        self.assertFalse(proxy.get_cached_property("AttentionNeeded").unpack())
        self.assertEqual(proxy.call_sync("GetAccessToken", None, Gio.DBusCallFlags.NONE,
                                         10000, None).unpack(),
                         ("sk-objects-gio-client-key", 0))

        # A Gio.DBusProxy of its own, and the object's removal seen by the manager.
        plain = Gio.DBusProxy.new_for_bus_sync(Gio.BusType.SESSION, Gio.DBusProxyFlags.NONE,
                                               None, NAME, path, CREDENTIAL, None)
        self.assertEqual(plain.get_cached_property("Profile").unpack(), "default")
        removed = []
        manager.connect("object-removed", lambda m, obj: removed.append(obj.get_object_path()))
        self.assertExit(self.run_cli("remove", "openai"), 0)
        deadline = time.monotonic() + CHANGE_TIMEOUT
        while path not in removed:
            self.assertLess(time.monotonic(), deadline, removed)
            pump(0.05)
        self.assertIsNone(manager.get_object(path))


if __name__ == "__main__":
    unittest.main(verbosity=2)
