#!/usr/bin/env bash
# cBRSKI voucher requests over a lossy link (TESTING.md T-DOS D7): 20 POST
# /.well-known/brski/rv with coap-client-openssl dropping 20% of the
# datagrams it sends (-l 20%: DTLS handshake flights, CoAP requests, block
# requests) and 64-byte blocks both ways (Block1 for the PVR, Block2 for the
# voucher, RFC 7959), through the real registrar and MASA. Each request uses
# a fresh COSE PVR from brski-pledge make-pvr (the MASA refuses a reused
# nonce); every voucher must pass brski-pledge verify-voucher with that
# nonce and the independent COSE oracle (cose_sign1_verify.py). 20 of 20
# must complete. Also 5 lossy block-wise GET /crts, byte-identical to a
# lossless fetch. Four clients run at a time; each is bounded by -B and
# timeout. Prints one line per request and "N passed, N failed".
set -uo pipefail

. "$(dirname "$0")/lib.sh"
ORACLE="$BRSKI_SHARED/oracles/cose_sign1_verify.py"
N=20
PAR=4
LOSS=20%
work_dir coaploss
FAIL_PREFIX="FAIL (setup)"

[ -f "$ORACLE" ] || fail "COSE oracle missing: $ORACLE"
coaps_setup 1
first_pledge "$D"
RPID=$REG_PID

URI="coaps://127.0.0.1:$CPORT"
ID=(-c "$P/idevid.crt" -j "$P/idevid.key" -n)

# The PVRs up front, one fresh nonce each.
for i in $(seq 1 "$N"); do
    make_pvr "$P" "$W/pvr$i.cose" cose >"$W/pvr$i.txt" || fail "make-pvr $i"
    sed -n 's/^nonce: //p' "$W/pvr$i.txt" >"$W/nonce$i"
    [ -s "$W/nonce$i" ] || fail "make-pvr $i printed no nonce"
done
PSIZE="$(stat -c %s "$W/pvr1.cose")"
[ "$PSIZE" -gt 64 ] || fail "PVR of $PSIZE bytes would not be block-wise"

# one_rv I: a lossy block-wise voucher request; writes "ok SECONDS" or
# "fail SECONDS why" to $W/res$i.
# One voucher request over a lossy link. A DTLS handshake or exchange that
# libcoap gives up on (no CoAP answer at all) is retried, as a pledge would,
# with a fresh PVR: RFC 8995 5.2 wants a new nonce for every attempt. At most
# $TRIES attempts; the result line records how many were needed.
TRIES=3
one_rv() {
    local i="$1" t0 t1 why="" a=1 pvr="$W/pvr$i.cose" nonce
    t0=$(date +%s.%N)
    while :; do
        rm -f "$W/voucher$i.cose"
        timeout 150 coap-client-openssl -B 120 -l "$LOSS" -b 64 "${ID[@]}" -m post -t 836 -A 836 \
            -f "$pvr" -o "$W/voucher$i.cose" "$URI/.well-known/brski/rv" >"$W/out$i.$a" 2>&1
        [ -s "$W/voucher$i.cose" ] && break
        # A CoAP error code is an answer, not a lost exchange: no retry.
        grep -qE '^[45]\.[0-9]{2}' "$W/out$i.$a" && break
        [ "$a" -lt "$TRIES" ] || break
        a=$((a + 1))
        pvr="$W/pvr$i.$a.cose"
        make_pvr "$P" "$pvr" cose >"$W/pvr$i.$a.txt" || break
        sed -n 's/^nonce: //p' "$W/pvr$i.$a.txt" >"$W/nonce$i"
    done
    t1=$(date +%s.%N)
    nonce="$(cat "$W/nonce$i")"
    if [ ! -s "$W/voucher$i.cose" ]; then
        why="no voucher after $a attempt(s): $(grep -v '^$' "$W/out$i.$a" | tail -n 1 | head -c 100)"
    elif ! "$PLEDGE" verify-voucher --voucher "$W/voucher$i.cose" --masa-anchor "$D/masa/signer.crt" \
        --serial "$S" --nonce "$nonce" >"$W/v$i.json" 2>"$W/v$i.err"; then
        why="verify-voucher: $(head -c 100 "$W/v$i.err")"
    elif ! grep -q "\"nonce\": *\"$nonce\"" "$W/v$i.json"; then
        why="voucher JSON lacks the nonce"
    elif ! "$PY" "$ORACLE" "$W/voucher$i.cose" "$D/masa/signer.crt" >"$W/o$i" 2>&1 ||
        ! grep -q verified "$W/o$i"; then
        why="COSE oracle: $(head -c 100 "$W/o$i")"
    fi
    if [ -z "$why" ]; then
        printf 'ok %.1f %d\n' "$(awk "BEGIN{print $t1 - $t0}")" "$a" >"$W/res$i"
    else
        printf 'fail %.1f %d %s\n' "$(awk "BEGIN{print $t1 - $t0}")" "$a" "$why" >"$W/res$i"
    fi
}

