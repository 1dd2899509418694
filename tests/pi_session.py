"""Drivers of the real pi for pi-keyring's tests and benchmarks.

The pi releases come from tests/pi/install-pi.sh, found through
$PI_KEYRING_TEST_PI_DIR (set by tests/meson.build): its `pi-commands` file has
one line per release, `PI <version> <node> <cli.js>`.

    for pi in pi_session.installs():          # [] when not installed
        env = pi_session.pi_env(home, bindir=..., rewrite=..., browser=...)
        with pi_session.RpcSession(pi, env, ["--provider", "anthropic", ...]) as s:
            answer = s.prompt("hello")       # Answer: .text, .error, .stop_reason
        with pi_session.TmuxPi(pi, env) as t: # the interactive TUI
            t.send("/login"); t.wait_for(r"Anthropic")

Every pi runs with HOME and PI_CODING_AGENT_DIR inside the test's own HOME,
PI_OFFLINE=1, PI_SKIP_VERSION_CHECK=1 and PI_TELEMETRY=0 (both releases read
them: no update check, no telemetry, no model catalog refresh), and no proxy.
Only the standard library is used.

SPDX-License-Identifier: LGPL-2.1-or-later
"""

import json
import os
import queue
import re
import shlex
import shutil
import subprocess
import tempfile
import threading
import time

ENV_DIR = "PI_KEYRING_TEST_PI_DIR"


class PiInstall:
    """One installed pi release: `node cli.js` is the pi command."""

    def __init__(self, version, node, cli):
        self.version = version
        self.node = node
        self.cli = cli

    @property
    def argv(self):
        return [self.node, self.cli]

    @property
    def major(self):
        return int(self.version.split(".")[0])

    @property
    def has_settled(self):
        """1.x ends a run with agent_settled; 0.73.1 only with agent_end."""
        return self.major >= 1

    def __repr__(self):
        return "pi %s" % self.version


def installs_dir():
    return os.environ.get(ENV_DIR, "")


def installs():
    """The installed releases (both, in version order), or [] when absent."""
    d = installs_dir()
    path = os.path.join(d, "pi-commands") if d else ""
    if not path or not os.path.isfile(path):
        return []
    found = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 4 and parts[0] == "PI" and os.path.isfile(parts[3]) \
                    and os.access(parts[2], os.X_OK):
                found.append(PiInstall(parts[1], parts[2], parts[3]))
    return found


def missing_reason():
    d = installs_dir()
    if not d:
        return ("%s is not set: the pi releases are not installed "
                "(run tests/pi/install-pi.sh, then reconfigure meson)" % ENV_DIR)
    return ("no pi releases in %s (run tests/pi/install-pi.sh %s)" % (d, shlex.quote(d)))


# Variables of the caller that must not reach pi: other agent dirs, provider
# keys, proxies, the sanitizer runtime (pi's node is not instrumented).
_DROP = ("PI_CODING_AGENT_DIR", "PI_CODING_AGENT_SESSION_DIR", "PI_PACKAGE_DIR", "LD_PRELOAD",
         "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy",
         "NODE_OPTIONS", "PI_KEYRING_COMMAND")


def pi_env(base, home, agent_dir=None, bindir=None, rewrite=None, browser=None, extra=None,
           keep_bindir_off_path=False):
    """The environment of one pi: base (the test's pi-keyring environment)
    with HOME, the agent dir, the network switches and PATH set."""
    env = {k: v for k, v in base.items()
           if k not in _DROP and not k.endswith("_API_KEY") and not k.endswith("_OAUTH_TOKEN")}
    env.update({
        "HOME": home,
        "PI_CODING_AGENT_DIR": agent_dir or os.path.join(home, ".pi", "agent"),
        "PI_OFFLINE": "1",
        "PI_SKIP_VERSION_CHECK": "1",
        "PI_TELEMETRY": "0",
        "NO_PROXY": "127.0.0.1,localhost",
        "TERM": env.get("TERM") if env.get("TERM") not in (None, "", "dumb") else "xterm-256color",
        "NODE_NO_WARNINGS": "1",
    })
    path = [p for p in env.get("PATH", "/usr/bin:/bin").split(os.pathsep) if p]
    if bindir:
        path = [p for p in path if os.path.abspath(p) != os.path.abspath(bindir)]
        if not keep_bindir_off_path:
            path.insert(0, bindir)
    env["PATH"] = os.pathsep.join(path)
    if rewrite:
        env["PI_KEYRING_URL_REWRITE"] = rewrite
    if browser:
        env["BROWSER"] = browser
    env.update(extra or {})
    return env


