#!/usr/bin/python3
# Hardening of the pi-keyring command: no core dumps and no ptrace; no secret
# in an argument list, in the environment of the programs it starts (other
# than `exec`'s command), in its debug log or in its messages; private file
# modes; hostile input gets a clear error, in time, and loses nothing.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import collections
import importlib.util
import json
import os
import signal
import stat
import subprocess
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"
NOBODY = 65534


def load_module(name, filename):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cli = load_module("test_cli", "test-cli.py")
login = load_module("test_cli_login", "test-cli-login.py")
CLI = cli.CLI

OPENAI_KEY = "sk-hardening-openai-5b6c7d"
ANTHROPIC_KEY = "sk-ant-api03-hardening-8e9f0a"
GROQ_KEY = "gsk-hardening-groq-1b2c3d"
PASSPHRASE = "hardening vault passphrase 4e5f"
SECRETS = {OPENAI_KEY, ANTHROPIC_KEY, GROQ_KEY, PASSPHRASE}


def wait_until(predicate, timeout=10, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


class HardeningTestCase(cli.CliTestCase):
    def setUp(self):
        super().setUp()
        self.extra_secrets = set(SECRETS)
        self.vault = os.path.join(self.env["XDG_DATA_HOME"], "pi-keyring", "credentials.vault")

    def blocked_set(self, *options, preexec_fn=None, env=None):
        """`pi-keyring set openai` waiting for its key on stdin."""
        return subprocess.Popen([CLI] + list(options) + ["set", "openai"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env or self.env,
                                preexec_fn=preexec_fn)

    def finish(self, proc, stdin=b""):
        out, err = proc.communicate(stdin, timeout=60)
        return proc.returncode, out, err.decode("utf-8", "replace")


# --- the process itself -----------------------------------------------------------

class ProcessTest(HardeningTestCase):
    needs_keyring = False

    def run_as_other_user(self):
        """Under root the files of /proc always belong to root; another user
        makes the dumpable flag visible in their owner."""
        if os.geteuid() != 0:
            return None, os.geteuid()

        def drop():
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)

        # That user must reach the command: a checkout in a directory only
        # root may enter (mktemp -d makes it 0700) cannot be run as nobody.
        if subprocess.run(["test", "-x", CLI], preexec_fn=drop).returncode != 0:
            self.skipTest("user %d cannot run %s (a parent directory is closed to it)"
                          % (NOBODY, CLI))
        return drop, NOBODY

    def test_not_dumpable_and_no_core_files(self):
        preexec_fn, uid = self.run_as_other_user()
        if uid == 0:
            self.skipTest("cannot run as another user")
        env = dict(self.env)
        env["HOME"] = env["PI_CODING_AGENT_DIR"] = "/nonexistent"
        proc = self.blocked_set("--backend=memory", preexec_fn=preexec_fn, env=env)
        try:
            environ = "/proc/%d/environ" % proc.pid
            # A dumpable process owns its /proc files; a non-dumpable one's
            # belong to root (and only CAP_SYS_PTRACE may ptrace it).
            owner = wait_until(lambda: os.stat(environ).st_uid == 0 and "root")
            self.assertEqual(owner, "root", "pi-keyring is still dumpable")
            self.assertEqual(os.stat("/proc/%d/mem" % proc.pid).st_uid, 0)
            with open("/proc/%d/status" % proc.pid) as f:
                status = f.read()
            self.assertRegex(status, r"\nUid:\s+%d\s" % uid)
            with open("/proc/%d/limits" % proc.pid) as f:
                limits = f.read()
            core = [line for line in limits.splitlines() if line.startswith("Max core file size")]
            self.assertEqual(core[0].split()[4], "0", core)
        finally:
            proc.kill()
            self.finish(proc)

    def test_the_command_of_exec_is_normal_again(self):
        preexec_fn, uid = self.run_as_other_user()
        if uid == 0:
            self.skipTest("cannot run as another user")
        env = dict(self.env)
        env["HOME"] = env["PI_CODING_AGENT_DIR"] = "/nonexistent"
        proc = subprocess.Popen([CLI, "--backend=memory", "exec", "--", "sh", "-c",
                                 'ulimit -c; exec sleep 30'],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                preexec_fn=preexec_fn)
        try:
            limit = proc.stdout.readline().decode().strip()
            expected = subprocess.run(["sh", "-c", "ulimit -c"], stdout=subprocess.PIPE,
                                      preexec_fn=preexec_fn).stdout.decode().strip()
            self.assertEqual(limit, expected)
            self.assertTrue(wait_until(
                lambda: os.stat("/proc/%d/environ" % proc.pid).st_uid == uid),
                "the command of exec is not dumpable")
        finally:
            proc.kill()
            proc.wait()
            proc.stdout.close()
            proc.stderr.close()


# --- argv, the environment of children, logs ---------------------------------------

class CmdlineScanner(threading.Thread):
    """Reads every process's command line while a test runs."""

    def __init__(self, secrets):
        super().__init__(daemon=True)
        self.secrets = [s.encode() for s in secrets]
        self.found = []
        self.seen_pi_keyring = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    with open("/proc/%s/cmdline" % pid, "rb") as f:
                        cmdline = f.read()
                except OSError:
                    continue
                if b"pi-keyring" in cmdline:
                    self.seen_pi_keyring += 1
                for secret in self.secrets:
                    if secret in cmdline:
                        self.found.append(cmdline)
            time.sleep(0.005)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.join(5)


class ChildrenTest(HardeningTestCase):
    def test_no_secret_in_any_argument_list(self):
        self.set_key("anthropic", ANTHROPIC_KEY)
        self.set_key("groq", GROQ_KEY, "--backend=file")
        # A key command that takes a while, so that its process is seen.
        self.set_key("openai", "!sleep 0.3; printf %s " + OPENAI_KEY[:3] + "-" + "x")
        with CmdlineScanner({ANTHROPIC_KEY, GROQ_KEY, PASSPHRASE}) as scanner:
            self.assertExit(self.run_cli("exec", "--", "sleep", "0.3"), 0)
            self.assertExit(self.run_cli("get", "openai", secrets_on_stdout=True), 0)
            self.assertExit(self.run_cli("get", "anthropic", secrets_on_stdout=True), 0)
            self.assertExit(self.run_cli("--backend=encrypted-file", "set", "groq",
                                         stdin=GROQ_KEY.encode(),
                                         extra_env={"PI_KEYRING_PASSPHRASE": PASSPHRASE}), 0)
            self.assertExit(self.run_cli("export", os.path.join(self.tmp, "out.json")), 0)
            self.assertExit(self.run_cli("import", self.auth_file), 0)
        self.assertGreater(scanner.seen_pi_keyring, 0)
        self.assertEqual(scanner.found, [])

    def test_key_commands_see_only_the_users_environment(self):
        # pi-keyring holds the Anthropic key when it runs openai's command:
        # the command must not get it, nor anything else pi-keyring knows.
        self.set_key("anthropic", ANTHROPIC_KEY)
        self.set_key("openai", "!env")
        user_env = dict(self.env, PI_KEYRING_PASSPHRASE=PASSPHRASE)
        for args in [["exec", "--", "printenv", "OPENAI_API_KEY"], ["get", "openai"]]:
            with self.subTest(args=args):
                result = self.run_cli(*args, secrets_on_stdout=True, env=user_env)
                self.assertExit(result, 0)
                seen = dict(line.split("=", 1) for line in result.text.strip().splitlines()
                            if "=" in line)
                self.assertNotIn(ANTHROPIC_KEY, result.text)
                self.assertNotIn("ANTHROPIC_API_KEY", seen)
                self.assertNotIn("PI_KEYRING_EXEC", seen)
                # What the user had, and no more (the shell adds its own few).
                added = set(seen) - set(user_env) - {"PWD", "SHLVL", "_", "OLDPWD",
                                                     "PI_KEYRING_GET_CHAIN"}
                self.assertEqual(added, set())
                self.assertEqual(seen["PI_KEYRING_PASSPHRASE"], PASSPHRASE)


class BrowserTest(login.LoginTestCase):
    def test_the_browser_sees_only_the_users_environment_and_logs_hold_no_token(self):
        self.set_key("anthropic", ANTHROPIC_KEY)
        self.extra_secrets = getattr(self, "extra_secrets", set()) | {ANTHROPIC_KEY}
        dump = os.path.join(self.tmp, "browser-env")
        script = os.path.join(self.tmp, "browser.sh")
        with open(script, "w") as f:
            f.write('#!/bin/sh\nenv > "%s"\nexec %s %s "$@"\n'
                    % (dump, PYTHON, login.FAKE_BROWSER))
        os.chmod(script, 0o700)
        self.env["BROWSER"] = script
        # Everything the library logs, tokens included if it ever did.
        result = self.login("github-copilot", extra_env={"G_MESSAGES_DEBUG": "all"})
        self.assertExit(result, 0)
        entry = self.stored("github-copilot")
        self.assertNoTokens(result.err, entry)
        self.assertNotIn(ANTHROPIC_KEY, result.err)

        with open(dump) as f:
            seen = dict(line.split("=", 1) for line in f.read().splitlines() if "=" in line)
        self.assertNotIn(entry["access"], json.dumps(seen))
        self.assertNotIn(entry["refresh"], json.dumps(seen))
        added = set(seen) - set(self.env) - {"PWD", "SHLVL", "_", "OLDPWD",
                                             "FAKE_BROWSER_MODE", "G_MESSAGES_DEBUG"}
        self.assertEqual(added, set())

        # A refresh with the debug log on: neither token shows. Under umask 0,
        # its lock directories and files are private all the same.
        old_umask = os.umask(0)
        try:
            result = self.run_cli("refresh", "github-copilot",
                                  extra_env={"G_MESSAGES_DEBUG": "all"})
        finally:
            os.umask(old_umask)
        self.assertExit(result, 0)
        refreshed = self.stored("github-copilot")
        self.assertNoTokens(result.err, entry)
        self.assertNoTokens(result.err, refreshed)

        base = os.path.join(os.environ["XDG_RUNTIME_DIR"], "pi-keyring")
        self.assertTrue(os.path.isfile(os.path.join(base, "default", "github-copilot.lock")))
        for directory, dirs, files in os.walk(base):
            self.assertEqual(stat.S_IMODE(os.stat(directory).st_mode), 0o700, directory)
            for name in files:
                path = os.path.join(directory, name)
                self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600, path)


