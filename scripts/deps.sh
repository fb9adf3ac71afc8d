#!/usr/bin/env bash
# Installs the Debian packages veche needs, only those missing.
# Called by the Makefile's `deps` target, so both README commands work on a
# fresh Debian 12 machine that has nothing but gcc and make.
set -euo pipefail

PACKAGES=(
  pkg-config
  libsodium-dev     # randomness, SHA-2, Ed25519, AEAD, wiping
  libdecaf-dev      # ristretto255 group arithmetic (decaf_255)
  libjansson-dev    # JSON
  libsqlite3-dev    # embedded store
  libcmocka-dev     # unit tests
  clang             # libFuzzer targets
  libclang-rt-14-dev
  valgrind          # leak check
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "veche: installing Debian packages: ${missing[*]}"
SUDO=
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "deps.sh: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
