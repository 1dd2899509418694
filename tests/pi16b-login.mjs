// pi16b-login.mjs: pi 1.6.0's own meta, xai, radius, openai (ChatGPT) and
// kimi-coding logins (pi-ai dist/auth/oauth/{meta,xai,radius,openai-chatgpt,
// kimi-coding}.js), run against tests/mock-provider.py, for
// tests/test-login-pi16b.py and tests/test-login-pi16c.py to compare
// pi-keyring's entries with.
//
//   node pi16b-login.mjs PI_AI_DIST MOCK_URL REWRITE PROVIDER login [browser|device-code]
//   node pi16b-login.mjs PI_AI_DIST MOCK_URL REWRITE PROVIDER refresh < credential.json
//
// REWRITE is PI_KEYRING_URL_REWRITE's value: fetch () is pointed at the mock
// the same way. Prints one JSON line: {"before": ms, "after": ms, "file":
// the text pi's AuthStorage writes for {PROVIDER: credential}}, or
// {"error": message}. openai: $PI16_DEVICE_ID is the device id pi's
// settings manager would hand to login (options.getDeviceId).
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import { pathToFileURL } from "node:url";
import path from "node:path";

const [dist, mockUrl, rewrite, provider, action, method] = process.argv.slice(2);
const rules = rewrite.split(",").map((rule) => {
    const at = rule.indexOf("=");
    return [rule.slice(0, at), rule.slice(at + 1)];
});
const realFetch = globalThis.fetch;

function rewritten(url) {
    for (const [from, to] of rules) {
        if (url.startsWith(from)) return to + url.slice(from.length);
    }
    return url;
}

globalThis.fetch = (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    return realFetch(rewritten(url), init);
};

async function load() {
    const module = (name) => import(pathToFileURL(path.join(dist, "auth", "oauth", name)).href);
    if (provider === "meta") return (await module("meta.js")).metaOAuth;
    if (provider === "xai") return (await module("xai.js")).xaiOAuth;
    if (provider === "radius") {
        const { createRadiusOAuth } = await module("radius.js");
        return createRadiusOAuth({ name: "Radius", gateway: "https://radius.pi.dev" });
    }
    if (provider === "openai") return (await module("openai-chatgpt.js")).openaiChatGPTOAuth;
    if (provider === "kimi-coding") return (await module("kimi-coding.js")).kimiCodingOAuth;
    throw new Error("unknown provider " + provider);
}

async function approveDevice() {
    const response = await realFetch(mockUrl + "/_admin/device/approve", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
    });
    if (!response.ok) throw new Error("approve: " + response.status);
}

// The browser: the authorize URL answers with a redirect to pi's loopback server.
async function followAuthorize(url) {
    const answer = await realFetch(rewritten(url), { redirect: "manual" });
    const location = answer.headers.get("location");
    if (!location) throw new Error("authorize: " + answer.status + " " + (await answer.text()));
    await realFetch(location);
}

async function main() {
    const oauth = await load();
    const signal = AbortSignal.timeout(60000);
    let pending = Promise.resolve();
    const interaction = {
        signal,
        notify(event) {
            if (event.type === "device_code") pending = approveDevice();
            else if (event.type === "auth_url") pending = followAuthorize(event.url);
        },
        async prompt(prompt) {
            if (prompt.type === "select") return method;
            // ChatGPT races the callback with a pasted URL: never typed here.
            if (prompt.type === "manual_code") {
                return new Promise((resolve, reject) => {
                    prompt.signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true });
                });
            }
            throw new Error("unexpected prompt " + prompt.type);
        },
    };
    const before = Date.now();
    let credential;
    if (action === "login") {
        credential = await oauth.login(interaction, { getDeviceId: () => process.env.PI16_DEVICE_ID });
    } else {
        let text = "";
        for await (const chunk of process.stdin) text += chunk;
        credential = await oauth.refresh(JSON.parse(text), signal);
    }
    await pending;
    const after = Date.now();
    // pi-coding-agent core/auth-storage.js modify: JSON.stringify (…, null, 2).
    const file = JSON.stringify({ [provider]: credential }, null, 2);
    process.stdout.write(JSON.stringify({ before, after, file }) + "\n");
}

main().catch((error) => {
    process.stdout.write(JSON.stringify({ error: String(error && error.message) }) + "\n");
    process.exitCode = 1;
});
