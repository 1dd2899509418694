#!/usr/bin/python3
"""Issue 22, items 3-5, from Python through the PiKeyring-1 typelib: the
D-Bus error domain, strict input (one grammar, one message), credentials
made only by their constructors, set_api_key, and no silent plaintext.

Runs as tests/test-gi.py does: Debian's python3-gi against the typelib and
library of the build tree, inside tests/with-test-keyring.sh.

SPDX-License-Identifier: LGPL-2.1-or-later
"""
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

import gi

gi.require_version("PiKeyring", "1")
gi.require_version("Gio", "2.0")
from gi.repository import GLib, GObject, Gio, PiKeyring  # noqa: E402

BAD = ["", "a/b", "../x", ".hidden", "-x", "bad profile/../x", "tab\tname", "é", "x" * 129]


def invalid_message(name):
    try:
        PiKeyring.validate_id(name)
    except GLib.Error as error:
        return error.message
    raise AssertionError("%r is valid" % name)


class ErrorDomainTest(unittest.TestCase):
    """Item 3: the library registers dev.pi.Keyring1.Error.* for its domain."""

    def test_dbus_names_map_to_the_domain(self):
        for name, code in [("NotFound", PiKeyring.Error.NOT_FOUND),
                           ("InvalidArgument", PiKeyring.Error.INVALID_ARGUMENT),
                           ("ReauthenticationRequired", PiKeyring.Error.REAUTHENTICATION_REQUIRED),
                           ("WrongPassphrase", PiKeyring.Error.WRONG_PASSPHRASE)]:
            with self.subTest(name=name):
                PiKeyring.error_quark()
                error = Gio.DBusError.new_for_dbus_error("dev.pi.Keyring1.Error." + name, "m")
                self.assertTrue(error.matches(PiKeyring.error_quark(), code), error)
                self.assertEqual(Gio.DBusError.encode_gerror(error),
                                 "dev.pi.Keyring1.Error." + name)

    def test_registered_once_the_library_is_loaded(self):
        # A program that never calls PiKeyring.error_quark() itself.
        child = textwrap.dedent("""
            import gi
            gi.require_version("PiKeyring", "1")
            from gi.repository import Gio, PiKeyring
            code = PiKeyring.Error.NOT_FOUND
            error = Gio.DBusError.new_for_dbus_error("dev.pi.Keyring1.Error.NotFound", "m")
            print(error.domain, error.code == int(code))
        """)
        proc = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                              timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.strip(), "pi-keyring-error-quark True")

    def test_a_pikeyring_error_goes_out_under_its_name(self):
        error = GLib.Error.new_literal(PiKeyring.error_quark(), "gone",
                                       int(PiKeyring.Error.NOT_FOUND))
        self.assertEqual(Gio.DBusError.encode_gerror(error), "dev.pi.Keyring1.Error.NotFound")


class CredentialTest(unittest.TestCase):
    """Item 4: a credential is made by its constructors only."""

    def test_no_credential_without_a_provider(self):
        with self.assertRaises(TypeError):
            PiKeyring.Credential()
        with self.assertRaises(TypeError):
            PiKeyring.Credential(provider="x")

    def test_constructors_and_identity(self):
        cred = PiKeyring.Credential.new_api_key("openai", "work", "k")
        self.assertIsInstance(cred, PiKeyring.Credential)
        self.assertEqual((cred.props.provider, cred.props.profile, cred.props.kind),
                         ("openai", "work", PiKeyring.CredentialKind.API_KEY))
        self.assertEqual(cred.to_json(), '{"type":"api_key","key":"k"}')
        spec = PiKeyring.Credential.find_property("provider")
        self.assertTrue(spec.flags & GObject.ParamFlags.CONSTRUCT_ONLY)
        self.assertFalse(PiKeyring.Credential.find_property("kind").flags
                         & GObject.ParamFlags.WRITABLE)


