#!/usr/bin/env bash
# cBRSKI over CoAPS (DTLS 1.2) against a real brski-registrar and brski-masa,
# with coap-client-openssl as the pledge (its IDevID as DTLS client cert):
#  (a) POST /.well-known/brski/rv with a COSE PVR (836): the registrar relays a
#      COSE RVR to the MASA over HTTPS and returns the COSE voucher with the
#      unprotected x5bag stripped (cBRSKI 6.8); brski-pledge verify-voucher and
#      an independent COSE verifier (python3-cryptography) accept it, a wrong
#      serial is rejected; registrar store and MASA audit hold the voucher;
#      a replayed PVR (same nonce) is refused by the MASA;
#  (b) POST /.well-known/est/sen with a DER CSR (286) -> DER LDevID (287) that
#      openssl verify accepts under the domain CA; Accept 281 -> certs-only;
#      sren with the LDevID as client certificate;
#  (c) POST /vs and /es with CBOR telemetry (60) -> 2.04, recorded; bad CBOR 4.00;
#  (d) GET /crts with Accept 287 (the domain CA) and 62 (multipart-core);
#  (e) the MASA with COSE RVRs from an independent encoder;
#  (f) a retransmitted CON POST (same Message ID) answered twice, processed once;
#  discovery lists the rt values; Content-Format / Accept errors 4.15 / 4.06.
set -euo pipefail

CERTS="$BRSKI_BIN/certs/brski-certs"
MASA="$BRSKI_BIN/masa/brski-masa"
REG="$BRSKI_BIN/registrar/brski-registrar"
PLEDGE="$BRSKI_BIN/pledge/brski-pledge"
PY=/usr/bin/python3
ORACLE="$BRSKI_SHARED/oracles/cose_sign1_verify.py"
W="$(mktemp -d "${TMPDIR:-/tmp}/brski-coapreg-XXXXXX")"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$W"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    for f in "$W"/masa.log "$W"/reg.log; do [ -f "$f" ] && tail -n 15 "$f" >&2; done
    exit 1
}

command -v coap-client-openssl >/dev/null || fail "coap-client-openssl not installed (libcoap3-bin)"
command -v sqlite3 >/dev/null || fail "sqlite3 not installed"
[ -f "$ORACLE" ] || fail "COSE oracle missing: $ORACLE"

# Free loopback ports: two TCP (MASA, registrar HTTPS) and one UDP (CoAPS).
read -r MPORT RPORT CPORT <<<"$(python3 -c 'import socket
a=socket.socket(); a.bind(("127.0.0.1",0))
b=socket.socket(); b.bind(("127.0.0.1",0))
u=socket.socket(type=socket.SOCK_DGRAM); u.bind(("127.0.0.1",0))
print(a.getsockname()[1], b.getsockname()[1], u.getsockname()[1])')"

"$CERTS" init --dir "$W/pki" --pledges 1 >/dev/null || fail "brski-certs init"
D="$W/pki"
sed -i "s/^listen = .*/listen = 127.0.0.1:$MPORT/; /^listen_coaps/d" "$D/masa.ini"
sed -i "s/^listen_https = .*/listen_https = 127.0.0.1:$RPORT/; s/^listen_coaps = .*/listen_coaps = 127.0.0.1:$CPORT/" "$D/registrar.ini"
# The IDevID MASA URL names the default port; point the registrar at ours.
sed -i "s|^enroll_policy = .*|&\nmasa_url = https://127.0.0.1:$MPORT|" "$D/registrar.ini"
grep -q "^listen_coaps = 127.0.0.1:$CPORT" "$D/registrar.ini" || fail "listen_coaps not set"
P="$(ls -d "$D"/pledges/*/ | head -n 1)"
P="${P%/}"
S="$(basename "$P")"

"$MASA" serve --config "$D/masa.ini" >"$W/masa.log" 2>&1 &
MPID=$!
PIDS+=("$MPID")
"$REG" serve --config "$D/registrar.ini" >"$W/reg.log" 2>&1 &
RPID=$!
PIDS+=("$RPID")
for _ in $(seq 1 100); do
    grep -q "CoAPS on port $CPORT" "$W/reg.log" && grep -q "listening on port" "$W/reg.log" &&
        grep -q "listening on port" "$W/masa.log" && break
    kill -0 "$RPID" 2>/dev/null || fail "registrar exited"
    sleep 0.1
