#!/usr/bin/python3
# Tests of the pi-keyring command: the built binary in a subprocess, against
# the private gnome-keyring of tests/with-test-keyring.sh.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import collections
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unittest
import warnings

CLI = os.environ.get("PI_KEYRING_CLI", "")
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
PI_AUTH = os.path.join(DATA, "cli-pi-auth.json")

# Every secret a test puts anywhere: none may show up on stderr, nor on the
# stdout of a command other than `get` and `export -`.
SECRETS = {
    "sk-cli-test-openai-0f9e8d7c",
    "sk-ant-ort01-cli-test-refresh-a1b2",
    "sk-ant-oat01-cli-test-access-c3d4",
    "gho_cliTestRefresh5e6f",
    "tid=cli-test;exp=4102444800",
    "acme-cli-test-token-7a8b",
    "1//0g-cli-test-gemini-refresh",
    "ya29.cli-test-gemini-access",
    "gsk-cli-test-groq-9c0d",
    "1//0g-cli-test-antigravity-refresh",
    "ya29.cli-test-antigravity-access",
    "cli-test-codex-sig",
    "rt_cli-test-codex-refresh-e1f2",
}

OAUTH_PROVIDERS = ["anthropic", "github-copilot", "google-gemini-cli",
                   "google-antigravity", "openai-codex"]

# Variables of pi's table: a test must not see the caller's keys.
ENV_KEYS = [
    "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_OAUTH_TOKEN", "ANTHROPIC_API_KEY", "COPILOT_GITHUB_TOKEN",
    "GH_TOKEN",
    "GITHUB_TOKEN", "OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "GEMINI_API_KEY",
    "GROQ_API_KEY", "CEREBRAS_API_KEY", "XAI_API_KEY", "OPENROUTER_API_KEY",
    "AI_GATEWAY_API_KEY", "ZAI_API_KEY", "MISTRAL_API_KEY", "MINIMAX_API_KEY",
    "MINIMAX_CN_API_KEY", "HF_TOKEN", "OPENCODE_API_KEY", "KIMI_API_KEY",
    "GOOGLE_CLOUD_API_KEY", "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT",
    "GCLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY", "AWS_BEARER_TOKEN_BEDROCK",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "PI_KEYRING_BACKEND", "PI_CODING_AGENT_DIR",
    "PI_KEYRING_GET_CHAIN", "CLI_TEST_MISTRAL_VAR",
]

LOGIN = "/org/freedesktop/secrets/collection/login"

# PyGObject's importer is noisy on Python 3.11.
warnings.filterwarnings("ignore", category=ImportWarning)


def invalid_name_message(name):
    """The one message of a name outside the grammar (pi_keyring_validate_id)."""
    return ("“%s” is not a valid provider or profile name: a name is 1 to 128 letters "
            "(A–Z, a–z), digits and “._@+-”, and does not start with “.” or “-”." % name)


def pi_format(entries):
    """auth.json as pi writes it: JSON.stringify (entries, null, 2)."""
    return json.dumps(entries, indent=2, ensure_ascii=False).encode("utf-8")


def load_ordered(data):
    return json.loads(data, object_pairs_hook=collections.OrderedDict)


# --- the private keyring, through D-Bus -------------------------------------

def _bus():
    from gi.repository import Gio
    return Gio.bus_get_sync(Gio.BusType.SESSION, None)


def _call(bus, iface, method, args, path="/org/freedesktop/secrets", reply=None):
    from gi.repository import Gio
    result = bus.call_sync("org.freedesktop.secrets", path, iface, method, args, reply,
                           Gio.DBusCallFlags.NO_AUTO_START, 5000, None)
    return result.unpack() if result is not None else None


def keyring_restart():
    """Starts gnome-keyring-daemon again, unlocked, on the same private bus
    and keyring files. gnome-keyring 42.1 has been seen to die (NoReply)
    right after a Lock/UnlockWithMasterPassword sequence under load; that is
    the test keyring's failure, not pi-keyring's, and must not take every
    later test down with it. It is said on stderr each time."""
    sys.stderr.write("test-cli: gnome-keyring-daemon went away; starting it again\n")
    password = os.environ.get("KR_PASSWORD", "test-password").encode("utf-8")
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    subprocess.run(["gnome-keyring-daemon", "--replace", "--unlock", "--components=secrets",
                    "--daemonize"], input=password, env=env, check=True,
                   stdout=subprocess.DEVNULL, timeout=30)
    subprocess.run(["gdbus", "wait", "--session", "--timeout", "10", "org.freedesktop.secrets"],
                   env=env, check=True, timeout=30)


def keyring_clear():
    """Deletes every item of the login collection."""
    from gi.repository import GLib
    try:
        _keyring_clear()
    except GLib.Error as e:
        if not any(n in str(e) for n in ("NoReply", "ServiceUnknown", "NameHasNoOwner")):
            raise
        keyring_restart()
        _keyring_clear()


def _keyring_clear():
    from gi.repository import GLib
    bus = _bus()
    items = _call(bus, "org.freedesktop.DBus.Properties", "Get",
                  GLib.Variant("(ss)", ("org.freedesktop.Secret.Collection", "Items")),
                  path=LOGIN)[0]
    for item in items:
        _call(bus, "org.freedesktop.Secret.Item", "Delete", None, path=item)


def keyring_count():
    from gi.repository import GLib
    bus = _bus()
    return len(_call(bus, "org.freedesktop.DBus.Properties", "Get",
                     GLib.Variant("(ss)", ("org.freedesktop.Secret.Collection", "Items")),
                     path=LOGIN)[0])


def keyring_lock():
    subprocess.run(["gdbus", "call", "--session", "-d", "org.freedesktop.secrets",
                    "-o", "/org/freedesktop/secrets",
                    "-m", "org.freedesktop.Secret.Service.Lock",
                    "[objectpath '%s']" % LOGIN],
                   check=True, stdout=subprocess.DEVNULL, timeout=10)


def keyring_unlock():
    from gi.repository import GLib
    bus = _bus()
    _, session = _call(bus, "org.freedesktop.Secret.Service", "OpenSession",
                       GLib.Variant("(sv)", ("plain", GLib.Variant("s", ""))))
    password = os.environ.get("KR_PASSWORD", "test-password").encode("utf-8")
    _call(bus, "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface",
          "UnlockWithMasterPassword",
          GLib.Variant("(o(oayays))", (LOGIN, (session, b"", password, "text/plain"))))


def have_keyring():
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return False
    try:
        keyring_count()
        return True
    except Exception:
        return False


# --- the command -------------------------------------------------------------

class Result:
    def __init__(self, args, code, out, err, elapsed):
        self.args = args
        self.code = code
        self.out = out
        self.err = err
        self.elapsed = elapsed

    @property
    def text(self):
        return self.out.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.out.decode("utf-8"))

    def __repr__(self):
        return "pi-keyring %s → %d\nstderr: %s" % (" ".join(self.args), self.code, self.err)


