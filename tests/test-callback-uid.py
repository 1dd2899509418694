#!/usr/bin/python3
# Issue 24, item 6: the loopback callback server of `pi-keyring login`
# answers only connections from the user's own uid. Another local user who
# learnt the authorize URL (state included: with BROWSER set it is in the
# browser's argv) must not be able to end the login with a code of her own:
# she gets 403 and the login goes on; the user's own call still completes it.
#
# The other user is a throwaway system account created here (useradd, as
# root) and removed afterwards; her requests run under setpriv. Without
# root, useradd or setpriv the test is skipped with a message.
#
# The login listens on pi's fixed port 53692: meson runs this program with
# is_parallel: false, inside tests/with-test-keyring.sh, against
# tests/mock-provider.py (see tests/test-cli-login.py).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import importlib.util
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))


def load_module(name, filename):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


login = load_module("test_cli_login", "test-cli-login.py")

PORT = login.PORTS["anthropic"]

# Run as the other user: one raw GET over the given address family, the
# status code on stdout (a raw request, so that the address is exactly
# 127.0.0.1, ::1 or the IPv4-mapped ::ffff:127.0.0.1).
RAW_GET = r"""
import socket, sys
family = {"4": socket.AF_INET, "6": socket.AF_INET6}[sys.argv[1]]
address, port, target, host = sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
s = socket.socket(family, socket.SOCK_STREAM)
s.settimeout(10)
s.connect((address, port))
s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (target, host)).encode())
answer = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    answer += chunk
print(answer.split(b"\r\n", 1)[0].split()[1].decode())
print(answer.decode("utf-8", "replace"), file=sys.stderr)
"""


def ipv6_loopback_works():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def mapped_addresses_work():
    """An AF_INET6 socket can reach 127.0.0.1 as ::ffff:127.0.0.1."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
            server.bind(("127.0.0.1", 0))
            server.listen(1)
            with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
                s.settimeout(2)
                s.connect(("::ffff:127.0.0.1", server.getsockname()[1]))
        return True
    except OSError:
        return False


class OtherUser:
    """A throwaway system account, removed by remove ()."""

    def __init__(self):
        self.name = "pikr-test-%s" % secrets.token_hex(2)
        subprocess.run(["useradd", "--system", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", self.name],
                       check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        entry = pwd.getpwnam(self.name)
        self.uid, self.gid = entry.pw_uid, entry.pw_gid

    def remove(self):
        subprocess.run(["userdel", self.name], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)

    def get(self, family, address, target, host):
        """(status, answer) of a GET by this user."""
        proc = subprocess.run(
            ["setpriv", "--reuid=%d" % self.uid, "--regid=%d" % self.gid, "--clear-groups",
             "/usr/bin/python3", "-I", "-c", RAW_GET, family, address, str(PORT), target, host],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd="/",
            env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"}, timeout=30)
        if proc.returncode != 0:
            raise RuntimeError("the request as %s failed: %s" % (self.name, proc.stderr))
        return int(proc.stdout.strip()), proc.stderr


@unittest.skipUnless(os.geteuid() == 0, "needs root, to create a second user (useradd)")
@unittest.skipUnless(shutil.which("useradd") and shutil.which("userdel"),
                     "useradd or userdel is missing: no second user")
@unittest.skipUnless(shutil.which("setpriv"), "setpriv is missing: cannot act as a second user")
class CallbackUidTest(login.LoginTestCase):
    def setUp(self):
        super().setUp()
        self.other = OtherUser()
        self.addCleanup(self.other.remove)

    def start_login(self):
        proc = login.LoginProcess(self, ["login", "--no-browser", "anthropic"], self.env)
        self.addCleanup(self.stop, proc)
        url = proc.wait_for(r"(http://127\.0\.0\.1:\d+/claude\.ai/oauth/authorize\?\S+)").group(1)
        proc.wait_for(r"[Pp]aste")
        callback = urllib.parse.urlsplit(self.authorize_redirect(url))
        self.assertEqual(callback.port, PORT, callback)
        target = callback.path + "?" + callback.query
        return proc, target

    def stop(self, proc):
        if proc.proc.poll() is None:
            proc.proc.kill()
            proc.finish()

    def assertStillWaiting(self, proc):
        time.sleep(0.5)
        self.assertIsNone(proc.proc.poll(), "the login ended:\n%s" % proc.text)
        self.assertEqual(self.mock.requests(login.ANTHROPIC_TOKEN_PATH), [],
                         "the code of a foreign call was exchanged")

    def test_other_user_is_refused_and_the_login_goes_on(self):
        proc, target = self.start_login()
        host = "localhost:%d" % PORT

        ways = [("4", "127.0.0.1")]
        if ipv6_loopback_works():
            ways.append(("6", "::1"))
        if mapped_addresses_work():
            ways.append(("6", "::ffff:127.0.0.1"))
        for family, address in ways:
            with self.subTest(address=address):
                status, answer = self.other.get(family, address, target, host)
                self.assertEqual(status, 403, answer)
                self.assertIn("text/html", answer)
                self.assertNotIn("signed in", answer)
                self.assertStillWaiting(proc)

        # The user's own call, with the same code and state, completes it.
        status, _, page = login.fetch("GET", "http://%s%s" % (host, target))
        self.assertEqual(status, 200, page)
        result = proc.finish()
        self.assertExit(result, 0)
        self.assertIn("Logged in to Anthropic (Claude Pro/Max).", result.err)
        self.assertEqual(list(self.stored("anthropic")), login.FIELDS["anthropic"])
        self.assertEqual(len(self.mock.requests(login.ANTHROPIC_TOKEN_PATH)), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
