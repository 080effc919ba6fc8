"""What every chart shares: tick labels in one scale per axis (never below one unit of
money: no milli-dollars), money as text, axis labels from long names and units, titles
wrapped to the figure's width, and the one-line provenance footer."""
import textwrap

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402
import numpy as np  # noqa: E402

SCALES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


class ScaledFormatter(mticker.Formatter):
    """Tick labels in one unit for the whole axis (k, M, B, T: thousand to trillion, as
    capsim summary writes them; never milli), chosen from the largest tick, with as many
    decimals as the tick step needs; money as "-$1.5B". With a suffix, the data are
    already divided by its unit (money_scale) and only the decimals are chosen."""

    def __init__(self, money, suffix=None):
        self.money, self.fixed = money, suffix
        self.scale, self.suffix, self.dec = 1.0, suffix or "", 0

    def set_locs(self, locs):
        super().set_locs(locs)
        top = max((abs(float(v)) for v in locs), default=0.0)
        if self.fixed is None:
            self.scale, self.suffix = next(((s, n) for s, n in SCALES if top >= s), (1.0, ""))
        step = float(np.min(np.diff(locs))) / self.scale if len(locs) > 1 else 1.0
        self.dec = 0
        while self.dec < 6 and step > 0 and \
                abs(step * 10 ** self.dec - round(step * 10 ** self.dec)) > 1e-6 * step * 10 ** self.dec:
            self.dec += 1

    def __call__(self, x, pos=None):
        v = x / self.scale
        s = f"{abs(v):,.{self.dec}f}"
        if float(s.replace(",", "")) == 0:
            return "$0" if self.money else "0"
        return f"{'-' if v < 0 else ''}{'$' if self.money else ''}{s}{self.suffix}"


def is_money(units):
    return str(units).startswith("USD")


def formatter(units):
    """Tick labels of an axis in these units (ScaledFormatter; a $ for money)."""
    return ScaledFormatter(is_money(units))


def unit_ticks(axis, units):
    """Ticks of an axis in these units: ScaledFormatter's labels, and on money axes whole
    dollars only, so that an axis of tiny or zero amounts reads $0, $1 and never $0.02."""
    axis.set_major_formatter(formatter(units))
    if is_money(units):
        axis.set_major_locator(mticker.MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True))
        lo, hi = axis.get_view_interval()   # call after plotting: the data's span
        if abs(hi - lo) < 2:   # all (nearly) zero: a span of two dollars, not cents
            mid = round((lo + hi) / 2)
            getattr(axis.axes, f"set_{axis.axis_name}lim")(mid - 1, mid + 1)


def money_scale(values):
    """The unit of a money axis whose data are divided before plotting: $B from a
    billion up, $M from a million, else $. Returns (divisor, suffix)."""
    a = np.abs(np.asarray(values, dtype=float))
    top = float(np.nanmax(a)) if a.size and np.isfinite(a).any() else 0.0
    return (1e9, "B") if top >= 1e9 else (1e6, "M") if top >= 1e6 else (1.0, "")


def fmt_value(v, units=""):
    """A number for tables: money as $12.3B (three significant figures, k M B T, never
    milli), months as 12.34 mo, other units with k/M/B/T; NaN as n/a."""
    if v is None or not np.isfinite(v):
        return "n/a"
    a = abs(v)
    if is_money(units) and v == 0:
        return "$0"
    if is_money(units):
        scale, suf = next(((s, n) for s, n in SCALES if a >= s), (1.0, ""))
        x = a / scale
        dec = 2 if x < 10 else 1 if x < 100 else 0
        return f"{'-' if v < 0 else ''}${x:.{dec}f}{suf}"
    if units == "months":
        return f"{v:.2f} mo"
    scale, suf = next(((s, n) for s, n in SCALES if a >= s), (1.0, ""))
    x = a / scale
    dec = 2 if x < 10 else 1 if x < 100 else 0
    return f"{'-' if v < 0 else ''}{x:.{dec}f}{suf}" + (f" {units}" if units and units != "1" else "")


def axis_label(name, units, money_suffix=None):
    """`long name (units)`; money axes say USD (or $B when the data were divided)."""
    if money_suffix is not None:
        return f"{name}, ${money_suffix}" if money_suffix else f"{name}, USD"
    return f"{name} ({units})" if units and units != "1" else name


def provenance(attrs):
    """One line: scenario, paths, seed, capsim version and git revision, command."""
    parts = [f"scenario {attrs.get('scenario_name', '?')}"]
    if "variants" in attrs and int(attrs.get("variants", 1) or 1) > 1:
        parts.append(f"{attrs['variants']} variants")
    parts.append(f"{attrs.get('paths', '?')} paths")
    parts.append(f"seed {attrs.get('seed', '?')}")
    if attrs.get("sampling"):
        parts.append(f"sampling {attrs['sampling']}")
    rev = attrs.get("git_revision")
    parts.append(f"capsim {attrs.get('capsim_version', '?')}" + (f" (git {rev})" if rev else ""))
    parts.append(f"capsim {attrs.get('command', 'run')}")
    if attrs.get("created"):
        parts.append(str(attrs["created"]))
    return " · ".join(parts)


def wrap(text, width_in, size):
    """Text wrapped to lines that fit width_in inches at this font size."""
    return "\n".join(textwrap.wrap(text, max(20, int(width_in * 72 / (size * 0.55))), break_on_hyphens=False))


def new_figure(width, height, rows=1, cols=1, **kw):
    fig, axes = plt.subplots(rows, cols, figsize=(width, height), squeeze=False, **kw)
    return fig, axes


def finish(fig, title, attrs=None, title_size=11):
    """Wrap the title to the figure's width (about 0.55 em per character), put the
    provenance footer under the axes, and lay the axes out between the two so that
    neither is clipped nor overlaps a panel. Returns fig."""
    width_in = fig.get_figwidth()
    chars = max(30, int(width_in * 72 / (title_size * 0.55)))
    lines = textwrap.wrap(title, chars, break_on_hyphens=False) or [""]
    fig.suptitle("\n".join(lines), fontsize=title_size, y=1 - 0.08 / fig.get_figheight(), va="top")
    bottom_in = 0.0
    if attrs:
        foot_size = 7
        text = provenance(attrs)
        fchars = int(width_in * 72 / (foot_size * 0.52))
        if len(text) > fchars:
            text = text[:fchars - 1] + "…"
        fig.text(0.01, 0.06 / fig.get_figheight(), text, fontsize=foot_size, color="0.4", ha="left", va="bottom")
        bottom_in = 0.25
    # tight_layout makes room for the suptitle itself, not for the footer's text
    fig.tight_layout(rect=(0, bottom_in / fig.get_figheight(), 1, 1))
    return fig


def save(fig, path, fmt=None, dpi=110):
    """Write the figure (format from `fmt` or the name) and close it. Returns path."""
    fig.savefig(path, format=fmt, dpi=dpi, metadata=_metadata(fmt or path.rsplit(".", 1)[-1]))
    plt.close(fig)
    return path


def _metadata(fmt):
    # no creation date in SVG and PDF, so that the same file gives the same bytes
    if fmt == "svg":
        return {"Date": None}
    if fmt == "pdf":
        return {"CreationDate": None}
    return None
