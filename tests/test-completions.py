#!/usr/bin/python3
# Tests of the shell completions in data/completions (zsh, fish and bash):
# each shell's own completion machinery is driven non-interactively on a
# command line and the candidates it offers are checked, against the built
# pi-keyring and the private gnome-keyring of tests/with-test-keyring.sh.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

CLI = os.environ.get("PI_KEYRING_CLI", "")
TESTS = os.path.dirname(os.path.abspath(__file__))
COMPLETIONS = os.path.join(os.path.dirname(TESTS), "data", "completions")
ZSH_DRIVER = os.path.join(TESTS, "zsh-complete.zsh")
BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"

ZSH = shutil.which("zsh")
FISH = shutil.which("fish")
BASH = shutil.which("bash") if os.path.exists(BASH_COMPLETION) else None

COMMANDS = {"providers", "list", "status", "get", "set", "remove", "logout", "login",
            "refresh", "import", "export", "exec", "unlock", "daemon", "setup-pi", "help"}
BACKENDS = {"auto", "secret-service", "file", "encrypted-file", "memory"}

# The keys stored for the tests: none may show up in any shell's output.
SECRETS = {
    "sk-compl-test-openai-5d4c3b2a",
    "gsk-compl-test-groq-1f2e",
    "sk-compl-test-mistral-work-77aa",
    "sk-ant-ort01-compl-test-refresh-9e8d",
    "sk-ant-oat01-compl-test-access-6c5b",
}

PI_AUTH = {
    "openai": {"type": "api_key", "key": "sk-compl-test-openai-5d4c3b2a"},
    "anthropic": {"type": "oauth",
                  "refresh": "sk-ant-ort01-compl-test-refresh-9e8d",
                  "access": "sk-ant-oat01-compl-test-access-6c5b",
                  "expires": 4102444500000},
}


