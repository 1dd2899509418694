#!/usr/bin/python3
# inline-examples.py IN OUT: writes the page IN to OUT with each line
# "@EXAMPLE@ FILE LANGUAGE" replaced by FILE (relative to IN's folder) as
# a fenced code block, so that the pages show the examples the tests build
# and run, and nothing else.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import sys


def main(argv):
    src, out = argv[1], argv[2]
    base = os.path.dirname(os.path.abspath(src))
    lines = []
    with open(src, encoding='utf-8') as f:
        for line in f:
            if line.startswith('@EXAMPLE@ '):
                _, name, language = line.split()
                with open(os.path.join(base, name), encoding='utf-8') as example:
                    code = example.read()
                if '```' in code:
                    sys.exit('%s: an example may not contain ```' % name)
                lines.append('```%s\n%s%s```\n' % (language, code,
                                                   '' if code.endswith('\n') else '\n'))
            else:
                lines.append(line)
    with open(out, 'w', encoding='utf-8') as f:
        f.writelines(lines)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
