#!/usr/bin/env bash
# Fetch the public denoising sets into DEST (default: datasets/public). Needs git and network
# access to the hosts below; prints what it could not reach and carries on. Read the licences in
# datasets/README.md first.
set -uo pipefail
dest="${1:-datasets/public}"
mkdir -p "$dest"
failed=()

fetch_git_dir() { # repo subdir target
  local repo="$1" sub="$2" target="$3" tmp
  tmp=$(mktemp -d)
  if git clone --depth 1 --filter=blob:none --sparse "$repo" "$tmp" >/dev/null 2>&1 &&
     git -C "$tmp" sparse-checkout set "$sub" >/dev/null 2>&1 && [ -d "$tmp/$sub" ]; then
    rm -rf "$target"; mv "$tmp/$sub" "$target"; echo "ok: $target"
  else
    failed+=("$target ($repo $sub)")
  fi
  rm -rf "$tmp"
}

fetch_git_dir https://github.com/cszn/DnCNN.git testsets/BSD68 "$dest/BSD68"
fetch_git_dir https://github.com/cszn/DnCNN.git testsets/Set12 "$dest/Set12"
fetch_git_dir https://github.com/cszn/DnCNN.git data/Train400 "$dest/BSD400"
fetch_git_dir https://github.com/cszn/KAIR.git testsets/CBSD68 "$dest/CBSD68"

# Kodak24: individual PNGs.
mkdir -p "$dest/Kodak24"
for i in $(seq -w 1 24); do
  curl -fsSL -o "$dest/Kodak24/kodim$i.png" "https://r0k.us/graphics/kodak/kodak/kodim$i.png" ||
    { failed+=("Kodak24 (r0k.us)"); break; }
done

echo "DIV2K is large (≈ 3.5 GB); fetch it by hand from the NTIRE 2017 page if you need it."
if [ ${#failed[@]} -gt 0 ]; then
  printf 'could not fetch: %s\n' "${failed[@]}"
  exit 1
fi