@unittest.skipUnless(CLI and os.access(CLI, os.X_OK), "PI_KEYRING_CLI is not set")
class CliTestCase(unittest.TestCase):
    needs_keyring = True

    def setUp(self):
        if self.needs_keyring and not have_keyring():
            self.skipTest("no private keyring (run under tests/with-test-keyring.sh)")
        self.tmp = tempfile.mkdtemp(prefix="test-cli-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        home = os.path.join(self.tmp, "home")
        os.makedirs(home)
        self.agent_dir = os.path.join(self.tmp, "agent")
        self.auth_file = os.path.join(self.agent_dir, "auth.json")

        env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
        env.update({
            "HOME": home,
            "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
            "XDG_CONFIG_HOME": os.path.join(home, ".config"),
            "XDG_CACHE_HOME": os.path.join(home, ".cache"),
            "XDG_STATE_HOME": os.path.join(home, ".local", "state"),
            "PI_CODING_AGENT_DIR": self.agent_dir,
            "LC_ALL": "C.UTF-8",
            # `!pi-keyring get P` entries must find this very binary.
            "PATH": os.path.dirname(os.path.abspath(CLI)) + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
        })
        self.env = env
        if self.needs_keyring:
            keyring_clear()

    def run_cli(self, *args, stdin=b"", env=None, extra_env=None, timeout=60,
                secrets_on_stdout=False):
        run_env = dict(self.env if env is None else env)
        if extra_env:
            run_env.update(extra_env)
        start = time.monotonic()
        proc = subprocess.run([CLI] + list(args), input=stdin, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=run_env, timeout=timeout)
        elapsed = time.monotonic() - start
        err = proc.stderr.decode("utf-8", "replace")
        result = Result(list(args), proc.returncode, proc.stdout, err, elapsed)
        for secret in SECRETS | getattr(self, "extra_secrets", set()):
            self.assertNotIn(secret, err, "a secret on stderr of %r" % (result,))
            if not secrets_on_stdout:
                self.assertNotIn(secret, proc.stdout.decode("utf-8", "replace"),
                                 "a secret on stdout of %r" % (result,))
        self.assertNotIn("CRITICAL", err, repr(result))
        self.assertNotIn("AddressSanitizer", err, repr(result))
        self.assertNotIn("runtime error", err, repr(result))
        return result

    def assertExit(self, result, code):
        self.assertEqual(result.code, code, repr(result))

    def secret_tool_lookup(self, provider, profile="default"):
        proc = subprocess.run(["secret-tool", "lookup", "provider", provider, "profile", profile],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env,
                              timeout=30)
        if proc.returncode != 0:
            return None
        return load_ordered(proc.stdout.decode("utf-8"))

    def write_auth_file(self, data, mode=0o600, path=None):
        path = path or self.auth_file
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, mode)
        return path

    def read(self, path):
        with open(path, "rb") as f:
            return f.read()

    def set_key(self, provider, key, *options):
        self.extra_secrets = getattr(self, "extra_secrets", set()) | {key}
        result = self.run_cli(*options, "set", provider, stdin=key.encode("utf-8") + b"\n")
        self.assertExit(result, 0)
        return result


# --- usage -------------------------------------------------------------------

class UsageTest(CliTestCase):
    needs_keyring = False

    def test_version(self):
        result = self.run_cli("--version")
        self.assertExit(result, 0)
        self.assertRegex(result.text, r"^pi-keyring \d+\.\d+")

    def test_help_command_equals_command_help(self):
        for command in ["providers", "list", "status", "get", "set", "remove", "logout",
                        "import", "export"]:
            with self.subTest(command=command):
                help_result = self.run_cli("help", command)
                option_result = self.run_cli(command, "--help")
                self.assertExit(help_result, 0)
                self.assertExit(option_result, 0)
                self.assertEqual(help_result.out, option_result.out)
                self.assertIn(b"pi-keyring " + command.encode(), help_result.out)
                self.assertIn(b"--backend", help_result.out)

    def test_help_lists_commands(self):
        result = self.run_cli("help")
        self.assertExit(result, 0)
        for command in ["providers", "list", "status", "get", "set", "remove", "import",
                        "export"]:
            self.assertIn(command, result.text)

    def test_usage_errors_exit_2(self):
        cases = [
            [],
            ["frobnicate"],
            ["help", "frobnicate"],
            ["--bogus", "list"],
            ["list", "--bogus"],
            ["get"],
            ["get", "openai", "anthropic"],
            ["set"],
            ["remove"],
            ["logout"],
            ["list", "extra"],
            ["providers", "extra"],
            ["export", "a", "b"],
            ["import", "a", "b"],
            ["status", "a", "b"],
            ["--backend=bogus", "get", "openai"],
            ["get", "openai", "--backend=bogus"],
            ["--backend=bogus", "providers"],
            ["--profile=", "get", "openai"],
        ]
        for args in cases:
            with self.subTest(args=args):
                result = self.run_cli(*args, extra_env={"PI_KEYRING_BACKEND": "memory"})
                self.assertExit(result, 2)
                self.assertEqual(result.out, b"")
                self.assertNotEqual(result.err.strip(), "")

    def test_usage_errors_never_echo_an_option_value(self):
        # `pi-keyring set openai --key=sk-…` names --key, not the key.
        secret = "sk-usage-error-SECRET-4d3c2b1a"
        commands = ["providers", "list", "status", "get openai", "set openai", "remove openai",
                    "logout openai", "login anthropic", "refresh", "import", "export -",
                    "exec", "unlock", "daemon", "help"]
        forms = [["--key=" + secret], ["--token", secret], ["-k", secret], ["-k" + secret],
                 ["--backend=memory", "--bogus=" + secret]]
        for command in commands:
            for form in forms:
                for where in ("after", "before"):
                    args = command.split() + form if where == "after" else form + command.split()
                    if command == "exec":
                        args = args + ["--", "true"]
                    with self.subTest(args=args):
                        result = self.run_cli(*args, extra_env={"PI_KEYRING_BACKEND": "memory"})
                        self.assertExit(result, 2)
                        self.assertNotIn(secret[3:], result.err)
                        self.assertNotIn(secret[3:], result.text)
                        self.assertIn(form[-1 if len(form) == 1 else 0].split("=")[0][:2],
                                      result.err)
        result = self.run_cli("set", "openai", "--key=sk-x")
        self.assertExit(result, 2)
        self.assertIn("“--key”", result.err)
        self.assertNotIn("sk-x", result.err)

    def test_bad_backend_from_environment(self):
        result = self.run_cli("get", "openai", extra_env={"PI_KEYRING_BACKEND": "bogus"})
        self.assertExit(result, 2)
        self.assertIn("bogus", result.err)

    def test_messages_name_the_command(self):
        result = self.run_cli("get", "openai", "anthropic")
        self.assertIn("pi-keyring get:", result.err)

    def test_global_options_after_the_command(self):
        result = self.run_cli("providers", "--json")
        self.assertExit(result, 0)
        self.assertIsInstance(result.json(), list)
        result = self.run_cli("get", "openai", "--backend=memory",
                              extra_env={"OPENAI_API_KEY": "sk-env-after"})
        self.assertExit(result, 0)
        self.assertEqual(result.out, b"sk-env-after")


