#!/bin/sh
# setup.sh: on Debian 12, install what pi-keyring needs, build it in ./build
# and run `pi-keyring status`. Run as root, or as a user who may use sudo.
set -eu
cd "$(dirname "$0")"

PACKAGES="gcc pkg-config meson ninja-build gettext
  libglib2.0-dev libglib2.0-bin libsecret-1-dev libjson-glib-dev libsoup-3.0-dev
  libgnutls28-dev gnutls-bin glib-networking
  gobject-introspection libgirepository1.0-dev gir1.2-secret-1 gir1.2-soup-3.0 gir1.2-json-1.0
  python3-gi gi-docgen
  gnome-keyring libsecret-tools dbus dbus-daemon strace
  keepassxc libkf5wallet-bin libqca-qt5-2-plugins
  clang libclang-rt-14-dev
  zsh fish bash-completion
  tmux"
# The tests with the real pi (tests/pi/install-pi.sh) need npm; a machine with
# a Node.js of its own (e.g. NodeSource's, which carries npm) keeps it.
if ! command -v npm >/dev/null 2>&1; then
  PACKAGES="$PACKAGES nodejs npm"
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
fi

if [ "${PI_KEYRING_SKIP_APT:-}" != 1 ]; then
  $SUDO apt-get update
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $PACKAGES
fi

if [ ! -d build ]; then
  meson setup build
fi
meson compile -C build
./build/src/cli/pi-keyring status
