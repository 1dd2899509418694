#!/usr/bin/python3
# Tests of `pi-keyring exec`, `pi-keyring unlock` and --interactive: the
# built binary in a subprocess, against the private gnome-keyring of
# tests/with-test-keyring.sh (and tests/mock-provider.py for the refresh).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import collections
import fcntl
import importlib.util
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import termios
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.dirname(HERE)
PYTHON = "/usr/bin/python3"


def load_module(name, filename):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cli = load_module("test_cli", "test-cli.py")
CLI = cli.CLI

# Prints the environment it got as JSON on stdout.
SHOW_ENV = [PYTHON, "-c", "import json, os; print(json.dumps(dict(os.environ)))"]

OPENAI_KEY = "sk-exec-test-openai-1a2b3c"
GROQ_KEY = "gsk-exec-test-groq-4d5e6f"
ANTHROPIC_KEY = "sk-ant-api03-exec-test-7a8b9c"
ANTHROPIC_ACCESS = "sk-ant-oat01-exec-test-access-0d1e"
COPILOT_ACCESS = "tid=exec-test;exp=4102444800;proxy-ep=proxy.individual.githubcopilot.com"
PASSPHRASE = "exec-test vault passphrase"

FAR_FUTURE_MS = 4102444800000


def oauth_entry(access, refresh="exec-test-refresh-2f3a", expires=FAR_FUTURE_MS, **extra):
    entry = collections.OrderedDict([("type", "oauth"), ("refresh", refresh),
                                     ("access", access), ("expires", expires)])
    entry.update(extra)
    return entry


def run_on_terminal(args, env, exchanges, timeout=60):
    """Runs @args on a new pseudo-terminal that is its controlling terminal,
    stdin and stdout. @exchanges is a list of (prompt, text): @text is typed
    once @prompt (bytes) has shown. Returns (exit status, terminal output,
    stderr)."""
    master, slave = pty.openpty()

    def controlling_terminal():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=subprocess.PIPE, env=env,
                            preexec_fn=controlling_terminal)
    os.close(slave)
    output = b""
    seen = 0
    pending = list(exchanges)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if pending and pending[0][0] in output[seen:]:
                prompt, text = pending.pop(0)
                seen = output.index(prompt, seen) + len(prompt)
                os.write(master, text)
            ready, _, _ = select.select([master], [], [], 0.1)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 4096)
            except OSError:   # EIO: the command closed the terminal
                break
            if not data:
                break
            output += data
        else:
            raise AssertionError("%r did not finish; terminal: %r" % (args, output))
        code = proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    return code, output, err


class ExecTestCase(cli.CliTestCase):
    def setUp(self):
        super().setUp()
        self.extra_secrets = {OPENAI_KEY, GROQ_KEY, ANTHROPIC_KEY, ANTHROPIC_ACCESS,
                              COPILOT_ACCESS, PASSPHRASE}

    def exec_env(self, *args, extra_env=None, expect=0):
        """Runs `pi-keyring [args] -- SHOW_ENV`; returns the command's environment."""
        result = self.run_cli(*args, "--", *SHOW_ENV, extra_env=extra_env,
                              secrets_on_stdout=True)
        self.assertExit(result, expect)
        return json.loads(result.out), result

    def import_entries(self, entries, *options):
        source = os.path.join(self.tmp, "import.json")
        self.write_auth_file(cli.pi_format(entries), path=source)
        self.assertExit(self.run_cli(*options, "import", source), 0)


# --- exec ----------------------------------------------------------------------

