#!/usr/bin/env python3
"""same_results_ignore.py OLD.h5 NEW.h5 NAME[,NAME...]: the groups of two results files
hold the same results bit for bit, except for outputs NEW has and OLD does not, which
must all be named (tools/same_results.sh --ignore-new; the root attributes are compared
there). Used when a change adds outputs (a series or a total) and must move no other bit.

What may differ, and only that:
  - objects only in NEW whose name is NAME or NAME_<statistic> (value_lost_mean,
    pv_value_es_lo) for a
    NAME given; any other object only in one file is a difference;
  - datasets along an axis that NEW extends (the sensitivity tables have one row per
    total): OLD must equal NEW's leading part bit for bit, and the extra labels of a
    string dimension scale so extended (/sensitivity/total) must be names given
    (NAME or NAME[element]);
  - REFERENCE_LIST of a dimension scale: NEW's may add the datasets of names given.
Every other dataset is compared byte for byte (NaN payloads included), every other
attribute by value, object references by the path they point to.
"""
import sys

import h5py
import numpy as np

old_path, new_path, names = sys.argv[1], sys.argv[2], set(sys.argv[3].split(","))
problems = []
STATS = ("mean", "sd", "se", "min", "max", "q", "ppos", "pneg", "es_lo", "es_hi")


def ignored(path):
    base = path.rsplit("/", 1)[-1]
    return base in names or any(base == f"{n}_{s}" for n in names for s in STATS)


def walk(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__("/" + name, obj))
    return out


def ref_names(f, value):
    """An attribute value with every object reference replaced by its path."""
    if isinstance(value, h5py.Reference):
        return f[value].name if value else None
    if isinstance(value, np.ndarray) and value.dtype.names:
        return [tuple(ref_names(f, x) for x in row) for row in value.tolist()]
    if isinstance(value, (np.ndarray, list, tuple)):
        return [ref_names(f, x) for x in value]
    if isinstance(value, np.void):
        return tuple(ref_names(f, x) for x in value)
    return value


def same_value(a, b):
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    return type(a) is type(b) and (a == b if not isinstance(a, float) else
                                   np.float64(a).tobytes() == np.float64(b).tobytes())


def compare_attrs(fo, fn, path, oo, on):
    ka, kb = set(oo.attrs), set(on.attrs)
    if ka != kb:
        problems.append(f"{path}: attributes {sorted(ka ^ kb)} in one file only")
    for k in sorted(ka & kb):
        a, b = oo.attrs[k], on.attrs[k]
        ra, rb = ref_names(fo, a), ref_names(fn, b)
        if k == "REFERENCE_LIST":
            sa, sb = set(ra), set(rb)
            extra = sb - sa
            if not sa <= sb or any(not ignored(p) for p, _ in extra):
                problems.append(f"{path}: REFERENCE_LIST differs beyond the new outputs")
        elif ra is not a or rb is not b:
            if ra != rb:
                problems.append(f"{path}: attribute {k} differs")
        elif not same_value(a, b):
            problems.append(f"{path}: attribute {k} differs")


def extended_axis(a, b):
    """The one axis along which b extends a (same shape elsewhere), or None."""
    if a.ndim != b.ndim:
        return None
    diff = [i for i in range(a.ndim) if a.shape[i] != b.shape[i]]
    if len(diff) != 1 or b.shape[diff[0]] < a.shape[diff[0]]:
        return None
    return diff[0]


def compare_data(path, do, dn):
    a, b = do[()], dn[()]
    if not isinstance(a, np.ndarray):
        if not same_value(np.asarray(a), np.asarray(b)):
            problems.append(f"{path}: differs")
        return
    if a.dtype != b.dtype:
        problems.append(f"{path}: type {a.dtype} vs {b.dtype}")
        return
    if a.shape == b.shape:
        if a.dtype.kind == "O":
            if a.tolist() != b.tolist():
                problems.append(f"{path}: differs")
        elif a.tobytes() != b.tobytes():
            problems.append(f"{path}: differs")
        return
    ax = extended_axis(a, b)
    if ax is None:
        problems.append(f"{path}: shape {a.shape} vs {b.shape}")
        return
    lead = np.take(b, range(a.shape[ax]), axis=ax)
    same = a.tolist() == lead.tolist() if a.dtype.kind == "O" else a.tobytes() == lead.tobytes()
    if not same:
        problems.append(f"{path}: the leading part of NEW differs from OLD")
    scale = dn.attrs.get("CLASS", b"") in (b"DIMENSION_SCALE", "DIMENSION_SCALE")
    if scale and a.dtype.kind in "SOU" and a.ndim == 1:   # labels: the extras are new names
        extra = [x.decode() if isinstance(x, bytes) else str(x) for x in b[a.shape[0]:]]
        bad = sorted({x for x in extra if x.split("[")[0] not in names})
        if bad:
            problems.append(f"{path}: new labels {bad} are not among the ignored names")


def main():
    with h5py.File(old_path, "r") as fo, h5py.File(new_path, "r") as fn:
        po, pn = walk(fo), walk(fn)
        for p in sorted(set(po) - set(pn)):
            problems.append(f"{p}: only in OLD")
        for p in sorted(set(pn) - set(po)):
            if not ignored(p):
                problems.append(f"{p}: only in NEW (not an ignored name)")
        for p in sorted(set(po) & set(pn)):
            oo, on = po[p], pn[p]
            if type(oo) is not type(on):
                problems.append(f"{p}: a {type(oo).__name__} vs a {type(on).__name__}")
                continue
            compare_attrs(fo, fn, p, oo, on)
            if isinstance(oo, h5py.Dataset):
                compare_data(p, oo, on)
    for p in problems[:20]:
        print("differs:", p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
