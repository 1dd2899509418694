#!/usr/bin/python3
"""Mock OAuth provider server for pi-keyring's end-to-end tests.

One loopback HTTP server speaks the protocols of the five OAuth providers of
pi (reference/pi-auth.md §7): Anthropic, OpenAI Codex, Google Gemini CLI and
Antigravity, GitHub Copilot (github.com and a GitHub Enterprise host).  Every
provider host is served under a path prefix named after the host, so that
PI_KEYRING_URL_REWRITE maps `https://claude.ai` to `http://127.0.0.1:PORT/claude.ai`
and so on.  On start the command prints one line:

    PORT=<port> URL=http://127.0.0.1:<port> REWRITE=<PI_KEYRING_URL_REWRITE value>

and serves until killed or until `POST /_admin/shutdown`.  It is also a module:

    mock = MockProvider().start()   # port 0, a background thread
    ... mock.url, mock.rewrite, mock.state ...
    mock.stop()

Test control lives under /_admin/ (JSON in and out): reset, config, inject,
requests, tokens, policies, device/approve, seed-refresh, revoke, shutdown.
See ADMIN_HELP below.  This is a test tool: it shows tokens on purpose, and
every token it issues is a random fake.

Only the standard library of Python 3.11 is used.
"""

import argparse
import base64
import copy
import hashlib
import hmac
import json
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# ---------------------------------------------------------------------------
# The providers (reference/pi-auth.md §1.3 and §7)

HOSTS = [
    "claude.ai",
    "platform.claude.com",
    "auth.openai.com",
    "accounts.google.com",
    "oauth2.googleapis.com",
    "www.googleapis.com",
    "cloudcode-pa.googleapis.com",
    "daily-cloudcode-pa.sandbox.googleapis.com",
    "github.com",
    "api.github.com",
    "api.individual.githubcopilot.com",
    "company.ghe.com",
    "api.company.ghe.com",
    "copilot-api.company.ghe.com",
    "api.anthropic.com",
    "api.openai.com",
    # pi 1.6.0's meta, xai and radius logins (PI16B_* below)
    "auth.meta.com",
    "api.meta.ai",
    # pi 1.6.0's openrouter login (openrouter_routes below)
    "openrouter.ai",
    "auth.x.ai",
    "radius.pi.dev",
    # pi 1.6.0's kimi-coding login (a PI16B_DEVICE provider) and its
    # verification page
    "auth.kimi.com",
    "www.kimi.com",
]

GEMINI_SCOPES = [
    "https://www.googleapis.com/auth/cloud-platform",
    "https://www.googleapis.com/auth/userinfo.email",
    "https://www.googleapis.com/auth/userinfo.profile",
]

# The authorization-code providers.  "extra" are the parameters the authorize
# request must carry with exactly these values; "required" must be non-empty.
PROVIDERS = {
    "anthropic": {
        "client_id": "9d1c250a-e61b-44d9-88ed-5944d1962f5e",
        "redirect_uri": "http://localhost:53692/callback",
        "scopes": ["org:create_api_key", "user:profile", "user:inference",
                   "user:sessions:claude_code", "user:mcp_servers", "user:file_upload"],
        "extra": {"code": "true"},
        "required": [],
    },
    "openai-codex": {
        "client_id": "app_EMoamEEZ73f0CkXaXp7hrann",
        "redirect_uri": "http://localhost:1455/auth/callback",
        "scopes": ["openid", "profile", "email", "offline_access"],
        "extra": {"id_token_add_organizations": "true", "codex_cli_simplified_flow": "true"},
        "required": ["originator"],
    },
    "google-gemini-cli": {
        "client_id": "681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com",
        "client_secret": "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",
        "redirect_uri": "http://localhost:8085/oauth2callback",
        "scopes": GEMINI_SCOPES,
        "extra": {"access_type": "offline", "prompt": "consent"},
        "required": [],
    },
    "google-antigravity": {
        "client_id": "1071006060591-tmhssin2h21lcre235vtolojh4g403ep.apps.googleusercontent.com",
        "client_secret": "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",
        "redirect_uri": "http://localhost:51121/oauth-callback",
        "scopes": GEMINI_SCOPES + ["https://www.googleapis.com/auth/cclog",
                                   "https://www.googleapis.com/auth/experimentsandconfigs"],
        "extra": {"access_type": "offline", "prompt": "consent"},
        "required": [],
    },
}
GOOGLE_PROVIDERS = ("google-gemini-cli", "google-antigravity")

# A provider pi-keyring does not know: the OAuth provider a pi extension
# registers (tests/test-pi-extension.py). Its token endpoint takes
# {"grant_type": "refresh_token", "refresh_token": …} as JSON, rotates the
# refresh token and issues an access token that the mock's Anthropic
# Messages API accepts as `x-api-key`.
CUSTOM_PROVIDER = "custom-oauth"
CUSTOM_HOST = "sso.custom-oauth.example"
CUSTOM_TOKEN_PATH = "/%s/oauth/token" % CUSTOM_HOST

GITHUB_CLIENT_ID = "Iv1.b507a08c87ecfe98"
GITHUB_DOMAINS = ("github.com", "company.ghe.com")
# Copilot API hosts (the base URLs pi derives) and the GitHub domain of each.
COPILOT_API_HOSTS = {
    "api.individual.githubcopilot.com": "github.com",
    "copilot-api.company.ghe.com": "company.ghe.com",
}
CODE_ASSIST_HOSTS = ("cloudcode-pa.googleapis.com", "daily-cloudcode-pa.sandbox.googleapis.com")
GITHUB_DEVICE_ERROR_URI = ("https://docs.github.com/developers/apps/authorizing-oauth-apps"
                           "#error-codes-for-the-device-flow")

# Admin-settable knobs and their defaults.
DEFAULT_CONFIG = {
    "expires_in": 3600,               # seconds, every token endpoint
    "code_ttl": 600,                  # authorization codes live this long
    "openrouter_key_status": None,    # openrouter /api/v1/auth/keys answers this error status
    "authorize_error": None,          # e.g. "access_denied": redirect with ?error=
    "authorize_wrong_state": False,   # redirect with a state that is not the one sent
    "redirect_uris": {},              # provider -> accepted redirect_uri (override)
    "anthropic_check_state": True,    # the token request's state must be the authorize state
    "rotate": {"anthropic": True, "openai-codex": True,
               "google-gemini-cli": False, "google-antigravity": False, CUSTOM_PROVIDER: True},
    "codex_account_id": "acc_test",   # None: the JWT has no chatgpt_account_id
    "email": "me@example.com",
    "userinfo_fail": False,
    "device_interval": 5,
    "device_expires_in": 900,
    "device_script": [],              # per new device code: answers to the polls
    "device_enforce_interval": False,  # polls faster than the interval -> slow_down
    "copilot_expires_in": 1800,
    # GitHub domain -> proxy-ep host in the Copilot token (absent/None: omitted).
    "copilot_proxy_ep": {"github.com": "proxy.individual.githubcopilot.com"},
    "gemini_load": "current",         # "current", "onboard", "security_policy"
    "gemini_project": "proj-123",     # None: loadCodeAssist gives no project
    "gemini_default_tier": "free-tier",
    "onboard_polls": 1,               # operation polls before done (0: done at once)
    "onboard_project": "proj-onboarded",
    "antigravity_project": "proj-antigravity",
    "antigravity_project_object": False,  # {"id": …} instead of a string
    "antigravity_load_fail": False,   # both Code Assist endpoints fail
    # A refresh kills the access tokens issued before on the same grant (a
    # provider that revokes the old access token at once; the real ones let
    # it live until it expires).
    "revoke_access_on_refresh": False,
    # The LLM APIs (api.anthropic.com /v1/messages, api.openai.com
    # /v1/chat/completions): the text of every answer ("{n}": the request's
    # number, "{prompt}": the last user text), and a delay before it.
    "llm_reply": "mock reply {n}: {prompt}",
    "llm_delay": 0.0,
    # The custom provider's token endpoint answers this many seconds late
    # (so that overlapping refreshes overlap).
    "custom_token_delay": 0.0,
}

ADMIN_HELP = {
    "GET /_admin/": "health, url and rewrite",
    "POST /_admin/reset": "forget everything, default config",
    "GET|POST /_admin/config": "read / merge knobs: " + ", ".join(sorted(DEFAULT_CONFIG)),
    "GET|POST /_admin/inject": "{prefix, count=1, method?, status, body (text or JSON), "
                               "headers, hang, hang_seconds=300, drop, delay}",
    "GET /_admin/requests?prefix=": "recorded requests (not /_admin/ ones)",
    "GET /_admin/tokens": "per provider: refresh/access issued, valid, dead",
    "GET /_admin/policies": "Copilot model policy requests",
    "POST /_admin/device/approve": "{user_code?, deny?}: newest pending code by default",
    "POST /_admin/seed-refresh": "{provider, domain?} -> {refresh_token, access_token"
                                 "[, client_id (openai)]} "
                                 "(provider: one of the OAuth providers or %s)" % CUSTOM_PROVIDER,
    "POST /_admin/revoke": "{token, reason=revoked|expired}",
    "POST /_admin/api-key": "{provider=anthropic|openai, key?} -> {key}: an API key the LLM APIs accept",
    "GET /_admin/llm": "LLM API requests: {requests: [{api, provider, credential, kind, status, "
                       "model, stream, prompt}], by_credential: {credential: count}}",
    "POST /_admin/shutdown": "stop serving",
}


