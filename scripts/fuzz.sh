#!/usr/bin/env bash
# Runs every libFuzzer target (fuzz/fuzz_targets) for SECONDS each, one after the other, from the
# committed seeds in fuzz/corpus. Installs cargo-fuzz if missing. Builds without a sanitizer (stable
# Rust; the project forbids unsafe code) in fuzz/target. A crash leaves its input in
# fuzz/artifacts/<target>/ and fails the script.
# Usage: scripts/fuzz.sh [SECONDS=600] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-600}"; shift || true
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --version 0.13.2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  # A scratch copy of the seeds: what the run discovers does not touch the committed corpus.
  work=$(mktemp -d); cp -r "corpus/$t/." "$work/"
  log=$(mktemp)
  if ! cargo fuzz run -O --sanitizer none "$t" "$work" -- -max_total_time="$seconds" \
      -print_final_stats=1 >"$log" 2>&1; then
    tail -40 "$log"; echo "fuzz: $t FAILED (input in fuzz/artifacts/$t/)" >&2; exit 1
  fi
  runs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
  echo "fuzz: $t ok: $runs executions in $seconds s"
  rm -rf "$work" "$log"
done
