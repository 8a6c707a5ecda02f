#!/usr/bin/env bash
# Full BRSKI onboarding through the three real processes on loopback:
# brski-masa serve, brski-registrar serve and brski-pledge enroll, for 2- and
# 3-level manufacturer PKIs with P-256 and Ed25519 keys, two pledges each.
# Asserts on the results: LDevID chains to the domain CA (openssl verify),
# its serialNumber equals the IDevID's, key mode 0600, voucher stored by the
# MASA and the registrar; and a pledge with a foreign MASA anchor is refused.
set -euo pipefail

BIN=${BRSKI_BIN:?BRSKI_BIN not set}
CERTS=$BIN/certs/brski-certs
MASA=$BIN/masa/brski-masa
REG=$BIN/registrar/brski-registrar
PLEDGE=$BIN/pledge/brski-pledge
WORK=$(mktemp -d)
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

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() {
    local port=$1 i
    for i in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    fail "nothing listens on port $port after 10 s"
}

subject_serial() {
    openssl x509 -noout -subject -nameopt multiline -in "$1" |
        sed -n 's/^ *serialNumber *= *//p'
}

run_case() {
    local alg=$1 levels=$2
    local dir=$WORK/$alg-$levels
    local mport rport
    mport=$(free_port)
    rport=$(free_port)
    while [ "$rport" = "$mport" ]; do rport=$(free_port); done

    "$CERTS" init --dir "$dir" --alg "$alg" --levels "$levels" --pledges 2 >/dev/null
    sed -i "s/^listen = .*/listen = 127.0.0.1:$mport/" "$dir/masa.ini"
    sed -i -e "s/^listen_https = .*/listen_https = 127.0.0.1:$rport/" \
        -e "/^listen_coaps = /d" \
        -e "s/^\[registrar\]\$/[registrar]\nmasa_url = 127.0.0.1:$mport/" "$dir/registrar.ini"
    for ini in "$dir"/pledge-*.ini; do
        sed -i "s/^registrar_https = .*/registrar_https = 127.0.0.1:$rport/" "$ini"
    done

    (cd "$dir" && exec "$MASA" serve --config masa.ini >masa.log 2>&1) &
    PIDS+=($!)
    (cd "$dir" && exec "$REG" serve --config registrar.ini >registrar.log 2>&1) &
    PIDS+=($!)
    wait_port "$mport"
    wait_port "$rport"

    local serials=()
    for ini in "$dir"/pledge-*.ini; do
        local serial pdir out
        serial=$(sed -n 's/^serial = //p' "$ini")
        serials+=("$serial")
        pdir=$dir/pledges/$serial
        out=$("$PLEDGE" enroll --config "$ini" 2>&1) || fail "$alg/$levels $serial: enroll failed: $out"
        grep -q "^done .*LDevID \"serialNumber=$serial\", pinned domain \"CN=BRSKI Demo Domain CA" \
            <<<"$out" || fail "$alg/$levels $serial: no final line: $out"
        # One connection from the provisional TLS to simpleenroll (RFC 8995 5.6.2: it is
        # authenticated by registrar-check), then one with the LDevID (5.9.4).
        steps=$(awk '{print $1}' <<<"$out" | tr '\n' ' ')
        [ "$steps" = "idevid tls pvr voucher verify pin registrar-check voucher-status cacerts \
csrattrs csr simpleenroll ldevid-check write tls-ldevid enroll-status done " ] ||
            fail "$alg/$levels $serial: steps: $steps"
        grep -q "^registrar-check .*connection now authenticated" <<<"$out" ||
            fail "$alg/$levels $serial: registrar-check line: $out"
        openssl verify -CAfile "$dir/domain/ca.crt" "$pdir/ldevid.crt" >/dev/null ||
            fail "$alg/$levels $serial: LDevID does not chain to the domain CA"
        openssl verify -CAfile "$pdir/domain-ca.crt" "$pdir/ldevid.crt" >/dev/null ||
            fail "$alg/$levels $serial: LDevID does not chain to the stored domain-ca.crt"
        [ "$(subject_serial "$pdir/ldevid.crt")" = "$serial" ] ||
            fail "$alg/$levels $serial: LDevID serialNumber differs"
        [ "$(subject_serial "$pdir/idevid.crt")" = "$serial" ] ||
            fail "$alg/$levels $serial: IDevID serialNumber differs"
        [ "$(stat -c %a "$pdir/ldevid.key")" = 600 ] || fail "$alg/$levels $serial: key mode"
        # The LDevID holds the public key of ldevid.key, which is a new key.
        [ "$(openssl pkey -in "$pdir/ldevid.key" -pubout)" = \
            "$(openssl x509 -noout -pubkey -in "$pdir/ldevid.crt")" ] ||
            fail "$alg/$levels $serial: LDevID key mismatch"
        [ "$(openssl pkey -in "$pdir/ldevid.key" -pubout)" != \
            "$(openssl pkey -in "$pdir/idevid.key" -pubout)" ] ||
            fail "$alg/$levels $serial: LDevID reuses the IDevID key"
        # The registrar saw the IDevID for the voucher status and the LDevID for the
        # enroll status (audit actor: serial and the first 8 bytes of the cert's SHA-256).
        local idh ldh
        idh=$(openssl x509 -in "$pdir/idevid.crt" -outform DER | sha256sum | cut -c1-16)
        ldh=$(openssl x509 -in "$pdir/ldevid.crt" -outform DER | sha256sum | cut -c1-16)
        [ "$(sqlite3 "$dir/registrar.db" "select actor from audit where action = \
'voucher.status' and actor like 'serial:$serial %' order by seq desc limit 1")" = \
            "serial:$serial sha256:$idh" ] || fail "$alg/$levels $serial: voucher status actor"
        [ "$(sqlite3 "$dir/registrar.db" "select actor from audit where action = \
'enroll.status' and actor like 'serial:$serial %' order by seq desc limit 1")" = \
            "serial:$serial sha256:$ldh" ] || fail "$alg/$levels $serial: enroll status not sent with the LDevID"
        # The stored voucher names this pledge and pins the domain CA.
        # (the JSON is the eContent, byte for byte).
        grep -aq "\"serial-number\":\"$serial\"" "$pdir/voucher.p7" ||
            fail "$alg/$levels $serial: voucher content"
    done

    # ldevid_reconnect = false: the enroll status goes over the connection that did
    # simpleenroll, so the registrar records it under the IDevID.
    local same=$dir/same.ini sserial=${serials[0]} idh2
    sed -e "s/^\[pledge\]\$/[pledge]\nout_dir = sameout\nldevid_reconnect = false/" \
        "$dir/pledge-$sserial.ini" >"$same"
    out=$("$PLEDGE" enroll --config "$same" 2>&1) || fail "$alg/$levels: ldevid_reconnect = false: $out"
    steps=$(awk '{print $1}' <<<"$out" | tr '\n' ' ')
    [ "$steps" = "idevid tls pvr voucher verify pin registrar-check voucher-status cacerts \
csrattrs csr simpleenroll ldevid-check write enroll-status done " ] ||
        fail "$alg/$levels: ldevid_reconnect = false: steps: $steps"
    idh2=$(openssl x509 -in "$dir/pledges/$sserial/idevid.crt" -outform DER | sha256sum | cut -c1-16)
    [ "$(sqlite3 "$dir/registrar.db" "select actor from audit where action = \
'enroll.status' and actor like 'serial:$sserial %' order by seq desc limit 1")" = \
        "serial:$sserial sha256:$idh2" ] || fail "$alg/$levels: ldevid_reconnect = false: actor"
    sed -i "s/^ldevid_reconnect = false/ldevid_reconnect = maybe/" "$same"
    local brc=0 berr
    berr=$("$PLEDGE" enroll --config "$same" 2>&1 >/dev/null) || brc=$?
    [ "$brc" = 2 ] && grep -q "ldevid_reconnect" <<<"$berr" ||
        fail "$alg/$levels: ldevid_reconnect = maybe: exit $brc: $berr"

    # out_dir unusable: the write fails, the failure is reported as enroll status
    # false over the existing connection (RFC 8995 5.9.4), exit 1 naming the write.
    local wbad=$dir/wbad.ini
    : >"$dir/notadir"
    sed -e "s#^\[pledge\]\$#[pledge]\nout_dir = notadir/sub#" "$dir/pledge-$sserial.ini" >"$wbad"
    brc=0; berr=$("$PLEDGE" enroll --config "$wbad" 2>&1 >/dev/null) || brc=$?
    [ "$brc" = 1 ] && grep -q "^enroll: write: cannot write into" <<<"$berr" ||
        fail "$alg/$levels: unusable out_dir: exit $brc: $berr"
    [ "$(sqlite3 "$dir/registrar.db" "select count(*) from statuses where serial = \
'$sserial' and kind = 'enroll' and ok = 0 and reason = 'cannot store the LDevID'")" -ge 1 ] ||
        fail "$alg/$levels: unusable out_dir: no enroll status false at the registrar"

    # A pledge trusting a foreign MASA anchor must refuse the voucher (RFC 8995 5.6.1).
    local bad=$dir/bad.ini
    sed -e "s#^file = pledges/.*/masa-\(anchor\|signer\).crt#file = domain/ca.crt#" \
        "$dir/pledge-${serials[0]}.ini" >"$bad"
    sed -i "s/^\[pledge\]\$/[pledge]\nout_dir = badout/" "$bad"
    local rc=0 err
    err=$("$PLEDGE" enroll --config "$bad" 2>&1 >/dev/null) || rc=$?
    [ "$rc" = 1 ] || fail "$alg/$levels: foreign MASA anchor: exit $rc, want 1"
    grep -q "^enroll: verify: RFC 8995 5.6.1" <<<"$err" || fail "$alg/$levels: reason: $err"
    [ ! -e "$dir/badout/ldevid.crt" ] || fail "$alg/$levels: LDevID written after a rejection"

    stop_servers

    # Registrar gone: exit 1 and the failing step is named (RFC 8995 5.1).
    rc=0
    err=$("$PLEDGE" enroll --config "$dir/pledge-${serials[0]}.ini" 2>&1 >/dev/null) || rc=$?
    [ "$rc" = 1 ] || fail "$alg/$levels: no registrar: exit $rc, want 1"
    grep -q "^enroll: tls: RFC 8995 5.1: cannot connect" <<<"$err" ||
        fail "$alg/$levels: no registrar: $err"

    for serial in "${serials[@]}"; do
        [ "$(sqlite3 "$dir/masa.db" "select count(*) from vouchers where serial = '$serial'")" -ge 1 ] ||
            fail "$alg/$levels $serial: MASA stored no voucher"
        [ "$(sqlite3 "$dir/registrar.db" "select count(*) from vouchers where serial = '$serial'")" -ge 1 ] ||
            fail "$alg/$levels $serial: registrar stored no voucher"
    done
    echo "ok: $alg, $levels levels, ${#serials[@]} pledges onboarded"
}

# Usage and configuration errors exit 2.
"$PLEDGE" enroll --help | grep -q "^usage: brski-pledge enroll --config F" || fail "--help"
rc=0; "$PLEDGE" enroll 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "no --config: exit $rc, want 2"
printf '[pledge]\nidevid_cert = x.crt\nidevid_key = x.key\nregistrar_https = 127.0.0.1\n' \
    >"$WORK/noport.ini"
rc=0; err=$("$PLEDGE" enroll --config "$WORK/noport.ini" 2>&1) || rc=$?
[ "$rc" = 2 ] && grep -q "registrar_https must be HOST:PORT" <<<"$err" || fail "bad port: $err"
printf '[pledge]\nidevid_cert = x.crt\nidevid_key = x.key\nregistrar_https = 127.0.0.1:1\n' \
    >"$WORK/noanchor.ini"
rc=0; err=$("$PLEDGE" enroll --config "$WORK/noanchor.ini" 2>&1) || rc=$?
[ "$rc" = 2 ] && grep -q "purpose = masa" <<<"$err" || fail "no MASA anchor: $err"

run_case p256 2
run_case ed25519 3
run_case p256 3
run_case ed25519 2
echo "PASS"
