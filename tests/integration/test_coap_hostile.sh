#!/usr/bin/env bash
# Malformed and abusive CoAP against the real brski-registrar CoAPS server
# (with a real brski-masa behind /rv), each case with the exact code the
# server documents (common/include/brski/coap.h, docs/cbrski-server.md):
#  - paths and methods: 4.04 unknown path, 4.05 other method;
#  - Content-Format 4.15, Accept 4.06, Block1/Size1 over the resource cap
#    4.13 (RFC 7959 2.9.3), Block1 out of sequence 4.08, a non-final block
#    that is not full size 4.00, Block2 past the end 4.00;
#  - bodies: garbage / non-COSE / tampered / foreign-key / other-serial /
#    long-nonce PVRs, bad CBOR telemetry, bad CSRs -> 4.00 or 4.03;
#  - identity: no client certificate (handshake refused), a certificate
#    outside the anchors (4.03);
#  - CoAP message format errors sent raw inside DTLS (openssl s_client):
#    RST (RFC 7252 4.2), unknown critical option 4.02, unknown method 4.05;
#  - Block1 retransmissions and two transfers in one session (raw, exact bytes);
#  - raw UDP garbage and broken DTLS records (python3 socket): ignored;
#    cookieless ClientHellos get a HelloVerifyRequest (cookies on) and do
#    not make the server hold state; DTLS renegotiation refused;
#  - a seeded 400-request mutation sweep in one DTLS session;
#  - voucher clients that vanish before the deferred answer, parallel clients;
#  - a second registrar whose MASA accepts TCP and never answers: 5.04 after
#    the MASA timeout, 5.03 + Max-Age beyond the 16 workers, /crts still served.
# Afterwards the server still runs, serves /crts and a voucher correctly,
# stops cleanly on SIGTERM and logged no sanitizer report.
# One line per case, then "N passed, N failed"; non-zero exit on any failure.
set -uo pipefail

CERTS="$BRSKI_BIN/certs/brski-certs"
MASA="$BRSKI_BIN/masa/brski-masa"
REG="$BRSKI_BIN/registrar/brski-registrar"
PLEDGE="$BRSKI_BIN/pledge/brski-pledge"
PY=/usr/bin/python3
W="$(mktemp -d "${TMPDIR:-/tmp}/brski-coaphostile-XXXXXX")"
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
command -v openssl >/dev/null || die "openssl not installed"
command -v sqlite3 >/dev/null || die "sqlite3 not installed"

read -r MPORT RPORT CPORT <<<"$("$PY" -c 'import socket
a=socket.socket(); a.bind(("127.0.0.1",0))
b=socket.socket(); b.bind(("127.0.0.1",0))
u=socket.socket(type=socket.SOCK_DGRAM); u.bind(("127.0.0.1",0))
print(a.getsockname()[1], b.getsockname()[1], u.getsockname()[1])')"

"$CERTS" init --dir "$W/pki" --pledges 2 >/dev/null || die "brski-certs init"
D="$W/pki"
sed -i "s/^listen = .*/listen = 127.0.0.1:$MPORT/" "$D/masa.ini"
sed -i "s/^listen_https = .*/listen_https = 127.0.0.1:$RPORT/; s/^listen_coaps = .*/listen_coaps = 127.0.0.1:$CPORT/" "$D/registrar.ini"
sed -i "s|^enroll_policy = .*|&\nmasa_url = https://127.0.0.1:$MPORT|" "$D/registrar.ini"
mapfile -t PL < <(ls -d "$D"/pledges/*/ | sed 's|/$||')
[ "${#PL[@]}" = 2 ] || die "expected 2 pledges"
P1="${PL[0]}" P2="${PL[1]}"
S1="$(basename "$P1")"

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
RV="$URI/.well-known/brski/rv"
VS="$URI/.well-known/brski/vs"
ES="$URI/.well-known/brski/es"
CRTS="$URI/.well-known/est/crts"
ATT="$URI/.well-known/est/att"
SEN="$URI/.well-known/est/sen"
SREN="$URI/.well-known/est/sren"
ID1=(-c "$P1/idevid.crt" -j "$P1/idevid.key" -n)

PASS=0
FAILS=0
result() { # NAME WANT GOT [detail]
    if [ "$2" = "$3" ]; then
        PASS=$((PASS + 1))
        printf 'PASS %-34s want %-8s got %-8s %s\n' "$1" "$2" "$3" "${4:-}"
    else
        FAILS=$((FAILS + 1))
        printf 'FAIL %-34s want %-8s got %-8s %s\n' "$1" "$2" "$3" "${4:-}"
    fi
}

# ccase NAME WANT coap-client-args...: the code of the last response
# (-v 7 prints each PDU as "v:1 t:ACK c:4.04 ... :: 'diagnostic'"; empty
# ACKs of a separate response, RFC 7252 5.2.2, are skipped), or
# "refused" when the DTLS handshake failed, or "none".
ccase() {
    local name="$1" want="$2" got line diag
    shift 2
    timeout 40 coap-client-openssl -B 15 -v 7 "$@" >"$W/out" 2>&1
    line="$(grep -E '^v:1 t:(ACK|CON|NON) c:[0-9]\.[0-9]{2} ' "$W/out" | grep -v ' c:0\.00 ' | tail -n 1)"
    if [ -n "$line" ]; then
        got="$(sed -E 's/^v:1 t:[A-Z]+ c:([0-9]\.[0-9]{2}) .*/\1/' <<<"$line")"
        diag="$(sed -n "s/.* :: '\(.*\)'\$/\1/p" <<<"$line" | head -c 100)"
    elif grep -qiE 'handshake failure|alert' "$W/out"; then
        got=refused
        diag="$(grep -iE 'alert|handshake' "$W/out" | head -n 1 | sed 's/^.*\(DTLS\|WARN\|EMRG\|ERR\) *//' | head -c 100)"
    else
        got=none
        diag=""
    fi
    result "$name" "$want" "$got" "$diag"
}

