#!/usr/bin/env python3
"""make bench: capsim's speed, scaling and memory, measured in one run.

Prints, for a few shipped scenarios: path-months per second on one core; the speed-up
from 1 to 2 threads and to all cores (parallel efficiency); peak RSS at 10^4, 10^5 and
10^6 paths; and the random-number floor (the time to draw the same random numbers and
nothing else) as a ratio. Figures are ratios or rates from this one run: these machines
are noisy, compare only numbers printed together. Each timing is the best of
BENCH_REPEAT rounds (default 5), and the configurations compared in a ratio take turns
within each round, so that a burst of load from another tenant hits them alike; such
load only ever adds time, so the minimum is the steadiest estimate of what capsim
itself costs. Set BENCH_QUICK=1 to skip 10^6 paths.

BASE=<commit> (make bench BASE=...) also builds that commit in a temporary git worktree
and times it against this build, taking turns, on one core: the speed-up of this build
over BASE is then measured in the same run, under the same load.
"""
import os
import subprocess
import sys
import tempfile
import time

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
CAPSIM = os.path.join(BUILD, "capsim")
FLOOR = os.path.join(BUILD, "bench_floor")
SCENARIOS = ["scenarios/multicloud-2026.yaml", "scenarios/no-aws-expansion.yaml",
             "tests/scenarios/every-randomness.yaml"]
NCPU = os.cpu_count() or 1
OUT = None
REPEAT = max(1, int(os.environ.get("BENCH_REPEAT", "5")))