class StoreTest(unittest.TestCase):
    """Item 4: strict input at the store; set_api_key."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pi-keyring-gi-strict-")
        os.environ["PI_CODING_AGENT_DIR"] = os.path.join(self.tmp, "agent")
        for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
            os.environ.pop(name, None)
        self.store = PiKeyring.Store.new(PiKeyring.MemoryBackend.new())

    def assertInvalid(self, ctx, name):
        self.assertTrue(ctx.exception.matches(PiKeyring.error_quark(),
                                              PiKeyring.Error.INVALID_ARGUMENT),
                        ctx.exception.message)
        self.assertEqual(ctx.exception.message, invalid_message(name))

    def test_set_api_key(self):
        changed = []
        self.store.connect("credential-changed", lambda s, p: changed.append(p))
        self.assertTrue(self.store.set_api_key_sync("openai", "sk-gi-strict-1", None))
        self.assertEqual(self.store.get_api_key_sync("openai", None),
                         ("sk-gi-strict-1", PiKeyring.Source.KEYRING))
        self.assertEqual(changed, ["openai"])

        loop = GLib.MainLoop()
        results = []

        def on_set(store, result):
            results.append(store.set_api_key_finish(result))
            loop.quit()

        self.store.props.profile = "work"
        self.store.set_api_key_async("openai", "sk-gi-strict-2", None, on_set)
        GLib.timeout_add_seconds(10, loop.quit)
        loop.run()
        self.assertEqual(results, [True])
        self.assertEqual(self.store.get_credential_sync("openai", None).props.profile, "work")

    def test_an_empty_key_is_refused_at_set(self):
        with self.assertRaises(GLib.Error) as ctx:
            self.store.set_api_key_sync("openai", "", None)
        self.assertTrue(ctx.exception.matches(PiKeyring.error_quark(),
                                              PiKeyring.Error.INVALID_ARGUMENT))
        self.assertEqual(len(self.store.list_sync(None)), 0)

    def test_bad_names_are_one_error(self):
        for name in BAD:
            with self.subTest(name=name):
                with self.assertRaises(GLib.Error) as ctx:
                    self.store.set_api_key_sync(name, "k", None)
                self.assertInvalid(ctx, name)
                with self.assertRaises(GLib.Error) as ctx:
                    self.store.get_credential_sync(name, None)
                self.assertInvalid(ctx, name)
                with self.assertRaises(GLib.Error) as ctx:
                    self.store.get_api_key_sync(name, None)
                self.assertInvalid(ctx, name)

                self.store.props.profile = name
                with self.assertRaises(GLib.Error) as ctx:
                    self.store.set_api_key_sync("openai", "k", None)
                self.assertInvalid(ctx, name)
                with self.assertRaises(GLib.Error) as ctx:
                    self.store.list_sync(None)
                self.assertInvalid(ctx, name)
                self.store.props.profile = None
        self.assertEqual(len(self.store.list_sync(None)), 0)

    def test_a_credential_of_another_profile_is_refused(self):
        cred = PiKeyring.Credential.new_api_key("openai", "elsewhere", "k")
        with self.assertRaises(GLib.Error) as ctx:
            self.store.set_credential_sync(cred, None)
        self.assertTrue(ctx.exception.matches(PiKeyring.error_quark(),
                                              PiKeyring.Error.INVALID_ARGUMENT))
        self.assertIn("elsewhere", ctx.exception.message)
        self.assertEqual(len(self.store.list_sync(None)), 0)
        self.assertTrue(self.store.set_credential_sync(cred.copy_for_profile("default"), None))

    def test_an_unknown_provider_is_named_unknown(self):
        with self.assertRaises(GLib.Error) as ctx:
            self.store.get_api_key_sync("no-such-provider", None)
        self.assertTrue(ctx.exception.matches(PiKeyring.error_quark(), PiKeyring.Error.NOT_FOUND))
        self.assertIn("unknown provider", ctx.exception.message)
        self.assertNotIn("environment", ctx.exception.message)


# Item 5, run in a child with no session bus and a temporary HOME.
NO_BUS_CHILD = textwrap.dedent("""
    import os, sys
    import gi
    gi.require_version("PiKeyring", "1")
    from gi.repository import GLib, PiKeyring

    mode = sys.argv[1]
    if mode == "default":
        store = PiKeyring.Store.new(None)
        print("backend", store.props.backend.get_name())
        print("plaintext", store.props.plaintext)
        store.set_api_key_sync("openai", "sk-gi-strict-plain-1", None)
        store.set_api_key_sync("groq", "sk-gi-strict-plain-2", None)
    elif mode == "refuse":
        try:
            PiKeyring.Store.new_full(None, PiKeyring.StoreFlags.REFUSE_PLAINTEXT)
            print("made")
        except GLib.Error as error:
            print("refused", error.matches(PiKeyring.error_quark(), PiKeyring.Error.UNAVAILABLE))
        store = PiKeyring.Store(flags=PiKeyring.StoreFlags.REFUSE_PLAINTEXT)
        try:
            store.set_api_key_sync("openai", "sk-gi-strict-plain-3", None)
            print("written")
        except GLib.Error as error:
            print("refused", error.matches(PiKeyring.error_quark(), PiKeyring.Error.UNAVAILABLE))
    elif mode == "gone":
        store = PiKeyring.Store.new(None)
        try:
            store.set_api_key_sync("openai", "sk-gi-strict-plain-5", None)
            print("written")
        except GLib.Error as error:
            print("refused", error.matches(PiKeyring.error_quark(), PiKeyring.Error.UNAVAILABLE))
        try:
            store.list_sync(None)
        except GLib.Error as error:
            print("refused", error.matches(PiKeyring.error_quark(), PiKeyring.Error.UNAVAILABLE))
    elif mode == "quiet":
        store = PiKeyring.Store.new_full(None, PiKeyring.StoreFlags.NO_PLAINTEXT_WARNING)
        store.set_api_key_sync("openai", "sk-gi-strict-plain-4", None)
        print("plaintext", store.props.plaintext)
