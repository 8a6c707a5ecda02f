# Shared pieces of the integration tests, sourced by them:
#     . "$(dirname "$0")/lib.sh"
# Not a test itself (CMakeLists.txt registers test_*.sh only). Defines no
# behaviour on load beyond variables: each script calls what it needs.
# Everything stays on loopback, with ports picked free at run time and every
# wait bounded.

: "${BRSKI_BIN:?BRSKI_BIN not set (the build directory)}"

# The programs under test.
CERTS="$BRSKI_BIN/certs/brski-certs"
MASA="$BRSKI_BIN/masa/brski-masa"
REG="$BRSKI_BIN/registrar/brski-registrar"
PLEDGE="$BRSKI_BIN/pledge/brski-pledge"
# This directory (coap_msg.py: PYTHONPATH="$LIB_DIR").
LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in the source tree
# Debian's python3 (python3-cbor2, python3-cryptography).
PY=/usr/bin/python3

PIDS=()          # background processes that cleanup() stops
FAIL_LOGS=()     # logs whose last FAIL_TAIL lines fail() prints
FAIL_TAIL=15
FAIL_PREFIX=FAIL # first word of fail()'s message
COAP_TIMEOUT=30  # coap(): overall limit (s)
COAP_WAIT=20     # coap(): coap-client -B (s)

# fail MESSAGE...: print "FAIL: MESSAGE" and the tails of FAIL_LOGS to
# stderr, exit 1 (the EXIT trap of work_dir cleans up).
fail() {
    echo "$FAIL_PREFIX: $*" >&2
    local f
    for f in "${FAIL_LOGS[@]}"; do
        if [ -f "$f" ]; then tail -n "$FAIL_TAIL" "$f" >&2; fi
    done
    exit 1
}

# cleanup: stop the PIDS, reap them and remove the work dir $W.
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ -n "${W:-}" ]; then rm -rf "$W"; fi
}

# work_dir NAME: create the work dir $W (${TMPDIR:-/tmp}/brski-NAME-XXXXXX)
# and trap EXIT to cleanup, so every exit path stops PIDS and removes $W.
work_dir() {
    W="$(mktemp -d "${TMPDIR:-/tmp}/brski-$1-XXXXXX")" || {
        echo "FAIL: mktemp" >&2
        exit 1
    }
    trap cleanup EXIT
}

# pick_ports VAR:tcp|VAR:udp...: set each VAR to a free loopback port of that
# kind. All sockets stay bound until every port is chosen, so the ports of
# one kind differ.
pick_ports() {
    local _pp_out _pp_spec _pp_i=0
    local -a _pp_ports
    _pp_out="$("$PY" - "$@" <<'EOF'
import socket, sys
socks = []
for spec in sys.argv[1:]:
    kind = spec.rsplit(':', 1)[1]
    if kind not in ('tcp', 'udp'):
        sys.exit('pick_ports: ' + spec + ': want VAR:tcp or VAR:udp')
    s = socket.socket(type=socket.SOCK_DGRAM if kind == 'udp' else socket.SOCK_STREAM)
    s.bind(('127.0.0.1', 0))
    socks.append(s)
print(' '.join(str(s.getsockname()[1]) for s in socks))
EOF
)" || fail "no free loopback ports"
    read -r -a _pp_ports <<<"$_pp_out"
    [ "${#_pp_ports[@]}" = "$#" ] || fail "pick_ports: got '$_pp_out' for $*"
    for _pp_spec in "$@"; do
        printf -v "${_pp_spec%:*}" '%s' "${_pp_ports[_pp_i]}"
        _pp_i=$((_pp_i + 1))
    done
}

# init_pki DIR [brski-certs init options...]: a demo PKI in DIR.
init_pki() {
    local dir="$1"
    shift
    "$CERTS" init --dir "$dir" "$@" >/dev/null || fail "brski-certs init"
}

# ini_set FILE KEY VALUE: replace the "KEY = ..." line of a brski-certs ini.
ini_set() {
    sed -i "s|^$2 = .*|$2 = $3|" "$1"
    grep -qxF "$2 = $3" "$1" || fail "$1: $2 not set"
}

