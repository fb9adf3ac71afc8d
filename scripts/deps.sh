#!/usr/bin/env bash
# Installs what veche needs, only what is missing, so both README commands
# work on a fresh Debian 12 machine that has nothing but gcc and make.
#
#   scripts/deps.sh        to build and run: the C libraries, Node.js and npm,
#                          and the browser-side packages (npm ci --omit=dev)
#   scripts/deps.sh test   also what the tests need: cmocka, clang, valgrind,
#                          curl, Debian's chromium, playwright-core (npm ci)
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  pkg-config
  libsodium-dev       # randomness, SHA-2, Ed25519, AEAD, Argon2id, wiping
  libdecaf-dev        # ristretto255 group arithmetic (decaf_255)
  libjansson-dev      # JSON
  libsqlite3-dev      # embedded store
  libmicrohttpd-dev   # veche serve
  libcurl4-openssl-dev # veche trustee --server
  nodejs npm          # the browser-side packages (libsodium.js for the booth)
)
if [ "${1:-}" = test ]; then
  PACKAGES+=(
    libcmocka-dev     # unit tests
    clang             # libFuzzer targets
    libclang-rt-14-dev
    valgrind          # leak check
    curl              # e2e tests of veche serve
    python3           # e2e tests: small proxies and JSON checks
    chromium          # browser tests (driven by playwright-core)
  )
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done
# Node.js may come from elsewhere than Debian: a working node and npm will do.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
  read -r -a missing <<< "${missing[*]}"
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "veche: installing Debian packages: ${missing[*]}"
  SUDO=
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "deps.sh: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The browser-side packages, exactly as package-lock.json pins them.
stamp=node_modules/.veche-stamp
lock="$(sha256sum package-lock.json | cut -d' ' -f1)"
have="$(cat "$stamp" 2>/dev/null || true)"
if [ "${1:-}" = test ]; then
  [ "$have" = "$lock test" ] || { npm ci --no-audit --no-fund >/dev/null; echo "$lock test" > "$stamp"; }
else
  case "$have" in
    "$lock "*) ;;
    *) npm ci --omit=dev --no-audit --no-fund >/dev/null; echo "$lock run" > "$stamp" ;;
  esac
fi