def run(args):
    """Run a command; return (wall seconds, peak RSS in MiB)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"bench: {' '.join(args)} failed:\n{err}")
    return wall, usage.ru_maxrss / 1024.0


def build_base(rev):
    """Build commit rev in a temporary worktree; return (folder, its capsim)."""
    folder = tempfile.mkdtemp(prefix="capsim-base-")
    os.rmdir(folder)
    subprocess.run(["git", "worktree", "add", "--detach", folder, rev], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["make", "-s", "-C", folder, f"-j{NCPU}", "capsim"], check=True,
                   stdout=subprocess.DEVNULL)
    return folder, os.path.join(folder, "build", "capsim")


def compare_base(base_capsim, scenarios, out):
    """This build against BASE on one core, best of REPEAT rounds taken in turns. Scenarios
    that BASE cannot read (written for keys it lacks) are skipped, saying so. The last
    row runs this build with simulation.quantiles: totals against BASE's every quantile:
    what a user who needs no monthly quantiles gains, not a like-for-like timing."""
    print(f"\nthis build against BASE={os.environ['BASE']}, one core, best of {REPEAT} rounds")
    print(f"{'scenario':40s} {'paths':>7s} {'BASE s':>8s} {'this s':>8s} {'speed-up':>9s}")
    readable = [sc for sc in scenarios
                if subprocess.run([base_capsim, "check", sc], capture_output=True).returncode == 0]
    for sc in scenarios:
        if sc not in readable:
            print(f"{sc:40s}   (BASE cannot read it: skipped)")
    if not readable:
        return
    totals = ["--set", "simulation.quantiles=totals"]
    cases = [(sc, 20000, [], "") for sc in readable] + [(readable[0], 100000, [], ""),
                                                       (readable[0], 100000, totals, " [totals]")]
    for sc, paths, extra, tag in cases:
        best_base = best_this = float("inf")
        for _ in range(REPEAT):
            for binary in (base_capsim, CAPSIM):
                args = [binary, "run", sc, "--paths", str(paths), "--threads", "1", "--quiet", "-o", out]
                wall = run(args + (extra if binary == CAPSIM else []))[0]
                if binary == CAPSIM:
                    best_this = min(best_this, wall)
                else:
                    best_base = min(best_base, wall)
        print(f"{sc + tag:40s} {paths:7d} {best_base:8.2f} {best_this:8.2f} {best_base / best_this:8.2f}x")


def months_of(path):
    out = subprocess.run([CAPSIM, "check", path], capture_output=True, text=True).stdout
    for line in out.splitlines():
        words = line.replace(":", " ").split()
        if "months" in words:
            try:
                return int(words[words.index("months") + 1])
            except (ValueError, IndexError):
                pass
    return 60


def capsim_run(scenario, paths, threads, out):
    return run([CAPSIM, "run", scenario, "--paths", str(paths), "--threads", str(threads),
                "--quiet", "-o", out])


def floor_once(scenario, paths):
    res = subprocess.run([FLOOR, scenario, str(paths)], capture_output=True, text=True)
    return float(res.stdout.split()[0]) if res.returncode == 0 else float("nan")


def best_times(scenario, paths, thread_counts, floor=False):
    """The shortest wall time of each thread count (and of the floor) over REPEAT rounds,
    the configurations taking turns within each round."""
    best = [float("inf")] * (len(thread_counts) + 1)
    for _ in range(REPEAT):
        for k, t in enumerate(thread_counts):
            best[k] = min(best[k], capsim_run(scenario, paths, t, OUT)[0])
        if floor:
            best[-1] = min(best[-1], floor_once(scenario, paths))
    return best if floor else best[:-1]


def best_times_args(args, paths, thread_counts):
    """best_times for a run given as capsim arguments (a scenario and its --set)."""
    best = [float("inf")] * len(thread_counts)
    for _ in range(REPEAT):
        for k, t in enumerate(thread_counts):
            best[k] = min(best[k], run([CAPSIM, "run"] + args + ["--paths", str(paths), "--threads",
                                                              str(t), "--quiet", "-o", OUT])[0])
    return best


def main():
    global OUT
    tmp = tempfile.mkdtemp(prefix="capsim-bench-")
    out = OUT = os.path.join(tmp, "bench.h5")
    scenarios = [s for s in SCENARIOS if os.path.exists(s)]
    paths = 20000
    print(f"capsim bench: {NCPU} cores; {paths} paths per timing, best of {REPEAT} rounds")
    print(f"{'scenario':40s} {'path-months/s/core':>18s} {'1->2 thr':>9s} {'eff':>5s} "
          f"{'1->' + str(NCPU) + ' thr':>9s} {'floor s':>8s} {'run/floor':>9s}")
    floors = {}
    for sc in scenarios:
        months = months_of(sc)
        counts = [1, 2] + ([NCPU] if NCPU > 2 else [])
        times = best_times(sc, paths, counts, floor=True)
        t1, t2, floor = times[0], times[1], times[-1]
        floors[sc] = floor
        tn = times[2] if NCPU > 2 else t2
        rate = paths * months / t1
        print(f"{sc:40s} {rate:18.3g} {t1 / t2:9.2f} {t1 / t2 / 2:5.0%} {t1 / tn:9.2f} "
              f"{floor:8.3f} {t1 / floor:9.1f}")
    # The default with monthly quantiles of no series (simulation.quantiles: totals): the
    # same model and random numbers, the same floor.
    sc = scenarios[0]
    counts = [1, 2] + ([NCPU] if NCPU > 2 else [])
    times = best_times_args([sc, "--set", "simulation.quantiles=totals"], paths, counts)
    t1, t2, tn = times[0], times[1], times[-1]
    print(f"{'  the same, quantiles: totals':40s} {paths * months_of(sc) / t1:18.3g} {t1 / t2:9.2f} "
          f"{t1 / t2 / 2:5.0%} {t1 / tn:9.2f} {floors[sc]:8.3f} {t1 / floors[sc]:9.1f}")
    # Each run has fixed serial costs (allocating the accumulators, writing statistics,
    # closing and syncing the file): the scaling of a longer run shows the steady state.
    long_paths = 100000
    t1, t2 = best_times(scenarios[0], long_paths, [1, 2])
    print(f"\n{scenarios[0]}, {long_paths} paths: 1->2 threads {t1 / t2:.2f}x ({t1 / t2 / 2:.0%} efficiency)")
    # A 120-month stretch of the default: the same scenario run twice as long.
    t1, t2 = best_times_args([scenarios[0], "--set", "scenario.months=120"], paths, [1, 2])
    print(f"{scenarios[0]}, 120 months, {paths} paths: {paths * 120 / t1:.3g} path-months/s "
          f"on one core, 1->2 threads {t1 / t2:.2f}x")
    # Memory per variant: sweeps of 1 and 5 variants of one contract term, 10^4 paths, with
    # every monthly quantile and with the totals' only.
    print()
    for q in ("all", "totals"):
        rss = {}
        for k in (1, 5):
            values = ",".join(str(50000 * (i + 1)) for i in range(k))
            rss[k] = run([CAPSIM, "sweep", scenarios[0], "--vary",
                          "contracts.aws-2025.capacity.0.count=" + values, "--paths", "10000",
                          "--set", "simulation.quantiles=" + q, "--quiet", "-o", out])[1]
        print(f"sweep of {scenarios[0]}, 10^4 paths, quantiles: {q:6s}: peak RSS {rss[1]:.0f} MiB with 1 "
              f"variant, {rss[5]:.0f} MiB with 5: {(rss[5] - rss[1]) / 4:.0f} MiB per added variant")
    sizes = [10**4, 10**5] + ([] if os.environ.get("BENCH_QUICK") else [10**6])
    print(f"\npeak RSS, {scenarios[0]}, all cores:")
    base = None
    for n in sizes:
        wall, rss = capsim_run(scenarios[0], n, NCPU, out)
        base = base or rss
        print(f"  {n:>8d} paths: {rss:8.1f} MiB ({rss / base:5.2f}x of 10^4)  {n / wall:9.0f} paths/s")
    if os.environ.get("BASE"):
        folder, base_capsim = build_base(os.environ["BASE"])
        try:
            compare_base(base_capsim, scenarios, out)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", folder], check=False)
    os.remove(out)
    os.rmdir(tmp)


if __name__ == "__main__":
    main()
