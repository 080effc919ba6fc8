"""What the charts read, checked with h5py before xarray opens anything, so that a
damaged file gives one message naming what is wrong rather than a traceback."""
import h5py

from .results import NotResults as Damaged

SERIES_DIMS = ("segment", "cloud", "contract", "option")
# The monthly series capsim writes and their own dimension (docs/OUTPUT.md).
SERIES = {"demand": "segment", "served": "segment", "unmet": "segment", "capacity": "cloud", "used": "cloud",
          "utilisation": "cloud", "power_needed": "cloud", "power_available": "cloud", "spend": "contract",
          "stranded": "contract", "revenue_share": "contract", "spot_spend": "cloud", "revenue": None,
          "turned_down_revenue": None, "value_lost": "segment", "defaulted": "contract", "exercised": "option",
          "cash": None}


def check_file(path, series="unmet"):
    """The file is HDF5 and capsim's, the groups read hold only hard links, the fan
    chart's variables exist with (time[, own]) and (time[, own], quantile) coordinates.
    Raises Damaged (results.NotResults) with the reason."""
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise Damaged(f"{path}: not an HDF5 file, or a damaged one ({e})") from None
    with f:
        if "capsim_version" not in f.attrs or "stats" not in f:
            raise Damaged(f"{path} is not a capsim results file (no capsim_version attribute or /stats group)")
        for gname in ("stats", "diff", "sensitivity", "totals", "params", "optimize"):
            if gname not in f:
                continue
            g = f[gname]
            if not isinstance(f.get(gname, getlink=True), h5py.HardLink) or not isinstance(g, h5py.Group):
                raise Damaged(f"{path}: damaged results file: /{gname}: not a group")
            for k in g:
                if not isinstance(g.get(k, getlink=True), h5py.HardLink):
                    raise Damaged(f"{path}: damaged results file: /{gname}/{k}: a soft or external link")
        for gname in ("stats", "diff"):
            if gname in f:
                _check_series(path, f[gname], gname, series, has_quantiles(f.attrs, series))


def has_quantiles(attrs, series):
    """Does monthly series `series` have quantiles (NAME_q) in a file with root
    attributes attrs? The attribute quantiles says: all (also when absent, files before
    simulation.quantiles), totals (none), or the series' names joined by commas."""
    q = attrs.get("quantiles", "all")
    q = q.decode() if isinstance(q, bytes) else str(q)
    return q == "all" or (q != "totals" and series in q.split(","))


def _check_series(path, g, gname, series, with_q=True):
    mean_own = None
    for stat in ("mean", "q") if with_q else ("mean",):
        name = f"{series}_{stat}"
        if name not in g:
            if series not in SERIES:
                raise Damaged(f"no series '{series}' (have: {', '.join(sorted(SERIES))})")
            if SERIES[series] and SERIES[series] not in g:
                raise Damaged(f"no series '{series}' in {path}: it has no {SERIES[series]}s")
            raise Damaged(f"{path}: damaged results file: /{gname}/{name}: missing")
        ds = g[name]
        if not isinstance(ds, h5py.Dataset):
            raise Damaged(f"{path}: damaged results file: /{gname}/{name}: not a dataset")
        dims = []
        for i in range(ds.ndim):
            if len(ds.dims[i]) == 0:
                raise Damaged(f"{path}: damaged results file: /{gname}/{name}: dimension {i} has no coordinate")
            dims.append(ds.dims[i].label or ds.dims[i][0].name.rsplit("/", 1)[-1])
        want = (["variant"] if "variant" in g else []) + ["time"]
        if stat == "q" and dims[-1:] != ["quantile"]:
            raise Damaged(f"{path}: damaged results file: /{gname}/{name}: dimensions {tuple(dims)}, "
                          f"the last one not quantile")
        own = dims[len(want):len(dims) - (stat == "q")]
        if dims[:len(want)] != want or len(own) > 1 or (own and own[0] not in SERIES_DIMS):
            raise Damaged(f"{path}: damaged results file: /{gname}/{name}: dimensions {tuple(dims)}")
        if stat == "mean":
            mean_own = own
        elif own != mean_own:
            raise Damaged(f"{path}: damaged results file: /{gname}/{series}_mean: dimensions over "
                          f"{tuple(mean_own)}, /{gname}/{name} over {tuple(own)}")