class DebugLogTest(HardeningTestCase):
    def test_no_secret_in_the_debug_log_of_any_command(self):
        debug = {"G_MESSAGES_DEBUG": "all", "PI_KEYRING_PASSPHRASE": PASSPHRASE}
        out_file = os.path.join(self.tmp, "export.json")
        runs = [
            (["set", "openai"], OPENAI_KEY + "\n"),
            (["--backend=file", "set", "anthropic"], ANTHROPIC_KEY),
            (["--backend=encrypted-file", "set", "groq"], GROQ_KEY),
            (["get", "openai"], None),
            (["get", "anthropic"], None),
            (["--backend=encrypted-file", "get", "groq"], None),
            (["list"], None),
            (["--backend=encrypted-file", "list"], None),
            (["status"], None),
            (["--json", "status"], None),
            (["--backend=encrypted-file", "status"], None),
            (["export", out_file], None),
            (["--backend=encrypted-file", "export", out_file], None),
            (["import", self.auth_file], None),
            (["exec", "--", "true"], None),
            (["--backend=encrypted-file", "exec", "--", "true"], None),
            (["unlock"], None),
            (["--backend=encrypted-file", "unlock"], None),
            (["refresh"], None),
            (["providers"], None),
            (["remove", "openai"], None),
            (["--backend=encrypted-file", "remove", "groq"], None),
            (["get", "openai"], None),
        ]
        for args, stdin in runs:
            with self.subTest(args=args):
                result = self.run_cli(*args, stdin=(stdin or "").encode(), extra_env=debug,
                                      secrets_on_stdout=args[-2:-1] == ["get"])
                self.assertIn(result.code, (0, 3), result)
                for secret in SECRETS:
                    self.assertNotIn(secret, result.err)