class CompletionTests:
    """The checks, for every shell; one HOME for every test: pi's auth.json holds openai (API key) and
    anthropic (OAuth); the private keyring holds groq (profile default) and
    mistral (profile work)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="test-completions-")
        home = os.path.join(cls.tmp, "home")
        agent_dir = os.path.join(cls.tmp, "agent")
        cls.bin_dir = os.path.join(cls.tmp, "bin")
        for d in (home, agent_dir, cls.bin_dir):
            os.makedirs(d)
        # The completions run `pi-keyring` as typed: this build, on $PATH.
        os.symlink(os.path.abspath(CLI), os.path.join(cls.bin_dir, "pi-keyring"))
        with open(os.path.join(agent_dir, "auth.json"), "w") as f:
            json.dump(PI_AUTH, f, indent=2)
        os.chmod(os.path.join(agent_dir, "auth.json"), 0o600)

        env = {k: v for k, v in os.environ.items()
               if not k.endswith("_API_KEY") and k not in ("PI_KEYRING_BACKEND", "LD_PRELOAD")}
        env.update({
            "HOME": home,
            "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
            "XDG_CONFIG_HOME": os.path.join(home, ".config"),
            "XDG_CACHE_HOME": os.path.join(home, ".cache"),
            "XDG_STATE_HOME": os.path.join(home, ".local", "state"),
            "PI_CODING_AGENT_DIR": agent_dir,
            "LC_ALL": "C.UTF-8",
            "TERM": "dumb",
            "PATH": cls.bin_dir + os.pathsep + "/usr/bin:/bin",
        })
        cls.env = env

        cls.cli("--backend=secret-service", "set", "groq", stdin=b"gsk-compl-test-groq-1f2e")
        cls.cli("--backend=secret-service", "--profile=work", "set", "mistral",
                stdin=b"sk-compl-test-mistral-work-77aa")

        providers = json.loads(cls.cli("providers", "--json"))
        cls.provider_ids = {p["id"] for p in providers}
        cls.oauth_ids = {p["id"] for p in providers if p["oauth"]}
        assert {"openai", "anthropic", "groq", "mistral"} <= cls.provider_ids
        # openai: an API key or pi 1.6.0's ChatGPT sign-in; groq: an API key only.
        assert {"anthropic", "openai", "kimi-coding"} <= cls.oauth_ids and "groq" not in cls.oauth_ids

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, True)

    @classmethod
    def cli(cls, *args, stdin=b""):
        proc = subprocess.run([CLI] + list(args), input=stdin, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=cls.env, timeout=60)
        if proc.returncode != 0:
            raise AssertionError("pi-keyring %s: exit %d: %s"
                                 % (" ".join(args), proc.returncode, proc.stderr.decode()))
        return proc.stdout.decode()

    def run_shell(self, argv, env=None):
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env or self.env, timeout=120)
        out = proc.stdout.decode("utf-8", "replace")
        err = proc.stderr.decode("utf-8", "replace")
        for secret in SECRETS:
            self.assertNotIn(secret, out + err, "a secret in the output of %r" % (argv,))
        self.assertEqual(proc.returncode, 0, "%r: exit %d\n%s%s" % (argv, proc.returncode, out, err))
        return out, err

    # Each shell class sets complete (line) -> the set of candidates.

    def check_common(self):
        self.assertEqual(self.complete("pi-keyring lo"), {"login", "logout"})
        self.assertEqual(self.complete("pi-keyring re"), {"remove", "refresh"})
        self.assertEqual(self.complete("pi-keyring "), COMMANDS)

    def test_commands(self):
        self.check_common()
        self.assertEqual(self.complete("pi-keyring help st"), {"status"})

    def test_options(self):
        login = self.complete("pi-keyring login --")
        self.assertTrue({"--no-browser", "--enterprise-domain", "--backend", "--profile",
                         "--json", "--interactive", "--help"} <= self.strip_eq(login), login)
        self.assertEqual(self.strip_eq(self.complete("pi-keyring daemon --r")), {"--replace"})
        self.assertEqual(self.strip_eq(self.complete("pi-keyring import --l")), {"--link"})
        self.assertEqual(self.strip_eq(self.complete("pi-keyring setup-pi --u")), {"--undo"})
        self.assertNotIn("--replace", self.strip_eq(self.complete("pi-keyring login --")))
        self.assertEqual(self.strip_eq(self.complete("pi-keyring --ver")), {"--version"})

    def test_backend_values(self):
        self.assertEqual(self.complete("pi-keyring --backend="),
                         {"--backend=" + b for b in BACKENDS})
        self.assertEqual(self.complete("pi-keyring --backend=en"), {"--backend=encrypted-file"})
        self.assertEqual(self.complete("pi-keyring list --backend=enc"),
                         {"--backend=encrypted-file"})

    def test_provider_ids(self):
        self.assertEqual(self.complete("pi-keyring get "), self.provider_ids)
        self.assertEqual(self.complete("pi-keyring set op"),
                         {p for p in self.provider_ids if p.startswith("op")})
        # login: only the providers that log in with OAuth.
        self.assertEqual(self.complete("pi-keyring login "), self.oauth_ids)
        self.assertEqual(self.complete("pi-keyring exec --provider=gr"), {"--provider=groq"})

    def test_stored_ids(self):
        # The keyring's groq, of the default profile: not mistral, stored for
        # the profile work, nor auth.json's openai and anthropic, which
        # remove does not delete when the backend is the keyring.
        self.assertEqual(self.complete("pi-keyring remove "), {"groq"})
        self.assertEqual(self.complete("pi-keyring logout g"), {"groq"})
        self.assertEqual(self.complete("pi-keyring --backend=secret-service remove "), {"groq"})
        self.assertEqual(self.complete("pi-keyring --profile=work remove "), {"mistral"})
        self.assertEqual(self.complete("pi-keyring remove --profile work "), {"mistral"})
        # The backend typed is the one listed: auth.json's entries.
        self.assertEqual(self.complete("pi-keyring --backend=file remove "),
                         {"openai", "anthropic"})
        self.assertEqual(self.complete("pi-keyring --backend file logout o"), {"openai"})
        env = dict(self.env, PI_KEYRING_BACKEND="file")
        self.assertEqual(self.complete("pi-keyring remove ", env=env), {"openai", "anthropic"})
        # refresh: the stored OAuth tokens only, auth.json's too (a token is
        # written back to where it was found).
        self.assertEqual(self.complete("pi-keyring refresh "), {"anthropic"})
        self.assertEqual(self.complete("pi-keyring refresh anthropic "), {"anthropic"})

    def test_exec_command(self):
        # After "exec --", the command line of another command: pi-keyring's own.
        self.assertEqual(self.complete("pi-keyring exec -- pi-keyring lo"), {"login", "logout"})

    def test_keyring_unavailable(self):
        # No session bus: nothing from the keyring, and not a word of error.
        env = dict(self.env)
        env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=" + os.path.join(self.tmp, "no-bus")
        got = self.complete("pi-keyring --backend=secret-service remove ", env=env)
        self.assertEqual(got, set())
        self.assertEqual(self.complete("pi-keyring --backend=secret-service login ", env=env),
                         self.oauth_ids)

    @staticmethod
    def strip_eq(candidates):
        """Options as zsh and fish show them: "--backend", not bash's "--backend=". """
        return {c[:-1] if c.endswith("=") else c for c in candidates}


