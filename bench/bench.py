#!/usr/bin/python3
"""pi-keyring benchmarks: each measurement against a peer in the same run.

  bench/bench.py [--build DIR] [--runs N]

Runs itself inside tests/with-test-keyring.sh (a private session bus with a
private, unlocked gnome-keyring and a temporary HOME), then compares:

  1. `pi-keyring get openai` with `secret-tool lookup provider openai
     profile default` on the same keyring item, alone and with
     `pi-keyring daemon` running (get asks it), and `gdbus call` of the
     daemon's GetApiKey as the floor of a bus client; the two `get` ratios
     are printed at the end with their goals (issue 22, item 8: <= 0.65
     with the daemon, <= 1.0 alone);
  2. `pi-keyring --backend=file get openai` with pi's own AuthStorage
     (node, from the npm package: run bench/setup-peers.sh once) on the
     same auth.json;
  3. `pi-keyring list` with `secret-tool search --all` over 10, 100 and
     1000 stored credentials (how the time grows), alone and with
     `pi-keyring daemon` running (list asks it), and `pi-keyring export -`
     over the 1000, alone and with the daemon running (export asks it);
  4. in-process pi_keyring_store_get_api_key_sync () calls per second on a
     warm store (bench/bench-get-api-key.c), for a runtime override and for
     an api_key entry of a memory backend, with a GHashTable lookup +
     g_strdup () + g_free () on the same keys as the peer;
  5. `pi-keyring daemon` holding 1000 OAuth credentials that are not due
     (5 OAuth providers x 200 profiles, expiring in a year), once loaded:
     its VmRSS and its wakeups over 10 s, with gnome-keyring-daemon of the
     same session as the peer over the same 10 s. It runs in a keyring
     session of its own (a nested tests/with-test-keyring.sh), so that the
     1000 api_key entries of 3. are not in its keyring.

Rows 1-3: each command runs as a fresh process, alternating with its peer;
the report gives the median wall time and the median peak RSS of each, and
their ratios (ours / peer: below 1 means pi-keyring is faster or smaller).
Rows 4-5 give the goal next to each number, and whether it is met. Nothing
here asserts a time: it reports.

Wakeups are context switches: the sum of voluntary_ctxt_switches and
nonvoluntary_ctxt_switches over /proc/PID/task/*/status (every thread,
threads that started meanwhile counted from 0), read before and after the
window. An idle thread that never leaves its poll() has none; the per-thread
counts are printed when there are any.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)


def measure(argv, env, runs, stdin_data=None):
    """Median wall time (s), median peak RSS (KiB) and median CPU time
    (user + system, s) over runs."""
    times, rss, cpu = [], [], []
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
        cpu.append(usage.ru_utime + usage.ru_stime)
    return statistics.median(times), statistics.median(rss), statistics.median(cpu)


def compare(name, ours, peer, env, runs):
    """Alternates ours and peer, runs times each."""
    ours_t, ours_m, peer_t, peer_m, ours_c, peer_c = [], [], [], [], [], []
    for _ in range(runs):
        t, m, c = measure(ours, env, 1)
        ours_t.append(t)
        ours_m.append(m)
        ours_c.append(c)
        t, m, c = measure(peer, env, 1)
        peer_t.append(t)
        peer_m.append(m)
        peer_c.append(c)
    row = {
        "benchmark": name,
        "ours_ms": statistics.median(ours_t) * 1000,
        "peer_ms": statistics.median(peer_t) * 1000,
        "ours_rss_kib": statistics.median(ours_m),
        "peer_rss_kib": statistics.median(peer_m),
        # CPU time (user + system): what a loaded machine disturbs least
        "ours_cpu_ms": statistics.median(ours_c) * 1000,
        "peer_cpu_ms": statistics.median(peer_c) * 1000,
        "runs": runs,
    }
    row["cpu_ratio"] = row["ours_cpu_ms"] / row["peer_cpu_ms"] if row["peer_cpu_ms"] else None
    row["time_ratio"] = row["ours_ms"] / row["peer_ms"]
    row["rss_ratio"] = row["ours_rss_kib"] / row["peer_rss_kib"]
    return row


# --- 4. in-process get_api_key ---------------------------------------------

GET_API_KEY_ROWS = [
    # label, ours, peer, goal (calls/s) or None
    ("get_api_key_sync, runtime override", "runtime_override_per_s", "runtime_override_peer_per_s",
     1_000_000),
    ("get_api_key_sync, memory-backend api_key entry", "backend_cached_per_s",
     "backend_cached_peer_per_s", 100_000),
    ("  the same, _async on the default context: runtime", "runtime_override_async_per_s",
     "runtime_override_peer_per_s", None),
    ("  the same, _async on the default context: backend", "backend_cached_async_per_s",
     "backend_cached_peer_per_s", None),
]


def bench_get_api_key(build, seconds, env):
    """Runs bench-get-api-key and makes one row per case."""
    program = os.path.join(build, "bench", "bench-get-api-key")
    out = subprocess.run([program, f"--seconds={seconds}"], env=env, check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    values = {}
    for line in out.splitlines():
        name, sep, value = line.partition("=")
        if sep:
            values[name.strip()] = float(value)
    rows = []
    for label, ours, peer, goal in GET_API_KEY_ROWS:
        row = {"benchmark": label, "unit": "calls/s", "ours": values[ours], "peer": values[peer],
               "peer_name": "GHashTable lookup + g_strdup + g_free",
               # time per call, ours / peer, as the rows above: 1 is as fast as the peer
               "ratio": values[peer] / values[ours],
               "goal": goal and f">= {goal:,}/s",
               "met": None if goal is None else values[ours] >= goal}
        rows.append(row)
    return rows


# --- 5. the daemon, idle with 1000 OAuth credentials -----------------------

OAUTH_PROVIDERS = ["anthropic", "github-copilot", "google-gemini-cli", "google-antigravity",
                   "openai-codex"]


def proc_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def proc_cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def proc_switches(pid):
    """{tid: (comm, voluntary + nonvoluntary context switches)} of every thread."""
    threads = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                status = f.read()
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                comm = f.read().strip()
        except OSError:  # the thread ended meanwhile
            continue
        switches = sum(int(line.split()[1]) for line in status.splitlines()
                       if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")))
        threads[tid] = (comm, switches)
    return threads


def wakeups(before, after):
    """Total and per-thread ({"comm/tid": n}, only threads with some) wakeups."""
    per_thread = {}
    for tid, (comm, n) in after.items():
        delta = n - before.get(tid, (comm, 0))[1]
        if delta:
            per_thread[f"{comm}/{tid}"] = delta
    return sum(per_thread.values()), per_thread


def secrets_daemon_pid():
    out = subprocess.run(["gdbus", "call", "--session", "--dest", "org.freedesktop.DBus",
                          "--object-path", "/org/freedesktop/DBus", "--method",
                          "org.freedesktop.DBus.GetConnectionUnixProcessID",
                          "org.freedesktop.secrets"],
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    return int(re.search(r"uint32 (\d+)", out).group(1))


def wait_quiet(pids, quiet_s=1.0, limit_s=60.0):
    """Until no process of @pids used CPU time for quiet_s (at most limit_s)."""
    start = last_change = time.monotonic()
    last = [proc_cpu_ticks(p) for p in pids]
    while time.monotonic() - last_change < quiet_s and time.monotonic() - start < limit_s:
        time.sleep(0.1)
        now = [proc_cpu_ticks(p) for p in pids]
        if now != last:
            last, last_change = now, time.monotonic()


def start_daemon(cli, env, log_path, debug=True):
    log = open(log_path, "w")
    daemon = subprocess.Popen([cli, "--backend=secret-service", "daemon"],
                              env=dict(env, G_MESSAGES_DEBUG="PiKeyring" if debug else ""),
                              stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    log.close()
    subprocess.run(["gdbus", "wait", "--session", "--timeout", "30", "dev.pi.Keyring1"],
                   check=True)
    return daemon


def stop_daemon(daemon):
    daemon.terminate()
    daemon.wait(timeout=30)


def wait_watched(daemon, log_path, items, limit_s=300.0):
    """Until the daemon's schedulers watch @items credentials in all (their
    "Next OAuth refresh in … (N credentials watched)" debug lines). Returns
    the number watched."""
    start = time.monotonic()
    watched = 0
    while time.monotonic() - start < limit_s and daemon.poll() is None:
        with open(log_path) as f:
            watched = sum(int(n) for n in re.findall(r"\((\d+) credentials watched\)", f.read()))
        if watched >= items:
            break
        time.sleep(0.2)
    return watched


def bench_daemon(cli, env, tmp, items, idle_s):
    """Inside a keyring session of its own: the daemon's RSS and wakeups."""
    # The daemon of an empty keyring first: the fixed cost.
    log_path = os.path.join(tmp, "daemon-empty.log")
    daemon = start_daemon(cli, env, log_path)
    wait_quiet([daemon.pid])
    empty_rss = proc_rss_kib(daemon.pid)
    stop_daemon(daemon)

    # `import` takes one profile at a time, and moves the entries out of
    # the file: a file per profile, as many as its 5 OAuth providers hold.
    expires = int(time.time() * 1000) + 365 * 24 * 3600 * 1000
    auth = os.path.join(tmp, "oauth.json")
    profiles = (items + len(OAUTH_PROVIDERS) - 1) // len(OAUTH_PROVIDERS)
    stored = 0
    start = time.monotonic()
    for p in range(profiles):
        entries = {}
        for provider in OAUTH_PROVIDERS:
            if stored == items:
                break
            entries[provider] = {"type": "oauth", "refresh": f"rt-bench-{stored:04d}",
                                 "access": f"at-bench-{stored:04d}", "expires": expires}
            stored += 1
        with open(auth, "w") as f:
            json.dump(entries, f)
        subprocess.run([cli, "--backend=secret-service", f"--profile=bench-{p:03d}", "import", auth],
                       env=env, check=True, stderr=subprocess.DEVNULL)
    store_s = time.monotonic() - start

    log_path = os.path.join(tmp, "daemon.log")
    daemon = start_daemon(cli, env, log_path)
    keyring = secrets_daemon_pid()
    start = time.monotonic()
    watched = wait_watched(daemon, log_path, items)
    wait_quiet([daemon.pid, keyring])
    load_s = time.monotonic() - start

    ours_rss, peer_rss = proc_rss_kib(daemon.pid), proc_rss_kib(keyring)
    ours_before, peer_before = proc_switches(daemon.pid), proc_switches(keyring)
    time.sleep(idle_s)
    ours_after, peer_after = proc_switches(daemon.pid), proc_switches(keyring)
    ours_rss_after, peer_rss_after = proc_rss_kib(daemon.pid), proc_rss_kib(keyring)
    stop_daemon(daemon)

    ours_wakeups, ours_threads = wakeups(ours_before, ours_after)
    peer_wakeups, peer_threads = wakeups(peer_before, peer_after)
    return {
        "items": items, "profiles": profiles, "watched": watched,
        "store_s": store_s, "load_s": load_s, "idle_s": idle_s,
        "empty_rss_kib": empty_rss,
        "ours_rss_kib": ours_rss, "peer_rss_kib": peer_rss,
        "ours_rss_after_kib": ours_rss_after, "peer_rss_after_kib": peer_rss_after,
        "ours_wakeups": ours_wakeups, "peer_wakeups": peer_wakeups,
        "ours_threads": ours_threads, "peer_threads": peer_threads,
        "ours_thread_count": len(ours_after), "peer_thread_count": len(peer_after),
    }