# rcase NAME WANT HEX [CERT KEY]: one raw CoAP message inside a fresh DTLS
# session (openssl s_client); WANT is "RST", "ACK c.dd", "ACK empty" or "none".
rcase() {
    local name="$1" want="$2" hex="$3" cert="${4:-$P1/idevid.crt}" key="${5:-$P1/idevid.key}" got
    "$PY" -c 'import sys;sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$hex" >"$W/raw.bin"
    { cat "$W/raw.bin"; sleep 1; } |
        timeout 10 openssl s_client -dtls1_2 -connect "127.0.0.1:$CPORT" -cert "$cert" -key "$key" \
            -quiet -nocommands -no_ign_eof >"$W/raw.out" 2>"$W/raw.err"
    got="$("$PY" - "$W/raw.out" <<'EOF'
import sys
d = open(sys.argv[1], 'rb').read()
if len(d) < 4:
    print('none'); sys.exit()
t = ['CON', 'NON', 'ACK', 'RST'][(d[0] >> 4) & 3]
c = d[1]
if t == 'RST':
    print('RST')
elif c == 0:
    print(t + '_empty')
else:
    print('%s_%d.%02d' % (t, c >> 5, c & 31))
EOF
)"
    result "$name" "${want// /_}" "$got" "$(tr -c '[:print:]' '.' <"$W/raw.out" | sed 's/^.*\.\.\.//' | head -c 60)"
}

# m SPEC: hex of a CoAP message built by tests' small encoder (SPEC is Python:
# msg(type, code, mid, token, [(option, bytes)...], payload), path(p) gives Uri-Path options).
m() {
    "$PY" - "$1" <<'EOF'
import sys
def ext(v):
    if v < 13: return v, b""
    if v < 269: return 13, bytes([v - 13])
    return 14, (v - 269).to_bytes(2, "big")
def msg(t, code, mid, tok, opts, payload=b""):
    out = bytes([0x40 | (t << 4) | len(tok), code]) + mid.to_bytes(2, "big") + tok
    prev = 0
    for num, val in sorted(opts, key=lambda o: o[0]):
        d, de = ext(num - prev); l, le = ext(len(val))
        out += bytes([(d << 4) | l]) + de + le + val
        prev = num
    if payload: out += b"\xff" + payload
    return out
def path(p): return [(11, s.encode()) for s in p.strip("/").split("/")]
sys.stdout.write(eval(sys.argv[1]).hex())
EOF
}

alive() { # NAME: the registrar process is still there
    if kill -0 "$RPID" 2>/dev/null; then result "$1" running running; else result "$1" running exited; fi
}

# ---------------------------------------------------------------- inputs
newpvr() { # OUT [make-pvr args for pledge dir P]: a fresh COSE PVR of pledge P1 (or $2)
    local p="${2:-$P1}"
    "$PLEDGE" make-pvr --cert "$p/idevid.crt" --key "$p/idevid.key" \
        --registrar-cert "$D/domain/registrar.crt" --format cose --out "$1" >/dev/null || die "make-pvr"
}
# repvr IN OUT KEY op=value...: re-signs a COSE PVR (ES256) after changing it
# (nonce=long, serial=S, tamper=1) with python3-cryptography.
repvr() {
    "$PY" - "$@" <<'EOF' || die "repvr"
import sys, cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
src, out, keyf = sys.argv[1:4]
opt = dict(a.split('=', 1) for a in sys.argv[4:])
prot, unprot, payload, sig = cbor2.loads(open(src, 'rb').read()).value
v = cbor2.loads(payload)
if 'nonce' in opt:
    v[2501][7] = b'n' * int(opt['nonce'])
if 'serial' in opt:
    v[2501][13] = opt['serial']
payload = cbor2.dumps(v)
key = serialization.load_pem_private_key(open(keyf, 'rb').read(), None)
r, s = utils.decode_dss_signature(key.sign(cbor2.dumps(['Signature1', prot, b'', payload]),
                                           ec.ECDSA(hashes.SHA256())))
sig = r.to_bytes(32, 'big') + s.to_bytes(32, 'big')
if opt.get('tamper'):
    sig = sig[:-1] + bytes([sig[-1] ^ 1])
open(out, 'wb').write(cbor2.dumps(cbor2.CBORTag(18, [prot, unprot, payload, sig])))
EOF
}
newpvr "$W/pvr.cose"
head -c 300 /dev/urandom >"$W/junk300"
head -c 70000 /dev/urandom >"$W/big70k"
head -c 9000 /dev/urandom >"$W/big9k"
head -c 5000 /dev/urandom >"$W/big5k"
: >"$W/empty"
"$PY" -c 'import cbor2,sys;sys.stdout.buffer.write(cbor2.dumps({1: 2, 7: b"x"}))' >"$W/map.cbor"
printf '\x9a\xff\xff\xff\xff' >"$W/bomb.cbor"
"$PY" -c 'import sys;sys.stdout.buffer.write(b"\x81"*1000+b"\x00")' >"$W/deep.cbor"
printf '\xa2\x67version\x01' >"$W/trunc.cbor"
"$PY" -c 'import cbor2,sys;sys.stdout.buffer.write(cbor2.dumps({"version":1,"status":"yes"}))' >"$W/badtype.cbor"
"$PY" -c 'import cbor2,sys;sys.stdout.buffer.write(cbor2.dumps({"version":1,"status":True}))' >"$W/vs.cbor"
head -c 200 "$W/pvr.cose" >"$W/pvr-trunc.cose"
"$PLEDGE" make-pvr --cert "$P1/idevid.crt" --key "$P1/idevid.key" \
    --registrar-cert "$D/domain/registrar.crt" --format cms --out "$W/pvr.cms" >/dev/null || die "make-pvr cms"
newpvr "$W/p-sig.cose"; repvr "$W/p-sig.cose" "$W/pvr-badsig.cose" "$P1/idevid.key" tamper=1
newpvr "$W/p-key.cose"; repvr "$W/p-key.cose" "$W/pvr-otherkey.cose" "$P2/idevid.key"
newpvr "$W/pvr-p2.cose" "$P2"
newpvr "$W/p-ser.cose"; repvr "$W/p-ser.cose" "$W/pvr-serial.cose" "$P1/idevid.key" serial=00-00-00-00-00-99
newpvr "$W/p-non.cose"; repvr "$W/p-non.cose" "$W/pvr-nonce.cose" "$P1/idevid.key" nonce=200
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/csr.key" \
    -subj "/serialNumber=$S1/CN=pledge" -outform DER -out "$W/csr.der" 2>/dev/null || die "openssl req"
