#!/usr/bin/python3
"""A fake $BROWSER for pi-keyring's OAuth tests.

    BROWSER=tests/fake-browser.py pi-keyring login anthropic

Called with a URL as argv[1], it behaves like a browser whose user approves
at once: it GETs the URL, follows each redirect itself (at most 5 hops, each
with the Host header of its own URL, as a browser sends it) and exits 0 when
the final page answered 2xx, else 1.  Redirects are followed by hand so that
the mock provider's 302 to the loopback callback (http://localhost:PORT/...)
is one visible hop.

Environment:
  FAKE_BROWSER_MODE    follow (default): as above.
                       none: do nothing (the test pastes the code instead).
                       wrong-host: follow, but send the request to the loopback
                         callback (a redirect to another host:port) with a
                         foreign Host header.
                       device: GitHub device flow: GET the verification page,
                         then approve the newest device code on the mock at
                         $MOCK_PROVIDER_URL (POST /_admin/device/approve).
                       device-deny: the same, but deny it.
  FAKE_BROWSER_LOG     append what was done to this file (one line per step,
                       last line "RESULT ok" or "RESULT fail <why>").
  FAKE_BROWSER_TIMEOUT seconds per request (default 10).
  FAKE_BROWSER_DELAY   seconds to wait before starting (default 0).
  FAKE_BROWSER_DETACH  1: fork, let the parent exit 0 at once, work in the
                       child (the result is then only in the log).
  MOCK_PROVIDER_URL    base URL of the mock provider (device modes).

The log shows URLs in full: they carry only the mock's fake codes.
"""

import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

MAX_HOPS = 5
FOREIGN_HOST = "evil.example.com"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 3xx surfaces as an HTTPError that we handle ourselves


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())


def log(line):
    path = os.environ.get("FAKE_BROWSER_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write("%.3f [%d] %s\n" % (time.time(), os.getpid(), line))


def request(method, url, headers=None, data=None):
    """(status, headers) of one request, never following redirects; status 0 on a network error."""
    timeout = float(os.environ.get("FAKE_BROWSER_TIMEOUT", "10"))
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    req.add_header("User-Agent", "fake-browser/1 (pi-keyring tests)")
    try:
        with OPENER.open(req, timeout=timeout) as resp:
            resp.read()
            return resp.status, resp.headers
    except urllib.error.HTTPError as exc:
        exc.read()
        return exc.code, exc.headers
    except (OSError, ValueError) as exc:
        log("ERROR %s %s: %s" % (method, url, exc))
        return 0, {}


def follow(url, wrong_host=False):
    """Follows url like a browser; True when the final page answered 2xx."""
    previous = None
    for hop in range(MAX_HOPS + 1):
        parts = urllib.parse.urlsplit(url)
        headers = {}
        # The loopback callback is the hop that leaves the host that redirected to it.
        if wrong_host and previous is not None and parts.netloc != previous.netloc \
                and parts.hostname in LOOPBACK_NAMES:
            headers["Host"] = "%s:%d" % (FOREIGN_HOST, parts.port or 80)
        status, answer = request("GET", url, headers)
        log("GET %s%s -> %d" % (url, " (Host: %s)" % headers["Host"] if headers else "", status))
        if status in (301, 302, 303, 307, 308) and answer.get("Location"):
            if hop == MAX_HOPS:
                break
            previous = parts
            url = urllib.parse.urljoin(url, answer["Location"])
            continue
        return 200 <= status < 300
    log("too many redirects")
    return False


def approve_device(url, deny):
    base = os.environ.get("MOCK_PROVIDER_URL", "").rstrip("/")
    if not base:
        log("MOCK_PROVIDER_URL is not set")
        return False
    follow(url)  # the verification page; its answer does not matter
    body = json.dumps({"deny": True} if deny else {}).encode()
    status, _ = request("POST", base + "/_admin/device/approve",
                        {"Content-Type": "application/json"}, body)
    log("POST %s/_admin/device/approve%s -> %d" % (base, " (deny)" if deny else "", status))
    return status == 200


def run(url, mode):
    if mode == "none":
        return True
    if mode in ("follow", "wrong-host"):
        return follow(url, wrong_host=(mode == "wrong-host"))
    if mode in ("device", "device-deny"):
        return approve_device(url, deny=(mode == "device-deny"))
    log("unknown FAKE_BROWSER_MODE " + mode)
    return False


def main(argv):
    mode = os.environ.get("FAKE_BROWSER_MODE", "follow")
    if len(argv) < 2:
        log("RESULT fail no URL given")
        return 2
    url = argv[1]
    if os.environ.get("FAKE_BROWSER_DETACH") == "1":
        if os.fork() > 0:
            return 0
        os.setsid()  # the child lets go of the caller's session and pipes
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
    log("START mode=%s url=%s" % (mode, url))
    delay = float(os.environ.get("FAKE_BROWSER_DELAY", "0"))
    if delay > 0:
        time.sleep(delay)
    ok = run(url, mode)
    log("RESULT ok" if ok else "RESULT fail")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