done
grep -q "CoAPS on port $CPORT" "$W/reg.log" || fail "registrar CoAPS not up"
grep -q "listening on port" "$W/masa.log" || fail "MASA not up"

URI="coaps://127.0.0.1:$CPORT"
ID=(-c "$P/idevid.crt" -j "$P/idevid.key" -n)
# coap [args...]: bounded coap-client-openssl run, stdout+stderr to $W/out
coap() {
    timeout 30 coap-client-openssl -B 20 "$@" >"$W/out" 2>&1 || true
}

# ---- (a) voucher over /rv ----
"$PLEDGE" make-pvr --cert "$P/idevid.crt" --key "$P/idevid.key" \
    --registrar-cert "$D/domain/registrar.crt" --format cose --out "$W/pvr.cose" >"$W/pvr.txt" ||
    fail "make-pvr"
NONCE="$(sed -n 's/^nonce: //p' "$W/pvr.txt")"
[ -n "$NONCE" ] || fail "make-pvr printed no nonce"
coap -m post "${ID[@]}" -t 836 -A 836 -f "$W/pvr.cose" -o "$W/voucher.cose" "$URI/.well-known/brski/rv"
[ -s "$W/voucher.cose" ] || { cat "$W/out" >&2; fail "rv: no voucher"; }

# With the x5bag stripped, the pledge verifies with the MASA signing key it
# holds (cBRSKI 6.8): the MASA signer certificate is its anchor here.
"$PLEDGE" verify-voucher --voucher "$W/voucher.cose" --masa-anchor "$D/masa/signer.crt" \
    --serial "$S" --nonce "$NONCE" >"$W/v.json" 2>"$W/v.err" || { cat "$W/v.err" >&2; fail "verify-voucher rejected the voucher"; }
grep -q "\"serial-number\": *\"$S\"" "$W/v.json" || fail "voucher JSON lacks the serial"
rc=0
"$PLEDGE" verify-voucher --voucher "$W/voucher.cose" --masa-anchor "$D/masa/signer.crt" \
    --serial "00-00-00-00-00-99" --nonce "$NONCE" >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "verify-voucher with a wrong serial: exit $rc, want 1"

"$PY" "$ORACLE" "$W/voucher.cose" "$D/masa/signer.crt" >"$W/oracle.out" 2>&1 || { cat "$W/oracle.out" >&2; fail "COSE oracle rejected the voucher"; }
grep -q verified "$W/oracle.out" || fail "COSE oracle did not say verified"

# cBRSKI 6.8: no x5bag (32) / x5chain (33) in the unprotected header; a CBOR voucher payload.
"$PY" - "$W/voucher.cose" "$S" <<'EOF' || fail "forwarded voucher structure"
import sys, cbor2
m = cbor2.loads(open(sys.argv[1], 'rb').read())
assert isinstance(m, cbor2.CBORTag) and m.tag == 18, "not tag 18"
prot, unprot, payload, sig = m.value
assert 32 not in unprot and 33 not in unprot, f"unprotected header still has x5: {list(unprot)}"
assert 32 not in cbor2.loads(prot), "x5bag in the protected header"
v = cbor2.loads(payload)
assert list(v) == [2451], f"not an ietf-voucher container: {list(v)}"
serial = [val for k, val in v[2451].items() if isinstance(val, str) and val == sys.argv[2]]
assert serial, "serial-number not in the voucher"
EOF

# The MASA answered with its signing chain in an unprotected x5bag (cBRSKI 9.2.3):
# the one it recorded still has it, the registrar's copy does not.
n="$(sqlite3 "$D/masa.db" "SELECT count(*) FROM vouchers WHERE serial='$S'")"
[ "$n" = 1 ] || fail "MASA store: $n vouchers for $S, want 1"
"$PY" -c 'import sys;sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' \
    "$(sqlite3 "$D/masa.db" "SELECT hex(voucher) FROM vouchers WHERE serial='$S'")" >"$W/masa-voucher.cose"