def write_models_json(agent_dir, mock_url, providers=("anthropic",)):
    """Points pi's built-in providers at the mock's LLM APIs (both releases
    take `providers.<id>.baseUrl` for a built-in provider)."""
    bases = {"anthropic": mock_url + "/api.anthropic.com",
             "openai": mock_url + "/api.openai.com/v1"}
    os.makedirs(agent_dir, mode=0o700, exist_ok=True)
    doc = {"providers": {p: {"baseUrl": bases[p]} for p in providers}}
    path = os.path.join(agent_dir, "models.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)
    return path


def write_settings(agent_dir, settings):
    os.makedirs(agent_dir, mode=0o700, exist_ok=True)
    path = os.path.join(agent_dir, "settings.json")
    old = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            old = json.load(f)
    old.update(settings)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(old, f, indent=2)


class Answer:
    """The outcome of one prompt: the last assistant message of the run."""

    def __init__(self, message, events, elapsed):
        self.message = message or {}
        self.events = events
        self.elapsed = elapsed
        content = self.message.get("content") or []
        self.text = "".join(c.get("text", "") for c in content
                            if isinstance(c, dict) and c.get("type") == "text")
        self.stop_reason = self.message.get("stopReason")
        self.error = self.message.get("errorMessage")
        if self.stop_reason in ("error", "aborted") and not self.error:
            self.error = self.stop_reason

    @property
    def ok(self):
        return self.error is None and self.stop_reason not in ("error", "aborted") and bool(self.text)

    def __repr__(self):
        return "Answer(stop=%r, error=%r, text=%r)" % (self.stop_reason, self.error, self.text[:200])


class PiExited(Exception):
    pass


class RpcSession:
    """`pi --mode rpc --no-session` in a subprocess, JSON lines both ways."""

    def __init__(self, pi, env, args=(), cwd=None, start_timeout=60):
        self.pi = pi
        self.env = env
        self.cwd = cwd or env.get("HOME")
        self.argv = pi.argv + ["--mode", "rpc", "--no-session"] + list(args)
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, cwd=self.cwd)
        self.events = queue.Queue()
        self.stderr = b""
        self._lock = threading.Lock()
        self._ids = 0
        self._out = threading.Thread(target=self._read_stdout, daemon=True)
        self._err = threading.Thread(target=self._read_stderr, daemon=True)
        self._out.start()
        self._err.start()
        # pi reads commands once it is up: the first answer says so.
        reply = self.command({"type": "set_auto_retry", "enabled": False}, timeout=start_timeout)
        if not reply.get("success"):
            raise PiExited("pi did not start: %r\n%s" % (reply, self.stderr_text))

    def _read_stdout(self):
        for line in iter(self.proc.stdout.readline, b""):
            line = line.rstrip(b"\r\n")
            if not line:
                continue
            try:
                record = json.loads(line.decode("utf-8"))
            except ValueError:
                record = {"type": "_unparsed", "line": line.decode("utf-8", "replace")}
            self.events.put(record)
        self.events.put({"type": "_eof"})

    def _read_stderr(self):
        while True:
            chunk = os.read(self.proc.stderr.fileno(), 65536)
            if not chunk:
                return
            with self._lock:
                self.stderr += chunk

    @property
    def stderr_text(self):
        with self._lock:
            return self.stderr.decode("utf-8", "replace")

    @property
    def pid(self):
        return self.proc.pid

    def send(self, record):
        self.proc.stdin.write(json.dumps(record).encode("utf-8") + b"\n")
        self.proc.stdin.flush()

    def next_event(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("pi %s gave no answer in time\nstderr:\n%s"
                               % (self.pi.version, self.stderr_text[-4000:]))
        try:
            record = self.events.get(timeout=left)
        except queue.Empty:
            raise TimeoutError("pi %s gave no answer in time\nstderr:\n%s"
                               % (self.pi.version, self.stderr_text[-4000:]))
        if record.get("type") == "_eof":
            self.events.put(record)
            self.proc.wait(10)
            raise PiExited("pi %s exited (%s)\nstderr:\n%s"
                           % (self.pi.version, self.proc.returncode, self.stderr_text[-4000:]))
        return record

    def command(self, record, timeout=30):
        """Sends a command and waits for its response (other records are kept aside)."""
        self._ids += 1
        rid = "t%d" % self._ids
        self.send(dict(record, id=rid))
        deadline = time.monotonic() + timeout
        kept = []
        try:
            while True:
                event = self.next_event(deadline)
                if event.get("type") == "response" and event.get("id") == rid:
                    return event
                kept.append(event)
        finally:
            for event in kept:
                self.events.put(event)

    def prompt(self, message, timeout=60):
        """Sends a prompt and waits for the run to end; the Answer."""
        start = time.monotonic()
        self._ids += 1
        rid = "p%d" % self._ids
        self.send({"id": rid, "type": "prompt", "message": message})
        deadline = start + timeout
        events = []
        last = None
        accepted = False
        while True:
            event = self.next_event(deadline)
            events.append(event)
            kind = event.get("type")
            if kind == "response" and event.get("id") == rid:
                if not event.get("success"):
                    return Answer({"stopReason": "error", "errorMessage": event.get("error") or "refused"},
                                  events, time.monotonic() - start)
                accepted = True
                if (event.get("data") or {}).get("disposition") == "handled":
                    return Answer(None, events, time.monotonic() - start)
            elif kind == "message_end" and (event.get("message") or {}).get("role") == "assistant":
                last = event["message"]
            elif kind == "agent_end" and not self.pi.has_settled:
                for message in reversed(event.get("messages") or []):
                    if message.get("role") == "assistant":
                        last = message
                        break
                if accepted or True:
                    return Answer(last, events, time.monotonic() - start)
            elif kind == "agent_settled":
                return Answer(last, events, time.monotonic() - start)

    def drain(self):
        """The records not taken by a prompt or command."""
        out = []
        while True:
            try:
                out.append(self.events.get_nowait())
            except queue.Empty:
                return out

    def close(self, timeout=20):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except (BrokenPipeError, OSError):
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        self._out.join(5)
        self._err.join(5)
        for f in (self.proc.stdout, self.proc.stderr):
            f.close()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def children(pid):
    """The pids of the direct children of pid."""
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def descendants(pid):
    out = []
    todo = [pid]
    while todo:
        for child in children(todo.pop()):
            out.append(child)
            todo.append(child)
    return out


def proc_argv(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        return [a.decode("utf-8", "replace") for a in f.read().split(b"\0") if a]


def proc_environ(pid):
    with open("/proc/%d/environ" % pid, "rb") as f:
        items = [a.decode("utf-8", "replace") for a in f.read().split(b"\0") if a]
    return dict(item.partition("=")[::2] for item in items)


# --- the interactive TUI in tmux ------------------------------------------------

class TmuxPi:
    """pi's interactive TUI in a detached tmux session on a private server
    socket (tmux -S), driven with send-keys and read with capture-pane."""

    def __init__(self, pi, env, args=(), cwd=None, width=160, height=50):
        if shutil.which("tmux") is None:
            raise FileNotFoundError("tmux is not installed")
        self.pi = pi
        self.dir = tempfile.mkdtemp(prefix="pi-tmux-")
        self.socket = os.path.join(self.dir, "tmux.sock")
        self.log = os.path.join(self.dir, "stderr.log")
        self.exit_file = os.path.join(self.dir, "exit")
        script = os.path.join(self.dir, "run.sh")
        argv = " ".join(shlex.quote(a) for a in pi.argv + list(args))
        exports = "".join("export %s=%s\n" % (k, shlex.quote(v)) for k, v in sorted(env.items())
                          if re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", k))
        with open(script, "w") as f:
            f.write("#!/bin/sh\n%scd %s\n%s 2>%s\necho $? > %s\nsleep 3600\n"
                    % (exports, shlex.quote(cwd or env.get("HOME", "/")), argv,
                       shlex.quote(self.log), shlex.quote(self.exit_file)))
        os.chmod(script, 0o700)
        # The tmux server itself gets a clean, small environment.
        self.tmux_env = {"PATH": "/usr/bin:/bin", "HOME": env.get("HOME", "/"),
                         "TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
                         "TMUX_TMPDIR": self.dir}
        self.tmux("-f", "/dev/null", "new-session", "-d", "-s", "pi", "-x", str(width), "-y",
                  str(height), script)
        self.tmux("set-option", "-g", "history-limit", "5000")

    def tmux(self, *args, check=True):
        proc = subprocess.run(["tmux", "-S", self.socket] + list(args), env=self.tmux_env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        if check and proc.returncode != 0:
            raise RuntimeError("tmux %s: %s" % (" ".join(args), proc.stderr.decode("utf-8", "replace")))
        return proc.stdout.decode("utf-8", "replace")

    def pane_pid(self):
        return int(self.tmux("display-message", "-p", "-t", "pi", "#{pane_pid}").strip())

    def send(self, text, enter=True):
        """Types text literally, then Enter."""
        if text:
            self.tmux("send-keys", "-t", "pi", "-l", text)
        if enter:
            time.sleep(0.15)
            self.tmux("send-keys", "-t", "pi", "Enter")

    def key(self, *keys):
        self.tmux("send-keys", "-t", "pi", *keys)

    def screen(self):
        return self.tmux("capture-pane", "-p", "-J", "-t", "pi", "-S", "-200")

    def exited(self):
        return os.path.exists(self.exit_file)

    def stderr_text(self):
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def wait_for(self, pattern, timeout=30, flags=re.I):
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            match = re.search(pattern, text, flags)
            if match:
                return match
            if time.monotonic() > deadline:
                raise TimeoutError("no %r on pi %s's screen within %d s:\n%s\nstderr:\n%s"
                                   % (pattern, self.pi.version, timeout, text, self.stderr_text()[-3000:]))
            time.sleep(0.2)

    def close(self):
        self.tmux("kill-server", check=False)
        shutil.rmtree(self.dir, True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
