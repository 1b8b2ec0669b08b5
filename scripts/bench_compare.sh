#!/usr/bin/env bash
# burn (denoise bench) against PyTorch on this machine, same settings and thread count, in ROUNDS
# rounds (environment variable, default 3) whose order alternates (burn first, then PyTorch first,
# ...); prints each round's medians and, per model and quantity, the median over rounds of the
# ratio burn / PyTorch (> 1: burn faster). The machine may be shared: a ratio taken within one
# round is what to trust, not timings from different minutes.
# Installs the pinned PyTorch (CPU) into target/bench-venv on first use (a large download).
# DENOISE=PATH times that denoise binary (e.g. a copy built from an older commit) instead of
# building and timing this checkout's.
# ISA=avx2 compares the AVX2 code paths on a CPU that has AVX-512 too: burn from the AVX2-only
# build (`--no-default-features --features flex`, into target/avx2, unless DENOISE is given) and
# PyTorch with ATEN_CPU_CAPABILITY=avx2, ONEDNN_MAX_CPU_ISA=AVX2 and MKL_ENABLE_INSTRUCTIONS=AVX2
# (what an AVX2-only CPU such as AMD Zen 3 runs; bench_pytorch.py records the capability it ran).
# Usage: [ROUNDS=3] [DENOISE=PATH] [ISA=native|avx2] scripts/bench_compare.sh [THREADS=2] [BACKEND=flex] [extra denoise bench flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-2}"; backend="${2:-flex}"; shift 2 || shift $# || true
rounds="${ROUNDS:-3}"
torch_version=2.15.0
venv=target/bench-venv
if ! "$venv/bin/python" -c "import torch; assert torch.__version__.startswith('$torch_version')" 2>/dev/null; then
  echo "bench_compare: installing torch==$torch_version into $venv (pip)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "torch==$torch_version" numpy
fi
denoise="${DENOISE:-}"
isa="${ISA:-native}"
torch_env=()
case "$isa" in
  native) ;;
  avx2) torch_env=(ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2) ;;
  *) echo "bench_compare: ISA=$isa: use native or avx2" >&2; exit 2 ;;
esac
if [[ -z "$denoise" ]]; then
  if [[ "$isa" == avx2 ]]; then
    cargo build --release -q --no-default-features --features flex --target-dir target/avx2
    denoise=target/avx2/release/denoise
  else
    cargo build --release -q
    denoise=target/release/denoise
  fi
fi
out=target/bench; mkdir -p "$out"
run_burn() {
  echo "== round $1: burn ($backend, $threads threads)"
  RAYON_NUM_THREADS=$threads "$denoise" bench --backends "$backend" --json "$out/burn.$1.json" "${@:2}"
}
run_torch() {
  echo "== round $1: PyTorch $torch_version CPU ($threads threads)"
  env "${torch_env[@]}" OMP_NUM_THREADS="$threads" "$venv/bin/python" scripts/bench_pytorch.py --threads "$threads" --json "$out/pytorch.$1.json"
}
for round in $(seq 1 "$rounds"); do
  if (( round % 2 )); then run_burn "$round" "$@"; run_torch "$round"
  else run_torch "$round"; run_burn "$round" "$@"; fi
done
"$venv/bin/python" - "$out" "$rounds" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def load(side, n):
    return json.load(open(f"{out}/{side}.{n}.json"))
def medians(doc):
    return {(r["model"], k): r[k]["median"] for r in doc["results"]
            for k in ("train-patches-per-s", "infer-mp-per-s") if k in r}
pairs = {}
for n in range(1, rounds + 1):
    b, t = medians(load("burn", n)), medians(load("pytorch", n))
    for k in b:
        if k in t:
            pairs.setdefault(k, []).append((b[k], t[k]))
labels = {"train-patches-per-s": "train patches/s", "infer-mp-per-s": "infer MP/s"}
print(f"\n{'model':<12} {'quantity':<16} {'burn per round':>22} {'PyTorch per round':>22} {'median burn/PyTorch':>20}")
for (model, key), ps in pairs.items():
    fb = " ".join(f"{b:.3g}" for b, _ in ps)
    ft = " ".join(f"{t:.3g}" for _, t in ps)
    ratios = " ".join(f"{b / t:.2f}" for b, t in ps)
    median = statistics.median(b / t for b, t in ps)
    print(f"{model:<12} {labels[key]:<16} {fb:>22} {ft:>22} {median:12.2f}x ({ratios})")
data = [load("burn", n).get("data-pairs-per-s") for n in range(1, rounds + 1)]
data = [d for d in data if d]
if data:
    d = statistics.median(x["median"] for x in data)
    need = max(b for (m, k), ps in pairs.items() if k == "train-patches-per-s" for b, _ in ps)
    print(f"data pipeline: {d:.0f} pairs/s on one thread (median of rounds) = {d / need:.0f}x the fastest training consumption")
PY