"$PY" -c 'import sys;d=bytearray(open(sys.argv[1],"rb").read());d[-3]^=0x55;sys.stdout.buffer.write(d)' \
    "$W/csr.der" >"$W/csr-badsig.der"
openssl req -inform DER -in "$W/csr.der" -outform PEM -out "$W/csr.pem" 2>/dev/null || die "csr pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/o.key" \
    -out "$W/o.crt" -subj "/serialNumber=$S1/CN=stranger" -days 2 2>/dev/null || die "openssl req x509"
FOREIGN=(-c "$W/o.crt" -j "$W/o.key" -n)

# P1 gets a voucher first: /sen answers 4.03 to a pledge without one (RFC 8995
# 5.9.2), and the CSR cases below must reach the CSR checks.
newpvr "$W/setup.cose"
timeout 40 coap-client-openssl -B 20 "${ID1[@]}" -m post -t 836 -f "$W/setup.cose" -o "$W/setup.voucher" "$RV" >"$W/out" 2>&1
[ -s "$W/setup.voucher" ] || { cat "$W/out" >&2; die "no voucher for the first pledge"; }

echo "== paths and methods"
ccase unknown-path 4.04 "${ID1[@]}" "$URI/.well-known/est/nosuch"
ccase long-name-not-a-resource 4.04 "${ID1[@]}" -m post -t 836 -f "$W/pvr.cose" "$URI/.well-known/brski/requestvoucher"
ccase root-path 4.04 "${ID1[@]}" "$URI/"
ccase deep-path-40-segments 4.04 "${ID1[@]}" "$URI/$(printf 'a/%.0s' $(seq 1 40))x"
ccase rv-get 4.05 "${ID1[@]}" "$RV"
ccase rv-put 4.05 "${ID1[@]}" -m put -t 836 -f "$W/pvr.cose" "$RV"
ccase rv-delete 4.05 "${ID1[@]}" -m delete "$RV"
ccase sen-get 4.05 "${ID1[@]}" "$SEN"
ccase vs-put 4.05 "${ID1[@]}" -m put -t 60 -f "$W/vs.cbor" "$VS"
ccase crts-post 4.05 "${ID1[@]}" -m post "$CRTS"
ccase crts-fetch 4.05 "${ID1[@]}" -m fetch "$CRTS"
ccase att-ipatch 4.05 "${ID1[@]}" -m ipatch -e x "$ATT"
rcase method-0.08-on-crts "ACK 4.05" "$(m 'msg(0,8,1,b"t",path(".well-known/est/crts"))')"

echo "== Content-Format and Accept"
ccase rv-no-content-format 4.15 "${ID1[@]}" -m post -f "$W/pvr.cose" "$RV"
ccase rv-cf-60 4.15 "${ID1[@]}" -m post -t 60 -f "$W/pvr.cose" "$RV"
ccase rv-cf-text 4.15 "${ID1[@]}" -m post -t 0 -f "$W/pvr.cose" "$RV"
ccase sen-cf-281 4.15 "${ID1[@]}" -m post -t 281 -f "$W/csr.der" "$SEN"
ccase sren-no-cf 4.15 "${ID1[@]}" -m post -f "$W/csr.der" "$SREN"
ccase vs-cf-836 4.15 "${ID1[@]}" -m post -t 836 -f "$W/vs.cbor" "$VS"
ccase es-no-cf 4.15 "${ID1[@]}" -m post -f "$W/vs.cbor" "$ES"
ccase rv-accept-60 4.06 "${ID1[@]}" -m post -t 836 -A 60 -f "$W/pvr.cose" "$RV"
ccase crts-accept-286 4.06 "${ID1[@]}" -A 286 "$CRTS"
ccase sen-accept-62 4.06 "${ID1[@]}" -m post -t 286 -A 62 -f "$W/csr.der" "$SEN"
ccase att-accept-281 4.06 "${ID1[@]}" -A 281 "$ATT"

echo "== sizes and block-wise"
ccase rv-block1-70k 4.13 "${ID1[@]}" -m post -t 836 -b 1024 -f "$W/big70k" "$RV"
ccase sen-9k-over-csr-cap 4.13 "${ID1[@]}" -m post -t 286 -b 512 -f "$W/big9k" "$SEN"
ccase vs-5k-over-telemetry-cap 4.13 "${ID1[@]}" -m post -t 60 -b 1024 -f "$W/big5k" "$VS"
ccase crts-get-with-payload 4.13 "${ID1[@]}" -e hello "$CRTS"
rcase rv-size1-1MiB-first-block "ACK 4.13" \
    "$(m 'msg(0,2,1,b"t",path(".well-known/brski/rv")+[(12,b"\x03\x44"),(27,b"\x0e"),(60,b"\x10\x00\x00")],b"a"*1024)')"
rcase rv-size1-4GiB-no-block "ACK 4.13" \
    "$(m 'msg(0,2,1,b"t",path(".well-known/brski/rv")+[(12,b"\x03\x44"),(60,b"\xff\xff\xff\xff")],b"a"*16)')"
rcase rv-block1-num-1048575 "ACK 4.13" \
    "$(m 'msg(0,2,1,b"t",path(".well-known/brski/rv")+[(12,b"\x03\x44"),(27,b"\xff\xff\xfe")],b"a"*1024)')"
rcase rv-block1-starts-at-3 "ACK 4.08" \
    "$(m 'msg(0,2,1,b"t",path(".well-known/brski/rv")+[(12,b"\x03\x44"),(27,b"\x3e")],b"a"*1024)')"
rcase rv-block1-short-nonfinal "ACK 4.00" \
    "$(m 'msg(0,2,1,b"t",path(".well-known/brski/rv")+[(12,b"\x03\x44"),(27,b"\x0e")],b"a"*10)')"
