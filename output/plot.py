#!/usr/bin/python3
"""plot.py: charts of a capsim results file (docs/OUTPUT.md), a command over the capsim
Python package (output/python/capsim), which draws them.

    /usr/bin/python3 output/plot.py OUT.h5 -o DIR [--series unmet] [--total NAME]
                                     [--variant LABEL] [--format png|svg|pdf]

Every file (run, compare, sweep, optimize):
  fan_SERIES            fan chart of a monthly series over time, one panel per element
                        (segment, cloud or contract): P5-P95, P25-P75, median and mean
  spend_by_cloud        expected monthly spend stacked by cloud (contracts grouped by
                        their cloud through the contract_cloud coordinate, plus spot)
  supply_demand         expected capacity against expected demand, served and unmet
  exceedance            for net value, value lost, peak funding need and stranded spend:
                        the chance of a result worse than x, from every path, per variant
  options_exercised     (contract options) probability that each option has been exercised
  fan_cash              (files with cash) month-end cash: P5-P95, P25-P75, median, mean
  tornado_TOTAL         Spearman rank correlation of a total with each sampled value
  tornado_usd_TOTAL     change in the mean of the total between the paths in the lowest
                        and the highest tercile of each sampled value, in its units
  sobol_TOTAL           (sampling: saltelli) first-order and total Sobol indices, 95% CI
  frontier              (capsim optimize) mean against expected shortfall of the objective
Files with several variants (compare, sweep, optimize) also get:
  diff_fan_SERIES       fan chart of the paired difference variant - baseline per month
  compare_totals        mean paired difference of key totals with 95% intervals
  waterfall             the net value difference in parts: value, spend by cloud, revenue share
  spend_shortfall       mean spend against mean value lost per variant, and their frontier
  sweep_KEY             (sweeps) key totals against the varied value, paired 95% band

Each chart carries a one-line provenance footer (scenario, paths, seed, capsim version).
Needs Debian's python3-xarray, python3-h5netcdf, python3-h5py and python3-matplotlib
(run it with /usr/bin/python3). Exit codes: 0 ok; 1 the charts cannot be written; 2 bad
arguments, or a file that does not exist, is not a capsim results file or is damaged (what
the charts read is checked first: the groups and variables, their coordinates and
dimensions; the message names what is wrong).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "python"))

import capsim  # noqa: E402
from capsim.check import check_file  # noqa: E402,F401 (tests use plot.check_file)
from capsim.charts_compare import sweep_change  # noqa: E402,F401 (tests use plot.sweep_change)
from capsim.results import ENGINE, NotResults  # noqa: E402,F401
from capsim.variants import variant_index  # noqa: E402

FORMATS = ("png", "svg", "pdf")


def main(argv=None):
    ap = argparse.ArgumentParser(description="Charts of a capsim results file.")
    ap.add_argument("file", help="results file (capsim run/compare/sweep/optimize -o FILE)")
    ap.add_argument("-o", "--out", required=True, help="output directory (created if missing)")
    ap.add_argument("--series", default="unmet", help="monthly series of the fan charts (default unmet)")
    ap.add_argument("--total", default="pv_turned_down_revenue",
                    help="per-path total of the tornado and Sobol charts (default pv_turned_down_revenue)")
    ap.add_argument("--variant", default=None,
                    help="variant of the single-variant charts: its label, file name without .yaml, or a "
                         "unique prefix (default: the baseline)")
    ap.add_argument("--format", default="png", choices=FORMATS, help="file format (default png)")
    args = ap.parse_args(argv)
    if not os.path.isfile(args.file):
        why = "no such file" if not os.path.exists(args.file) else "not a regular file"
        print(f"plot.py: cannot open {args.file}: {why}", file=sys.stderr)
        return 2
    try:
        check_file(args.file, args.series)
        res = capsim.open_results(args.file)
    except NotResults as e:
        print(f"plot.py: {e}", file=sys.stderr)
        return 2
    except (KeyError, ValueError, IndexError, TypeError, OSError, RuntimeError) as e:
        print(f"plot.py: {args.file}: damaged results file: {e}", file=sys.stderr)
        return 2
    if args.variant is not None and res.variants:
        try:
            variant_index(res.variants, args.variant)
        except KeyError as e:
            print(f"plot.py: {e.args[0]}", file=sys.stderr)
            return 2
    sens = res.get("sensitivity")
    if sens is not None and "total" in sens.coords and args.total not in [str(t) for t in sens["total"].values]:
        print(f"plot.py: no total '{args.total}' in /sensitivity (have: "
              f"{', '.join(str(t) for t in sens['total'].values)})", file=sys.stderr)
        return 2
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as e:
        print(f"plot.py: cannot create {args.out}: {e}", file=sys.stderr)
        return 1
    try:
        return write_charts(res, args)
    except ValueError as e:
        if "contract_cloud" in str(e):
            print(f"plot.py: {e}", file=sys.stderr)
            return 2
        print(f"plot.py: {args.file}: damaged results file: {e}", file=sys.stderr)
        return 2
    except (KeyError, IndexError, TypeError, RuntimeError) as e:
        print(f"plot.py: {args.file}: damaged results file: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"plot.py: cannot write the charts: {e}", file=sys.stderr)
        return 1


def write_charts(res, args):
    """Every chart of the file into args.out, one at a time; prints each file's name."""
    for stem, make in capsim.charts(res, args.series, args.total, args.variant):
        fig = make()
        if fig is None:
            continue
        out = os.path.join(args.out, f"{stem}.{args.format}")
        capsim.save(fig, out, args.format)
        print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
