#!/usr/bin/env bash
# Install every Debian 12 package brski needs to build, test and run its demo.
# Idempotent: does nothing (and prints nothing) when everything is present.
set -euo pipefail

PKGS=(
    build-essential cmake pkg-config git ca-certificates
    clang libclang-rt-14-dev
    libwolfssl-dev libcoap3-dev libssl-dev libcbor-dev libcmocka-dev
    libhttp-parser-dev libjansson-dev libsqlite3-dev sqlite3
    openssl curl libcoap3-bin gnutls-bin faketime
    python3 python3-cbor2 python3-cryptography time
)

missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists when they are missing or older than a day.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -n 1)" ]; then
    $SUDO apt-get update -qq
fi
if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
