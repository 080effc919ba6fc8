"""Sweep unstacking, /params in both layouts, per-path totals, present values from saved
paths, key totals, the dollar tornado and the waterfall: numbers against the raw file
and against hand computations."""
import h5py
import numpy as np
import pytest
import xarray as xr

import capsim
from capsim.results import Results
from capsim.tables import present_value, read_params, tornado_usd, waterfall_steps


def test_unstacked_sweep_grid_equals_the_raw_variants(results):
    res = results["sweep"]
    assert res.swept == ["scenario.discount_rate", "contracts.azure-main.capacity.0.count"]
    st, diff = res["stats"], res["diff"]
    ust, udiff = capsim.unstack_sweep(st), capsim.unstack_sweep(diff)
    assert dict(ust.sizes)["scenario.discount_rate"] == 2
    assert list(ust["contracts.azure-main.capacity.0.count"].values) == [40000, 50000, 60000]
    names = [n for n in st.data_vars if "variant" in st[n].dims]
    assert len(names) > 100
    for i in range(st.sizes["variant"]):
        at = {k: float(st[k].values[i]) for k in res.swept}
        for n in names:
            np.testing.assert_array_equal(ust[n].sel(at).values, st[n].isel(variant=i).values, err_msg=n)
        dn = [n for n in diff.data_vars if "variant" in diff[n].dims]
        for n in dn[:50]:
            got = udiff[n].sel(at).values
            if i == 0:   # /diff has no baseline: its grid point is missing
                assert np.all(np.isnan(got)), n
            else:
                np.testing.assert_array_equal(got, diff[n].isel(variant=i - 1).values, err_msg=n)


def test_path_totals_equal_totals_and_stats(files, results):
    for kind in ("run", "compare"):
        res = results[kind]
        with h5py.File(files[kind], "r") as f:
            clouds = [c.decode() if isinstance(c, bytes) else c for c in f["totals/cloud"][()]]
            for v in range(max(1, len(res.variants))):
                t = capsim.path_totals(res, v)
                sel = (v,) if res.variants else ()
                np.testing.assert_array_equal(t["pv_net_value"].values, f["totals/pv_net_value"][sel])
                by = f["totals/pv_spend_by_cloud"][sel]
                for j, c in enumerate(clouds):
                    np.testing.assert_array_equal(t[f"pv_spend_by_cloud[{c}]"].values, by[:, j])
                # pv_spend is the sum over clouds (docs/MODEL.md, "Present values")
                np.testing.assert_allclose(by.sum(axis=1), t["pv_spend"].values, rtol=1e-12)
                st = capsim.select_variant(res["stats"], v)
                for n in ("pv_spend", "pv_value_lost", "months_short"):
                    np.testing.assert_allclose(t[n].values.mean(), float(st[f"{n}_mean"]), rtol=1e-12)
                    # the file's quantiles of totals are numpy's, to the bit (docs/OUTPUT.md)
                    np.testing.assert_array_equal(np.quantile(t[n].values, st["quantile"].values),
                                                  st[f"{n}_q"].values)


@pytest.mark.parametrize("series,total", [(["spend", "spot_spend"], "pv_spend"), ("revenue", "pv_revenue"),
                                          ("stranded", "pv_stranded"), ("value_lost", "pv_value_lost")])
def test_present_values_of_saved_paths_equal_totals(results, series, total):
    for kind in ("run", "compare"):
        res = results[kind]
        for v in range(max(1, len(res.variants))):
            pv = present_value(res, series, v).values
            want = capsim.path_totals(res, v)[total].values[:len(pv)]
            assert len(pv) in (40, 30)
            np.testing.assert_allclose(pv, want, rtol=1e-12, atol=1e-6)


def test_params_in_both_layouts(files, results):
    res = results["compare"]
    p = read_params(res)
    with h5py.File(files["compare"], "r") as f:
        keys = [k for k in f["params"] if k not in ("path", "variant") and f["params"][k].ndim == 2]
        kp = {k: f["params"][k].attrs.get("key_path", k) for k in keys}
        kp = {k: v.decode() if isinstance(v, bytes) else str(v) for k, v in kp.items()}
        assert sorted(p.data_vars) == sorted(kp.values())
        assert "demand.inference.growth" in p.data_vars   # named by key path, whatever the dataset's name
        for k in keys:
            np.testing.assert_array_equal(p[kp[k]].values, f["params"][k][()])
        # the key paths are /sensitivity's param labels
        assert set(p.data_vars) == {str(x) for x in res["sensitivity"]["param"].values}
    # the 2-D layout: one value(variant, path, param) with a param label coordinate, and
    # an unknown extra variable (time_bnds) that is ignored
    names = list(p.data_vars)
    value = np.stack([p[k].values for k in names], axis=-1)
    two = xr.Dataset({"value": (("variant", "path", "param"), value),
                      "units": (("param",), np.array([p[k].attrs.get("units", "") for k in names], dtype=object)),
                      "time_bnds": (("time", "nv"), np.zeros((3, 2)))},
                     coords={"param": np.array(names, dtype=object), "variant": res["params"]["variant"].values})
    q = read_params(Results("x.h5", {"params": two}, {}))
    assert sorted(q.data_vars) == sorted(names)
    for k in names:
        np.testing.assert_array_equal(q[k].values, p[k].values)
        assert q[k].attrs["units"] == p[k].attrs.get("units", "")
    # the two layouts give the same tornado
    fake = Results("x.h5", {"params": two, "totals": res["totals"], "stats": res["stats"]}, {})
    assert tornado_usd(fake, "pv_spend") == tornado_usd(res, "pv_spend")


