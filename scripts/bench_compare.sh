#!/usr/bin/env bash
# burn (denoise bench) against PyTorch on this machine, one after the other, same settings and
# thread count; prints both tables and the ratios burn / PyTorch of the medians (> 1: burn faster).
# Installs the pinned PyTorch (CPU) into target/bench-venv on first use (a large download).
# Usage: scripts/bench_compare.sh [THREADS=2] [BACKEND=flex] [extra denoise bench flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-2}"; backend="${2:-flex}"; shift 2 || shift $# || true
torch_version=2.15.0
venv=target/bench-venv
if ! "$venv/bin/python" -c "import torch; assert torch.__version__.startswith('$torch_version')" 2>/dev/null; then
  echo "bench_compare: installing torch==$torch_version into $venv (pip)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "torch==$torch_version" numpy
fi
cargo build --release -q
out=target/bench; mkdir -p "$out"
echo "== burn ($backend, $threads threads)"
RAYON_NUM_THREADS=$threads target/release/denoise bench --backends "$backend" --json "$out/burn.json" "$@"
echo "== PyTorch $torch_version CPU ($threads threads)"
OMP_NUM_THREADS=$threads "$venv/bin/python" scripts/bench_pytorch.py --threads "$threads" --json "$out/pytorch.json"
"$venv/bin/python" - "$out/burn.json" "$out/pytorch.json" <<'PY'
import json, sys
burn, torch = (json.load(open(p)) for p in sys.argv[1:3])
rows = {r["model"]: r for r in torch["results"]}
print(f"\n{'model':<12} {'quantity':<20} {'burn':>10} {'PyTorch':>10} {'burn/PyTorch':>13}")
for r in burn["results"]:
    t = rows.get(r["model"])
    if not t:
        continue
    for key, label in [("train-patches-per-s", "train patches/s"), ("infer-mp-per-s", "infer MP/s")]:
        if key in r and key in t:
            b, p = r[key]["median"], t[key]["median"]
            print(f"{r['model']:<12} {label:<20} {b:10.3f} {p:10.3f} {b / p:12.2f}x")
d = burn.get("data-pairs-per-s")
if d:
    need = max(r["train-patches-per-s"]["median"] for r in burn["results"] if "train-patches-per-s" in r)
    print(f"data pipeline: {d['median']:.0f} pairs/s on one thread = {d['median'] / need:.0f}x the fastest training consumption")
PY
