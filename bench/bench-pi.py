#!/usr/bin/python3
"""What pi-keyring's pi extension adds to each request of the real pi.

  bench/bench-pi.py [--build DIR] [--prompts N] [--versions 0.73.1,1.6.0] [--json]

Runs itself inside tests/with-test-keyring.sh (a private session bus, a
private unlocked gnome-keyring, a temporary HOME). For each pi release that
tests/pi/install-pi.sh installed (${PI_KEYRING_PI_CACHE:-~/.cache/pi-keyring-test-pi}),
one `pi --mode rpc --no-session` per setup sends N prompts to
tests/mock-provider.py's Anthropic Messages API on loopback (models.json
points pi's built-in anthropic provider at it; the mock answers at once),
and the time of each prompt (sent → agent_end / agent_settled) is taken:

  literal      no extension: the mock's access token as a literal key in
               auth.json (the peer: pi reading its own file);
  extension    `pi-keyring setup-pi`, the same token as an OAuth entry in the
               keyring, no daemon (the extension's bridge asks the keyring);
  ext+daemon   the same with `pi-keyring daemon` running.

The report gives the median per prompt of each, and the milliseconds the
extension adds at the median, next to the goals of issue 20 (at most 5 ms
with the daemon running, at most 40 ms without it). A miss is shown, never
asserted. The first 3 prompts of each session are warm-up and not counted.
"""
import argparse
import collections
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
TESTS = os.path.join(TOP, "tests")
sys.path.insert(0, TESTS)

GOALS_MS = {"extension": 40.0, "ext+daemon": 5.0}
WARMUP = 3
MODEL = ["--provider", "anthropic", "--model", "claude-sonnet-4-5"]


class Mock:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, os.path.join(TESTS, "mock-provider.py")],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"PORT=(\d+) URL=(\S+) REWRITE=(\S+)", line)
        if not m:
            raise SystemExit("the mock provider did not start: %r" % line)
        self.url, self.rewrite = m.group(2), m.group(3)

    def admin(self, method, name, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + "/_admin/" + name, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=10) as resp:
            return json.loads(resp.read())

    def stop(self):
        try:
            self.admin("POST", "shutdown", {})
        except Exception:
            pass
        self.proc.wait(10)


def pi_format(entries):
    return json.dumps(entries, indent=2).encode()


def run(argv, env, stdin=b""):
    proc = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                          timeout=120)
    if proc.returncode != 0:
        raise SystemExit("%s failed (%d): %s" % (" ".join(argv[:3]), proc.returncode,
                                                  proc.stderr.decode("utf-8", "replace")[-2000:]))
    return proc


def session_times(pi_session, pi, env, prompts):
    times = []
    with pi_session.RpcSession(pi, env, MODEL) as session:
        for i in range(prompts + WARMUP):
            answer = session.prompt("bench prompt %d" % i, timeout=60)
            if not answer.ok:
                raise RuntimeError("pi %s: prompt %d not answered: %s" % (pi.version, i, answer.error))
            if i >= WARMUP:
                times.append(answer.elapsed * 1000)
    return times


