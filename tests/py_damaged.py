#!/usr/bin/python3
"""py_damaged: results files that are not capsim's, or are damaged, refused with exit 2.

Run by tests/run_tests.sh under Debian's /usr/bin/python3 (h5py) with CAPSIM and BUILD in
the environment. Valid files of every kind (run with saved paths, compare, sweep,
saltelli, no contracts, no uncertain values, shards with an empty one, their merge) are
read by `summary` and `export` with exit 0 and merged with exit 0: the check of a file
never refuses what capsim writes. Then damaged copies, made with h5py:

  results files   not HDF5, truncated, an HDF5 file of someone else, a directory, a FIFO,
                  /stats/unmet_q deleted, a statistic reshaped (with and without its
                  coordinates), a statistic attribute changed, the `paths` attribute
                  negative or not that of /totals, `variants` or `months` impossible or of
                  the wrong type, an external link, /diff deleted, `save_paths` not that
                  of /paths, a path dimension of 2^39 that the file does not store;
  shard files     /shard nvariants = 2^40, an accumulator dataset with the wrong words,
                  empty, claiming 2^40 words, with its compressed bytes overwritten;
                  nsets = 1e30, /shard/yearly deleted, superblock_end or total_paths
                  impossible, a /totals dataset reshaped; and a file the fuzzer found
                  (tests/fuzz/corpus/fuzz_results/crash-dense-link-table);

`summary`, `export` and `merge` each exit 2 with a message that names what is wrong
(export: 1 is accepted, with a SKIP note, until output/export.h defines
EXPORT_BAD_INPUT), under an address-space limit of 2 GB and a timeout (nothing is
allocated from a number in the file, nothing hangs on a FIFO); merge leaves no output and
never prints a stale errno ("Inappropriate ioctl for device"). A shard's /shard group is
read by merge alone: summary and export read a shard whose /shard is damaged as the
results file of its paths. output/plot.py exits 2 with a message on the damaged files
it reads.

Prints "N passed, N failed" and exits non-zero on failure.
"""
import os
import resource
import shutil
import subprocess
import sys
import tempfile

try:
    import h5py
    import numpy as np
except ImportError as e:  # cannot run here: a skip (exit 77), not a failure
    print(f"SKIP: Python module {e.name} not installed")
    sys.exit(77)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", "build")
CAPSIM = os.environ.get("CAPSIM", os.path.join(ROOT, BUILD, "capsim"))
PYTHON = os.environ.get("PYTHON", "/usr/bin/python3")
PLOT = os.environ.get("PLOT", os.path.join(ROOT, "output", "plot.py"))
SCEN = os.path.join(ROOT, "tests", "scenarios")
LIMIT_AS = 2_000_000 * 1024   # ulimit -v 2000000
TIMEOUT = 60
# export maps the reader's status to exit 2 once export.h has EXPORT_BAD_INPUT (until then
# exit 1 is let through for export, with one SKIP line; its message is checked all the same)
with open(os.path.join(ROOT, "output", "export.h")) as fh:
    STRICT_EXPORT = "EXPORT_BAD_INPUT" in fh.read()

passed = 0
failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def limited():
    if LIMIT_AS:
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT_AS, LIMIT_AS))


class Timeout:
    returncode = -999
    stdout = ""
    stderr = "(timed out)"


def run(args, limit=True, timeout=TIMEOUT):
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                              preexec_fn=limited if limit else None)
    except subprocess.TimeoutExpired:
        return Timeout()


def capsim(*args, **kw):
    return run([CAPSIM] + list(args), **kw)


def must(r, what):
    if r.returncode != 0:
        print(r.stderr)
        raise SystemExit(f"cannot make the test files: {what} exited {r.returncode}")


tmp = tempfile.mkdtemp(prefix="py_damaged.")
T = lambda *p: os.path.join(tmp, *p)  # noqa: E731
ER = os.path.join(SCEN, "every-randomness.yaml")
SOBOL = os.path.join(SCEN, "sobol-additive.yaml")
SB = "512"
NSH = 4


