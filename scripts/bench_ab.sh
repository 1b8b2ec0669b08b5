#!/usr/bin/env bash
# A/B of two `denoise` binaries on this machine: runs `denoise bench` with each, alternated for
# ROUNDS rounds (A B, B A, A B, ... so neither always goes first), and prints every round's
# medians and the median over rounds of the ratio B/A per model and quantity (> 1: B faster).
# On a shared, noisy machine a ratio taken within one round, minutes apart at most, is what to
# trust; single timings are not.
# Usage: scripts/bench_ab.sh A_BINARY B_BINARY [ROUNDS=5] [THREADS=2] [extra denoise bench flags...]
set -euo pipefail
a="$1"; b="$2"; rounds="${3:-5}"; threads="${4:-2}"; shift 2; shift 2 || shift $# || true
out=$(mktemp -d)
for round in $(seq 1 "$rounds"); do
  if (( round % 2 )); then order="a b"; else order="b a"; fi
  for side in $order; do
    bin=$a; [[ $side == b ]] && bin=$b
    RAYON_NUM_THREADS=$threads "$bin" bench --json "$out/$side.$round.json" "$@" >/dev/null 2>&1
  done
done
python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def medians(path):
    doc = json.load(open(path))
    values = {}
    for r in doc["results"]:
        for key in ("train-patches-per-s", "infer-mp-per-s"):
            if key in r:
                values[(r["model"], key)] = r[key]["median"]
    return values
ratios = {}
for n in range(1, rounds + 1):
    a, b = medians(f"{out}/a.{n}.json"), medians(f"{out}/b.{n}.json")
    for k in a:
        if k in b:
            ratios.setdefault(k, []).append((a[k], b[k]))
print(f"{'model':<12} {'quantity':<20} {'A per round':>30} {'B per round':>30} {'median B/A':>10}")
for (model, key), pairs in ratios.items():
    fa = " ".join(f"{x:.3g}" for x, _ in pairs)
    fb = " ".join(f"{y:.3g}" for _, y in pairs)
    ratio = statistics.median(y / x for x, y in pairs)
    print(f"{model:<12} {key:<20} {fa:>30} {fb:>30} {ratio:9.2f}x")
PY
rm -r "$out"