def bench_version(pi_session, pi, cli, mock, prompts, base_env):
    tmp = tempfile.mkdtemp(prefix="bench-pi-%s-" % pi.version)
    home = os.path.join(tmp, "home")
    agent = os.path.join(home, ".pi", "agent")
    os.makedirs(agent)
    env = dict(base_env, HOME=home, PI_CODING_AGENT_DIR=agent, PI_KEYRING_URL_REWRITE=mock.rewrite)
    pi_session.write_models_json(agent, mock.url)
    pi_env = pi_session.pi_env(env, home, agent_dir=agent, bindir=os.path.dirname(cli),
                               rewrite=mock.rewrite)
    seed = mock.admin("POST", "seed-refresh", {"provider": "anthropic"})
    entry = collections.OrderedDict([("type", "oauth"), ("refresh", seed["refresh_token"]),
                                     ("access", seed["access_token"]),
                                     ("expires", int(time.time() * 1000) + seed["expires_in"] * 1000)])
    auth = os.path.join(agent, "auth.json")
    results = {}

    # literal: the token in auth.json, no extension.
    with open(auth, "wb") as f:
        f.write(pi_format({"anthropic": {"type": "api_key", "key": entry["access"]}}))
    os.chmod(auth, 0o600)
    results["literal"] = session_times(pi_session, pi, pi_env, prompts)

    # extension: the entry in the keyring, pi set up by setup-pi.
    os.unlink(auth)
    source = os.path.join(tmp, "import.json")
    with open(source, "wb") as f:
        f.write(pi_format({"anthropic": entry}))
    run([cli, "import", source], env)
    run([cli, "setup-pi"], env)
    results["extension"] = session_times(pi_session, pi, pi_env, prompts)

    daemon = subprocess.Popen([cli, "daemon"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 30
        while subprocess.run(["gdbus", "call", "--session", "-d", "org.freedesktop.DBus", "-o",
                              "/org/freedesktop/DBus", "-m", "org.freedesktop.DBus.GetNameOwner",
                              "dev.pi.Keyring1"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL).returncode != 0:
            if time.monotonic() > deadline or daemon.poll() is not None:
                raise SystemExit("pi-keyring daemon did not start")
            time.sleep(0.1)
        results["ext+daemon"] = session_times(pi_session, pi, pi_env, prompts)
    finally:
        daemon.terminate()
        daemon.wait(20)
    # The mock saw every prompt with the one token.
    llm = mock.admin("GET", "llm")["requests"]
    wrong = [r for r in llm if r["credential"] != entry["access"] or r["status"] != 200]
    if wrong:
        raise RuntimeError("pi %s: %d requests without the stored token or not answered"
                           % (pi.version, len(wrong)))
    mock.admin("POST", "reset", {})
    run(["rm", "-rf", tmp], env)
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(TOP, "build"))
    parser.add_argument("--prompts", type=int, default=30)
    parser.add_argument("--versions", default="0.73.1,1.6.0")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    if "PI_KEYRING_BENCH_PI_INSIDE" not in os.environ:
        cache = os.environ.get("PI_KEYRING_PI_CACHE") or os.path.join(
            os.path.expanduser("~"), ".cache", "pi-keyring-test-pi")
        env = dict(os.environ, PI_KEYRING_BENCH_PI_INSIDE="1",
                   PI_KEYRING_TEST_PI_DIR=os.environ.get("PI_KEYRING_TEST_PI_DIR", cache))
        wrapper = os.path.join(TESTS, "with-test-keyring.sh")
        os.execve(wrapper, [wrapper, sys.executable] + sys.argv, env)

    import pi_session
    cli = os.path.join(os.path.abspath(args.build), "src", "cli", "pi-keyring")
    if not os.access(cli, os.X_OK):
        sys.exit("build pi-keyring first: %s is missing" % cli)
    installs = {p.version: p for p in pi_session.installs()}
    wanted = [v for v in args.versions.split(",") if v]
    if not installs:
        print("pi per-request benchmark skipped: %s" % pi_session.missing_reason(), file=sys.stderr)
        return 0
    if subprocess.run([cli, "setup-pi", "--help"], stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL).returncode != 0:
        print("pi per-request benchmark skipped: this pi-keyring has no setup-pi", file=sys.stderr)
        return 0

    base_env = {k: v for k, v in os.environ.items()
                if k not in ("PI_KEYRING_BACKEND", "LD_PRELOAD") and not k.endswith("_API_KEY")}
    mock = Mock()
    report = {}
    try:
        for version in wanted:
            if version not in installs:
                print("pi %s is not installed: skipped" % version, file=sys.stderr)
                continue
            try:
                report[version] = bench_version(pi_session, installs[version], cli, mock, args.prompts,
                                                base_env)
            except (RuntimeError, pi_session.PiExited, TimeoutError) as exc:
                print("pi %s: %s" % (version, str(exc).splitlines()[0]), file=sys.stderr)
    finally:
        mock.stop()

    rows = []
    for version, results in report.items():
        literal = statistics.median(results["literal"])
        for setup in ("literal", "extension", "ext+daemon"):
            if setup not in results:
                continue
            med = statistics.median(results[setup])
            added = med - literal if setup != "literal" else None
            goal = GOALS_MS.get(setup)
            rows.append({"pi": version, "setup": setup, "prompts": len(results[setup]),
                         "median_ms": round(med, 2), "p90_ms": round(sorted(results[setup])[
                             int(0.9 * (len(results[setup]) - 1))], 2),
                         "added_ms": round(added, 2) if added is not None else None,
                         "goal_ms": goal, "met": (added <= goal) if goal is not None else None})
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print()
    print("The real pi in rpc mode, one session per row, prompts to the mock Anthropic API on loopback")
    print(f"{'pi':8} {'setup':12} {'prompts':>7} {'median':>10} {'p90':>10} {'added':>10} {'goal':>8} {'met':>4}")
    for r in rows:
        added = "" if r["added_ms"] is None else "%+.1f ms" % r["added_ms"]
        goal = "" if r["goal_ms"] is None else "≤ %.0f ms" % r["goal_ms"]
        met = "" if r["met"] is None else ("yes" if r["met"] else "NO")
        print(f"{r['pi']:8} {r['setup']:12} {r['prompts']:>7} {r['median_ms']:8.1f}ms {r['p90_ms']:8.1f}ms "
              f"{added:>10} {goal:>8} {met:>4}")
    print("  added: median of the setup minus the median of literal (the token as a literal key in auth.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
