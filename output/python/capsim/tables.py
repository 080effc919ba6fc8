"""Numbers derived from a results file, for plots, reports and notebooks: the sampled
values (/params, in either layout), per-path totals, present values from saved paths,
key totals, the dollar tornado and the waterfall of a paired difference."""
import numpy as np
import xarray as xr

from .variants import select_variant

# Net value first: it is what a contract decision turns on (docs/MODEL.md section 10);
# files written before it have none of the value totals and show the rest.
KEY_TOTALS = ["pv_net_value", "pv_value_lost", "pv_spend", "pv_stranded", "pv_turned_down_revenue",
              "pv_revenue_share", "unmet_h100e_hours", "months_short", "outstanding_commitment",
              "min_cash", "peak_funding_need"]
# The totals of the paired-difference charts (one panel each: fewer, so they stay legible).
CHART_TOTALS = ["pv_net_value", "pv_value_lost", "pv_spend", "pv_stranded", "pv_turned_down_revenue",
                "pv_revenue_share", "unmet_h100e_hours", "outstanding_commitment"]


def read_params(res):
    """/params as one variable per sampled value, named by its key path (the `key_path`
    attribute where the dataset's own name is a CF-safe form of it), over
    ([variant,] path), with its units: the one reader of both layouts, one dataset per
    key path (capsim before CF) or one `value([variant,] path, param)` with a `param`
    label coordinate. Coordinates along variant (a sweep's varied values) and variables
    of neither shape (time_bnds and the like) are left out. None without /params."""
    p = res.get("params") if hasattr(res, "get") else res
    if p is None:
        return None
    if "value" in p.data_vars and "param" in p["value"].dims:
        v = p["value"]
        units = p["units"].values if "units" in p.data_vars and p["units"].dims == ("param",) else None
        out = {}
        for i, name in enumerate(str(x) for x in p["param"].values):
            da = v.isel(param=i, drop=True)
            da.attrs = {"key_path": name, "units": str(units[i]) if units is not None else v.attrs.get("units", "")}
            out[name] = da
        return xr.Dataset(out)
    # Datasets are named by a CF-safe form of the key path (demand_chatgpt_growth) since
    # the CF layout; the key path itself is in their key_path attribute (docs/OUTPUT.md).
    keep = {}
    for k in p.data_vars:
        if "path" in p[k].dims and set(p[k].dims) <= {"variant", "path"}:
            keep[str(p[k].attrs.get("key_path", k))] = p[k]
    return xr.Dataset(keep)


def path_totals(res, variant=None):
    """Every per-path total of /totals as a Dataset over ([variant,] path): scalar totals
    as they are, totals over an element dimension (pv_spend_by_cloud over cloud,
    option_month over option) one variable per element, named as /sensitivity labels
    them: `pv_spend_by_cloud[azure]`. variant: a label or index (select_variant), or None
    for all variants."""
    t = select_variant(res["totals"], variant) if variant is not None else res["totals"]
    out = {}
    for k in t.data_vars:
        da = t[k]
        if "path" not in da.dims:
            continue
        own = [d for d in da.dims if d not in ("variant", "path")]
        if not own:
            out[k] = da
        elif len(own) == 1:
            for e in da[own[0]].values:
                out[f"{k}[{e}]"] = da.sel({own[0]: e}, drop=True)
    return xr.Dataset(out)


def discount_rate(res, variant=None):
    """The discount rate of a variant: a sweep's varied value when it varied it, else the
    root attribute (the baseline scenario's)."""
    st = res["stats"]
    key = "scenario.discount_rate"
    if key in st.coords and st[key].dims == ("variant",):
        return float(select_variant(st[key].to_dataset(), variant if variant is not None else 0)[key])
    return float(res.attrs.get("discount_rate", 0.0))


def present_value(res, series, variant=None, rate=None):
    """The present value per path of monthly money series (names in /paths, summed over
    their element dimension), month t discounted by (1 + rate)^(-t/12) as the model
    discounts (docs/MODEL.md, "Present values"): over the saved paths (--save-paths K),
    one value per path. rate defaults to discount_rate(res, variant)."""
    if "paths" not in res:
        raise KeyError("the file has no /paths (run capsim with --save-paths K)")
    p = select_variant(res["paths"], variant) if variant is not None else select_variant(res["paths"], 0)
    r = discount_rate(res, variant) if rate is None else rate
    total = 0
    for s in [series] if isinstance(series, str) else series:
        da = p[s]
        own = [d for d in da.dims if d not in ("path", "time")]
        total = total + (da.sum(own) if own else da)
    t = np.arange(p.sizes["time"], dtype=float)
    disc = xr.DataArray((1.0 + r) ** (-t / 12.0), dims=["time"])
    return (total * disc).sum("time")


