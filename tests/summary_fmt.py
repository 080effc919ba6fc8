"""summary_fmt: `capsim summary`'s number formats and statistics, written again from
docs/OUTPUT.md and output/summary.c's comments, for the tests that check printed
numbers against values computed here from a results file's per-path totals
(tests/cli_options.sh, tests/py_optimize_view.py). Not a test itself (not py_*)."""
import math

import numpy as np

ROW7 = "  %-26s  %12s  %12s  %12s  %12s  %12s  %12s  %12s"


def fmt_si(x, pre, post, money):
    """x with a k/M/B/T suffix and three significant digits (summary.c's fmt_si)."""
    if not math.isfinite(x):
        return "n/a"
    if x == 0:
        return f"{pre}0{post}"
    a, f, suf = abs(x), 1.0, ""
    for scale, s, sm in ((1e12, "T", "T"), (1e9, "B", "B"), (1e6, "M", "M"), (1e3, "k", "K")):
        if a >= scale * 0.9995:
            f, suf = scale, (sm if money else s)
            break
    y = a / f
    dec = 0 if y >= 99.95 else 1 if y >= 9.995 else 2
    if f == 1 and y >= 0.995 and not money and y == math.floor(y):
        dec = 0
    return "%s%s%.*f%s%s" % ("-" if x < 0 else "", pre, dec, y, suf, post)


def fmt_value(x, units):
    if not math.isfinite(x):
        return "n/a"
    if units.startswith("USD"):
        return fmt_si(x, "$", "", True)
    if units == "H100e":
        return fmt_si(x, "", " H100e", False)
    if units == "months":
        return "%.2f mo" % x
    if units == "1":
        return "%.3f" % x
    return "%.4g %s" % (x, units)


def fmt_prob(p):
    return "-" if not math.isfinite(p) else "%.1f%%" % (100.0 * p)


def es(x, high):
    """The mean of the lowest (highest) 5% of x, a fractional count weighting the value
    at rank ceil(m) (sim/stats/exact.h)."""
    s = np.sort(np.asarray(x, dtype=float))
    if high:
        s = -s[::-1]
    n = len(s)
    m = 0.05 * n
    j = max(1, math.ceil(m))
    t = s[j - 1]
    below = s[s < t]
    v = t if m < 1 else (below.sum() + (m - len(below)) * t) / m
    return -v if high else v


def total_row(label, x, units):
    """The key-totals row of per-path values x: mean, SE (iid), ES5, P5, P50, P95, ES95."""
    x = np.asarray(x, dtype=float)
    q = np.quantile(x, [0.05, 0.5, 0.95])
    se = x.std(ddof=1) / math.sqrt(len(x))
    cells = [x.mean(), se, es(x, False), q[0], q[1], q[2], es(x, True)]
    return ROW7 % ((label,) + tuple(fmt_value(c, units) for c in cells))
