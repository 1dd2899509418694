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
cat > "$KR_TMP/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$XDG_RUNTIME_DIR/bus</listen>
  <auth>EXTERNAL</auth>
  <servicedir>$KR_TMP/services</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
  <limit name="max_incoming_bytes">1000000000</limit>
  <limit name="max_outgoing_bytes">1000000000</limit>
  <limit name="max_message_size">1000000000</limit>
  <limit name="service_start_timeout">120000</limit>
  <limit name="auth_timeout">240000</limit>
  <limit name="max_completed_connections">100000</limit>
  <limit name="max_incomplete_connections">10000</limit>
  <limit name="max_connections_per_user">100000</limit>
  <limit name="max_pending_service_starts">10000</limit>
  <limit name="max_names_per_connection">50000</limit>
  <limit name="max_match_rules_per_connection">50000</limit>
  <limit name="max_replies_per_connection">50000</limit>
</busconfig>
CONF

# dbus-run-session kills the bus when CMD exits; gnome-keyring-daemon exits with the bus.
dbus-run-session --config-file="$KR_TMP/bus.conf" -- sh -c '
  printf "%s" "$KR_PASSWORD" |
    gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null || exit 1
  # --daemonize returns before the daemon owns its bus name
  gdbus wait --session --timeout 10 org.freedesktop.secrets || exit 1
  exec "$@"' sh "$@"