def make_valid():
    """Files of every kind capsim writes; returns their paths by name."""
    with open(SOBOL) as fh:
        text = fh.read()
    nocontract = text[: text.index("contracts:")]
    with open(T("nocontract.yaml"), "w") as fh:
        fh.write(nocontract)
    fixed = nocontract.replace("{ dist: uniform, min: 1, max: 5 }", "3").replace(
        "{ dist: uniform, min: 0, max: 1000 }", "500").replace("{ dist: uniform, min: 0, max: 2000 }", "900")
    fixed = fixed.replace("sampling: saltelli", "sampling: random")
    with open(T("fixed.yaml"), "w") as fh:
        fh.write(fixed)
    files = {
        "run": ("run", ER, "--paths", "600", "--save-paths", "3"),
        "compare": ("compare", ER, ER, "--paths", "300"),
        "sweep": ("sweep", SOBOL, "--vary", "contracts.big.price.h100=1,2", "--paths", "300"),
        "saltelli": ("run", SOBOL, "--paths", "300"),
        "nocontract": ("run", T("nocontract.yaml"), "--paths", "200"),
        "fixed": ("run", T("fixed.yaml"), "--paths", "200"),
    }
    out = {}
    for name, args in files.items():
        out[name] = T(name + ".h5")
        must(capsim(*args, "--quiet", "-o", out[name]), name)
    # 1200 paths in superblocks of 512: 3 superblocks over 4 shards, shard 0 empty; the
    # first 600 paths saved (shards 1 and 2 have some)
    for i in range(NSH):
        out[f"shard{i}"] = T(f"shard{i}.h5")
        must(capsim("run", ER, "--paths", "1200", "--save-paths", "600", "--superblock-paths", SB, "--shard",
                    f"{i}/{NSH}", "--quiet", "-o", out[f"shard{i}"]), f"shard {i}")
    out["merged"] = T("merged.h5")
    must(capsim("merge", *[out[f"shard{i}"] for i in range(NSH)], "--quiet", "-o", out["merged"]), "merge")
    return out


def check_valid(files):
    for name, path in files.items():
        r = capsim("summary", path)
        check(r.returncode == 0, f"valid {name}: summary exits 0 (got {r.returncode}: {r.stderr.strip()})")
        d = T("csv_" + name)
        r = capsim("export", path, "--csv", d)
        check(r.returncode == 0, f"valid {name}: export exits 0 (got {r.returncode}: {r.stderr.strip()})")
        shutil.rmtree(d, ignore_errors=True)


# --- damage ----------------------------------------------------------------------------

def copy(src, name):
    dst = T(name)
    shutil.copy(src, dst)
    return dst


def edit(src, name, fn):
    dst = copy(src, name)
    with h5py.File(dst, "a") as f:
        fn(f)
    return dst


def replace(f, path, data, dims=None):
    """Dataset path replaced by data; dims: coordinates to attach, one per dimension."""
    del f[path]
    f[path] = data
    for i, c in enumerate(dims or []):
        f[path].dims[i].attach_scale(f[c])


def huge_paths(f):
    """Every per-path dataset grown to 2^39 paths that are never written."""
    n = 1 << 39
    f.attrs["paths"] = np.int64(n)
    for g in ("totals", "params"):
        for k, ds in f[g].items():
            if ds.maxshape and None in ds.maxshape:
                shape = list(ds.shape)
                shape[ds.maxshape.index(None)] = n
                ds.resize(shape)