ccase crts-block2-past-end 4.00 "${ID1[@]}" -b 1000,64 "$CRTS"

# Retransmissions inside one Block1 transfer (RFC 7252 4.5, RFC 7959 2.5): a
# CSR in 64-byte blocks over one DTLS session with blocks 0 and 1 and the last
# block each sent twice (same Message ID and token). Every block gets its 2.31,
# the repeated ones too; the repeated last block gets the same 2.04 again; one
# certificate is issued.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/csrb.key" \
    -subj "/serialNumber=$S1/CN=pledge" -outform DER -out "$W/csrb.der" 2>/dev/null || die "openssl req"
"$PY" - "$W/csrb.der" "$W/seq" <<'EOF2' || die "block sequence"
import sys
def ext(v):
    if v < 13: return v, b""
    if v < 269: return 13, bytes([v - 13])
    return 14, (v - 269).to_bytes(2, "big")
def msg(t, code, mid, tok, opts, payload=b""):
    out = bytes([0x40 | (t << 4) | len(tok), code]) + mid.to_bytes(2, "big") + tok
    prev = 0
    for num, val in opts:
        d, de = ext(num - prev); l, le = ext(len(val))
        out += bytes([(d << 4) | l]) + de + le + val
        prev = num
    if payload: out += b"\xff" + payload
    return out
csr = open(sys.argv[1], 'rb').read()
blocks = [csr[i:i + 64] for i in range(0, len(csr), 64)]
assert 2 < len(blocks) < 16
path = [(11, b".well-known"), (11, b"est"), (11, b"sen")]
reqs, acks = [], b""
for n, b in enumerate(blocks):
    more = n < len(blocks) - 1
    opt = bytes([(n << 4) | (8 if more else 0) | 2])
    r = msg(0, 2, 0x100 + n, bytes([0x30 + n]), path + [(12, (286).to_bytes(2, "big")), (27, opt)], b)
    reqs.append(r)
    if n <= 1 or not more:
        reqs.append(r)
    if more:
        ack = msg(2, 0x5f, 0x100 + n, bytes([0x30 + n]), [(27, opt)])
        acks += ack * (2 if n <= 1 else 1)
for i, r in enumerate(reqs):
    open("%s.%02d" % (sys.argv[2], i), "wb").write(r)
open(sys.argv[2] + ".acks", "wb").write(acks)
EOF2
before="$(sqlite3 "$D/registrar.db" "SELECT count(*) FROM certs WHERE pledge='$S1'")"
{ for f in "$W"/seq.[0-9]*; do cat "$f"; sleep 0.3; done; sleep 1; } |
    timeout 20 openssl s_client -dtls1_2 -connect "127.0.0.1:$CPORT" -cert "$P1/idevid.crt" \
        -key "$P1/idevid.key" -quiet -nocommands -no_ign_eof >"$W/seq.out" 2>"$W/seq.err"
after="$(sqlite3 "$D/registrar.db" "SELECT count(*) FROM certs WHERE pledge='$S1'")"
got="$("$PY" - "$W/seq.out" "$W/seq.acks" <<'EOF2'
import sys
d, acks = open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'rb').read()
if not d.startswith(acks):
    print('acks-differ'); sys.exit()
rest = d[len(acks):]
h = len(rest) // 2
if len(rest) < 100 or rest[:h] != rest[h:]:
    print('final-not-repeated'); sys.exit()
print('2.31x%d+%d.%02dx2' % (acks.count(b'\x61\x5f'), rest[1] >> 5, rest[1] & 31))
EOF2
)"
NB=$(($(ls "$W"/seq.[0-9]* | wc -l) - 2))
result block1-retransmitted-blocks "2.31x${NB}+2.04x2" "$got" "certificates issued: $((after - before))"
result block1-retransmitted-issued-once 1 "$((after - before))"

# One Block1 body per DTLS session (coap.h): block 0 of /rv, block 0 of /sen,
# then block 1 of /rv in the same session -> 2.31, 2.31, 4.08.
for spec in \
    'msg(0,2,0x200,b"a",path(".well-known/brski/rv")+[(12,b"\x03\x44"),(27,b"\x0a")],b"r"*64)' \
    'msg(0,2,0x201,b"b",path(".well-known/est/sen")+[(12,b"\x01\x1e"),(27,b"\x0a")],b"s"*64)' \
    'msg(0,2,0x202,b"c",path(".well-known/brski/rv")+[(12,b"\x03\x44"),(27,b"\x1a")],b"r"*64)'; do
    m "$spec"
    echo
done >"$W/inter.hex"
{ while read -r h; do "$PY" -c 'import sys;sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$h"; sleep 0.3; done <"$W/inter.hex"; sleep 1; } |
    timeout 20 openssl s_client -dtls1_2 -connect "127.0.0.1:$CPORT" -cert "$P1/idevid.crt" \
        -key "$P1/idevid.key" -quiet -nocommands -no_ign_eof >"$W/inter.out" 2>"$W/inter.err"
got="$("$PY" - "$W/inter.out" <<'EOF2'
import sys
d = open(sys.argv[1], 'rb').read()
# two ACK 2.31 (Block1 0/M/64 echoed), then an ACK 4.08 with a diagnostic
a1 = bytes([0x61, 0x5f, 0x02, 0x00]) + b"a" + bytes([0xd1, 0x0e, 0x0a])
a2 = bytes([0x61, 0x5f, 0x02, 0x01]) + b"b" + bytes([0xd1, 0x0e, 0x0a])
if not d.startswith(a1 + a2):
    print('other:' + d[:16].hex()); sys.exit()
r = d[len(a1 + a2):]
print('2.31,2.31,%d.%02d' % (r[1] >> 5, r[1] & 31) if len(r) > 4 and r[2:5] == b"\x02\x02c" else 'other')
EOF2
)"
result block1-two-transfers-one-session "2.31,2.31,4.08" "$got"

