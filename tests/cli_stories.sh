#!/bin/sh
# cli_stories: the scenario library against the public record (scenarios/README.md,
# "Reconciliation"), on common random numbers, 2000 paths:
#   1. the lab turned business down in April 2026 for lack of compute (SRC: turning
#      down business): in the default, turned-down revenue in 2026-04 is positive on a
#      good share of paths (>= 20%), and its 2026 total is positive;
#   2. the amendment splits into its two parts: ending the exclusivity alone adds net
#      value, and the cap and end of the revenue share change nothing but the revenue
#      share (value and spend identical on every path, net value up by exactly the
#      share saved); the parts add up to the whole in /diff;
#   3. a supplier's slip is no saving: with take-or-pay floors on the delivered basis,
#      late Nvidia supply lowers spend but lowers net value on average too;
#   4. the 2026 AWS expansion raises net value on most paths (training is valued).
set -eu
: "${CAPSIM:?}" "${PYTHON:?}"
"$PYTHON" -c "import h5py, numpy" 2>/dev/null || { echo "SKIP: needs h5py and numpy"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/capsim-stories.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
S=scenarios
P=--paths=2000
"$CAPSIM" run "$S/multicloud-2026.yaml" $P --quiet -o "$tmp/default.h5"
"$CAPSIM" compare "$S/azure-exclusive-2025.yaml" "$S/amendment-exclusivity-only.yaml" \
    "$S/multicloud-2026.yaml" $P --quiet -o "$tmp/amendment.h5"
"$CAPSIM" compare "$S/multicloud-2026.yaml" "$S/stress-nvidia-slip.yaml" $P --quiet -o "$tmp/slip.h5"
"$CAPSIM" compare "$S/no-aws-expansion.yaml" "$S/multicloud-2026.yaml" $P --quiet -o "$tmp/aws.h5"
"$PYTHON" - "$tmp" <<'PY'
import sys, h5py, numpy as np
tmp = sys.argv[1]
bad = 0
def check(ok, what):
    global bad
    print(("ok: " if ok else "FAIL: ") + what)
    bad += 0 if ok else 1

with h5py.File(tmp + "/default.h5") as f:
    s = f["stats"]
    months = [m.decode() for m in s["month"][()]]
    ppos = s["turned_down_revenue_ppos"][()]
    mean = s["turned_down_revenue_mean"][()]
    apr = months.index("2026-04")
    in2026 = [i for i, m in enumerate(months) if m.startswith("2026")]
    check(ppos[apr] >= 0.2, "1. P(turned-down revenue > 0) in 2026-04 = %.1f%% (>= 20%%)" % (100 * ppos[apr]))
    check(mean[in2026].sum() > 0, "1. expected turned-down revenue in 2026 = $%.2fB (> 0)" % (mean[in2026].sum() / 1e9))

with h5py.File(tmp + "/amendment.h5") as f:
    t = lambda name, v: f["totals"][name][v]
    excl = t("pv_net_value", 1) - t("pv_net_value", 0)
    check(excl.mean() > 0, "2. ending the exclusivity alone adds net value: mean $%.2fB" % (excl.mean() / 1e9))
    for name in ("pv_value", "pv_spend", "pv_revenue"):
        d = t(name, 2) - t(name, 1)
        check(np.all(d == 0), "2. the cap changes no %s on any path (max |diff| %g)" % (name, np.abs(d).max()))
    dnet = t("pv_net_value", 2) - t("pv_net_value", 1)
    dshare = t("pv_revenue_share", 2) - t("pv_revenue_share", 1)
    err = np.abs(dnet + dshare).max() / max(1.0, np.abs(dshare).max())
    check(err < 1e-9 and dshare.mean() < 0,
          "2. the cap adds exactly the share it saves: mean $%.2fB (relative error %.1e)" % (dnet.mean() / 1e9, err))
    g = f["diff"]["pv_net_value_mean"][()]      # [variant 1 - 0, variant 2 - 0]
    whole = g[1]
    parts = g[0] + float(dnet.mean())
    check(abs(whole - parts) <= 1e-9 * abs(whole),
          "2. the parts add up to the whole: $%.4fB + $%.4fB = $%.4fB" % (g[0] / 1e9, dnet.mean() / 1e9, whole / 1e9))

with h5py.File(tmp + "/slip.h5") as f:
    t = lambda name, v: f["totals"][name][v]
    dspend = t("pv_spend", 1) - t("pv_spend", 0)
    dnet = t("pv_net_value", 1) - t("pv_net_value", 0)
    check(dspend.mean() < 0, "3. a slip lowers spend: mean $%.2fB" % (dspend.mean() / 1e9))
    check(dnet.mean() < 0, "3. ... but it is no saving: net value mean $%.2fB, better on %.1f%% of paths"
          % (dnet.mean() / 1e9, 100 * (dnet > 0).mean()))

with h5py.File(tmp + "/aws.h5") as f:
    t = lambda name, v: f["totals"][name][v]
    dnet = t("pv_net_value", 1) - t("pv_net_value", 0)
    check((dnet > 0).mean() > 0.5, "4. the AWS expansion raises net value on %.1f%% of paths (mean $%.2fB)"
          % (100 * (dnet > 0).mean(), dnet.mean() / 1e9))
sys.exit(1 if bad else 0)
PY
