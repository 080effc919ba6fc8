#!/usr/bin/env python3
"""The capsim Python package (output/python/capsim): runs its pytest suite
(output/python/tests) on results files that the suite makes with the built capsim
($CAPSIM): a run with saved paths, a compare, a 2 x 3 sweep, a saltelli run and an
optimize, a few hundred paths each. The suite checks numbers: the unstacked sweep grid
against the raw variants, per-path totals and present values of saved paths against
/totals, /params in both layouts, the dollar tornado by hand, the waterfall's parts, the
bars of the charts, the report's tables and that every chart's text fits its figure.
"""
import os
import subprocess
import sys

try:
    import h5py  # noqa: F401
    import matplotlib  # noqa: F401
    import pytest  # noqa: F401
    import xarray  # noqa: F401
except ImportError as e:  # cannot run here: a skip (exit 77), not a failure
    print(f"SKIP: Python module {e.name} not installed")
    sys.exit(77)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "output", "python"), PYTHONDONTWRITEBYTECODE="1",
           MPLBACKEND="Agg")
r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--durations=5",
                    os.path.join(ROOT, "output", "python", "tests")], env=env, cwd=ROOT)
sys.exit(r.returncode)
