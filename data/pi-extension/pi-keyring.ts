/*
 * pi-keyring.ts: pi takes its credentials from pi-keyring
 *
 * A pi extension for pi 0.73.1 (@mariozechner/pi-coding-agent) and pi 1.6.0
 * (@earendil-works/pi-coding-agent). `pi-keyring setup-pi` installs it as
 * <agentDir>/extensions/pi-keyring.ts; `pi-keyring setup-pi --undo` removes it.
 *
 * What it does:
 * - every request pi makes asks pi-keyring for the credential it holds now
 *   (a token refreshed by the daemon, `pi-keyring refresh` or another pi is
 *   used on the next request); pi-keyring refreshes the OAuth tokens it knows
 *   under its single-flight lock;
 * - /login and /logout store into and remove from pi-keyring; auth.json gets
 *   at most the non-secret link entry {"type":"api_key","key":"!pi-keyring get P"},
 *   so that a pi without this extension still finds the login;
 * - a provider pi-keyring cannot refresh itself is refreshed by pi's own code,
 *   under pi-keyring's lock, and the result goes back into the keyring.
 *
 * How: one `pi-keyring bridge` child per pi process, started on first use,
 * speaking JSON lines on its stdin and stdout (docs/pi-bridge.md). Secrets
 * travel only through that pipe, never in argv or the environment.
 *
 * pi 0.73.1 asks `AuthStorage.getApiKey()` for every request; the extension
 * wraps that object's methods. pi 1.6.0 reads every credential through one
 * `CredentialStore` (pi-ai's interface: read, list, modify, delete) that
 * `RuntimeCredentials` wraps; the extension puts its own store there, with
 * pi's auth.json store behind it for what pi-keyring does not hold.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
import { spawn } from "node:child_process";

// @pi-keyring-command@
const PI_KEYRING_COMMAND = "pi-keyring";

const PROTOCOL = 1;
/* pi-ai 1.6.0 refreshes an OAuth token with less than five minutes left. */
const MIN_VALIDITY_MS = 5 * 60 * 1000;
const REQUEST_TIMEOUT_MS = 90 * 1000;
/* One request of pi reads its credential more than once, back to back (pi
 * 1.6.0: once to pick the auth, once to resolve it); reads of one provider
 * sent within this window share one answer. */
const READ_REUSE_MS = 20;
const LINK_PREFIX = "!pi-keyring ";

type Json = any;

class BridgeError extends Error {
  code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "PiKeyringError";
    this.code = code;
  }
}

/* ------------------------------------------------------------------------ */
/* Messages for the user, each said once per process. */

let notifier: ((message: string, level: "info" | "warning" | "error") => void) | undefined;
const said = new Set<string>();

function sayOnce(key: string, message: string, level: "info" | "warning" | "error" = "warning") {
  if (said.has(key))
    return;
  said.add(key);
  if (notifier) {
    try {
      notifier(message, level);
      return;
    } catch {
      /* fall through to stderr */
    }
  }
  process.stderr.write(`${message}\n`);
}

function commandName(): string {
  return process.env.PI_KEYRING_COMMAND || PI_KEYRING_COMMAND;
}

/* ------------------------------------------------------------------------ */
/* The bridge: one child, JSON lines, requests matched by id. */

interface Pending {
  resolve: (reply: Json) => void;
  reject: (error: Error) => void;
  onEvent?: (event: Json) => void;
  timer?: ReturnType<typeof setTimeout>;
}

class Bridge {
  private child: any;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private buffer = "";
  private stderrTail: string[] = [];
  private hello: Promise<Json> | undefined;
  /* Set when pi-keyring cannot be used at all (missing, too old): pi goes on alone. */
  disabled: string | undefined;
  oauth = new Set<string>();
  backend = "";

  /* Resolves with the hello reply, or rejects with `unavailable` when the
   * bridge cannot run; then every later call fails at once. */
  start(): Promise<Json> {
    if (this.disabled)
      return Promise.reject(new BridgeError("unavailable", this.disabled));
    if (!this.hello) {
      this.hello = this.spawnAndGreet();
      this.hello.catch(() => {
        this.hello = undefined;
      });
    }
    return this.hello;
  }

