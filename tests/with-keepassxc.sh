#!/bin/sh
# with-keepassxc.sh CMD [ARGS...]
# Runs CMD inside a private D-Bus session bus on which a headless KeePassXC
# (QT_QPA_PLATFORM=offscreen) serves org.freedesktop.secrets from a throwaway,
# unlocked database whose root group is exposed as the Secret Service
# collection (and so carries the "default" alias). HOME and every XDG dir
# point into a temporary directory, removed on exit. Modelled on
# tests/with-test-keyring.sh; adapted from ../shared/recipes/secret-services/.
#
# Environment:
#   KPXC_PASSWORD          database password (default: test-password)
#   KPXC_CONFIRM_ACCESS    FdoSecrets/ConfirmAccessItem (default: false; true
#                          makes KeePassXC ask, in a dialog no one sees, before
#                          it hands out a secret)
#   KPXC_UNLOCK_BEFORE_SEARCH  FdoSecrets/UnlockBeforeSearch (default: true,
#                          KeePassXC's own default)
#   KPXC_EXPOSE            1 (default): expose the root group; 0: expose
#                          nothing (no collection, no "default" alias)
#   KPXC_KEEP              set: keep the temporary directory (prints it)
# Inside CMD: $KPXC_DB (the database), $KPXC_PID (KeePassXC), $KPXC_LOG,
# $KPXC_COLLECTION (the default collection's object path).
set -eu
: "${KPXC_PASSWORD:=test-password}"
: "${KPXC_CONFIRM_ACCESS:=false}"
: "${KPXC_UNLOCK_BEFORE_SEARCH:=true}"
: "${KPXC_EXPOSE:=1}"
export KPXC_PASSWORD
KPXC_TMP=$(mktemp -d ${TMPDIR:-/tmp}/kpxc.XXXXXX)
if [ -n "${KPXC_KEEP:-}" ]; then
  echo "with-keepassxc: keeping $KPXC_TMP" >&2
  trap ':' EXIT
else
  trap 'rm -rf "$KPXC_TMP"' EXIT
fi
trap 'exit 130' INT TERM
export HOME="$KPXC_TMP/home"
export XDG_DATA_HOME="$HOME/.local/share" XDG_CONFIG_HOME="$HOME/.config" \
       XDG_CACHE_HOME="$HOME/.cache" XDG_STATE_HOME="$HOME/.local/state" \
       XDG_RUNTIME_DIR="$KPXC_TMP/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME/keepassxc" "$XDG_CACHE_HOME" "$XDG_STATE_HOME" \
         "$KPXC_TMP/services"
mkdir -m 700 "$XDG_RUNTIME_DIR"
unset DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS DBUS_STARTER_ADDRESS \
      GNOME_KEYRING_CONTROL SSH_AUTH_SOCK SECRET_BACKEND SECRET_FILE_TEST_PATH \
      SECRET_FILE_TEST_PASSWORD PI_CODING_AGENT_DIR PI_KEYRING_BACKEND BROWSER \
      XDG_SESSION_ID
export QT_QPA_PLATFORM=offscreen

# KeePassXC's settings (keys from src/core/Config.cpp of 2.7.4).
cat > "$XDG_CONFIG_HOME/keepassxc/keepassxc.ini" <<INI
[General]
ConfigVersion=2
SingleInstance=false
RememberLastDatabases=false
RememberLastKeyFiles=false
OpenPreviousDatabasesOnStartup=false
AutoSaveAfterEveryChange=true

[GUI]
CheckForUpdates=false
ShowTrayIcon=false
MinimizeOnStartup=false

[Security]
LockDatabaseIdle=false
LockDatabaseScreenLock=false
LockDatabaseOnUserSwitch=false

[FdoSecrets]
Enabled=true
ShowNotification=false
ConfirmAccessItem=$KPXC_CONFIRM_ACCESS
ConfirmDeleteItem=false
UnlockBeforeSearch=$KPXC_UNLOCK_BEFORE_SEARCH
INI

# The database: made by keepassxc-cli db-create, then exported to XML, given
# the custom-data item that exposes its root group to the Secret Service
# (FDO_SECRETS_EXPOSED_GROUP = braced UUID of the group; what Database
# Settings > Secret Service Integration writes), and imported again.
KPXC_DB="$KPXC_TMP/test.kdbx"
export KPXC_DB
printf '%s\n%s\n' "$KPXC_PASSWORD" "$KPXC_PASSWORD" |
  keepassxc-cli db-create -q --set-password --decryption-time 100 "$KPXC_TMP/base.kdbx" >/dev/null 2>&1
