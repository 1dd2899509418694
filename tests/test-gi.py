#!/usr/bin/python3
"""Python tests of the PiKeyring-1 typelib, as a Python program uses it.

Runs with Debian's /usr/bin/python3 and python3-gi against the typelib and
the shared library in the build tree (GI_TYPELIB_PATH and LD_LIBRARY_PATH
are set by meson), inside tests/with-test-keyring.sh: a private session bus
with a private, unlocked gnome-keyring.
"""
import os
import subprocess
import tempfile
import unittest

import gi

gi.require_version("PiKeyring", "1")
gi.require_version("Gio", "2.0")
from gi.repository import GLib, Gio, PiKeyring  # noqa: E402


def isolated_env():
    """Points pi's auth.json into a temporary directory."""
    tmp = tempfile.mkdtemp(prefix="pi-keyring-gi-")
    os.environ["PI_CODING_AGENT_DIR"] = os.path.join(tmp, "agent")
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "ANTHROPIC_OAUTH_TOKEN"):
        os.environ.pop(name, None)
    return tmp


class TypelibTest(unittest.TestCase):
    def setUp(self):
        self.tmp = isolated_env()

    def test_import_and_version(self):
        self.assertTrue(hasattr(PiKeyring, "Store"))
        self.assertTrue(hasattr(PiKeyring, "Credential"))
        self.assertIn("secret-service", PiKeyring.Backend.get_names())

    def test_version_functions_and_constants(self):
        # The typelib's constants are the headers' version, the functions
        # the library's: the same in one build.
        version = (PiKeyring.get_major_version(), PiKeyring.get_minor_version(),
                   PiKeyring.get_micro_version())
        self.assertEqual(version, (PiKeyring.MAJOR_VERSION, PiKeyring.MINOR_VERSION,
                                   PiKeyring.MICRO_VERSION))
        self.assertEqual("%d.%d.%d" % version, PiKeyring.VERSION_S)
        major, minor, micro = version
        self.assertTrue(PiKeyring.check_version(major, minor, micro))
        self.assertTrue(PiKeyring.check_version(major, 0, 0))
        self.assertFalse(PiKeyring.check_version(major, minor, micro + 1))
        self.assertFalse(PiKeyring.check_version(major, minor + 1, 0))
        self.assertFalse(PiKeyring.check_version(major + 1, 0, 0))
        # The macro is C only.
        self.assertFalse(hasattr(PiKeyring, "CHECK_VERSION"))

    def test_credential_round_trip(self):
        cred = PiKeyring.Credential.new_from_json(
            "openai-codex", None,
            '{"type":"oauth","access":"a","refresh":"r","expires":1773603300000,"accountId":"acc"}', -1)
        self.assertEqual(cred.get_kind(), PiKeyring.CredentialKind.OAUTH)
        self.assertEqual(cred.props.provider, "openai-codex")
        self.assertEqual(cred.props.profile, "default")
        self.assertEqual(cred.get_expires(), 1773603300000)
        self.assertEqual(cred.get_string_field("accountId"), "acc")
        self.assertEqual(cred.get_field_names(), ["type", "access", "refresh", "expires", "accountId"])
        self.assertEqual(
            cred.to_json(),
            '{"type":"oauth","access":"a","refresh":"r","expires":1773603300000,"accountId":"acc"}')

    def test_malformed_credential_raises_parse_error(self):
        with self.assertRaises(GLib.Error) as ctx:
            PiKeyring.Credential.new_from_json("openai", None, '{"type":', -1)
        self.assertTrue(ctx.exception.matches(PiKeyring.error_quark(), PiKeyring.Error.PARSE))

    def test_store_and_read_back_in_the_keyring(self):
        backend = PiKeyring.SecretServiceBackend.new()
        store = PiKeyring.Store.new(backend)
        store.props.profile = "gi-test"
        key = "sk-gi-test-0123456789"
        cred = PiKeyring.Credential.new_api_key("openai", "gi-test", key)
        self.assertTrue(store.set_credential_sync(cred, None))

        got, source = store.get_api_key_sync("openai", None)
        self.assertEqual(got, key)
        self.assertEqual(source, PiKeyring.Source.KEYRING)

        # The item is in the real keyring, under the documented attributes.
        # (Without LD_PRELOAD: under the sanitizers it preloads libasan into
        # python3 only; an uninstrumented secret-tool hangs with it.)
        env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
        out = subprocess.run(
            ["secret-tool", "lookup", "provider", "openai", "profile", "gi-test"],
            capture_output=True, check=True, text=True, env=env, timeout=30).stdout
        self.assertEqual(out, '{"type":"api_key","key":"%s"}' % key)

        listed = store.list_sync(None)
        self.assertEqual([(c.props.provider, c.props.profile) for c in listed],
                         [("openai", "gi-test")])

        self.assertTrue(store.remove_sync("openai", None))
        with self.assertRaises(GLib.Error) as ctx:
            store.get_api_key_sync("openai", None)
        self.assertTrue(ctx.exception.matches(PiKeyring.error_quark(), PiKeyring.Error.NOT_FOUND))

    def test_credential_changed_signal_async(self):
        store = PiKeyring.Store.new(PiKeyring.MemoryBackend.new())
        loop = GLib.MainLoop()
        seen = []
        other = []
        results = []

        store.connect("credential-changed::anthropic", lambda s, provider: seen.append(provider))
        store.connect("credential-changed::openai", lambda s, provider: other.append(provider))

        def on_set(source, result):
            results.append(source.set_credential_finish(result))
            loop.quit()

        cred = PiKeyring.Credential.new_api_key("anthropic", None, "sk-ant-gi")
        store.set_credential_async(cred, None, on_set)
        GLib.timeout_add_seconds(10, loop.quit)
        loop.run()

        self.assertEqual(results, [True])
        self.assertEqual(seen, ["anthropic"])
        self.assertEqual(other, [])

        key, source = store.get_api_key_sync("anthropic", None)
        self.assertEqual(key, "sk-ant-gi")

    def test_get_api_key_async_and_runtime_override(self):
        store = PiKeyring.Store.new(PiKeyring.MemoryBackend.new())
        store.set_credential_sync(PiKeyring.Credential.new_api_key("openai", None, "stored"), None)
        store.set_runtime_api_key("openai", "runtime")
        loop = GLib.MainLoop()
        results = []

        def on_key(source, result):
            results.append(source.get_api_key_finish(result))
            loop.quit()

        store.get_api_key_async("openai", None, on_key)
        GLib.timeout_add_seconds(10, loop.quit)
        loop.run()
        self.assertEqual(results, [("runtime", PiKeyring.Source.RUNTIME)])

        store.set_runtime_api_key("openai", None)
        self.assertEqual(store.get_api_key_sync("openai", None), ("stored", PiKeyring.Source.KEYRING))

    def test_environment_fallback(self):
        store = PiKeyring.Store.new(PiKeyring.MemoryBackend.new())
        os.environ["OPENAI_API_KEY"] = "from-env"
        try:
            self.assertEqual(store.get_api_key_sync("openai", None),
                             ("from-env", PiKeyring.Source.ENVIRONMENT))
        finally:
            del os.environ["OPENAI_API_KEY"]

    def test_list_keeps_references_balanced(self):
        store = PiKeyring.Store.new(PiKeyring.MemoryBackend.new())
        for provider in ("openai", "groq", "xai"):
            store.set_credential_sync(PiKeyring.Credential.new_api_key(provider, None, "k-" + provider), None)
        for _ in range(3):
            listed = store.list_sync(None)
            self.assertEqual([c.props.provider for c in listed], ["openai", "groq", "xai"])
            del listed
        # The store still holds its credentials after the lists are gone.
        self.assertEqual(store.get_api_key_sync("groq", None), ("k-groq", PiKeyring.Source.KEYRING))

    def test_catalog(self):
        ids = PiKeyring.catalog_get_ids()
        self.assertEqual(ids[:5], ["anthropic", "github-copilot", "google-gemini-cli",
                                   "google-antigravity", "openai-codex"])
        self.assertEqual(PiKeyring.catalog_get_flow("github-copilot"), "device")
        self.assertEqual(PiKeyring.catalog_get_env_vars("openai"), ["OPENAI_API_KEY"])


