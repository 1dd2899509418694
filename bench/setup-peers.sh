#!/bin/sh
# setup-peers.sh: installs the peers the benchmarks compare against:
# secret-tool (Debian's libsecret-tools) and pi's own AuthStorage, from the
# npm package of pi's coding agent, into bench/node_modules.
set -eu
cd "$(dirname "$0")"
command -v secret-tool >/dev/null || { echo "secret-tool missing: apt-get install libsecret-tools" >&2; exit 1; }
command -v node >/dev/null || { echo "node missing: apt-get install nodejs npm" >&2; exit 1; }
if [ ! -f node_modules/@mariozechner/pi-coding-agent/package.json ]; then
  npm install --no-audit --no-fund --no-save @mariozechner/pi-coding-agent@0.73.1
fi
echo "peers ready: $(secret-tool --version 2>/dev/null | head -1 || echo secret-tool), pi $(node -p 'require("./node_modules/@mariozechner/pi-coding-agent/package.json").version')"
