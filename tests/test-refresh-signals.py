#!/usr/bin/python3
"""The refresh signals and the auto-refresh property, from Python.

A Python program connects to `credential-refreshed` and `refresh-failed`
of a PiKeyring.Store and receives them: for a refresh it asked for, for a
get of an expired token, and for the background refresh of a store with
`auto-refresh` on. The OAuth provider is written in Python (async vfuncs
through Gio.Task). Runs against the typelib and library of the build tree
(GI_TYPELIB_PATH, LD_LIBRARY_PATH), in tests/with-test-keyring.sh.

SPDX-License-Identifier: LGPL-2.1-or-later
"""
import json
import os
import tempfile
import time
import unittest

import gi

gi.require_version("PiKeyring", "1")
gi.require_version("Gio", "2.0")
from gi.repository import GLib, Gio, GObject, PiKeyring  # noqa: E402

PROVIDER = "python-refresh-test"
FAR_FUTURE = 4102444800000


class PythonProvider(GObject.Object, PiKeyring.Provider):
    """Hands out py-access-N; refuses everything when `refuse` is set."""

    def __init__(self):
        super().__init__()
        self.refreshes = 0
        self.refuse = False

    def do_get_id(self):
        return PROVIDER

    def do_get_display_name(self):
        return "Python Refresh Test"

    def do_get_flow(self):
        return "loopback"

    def do_login_async(self, interaction, options, cancellable, callback, user_data):
        task = Gio.Task.new(self, cancellable, lambda source, result, data: callback(source, result), None)
        task.return_error(GLib.Error("no logins here", "pi-keyring-error-quark",
                                     int(PiKeyring.Error.FAILED)))

    def do_login_finish(self, result):
        return result.propagate_value()[1]

    def do_refresh_async(self, credential, cancellable, callback, user_data):
        self.refreshes += 1
        task = Gio.Task.new(self, cancellable, lambda source, result, data: callback(source, result), None)
        if self.refuse:
            task.return_error(GLib.Error("the refresh token was revoked (test)", "pi-keyring-error-quark",
                                         int(PiKeyring.Error.REAUTHENTICATION_REQUIRED)))
            return
        entry = {"type": "oauth", "refresh": "py-refresh-%d" % self.refreshes,
                 "access": "py-access-%d" % self.refreshes,
                 "expires": int(time.time() * 1000) + 3600 * 1000}
        task.return_value(PiKeyring.Credential.new_from_json(PROVIDER, None, json.dumps(entry), -1))

    def do_refresh_finish(self, result):
        return result.propagate_value()[1]


def oauth(expires, refresh="py-refresh-0"):
    entry = {"type": "oauth", "refresh": refresh, "access": "py-access-0", "expires": expires}
    return PiKeyring.Credential.new_from_json(PROVIDER, None, json.dumps(entry), -1)


class SignalsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pi-keyring-signals-")
        self.provider = PythonProvider()
        PiKeyring.register_provider(self.provider)
        self.addCleanup(PiKeyring.unregister_provider, PROVIDER)
        self.backend = PiKeyring.MemoryBackend.new()
        self.store = PiKeyring.Store.new(self.backend)
        self.store.props.auth_file = os.path.join(self.tmp, "auth.json")
        self.loop = GLib.MainLoop()
        self.refreshed = []
        self.failed = []
        self.store.connect("credential-refreshed::" + PROVIDER, self.on_refreshed)
        self.store.connect("refresh-failed::" + PROVIDER, self.on_failed)

    def on_refreshed(self, store, provider, credential):
        self.refreshed.append((provider, credential.get_access(), credential.get_profile()))
        self.loop.quit()

    def on_failed(self, store, provider, error):
        self.failed.append((provider, error.domain, error.code, error.message))
        self.loop.quit()

    def run_loop(self, seconds=10):
        """Runs the loop until a signal arrives or @seconds pass."""
        fired = []

        def on_timeout():
            fired.append(True)
            self.loop.quit()
            return GLib.SOURCE_REMOVE

        timeout = GLib.timeout_add_seconds(seconds, on_timeout)
        self.loop.run()
        if not fired:
            GLib.source_remove(timeout)

    def finish_async(self, start, finish):
        """Runs start(callback) on the loop; returns (value, GLib.Error)."""
        out = {}

        def done(source, result):
            try:
                out["value"] = finish(result)
            except GLib.Error as e:
                out["error"] = e

        start(done)
        deadline = time.monotonic() + 10
        while not out and time.monotonic() < deadline:
            GLib.MainContext.default().iteration(True)
        return out.get("value"), out.get("error")

    def test_refresh_emits_credential_refreshed(self):
        self.backend.store_sync(oauth(FAR_FUTURE), None)
        value, error = self.finish_async(
            lambda cb: self.store.refresh_async(PROVIDER, None, cb),
            self.store.refresh_finish)
        self.assertIsNone(error)
        self.assertEqual(value.get_access(), "py-access-1")
        self.assertEqual(self.refreshed, [(PROVIDER, "py-access-1", "default")])
        self.assertEqual(self.failed, [])

    def test_get_of_an_expired_token_emits_credential_refreshed(self):
        self.backend.store_sync(oauth(1000), None)
        value, error = self.finish_async(
            lambda cb: self.store.get_api_key_async(PROVIDER, None, cb),
            self.store.get_api_key_finish)
        self.assertIsNone(error)
        key, source = value
        self.assertEqual(key, "py-access-1")
        self.assertEqual(source, PiKeyring.Source.KEYRING)
        self.assertEqual(self.refreshed, [(PROVIDER, "py-access-1", "default")])

        # Fresh now: no request, no signal.
        value, error = self.finish_async(
            lambda cb: self.store.get_api_key_async(PROVIDER, None, cb),
            self.store.get_api_key_finish)
        self.assertIsNone(error)
        self.assertEqual(self.provider.refreshes, 1)
        self.assertEqual(len(self.refreshed), 1)

    def test_refresh_failed_carries_the_error(self):
        self.backend.store_sync(oauth(1000), None)
        self.provider.refuse = True
        value, error = self.finish_async(
            lambda cb: self.store.refresh_async(PROVIDER, None, cb),
            self.store.refresh_finish)
        self.assertIsNone(value)
        self.assertTrue(error.matches(PiKeyring.error_quark(),
                                      PiKeyring.Error.REAUTHENTICATION_REQUIRED))
        self.assertEqual(len(self.failed), 1)
        provider, domain, code, message = self.failed[0]
        self.assertEqual(provider, PROVIDER)
        self.assertEqual(domain, "pi-keyring-error-quark")
        self.assertEqual(code, int(PiKeyring.Error.REAUTHENTICATION_REQUIRED))
        self.assertIn("Python Refresh Test", message)
        # The credential is kept.
        kept = self.backend.lookup_sync(PROVIDER, None, None)
        self.assertEqual(kept.get_refresh(), "py-refresh-0")

    def test_auto_refresh_in_the_background(self):
        notified = []
        self.store.connect("notify::auto-refresh", lambda *args: notified.append(True))
        self.assertFalse(self.store.props.auto_refresh)

        # Due within the 5-minute margin: refreshed with nobody asking.
        self.backend.store_sync(oauth(int(time.time() * 1000) + 60 * 1000), None)
        self.store.props.auto_refresh = True
        self.assertTrue(self.store.get_auto_refresh())
        self.assertEqual(notified, [True])
        self.run_loop()
        self.assertEqual(self.refreshed, [(PROVIDER, "py-access-1", "default")])
        stored = self.backend.lookup_sync(PROVIDER, None, None)
        self.assertEqual(stored.get_access(), "py-access-1")

        # A token refused for good: one refresh-failed, and it stays stored.
        self.provider.refuse = True
        self.store.set_credential_sync(oauth(int(time.time() * 1000) + 60 * 1000, "revoked"), None)
        self.run_loop()
        self.assertEqual(len(self.failed), 1)
        self.assertEqual(self.failed[0][2], int(PiKeyring.Error.REAUTHENTICATION_REQUIRED))
        self.assertEqual(self.backend.lookup_sync(PROVIDER, None, None).get_refresh(), "revoked")
        refreshes = self.provider.refreshes
        self.run_loop(seconds=1)
        self.assertEqual(self.provider.refreshes, refreshes)
        self.assertEqual(len(self.failed), 1)

        self.store.set_auto_refresh(False)
        self.assertFalse(self.store.props.auto_refresh)
        self.assertEqual(notified, [True, True])


if __name__ == "__main__":
    unittest.main(verbosity=2)