"$PY" - "$W/masa-voucher.cose" <<'EOF' || fail "MASA voucher has no x5bag"
import sys, cbor2
prot, unprot, payload, sig = cbor2.loads(open(sys.argv[1], 'rb').read()).value
assert 32 in unprot, "no x5bag from the MASA"
EOF
grep -q 'voucher issued for '"$S"' (cose)' <(sqlite3 "$D/masa.db" "SELECT reason FROM audit") ||
    fail "MASA audit has no COSE voucher record"
"$PY" -c 'import sys;sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' \
    "$(sqlite3 "$D/registrar.db" "SELECT hex(voucher) FROM vouchers WHERE serial='$S'")" >"$W/reg-voucher.cose"
cmp -s "$W/reg-voucher.cose" "$W/voucher.cose" || fail "registrar store does not hold the forwarded voucher"
grep -q "voucher obtained for $S (cose)" <(sqlite3 "$D/registrar.db" "SELECT reason FROM audit") ||
    fail "registrar audit has no COSE voucher record"
"$MASA" audit-verify --config "$D/masa.ini" >/dev/null 2>&1 || fail "MASA audit chain"

# RFC 8995 5.5.6: the same PVR again is a replay; the MASA refuses, the pledge gets 4.03.
rm -f "$W/x.cose"
coap -m post "${ID[@]}" -t 836 -A 836 -f "$W/pvr.cose" -o "$W/x.cose" "$URI/.well-known/brski/rv"
grep -q '4\.03' "$W/out" || { cat "$W/out" >&2; fail "replayed PVR: expected 4.03"; }
grep -q 'replay' "$W/out" || fail "replayed PVR: diagnostic should say replay"
# A CMS PVR on /rv: 4.15 by Content-Format; a COSE PVR with Accept 60: 4.06.
coap -m post "${ID[@]}" -t 60 -f "$W/pvr.cose" "$URI/.well-known/brski/rv"
grep -q '4\.15' "$W/out" || { cat "$W/out" >&2; fail "rv with CF 60: expected 4.15"; }
coap -m post "${ID[@]}" -t 836 -A 60 -f "$W/pvr.cose" "$URI/.well-known/brski/rv"
grep -q '4\.06' "$W/out" || { cat "$W/out" >&2; fail "rv with Accept 60: expected 4.06"; }
# A PVR naming another registrar: 4.03 without asking the MASA.
"$PLEDGE" make-pvr --cert "$P/idevid.crt" --key "$P/idevid.key" \
    --registrar-cert "$D/masa/tls.crt" --format cose --out "$W/pvr-other.cose" >/dev/null || fail "make-pvr other"
coap -m post "${ID[@]}" -t 836 -f "$W/pvr-other.cose" "$URI/.well-known/brski/rv"
grep -q '4\.03' "$W/out" && grep -q 'proximity-registrar-cert' "$W/out" || { cat "$W/out" >&2; fail "rv other registrar: expected 4.03"; }

# ---- (b) enrollment over /sen and /sren ----
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/ld.key" \
    -subj "/serialNumber=$S/CN=pledge" -outform DER -out "$W/csr.der" 2>/dev/null || fail "openssl req"
coap -m post "${ID[@]}" -t 286 -A 287 -f "$W/csr.der" -o "$W/ld.der" "$URI/.well-known/est/sen"
[ -s "$W/ld.der" ] || { cat "$W/out" >&2; fail "sen: no certificate"; }
openssl x509 -inform DER -in "$W/ld.der" -out "$W/ld.crt" 2>/dev/null || fail "sen: not a DER certificate"
openssl verify -CAfile "$D/domain/ca.crt" "$W/ld.crt" >/dev/null 2>&1 || fail "sen: LDevID does not verify under the domain CA"
openssl x509 -in "$W/ld.crt" -noout -subject | grep -q "$S" || fail "sen: LDevID subject lacks the serial"
# Accept 281: the certificate as DER certs-only.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/ld2.key" \
    -subj "/serialNumber=$S/CN=pledge" -outform DER -out "$W/csr2.der" 2>/dev/null || fail "openssl req 2"