class ExecVariablesTest(ExecTestCase):
    def test_stored_keys_go_to_pis_variables(self):
        self.set_key("openai", OPENAI_KEY)
        self.set_key("groq", GROQ_KEY)
        self.set_key("anthropic", ANTHROPIC_KEY)
        env, result = self.exec_env("exec")
        self.assertEqual(env["OPENAI_API_KEY"], OPENAI_KEY)
        self.assertEqual(env["GROQ_API_KEY"], GROQ_KEY)
        self.assertEqual(env["ANTHROPIC_API_KEY"], ANTHROPIC_KEY)
        self.assertNotIn("ANTHROPIC_OAUTH_TOKEN", env)
        self.assertEqual(env["PI_KEYRING_EXEC"], "1")
        # Nothing else is added.
        self.assertEqual(set(env) - set(self.env),
                         {"OPENAI_API_KEY", "GROQ_API_KEY", "ANTHROPIC_API_KEY",
                          "PI_KEYRING_EXEC"})
        self.assertEqual(result.err, "")

    def test_named_providers_only(self):
        self.set_key("openai", OPENAI_KEY)
        self.set_key("groq", GROQ_KEY)
        self.set_key("anthropic", ANTHROPIC_KEY)
        env, _ = self.exec_env("exec", "--provider=openai", "-p", "anthropic")
        self.assertEqual(env["OPENAI_API_KEY"], OPENAI_KEY)
        self.assertEqual(env["ANTHROPIC_API_KEY"], ANTHROPIC_KEY)
        self.assertNotIn("GROQ_API_KEY", env)
        env, _ = self.exec_env("exec", "--provider=groq,openai")
        self.assertEqual(env["GROQ_API_KEY"], GROQ_KEY)
        self.assertNotIn("ANTHROPIC_API_KEY", env)

    def test_anthropic_oauth_token(self):
        self.import_entries({"anthropic": oauth_entry(ANTHROPIC_ACCESS)})
        env, _ = self.exec_env("exec", extra_env={"ANTHROPIC_API_KEY": "sk-user-env"})
        self.assertEqual(env["ANTHROPIC_OAUTH_TOKEN"], ANTHROPIC_ACCESS)
        # pi takes ANTHROPIC_OAUTH_TOKEN first; the user's own key stays.
        self.assertEqual(env["ANTHROPIC_API_KEY"], "sk-user-env")

    def test_anthropic_oauth_credential_without_the_token_prefix(self):
        access = "exec-test-opaque-anthropic-access"
        self.extra_secrets.add(access)
        self.import_entries({"anthropic": oauth_entry(access)})
        env, _ = self.exec_env("exec")
        self.assertEqual(env["ANTHROPIC_OAUTH_TOKEN"], access)
        self.assertNotIn("ANTHROPIC_API_KEY", env)

    def test_anthropic_api_key_hides_the_users_oauth_variable(self):
        # pi reads ANTHROPIC_OAUTH_TOKEN before ANTHROPIC_API_KEY: the stored
        # key would lose to it.
        self.set_key("anthropic", ANTHROPIC_KEY)
        env, _ = self.exec_env("exec", extra_env={"ANTHROPIC_OAUTH_TOKEN": "user-oauth"})
        self.assertEqual(env["ANTHROPIC_API_KEY"], ANTHROPIC_KEY)
        self.assertNotIn("ANTHROPIC_OAUTH_TOKEN", env)

    def test_copilot_vertex_bedrock(self):
        self.import_entries({"github-copilot": oauth_entry(COPILOT_ACCESS)})
        self.set_key("google-vertex", "exec-test-vertex-key")
        self.set_key("amazon-bedrock", "exec-test-bedrock-token")
        env, _ = self.exec_env("exec", extra_env={"GH_TOKEN": "user-gh-token"})
        self.assertEqual(env["COPILOT_GITHUB_TOKEN"], COPILOT_ACCESS)
        self.assertEqual(env["GH_TOKEN"], "user-gh-token")
        self.assertEqual(env["GOOGLE_CLOUD_API_KEY"], "exec-test-vertex-key")
        self.assertEqual(env["AWS_BEARER_TOKEN_BEDROCK"], "exec-test-bedrock-token")
        self.assertNotIn("AWS_PROFILE", env)

    def test_opencode_providers_share_one_variable(self):
        self.set_key("opencode", "exec-test-opencode")
        self.set_key("opencode-go", "exec-test-opencode")
        env, result = self.exec_env("exec")
        self.assertEqual(env["OPENCODE_API_KEY"], "exec-test-opencode")
        self.assertEqual(result.err, "")

        self.set_key("opencode-go", "exec-test-opencode-go")
        env, result = self.exec_env("exec")
        self.assertEqual(env["OPENCODE_API_KEY"], "exec-test-opencode")
        self.assertIn("OPENCODE_API_KEY", result.err)
        self.assertIn("opencode-go", result.err)

    def test_keys_in_the_environment_stay_as_they_are(self):
        env, result = self.exec_env("exec", extra_env={"OPENAI_API_KEY": "sk-user-env",
                                                       "AWS_PROFILE": "dev"})
        self.assertEqual(env["OPENAI_API_KEY"], "sk-user-env")
        self.assertEqual(env["AWS_PROFILE"], "dev")
        # The <authenticated> sentinel is not a key.
        self.assertNotIn("AWS_BEARER_TOKEN_BEDROCK", env)
        env, result = self.exec_env("exec", "-p", "amazon-bedrock",
                                    extra_env={"AWS_PROFILE": "dev"})
        self.assertNotIn("AWS_BEARER_TOKEN_BEDROCK", env)
        self.assertNotIn("<authenticated>", json.dumps(env))

    def test_a_stored_sentinel_is_not_exported(self):
        self.set_key("google-vertex", "<authenticated>")
        env, _ = self.exec_env("exec")
        self.assertNotIn("GOOGLE_CLOUD_API_KEY", env)

    def test_the_keyring_wins_over_the_environment_as_in_get(self):
        self.set_key("openai", OPENAI_KEY)
        env, _ = self.exec_env("exec", extra_env={"OPENAI_API_KEY": "sk-user-env"})
        self.assertEqual(env["OPENAI_API_KEY"], OPENAI_KEY)

    def test_auth_json_is_read_as_a_fallback(self):
        self.write_auth_file(cli.pi_format({"openai": {"type": "api_key", "key": OPENAI_KEY}}))
        env, result = self.exec_env("exec")
        self.assertEqual(env["OPENAI_API_KEY"], OPENAI_KEY)
        self.assertNotIn("shadow", result.err)
        self.assertNotIn("instead of", result.err)

    def test_profile(self):
        self.set_key("openai", OPENAI_KEY, "--profile=work")
        env, _ = self.exec_env("exec")
        self.assertNotIn("OPENAI_API_KEY", env)
        env, _ = self.exec_env("--profile=work", "exec")
        self.assertEqual(env["OPENAI_API_KEY"], OPENAI_KEY)

    def test_file_and_encrypted_backends(self):
        self.set_key("openai", OPENAI_KEY, "--backend=file")
        env, result = self.exec_env("--backend=file", "exec")
        self.assertEqual(env["OPENAI_API_KEY"], OPENAI_KEY)
        # The backend is pi's auth.json itself: nothing shadows anything.
        self.assertNotIn("instead of", result.err)

        vault_env = {"PI_KEYRING_PASSPHRASE": PASSPHRASE}
        result = self.run_cli("--backend=encrypted-file", "set", "groq",
                              stdin=GROQ_KEY.encode(), extra_env=vault_env)
        self.assertExit(result, 0)
        env, _ = self.exec_env("--backend=encrypted-file", "exec", extra_env=vault_env)
        self.assertEqual(env["GROQ_API_KEY"], GROQ_KEY)

    def test_the_vaults_passphrase_is_not_handed_over(self):
        # The passphrase opens every credential of the vault: the command
        # (pi, and everything pi runs) gets the keys it was given, not it.
        passphrase_file = os.path.join(self.tmp, "passphrase")
        with open(passphrase_file, "w") as f:
            f.write(PASSPHRASE)
        os.chmod(passphrase_file, 0o600)
        result = self.run_cli("--backend=encrypted-file", "set", "groq", stdin=GROQ_KEY.encode(),
                              extra_env={"PI_KEYRING_PASSPHRASE": PASSPHRASE})
        self.assertExit(result, 0)
        for vault_env in [{"PI_KEYRING_PASSPHRASE": PASSPHRASE},
                          {"PI_KEYRING_PASSPHRASE_FILE": passphrase_file},
                          {"PI_KEYRING_PASSPHRASE": PASSPHRASE,
                           "PI_KEYRING_PASSPHRASE_FILE": passphrase_file}]:
            for backend in ["--backend=encrypted-file", "--backend=file"]:
                with self.subTest(variables=sorted(vault_env), backend=backend):
                    env, _ = self.exec_env(backend, "exec", extra_env=vault_env)
                    self.assertNotIn("PI_KEYRING_PASSPHRASE", env)
                    self.assertNotIn("PI_KEYRING_PASSPHRASE_FILE", env)
                    if backend == "--backend=encrypted-file":
                        self.assertEqual(env["GROQ_API_KEY"], GROQ_KEY)
        result = self.run_cli("exec", "--help")
        self.assertExit(result, 0)
        self.assertIn("PI_KEYRING_PASSPHRASE", result.text)


