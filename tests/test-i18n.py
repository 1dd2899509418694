#!/usr/bin/python3
# The German catalog: complete, built, and used by the pi-keyring command
# (its --help and one error message of each command) under LANGUAGE=de.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

CLI = os.environ.get("PI_KEYRING_CLI", "")
SRCDIR = os.environ.get("PI_KEYRING_SRCDIR", "")
LOCALEDIR = os.environ.get("PI_KEYRING_LOCALEDIR", "")

# The xgettext arguments of po/meson.build (meson's preset glib, then ours).
XGETTEXT_ARGS = [
    "--from-code=UTF-8", "--add-comments", "--keyword=_", "--keyword=N_", "--keyword=C_:1c,2",
    "--keyword=NC_:1c,2", "--keyword=g_dcgettext:2", "--keyword=g_dngettext:2,3",
    "--keyword=g_dpgettext2:2c,3", "--flag=N_:1:pass-c-format", "--flag=C_:2:pass-c-format",
    "--flag=NC_:2:pass-c-format", "--flag=g_dngettext:2:pass-c-format",
    "--flag=g_strdup_printf:1:c-format", "--flag=g_string_printf:2:c-format",
    "--flag=g_string_append_printf:2:c-format", "--flag=g_error_new:3:c-format",
    "--flag=g_set_error:4:c-format", "--flag=g_markup_printf_escaped:1:c-format",
    "--flag=g_log:3:c-format", "--flag=g_print:1:c-format", "--flag=g_printerr:1:c-format",
    "--flag=g_printf:1:c-format", "--flag=g_fprintf:2:c-format", "--flag=g_sprintf:2:c-format",
    "--flag=g_snprintf:3:c-format", "--keyword=ngettext:1,2", "--add-comments=Translators:"
]

# pi-keyring's words, as the German catalog translates them.
GERMAN_HELP = [
    "Befehle:",
    "Bewahrt die API-Schlüssel und OAuth-Token des Coding-Agenten pi im Schlüsselbund "
    "der Arbeitsumgebung auf.",
    "Die gespeicherten Zugangsdaten auflisten, ohne ihre Geheimnisse.",
    "Rückgabewerte:",
]
ENGLISH_HELP = ["Commands:", "Keeps the pi coding agent's", "Exit status:"]

# One failure of each command: its arguments, the exit status, a German
# sentence that must be in its messages and the English one it replaces.
ERRORS = [
    ([], 2, None, None),
    (["frobnicate"], 2, "Unbekannter Befehl „frobnicate“.", "Unknown command"),
    (["help", "frobnicate"], 2, "Unbekannter Befehl „frobnicate“.", "Unknown command"),
    (["providers", "extra"], 2, "Zu viele Argumente.", "too many arguments"),
    (["list"], 0, "Es sind keine Zugangsdaten gespeichert.", "No credentials are stored"),
    (["status", "a", "b"], 2, "Zu viele Argumente.", "too many arguments"),
    (["get", "nosuchprovider"], 3, "„nosuchprovider“ ist ein unbekannter Anbieter",
     "is an unknown provider"),
    (["set", "openai"], 1, "Der Schlüssel ist leer; es wurde nichts gespeichert.",
     "The key is empty"),
    (["remove", "openai"], 3, "Für „openai“ sind in", "No credential of"),
    (["logout"], 2, "Ein Argument fehlt.", "An argument is missing"),
    (["login", "groq"], 2, "Unbekannter OAuth-Anbieter: groq.", "Unknown OAuth provider"),
    (["refresh"], 0, "Es ist kein OAuth-Token gespeichert; es gibt nichts zu erneuern.",
     "No OAuth token is stored"),
    (["import", "a", "b"], 2, "Zu viele Argumente.", "too many arguments"),
    (["export", "a", "b"], 2, "Zu viele Argumente.", "too many arguments"),
    (["exec"], 2, "Der auszuführende Befehl fehlt.", "The command to run is missing"),
    (["--backend=encrypted-file", "unlock"], 0, "gibt es noch keinen verschlüsselten Tresor",
     "There is no encrypted vault"),
    (["daemon", "extra"], 2, "Zu viele Argumente.", "too many arguments"),
    (["setup-pi", "extra"], 2, "Zu viele Argumente.", "too many arguments"),
]


def po_file():
    return os.path.join(SRCDIR, "po", "de.po")


