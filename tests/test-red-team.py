#!/usr/bin/python3
# Cases of the red-team pass of issue 24 that the command must survive: a
# session bus that accepts connections and never answers, a Secret Service
# that went away after the user kept credentials in it, and an `export FILE`
# through a symbolic link another user planted. The built binary in a
# subprocess, inside tests/with-test-keyring.sh.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import importlib.util
import json
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def load_module(name, filename):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cli = load_module("test_cli", "test-cli.py")

KEY = "sk-red-team-openai-5e4d3c2b"
FILE_KEY = "sk-red-team-file-openai-9a8b7c"
OTHER_UID = 65534   # nobody


# --- a session bus that never answers ------------------------------------------

class HungBus:
    """A Unix socket that accepts every connection and never says a word:
    a stopped dbus-daemon, as a client sees it."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(64)
        self.connections = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.connections:
            conn.close()


class HungBusTest(cli.CliTestCase):
    needs_keyring = False
    TIMEOUT = 2

    def setUp(self):
        super().setUp()
        self.extra_secrets = {FILE_KEY}
        self.write_auth_file(cli.pi_format({"openai": {"type": "api_key", "key": FILE_KEY}}))
        runtime = os.path.join(self.tmp, "run")
        os.mkdir(runtime, 0o700)
        bus = HungBus(os.path.join(runtime, "bus"))
        self.addCleanup(bus.close)
        self.env.update({"DBUS_SESSION_BUS_ADDRESS": "unix:path=" + bus.path,
                         "XDG_RUNTIME_DIR": runtime,
                         "PI_KEYRING_TIMEOUT": str(self.TIMEOUT)})
        self.env.pop("DISPLAY", None)

    def test_the_file_backend_does_not_wait_for_the_bus(self):
        for args in [["get", "openai"], ["list"], ["list", "--json"], ["status"],
                     ["export", "-"]]:
            with self.subTest(args=args):
                result = self.run_cli("--backend=file", *args, timeout=30,
                                      secrets_on_stdout=True)
                self.assertExit(result, 0)
                self.assertLess(result.elapsed, self.TIMEOUT)
                if args[0] == "get":
                    self.assertEqual(result.out, FILE_KEY.encode())
                elif args[0] == "list":
                    self.assertIn("openai", result.text)

    def test_the_secret_service_backend_exits_5_in_time(self):
        for args, stdin in [(["get", "openai"], b""), (["list"], b""),
                            (["set", "groq"], b"gsk-red-team-not-stored\n"),
                            (["remove", "openai"], b""), (["export", "-"], b""),
                            (["status"], b"")]:
            for backend in ["--backend=secret-service", "--backend=auto"]:
                with self.subTest(args=args, backend=backend):
                    result = self.run_cli(backend, *args, stdin=stdin, timeout=30)
                    self.assertExit(result, 5)
                    self.assertLess(result.elapsed, self.TIMEOUT + 1.5)
                    self.assertIn("session bus did not answer",
                                  result.err + result.text)
        self.assertNotIn(b"groq", self.read(self.auth_file))

    def test_the_daemon_exits_5_in_time(self):
        result = self.run_cli("daemon", "--backend=file", timeout=30)
        self.assertExit(result, 5)
        self.assertLess(result.elapsed, self.TIMEOUT + 1.5)
        self.assertIn("session bus did not answer", result.err)


# --- the Secret Service gone after the user kept credentials in it --------------

def start_bus_without_keyring(tmp):
    """A second private session bus with nothing on it and nothing
    activatable: the session after gnome-keyring crashed. Returns
    (process, address)."""
    services = os.path.join(tmp, "no-services")
    os.makedirs(services, exist_ok=True)
    config = os.path.join(tmp, "no-keyring-bus.conf")
    with open(config, "w") as f:
        f.write("""<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s/no-keyring-bus</listen>
  <auth>EXTERNAL</auth>
  <servicedir>%s</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