  private spawnAndGreet(): Promise<Json> {
    const command = commandName();
    let child: any;
    try {
      child = spawn(command, ["bridge"], { stdio: ["pipe", "pipe", "pipe"], env: process.env });
    } catch (error) {
      return Promise.reject(this.disable(`pi-keyring could not be started (${command}): ${String(error)}`));
    }
    this.child = child;
    this.buffer = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => this.onData(chunk));
    child.stderr.on("data", (chunk: string) => {
      for (const line of chunk.split("\n")) {
        if (line.trim() === "")
          continue;
        this.stderrTail.push(line);
        if (this.stderrTail.length > 20)
          this.stderrTail.shift();
      }
    });
    child.stdin.on("error", () => {
      /* the child is gone; "exit" says the rest */
    });
    const exited = new Promise<Json>((_, reject) => {
      child.on("error", (error: any) => {
        const reason = error?.code === "ENOENT"
          ? `pi-keyring is not installed (${command} not found); pi uses its own credentials`
          : `pi-keyring could not be started (${command}): ${error?.message ?? error}`;
        const err = this.disable(reason);
        this.failAll(err);
        reject(err);
      });
      /* "close", not "exit": the last lines of stderr (an old pi-keyring's
       * "unknown command") have been read by then. */
      child.on("close", (code: number | null, signal: string | null) => {
        if (this.child === child)
          this.child = undefined;
        this.hello = undefined;
        let err: BridgeError;
        if (code === 2 && this.stderrTail.some((line) => /bridge/.test(line))) {
          err = this.disable("pi-keyring is too old for pi's extension (it has no `pi-keyring bridge`); update pi-keyring. pi uses its own credentials");
        } else {
          const tail = this.stderrTail.length ? `: ${this.stderrTail[this.stderrTail.length - 1]}` : "";
          err = new BridgeError("unavailable", `pi-keyring bridge ended (${signal ?? code})${tail}`);
        }
        this.failAll(err);
        reject(err);
      });
    });
    exited.catch(() => {});
    const greeting = this.send({ op: "hello", protocol: PROTOCOL }).then((reply) => {
      if (typeof reply.protocol !== "number" || reply.protocol < PROTOCOL)
        throw this.disable("pi-keyring is too old for pi's extension; update pi-keyring. pi uses its own credentials");
      this.oauth = new Set(Array.isArray(reply.oauth) ? reply.oauth : []);
      this.backend = String(reply.backend ?? "");
      return reply;
    });
    return Promise.race([greeting, exited]);
  }

  private disable(reason: string): BridgeError {
    this.disabled = reason;
    sayOnce("disabled", reason, "warning");
    return new BridgeError("unavailable", reason);
  }

  private failAll(error: Error) {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      if (p.timer)
        clearTimeout(p.timer);
      p.reject(error);
    }
    this.updateRef();
  }

  /* The child keeps pi's event loop alive only while a request waits for it,
   * so `pi -p` exits when it is done. */
  private updateRef() {
    const child = this.child;
    if (!child)
      return;
    const busy = this.pending.size > 0;
    for (const stream of [child, child.stdout, child.stderr, child.stdin]) {
      try {
        if (busy)
          stream?.ref?.();
        else
          stream?.unref?.();
      } catch {
        /* not every stream has ref/unref */
      }
    }
  }

  private onData(chunk: string) {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      if (line.trim() === "")
        continue;
      let message: Json;
      try {
        message = JSON.parse(line);
      } catch {
        continue;
      }
      const pending = this.pending.get(message?.id);
      if (!pending)
        continue;
      if (typeof message.event === "string") {
        try {
          pending.onEvent?.(message);
        } catch {
          /* a UI callback that throws must not break the pipe */
        }
        continue;
      }
      this.pending.delete(message.id);
      if (pending.timer)
        clearTimeout(pending.timer);
      this.updateRef();
      if (message.ok)
        pending.resolve(message);
      else
        pending.reject(new BridgeError(String(message.error?.code ?? "failed"),
                                       String(message.error?.message ?? "pi-keyring failed")));
    }
  }

  private send(request: Json, onEvent?: (event: Json) => void, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Json> & { id: number } {
    const id = this.nextId++;
    const child = this.child;
    let pendingEntry: Pending;
    const promise = new Promise<Json>((resolve, reject) => {
      pendingEntry = { resolve, reject, onEvent };
      if (!child || !child.stdin.writable) {
        reject(new BridgeError("unavailable", "pi-keyring bridge is not running"));
        return;
      }
      if (timeoutMs > 0) {
        pendingEntry.timer = setTimeout(() => {
          this.pending.delete(id);
          this.updateRef();
          reject(new BridgeError("temporary", `pi-keyring did not answer within ${Math.round(timeoutMs / 1000)} s`));
        }, timeoutMs);
      }
      this.pending.set(id, pendingEntry);
      this.updateRef();
      child.stdin.write(`${JSON.stringify({ ...request, id })}\n`);
    }) as Promise<Json> & { id: number };
    promise.id = id;
    return promise;
  }

  async call(request: Json, onEvent?: (event: Json) => void, timeoutMs?: number): Promise<Json> {
    const changes = request.op !== "read" && request.op !== "list" && request.op !== "hello";
    if (changes)
      this.recent.clear();
    await this.start();
    try {
      return await this.send(request, onEvent, timeoutMs);
    } finally {
      if (changes)
        this.recent.clear();
    }
  }

  private recent = new Map<string, { at: number; reply: Promise<Json> }>();

  /* `read`, shared by the reads of one provider sent within READ_REUSE_MS
   * (a request's own repeated reads; the next request reads anew). Anything
   * this process writes forgets them; a 401 asks with call(), anew. */
  read(provider: string, minValidityMs: number): Promise<Json> {
    const key = `${provider}\0${minValidityMs}`;
    const now = Date.now();
    const hit = this.recent.get(key);
    if (hit && now - hit.at < READ_REUSE_MS)
      return hit.reply;
    const reply = this.call({ op: "read", provider, min_validity_ms: minValidityMs });
    this.recent.set(key, { at: now, reply });
    reply.catch(() => {
      if (this.recent.get(key)?.reply === reply)
        this.recent.delete(key);
    });
    return reply;
  }

  /* A request once the hello is done; the promise carries its id (for
   * `cancel`). */
  sendNow(request: Json, onEvent?: (event: Json) => void, timeoutMs?: number): Promise<Json> & { id: number } {
    return this.send(request, onEvent, timeoutMs);
  }
}