class CatalogTest(unittest.TestCase):
    def test_listed_in_linguas(self):
        with open(os.path.join(SRCDIR, "po", "LINGUAS"), encoding="utf-8") as f:
            languages = [w for line in f if not line.startswith("#") for w in line.split()]
        self.assertIn("de", languages)

    def test_complete_and_valid(self):
        # --check: the format directives of every translation match its msgid.
        proc = subprocess.run(["msgfmt", "--check", "--statistics", "-o", os.devnull, po_file()],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        report = proc.stdout.decode("utf-8", "replace")
        self.assertEqual(proc.returncode, 0, report)
        self.assertRegex(report, r"^\d+ translated messages\.\s*$")

    def test_every_message_of_the_sources_is_translated(self):
        # A template made from po/POTFILES.in now, against po/de.po: a message
        # added or changed in the code and not in de.po fails here.
        tmp = tempfile.mkdtemp(prefix="test-i18n-")
        self.addCleanup(shutil.rmtree, tmp, True)
        pot = os.path.join(tmp, "pi-keyring.pot")
        proc = subprocess.run(["xgettext", "--directory=" + SRCDIR,
                               "--files-from=" + os.path.join(SRCDIR, "po", "POTFILES.in"),
                               "--output=" + pot] + XGETTEXT_ARGS,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stdout.decode("utf-8", "replace"))
        with open(pot, encoding="utf-8") as f:
            self.assertGreater(f.read().count("\nmsgid "), 100)
        proc = subprocess.run(["msgcmp", po_file(), pot],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stdout.decode("utf-8", "replace"))

    def test_catalog_is_built(self):
        self.assertTrue(os.path.isfile(os.path.join(LOCALEDIR, "de", "LC_MESSAGES",
                                                    "pi-keyring.mo")),
                        "no de catalog under %s (is de in po/LINGUAS?)" % LOCALEDIR)


class GermanCliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="test-i18n-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        home = os.path.join(self.tmp, "home")
        os.makedirs(home)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("LC_") and k not in ("LANG", "LANGUAGE")
               and not k.endswith("_API_KEY") and not k.startswith("PI_")}
        env.update({
            "HOME": home,
            "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
            "XDG_CONFIG_HOME": os.path.join(home, ".config"),
            "XDG_CACHE_HOME": os.path.join(home, ".cache"),
            "XDG_STATE_HOME": os.path.join(home, ".local", "state"),
            "PI_CODING_AGENT_DIR": os.path.join(self.tmp, "agent"),
            "PI_KEYRING_BACKEND": "memory",
            "PI_KEYRING_LOCALEDIR": LOCALEDIR,
            # LANGUAGE is ignored in the C locale; C.UTF-8 is not C.
            "LANG": "C.UTF-8",
            "LANGUAGE": "de",
        })
        self.env = env

    def run_cli(self, *args, env=None):
        proc = subprocess.run([CLI] + list(args), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=self.env if env is None else env, timeout=60)
        return (proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"))

    def test_help_is_german(self):
        code, out, err = self.run_cli("--help")
        self.assertEqual(code, 0, err)
        for text in GERMAN_HELP:
            self.assertIn(text, out)
        for text in ENGLISH_HELP:
            self.assertNotIn(text, out)
        # Names stay as they are.
        for name in ["providers", "login", "logout", "daemon", "--backend", "--profile",
                     "--json", "dev.pi.Keyring1"]:
            self.assertIn(name, out)

    def test_command_help_is_german(self):
        code, out, err = self.run_cli("help", "get")
        self.assertEqual(code, 0, err)
        self.assertIn("ANBIETER", out)
        self.assertNotIn("The key is looked up as pi does", out)
        self.assertIn("Der Schlüssel wird wie von pi gesucht", out)

    def test_english_without_language(self):
        # The same binary and catalogs, LANGUAGE unset: English.
        env = dict(self.env)
        del env["LANGUAGE"]
        code, out, err = self.run_cli("--help", env=env)
        self.assertEqual(code, 0, err)
        self.assertIn("Commands:", out)

    def test_one_error_of_each_command(self):
        for args, status, german, english in ERRORS:
            with self.subTest(args=args):
                code, out, err = self.run_cli(*args)
                self.assertEqual(code, status, (out, err))
                text = out + err
                if status == 2:
                    if args:
                        self.assertIn("„pi-keyring", err)
                        self.assertIn("--help“ zeigt weitere Informationen.", err)
                    self.assertNotIn("for more information", err)
                if german is not None:
                    self.assertIn(german, text)
                    self.assertNotIn(english, text)


if __name__ == "__main__":
    for name in ("PI_KEYRING_CLI", "PI_KEYRING_SRCDIR", "PI_KEYRING_LOCALEDIR"):
        if not os.environ.get(name):
            sys.exit("%s is not set" % name)
    unittest.main(verbosity=2)