# --- providers ---------------------------------------------------------------

class ProvidersTest(CliTestCase):
    needs_keyring = False

    def test_json_shape(self):
        result = self.run_cli("--json", "providers")
        self.assertExit(result, 0)
        providers = result.json()
        self.assertEqual([p["id"] for p in providers][:5], OAUTH_PROVIDERS)
        by_id = {p["id"]: p for p in providers}
        for p in providers:
            self.assertEqual(set(p), {"id", "name", "oauth", "flow", "env"} | set(p))
            self.assertIsInstance(p["id"], str)
            self.assertIsInstance(p["name"], str)
            self.assertIsInstance(p["oauth"], bool)
            self.assertIn(p["flow"], ["loopback", "device", None])
            self.assertEqual(p["oauth"], p["flow"] is not None)
            self.assertIsInstance(p["env"], list)
            self.assertTrue(all(isinstance(v, str) for v in p["env"]))
        self.assertEqual(by_id["anthropic"]["name"], "Anthropic (Claude Pro/Max)")
        self.assertEqual(by_id["anthropic"]["flow"], "loopback")
        self.assertIn("ANTHROPIC_API_KEY", by_id["anthropic"]["env"])
        self.assertEqual(by_id["github-copilot"]["flow"], "device")
        self.assertEqual(by_id["openai"]["env"], ["OPENAI_API_KEY"])
        # openai: the API key and pi 1.6.0's ChatGPT sign-in, one id.
        self.assertEqual((by_id["openai"]["name"], by_id["openai"]["oauth"], by_id["openai"]["flow"]),
                         ("OpenAI", True, "loopback"))
        self.assertEqual((by_id["kimi-coding"]["flow"], by_id["kimi-coding"]["env"]),
                         ("device", ["KIMI_API_KEY"]))
        # Which pi releases know each provider (docs/pi-versions.md).
        for p in providers:
            self.assertIsInstance(p["pi_versions"], list)
            self.assertTrue(set(p["pi_versions"]) <= {"0.73.1", "1.6.0"}, p)
            self.assertEqual(p["older_pi_only"], p["pi_versions"] == [])
        self.assertEqual(by_id["openai"]["pi_versions"], ["0.73.1", "1.6.0"])
        self.assertEqual(by_id["deepseek"]["pi_versions"], ["0.73.1", "1.6.0"])
        self.assertEqual(by_id["together"]["pi_versions"], ["1.6.0"])
        self.assertEqual(by_id["azure"]["pi_versions"], ["1.6.0"])
        self.assertEqual(by_id["azure"]["same_as"], "azure-openai-responses")
        self.assertEqual(by_id["azure-openai-responses"]["pi_versions"], ["0.73.1"])
        self.assertEqual(by_id["azure-openai-responses"]["same_as"], "azure")
        self.assertIsNone(by_id["openai"]["same_as"])
        for old in ("google-gemini-cli", "google-antigravity"):
            self.assertEqual(by_id[old]["pi_versions"], [])
            self.assertTrue(by_id[old]["older_pi_only"])
        self.assertEqual(by_id["anthropic"]["env"],
                         ["ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_OAUTH_TOKEN", "ANTHROPIC_API_KEY",
                          "ANTHROPIC_FEDERATION_RULE_ID", "ANTHROPIC_ORGANIZATION_ID",
                          "ANTHROPIC_IDENTITY_TOKEN_FILE", "ANTHROPIC_SERVICE_ACCOUNT_ID",
                          "ANTHROPIC_WORKSPACE_ID"])
        self.assertEqual(by_id["openai-codex"]["env"], [])
        self.assertEqual(by_id["opencode-go"]["env"], ["OPENCODE_API_KEY"])

    def test_text_goes_to_stdout(self):
        # `pi-keyring providers | grep -c .`: the header and one line each
        result = self.run_cli("providers")
        self.assertExit(result, 0)
        self.assertEqual(result.err, "")
        out = result.out.decode()
        self.assertIn("Anthropic (Claude Pro/Max)", out)
        self.assertIn("OPENAI_API_KEY", out)
        ids = [p["id"] for p in self.run_cli("--json", "providers").json()]
        lines = out.splitlines()
        self.assertEqual(len(lines), len(ids) + 1)
        self.assertEqual([line.split()[0] for line in lines[1:]], ids)


# --- set, get, remove ----------------------------------------------------------

