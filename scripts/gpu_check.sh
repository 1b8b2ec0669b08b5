#!/usr/bin/env bash
# The GPU path checked and timed on a real GPU: the device machine that some tasks are lent (an
# NVIDIA H200 with PyTorch + CUDA, no Rust, nothing reachable). Two halves:
#
#   scripts/gpu_check.sh prepare   HERE, in a built checkout: the release binary and the trainer's
#                                  test binary, stripped and xz-compressed into .gpu/ (git-ignored,
#                                  about 25 MB together), the flex reference of the short training
#                                  run (.gpu/flex-reference.csv, with the CPU that made it), and the
#                                  Vulkan loader's Debian packages into .gl/ (the device has none).
#   scripts/gpu_check.sh run       THERE, from the repo root, with carry [".gpu", ".gl"]: writes into
#                                  $OUT (else target/gpu-check) six files at most (the device
#                                  returns eight): log.txt, devices.txt, validation-wgpu.csv,
#                                  bench-wgpu.json, bench-pytorch-cuda.json, ratios.txt.
#
# `run` does, each step under its own timeout (10.5 minutes at worst, which the device's 10-minute
# command limit would cut; expected a few minutes on a GPU, and log.txt keeps what was done):
#   1. `denoise devices`; stops with exit 3 unless `--backend auto` takes a hardware GPU;
#   2. the short training run (tiny, 120 steps, seed 1) on --backend wgpu: its validation PSNR must
#      match the flex value recorded here within 0.05 dB (the bound of crates/trainer/tests/gpu.rs,
#      derived there: Adam's sign-like first steps let two correct backends drift that far apart,
#      a seed change moves the PSNR by about 2 dB);
#   3. the parity tests (forward, losses, gradients, optimizer steps against flex, max|a-b|/max|b|
#      <= 1e-4, derived in crates/trainer/tests/parity/mod.rs) and the wgpu training test of the
#      trainer's test binary, on the GPU;
#   4. `denoise bench --backends wgpu` for tiny and dncnn, and scripts/bench_pytorch.py --device cuda
#      for the same models and settings; a table of the ratios (burn wgpu / PyTorch CUDA).
# Exit status: 0 every check passed; 1 a check failed (the log says which); 2 nothing prepared or a
# bad argument; 3 no GPU (no hardware wgpu adapter, or PyTorch sees no CUDA device).
# GPU_CHECK_DIR names the prepared folder (default .gpu); `run` takes `denoise` and `trainer-tests`
# there uncompressed too (the CLI tests use that to check the exit without a GPU).
# GPU_CHECK_ALLOW_SOFTWARE=1 lets `run` go on with a software adapter (lavapipe) and without CUDA,
# to test this script on a machine without a GPU; its timings then mean nothing, and
# GPU_CHECK_BENCH_FLAGS (e.g. "--models tiny --train-steps 2 --warmup 1 --repeats 1") shortens them,
# GPU_CHECK_TESTS (default "parity:: gpu::") names the test filters of step 3.
set -uo pipefail
cd "$(dirname "$0")/.."

steps=120; seed=1; tolerance_db=0.05
train_flags=(--model tiny --steps "$steps" --batch 2 --patch 16 --eval-every "$steps"
  --checkpoint-every "$steps" --seed "$seed" --quiet)

die() { echo "gpu_check: $2" >&2; exit "$1"; }

# The final validation PSNR of a run folder (column "psnr" of the last row of validation.csv).
final_psnr() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "psnr") c = i; next }
           { v = $c } END { if (c == "") exit 1; print v }' "$1"
}

xz_pack() { # file -> .gpu/name.xz
  if command -v xz >/dev/null; then xz -9 -T0 -c "$1" >"$2.tmp" && mv "$2.tmp" "$2"
  else python3 -c 'import lzma,sys; open(sys.argv[2],"wb").write(lzma.compress(open(sys.argv[1],"rb").read(), preset=9))' "$1" "$2"; fi
}

xz_unpack() { # .gpu/name.xz -> file (python's lzma where there is no xz)
  if command -v xz >/dev/null; then xz -dc "$1" >"$2"
  else python3 -c 'import lzma,sys; open(sys.argv[2],"wb").write(lzma.decompress(open(sys.argv[1],"rb").read()))' "$1" "$2"; fi
  chmod +x "$2"
}

