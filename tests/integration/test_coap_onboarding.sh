#!/usr/bin/env bash
# Full cBRSKI onboarding over CoAPS (DTLS 1.2) through three real processes
# on loopback: brski-masa serve, brski-registrar serve with listen_coaps on a
# free UDP port, and brski-pledge enroll with transport = coap, for P-256
# (2-level manufacturer PKI), P-384 (3 levels) and Ed25519 (3 levels; with OpenSSL 3.0 the DTLS
# 1.2 handshake with Ed25519 certificates fails, which the test shows).
# Asserts on the results:
# every step reported, the LDevID chains to the domain CA (openssl verify),
# its serialNumber equals the IDevID's, ldevid.key is 0600 and a new key, the
# voucher is a COSE_Sign1 that brski-pledge verify-voucher accepts with the
# MASA signer key, the registrar stored that voucher and the voucher/enroll
# statuses (CBOR telemetry, cBRSKI 6.5.1). A pledge that cannot verify the
# voucher reports status false with its reason, and a pledge whose registrar
# is gone fails at the dtls step.
set -euo pipefail

BIN=${BRSKI_BIN:?BRSKI_BIN not set}
CERTS=$BIN/certs/brski-certs
MASA=$BIN/masa/brski-masa
REG=$BIN/registrar/brski-registrar
PLEDGE=$BIN/pledge/brski-pledge
WORK=$(mktemp -d "${TMPDIR:-/tmp}/brski-coap-onb-XXXXXX")
PIDS=()

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
cleanup() {
    stop_servers
    rm -rf "$WORK"
}
trap cleanup EXIT

CASE_DIR=
fail() {
    echo "FAIL: $*" >&2
    if [ -n "$CASE_DIR" ]; then
        tail -n 15 "$CASE_DIR/registrar.log" "$CASE_DIR/masa.log" >&2 2>/dev/null || true
    fi
    exit 1
}

# Free TCP ports for the MASA and the registrar's HTTPS, a free UDP port for CoAPS.
free_ports() {
    python3 -c 'import socket
a=socket.socket(); a.bind(("127.0.0.1",0)); b=socket.socket(); b.bind(("127.0.0.1",0))
u=socket.socket(type=socket.SOCK_DGRAM); u.bind(("127.0.0.1",0))
print(a.getsockname()[1], b.getsockname()[1], u.getsockname()[1])'
}

subject_serial() {
    openssl x509 -noout -subject -nameopt multiline -in "$1" |
        sed -n 's/^ *serialNumber *= *//p'
}

hexof() {
    python3 -c 'import sys; print(open(sys.argv[1],"rb").read().hex().upper())' "$1"
}

