#!/usr/bin/env python3
"""check_layers: the include direction of capsim's folders (docs/ARCHITECTURE.md).

Each folder has a layer; a file may include headers of its own folder and of folders in
lower layers, never of a higher layer nor of another folder on its own layer:

    7 sim/cli -> 6 sim/optimize -> 5 sim/engine -> 4 output -> 3 models, sim/stats -> 2 sim/scenario
      -> 1 sim/random -> 0 sim/base

Usage: check_layers.py [ROOT]   (default: the repository this script is in)
Prints one line per wrong include (file:line: ...) and exits 1 if there is any.
"""
import os
import re
import sys

LAYERS = {
    "sim/base": 0,
    "sim/random": 1,
    "sim/scenario": 2,
    "models": 3,
    "sim/stats": 3,
    "output": 4,
    "sim/engine": 5,
    "sim/optimize": 6,
    "sim/cli": 7,
}
# Engine headers are what the commands see of the engine: no HDF5 type there.
NO_HDF5_IN = "sim/engine"
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def folder_of(path):
    d = os.path.dirname(path)
    return d if d in LAYERS else None


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                           os.path.join(os.path.dirname(__file__), ".."))
    errors = []
    for top in ("sim", "models", "output"):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for name in sorted(names):
                if not name.endswith((".c", ".h")):
                    continue
                rel = os.path.relpath(os.path.join(dirpath, name), root)
                src = folder_of(rel)
                if src is None:
                    errors.append(f"{rel}: in no layer (add its folder to tools/check_layers.py)")
                    continue
                with open(os.path.join(root, rel), encoding="utf-8") as f:
                    lines = f.read().split("\n")
                for no, line in enumerate(lines, 1):
                    if src == NO_HDF5_IN and name.endswith(".h") and re.search(r"\bhid_t\b|<hdf5\.h>", line):
                        errors.append(f"{rel}:{no}: HDF5 in an engine header: {line.strip()}")
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    inc = m.group(1)
                    local = os.path.normpath(os.path.join(os.path.dirname(rel), inc))
                    target = local if os.path.exists(os.path.join(root, local)) else os.path.normpath(inc)
                    if not os.path.exists(os.path.join(root, target)):
                        errors.append(f"{rel}:{no}: \"{inc}\" not found (cross-folder includes are written from the root)")
                        continue
                    dst = folder_of(target)
                    if dst is None:
                        errors.append(f"{rel}:{no}: \"{inc}\" is in no layer")
                    elif dst != src and LAYERS[dst] >= LAYERS[src]:
                        errors.append(f"{rel}:{no}: {src} (layer {LAYERS[src]}) may not include "
                                      f"{target} ({dst}, layer {LAYERS[dst]})")
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