# ini_del FILE KEY: remove the "KEY = ..." line.
ini_del() {
    sed -i "/^$2 = /d" "$1"
}

# listen_masa DIR PORT: the MASA of the PKI in DIR listens on 127.0.0.1:PORT.
listen_masa() {
    ini_set "$1/masa.ini" listen "127.0.0.1:$2"
}

# listen_registrar DIR HTTPS_PORT [COAPS_PORT]: the registrar of the PKI in
# DIR listens on 127.0.0.1:HTTPS_PORT, and for CoAPS on 127.0.0.1:COAPS_PORT
# (without it, no CoAPS listener).
listen_registrar() {
    ini_set "$1/registrar.ini" listen_https "127.0.0.1:$2"
    if [ -n "${3:-}" ]; then
        ini_set "$1/registrar.ini" listen_coaps "127.0.0.1:$3"
    else
        ini_del "$1/registrar.ini" listen_coaps
    fi
}

# registrar_masa DIR URL: the registrar asks the MASA at URL (the IDevIDs of
# the demo PKI name the default MASA port).
registrar_masa() {
    sed -i "s|^enroll_policy = .*|&\nmasa_url = $2|" "$1/registrar.ini"
    grep -qxF "masa_url = $2" "$1/registrar.ini" || fail "masa_url not set"
}

# await_log PID LOG PATTERN: wait up to 10 s for PATTERN (grep) in LOG.
# Status 0 when it is there, 1 when time ran out, 2 when PID exited first.
await_log() {
    local i
    for i in $(seq 1 100); do
        grep -q -- "$3" "$2" 2>/dev/null && return 0
        kill -0 "$1" 2>/dev/null || { grep -q -- "$3" "$2" 2>/dev/null && return 0; return 2; }
        sleep 0.1
    done
    return 1
}

# wait_log NAME PID LOG PATTERN: await_log, or fail naming NAME.
wait_log() {
    local rc=0
    await_log "$2" "$3" "$4" || rc=$?
    case $rc in
    0) ;;
    2) fail "$1 exited" ;;
    *) fail "$1 not up" ;;
    esac
}

# spawn LOG CMD...: run CMD in the background, stdout and stderr to LOG;
# SPAWNED = its pid, added to PIDS; LOG added to FAIL_LOGS.
spawn() {
    local log="$1"
    shift
    "$@" >"$log" 2>&1 &
    SPAWNED=$!
    PIDS+=("$SPAWNED")
    FAIL_LOGS+=("$log")
}

# start_masa INI LOG: spawn brski-masa serve (MASA_PID); returns once it
# logged "listening on port".
start_masa() {
    spawn "$2" "$MASA" serve --config "$1"
    MASA_PID=$SPAWNED
    wait_log MASA "$MASA_PID" "$2" "listening on port"
}

# start_registrar INI LOG [COAPS_PORT]: spawn brski-registrar serve
# (REG_PID); returns once it logged "listening on port" and, with
# COAPS_PORT, "CoAPS on port COAPS_PORT".
start_registrar() {
    spawn "$2" "$REG" serve --config "$1"
    REG_PID=$SPAWNED
    wait_log registrar "$REG_PID" "$2" "listening on port"
    if [ -n "${3:-}" ]; then
        wait_log "registrar CoAPS" "$REG_PID" "$2" "CoAPS on port $3"
    fi
}

# stop_all: stop and reap every process in PIDS (the work dir stays).
stop_all() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    PIDS=()
}

# pki_servers DIR NPLEDGES [brski-certs init options...]: free ports MPORT,
# RPORT (TCP) and CPORT (UDP); a demo PKI with NPLEDGES pledges in DIR;
# brski-masa on MPORT and brski-registrar on RPORT (HTTPS) and CPORT (CoAPS)
# asking that MASA, both started (MASA_PID, REG_PID; logs DIR/masa.log,
# DIR/reg.log).
pki_servers() {
    local dir="$1" n="$2"
    shift 2
    pick_ports MPORT:tcp RPORT:tcp CPORT:udp
    init_pki "$dir" --pledges "$n" "$@"
    listen_masa "$dir" "$MPORT"
    listen_registrar "$dir" "$RPORT" "$CPORT"
    registrar_masa "$dir" "https://127.0.0.1:$MPORT"
    start_masa "$dir/masa.ini" "$dir/masa.log"
    start_registrar "$dir/registrar.ini" "$dir/reg.log" "$CPORT"
}