printf '%s\n' "$KPXC_PASSWORD" |
  keepassxc-cli export -q -f xml "$KPXC_TMP/base.kdbx" > "$KPXC_TMP/base.xml"
if [ "$KPXC_EXPOSE" = 1 ]; then
  /usr/bin/python3 - "$KPXC_TMP/base.xml" <<'PY'
import base64, re, sys, uuid
path = sys.argv[1]
x = open(path, encoding="utf-8").read()
x = re.sub(r"<DatabaseName>[^<]*</DatabaseName>|<DatabaseName/>", "<DatabaseName>test</DatabaseName>", x, count=1)
root = re.search(r"<Root>\s*<Group>\s*<UUID>([^<]+)</UUID>", x).group(1)
u = "{%s}" % uuid.UUID(bytes=base64.b64decode(root))
item = "<Item><Key>FDO_SECRETS_EXPOSED_GROUP</Key><Value>%s</Value></Item>" % u
if "<CustomData>" in x.split("</Meta>")[0]:
    x = x.replace("<CustomData>", "<CustomData>" + item, 1)
else:
    x = x.replace("</Meta>", "<CustomData>%s</CustomData></Meta>" % item, 1)
open(path, "w", encoding="utf-8").write(x)
PY
fi
printf '%s\n%s\n' "$KPXC_PASSWORD" "$KPXC_PASSWORD" |
  keepassxc-cli import -q --set-password --decryption-time 100 "$KPXC_TMP/base.xml" "$KPXC_DB" >/dev/null 2>&1
rm -f "$KPXC_TMP/base.kdbx" "$KPXC_TMP/base.xml"
KPXC_LOG="$KPXC_TMP/keepassxc.log"
export KPXC_LOG KPXC_EXPOSE

# A session bus with no activatable services, as with-test-keyring.sh's.
. "$(dirname "$0")/private-bus.sh"
private_bus_conf "$KPXC_TMP"

dbus-run-session --config-file="$KPXC_TMP/bus.conf" -- sh -c '
  printf "%s\n" "$KPXC_PASSWORD" | keepassxc --pw-stdin "$KPXC_DB" >"$KPXC_LOG" 2>&1 &
  KPXC_PID=$!
  export KPXC_PID
  # KeePassXC waits on nothing when killed; it does not exit with the bus.
  trap "kill \$KPXC_PID 2>/dev/null; sleep 0.3; kill -9 \$KPXC_PID 2>/dev/null; wait \$KPXC_PID 2>/dev/null" EXIT
  gdbus wait --session --timeout 20 org.freedesktop.secrets || { cat "$KPXC_LOG" >&2; exit 1; }
  if [ "$KPXC_EXPOSE" = 1 ]; then
    # The name comes before the database is unlocked and its collection exposed.
    # The collection is there, locked, before --pw-stdin has unlocked the
    # database: wait for the alias and for Locked = false.
    i=0
    until c=$(gdbus call --session -d org.freedesktop.secrets -o /org/freedesktop/secrets \
                -m org.freedesktop.Secret.Service.ReadAlias default 2>/dev/null |
              sed -n "s|.*objectpath .\(/org/freedesktop/secrets/collection/[^\x27]*\).*|\1|p") &&
          [ -n "$c" ] &&
          gdbus call --session -d org.freedesktop.secrets -o "$c" -m org.freedesktop.DBus.Properties.Get \
            org.freedesktop.Secret.Collection Locked 2>/dev/null | grep -q "<false>"; do
      i=$((i+1)); [ $i -lt 100 ] || { echo "with-keepassxc: no unlocked default collection after 20 s" >&2; cat "$KPXC_LOG" >&2; exit 1; }
      sleep 0.2
    done
    KPXC_COLLECTION=$c
    export KPXC_COLLECTION
  else
    # Until --pw-stdin has unlocked it, the database shows a locked
    # collection (which group it exposes is only known once it is open):
    # wait until no collection is left behind the alias.
    i=0
    until gdbus call --session -d org.freedesktop.secrets -o /org/freedesktop/secrets \
            -m org.freedesktop.Secret.Service.ReadAlias default 2>/dev/null | grep -q "objectpath .\/.,"; do
      i=$((i+1)); [ $i -lt 100 ] || { echo "with-keepassxc: the default alias stayed after 20 s" >&2; cat "$KPXC_LOG" >&2; exit 1; }
      sleep 0.2
    done
  fi
  "$@"' sh "$@"