run_case() {
    local alg=$1 levels=$2
    local dir=$WORK/$alg-$levels
    local mport rport cport
    CASE_DIR=$dir
    read -r mport rport cport <<<"$(free_ports)"

    "$CERTS" init --dir "$dir" --alg "$alg" --levels "$levels" --pledges 2 >/dev/null
    sed -i "s/^listen = .*/listen = 127.0.0.1:$mport/" "$dir/masa.ini"
    sed -i -e "s/^listen_https = .*/listen_https = 127.0.0.1:$rport/" \
        -e "s/^listen_coaps = .*/listen_coaps = 127.0.0.1:$cport/" \
        -e "s/^\[registrar\]\$/[registrar]\nmasa_url = 127.0.0.1:$mport/" "$dir/registrar.ini"
    grep -q "^listen_coaps = 127.0.0.1:$cport" "$dir/registrar.ini" || fail "listen_coaps not set"
    # cBRSKI 6.8: the registrar strips the voucher's x5bag, so the pledge holds
    # the MASA signer certificate as a masa anchor (brski-certs init writes it).
    for ini in "$dir"/pledge-*.ini; do
        grep -q '^file = pledges/.*/masa-signer.crt' "$ini" || fail "init wrote no masa-signer anchor"
        sed -i -e "s/^registrar_coaps = .*/registrar_coaps = 127.0.0.1:$cport/" \
            -e "s/^\[pledge\]\$/[pledge]\ntransport = coap\ntimeout_ms = 10000/" "$ini"
    done

    (cd "$dir" && exec "$MASA" serve --config masa.ini >masa.log 2>&1) &
    PIDS+=($!)
    (cd "$dir" && exec "$REG" serve --config registrar.ini >registrar.log 2>&1) &
    PIDS+=($!)
    local i
    for i in $(seq 1 100); do
        grep -q "CoAPS on port $cport" "$dir/registrar.log" 2>/dev/null &&
            (exec 3<>"/dev/tcp/127.0.0.1/$mport") 2>/dev/null && break
        sleep 0.1
    done
    grep -q "CoAPS on port $cport" "$dir/registrar.log" || fail "$alg: registrar CoAPS not up"

    local s1 s2
    s1=$(sed -n 's/^serial = //p' "$dir/pledge-00-D0-E5-F2-00-01.ini")
    s2=$(sed -n 's/^serial = //p' "$dir/pledge-00-D0-E5-F2-00-02.ini")

    local pdir=$dir/pledges/$s1 out
    if [ "$alg" = ed25519 ] && openssl version | grep -q '^OpenSSL 3\.0\.'; then
        # OpenSSL 3.0 (Debian 12, under libcoap's DTLS) negotiates no DTLS 1.2
        # cipher suite for an Ed25519 certificate ("no shared cipher"; the same
        # with coap-server-openssl / coap-client-openssl and openssl s_server
        # -dtls1_2): the handshake fails and the pledge stops at the dtls step.
        local rc=0
        out=$("$PLEDGE" enroll --config "$dir/pledge-$s1.ini" 2>&1) || rc=$?
        [ "$rc" = 1 ] || fail "$alg/$levels: Ed25519 DTLS: exit $rc, want 1: $out"
        grep -q "^enroll: dtls: RFC 8995 5.1: cannot connect" <<<"$out" ||
            fail "$alg/$levels: Ed25519 DTLS: $out"
        grep -q "no shared cipher" "$dir/registrar.log" ||
            fail "$alg/$levels: Ed25519 DTLS: registrar did not log 'no shared cipher'"
        [ ! -e "$pdir/ldevid.crt" ] || fail "$alg/$levels: LDevID written after a failed handshake"
        stop_servers
        CASE_DIR=
        echo "known limitation: $alg: OpenSSL 3.0 DTLS 1.2 has no cipher suite for Ed25519 certificates"
        return 0
    fi

    # 1. Pledge 1 onboards over CoAPS.
    out=$("$PLEDGE" enroll --config "$dir/pledge-$s1.ini" 2>&1) ||
        fail "$alg/$levels $s1: enroll failed: $out"
    grep -q "^done .*LDevID \"serialNumber=$s1\", pinned domain \"CN=BRSKI Demo Domain CA" \
        <<<"$out" || fail "$alg/$levels: no final line: $out"
    # One DTLS session from the provisional handshake to /sen (RFC 8995 5.6.2: it is
    # authenticated by registrar-check), then one with the LDevID for /es (5.9.4).
    local steps
    steps=$(awk '{print $1}' <<<"$out" | tr '\n' ' ')
    [ "$steps" = "idevid dtls pvr voucher verify pin registrar-check voucher-status cacerts \
csrattrs csr simpleenroll ldevid-check write dtls-ldevid enroll-status done " ] ||
        fail "$alg/$levels: steps: $steps"
    grep -q "^pvr .*COSE_Sign1" <<<"$out" || fail "$alg/$levels: PVR is not COSE: $out"
    grep -q "^voucher-status .*status true sent, registrar answered CoAP 2.04" <<<"$out" ||
        fail "$alg/$levels: voucher status: $out"
    grep -q "^enroll-status .*status true sent, registrar answered CoAP 2.04" <<<"$out" ||
        fail "$alg/$levels: enroll status: $out"
    [ "$(grep -c . <<<"$out")" = 17 ] || fail "$alg/$levels: expected 17 step lines: $out"

    # The registrar saw the IDevID for /vs and the LDevID for /es (audit actor: serial
    # and the first 8 bytes of the certificate's SHA-256).
    local idh ldh
    idh=$(openssl x509 -in "$pdir/idevid.crt" -outform DER | sha256sum | cut -c1-16)
    ldh=$(openssl x509 -in "$pdir/ldevid.crt" -outform DER | sha256sum | cut -c1-16)
    [ "$(sqlite3 "$dir/registrar.db" "select actor from audit where action = 'voucher.status' \
and actor like 'serial:$s1 %' order by seq desc limit 1")" = "serial:$s1 sha256:$idh" ] ||
        fail "$alg/$levels: voucher status actor"
    [ "$(sqlite3 "$dir/registrar.db" "select actor from audit where action = 'enroll.status' \
and actor like 'serial:$s1 %' order by seq desc limit 1")" = "serial:$s1 sha256:$ldh" ] ||
        fail "$alg/$levels: enroll status not sent with the LDevID"
    openssl verify -CAfile "$dir/domain/ca.crt" "$pdir/ldevid.crt" >/dev/null ||
        fail "$alg/$levels: LDevID does not chain to the domain CA"
    openssl verify -CAfile "$pdir/domain-ca.crt" "$pdir/ldevid.crt" >/dev/null ||
        fail "$alg/$levels: LDevID does not chain to the stored domain-ca.crt"
    [ "$(subject_serial "$pdir/ldevid.crt")" = "$s1" ] || fail "$alg/$levels: LDevID serialNumber"
    [ "$(subject_serial "$pdir/idevid.crt")" = "$s1" ] || fail "$alg/$levels: IDevID serialNumber"
    [ "$(stat -c %a "$pdir/ldevid.key")" = 600 ] || fail "$alg/$levels: key mode"
    [ "$(openssl pkey -in "$pdir/ldevid.key" -pubout)" = \
        "$(openssl x509 -noout -pubkey -in "$pdir/ldevid.crt")" ] ||
        fail "$alg/$levels: LDevID key mismatch"
    [ "$(openssl pkey -in "$pdir/ldevid.key" -pubout)" != \
        "$(openssl pkey -in "$pdir/idevid.key" -pubout)" ] ||
        fail "$alg/$levels: LDevID reuses the IDevID key"
    case $alg in
    ed25519) openssl x509 -noout -text -in "$pdir/ldevid.crt" | grep -q "ED25519" ||
        fail "$alg/$levels: LDevID key is not Ed25519" ;;
    p256) openssl x509 -noout -text -in "$pdir/ldevid.crt" | grep -q "prime256v1" ||
        fail "$alg/$levels: LDevID key is not P-256" ;;
    p384) openssl x509 -noout -text -in "$pdir/ldevid.crt" | grep -q "secp384r1" ||
        fail "$alg/$levels: LDevID key is not P-384" ;;
    esac

    # The voucher: a tagged COSE_Sign1 (d2 84), accepted by verify-voucher with the
    # MASA signer certificate, and byte for byte the one the registrar stored.
    [ -s "$pdir/voucher.cose" ] || fail "$alg/$levels: no voucher.cose"
    [ "$(hexof "$pdir/voucher.cose" | cut -c1-4)" = D284 ] || fail "$alg/$levels: not COSE_Sign1"
    local nonce
    nonce=$(sed -n 's/^pvr .*nonce \([^)]*\))$/\1/p' <<<"$out")
    [ -n "$nonce" ] || fail "$alg/$levels: no nonce in the pvr line: $out"
    "$PLEDGE" verify-voucher --voucher "$pdir/voucher.cose" --masa-anchor "$dir/masa/signer.crt" \
        --serial "$s1" --nonce "$nonce" >"$dir/v.json" 2>&1 ||
        fail "$alg/$levels: verify-voucher rejects voucher.cose: $(cat "$dir/v.json")"
    grep -q "\"nonce\":\"$nonce\"" "$dir/v.json" || fail "$alg/$levels: voucher nonce: $(cat "$dir/v.json")"
    [ "$(sqlite3 "$dir/registrar.db" "select hex(voucher) from vouchers where serial = '$s1' order by id desc limit 1")" = \
        "$(hexof "$pdir/voucher.cose")" ] || fail "$alg/$levels: registrar stored another voucher"
    [ "$(sqlite3 "$dir/registrar.db" "select ok from statuses where serial = '$s1' and kind = 'voucher'")" = 1 ] ||
        fail "$alg/$levels: registrar has no voucher status true"
    [ "$(sqlite3 "$dir/registrar.db" "select ok from statuses where serial = '$s1' and kind = 'enroll'")" = 1 ] ||
        fail "$alg/$levels: registrar has no enroll status true"
    [ "$(sqlite3 "$dir/registrar.db" "select count(*) from certs where pledge = '$s1'")" -ge 1 ] ||
        fail "$alg/$levels: registrar stored no LDevID"
    [ "$(sqlite3 "$dir/masa.db" "select count(*) from vouchers where serial = '$s1'")" -ge 1 ] ||
        fail "$alg/$levels: MASA stored no voucher"

    # 2. Pledge 2 holds only the manufacturer root: without x5bag it cannot verify
    # the voucher, refuses it and reports status false with its reason over CoAPS.
    sed -i "s#^file = pledges/.*/masa-signer.crt#file = pledges/$s2/masa-anchor.crt#" "$dir/pledge-$s2.ini"
    local rc=0 err
    err=$("$PLEDGE" enroll --config "$dir/pledge-$s2.ini" 2>&1 >/dev/null) || rc=$?
    [ "$rc" = 1 ] || fail "$alg/$levels: root-only anchor: exit $rc, want 1"
    grep -q "^enroll: verify: RFC 8995 5.6.1" <<<"$err" || fail "$alg/$levels: reason: $err"
    [ ! -e "$dir/pledges/$s2/ldevid.crt" ] || fail "$alg/$levels: LDevID written after a rejection"
    [ "$(sqlite3 "$dir/registrar.db" "select ok || '|' || reason from statuses where serial = '$s2' and kind = 'voucher'")" = \
        "0|voucher rejected" ] || fail "$alg/$levels: registrar did not store status false with the reason"

    stop_servers
    ! grep -q Sanitizer "$dir/registrar.log" "$dir/masa.log" || fail "$alg/$levels: sanitizer report"

    # 3. Registrar gone: exit 1 at the dtls step, within the configured timeout.
    sed -i "s/^timeout_ms = .*/timeout_ms = 1500/" "$dir/pledge-$s1.ini"
    rc=0
    err=$(timeout 20 "$PLEDGE" enroll --config "$dir/pledge-$s1.ini" 2>&1 >/dev/null) || rc=$?
    [ "$rc" = 1 ] || fail "$alg/$levels: no registrar: exit $rc, want 1"
    grep -q "^enroll: dtls: RFC 8995 5.1: cannot connect" <<<"$err" ||
        fail "$alg/$levels: no registrar: $err"
    CASE_DIR=
    echo "ok: $alg, $levels levels: CoAPS onboarding, status false on a refused voucher, no registrar"
}

# Configuration: an unknown transport is a usage error.
printf '[pledge]\ntransport = carrier-pigeon\nidevid_cert = x.crt\nidevid_key = x.key\nregistrar_coaps = 127.0.0.1:1\n' \
    >"$WORK/badtransport.ini"
rc=0; err=$("$PLEDGE" enroll --config "$WORK/badtransport.ini" 2>&1) || rc=$?
[ "$rc" = 2 ] && grep -q "transport must be https or coap" <<<"$err" || fail "bad transport: $err"
printf '[pledge]\ntransport = coap\nidevid_cert = x.crt\nidevid_key = x.key\nregistrar_https = 127.0.0.1:1\n' \
    >"$WORK/nocoaps.ini"
rc=0; err=$("$PLEDGE" enroll --config "$WORK/nocoaps.ini" 2>&1) || rc=$?
[ "$rc" = 2 ] && grep -q "registrar_coaps is missing" <<<"$err" || fail "no registrar_coaps: $err"

run_case p256 2
run_case p384 3
run_case ed25519 3
echo "PASS"
