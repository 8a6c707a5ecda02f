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

CERTS="$BRSKI_BIN/certs/brski-certs"
MASA="$BRSKI_BIN/masa/brski-masa"
REG="$BRSKI_BIN/registrar/brski-registrar"
PLEDGE="$BRSKI_BIN/pledge/brski-pledge"
PY=/usr/bin/python3
ORACLE="$BRSKI_SHARED/oracles/cose_sign1_verify.py"
N=20
PAR=4
LOSS=20%
W="$(mktemp -d "${TMPDIR:-/tmp}/brski-coaploss-XXXXXX")"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$W"
}
trap cleanup EXIT

die() {
    echo "FAIL (setup): $*" >&2
    for f in "$W"/masa.log "$W"/reg.log; do [ -f "$f" ] && tail -n 15 "$f" >&2; done
    exit 1
}

command -v coap-client-openssl >/dev/null || die "coap-client-openssl not installed (libcoap3-bin)"
command -v sqlite3 >/dev/null || die "sqlite3 not installed"
[ -f "$ORACLE" ] || die "COSE oracle missing: $ORACLE"

read -r MPORT RPORT CPORT <<<"$("$PY" -c 'import socket
a=socket.socket(); a.bind(("127.0.0.1",0))
b=socket.socket(); b.bind(("127.0.0.1",0))
u=socket.socket(type=socket.SOCK_DGRAM); u.bind(("127.0.0.1",0))
print(a.getsockname()[1], b.getsockname()[1], u.getsockname()[1])')"

"$CERTS" init --dir "$W/pki" --pledges 1 >/dev/null || die "brski-certs init"
D="$W/pki"
sed -i "s/^listen = .*/listen = 127.0.0.1:$MPORT/" "$D/masa.ini"
sed -i "s/^listen_https = .*/listen_https = 127.0.0.1:$RPORT/; s/^listen_coaps = .*/listen_coaps = 127.0.0.1:$CPORT/" "$D/registrar.ini"
sed -i "s|^enroll_policy = .*|&\nmasa_url = https://127.0.0.1:$MPORT|" "$D/registrar.ini"
P="$(ls -d "$D"/pledges/*/ | head -n 1)"
P="${P%/}"
S="$(basename "$P")"

"$MASA" serve --config "$D/masa.ini" >"$W/masa.log" 2>&1 &
PIDS+=("$!")
"$REG" serve --config "$D/registrar.ini" >"$W/reg.log" 2>&1 &
RPID=$!
PIDS+=("$RPID")
for _ in $(seq 1 100); do
    grep -q "CoAPS on port $CPORT" "$W/reg.log" && grep -q "listening on port" "$W/masa.log" && break
    kill -0 "$RPID" 2>/dev/null || die "registrar exited"
    sleep 0.1
done
grep -q "CoAPS on port $CPORT" "$W/reg.log" || die "registrar CoAPS not up"
grep -q "listening on port" "$W/masa.log" || die "MASA not up"

URI="coaps://127.0.0.1:$CPORT"
ID=(-c "$P/idevid.crt" -j "$P/idevid.key" -n)

# The PVRs up front, one fresh nonce each.
for i in $(seq 1 "$N"); do
    "$PLEDGE" make-pvr --cert "$P/idevid.crt" --key "$P/idevid.key" \
        --registrar-cert "$D/domain/registrar.crt" --format cose --out "$W/pvr$i.cose" >"$W/pvr$i.txt" ||
        die "make-pvr $i"
    sed -n 's/^nonce: //p' "$W/pvr$i.txt" >"$W/nonce$i"
    [ -s "$W/nonce$i" ] || die "make-pvr $i printed no nonce"
done
PSIZE="$(stat -c %s "$W/pvr1.cose")"
[ "$PSIZE" -gt 64 ] || die "PVR of $PSIZE bytes would not be block-wise"