prepare() {
  mkdir -p .gpu
  echo "== building the release binary and the test binaries"
  cargo build --release -q || die 1 "cargo build failed"
  local tests
  tests=$(cargo test --release --workspace --no-run --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "main" \
            and m["package_id"].split("#")[0].rstrip("/").endswith("trainer") and m.get("executable"):
        print(m["executable"])') || true
  [[ -n "$tests" && -x "$tests" ]] || die 1 "could not find denoise-trainer's test binary"
  echo "== stripping and compressing into .gpu/"
  strip -o .gpu/denoise target/release/denoise
  strip -o .gpu/trainer-tests "$tests"
  xz_pack .gpu/denoise .gpu/denoise.xz && xz_pack .gpu/trainer-tests .gpu/trainer-tests.xz
  rm -f .gpu/denoise .gpu/trainer-tests
  ls -l .gpu/*.xz
  echo "== the flex reference run"
  rm -rf .gpu/flex-run
  target/release/denoise train --backend flex "${train_flags[@]}" --out .gpu/flex-run \
    || die 1 "the flex reference run failed"
  cp .gpu/flex-run/validation.csv .gpu/flex-reference.csv
  { lscpu | grep -m1 'Model name' | sed 's/^Model name: *//'
    target/release/denoise --version; git rev-parse HEAD; } >.gpu/flex-reference.txt
  rm -rf .gpu/flex-run
  echo "flex validation PSNR after $steps steps: $(final_psnr .gpu/flex-reference.csv) dB"
  echo "== the Vulkan loader's packages into .gl/ (amd64)"
  mkdir -p .gl /tmp/amd64/partial
  local o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64)
  apt-get "${o[@]}" update -qq && (cd .gl && apt-get "${o[@]}" download -qq libvulkan1) \
    || die 1 "apt-get download libvulkan1 failed"
  du -sh .gpu .gl
  echo "prepared: call device run with carry [\".gpu\", \".gl\"] and: bash scripts/gpu_check.sh run"
}

# The prepared binary NAME of $gpu into $bin (decompressed, or as it is); false if neither is there.
take() {
  if [[ -f "$gpu/$1.xz" ]]; then xz_unpack "$gpu/$1.xz" "$bin/$1"
  elif [[ -x "$gpu/$1" ]]; then cp "$gpu/$1" "$bin/$1"
  else return 1; fi
}