""" % (tmp, services))
    proc = subprocess.Popen(["dbus-daemon", "--config-file=" + config, "--nofork",
                             "--print-address"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    address = proc.stdout.readline().strip()
    proc.stdout.close()
    return proc, address


class KeyringGoneTest(cli.CliTestCase):
    def setUp(self):
        super().setUp()
        self.extra_secrets = {KEY}
        bus, address = start_bus_without_keyring(self.tmp)
        self.addCleanup(bus.wait, 10)
        self.addCleanup(bus.terminate)
        self.gone_env = dict(self.env, DBUS_SESSION_BUS_ADDRESS=address)
        self.gone_env.pop("DISPLAY", None)
        self.marker = os.path.join(self.env["XDG_STATE_HOME"], "pi-keyring",
                                   "secret-service-used")

    def test_after_the_keyring_was_used_auto_exits_5(self):
        self.assertFalse(os.path.exists(self.marker))
        self.set_key("openai", KEY)
        self.assertTrue(os.path.exists(self.marker))
        self.assertNotIn(KEY, self.read(self.marker).decode("utf-8", "replace"))
        self.assertEqual(stat.S_IMODE(os.stat(self.marker).st_mode), 0o600)

        for args, stdin in [(["get", "openai"], b""),
                            (["set", "openai"], b"sk-red-team-not-stored\n"),
                            (["set", "groq"], b"gsk-red-team-not-stored\n"),
                            (["list"], b""), (["status"], b""),
                            (["exec", "--", "true"], b"")]:
            with self.subTest(args=args):
                result = self.run_cli(*args, stdin=stdin, env=self.gone_env)
                self.assertExit(result, 5)
                self.assertIn("no secret service is running", result.err.lower())
                self.assertIn("--backend=file", result.err)
                self.assertNotIn("plaintext to", result.err)
        self.assertFalse(os.path.exists(self.auth_file))

        # Without a bus at all, the same.
        no_bus = dict(self.gone_env, DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent")
        result = self.run_cli("get", "openai", env=no_bus)
        self.assertExit(result, 5)

        # auth.json when asked for by name.
        result = self.run_cli("--backend=file", "set", "openai",
                              stdin=FILE_KEY.encode() + b"\n", env=self.gone_env)
        self.assertExit(result, 0)
        self.extra_secrets |= {FILE_KEY}
        result = self.run_cli("--backend=file", "get", "openai", env=self.gone_env,
                              secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertEqual(result.out, FILE_KEY.encode())

        # The keyring back: the key is where it was.
        result = self.run_cli("get", "openai", secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertEqual(result.out, KEY.encode())

    def test_a_read_of_the_keyring_marks_it_used_too(self):
        # Credentials stored by a pi-keyring that wrote no marker yet.
        self.set_key("openai", KEY)
        os.unlink(self.marker)
        result = self.run_cli("get", "openai", secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertTrue(os.path.exists(self.marker))

    def test_a_machine_that_never_had_a_keyring_falls_back(self):
        result = self.run_cli("set", "openai", stdin=FILE_KEY.encode() + b"\n",
                              env=self.gone_env)
        self.extra_secrets |= {FILE_KEY}
        self.assertExit(result, 0)
        warnings = [line for line in result.err.splitlines() if "plaintext" in line]
        self.assertEqual(len(warnings), 1, result.err)
        self.assertIn(FILE_KEY, self.read(self.auth_file).decode())
        self.assertFalse(os.path.exists(self.marker))
        result = self.run_cli("get", "openai", env=self.gone_env, secrets_on_stdout=True)
        self.assertExit(result, 0)
        self.assertEqual(result.out, FILE_KEY.encode())


# --- export FILE through a symbolic link ----------------------------------------

class ExportLinkTest(cli.CliTestCase):
    needs_keyring = False

    def setUp(self):
        super().setUp()
        self.extra_secrets = {KEY}
        self.env["PI_KEYRING_BACKEND"] = "memory"
        self.set_key("openai", KEY, "--backend=file")
        self.env["PI_KEYRING_BACKEND"] = "file"

    def victim(self):
        """A JSON file of the user's that a planted link would lead export to."""
        path = os.path.join(self.tmp, "victim.json")
        with open(path, "w") as f:
            f.write('{"untouched": true}')
        os.chmod(path, 0o600)
        return path

    def sticky_dir(self):
        path = os.path.join(self.tmp, "sticky")
        os.mkdir(path)
        os.chmod(path, 0o1777)
        return path

    def assertRefused(self, link, victim, named=None):
        before = self.read(victim)
        result = self.run_cli("export", link)
        self.assertExit(result, 1)
        self.assertIn("symbolic link", result.err)
        self.assertIn("another user (uid %d)" % OTHER_UID, result.err)
        self.assertIn(named or link, result.err)
        self.assertEqual(self.read(victim), before)
        self.assertTrue(os.path.islink(link))
        self.assertEqual(os.listdir(os.path.dirname(victim)).count("victim.json"), 1)

    @unittest.skipUnless(os.geteuid() == 0, "needs root, to give a link to another user")
    def test_a_link_another_user_owns_is_refused(self):
        victim = self.victim()
        for where in [self.sticky_dir(), self.tmp]:
            with self.subTest(sticky=where != self.tmp):
                link = os.path.join(where, "planted.json")
                os.symlink(victim, link)
                os.lchown(link, OTHER_UID, OTHER_UID)
                self.assertRefused(link, victim)
                os.unlink(link)

    @unittest.skipUnless(os.geteuid() == 0, "needs root, to give a link to another user")
    def test_a_chain_through_another_users_link_is_refused(self):
        victim = self.victim()
        sticky = self.sticky_dir()
        planted = os.path.join(sticky, "planted.json")
        os.symlink(victim, planted)
        os.lchown(planted, OTHER_UID, OTHER_UID)
        mine = os.path.join(self.tmp, "mine.json")
        os.symlink(planted, mine)
        self.assertRefused(mine, victim, named=planted)

    def test_the_users_own_link_is_followed(self):
        victim = self.victim()
        link = os.path.join(self.tmp, "link.json")
        os.symlink(victim, link)
        result = self.run_cli("export", link)
        self.assertExit(result, 0)
        self.assertTrue(os.path.islink(link))
        self.assertEqual(json.loads(self.read(victim)),
                         {"untouched": True, "openai": {"type": "api_key", "key": KEY}})
        self.assertEqual(stat.S_IMODE(os.stat(victim).st_mode), 0o600)

    def test_the_users_own_link_in_a_sticky_directory_is_followed(self):
        victim = self.victim()
        link = os.path.join(self.sticky_dir(), "link.json")
        os.symlink(victim, link)
        result = self.run_cli("export", link)
        self.assertExit(result, 0)
        self.assertIn(KEY, self.read(victim).decode())

    @unittest.skipUnless(os.geteuid() == 0, "needs root, to give a link to another user")
    def test_an_auth_json_link_is_still_followed(self):
        # A dotfile manager's link: pi's own file, written through it as before.
        real = os.path.join(self.tmp, "dotfiles-auth.json")
        with open(real, "w") as f:
            f.write("{}")
        os.chmod(real, 0o600)
        os.makedirs(self.agent_dir, exist_ok=True)
        os.unlink(self.auth_file)
        os.symlink(real, self.auth_file)
        os.lchown(self.auth_file, OTHER_UID, OTHER_UID)
        self.set_key("groq", "gsk-red-team-groq-1f2e")
        self.assertTrue(os.path.islink(self.auth_file))
        self.assertIn("gsk-red-team-groq-1f2e", self.read(real).decode())


if __name__ == "__main__":
    unittest.main(verbosity=2)
