#!/usr/bin/python3
"""A symbolic link to auth.json, written at once by pi 0.73.1, pi 1.6.0 and
pi-keyring (issue 21, item 3).

pi 1.6.0 locks the file the link leads to (proper-lockfile's `realpath`,
FileAuthStorageBackend.acquireLockSyncWithRetry and acquireLockAsync of
dist/core/auth-storage.js); pi 0.73.1 locks the link itself for its
constructor, set and remove (`lockSync(path, { realpath: false })`) and the
file it leads to only for a refresh (withLockAsync). pi-keyring takes both
directories, the resolved one first, so that neither pi can change the file
between pi-keyring's read and its write.

The pis are their own AuthStorage (node, from the installed releases,
tests/pi/install-pi.sh), pi-keyring is tests/crash-writer.c on the file
backend. Each pi with pi-keyring loses nothing, also when the pi holds its
lock for a while (as a refresh does), and pi-keyring waits for either pi's
lock. The two pis take different locks, so together they can clobber each
other's writes (in-place writes: one truncates, the other reads {}), which
no third writer can prevent; with all three at once that is reported, and
when it did not happen nothing may be missing. Afterwards the link is still a link, the file it leads to
parses, keeps mode 0600, and no lock is left.

Skips with a message when the pis are not installed, unless
PI_KEYRING_TEST_PI_REQUIRED=1 (CI).

SPDX-License-Identifier: LGPL-2.1-or-later
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pi_session  # noqa: E402

CLI = os.environ.get("PI_KEYRING_CLI", "")
WRITER = os.environ.get("CRASH_WRITER", "")
WRITES = int(os.environ.get("SYMLINK_LOCK_WRITES", "30"))

# pi's AuthStorage writing COUNT api_key entries PREFIX-0 … through PATH,
# one at a time as pi's /login does, printing each acknowledged one. pi
# 0.73.1's set swallows a lock it could not take (the error goes to
# drainErrors, the entry stays in memory only): such a write is tried
# again, as a user would, and printed only once it is in the file's
# writer's hands. pi 1.6.0's modify throws instead.
#
# With HOLD (ms) > 0 each write holds pi's lock that long between its read
# and its write, as pi's refresh does while it asks the provider: pi 1.6.0's
# modify with a callback that waits; pi 0.73.1's FileAuthStorageBackend
# withLock (what its set calls) with a merge that takes that long.
NODE_WRITER = r"""
import { pathToFileURL } from "node:url";
const [module, path, prefix, count, holdText] = process.argv.slice(2);
const hold = Number(holdText);
const spin = (ms) => { const end = Date.now() + ms; while (Date.now() < end) {} };
const { AuthStorage } = await import(pathToFileURL(module).href);
let storage = AuthStorage.create(path);
if (typeof storage.drainErrors === "function")
  while (storage.drainErrors().length > 0) {      // pi 0.73.1: the constructor's load
    await new Promise((r) => setTimeout(r, 5));
    storage.reload();
  }