def daemon_rows(d):
    goal_rss_kib = 16 * 1024
    rss = {"benchmark": f"daemon VmRSS, {d['items']} OAuth credentials loaded", "unit": "MiB",
           "ours": d["ours_rss_kib"] / 1024, "peer": d["peer_rss_kib"] / 1024,
           "peer_name": "gnome-keyring-daemon",
           "ratio": d["ours_rss_kib"] / d["peer_rss_kib"],
           "goal": "<= 16 MiB", "met": d["ours_rss_kib"] <= goal_rss_kib}
    wake = {"benchmark": f"daemon wakeups in {d['idle_s']:g} s, nothing due", "unit": "wakeups",
            "ours": d["ours_wakeups"], "peer": d["peer_wakeups"],
            "peer_name": "gnome-keyring-daemon",
            "ratio": d["ours_wakeups"] / d["peer_wakeups"] if d["peer_wakeups"] else None,
            "goal": "0", "met": d["ours_wakeups"] == 0}
    empty = {"benchmark": "daemon VmRSS, empty keyring (fixed cost)", "unit": "MiB",
             "ours": d["empty_rss_kib"] / 1024, "peer": None, "peer_name": None, "ratio": None,
             "goal": None, "met": None}
    return [rss, wake, empty]


def print_goal_table(title, rows, ours_name, peer_name):
    def num(value, unit):
        if value is None:
            return "-"
        if unit == "calls/s":
            return f"{value:,.0f}/s"
        if unit == "MiB":
            return f"{value:.1f} MiB"
        return f"{value:,.0f}"

    print()
    print(title)
    print(f"{'benchmark':52} {ours_name:>14} {peer_name:>14} {'ratio':>7}   {'goal':>14} {'met':>4}")
    for r in rows:
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
        met = "-" if r["met"] is None else ("yes" if r["met"] else "NO")
        print(f"{r['benchmark']:52} {num(r['ours'], r['unit']):>14} {num(r['peer'], r['unit']):>14}"
              f" {ratio:>7}   {r['goal'] or '-':>14} {met:>4}")