def key_totals(res, variant=None, names=KEY_TOTALS):
    """Rows (name, long name, units, better, mean, se, es_lo, p5, p50, p95, es_hi) of the
    key totals /stats holds, at one variant (None: the baseline)."""
    st = select_variant(res["stats"], variant)
    rows = []
    for n in names:
        if f"{n}_mean" not in st or st[f"{n}_mean"].ndim != 0:
            continue
        m = st[f"{n}_mean"]

        def g(suffix, **sel):
            v = st.get(f"{n}_{suffix}")
            return float(v.sel(**sel)) if v is not None else float("nan")
        rows.append(dict(name=n, long_name=long_name(m), units=m.attrs.get("units", ""),
                         better=m.attrs.get("better", ""), mean=float(m), se=g("se"), es_lo=g("es_lo"),
                         p5=g("q", quantile=0.05), p50=g("q", quantile=0.5), p95=g("q", quantile=0.95),
                         es_hi=g("es_hi")))
    return rows


def long_name(da):
    """A variable's long name without the statistic's ", mean over paths"."""
    s = str(da.attrs.get("long_name", da.name))
    for tail in (", mean over paths", " mean over paths"):
        s = s.replace(tail, "")
    return s


def tornado_usd(res, total, variant=None, frac=1 / 3):
    """For each sampled value x of a variant: the mean of `total` (a /totals name or
    `name[element]`) over the paths with x at or above its (1 - frac) quantile, minus
    its mean over the paths with x at or below its frac quantile (numpy's default
    quantile; frac 1/3: terciles, 0.1: deciles). Rows (param, units, low mean, high mean,
    high - low), largest |high - low| first. Values that are the same on every path have
    no row."""
    tot = path_totals(res, variant if variant is not None else 0)
    if total not in tot:
        raise KeyError(f"no total '{total}' (have: {', '.join(tot.data_vars)})")
    y = np.asarray(tot[total].values, dtype=float)
    params = read_params(res)
    if params is None:
        return []
    params = select_variant(params, variant if variant is not None else 0)
    rows = []
    for name in params.data_vars:
        x = np.asarray(params[name].values, dtype=float)
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.sum() < 3 or np.all(x[ok] == x[ok][0]):
            continue
        lo_q, hi_q = np.quantile(x[ok], [frac, 1 - frac])
        lo, hi = ok & (x <= lo_q), ok & (x >= hi_q)
        ml, mh = float(y[lo].mean()), float(y[hi].mean())
        rows.append(dict(param=str(name), units=params[name].attrs.get("units", ""), low=ml, high=mh,
                         change=mh - ml, n_low=int(lo.sum()), n_high=int(hi.sum())))
    rows.sort(key=lambda r: -abs(r["change"]))
    return rows


def waterfall_steps(res, variant=None):
    """The mean paired difference of net value (variant - baseline, from /diff) in its
    parts, pv_net_value = pv_value - pv_spend - pv_revenue_share with pv_spend by cloud:
    a list of (label, amount) whose amounts add up to the difference of net value (an
    `other spend` step holds any spend that is in no cloud's), then ("net value", total).
    variant: of /diff (None: its first). None when the file lacks these totals."""
    if "diff" not in res:
        return None
    d = select_variant(res["diff"], variant)
    need = ["pv_net_value_mean", "pv_value_mean", "pv_spend_mean", "pv_revenue_share_mean"]
    if any(n not in d for n in need):
        return None
    steps = [("value served", float(d["pv_value_mean"]))]
    spend = float(d["pv_spend_mean"])
    by = 0.0
    if "pv_spend_by_cloud_mean" in d and "cloud" in d["pv_spend_by_cloud_mean"].dims:
        for c in d["cloud"].values:
            v = float(d["pv_spend_by_cloud_mean"].sel(cloud=c))
            steps.append((f"spend: {c}", -v))
            by += v
    else:
        steps.append(("spend", -spend))
        by = spend
    if abs(spend - by) > 1e-9 * max(abs(spend), 1.0):
        steps.append(("other spend", -(spend - by)))
    steps.append(("revenue share", -float(d["pv_revenue_share_mean"])))
    steps.append(("net value", float(d["pv_net_value_mean"])))
    return steps