class IdentifierTest(unittest.TestCase):
    """DESIGN §8: 1–128 of [A-Za-z0-9._@+-], not starting with . or -."""

    GOOD = ["openai", "x_y.z@w+v-1", "A" * 128, "0", "a."]
    BAD = ["", ".hidden", "-x", "a b", "a/b", "a\nb", "é", "x" * 129, "a\u00a0b"]

    def setUp(self):
        self.tmp = isolated_env()

    def assertInvalid(self, ctx):
        self.assertTrue(ctx.exception.matches(PiKeyring.error_quark(),
                                              PiKeyring.Error.INVALID_ARGUMENT),
                        ctx.exception.message)

    def test_is_valid_id(self):
        for name in self.GOOD:
            self.assertTrue(PiKeyring.is_valid_id(name), name)
            self.assertTrue(PiKeyring.validate_id(name))
        for name in self.BAD:
            self.assertFalse(PiKeyring.is_valid_id(name), name)
            with self.assertRaises(GLib.Error) as ctx:
                PiKeyring.validate_id(name)
            self.assertInvalid(ctx)

    def test_backends_and_store_refuse_bad_names(self):
        backend = PiKeyring.FileBackend.new(os.path.join(self.tmp, "auth.json"))
        store = PiKeyring.Store.new(backend)
        for name in self.BAD:
            with self.subTest(name=name):
                with self.assertRaises(GLib.Error) as ctx:
                    backend.lookup_sync(name, None, None)
                self.assertInvalid(ctx)
                with self.assertRaises(GLib.Error) as ctx:
                    backend.lookup_sync("openai", name, None)
                self.assertInvalid(ctx)
                with self.assertRaises(GLib.Error) as ctx:
                    backend.remove_sync(name, None, None)
                self.assertInvalid(ctx)
                with self.assertRaises(GLib.Error) as ctx:
                    store.get_api_key_sync(name, None)
                self.assertInvalid(ctx)
                with self.assertRaises(GLib.Error) as ctx:
                    PiKeyring.Credential.new_from_json(name, None, '{"type":"api_key","key":"k"}', -1)
                self.assertInvalid(ctx)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "auth.json")))

    def test_an_empty_key_is_refused(self):
        backend = PiKeyring.FileBackend.new(os.path.join(self.tmp, "auth.json"))
        cred = PiKeyring.Credential.new_api_key("openai", None, "")
        with self.assertRaises(GLib.Error) as ctx:
            backend.store_sync(cred, None)
        self.assertInvalid(ctx)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "auth.json")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