def print_command_rows(rows):
    print(f"{'benchmark':58} {'ours':>9} {'peer':>9} {'ratio':>6}   {'RSS ours':>9} {'RSS peer':>9}"
          f" {'ratio':>6}   {'CPU ours':>9} {'CPU peer':>9} {'ratio':>6}")
    for r in rows:
        cpu = "-" if r["cpu_ratio"] is None else f"{r['cpu_ratio']:.2f}"
        print(f"{r['benchmark']:58} {r['ours_ms']:7.1f}ms {r['peer_ms']:7.1f}ms {r['time_ratio']:6.2f}"
              f"   {r['ours_rss_kib']:7.0f}K {r['peer_rss_kib']:7.0f}K {r['rss_ratio']:6.2f}"
              f"   {r['ours_cpu_ms']:7.1f}ms {r['peer_cpu_ms']:7.1f}ms {cpu:>6}")


def print_get_ratios(get_ratios):
    """The two `get` ratios of issue 22, item 8, each with its goal."""
    print()
    print("pi-keyring get against secret-tool lookup, same run (ours / peer: median wall time;"
          " median CPU time, user + system, in brackets)")
    for label, row, goal in get_ratios:
        met = "yes" if row["time_ratio"] <= goal else "NO"
        cpu = "-" if row["cpu_ratio"] is None else f"{row['cpu_ratio']:.2f}"
        print(f"  {label:52} {row['time_ratio']:5.2f} ({cpu})   goal <= {goal:.2f}   met: {met}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(TOP, "build"))
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--seconds", type=float, default=1.0,
                        help="length of each loop of bench-get-api-key (default 1 s)")
    parser.add_argument("--oauth-items", type=int, default=1000,
                        help="OAuth credentials the daemon holds (default 1000)")
    parser.add_argument("--idle", type=float, default=10.0,
                        help="the window in which the daemons' wakeups are counted (default 10 s)")
    parser.add_argument("--get-only", action="store_true",
                        help="only the `get` rows and their two ratios")
    parser.add_argument("--no-daemon", action="store_true",
                        help="leave out the daemon benchmark (it stores the credentials one "
                             "profile at a time: about a minute)")
    # Internal: the daemon benchmark, in a keyring session of its own; prints JSON.
    parser.add_argument("--daemon-only", action="store_true", help=argparse.SUPPRESS)
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

    if args.daemon_only:
        print(json.dumps(bench_daemon(cli, env, tmp, args.oauth_items, args.idle)))
        return

    api_key_rows = [] if args.get_only else bench_get_api_key(args.build, args.seconds, env)
    key = b"sk-bench-0123456789abcdefghijklmnopqrstuvwxyz"

    subprocess.run([cli, "--backend=secret-service", "set", "openai"], input=key, env=env, check=True,
                   stderr=subprocess.DEVNULL)
    rows = []
    lookup = ["secret-tool", "lookup", "provider", "openai", "profile", "default"]
    get_alone = compare("get (keyring) vs secret-tool lookup",
                        [cli, "--backend=secret-service", "get", "openai"], lookup, env, args.runs)
    rows.append(get_alone)
    # The daemon as the desktop runs it (the user service): `get` asks it.
    daemon_proc = start_daemon(cli, env, os.path.join(tmp, "daemon-get.log"), debug=False)
    try:
        subprocess.run([cli, "--backend=secret-service", "get", "openai"], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_quiet([daemon_proc.pid])
        get_daemon = compare("get (keyring), daemon running, vs secret-tool lookup",
                             [cli, "--backend=secret-service", "get", "openai"], lookup, env,
                             args.runs)
        rows.append(get_daemon)
        rows.append(compare("  floor: gdbus call GetApiKey vs secret-tool lookup",
                            ["gdbus", "call", "--session", "--dest", "dev.pi.Keyring1",
                             "--object-path", "/dev/pi/Keyring1",
                             "--method", "dev.pi.Keyring1.GetApiKey", "openai", "default"],
                            lookup, env, args.runs))
    finally:
        stop_daemon(daemon_proc)
    get_ratios = [("get with the daemon running / secret-tool lookup", get_daemon, 0.65),
                  ("get alone / secret-tool lookup", get_alone, 1.0)]

    if args.get_only:
        print_command_rows(rows)
        print_get_ratios(get_ratios)
        return

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

    # 10, 100 and 1000 credentials in the keyring, each step an import of
    # the ones the step adds: how the time of `list` grows, against
    # secret-tool's over the same items. `export -` at the largest.
    sizes = sorted({n for n in (10, 100, args.items) if n <= args.items})
    search_all = ["secret-tool", "search", "--all", "xdg:schema", "dev.pi.Keyring.Credential"]

    def with_daemon_running(name, argv, size, runs):
        # `pi-keyring daemon` running (the desktop's user service): list
        # and export ask it, and it answers from the attributes it keeps.
        # One list first, which reads them all; then the daemon is quiet,
        # and it is stopped again before the next step.
        daemon_proc = start_daemon(cli, env, os.path.join(tmp, f"daemon-{size}-{argv[-1]}.log"))
        try:
            subprocess.run([cli, "--backend=secret-service", "list"], env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_quiet([daemon_proc.pid])
            rows.append(compare(name, argv, search_all, env, runs))
        finally:
            stop_daemon(daemon_proc)

    stored = 0
    for size in sizes:
        many = os.path.join(tmp, f"many-{size}.json")
        with open(many, "w") as f:
            entries = {f"bench-provider-{i:04d}": {"type": "api_key", "key": f"sk-bench-{i:04d}"}
                       for i in range(stored, size)}
            f.write(json.dumps(entries, indent=2))
        subprocess.run([cli, "--backend=secret-service", "import", many], env=env, check=True,
                       stderr=subprocess.DEVNULL)
        stored = size
        runs = max(3, args.runs // 10) if size >= 1000 else args.runs
        list_argv = [cli, "--backend=secret-service", "list"]
        rows.append(compare(f"list ({size} credentials) vs secret-tool search --all",
                            list_argv, search_all, env, runs))
        with_daemon_running(f"list ({size}), daemon running, vs secret-tool search --all",
                            list_argv, size, runs)

    export_argv = [cli, "--backend=secret-service", "export", "-"]
    rows.append(compare(f"export - ({stored} credentials) vs secret-tool search --all",
                        export_argv, search_all, env, max(3, args.runs // 10)))
    with_daemon_running(f"export - ({stored}), daemon running, vs secret-tool search --all",
                        export_argv, stored, max(3, args.runs // 10))

    daemon = None
    if not args.no_daemon:
        # A nested private session: a keyring of its own, without the
        # entries stored above.
        wrapper = os.path.join(TOP, "tests", "with-test-keyring.sh")
        out = subprocess.run([wrapper, sys.executable, os.path.abspath(__file__),
                              "--build", args.build, "--daemon-only",
                              "--oauth-items", str(args.oauth_items), "--idle", str(args.idle)],
                             env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
        daemon = json.loads(out.strip().splitlines()[-1])

    if args.json:
        print(json.dumps({"commands": rows, "get_api_key": api_key_rows, "daemon": daemon},
                         indent=2))
        return
    print_command_rows(rows)

    print_goal_table("In-process, warm store (bench-get-api-key; ratio: time per call, ours / peer)",
                     api_key_rows, "ours", "GHashTable")
    print("  peer: g_hash_table_lookup + g_strdup + g_free on the same provider id and key")

    if daemon is not None:
        print_goal_table(f"pi-keyring daemon, {daemon['items']} OAuth credentials "
                         f"({len(OAUTH_PROVIDERS)} providers x {daemon['profiles']} profiles, "
                         f"expiring in a year), idle",
                         daemon_rows(daemon), "pi-keyring", "gnome-keyring")
        print(f"  wakeups: voluntary + nonvoluntary context switches of every thread "
              f"(/proc/PID/task/*/status) over {daemon['idle_s']:g} s")
        print(f"  watched by the schedulers: {daemon['watched']} credentials; stored in "
              f"{daemon['store_s']:.0f} s, loaded in {daemon['load_s']:.1f} s; "
              f"threads: pi-keyring {daemon['ours_thread_count']}, "
              f"gnome-keyring {daemon['peer_thread_count']}")
        print(f"  VmRSS after the window: pi-keyring {daemon['ours_rss_after_kib'] / 1024:.1f} MiB, "
              f"gnome-keyring {daemon['peer_rss_after_kib'] / 1024:.1f} MiB")
        for name, key in (("pi-keyring", "ours_threads"), ("gnome-keyring", "peer_threads")):
            if daemon[key]:
                counts = ", ".join(f"{t} {n}" for t, n in sorted(daemon[key].items()))
                print(f"  {name} wakeups by thread: {counts}")

    print_get_ratios(get_ratios)


if __name__ == "__main__":
    main()