coap -m post "${ID[@]}" -t 286 -A 281 -f "$W/csr2.der" -o "$W/ld2.p7" "$URI/.well-known/est/sen"
openssl pkcs7 -inform DER -in "$W/ld2.p7" -print_certs -out "$W/ld2.crt" 2>/dev/null || { cat "$W/out" >&2; fail "sen Accept 281: not certs-only"; }
openssl verify -CAfile "$D/domain/ca.crt" "$W/ld2.crt" >/dev/null 2>&1 || fail "sen 281: does not verify"
# Garbage CSR: 4.00; Accept it cannot produce: 4.06.
head -c 100 /dev/urandom >"$W/junk"
coap -m post "${ID[@]}" -t 286 -f "$W/junk" "$URI/.well-known/est/sen"
grep -q '4\.00' "$W/out" || { cat "$W/out" >&2; fail "sen junk: expected 4.00"; }
coap -m post "${ID[@]}" -t 286 -A 62 -f "$W/csr.der" "$URI/.well-known/est/sen"
grep -q '4\.06' "$W/out" || { cat "$W/out" >&2; fail "sen Accept 62: expected 4.06"; }
# Re-enrollment with the LDevID as DTLS client certificate.
openssl req -new -key "$W/ld.key" -subj "/serialNumber=$S/CN=pledge" -outform DER -out "$W/csr3.der" 2>/dev/null
coap -m post -c "$W/ld.crt" -j "$W/ld.key" -n -t 286 -f "$W/csr3.der" -o "$W/ld3.der" "$URI/.well-known/est/sren"
[ -s "$W/ld3.der" ] || { cat "$W/out" >&2; fail "sren: no certificate"; }
openssl x509 -inform DER -in "$W/ld3.der" -out "$W/ld3.crt" 2>/dev/null || fail "sren: not DER"
openssl verify -CAfile "$D/domain/ca.crt" "$W/ld3.crt" >/dev/null 2>&1 || fail "sren: does not verify"
n="$(sqlite3 "$D/registrar.db" "SELECT count(*) FROM certs WHERE pledge='$S'" 2>/dev/null || echo err)"
[ "$n" = 3 ] || fail "registrar store: $n certificates for $S, want 3"

# ---- (c) telemetry over /vs and /es ----
"$PY" -c 'import cbor2,sys;sys.stdout.buffer.write(cbor2.dumps({"version":1,"status":True}))' >"$W/vs.cbor"
"$PY" -c 'import cbor2,sys;sys.stdout.buffer.write(cbor2.dumps({"version":1,"status":False,"reason":"disk full","reason-context":{"a":1}}))' >"$W/es.cbor"
coap -m post "${ID[@]}" -t 60 -f "$W/vs.cbor" "$URI/.well-known/brski/vs"
grep -q '4\.\|5\.' "$W/out" && { cat "$W/out" >&2; fail "vs: error"; }
[ "$(sqlite3 "$D/registrar.db" "SELECT ok FROM statuses WHERE serial='$S' AND kind='voucher'")" = 1 ] ||
    fail "vs: status not recorded"
coap -m post "${ID[@]}" -t 60 -f "$W/es.cbor" "$URI/.well-known/brski/es"
grep -q '4\.\|5\.' "$W/out" && { cat "$W/out" >&2; fail "es: error"; }
[ "$(sqlite3 "$D/registrar.db" "SELECT ok||':'||reason FROM statuses WHERE serial='$S' AND kind='enroll'")" = "0:disk full" ] ||
    fail "es: status not recorded"
