#!/usr/bin/python3
# check-layers.py: fails when a #include "…" under src/ points up or sideways.
#
# The layers of DESIGN §2, lowest first: net (the table of libsoup and
# GnuTLS functions, built as a module that includes nothing of ours) < core
# < backends, oauth (siblings) < providers < store < the public umbrella
# header < what the two programs share (src/common) < the daemon
# (src/daemon) < the command (src/cli), whose `daemon` sub-command runs it.
# A file's layer is its folder under src/pi-keyring/ (core/, backends/, …),
# or src/common/, src/daemon/, src/cli/;
# the public headers in src/pi-keyring/ itself are assigned below, one by
# one, so that a new header must be given a layer before it can be used.
#
# Usage: check-layers.py SRCDIR [SRCDIR…] (default: the src/ beside tests/).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import re
import sys

# What each layer may include, itself included.
ALLOWED = {
    'net': {'net'},
    'core': {'net', 'core'},
    'backends': {'net', 'core', 'backends'},
    'oauth': {'net', 'core', 'oauth'},
    'providers': {'net', 'core', 'oauth', 'providers'},
    'store': {'net', 'core', 'backends', 'oauth', 'providers', 'store'},
    'api': {'core', 'backends', 'oauth', 'providers', 'store', 'api'},
    'common': {'api', 'common'},
    'daemon': {'api', 'common', 'daemon'},
    'cli': {'core', 'backends', 'oauth', 'providers', 'store', 'api', 'common', 'daemon',
            'cli'},
}

# The public headers, by the layer whose sources implement them.
PUBLIC = {
    'pi-keyring-version-macros.h': 'core',
    'pi-keyring-error.h': 'core',
    'pi-keyring-credential.h': 'core',
    'pi-keyring-interaction.h': 'core',
    'pi-keyring-backend.h': 'backends',
    'pi-keyring-memory-backend.h': 'backends',
    'pi-keyring-file-backend.h': 'backends',
    'pi-keyring-encrypted-file-backend.h': 'backends',
    'pi-keyring-secret-service-backend.h': 'backends',
    'pi-keyring-provider.h': 'providers',
    'pi-keyring-catalog.h': 'providers',
    'pi-keyring-config-value.h': 'core',
    'pi-keyring-credential-lock.h': 'store',
    'pi-keyring-store.h': 'store',
    'pi-keyring.h': 'api',
}

# Made by the build; they depend on nothing of ours (pi-keyring-version.h,
# the public header made from pi-keyring-version.h.in, is core: it includes
# pi-keyring-version-macros.h alone).
GENERATED = {'config.h', 'pi-keyring-version.h', 'pi-keyring-enum-types.h', 'daemon-dbus-generated.h'}

LIB_LAYERS = ('net', 'core', 'backends', 'oauth', 'providers', 'store')

# The programs' folders under src/, each a layer; the build gives each its
# own folder and those below it as include directories.
PROGRAM_LAYERS = ('common', 'daemon', 'cli')

INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)


def layer_of(path, src):
    """The layer of the file at @path (relative to @src), or None."""
    parts = os.path.relpath(path, src).split(os.sep)
    if parts[0] in PROGRAM_LAYERS:
        return parts[0]
    if parts[0] == 'pi-keyring':
        if len(parts) == 2:
            return PUBLIC.get(parts[1])
        if len(parts) == 3 and parts[1] in LIB_LAYERS:
            return parts[1]
    return None


def resolve(name, including, src):
    """The file an #include "name" in @including finds, as the compiler
    would: beside the file, then in src/pi-keyring/, src/ and the programs'
    folders."""
    bases = [os.path.dirname(including), os.path.join(src, 'pi-keyring'), src]
    bases += [os.path.join(src, p) for p in PROGRAM_LAYERS]
    for base in bases:
        candidate = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(candidate):
            return candidate
    return None


def check(src):
    problems = []
    checked = 0
    for root, dirs, files in os.walk(src):
        dirs.sort()
        for filename in sorted(files):
            if not filename.endswith(('.c', '.h')):
                continue
            path = os.path.join(root, filename)
            rel = os.path.relpath(path, os.path.dirname(src))
            layer = layer_of(path, src)
            if layer is None:
                problems.append('%s: belongs to no layer (a folder of DESIGN §2, '
                                'or a public header listed in check-layers.py)' % rel)
                continue
            with open(path, encoding='utf-8') as f:
                text = f.read()
            for match in INCLUDE_RE.finditer(text):
                name = match.group(1)
                line = text.count('\n', 0, match.start()) + 1
                checked += 1
                if os.path.basename(name) in GENERATED:
                    continue
                target = resolve(name, path, src)
                if target is None:
                    problems.append('%s:%d: #include "%s": no such file under src/'
                                    % (rel, line, name))
                    continue
                target_layer = layer_of(target, src)
                if target_layer is None:
                    problems.append('%s:%d: #include "%s": that header belongs to no layer'
                                    % (rel, line, name))
                elif target_layer not in ALLOWED[layer]:
                    problems.append('%s:%d: #include "%s": %s may not include %s '
                                    '(it is %s)' % (rel, line, name, layer, target_layer,
                                                    'above' if layer in ALLOWED[target_layer]
                                                    else 'beside'))
    return problems, checked


def main(argv):
    if len(argv) > 1:
        sources = argv[1:]
    else:
        sources = [os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src')]
    problems = []
    checked = 0
    for src in sources:
        p, c = check(os.path.normpath(src))
        problems += p
        checked += c
    if checked == 0:
        print('check-layers: no #include found under %s' % ' '.join(sources))
        return 1
    for p in problems:
        print(p)
    if problems:
        print('check-layers: %d include(s) break the layering of DESIGN §2' % len(problems))
        return 1
    print('check-layers: %d includes, all pointing down or within their layer' % checked)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
