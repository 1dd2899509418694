#!/usr/bin/python3
# get-key.py: the key pi would use for a provider
#
# Run: python3 get-key.py anthropic

import sys

import gi

gi.require_version("PiKeyring", "1")
from gi.repository import GLib, PiKeyring  # noqa: E402

if len(sys.argv) != 2:
    sys.exit("usage: get-key.py PROVIDER")
provider = sys.argv[1]

# The backend PI_KEYRING_BACKEND names, or the best one there is: the
# Secret Service (GNOME Keyring, KWallet) when it runs.
store = PiKeyring.Store.new(None)

# pi's order: the keyring, then pi's auth.json, then the environment; an
# expired OAuth token is refreshed (and stored) on the way.
try:
    key, source = store.get_api_key_sync(provider, None)
except GLib.Error as e:
    if e.matches(PiKeyring.error_quark(), PiKeyring.Error.NOT_FOUND):
        sys.exit(f"No key for {provider}: store one with pi-keyring set {provider}")
    sys.exit(e.message)

# Use the key (an Authorization header, say), but never print or log it.
print(f"{provider}: a key of {len(key)} characters, from {PiKeyring.source_to_string(source)}")