# -v 7 shows the response code of a successful request: 2.04.
timeout 30 coap-client-openssl -B 20 -v 7 -m post "${ID[@]}" -t 60 -f "$W/vs.cbor" "$URI/.well-known/brski/vs" >"$W/out" 2>&1 || true
grep -q '2\.04' "$W/out" || { tail -n 20 "$W/out" >&2; fail "vs: expected 2.04"; }
printf '\xa2\x67version\x01' >"$W/bad.cbor" # map of 2 with one entry: truncated
coap -m post "${ID[@]}" -t 60 -f "$W/bad.cbor" "$URI/.well-known/brski/vs"
grep -q '4\.00' "$W/out" || { cat "$W/out" >&2; fail "vs truncated CBOR: expected 4.00"; }
"$PY" -c 'import cbor2,sys;sys.stdout.buffer.write(cbor2.dumps({"version":1,"status":"yes"}))' >"$W/bad2.cbor"
coap -m post "${ID[@]}" -t 60 -f "$W/bad2.cbor" "$URI/.well-known/brski/es"
grep -q '4\.00' "$W/out" || { cat "$W/out" >&2; fail "es status text: expected 4.00"; }
coap -m post "${ID[@]}" -t 50 -f "$W/vs.cbor" "$URI/.well-known/brski/vs"
grep -q '4\.15' "$W/out" || { cat "$W/out" >&2; fail "vs CF 50: expected 4.15"; }

# ---- (d) /crts in three formats ----
openssl x509 -in "$D/domain/ca.crt" -outform DER -out "$W/ca.der"
coap -m get "${ID[@]}" -A 287 -o "$W/crts287.der" "$URI/.well-known/est/crts"
cmp -s "$W/crts287.der" "$W/ca.der" || { cat "$W/out" >&2; fail "crts 287: not the domain CA DER"; }
coap -m get "${ID[@]}" -A 62 -o "$W/crts62.cbor" "$URI/.well-known/est/crts"
"$PY" - "$W/crts62.cbor" "$W/ca.der" <<'EOF' || fail "crts 62: not [287, domain CA]"
import sys, cbor2
a = cbor2.loads(open(sys.argv[1], 'rb').read())
assert isinstance(a, list) and len(a) == 2, a
assert a[0] == 287 and a[1] == open(sys.argv[2], 'rb').read()
EOF
coap -m get "${ID[@]}" -o "$W/crts281.der" "$URI/.well-known/est/crts"
openssl pkcs7 -inform DER -in "$W/crts281.der" -print_certs >/dev/null 2>&1 || fail "crts default: not certs-only"
coap -m get "${ID[@]}" -A 60 "$URI/.well-known/est/crts"
grep -q '4\.06' "$W/out" || { cat "$W/out" >&2; fail "crts Accept 60: expected 4.06"; }

# Discovery (RFC 6690, cBRSKI 6.5.2, RFC 9148 4.1).
coap -m get "${ID[@]}" "$URI/.well-known/core"
for rt in brski.rv brski.vs brski.es ace.est.crts ace.est.sen ace.est.sren ace.est.att; do
    grep -q "rt=\"$rt\"" "$W/out" || { cat "$W/out" >&2; fail "core: rt $rt missing"; }
done
grep -q '</.well-known/brski/rv>;rt="brski.rv";ct=836' "$W/out" || fail "core: rv line"

# ---- (f) RFC 7252 4.5: a retransmitted CON POST is answered again but processed once ----
# The same CoAP message (same Message ID and token) twice over one DTLS session with
# openssl s_client; coap-client cannot repeat a Message ID on demand.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/dup.key" \
    -subj "/serialNumber=$S/CN=pledge" -outform DER -out "$W/csr-dup.der" 2>/dev/null || fail "openssl req dup"
