#!/usr/bin/python3
# check-since.py: every public symbol of the GIR says, with `Since:`, the
# version it appeared in.
#
# The symbols of the first release, 0.1, are listed in tests/api-0.1.txt
# (one C name a line: functions and types by their C name, properties as
# `PiKeyringStore:auto-refresh`, signals as `PiKeyringStore::credential-changed`).
# Each of them must say `Since: 0.1`; any other symbol is new in the release
# being made and must say the project's major.minor (`Since: 0.2` for 0.2.0).
# No symbol may say a version after the project's, which gi-docgen would
# mark as unstable, and no symbol of 0.1 may be gone.
#
# Usage: check-since.py GIR PROJECT_VERSION BASELINE
#        check-since.py --list GIR   (prints the symbols, for a new baseline)
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import sys
import xml.etree.ElementTree as ET

CORE = '{http://www.gtk.org/introspection/core/1.0}'
C = '{http://www.gtk.org/introspection/c/1.0}'
GLIB = '{http://www.gtk.org/introspection/glib/1.0}'

TYPES = ('class', 'interface', 'record', 'enumeration', 'bitfield', 'alias',
         'callback')
CALLABLES = ('function', 'method', 'constructor', 'function-macro')


def symbols(gir):
    """(C name, version or None) of every documented public symbol."""
    found = []
    namespace = ET.parse(gir).getroot().find(CORE + 'namespace')
    for el in namespace:
        tag = el.tag[len(CORE):]
        if tag in TYPES:
            if el.get(GLIB + 'is-gtype-struct-for') is not None:
                continue    # the class and interface structures
            ctype = el.get(C + 'type') or el.get(GLIB + 'type-name')
            found.append((ctype, el.get('version')))
            for child in el:
                ctag = child.tag[len(CORE):]
                if ctag in CALLABLES:
                    found.append((child.get(C + 'identifier'), child.get('version')))
                elif ctag == 'property':
                    found.append(('%s:%s' % (ctype, child.get('name')), child.get('version')))
                elif child.tag == GLIB + 'signal':
                    found.append(('%s::%s' % (ctype, child.get('name')), child.get('version')))
        elif tag in CALLABLES:
            found.append((el.get(C + 'identifier'), el.get('version')))
        elif tag == 'constant':
            found.append((el.get(C + 'type'), el.get('version')))
    # An error domain's quark is both a function and the enumeration's.
    return sorted(set(found))


def major_minor(version):
    return tuple(int(p) for p in version.split('.')[:2])


def main(argv):
    if len(argv) == 3 and argv[1] == '--list':
        for name in sorted({name for name, _ in symbols(argv[2])}):
            print(name)
        return 0
    if len(argv) != 4:
        print('usage: check-since.py GIR PROJECT_VERSION BASELINE', file=sys.stderr)
        return 2
    gir, project_version, baseline_file = argv[1:]
    current = '%d.%d' % major_minor(project_version)
    with open(baseline_file, encoding='utf-8') as f:
        baseline = {line.strip() for line in f
                    if line.strip() and not line.startswith('#')}

    problems = []
    seen = set()
    for name, version in symbols(gir):
        seen.add(name)
        expected = '0.1' if name in baseline else current
        if version is None:
            problems.append('%s: no "Since:" (it appeared in %s)' % (name, expected))
        elif major_minor(version) > major_minor(project_version):
            problems.append('%s: "Since: %s" is after the project\'s version %s '
                            '(gi-docgen marks it unstable)' % (name, version, project_version))
        elif version != expected:
            problems.append('%s: "Since: %s", but it appeared in %s%s'
                            % (name, version, expected,
                               '' if name in baseline else
                               ' (it is not in %s)' % baseline_file.split('/')[-1]))
    for name in sorted(baseline - seen):
        problems.append('%s: a symbol of 0.1 is gone from the GIR' % name)

    for p in problems:
        print(p)
    if problems:
        print('check-since: %d of %d symbols do not say the version they appeared in'
              % (len(problems), len(seen)))
        return 1
    print('check-since: %d symbols, %d of 0.1 and %d of %s, each with its "Since:"'
          % (len(seen), len(seen & baseline), len(seen - baseline), current))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