echo "== voucher-request bodies"
ccase rv-empty 4.00 "${ID1[@]}" -m post -t 836 -f "$W/empty" "$RV"
ccase rv-garbage 4.00 "${ID1[@]}" -m post -t 836 -f "$W/junk300" "$RV"
ccase rv-cbor-map-not-cose 4.00 "${ID1[@]}" -m post -t 836 -f "$W/map.cbor" "$RV"
ccase rv-cbor-bomb 4.00 "${ID1[@]}" -m post -t 836 -f "$W/bomb.cbor" "$RV"
ccase rv-cbor-deep-1000 4.00 "${ID1[@]}" -m post -t 836 -f "$W/deep.cbor" "$RV"
ccase rv-truncated-cose 4.00 "${ID1[@]}" -m post -t 836 -f "$W/pvr-trunc.cose" "$RV"
ccase rv-cms-pvr-as-836 4.00 "${ID1[@]}" -m post -t 836 -f "$W/pvr.cms" "$RV"
ccase rv-cose-bad-signature 4.03 "${ID1[@]}" -m post -t 836 -f "$W/pvr-badsig.cose" "$RV"
ccase rv-signed-by-other-key 4.03 "${ID1[@]}" -m post -t 836 -f "$W/pvr-otherkey.cose" "$RV"
ccase rv-pvr-of-other-pledge 4.03 "${ID1[@]}" -m post -t 836 -f "$W/pvr-p2.cose" "$RV"
ccase rv-wrong-serial 4.03 "${ID1[@]}" -m post -t 836 -f "$W/pvr-serial.cose" "$RV"
ccase rv-nonce-200-bytes 4.00 "${ID1[@]}" -m post -t 836 -f "$W/pvr-nonce.cose" "$RV"

echo "== telemetry and CSR bodies"
ccase vs-truncated-cbor 4.00 "${ID1[@]}" -m post -t 60 -f "$W/trunc.cbor" "$VS"
ccase vs-empty 4.00 "${ID1[@]}" -m post -t 60 -f "$W/empty" "$VS"
ccase es-cbor-bomb 4.00 "${ID1[@]}" -m post -t 60 -f "$W/bomb.cbor" "$ES"
ccase es-deep-1000 4.00 "${ID1[@]}" -m post -t 60 -f "$W/deep.cbor" "$ES"
ccase es-status-not-bool 4.00 "${ID1[@]}" -m post -t 60 -f "$W/badtype.cbor" "$ES"
ccase sen-garbage 4.00 "${ID1[@]}" -m post -t 286 -f "$W/junk300" "$SEN"
ccase sen-empty 4.00 "${ID1[@]}" -m post -t 286 -f "$W/empty" "$SEN"
ccase sen-csr-bad-signature 4.00 "${ID1[@]}" -m post -t 286 -f "$W/csr-badsig.der" "$SEN"
ccase sen-csr-pem-not-der 4.00 "${ID1[@]}" -m post -t 286 -f "$W/csr.pem" "$SEN"

echo "== client identity"
ccase no-client-certificate refused -n "$CRTS"
ccase foreign-cert-crts 4.03 "${FOREIGN[@]}" "$CRTS"
ccase foreign-cert-rv 4.03 "${FOREIGN[@]}" -m post -t 836 -f "$W/pvr.cose" "$RV"
ccase foreign-cert-sen 4.03 "${FOREIGN[@]}" -m post -t 286 -f "$W/csr.der" "$SEN"
ccase foreign-cert-vs 4.03 "${FOREIGN[@]}" -m post -t 60 -f "$W/vs.cbor" "$VS"

echo "== CoAP message format inside DTLS (RFC 7252 3, 4.2, 5.4.1)"
rcase token-length-9 RST "49011234aabbccddeeff001122"
rcase option-delta-15 RST "41011234aaf0"
rcase payload-marker-no-payload RST "$(m 'msg(0,1,0x1234,b"t",path(".well-known/core"))')ff"
rcase option-past-end RST "41011234aabb2e77656c6c"
rcase option-length-5-for-accept RST "$(m 'msg(0,1,1,b"t",path(".well-known/est/crts")+[(17,b"\x01\x02\x03\x04\x05")])')"
rcase empty-con-ping RST "40001234"
rcase version-2 RST "$(m 'msg(0,1,1,b"t",path(".well-known/core"))' | sed 's/^4/8/')"
rcase response-code-in-con "ACK empty" "41451234aa"
# Client-initiated renegotiation (s_client's "R" command): the server refuses it.
{ printf 'R\n'; sleep 1; } | timeout 10 openssl s_client -dtls1_2 -connect "127.0.0.1:$CPORT" \
    -cert "$P1/idevid.crt" -key "$P1/idevid.key" -quiet -no_ign_eof >"$W/reneg.out" 2>"$W/reneg.err"
if grep -q RENEGOTIATING "$W/reneg.err" && grep -q 'no renegotiation' "$W/reneg.err"; then
    result dtls-renegotiation refused refused "no_renegotiation"
else
    result dtls-renegotiation refused "$(tail -n 1 "$W/reneg.err" | head -c 40)"
fi
ccase unknown-critical-option-9 4.02 "${ID1[@]}" -O 9,0x01 "$CRTS"
# RFC 7252 5.7.2: not a proxy -> 5.05 (Proxy-Uri is a critical option we do not serve).
ccase proxy-uri-not-a-proxy 5.05 "${ID1[@]}" -O 35,coap://example.net/ "$CRTS"
alive alive-after-coap-cases