# conpost PATH FILE CF ACCEPT MID: one CoAP CON POST message (token abcd) on stdout.
conpost() {
    "$PY" - "$@" <<'EOF'
import sys
def opt(delta, val):
    def nib(x):
        if x < 13: return x, b''
        if x < 269: return 13, bytes([x - 13])
        return 14, (x - 269).to_bytes(2, 'big')
    d, de = nib(delta); l, le = nib(len(val))
    return bytes([(d << 4) | l]) + de + le + val
path, f, cf, acc, mid = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
msg = bytes([0x42, 0x02]) + mid.to_bytes(2, 'big') + b'\xab\xcd'
last = 0
opts = [(11, p.encode()) for p in path.strip('/').split('/')]
opts += [(12, cf.to_bytes(2, 'big')), (17, acc.to_bytes(2, 'big'))]
for num, val in opts:
    msg += opt(num - last, val); last = num
sys.stdout.buffer.write(msg + b'\xff' + open(f, 'rb').read())
EOF
}
conpost /.well-known/est/sen "$W/csr-dup.der" 286 287 4660 >"$W/dup.bin" # MID 0x1234
before="$(sqlite3 "$D/registrar.db" "SELECT count(*) FROM certs WHERE pledge='$S'")"
{ sleep 1; cat "$W/dup.bin"; sleep 1; cat "$W/dup.bin"; sleep 2; } |
    timeout 10 openssl s_client -dtls1_2 -connect "127.0.0.1:$CPORT" -cert "$P/idevid.crt" \
        -key "$P/idevid.key" -quiet -ign_eof >"$W/dup.out" 2>"$W/dup.err" || true
after="$(sqlite3 "$D/registrar.db" "SELECT count(*) FROM certs WHERE pledge='$S'")"
[ "$after" = $((before + 1)) ] || fail "duplicate CON POST: $((after - before)) certificates issued, want 1"
"$PY" - "$W/dup.out" <<'EOF' || fail "duplicate CON POST: expected the same 2.04 ACK twice"
import sys
d = open(sys.argv[1], 'rb').read()
h = len(d) // 2
assert len(d) > 100 and len(d) % 2 == 0 and d[:h] == d[h:], len(d)
assert d[0] == 0x62 and d[1] == 0x44 and d[2:6] == bytes.fromhex('1234abcd'), d[:6].hex()
EOF

# /rv answers with a separate response (RFC 7252 5.2.2, RFC 9148 4.7): an empty ACK at
# once, the voucher later in a CON. With the MASA stopped, a retransmission is only
# acknowledged again; after the answer, a late duplicate gets the same voucher
# piggybacked; the MASA is asked once.
"$PLEDGE" make-pvr --cert "$P/idevid.crt" --key "$P/idevid.key" \
    --registrar-cert "$D/domain/registrar.crt" --format cose --out "$W/pvr-dup.cose" >/dev/null || fail "make-pvr dup"
conpost /.well-known/brski/rv "$W/pvr-dup.cose" 836 836 8738 >"$W/rvdup.bin" # MID 0x2222
before="$(sqlite3 "$D/masa.db" "SELECT count(*) FROM vouchers")"
kill -STOP "$MPID"
# (s_client reads stdin only after its handshake: the pauses keep one message per record.)
{ sleep 1; cat "$W/rvdup.bin"; sleep 0.5; cat "$W/rvdup.bin"; sleep 0.5; kill -CONT "$MPID"
  for _ in $(seq 1 100); do
      [ "$(sqlite3 "$D/masa.db" "SELECT count(*) FROM vouchers")" -gt "$before" ] && break
      sleep 0.1
  done
  sleep 0.5; cat "$W/rvdup.bin"; sleep 1; } |
    timeout 20 openssl s_client -dtls1_2 -connect "127.0.0.1:$CPORT" -cert "$P/idevid.crt" \
        -key "$P/idevid.key" -quiet -ign_eof >"$W/rvdup.out" 2>/dev/null || true
kill -CONT "$MPID" 2>/dev/null || true
after="$(sqlite3 "$D/masa.db" "SELECT count(*) FROM vouchers")"
[ "$after" = $((before + 1)) ] || fail "duplicate /rv: the MASA issued $((after - before)) vouchers, want 1"
"$PY" - "$W/rvdup.out" <<'EOF' || fail "duplicate /rv: expected ACK, ACK, separate 2.04, piggybacked 2.04"
import sys
d = open(sys.argv[1], 'rb').read()
assert d[:8] == bytes.fromhex('6000222260002222'), d[:8].hex()  # two empty ACKs for MID 0x2222
sep = d.find(bytes.fromhex('4244'))                               # CON 2.04 (separate), token abcd
assert sep >= 0 and d[sep + 4:sep + 6] == b'\xab\xcd', 'no separate response'
late = d.find(bytes.fromhex('62442222abcd'))                      # ACK 2.04 for MID 0x2222
assert late > sep, 'late duplicate not answered from the kept answer'
EOF

