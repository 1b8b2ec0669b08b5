#!/usr/bin/env bash
# Training speed of `denoise train` (patches/s as the run reports it, validation excluded):
# runs N short trainings per model and prints every figure and the median.
# Usage: scripts/train_speed.sh [N=5] [BACKEND=flex] [STEPS_TINY=60] [STEPS_DNCNN=8]
set -euo pipefail
n="${1:-5}"; backend="${2:-flex}"; steps_tiny="${3:-60}"; steps_dncnn="${4:-8}"
cd "$(dirname "$0")/.."
cargo build --release -q
bin=target/release/denoise
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for model in tiny dncnn; do
  steps=$steps_tiny; [ "$model" = dncnn ] && steps=$steps_dncnn
  rates=()
  for i in $(seq 1 "$n"); do
    line=$("$bin" train --model "$model" --steps "$steps" --batch 16 --patch 40 --eval-every 100000 \
      --backend "$backend" --quiet --out "$tmp/$model-$i" | grep '^done:')
    rates+=("$(sed -E 's/.* ([0-9.]+) patches\/s.*/\1/' <<<"$line")")
  done
  median=$(printf '%s\n' "${rates[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
  echo "$model ($backend, batch 16, 40x40, $steps steps, $n runs): patches/s ${rates[*]}; median $median"
done
