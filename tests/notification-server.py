#!/usr/bin/python3
"""A small org.freedesktop.Notifications server for the tests.

  notification-server.py LOG

Owns org.freedesktop.Notifications on the session bus and speaks the
Desktop Notifications Specification (1.2): GetCapabilities, Notify,
CloseNotification, GetServerInformation, and the NotificationClosed
signal. Each call is appended to LOG as one JSON line ({"method": ...,
"args": [...]}); "ready" on stdout once the name is owned. SIGTERM stops it.

SPDX-License-Identifier: LGPL-2.1-or-later
"""
import json
import signal
import sys

from gi.repository import Gio, GLib

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
XML = """
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="GetCapabilities"><arg type="as" direction="out"/></method>
    <method name="Notify">
      <arg type="s" name="app_name" direction="in"/>
      <arg type="u" name="replaces_id" direction="in"/>
      <arg type="s" name="app_icon" direction="in"/>
      <arg type="s" name="summary" direction="in"/>
      <arg type="s" name="body" direction="in"/>
      <arg type="as" name="actions" direction="in"/>
      <arg type="a{sv}" name="hints" direction="in"/>
      <arg type="i" name="expire_timeout" direction="in"/>
      <arg type="u" name="id" direction="out"/>
    </method>
    <method name="CloseNotification"><arg type="u" name="id" direction="in"/></method>
    <method name="GetServerInformation">
      <arg type="s" name="name" direction="out"/>
      <arg type="s" name="vendor" direction="out"/>
      <arg type="s" name="version" direction="out"/>
      <arg type="s" name="spec_version" direction="out"/>
    </method>
    <signal name="NotificationClosed"><arg type="u" name="id"/><arg type="u" name="reason"/></signal>
    <signal name="ActionInvoked"><arg type="u" name="id"/><arg type="s" name="action_key"/></signal>
  </interface>
</node>
"""


def main():
    log_path = sys.argv[1]
    loop = GLib.MainLoop()
    shown = {}
    state = {"next": 1}

    def log(method, args):
        with open(log_path, "a") as f:
            f.write(json.dumps({"method": method, "args": args}) + "\n")

    def on_call(connection, sender, path, interface, method, parameters, invocation):
        args = parameters.unpack()
        log(method, list(args))
        if method == "GetCapabilities":
            invocation.return_value(GLib.Variant("(as)", (["body"],)))
        elif method == "GetServerInformation":
            invocation.return_value(GLib.Variant("(ssss)", ("test-notifications", "pi-keyring",
                                                            "1.0", "1.2")))
        elif method == "Notify":
            replaces = args[1]
            if replaces in shown:
                nid = replaces
            else:
                nid = state["next"]
                state["next"] += 1
            shown[nid] = args
            invocation.return_value(GLib.Variant("(u)", (nid,)))
        elif method == "CloseNotification":
            nid = args[0]
            if nid in shown:
                del shown[nid]
                # 3: closed by a call to CloseNotification
                connection.emit_signal(None, PATH, NAME, "NotificationClosed",
                                       GLib.Variant("(uu)", (nid, 3)))
            invocation.return_value(None)

    def on_bus(connection, name):
        info = Gio.DBusNodeInfo.new_for_xml(XML)
        connection.register_object(PATH, info.interfaces[0], on_call, None, None)

    def on_name(connection, name):
        print("ready", flush=True)

    def on_lost(connection, name):
        sys.exit("notification-server: could not own " + NAME)

    Gio.bus_own_name(Gio.BusType.SESSION, NAME, Gio.BusNameOwnerFlags.NONE,
                     on_bus, on_name, on_lost)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    loop.run()


if __name__ == "__main__":
    main()