echo "== UDP and DTLS record garbage (python3 socket)"
# udp NAME WANT PYEXPR: sends the datagrams of PYEXPR (a list of bytes) from one
# socket (paced, reading answers as they come), waits 1 s, and reports what
# came back: "none", "HVR" when each datagram got one DTLS HelloVerifyRequest,
# else "other:<answers>".
udp() {
    local got
    got="$("$PY" - "$CPORT" "$3" <<'EOF'
import os, socket, struct, sys
port, expr = int(sys.argv[1]), sys.argv[2]
def rec(ctype, body, ver=b'\xfe\xfd', epoch=0, seq=0):
    return bytes([ctype]) + ver + struct.pack('>H', epoch) + seq.to_bytes(6, 'big') + struct.pack('>H', len(body)) + body
def hs(htype, body, seq=0, frag_off=0, frag_len=None, total=None):
    total = len(body) if total is None else total
    frag_len = len(body) if frag_len is None else frag_len
    return bytes([htype]) + total.to_bytes(3, 'big') + struct.pack('>H', seq) + frag_off.to_bytes(3, 'big') + frag_len.to_bytes(3, 'big') + body
def client_hello(cookie=b''):
    ext = b''
    ext += struct.pack('>HH', 10, 4) + struct.pack('>HH', 2, 23)               # supported_groups: secp256r1
    ext += struct.pack('>HH', 11, 2) + b'\x01\x00'                             # ec_point_formats
    ext += struct.pack('>HH', 13, 4) + struct.pack('>HH', 2, 0x0403)           # signature_algorithms
    body = b'\xfe\xfd' + os.urandom(32) + b'\x00' + bytes([len(cookie)]) + cookie
    body += struct.pack('>H', 4) + b'\xc0\xae\xc0\x2b' + b'\x01\x00' + struct.pack('>H', len(ext)) + ext
    return hs(1, body)
msgs = eval(expr)
import time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
got = []
def drain(wait):
    s.settimeout(wait)
    try:
        while True:
            got.append(s.recv(70000))
            s.settimeout(wait)
    except (socket.timeout, BlockingIOError):
        pass
for i, mm in enumerate(msgs):
    s.sendto(mm, ('127.0.0.1', port))
    if i % 10 == 9:
        drain(0.01)
drain(1.0)
def is_hvr(d):
    return len(d) > 13 and d[0] == 22 and d[13] == 3
print('none' if not got else ('HVR' if all(is_hvr(d) for d in got) and len(got) == len(msgs) else 'other:%d' % len(got)))
EOF
)"
    result "$1" "$2" "$got"
}
udp udp-200-random-datagrams none '[os.urandom(1 + (i * 37) % 1400) for i in range(200)]'
udp udp-empty-datagram none '[b""]'
udp udp-65507-bytes none '[os.urandom(65507)]'
udp dtls-truncated-header none '[b"\x16\xfe\xfd\x00"]'
udp dtls-record-length-overrun none '[b"\x16\xfe\xfd" + bytes(8) + b"\x40\x00" + os.urandom(10)]'
udp dtls-appdata-without-session none '[rec(23, os.urandom(64), epoch=1)]'
udp dtls-alert-without-session none '[rec(21, b"\x02\x28")]'
udp dtls-ccs-without-session none '[rec(20, b"\x01")]'
# A first ClientHello fragment: answered statelessly with a cookie (no session kept).
udp dtls-clienthello-fragment HVR '[rec(22, hs(1, client_hello()[12:60], frag_len=48, total=400))]'
udp dtls-clienthello-bad-length none '[rec(22, client_hello()[:40])]'
udp dtls-record-version-1.0-garbage none '[rec(22, os.urandom(80), ver=b"\xfe\xff")]'
udp plain-coap-get-to-coaps none '[bytes.fromhex("'"$(m 'msg(0,1,1,b"t",path(".well-known/core"))')"'")]'
udp cookieless-clienthello HVR '[rec(22, client_hello())]'
udp clienthello-wrong-cookie HVR '[rec(22, client_hello(os.urandom(32)))]'
RSS0="$(sed -n 's/^VmRSS: *\([0-9]*\) kB/\1/p' "/proc/$RPID/status")"
udp 1000-cookieless-clienthellos HVR '[rec(22, client_hello()) for _ in range(1000)]'
RSS1="$(sed -n 's/^VmRSS: *\([0-9]*\) kB/\1/p' "/proc/$RPID/status")"
# D7: no per-hello state. Under ASan, RSS moves in MiB steps; 5 MiB is the target.
GROW=$(((RSS1 - RSS0) / 1024))
if [ "$GROW" -lt 5 ]; then result rss-after-1000-hellos "<5MiB" "<5MiB" "grew ${GROW} MiB"; else
    result rss-after-1000-hellos "<5MiB" "${GROW}MiB"; fi
alive alive-after-udp-garbage

echo "== mutation sweep"
# 400 requests over one DTLS session (seeded, reproducible): valid requests to
# every resource with random bit flips, truncations and random Block1 / Block2 /
# Size1 / Request-Tag options. The answers are not checked one by one; the
# server must keep running, answer a normal request afterwards and log no
# sanitizer report (checked at the end).
"$PY" - "$W/mut" <<'EOF2'
import random
rnd = random.Random(8995)
def ext(v):
    if v < 13: return v, b""
    if v < 269: return 13, bytes([v - 13])
    return 14, (v - 269).to_bytes(2, "big")
def msg(t, code, mid, tok, opts, payload=b""):
    out = bytes([0x40 | (t << 4) | len(tok), code]) + mid.to_bytes(2, "big") + tok
    prev = 0
    for num, val in sorted(opts, key=lambda o: o[0]):
        d, de = ext(num - prev); l, le = ext(len(val))
        out += bytes([(d << 4) | l]) + de + le + val
        prev = num
    if payload: out += b"\xff" + payload
    return out
res = [("brski/rv", 2, 836), ("brski/vs", 2, 60), ("brski/es", 2, 60), ("est/sen", 2, 286),
       ("est/sren", 2, 286), ("est/crts", 1, None), ("est/att", 1, None), ("core", 1, None)]