@unittest.skipIf(ZSH is None, "zsh is not installed")
class ZshTestCase(CompletionTests, unittest.TestCase):
    def complete(self, line, env=None):
        out, err = self.run_shell([ZSH, "-f", ZSH_DRIVER, COMPLETIONS, line], env=env)
        self.assertEqual(err, "", "zsh's stderr for %r" % line)
        return {c for c in out.split("\n") if c != ""}


@unittest.skipIf(FISH is None, "fish is not installed")
class FishTestCase(CompletionTests, unittest.TestCase):
    def complete(self, line, env=None):
        script = ("source %s; and complete -C %s"
                  % (fish_quote(os.path.join(COMPLETIONS, "pi-keyring.fish")), fish_quote(line)))
        out, err = self.run_shell([FISH, "--no-config", "-c", script], env=env)
        self.assertEqual(err, "", "fish's stderr for %r" % line)
        return {c.split("\t", 1)[0] for c in out.split("\n") if c != ""}


# Readline's words: blanks separate them, and each run of =, : is a word of
# its own (COMP_WORDBREAKS); a line that ends in a blank has an empty last one.
def readline_words(line):
    words = re.findall(r"[^\s=:]+|[=:]+", line)
    if line == "" or line[-1].isspace():
        words.append("")
    return words


BASH_DRIVER = r'''
source "$1" || exit 1
source "$2" || exit 1
COMP_LINE=$3
COMP_POINT=${#COMP_LINE}
shift 3
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_TYPE=9 COMP_KEY=9
compopt() { :; }  # only works inside a real completion; nospace is not checked here
_pi_keyring pi-keyring "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}"
'''


@unittest.skipIf(BASH is None, "bash or bash-completion is not installed")
class BashTestCase(CompletionTests, unittest.TestCase):
    def complete(self, line, env=None):
        words = readline_words(line)
        out, err = self.run_shell([BASH, "--norc", "--noprofile", "-c", BASH_DRIVER, "bash",
                                   BASH_COMPLETION, os.path.join(COMPLETIONS, "pi-keyring"),
                                   line] + words, env=env)
        self.assertEqual(err, "", "bash's stderr for %r" % line)
        got = {c for c in out.split("\n") if c != ""}
        # bash completes the word after "=" alone: put the option back, as
        # the other shells show it.
        if words[-1] == "=":
            got = {words[-2] + "=" + c for c in got}
        elif len(words) >= 3 and words[-2] == "=":
            got = {words[-3] + "=" + c for c in got}
        return got


def fish_quote(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


if __name__ == "__main__":
    if not CLI or not os.access(CLI, os.X_OK):
        print("PI_KEYRING_CLI must name the built pi-keyring", file=sys.stderr)
        sys.exit(1)
    if ZSH is None and FISH is None and BASH is None:
        print("SKIP: none of zsh, fish, bash with bash-completion is installed", file=sys.stderr)
        sys.exit(77)
    for name, found in (("zsh", ZSH), ("fish", FISH), ("bash-completion", BASH)):
        if found is None:
            print("SKIP: %s is not installed: its completion is not tested" % name,
                  file=sys.stderr)
    unittest.main(verbosity=2)
