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
PIDS+=("$!")
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

# Clean SIGTERM, no sanitizer report.
kill -TERM "$RPID"
for _ in $(seq 1 100); do kill -0 "$RPID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$RPID" 2>/dev/null && fail "registrar did not stop on SIGTERM"
rc=0
wait "$RPID" || rc=$?
[ "$rc" = 0 ] || fail "registrar exit status $rc"
! grep -q 'Sanitizer' "$W/reg.log" "$W/masa.log" || fail "sanitizer report"
echo "ok: cBRSKI rv (COSE voucher, x5bag stripped, replay refused), sen/sren, vs/es, crts 281/287/62, discovery"