""")


class NoSessionBusTest(unittest.TestCase):
    """Item 5: Store.new(None) without a session bus never writes auth.json silently."""

    def run_child(self, mode, marker=False):
        home = tempfile.mkdtemp(prefix="pi-keyring-gi-nobus-")
        if marker:
            # This user kept credentials in a Secret Service (DESIGN §4.1).
            os.makedirs(os.path.join(home, ".local", "state", "pi-keyring"))
            open(os.path.join(home, ".local", "state", "pi-keyring",
                              "secret-service-used"), "w").close()
        env = dict(os.environ)
        for name in ("PI_CODING_AGENT_DIR", "PI_KEYRING_BACKEND", "XDG_STATE_HOME",
                     "XDG_DATA_HOME", "XDG_CONFIG_HOME", "DISPLAY", "G_MESSAGES_DEBUG"):
            env.pop(name, None)
        env.update({"HOME": home, "DBUS_SESSION_BUS_ADDRESS": "unix:path=" + home + "/no-bus",
                    "XDG_RUNTIME_DIR": home})
        proc = subprocess.run([sys.executable, "-c", NO_BUS_CHILD, mode], env=env,
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotIn("sk-gi-strict", proc.stdout + proc.stderr)
        self.assertNotIn("CRITICAL", proc.stderr)
        return proc, os.path.join(home, ".pi", "agent", "auth.json")

    def test_the_fallback_says_so_once(self):
        proc, auth = self.run_child("default")
        self.assertIn("backend file", proc.stdout)
        self.assertIn("plaintext True", proc.stdout)
        self.assertEqual(proc.stderr.count("Secrets are written in plaintext to"), 1, proc.stderr)
        self.assertIn(auth, proc.stderr)
        self.assertTrue(os.path.exists(auth))

    def test_a_program_can_refuse_plaintext(self):
        proc, auth = self.run_child("refuse")
        self.assertEqual(proc.stdout.split("\n")[:2], ["refused True", "refused True"])
        self.assertFalse(os.path.exists(auth))
        self.assertNotIn("Secrets are written in plaintext", proc.stderr)

    def test_a_secret_service_that_is_gone_is_an_error_not_plaintext(self):
        proc, auth = self.run_child("gone", marker=True)
        self.assertEqual(proc.stdout.split("\n")[:2], ["refused True", "refused True"])
        self.assertFalse(os.path.exists(auth))

    def test_a_program_that_tells_its_user_itself_gets_no_warning(self):
        proc, auth = self.run_child("quiet")
        self.assertIn("plaintext True", proc.stdout)
        self.assertNotIn("plaintext to", proc.stderr)
        self.assertTrue(os.path.exists(auth))


if __name__ == "__main__":
    unittest.main(verbosity=2)