run_checks() {
  gpu="${GPU_CHECK_DIR:-.gpu}"
  [[ -f "$gpu/flex-reference.csv" ]] \
    || die 2 "$gpu/ is not prepared: run 'scripts/gpu_check.sh prepare' on the build machine and carry .gpu"
  local out="${OUT:-target/gpu-check}"
  bin=$(mktemp -d /tmp/gpu-check.XXXXXX)
  trap 'rm -rf "$bin"' EXIT
  mkdir -p "$out"
  # Everything printed from here on goes to the terminal and to log.txt.
  exec > >(tee -a "$out/log.txt") 2> >(tee -a "$out/log.txt" >&2)
  if ! ldconfig -p 2>/dev/null | grep -q libvulkan.so.1; then
    ls .gl/*.deb >/dev/null 2>&1 || die 3 "no Vulkan loader here and none carried in .gl/"
    for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig
  fi
  local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [[ -f $icd && -z "${VK_DRIVER_FILES:-}" ]] && export VK_DRIVER_FILES=$icd
  export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
  take denoise && take trainer-tests || die 2 "$gpu/ lacks denoise(.xz) or trainer-tests(.xz)"
  local denoise="$bin/denoise" failed=0 software="${GPU_CHECK_ALLOW_SOFTWARE:-}"
  { nvidia-smi -L 2>/dev/null || echo "nvidia-smi: none"; lscpu | grep -m1 'Model name'; date -u; }

  echo "== 1. devices"
  timeout 60 "$denoise" devices 2>&1 | tee "$out/devices.txt"
  if ! grep -q '^--backend auto takes: wgpu' "$out/devices.txt"; then
    [[ -n $software ]] || die 3 "no hardware GPU adapter (see $out/devices.txt); nothing was timed"
    echo "GPU_CHECK_ALLOW_SOFTWARE is set: going on with a software adapter"
  fi

  echo "== 2. the short training run on wgpu against flex's recorded PSNR"
  rm -rf "$bin/wgpu-run"
  if timeout 150 "$denoise" train --backend wgpu "${train_flags[@]}" --out "$bin/wgpu-run" 2>&1; then
    cp "$bin/wgpu-run/validation.csv" "$out/validation-wgpu.csv"
    local flex wgpu
    flex=$(final_psnr "$gpu/flex-reference.csv"); wgpu=$(final_psnr "$bin/wgpu-run/validation.csv")
    if awk -v a="$wgpu" -v b="$flex" -v t="$tolerance_db" 'BEGIN { d = a - b; exit !(d <= t && -d <= t) }'; then
      echo "PASS: wgpu $wgpu dB, flex (recorded on: $(head -1 "$gpu/flex-reference.txt" 2>/dev/null)) $flex dB"
    else
      echo "FAIL: wgpu $wgpu dB vs flex $flex dB: more than $tolerance_db dB apart"; failed=1
    fi
  else
    echo "FAIL: the wgpu training run did not finish"; failed=1
  fi

  echo "== 3. parity tests (forward, gradients, optimizer steps) against flex"
  # shellcheck disable=SC2086 # word splitting wanted: a list of test filters
  if timeout 180 "$bin/trainer-tests" ${GPU_CHECK_TESTS:-parity:: gpu::} --test-threads 1 2>&1; then
    echo "PASS: parity and GPU tests"
  else
    echo "FAIL: parity or GPU tests (see log.txt)"; failed=1
  fi

  echo "== 4. timings: denoise bench on wgpu, PyTorch on CUDA (same models and settings)"
  local timing=(--models tiny,dncnn --train-steps 50 --infer-runs 50 --warmup 5 --repeats 5)
  # shellcheck disable=SC2206 # word splitting wanted: a list of flags
  [[ -n "${GPU_CHECK_BENCH_FLAGS:-}" ]] && timing=($GPU_CHECK_BENCH_FLAGS)
  timeout 150 "$denoise" bench --backends wgpu "${timing[@]}" --what train,infer \
    --json "$out/bench-wgpu.json" 2>&1 || failed=1
  local torch_status=0
  if ! python3 -c 'import torch' 2>/dev/null; then
    echo "python3 has no torch: the PyTorch side cannot run"; torch_status=2
  else timeout 90 python3 scripts/bench_pytorch.py --device cuda "${timing[@]}" \
    --json "$out/bench-pytorch-cuda.json" 2>&1 || torch_status=$?
  fi
  if (( torch_status == 2 )) && [[ -n $software ]]; then
    echo "no CUDA (GPU_CHECK_ALLOW_SOFTWARE): the PyTorch side is left out"
  elif (( torch_status == 2 )); then
    die 3 "PyTorch (python3) sees no CUDA device, or is not installed"
  elif (( torch_status != 0 )); then
    failed=1
  else
    python3 - "$out/bench-wgpu.json" "$out/bench-pytorch-cuda.json" <<'PY' | tee "$out/ratios.txt"
import json, sys
burn, torch = (json.load(open(p)) for p in sys.argv[1:3])
def rows(doc):
    return {r["model"]: r for r in doc["results"]}
b, t = rows(burn), rows(torch)
print(f"{'model':<8} {'quantity':<24} {'burn wgpu':>10} {'PyTorch':>10} {'ratio':>7}")
for model in b:
    for key in ("train-patches-per-s", "infer-mp-per-s"):
        if key in b[model] and model in t and key in t[model]:
            x, y = b[model][key]["median"], t[model][key]["median"]
            print(f"{model:<8} {key:<24} {x:10.3f} {y:10.3f} {x / y:6.2f}x")
print("burn:", b[next(iter(b))]["device"], "| PyTorch:", t[next(iter(t))]["device"])
PY
  fi
  (( failed == 0 )) && echo "gpu_check: every check passed" || echo "gpu_check: a check FAILED"
  return "$failed"
}

case "${1:-}" in
  prepare) prepare ;;
  run) run_checks ;;
  *) die 2 "usage: scripts/gpu_check.sh prepare|run (see the comment at the top)" ;;
esac