# one_rv I: a lossy block-wise voucher request; writes "ok SECONDS" or
# "fail SECONDS why" to $W/res$i.
one_rv() {
    local i="$1" t0 t1 why=""
    t0=$(date +%s.%N)
    timeout 150 coap-client-openssl -B 120 -l "$LOSS" -b 64 "${ID[@]}" -m post -t 836 -A 836 \
        -f "$W/pvr$i.cose" -o "$W/voucher$i.cose" "$URI/.well-known/brski/rv" >"$W/out$i" 2>&1
    t1=$(date +%s.%N)
    if [ ! -s "$W/voucher$i.cose" ]; then
        why="no voucher: $(grep -v '^$' "$W/out$i" | tail -n 1 | head -c 100)"
    elif ! "$PLEDGE" verify-voucher --voucher "$W/voucher$i.cose" --masa-anchor "$D/masa/signer.crt" \
        --serial "$S" --nonce "$(cat "$W/nonce$i")" >"$W/v$i.json" 2>"$W/v$i.err"; then
        why="verify-voucher: $(head -c 100 "$W/v$i.err")"
    elif ! grep -q "\"nonce\": *\"$(cat "$W/nonce$i")\"" "$W/v$i.json"; then
        why="voucher JSON lacks the nonce"
    elif ! "$PY" "$ORACLE" "$W/voucher$i.cose" "$D/masa/signer.crt" >"$W/o$i" 2>&1 ||
        ! grep -q verified "$W/o$i"; then
        why="COSE oracle: $(head -c 100 "$W/o$i")"
    fi
    if [ -z "$why" ]; then
        printf 'ok %.1f\n' "$(awk "BEGIN{print $t1 - $t0}")" >"$W/res$i"
    else
        printf 'fail %.1f %s\n' "$(awk "BEGIN{print $t1 - $t0}")" "$why" >"$W/res$i"
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
for i in $(seq 1 "$N"); do
    read -r st secs why <"$W/res$i"
    if [ "$st" = ok ]; then
        PASS=$((PASS + 1))
        printf 'PASS rv %2d/%d  %5ss  voucher verified (nonce, serial %s, oracle)\n' "$i" "$N" "$secs" "$S"
    else
        FAILS=$((FAILS + 1))
        printf 'FAIL rv %2d/%d  %5ss  %s\n' "$i" "$N" "$secs" "$why"
    fi
done
echo "rv: $PASS of $N vouchers with $LOSS loss and 64-byte blocks in $((T1 - T0)) s ($PAR at a time)"
n="$(sqlite3 "$D/registrar.db" "SELECT count(*) FROM vouchers WHERE serial='$S'" 2>/dev/null || echo '?')"
if [ "$n" = "$N" ]; then PASS=$((PASS + 1)); echo "PASS registrar stored $n vouchers"; else
    FAILS=$((FAILS + 1)); echo "FAIL registrar stored $n vouchers, want $N (one per request, none twice)"; fi

# Lossy block-wise GET /crts: identical to the lossless bytes.
timeout 30 coap-client-openssl -B 20 "${ID[@]}" -o "$W/crts.der" "$URI/.well-known/est/crts" >"$W/out" 2>&1
openssl pkcs7 -inform DER -print_certs -in "$W/crts.der" >/dev/null 2>&1 || die "lossless crts not certs-only"
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

kill -TERM "$RPID"
for _ in $(seq 1 100); do kill -0 "$RPID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$RPID" 2>/dev/null; then FAILS=$((FAILS + 1)); echo "FAIL registrar did not stop on SIGTERM"; fi
if grep -qE 'Sanitizer|runtime error' "$W/reg.log" "$W/masa.log"; then
    FAILS=$((FAILS + 1)); echo "FAIL sanitizer report"; grep -hE -A5 'Sanitizer|runtime error' "$W/reg.log" "$W/masa.log" | head -n 30
fi
echo "$PASS passed, $FAILS failed"
[ "$FAILS" = 0 ]
