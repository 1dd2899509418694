#!/bin/sh
# with-test-keyring.sh CMD [ARGS...]
# Runs CMD inside a private D-Bus session bus with a private, unlocked
# gnome-keyring (its "login" collection is the default alias). It never
# touches the invoking user's keyring: HOME and every XDG dir point into a
# throwaway temporary directory, removed on exit.
# From ../shared/recipes/test-keyring.md, section 2.
set -eu
: "${KR_PASSWORD:=test-password}"      # master password of the throwaway login keyring
export KR_PASSWORD
KR_TMP=$(mktemp -d "${TMPDIR:-/tmp}/test-keyring.XXXXXX")
trap 'rm -rf "$KR_TMP"' EXIT
trap 'exit 130' INT TERM
export HOME="$KR_TMP/home"
export XDG_DATA_HOME="$HOME/.local/share" XDG_CONFIG_HOME="$HOME/.config" \
       XDG_CACHE_HOME="$HOME/.cache" XDG_STATE_HOME="$HOME/.local/state" \
       XDG_RUNTIME_DIR="$KR_TMP/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME" "$KR_TMP/services"
mkdir -m 700 "$XDG_RUNTIME_DIR"
# No display: gnome-keyring can never show (and wait on) an unlock prompt.
unset DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS DBUS_STARTER_ADDRESS \
      GNOME_KEYRING_CONTROL SSH_AUTH_SOCK SECRET_BACKEND SECRET_FILE_TEST_PATH SECRET_FILE_TEST_PASSWORD \
      PI_CODING_AGENT_DIR PI_KEYRING_BACKEND BROWSER

# A session bus with no activatable services, and the stock session limits.
. "$(dirname "$0")/private-bus.sh"
private_bus_conf "$KR_TMP"

# dbus-run-session kills the bus when CMD exits; gnome-keyring-daemon exits with the bus.
dbus-run-session --config-file="$KR_TMP/bus.conf" -- sh -c '
  printf "%s" "$KR_PASSWORD" |
    gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null || exit 1
  # --daemonize returns before the daemon owns its bus name
  gdbus wait --session --timeout 10 org.freedesktop.secrets || exit 1
  exec "$@"' sh "$@"
