"""Variants of compare, sweep and optimize files: choosing one, naming one, and the grid
of a sweep as its own dimensions."""
import os

import numpy as np


def short_label(label):
    """A variant label for titles and legends: a scenario file's name without its folder
    and .yaml; any other label (key=value;... of sweeps, scenario names, w0.5) as it is."""
    label = str(label)
    if label.endswith((".yaml", ".yml")):
        return os.path.splitext(os.path.basename(label))[0]
    return label


def variant_index(labels, label):
    """The index of `label` among `labels`: the exact label, else the one whose short
    name (file name without folder and .yaml) is `label`, else the one label that starts
    with it (or whose short name does). Labels may be file paths or scenario names
    (whichever capsim wrote), so all three are tried, in that order. Raises KeyError
    naming the labels when none or several match."""
    labels = [str(v) for v in labels]
    label = str(label)
    if label in labels:
        return labels.index(label)
    for cands in ([i for i, v in enumerate(labels) if short_label(v) == label],
                  [i for i, v in enumerate(labels) if v.startswith(label) or short_label(v).startswith(label)]):
        if len(cands) == 1:
            return cands[0]
        if len(cands) > 1:
            raise KeyError(f"variant '{label}' names several: {', '.join(labels[i] for i in cands)}")
    raise KeyError(f"no variant '{label}' (have: {', '.join(labels)})")


def select_variant(ds, label=None):
    """ds at one variant: `label` (see variant_index), an int index, or None for the
    first (the baseline of /stats, /totals...; /diff's first non-baseline variant). A
    Dataset without a variant dimension is returned as it is."""
    if ds is None or "variant" not in ds.dims:
        return ds
    if label is None:
        return ds.isel(variant=0)
    if isinstance(label, (int, np.integer)):
        return ds.isel(variant=int(label))
    return ds.isel(variant=variant_index(ds["variant"].values, label))


def swept_keys(ds):
    """The numeric coordinates along variant: the key paths a sweep varied."""
    return [str(c) for c in ds.coords if c != "variant" and ds[c].dims == ("variant",) and ds[c].dtype.kind in "fiu"]


def unstack_sweep(ds):
    """A sweep's Dataset with its variant dimension replaced by one dimension per varied
    key path (in the order of --vary), so that st.pv_spend_mean.sel(**{key: value})
    works on the grid. Grid points the Dataset lacks are NaN: /diff has no baseline, so
    its first grid point is missing. A Dataset that was not swept is returned as it is."""
    keys = swept_keys(ds)
    if not keys or "variant" not in ds.dims:
        return ds
    return ds.drop_vars("variant").set_index(variant=keys).unstack("variant")


def grid_values(ds, key):
    """The distinct values of one varied key path, sorted."""
    return np.unique(np.asarray(ds[key].values, dtype=float))