def results_cases(v):
    """(name, file, what the message must name) for damaged results files."""
    run, cmp_ = v["run"], v["compare"]
    cases = []
    with open(T("text.h5"), "w") as fh:
        fh.write("hello, not HDF5\n")
    cases.append(("not HDF5", T("text.h5"), "not an HDF5 file"))
    with open(run, "rb") as fh:
        b = fh.read()
    with open(T("trunc.h5"), "wb") as fh:
        fh.write(b[: len(b) // 2])
    cases.append(("truncated", T("trunc.h5"), "truncated"))
    with h5py.File(T("foreign.h5"), "w") as f:
        f["x"] = np.arange(10.0)
        f.attrs["title"] = "someone else's"
    cases.append(("foreign HDF5", T("foreign.h5"), "not a capsim results file"))
    os.mkdir(T("adir.h5"))
    cases.append(("a directory", T("adir.h5"), "Is a directory"))
    os.mkfifo(T("fifo.h5"))
    cases.append(("a FIFO", T("fifo.h5"), "not a regular file"))
    cases.append(("/stats/unmet_q deleted", edit(run, "nounmetq.h5", lambda f: f.__delitem__("stats/unmet_q")),
                  "/stats/unmet_q: missing"))
    # Files from before the second edition lack every one of its outputs, and are read
    # (tests/cli_old_files.sh); a file with some of them must have them all.
    cases.append(("/totals/pv_net_value deleted", edit(run, "nonet.h5", lambda f: f.__delitem__("totals/pv_net_value")),
                  "/totals/pv_net_value: missing"))
    cases.append(("/stats/value_lost_q deleted", edit(run, "novlq.h5", lambda f: f.__delitem__("stats/value_lost_q")),
                  "/stats/value_lost_q: missing"))
    # Owned capacity and cash (docs/MODEL.md 5, "Owned capacity" and "Cash") are the third edition: a file with
    # cash but without pv_capex is damaged, not old.
    cases.append(("/stats/pv_capex_q deleted", edit(run, "nocapexq.h5", lambda f: f.__delitem__("stats/pv_capex_q")),
                  "/stats/pv_capex_q: missing"))
    cases.append(("/totals/min_cash deleted", edit(run, "nomincash.h5", lambda f: f.__delitem__("totals/min_cash")),
                  "/totals/min_cash: missing"))
    cases.append(("/stats/pv_spend_q reshaped", edit(run, "reshape.h5", lambda f: replace(
        f, "stats/pv_spend_q", f["stats/pv_spend_q"][:5])), "/stats/pv_spend_q"))

    def unmet_over_clouds(f):
        a = f["stats/unmet_mean"][...]
        nc = f["stats/cloud"].shape[0]
        replace(f, "stats/unmet_mean", a[:, :1].repeat(nc, axis=1), ["stats/time", "stats/cloud"])
    cases.append(("/stats/unmet_mean over clouds", edit(run, "overclouds.h5", unmet_over_clouds),
                  "/stats/unmet_mean: dimensions"))
    cases.append(("statistic attribute changed", edit(run, "statattr.h5", lambda f: f["stats/unmet_mean"].attrs.__setitem__(
        "statistic", "sd")), "/stats/unmet_mean: attribute statistic"))
    cases.append(("paths = -5", edit(run, "paths-5.h5", lambda f: f.attrs.__setitem__("paths", np.int64(-5))),
                  "attribute paths: -5"))
    cases.append(("paths = 7", edit(run, "paths7.h5", lambda f: f.attrs.__setitem__("paths", np.int64(7))),
                  "attribute paths says 7"))
    cases.append(("variants = 2", edit(run, "variants2.h5", lambda f: f.attrs.__setitem__("variants", np.int64(2))),
                  "/stats/variant: missing"))
    cases.append(("months = 1e9", edit(run, "months.h5", lambda f: f.attrs.__setitem__("months", np.int64(10**9))),
                  "attribute months"))
    cases.append(("months a string", edit(run, "monthstr.h5", lambda f: f.attrs.__setitem__("months", "24")),
                  "attribute months: not an integer"))

    def external(f):
        del f["stats/unmet_q"]
        f["stats/unmet_q"] = h5py.ExternalLink(T("foreign.h5"), "/x")
    cases.append(("external link", edit(run, "extlink.h5", external), "/stats/unmet_q: a soft or external link"))
    cases.append(("/diff deleted", edit(cmp_, "nodiff.h5", lambda f: f.__delitem__("diff")), "/diff: missing"))
    cases.append(("save_paths = 5", edit(run, "save5.h5", lambda f: f.attrs.__setitem__("save_paths", np.int64(5))),
                  "save_paths says 5"))
    cases.append(("2^39 paths not stored", edit(run, "hugepaths.h5", huge_paths), "claims"))
    # HDF5's H5DS functions leak what they opened on a CLASS attribute that is not a string
    # (found by tests/fuzz/fuzz_results: leak-ds-class-attribute)
    cases.append(("CLASS attribute an integer", edit(run, "classattr.h5", lambda f: f["stats/used_max"].attrs.__setitem__(
        "CLASS", np.int64(248))), "/stats/used_max: attribute CLASS: not a string"))
    # ... and on a string CLASS that says anything but DIMENSION_SCALE (fuzz_results:
    # leak-class-not-dimension-scale)
    cases.append(("CLASS attribute not DIMENSION_SCALE", edit(run, "classstr.h5", lambda f: f["stats/used_max"].attrs.__setitem__(
        "CLASS", np.bytes_(b"sss\xf8\xf8"))), "/stats/used_max: attribute CLASS: not DIMENSION_SCALE"))
    # Found by tests/fuzz/fuzz_results: a damaged link in /stats (dense storage). Iterating
    # the group in name or creation order makes HDF5 1.10.8 free garbage (h5ls crashes);
    # the old summary printed its tables without the series it could not find (exit 0).
    fuzzed = os.path.join(ROOT, "tests", "fuzz", "corpus", "fuzz_results", "crash-dense-link-table")
    if os.path.exists(fuzzed):
        cases.append(("a damaged link in /stats (fuzzed)", copy(fuzzed, "denselink.h5"), "/stats"))
    return cases


def first_acc(f):
    g = f["shard/acc"]
    return g, sorted(g)[0]


def acc_words(f):
    g, n = first_acc(f)
    del g[n]
    g[n] = np.arange(10, dtype=np.uint64)


def acc_empty(f):
    g, n = first_acc(f)
    del g[n]
    g.create_dataset(n, shape=(0,), dtype=np.uint64)


def acc_huge(f):
    g, n = first_acc(f)
    del g[n]
    g.create_dataset(n, shape=(1 << 40,), maxshape=(None,), chunks=(65536,), dtype=np.uint64)


def acc_garbled(path):
    """Overwrite the middle of the first compressed chunk of the first accumulator."""
    with h5py.File(path, "r") as f:
        g, n = first_acc(f)
        info = g[n].id.get_chunk_info(0)
    with open(path, "r+b") as fh:
        fh.seek(info.byte_offset + info.size // 3)
        fh.write(b"\xff" * min(4096, info.size // 3))


def shard_cases(v):
    s = v["shard1"]   # one superblock, saved paths
    cases = [
        ("nvariants = 2^40", edit(s, "nv40.h5", lambda f: f["shard"].attrs.__setitem__("nvariants", np.uint64(1 << 40))),
         "attribute nvariants"),
        ("accumulator words wrong", edit(s, "accwords.h5", acc_words), "do not fit"),
        ("accumulator empty", edit(s, "accempty.h5", acc_empty), "/shard/acc/sb"),
        ("accumulator of 2^40 words", edit(s, "acchuge.h5", acc_huge), "claims"),
        ("nsets = 1e30", edit(s, "nsets.h5", lambda f: f["shard/nsets"].__setitem__(0, 1e30)), "/shard/nsets"),
        ("yearly deleted", edit(s, "noyearly.h5", lambda f: f.__delitem__("shard/yearly")), "/shard/yearly"),
        ("superblock_end + 5", edit(s, "sbend.h5", lambda f: f["shard"].attrs.__setitem__(
            "superblock_end", np.uint64(int(f["shard"].attrs["superblock_end"]) + 5))), "superblocks"),
        ("total_paths = 2^62", edit(s, "total.h5", lambda f: f["shard"].attrs.__setitem__(
            "total_paths", np.uint64(1 << 62))), "total_paths"),
    ]
    garbled = copy(s, "accgarbled.h5")
    acc_garbled(garbled)
    cases.append(("accumulator bytes overwritten", garbled, "/shard/acc/sb"))
    return cases


def shard_results_cases(v):
    """Damage to the results part of a shard: every reader refuses it."""
    s = v["shard1"]
    return [("shard: /totals/pv_spend reshaped", edit(s, "shtot.h5", lambda f: replace(
        f, "totals/pv_spend", f["totals/pv_spend"][:5])), "/totals/pv_spend"),
        ("shard: /stats/unmet_q deleted", edit(s, "shunmetq.h5", lambda f: f.__delitem__("stats/unmet_q")),
         "/stats/unmet_q: missing")]


lenient = []   # export cases let through with exit 1 (export.h without EXPORT_BAD_INPUT)


def expect_bad(cmd, name, r, what, strict=True):
    msg = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""
    if r.returncode == 1 and not strict:
        lenient.append(name)
    else:
        check(r.returncode == 2, f"{name}: {cmd} exits 2 (got {r.returncode}: {msg})")
    check(what in r.stderr, f"{name}: {cmd} names '{what}' (got: {msg})")


def check_refused(name, path, what, v, summary=True, export=True, merge=True):
    if summary:
        expect_bad("summary", name, capsim("summary", path), what)
    if export:
        d = T("csv_bad")
        expect_bad("export", name, capsim("export", path, "--csv", d), what, strict=STRICT_EXPORT)
        shutil.rmtree(d, ignore_errors=True)
    if merge:
        others = [v[f"shard{i}"] for i in range(NSH) if i != 1]
        out = T("merged_bad.h5")
        if os.path.exists(out):
            os.remove(out)
        r = capsim("merge", path, *others, "-o", out)   # not --quiet: the progress line's isatty sets errno
        expect_bad("merge", name, r, what)
        check("Inappropriate ioctl" not in r.stderr, f"{name}: merge prints no stale errno ({r.stderr.strip()})")
        check(not os.path.exists(out), f"{name}: a failed merge leaves no file")
        left = [x for x in os.listdir(tmp) if x.startswith(".merged_bad.h5.tmp")]
        check(not left, f"{name}: a failed merge leaves no temporary file ({left})")


def check_plot(cases):
    """plot.py on the damaged files it reads: exit 2 and a message (its main() run in this
    process: matplotlib and xarray are imported once)."""
    import contextlib
    import importlib.util
    import io
    import warnings
    warnings.simplefilter("ignore")
    spec = importlib.util.spec_from_file_location("capsim_plot", PLOT)
    plot = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plot)
    want = {"not HDF5", "truncated", "foreign HDF5", "/stats/unmet_q deleted", "/stats/unmet_mean over clouds",
            "external link", "a directory"}
    for name, path, _ in cases:
        if name not in want:
            continue
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                rc = plot.main([path, "-o", T("plots")])
            except SystemExit as e:
                rc = e.code if isinstance(e.code, int) else 1
            except Exception as e:  # a traceback: not the clear message wanted
                rc = f"{type(e).__name__}: {e}"
        lines = err.getvalue().strip().splitlines()
        msg = lines[-1] if lines else ""
        check(rc == 2 and msg.startswith("plot.py:"), f"{name}: plot.py exits 2 with a message (got {rc}: {msg})")


def main():
    global LIMIT_AS
    # AddressSanitizer reserves terabytes of address space for its shadow: under `make
    # check` the limit goes (ASan then aborts on any huge allocation by itself).
    r = capsim("summary", "--help")
    if r.returncode != 0 and "AddressSanitizer" in r.stderr:
        print("SKIP: address-space limit: sanitizer build")
        LIMIT_AS = 0
    v = make_valid()
    check_valid(v)
    cases = results_cases(v)
    for name, path, what in cases + shard_results_cases(v):
        check_refused(name, path, what, v)
    for name, path, what in shard_cases(v):
        # /shard is merge's alone: summary and export read the shard's results
        check_refused(name, path, what, v, summary=False, export=False)
        r = capsim("summary", path)
        check(r.returncode == 0, f"{name}: summary reads the shard's results (got {r.returncode}: {r.stderr.strip()})")
    check_plot(cases)
    if lenient:
        print(f"SKIP: export exit 2: output/export.h has no EXPORT_BAD_INPUT yet ({len(lenient)} damaged files "
              "exited 1 with the right message)")
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
