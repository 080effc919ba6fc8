#!/bin/sh
# seeds.sh CAPSIM OUT: the seed inputs of the fuzz targets (make fuzz), into
#   OUT/fuzz_scenario/  scenarios/*.yaml, tests/bad/*.yaml (with each NAME.sets as
#                       "#set key=value" lines, which fuzz_scenario passes as --set),
#                       tests/scenarios/*.yaml, tests/fuzz/corpus/fuzz_scenario/*
#   OUT/fuzz_results/   small results files written by CAPSIM (20 paths, a few months):
#                       run, saltelli, --save-paths, compare, sweep, a shard; edit
#                       scripts over them; and tests/fuzz/corpus/fuzz_results/*
#   OUT/results-bases/  the same results files: the base files of fuzz_results' edit
#                       mode (an edit script's byte 0 picks one, in name order)
# Run from the repository root. Exits nonzero when a results file cannot be made.
set -e
CAPSIM=${1:?usage: seeds.sh CAPSIM OUT}
OUT=${2:?usage: seeds.sh CAPSIM OUT}
S=$OUT/fuzz_scenario
R=$OUT/fuzz_results
B=$OUT/results-bases
rm -rf "$S" "$R" "$B"
mkdir -p "$S" "$R" "$B"

for f in scenarios/*.yaml tests/scenarios/*.yaml; do
    cp "$f" "$S/$(echo "$f" | tr / -)"
done
for f in tests/bad/*.yaml; do
    name=${f%.yaml}
    out=$S/bad-$(basename "$f")
    cp "$f" "$out"
    if [ -f "$name.sets" ]; then
        while IFS= read -r line; do printf '#set %s\n' "$line"; done < "$name.sets" >> "$out"
    fi
done
[ -d tests/fuzz/corpus/fuzz_scenario ] && cp tests/fuzz/corpus/fuzz_scenario/* "$S/" 2>/dev/null || true

small=tests/scenarios/sobol-additive.yaml
q="--paths 20 --quiet"
"$CAPSIM" run "$small" $q --set simulation.sampling=random -o "$B/run.h5"
"$CAPSIM" run "$small" $q --set scenario.months=3 -o "$B/saltelli.h5"
"$CAPSIM" run "$small" $q --set scenario.months=3 --set simulation.sampling=lhs --save-paths 2 -o "$B/saved.h5"
"$CAPSIM" compare "$small" "$small" $q --set scenario.months=3 --set demand.a.growth=2 -o "$B/compare.h5"
"$CAPSIM" sweep "$small" --vary demand.a.growth=1,2 $q --set scenario.months=3 -o "$B/sweep.h5"
"$CAPSIM" run "$small" $q --set scenario.months=3 --set simulation.sampling=random --shard 0/2 -o "$B/shard.h5"
cp "$B"/*.h5 "$R/"
# Edit scripts (fuzz_results' edit mode): each base file as it is, and one edit of each
# kind on the first base (byte 0: the base; then opcode, object number, arguments).
for b in 0 1 2 3 4 5; do printf "\\$(printf %o $b)" > "$R/edit-base$b"; done
printf '\000\000\005\000' > "$R/edit-delete"
printf '\001\001\000\000\003' > "$R/edit-delattr"
printf '\002\002\000\000\001\002\003\000\000\000\000\000\000\000' > "$R/edit-setattr"
printf '\003\003\040\000\002\000\001\005\000\007\000\011' > "$R/edit-reshape"
printf '\004\004\050\000\003\000\000\000\000' > "$R/edit-poke"
printf '\005\005\010\000\011\000' > "$R/edit-move"
printf '\000\006\020\000\001\000\000' > "$R/edit-link"
printf '\001\007\200\000\002\000' > "$R/edit-truncate"
[ -d tests/fuzz/corpus/fuzz_results ] && cp tests/fuzz/corpus/fuzz_results/* "$R/" 2>/dev/null || true
exit 0
