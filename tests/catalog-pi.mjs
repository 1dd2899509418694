// tests/catalog-pi.mjs PI_AI_DIR VERSION STATES_JSON
//
// Asks an installed pi-ai package (pi 1.6.0's @earendil-works/pi-ai or
// 0.73.1's @mariozechner/pi-ai) what tests/test-catalog-pi.py compares with
// `pi-keyring providers --json`: its providers, the OAuth logins it
// registers, which environment variables it reads for each provider, in its
// order, and which key getEnvApiKey picks for a given environment. Nothing
// is read from the source text: every answer comes from running pi's code
// with an environment this script controls.
//
// STATES_JSON: a file with a JSON object {provider: [environments]}: the
// environments ({name: value}) whose getEnvApiKey answer is wanted.
//
// Prints one JSON object on stdout:
//   { "version", "providers": [ids], "oauth": [ids],
//     "reads": { id: [names in pi's order] },
//     "picks": { id: [key or null, one per environment of STATES_JSON] } }
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import { readFileSync } from "node:fs";
import { join } from "node:path";

const [dir, version, statesFile] = process.argv.slice(2);
const states = JSON.parse(readFileSync(statesFile, "utf-8"));
const dist = (file) => "file://" + join(dir, "dist", file);
const is16 = version.startsWith("1.");

// Every read of process.env goes through this proxy: what pi reads is
// recorded, what it finds is only what the current state holds.
const base = {};
for (const [name, value] of Object.entries(process.env))
  base[name] = value;
let state = {};
let reads = null;
process.env = new Proxy(base, {
  get (target, name) {
    if (typeof name !== "string")
      return target[name];
    if (reads !== null)
      reads.push(name);
    return Object.prototype.hasOwnProperty.call(state, name) ? state[name] : target[name];
  },
});

const ai = await import(dist("index.js"));
const envKeys = await import(dist("env-api-keys.js"));
// env-api-keys.js loads node:fs, node:os and node:path asynchronously.
await new Promise((resolve) => setTimeout(resolve, 100));

let providers, oauth, resolvers = {};
if (is16) {
  const all = await import(dist("providers/all.js"));
  const builtin = all.builtinProviders();
  providers = builtin.map((p) => p.id);
  oauth = builtin.filter((p) => p.auth?.oauth !== undefined).map((p) => p.id);
  for (const p of builtin)
    if (p.auth?.apiKey !== undefined)
      resolvers[p.id] = p.auth.apiKey;
} else {
  const oauthModule = await import(dist("oauth.js"));
  providers = ai.getProviders();
  oauth = oauthModule.getOAuthProviders().map((p) => p.id);
}

// The variables pi reads for @id when the environment holds @env.
async function readsOf (id, env) {
  state = env;
  reads = [];
  try {
    if (is16 && resolvers[id] !== undefined) {
      // pi 1.6.0 resolves a provider's auth through its resolver, which
      // reads the environment through ctx.env (the coding agent's path).
      const seen = [];
      const ctx = {
        env: async (name) => {
          seen.push(name);
          const value = env[name];
          return typeof value === "string" && value.trim().length > 0 ? value : undefined;
        },
        fileExists: async () => false,
      };
      await resolvers[id].resolve({ ctx, credential: undefined, signal: new AbortController().signal });
      reads = seen;
    } else {
      envKeys.getEnvApiKey(id);
    }
    return reads;
  } finally {
    reads = null;
    state = {};
  }
}

// Merges @sequence into @order: a name not seen yet goes right after the
// name that precedes it in @sequence.
function merge (order, sequence) {
  let previous = -1;
  for (const name of sequence) {
    let at = order.indexOf(name);
    if (at < 0) {
      order.splice(previous + 1, 0, name);
      at = previous + 1;
    }
    previous = at;
  }
}

// Every variable pi reads for @id, in its order: the reads with nothing
// set, then with each combination of up to three of the names read so far
// set, so that a variable read only once another is set (the second AWS
// key, the federation variables after the first) is found too.
async function allReads (id) {
  const order = [];
  const seen = new Set();
  const queue = [[]];
  while (queue.length > 0) {
    const set = queue.shift();
    const key = [...set].sort().join(" ");
    if (seen.has(key))
      continue;
    seen.add(key);
    const env = Object.fromEntries(set.map((name) => [name, "value-" + name]));
    const sequence = [...new Set(await readsOf(id, env))];
    merge(order, sequence);
    if (set.length < 3)
      for (const name of sequence)
        if (!set.includes(name))
          queue.push([...set, name]);
  }
  return order;
}

function pick (id, env) {
  state = env;
  try {
    const key = is16 ? envKeys.getEnvApiKey(id, env) : envKeys.getEnvApiKey(id);
    return key === undefined ? null : key;
  } finally {
    state = {};
  }
}

const ids = [...new Set([...providers, ...oauth])];
const result = { version, providers, oauth, reads: {}, picks: {} };
for (const id of ids) {
  result.reads[id] = await allReads(id);
  result.picks[id] = (states[id] ?? []).map((env) => pick(id, env));
}
process.stdout.write(JSON.stringify(result));