class ErrorMessageTest(HardeningTestCase):
    def test_no_secret_in_error_messages(self):
        # Malformed files, with the secret right where the parser stops.
        cases = [
            b'{"openai": {"type": "api_key", "key": "' + OPENAI_KEY.encode(),
            b'{"openai": {"type": "api_key", "key": "' + OPENAI_KEY.encode() + b'" "x"}}',
            b'{"openai": {"type": "api_key", "key": "' + OPENAI_KEY.encode() + b'\x00"}}',
            b'{"' + OPENAI_KEY.encode() + b'": }',
        ]
        for data in cases:
            with self.subTest(data=data):
                self.write_auth_file(data)
                for args in [["get", "openai"], ["--backend=file", "list"], ["status"],
                             ["exec", "--", "true"], ["import"]]:
                    result = self.run_cli(*args, stdin=b"x")
                    self.assertEqual(result.code, 1, result)
                    self.assertIn("auth.json", result.err)
                    self.assertNotIn(OPENAI_KEY, result.err)
                    self.assertNotIn(OPENAI_KEY[:12], result.err)
                self.assertEqual(self.read(self.auth_file), data)

    def test_a_failing_key_command_does_not_show_its_output(self):
        self.set_key("openai", "!printf %s " + OPENAI_KEY + "; exit 3")
        result = self.run_cli("get", "openai")
        self.assertEqual(result.code, 1)
        self.assertNotIn(OPENAI_KEY, result.err)

    def test_a_wrong_passphrase_is_not_shown(self):
        vault = {"PI_KEYRING_PASSPHRASE": PASSPHRASE}
        self.assertExit(self.run_cli("--backend=encrypted-file", "set", "openai",
                                     stdin=OPENAI_KEY.encode(), extra_env=vault), 0)
        wrong = "wrong-" + PASSPHRASE
        self.extra_secrets.add(wrong)
        result = self.run_cli("--backend=encrypted-file", "get", "openai",
                              extra_env={"PI_KEYRING_PASSPHRASE": wrong})
        self.assertExit(result, 5)
        self.assertNotIn("wrong-", result.err)


