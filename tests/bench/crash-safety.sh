#!/usr/bin/env bash
# crash-safety.sh: TESTING.md T-CRASH for the HTTPS registrar and the MASA.
#
# usage: crash-safety.sh [--pledges N] [--cycles C] [--target registrar|masa|both]
#                        [--window-ms W] [--keep]
#
# Each cycle starts N concurrent brski-pledge enroll runs, SIGKILLs the target
# server at a random moment (within one calibrated enrollment time), restarts
# it and checks, after the kill and again after the retries:
#   - PRAGMA integrity_check of both stores (registrar.db, masa.db) is "ok";
#   - brski-registrar and brski-masa audit-verify exit 0 (hash chains intact);
#   - no LDevID serial number was issued twice (files and store);
#   - every LDevID a pledge received is in the registrar's certs table;
#   - every voucher a pledge accepted (voucher.p7, byte for byte) is in the
#     MASA's and in the registrar's vouchers table;
#   - every pledge interrupted by the kill succeeds on retry.
# --cycles counts cycles per target; "both" alternates registrar and MASA
# kills (2*C cycles). The kill lands uniformly in 10 ms .. W ms after the load
# starts; W defaults to one calibrated enrollment time (TESTING.md K3 uses 2000).
# On failure the tails of the server logs are printed; --keep keeps the work
# directory.
# Binaries: $BRSKI_BIN if set, else build/release, else build/dev.
# Exit 0 all cycles passed, 1 a check failed, 2 usage.
set -euo pipefail

PLEDGES=4
CYCLES=5
TARGET=registrar
WINDOW=
KEEP=0
while [ $# -gt 0 ]; do
    case $1 in
    --pledges) PLEDGES=${2:-}; shift 2 || exit 2 ;;
    --cycles) CYCLES=${2:-}; shift 2 || exit 2 ;;
    --target) TARGET=${2:-}; shift 2 || exit 2 ;;
    --window-ms) WINDOW=${2:-}; shift 2 || exit 2 ;;
    --keep) KEEP=1; shift ;;
    -h | --help) sed -n '4p' "$0" | sed 's/^# //'; exit 0 ;;
    *) echo "crash-safety: unknown option '$1'" >&2; exit 2 ;;
    esac
done
if ! [[ $PLEDGES =~ ^[0-9]+$ && $CYCLES =~ ^[0-9]+$ ]] || [ "$PLEDGES" -lt 1 ] ||
    [ "$CYCLES" -lt 1 ]; then
    echo "crash-safety: --pledges and --cycles must be positive integers" >&2
    exit 2
fi
if [ -n "$WINDOW" ] && ! [[ $WINDOW =~ ^[0-9]+$ && $WINDOW -ge 10 ]]; then
    echo "crash-safety: --window-ms must be an integer >= 10" >&2
    exit 2
fi
case $TARGET in
registrar | masa | both) ;;
*) echo "crash-safety: --target must be registrar, masa or both" >&2; exit 2 ;;
esac

SRC=$(cd "$(dirname "$0")/../.." && pwd)
if [ -n "${BRSKI_BIN:-}" ]; then
    BIN=$BRSKI_BIN
elif [ -x "$SRC/build/release/registrar/brski-registrar" ]; then
    BIN=$SRC/build/release
else
    BIN=$SRC/build/dev
fi
CERTS=$BIN/certs/brski-certs
MASA=$BIN/masa/brski-masa
REG=$BIN/registrar/brski-registrar
PLEDGE=$BIN/pledge/brski-pledge