with open(__import__("sys").argv[1], "w") as f:
    for i in range(400):
        name, code, cf = rnd.choice(res)
        opts = [(11, b".well-known")] + [(11, x.encode()) for x in name.split("/")]
        if cf is not None and rnd.random() < 0.8:
            opts.append((12, cf.to_bytes(2, "big")))
        if rnd.random() < 0.5:
            v = (rnd.randrange(0, 1 << 20) if rnd.random() < 0.3 else rnd.randrange(0, 8)) << 4
            v |= rnd.randrange(0, 16)
            opts.append((27 if code == 2 else 23, v.to_bytes(max(1, (v.bit_length() + 7) // 8), "big")))
        if rnd.random() < 0.2:
            opts.append((60, rnd.randrange(0, 1 << 32).to_bytes(4, "big")))
        if rnd.random() < 0.2:
            opts.append((292, bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 9)))))
        body = bytes(rnd.randrange(256) for _ in range(rnd.choice([0, 16, 64, 300, 900])))
        m = bytearray(msg(0, code, 0x4000 + i, bytes([i & 0xff, i >> 8]), opts, body))
        r = rnd.random()
        if r < 0.3:
            for _ in range(rnd.randrange(1, 4)):
                k = rnd.randrange(len(m)); m[k] ^= 1 << rnd.randrange(8)
        elif r < 0.4:
            m = m[:rnd.randrange(1, len(m))]
        f.write(m.hex() + "\n")
EOF2
{
    n=0
    while read -r h; do
        "$PY" -c 'import sys;sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$h" 2>/dev/null || break
        n=$((n + 1))
        echo "$n" >"$W/mut.sent"
        sleep 0.02
    done <"$W/mut"
    sleep 1
} |
    timeout 120 openssl s_client -dtls1_2 -connect "127.0.0.1:$CPORT" -cert "$P1/idevid.crt" \
        -key "$P1/idevid.key" -quiet -nocommands -no_ign_eof >"$W/mut.out" 2>"$W/mut.err"
result mutation-sweep-sent 400 "$(cat "$W/mut.sent" 2>/dev/null || echo 0)" "one DTLS session"
result mutation-sweep-answered yes "$([ -s "$W/mut.out" ] && echo yes || echo no)" "$(stat -c %s "$W/mut.out") bytes of answers"
alive alive-after-mutation-sweep

echo "== vanishing peers and concurrency"
# A voucher request whose client closes the DTLS session at once (close_notify
# right after the request): the deferred answer has no one to go to. The
# handler still runs to the end (one stored voucher each).
vbefore="$(sqlite3 "$D/registrar.db" "SELECT count(*) FROM vouchers WHERE serial='$S1'")"
for k in 1 2 3 4 5; do
    newpvr "$W/gone$k.cose"
    "$PY" - "$W/gone$k.cose" "$k" >"$W/gone$k.bin" <<'EOF2'
import sys
pvr, k = open(sys.argv[1], 'rb').read(), int(sys.argv[2])
path = b"".join(bytes([0xb0 | len(x) if i == 0 else len(x)]) + x for i, x in enumerate([b".well-known", b"brski", b"rv"]))
cf = bytes([0x12]) + (836).to_bytes(2, "big")  # Content-Format: delta 1, length 2
sys.stdout.buffer.write(bytes([0x41, 0x02, 0x77, k, 0x60 + k]) + path + cf + b"\xff" + pvr)
EOF2
    timeout 10 openssl s_client -dtls1_2 -connect "127.0.0.1:$CPORT" -cert "$P1/idevid.crt" \
        -key "$P1/idevid.key" -quiet -nocommands -no_ign_eof <"$W/gone$k.bin" >/dev/null 2>&1
done
sleep 2
alive alive-after-5-vanished-rv-clients
vafter="$(sqlite3 "$D/registrar.db" "SELECT count(*) FROM vouchers WHERE serial='$S1'")"
result vanished-rv-clients-processed 5 "$((vafter - vbefore))"
# 24 block-wise /crts and 6 voucher requests at once, each checked.
CLIENTS=()
for k in $(seq 1 24); do
    timeout 60 coap-client-openssl -B 40 "${ID1[@]}" -b 64 -o "$W/par$k.der" "$CRTS" >/dev/null 2>&1 &
    CLIENTS+=("$!")
done
for k in $(seq 1 6); do
    "$PLEDGE" make-pvr --cert "$P1/idevid.crt" --key "$P1/idevid.key" --registrar-cert "$D/domain/registrar.crt" \
        --format cose --out "$W/parv$k.cose" | sed -n 's/^nonce: //p' >"$W/parv$k.nonce"
    timeout 60 coap-client-openssl -B 40 "${ID1[@]}" -m post -t 836 -f "$W/parv$k.cose" \
        -o "$W/parv$k.voucher" "$RV" >/dev/null 2>&1 &
    CLIENTS+=("$!")
done
wait "${CLIENTS[@]}"
timeout 30 coap-client-openssl -B 15 "${ID1[@]}" -o "$W/ref.der" "$CRTS" >/dev/null 2>&1
ok=0
for k in $(seq 1 24); do cmp -s "$W/ref.der" "$W/par$k.der" && ok=$((ok + 1)); done
result parallel-24-crts 24/24 "$ok/24"
ok=0
for k in $(seq 1 6); do
    [ -s "$W/parv$k.voucher" ] && "$PLEDGE" verify-voucher --voucher "$W/parv$k.voucher" \
        --masa-anchor "$D/masa/signer.crt" --serial "$S1" --nonce "$(cat "$W/parv$k.nonce")" >/dev/null 2>&1 &&
        ok=$((ok + 1))
done
result parallel-6-vouchers 6/6 "$ok/6"

echo "== MASA that never answers (second registrar)"
# A TCP listener that accepts and stays silent stands in for the MASA. /rv runs
# on worker threads (16 at most, docs/cbrski-server.md): 17 voucher requests at
# once -> 16 wait for the 10 s MASA timeout and get 5.04 (RFC 7252 5.9.2.5,
# gateway timeout), one gets 5.03 with Max-Age (RFC 9148 4.7); /crts is served
# meanwhile.
read -r HPORT RPORT2 CPORT2 <<<"$("$PY" -c 'import socket
a=socket.socket(); a.bind(("127.0.0.1",0))
b=socket.socket(); b.bind(("127.0.0.1",0))
u=socket.socket(type=socket.SOCK_DGRAM); u.bind(("127.0.0.1",0))
print(a.getsockname()[1], b.getsockname()[1], u.getsockname()[1])')"
"$PY" -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
held = []
s.settimeout(1)
end = time.time() + 120
while time.time() < end:
    try:
        held.append(s.accept()[0])
    except socket.timeout:
        pass' "$HPORT" &
PIDS+=("$!")
sed -e "s/^listen_https = .*/listen_https = 127.0.0.1:$RPORT2/" -e "s/^listen_coaps = .*/listen_coaps = 127.0.0.1:$CPORT2/" \
    -e "s/^db = .*/db = registrar-bh.db/" -e "s|^masa_url = .*|masa_url = https://127.0.0.1:$HPORT|" \
    "$D/registrar.ini" >"$D/registrar-bh.ini"
"$REG" serve --config "$D/registrar-bh.ini" >"$W/reg-bh.log" 2>&1 &
RPID2=$!
PIDS+=("$RPID2")
for _ in $(seq 1 100); do
    grep -q "CoAPS on port $CPORT2" "$W/reg-bh.log" && break
    kill -0 "$RPID2" 2>/dev/null || break
    sleep 0.1
done
if grep -q "CoAPS on port $CPORT2" "$W/reg-bh.log"; then
    RV2="coaps://127.0.0.1:$CPORT2/.well-known/brski/rv"
    CLIENTS=()
    for k in $(seq 1 17); do
        newpvr "$W/bh$k.cose"
    done
    for k in $(seq 1 17); do
        timeout 60 coap-client-openssl -B 40 -v 7 "${ID1[@]}" -m post -t 836 -f "$W/bh$k.cose" "$RV2" \
            >"$W/bh$k.out" 2>&1 &
        CLIENTS+=("$!")
    done
    sleep 3
    timeout 30 coap-client-openssl -B 15 "${ID1[@]}" -o "$W/bh-crts.der" "coaps://127.0.0.1:$CPORT2/.well-known/est/crts" \
        >/dev/null 2>&1
    pending=0
    for k in $(seq 1 17); do grep -qE '^v:1 t:(ACK|CON) c:[2-5]\.[0-9]{2} ' "$W/bh$k.out" || pending=$((pending + 1)); done
    if openssl pkcs7 -inform DER -in "$W/bh-crts.der" -print_certs 2>/dev/null | grep -q 'BRSKI Demo Domain CA'; then
        result crts-while-16-rv-wait-on-masa "served,16-pending" "served,$pending-pending"
    else
        result crts-while-16-rv-wait-on-masa "served,16-pending" "not-served,$pending-pending"
    fi
    wait "${CLIENTS[@]}"
    n503=0 n504=0 other=""
    for k in $(seq 1 17); do
        line="$(grep -E '^v:1 t:(ACK|CON|NON) c:[0-9]\.[0-9]{2} ' "$W/bh$k.out" | grep -v ' c:0\.00 ' | tail -n 1)"
        case "$line" in
        *" c:5.03 "*Max-Age:2*) n503=$((n503 + 1)) ;;
        *" c:5.04 "*) n504=$((n504 + 1)) ;;
        *) other="$other $(sed -E 's/^v:1 t:[A-Z]+ c:([0-9.]+) .*/\1/' <<<"$line")" ;;
        esac
    done
    result rv-17-with-silent-masa "16x5.04+1x5.03" "${n504}x5.04+${n503}x5.03${other:+ +$other}"
    alive2() { if kill -0 "$RPID2" 2>/dev/null; then echo running; else echo exited; fi; }
    result alive-after-silent-masa running "$(alive2)"
    kill -TERM "$RPID2"
    for _ in $(seq 1 100); do kill -0 "$RPID2" 2>/dev/null || break; sleep 0.1; done
    rc=0
    wait "$RPID2" || rc=$?
    result second-registrar-exit-status 0 "$rc"
