#!/usr/bin/env bash
# run-fuzzers.sh: runs every libFuzzer target for a bounded time.
#
# Usage: tests/fuzz/run-fuzzers.sh [SECONDS [BUILD_DIR]]
#
#   SECONDS    time per target (libFuzzer's -max_total_time), default 30
#   BUILD_DIR  a build configured with -Dfuzzing=true, default build-fuzz:
#     CC=clang meson setup build-fuzz -Dfuzzing=true \
#       -Db_sanitize=address,undefined -Db_lundef=false \
#       -Dintrospection=false -Ddocs=false
#     meson compile -C build-fuzz
#
# Each target starts from its committed seeds in tests/fuzz/corpus/<target>/
# (read only) and collects new inputs in a scratch directory. One line per
# target; on a crash, a leak, a sanitizer report, a failed property or a
# time-out the line says so, the log and the input are kept in
# BUILD_DIR/fuzz-artifacts/, and the script exits with status 1.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:-30}"
build="${2:-build-fuzz}"
case "$build" in
  /*) ;;
  *) build="$root/$build" ;;
esac

if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "run-fuzzers.sh: SECONDS must be a positive number, not '$seconds'." >&2
  exit 2
fi

targets=(auth-json credential dbus-wire paste provider-input retry-after token-response url vault)

artifacts="$build/fuzz-artifacts"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$artifacts"

# UndefinedBehaviorSanitizer reports must stop the run; leaks count.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:print_stacktrace=1"
export GIO_USE_VFS=local

failed=0
for target in "${targets[@]}"; do
  exe="$build/tests/fuzz/fuzz-$target"
  seeds="$here/corpus/$target"
  log="$artifacts/$target.log"

  if [ ! -x "$exe" ]; then
    echo "fuzz-$target: FAILED: $exe is missing (build with -Dfuzzing=true)"
    failed=1
    continue
  fi

  mkdir -p "$scratch/$target"
  case "$target" in
    auth-json|credential|provider-input|token-response) dict=("-dict=$here/json.dict") ;;
    paste|url) dict=("-dict=$here/url.dict") ;;
    *) dict=() ;;
  esac

  rm -f "$artifacts/$target"-crash-* "$artifacts/$target"-leak-* \
        "$artifacts/$target"-timeout-* "$artifacts/$target"-oom-*
  "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
         -print_final_stats=1 -artifact_prefix="$artifacts/$target-" \
         "${dict[@]}" "$scratch/$target" "$seeds" >"$log" 2>&1
  status=$?

  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  added="$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -n 1)"
  cov="$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)"
  if [ "$status" -eq 0 ]; then
    echo "fuzz-$target: ok, ${runs:-?} runs in ${seconds} s, coverage ${cov:-?}, ${added:-0} new inputs"
  else
    input=
    for f in "$artifacts/$target"-*; do
      if [ -e "$f" ]; then
        input="$f"
        break
      fi
    done
    reason="$(grep -m1 -oE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer): [a-zA-Z -]+|runtime error: .*|property failed: .*|GLib critical: .*' "$log")"
    echo "fuzz-$target: FAILED (exit $status): ${reason:-see the log}; input ${input:-none}; log $log"
    failed=1
  fi
done

exit "$failed"
