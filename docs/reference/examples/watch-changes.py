#!/usr/bin/python3
# watch-changes.py: tells each change of a stored credential, by this
# program or any other (pi-keyring set, pi's /login, a refresh …)
#
# Run: python3 watch-changes.py            (every provider)
#      python3 watch-changes.py anthropic  (one provider)

import sys

import gi

gi.require_version("PiKeyring", "1")
from gi.repository import GLib, PiKeyring  # noqa: E402


def on_credential_changed(store, provider):
    # The signal says which provider; the store says what it has now.
    try:
        credential = store.get_credential_sync(provider, None)
    except GLib.Error as e:
        print(f"{provider}: {e.message}", file=sys.stderr)
        return
    if credential is None:
        print(f"{provider}: removed", flush=True)
    elif credential.get_kind() == PiKeyring.CredentialKind.OAUTH:
        print(f"{provider}: OAuth login", flush=True)
    else:
        print(f"{provider}: API key", flush=True)


if len(sys.argv) > 2:
    sys.exit("usage: watch-changes.py [PROVIDER]")

store = PiKeyring.Store.new(None)

# The detail, when given, is the one provider to hear about.
signal = "credential-changed::" + sys.argv[1] if len(sys.argv) == 2 else "credential-changed"
store.connect(signal, on_credential_changed)

# Follow the changes of other programs too: this needs a main loop.
store.props.watch_changes = True

print("Watching for changes; Ctrl+C to stop", flush=True)
loop = GLib.MainLoop()
try:
    loop.run()
except KeyboardInterrupt:
    pass