# coaps_setup NPLEDGES: the cBRSKI set-up the CoAPS tests share. Free ports
# MPORT, RPORT (TCP) and CPORT (UDP); a demo PKI with NPLEDGES pledges in
# D=$W/pki; brski-masa on MPORT, brski-registrar on RPORT (HTTPS) and CPORT
# (CoAPS) asking that MASA, both started (MASA_PID, REG_PID; logs
# $W/masa.log, $W/reg.log, links to D/...). Needs coap-client-openssl and sqlite3.
coaps_setup() {
    need_cmd coap-client-openssl libcoap3-bin
    need_cmd sqlite3 sqlite3
    D="$W/pki"
    pki_servers "$D" "$1"
    ln -s "$D/masa.log" "$W/masa.log"
    ln -s "$D/reg.log" "$W/reg.log"
}

# BENCH: the load generator; bench_run ARGS...: run it with ARGS --json,
# print its result (the last line of its output) and keep it in BENCH_JSON
# (bench_check.py checks it).
BENCH="$LIB_DIR/../bench/brski-bench"
bench_run() {
    local out
    out=$("$BENCH" "$@" --json) || fail "brski-bench $* exited $?"
    BENCH_JSON=$(tail -n 1 <<<"$out")
    echo "$BENCH_JSON"
}

# term_wait PID: SIGTERM, then up to 10 s for PID to end. Status 1 if it
# still runs.
term_wait() {
    local i
    kill -TERM "$1" 2>/dev/null || true
    for i in $(seq 1 100); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1
    done
    ! kill -0 "$1" 2>/dev/null
}

# forget_pid PID: take a reaped PID out of PIDS (cleanup must not signal a
# number the system may have given to another process since).
forget_pid() {
    local p
    local -a keep=()
    for p in "${PIDS[@]}"; do
        if [ "$p" != "$1" ]; then keep+=("$p"); fi
    done
    PIDS=("${keep[@]}")
}

# stop_server NAME PID: term_wait, then fail unless PID exited with status 0.
stop_server() {
    local rc=0
    term_wait "$2" || fail "$1 did not stop on SIGTERM"
    wait "$2" || rc=$?
    forget_pid "$2"
    [ "$rc" = 0 ] || fail "$1 exit status $rc"
}

# first_pledge DIR: P = the first pledge directory of the PKI in DIR (no
# trailing slash), S = its serial number.
first_pledge() {
    P="$(ls -d "$1"/pledges/*/ | head -n 1)"
    P="${P%/}"
    [ -n "$P" ] || fail "no pledge in $1"
    S="$(basename "$P")"
}

# make_pvr PLEDGE_DIR OUT [FORMAT]: brski-pledge make-pvr with the pledge's
# IDevID, for the registrar of the PKI in $D (FORMAT: cms, the default, or
# cose). Its output (the "nonce:" line) goes to stdout.
make_pvr() {
    local fmt=()
    if [ -n "${3:-}" ]; then fmt=(--format "$3"); fi
    "$PLEDGE" make-pvr --cert "$1/idevid.crt" --key "$1/idevid.key" \
        --registrar-cert "$D/domain/registrar.crt" "${fmt[@]}" --out "$2"
}

# coap ARGS...: one coap-client-openssl run bounded by COAP_TIMEOUT (and -B
# COAP_WAIT), stdout and stderr to $W/out; its status is ignored.
coap() {
    timeout "$COAP_TIMEOUT" coap-client-openssl -B "$COAP_WAIT" "$@" >"$W/out" 2>&1 || true
}

# need_cmd CMD PACKAGE: fail unless CMD is installed.
need_cmd() {
    command -v "$1" >/dev/null || fail "$1 not installed ($2)"
}
