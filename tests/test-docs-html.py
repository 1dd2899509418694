#!/usr/bin/python3
"""The API reference as gi-docgen built it (docs/reference): index.html,
the pages with the examples as they are in docs/reference/examples, a
devhelp book, and no symbol marked unstable.

Usage: test-docs-html.py HTML_DIR EXAMPLES_DIR
"""
import html
import os
import re
import sys
import unittest

HTML_DIR = EXAMPLES_DIR = None

PAGES = {
    "getting-a-key.html": ["get-key.c", "get-key.py"],
    "watching-changes.html": ["watch-changes.c", "watch-changes.py"],
}


def text_of(name):
    with open(os.path.join(HTML_DIR, name), encoding="utf-8") as f:
        return html.unescape(re.sub(r"<[^>]+>", "", f.read()))


class HtmlTest(unittest.TestCase):
    def test_index(self):
        index = os.path.join(HTML_DIR, "index.html")
        self.assertTrue(os.path.isfile(index), index)
        text = text_of("index.html")
        for what in ("PiKeyring", "Store", "Overview", "Getting a key", "Watching for changes"):
            self.assertIn(what, text)

    def test_symbols_have_pages(self):
        for name in ("class.Store.html", "class.Credential.html", "iface.Backend.html",
                     "func.get_major_version.html", "func.check_version.html",
                     "const.MAJOR_VERSION.html", "signal.Store.credential-changed.html",
                     "overview.html"):
            self.assertTrue(os.path.isfile(os.path.join(HTML_DIR, name)), name)

    def test_devhelp_book(self):
        self.assertTrue(os.path.isfile(os.path.join(HTML_DIR, "pi-keyring-1.devhelp2")))

    def test_pages_show_the_examples(self):
        for page, examples in PAGES.items():
            text = text_of(page)
            for example in examples:
                with open(os.path.join(EXAMPLES_DIR, example), encoding="utf-8") as f:
                    for line in f:
                        if line.strip():
                            self.assertIn(line.rstrip("\n"), text, "%s: %s" % (page, example))

    def test_nothing_unstable(self):
        # gi-docgen marks a symbol whose Since: is after the library's version.
        marked = []
        for name in sorted(os.listdir(HTML_DIR)):
            if name.endswith(".html"):
                with open(os.path.join(HTML_DIR, name), encoding="utf-8") as f:
                    if "available-next" in f.read():
                        marked.append(name)
        self.assertEqual(marked, [])


if __name__ == "__main__":
    HTML_DIR, EXAMPLES_DIR = sys.argv[1], sys.argv[2]
    unittest.main(verbosity=2, argv=[sys.argv[0]])