# pi 1.6.0's meta, xai and radius logins (pi-ai dist/auth/oauth/{meta,xai,radius}.js).
# meta: device code at auth.meta.com for an identity token (never renewed;
# grant_type=refresh_token answers 404), which buys a Model API key at
# api.meta.ai/muse-code/key; xai: device code at auth.x.ai; radius: browser
# PKCE or device code at the gateway radius.pi.dev.
PI16B_PROVIDERS = ("meta", "xai", "radius", "kimi-coding")
PI16B_DEVICE = {
    "meta": {"client_id": "1031625952748946", "scope": None,
             "device": ("auth.meta.com", "/oidc/device/authorization/"),
             "token": ("auth.meta.com", "/oidc/device/token/"),
             "verification_uri": "https://auth.meta.com/device"},
    "xai": {"client_id": "b1a00492-073a-47ea-816f-4c329264a828",
            "scope": "openid profile email offline_access grok-cli:access api:access",
            "device": ("auth.x.ai", "/oauth2/device/code"), "token": ("auth.x.ai", "/oauth2/token"),
            "verification_uri": "https://auth.x.ai/device"},
    "radius": {"client_id": "pi-gateway", "scope": "gateway offline_access",
               "device": ("radius.pi.dev", "/v1/oauth/device"), "token": ("radius.pi.dev", "/v1/oauth/token"),
               "verification_uri": "https://radius.pi.dev/device"},
    # kimi-coding.js: client_id only (no scope); the answer carries
    # verification_uri_complete too; polls and refreshes at /api/oauth/token.
    # The verification page's address is not from pi.
    "kimi-coding": {"client_id": "17e5f671-d194-4dfb-9706-5516cb48c098", "scope": None,
                    "device": ("auth.kimi.com", "/api/oauth/device_authorization"),
                    "token": ("auth.kimi.com", "/api/oauth/token"),
                    "verification_uri": "https://www.kimi.com/code/authorize_device"},
}
# The radius browser flow goes through Routes.authorize like the others.
PI16B_CODE_PROVIDERS = {
    "radius": {"client_id": "pi-gateway", "redirect_uri": "http://127.0.0.1:1456/oauth/callback",
               "scopes": ["gateway", "offline_access"], "extra": {"handoff": "url"}, "required": []},
}
DEFAULT_CONFIG.update({
    "pi16b_device_omit": [],        # fields left out of meta/xai/radius device answers
    "meta_mint_status": None,       # e.g. 500: the key mint answers this status
    "meta_mint_no_key": False,      # the mint answers {"action_url": …} without api_key
    "xai_refresh_omit_refresh": False,  # a refresh answer without refresh_token
    "xai_omit_expires_in": False,   # token answers without expires_in (pi: 3600)
    "radius_scope": "gateway offline_access",  # None: the token answers carry no scope
})
DEFAULT_CONFIG["rotate"].update({"xai": True, "radius": True, "kimi-coding": True})

# pi 1.6.0's "Sign in with ChatGPT" (pi-ai dist/auth/oauth/openai-chatgpt.js),
# stored by pi under the provider id `openai`: authorization code + PKCE at
# auth.openai.com/api/accounts/authorize with the client_id
# dynamic_agent_client; every authorization registers a client, whose issued
# client_id comes back in the callback (with code and state) and must be
# used for the code exchange and every refresh at /api/accounts/oauth/token
# (form, resource=https://api.openai.com/v1). The answers carry access,
# refresh and id tokens and the granted scope. Not from pi: the issued
# client id's form, the callback's parameter order, the error bodies.
CHATGPT = {
    "client_id": "dynamic_agent_client",
    "redirect_uri": "http://127.0.0.1:1455/auth/callback",
    "resource": "https://api.openai.com/v1",
    "scopes": ["openid", "profile", "email", "offline_access", "resource.invoke",
               "chatgpt.tokens.use.direct"],
}
DEFAULT_CONFIG.update({
    "chatgpt_scope": " ".join(CHATGPT["scopes"]),  # the scope the token answers grant
    "chatgpt_omit_id_token": False,   # the code exchange answers without id_token
    "chatgpt_callback_client_id": True,  # False: the callback carries no client_id
})
DEFAULT_CONFIG["rotate"]["openai"] = True


def rewrite_value(base_url):
    """The PI_KEYRING_URL_REWRITE value that maps every provider host onto base_url."""
    return ",".join("https://%s=%s/%s" % (h, base_url, h) for h in HOSTS)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pkce_challenge(verifier):
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def fake_jwt(claims):
    header = {"alg": "RS256", "kid": "mock-" + secrets.token_hex(4), "typ": "JWT"}
    return ".".join([b64url(json.dumps(header).encode()), b64url(json.dumps(claims).encode()),
                     b64url(secrets.token_bytes(64))])


# ---------------------------------------------------------------------------
# State