const bridge = new Bridge();

/* ------------------------------------------------------------------------ */
/* Shared helpers. */

function isLinkEntry(entry: Json): boolean {
  return entry?.type === "api_key" && typeof entry.key === "string" && entry.key.startsWith(LINK_PREFIX);
}

function shellWord(word: string): string {
  return /^[A-Za-z0-9._@+-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

function linkEntry(provider: string): Json {
  return { type: "api_key", key: `${LINK_PREFIX}get ${shellWord(provider)}` };
}

const SECRET_FIELDS = new Set(["access", "refresh", "key"]);

/* The entry without its secrets: what pi may keep in memory about a login. */
function publicFields(entry: Json): Json {
  const out: Json = {};
  for (const [name, value] of Object.entries(entry ?? {})) {
    if (!SECRET_FIELDS.has(name))
      out[name] = value;
  }
  return out;
}

/* An error pi shows the user, saying what to do. */
function userError(provider: string, error: unknown): Error {
  const code = (error as BridgeError)?.code;
  const detail = (error as Error)?.message ?? String(error);
  switch (code) {
    case "locked":
      return new Error(`pi-keyring: the keyring is locked. Run \`pi-keyring unlock\` (or unlock it in your desktop's keyring manager) and try again.`);
    case "reauth":
      return new Error(`pi-keyring: the login for "${provider}" has expired or was revoked. Run '/login ${provider}' to log in again (or \`pi-keyring login ${provider}\`).`);
    default:
      return new Error(`pi-keyring: ${detail}`);
  }
}

/* pi goes on alone only when pi-keyring cannot be used at all. */
function isUnavailable(error: unknown): boolean {
  return (error as BridgeError)?.code === "unavailable" && bridge.disabled !== undefined;
}

/* Login through pi-keyring, with pi's UI: the callbacks of pi 0.73.1's
 * OAuthLoginCallbacks or pi 1.6.0's AuthInteraction, adapted by `ui`. */
interface LoginUi {
  auth(url: string, instructions: string | undefined): void;
  progress(message: string): void;
  prompt(message: string, placeholder: string | undefined): Promise<string>;
  signal?: AbortSignal;
}

async function bridgeLogin(provider: string, ui: LoginUi, options: Json = {}): Promise<Json> {
  await bridge.start();
  const prompts = new Map<number, boolean>();
  let request: (Promise<Json> & { id: number }) | undefined;
  const onEvent = (event: Json) => {
    switch (event.event) {
      case "auth":
        ui.auth(String(event.url), event.instructions ?? undefined);
        break;
      case "progress":
        ui.progress(String(event.message ?? ""));
        break;
      case "prompt": {
        const prompt = Number(event.prompt);
        prompts.set(prompt, true);
        ui.prompt(String(event.message ?? "Paste the code"), event.placeholder ?? undefined).then(
          (text) => {
            if (prompts.delete(prompt))
              bridge.call({ op: "answer", prompt, text: String(text ?? "") }).catch(() => {});
          },
          () => {
            if (prompts.delete(prompt) && request)
              bridge.call({ op: "cancel", target: request.id }).catch(() => {});
          });
        break;
      }
      case "prompt_done":
        prompts.delete(Number(event.prompt));
        break;
    }
  };
  const call = bridge.sendNow({ op: "login", provider, no_browser: options.noBrowser === true,
                                enterprise_domain: options.enterpriseDomain ?? null },
                              onEvent, 0);
  request = call;
  const onAbort = () => {
    bridge.sendNow({ op: "cancel", target: call.id }).catch(() => {});
  };
  ui.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const reply = await call;
    return reply.entry;
  } finally {
    ui.signal?.removeEventListener("abort", onAbort);
  }
}


/* ------------------------------------------------------------------------ */
/* A 401 from the provider: ask pi-keyring once more before failing. The
 * token may have been refreshed (and the old one revoked) between our read
 * and the request, or revoked early; pi-keyring re-reads, and for an OAuth
 * provider it refreshes itself it refreshes now. Each request retries once. */

const FORCE_REFRESH_MS = Number.MAX_SAFE_INTEGER;

function isUnauthorized(message: Json): boolean {
  const text = String(message?.errorMessage ?? "");
  return /\b401\b|authentication_error|unauthorized|invalid.{0,20}(api.?key|token|bearer)/i.test(text);
}

/* The key pi-keyring holds for the provider if it differs from `used`, else
 * undefined (then the 401 stands). */
async function askAgain(provider: string, used: string | undefined): Promise<string | undefined> {
  try {
    const again = await bridge.call({ op: "read", provider, min_validity_ms: 0 });
    if (!again.entry)
      return undefined;
    if (again.key != null && again.key !== used)
      return again.key;
    if (again.entry.type !== "oauth" || !bridge.oauth.has(provider))
      return undefined;
    const refreshed = await bridge.call({ op: "read", provider, min_validity_ms: FORCE_REFRESH_MS });
    return refreshed.key != null && refreshed.key !== used ? refreshed.key : undefined;
  } catch {
    return undefined;
  }
}

/* Wraps one streaming call: the events of the first attempt are held until
 * the first one that is not `start`; an error event that says 401 there
 * (nothing reached the user yet) is replaced by a second attempt. */
function retryingStream(first: Json, retry: (used: Json) => Promise<Json | undefined>): Json {
  let out: Json;
  try {
    out = new first.constructor();
  } catch {
    return first;
  }
  if (typeof out?.push !== "function")
    return first;
  const pipe = async (stream: Json) => {
    for await (const event of stream)
      out.push(event);
  };
  (async () => {
    const held: Json[] = [];
    const iterator = first[Symbol.asyncIterator]();
    for (;;) {
      const { value: event, done } = await iterator.next();
      if (done)
        break;
      if (event.type === "start") {
        held.push(event);
        continue;
      }
      if (event.type === "error" && isUnauthorized(event.error)) {
        const second = await retry(event.error);
        if (second) {
          await pipe(second);
          out.end?.();
          return;
        }
      }
      for (const h of held)
        out.push(h);
      held.length = 0;
      out.push(event);
      await pipe({ [Symbol.asyncIterator]: () => iterator });
      break;
    }
    for (const h of held)
      out.push(h);
    out.end?.();
  })().catch((error) => {
    out.push({ type: "error", reason: "error", error: { role: "assistant", content: [], stopReason: "error",
                                                        errorMessage: `pi-keyring: ${(error as Error)?.message ?? error}` } });
    out.end?.();
  });
  return out;
}

/* ------------------------------------------------------------------------ */
/* pi 1.6.0: a CredentialStore over pi-keyring, pi's auth.json store behind it. */

/* provider → the key pi-keyring last handed pi 1.6.0 for it. */
const served = new Map<string, string | undefined>();

class PiKeyringCredentialStore {
  readonly piKeyring = true;
  constructor(readonly fallback: Json) {}

  async read(providerId: string, options?: Json): Json {
    options?.signal?.throwIfAborted?.();
    let reply: Json;
    try {
      reply = await bridge.read(providerId, MIN_VALIDITY_MS);
    } catch (error) {
      if (isUnavailable(error))
        return this.fallback.read(providerId, options);
      throw userError(providerId, error);
    }
    if (!reply.entry) {
      served.delete(providerId);
      return this.fallback.read(providerId, options);
    }
    served.set(providerId, reply.key ?? undefined);
    if (reply.entry.type === "api_key")
      return { ...reply.entry, key: reply.key ?? reply.entry.key };
    return reply.entry;
  }

  async list(options?: Json): Json {
    const entries = new Map<string, Json>();
    for (const info of await this.fallback.list(options))
      entries.set(info.providerId, info);
    try {
      const reply = await bridge.call({ op: "list" });
      for (const entry of reply.entries ?? [])
        entries.set(entry.provider, { providerId: entry.provider, type: entry.kind });
    } catch (error) {
      if (!isUnavailable(error))
        throw userError("", error);
    }
    return [...entries.values()];
  }

  /* pi's only write path (login results, pi's own refreshes): under
   * pi-keyring's lock of the credential, so that one refresh token has one
   * holder across processes. What pi writes goes into the keyring; auth.json
   * keeps only the link entry. */
  async modify(providerId: string, fn: (current: Json) => Promise<Json>, options?: Json): Json {
    let locked: Json;
    try {
      locked = await bridge.call({ op: "lock", provider: providerId, min_validity_ms: MIN_VALIDITY_MS });
    } catch (error) {
      if (isUnavailable(error))
        return this.fallback.modify(providerId, fn, options);
      throw userError(providerId, error);
    }
    let next: Json;
    let current: Json = locked.entry;
    try {
      if (!current) {
        current = await this.fallback.read(providerId);
        if (isLinkEntry(current))
          current = undefined;
      } else if (current.type === "api_key" && locked.key != null) {
        current = { ...current, key: locked.key };
      }
      next = await fn(current);
    } catch (error) {
      await bridge.call({ op: "unlock", lock: locked.lock }).catch(() => {});
      throw error;
    }
    if (next === undefined) {
      await bridge.call({ op: "unlock", lock: locked.lock });
      return current;
    }
    await bridge.call({ op: "unlock", lock: locked.lock, entry: next });
    /* The secret is in the keyring now: auth.json keeps only the link (and
     * loses a plaintext entry it had). */
    await this.fallback.modify(providerId, async () => linkEntry(providerId)).catch((error: unknown) => {
      sayOnce(`link:${providerId}`, `pi-keyring: stored ${providerId} in the keyring, but could not update auth.json: ${(error as Error)?.message ?? error}`);
    });
    return next;
  }

  async delete(providerId: string, options?: Json): Promise<void> {
    try {
      await bridge.call({ op: "delete", provider: providerId });
    } catch (error) {
      if (!isUnavailable(error))
        throw userError(providerId, error);
    }
    await this.fallback.delete(providerId, options);
  }
}

function installOn160(registry: Json): boolean {
  const runtime = registry?.runtime;
  const credentials = runtime?.credentials;
  const store = credentials?.store;
  if (!credentials || !store || typeof store.read !== "function" || typeof store.modify !== "function")
    return false;
  if (store.piKeyring)
    return true;
  credentials.store = new PiKeyringCredentialStore(store);

  /* A 401 asks pi-keyring once more: pi's agent streams through the
   * runtime, which resolves the credential again on the second call. */
  for (const method of ["streamSimple", "stream"]) {
    const original = runtime[method];
    if (typeof original !== "function" || original.piKeyring)
      continue;
    const bound = original.bind(runtime);
    const wrapped = (model: Json, context: Json, options: Json) =>
      retryingStream(bound(model, context, options), async () => {
        const provider = model?.provider;
        if (!served.has(provider) || options?.apiKey !== undefined)
          return undefined;
        return (await askAgain(provider, served.get(provider))) !== undefined
          ? bound(model, context, options) : undefined;
      });
    (wrapped as Json).piKeyring = true;
    runtime[method] = wrapped;
  }

  /* Logins of the providers pi-keyring runs itself go through pi-keyring
   * (its loopback checks, state apart from the verifier, its endpoints);
   * the others run pi's own code and land in the keyring through modify. */
  const models = runtime.models;
  if (models && typeof models.login === "function" && !models.login.piKeyring) {
    const login = models.login.bind(models);
    const wrapped = async (providerId: string, type: string, interaction: Json, options: Json) => {
      let known = false;
      try {
        await bridge.start();
        known = type === "oauth" && bridge.oauth.has(providerId);
      } catch {
        known = false;
      }
      if (!known)
        return login(providerId, type, interaction, options);
      const ui: LoginUi = {
        signal: interaction?.signal,
        auth: (url, instructions) => interaction.notify({ type: "auth_url", url, instructions }),
        progress: (message) => interaction.notify({ type: "progress", message }),
        prompt: (message, placeholder) => interaction.prompt({ type: "manual_code", message, placeholder, signal: interaction?.signal }),
      };
      let options2: Json = {};
      if (providerId === "github-copilot") {
        const domain = await interaction.prompt({ type: "text", message: "GitHub Enterprise URL/domain (blank for github.com)", placeholder: "company.ghe.com" });
        options2 = { enterpriseDomain: String(domain ?? "").trim() || null };
      }
      let entry: Json;
      try {
        entry = await bridgeLogin(providerId, ui, options2);
      } catch (error) {
        throw userError(providerId, error);
      }
      await store.modify(providerId, async () => linkEntry(providerId)).catch(() => {});
      return entry;
    };
    (wrapped as Json).piKeyring = true;
    models.login = wrapped;
  }
  return true;
}

/* ------------------------------------------------------------------------ */
/* pi 0.73.1: AuthStorage's methods, wrapped on the session's instance. */

function installOn073(auth: Json): boolean {
  if (!auth || typeof auth.getApiKey !== "function" || typeof auth.set !== "function")
    return false;
  if (auth.piKeyring)
    return true;
  auth.piKeyring = true;

  const original = {
    getApiKey: auth.getApiKey.bind(auth),
    set: auth.set.bind(auth),
    remove: auth.remove.bind(auth),
    get: auth.get.bind(auth),
    has: auth.has.bind(auth),
    hasAuth: auth.hasAuth.bind(auth),
    list: auth.list.bind(auth),
    login: auth.login.bind(auth),
    logout: auth.logout.bind(auth),
    getAuthStatus: auth.getAuthStatus?.bind(auth),
  };
  /* provider → the stored entry without secrets, as last seen. */
  const held = new Map<string, Json>();
  const writes = new Map<string, Promise<unknown>>();

  const oauthProvider = (id: string) => auth.getOAuthProviders?.().find((p: Json) => p.id === id);

  const refreshWithPi = async (providerId: string, provider: Json): Promise<Json> => {
    const locked = await bridge.call({ op: "lock", provider: providerId, min_validity_ms: 0 });
    let next: Json;
    try {
      const current = locked.entry;
      if (!current || current.type !== "oauth" || Date.now() < current.expires) {
        await bridge.call({ op: "unlock", lock: locked.lock });
        return current;
      }
      next = { type: "oauth", ...(await provider.refreshToken(current)) };
    } catch (error) {
      await bridge.call({ op: "unlock", lock: locked.lock }).catch(() => {});
      throw error;
    }
    await bridge.call({ op: "unlock", lock: locked.lock, entry: next });
    return next;
  };

  auth.getApiKey = async (providerId: string, options?: Json) => {
    if (auth.runtimeOverrides?.get?.(providerId))
      return original.getApiKey(providerId, options);
    await writes.get(providerId);
    let reply: Json;
    try {
      reply = await bridge.read(providerId, 0);
    } catch (error) {
      if (isUnavailable(error))
        return original.getApiKey(providerId, options);
      throw userError(providerId, error);
    }
    let entry = reply.entry;
    if (!entry) {
      held.delete(providerId);
      return original.getApiKey(providerId, options);
    }
    held.set(providerId, publicFields(entry));
    if (reply.key != null)
      return reply.key;
    if (entry.type !== "oauth")
      return undefined;
    /* An OAuth provider pi-keyring does not know (an extension's): pi's code
     * turns the entry into a key, and refreshes it under pi-keyring's lock. */
    const provider = oauthProvider(providerId);
    if (!provider)
      return undefined;
    if (Date.now() >= entry.expires) {
      try {
        entry = await refreshWithPi(providerId, provider);
      } catch (error) {
        throw userError(providerId, error);
      }
      if (!entry)
        return undefined;
    }
    return provider.getApiKey(entry);
  };

  const store = (providerId: string, credential: Json) => {
    held.set(providerId, publicFields(credential));
    const write = bridge.call({ op: "write", provider: providerId, entry: credential }).then(
      () => original.set(providerId, linkEntry(providerId)),
      (error: unknown) => {
        held.delete(providerId);
        sayOnce(`write:${providerId}:${Date.now()}`, userError(providerId, error).message, "error");
        throw error;
      });
    writes.set(providerId, write.catch(() => {}));
    return write;
  };

  auth.set = (providerId: string, credential: Json) => {
    if (bridge.disabled || isLinkEntry(credential)) {
      original.set(providerId, credential);
      return;
    }
    void store(providerId, credential).catch(() => {});
  };

  auth.remove = (providerId: string) => {
    held.delete(providerId);
    original.remove(providerId);
    if (!bridge.disabled) {
      bridge.call({ op: "delete", provider: providerId }).catch((error: unknown) => {
        if (!isUnavailable(error))
          sayOnce(`remove:${providerId}:${Date.now()}`, userError(providerId, error).message, "error");
      });
    }
  };
  auth.logout = (providerId: string) => auth.remove(providerId);

  auth.login = async (providerId: string, callbacks: Json) => {
    let known = false;
    try {
      await bridge.start();
      known = bridge.oauth.has(providerId);
    } catch {
      return original.login(providerId, callbacks);
    }
    if (!known) {
      const provider = oauthProvider(providerId);
      if (!provider)
        throw new Error(`Unknown OAuth provider: ${providerId}`);
      const credentials = await provider.login(callbacks);
      await store(providerId, { type: "oauth", ...credentials });
      return;
    }
    let options: Json = {};
    if (providerId === "github-copilot" && callbacks.onPrompt) {
      const domain = await callbacks.onPrompt({ message: "GitHub Enterprise URL/domain (blank for github.com)", placeholder: "company.ghe.com", allowEmpty: true });
      options = { enterpriseDomain: String(domain ?? "").trim() || null };
    }
    let manual: Promise<string> | undefined;
    const ui: LoginUi = {
      signal: callbacks.signal,
      auth: (url, instructions) => callbacks.onAuth?.({ url, instructions }),
      progress: (message) => callbacks.onProgress?.(message),
      prompt: (message, placeholder) => {
        /* pi's login dialog races a pasted URL with the callback through
         * onManualCodeInput; providers without it are asked directly. */
        if (callbacks.onManualCodeInput) {
          manual ??= callbacks.onManualCodeInput();
          return manual;
        }
        return callbacks.onPrompt({ message, placeholder });
      },
    };
    let entry: Json;
    try {
      entry = await bridgeLogin(providerId, ui, options);
    } catch (error) {
      if ((error as BridgeError)?.code === "cancelled")
        throw new Error("Login cancelled");
      throw userError(providerId, error);
    }
    held.set(providerId, publicFields(entry));
    original.set(providerId, linkEntry(providerId));
  };

  auth.get = (providerId: string) => {
    const entry = held.get(providerId);
    return entry ? { ...entry } : original.get(providerId);
  };
  auth.has = (providerId: string) => held.has(providerId) || original.has(providerId);
  auth.hasAuth = (providerId: string) => held.has(providerId) || original.hasAuth(providerId);
  auth.list = () => [...new Set([...original.list(), ...held.keys()])];
  if (original.getAuthStatus) {
    auth.getAuthStatus = (providerId: string) =>
      held.has(providerId) ? { configured: true, source: "stored" } : original.getAuthStatus(providerId);
  }

  /* A 401 asks pi-keyring once more: pi 0.73.1's agent streams through
   * pi-ai's registry of APIs, with the key getApiKey gave it. */
  const wrapApis = import("@mariozechner/pi-ai").then((ai: Json) => {
    for (const provider of ai.getApiProviders?.() ?? []) {
      if (provider.streamSimple?.piKeyring)
        continue;
      const wrap = (original: Json) => {
        const wrapped = (model: Json, context: Json, options: Json) =>
          retryingStream(original(model, context, options), async () => {
            const id = model?.provider;
            if (!held.has(id) || auth.runtimeOverrides?.get?.(id))
              return undefined;
            const key = await askAgain(id, options?.apiKey);
            return key !== undefined ? original(model, context, { ...options, apiKey: key }) : undefined;
          });
        (wrapped as Json).piKeyring = true;
        return wrapped;
      };
      ai.registerApiProvider({ api: provider.api, stream: wrap(provider.stream), streamSimple: wrap(provider.streamSimple) },
                             "pi-keyring");
    }
  }, () => {
    /* without pi-ai's registry a 401 is final */
  });

  /* Learn what pi-keyring holds, so that pi counts those providers as
   * configured (model lists, /logout). */
  const learn = bridge.call({ op: "list" }).then((reply: Json) => {
    for (const entry of reply.entries ?? [])
      if (!held.has(entry.provider))
        held.set(entry.provider, { type: entry.kind, ...(entry.expires != null ? { expires: entry.expires } : {}) });
  }, (error: unknown) => {
    if (!isUnavailable(error))
      sayOnce("list", userError("", error).message);
  });
  (auth as Json).piKeyringReady = Promise.all([learn, wrapApis]);
  return true;
}

/* ------------------------------------------------------------------------ */

function install(ctx: Json): Promise<unknown> | undefined {
  if (ctx?.hasUI && ctx.ui?.notify)
    notifier = (message, level) => ctx.ui.notify(message, level);
  const registry = ctx?.modelRegistry;
  if (!registry)
    return undefined;
  if (installOn160(registry))
    return bridge.start().catch(() => {});
  if (installOn073(registry.authStorage))
    return registry.authStorage.piKeyringReady;
  sayOnce("unknown-pi", "pi-keyring: this version of pi is not supported by pi-keyring's extension; pi uses its own credentials");
  return undefined;
}

export default function piKeyring(pi: Json) {
  pi.on("session_start", async (_event: Json, ctx: Json) => {
    await install(ctx);
  });
}