# ---- (e) the MASA directly, with COSE RVRs made by an independent encoder ----
# mkrvr PVR OUT [bag=reg,ca,idevid] [serial=S] [nonce=pvr|other] [tamper=1]:
# a COSE_Sign1 RVR (cBRSKI 8.1) signed ES256 with the registrar key by python3-cryptography.
mkrvr() {
    "$PY" - "$D" "$P" "$@" <<'EOF'
import sys, cbor2, datetime
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
d, p, pvr_path, out = sys.argv[1:5]
opt = dict(a.split('=', 1) for a in sys.argv[5:])
der = lambda f: x509.load_pem_x509_certificate(open(f, 'rb').read()).public_bytes(serialization.Encoding.DER)
certs = {'reg': der(d + '/domain/registrar.crt'), 'ca': der(d + '/domain/ca.crt'),
         'idevid': der(p + '/idevid.crt')}
bag = [certs[k] for k in opt.get('bag', 'reg,ca,idevid').split(',')]
pvr = open(pvr_path, 'rb').read()
pv = cbor2.loads(cbor2.loads(pvr).value[2])[2501]
vr = {1: 2, 2: datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
      13: opt.get('serial', pv[13]), 9: pvr}
vr[7] = pv[7] if opt.get('nonce', 'pvr') == 'pvr' else b'0123456789abcdef'
payload = cbor2.dumps({2501: vr})
prot = cbor2.dumps({1: -7})
key = serialization.load_pem_private_key(open(d + '/domain/registrar.key', 'rb').read(), None)
r, s = utils.decode_dss_signature(key.sign(cbor2.dumps(['Signature1', prot, b'', payload]),
                                           ec.ECDSA(hashes.SHA256())))
sig = r.to_bytes(32, 'big') + s.to_bytes(32, 'big')
if opt.get('tamper'):
    sig = sig[:-1] + bytes([sig[-1] ^ 1])
open(out, 'wb').write(cbor2.dumps(cbor2.CBORTag(18, [prot, {32: bag}, payload, sig])))
EOF
}
newpvr() {
    "$PLEDGE" make-pvr --cert "$P/idevid.crt" --key "$P/idevid.key" \
        --registrar-cert "$D/domain/registrar.crt" --format cose --out "$1" >/dev/null || fail "make-pvr"
}
MURL="https://127.0.0.1:$MPORT/.well-known/brski"
CTC="Content-Type: application/voucher+cose"
# mpost WANT NAME FILE [curl args]: POST to the MASA, check the status.
mpost() {
    local want="$1" name="$2" f="$3" got
    shift 3
    got="$(curl -sk --max-time 20 --cert "$D/domain/registrar.crt" --key "$D/domain/registrar.key" \
        -o "$W/mbody" -D "$W/mhdr" -w '%{http_code}' --data-binary @"$f" "$@" || true)"
    [ "$got" = "$want" ] || fail "MASA $name: expected $want, got $got ($(head -c 200 "$W/mbody"))"
}
newpvr "$W/p1.cose"
mkrvr "$W/p1.cose" "$W/r1.cose" || fail "mkrvr"
mpost 200 "COSE RVR" "$W/r1.cose" -H "$CTC" -H 'Accept: application/voucher+cose' "$MURL/requestvoucher"
grep -qi '^content-type: application/voucher+cose' "$W/mhdr" || fail "MASA COSE answer content type"
"$PY" "$ORACLE" "$W/mbody" "$D/masa/signer.crt" >/dev/null || fail "MASA COSE voucher: oracle"
"$PY" -c 'import sys,cbor2;m=cbor2.loads(open(sys.argv[1],"rb").read()).value;assert len(m[1][32])>=2' "$W/mbody" ||
    fail "MASA COSE voucher: x5bag should hold the signing chain"