# pi 1.6.0's api_key entries with an `env` object (variables for that
# provider only), as its /login writes them for Cloudflare, Bedrock and
# Vertex, with a key whose ${NAME} comes from the entry.
CLOUDFLARE_KEY = "cf-exec-test-key-5e6f7a"
ACCOUNT_ID = "exec-test-account-3c4d"
GATEWAY_ACCOUNT_ID = "exec-test-gateway-account-9a8b"
DEEPSEEK_PART = "exec-test-deepseek-part-1f2e"
ENV_ENTRIES = collections.OrderedDict([
    ("cloudflare-workers-ai", collections.OrderedDict([
        ("type", "api_key"), ("key", CLOUDFLARE_KEY),
        ("env", collections.OrderedDict([("CLOUDFLARE_ACCOUNT_ID", ACCOUNT_ID)]))])),
    ("amazon-bedrock", collections.OrderedDict([
        ("type", "api_key"), ("env", collections.OrderedDict([("AWS_PROFILE", "exec-test-profile")]))])),
    ("deepseek", collections.OrderedDict([
        ("type", "api_key"), ("key", "sk-${DS_PART}-x"),
        ("env", collections.OrderedDict([("DS_PART", DEEPSEEK_PART), ("DS_EMPTY", "")]))])),
])