class Reply:
    """An HTTP answer: status, headers, body bytes."""

    def __init__(self, status, body=b"", content_type=None, headers=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.headers = dict(headers or {})
        self.after = None  # called once the answer is sent
        if content_type and not any(k.lower() == "content-type" for k in self.headers):
            self.headers["Content-Type"] = content_type


def json_reply(status, obj, headers=None):
    return Reply(status, json.dumps(obj), "application/json; charset=utf-8", headers)


def html_reply(status, title, text=""):
    page = ("<!DOCTYPE html>\n<html><head><title>%s</title></head>"
            "<body><h1>%s</h1><p>%s</p></body></html>\n" % (title, title, text))
    return Reply(status, page, "text/html; charset=utf-8")


def oauth_error(error, description, status=400):
    return json_reply(status, {"error": error, "error_description": description})


class MockState:
    """Everything the mock remembers; every access holds self.lock."""

    def __init__(self):
        self.lock = threading.RLock()
        self.shutdown_event = threading.Event()
        self.release_event = threading.Event()  # set to let hanging requests go
        self.reset()

    def reset(self):
        with self.lock:
            self.config = copy.deepcopy(DEFAULT_CONFIG)
            self.codes = {}       # code -> dict
            self.tokens = {}      # token -> dict (kind, provider, status, …)
            self.issued = []      # tokens in issue order
            self.devices = []     # device code dicts, in issue order
            self.operations = {}  # operation name -> {"polls": n, "project": …}
            self.injections = []
            self.requests = []
            self.policies = []
            self.api_keys = {}    # API key -> provider ("anthropic", "openai")
            self.llm = []         # LLM API requests
            self.seq = 0
            self.release_event.set()
            self.release_event = threading.Event()

    # -- configuration and injection

    def configure(self, changes):
        with self.lock:
            unknown = sorted(set(changes) - set(DEFAULT_CONFIG))
            if unknown:
                raise ValueError("unknown config keys: " + ", ".join(unknown))
            for key, value in changes.items():
                if isinstance(DEFAULT_CONFIG[key], dict) and isinstance(value, dict):
                    self.config[key].update(value)
                else:
                    self.config[key] = value
            return copy.deepcopy(self.config)

    def inject(self, spec):
        if not isinstance(spec, dict) or not str(spec.get("prefix", "")).startswith("/"):
            raise ValueError("an injection needs a 'prefix' starting with '/'")
        if not (spec.get("status") or spec.get("hang") or spec.get("drop") or spec.get("delay")):
            raise ValueError("an injection needs 'status', 'hang', 'drop' or 'delay'")
        entry = {"prefix": spec["prefix"], "count": int(spec.get("count", 1)),
                 "method": spec.get("method"), "status": spec.get("status"),
                 "body": spec.get("body", ""), "headers": spec.get("headers") or {},
                 "hang": bool(spec.get("hang")), "hang_seconds": float(spec.get("hang_seconds", 300)),
                 "drop": bool(spec.get("drop")), "delay": float(spec.get("delay", 0))}
        with self.lock:
            self.injections.append(entry)
            return dict(entry, id=len(self.injections) - 1)

    def take_injection(self, method, path):
        with self.lock:
            for entry in self.injections:
                if entry["count"] > 0 and path.startswith(entry["prefix"]) and \
                        entry["method"] in (None, method):
                    entry["count"] -= 1
                    result = dict(entry)
                    self.injections = [e for e in self.injections if e["count"] > 0]
                    return result
        return None

    # -- tokens

    def new_token(self, kind, provider, value, grant=None, expires_in=None, **extra):
        with self.lock:
            record = {"token": value, "kind": kind, "provider": provider, "status": "valid",
                      "reason": None, "grant": grant or secrets.token_hex(8),
                      "issued_at": time.time(),
                      "expires_at": time.time() + expires_in if expires_in is not None else None}
            record.update(extra)
            self.tokens[value] = record
            self.issued.append(value)
            return record

    def kill(self, value, reason):
        with self.lock:
            record = self.tokens.get(value)
            if record is not None and record["status"] == "valid":
                record["status"] = "dead"
                record["reason"] = reason
            return record

    def valid_token(self, value, kind, providers):
        """The record of a live token of this kind and one of these providers, else None."""
        with self.lock:
            record = self.tokens.get(value)
            if record is None or record["kind"] != kind or record["provider"] not in providers:
                return None
            if record["status"] != "valid":
                return None
            if record["expires_at"] is not None and time.time() >= record["expires_at"]:
                return None
            return record

    def tokens_report(self):
        with self.lock:
            report = {}
            for p in list(PROVIDERS) + ["github-copilot", CUSTOM_PROVIDER]:
                report[p] = {k: {"issued": [], "valid": [], "dead": []} for k in ("refresh", "access")}
            for value in self.issued:
                record = self.tokens[value]
                entry = report.setdefault(record["provider"], {k: {"issued": [], "valid": [], "dead": []}
                                                               for k in ("refresh", "access")})[record["kind"]]
                entry["issued"].append(value)
                alive = self.valid_token(value, record["kind"], (record["provider"],))
                entry["valid" if alive else "dead"].append(value)
            return report

    def record(self, entry):
        with self.lock:
            self.seq += 1
            entry["seq"] = self.seq
            self.requests.append(entry)


# ---------------------------------------------------------------------------
# The HTTP handler


class Request:
    """A parsed request: the provider host segment, the path below it, params, body."""

    def __init__(self, method, raw_path, headers, body):
        parsed = urllib.parse.urlsplit(raw_path)
        self.method = method
        self.path = parsed.path
        self.query = parsed.query
        self.params = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
        self.headers = headers
        self.body = body
        parts = self.path.split("/", 2)
        self.host = parts[1] if len(parts) > 1 else ""
        self.sub = "/" + parts[2] if len(parts) > 2 else "/"

    def text(self):
        return self.body.decode("utf-8", "replace")

    def content_type(self):
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def form(self):
        """The form body, or None when the body is not form-encoded."""
        if self.content_type() != "application/x-www-form-urlencoded":
            return None
        return dict(urllib.parse.parse_qsl(self.text(), keep_blank_values=True))

    def json(self):
        """The JSON object body, or None when it is not a JSON object."""
        try:
            value = json.loads(self.text() or "null")
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def bearer(self):
        auth = self.headers.get("Authorization") or ""
        scheme, _, token = auth.partition(" ")
        if scheme.lower() in ("bearer", "token") and token.strip():
            return token.strip()
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pi-keyring-mock-provider/1"

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        if self.server.verbose:
            sys.stderr.write("mock-provider: " + (format % args) + "\n")

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def handle_any(self, method):
        body = self.read_body()
        req = Request(method, self.path, self.headers, body)
        state = self.server.state
        if req.path.startswith("/_admin/") or req.path == "/_admin":
            self.send(self.server.admin.handle(req))
            return
        entry = {"method": method, "path": req.path, "query": req.query, "params": req.params,
                 "headers": dict(self.headers.items()), "body": req.text(),
                 "time": time.time(), "injected": False, "status": None}
        state.record(entry)
        injection = state.take_injection(method, req.path)
        if injection is not None:
            entry["injected"] = True
            if injection["delay"]:
                state.release_event.wait(injection["delay"])
            if injection["hang"]:
                # Never answer: hold the connection until released, shut down or timed out.
                release = state.release_event
                deadline = time.time() + injection["hang_seconds"]
                while not release.is_set() and not state.shutdown_event.is_set() \
                        and time.time() < deadline:
                    release.wait(0.1)
                self.close_connection = True
                return
            if injection["drop"]:
                self.close_connection = True
                return
            if injection["status"]:
                reply = self.injected_reply(injection)
                entry["status"] = reply.status
                self.send(reply)
                return
        try:
            reply = self.server.routes.dispatch(req)
        except Exception as exc:  # a bug in the mock: say so loudly
            import traceback
            traceback.print_exc()
            reply = Reply(500, "mock-provider internal error: %r\n" % (exc,), "text/plain")
        entry["status"] = reply.status
        self.send(reply)

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    @staticmethod
    def injected_reply(injection):
        body = injection["body"]
        if isinstance(body, (dict, list)):
            return Reply(injection["status"], json.dumps(body), "application/json", injection["headers"])
        body = str(body)
        ctype = "text/html; charset=utf-8" if body.lstrip().startswith("<") else "text/plain; charset=utf-8"
        return Reply(injection["status"], body, ctype, injection["headers"])

    def send(self, reply):
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(reply.body)
        self.wfile.flush()
        if reply.after:
            reply.after()


# ---------------------------------------------------------------------------
# Provider protocols


class Routes:
    def __init__(self, state):
        self.state = state

    def dispatch(self, req):
        h, sub, m = req.host, req.sub, req.method
        table = [
            ("claude.ai", "/oauth/authorize", "GET", lambda: self.authorize(req, "anthropic")),
            ("auth.openai.com", "/oauth/authorize", "GET", lambda: self.authorize(req, "openai-codex")),
            ("accounts.google.com", "/o/oauth2/v2/auth", "GET", lambda: self.authorize(req, None)),
            ("platform.claude.com", "/v1/oauth/token", "POST", lambda: self.anthropic_token(req)),
            ("auth.openai.com", "/oauth/token", "POST", lambda: self.codex_token(req)),
            ("oauth2.googleapis.com", "/token", "POST", lambda: self.google_token(req)),
            ("oauth2.googleapis.com", "/revoke", "POST", lambda: self.google_revoke(req)),
            ("www.googleapis.com", "/oauth2/v1/userinfo", "GET", lambda: self.userinfo(req)),
            (CUSTOM_HOST, "/oauth/token", "POST", lambda: self.custom_token(req)),
        ]
        for host in CODE_ASSIST_HOSTS:
            table += [(host, "/v1internal:loadCodeAssist", "POST", lambda: self.load_code_assist(req)),
                      (host, "/v1internal:onboardUser", "POST", lambda: self.onboard_user(req))]
        for domain in GITHUB_DOMAINS:
            table += [(domain, "/login/device/code", "POST", lambda: self.device_code(req)),
                      (domain, "/login/oauth/access_token", "POST", lambda: self.device_poll(req)),
                      (domain, "/login/device", "GET",
                       lambda: html_reply(200, "Device Activation", "Enter the code shown by the app.")),
                      ("api." + domain, "/copilot_internal/v2/token", "GET", lambda: self.copilot_token(req))]
        table += self.pi16b_routes(req)
        table += self.openrouter_routes(req)
        table += self.chatgpt_routes(req)
        for host, path, method, handler in table:
            if h == host and sub == path:
                if m != method:
                    return Reply(405, "Method Not Allowed\n", "text/plain", {"Allow": method})
                return handler()
        if h == "api.anthropic.com" and sub == "/v1/messages":
            return self.anthropic_messages(req) if m == "POST" else \
                Reply(405, "Method Not Allowed\n", "text/plain", {"Allow": "POST"})
        if h == "api.openai.com" and sub == "/v1/chat/completions":
            return self.openai_chat(req) if m == "POST" else \
                Reply(405, "Method Not Allowed\n", "text/plain", {"Allow": "POST"})
        if h in CODE_ASSIST_HOSTS and sub.startswith("/v1internal/operations/") and m == "GET":
            return self.poll_operation(req)
        if h in COPILOT_API_HOSTS and sub.startswith("/models/") and sub.endswith("/policy") and m == "POST":
            return self.copilot_policy(req)
        return Reply(404, "Not Found\n", "text/plain")

    # -- authorization endpoints

    def authorize(self, req, provider):
        p = req.params
        cfg = self.state.config
        if provider is None:  # Google serves both Google clients on one endpoint
            provider = next((g for g in GOOGLE_PROVIDERS
                             if PROVIDERS[g]["client_id"] == p.get("client_id")), None)
            if provider is None:
                return html_reply(400, "Error 401: invalid_client", "The OAuth client was not found.")
        spec = PROVIDERS[provider] if provider in PROVIDERS else PI16B_CODE_PROVIDERS[provider]
        redirect_uri = cfg["redirect_uris"].get(provider, spec["redirect_uri"])
        problems = []
        if p.get("client_id") != spec["client_id"]:
            problems.append("unknown client_id")
        if p.get("redirect_uri") != redirect_uri:
            problems.append("redirect_uri does not match the one registered for this client")
        if p.get("response_type") != "code":
            problems.append("response_type must be code")
        if p.get("code_challenge_method") != "S256":
            problems.append("code_challenge_method must be S256")
        if len(p.get("code_challenge", "")) != 43:
            problems.append("code_challenge missing or not 43 characters")
        if not p.get("state"):
            problems.append("state missing")
        elif p.get("code_challenge") and hmac.compare_digest(pkce_challenge(p["state"]),
                                                            p["code_challenge"]):
            # RFC 9700 §2.1.1: the verifier must not leave the client
            problems.append("state is the PKCE verifier")
        if sorted(p.get("scope", "").split(" ")) != sorted(spec["scopes"]):
            problems.append("scope is not the expected set")
        for key, value in spec["extra"].items():
            if p.get(key) != value:
                problems.append("%s must be %s" % (key, value))
        for key in spec["required"]:
            if not p.get(key):
                problems.append("%s missing" % key)
        if problems:
            return html_reply(400, "Invalid authorization request", "; ".join(problems))

        state_value = p["state"]
        if cfg["authorize_wrong_state"]:
            state_value = "wrong-" + secrets.token_hex(8)
        if cfg["authorize_error"]:
            query = [("error", cfg["authorize_error"])]
            if provider not in GOOGLE_PROVIDERS:
                query.append(("error_description", "The user denied the request."))
            query.append(("state", state_value))
            return self.redirect(redirect_uri, query)

        code = {"anthropic": lambda: secrets.token_urlsafe(32),
                "openai-codex": lambda: "ac_" + secrets.token_urlsafe(40)}.get(
                    provider, lambda: "4/0A" + secrets.token_urlsafe(54))()
        with self.state.lock:
            self.state.codes[code] = {
                "provider": provider, "client_id": spec["client_id"], "redirect_uri": redirect_uri,
                "challenge": p["code_challenge"], "state": p["state"], "scope": p["scope"],
                "expires_at": time.time() + cfg["code_ttl"], "used": False}
        if provider in GOOGLE_PROVIDERS:
            query = [("state", state_value), ("code", code), ("scope", p["scope"]),
                     ("authuser", "0"), ("prompt", "consent")]
        elif provider == "openai-codex":
            query = [("code", code), ("scope", p["scope"]), ("state", state_value)]
        else:
            query = [("code", code), ("state", state_value)]
        return self.redirect(redirect_uri, query)

    @staticmethod
    def redirect(uri, query):
        location = uri + ("&" if "?" in uri else "?") + urllib.parse.urlencode(query)
        return Reply(302, "", "text/html", {"Location": location})

    def take_code(self, provider_ids, client_id, code, redirect_uri, verifier):
        """Checks and consumes an authorization code; the code record, or an error string."""
        with self.state.lock:
            record = self.state.codes.get(code or "")
            if record is None:
                return "unknown code"
            if record["used"]:
                return "code already used"
            record["used"] = True  # any attempt consumes the code
            if record["provider"] not in provider_ids or record["client_id"] != client_id:
                return "code was issued to another client"
            if time.time() >= record["expires_at"]:
                return "code expired"
            if redirect_uri != record["redirect_uri"]:
                return "redirect_uri mismatch"
            if not verifier:
                return "code_verifier missing"
            if not hmac.compare_digest(pkce_challenge(verifier), record["challenge"]):
                return "code_verifier does not match the code_challenge"
            return record

    def rotate_refresh(self, old_value, provider_ids):
        """Checks a refresh token and rotates it when the provider does: (record, new, error)."""
        with self.state.lock:
            record = self.state.tokens.get(old_value or "")
            if record is None or record["kind"] != "refresh" or record["provider"] not in provider_ids:
                return None, None, "unknown"
            if record["status"] != "valid":
                return None, None, record["reason"]
            provider = record["provider"]
            if self.state.config["revoke_access_on_refresh"]:
                for other in list(self.state.tokens.values()):
                    if other["kind"] == "access" and other["grant"] == record["grant"]:
                        self.state.kill(other["token"], "refreshed")
            if not self.state.config["rotate"].get(provider, False):
                return record, None, None
            self.state.kill(old_value, "rotated")
            new = self.state.new_token("refresh", provider, self.refresh_value(provider), grant=record["grant"])
            return record, new, None

    @staticmethod
    def refresh_value(provider):
        if provider == "anthropic":
            return "sk-ant-ort01-" + secrets.token_urlsafe(72)
        if provider == "openai-codex":
            return "rt_" + secrets.token_urlsafe(48)
        if provider == CUSTOM_PROVIDER:
            return "cor_" + secrets.token_urlsafe(48)
        if provider == "openai":
            return "rt_" + secrets.token_urlsafe(48)
        return "1//0" + secrets.token_urlsafe(70)

    def access_token(self, provider, grant):
        expires_in = self.state.config["expires_in"]
        if provider == "anthropic":
            value = "sk-ant-oat01-" + secrets.token_urlsafe(72)
        elif provider == "openai-codex":
            now = int(time.time())
            claims = {"aud": ["https://api.openai.com/v1"], "client_id": PROVIDERS[provider]["client_id"],
                      "exp": now + int(expires_in), "iat": now, "nbf": now, "iss": "https://auth.openai.com",
                      "jti": secrets.token_hex(16), "scp": PROVIDERS[provider]["scopes"],
                      "sub": "auth0|mock-user",
                      "https://api.openai.com/profile": {"email": self.state.config["email"],
                                                         "email_verified": True}}
            account = self.state.config["codex_account_id"]
            if account is not None:
                claims["https://api.openai.com/auth"] = {"chatgpt_account_id": account,
                                                         "chatgpt_plan_type": "plus",
                                                         "user_id": "user-mock"}
            value = fake_jwt(claims)
        elif provider == CUSTOM_PROVIDER:
            value = "coa_" + secrets.token_urlsafe(48)
        else:
            value = "ya29.a0" + secrets.token_urlsafe(120)
        self.state.new_token("access", provider, value, grant=grant, expires_in=expires_in)
        return value, expires_in

    # -- token endpoints

    def anthropic_token(self, req):
        if req.content_type() != "application/json" or req.json() is None:
            return oauth_error("invalid_request", "Invalid request format")
        body = req.json()
        spec = PROVIDERS["anthropic"]
        grant_type = body.get("grant_type")
        if grant_type not in ("authorization_code", "refresh_token"):
            return oauth_error("unsupported_grant_type", "Invalid 'grant_type' in request.")
        if body.get("client_id") != spec["client_id"]:
            return oauth_error("invalid_client", "Invalid 'client_id' in request.", 401)
        if grant_type == "authorization_code":
            code = body.get("code")
            record = self.take_code(("anthropic",), body.get("client_id"), code,
                                    body.get("redirect_uri"), body.get("code_verifier"))
            if isinstance(record, str):
                return oauth_error("invalid_grant", "Invalid 'code' in request.")
            if self.state.config["anthropic_check_state"] and body.get("state") != record["state"]:
                return oauth_error("invalid_grant", "Invalid 'state' in request.")
            refresh = self.state.new_token("refresh", "anthropic", self.refresh_value("anthropic"))
            scope = record["scope"]
        else:
            record, refresh, error = self.rotate_refresh(body.get("refresh_token"), ("anthropic",))
            if error:
                text = "Refresh token expired" if error == "expired" else "Refresh token not found or invalid"
                return oauth_error("invalid_grant", text)
            refresh = refresh or record
            scope = " ".join(spec["scopes"])
        access, expires_in = self.access_token("anthropic", refresh["grant"])
        return json_reply(200, {
            "token_type": "Bearer", "access_token": access, "expires_in": expires_in,
            "refresh_token": refresh["token"], "scope": scope,
            "organization": {"uuid": "00000000-0000-4000-8000-000000000001", "name": "Mock Org"},
            "account": {"uuid": "00000000-0000-4000-8000-000000000002",
                        "email_address": self.state.config["email"]}})

    def custom_token(self, req):
        body = req.json()
        if body is None or body.get("grant_type") != "refresh_token":
            return oauth_error("invalid_request", "a JSON body with grant_type refresh_token")
        delay = float(self.state.config["custom_token_delay"] or 0)
        if delay > 0:
            self.state.release_event.wait(delay)
        record, refresh, error = self.rotate_refresh(body.get("refresh_token"), (CUSTOM_PROVIDER,))
        if error:
            return oauth_error("invalid_grant", "refresh token %s" % error)
        refresh = refresh or record
        access, expires_in = self.access_token(CUSTOM_PROVIDER, refresh["grant"])
        return json_reply(200, {"token_type": "Bearer", "access_token": access, "expires_in": expires_in,
                                "refresh_token": refresh["token"]})

    def codex_token(self, req):
        form = req.form()
        if form is None:
            return oauth_error("invalid_request", "Unsupported content type; use a form body.")
        spec = PROVIDERS["openai-codex"]
        grant_type = form.get("grant_type")
        if grant_type not in ("authorization_code", "refresh_token"):
            return oauth_error("unsupported_grant_type", "Unsupported grant type.")
        if form.get("client_id") != spec["client_id"]:
            return oauth_error("invalid_client", "Unknown client.", 401)
        if grant_type == "authorization_code":
            record = self.take_code(("openai-codex",), form.get("client_id"), form.get("code"),
                                    form.get("redirect_uri"), form.get("code_verifier"))
            if isinstance(record, str):
                return oauth_error("invalid_grant", "Invalid authorization code: " + record)
            refresh = self.state.new_token("refresh", "openai-codex", self.refresh_value("openai-codex"))
        else:
            record, refresh, error = self.rotate_refresh(form.get("refresh_token"), ("openai-codex",))
            if error:
                # OpenAI answers refresh failures with 401 and an error object (codex-rs reads .code).
                code, message = {
                    "rotated": ("refresh_token_reused", "Your refresh token has already been used to "
                                "generate a new access token. Please try signing in again."),
                    "expired": ("refresh_token_expired", "Your refresh token has expired. "
                                "Please try signing in again."),
                }.get(error, ("refresh_token_invalidated", "Your refresh token has been invalidated. "
                              "Please try signing in again."))
                return json_reply(401, {"error": {"message": message, "type": "invalid_request_error",
                                                  "param": None, "code": code}})
            refresh = refresh or record
        access, expires_in = self.access_token("openai-codex", refresh["grant"])
        id_token = fake_jwt({"email": self.state.config["email"], "iss": "https://auth.openai.com",
                             "aud": [spec["client_id"]], "iat": int(time.time()),
                             "https://api.openai.com/auth": {"chatgpt_account_id":
                                                             self.state.config["codex_account_id"]}})
        return json_reply(200, {"id_token": id_token, "access_token": access,
                                "refresh_token": refresh["token"], "expires_in": expires_in,
                                "token_type": "Bearer", "scope": " ".join(spec["scopes"])})

    def google_token(self, req):
        form = req.form()
        if form is None:
            return oauth_error("invalid_request", "Invalid content type.")
        provider = next((g for g in GOOGLE_PROVIDERS
                         if PROVIDERS[g]["client_id"] == form.get("client_id")), None)
        if provider is None:
            return oauth_error("invalid_client", "The OAuth client was not found.", 401)
        spec = PROVIDERS[provider]
        if form.get("client_secret") != spec["client_secret"]:
            return oauth_error("invalid_client", "Unauthorized", 401)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            if not form.get("code"):
                return oauth_error("invalid_request", "Missing required parameter: code")
            record = self.take_code((provider,), form["client_id"], form.get("code"),
                                    form.get("redirect_uri"), form.get("code_verifier"))
            if isinstance(record, str):
                return oauth_error("invalid_grant", "Bad Request")
            refresh = self.state.new_token("refresh", provider, self.refresh_value(provider))
            include_refresh = True
        elif grant_type == "refresh_token":
            record, refresh, error = self.rotate_refresh(form.get("refresh_token"), (provider,))
            if error:
                return oauth_error("invalid_grant", "Token has been expired or revoked.")
            include_refresh = refresh is not None
            refresh = refresh or record
        else:
            return oauth_error("unsupported_grant_type", "Invalid grant_type: " + str(grant_type))
        access, expires_in = self.access_token(provider, refresh["grant"])
        answer = {"access_token": access, "expires_in": expires_in, "scope": " ".join(spec["scopes"]),
                  "token_type": "Bearer",
                  "id_token": fake_jwt({"iss": "https://accounts.google.com", "email": self.state.config["email"]})}
        if include_refresh:
            answer["refresh_token"] = refresh["token"]
        return json_reply(200, answer)

    def google_revoke(self, req):
        form = req.form() or {}
        value = form.get("token") or req.params.get("token")
        with self.state.lock:
            record = self.state.tokens.get(value or "")
            if record is None or record["provider"] not in GOOGLE_PROVIDERS or record["status"] != "valid":
                return oauth_error("invalid_token", "Token expired or revoked")
            # Revoking either token revokes the whole grant.
            for other in self.state.tokens.values():
                if other["grant"] == record["grant"]:
                    self.state.kill(other["token"], "revoked")
        return json_reply(200, {})

    # -- LLM APIs (Anthropic Messages, OpenAI Chat Completions)

    def llm_credential(self, req, provider):
        """(credential, kind, accepted): the credential a request carries and whether it is live.

        Anthropic: OAuth access tokens as `Authorization: Bearer`, API keys as
        `x-api-key` (or Bearer); OpenAI: API keys as Bearer."""
        api_key = req.headers.get("x-api-key")
        bearer = req.bearer()
        value = api_key or bearer
        if value is None:
            return None, None, False
        with self.state.lock:
            if self.state.api_keys.get(value) == provider:
                return value, "api_key", True
        if provider == "anthropic" and bearer and not api_key:
            return value, "oauth", self.state.valid_token(bearer, "access", ("anthropic",)) is not None
        if provider == "anthropic" and api_key and \
                self.state.valid_token(api_key, "access", (CUSTOM_PROVIDER,)) is not None:
            return value, CUSTOM_PROVIDER, True
        return value, "api_key" if api_key else "unknown", False

    @staticmethod
    def last_user_text(messages):
        for message in reversed(messages or []):
            if not isinstance(message, dict) or message.get("role") != "user":
                continue
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                texts = [c.get("text", "") for c in content if isinstance(c, dict) and c.get("type") == "text"]
                if texts:
                    return texts[-1]
        return ""

    def llm_record(self, api, provider, req, body, credential, kind, status):
        body = body or {}
        with self.state.lock:
            entry = {"api": api, "provider": provider, "credential": credential, "kind": kind,
                     "status": status, "model": body.get("model"), "stream": bool(body.get("stream")),
                     "prompt": self.last_user_text(body.get("messages")), "time": time.time(),
                     "headers": dict(req.headers.items())}
            self.state.llm.append(entry)
            return len(self.state.llm)

    def llm_text(self, n, body):
        text = self.state.config["llm_reply"]
        return text.replace("{n}", str(n)).replace("{prompt}", self.last_user_text(body.get("messages")))

    def llm_wait(self):
        delay = float(self.state.config["llm_delay"] or 0)
        if delay > 0:
            self.state.release_event.wait(delay)

    @staticmethod
    def sse(events):
        out = []
        for name, data in events:
            if name:
                out.append("event: %s\n" % name)
            out.append("data: %s\n\n" % (data if isinstance(data, str) else json.dumps(data)))
        return "".join(out)

    def anthropic_messages(self, req):
        body = req.json()
        credential, kind, ok = self.llm_credential(req, "anthropic")
        if body is None or not isinstance(body.get("messages"), list) or not body.get("model"):
            self.llm_record("anthropic-messages", "anthropic", req, body, credential, kind, 400)
            return json_reply(400, {"type": "error", "error": {"type": "invalid_request_error",
                                                               "message": "messages: field required"}})
        if not ok:
            self.llm_record("anthropic-messages", "anthropic", req, body, credential, kind, 401)
            return json_reply(401, {"type": "error", "error": {"type": "authentication_error",
                                                               "message": "invalid x-api-key"}},
                              {"request-id": "req_mock_" + secrets.token_hex(8)})
        n = self.llm_record("anthropic-messages", "anthropic", req, body, credential, kind, 200)
        self.llm_wait()
        text = self.llm_text(n, body)
        msg_id = "msg_mock_" + secrets.token_hex(10)
        usage_in = {"input_tokens": 12, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                    "output_tokens": 1}
        if not body.get("stream"):
            return json_reply(200, {"id": msg_id, "type": "message", "role": "assistant", "model": body["model"],
                                    "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
                                    "stop_sequence": None,
                                    "usage": dict(usage_in, output_tokens=len(text.split()))})
        half = len(text) // 2
        events = [
            ("message_start", {"type": "message_start", "message": {
                "id": msg_id, "type": "message", "role": "assistant", "model": body["model"], "content": [],
                "stop_reason": None, "stop_sequence": None, "usage": usage_in}}),
            ("content_block_start", {"type": "content_block_start", "index": 0,
                                     "content_block": {"type": "text", "text": ""}}),
            ("ping", {"type": "ping"}),
            ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                     "delta": {"type": "text_delta", "text": text[:half]}}),
            ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                     "delta": {"type": "text_delta", "text": text[half:]}}),
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                               "usage": {"output_tokens": len(text.split())}}),
            ("message_stop", {"type": "message_stop"}),
        ]
        return Reply(200, self.sse(events), "text/event-stream; charset=utf-8",
                     {"request-id": "req_mock_" + secrets.token_hex(8)})

    def openai_chat(self, req):
        body = req.json()
        credential, kind, ok = self.llm_credential(req, "openai")
        if body is None or not isinstance(body.get("messages"), list) or not body.get("model"):
            self.llm_record("openai-completions", "openai", req, body, credential, kind, 400)
            return json_reply(400, {"error": {"message": "messages is required", "type": "invalid_request_error",
                                              "param": None, "code": None}})
        if not ok:
            self.llm_record("openai-completions", "openai", req, body, credential, kind, 401)
            return json_reply(401, {"error": {"message": "Incorrect API key provided.",
                                              "type": "invalid_request_error", "param": None,
                                              "code": "invalid_api_key"}})
        n = self.llm_record("openai-completions", "openai", req, body, credential, kind, 200)
        self.llm_wait()
        text = self.llm_text(n, body)
        cid = "chatcmpl-mock" + secrets.token_hex(8)
        created = int(time.time())
        usage = {"prompt_tokens": 12, "completion_tokens": len(text.split()),
                 "total_tokens": 12 + len(text.split())}
        if not body.get("stream"):
            return json_reply(200, {"id": cid, "object": "chat.completion", "created": created,
                                    "model": body["model"], "choices": [{
                                        "index": 0, "message": {"role": "assistant", "content": text},
                                        "finish_reason": "stop"}], "usage": usage})

        def chunk(delta, finish=None, with_usage=False):
            obj = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": body["model"],
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            if with_usage:
                obj = dict(obj, choices=[], usage=usage)
            return (None, obj)
        events = [chunk({"role": "assistant", "content": ""}), chunk({"content": text}),
                  chunk({}, "stop")]
        if (body.get("stream_options") or {}).get("include_usage"):
            events.append(chunk({}, with_usage=True))
        events.append((None, "[DONE]"))
        return Reply(200, self.sse(events), "text/event-stream; charset=utf-8")

    # -- Google APIs

    @staticmethod
    def google_api_error(status, message, reason_status, details=None):
        error = {"code": status, "message": message, "status": reason_status}
        if details:
            error["details"] = details
        return json_reply(status, {"error": error})

    def google_access(self, req):
        return self.state.valid_token(req.bearer(), "access", GOOGLE_PROVIDERS)

    def unauthenticated(self):
        return self.google_api_error(401, "Request had invalid authentication credentials. Expected OAuth 2 "
                                     "access token, login cookie or other valid authentication credential.",
                                     "UNAUTHENTICATED")

    def userinfo(self, req):
        if self.google_access(req) is None:
            return self.unauthenticated()
        if self.state.config["userinfo_fail"]:
            return self.google_api_error(500, "Internal error encountered.", "INTERNAL")
        return json_reply(200, {"id": "100000000000000000001", "email": self.state.config["email"],
                                "verified_email": True, "picture": "https://example.com/me.png"})

    def load_code_assist(self, req):
        token = self.google_access(req)
        if token is None:
            return self.unauthenticated()
        body = req.json()
        if req.content_type() != "application/json" or body is None or \
                not isinstance(body.get("metadata"), dict) or body["metadata"].get("pluginType") != "GEMINI":
            return self.google_api_error(400, "Invalid JSON payload received.", "INVALID_ARGUMENT")
        cfg = self.state.config
        if token["provider"] == "google-antigravity":
            if cfg["antigravity_load_fail"]:
                return self.google_api_error(503, "The service is currently unavailable.", "UNAVAILABLE")
            project = cfg["antigravity_project"]
            if cfg["antigravity_project_object"]:
                project = {"id": project, "name": "projects/" + project}
            return json_reply(200, {"currentTier": {"id": "free-tier", "name": "Antigravity"},
                                    "cloudaicompanionProject": project})
        tiers = [{"id": "free-tier", "name": "Gemini Code Assist for individuals",
                  "isDefault": cfg["gemini_default_tier"] == "free-tier",
                  "userDefinedCloudaicompanionProject": False},
                 {"id": "standard-tier", "name": "Gemini Code Assist",
                  "isDefault": cfg["gemini_default_tier"] == "standard-tier",
                  "userDefinedCloudaicompanionProject": True}]
        if cfg["gemini_load"] == "security_policy":
            return self.google_api_error(403, "Request is prohibited by organization's policy.",
                                         "PERMISSION_DENIED",
                                         [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                           "reason": "SECURITY_POLICY_VIOLATED"}])
        if cfg["gemini_load"] == "onboard":
            return json_reply(200, {"allowedTiers": tiers})
        answer = {"currentTier": tiers[0], "allowedTiers": tiers}
        if cfg["gemini_project"]:
            answer["cloudaicompanionProject"] = cfg["gemini_project"]
        return json_reply(200, answer)

    def onboard_user(self, req):
        if self.google_access(req) is None:
            return self.unauthenticated()
        body = req.json()
        if body is None or not body.get("tierId"):
            return self.google_api_error(400, "tierId is required.", "INVALID_ARGUMENT")
        cfg = self.state.config
        project = body.get("cloudaicompanionProject") if body["tierId"] != "free-tier" else None
        project = project or cfg["onboard_project"]
        if cfg["onboard_polls"] <= 0:
            return json_reply(200, {"name": "operations/" + secrets.token_hex(6), "done": True,
                                    "response": {"cloudaicompanionProject": {"id": project}}})
        name = "operations/" + secrets.token_hex(6)
        with self.state.lock:
            self.state.operations[name] = {"polls": 0, "needed": cfg["onboard_polls"], "project": project}
        return json_reply(200, {"name": name, "done": False})

    def poll_operation(self, req):
        if self.google_access(req) is None:
            return self.unauthenticated()
        name = req.sub[len("/v1internal/"):]
        with self.state.lock:
            op = self.state.operations.get(name)
            if op is None:
                return self.google_api_error(404, "Operation not found.", "NOT_FOUND")
            op["polls"] += 1
            if op["polls"] < op["needed"]:
                return json_reply(200, {"name": name, "done": False})
            return json_reply(200, {"name": name, "done": True, "response": {
                "@type": "type.googleapis.com/google.internal.cloud.code.v1internal.OnboardUserResponse",
                "cloudaicompanionProject": {"id": op["project"], "name": op["project"]}}})

    # -- GitHub device flow and Copilot

    @staticmethod
    def github_reply(req, obj, status=200):
        """GitHub answers JSON only when asked to (Accept), else a form-encoded body."""
        if "application/json" in (req.headers.get("Accept") or ""):
            return json_reply(status, obj)
        return Reply(status, urllib.parse.urlencode(obj), "application/x-www-form-urlencoded; charset=utf-8")

    def github_error(self, req, error, description, **extra):
        obj = {"error": error, "error_description": description, "error_uri": GITHUB_DEVICE_ERROR_URI}
        obj.update(extra)
        return self.github_reply(req, obj)

    def device_code(self, req):
        form = req.form() or {}
        if form.get("client_id") != GITHUB_CLIENT_ID:
            return json_reply(404, {"error": "Not Found"})
        cfg = self.state.config
        letters = "BCDFGHJKLMNPQRSTVWXZ"
        user_code = "".join(secrets.choice(letters) for _ in range(4)) + "-" + \
            "".join(secrets.choice(letters) for _ in range(4))
        device = {"device_code": secrets.token_hex(20), "user_code": user_code, "domain": req.host,
                  "scope": form.get("scope", ""), "interval": cfg["device_interval"],
                  "expires_at": time.time() + cfg["device_expires_in"],
                  "script": list(cfg["device_script"]), "approved": False, "denied": False,
                  "used": False, "last_poll": None, "polls": 0}
        with self.state.lock:
            self.state.devices.append(device)
        return self.github_reply(req, {
            "device_code": device["device_code"], "user_code": user_code,
            "verification_uri": "https://%s/login/device" % req.host,
            "expires_in": cfg["device_expires_in"], "interval": cfg["device_interval"]})

    def device_poll(self, req):
        form = req.form() or {}
        if form.get("client_id") != GITHUB_CLIENT_ID:
            return self.github_error(req, "incorrect_client_credentials",
                                     "The client_id and/or client_secret passed are incorrect.")
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:device_code":
            return self.github_error(req, "unsupported_grant_type",
                                     "The grant type must be urn:ietf:params:oauth:grant-type:device_code.")
        with self.state.lock:
            device = next((d for d in self.state.devices if d["device_code"] == form.get("device_code")
                           and d["domain"] == req.host), None)
            if device is None or device["used"]:
                return self.github_error(req, "incorrect_device_code", "The device_code provided is not valid.")
            now = time.time()
            device["polls"] += 1
            if now >= device["expires_at"]:
                return self.github_error(req, "expired_token", "The device_code has expired.")
            too_fast = device["last_poll"] is not None and now - device["last_poll"] < device["interval"]
            device["last_poll"] = now
            answer = None
            if self.state.config["device_enforce_interval"] and too_fast:
                answer = "slow_down"
            elif device["script"]:
                answer = device["script"].pop(0)
            if answer == "ok":
                device["approved"] = True
            elif answer == "access_denied":
                device["denied"] = True
            elif answer == "expired_token":
                device["expires_at"] = now
            if answer == "slow_down":
                device["interval"] += 5
                return self.github_error(req, "slow_down", "Too many requests have been made in the "
                                         "same timeframe.", interval=device["interval"])
            if answer not in (None, "ok", "authorization_pending", "access_denied", "expired_token"):
                return self.github_error(req, answer, "Scripted error.")
            if answer == "authorization_pending":
                return self.github_error(req, "authorization_pending", "The authorization request is "
                                         "still pending.")
            if answer == "expired_token":
                return self.github_error(req, "expired_token", "The device_code has expired.")
            if device["denied"]:
                return self.github_error(req, "access_denied", "The authorization request was denied.")
            if not device["approved"]:
                return self.github_error(req, "authorization_pending", "The authorization request is "
                                         "still pending.")
            device["used"] = True
            token = self.state.new_token("refresh", "github-copilot", "ghu_" + secrets.token_urlsafe(27),
                                         domain=req.host)
        return self.github_reply(req, {"access_token": token["token"], "token_type": "bearer", "scope": ""})

    def copilot_token(self, req):
        domain = req.host[len("api."):]
        github = self.state.valid_token(req.bearer(), "refresh", ("github-copilot",))
        if github is None or github.get("domain") != domain:
            return json_reply(401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
        cfg = self.state.config
        expires_at = int(time.time() + cfg["copilot_expires_in"])
        proxy = cfg["copilot_proxy_ep"]
        proxy = proxy.get(domain) if isinstance(proxy, dict) else proxy
        fields = ["tid=" + secrets.token_hex(16), "exp=%d" % expires_at, "sku=copilot_for_business_seat"]
        if proxy:
            fields.append("proxy-ep=" + proxy)
        fields += ["st=dotcom", "chat=1", "cit=1", "malfil=1", "8kp=1:" + secrets.token_hex(32)]
        value = ";".join(fields)
        self.state.new_token("access", "github-copilot", value, grant=github["grant"],
                             expires_in=cfg["copilot_expires_in"], domain=domain)
        api = "https://" + (proxy.replace("proxy.", "api.", 1) if proxy else "copilot-api." + domain)
        return json_reply(200, {"annotations_enabled": True, "chat_enabled": True, "expires_at": expires_at,
                                "refresh_in": max(0, int(cfg["copilot_expires_in"]) - 300),
                                "sku": "copilot_for_business_seat", "token": value, "individual": True,
                                "tracking_id": secrets.token_hex(16), "endpoints": {"api": api}})

    def copilot_policy(self, req):
        model = req.sub[len("/models/"):-len("/policy")]
        token = self.state.valid_token(req.bearer(), "access", ("github-copilot",))
        body = req.json()
        entry = {"host": req.host, "model": model, "body": req.text(), "authorized": token is not None,
                 "headers": dict(req.headers.items())}
        with self.state.lock:
            self.state.policies.append(entry)
        if token is None:
            return json_reply(401, {"error": {"message": "unauthorized: token expired or invalid",
                                              "code": "unauthorized"}})
        if body is None or body.get("state") != "enabled" or not model:
            return json_reply(400, {"error": {"message": "bad request", "code": "bad_request"}})
        return json_reply(200, {"state": "enabled"})


    # -- pi 1.6.0: meta, xai, radius (PI16B_*)

    def pi16b_routes(self, req):
        table = [("auth.meta.com", "/oidc/device/authorization/", "POST", lambda: self.pi16b_device_code(req, "meta")),
                 ("auth.meta.com", "/oidc/device/token/", "POST", lambda: self.pi16b_token(req, "meta")),
                 ("api.meta.ai", "/muse-code/key", "POST", lambda: self.meta_mint(req)),
                 ("auth.x.ai", "/oauth2/device/code", "POST", lambda: self.pi16b_device_code(req, "xai")),
                 ("auth.x.ai", "/oauth2/token", "POST", lambda: self.pi16b_token(req, "xai")),
                 ("radius.pi.dev", "/v1/oauth", "GET", lambda: json_reply(200, {
                     # a query of its own, which the client replaces (pi sets `search`)
                     "authorizationEndpoint": "https://radius.pi.dev/oauth/authorize?from_discovery=1",
                     "issuer": "https://radius.pi.dev"})),
                 ("radius.pi.dev", "/oauth/authorize", "GET", lambda: self.authorize(req, "radius")),
                 ("radius.pi.dev", "/v1/oauth/device", "POST", lambda: self.pi16b_device_code(req, "radius")),
                 ("radius.pi.dev", "/v1/oauth/token", "POST", lambda: self.pi16b_token(req, "radius")),
                 ("auth.kimi.com", "/api/oauth/device_authorization", "POST",
                  lambda: self.pi16b_device_code(req, "kimi-coding")),
                 ("auth.kimi.com", "/api/oauth/token", "POST", lambda: self.pi16b_token(req, "kimi-coding"))]
        for provider in PI16B_PROVIDERS:
            host, path = PI16B_DEVICE[provider]["verification_uri"][len("https://"):].split("/", 1)
            table.append((host, "/" + path, "GET",
                          lambda: html_reply(200, "Device Activation", "Enter the code shown by the app.")))
        return table

    def openrouter_routes(self, req):
        """pi 1.6.0's openrouter.js: /auth redirects to callback_url with a code;
        /api/v1/auth/keys exchanges {code, code_verifier, code_challenge_method}
        for a permanent {key}. config openrouter_key_status: an error status."""
        return [("openrouter.ai", "/auth", "GET", lambda: self.openrouter_authorize(req)),
                ("openrouter.ai", "/api/v1/auth/keys", "POST", lambda: self.openrouter_keys(req))]

    def openrouter_authorize(self, req):
        p = req.params
        if not p.get("callback_url") or p.get("code_challenge_method") != "S256" \
                or len(p.get("code_challenge", "")) != 43:
            return html_reply(400, "Invalid authorization request", "callback_url/code_challenge")
        code = secrets.token_urlsafe(24)
        with self.state.lock:
            self.state.codes[code] = {"provider": "openrouter", "client_id": None,
                                      "redirect_uri": p["callback_url"], "challenge": p["code_challenge"],
                                      "state": None, "scope": "", "used": False,
                                      "expires_at": time.time() + self.state.config["code_ttl"]}
        return self.redirect(p["callback_url"], [("code", code)])

    def openrouter_keys(self, req):
        status = self.state.config["openrouter_key_status"]
        if status:
            return json_reply(status, {"error": {"message": "Server error", "code": status}})
        try:
            body = req.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or body.get("code_challenge_method") != "S256":
            return json_reply(400, {"error": {"message": "Invalid request", "code": 400}})
        with self.state.lock:
            record = self.state.codes.get(body.get("code") or "")
            ok = record is not None and not record["used"] and record["provider"] == "openrouter"
            if record is not None:
                record["used"] = True
        if not ok or not body.get("code_verifier") or \
                not hmac.compare_digest(pkce_challenge(body["code_verifier"]), record["challenge"]):
            return json_reply(403, {"error": {"message": "Invalid code or code_verifier", "code": 403}})
        return json_reply(200, {"key": "sk-or-v1-" + secrets.token_hex(32), "user_id": "user_test"})

    # -- pi 1.6.0: the ChatGPT sign-in (CHATGPT)

    def chatgpt_routes(self, req):
        return [("auth.openai.com", "/api/accounts/authorize", "GET", lambda: self.chatgpt_authorize(req)),
                ("auth.openai.com", "/api/accounts/oauth/token", "POST", lambda: self.chatgpt_token(req))]

    def chatgpt_authorize(self, req):
        p, cfg = req.params, self.state.config
        problems = []
        for key in ("client_id", "redirect_uri", "resource"):
            if p.get(key) != CHATGPT[key]:
                problems.append("%s must be %s" % (key, CHATGPT[key]))
        if not p.get("agent_name_hint"):
            problems.append("agent_name_hint missing")
        host_id = p.get("ext_agent_host_id", "")
        if not host_id.startswith("urn:uuid:") or len(host_id) != 45 or host_id != host_id.lower():
            problems.append("ext_agent_host_id must be urn:uuid:<lower-case UUID>")
        if p.get("response_type") != "code":
            problems.append("response_type must be code")
        if p.get("code_challenge_method") != "S256" or len(p.get("code_challenge", "")) != 43:
            problems.append("code_challenge missing or not S256")
        if sorted(p.get("scope", "").split(" ")) != sorted(CHATGPT["scopes"]):
            problems.append("scope is not the expected set")
        if not p.get("state") or not p.get("nonce") or p.get("state") == p.get("nonce"):
            problems.append("state and nonce must be present and differ")
        elif hmac.compare_digest(pkce_challenge(p["state"]), p.get("code_challenge", "")):
            problems.append("state is the PKCE verifier")
        if problems:
            return html_reply(400, "Invalid authorization request", "; ".join(problems))
        state_value = "wrong-" + secrets.token_hex(8) if cfg["authorize_wrong_state"] else p["state"]
        if cfg["authorize_error"]:
            return self.redirect(CHATGPT["redirect_uri"], [
                ("error", cfg["authorize_error"]),
                ("error_description", "The user denied the request."), ("state", state_value)])
        client_id = "app_dyn_" + secrets.token_hex(12)
        code = "ac_" + secrets.token_urlsafe(40)
        with self.state.lock:
            self.state.codes[code] = {
                "provider": "openai", "client_id": client_id, "redirect_uri": CHATGPT["redirect_uri"],
                "challenge": p["code_challenge"], "state": p["state"], "scope": p["scope"],
                "host_id": host_id, "expires_at": time.time() + cfg["code_ttl"], "used": False}
        query = [("code", code), ("state", state_value)]
        if cfg["chatgpt_callback_client_id"]:
            query.append(("client_id", client_id))
        return self.redirect(CHATGPT["redirect_uri"], query)

    def chatgpt_seed(self):
        """A grant as a login leaves it: {refresh_token, access_token, client_id}."""
        client_id = "app_dyn_" + secrets.token_hex(12)
        refresh = self.state.new_token("refresh", "openai", "rt_" + secrets.token_urlsafe(48),
                                       client_id=client_id)
        return {"provider": "openai", "refresh_token": refresh["token"], "client_id": client_id,
                "access_token": self.chatgpt_access(refresh)}

    def chatgpt_access(self, refresh):
        now, expires_in = int(time.time()), self.state.config["expires_in"]
        value = fake_jwt({"aud": [CHATGPT["resource"]], "client_id": refresh["client_id"],
                          "exp": now + int(expires_in), "iat": now, "iss": "https://auth.openai.com",
                          "jti": secrets.token_hex(16), "scp": CHATGPT["scopes"], "sub": "auth0|mock-user"})
        self.state.new_token("access", "openai", value, grant=refresh["grant"], expires_in=expires_in)
        return value

    def chatgpt_token(self, req):
        cfg = self.state.config
        form = req.form()
        if form is None:
            return oauth_error("invalid_request", "Use a form body.")
        if form.get("resource") != CHATGPT["resource"]:
            return oauth_error("invalid_target", "resource must be " + CHATGPT["resource"])
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            record = self.take_code(("openai",), form.get("client_id"), form.get("code"),
                                    form.get("redirect_uri"), form.get("code_verifier"))
            if isinstance(record, str):
                return oauth_error("invalid_grant", "Invalid authorization code: " + record)
            refresh = self.state.new_token("refresh", "openai", "rt_" + secrets.token_urlsafe(48),
                                           client_id=record["client_id"])
        elif grant_type == "refresh_token":
            with self.state.lock:
                old = self.state.tokens.get(form.get("refresh_token") or "")
                if old is not None and old.get("client_id") not in (None, form.get("client_id")):
                    return oauth_error("invalid_client", "The refresh token was issued to another client.", 401)
            record, new, error = self.rotate_refresh(form.get("refresh_token"), ("openai",))
            if error:
                return oauth_error("invalid_grant", "The refresh token is %s." % error)
            if new is not None:
                new["client_id"] = record["client_id"]
            refresh = new or record
        else:
            return oauth_error("unsupported_grant_type", "Unsupported grant type.")
        answer = {"access_token": self.chatgpt_access(refresh), "token_type": "Bearer",
                  "expires_in": cfg["expires_in"], "refresh_token": refresh["token"]}
        if grant_type == "authorization_code" and not cfg["chatgpt_omit_id_token"]:
            answer["id_token"] = fake_jwt({"iss": "https://auth.openai.com", "sub": "auth0|mock-user",
                                           "aud": refresh["client_id"], "email": cfg["email"]})
        if cfg["chatgpt_scope"] is not None:
            answer["scope"] = cfg["chatgpt_scope"]
        return json_reply(200, answer)

    def pi16b_seed(self, provider):
        """A grant as a login leaves it: {refresh_token, access_token}."""
        token = self.state.new_token("refresh", provider, self.pi16b_value(provider, "refresh"))
        access = self.pi16b_access(provider, token["grant"])
        return {"provider": provider, "refresh_token": token["token"], "access_token": access}

    @staticmethod
    def pi16b_value(provider, kind):
        prefix = {("meta", "refresh"): "meta-id-", ("meta", "access"): "muse-",
                  ("xai", "refresh"): "xai-rt-", ("xai", "access"): "xai-at-",
                  ("radius", "refresh"): "rad_rt_", ("radius", "access"): "rad_at_",
                  ("kimi-coding", "refresh"): "kimi-rt-", ("kimi-coding", "access"): "kimi-at-"}[(provider, kind)]
        return prefix + secrets.token_urlsafe(32)

    def pi16b_access(self, provider, grant):
        value = self.pi16b_value(provider, "access")
        lifetime = 24 * 3600 if provider == "meta" else self.state.config["expires_in"]
        self.state.new_token("access", provider, value, grant=grant, expires_in=lifetime)
        return value

    def pi16b_device_code(self, req, provider):
        spec, cfg = PI16B_DEVICE[provider], self.state.config
        form = req.form() or {}
        if form.get("client_id") != spec["client_id"]:
            return oauth_error("invalid_client", "Unknown client.", 401)
        if form.get("scope") != spec["scope"]:
            return oauth_error("invalid_scope", "The scope is not the one of this client.")
        if provider == "xai" and form.get("referrer") != "pi":
            return oauth_error("invalid_request", "referrer must be pi")
        user_code = "%s-%s" % (secrets.token_hex(2).upper(), secrets.token_hex(2).upper())
        device = {"provider": provider, "device_code": secrets.token_urlsafe(30), "user_code": user_code,
                  "domain": req.host, "interval": cfg["device_interval"],
                  "expires_at": time.time() + cfg["device_expires_in"],
                  "script": list(cfg["device_script"]), "approved": False, "denied": False,
                  "used": False, "last_poll": None, "polls": 0}
        with self.state.lock:
            self.state.devices.append(device)
        answer = {"device_code": device["device_code"], "user_code": user_code,
                  "verification_uri": spec["verification_uri"],
                  "verification_uri_complete": spec["verification_uri"] + "?user_code=" + user_code,
                  "expires_in": cfg["device_expires_in"], "interval": cfg["device_interval"]}
        if provider == "radius":
            del answer["verification_uri_complete"]
        for field in cfg["pi16b_device_omit"]:
            answer.pop(field, None)
        return json_reply(200, answer)

    def pi16b_poll(self, provider, form):
        """The device grant: (status, answer) for an error, else (None, device)."""
        with self.state.lock:
            device = next((d for d in self.state.devices if d.get("provider") == provider
                           and d["device_code"] == form.get("device_code")), None)
            if device is None or device["used"]:
                return 400, {"error": "invalid_grant", "error_description": "Unknown device_code."}
            now = time.time()
            device["polls"] += 1
            if now >= device["expires_at"]:
                return 400, {"error": "expired_token", "error_description": "The device_code has expired."}
            too_fast = device["last_poll"] is not None and now - device["last_poll"] < device["interval"]
            device["last_poll"] = now
            answer = "slow_down" if self.state.config["device_enforce_interval"] and too_fast else \
                (device["script"].pop(0) if device["script"] else None)
            if isinstance(answer, int):
                return answer, {"error": "server_error", "error_description": "Scripted status."}
            if answer == "ok":
                device["approved"] = True
            elif answer == "access_denied":
                device["denied"] = True
            elif answer == "slow_down":
                device["interval"] += 5
                return 400, {"error": "slow_down", "error_description": "Polling too fast.",
                             "interval": device["interval"]}
            elif answer == "expired_token":
                device["expires_at"] = now
                return 400, {"error": "expired_token", "error_description": "The device_code has expired."}
            elif answer not in (None, "authorization_pending"):
                return 400, {"error": answer, "error_description": "Scripted error."}
            if device["denied"]:
                return 400, {"error": "access_denied", "error_description": "The user denied the request."}
            if answer == "authorization_pending" or not device["approved"]:
                return 400, {"error": "authorization_pending", "error_description": "Pending."}
            device["used"] = True
            return None, device

    def pi16b_token(self, req, provider):
        spec, cfg = PI16B_DEVICE[provider], self.state.config
        form = req.form()
        if form is None:
            return oauth_error("invalid_request", "Use a form body.")
        if form.get("client_id") != spec["client_id"]:
            return oauth_error("invalid_client", "Unknown client.", 401)
        grant_type = form.get("grant_type")
        if grant_type == "urn:ietf:params:oauth:grant-type:device_code":
            status, answer = self.pi16b_poll(provider, form)
            if status is not None:
                return json_reply(status, answer)
            refresh = self.state.new_token("refresh", provider, self.pi16b_value(provider, "refresh"))
        elif grant_type == "authorization_code" and provider == "radius":
            record = self.take_code(("radius",), form.get("client_id"), form.get("code"),
                                    form.get("redirect_uri"), form.get("code_verifier"))
            if isinstance(record, str):
                return oauth_error("invalid_grant", "Invalid authorization code: " + record)
            refresh = self.state.new_token("refresh", provider, self.pi16b_value(provider, "refresh"))
        elif grant_type == "refresh_token" and provider == "meta":
            return json_reply(404, {"error": "not_found"})  # the identity token is not renewable
        elif grant_type == "refresh_token":
            record, new, error = self.rotate_refresh(form.get("refresh_token"), (provider,))
            if error:
                return oauth_error("invalid_grant", "The refresh token is %s." % error)
            refresh = new or record
        else:
            return oauth_error("unsupported_grant_type", "Unsupported grant type.")
        if provider == "meta":  # the identity token: no refresh_token, no key yet
            return json_reply(200, {"access_token": refresh["token"], "token_type": "Bearer",
                                    "expires_in": 5184000})
        answer = {"access_token": self.pi16b_access(provider, refresh["grant"]),
                  "refresh_token": refresh["token"], "expires_in": cfg["expires_in"], "token_type": "Bearer"}
        if provider == "xai":
            answer["scope"] = spec["scope"]
            if cfg["xai_omit_expires_in"]:
                del answer["expires_in"]
            if cfg["xai_refresh_omit_refresh"] and grant_type == "refresh_token":
                del answer["refresh_token"]
        elif provider == "radius" and cfg["radius_scope"] is not None:
            answer["scope"] = cfg["radius_scope"]
        return json_reply(200, answer)

    def meta_mint(self, req):
        cfg = self.state.config
        if req.headers.get("x-api-version") != "1.0.0":
            return json_reply(400, {"detail": "x-api-version must be 1.0.0"})
        if req.json() != {}:
            return json_reply(400, {"detail": "The body must be {}."})
        identity = self.state.valid_token(req.bearer(), "refresh", ("meta",))
        if identity is None:
            return json_reply(401, {"detail": "Invalid or expired identity token."})
        if cfg["meta_mint_status"]:
            return json_reply(cfg["meta_mint_status"], {"detail": "Scripted status."})
        if cfg["meta_mint_no_key"]:
            return json_reply(200, {"action_url": "https://www.meta.ai/muse/setup?step=terms"})
        return json_reply(200, {"api_key": self.pi16b_access("meta", identity["grant"]),
                                "expires_at": int(time.time()) + 24 * 3600})


# ---------------------------------------------------------------------------
# Admin API


class Admin:
    def __init__(self, server):
        self.server = server
        self.state = server.state

    def handle(self, req):
        name = req.path[len("/_admin"):].strip("/")
        body = req.json() if req.body else {}
        if req.body and body is None:
            return json_reply(400, {"error": "the body must be a JSON object"})
        handler = getattr(self, "%s_%s" % (req.method.lower(), name.replace("/", "_").replace("-", "_")), None)
        if handler is None:
            return json_reply(404, {"error": "no such admin call", "help": ADMIN_HELP})
        try:
            return handler(req, body)
        except (ValueError, TypeError, KeyError) as exc:
            return json_reply(400, {"error": str(exc)})

    def get_(self, req, body):
        return json_reply(200, {"ok": True, "url": self.server.url, "rewrite": rewrite_value(self.server.url),
                                "help": ADMIN_HELP})

    def post_reset(self, req, body):
        self.state.reset()
        return json_reply(200, {"ok": True})

    def get_config(self, req, body):
        with self.state.lock:
            return json_reply(200, copy.deepcopy(self.state.config))

    def post_config(self, req, body):
        return json_reply(200, self.state.configure(body))

    def get_inject(self, req, body):
        with self.state.lock:
            return json_reply(200, {"injections": copy.deepcopy(self.state.injections)})

    def post_inject(self, req, body):
        return json_reply(200, self.state.inject(body))

    def get_requests(self, req, body):
        prefix = req.params.get("prefix", "")
        with self.state.lock:
            found = [dict(r) for r in self.state.requests if r["path"].startswith(prefix)]
        return json_reply(200, {"requests": found})

    def get_tokens(self, req, body):
        return json_reply(200, self.state.tokens_report())

    def get_policies(self, req, body):
        with self.state.lock:
            return json_reply(200, {"policies": list(self.state.policies)})

    def post_device_approve(self, req, body):
        with self.state.lock:
            pending = [d for d in self.state.devices if not d["used"] and not d["denied"]
                       and (not body.get("user_code") or d["user_code"] == body["user_code"])]
            if not pending:
                return json_reply(404, {"error": "no pending device code"})
            device = pending[-1]
            if body.get("deny"):
                device["denied"] = True
            else:
                device["approved"] = True
            return json_reply(200, {"user_code": device["user_code"], "domain": device["domain"],
                                    "approved": device["approved"], "denied": device["denied"]})

    def post_seed_refresh(self, req, body):
        provider = body.get("provider")
        routes = self.server.routes
        if provider in PI16B_PROVIDERS:
            return json_reply(200, routes.pi16b_seed(provider))
        if provider == "openai":
            return json_reply(200, routes.chatgpt_seed())
        if provider == "github-copilot":
            domain = body.get("domain", "github.com")
            if domain not in GITHUB_DOMAINS:
                raise ValueError("unknown GitHub domain " + domain)
            token = self.state.new_token("refresh", provider, "ghu_" + secrets.token_urlsafe(27), domain=domain)
            return json_reply(200, {"provider": provider, "refresh_token": token["token"], "domain": domain})
        if provider not in PROVIDERS and provider != CUSTOM_PROVIDER:
            raise ValueError("unknown provider %r" % (provider,))
        token = self.state.new_token("refresh", provider, routes.refresh_value(provider))
        access, expires_in = routes.access_token(provider, token["grant"])
        return json_reply(200, {"provider": provider, "refresh_token": token["token"],
                                "access_token": access, "expires_in": expires_in})

    def post_revoke(self, req, body):
        reason = body.get("reason", "revoked")
        record = self.state.kill(body["token"], reason)
        if record is None:
            return json_reply(404, {"error": "unknown token"})
        return json_reply(200, {"token": record["token"], "status": record["status"], "reason": record["reason"]})

    def post_api_key(self, req, body):
        provider = body.get("provider", "anthropic")
        if provider not in ("anthropic", "openai"):
            raise ValueError("unknown API-key provider %r" % (provider,))
        key = body.get("key") or {"anthropic": "sk-ant-api03-", "openai": "sk-proj-"}[provider] + \
            secrets.token_urlsafe(48)
        with self.state.lock:
            self.state.api_keys[key] = provider
        return json_reply(200, {"provider": provider, "key": key})

    def get_llm(self, req, body):
        with self.state.lock:
            found = [dict(r) for r in self.state.llm]
        counts = {}
        for r in found:
            if r["status"] == 200 and r["credential"]:
                counts[r["credential"]] = counts.get(r["credential"], 0) + 1
        return json_reply(200, {"requests": found, "by_credential": counts})

    def post_shutdown(self, req, body):
        self.state.shutdown_event.set()
        self.state.release_event.set()
        reply = json_reply(200, {"ok": True})
        reply.after = lambda: threading.Thread(target=self.server.shutdown, daemon=True).start()
        return reply


# ---------------------------------------------------------------------------
# Server


class MockServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # many client processes at once (single-flight tests)

    def __init__(self, host="127.0.0.1", port=0, verbose=False):
        super().__init__((host, port), Handler)
        self.verbose = verbose
        self.url = "http://%s:%d" % (host, self.server_address[1])
        self.state = MockState()
        self.routes = Routes(self.state)
        self.admin = Admin(self)


class MockProvider:
    """The mock in a background thread, for Python tests."""

    def __init__(self, host="127.0.0.1", port=0, verbose=False):
        self.server = MockServer(host, port, verbose)
        self.state = self.server.state
        self.port = self.server.server_address[1]
        self.url = self.server.url
        self.rewrite = rewrite_value(self.url)
        self.thread = None

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.state.shutdown_event.set()
        self.state.release_event.set()
        self.server.shutdown()
        self.server.server_close()
        if self.thread:
            self.thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description="Mock OAuth provider server for pi-keyring tests.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    parser.add_argument("--print-rewrite", action="store_true",
                        help="print the PI_KEYRING_URL_REWRITE value for --port and exit")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    if args.print_rewrite:
        if not args.port:
            parser.error("--print-rewrite needs --port")
        print(rewrite_value("http://%s:%d" % (args.host, args.port)))
        return 0
    server = MockServer(args.host, args.port, args.verbose)
    print("PORT=%d URL=%s REWRITE=%s" % (server.server_address[1], server.url, rewrite_value(server.url)),
          flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.state.shutdown_event.set()
        server.state.release_event.set()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