PASS=0
FAILS=0
T0=$(date +%s)
i=1
while [ "$i" -le "$N" ]; do
    jobs_now=()
    for _ in $(seq 1 "$PAR"); do
        [ "$i" -le "$N" ] || break
        one_rv "$i" &
        jobs_now+=("$!")
        i=$((i + 1))
    done
    wait "${jobs_now[@]}"
done
T1=$(date +%s)
ATTEMPTS=0
for i in $(seq 1 "$N"); do
    read -r st secs tries why <"$W/res$i"
    ATTEMPTS=$((ATTEMPTS + tries))
    if [ "$st" = ok ]; then
        PASS=$((PASS + 1))
        printf 'PASS rv %2d/%d  %5ss  %d attempt(s)  voucher verified (nonce, serial %s, oracle)\n' \
            "$i" "$N" "$secs" "$tries" "$S"
    else
        FAILS=$((FAILS + 1))
        printf 'FAIL rv %2d/%d  %5ss  %s\n' "$i" "$N" "$secs" "$why"
    fi
done
echo "rv: $PASS of $N vouchers with $LOSS loss and 64-byte blocks in $((T1 - T0)) s ($PAR at a time, $ATTEMPTS attempts)"
# Every voucher a client received is in the registrar store, exactly once for
# its nonce (a retransmitted request is not run twice); attempts whose answer
# was lost may add rows, never more than one per attempt.
missing=0
for i in $(seq 1 "$N"); do
    [ -s "$W/voucher$i.cose" ] || continue
    c="$(sqlite3 "$D/registrar.db" "SELECT count(*) FROM vouchers WHERE serial='$S' AND nonce='$(cat "$W/nonce$i")'" 2>/dev/null || echo 0)"
    [ "$c" = 1 ] || missing=$((missing + 1))
done
n="$(sqlite3 "$D/registrar.db" "SELECT count(*) FROM vouchers WHERE serial='$S'" 2>/dev/null || echo 0)"
if [ "$missing" = 0 ] && [ "$n" -ge "$PASS" ] && [ "$n" -le "$ATTEMPTS" ]; then
    PASS=$((PASS + 1)); echo "PASS registrar stored $n vouchers, each received one once"
else
    FAILS=$((FAILS + 1))
    echo "FAIL registrar stored $n vouchers for $ATTEMPTS attempts; $missing received ones not stored exactly once"
fi

timeout 30 coap-client-openssl -B 20 "${ID[@]}" -o "$W/crts.der" "$URI/.well-known/est/crts" >"$W/out" 2>&1
openssl pkcs7 -inform DER -print_certs -in "$W/crts.der" >/dev/null 2>&1 || fail "lossless crts not certs-only"
for i in 1 2 3 4 5; do
    rm -f "$W/crts-l$i.der"
    timeout 150 coap-client-openssl -B 120 -l "$LOSS" -b 64 "${ID[@]}" -o "$W/crts-l$i.der" \
        "$URI/.well-known/est/crts" >"$W/outc$i" 2>&1
    if cmp -s "$W/crts.der" "$W/crts-l$i.der"; then
        PASS=$((PASS + 1)); echo "PASS crts $i/5 lossy block-wise, identical"
    else
        FAILS=$((FAILS + 1)); echo "FAIL crts $i/5: $(tail -n 1 "$W/outc$i" | head -c 100)"
    fi
done

if ! term_wait "$RPID"; then FAILS=$((FAILS + 1)); echo "FAIL registrar did not stop on SIGTERM"; fi
if grep -qE 'Sanitizer|runtime error' "$W/reg.log" "$W/masa.log"; then
    FAILS=$((FAILS + 1)); echo "FAIL sanitizer report"; grep -hE -A5 'Sanitizer|runtime error' "$W/reg.log" "$W/masa.log" | head -n 30
fi
echo "$PASS passed, $FAILS failed"
[ "$FAILS" = 0 ]