class SetGetTest(CliTestCase):
    KEY = "sk-cli-test-openai-0f9e8d7c"

    def test_set_from_stdin_then_secret_tool_and_get(self):
        result = self.run_cli("set", "openai", stdin=self.KEY.encode() + b"\n")
        self.assertExit(result, 0)
        self.assertEqual(result.out, b"")
        self.assertEqual(self.secret_tool_lookup("openai"),
                         {"type": "api_key", "key": self.KEY})

        result = self.run_cli("get", "openai", secrets_on_stdout=True)
        self.assertExit(result, 0)
        # No newline: stdout is a pipe, not a terminal.
        self.assertEqual(result.out, self.KEY.encode())

    def test_one_trailing_newline_is_removed(self):
        cases = [
            (b"key-plain", "key-plain"),
            (b"key-lf\n", "key-lf"),
            (b"key-crlf\r\n", "key-crlf"),
            (b"key-two-lf\n\n", "key-two-lf\n"),
            (b"key-cr\r", "key-cr\r"),
            (b"key-two-crlf\r\n\r\n", "key-two-crlf\r\n"),
            (b"  key-spaces  \n", "  key-spaces  "),
        ]
        for data, stored in cases:
            with self.subTest(data=data):
                self.extra_secrets = {stored.strip()}
                result = self.run_cli("set", "openai", stdin=data)
                self.assertExit(result, 0)
                self.assertEqual(self.secret_tool_lookup("openai")["key"], stored)
                result = self.run_cli("get", "openai", secrets_on_stdout=True)
                self.assertExit(result, 0)
                self.assertEqual(result.out, stored.encode())

    def run_on_tty(self, args, typed=None, timeout=30):
        """Runs the command with a pseudo-terminal as its stdin, stdout and
        controlling terminal; types @typed once the prompt shows."""
        import fcntl
        import pty
        import select
        import termios

        master, slave = pty.openpty()

        def make_controlling_terminal():
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        proc = subprocess.Popen([CLI] + args, stdin=slave, stdout=slave, stderr=subprocess.PIPE,
                                env=self.env, preexec_fn=make_controlling_terminal)
        os.close(slave)
        output = b""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if typed is not None and b": " in output:
                    os.write(master, typed)
                    typed = None
                ready, _, _ = select.select([master], [], [], 0.1)
                if not ready:
                    continue
                try:
                    data = os.read(master, 4096)
                except OSError:  # EIO: the command closed the terminal
                    break
                if not data:
                    break
                output += data
            else:
                self.fail("pi-keyring %s did not finish; terminal: %r" % (" ".join(args), output))
            code = proc.wait(timeout=timeout)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            os.close(master)
        err = proc.stderr.read().decode("utf-8", "replace")
        proc.stderr.close()
        return code, output, err

    def test_set_prompts_on_the_terminal_without_echo(self):
        key = "sk-cli-test-typed-on-tty"
        self.extra_secrets = {key}
        code, terminal, err = self.run_on_tty(["set", "openai"], typed=key.encode() + b"\n")
        self.assertEqual(code, 0, err)
        self.assertIn(b"API key for OpenAI: ", terminal)
        self.assertNotIn(key.encode(), terminal)
        self.assertNotIn(key, err)
        self.assertEqual(self.secret_tool_lookup("openai"), {"type": "api_key", "key": key})

        # On a terminal, `get` ends the key with a newline.
        code, terminal, err = self.run_on_tty(["get", "openai"])
        self.assertEqual(code, 0, err)
        self.assertEqual(terminal, key.encode() + b"\r\n")

    def test_empty_key_is_refused(self):
        for data in [b"", b"\n", b"\r\n"]:
            with self.subTest(data=data):
                result = self.run_cli("set", "openai", stdin=data)
                self.assertExit(result, 1)
                self.assertIsNone(self.secret_tool_lookup("openai"))

    def test_key_is_never_taken_from_argv(self):
        result = self.run_cli("set", "openai", "sk-from-argv", stdin=b"sk-from-stdin\n")
        self.assertExit(result, 2)
        self.assertNotIn("sk-from-argv", result.err)
        self.assertIsNone(self.secret_tool_lookup("openai"))

    def test_get_not_found(self):
        result = self.run_cli("get", "openai")
        self.assertExit(result, 3)
        self.assertEqual(result.out, b"")

    def test_get_of_an_unknown_provider_names_it_unknown(self):
        result = self.run_cli("get", "no-such-provider")
        self.assertExit(result, 3)
        self.assertIn("“no-such-provider” is an unknown provider", result.err)
        self.assertNotIn("environment variables", result.err)
        # A known one is told about its environment variables.
        result = self.run_cli("get", "openai")
        self.assertExit(result, 3)
        self.assertIn("environment variables", result.err)

    def test_get_falls_back_to_the_environment(self):
        result = self.run_cli("get", "openai", extra_env={"OPENAI_API_KEY": "sk-from-env"},
                              secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertEqual(result.out, b"sk-from-env")

    def test_remove_then_get(self):
        self.set_key("openai", self.KEY)
        result = self.run_cli("remove", "openai")
        self.assertExit(result, 0)
        self.assertIsNone(self.secret_tool_lookup("openai"))
        self.assertExit(self.run_cli("get", "openai"), 3)
        self.assertExit(self.run_cli("remove", "openai"), 3)

    def test_logout_is_remove(self):
        self.set_key("openai", self.KEY)
        self.assertExit(self.run_cli("logout", "openai"), 0)
        self.assertExit(self.run_cli("logout", "openai"), 3)

    def test_profiles_keep_keys_apart(self):
        self.set_key("openai", "sk-cli-test-default-profile")
        self.set_key("openai", "sk-cli-test-work-profile", "--profile=work")

        self.assertEqual(self.secret_tool_lookup("openai")["key"], "sk-cli-test-default-profile")
        self.assertEqual(self.secret_tool_lookup("openai", "work")["key"],
                         "sk-cli-test-work-profile")
        result = self.run_cli("get", "openai", secrets_on_stdout=True)
        self.assertEqual(result.out, b"sk-cli-test-default-profile")
        result = self.run_cli("--profile=work", "get", "openai", secrets_on_stdout=True)
        self.assertEqual(result.out, b"sk-cli-test-work-profile")
        result = self.run_cli("get", "openai", "--profile", "work", secrets_on_stdout=True)
        self.assertEqual(result.out, b"sk-cli-test-work-profile")

        listed = self.run_cli("--json", "list").json()
        self.assertEqual(sorted((c["provider"], c["profile"]) for c in listed),
                         [("openai", "default"), ("openai", "work")])
        listed = self.run_cli("--json", "--profile=work", "list").json()
        self.assertEqual([(c["provider"], c["profile"]) for c in listed], [("openai", "work")])

        self.assertExit(self.run_cli("--profile=work", "remove", "openai"), 0)
        self.assertExit(self.run_cli("--profile=work", "get", "openai"), 3)
        result = self.run_cli("get", "openai", secrets_on_stdout=True)
        self.assertEqual(result.out, b"sk-cli-test-default-profile")

    def test_get_of_a_command_key(self):
        self.write_auth_file(b'{\n  "groq": {\n    "type": "api_key",\n'
                             b'    "key": "!printf gsk-cli-test-groq-9c0d"\n  }\n}')
        result = self.run_cli("get", "groq", secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertEqual(result.out, b"gsk-cli-test-groq-9c0d")

    def test_failing_command_key_exits_1(self):
        self.write_auth_file(b'{"groq":{"type":"api_key","key":"!exit 3"}}')
        result = self.run_cli("get", "groq", extra_env={"GROQ_API_KEY": "sk-not-used"})
        self.assertExit(result, 1)
        self.assertEqual(result.out, b"")

    def test_key_command_that_asks_itself_does_not_loop(self):
        # The backend has nothing, so auth.json's entry is read, and it asks
        # `pi-keyring get openai` again.
        self.write_auth_file(b'{"openai":{"type":"api_key","key":"!pi-keyring get openai"}}')
        result = self.run_cli("get", "openai", timeout=60)
        self.assertExit(result, 1)
        self.assertLess(result.elapsed, 15)


# --- list and status -----------------------------------------------------------

class ListStatusTest(CliTestCase):

    def test_list_json_shape(self):
        self.set_key("openai", "sk-cli-test-openai-0f9e8d7c")
        self.write_auth_file(pi_format(collections.OrderedDict([
            ("anthropic", collections.OrderedDict([
                ("type", "oauth"), ("refresh", "sk-ant-ort01-cli-test-refresh-a1b2"),
                ("access", "sk-ant-oat01-cli-test-access-c3d4"), ("expires", 1773603300000)])),
            ("acme-llm", {"type": "custom-token", "token": "acme-cli-test-token-7a8b"}),
        ])))

        result = self.run_cli("--json", "list")
        self.assertExit(result, 0)
        listed = result.json()
        for entry in listed:
            self.assertTrue({"provider", "profile", "kind", "expires", "backend"} <= set(entry))
        by_provider = {e["provider"]: e for e in listed}
        self.assertEqual(by_provider["openai"]["kind"], "api_key")
        self.assertIsNone(by_provider["openai"]["expires"])
        self.assertEqual(by_provider["openai"]["backend"], "secret-service")
        self.assertEqual(by_provider["openai"]["profile"], "default")
        self.assertEqual(by_provider["anthropic"]["kind"], "oauth")
        self.assertEqual(by_provider["anthropic"]["expires"], 1773603300000)
        self.assertEqual(by_provider["anthropic"]["backend"], "file")
        self.assertEqual(by_provider["acme-llm"]["kind"], "other")

        # the table is the output (`pi-keyring list | grep openai`)
        result = self.run_cli("list")
        self.assertExit(result, 0)
        self.assertEqual(result.err, "")
        self.assertIn("openai", result.out.decode())
        self.assertIn("expired", result.out.decode())

    def test_status_json_shape_and_shadowing(self):
        self.set_key("openai", "sk-cli-test-openai-0f9e8d7c")
        result = self.run_cli("--json", "status", extra_env={"OPENAI_API_KEY": "sk-env-shadowed"})
        self.assertExit(result, 0)
        rows = result.json()
        for row in rows:
            self.assertTrue({"provider", "profile", "source", "shadowed", "expires",
                             "plaintext", "warnings"} <= set(row))
            self.assertIn(row["source"], ["runtime", "keyring", "auth.json", "env", None])
            self.assertIsInstance(row["shadowed"], list)
            self.assertIsInstance(row["plaintext"], bool)
            self.assertIsInstance(row["warnings"], list)
        by_provider = {r["provider"]: r for r in rows}
        self.assertEqual(by_provider["openai"]["source"], "keyring")
        self.assertEqual(by_provider["openai"]["shadowed"], ["env"])
        self.assertFalse(by_provider["openai"]["plaintext"])
        self.assertIsNone(by_provider["openai"]["expires"])
        self.assertNotIn("anthropic", by_provider)
        self.assertNotIn("sk-env-shadowed", result.text)

        # the report is the output (`pi-keyring status > report.txt`)
        result = self.run_cli("status", extra_env={"OPENAI_API_KEY": "sk-env-shadowed"})
        self.assertExit(result, 0)
        self.assertEqual(result.err, "")
        self.assertIn("Backend: ", result.out.decode())
        self.assertIn("shadowed", result.out.decode())
        self.assertIn("OPENAI_API_KEY", result.out.decode())
        self.assertNotIn("sk-env-shadowed", result.text)

    def test_status_warns_about_plaintext_auth_file(self):
        self.write_auth_file(pi_format({"openai": {"type": "api_key",
                                                   "key": "sk-cli-test-openai-0f9e8d7c"},
                                        "groq": {"type": "api_key",
                                                 "key": "!printf gsk-cli-test-groq-9c0d"},
                                        "acme-llm": {"type": "custom-token",
                                                     "token": "acme-cli-test-token-7a8b"}}),
                             mode=0o644)
        result = self.run_cli("--json", "status")
        self.assertExit(result, 0)
        by_provider = {r["provider"]: r for r in result.json()}
        openai = by_provider["openai"]
        self.assertEqual(openai["source"], "auth.json")
        self.assertTrue(openai["plaintext"])
        self.assertTrue(any("plaintext" in w for w in openai["warnings"]), openai)
        self.assertTrue(any("0644" in w for w in openai["warnings"]), openai)
        # A `!command` gives no secret away.
        self.assertFalse(by_provider["groq"]["plaintext"])
        # A stored id pi does not know is shown, though it gives no key.
        acme = by_provider["acme-llm"]
        self.assertIsNone(acme["source"])
        self.assertTrue(acme["plaintext"])
        self.assertTrue(any("custom-token" in w for w in acme["warnings"]), acme)

        result = self.run_cli("status", "openai")
        self.assertExit(result, 0)
        self.assertIn("plaintext", result.out.decode())

    def test_status_with_a_malformed_auth_file(self):
        self.set_key("openai", "sk-cli-test-openai-0f9e8d7c")
        data = b'{\n  "groq": nope\n}'
        self.write_auth_file(data)
        result = self.run_cli("--json", "status")
        self.assertExit(result, 1)
        by_provider = {r["provider"]: r for r in result.json()}
        self.assertEqual(by_provider["openai"]["source"], "keyring")
        result = self.run_cli("status")
        self.assertExit(result, 1)
        self.assertIn(":2:", result.err)
        self.assertIn("openai", result.out.decode())
        self.assertEqual(self.read(self.auth_file), data)

    def test_status_of_one_provider(self):
        self.write_auth_file(pi_format({"anthropic": collections.OrderedDict([
            ("type", "oauth"), ("refresh", "sk-ant-ort01-cli-test-refresh-a1b2"),
            ("access", "sk-ant-oat01-cli-test-access-c3d4"), ("expires", 4102444800000)])}))
        result = self.run_cli("--json", "status", "anthropic",
                              extra_env={"ANTHROPIC_API_KEY": "sk-env-anthropic"})
        self.assertExit(result, 0)
        rows = result.json()
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["source"], "auth.json")
        self.assertEqual(rows[0]["shadowed"], ["env"])
        self.assertEqual(rows[0]["expires"], 4102444800000)
        self.assertTrue(rows[0]["plaintext"])

        result = self.run_cli("--json", "status", "openai")
        self.assertExit(result, 3)
        self.assertEqual(result.json()[0]["source"], None)

    def test_list_and_status_show_no_secret(self):
        shutil.copy(PI_AUTH, self.write_auth_file(b"{}"))
        self.assertExit(self.run_cli("import"), 0)
        for args in [["list"], ["--json", "list"], ["status"], ["--json", "status"],
                     ["status", "anthropic"], ["providers"]]:
            with self.subTest(args=args):
                result = self.run_cli(*args)   # run_cli checks stdout and stderr
                self.assertIn(result.code, [0])


# --- import and export ---------------------------------------------------------

class ImportExportTest(CliTestCase):

    def original(self):
        return self.read(PI_AUTH)

    def expected_after_import(self, link=None):
        entries = load_ordered(self.original())
        kept = collections.OrderedDict()
        for provider, entry in entries.items():
            if entry.get("type") == "oauth" and link is None:
                continue
            # --link leaves a link for moved OAuth entries too
            if link is not None and entry.get("type") in ("api_key", "oauth"):
                entry = collections.OrderedDict([("type", "api_key"), ("key", link(provider))])
            kept[provider] = entry
        return pi_format(kept)

    def test_fixture_is_in_pi_format(self):
        data = self.original()
        self.assertFalse(data.endswith(b"\n"))
        self.assertEqual(pi_format(load_ordered(data)), data)
        entries = load_ordered(data)
        for provider in OAUTH_PROVIDERS:
            self.assertEqual(entries[provider]["type"], "oauth")

    def test_import_then_export_is_byte_identical(self):
        self.write_auth_file(self.original())
        result = self.run_cli("import")
        self.assertExit(result, 0)
        for provider in load_ordered(self.original()):
            self.assertIn(provider, result.err)

        # OAuth entries were moved out, the rest stayed, in pi's format.
        self.assertEqual(self.read(self.auth_file), self.expected_after_import())
        self.assertEqual(stat.S_IMODE(os.stat(self.auth_file).st_mode), 0o600)
        for provider in OAUTH_PROVIDERS:
            stored = self.secret_tool_lookup(provider)
            self.assertEqual(stored, load_ordered(self.original())[provider])
            self.assertEqual(list(stored), list(load_ordered(self.original())[provider]))

        result = self.run_cli("export", secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertEqual(result.out, self.original())
        self.assertIn("two copies", result.err)
        result = self.run_cli("export", "-", secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertEqual(result.out, self.original())

        target = os.path.join(self.tmp, "exported", "auth.json")
        os.makedirs(os.path.dirname(target))
        result = self.run_cli("export", target)
        self.assertExit(result, 0)
        self.assertEqual(result.out, b"")
        self.assertEqual(self.read(target), self.original())
        self.assertEqual(stat.S_IMODE(os.stat(target).st_mode), 0o600)

    def test_import_of_a_named_file(self):
        source = self.write_auth_file(self.original(), path=os.path.join(self.tmp, "other.json"))
        result = self.run_cli("import", source)
        self.assertExit(result, 0)
        self.assertFalse(os.path.exists(self.auth_file))
        self.assertEqual(self.read(source), self.expected_after_import())
        result = self.run_cli("export", secrets_on_stdout=True)
        self.assertEqual(result.out, self.original())

    def test_import_link(self):
        self.write_auth_file(self.original())
        result = self.run_cli("import", "--link")
        self.assertExit(result, 0)
        self.assertEqual(self.read(self.auth_file),
                         self.expected_after_import(lambda p: "!pi-keyring get " + p))
        after = load_ordered(self.read(self.auth_file))
        self.assertEqual(after["openai"]["key"], "!pi-keyring get openai")
        self.assertEqual(after["acme-llm"], load_ordered(self.original())["acme-llm"])

        result = self.run_cli("export", secrets_on_stdout=True)
        self.assertEqual(result.out, self.original())

        # What pi would run now gives the key from the keyring.
        result = self.run_cli("get", "openai", secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertEqual(result.out, b"sk-cli-test-openai-0f9e8d7c")
        proc = subprocess.run(["/bin/sh", "-c", after["openai"]["key"][1:]], env=self.env,
                              stdout=subprocess.PIPE, timeout=60)
        self.assertEqual(proc.stdout, b"sk-cli-test-openai-0f9e8d7c")

        # Importing the linked file again must not store links in the keyring.
        result = self.run_cli("import")
        self.assertExit(result, 0)
        self.assertEqual(self.secret_tool_lookup("openai")["key"], "sk-cli-test-openai-0f9e8d7c")

    def test_import_link_with_profile(self):
        self.write_auth_file(self.original())
        result = self.run_cli("--profile=work", "import", "--link")
        self.assertExit(result, 0)
        after = load_ordered(self.read(self.auth_file))
        self.assertEqual(after["openai"]["key"], "!pi-keyring --profile=work get openai")
        self.assertEqual(self.secret_tool_lookup("openai", "work")["key"],
                         "sk-cli-test-openai-0f9e8d7c")
        self.assertIsNone(self.secret_tool_lookup("openai"))
        result = self.run_cli("--profile=work", "export", secrets_on_stdout=True)
        self.assertEqual(result.out, self.original())

    def test_import_of_a_malformed_file_changes_nothing(self):
        data = b'{\n  "openai": {\n    "type": "api_key",\n    "key": \n  }\n}'
        self.write_auth_file(data)
        before = os.stat(self.auth_file)
        result = self.run_cli("import")
        self.assertExit(result, 1)
        # The value is missing on line 5, column 3.
        self.assertRegex(result.err, r"\b5\b")
        self.assertRegex(result.err, r"(:5:\d+|line 5)")
        self.assertEqual(self.read(self.auth_file), data)
        after = os.stat(self.auth_file)
        self.assertEqual((before.st_mtime_ns, before.st_mode), (after.st_mtime_ns, after.st_mode))
        self.assertEqual(keyring_count(), 0)

    def test_import_into_the_same_file_is_refused(self):
        self.write_auth_file(self.original())
        result = self.run_cli("--backend=file", "import")
        self.assertExit(result, 2)
        self.assertEqual(self.read(self.auth_file), self.original())

    def test_import_into_memory_is_refused(self):
        # OAuth entries are moved: into memory they would be lost at exit.
        self.write_auth_file(self.original())
        result = self.run_cli("--backend=memory", "import")
        self.assertExit(result, 2)
        self.assertEqual(self.read(self.auth_file), self.original())

    def test_import_of_a_missing_file(self):
        result = self.run_cli("import", os.path.join(self.tmp, "missing.json"))
        self.assertExit(result, 3)

    def test_export_merges_into_an_existing_file(self):
        self.set_key("openai", "sk-cli-test-openai-0f9e8d7c")
        target = self.write_auth_file(
            b'{\n  "zeta": {\n    "type": "api_key",\n    "key": "!true"\n  }\n}',
            mode=0o644, path=os.path.join(self.tmp, "merge.json"))
        result = self.run_cli("export", target)
        self.assertExit(result, 0)
        self.assertEqual(self.read(target), pi_format(collections.OrderedDict([
            ("zeta", {"type": "api_key", "key": "!true"}),
            ("openai", {"type": "api_key", "key": "sk-cli-test-openai-0f9e8d7c"}),
        ])))
        self.assertEqual(stat.S_IMODE(os.stat(target).st_mode), 0o600)


# --- OAuth failures: exit codes 4 and 6 ---------------------------------------

class TokenServer:
    """A token endpoint on loopback that answers every request the same way."""

    def __init__(self, status, body, headers=()):
        import http.server
        import threading

        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                server.requests += 1
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.requests = 0
        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def rewrite(self):
        port = self.httpd.server_address[1]
        return "https://platform.claude.com=http://127.0.0.1:%d/platform.claude.com" % port

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class OAuthExitCodeTest(CliTestCase):
    EXPIRED = collections.OrderedDict([
        ("type", "oauth"), ("refresh", "sk-ant-ort01-cli-test-refresh-a1b2"),
        ("access", "sk-ant-oat01-cli-test-access-c3d4"), ("expires", 1000)])

    def get_with_server(self, status, body, headers=()):
        self.write_auth_file(pi_format({"anthropic": self.EXPIRED}))
        server = TokenServer(status, body, headers)
        self.addCleanup(server.close)
        result = self.run_cli("get", "anthropic",
                              extra_env={"PI_KEYRING_URL_REWRITE": server.rewrite})
        # Nothing is lost, whatever the answer.
        self.assertEqual(load_ordered(self.read(self.auth_file)), {"anthropic": self.EXPIRED})
        return result, server

    def test_valid_oauth_token(self):
        entry = dict(self.EXPIRED, expires=4102444800000)
        self.write_auth_file(pi_format({"anthropic": entry, "google-gemini-cli": {
            "type": "oauth", "refresh": "1//0g-cli-test-gemini-refresh",
            "access": "ya29.cli-test-gemini-access", "expires": 4102444800000,
            "projectId": "my-project-123"}}))
        result = self.run_cli("get", "anthropic", secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertEqual(result.out, b"sk-ant-oat01-cli-test-access-c3d4")
        result = self.run_cli("get", "google-gemini-cli", secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertEqual(result.out,
                         b'{"token":"ya29.cli-test-gemini-access","projectId":"my-project-123"}')

    def test_refused_refresh_exits_4(self):
        result, server = self.get_with_server(400, '{"error":"invalid_grant"}')
        self.assertEqual(server.requests, 1)
        self.assertExit(result, 4)
        self.assertEqual(result.out, b"")
        self.assertIn("pi-keyring login anthropic", result.err)

    def test_server_error_exits_6(self):
        result, server = self.get_with_server(503, '{"error":"unavailable"}')
        self.assertEqual(server.requests, 1)
        self.assertExit(result, 6)
        self.assertEqual(result.out, b"")

    def test_rate_limit_exits_6(self):
        result, server = self.get_with_server(429, '{"error":"rate_limited"}',
                                              [("Retry-After", "120")])
        self.assertEqual(server.requests, 1)
        self.assertExit(result, 6)
        self.assertEqual(result.out, b"")
        self.assertIn("about 2 minutes", result.err)


# --- locked and absent keyrings ------------------------------------------------

class KeyringFailureTest(CliTestCase):
    KEY = "sk-cli-test-openai-0f9e8d7c"

    def no_bus_env(self):
        runtime = os.path.join(self.tmp, "empty-runtime")
        os.mkdir(runtime, 0o700)
        env = dict(self.env)
        env.update({"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent",
                    "XDG_RUNTIME_DIR": runtime})
        env.pop("DISPLAY", None)
        return env

    def test_locked_keyring_exits_5_and_loses_nothing(self):
        self.set_key("openai", self.KEY)
        keyring_lock()
        try:
            for args, stdin in [(["get", "openai"], b""),
                                (["set", "openai"], b"sk-cli-test-not-stored\n"),
                                (["remove", "openai"], b""),
                                (["status"], b"")]:
                with self.subTest(args=args):
                    result = self.run_cli(*args, stdin=stdin)
                    self.assertExit(result, 5)
                    self.assertLess(result.elapsed, 2.0)
                    # status says it in its report, on stdout
                    self.assertIn("locked", (result.err + result.text).lower())
        finally:
            keyring_unlock()

        result = self.run_cli("get", "openai", secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertEqual(result.out, self.KEY.encode())

    def test_no_session_bus_exits_5(self):
        env = self.no_bus_env()
        for args, stdin in [(["get", "openai"], b""),
                            (["set", "openai"], b"sk-cli-test-not-stored\n"),
                            (["list"], b""),
                            (["status"], b"")]:
            with self.subTest(args=args):
                result = self.run_cli("--backend=secret-service", *args, stdin=stdin, env=env)
                self.assertExit(result, 5)
                self.assertLess(result.elapsed, 2.0)
        self.assertFalse(os.path.exists(self.auth_file))

    def test_auto_without_bus_falls_back_to_the_file(self):
        env = self.no_bus_env()
        result = self.run_cli("set", "openai", stdin=self.KEY.encode() + b"\n", env=env)
        self.assertExit(result, 0)
        warnings = [line for line in result.err.splitlines() if "plaintext" in line]
        self.assertEqual(len(warnings), 1, result.err)
        self.assertIn(self.auth_file, warnings[0])
        self.assertEqual(load_ordered(self.read(self.auth_file)),
                         {"openai": {"type": "api_key", "key": self.KEY}})
        self.assertEqual(stat.S_IMODE(os.stat(self.auth_file).st_mode), 0o600)

        result = self.run_cli("get", "openai", env=env, secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertEqual(result.out, self.KEY.encode())
        self.assertEqual(keyring_count(), 0)


# --- provider ids and profile names (DESIGN §8) -------------------------------

class IdentifierTest(CliTestCase):
    """No command writes a name it could not read back."""
    needs_keyring = False

    # Outside the grammar: 1–128 of [A-Za-z0-9._@+-], not starting with . or -
    BAD = ["", ".hidden", "-x", "a b", "a/b", "a\nb", "tab\tx", "é", "x" * 129,
           os.fsdecode(b"op\xffen")]
    GOOD = ["x_y.z@w+v-1", "A" * 128, "0"]

    def file_env(self):
        env = dict(self.env)
        env["PI_KEYRING_BACKEND"] = "file"
        return env

    def assertNothingWritten(self):
        self.assertFalse(os.path.exists(self.auth_file), "auth.json was written")
        leftovers = os.listdir(self.agent_dir) if os.path.isdir(self.agent_dir) else []
        self.assertEqual(leftovers, [])

    def test_bad_names_are_refused_by_every_command(self):
        env = self.file_env()
        for bad in self.BAD:
            for args, stdin in [(["set", bad], b"sk-cli-test-bad-name\n"),
                                (["get", bad], b""),
                                (["remove", bad], b""),
                                (["logout", bad], b""),
                                (["login", bad], b""),
                                (["refresh", bad], b""),
                                (["exec", "--provider", bad, "--", "true"], b""),
                                (["--profile", bad, "set", "openai"], b"sk-cli-test-bad-name\n"),
                                (["--profile", bad, "get", "openai"], b"")]:
                with self.subTest(args=args):
                    result = self.run_cli(*args, stdin=stdin, env=env)
                    self.assertExit(result, 2)
                    self.assertNothingWritten()

    def test_the_message_is_the_librarys(self):
        # One rule, one message: the command says what the library says.
        env = self.file_env()
        for args, name in [(["get", "a/b"], "a/b"),
                           (["set", ""], ""),
                           (["remove", "../x"], "../x"),
                           (["--profile", "bad profile/../x", "list"], "bad profile/../x"),
                           (["--profile", "bad profile/../x", "set", "openai"],
                            "bad profile/../x")]:
            with self.subTest(args=args):
                result = self.run_cli(*args, stdin=b"sk-cli-test-bad-name\n", env=env)
                self.assertExit(result, 2)
                self.assertIn(invalid_name_message(name), result.err)
                self.assertNothingWritten()

    def test_set_of_an_empty_name_does_not_crash(self):
        result = self.run_cli("--backend=file", "set", "", stdin=b"sk-cli-test-empty\n")
        self.assertExit(result, 2)
        self.assertIn("not a valid", result.err)
        self.assertNothingWritten()

    def test_a_name_that_is_not_utf8_is_refused(self):
        result = self.run_cli("--backend=file", "set", os.fsdecode(b"op\xffen"),
                              stdin=b"sk-cli-test-not-utf8\n")
        self.assertExit(result, 2)
        self.assertNothingWritten()
        # And the file stays readable by every command.
        result = self.run_cli("--backend=file", "list")
        self.assertExit(result, 0)

    def test_names_of_the_grammar_are_accepted(self):
        env = self.file_env()
        for good in self.GOOD:
            with self.subTest(name=good):
                self.set_key(good, "sk-cli-test-good-name", "--backend=file")
                result = self.run_cli("get", good, env=env, secrets_on_stdout=True)
                self.assertExit(result, 0)
                self.assertEqual(result.out, b"sk-cli-test-good-name")

    def test_a_bad_entry_of_an_older_version_is_listed_and_removable(self):
        # A non-UTF-8 name (written by pi-keyring before names were checked)
        # and a name pi accepts but the grammar does not.
        self.extra_secrets = {"sk-cli-test-old-bad", "sk-cli-test-old-space", self.KEY}
        self.write_auth_file(b'{\n  "op\xffen": {\n    "type": "api_key",\n'
                             b'    "key": "sk-cli-test-old-bad"\n  },\n'
                             b'  "my provider": {\n    "type": "api_key",\n'
                             b'    "key": "sk-cli-test-old-space"\n  },\n'
                             b'  "openai": {\n    "type": "api_key",\n'
                             b'    "key": "' + self.KEY.encode() + b'"\n  }\n}')
        env = self.file_env()
        result = self.run_cli("list", "--json", env=env)
        self.assertExit(result, 0)
        names = [entry["provider"] for entry in result.json()]
        # Read as pi reads it: an invalid byte is U+FFFD.
        self.assertEqual(names, ["op\ufffden", "my provider", "openai"])
        result = self.run_cli("get", "openai", env=env, secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertEqual(result.out, self.KEY.encode())

        for name in ["op\ufffden", "my provider"]:
            with self.subTest(name=name):
                result = self.run_cli("remove", name, env=env)
                self.assertExit(result, 0)
        data = self.read(self.auth_file)
        data.decode("utf-8")  # valid UTF-8 again
        self.assertEqual(load_ordered(data), {"openai": {"type": "api_key", "key": self.KEY}})

        # Once gone, such a name is a usage error again, not "not found".
        result = self.run_cli("remove", "my provider", env=env)
        self.assertExit(result, 2)

    KEY = "sk-cli-test-openai-0f9e8d7c"


class IdentifierImportTest(CliTestCase):
    def test_import_skips_a_name_outside_the_grammar(self):
        self.extra_secrets = {"sk-cli-test-import-space"}
        original = (b'{\n  "my provider": {\n    "type": "api_key",\n'
                    b'    "key": "sk-cli-test-import-space"\n  },\n'
                    b'  "openai": {\n    "type": "api_key",\n'
                    b'    "key": "sk-cli-test-openai-0f9e8d7c"\n  }\n}')
        self.write_auth_file(original)
        result = self.run_cli("--backend=secret-service", "import")
        self.assertExit(result, 0)
        self.assertIn("my provider", result.err)
        self.assertEqual(keyring_count(), 1)
        self.assertIsNotNone(self.secret_tool_lookup("openai"))
        # Left where it is, for pi.
        self.assertIn("my provider", load_ordered(self.read(self.auth_file)))


class AzureIdsTest(CliTestCase):
    """Azure OpenAI: `azure` in pi 1.6.0, `azure-openai-responses` in 0.73.1."""

    OLD_KEY = "azure-old-id-key-5551"
    NEW_KEY = "azure-new-id-key-5552"

    def get(self, provider):
        return self.run_cli("get", provider, secrets_on_stdout=True)

    def test_either_id_finds_the_entry_which_keeps_its_id(self):
        self.extra_secrets = {self.OLD_KEY, self.NEW_KEY}
        self.write_auth_file(pi_format(collections.OrderedDict([
            ("azure-openai-responses", collections.OrderedDict([
                ("type", "api_key"), ("key", self.OLD_KEY)]))])))
        # Read from auth.json under either id.
        for provider in ("azure", "azure-openai-responses"):
            result = self.get(provider)
            self.assertExit(result, 0)
            self.assertEqual(result.text, self.OLD_KEY)

        self.assertExit(self.run_cli("import"), 0)
        self.assertEqual(self.secret_tool_lookup("azure-openai-responses")["key"], self.OLD_KEY)
        self.assertIsNone(self.secret_tool_lookup("azure"))
        for provider in ("azure", "azure-openai-responses"):
            result = self.get(provider)
            self.assertExit(result, 0)
            self.assertEqual(result.text, self.OLD_KEY)
        status = {row["provider"]: row for row in self.run_cli("--json", "status").json()}
        self.assertEqual(status["azure"]["source"], "keyring")

        result = self.run_cli("export", "-", secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertEqual(list(load_ordered(result.out)), ["azure-openai-responses"])

        # Each id's own entry first.
        self.set_key("azure", self.NEW_KEY)
        self.assertEqual(self.get("azure").text, self.NEW_KEY)
        self.assertEqual(self.get("azure-openai-responses").text, self.OLD_KEY)
        self.assertExit(self.run_cli("remove", "azure-openai-responses"), 0)
        self.assertEqual(self.get("azure-openai-responses").text, self.NEW_KEY)

    def test_environment_serves_both_ids(self):
        env = {"AZURE_OPENAI_API_KEY": "azure-env-value"}
        for provider in ("azure", "azure-openai-responses"):
            result = self.run_cli("get", provider, extra_env=env, secrets_on_stdout=True)
            self.assertExit(result, 0)
            self.assertEqual(result.text, "azure-env-value")
        self.assertExit(self.run_cli("get", "azure"), 3)


class AnthropicAuthTokenTest(CliTestCase):
    """pi 1.6.0's ANTHROPIC_AUTH_TOKEN: pi sends it as a bearer token; no key."""

    def test_status_get_exec(self):
        env = {"ANTHROPIC_AUTH_TOKEN": "bearer-value-5553"}
        self.extra_secrets = {"bearer-value-5553"}
        result = self.run_cli("get", "anthropic", extra_env=env)
        self.assertExit(result, 3)
        self.assertIn("ANTHROPIC_AUTH_TOKEN", result.err)
        self.assertEqual(result.out, b"")

        status = self.run_cli("--json", "status", "anthropic", extra_env=env).json()
        self.assertEqual(status[0]["source"], "env")
        self.assertIsNone(self.run_cli("--json", "status", "anthropic").json()[0]["source"])

        result = self.run_cli("exec", "--provider=anthropic", "--", "sh", "-c",
                              'test "$ANTHROPIC_AUTH_TOKEN" = bearer-value-5553', extra_env=env)
        self.assertExit(result, 0)
        self.assertExit(self.run_cli("exec", "--provider=anthropic", "--", "true"), 3)

        # A key wins over nothing, but pi 1.6.0 sends the bearer token first.
        result = self.run_cli("get", "anthropic", extra_env=dict(env, ANTHROPIC_API_KEY="k-5554"),
                              secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertEqual(result.text, "k-5554")


if __name__ == "__main__":
    unittest.main(verbosity=2)
