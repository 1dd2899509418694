#!/usr/bin/python3
"""The github-copilot provider through the PiKeyring-1 typelib.

A Python program logs in to GitHub Copilot as the command does: a
PiKeyring.Interaction subclass shows the device code (and here enters it at
the mock), the enterprise domain comes in the a{sv} options, and the result
is a credential in pi's field order. The mock provider (mock-provider.py)
runs in a thread of this process and is reached through
PI_KEYRING_URL_REWRITE. The device poller runs on the real clock, so the
mock's device interval is set to 1 s (the first poll comes after 1.2 s).
"""
import importlib.util
import json
import os
import sys
import unittest
import urllib.request

import gi

gi.require_version("PiKeyring", "1")
from gi.repository import GLib, PiKeyring  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def load_mock_module():
    spec = importlib.util.spec_from_file_location("mock_provider", os.path.join(HERE, "mock-provider.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mp = load_mock_module()


class Interaction(PiKeyring.Interaction):
    """Records what the login shows and enters the code at the mock."""

    def __init__(self, mock, deny=False):
        super().__init__()
        self.props.open_browser = False
        self.mock = mock
        self.deny = deny
        self.shown = []
        self.progress = []

    def do_show_auth(self, url, instructions):
        self.shown.append((url, instructions))
        user_code = instructions[len("Enter code: "):]
        self.mock.admin("POST", "device/approve", {"user_code": user_code, "deny": self.deny})

    def do_progress(self, message):
        self.progress.append(message)


class Mock:
    def __init__(self):
        self.provider = mp.MockProvider().start()

    def admin(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.provider.url + "/_admin/" + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    def stop(self):
        self.provider.stop()


def run(start, finish):
    """Runs an async call to its end in a main loop; returns finish's value."""
    loop = GLib.MainLoop()
    results = []

    def done(source, result):
        try:
            results.append(("ok", finish(result)))
        except GLib.Error as error:
            results.append(("error", error))
        loop.quit()

    start(done)
    GLib.timeout_add_seconds(60, loop.quit)
    loop.run()
    if not results:
        raise AssertionError("the call did not finish")
    kind, value = results[0]
    if kind == "error":
        raise value
    return value


class CopilotTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mock = Mock()
        os.environ["PI_KEYRING_URL_REWRITE"] = cls.mock.provider.rewrite

    @classmethod
    def tearDownClass(cls):
        cls.mock.stop()
        os.environ.pop("PI_KEYRING_URL_REWRITE", None)

    def setUp(self):
        self.mock.admin("POST", "reset")
        self.mock.admin("POST", "config", {"device_interval": 1})
        self.provider = PiKeyring.lookup_provider("github-copilot")
        self.assertIsNotNone(self.provider)

    def login(self, interaction, options):
        return run(lambda done: self.provider.login_async(interaction, options, None, done),
                   self.provider.login_finish)

    def test_identity(self):
        self.assertEqual(self.provider.get_id(), "github-copilot")
        self.assertEqual(self.provider.get_display_name(), "GitHub Copilot")
        self.assertEqual(self.provider.get_flow(), "device")
        self.assertFalse(self.provider.can_revoke())
        ids = [p.get_id() for p in PiKeyring.list_providers()]
        self.assertIn("github-copilot", ids)

    def test_enterprise_login(self):
        interaction = Interaction(self.mock)
        options = GLib.Variant("a{sv}", {"enterprise-domain": GLib.Variant("s", "Company.GHE.com")})

        credential = self.login(interaction, options)

        tokens = self.mock.admin("GET", "tokens")["github-copilot"]
        refresh = tokens["refresh"]["issued"][0]
        access = tokens["access"]["issued"][0]
        self.assertEqual(credential.get_field_names(),
                         ["type", "refresh", "access", "expires", "enterpriseUrl"])
        self.assertEqual(credential.get_refresh(), refresh)
        self.assertEqual(credential.get_access(), access)
        self.assertEqual(credential.get_string_field("enterpriseUrl"), "company.ghe.com")
        exp = int(access.split(";exp=")[1].split(";")[0])
        self.assertEqual(credential.get_expires(), exp * 1000 - 300000)
        self.assertEqual(self.provider.get_api_key(credential), access)

        self.assertEqual(len(interaction.shown), 1)
        url, instructions = interaction.shown[0]
        self.assertEqual(url, self.mock.provider.url + "/company.ghe.com/login/device")
        self.assertRegex(instructions, r"^Enter code: [A-Z]{4}-[A-Z]{4}$")
        self.assertEqual(interaction.progress, ["Waiting for browser authentication...", "Enabling models..."])

        policies = self.mock.admin("GET", "policies")["policies"]
        self.assertEqual(len(policies), 23)
        self.assertEqual({p["host"] for p in policies}, {"copilot-api.company.ghe.com"})
        self.assertTrue(all(p["authorized"] for p in policies))

    def test_denied_login(self):
        interaction = Interaction(self.mock, deny=True)
        with self.assertRaises(GLib.Error) as ctx:
            self.login(interaction, None)
        self.assertTrue(ctx.exception.matches(PiKeyring.error_quark(), PiKeyring.Error.ACCESS_DENIED))

    def test_invalid_domain(self):
        options = GLib.Variant("a{sv}", {"enterprise-domain": GLib.Variant("s", "not a domain!")})
        with self.assertRaises(GLib.Error) as ctx:
            self.login(Interaction(self.mock), options)
        self.assertTrue(ctx.exception.matches(PiKeyring.error_quark(), PiKeyring.Error.INVALID_ARGUMENT))
        self.assertEqual(ctx.exception.message, "Invalid GitHub Enterprise URL/domain")

    def test_refresh(self):
        github = self.mock.admin("POST", "seed-refresh", {"provider": "github-copilot"})["refresh_token"]
        old = PiKeyring.Credential.new_from_json(
            "github-copilot", None,
            json.dumps({"type": "oauth", "refresh": github, "access": "old", "expires": 1}), -1)

        new = run(lambda done: self.provider.refresh_async(old, None, done), self.provider.refresh_finish)

        self.assertEqual(new.get_refresh(), github)
        self.assertEqual(new.get_access(), self.mock.admin("GET", "tokens")["github-copilot"]["access"]["issued"][0])
        self.assertEqual(new.get_field_names(), ["type", "refresh", "access", "expires"])

    def test_refresh_revoked(self):
        github = self.mock.admin("POST", "seed-refresh", {"provider": "github-copilot"})["refresh_token"]
        self.mock.admin("POST", "revoke", {"token": github})
        old = PiKeyring.Credential.new_from_json(
            "github-copilot", None,
            json.dumps({"type": "oauth", "refresh": github, "access": "old", "expires": 1}), -1)
        with self.assertRaises(GLib.Error) as ctx:
            run(lambda done: self.provider.refresh_async(old, None, done), self.provider.refresh_finish)
        self.assertTrue(ctx.exception.matches(PiKeyring.error_quark(),
                                              PiKeyring.Error.REAUTHENTICATION_REQUIRED))
        self.assertNotIn(github, ctx.exception.message)


if __name__ == "__main__":
    sys.exit(0 if unittest.main(verbosity=2, exit=False).result.wasSuccessful() else 1)
