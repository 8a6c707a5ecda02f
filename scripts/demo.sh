#!/usr/bin/env bash
# BRSKI demo on loopback: builds brski (release), writes a demo PKI with
# brski-certs init, starts brski-masa and brski-registrar, onboards the first
# demo pledge over HTTPS (BRSKI) and the second over CoAPS (cBRSKI, DTLS)
# with brski-pledge enroll and shows the LDevIDs. Servers are
# stopped on exit; the demo directory is wiped first, so reruns work.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$SRC/build/release
DEMO=$SRC/build/demo
PIDS=()

say() { printf '== %s\n' "$*"; }

stop_servers() {
    local p
    for p in "${PIDS[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    for p in "${PIDS[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    PIDS=()
}
trap stop_servers EXIT

wait_port() {
    local port=$1 name=$2 i
    for i in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            say "$name listening on 127.0.0.1:$port"
            return 0
        fi
        sleep 0.1
    done
    echo "demo: $name did not listen on port $port within 10 s (see $DEMO/$name.log)" >&2
    exit 1
}

say "installing dependencies (if missing)"
"$SRC/scripts/install-deps.sh"

say "building (release) in build/release"
(cd "$SRC" && cmake --preset release >/dev/null && cmake --build --preset release -j"$(nproc)" >/dev/null)

say "writing the demo PKI into build/demo"
rm -rf "$DEMO"
"$BUILD/certs/brski-certs" init --dir "$DEMO" --pledges 2 --levels 3 | sed 's/^/   /'

# The second pledge onboards over CoAPS (its ini already holds the MASA signer
# certificate as an anchor, since the registrar strips the COSE voucher's x5bag).
COAP_INI=$(ls "$DEMO"/pledge-*.ini | sed -n 2p)
sed -i -e 's/^\[pledge\]$/[pledge]\ntransport = coap/' "$COAP_INI"

MASA_PORT=$(sed -n 's/^listen = .*:\([0-9]*\)$/\1/p' "$DEMO/masa.ini")
REG_PORT=$(sed -n 's/^listen_https = .*:\([0-9]*\)$/\1/p' "$DEMO/registrar.ini")

for port in "$MASA_PORT" "$REG_PORT"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "demo: port $port is already in use; stop what listens there first" >&2
        exit 1
    fi
done

say "starting brski-masa serve"
(cd "$DEMO" && exec "$BUILD/masa/brski-masa" serve --config masa.ini >masa.log 2>&1) &
PIDS+=($!)
say "starting brski-registrar serve"
(cd "$DEMO" && exec "$BUILD/registrar/brski-registrar" serve --config registrar.ini \
    >registrar.log 2>&1) &
PIDS+=($!)
wait_port "$MASA_PORT" masa
wait_port "$REG_PORT" registrar
for i in $(seq 1 100); do
    grep -q "CoAPS on port" "$DEMO/registrar.log" && break
    sleep 0.1
done
grep -q "CoAPS on port" "$DEMO/registrar.log" || {
    echo "demo: the registrar's CoAPS endpoint is not up (see $DEMO/registrar.log)" >&2
    exit 1
}
say "registrar CoAPS on udp $(sed -n 's/^listen_coaps = //p' "$DEMO/registrar.ini")"

for ini in "$DEMO"/pledge-*.ini; do
    serial=$(sed -n 's/^serial = //p' "$ini")
    over=HTTPS
    grep -q '^transport = coap' "$ini" && over="CoAPS (DTLS)"
    say "onboarding pledge $serial over $over"
    "$BUILD/pledge/brski-pledge" enroll --config "$ini" | sed 's/^/   /'
    say "LDevID of $serial"
    openssl x509 -noout -subject -issuer -dates -in "$DEMO/pledges/$serial/ldevid.crt" |
        sed 's/^/   /'
    openssl verify -CAfile "$DEMO/pledges/$serial/domain-ca.crt" \
        "$DEMO/pledges/$serial/ldevid.crt" | sed 's/^/   /'
done

say "stopping the servers"
stop_servers
say "demo done: every pledge onboarded (files in build/demo)"
