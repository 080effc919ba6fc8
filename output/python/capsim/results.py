"""Reading a capsim results file (docs/OUTPUT.md) into xarray Datasets.

open_results(path) gives a Results: a read-only mapping group name -> Dataset ("stats",
"totals", "params", "sensitivity", "diff", "paths", "optimize": whichever the file has)
with the file's root attributes in .attrs. xarray 2023.01 has no DataTree, hence this
small mapping. Everything is loaded into memory and the file closed, so a Results
outlives its file handle (results files of plots and reports are small enough).
"""
import os

import h5py
import numpy as np
import xarray as xr

try:   # netCDF-C opens a group of a few hundred variables 5-10x faster than h5netcdf
    import netCDF4  # noqa: F401
    ENGINE = "netcdf4"
except ImportError:
    ENGINE = "h5netcdf"
GROUPS = ("stats", "diff", "totals", "params", "sensitivity", "paths", "optimize")


class NotResults(ValueError):
    """The file is not a capsim results file, or is damaged; the message says why."""


def _text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray) and v.shape == ():
        return _text(v.item())
    if isinstance(v, np.generic):
        return v.item()
    return v


class Results:
    """Groups of one results file: res["stats"], "stats" in res, res.attrs (root)."""

    def __init__(self, path, groups, attrs):
        self.path = path
        self._groups = groups
        self.attrs = attrs

    def __getitem__(self, name):
        return self._groups[name.strip("/")]

    def __contains__(self, name):
        return name.strip("/") in self._groups

    def __iter__(self):
        return iter(self._groups)

    def __len__(self):
        return len(self._groups)

    def keys(self):
        return self._groups.keys()

    def items(self):
        return self._groups.items()

    def get(self, name, default=None):
        return self._groups.get(name.strip("/"), default)

    @property
    def command(self):
        """run, compare, sweep or optimize."""
        return str(self.attrs.get("command", "run"))

    @property
    def variants(self):
        """The variant labels, baseline first ([] for a file of one run)."""
        st = self._groups["stats"]
        return [str(v) for v in st["variant"].values] if "variant" in st.dims else []

    @property
    def swept(self):
        """The key paths a sweep varied (coordinates along variant), in grid order."""
        st = self._groups["stats"]
        return [str(c) for c in st.coords if c != "variant" and st[c].dims == ("variant",)
                and st[c].dtype.kind in "fiu"]

    def __repr__(self):
        return f"<capsim Results {self.path!r}: {', '.join(self._groups)}>"


def open_results(path, groups=GROUPS):
    """Every group of the results file at `path` as a loaded Dataset. Raises NotResults
    for a file that is not HDF5 or not capsim's (no capsim_version, no /stats), and
    FileNotFoundError for a missing one."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise NotResults(f"{path}: not an HDF5 file, or a damaged one ({e})") from None
    with f:
        if "capsim_version" not in f.attrs or not isinstance(f.get("stats"), h5py.Group):
            raise NotResults(f"{path} is not a capsim results file (no capsim_version attribute or /stats group)")
        attrs = {k: _text(v) for k, v in f.attrs.items()}
        present = [g for g in groups if isinstance(f.get(g, getlink=True), h5py.HardLink)
                   and isinstance(f.get(g), h5py.Group)]
    out = {}
    for g in present:
        if g == "optimize":
            out[g] = read_optimize(path)
            continue
        with xr.open_dataset(path, group=g, engine=ENGINE) as ds:
            out[g] = ds.load()
    return Results(path, out, attrs)


# /optimize's variables and their dimensions (docs/OUTPUT.md, "/optimize").
OPTIMIZE_DIMS = {"decision": ("decision",), "weight": ("weight",), "point": ("point",),
                 "constraint": ("constraint",), "points": ("point", "decision"), "objective_in": ("point", "weight"),
                 "mean": ("point",), "es": ("point",), "constraint_value": ("point", "constraint"),
                 "feasible": ("point",), "chosen": ("weight", "decision"), "chosen_point": ("weight",),
                 "objective_in_chosen": ("weight",), "objective_out": ("weight",), "objective_out_se": ("weight",),
                 "objective_baseline": ("weight",), "objective_baseline_se": ("weight",)}


def read_optimize(path):
    """/optimize as a Dataset, read with h5py by its documented layout rather than by
    its dimension scales, so that a group written without them (or with a variable of
    another shape, which is left out; a scalar baseline is kept as a scalar) still
    reads: summary shows such pieces as n/a, and the charts do without them."""
    with h5py.File(path, "r") as f:
        g = f["optimize"]
        sizes, data = {}, {}
        for name, dims in OPTIMIZE_DIMS.items():
            d = g.get(name)
            if not isinstance(d, h5py.Dataset):
                continue
            v = d[()]
            if v.dtype.kind in "SO":
                v = np.array([_text(x) for x in np.ravel(v)], dtype=object).reshape(np.shape(v))
            if np.ndim(v) == 0 and name.startswith("objective_baseline"):
                data[name] = ((), v)
                continue
            if np.ndim(v) != len(dims) or any(sizes.get(k, n) != n for k, n in zip(dims, np.shape(v))):
                continue
            sizes.update(zip(dims, np.shape(v)))
            data[name] = (dims, v)
        attrs = {k: _text(v) for k, v in g.attrs.items()}
    coords = {k: data.pop(k) for k in ("decision", "weight", "point", "constraint") if k in data}
    return xr.Dataset(data, coords=coords, attrs=attrs)


def as_results(obj):
    """A Results from a Results or a path."""
    return obj if isinstance(obj, Results) else open_results(obj)
