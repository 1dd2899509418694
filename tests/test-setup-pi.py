#!/usr/bin/python3
# Tests of `pi-keyring setup-pi [--undo]`, of `import --link` setting pi up
# and of what `status` says about pi: the built binary in a subprocess,
# with a temporary HOME, inside tests/with-test-keyring.sh.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

CLI = os.environ.get("PI_KEYRING_CLI", "")
SRCDIR = os.environ.get("PI_KEYRING_SRCDIR",
                        os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXTENSION_SOURCE = os.path.join(SRCDIR, "data", "pi-extension", "pi-keyring.ts")

MARKER = "// @pi-keyring-command@"
HEADER = re.compile(r"^// Installed by pi-keyring setup-pi (\S+); "
                    r"remove it with: pi-keyring setup-pi --undo$")

# What the import test puts in auth.json: none of it may stay under ~/.pi.
SECRETS = {
    "sk-setup-pi-openai-5d1e",
    "sk-ant-ort01-setup-pi-refresh-77aa",
    "sk-ant-oat01-setup-pi-access-88bb",
    "gho_setupPiRefresh99cc",
    "tid=setup-pi;exp=4102444800",
    "rt_setup-pi-codex-refresh-aa11",
    "setup-pi-codex-access-bb22",
}

# The caller's pi settings and keys must not reach the command.
DROPPED = ("PI_CODING_AGENT_DIR", "PI_KEYRING_BACKEND", "OPENAI_API_KEY", "ANTHROPIC_API_KEY",
           "ANTHROPIC_OAUTH_TOKEN", "COPILOT_GITHUB_TOKEN", "GH_TOKEN", "GITHUB_TOKEN")


def pi_format(entries):
    """auth.json as pi writes it: JSON.stringify (entries, null, 2)."""
    return json.dumps(entries, indent=2, ensure_ascii=False).encode("utf-8")


def have_keyring():
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return False
    proc = subprocess.run(["gdbus", "call", "--session", "-d", "org.freedesktop.DBus",
                           "-o", "/org/freedesktop/DBus", "-m",
                           "org.freedesktop.DBus.NameHasOwner", "org.freedesktop.secrets"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30)
    return proc.returncode == 0 and b"true" in proc.stdout


class Result:
    def __init__(self, args, code, out, err):
        self.args = args
        self.code = code
        self.out = out
        self.err = err

    def json(self):
        return json.loads(self.out.decode("utf-8"))

    def __repr__(self):
        return "pi-keyring %s → %d\nstdout: %s\nstderr: %s" % (
            " ".join(self.args), self.code, self.out.decode("utf-8", "replace"), self.err)


@unittest.skipUnless(CLI and os.access(CLI, os.X_OK), "PI_KEYRING_CLI is not set")
class SetupPiTestCase(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="test-setup-pi-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.home = os.path.join(self.tmp, "home")
        os.makedirs(self.home)
        # no pi unless a test puts one there
        self.bin = os.path.join(self.tmp, "bin")
        os.makedirs(self.bin)
        env = {k: v for k, v in os.environ.items() if k not in DROPPED}
        env.update({
            "HOME": self.home,
            "XDG_DATA_HOME": os.path.join(self.home, ".local", "share"),
            "XDG_CONFIG_HOME": os.path.join(self.home, ".config"),
            "XDG_CACHE_HOME": os.path.join(self.home, ".cache"),
            "XDG_STATE_HOME": os.path.join(self.home, ".local", "state"),
            "LC_ALL": "C.UTF-8",
            "PATH": os.pathsep.join([self.bin, os.path.dirname(os.path.abspath(CLI)),
                                     "/usr/bin", "/bin"]),
        })
        self.env = env
        self.agent_dir = os.path.join(self.home, ".pi", "agent")
        self.extension = os.path.join(self.agent_dir, "extensions", "pi-keyring.ts")

    def run_cli(self, *args, extra_env=None):
        env = dict(self.env)
        env.update(extra_env or {})
        proc = subprocess.run([CLI] + list(args), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                              timeout=120)
        err = proc.stderr.decode("utf-8", "replace")
        result = Result(list(args), proc.returncode, proc.stdout, err)
        for secret in SECRETS:
            self.assertNotIn(secret, err, repr(result))
            self.assertNotIn(secret, proc.stdout.decode("utf-8", "replace"), repr(result))
        self.assertNotIn("CRITICAL", err, repr(result))
        self.assertNotIn("AddressSanitizer", err, repr(result))
        self.assertNotIn("runtime error", err, repr(result))
        return result

    def assertExit(self, result, code):
        self.assertEqual(result.code, code, repr(result))

    def read(self, path):
        with open(path, "rb") as f:
            return f.read()

    def write(self, path, data, mode=0o600):
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, mode)

    def mode(self, path):
        return stat.S_IMODE(os.stat(path).st_mode)

    def expected_extension(self):
        """What setup-pi must write: the source, its command line naming
        this binary, after the header."""
        with open(EXTENSION_SOURCE, encoding="utf-8") as f:
            lines = f.read().split("\n")
        self.assertEqual(lines.count(MARKER), 1, "the extension's marker line")
        index = lines.index(MARKER) + 1
        lines[index] = "const PI_KEYRING_COMMAND = %s;" % json.dumps(os.path.realpath(CLI))
        return "\n".join(lines)

    def check_installed(self, path):
        text = self.read(path).decode("utf-8")
        first, rest = text.split("\n", 1)
        match = HEADER.match(first)
        self.assertIsNotNone(match, first)
        self.assertEqual(match.group(1), self.version())
        self.assertEqual(rest, self.expected_extension())
        # the command line is a JSON string of the absolute path of the binary
        command_line = rest.split("\n")[rest.split("\n").index(MARKER) + 1]
        literal = re.match(r"^const PI_KEYRING_COMMAND = (.*);$", command_line).group(1)
        self.assertEqual(json.loads(literal), os.path.realpath(CLI))
        self.assertTrue(os.path.isabs(json.loads(literal)))
        self.assertEqual(self.mode(path), 0o600)

    def version(self):
        result = self.run_cli("--version")
        return result.out.decode().split()[-1]

    def older_copy(self):
        """An extension of ours written by an older pi-keyring."""
        return (b"// Installed by pi-keyring setup-pi 0.0.1; remove it with: "
                b"pi-keyring setup-pi --undo\n// @pi-keyring-command@\n"
                b"const PI_KEYRING_COMMAND = \"/opt/old/pi-keyring\";\nexport default () => {};\n")

    def fake_pi(self, root, package, version, dist=("dist", "cli.js"), nested_package=True):
        """npm's layout: ROOT/node_modules/.bin/pi → ../PACKAGE/dist/cli.js, with
        PACKAGE/package.json naming it in "bin"; returns the .bin directory."""
        modules = os.path.join(root, "node_modules")
        package_dir = os.path.join(modules, *package.split("/"))
        script = os.path.join(package_dir, *dist)
        os.makedirs(os.path.dirname(script))
        with open(script, "w") as f:
            f.write("#!/bin/sh\necho fake pi\n")
        os.chmod(script, 0o755)
        with open(os.path.join(package_dir, "package.json"), "w") as f:
            json.dump({"name": package, "version": version,
                       "bin": {"pi": "/".join(dist)}}, f, indent="\t")
        if nested_package:
            # as pi 1.6.0's dist/ has one, without a "bin"
            with open(os.path.join(os.path.dirname(script), "package.json"), "w") as f:
                json.dump({"type": "module"}, f)
        bin_dir = os.path.join(modules, ".bin")
        os.makedirs(bin_dir)
        os.symlink(os.path.relpath(script, bin_dir), os.path.join(bin_dir, "pi"))
        return bin_dir


class InstallTest(SetupPiTestCase):

    def test_installs_the_extension_for_pi(self):
        result = self.run_cli("setup-pi")
        self.assertExit(result, 0)
        self.assertEqual(result.out, b"")
        self.assertIn("Installed", result.err)
        self.assertIn(self.extension, result.err)
        self.check_installed(self.extension)
        # directories made for it are private
        self.assertEqual(self.mode(os.path.join(self.agent_dir, "extensions")), 0o700)
        self.assertEqual(self.mode(self.agent_dir), 0o700)
        # nothing else is written: no auth.json, no temporary file
        self.assertEqual(os.listdir(self.agent_dir), ["extensions"])
        self.assertEqual(os.listdir(os.path.dirname(self.extension)), ["pi-keyring.ts"])

    def test_json(self):
        result = self.run_cli("--json", "setup-pi")
        self.assertExit(result, 0)
        self.assertEqual(result.json(), {"extension": self.extension, "action": "installed",
                                         "pi": []})
        result = self.run_cli("setup-pi", "--json")
        self.assertEqual(result.json()["action"], "unchanged")

    def test_idempotent(self):
        self.assertExit(self.run_cli("setup-pi"), 0)
        before = os.stat(self.extension)
        data = self.read(self.extension)
        result = self.run_cli("setup-pi")
        self.assertExit(result, 0)
        self.assertIn("already set up", result.err)
        self.assertNotIn("Installed", result.err)
        after = os.stat(self.extension)
        self.assertEqual(self.read(self.extension), data)
        # not written again
        self.assertEqual((before.st_ino, before.st_mtime_ns), (after.st_ino, after.st_mtime_ns))

    def test_updates_an_older_copy(self):
        self.write(self.extension, self.older_copy(), mode=0o644)
        result = self.run_cli("--json", "setup-pi")
        self.assertExit(result, 0)
        self.assertEqual(result.json()["action"], "updated")
        self.assertIn("Updated", result.err)
        self.check_installed(self.extension)

    def test_an_existing_directory_and_other_extensions_are_kept(self):
        other = os.path.join(self.agent_dir, "extensions", "mine.ts")
        self.write(other, b"export default () => {};\n", mode=0o644)
        os.chmod(os.path.dirname(other), 0o755)
        self.assertExit(self.run_cli("setup-pi"), 0)
        self.check_installed(self.extension)
        self.assertEqual(self.read(other), b"export default () => {};\n")
        self.assertEqual(self.mode(os.path.dirname(other)), 0o755)
        self.assertExit(self.run_cli("setup-pi", "--undo"), 0)
        self.assertEqual(os.listdir(os.path.dirname(other)), ["mine.ts"])

    def test_a_foreign_file_is_refused_and_untouched(self):
        foreign = b"// someone's own pi-keyring.ts\nexport default () => {};\n"
        self.write(self.extension, foreign, mode=0o644)
        before = os.stat(self.extension)
        for args in (["setup-pi"], ["--json", "setup-pi"]):
            with self.subTest(args=args):
                result = self.run_cli(*args)
                self.assertExit(result, 1)
                self.assertEqual(result.out, b"")
                self.assertIn("not written by pi-keyring setup-pi", result.err)
                self.assertIn(self.extension, result.err)
                self.assertEqual(self.read(self.extension), foreign)
                after = os.stat(self.extension)
                self.assertEqual(self.mode(self.extension), 0o644)
                self.assertEqual((before.st_ino, before.st_mtime_ns),
                                 (after.st_ino, after.st_mtime_ns))

    def test_a_directory_of_that_name_is_refused(self):
        os.makedirs(self.extension)
        result = self.run_cli("setup-pi")
        self.assertExit(result, 1)
        self.assertTrue(os.path.isdir(self.extension))

    def test_usage_errors(self):
        for args in (["setup-pi", "extra"], ["setup-pi", "--bogus"],
                     ["setup-pi", "--undo", "extra"]):
            with self.subTest(args=args):
                result = self.run_cli(*args)
                self.assertExit(result, 2)
                self.assertFalse(os.path.exists(os.path.join(self.home, ".pi")))

    def test_help(self):
        result = self.run_cli("help", "setup-pi")
        self.assertExit(result, 0)
        self.assertIn("--undo", result.out.decode())
        self.assertEqual(result.out, self.run_cli("setup-pi", "--help").out)
        self.assertIn("setup-pi", self.run_cli("--help").out.decode())


class UndoTest(SetupPiTestCase):

    def test_undo_removes_it_and_leaves_auth_json(self):
        auth = os.path.join(self.agent_dir, "auth.json")
        auth_data = pi_format({"openai": {"type": "api_key", "key": "!pi-keyring get openai"}})
        self.write(auth, auth_data)
        self.assertExit(self.run_cli("setup-pi"), 0)
        auth_before = os.stat(auth)

        result = self.run_cli("--json", "setup-pi", "--undo")
        self.assertExit(result, 0)
        self.assertEqual(result.json()["action"], "removed")
        self.assertEqual(result.json()["extension"], self.extension)
        self.assertIn("Removed", result.err)
        self.assertFalse(os.path.lexists(self.extension))
        self.assertEqual(self.read(auth), auth_data)
        self.assertEqual(os.stat(auth).st_mtime_ns, auth_before.st_mtime_ns)

        result = self.run_cli("setup-pi", "--undo")
        self.assertExit(result, 0)
        self.assertIn("nothing to remove", result.err)
        result = self.run_cli("--json", "setup-pi", "--undo")
        self.assertEqual(result.json()["action"], "absent")
        self.assertFalse(os.path.exists(os.path.join(self.agent_dir, "extensions",
                                                     "pi-keyring.ts")))

    def test_undo_removes_an_older_copy(self):
        self.write(self.extension, self.older_copy())
        result = self.run_cli("setup-pi", "--undo")
        self.assertExit(result, 0)
        self.assertFalse(os.path.lexists(self.extension))

    def test_undo_of_a_foreign_file_is_refused(self):
        foreign = b"export default function (pi) {}\n"
        self.write(self.extension, foreign)
        result = self.run_cli("setup-pi", "--undo")
        self.assertExit(result, 1)
        self.assertIn("not written by pi-keyring setup-pi", result.err)
        self.assertEqual(self.read(self.extension), foreign)


class AgentDirTest(SetupPiTestCase):

    def test_pi_coding_agent_dir(self):
        absolute = os.path.join(self.tmp, "elsewhere", "agent")
        cases = [
            (absolute, os.path.join(absolute, "extensions", "pi-keyring.ts")),
            ("~", os.path.join(self.home, "extensions", "pi-keyring.ts")),
            ("~/x", os.path.join(self.home, "x", "extensions", "pi-keyring.ts")),
            ("", self.extension),   # empty is unset
        ]
        for value, expected in cases:
            with self.subTest(value=value):
                env = {"PI_CODING_AGENT_DIR": value}
                result = self.run_cli("--json", "setup-pi", extra_env=env)
                self.assertExit(result, 0)
                self.assertEqual(result.json()["extension"], expected)
                self.assertEqual(result.json()["action"], "installed")
                self.check_installed(expected)
                result = self.run_cli("setup-pi", "--undo", extra_env=env)
                self.assertExit(result, 0)
                self.assertFalse(os.path.exists(expected))
        # "~" is not taken literally
        self.assertFalse(os.path.exists(os.path.join(os.getcwd(), "~")))


class PiOnPathTest(SetupPiTestCase):

    def test_the_pi_on_path_is_reported_with_its_version(self):
        old = self.fake_pi(os.path.join(self.tmp, "old"), "@mariozechner/pi-coding-agent",
                           "0.73.1")
        new = self.fake_pi(os.path.join(self.tmp, "new"), "@earendil-works/pi-coding-agent",
                           "1.6.0", dist=("dist", "bundle", "cli.js"))
        env = {"PATH": os.pathsep.join([old, new, self.env["PATH"]])}
        result = self.run_cli("setup-pi", extra_env=env)
        self.assertExit(result, 0)
        self.assertIn("pi 0.73.1 (@mariozechner/pi-coding-agent) at %s/pi" % old, result.err)
        self.assertIn("pi 1.6.0 (@earendil-works/pi-coding-agent) at %s/pi" % new, result.err)
        self.assertLess(result.err.index("0.73.1"), result.err.index("1.6.0"))
        self.assertNotIn("No pi", result.err)

        result = self.run_cli("--json", "setup-pi", extra_env=env)
        self.assertEqual(result.json()["pi"], [
            {"path": os.path.join(old, "pi"), "package": "@mariozechner/pi-coding-agent",
             "version": "0.73.1"},
            {"path": os.path.join(new, "pi"), "package": "@earendil-works/pi-coding-agent",
             "version": "1.6.0"},
        ])

    def test_a_pi_reached_twice_is_reported_once(self):
        old = self.fake_pi(os.path.join(self.tmp, "old"), "@mariozechner/pi-coding-agent",
                           "0.73.1")
        os.symlink(os.path.join(old, "pi"), os.path.join(self.bin, "pi"))
        env = {"PATH": os.pathsep.join([self.bin, old, self.env["PATH"]])}
        result = self.run_cli("--json", "setup-pi", extra_env=env)
        self.assertEqual(result.json()["pi"], [
            {"path": os.path.join(self.bin, "pi"), "package": "@mariozechner/pi-coding-agent",
             "version": "0.73.1"}])

    def test_a_pi_without_a_package(self):
        script = os.path.join(self.bin, "pi")
        with open(script, "w") as f:
            f.write("#!/bin/sh\n")
        os.chmod(script, 0o755)
        result = self.run_cli("--json", "setup-pi")
        self.assertExit(result, 0)
        self.assertEqual(result.json()["pi"], [{"path": script, "package": None,
                                                "version": None}])
        self.assertIn("pi at %s" % script, result.err)

    def test_no_pi_is_a_warning(self):
        result = self.run_cli("setup-pi")
        self.assertExit(result, 0)
        self.assertIn("warning: No pi was found on PATH", result.err)
        self.check_installed(self.extension)


@unittest.skipUnless(have_keyring(), "no private keyring (run under tests/with-test-keyring.sh)")
class ImportLinkTest(SetupPiTestCase):

    def auth_entries(self):
        return {
            "openai": {"type": "api_key", "key": "sk-setup-pi-openai-5d1e"},
            "anthropic": {"type": "oauth", "refresh": "sk-ant-ort01-setup-pi-refresh-77aa",
                          "access": "sk-ant-oat01-setup-pi-access-88bb",
                          "expires": 4102444800000},
            "github-copilot": {"type": "oauth", "refresh": "gho_setupPiRefresh99cc",
                               "access": "tid=setup-pi;exp=4102444800;sku=x",
                               "expires": 4102444500000},
            "openai-codex": {"type": "oauth", "refresh": "rt_setup-pi-codex-refresh-aa11",
                             "access": "setup-pi-codex-access-bb22",
                             "expires": 4102444800000, "accountId": "acct-1"},
        }

    def test_import_link_sets_pi_up_and_leaves_no_secret(self):
        auth = os.path.join(self.agent_dir, "auth.json")
        self.write(auth, pi_format(self.auth_entries()))
        fake = self.fake_pi(os.path.join(self.tmp, "npm"), "@mariozechner/pi-coding-agent",
                            "0.73.1")
        env = {"PATH": os.pathsep.join([fake, self.env["PATH"]])}
        result = self.run_cli("--backend=secret-service", "import", "--link", extra_env=env)
        self.assertExit(result, 0)
        self.assertIn("Installed", result.err)
        self.assertIn("pi 0.73.1 (@mariozechner/pi-coding-agent)", result.err)
        self.check_installed(self.extension)

        # every entry, OAuth ones included, is a link in pi's order and format
        expected = {p: {"type": "api_key", "key": "!pi-keyring get " + p}
                    for p in self.auth_entries()}
        self.assertEqual(self.read(auth), pi_format(expected))
        self.assertEqual(self.mode(auth), 0o600)

        # no secret of the imported file anywhere under ~/.pi
        for root, dirs, files in os.walk(os.path.join(self.home, ".pi")):
            for name in files:
                data = self.read(os.path.join(root, name)).decode("utf-8", "replace")
                for secret in SECRETS:
                    self.assertNotIn(secret, data, os.path.join(root, name))

        # the keyring has them, and the link gives pi the token
        proc = subprocess.run(["/bin/sh", "-c", expected["anthropic"]["key"][1:]],
                              env=dict(self.env, PI_KEYRING_BACKEND="secret-service"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(proc.stdout, b"sk-ant-oat01-setup-pi-access-88bb", proc.stderr)

        # a second import --link copies no link into the keyring, and changes nothing
        result = self.run_cli("--backend=secret-service", "import", "--link", extra_env=env)
        self.assertExit(result, 0)
        self.assertIn("already set up", result.err)
        self.assertEqual(self.read(auth), pi_format(expected))
        proc = subprocess.run([CLI, "--backend=secret-service", "get", "openai"], env=self.env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(proc.stdout, b"sk-setup-pi-openai-5d1e", proc.stderr)

        for provider in self.auth_entries():
            subprocess.run([CLI, "--backend=secret-service", "remove", provider], env=self.env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)

    def test_import_without_link_does_not_set_pi_up(self):
        auth = os.path.join(self.agent_dir, "auth.json")
        self.write(auth, pi_format({"openai": self.auth_entries()["openai"]}))
        result = self.run_cli("--backend=secret-service", "import")
        self.assertExit(result, 0)
        self.assertFalse(os.path.exists(self.extension))
        subprocess.run([CLI, "--backend=secret-service", "remove", "openai"], env=self.env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)

    def test_import_link_with_a_foreign_extension_fails_after_importing(self):
        auth = os.path.join(self.agent_dir, "auth.json")
        self.write(auth, pi_format({"openai": self.auth_entries()["openai"]}))
        foreign = b"export default () => {};\n"
        self.write(self.extension, foreign)
        result = self.run_cli("--backend=secret-service", "import", "--link")
        self.assertExit(result, 1)
        self.assertIn("not written by pi-keyring setup-pi", result.err)
        self.assertEqual(self.read(self.extension), foreign)
        # the import itself was done
        self.assertEqual(self.read(auth), pi_format({"openai": {
            "type": "api_key", "key": "!pi-keyring get openai"}}))
        subprocess.run([CLI, "--backend=secret-service", "remove", "openai"], env=self.env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)


class StatusTest(SetupPiTestCase):

    def status(self, extra_env=None):
        result = self.run_cli("--backend=memory", "status", extra_env=extra_env)
        self.assertExit(result, 0)
        self.assertEqual(result.err, "")
        return result.out.decode()

    def test_status_says_whether_pi_is_set_up(self):
        text = self.status()
        self.assertIn("pi's extension: %s: not installed" % self.extension, text)
        self.assertIn("pi: none found on PATH", text)

        self.assertExit(self.run_cli("setup-pi"), 0)
        text = self.status()
        self.assertIn("pi's extension: %s: installed" % self.extension, text)
        self.assertIn("runs: %s" % os.path.realpath(CLI), text)
        self.assertNotIn("out of date", text)

        self.write(self.extension, self.older_copy())
        text = self.status()
        self.assertIn("pi's extension: %s: out of date" % self.extension, text)
        self.assertIn("runs: /opt/old/pi-keyring", text)
        self.assertIn("/opt/old/pi-keyring is not there", text)

        self.write(self.extension, b"export default () => {};\n")
        text = self.status()
        self.assertIn("pi's extension: %s: a file of that name that pi-keyring did not write"
                      % self.extension, text)

        fake = self.fake_pi(os.path.join(self.tmp, "npm"), "@earendil-works/pi-coding-agent",
                            "1.6.0", dist=("dist", "bundle", "cli.js"))
        text = self.status({"PATH": os.pathsep.join([fake, self.env["PATH"]])})
        self.assertIn("pi: pi 1.6.0 (@earendil-works/pi-coding-agent) at %s/pi" % fake, text)

    def test_status_json_keeps_its_array(self):
        self.assertExit(self.run_cli("setup-pi"), 0)
        result = self.run_cli("--backend=memory", "--json", "status")
        self.assertExit(result, 0)
        self.assertIsInstance(result.json(), list)
        self.assertNotIn("extension", result.out.decode())


if __name__ == "__main__":
    if not CLI:
        sys.exit("PI_KEYRING_CLI is not set")
    unittest.main(verbosity=2)