else
    result second-registrar-up up down "$(tail -n 3 "$W/reg-bh.log" | tr '\n' ' ')"
fi

echo "== still serving"
rm -f "$W/crts.der"
timeout 30 coap-client-openssl -B 15 "${ID1[@]}" -A 281 -o "$W/crts.der" "$CRTS" >"$W/out" 2>&1
if openssl pkcs7 -inform DER -print_certs -in "$W/crts.der" 2>/dev/null | openssl x509 -noout -fingerprint -sha256 >"$W/fp" 2>/dev/null &&
    [ "$(cat "$W/fp")" = "$(openssl x509 -in "$D/domain/ca.crt" -noout -fingerprint -sha256)" ]; then
    result crts-after-abuse domain-CA domain-CA
else
    result crts-after-abuse domain-CA "$(head -c 40 "$W/out" | tr -c '[:print:]' '.')"
fi
NONCE="$("$PLEDGE" make-pvr --cert "$P1/idevid.crt" --key "$P1/idevid.key" \
    --registrar-cert "$D/domain/registrar.crt" --format cose --out "$W/final.cose" | sed -n 's/^nonce: //p')"
rm -f "$W/voucher.cose"
timeout 40 coap-client-openssl -B 20 "${ID1[@]}" -m post -t 836 -A 836 -b 64 -f "$W/final.cose" \
    -o "$W/voucher.cose" "$RV" >"$W/out" 2>&1
if [ -s "$W/voucher.cose" ] && "$PLEDGE" verify-voucher --voucher "$W/voucher.cose" \
    --masa-anchor "$D/masa/signer.crt" --serial "$S1" --nonce "$NONCE" >/dev/null 2>"$W/vv.err"; then
    result voucher-after-abuse verified verified
else
    result voucher-after-abuse verified "$(head -c 60 "$W/out" "$W/vv.err" 2>/dev/null | tr -c '[:print:]' '.')"
fi

kill -TERM "$RPID"
for _ in $(seq 1 100); do kill -0 "$RPID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$RPID" 2>/dev/null; then result sigterm-stop stopped running; else
    rc=0
    wait "$RPID" || rc=$?
    result sigterm-exit-status 0 "$rc"
fi
if grep -qE 'Sanitizer|runtime error|SEGV|Aborted' "$W/reg.log" "$W/masa.log" "$W/reg-bh.log"; then
    result no-sanitizer-report none found
    grep -hE -A5 'Sanitizer|runtime error' "$W/reg.log" "$W/masa.log" "$W/reg-bh.log" | head -n 30 >&2
else
    result no-sanitizer-report none none
fi
echo "$PASS passed, $FAILS failed"
[ "$FAILS" = 0 ]
