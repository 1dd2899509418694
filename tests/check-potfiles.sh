#!/bin/sh
# check-potfiles.sh SRCDIR: every source file with a translatable message is
# listed in po/POTFILES.in, and every listed file exists.
set -eu
cd "$1"
status=0
for f in $(grep -l -E '(^|[^A-Za-z0-9_])(_|N_|C_|ngettext) ?\(' $(find src -name "*.c" | LC_ALL=C sort) | sort); do
  if ! grep -qx "$f" po/POTFILES.in; then
    echo "not in po/POTFILES.in: $f"
    status=1
  fi
done
while read -r f; do
  case "$f" in ''|\#*) continue ;; esac
  if [ ! -f "$f" ]; then
    echo "listed in po/POTFILES.in but missing: $f"
    status=1
  fi
done < po/POTFILES.in
[ $status -eq 0 ] && echo "po/POTFILES.in is complete"
exit $status