def test_tornado_usd_by_hand():
    # 9 paths; x = 0..8 and total = 10 x: terciles of x at 8/3 and 16/3, so the low group
    # is x in {0, 1, 2} (mean total 10), the high group {6, 7, 8} (mean 70): change 60.
    # z = 1 - x/8 drives it the other way; a constant value has no row.
    x = np.arange(9.0)
    params = xr.Dataset({"a": ("path", x), "b": ("path", 1 - x / 8), "c": ("path", np.full(9, 3.0))})
    totals = xr.Dataset({"t": ("path", 10 * x), "u": ("path", x ** 2)})
    res = Results("x.h5", {"params": params, "totals": totals, "stats": xr.Dataset()}, {})
    rows = tornado_usd(res, "t")
    assert [r["param"] for r in rows] == ["a", "b"]
    assert rows[0]["low"] == 10 and rows[0]["high"] == 70 and rows[0]["change"] == 60
    assert rows[1]["change"] == -60 and rows[0]["n_low"] == 3 and rows[0]["n_high"] == 3
    # deciles: q(0.1) = 0.8, q(0.9) = 7.2: x = 0 against x = 8; u = x^2: 64 - 0
    rows = tornado_usd(res, "u", frac=0.1)
    assert rows[0]["low"] == 0 and rows[0]["high"] == 64 and rows[0]["n_low"] == 1
    with pytest.raises(KeyError):
        tornado_usd(res, "nope")


def test_tornado_usd_on_the_file(results):
    res = results["run"]
    rows = tornado_usd(res, "pv_turned_down_revenue")
    t = capsim.path_totals(res)["pv_turned_down_revenue"].values
    p = read_params(res)
    for r in rows[:3]:
        x = p[r["param"]].values
        lo, hi = np.quantile(x, [1 / 3, 2 / 3])
        assert r["change"] == pytest.approx(t[x >= hi].mean() - t[x <= lo].mean(), rel=1e-12)
    assert abs(rows[0]["change"]) >= abs(rows[-1]["change"])
    # the strongest driver by dollars is among the strongest by rank correlation
    rc = res["sensitivity"]["rank_corr"].sel(total="pv_turned_down_revenue")
    top = [str(rc["param"].values[i]) for i in np.argsort(-np.abs(rc.values))[:3]]
    assert rows[0]["param"] in top


def test_waterfall_adds_up(results):
    for kind in ("compare", "optimize"):
        res = results[kind]
        d = res["diff"]
        for v in range(d.sizes["variant"]):
            steps = waterfall_steps(res, v)
            dv = d.isel(variant=v)
            assert steps[0] == ("value served", float(dv["pv_value_mean"]))
            assert steps[-1] == ("net value", float(dv["pv_net_value_mean"]))
            parts = sum(a for _, a in steps[:-1])
            assert parts == pytest.approx(steps[-1][1], rel=1e-9, abs=1e-3)
            clouds = {k: a for k, a in steps if k.startswith("spend: ")}
            for c in d["cloud"].values:
                assert clouds[f"spend: {c}"] == -float(dv["pv_spend_by_cloud_mean"].sel(cloud=c))
    assert waterfall_steps(results["run"]) is None


def test_key_totals(results):
    res = results["run"]
    st = res["stats"]
    rows = {r["name"]: r for r in capsim.key_totals(res)}
    assert rows["pv_spend"]["mean"] == float(st["pv_spend_mean"])
    assert rows["pv_spend"]["p95"] == float(st["pv_spend_q"].sel(quantile=0.95))
    assert rows["pv_net_value"]["es_lo"] == float(st["pv_net_value_es_lo"])
    assert rows["pv_spend"]["units"] == "USD" and rows["pv_spend"]["better"] == "lower"


def test_pareto_front():
    x = [1, 2, 3, 2.5, 4]
    y = [5, 3, 1, 4, 0.5]
    # (2.5, 4) is beaten by (2, 3) on both; the rest trade spend for shortfall
    assert capsim.pareto_front(x, y) == [0, 1, 2, 4]
    assert capsim.pareto_front([1, 1], [2, 2]) == [0, 1]