# No Accept: the request's format.
newpvr "$W/p2.cose"
mkrvr "$W/p2.cose" "$W/r2.cose"
mpost 200 "COSE RVR, no Accept" "$W/r2.cose" -H "$CTC" "$MURL/requestvoucher"
grep -qi '^content-type: application/voucher+cose' "$W/mhdr" || fail "MASA default format"
# Accept CMS: a CMS voucher for the COSE request; openssl verifies it under the manufacturer root.
newpvr "$W/p3.cose"
mkrvr "$W/p3.cose" "$W/r3.cose"
mpost 200 "COSE RVR, Accept CMS" "$W/r3.cose" -H "$CTC" -H 'Accept: application/voucher-cms+json' "$MURL/requestvoucher"
openssl cms -verify -inform DER -in "$W/mbody" -CAfile "$D/manufacturer/root.crt" -binary -purpose any \
    -out "$W/m3.json" 2>/dev/null || fail "MASA CMS voucher for a COSE request: openssl"
grep -q "\"serial-number\":\"$S\"" "$W/m3.json" || fail "MASA CMS voucher: serial"
newpvr "$W/p4.cose"
mkrvr "$W/p4.cose" "$W/r4.cose"
mpost 406 "Accept text/plain" "$W/r4.cose" -H "$CTC" -H 'Accept: text/plain' "$MURL/requestvoucher"
mpost 415 "Content-Type application/cbor" "$W/r4.cose" -H 'Content-Type: application/cbor' "$MURL/requestvoucher"
mkrvr "$W/p4.cose" "$W/r4-noid.cose" bag=reg,ca
mpost 403 "no IDevID in x5bag" "$W/r4-noid.cose" -H "$CTC" "$MURL/requestvoucher"
grep -q 'x5bag' "$W/mbody" || fail "no IDevID: reason"
mkrvr "$W/p4.cose" "$W/r4-bad.cose" tamper=1
mpost 403 "bad RVR signature" "$W/r4-bad.cose" -H "$CTC" "$MURL/requestvoucher"
mkrvr "$W/p4.cose" "$W/r4-ser.cose" serial=00-00-00-00-00-99
mpost 403 "RVR serial differs" "$W/r4-ser.cose" -H "$CTC" "$MURL/requestvoucher"
mkrvr "$W/p4.cose" "$W/r4-non.cose" nonce=other
mpost 403 "RVR nonce differs" "$W/r4-non.cose" -H "$CTC" "$MURL/requestvoucher"
mkrvr "$W/p4.cose" "$W/r4-nodca.cose" bag=reg,idevid
mpost 400 "no domain CA" "$W/r4-nodca.cose" -H "$CTC" "$MURL/requestvoucher"
head -c 300 /dev/urandom >"$W/junk.cose"
mpost 400 "junk COSE" "$W/junk.cose" -H "$CTC" "$MURL/requestvoucher"
mpost 200 "fresh nonce" "$W/r4.cose" -H "$CTC" "$MURL/requestvoucher"
mpost 403 "replayed nonce" "$W/r4.cose" -H "$CTC" "$MURL/requestvoucher"
# RFC 8995 5.8 audit log asked with a COSE RVR.
mpost 200 "requestauditlog with COSE" "$W/r1.cose" -H "$CTC" "$MURL/requestauditlog"
"$PY" -c 'import sys,json;a=json.load(open(sys.argv[1]));assert a["version"]==1 and len(a["events"])==6,a' "$W/mbody" ||
    fail "audit log: expected the 6 vouchers issued so far"

# Clean SIGTERM, no sanitizer report.
kill -TERM "$RPID"
for _ in $(seq 1 100); do kill -0 "$RPID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$RPID" 2>/dev/null && fail "registrar did not stop on SIGTERM"
rc=0
wait "$RPID" || rc=$?
[ "$rc" = 0 ] || fail "registrar exit status $rc"
! grep -q 'Sanitizer' "$W/reg.log" "$W/masa.log" || fail "sanitizer report"
echo "ok: cBRSKI rv (COSE voucher, x5bag stripped, replay refused), sen/sren, vs/es, crts 281/287/62, discovery"