WORK=$(mktemp -d)
MASA_PID=
REG_PID=
cleanup() {
    local p
    for p in $MASA_PID $REG_PID; do kill "$p" 2>/dev/null || true; done
    for p in $MASA_PID $REG_PID; do wait "$p" 2>/dev/null || true; done
    if [ "$KEEP" = 1 ]; then echo "crash-safety: work dir kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

fail() {
    local l
    echo "FAIL: $*" >&2
    for l in masa registrar; do
        [ -f "$WORK/pki/$l.log" ] || continue
        echo "--- last lines of $l.log:" >&2
        tail -n 15 "$WORK/pki/$l.log" >&2
    done
    exit 1
}
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {
    local port=$1 i
    for i in $(seq 1 200); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.05
    done
    fail "nothing listens on port $port after 10 s"
}

D=$WORK/pki
"$CERTS" init --dir "$D" --pledges "$PLEDGES" >/dev/null
MPORT=$(free_port)
RPORT=$(free_port)
while [ "$RPORT" = "$MPORT" ]; do RPORT=$(free_port); done
CPORT=$(free_port)
sed -i "s/^listen = .*/listen = 127.0.0.1:$MPORT/" "$D/masa.ini"
sed -i -e "s/^listen_https = .*/listen_https = 127.0.0.1:$RPORT/" \
    -e "s/^listen_coaps = .*/listen_coaps = 127.0.0.1:$CPORT/" \
    -e "s/^\[registrar\]\$/[registrar]\nmasa_url = 127.0.0.1:$MPORT/" "$D/registrar.ini"
INIS=()
for ini in "$D"/pledge-*.ini; do
    sed -i -e "s/^registrar_https = .*/registrar_https = 127.0.0.1:$RPORT/" \
        -e "s/^registrar_coaps = .*/registrar_coaps = 127.0.0.1:$CPORT/" "$ini"
    INIS+=("$ini")
done

start_registrar() {
    (cd "$D" && exec "$REG" serve --config registrar.ini >>registrar.log 2>&1) &
    REG_PID=$!
    wait_port "$RPORT"
}
start_masa() {
    (cd "$D" && exec "$MASA" serve --config masa.ini >>masa.log 2>&1) &
    MASA_PID=$!
    wait_port "$MPORT"
}
start_masa
start_registrar

# enroll NAME INI: one run with out_dir runs/NAME; prints the exit code.
enroll() {
    local name=$1 ini=$2 cfg rc=0
    cfg=$D/run-$name.ini
    sed "s/^\[pledge\]\$/[pledge]\nout_dir = runs\/$name/" "$ini" >"$cfg"
    "$PLEDGE" enroll --config "$cfg" >"$D/run-$name.out" 2>"$D/run-$name.err" || rc=$?
    echo "$rc"
}

norm_serial() { tr 'A-F' 'a-f' | sed 's/^0*//'; }

hex_file() { od -An -tx1 -v "$1" | tr -d ' \n' | tr 'a-f' 'A-F'; }

check_store() {
    local c=$1 ic f s db
    for db in registrar masa; do
        ic=$(sqlite3 "$D/$db.db" "PRAGMA integrity_check")
        [ "$ic" = ok ] || fail "cycle $c: $db.db integrity_check: $ic"
    done
    "$REG" audit-verify --config "$D/registrar.ini" >/dev/null 2>"$WORK/audit.err" ||
        fail "cycle $c: registrar audit-verify: $(cat "$WORK/audit.err")"
    "$MASA" audit-verify --config "$D/masa.ini" >/dev/null 2>"$WORK/audit.err" ||
        fail "cycle $c: masa audit-verify: $(cat "$WORK/audit.err")"
    sqlite3 "$D/masa.db" "SELECT hex(voucher) FROM vouchers" | sort >"$WORK/masa-v.txt"
    sqlite3 "$D/registrar.db" "SELECT hex(voucher) FROM vouchers" | sort >"$WORK/reg-v.txt"
    VOUCHERS_CHECKED=0
    for f in "$D"/runs/*/voucher.p7; do
        [ -s "$f" ] || continue
        VOUCHERS_CHECKED=$((VOUCHERS_CHECKED + 1))
        s=$(hex_file "$f")
        grep -qxF "$s" "$WORK/masa-v.txt" || fail "cycle $c: voucher $f not in the MASA store"
        grep -qxF "$s" "$WORK/reg-v.txt" || fail "cycle $c: voucher $f not in the registrar store"
    done
    sqlite3 "$D/registrar.db" "SELECT lower(ltrim(serial,'0')) FROM certs" | sort >"$WORK/db.txt"
    [ -z "$(uniq -d "$WORK/db.txt")" ] || fail "cycle $c: duplicate serial in the store"
    : >"$WORK/files.txt"
    for f in "$D"/runs/*/ldevid.crt; do
        [ -s "$f" ] || continue
        s=$(openssl x509 -noout -serial -in "$f" | sed 's/^serial=//' | norm_serial)
        echo "$s" >>"$WORK/files.txt"
        grep -qx "$s" "$WORK/db.txt" || fail "cycle $c: LDevID $f (serial $s) not in the store"
    done
    [ -z "$(sort "$WORK/files.txt" | uniq -d)" ] || fail "cycle $c: an LDevID serial was issued twice"
}

# Calibration: one enrollment's wall time sets the kill window, so the kill
# lands inside the load for fast (release) and slow (sanitizer) builds alike.
t0=$(date +%s%N)
[ "$(enroll warmup "${INIS[0]}")" = 0 ] || fail "warm-up enrollment: $(cat "$D/run-warmup.err")"
WINDOW_MS=$((($(date +%s%N) - t0) / 1000000))
[ "$WINDOW_MS" -ge 50 ] || WINDOW_MS=50
[ -z "$WINDOW" ] || WINDOW_MS=$WINDOW

KILLED_MID=0
RETRIED=0
KILLS_REG=0
KILLS_MASA=0
TOTAL=$CYCLES
[ "$TARGET" = both ] && TOTAL=$((2 * CYCLES))
for ((c = 1; c <= TOTAL; c++)); do
    victim=$TARGET
    if [ "$TARGET" = both ]; then
        if ((c % 2)); then victim=registrar; else victim=masa; fi
    fi
    wpids=()
    for ((i = 0; i < PLEDGES; i++)); do
        enroll "c$c-p$i" "${INIS[$i]}" >"$WORK/rc-$c-$i" &
        wpids+=($!)
    done
    # Random moment: 10 ms .. one calibrated enrollment time after the load started.
    sleep "$(awk -v r="$RANDOM" -v w="$WINDOW_MS" 'BEGIN { printf "%.3f", (10 + r % w) / 1000 }')"
    if [ "$victim" = registrar ]; then
        kill -KILL "$REG_PID"
        wait "$REG_PID" 2>/dev/null || true
        KILLS_REG=$((KILLS_REG + 1))
    else
        kill -KILL "$MASA_PID"
        wait "$MASA_PID" 2>/dev/null || true
        KILLS_MASA=$((KILLS_MASA + 1))
    fi
    for p in "${wpids[@]}"; do wait "$p" || true; done
    interrupted=()
    for ((i = 0; i < PLEDGES; i++)); do
        [ "$(cat "$WORK/rc-$c-$i")" = 0 ] || interrupted+=("$i")
    done
    KILLED_MID=$((KILLED_MID + ${#interrupted[@]}))
    check_store "$c (after SIGKILL of the $victim)"
    if [ "$victim" = registrar ]; then start_registrar; else start_masa; fi
    for i in "${interrupted[@]}"; do
        rc=$(enroll "c$c-p$i-retry" "${INIS[$i]}")
        [ "$rc" = 0 ] ||
            fail "cycle $c: pledge $i failed on retry: $(cat "$D/run-c$c-p$i-retry.err")"
        RETRIED=$((RETRIED + 1))
    done
    check_store "$c (after retries)"
    echo "cycle $c: SIGKILL $victim; ${#interrupted[@]} of $PLEDGES enrollments interrupted," \
        "all retried ok; stores: $(wc -l <"$WORK/db.txt") certs, $(wc -l <"$WORK/masa-v.txt")" \
        "MASA vouchers, $VOUCHERS_CHECKED received vouchers found in both stores," \
        "integrity ok, audits ok, no duplicates"
done
echo "PASS: $TOTAL cycles (registrar killed $KILLS_REG, MASA killed $KILLS_MASA)," \
    "$KILLED_MID interrupted enrollments, $RETRIED retried ok"