for (let i = 0; i < Number(count); i++) {
  const provider = `${prefix}-${i}`;
  const entry = { type: "api_key", key: `${prefix}-value-${i}` };
  for (let attempt = 0; ; attempt++) {
    if (attempt === 200) throw new Error(`${provider}: no lock after 200 attempts`);
    if (typeof storage.set === "function" && hold > 0) {   // pi 0.73.1, slow
      try {
        storage.storage.withLock((current) => {
          const data = current ? JSON.parse(current) : {};
          spin(hold);
          data[provider] = entry;
          return { result: undefined, next: JSON.stringify(data, null, 2) };
        });
        break;
      } catch (error) { if (error.code !== "ELOCKED") throw error; }
    } else if (typeof storage.set === "function") {       // pi 0.73.1
      storage.set(provider, entry);
      if (storage.drainErrors().length === 0) break;
    } else {                                               // pi 1.6.0
      const update = async () => { if (hold > 0) await new Promise((r) => setTimeout(r, hold)); return entry; };
      try { await storage.modify(provider, update); break; }
      catch (error) { if (attempt > 3) throw error; }
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  console.log(provider);
}
"""


def auth_storage_module(pi):
    """dist/core/auth-storage.js of one installed pi."""
    for up in (1, 2):
        dist = pi.cli
        for _ in range(up):
            dist = os.path.dirname(dist)
        module = os.path.join(dist, "core", "auth-storage.js")
        if os.path.isfile(module):
            return module
    raise AssertionError("no core/auth-storage.js beside %s" % pi.cli)


class Background:
    """A writer process; `acked` holds the lines it printed."""

    def __init__(self, name, args, env):
        self.name = name
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env)
        self.acked = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            self.acked.append(line.decode().strip())

    def finish(self, timeout=300):
        code = self.proc.wait(timeout)
        self.thread.join(10)
        err = self.proc.stderr.read().decode("utf-8", "replace")
        self.proc.stdout.close()
        self.proc.stderr.close()
        return code, err


@unittest.skipUnless(WRITER and os.access(WRITER, os.X_OK), "CRASH_WRITER is not set")
class SymlinkLockTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="test-symlink-lock-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.home = os.path.join(self.tmp, "home")
        os.makedirs(self.home)
        # ~/dotfiles/pi/auth.json, and the agent dir's auth.json a link to it.
        self.real_dir = os.path.join(self.home, "dotfiles", "pi")
        os.makedirs(self.real_dir, mode=0o700)
        self.real_file = os.path.join(self.real_dir, "auth.json")
        self.agent_dir = os.path.join(self.home, ".pi", "agent")
        os.makedirs(self.agent_dir, mode=0o700)
        self.link = os.path.join(self.agent_dir, "auth.json")
        self.link_target = os.path.join("..", "..", "dotfiles", "pi", "auth.json")
        with open(self.real_file, "w") as f:
            f.write(json.dumps({"seed": {"type": "api_key", "key": "seed-value"}}, indent=2))
        os.chmod(self.real_file, 0o600)
        os.symlink(self.link_target, self.link)

        self.env = {k: v for k, v in os.environ.items()
                    if not k.endswith("_API_KEY") and k != "PI_KEYRING_BACKEND"}
        self.env.update({
            "HOME": self.home,
            "PI_CODING_AGENT_DIR": self.agent_dir,
            "XDG_RUNTIME_DIR": os.path.join(self.tmp, "run"),
            "XDG_STATE_HOME": os.path.join(self.home, ".local", "state"),
            "XDG_DATA_HOME": os.path.join(self.home, ".local", "share"),
            "LC_ALL": "C.UTF-8",
        })
        os.makedirs(self.env["XDG_RUNTIME_DIR"], mode=0o700)

    def installs(self):
        found = {pi.version.split(".")[0]: pi for pi in pi_session.installs()}
        if "0" not in found or "1" not in found:
            reason = pi_session.missing_reason() if not found else \
                "pi 0.73.1 and 1.6.0 are both needed, found %s" % sorted(found)
            if os.environ.get("PI_KEYRING_TEST_PI_REQUIRED") == "1":
                self.fail(reason + " (PI_KEYRING_TEST_PI_REQUIRED=1: CI must run this test)")
            self.skipTest(reason)
        return found["0"], found["1"]

    def pi_writer(self, pi, prefix, count=WRITES, hold_ms=0):
        script = os.path.join(self.tmp, "writer.mjs")
        with open(script, "w") as f:
            f.write(NODE_WRITER)
        env = pi_session.pi_env(self.env, self.home, agent_dir=self.agent_dir)
        return Background(prefix, [pi.node, script, auth_storage_module(pi), self.link, prefix,
                                   str(count), str(hold_ms)], env)

    def pk_writer(self, provider, count=WRITES):
        return Background(provider, [WRITER, "file", provider, "1", str(count)], self.env)

    def read_entries(self):
        with open(self.link, "rb") as f:
            return json.loads(f.read().decode("utf-8"))

    def check_file(self):
        self.assertTrue(os.path.islink(self.link), "the link was replaced by a file")
        self.assertEqual(os.readlink(self.link), self.link_target)
        st = os.lstat(self.real_file)
        self.assertTrue(stat.S_ISREG(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        left = [name for d in (self.agent_dir, self.real_dir) for name in os.listdir(d)
                if name != "auth.json"]
        self.assertEqual(left, [], "left beside auth.json")

    def run_all(self, writers):
        results = [(w, w.finish()) for w in writers]
        for writer, (code, err) in results:
            self.assertEqual(code, 0, "%s: %s" % (writer.name, err))
        return self.read_entries()

    def check_pi(self, entries, writer):
        self.assertEqual(len(writer.acked), WRITES, writer.name)
        for provider in writer.acked:
            self.assertIn(provider, entries, "%s's write was lost" % writer.name)
            self.assertEqual(entries[provider]["key"], "%s-value-%s" % tuple(provider.rsplit("-", 1)))

    def check_pk(self, entries, writer):
        self.assertEqual(len(writer.acked), WRITES, writer.name)
        self.assertEqual(entries[writer.name]["key"], "value-%d" % WRITES,
                         "pi-keyring's last write to %s was lost" % writer.name)

    def test_each_pi_with_pi_keyring(self):
        for pi, prefix in zip(self.installs(), ("pi073", "pi16")):
            with self.subTest(pi=pi.version):
                pk = "pk-with-%s" % prefix
                writers = [self.pi_writer(pi, prefix), self.pk_writer(pk)]
                entries = self.run_all(writers)
                self.check_pi(entries, writers[0])
                self.check_pk(entries, writers[1])
                self.assertEqual(entries["seed"]["key"], "seed-value")
                self.check_file()

    def test_each_pi_holding_its_lock_with_pi_keyring(self):
        # The window between a pi's read and its write is what a lock of
        # the wrong path leaves open: 30 ms of it on every write.
        for pi, prefix in zip(self.installs(), ("slow073", "slow16")):
            with self.subTest(pi=pi.version):
                pk = "pk-with-%s" % prefix
                writers = [self.pi_writer(pi, prefix, hold_ms=30), self.pk_writer(pk)]
                entries = self.run_all(writers)
                self.check_pi(entries, writers[0])
                self.check_pk(entries, writers[1])
                self.check_file()

    def test_both_pis_and_pi_keyring_at_once(self):
        # The two pis lock different directories, so they can clobber each
        # other: one's in-place write truncates the file, the other reads
        # the empty file as {} and writes back only its own entry (or two
        # writes mix). Nothing pi-keyring can prevent: it is never the one
        # between a read and a write. When that happened (the seed entry is
        # gone, a pi met a malformed file), it is reported; otherwise
        # everything must be there.
        pi073, pi16 = self.installs()
        writers = [self.pi_writer(pi073, "pi073"), self.pi_writer(pi16, "pi16"),
                   self.pk_writer("pk-a"), self.pk_writer("pk-b")]
        results = [(w, w.finish()) for w in writers]
        self.check_file()
        try:
            entries = self.read_entries()
        except ValueError:
            entries = None
        failed = [(w.name, err.strip().splitlines()[-1:]) for w, (code, err) in results if code != 0]
        if entries is None or "seed" not in entries or failed:
            print("the two pis clobbered each other: %s; file %s"
                  % (failed or "no writer failed", "malformed" if entries is None else
                     "with %d entries" % len(entries)))
            for writer, (code, err) in results[2:]:
                # pi-keyring stops at a malformed file; it never writes one.
                if code != 0:
                    self.assertIn("auth.json", err, "%s: %s" % (writer.name, err))
            return
        for writer in writers[:2]:
            self.check_pi(entries, writer)
        for writer in writers[2:]:
            self.check_pk(entries, writer)

    def wait_for_lock(self, lock_dir):
        """pi-keyring's write must wait while @lock_dir (pi's lock) exists."""
        os.mkdir(lock_dir)
        writer = self.pk_writer("pk-waits", count=1)
        time.sleep(1.5)
        self.assertEqual(writer.acked, [], "pi-keyring wrote while %s was held" % lock_dir)
        before = self.read_entries()
        self.assertNotIn("pk-waits", before)
        os.rmdir(lock_dir)
        code, err = writer.finish(timeout=30)
        self.assertEqual(code, 0, err)
        self.assertEqual(self.read_entries()["pk-waits"]["key"], "value-1")
        self.check_file()

    def test_waits_for_pi_16s_lock_of_the_resolved_file(self):
        self.wait_for_lock(self.real_file + ".lock")

    def test_waits_for_pi_073s_lock_of_the_link(self):
        self.wait_for_lock(self.link + ".lock")


if __name__ == "__main__":
    unittest.main(verbosity=2)
