#!/usr/bin/env bash
# Installs a Vulkan loader and Mesa's lavapipe (a Vulkan driver that runs on the CPU) so that the
# wgpu backend can run on a machine without a GPU. Idempotent and non-interactive.
#
# Mesa >= 25 is required: the lavapipe of Mesa 22.3 (Debian 12's default) drops part of every
# reduction over more than 2^18 elements (a mean of 2^20 values comes out at a quarter), which
# makes losses and batch-norm statistics of large batches wrong. On Debian 12 the newer Mesa comes
# from bookworm-backports. Usage: scripts/install_vulkan.sh
set -euo pipefail
want_major=25
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive

installed_major() {
  dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | sed -E 's/^([0-9]+:)?([0-9]+).*/\2/' || true
}

have=$(installed_major)
if [ -n "$have" ] && [ "$have" -ge "$want_major" ] && dpkg-query -W libvulkan1 >/dev/null 2>&1; then
  echo "install_vulkan: mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) already installed"
  exit 0
fi

target=()
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
if [ "$codename" = bookworm ]; then
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "install_vulkan: adding bookworm-backports (Mesa >= $want_major)"
    echo "deb http://deb.debian.org/debian bookworm-backports main" \
      | $sudo tee /etc/apt/sources.list.d/denoise-lab-bookworm-backports.list >/dev/null
  fi
  target=(-t bookworm-backports)
fi
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${target[@]}" mesa-vulkan-drivers libvulkan1 >/dev/null
have=$(installed_major)
echo "install_vulkan: mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
if [ -z "$have" ] || [ "$have" -lt "$want_major" ]; then
  echo "install_vulkan: Mesa $have is older than $want_major: its lavapipe computes large reductions wrongly" >&2
  exit 1
fi
