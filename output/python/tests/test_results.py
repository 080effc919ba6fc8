"""open_results and variant selection against the file read with h5py."""
import h5py
import numpy as np
import pytest
import xarray as xr

import capsim
from capsim.results import Results


def test_every_group_and_root_attribute(files, results):
    for kind, res in results.items():
        with h5py.File(files[kind], "r") as f:
            groups = {k for k in f if isinstance(f[k], h5py.Group)}
            assert set(res.keys()) == groups, kind
            assert res.attrs["capsim_version"] == f.attrs["capsim_version"].decode() \
                if isinstance(f.attrs["capsim_version"], bytes) else f.attrs["capsim_version"]
            assert int(res.attrs["seed"]) == int(f.attrs["seed"])
            assert int(res.attrs["paths"]) == int(f.attrs["paths"])
            for name in f["totals"]:
                if name in res["totals"].data_vars:
                    np.testing.assert_array_equal(res["totals"][name].values, f["totals"][name][()])
    assert results["run"].command == "run" and results["sweep"].command == "sweep"
    assert results["optimize"].command == "optimize"


def test_optimize_group(files, results):
    g = results["optimize"]["optimize"]
    with h5py.File(files["optimize"], "r") as f:
        np.testing.assert_array_equal(g["mean"].values, f["optimize/mean"][()])
        np.testing.assert_array_equal(g["chosen"].values, f["optimize/chosen"][()])
        assert g["points"].dims == ("point", "decision")
        assert g.attrs["objective_total"] == "pv_net_value"


def test_not_results(tmp_path):
    p = tmp_path / "x.h5"
    p.write_bytes(b"not hdf5")
    with pytest.raises(capsim.NotResults):
        capsim.open_results(str(p))
    with h5py.File(tmp_path / "y.h5", "w") as f:
        f["a"] = 1
    with pytest.raises(capsim.NotResults, match="not a capsim results file"):
        capsim.open_results(str(tmp_path / "y.h5"))
    with pytest.raises(FileNotFoundError):
        capsim.open_results(str(tmp_path / "missing.h5"))


def test_select_variant(files, results):
    res = results["compare"]
    labels = res.variants
    assert labels[1] == files["bigger"]
    st = res["stats"]
    want = st["pv_spend_mean"].values[1]
    for label in (files["bigger"], "bigger-azure", "bigger", 1):
        assert float(capsim.select_variant(st, label)["pv_spend_mean"]) == want
    assert float(capsim.select_variant(st, None)["pv_spend_mean"]) == st["pv_spend_mean"].values[0]
    with pytest.raises(KeyError, match="no variant 'nope'"):
        capsim.select_variant(st, "nope")


def test_variant_index_tolerates_scenario_names():
    labels = ["multicloud-2026", "azure-exclusive-2025", "azure-exclusive-2025-capped"]
    assert capsim.variant_index(labels, "azure-exclusive-2025") == 1        # exact beats prefix
    assert capsim.variant_index(labels, "multi") == 0                       # unique prefix
    assert capsim.variant_index(["scenarios/a.yaml", "scenarios/b.yaml"], "b") == 1
    with pytest.raises(KeyError, match="names several"):
        capsim.variant_index(labels, "azure")
    # a Dataset without variants is itself
    ds = xr.Dataset({"x": ("time", [1.0, 2.0])})
    assert capsim.select_variant(ds, "anything") is ds


def test_results_mapping():
    r = Results("p.h5", {"stats": xr.Dataset()}, {"command": "compare"})
    assert "stats" in r and "/stats" in r and "diff" not in r and len(r) == 1 and r.get("diff") is None
