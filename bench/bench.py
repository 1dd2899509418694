#!/usr/bin/python3
"""pi-keyring benchmarks: each measurement against a peer in the same run.

  bench/bench.py [--build DIR] [--runs N]

Runs itself inside tests/with-test-keyring.sh (a private session bus with a
private, unlocked gnome-keyring and a temporary HOME), then compares:

  1. `pi-keyring get openai` with `secret-tool lookup provider openai
     profile default` on the same keyring item;
  2. `pi-keyring --backend=file get openai` with pi's own AuthStorage
     (node, from the npm package: run bench/setup-peers.sh once) on the
     same auth.json;
  3. `pi-keyring list` with `secret-tool search --all` over 1000 stored
     credentials.

Each command runs as a fresh process, alternating with its peer; the report
gives the median wall time and the median peak RSS of each, and their
ratios (ours / peer: below 1 means pi-keyring is faster or smaller). Nothing
here asserts a time: it reports.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)


def measure(argv, env, runs, stdin_data=None):
    """Median wall time (s) and median peak RSS (KiB) over runs."""
    times, rss = [], []
    for _ in range(runs):
        start = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            devnull = os.open(os.devnull, os.O_RDWR)
            os.dup2(devnull, 0)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            try:
                os.execvpe(argv[0], argv, env)
            finally:
                os._exit(127)
        _, status, usage = os.wait4(pid, 0)
        times.append(time.perf_counter() - start)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"{' '.join(argv)} failed: {status}")
        rss.append(usage.ru_maxrss)
    return statistics.median(times), statistics.median(rss)


def compare(name, ours, peer, env, runs):
    """Alternates ours and peer, runs times each."""
    ours_t, ours_m, peer_t, peer_m = [], [], [], []
    for _ in range(runs):
        t, m = measure(ours, env, 1)
        ours_t.append(t)
        ours_m.append(m)
        t, m = measure(peer, env, 1)
        peer_t.append(t)
        peer_m.append(m)
    row = {
        "benchmark": name,
        "ours_ms": statistics.median(ours_t) * 1000,
        "peer_ms": statistics.median(peer_t) * 1000,
        "ours_rss_kib": statistics.median(ours_m),
        "peer_rss_kib": statistics.median(peer_m),
        "runs": runs,
    }
    row["time_ratio"] = row["ours_ms"] / row["peer_ms"]
    row["rss_ratio"] = row["ours_rss_kib"] / row["peer_rss_kib"]
    return row


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(TOP, "build"))
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    if "PI_KEYRING_BENCH_INSIDE" not in os.environ:
        env = dict(os.environ, PI_KEYRING_BENCH_INSIDE="1")
        wrapper = os.path.join(TOP, "tests", "with-test-keyring.sh")
        os.execve(wrapper, [wrapper, sys.executable] + sys.argv, env)

    cli = os.path.join(args.build, "src", "cli", "pi-keyring")
    if not os.access(cli, os.X_OK):
        sys.exit(f"build pi-keyring first: {cli} is missing")

    tmp = tempfile.mkdtemp(prefix="pi-keyring-bench-")
    env = dict(os.environ)
    env["PI_CODING_AGENT_DIR"] = os.path.join(tmp, "agent")
    env.pop("PI_KEYRING_BACKEND", None)
    key = b"sk-bench-0123456789abcdefghijklmnopqrstuvwxyz"

    subprocess.run([cli, "--backend=secret-service", "set", "openai"], input=key, env=env, check=True,
                   stderr=subprocess.DEVNULL)
    rows = []
    rows.append(compare("get (keyring) vs secret-tool lookup",
                        [cli, "--backend=secret-service", "get", "openai"],
                        ["secret-tool", "lookup", "provider", "openai", "profile", "default"],
                        env, args.runs))

    auth = os.path.join(tmp, "agent", "auth.json")
    subprocess.run([cli, "--backend=file", "set", "openai"], input=key, env=env, check=True,
                   stderr=subprocess.DEVNULL)
    node_script = os.path.join(HERE, "pi-auth-get.mjs")
    pi_module = os.path.join(HERE, "node_modules", "@mariozechner", "pi-coding-agent", "package.json")
    if os.path.exists(pi_module):
        rows.append(compare("get --backend=file vs pi AuthStorage (node)",
                            [cli, "--backend=file", "get", "openai"],
                            ["node", node_script, auth, "openai"],
                            env, args.runs))
    else:
        print("skipped: pi's AuthStorage is not installed (run bench/setup-peers.sh)", file=sys.stderr)

    # 1000 credentials in the keyring, through an import of a generated auth.json.
    many = os.path.join(tmp, "many.json")
    with open(many, "w") as f:
        entries = {f"bench-provider-{i:04d}": {"type": "api_key", "key": f"sk-bench-{i:04d}"}
                   for i in range(args.items)}
        f.write(json.dumps(entries, indent=2))
    subprocess.run([cli, "--backend=secret-service", "import", many], env=env, check=True,
                   stderr=subprocess.DEVNULL)
    rows.append(compare(f"list ({args.items} credentials) vs secret-tool search --all",
                        [cli, "--backend=secret-service", "list"],
                        ["secret-tool", "search", "--all", "xdg:schema", "dev.pi.Keyring.Credential"],
                        env, max(3, args.runs // 10)))

    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"{'benchmark':58} {'ours':>9} {'peer':>9} {'ratio':>6}   {'RSS ours':>9} {'RSS peer':>9} {'ratio':>6}")
    for r in rows:
        print(f"{r['benchmark']:58} {r['ours_ms']:7.1f}ms {r['peer_ms']:7.1f}ms {r['time_ratio']:6.2f}"
              f"   {r['ours_rss_kib']:7.0f}K {r['peer_rss_kib']:7.0f}K {r['rss_ratio']:6.2f}")


if __name__ == "__main__":
    main()
