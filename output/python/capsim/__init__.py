"""capsim: read capsim's results files (HDF5, docs/OUTPUT.md) into xarray and draw them.

    import capsim
    res = capsim.open_results("results/default.h5")   # group name -> xarray.Dataset
    res["stats"].unmet_q.sel(segment="training", quantile=0.95)
    capsim.fan(res, "unmet").savefig("fan.png")          # every chart returns a Figure
    capsim.write_report(res, "report.html")              # one self-contained HTML page

Needs Debian's python3-numpy, python3-h5py, python3-xarray (with python3-h5netcdf) and
python3-matplotlib.
"""
from .results import NotResults, Results, open_results  # noqa: F401
from .variants import select_variant, short_label, unstack_sweep, variant_index  # noqa: F401
from .tables import (key_totals, path_totals, present_value, read_params, tornado_usd as tornado_usd_table,  # noqa: F401
                     waterfall_steps)
from .style import ScaledFormatter, fmt_value, provenance, save  # noqa: F401
from .charts_run import cash_fan, exceedance, fan, options_exercised, spend_by_cloud, supply_demand  # noqa: F401
from .charts_compare import compare_totals, pareto_front, spend_shortfall, sweep_curves, waterfall  # noqa: F401
from .charts_sens import sobol, tornado, tornado_usd  # noqa: F401
from .charts_opt import frontier  # noqa: F401

__version__ = "0.1.0"
__all__ = ["NotResults", "Results", "open_results", "select_variant", "short_label", "unstack_sweep",
           "variant_index", "key_totals", "path_totals", "present_value", "read_params", "tornado_usd_table",
           "waterfall_steps", "ScaledFormatter", "fmt_value", "provenance", "save", "cash_fan", "exceedance", "fan",
           "options_exercised", "spend_by_cloud", "supply_demand", "compare_totals", "pareto_front",
           "spend_shortfall", "sweep_curves", "waterfall", "sobol", "tornado", "tornado_usd", "frontier", "charts"]


def charts(res, series="unmet", total="pv_turned_down_revenue", variant=None):
    """Every chart the file supports, as (file stem, Figure) pairs in a fixed order:
    what output/plot.py writes and the report shows. Figures are made one at a time (a
    generator), so that a caller can save and close each before the next."""
    if series != "cash":   # cash has its own fan chart, in $B with the zero line
        yield f"fan_{series}", lambda: fan(res, series, variant)
    yield "spend_by_cloud", lambda: spend_by_cloud(res, variant)
    yield "supply_demand", lambda: supply_demand(res, variant)
    yield "exceedance", lambda: exceedance(res)
    yield "options_exercised", lambda: options_exercised(res)
    yield "fan_cash", lambda: cash_fan(res, variant)
    yield "frontier", lambda: frontier(res)
    yield f"tornado_{total}", lambda: tornado(res, total, variant)
    yield f"tornado_usd_{total}", lambda: tornado_usd(res, total, variant)
    yield f"sobol_{total}", lambda: sobol(res, total, variant)
    if "diff" in res and "variant" in res["stats"].dims:
        yield f"diff_fan_{series}", lambda: fan(res, series, None, diff=True)
        yield "compare_totals", lambda: compare_totals(res)
        yield "waterfall", lambda: waterfall(res)
        yield "spend_shortfall", lambda: spend_shortfall(res)
        for key, fig in sweep_curves(res).items():
            yield f"sweep_{key}", (lambda f=fig: f)