class ExecEntryEnvTest(ExecTestCase):
    def setUp(self):
        super().setUp()
        self.extra_secrets |= {CLOUDFLARE_KEY, ACCOUNT_ID, GATEWAY_ACCOUNT_ID, DEEPSEEK_PART}

    def test_env_entries_survive_import_and_export_byte_for_byte(self):
        original = cli.pi_format(ENV_ENTRIES)
        self.write_auth_file(original)
        self.assertExit(self.run_cli("import"), 0)
        for provider, entry in ENV_ENTRIES.items():
            stored = self.secret_tool_lookup(provider)
            self.assertEqual(list(stored.items()), list(entry.items()))
        os.unlink(self.auth_file)
        target = os.path.join(self.tmp, "exported.json")
        self.assertExit(self.run_cli("export", target), 0)
        self.assertEqual(self.read(target), original)

    def test_exec_hands_over_the_entrys_variables(self):
        self.import_entries(ENV_ENTRIES)
        env, result = self.exec_env("exec", extra_env={"AWS_PROFILE": "user-profile",
                                                       "DS_EMPTY": "user-value"})
        self.assertEqual(env["CLOUDFLARE_API_KEY"], CLOUDFLARE_KEY)
        self.assertEqual(env["CLOUDFLARE_ACCOUNT_ID"], ACCOUNT_ID)
        # The key's ${DS_PART} comes from the entry, as in pi 1.6.0.
        self.assertEqual(env["DEEPSEEK_API_KEY"], "sk-%s-x" % DEEPSEEK_PART)
        self.assertEqual(env["DS_PART"], DEEPSEEK_PART)
        # pi 1.6.0 reads the entry's variable before its environment...
        self.assertEqual(env["AWS_PROFILE"], "exec-test-profile")
        # ... but an empty one leaves the environment's (`env[name] || process.env[name]`).
        self.assertEqual(env["DS_EMPTY"], "user-value")
        # An entry without a key hands over no key variable.
        self.assertNotIn("AWS_BEARER_TOKEN_BEDROCK", env)
        self.assertEqual(result.err, "")

    def test_only_the_providers_handed_over(self):
        self.import_entries(ENV_ENTRIES)
        self.set_key("openai", OPENAI_KEY)
        env, _ = self.exec_env("exec", "-p", "openai")
        self.assertEqual(env["OPENAI_API_KEY"], OPENAI_KEY)
        for name in ("CLOUDFLARE_ACCOUNT_ID", "AWS_PROFILE", "DS_PART"):
            self.assertNotIn(name, env)
        # A named entry without a key: its variables are what is handed over.
        env, result = self.exec_env("exec", "-p", "amazon-bedrock")
        self.assertEqual(env["AWS_PROFILE"], "exec-test-profile")
        self.assertNotIn("CLOUDFLARE_ACCOUNT_ID", env)
        self.assertEqual(result.err, "")

    def test_two_entries_wanting_one_variable(self):
        entries = collections.OrderedDict(ENV_ENTRIES)
        entries["cloudflare-ai-gateway"] = collections.OrderedDict([
            ("type", "api_key"), ("key", CLOUDFLARE_KEY),
            ("env", collections.OrderedDict([("CLOUDFLARE_ACCOUNT_ID", GATEWAY_ACCOUNT_ID),
                                             ("CLOUDFLARE_GATEWAY_ID", "exec-test-gateway")]))])
        # An entry's variable that is another provider's key variable.
        entries["groq"] = collections.OrderedDict([
            ("type", "api_key"), ("key", GROQ_KEY),
            ("env", collections.OrderedDict([("CLOUDFLARE_API_KEY", "exec-test-other")]))])
        self.extra_secrets.add("exec-test-other")
        self.import_entries(entries)
        env, result = self.exec_env("exec", "-p", "cloudflare-workers-ai,cloudflare-ai-gateway,groq")
        self.assertEqual(env["CLOUDFLARE_ACCOUNT_ID"], ACCOUNT_ID)
        self.assertEqual(env["CLOUDFLARE_GATEWAY_ID"], "exec-test-gateway")
        self.assertEqual(env["CLOUDFLARE_API_KEY"], CLOUDFLARE_KEY)
        self.assertEqual(env["GROQ_API_KEY"], GROQ_KEY)
        self.assertIn("CLOUDFLARE_ACCOUNT_ID", result.err)
        self.assertIn("cloudflare-ai-gateway", result.err)
        self.assertIn("CLOUDFLARE_API_KEY", result.err)
        self.assertIn("groq", result.err)

    def test_an_auth_json_entrys_variables(self):
        # The entry pi's auth.json holds (read as a fallback) hands over its
        # variables the same way; status names them there too.
        self.write_auth_file(cli.pi_format(collections.OrderedDict(
            [("cloudflare-workers-ai", ENV_ENTRIES["cloudflare-workers-ai"])])))
        env, _ = self.exec_env("exec")
        self.assertEqual(env["CLOUDFLARE_API_KEY"], CLOUDFLARE_KEY)
        self.assertEqual(env["CLOUDFLARE_ACCOUNT_ID"], ACCOUNT_ID)
        result = self.run_cli("--json", "status", "cloudflare-workers-ai")
        self.assertExit(result, 0)
        self.assertEqual(result.json()[0]["source"], "auth.json")
        self.assertEqual(result.json()[0]["env"], ["CLOUDFLARE_ACCOUNT_ID"])

    def test_a_blank_variable_is_unset(self):
        # pi 1.6.0 (pi-ai defaultProviderAuthContext): a value that trims to
        # nothing is no key; get, status and exec agree.
        blank = {"OPENAI_API_KEY": " \t\u00a0", "GROQ_API_KEY": GROQ_KEY}
        self.assertExit(self.run_cli("get", "openai", extra_env=blank), 3)
        result = self.run_cli("get", "groq", extra_env=blank, secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertEqual(result.out, GROQ_KEY.encode())
        self.set_key("openai", OPENAI_KEY)
        result = self.run_cli("--json", "status", "openai", extra_env=blank)
        self.assertExit(result, 0)
        self.assertEqual(result.json()[0]["shadowed"], [])

    def test_status_shows_the_names_never_the_values(self):
        self.import_entries(ENV_ENTRIES)
        result = self.run_cli("--json", "status")
        self.assertExit(result, 0)
        rows = {row["provider"]: row for row in result.json()}
        self.assertEqual(rows["cloudflare-workers-ai"]["env"], ["CLOUDFLARE_ACCOUNT_ID"])
        self.assertEqual(rows["amazon-bedrock"]["env"], ["AWS_PROFILE"])
        self.assertEqual(rows["deepseek"]["env"], ["DS_PART", "DS_EMPTY"])
        self.assertNotIn("exec-test-profile", result.text)
        result = self.run_cli("status", "cloudflare-workers-ai")
        self.assertExit(result, 0)
        self.assertIn("CLOUDFLARE_ACCOUNT_ID (values not shown)", result.text)
        # The run_cli checks: no value (ACCOUNT_ID, DEEPSEEK_PART) on stdout or stderr.
        result = self.run_cli("status", "amazon-bedrock")
        self.assertIn("AWS_PROFILE", result.text)
        self.assertNotIn("exec-test-profile", result.text)


class ExecAuthJsonShadowTest(ExecTestCase):
    def test_warns_when_an_auth_json_entry_shadows_the_variable(self):
        self.set_key("openai", OPENAI_KEY)
        self.write_auth_file(cli.pi_format({"openai": {"type": "api_key", "key": "sk-in-file"}}))
        self.extra_secrets.add("sk-in-file")
        env, result = self.exec_env("exec")
        self.assertEqual(env["OPENAI_API_KEY"], OPENAI_KEY)
        self.assertIn("auth.json", result.err)
        self.assertIn("OPENAI_API_KEY", result.err)
        self.assertIn("“openai”", result.err)

    def test_a_link_to_pi_keyring_does_not_shadow(self):
        self.set_key("openai", OPENAI_KEY)
        self.write_auth_file(cli.pi_format(
            {"openai": {"type": "api_key", "key": "!pi-keyring get openai"},
             "groq": {"type": "unknown-kind", "key": "x"}}))
        self.set_key("groq", GROQ_KEY)
        env, result = self.exec_env("exec")
        self.assertEqual(env["OPENAI_API_KEY"], OPENAI_KEY)
        self.assertEqual(env["GROQ_API_KEY"], GROQ_KEY)
        self.assertEqual(result.err, "")


class ExecOAuthOnlyTest(ExecTestCase):
    def test_skipped_with_a_note_unless_named(self):
        self.import_entries({"google-gemini-cli": oauth_entry(
            "ya29.exec-test-gemini", projectId="exec-test-project")})
        self.extra_secrets.add("ya29.exec-test-gemini")
        self.set_key("openai", OPENAI_KEY)
        env, result = self.exec_env("exec")
        self.assertEqual(env["OPENAI_API_KEY"], OPENAI_KEY)
        self.assertIn("google-gemini-cli", result.err)
        self.assertIn("auth.json", result.err)
        self.assertNotIn("ya29.exec-test-gemini", json.dumps(env))

    def test_named_is_a_usage_error(self):
        marker = os.path.join(self.tmp, "ran")
        for provider in ["google-gemini-cli", "google-antigravity", "openai-codex"]:
            with self.subTest(provider=provider):
                result = self.run_cli("exec", "--provider=" + provider, "--", "touch", marker)
                self.assertExit(result, 2)
                self.assertIn("environment", result.err)
                self.assertFalse(os.path.exists(marker))


class ExecRunTest(ExecTestCase):
    def test_exit_status_is_the_commands(self):
        for status in [0, 1, 7, 255]:
            with self.subTest(status=status):
                result = self.run_cli("exec", "--", "sh", "-c", "exit %d" % status)
                self.assertExit(result, status)

    def test_the_process_is_replaced(self):
        proc = subprocess.Popen([CLI, "exec", "--", "sh", "-c", 'echo "$$"; exec sleep 30'],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env)
        try:
            pid = int(proc.stdout.readline())
            self.assertEqual(pid, proc.pid)
            # Signals reach the command itself: it dies of them, as it would alone.
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(10), -signal.SIGTERM)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()

    def test_command_not_found_or_not_executable(self):
        result = self.run_cli("exec", "--", "pi-keyring-no-such-command")
        self.assertExit(result, 127)
        self.assertIn("pi-keyring-no-such-command", result.err)
        result = self.run_cli("exec", "--", "./no/such/path")
        self.assertExit(result, 127)
        script = os.path.join(self.tmp, "not-executable")
        with open(script, "w") as f:
            f.write("#!/bin/sh\n")
        os.chmod(script, 0o644)
        result = self.run_cli("exec", "--", script)
        self.assertExit(result, 126)

    def test_arguments_after_the_command_are_the_commands(self):
        result = self.run_cli("exec", "--", "sh", "-c", 'printf "%s|" "$@"', "sh",
                              "--provider=x", "--backend=y", "--", "-p")
        self.assertExit(result, 0)
        self.assertEqual(result.text, "--provider=x|--backend=y|--|-p|")
        # Without "--", options end at the command as well.
        result = self.run_cli("exec", "printf", "%s", "--help")
        self.assertExit(result, 0)
        self.assertEqual(result.text, "--help")

    def test_usage_errors(self):
        cases = [["exec"], ["exec", "--"], ["exec", "--provider=bogus", "--", "true"],
                 ["exec", "--provider=", "--", "true"], ["exec", "--bogus", "--", "true"],
                 ["exec", "-p", "a=b", "--", "true"]]
        for args in cases:
            with self.subTest(args=args):
                result = self.run_cli(*args)
                self.assertExit(result, 2)
                self.assertEqual(result.out, b"")

    def test_a_named_provider_without_a_key_exits_3(self):
        marker = os.path.join(self.tmp, "ran")
        result = self.run_cli("exec", "-p", "groq", "--", "touch", marker)
        self.assertExit(result, 3)
        self.assertFalse(os.path.exists(marker))

    def test_nesting_is_refused(self):
        self.set_key("openai", OPENAI_KEY)
        result = self.run_cli("exec", "--", CLI, "exec", "--", "true")
        self.assertExit(result, 1)
        self.assertIn("PI_KEYRING_EXEC", result.err)
        result = self.run_cli("exec", "--", "true", extra_env={"PI_KEYRING_EXEC": "1"})
        self.assertExit(result, 1)
        # `get` inside exec works: pi's "!pi-keyring get P" keys do.
        result = self.run_cli("exec", "--", CLI, "get", "openai", secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertEqual(result.text, OPENAI_KEY)

    def test_a_failing_command_key_leaves_one_provider_out(self):
        self.set_key("openai", OPENAI_KEY)
        self.set_key("groq", "!exit 3")
        env, result = self.exec_env("exec")
        self.assertEqual(env["OPENAI_API_KEY"], OPENAI_KEY)
        self.assertNotIn("GROQ_API_KEY", env)
        self.assertIn("groq", result.err)
        # Named, it is a failure and the command does not run.
        marker = os.path.join(self.tmp, "ran")
        result = self.run_cli("exec", "-p", "groq", "--", "touch", marker)
        self.assertExit(result, 1)
        self.assertFalse(os.path.exists(marker))

    def test_a_locked_keyring_stops_exec(self):
        self.set_key("openai", OPENAI_KEY)
        marker = os.path.join(self.tmp, "ran")
        cli.keyring_lock()
        self.addCleanup(cli.keyring_unlock)
        result = self.run_cli("exec", "--", "touch", marker)
        self.assertExit(result, 5)
        self.assertFalse(os.path.exists(marker))

    def test_a_malformed_auth_json_stops_exec(self):
        self.write_auth_file(b'{"openai": {"type": "api_key", "key": "sk-broken')
        marker = os.path.join(self.tmp, "ran")
        result = self.run_cli("exec", "--", "touch", marker)
        self.assertExit(result, 1)
        self.assertIn("auth.json", result.err)
        self.assertNotIn("sk-broken", result.err)
        self.assertFalse(os.path.exists(marker))


# The refresh through the mock provider: tests/test-cli-login.py's machinery.
login = load_module("test_cli_login", "test-cli-login.py")


class ExecRefreshTest(login.LoginTestCase):
    import_expired = login.RefreshTest.import_expired
    refresh_requests = login.RefreshTest.refresh_requests

    def test_exec_refreshes_an_expired_token(self):
        entry = self.import_expired()
        result = self.run_cli("exec", "--", "sh", "-c", 'printf %s "$ANTHROPIC_OAUTH_TOKEN"',
                              secrets_on_stdout=True)
        self.assertExit(result, 0)
        stored = self.stored("anthropic")
        self.assertNotEqual(stored["access"], entry["access"])
        self.assertEqual(result.text, stored["access"])
        self.assertEqual(self.refresh_requests(), [entry["refresh"]])



# --- unlock and --interactive -----------------------------------------------------

class UnlockTest(ExecTestCase):
    TIMEOUT = float(os.environ.get("PI_KEYRING_TIMEOUT", "5"))

    def lock(self):
        cli.keyring_lock()
        self.addCleanup(cli.keyring_unlock)

    def no_terminal(self, *args, extra_env=None):
        """Runs the command with stdin closed and no controlling terminal: if
        anything prompted, it would fail or hang, not wait for a person."""
        env = dict(self.env)
        env.update(extra_env or {})
        start = time.monotonic()
        proc = subprocess.run([CLI] + list(args), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                              start_new_session=True, timeout=self.TIMEOUT + 10)
        elapsed = time.monotonic() - start
        err = proc.stderr.decode("utf-8", "replace")
        for secret in self.extra_secrets:
            self.assertNotIn(secret, err)
        return cli.Result(list(args), proc.returncode, proc.stdout, err, elapsed)

    def test_unlock_of_an_unlocked_keyring(self):
        result = self.run_cli("unlock")
        self.assertExit(result, 0)
        self.assertIn("unlocked", result.err)

    def test_unlock_of_a_locked_keyring_without_a_display_fails_cleanly(self):
        self.lock()
        for args in [["unlock"], ["--interactive", "unlock"], ["--backend=secret-service", "unlock"]]:
            with self.subTest(args=args):
                result = self.no_terminal(*args)
                self.assertExit(result, 5)
                self.assertIn("locked", result.err)
                self.assertLess(result.elapsed, self.TIMEOUT)
                self.assertEqual(result.out, b"")
        # Still locked; the unlock with the password (the cleanup) opens it.
        result = self.run_cli("get", "openai")
        self.assertExit(result, 5)

    def test_unlock_once_unlocked_again(self):
        self.lock()
        self.assertExit(self.no_terminal("unlock"), 5)
        cli.keyring_unlock()
        self.assertExit(self.no_terminal("unlock"), 0)

    def test_interactive_on_a_locked_keyring(self):
        self.set_key("openai", OPENAI_KEY)
        self.lock()
        result = self.no_terminal("--interactive", "get", "openai")
        self.assertExit(result, 5)
        self.assertIn("still locked", result.err)
        self.assertLess(result.elapsed, self.TIMEOUT)

    def test_interactive_on_an_unlocked_keyring_changes_nothing(self):
        self.set_key("openai", OPENAI_KEY)
        result = self.no_terminal("--interactive", "get", "openai")
        self.assertExit(result, 0)
        self.assertEqual(result.out.decode(), OPENAI_KEY)
        self.assertEqual(result.err, "")

    def test_nothing_prompts_without_interactive(self):
        self.set_key("openai", OPENAI_KEY)
        self.lock()
        commands = [["get", "openai"], ["list"], ["status"], ["set", "groq"],
                    ["remove", "openai"], ["export", "-"], ["refresh"],
                    ["exec", "--", "true"], ["login", "anthropic", "--no-browser"],
                    ["import", os.path.join(self.tmp, "none.json")]]
        for args in commands:
            with self.subTest(args=args):
                result = self.no_terminal(*args)
                self.assertIn(result.code, (0, 1, 3, 5), result)
                self.assertLess(result.elapsed, self.TIMEOUT + 5, result)
                self.assertNotIn("assword", result.err)

    def test_a_vault_without_a_passphrase_never_prompts(self):
        # A vault to open.
        self.assertExit(self.run_cli("--backend=encrypted-file", "set", "openai",
                                     stdin=OPENAI_KEY.encode(),
                                     extra_env={"PI_KEYRING_PASSPHRASE": PASSPHRASE}), 0)
        for args in [["--backend=encrypted-file", "get", "openai"],
                     ["--backend=encrypted-file", "list"],
                     ["--backend=encrypted-file", "unlock"]]:
            with self.subTest(args=args):
                result = self.no_terminal(*args)
                self.assertExit(result, 5)
                self.assertIn("passphrase", result.err)
                self.assertLess(result.elapsed, self.TIMEOUT)
        # --interactive without a terminal: still locked, not a hang.
        result = self.no_terminal("--interactive", "--backend=encrypted-file", "get", "openai")
        self.assertExit(result, 5)
        self.assertIn("passphrase", result.err)

    def test_unlock_with_the_passphrase_in_the_environment(self):
        vault_env = {"PI_KEYRING_PASSPHRASE": PASSPHRASE}
        result = self.run_cli("--backend=encrypted-file", "unlock", extra_env=vault_env)
        self.assertExit(result, 0)
        self.assertIn("no encrypted vault", result.err)
        self.assertExit(self.run_cli("--backend=encrypted-file", "set", "openai",
                                     stdin=OPENAI_KEY.encode(), extra_env=vault_env), 0)
        result = self.run_cli("--backend=encrypted-file", "unlock", extra_env=vault_env)
        self.assertExit(result, 0)
        result = self.run_cli("--backend=encrypted-file", "unlock",
                              extra_env={"PI_KEYRING_PASSPHRASE": "wrong"})
        self.assertExit(result, 5)

    def test_other_backends_have_nothing_to_unlock(self):
        for backend in ["file", "memory"]:
            with self.subTest(backend=backend):
                result = self.run_cli("--backend=" + backend, "unlock")
                self.assertExit(result, 0)
        # auto without a bus: there is no keyring to unlock.
        env = dict(self.env)
        env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=" + os.path.join(self.tmp, "no-bus")
        env["XDG_RUNTIME_DIR"] = self.tmp
        result = self.run_cli("unlock", env=env)
        self.assertExit(result, 5)
        result = self.run_cli("--backend=secret-service", "unlock", env=env)
        self.assertExit(result, 5)

    def test_unlock_usage(self):
        self.assertExit(self.run_cli("unlock", "extra"), 2)
        self.assertExit(self.run_cli("unlock", "--bogus"), 2)
        self.assertExit(self.run_cli("--backend=bogus", "unlock"), 2)


class VaultTerminalTest(ExecTestCase):
    """The passphrase typed on the terminal, without echo."""

    def make_vault(self):
        result = self.run_cli("--backend=encrypted-file", "set", "openai",
                              stdin=OPENAI_KEY.encode(),
                              extra_env={"PI_KEYRING_PASSPHRASE": PASSPHRASE})
        self.assertExit(result, 0)
        self.vault = os.path.join(self.env["XDG_DATA_HOME"], "pi-keyring", "credentials.vault")
        return self.read(self.vault)

    def test_unlock_asks_and_checks(self):
        before = self.make_vault()
        prompt = b"Passphrase of the encrypted vault: "
        code, terminal, err = run_on_terminal(
            [CLI, "--backend=encrypted-file", "unlock"], self.env,
            [(prompt, PASSPHRASE.encode() + b"\n")])
        self.assertEqual(code, 0, err)
        self.assertIn(prompt, terminal)
        self.assertNotIn(PASSPHRASE.encode(), terminal)
        self.assertIn("opens", err)

        code, terminal, err = run_on_terminal(
            [CLI, "--backend=encrypted-file", "unlock"], self.env,
            [(prompt, b"wrong 1\n"), (prompt, b"wrong 2\n"), (prompt, b"wrong 3\n")])
        self.assertEqual(code, 5, err)
        self.assertEqual(terminal.count(prompt), 3)
        self.assertNotIn(b"wrong", terminal)
        self.assertNotIn("wrong 3", err)
        self.assertEqual(self.read(self.vault), before)

        code, terminal, err = run_on_terminal(
            [CLI, "--backend=encrypted-file", "unlock"], self.env,
            [(prompt, b"wrong\n"), (prompt, PASSPHRASE.encode() + b"\n")])
        self.assertEqual(code, 0, err)

    def test_interactive_asks_for_the_passphrase(self):
        self.make_vault()
        code, terminal, err = run_on_terminal(
            [CLI, "--interactive", "--backend=encrypted-file", "get", "openai"], self.env,
            [(b"Passphrase of the encrypted vault: ", PASSPHRASE.encode() + b"\n")])
        self.assertEqual(code, 0, err)
        self.assertTrue(terminal.endswith(OPENAI_KEY.encode() + b"\r\n"), terminal)
        self.assertNotIn(PASSPHRASE.encode(), terminal)

    def test_interactive_creates_a_vault_with_a_confirmed_passphrase(self):
        code, terminal, err = run_on_terminal(
            [CLI, "--interactive", "--backend=encrypted-file", "set", "groq"], self.env,
            [(b"New passphrase for the encrypted vault: ", b"first\n"),
             (b"Type the same passphrase again: ", b"typo\n"),
             (b"New passphrase for the encrypted vault: ", PASSPHRASE.encode() + b"\n"),
             (b"Type the same passphrase again: ", PASSPHRASE.encode() + b"\n"),
             (b"API key for Groq: ", GROQ_KEY.encode() + b"\n")])
        self.assertEqual(code, 0, err)
        self.assertIn("differ", err)
        self.assertNotIn(PASSPHRASE.encode(), terminal)
        self.assertNotIn(GROQ_KEY.encode(), terminal)
        result = self.run_cli("--backend=encrypted-file", "get", "groq",
                              extra_env={"PI_KEYRING_PASSPHRASE": PASSPHRASE},
                              secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertEqual(result.text, GROQ_KEY)


class PromptCodePathsTest(unittest.TestCase):
    """The code that may prompt is where it should be, and only there."""

    def sources(self):
        for directory in ["src/pi-keyring", "src/common", "src/daemon", "src/cli"]:
            for root, dirs, names in os.walk(os.path.join(SRCDIR, directory)):
                dirs.sort()
                for name in sorted(names):
                    if name.endswith((".c", ".h")):
                        path = os.path.join(root, name)
                        with open(path, encoding="utf-8") as f:
                            yield os.path.relpath(path, SRCDIR), f.read()

    def users(self, pattern):
        regex = re.compile(pattern)
        return sorted(name for name, text in self.sources() if regex.search(text))

    def test_only_the_unlock_code_may_prompt(self):
        # libsecret's calls that can show an unlock prompt.
        self.assertEqual(self.users(r"\bsecret_\w*unlock|secret_service_prompt|"
                                    r"SECRET_SEARCH_UNLOCK|secret_collection_create|"
                                    r"secret_service_create_collection"),
                         ["src/pi-keyring/backends/pi-keyring-secret-service-unlock.c"])
        # Our unlock, and the terminal passphrase prompt: `unlock` and
        # --interactive only.
        self.assertEqual(self.users(r"pi_keyring_secret_service_backend_unlock_(async|sync)\s*\("),
                         ["src/common/cli-unlock.c",
                          "src/pi-keyring/backends/pi-keyring-secret-service-unlock.c",
                          "src/pi-keyring/pi-keyring-secret-service-backend.h"])
        self.assertEqual(self.users(r"cli_read_secret_from_terminal\s*\("),
                         ["src/common/cli-secret.c", "src/common/cli-secret.h",
                          "src/common/cli-unlock.c"])
        with open(os.path.join(SRCDIR, "src/common/cli-unlock.c"), encoding="utf-8") as f:
            text = f.read()
        body = text[text.index("cli_prepare_backend (PiKeyringBackend"):]
        body = body[:body.index("\n}\n")]
        self.assertRegex(body, r"if \(!cli_options\.interactive\)\s*return TRUE;")


if __name__ == "__main__":
    unittest.main(verbosity=2)
