// pi's own AuthStorage (from the npm package) looking up one key, as pi does
// at start-up: create the storage on an auth.json, then getApiKey(provider).
// The module is imported by file so that only auth-storage.js and what it
// imports are loaded, not the whole coding agent.
import { pathToFileURL } from "node:url";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const mod = await import(pathToFileURL(join(here,
  "node_modules/@mariozechner/pi-coding-agent/dist/core/auth-storage.js")).href);
const [path, provider, repeat] = process.argv.slice(2);
let key;
for (let i = 0; i < Number(repeat ?? 1); i++) {
  const storage = mod.AuthStorage.create(path);
  key = await storage.getApiKey(provider);
}
process.stdout.write(key ?? "");