# --- files ----------------------------------------------------------------------------

class FileModeTest(HardeningTestCase):
    def mode(self, path):
        return stat.S_IMODE(os.stat(path).st_mode)

    def test_private_modes_whatever_the_umask(self):
        env = dict(self.env)
        env["PI_KEYRING_PASSPHRASE"] = PASSPHRASE
        old = os.umask(0)
        try:
            for args in [["--backend=file", "set", "openai"],
                         ["--backend=encrypted-file", "set", "openai"]]:
                proc = subprocess.run([CLI] + args, input=OPENAI_KEY.encode(), env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
                self.assertEqual(proc.returncode, 0, proc.stderr)
            out_file = os.path.join(self.tmp, "exported", "auth.json")
            os.makedirs(os.path.dirname(out_file), mode=0o700)
            proc = subprocess.run([CLI, "--backend=file", "export", out_file], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
            self.assertEqual(proc.returncode, 0, proc.stderr)
        finally:
            os.umask(old)
        self.assertEqual(self.mode(self.auth_file), 0o600)
        self.assertEqual(self.mode(self.agent_dir), 0o700)
        self.assertEqual(self.mode(self.vault), 0o600)
        self.assertEqual(self.mode(os.path.dirname(self.vault)), 0o700)
        self.assertEqual(self.mode(out_file), 0o600)
        for name in os.listdir(os.path.dirname(self.vault)):
            self.assertEqual(self.mode(os.path.join(os.path.dirname(self.vault), name)) & 0o077,
                             0, name)
        # Nothing left behind: no temporary file, no lock of pi's.
        self.assertEqual(sorted(os.listdir(self.agent_dir)), ["auth.json"])

    def test_a_readable_auth_json_is_made_private_on_write_and_status_warns(self):
        self.write_auth_file(cli.pi_format({"openai": {"type": "api_key", "key": OPENAI_KEY}}),
                             mode=0o644)
        # the warning is part of status's report, on stdout
        result = self.run_cli("status")
        self.assertIn("chmod 600", result.text)
        self.assertIn("0644", result.text)
        self.set_key("groq", GROQ_KEY, "--backend=file")
        self.assertEqual(self.mode(self.auth_file), 0o600)
        result = self.run_cli("status")
        self.assertNotIn("chmod 600", result.text + result.err)


# --- hostile input ----------------------------------------------------------------------

class HostileInputTest(HardeningTestCase):
    """Every case: an exit status among the expected ones, within the time-out,
    no crash, no secret on stderr, and a file that could not be read is never
    written."""

    def run_bounded(self, *args, stdin=b"", extra_env=None, allowed=(1,), timeout=30):
        start = time.monotonic()
        result = self.run_cli(*args, stdin=stdin, extra_env=extra_env, timeout=timeout,
                              secrets_on_stdout=args[-2:-1] == ("get",))
        self.assertIn(result.code, allowed, result)
        self.assertGreaterEqual(result.code, 0, "killed by a signal: %r" % result)
        self.assertLess(time.monotonic() - start, timeout)
        return result

    def test_hostile_auth_json(self):
        secret = OPENAI_KEY.encode()
        cases = collections.OrderedDict([
            ("truncated", b'{"openai": {"type": "api_key", "key": "' + secret),
            ("trailing garbage", b'{"openai": {"type": "api_key", "key": "x"}} trailing'),
            ("top-level array", b'[1, 2]'),
            ("top-level string", b'"' + secret + b'"'),
            ("top-level null", b'null'),
            ("NUL byte", b'{"openai": {"type": "api_key", "key": "a\x00b"}}'),
            ("deep nesting", b'[' * 100000),
            ("deep object nesting", b'{"a":' * 100000),
            ("lone surrogate", b'{"openai": {"type": "api_key", "key": "\\ud800"}}'),
            ("control character", b'{"openai": {"type": "api_key", "key": "a\x01b"}}'),
        ])
        for name, data in cases.items():
            with self.subTest(case=name):
                self.write_auth_file(data)
                self.run_bounded("get", "openai", allowed=(1, 3))
                self.run_bounded("--backend=file", "set", "openai", stdin=secret, allowed=(1,))
                self.assertEqual(self.read(self.auth_file), data, "the file was changed")
                self.run_bounded("--backend=file", "list", allowed=(1,))
                self.run_bounded("status", allowed=(0, 1))

        # Invalid UTF-8 is no error: pi reads it as U+FFFD (Node decodes the
        # file first), and so do we; a write then stores what pi would.
        self.write_auth_file(b'{"openai": {"type": "api_key", "key": "\xff\xfe"}}')
        result = self.run_cli("get", "openai", secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertEqual(result.out, "\ufffd\ufffd".encode())
        self.run_bounded("--backend=file", "set", "groq", stdin=GROQ_KEY.encode(), allowed=(0,))
        self.assertEqual(json.loads(self.read(self.auth_file).decode("utf-8"))["openai"]["key"],
                         "\ufffd\ufffd")

    def test_odd_but_valid_auth_json(self):
        cases = collections.OrderedDict([
            ("empty file", (b"", 3)),
            ("entry not an object", (b'{"openai": 5}', 3)),
            ("key not a string", (b'{"openai": {"type": "api_key", "key": 5}}', 1)),
            ("unknown type", (b'{"openai": {"type": "magic", "key": "x"}}', 3)),
            ("duplicate keys, last wins", (b'{"openai": {"type": "api_key", "key": "a"}, '
                                            b'"openai": {"type": "api_key", "key": "b"}}', 0)),
            ("expires not a number", (b'{"anthropic": {"type": "oauth", "access": "x", '
                                      b'"expires": "soon"}}', 3)),
            # JavaScript reads 1e400 as Infinity and writes it back as null.
            ("huge number", (b'{"anthropic": {"type": "oauth", "access": "x", '
                             b'"expires": 1e400}}', 0)),
        ])
        for name, (data, code) in cases.items():
            with self.subTest(case=name):
                self.write_auth_file(data)
                provider = "anthropic" if b"anthropic" in data else "openai"
                self.run_bounded("get", provider, allowed=(code, 0), timeout=30)
                self.run_bounded("--backend=file", "set", "groq", stdin=b"gsk-odd",
                                 allowed=(0, 1))
                with open(self.auth_file, "rb") as f:
                    if f.read() != data:
                        f.seek(0)
                        json.load(f)

    def test_byte_order_mark(self):
        # pi 1.6.0 strips a leading BOM (utils/text.js stripBom) and so do we;
        # a write stores the file without it.
        self.write_auth_file(b'\xef\xbb\xbf{"openai": {"type": "api_key", "key": "a"}}')
        result = self.run_cli("get", "openai", secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertEqual(result.out, b"a")
        self.run_bounded("--backend=file", "set", "groq", stdin=b"gsk-bom", allowed=(0,))
        data = self.read(self.auth_file)
        self.assertFalse(data.startswith(b"\xef\xbb\xbf"), data[:8])
        self.assertEqual(json.loads(data)["openai"]["key"], "a")

    def test_auth_json_that_is_not_a_file(self):
        os.makedirs(self.agent_dir, mode=0o700)
        cases = collections.OrderedDict([
            ("directory", lambda p: os.mkdir(p)),
            ("FIFO without a writer", lambda p: os.mkfifo(p)),
            ("symbolic link to /dev/zero", lambda p: os.symlink("/dev/zero", p)),
            ("symbolic link to /dev/urandom", lambda p: os.symlink("/dev/urandom", p)),
            ("dangling symbolic link", lambda p: os.symlink(p + ".nowhere", p)),
            ("symbolic link loop", lambda p: os.symlink(p, p)),
        ])
        for name, make in cases.items():
            with self.subTest(case=name):
                make(self.auth_file)
                try:
                    self.run_bounded("get", "openai", allowed=(1, 3), timeout=20)
                    self.run_bounded("--backend=file", "set", "openai",
                                     stdin=OPENAI_KEY.encode(), allowed=(0, 1), timeout=20)
                finally:
                    if os.path.isdir(self.auth_file) and not os.path.islink(self.auth_file):
                        os.rmdir(self.auth_file)
                    else:
                        os.unlink(self.auth_file)

    def test_auth_json_too_large(self):
        data = b'{"x": "' + b"a" * (65 * 1024 * 1024) + b'"}'
        self.write_auth_file(data)
        result = self.run_bounded("get", "openai", allowed=(1,))
        self.assertIn("too large", result.err)

    def test_pis_lock_in_odd_states(self):
        self.write_auth_file(b"{}")
        lock = self.auth_file + ".lock"
        # A file where pi's lock directory belongs: an error, not a wait.
        with open(lock, "w"):
            pass
        self.run_bounded("--backend=file", "set", "openai", stdin=OPENAI_KEY.encode(),
                         allowed=(1,))
        os.unlink(lock)
        # A stale lock (older than pi's 10 s) is taken over at once.
        os.mkdir(lock)
        past = time.time() - 60
        os.utime(lock, (past, past))
        result = self.run_bounded("--backend=file", "set", "openai", stdin=OPENAI_KEY.encode(),
                                  allowed=(0,), timeout=10)
        self.assertFalse(os.path.exists(lock))

    def test_hostile_vault(self):
        vault_env = {"PI_KEYRING_PASSPHRASE": PASSPHRASE}
        header = ('{"format":"pi-keyring-vault","version":1,"kdf":{"name":"pbkdf2-sha256",'
                  '"iterations":%s,"salt":"%s"},"cipher":"aes-256-gcm","nonce":"%s",'
                  '"ciphertext":"%s"}')
        salt, nonce, ct = "A" * 22 + "==", "A" * 16, "A" * 22 + "=="
        cases = collections.OrderedDict([
            ("garbage", b"garbage"),
            ("empty", b""),
            ("not an envelope", b'{"format": "something else"}'),
            ("future version", b'{"format":"pi-keyring-vault","version":2}'),
            ("iterations too many", (header % ("2147483647", salt, nonce, ct)).encode()),
            ("iterations too few", (header % ("1000", salt, nonce, ct)).encode()),
            ("iterations negative", (header % ("-1", salt, nonce, ct)).encode()),
            ("iterations not a number", (header % ('"600000"', salt, nonce, ct)).encode()),
            ("bad nonce", (header % ("600000", salt, "!!!", ct)).encode()),
            ("short salt", (header % ("600000", "AAAA", nonce, ct)).encode()),
            ("ciphertext not base64", (header % ("600000", salt, nonce, "%%%")).encode()),
            ("forged ciphertext", (header % ("600000", salt, nonce, ct)).encode()),
            ("deep nesting", b"[" * 100000),
        ])
        os.makedirs(os.path.dirname(self.vault), mode=0o700, exist_ok=True)
        for name, data in cases.items():
            with self.subTest(case=name):
                with open(self.vault, "wb") as f:
                    f.write(data)
                os.chmod(self.vault, 0o600)
                self.run_bounded("--backend=encrypted-file", "get", "openai",
                                 extra_env=vault_env, allowed=(1, 5))
                self.run_bounded("--backend=encrypted-file", "set", "openai",
                                 stdin=OPENAI_KEY.encode(), extra_env=vault_env, allowed=(1, 5))
                self.assertEqual(self.read(self.vault), data, "the vault was changed")

        # A real vault, opened with the wrong passphrase: exit 5, unchanged.
        os.unlink(self.vault)
        self.run_bounded("--backend=encrypted-file", "set", "openai", stdin=OPENAI_KEY.encode(),
                         extra_env=vault_env, allowed=(0,))
        before = self.read(self.vault)
        for wrong in ["wrong", PASSPHRASE + " ", PASSPHRASE[:-1], "x" * 100000]:
            self.run_bounded("--backend=encrypted-file", "set", "openai",
                             stdin=b"sk-other", extra_env={"PI_KEYRING_PASSPHRASE": wrong},
                             allowed=(5,))
        self.assertEqual(self.read(self.vault), before)
        # Not a file.
        for make in [os.mkfifo, lambda p: os.symlink("/dev/zero", p), os.mkdir]:
            os.rename(self.vault, self.vault + ".saved")
            make(self.vault)
            self.run_bounded("--backend=encrypted-file", "get", "openai", extra_env=vault_env,
                             allowed=(1,), timeout=20)
            if os.path.isdir(self.vault) and not os.path.islink(self.vault):
                os.rmdir(self.vault)
            else:
                os.unlink(self.vault)
            os.rename(self.vault + ".saved", self.vault)

    def test_hostile_passphrase_files(self):
        self.run_bounded("--backend=encrypted-file", "set", "openai", stdin=OPENAI_KEY.encode(),
                         extra_env={"PI_KEYRING_PASSPHRASE": PASSPHRASE}, allowed=(0,))
        readable = os.path.join(self.tmp, "readable")
        with open(readable, "w") as f:
            f.write(PASSPHRASE)
        os.chmod(readable, 0o644)
        for path in ["/dev/zero", self.tmp, readable, os.path.join(self.tmp, "missing")]:
            with self.subTest(path=path):
                self.run_bounded("--backend=encrypted-file", "list",
                                 extra_env={"PI_KEYRING_PASSPHRASE_FILE": path}, allowed=(1, 5))

    def test_hostile_provider_names(self):
        names = ["../../etc/passwd", "a\nb", "-", "x" * 100000, "", " ", "openai\x7f",
                 "прованс", "a=b", "$(touch pwned)", "%s%s%n"]
        # None is a name (DESIGN §8: 1–128 of [A-Za-z0-9._@+-], not starting
        # with "." or "-"): a usage error, before anything is looked up.
        for name in names:
            with self.subTest(name=name[:20]):
                self.run_bounded("get", name, allowed=(2,))
                self.run_bounded("exec", "-p", name, "--", "true", allowed=(2,))
        # Not UTF-8: refused.
        result = subprocess.run([CLI.encode(), b"get", b"\xff\xfe"], env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(result.returncode, 2)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "pwned")))
        # Never stored under a hostile name, in any backend.
        for backend in ["secret-service", "file"]:
            with self.subTest(backend=backend):
                self.run_bounded("--backend=" + backend, "set", "../../etc/x",
                                 stdin=GROQ_KEY.encode(), allowed=(2,))
        self.assertFalse(os.path.exists(self.auth_file))
        self.assertFalse(os.path.exists(os.path.join(self.agent_dir, "..", "..", "etc", "x")))

    def test_hostile_keys(self):
        cases = collections.OrderedDict([
            ("NUL byte", (b"sk-a\x00b", 1)),
            ("invalid UTF-8", (b"sk-\xff\xfe", 1)),
            ("over 64 KiB", (b"a" * (1024 * 1024), 1)),
            ("only a newline", (b"\n", 1)),
            ("empty", (b"", 1)),
            ("JSON in the key", (b'", "type": "oauth", "x": "', 0)),
            ("newlines inside", (b"line1\nline2", 0)),
        ])
        for name, (data, code) in cases.items():
            with self.subTest(case=name):
                for backend in ["secret-service", "file"]:
                    self.run_bounded("--backend=" + backend, "set", "openai", stdin=data,
                                     allowed=(code,))
                if code == 0:
                    result = self.run_cli("--backend=file", "get", "openai",
                                          secrets_on_stdout=True)
                    self.assertEqual(result.out, data)
                    with open(self.auth_file, "rb") as f:
                        self.assertEqual(json.load(f)["openai"]["type"], "api_key")

    def test_hostile_environment(self):
        self.set_key("openai", OPENAI_KEY)
        cases = [
            ({"PI_KEYRING_TIMEOUT": "-1"}, (0,)),
            ({"PI_KEYRING_TIMEOUT": "abc"}, (0,)),
            ({"PI_KEYRING_TIMEOUT": "1e309"}, (0,)),
            ({"PI_KEYRING_TIMEOUT": "nan"}, (0,)),
            ({"PI_KEYRING_TIMEOUT": "0.001"}, (0, 5)),
            ({"PI_KEYRING_BACKEND": "bogus"}, (2,)),
            ({"PI_KEYRING_BACKEND": "../file"}, (2,)),
            ({"PI_CODING_AGENT_DIR": "/etc/passwd"}, (0,)),
            ({"PI_CODING_AGENT_DIR": "/proc/self"}, (0,)),
            ({"DBUS_SESSION_BUS_ADDRESS": "garbage"}, (0, 5)),
            ({"DBUS_SESSION_BUS_ADDRESS": "autolaunch:"}, (0, 5)),
            ({"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent"}, (0, 5)),
            ({"PI_KEYRING_URL_REWRITE": "https://=http://evil.example/,,=,"}, (0,)),
            ({"PI_KEYRING_GET_CHAIN": "default/openai"}, (1,)),
            ({"HOME": "/nonexistent", "XDG_DATA_HOME": "/nonexistent"}, (0,)),
        ]
        for env, allowed in cases:
            with self.subTest(env=env):
                self.run_bounded("get", "openai", extra_env=env, allowed=allowed + (3,),
                                 timeout=20)


if __name__ == "__main__":
    unittest.main(verbosity=2)
