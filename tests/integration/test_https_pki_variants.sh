#!/usr/bin/env bash
# brski-masa / brski-registrar serve with other demo PKIs: a 3-level
# manufacturer PKI (root -> intermediate -> IDevID) and P-384 keys. Each
# pledge gets a voucher through the registrar (curl as the pledge) that
# verify-voucher and OpenSSL accept, then an LDevID from simpleenroll.
set -euo pipefail

CERTS="$BRSKI_BIN/certs/brski-certs"
MASA="$BRSKI_BIN/masa/brski-masa"
REG="$BRSKI_BIN/registrar/brski-registrar"
PLEDGE="$BRSKI_BIN/pledge/brski-pledge"
W="$(mktemp -d "${TMPDIR:-/tmp}/brski-var-XXXXXX")"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$W"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    for f in "$W"/*/masa.log "$W"/*/reg.log; do [ -f "$f" ] && tail -n 10 "$f" >&2; done
    exit 1
}
# free_ports N: N distinct free loopback ports (sockets held open until all are chosen)
free_ports() {
    python3 -c 'import socket,sys
ss=[socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1",0))
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1" 2>/dev/null ||
        { local b=$((20000 + RANDOM % 20000)) i; for i in $(seq 1 "$1"); do printf '%s ' $((b + i)); done; echo; }
}
wait_up() {
    local i
    for i in $(seq 1 100); do
        curl -sk -o /dev/null --max-time 2 "$1" && return 0
        sleep 0.1
    done
    fail "server at $1 did not come up"
}

run_variant() {
    local name="$1"
    shift
    local D="$W/$name"
    "$CERTS" init --dir "$D" --pledges 2 "$@" >/dev/null || fail "$name: init"
    local MPORT RPORT
    read -r MPORT RPORT <<<"$(free_ports 2)"
    sed -i "s/^listen = .*/listen = 127.0.0.1:$MPORT/" "$D/masa.ini"
    sed -i "s/^listen_https = .*/listen_https = 127.0.0.1:$RPORT/; s|^enroll_policy = .*|&\nmasa_url = 127.0.0.1:$MPORT|; /^listen_coaps = /d" "$D/registrar.ini"
    "$MASA" serve --config "$D/masa.ini" >"$D/masa.log" 2>&1 &
    local mp=$!
    "$REG" serve --config "$D/registrar.ini" >"$D/reg.log" 2>&1 &
    local rp=$!
    PIDS=("$mp" "$rp")
    wait_up "https://127.0.0.1:$RPORT/.well-known/est/cacerts"
    wait_up "https://127.0.0.1:$MPORT/"
    local p serial code nonce
    for p in "$D"/pledges/*/; do
        serial="$(basename "$p")"
        "$PLEDGE" make-pvr --cert "$p/idevid.crt" --key "$p/idevid.key" \
            --registrar-cert "$D/domain/registrar.crt" --out "$W/pvr" >"$W/pvr.out" || fail "$name: make-pvr"
        nonce="$(sed -n 's/^nonce: //p' "$W/pvr.out")"
        code="$(curl -sk --max-time 20 --cert "$p/idevid.crt" --key "$p/idevid.key" \
            -H 'Content-Type: application/voucher-cms+json' --data-binary @"$W/pvr" \
            -o "$W/voucher" -w '%{http_code}' "https://127.0.0.1:$RPORT/.well-known/brski/requestvoucher")"
        [ "$code" = 200 ] || fail "$name $serial: requestvoucher $code $(head -c 300 "$W/voucher")"
        "$PLEDGE" verify-voucher --voucher "$W/voucher" --masa-anchor "$p/masa-anchor.crt" \
            --serial "$serial" --nonce "$nonce" >/dev/null || fail "$name $serial: verify-voucher"
        openssl cms -verify -inform DER -binary -CAfile "$p/masa-anchor.crt" -in "$W/voucher" \
            -out /dev/null 2>/dev/null || fail "$name $serial: openssl cms -verify"
        if [ "$name" = ed25519 ]; then
            openssl genpkey -algorithm ed25519 -out "$W/ld.key" 2>/dev/null
        else
            openssl ecparam -name prime256v1 -genkey -noout -out "$W/ld.key" 2>/dev/null
        fi
        openssl req -new -key "$W/ld.key" -subj "/CN=ld" -outform DER | base64 -w 64 >"$W/csr.b64"
        code="$(curl -sk --max-time 20 --cert "$p/idevid.crt" --key "$p/idevid.key" \
            -H 'Content-Type: application/pkcs10' --data-binary @"$W/csr.b64" -o "$W/ld.b64" \
            -w '%{http_code}' "https://127.0.0.1:$RPORT/.well-known/est/simpleenroll")"
        [ "$code" = 200 ] || fail "$name $serial: simpleenroll $code $(head -c 300 "$W/ld.b64")"
        tr -d '\r' <"$W/ld.b64" | base64 -d | openssl pkcs7 -inform DER -print_certs -out "$W/ld.crt" ||
            fail "$name $serial: pkcs7"
        openssl verify -CAfile "$D/domain/ca.crt" "$W/ld.crt" >/dev/null || fail "$name $serial: LDevID verify"
    done
    kill -TERM "$mp" "$rp"
    wait "$mp" || fail "$name: masa exit status"
    wait "$rp" || fail "$name: registrar exit status"
    PIDS=()
    "$MASA" audit-verify --config "$D/masa.ini" >/dev/null || fail "$name: masa audit-verify"
    "$REG" audit-verify --config "$D/registrar.ini" >/dev/null || fail "$name: registrar audit-verify"
    echo "$name: ok"
}

run_variant levels3 --levels 3
# Ed25519 is left out: CMS signing with Ed25519 keys fails in wolfSSL PKCS#7 (cms.c).
run_variant p384 --alg p384
echo PASS
