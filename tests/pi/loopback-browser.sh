#!/bin/sh
# A $BROWSER for the tests with the real pi: hands loopback URLs (the mock
# provider on 127.0.0.1) to tests/fake-browser.py and refuses every other URL,
# so that a pi that opens a real provider's page (its own /login, which knows
# nothing of PI_KEYRING_URL_REWRITE) never reaches the network.
url=${1:-}
case "$url" in
  http://127.0.0.1:*|http://localhost:*|http://\[::1\]:*)
    exec /usr/bin/python3 "$(dirname "$0")/../fake-browser.py" "$url" ;;
esac
if [ -n "${FAKE_BROWSER_LOG:-}" ]; then
  printf '%s [%s] REFUSED a non-loopback URL (host %s)\n' "$(date +%s)" "$$" \
    "$(printf '%s' "$url" | sed -E 's#^[a-z]+://([^/?]*).*#\1#')" >> "$FAKE_BROWSER_LOG"
fi
exit 1
