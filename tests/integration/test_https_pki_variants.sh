#!/usr/bin/env bash
# brski-masa / brski-registrar serve with other demo PKIs: a 3-level
# manufacturer PKI (root -> intermediate -> IDevID) and P-384 keys. Each
# pledge gets a voucher through the registrar (curl as the pledge) that
# verify-voucher and OpenSSL accept, then an LDevID from simpleenroll.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
work_dir var
FAIL_TAIL=10

run_variant() {
    local name="$1"
    shift
    local D="$W/$name"
    "$CERTS" init --dir "$D" --pledges 2 "$@" >/dev/null || fail "$name: init"
    local MPORT RPORT
    pick_ports MPORT:tcp RPORT:tcp
    listen_masa "$D" "$MPORT"
    listen_registrar "$D" "$RPORT"
    registrar_masa "$D" "127.0.0.1:$MPORT"
    start_masa "$D/masa.ini" "$D/masa.log"
    start_registrar "$D/registrar.ini" "$D/reg.log"
    local p serial code nonce
    for p in "$D"/pledges/*/; do
        serial="$(basename "$p")"
        make_pvr "$p" "$W/pvr" >"$W/pvr.out" || fail "$name: make-pvr"
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
    stop_server "$name: masa" "$MASA_PID"
    stop_server "$name: registrar" "$REG_PID"
    PIDS=()
    "$MASA" audit-verify --config "$D/masa.ini" >/dev/null || fail "$name: masa audit-verify"
    "$REG" audit-verify --config "$D/registrar.ini" >/dev/null || fail "$name: registrar audit-verify"
    echo "$name: ok"
}

run_variant levels3 --levels 3
# Ed25519 is left out: CMS signing with Ed25519 keys fails in wolfSSL PKCS#7 (cms.c).
run_variant p384 --alg p384
echo PASS
