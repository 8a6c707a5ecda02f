#!/usr/bin/env bash
# brski-masa serve and brski-registrar serve over HTTPS with curl and OpenSSL
# as the pledge: voucher (RFC 8995 5.2-5.6), EST (RFC 7030), telemetry
# (5.7, 5.9.4), a malformed-request matrix with the expected status of each,
# audit logs that verify and detect tampering, clean SIGTERM.
set -euo pipefail

CERTS="$BRSKI_BIN/certs/brski-certs"
MASA="$BRSKI_BIN/masa/brski-masa"
REG="$BRSKI_BIN/registrar/brski-registrar"
PLEDGE="$BRSKI_BIN/pledge/brski-pledge"
W="$(mktemp -d "${TMPDIR:-/tmp}/brski-srv-XXXXXX")"
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

# free_ports N: N distinct free loopback ports (sockets held open until all are chosen)
free_ports() {
    python3 -c 'import socket,sys
ss=[socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1",0))
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1" 2>/dev/null ||
        { local b=$((20000 + RANDOM % 20000)) i; for i in $(seq 1 "$1"); do printf '%s ' $((b + i)); done; echo; }
}

"$CERTS" init --dir "$W/pki" --pledges 2 >/dev/null || fail "brski-certs init"
D="$W/pki"
read -r MPORT RPORT CPORT <<<"$(free_ports 3)"
sed -i "s/^listen = .*/listen = 127.0.0.1:$MPORT/" "$D/masa.ini"
sed -i "s/^listen_https = .*/listen_https = 127.0.0.1:$RPORT/; s/^listen_coaps = .*/listen_coaps = 127.0.0.1:$CPORT/" "$D/registrar.ini"
# The IDevID MASA URL names the default port; point the registrar at ours.
sed -i "s|^enroll_policy = .*|&\nmasa_url = https://127.0.0.1:$MPORT|" "$D/registrar.ini"

S1="00-D0-E5-F2-00-01"
S2="00-D0-E5-F2-00-02"
P1="$D/pledges/$S1"
P2="$D/pledges/$S2"
MURL="https://127.0.0.1:$MPORT/.well-known/brski"
RURL="https://127.0.0.1:$RPORT/.well-known/brski"
EURL="https://127.0.0.1:$RPORT/.well-known/est"
CTV="Content-Type: application/voucher-cms+json"

"$MASA" serve --config "$D/masa.ini" >"$W/masa.log" 2>&1 &
MPID=$!
PIDS+=("$MPID")
"$REG" serve --config "$D/registrar.ini" >"$W/reg.log" 2>&1 &
RPID=$!
PIDS+=("$RPID")

wait_up() {
    local url="$1" i
    for i in $(seq 1 100); do
        if curl -sk -o /dev/null --max-time 2 "$url"; then return 0; fi
        sleep 0.1
    done
    fail "server at $url did not come up"
}
wait_up "$EURL/cacerts"
wait_up "https://127.0.0.1:$MPORT/"

N=0
# expect STATUS NAME curl-args... : one request, checks the status code.
expect() {
    local want="$1" name="$2" got
    shift 2
    local t0=$(date +%s%N)
    got="$(curl -sk --max-time 20 -o "$W/body" -w '%{http_code}' "$@" || true)"
    echo "T $(( ($(date +%s%N) - t0) / 1000000 )) $name" >>"${TIMING:-/dev/null}"
    [ "$got" = "$want" ] || fail "$name: expected $want, got $got ($(head -c 200 "$W/body" 2>/dev/null))"
    if [ "$want" -ge 400 ]; then
        # one-line reason as text/plain
        [ "$(wc -l <"$W/body")" -le 1 ] && [ -s "$W/body" ] || fail "$name: no one-line reason"
    fi
    N=$((N + 1))
}

b64() { base64 -w0 "$1"; }
b64d() { tr -d "\r" <"$1" | base64 -d; }
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# sign_json JSON_FILE CERT KEY OUT [CERTFILE]: CMS SignedData, eContentType id-ct-animaJSONVoucher
sign_json() {
    local extra=()
    [ $# -ge 5 ] && extra=(-certfile "$5")
    openssl cms -sign -binary -nodetach -nosmimecap -outform DER \
        -econtent_type 1.2.840.113549.1.9.16.1.40 -md sha256 \
        -signer "$2" -inkey "$3" "${extra[@]}" -in "$1" -out "$4" || fail "openssl cms -sign $1"
}
der_b64() { openssl x509 -in "$1" -outform DER | base64 -w0; }

REGCERT_B64="$(der_b64 "$D/domain/registrar.crt")"

# ---------------------------------------------------------------- positive path
"$PLEDGE" make-pvr --cert "$P1/idevid.crt" --key "$P1/idevid.key" \
    --registrar-cert "$D/domain/registrar.crt" --out "$W/pvr" >"$W/pvr.out" || fail make-pvr
NONCE="$(sed -n 's/^nonce: //p' "$W/pvr.out")"
[ -n "$NONCE" ] || fail "make-pvr printed no nonce"
expect 200 "registrar requestvoucher" --cert "$P1/idevid.crt" --key "$P1/idevid.key" \
    -H "$CTV" --data-binary @"$W/pvr" "$RURL/requestvoucher"
cp "$W/body" "$W/voucher"
"$PLEDGE" verify-voucher --voucher "$W/voucher" --masa-anchor "$P1/masa-anchor.crt" \
    --serial "$S1" --nonce "$NONCE" >/dev/null || fail "verify-voucher rejects the voucher"
openssl cms -verify -inform DER -binary -CAfile "$P1/masa-anchor.crt" -in "$W/voucher" \
    -out "$W/voucher.json" 2>/dev/null || fail "openssl cms -verify rejects the voucher"
grep -q "\"serial-number\":\"$S1\"" "$W/voucher.json" || fail "voucher serial"
grep -q "\"nonce\":\"$NONCE\"" "$W/voucher.json" || fail "voucher nonce"
grep -q '"assertion":"proximity"' "$W/voucher.json" || fail "voucher assertion"
grep -q '"expires-on"' "$W/voucher.json" || fail "voucher expires-on"
PINNED="$(sed 's/.*"pinned-domain-cert":"\([^"]*\)".*/\1/' "$W/voucher.json")"
[ "$PINNED" = "$(der_b64 "$D/domain/ca.crt")" ] || fail "pinned-domain-cert is not the domain CA"
# The voucher must not verify against an unrelated anchor.
! "$PLEDGE" verify-voucher --voucher "$W/voucher" --masa-anchor "$D/domain/ca.crt" \
    --serial "$S1" --nonce "$NONCE" >/dev/null 2>&1 || fail "voucher verifies with a wrong anchor"

# EST cacerts / csrattrs
expect 200 "cacerts" "$EURL/cacerts"
b64d "$W/body" >"$W/cacerts.p7" || fail "cacerts not base64"
openssl pkcs7 -inform DER -in "$W/cacerts.p7" -print_certs >"$W/cacerts.pem" || fail "cacerts pkcs7"
grep -q "BRSKI Demo Domain CA" "$W/cacerts.pem" || fail "cacerts does not hold the domain CA"
expect 200 "csrattrs" "$EURL/csrattrs"
b64d "$W/body" | openssl asn1parse -inform DER >"$W/csrattrs.txt" || fail "csrattrs DER"
grep -q ecdsa-with-SHA256 "$W/csrattrs.txt" || fail "csrattrs lacks ecdsa-with-SHA256"

# simpleenroll with an OpenSSL CSR and a fresh key
openssl ecparam -name prime256v1 -genkey -noout -out "$W/ld.key" 2>/dev/null
openssl req -new -key "$W/ld.key" -subj "/CN=pledge-$S1" -outform DER -out "$W/csr.der" || fail "openssl req"
base64 -w 64 "$W/csr.der" >"$W/csr.b64"
expect 200 "simpleenroll" --cert "$P1/idevid.crt" --key "$P1/idevid.key" \
    -H 'Content-Type: application/pkcs10' --data-binary @"$W/csr.b64" "$EURL/simpleenroll"
b64d "$W/body" >"$W/ld.p7" || fail "enroll response not base64"
openssl pkcs7 -inform DER -in "$W/ld.p7" -print_certs -out "$W/ld.crt" || fail "enroll pkcs7"
openssl verify -CAfile "$D/domain/ca.crt" "$W/ld.crt" >/dev/null || fail "LDevID does not verify"
openssl x509 -in "$W/ld.crt" -noout -subject | grep -q "$S1" || fail "LDevID lacks the serialNumber"
[ "$(sqlite3 "$D/registrar.db" 'SELECT count(*) FROM certs')" = 1 ] || fail "issued cert not stored"

# telemetry
expect 200 "voucher_status" --cert "$P1/idevid.crt" --key "$P1/idevid.key" \
    -H 'Content-Type: application/json' --data '{"version":1,"status":true,"reason":"ok"}' \
    "$RURL/voucher_status"
expect 200 "enrollstatus (LDevID)" --cert "$W/ld.crt" --key "$W/ld.key" \
    -H 'Content-Type: application/json' \
    --data '{"version":1,"status":false,"reason":"disk full","reason-context":{"a":1}}' \
    "$RURL/enrollstatus"
[ "$(sqlite3 "$D/registrar.db" "SELECT ok||':'||reason FROM statuses WHERE serial='$S1' AND kind='enroll'")" = "0:disk full" ] ||
    fail "enroll status not stored"
[ "$(sqlite3 "$D/registrar.db" "SELECT ok FROM statuses WHERE serial='$S1' AND kind='voucher'")" = 1 ] ||
    fail "voucher status not stored"

# reenroll with the LDevID
openssl req -new -key "$W/ld.key" -subj "/CN=pledge-$S1" -outform DER | base64 -w 64 >"$W/csr2.b64"
expect 200 "simplereenroll (LDevID)" --cert "$W/ld.crt" --key "$W/ld.key" \
    -H 'Content-Type: application/pkcs10' --data-binary @"$W/csr2.b64" "$EURL/simplereenroll"

# ------------------------------------------------ MASA fed directly (OpenSSL-made RVRs)
# make_rvr OUT SERIAL NONCE PVR_FILE [signer cert] [key] [certfile]
make_rvr() {
    local out="$1" serial="$2" nonce="$3" pvr="$4"
    local cert="${5:-$D/domain/registrar.crt}" key="${6:-$D/domain/registrar.key}"
    local cf="${7-$D/domain/ca.crt}"
    local nonce_json=""
    [ -n "$nonce" ] && nonce_json="\"nonce\":\"$nonce\","
    local prior=""
    [ -n "$pvr" ] && prior=",\"prior-signed-voucher-request\":\"$(b64 "$pvr")\""
    printf '{"ietf-voucher-request:voucher":{"assertion":"proximity","created-on":"%s",%s"serial-number":"%s"%s}}' \
        "$(now)" "$nonce_json" "$serial" "$prior" >"$out.json"
    if [ -n "$cf" ]; then sign_json "$out.json" "$cert" "$key" "$out" "$cf"; else sign_json "$out.json" "$cert" "$key" "$out"; fi
}
expect 403 "rv: replayed PVR (nonce already used)" --cert "$P1/idevid.crt" --key "$P1/idevid.key" \
    -H "$CTV" --data-binary @"$W/pvr" "$RURL/requestvoucher"
grep -q replay "$W/body" || fail "replay reason: $(cat "$W/body")"
"$PLEDGE" make-pvr --cert "$P1/idevid.crt" --key "$P1/idevid.key" \
    --registrar-cert "$D/domain/registrar.crt" --out "$W/pvr-m" >"$W/pvr-m.out" || fail make-pvr
NONCE_M="$(sed -n 's/^nonce: //p' "$W/pvr-m.out")"
make_rvr "$W/rvr-ok" "$S1" "$NONCE_M" "$W/pvr-m"
expect 200 "masa: OpenSSL-signed RVR" -H "$CTV" --data-binary @"$W/rvr-ok" "$MURL/requestvoucher"
openssl cms -verify -inform DER -binary -CAfile "$P1/masa-anchor.crt" -in "$W/body" -out /dev/null 2>/dev/null ||
    fail "masa voucher (direct) does not verify"
expect 403 "masa: replayed RVR" -H "$CTV" --data-binary @"$W/rvr-ok" "$MURL/requestvoucher"
make_rvr "$W/rvr-serial" "$S2" "$NONCE" "$W/pvr"
expect 403 "masa: RVR serial differs from PVR" -H "$CTV" --data-binary @"$W/rvr-serial" "$MURL/requestvoucher"
make_rvr "$W/rvr-nonce" "$S1" "AAAAAAAAAAAAAAAAAAAAAA==" "$W/pvr"
expect 403 "masa: RVR nonce differs" -H "$CTV" --data-binary @"$W/rvr-nonce" "$MURL/requestvoucher"
make_rvr "$W/rvr-nononce" "$S1" "" "$W/pvr"
expect 403 "masa: RVR without the PVR nonce" -H "$CTV" --data-binary @"$W/rvr-nononce" "$MURL/requestvoucher"
make_rvr "$W/rvr-noprior" "$S1" "$NONCE" ""
expect 400 "masa: no prior-signed-voucher-request" -H "$CTV" --data-binary @"$W/rvr-noprior" "$MURL/requestvoucher"
make_rvr "$W/rvr-othersigner" "$S1" "$NONCE" "$W/pvr" "$D/masa/tls.crt" "$D/masa/tls.key" "$D/manufacturer/root.crt"
expect 403 "masa: RVR signer is not the proximity registrar" -H "$CTV" --data-binary @"$W/rvr-othersigner" "$MURL/requestvoucher"
# a domain certificate without id-kp-cmcRA signing the RVR (and named in the PVR)
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$W/nora.key" \
    -subj "/CN=no-cmcRA" -out "$W/nora.csr" 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n' >"$W/nora.ext"
openssl x509 -req -in "$W/nora.csr" -CA "$D/domain/ca.crt" -CAkey "$D/domain/ca.key" -CAcreateserial \
    -days 30 -extfile "$W/nora.ext" -out "$W/nora.crt" 2>/dev/null || fail "nora cert"
"$PLEDGE" make-pvr --cert "$P1/idevid.crt" --key "$P1/idevid.key" \
    --registrar-cert "$W/nora.crt" --nonce "$NONCE" --out "$W/pvr-nora" >/dev/null || fail make-pvr
make_rvr "$W/rvr-nora" "$S1" "$NONCE" "$W/pvr-nora" "$W/nora.crt" "$W/nora.key" "$D/domain/ca.crt"
expect 403 "masa: RVR signer without id-kp-cmcRA" -H "$CTV" --data-binary @"$W/rvr-nora" "$MURL/requestvoucher"
grep -q cmcRA "$W/body" || fail "cmcRA reason: $(cat "$W/body")"
make_rvr "$W/rvr-nobag" "$S1" "$NONCE" "$W/pvr" "$D/domain/registrar.crt" "$D/domain/registrar.key" ""
expect 400 "masa: no domain CA in the RVR" -H "$CTV" --data-binary @"$W/rvr-nobag" "$MURL/requestvoucher"
head -c 300 /dev/urandom >"$W/junk"
make_rvr "$W/rvr-junkprior" "$S1" "$NONCE" "$W/junk"
expect 400 "masa: prior-signed-voucher-request is junk" -H "$CTV" --data-binary @"$W/rvr-junkprior" "$MURL/requestvoucher"
expect 403 "masa: a PVR sent as RVR (IDevID lacks cmcRA)" -H "$CTV" --data-binary @"$W/pvr" "$MURL/requestvoucher"
expect 400 "masa: garbage" -H "$CTV" --data-binary 'hello' "$MURL/requestvoucher"
expect 400 "masa: empty body" -H "$CTV" --data-binary '' "$MURL/requestvoucher"
expect 415 "masa: wrong content type" -H 'Content-Type: text/plain' --data-binary @"$W/rvr-ok" "$MURL/requestvoucher"
expect 405 "masa: GET requestvoucher" "$MURL/requestvoucher"
expect 404 "masa: unknown path" -H "$CTV" --data-binary @"$W/rvr-ok" "$MURL/requestvouchers"
head -c 100000 /dev/zero >"$W/big"
expect 413 "masa: 100 KB body" -H "$CTV" --data-binary @"$W/big" "$MURL/requestvoucher"
BIGH="X-Big: $(head -c 20000 /dev/zero | tr '\0' a)"
expect 431 "masa: 20 KB header" -H "$BIGH" "$MURL/requestvoucher"
# RVR carrying the PVR of a foreign (self-signed) IDevID
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$W/foreign.key" \
    -out "$W/foreign.crt" -subj "/CN=foreign/serialNumber=$S1" -days 30 2>/dev/null || fail "foreign cert"
chmod 600 "$W/foreign.key"
"$PLEDGE" make-pvr --cert "$W/foreign.crt" --key "$W/foreign.key" \
    --registrar-cert "$D/domain/registrar.crt" --nonce "$NONCE" --out "$W/pvr-foreign" >/dev/null || fail "make-pvr foreign"
make_rvr "$W/rvr-foreign" "$S1" "$NONCE" "$W/pvr-foreign"
expect 403 "masa: foreign IDevID in the PVR" -H "$CTV" --data-binary @"$W/rvr-foreign" "$MURL/requestvoucher"

printf '{"ietf-voucher-request:voucher":{"assertion":"proximity","created-on":"%s","idevid-issuer":"AAECAw==","nonce":"%s","prior-signed-voucher-request":"%s","serial-number":"%s"}}' \
    "$(now)" "$NONCE" "$(b64 "$W/pvr")" "$S1" >"$W/rvr-iss.json"
sign_json "$W/rvr-iss.json" "$D/domain/registrar.crt" "$D/domain/registrar.key" "$W/rvr-iss" "$D/domain/ca.crt"
expect 403 "masa: idevid-issuer does not match the IDevID" -H "$CTV" --data-binary @"$W/rvr-iss" "$MURL/requestvoucher"

# requestauditlog
make_rvr "$W/rvr-log" "$S1" "" ""
expect 200 "masa: requestauditlog" -H "$CTV" --data-binary @"$W/rvr-log" "$MURL/requestauditlog"
python3 - "$W/body" "$NONCE" <<'PY' || fail "audit log response"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == 1
ev = d["events"]
assert len(ev) == 2, ev
assert ev[0]["nonce"] != ev[1]["nonce"]
assert all(e["assertion"] == "proximity" and e["domainID"] for e in ev)
assert ev[0]["nonce"] == sys.argv[2]
PY
make_rvr "$W/rvr-log3" "$S1" "" "" "$D/masa/tls.crt" "$D/masa/tls.key" "$D/manufacturer/root.crt"
expect 403 "masa: requestauditlog from another domain" -H "$CTV" --data-binary @"$W/rvr-log3" "$MURL/requestauditlog"
make_rvr "$W/rvr-log2" "NO-SUCH-SERIAL" "" ""
expect 404 "masa: requestauditlog unknown serial" -H "$CTV" --data-binary @"$W/rvr-log2" "$MURL/requestauditlog"
expect 400 "masa: requestauditlog garbage" -H "$CTV" --data-binary 'xyz' "$MURL/requestauditlog"
expect 405 "masa: GET requestauditlog" "$MURL/requestauditlog"

# ------------------------------------------------ registrar requestvoucher matrix
C1=(--cert "$P1/idevid.crt" --key "$P1/idevid.key")
expect 401 "rv: no client cert" -H "$CTV" --data-binary @"$W/pvr" "$RURL/requestvoucher"
expect 415 "rv: text/plain" "${C1[@]}" -H 'Content-Type: text/plain' --data-binary @"$W/pvr" "$RURL/requestvoucher"
expect 415 "rv: application/json" "${C1[@]}" -H 'Content-Type: application/json' --data-binary @"$W/pvr" "$RURL/requestvoucher"
expect 415 "rv: form content type" "${C1[@]}" --data-binary @"$W/pvr" "$RURL/requestvoucher"
expect 415 "rv: COSE content type" "${C1[@]}" -H 'Content-Type: application/voucher-cose+cbor' --data-binary @"$W/pvr" "$RURL/requestvoucher"
expect 400 "rv: garbage" "${C1[@]}" -H "$CTV" --data-binary 'garbage' "$RURL/requestvoucher"
b64 "$W/pvr" >"$W/pvr.b64"
expect 400 "rv: base64 instead of DER" "${C1[@]}" -H "$CTV" --data-binary @"$W/pvr.b64" "$RURL/requestvoucher"
echo '!!!!not base64 either@@' >"$W/badb64"
expect 400 "rv: bad base64 text" "${C1[@]}" -H "$CTV" --data-binary @"$W/badb64" "$RURL/requestvoucher"
expect 400 "rv: empty body" "${C1[@]}" -H "$CTV" --data-binary '' "$RURL/requestvoucher"
head -c 200 "$W/pvr" >"$W/pvr-trunc"
expect 400 "rv: truncated CMS" "${C1[@]}" -H "$CTV" --data-binary @"$W/pvr-trunc" "$RURL/requestvoucher"
cp "$W/pvr" "$W/pvr-flip"
SZ=$(stat -c %s "$W/pvr")
printf '\x00' | dd of="$W/pvr-flip" bs=1 seek=$((SZ - 3)) conv=notrunc 2>/dev/null
expect 400 "rv: corrupted signature" "${C1[@]}" -H "$CTV" --data-binary @"$W/pvr-flip" "$RURL/requestvoucher"
{ cat "$W/pvr"; printf 'x'; } >"$W/pvr-trail"
expect 400 "rv: trailing byte" "${C1[@]}" -H "$CTV" --data-binary @"$W/pvr-trail" "$RURL/requestvoucher"
head -c 20000 /dev/urandom >"$W/big20k"
expect 413 "rv: 20 KB body" "${C1[@]}" -H "$CTV" --data-binary @"$W/big20k" "$RURL/requestvoucher"
expect 413 "rv: 100 KB body" "${C1[@]}" -H "$CTV" --data-binary @"$W/big" "$RURL/requestvoucher"
expect 431 "rv: 20 KB header" "${C1[@]}" -H "$BIGH" -H "$CTV" --data-binary @"$W/pvr" "$RURL/requestvoucher"
expect 405 "rv: GET" "${C1[@]}" "$RURL/requestvoucher"
expect 405 "rv: PUT" "${C1[@]}" -X PUT -H "$CTV" --data-binary @"$W/pvr" "$RURL/requestvoucher"
expect 405 "rv: DELETE" "${C1[@]}" -X DELETE "$RURL/requestvoucher"
expect 404 "rv: unknown path" "${C1[@]}" -H "$CTV" --data-binary @"$W/pvr" "$RURL/requestvoucherX"
expect 404 "rv: root" "${C1[@]}" "https://127.0.0.1:$RPORT/"
expect 404 "rv: requestauditlog not served" "${C1[@]}" -H "$CTV" --data-binary @"$W/pvr" "$RURL/requestauditlog"
expect 403 "rv: foreign IDevID" --cert "$W/foreign.crt" --key "$W/foreign.key" -H "$CTV" \
    --data-binary @"$W/pvr-foreign" "$RURL/requestvoucher"
expect 403 "rv: PVR of pledge 1 over the TLS session of pledge 2" --cert "$P2/idevid.crt" \
    --key "$P2/idevid.key" -H "$CTV" --data-binary @"$W/pvr" "$RURL/requestvoucher"
expect 403 "rv: registrar certificate as client" --cert "$D/domain/registrar.crt" \
    --key "$D/domain/registrar.key" -H "$CTV" --data-binary @"$W/pvr" "$RURL/requestvoucher"
"$PLEDGE" make-pvr --cert "$P1/idevid.crt" --key "$P1/idevid.key" \
    --registrar-cert "$D/masa/tls.crt" --out "$W/pvr-otherreg" >/dev/null || fail make-pvr
expect 403 "rv: proximity-registrar-cert of another server" "${C1[@]}" -H "$CTV" \
    --data-binary @"$W/pvr-otherreg" "$RURL/requestvoucher"
# PVRs crafted with OpenSSL and signed by the real IDevID key
pvr_json() { # SERIAL ASSERTION EXTRA
    printf '{"ietf-voucher-request:voucher":{"assertion":"%s","created-on":"%s","nonce":"%s","proximity-registrar-cert":"%s","serial-number":"%s"%s}}' \
        "$2" "$(now)" "$(head -c 16 /dev/urandom | base64 -w0)" "$REGCERT_B64" "$1" "${3:-}"
}
pvr_json "$S2" proximity >"$W/p-serial.json"
sign_json "$W/p-serial.json" "$P1/idevid.crt" "$P1/idevid.key" "$W/p-serial"
expect 403 "rv: PVR serial-number is not the IDevID's" "${C1[@]}" -H "$CTV" --data-binary @"$W/p-serial" "$RURL/requestvoucher"
pvr_json "$S1" verified >"$W/p-assert.json"
sign_json "$W/p-assert.json" "$P1/idevid.crt" "$P1/idevid.key" "$W/p-assert"
expect 403 "rv: assertion verified" "${C1[@]}" -H "$CTV" --data-binary @"$W/p-assert" "$RURL/requestvoucher"
pvr_json "$S1" proximity ',"bogus-leaf":1' >"$W/p-unknown.json"
sign_json "$W/p-unknown.json" "$P1/idevid.crt" "$P1/idevid.key" "$W/p-unknown"
expect 400 "rv: unknown leaf" "${C1[@]}" -H "$CTV" --data-binary @"$W/p-unknown" "$RURL/requestvoucher"
printf '{"ietf-voucher:voucher":{"assertion":"proximity","serial-number":"%s"}}' "$S1" >"$W/p-kind.json"
sign_json "$W/p-kind.json" "$P1/idevid.crt" "$P1/idevid.key" "$W/p-kind"
expect 400 "rv: a voucher, not a voucher-request" "${C1[@]}" -H "$CTV" --data-binary @"$W/p-kind" "$RURL/requestvoucher"
printf 'not json at all' >"$W/p-json.json"
sign_json "$W/p-json.json" "$P1/idevid.crt" "$P1/idevid.key" "$W/p-json"
expect 400 "rv: signed non-JSON" "${C1[@]}" -H "$CTV" --data-binary @"$W/p-json" "$RURL/requestvoucher"
printf '{"ietf-voucher-request:voucher":{"assertion":"proximity","serial-number":"%s","serial-number":"%s"}}' "$S1" "$S1" >"$W/p-dup.json"
sign_json "$W/p-dup.json" "$P1/idevid.crt" "$P1/idevid.key" "$W/p-dup"
expect 400 "rv: duplicate member" "${C1[@]}" -H "$CTV" --data-binary @"$W/p-dup" "$RURL/requestvoucher"
pvr_json "$S1" proximity >"$W/p-ok.json"
sign_json "$W/p-ok.json" "$P2/idevid.crt" "$P2/idevid.key" "$W/p-wrongkey"
expect 403 "rv: PVR signed by another pledge" "${C1[@]}" -H "$CTV" --data-binary @"$W/p-wrongkey" "$RURL/requestvoucher"
sign_json "$W/p-ok.json" "$P1/idevid.crt" "$P1/idevid.key" "$W/p-ok"
expect 200 "rv: OpenSSL-signed PVR" "${C1[@]}" -H "$CTV" --data-binary @"$W/p-ok" "$RURL/requestvoucher"

# ------------------------------------------------ EST matrix
expect 401 "enroll: no client cert" -H 'Content-Type: application/pkcs10' --data-binary @"$W/csr.b64" "$EURL/simpleenroll"
expect 415 "enroll: wrong content type" "${C1[@]}" -H 'Content-Type: text/plain' --data-binary @"$W/csr.b64" "$EURL/simpleenroll"
expect 400 "enroll: bad base64" "${C1[@]}" -H 'Content-Type: application/pkcs10' --data-binary @"$W/badb64" "$EURL/simpleenroll"
expect 400 "enroll: binary DER body" "${C1[@]}" -H 'Content-Type: application/pkcs10' --data-binary @"$W/csr.der" "$EURL/simpleenroll"
expect 400 "enroll: empty body" "${C1[@]}" -H 'Content-Type: application/pkcs10' --data-binary '' "$EURL/simpleenroll"
cp "$W/csr.der" "$W/csr-flip.der"
CSZ=$(stat -c %s "$W/csr.der")
printf '\x01' | dd of="$W/csr-flip.der" bs=1 seek=$((CSZ - 2)) conv=notrunc 2>/dev/null
base64 -w 64 "$W/csr-flip.der" >"$W/csr-flip.b64"
expect 400 "enroll: CSR with a bad self-signature" "${C1[@]}" -H 'Content-Type: application/pkcs10' --data-binary @"$W/csr-flip.b64" "$EURL/simpleenroll"
expect 413 "enroll: 100 KB body" "${C1[@]}" -H 'Content-Type: application/pkcs10' --data-binary @"$W/big" "$EURL/simpleenroll"
expect 405 "enroll: GET" "${C1[@]}" "$EURL/simpleenroll"
expect 403 "enroll: foreign IDevID" --cert "$W/foreign.crt" --key "$W/foreign.key" -H 'Content-Type: application/pkcs10' \
    --data-binary @"$W/csr.b64" "$EURL/simpleenroll"
expect 403 "enroll: pledge 2 has no voucher" --cert "$P2/idevid.crt" --key "$P2/idevid.key" \
    -H 'Content-Type: application/pkcs10' --data-binary @"$W/csr.b64" "$EURL/simpleenroll"
openssl req -new -key "$P1/idevid.key" -subj "/CN=x" -outform DER | base64 -w 64 >"$W/csr-idkey.b64"
expect 403 "enroll: CSR reuses the IDevID key" "${C1[@]}" -H 'Content-Type: application/pkcs10' \
    --data-binary @"$W/csr-idkey.b64" "$EURL/simpleenroll"
openssl req -new -key "$W/ld.key" -subj "/CN=x" -sha1 -outform DER | base64 -w 64 >"$W/csr-sha1.b64"
expect 400 "enroll: SHA-1 CSR signature" "${C1[@]}" -H 'Content-Type: application/pkcs10' \
    --data-binary @"$W/csr-sha1.b64" "$EURL/simpleenroll"
expect 403 "reenroll: with an IDevID" "${C1[@]}" -H 'Content-Type: application/pkcs10' --data-binary @"$W/csr.b64" "$EURL/simplereenroll"
expect 401 "reenroll: no client cert" -H 'Content-Type: application/pkcs10' --data-binary @"$W/csr.b64" "$EURL/simplereenroll"
expect 405 "cacerts: POST" -H 'Content-Type: application/pkcs10' --data-binary @"$W/csr.b64" "$EURL/cacerts"
expect 405 "csrattrs: DELETE" -X DELETE "$EURL/csrattrs"
expect 404 "est: unknown path" "$EURL/serverkeygen"

# ------------------------------------------------ telemetry matrix
J=(-H 'Content-Type: application/json')
expect 401 "status: no client cert" "${J[@]}" --data '{"version":1,"status":true}' "$RURL/voucher_status"
expect 415 "status: text/plain" "${C1[@]}" -H 'Content-Type: text/plain' --data '{"version":1,"status":true}' "$RURL/voucher_status"
expect 400 "status: not JSON" "${C1[@]}" "${J[@]}" --data 'nope' "$RURL/voucher_status"
expect 400 "status: missing status" "${C1[@]}" "${J[@]}" --data '{"version":1}' "$RURL/voucher_status"
expect 400 "status: status is a string" "${C1[@]}" "${J[@]}" --data '{"version":1,"status":"true"}' "$RURL/voucher_status"
expect 400 "status: version is a string" "${C1[@]}" "${J[@]}" --data '{"version":"1","status":true}' "$RURL/enrollstatus"
expect 400 "status: reason-context not a map" "${C1[@]}" "${J[@]}" --data '{"version":1,"status":true,"reason-context":3}' "$RURL/enrollstatus"
expect 400 "status: duplicate key" "${C1[@]}" "${J[@]}" --data '{"version":1,"status":true,"status":false}' "$RURL/enrollstatus"
expect 400 "status: JSON array" "${C1[@]}" "${J[@]}" --data '[1,2]' "$RURL/voucher_status"
head -c 5000 /dev/zero | tr '\0' ' ' >"$W/5k"
expect 413 "status: 5 KB body" "${C1[@]}" "${J[@]}" --data-binary @"$W/5k" "$RURL/voucher_status"
expect 403 "status: foreign IDevID" --cert "$W/foreign.crt" --key "$W/foreign.key" "${J[@]}" \
    --data '{"version":1,"status":true}' "$RURL/voucher_status"
expect 405 "status: GET" "${C1[@]}" "$RURL/enrollstatus"

# ------------------------------------------------ still serving, audit, stop
expect 200 "registrar still serving" "$EURL/cacerts"
expect 405 "masa still serving" "$MURL/requestvoucher"
"$PLEDGE" make-pvr --cert "$P1/idevid.crt" --key "$P1/idevid.key" \
    --registrar-cert "$D/domain/registrar.crt" --out "$W/pvr3" >/dev/null || fail make-pvr
expect 200 "registrar requestvoucher after the matrix" "${C1[@]}" -H "$CTV" --data-binary @"$W/pvr3" "$RURL/requestvoucher"

grep -q 'POST /.well-known/brski/requestvoucher 403' "$W/reg.log" || fail "no per-request log line"
REFUSED="$(sqlite3 "$D/registrar.db" "SELECT count(*) FROM audit WHERE outcome='refused'")"
[ "$REFUSED" -ge 30 ] || fail "registrar audited only $REFUSED refusals"
MREF="$(sqlite3 "$D/masa.db" "SELECT count(*) FROM audit WHERE outcome='refused'")"
[ "$MREF" -ge 8 ] || fail "masa audited only $MREF refusals"
[ "$(sqlite3 "$D/masa.db" "SELECT count(*) FROM vouchers WHERE serial='$S1'")" -ge 3 ] || fail "masa vouchers not stored"

kill -TERM "$MPID" "$RPID"
for p in "$MPID" "$RPID"; do
    for i in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    ! kill -0 "$p" 2>/dev/null || fail "server $p did not stop on SIGTERM"
    wait "$p" || fail "server $p exited non-zero after SIGTERM"
done
PIDS=()
grep -q 'stopped' "$W/masa.log" || fail "masa stop not logged"

# ------------------------------------------------ allow lists (MASA ownership, registrar admission)
sed -i "s|^db = masa.db|&\nownership = allow-list\nownership_file = owners.txt|" "$D/masa.ini"
printf '# serial domain-CA\n%s domain/ca.crt\n' "$S1" >"$D/owners.txt"
sed -i "s|^enroll_policy = .*|enroll_policy = allow-list\nallow_file = admitted.txt|" "$D/registrar.ini"
printf '%s\n' "$S1" >"$D/admitted.txt"
"$MASA" serve --config "$D/masa.ini" >>"$W/masa.log" 2>&1 &
MPID=$!
"$REG" serve --config "$D/registrar.ini" >>"$W/reg.log" 2>&1 &
RPID=$!
PIDS=("$MPID" "$RPID")
wait_up "$EURL/cacerts"
wait_up "https://127.0.0.1:$MPORT/"
"$PLEDGE" make-pvr --cert "$P1/idevid.crt" --key "$P1/idevid.key" \
    --registrar-cert "$D/domain/registrar.crt" --out "$W/pvr4" >/dev/null || fail make-pvr
expect 200 "allow-list: owned and admitted pledge" "${C1[@]}" -H "$CTV" --data-binary @"$W/pvr4" "$RURL/requestvoucher"
"$PLEDGE" make-pvr --cert "$P2/idevid.crt" --key "$P2/idevid.key" \
    --registrar-cert "$D/domain/registrar.crt" --out "$W/pvr5" >"$W/pvr5.out" || fail make-pvr
expect 403 "allow-list: pledge 2 not admitted by the registrar" --cert "$P2/idevid.crt" --key "$P2/idevid.key" \
    -H "$CTV" --data-binary @"$W/pvr5" "$RURL/requestvoucher"
grep -q "not admitted" "$W/body" || fail "registrar refusal reason: $(cat "$W/body")"
make_rvr "$W/rvr-s2" "$S2" "$(sed -n 's/^nonce: //p' "$W/pvr5.out")" "$W/pvr5"
expect 403 "allow-list: pledge 2 not owned at the MASA" -H "$CTV" --data-binary @"$W/rvr-s2" "$MURL/requestvoucher"
grep -q "not owned" "$W/body" || fail "masa refusal reason: $(cat "$W/body")"
kill -TERM "$MPID"
wait "$MPID" || fail "masa exit after SIGTERM"
"$PLEDGE" make-pvr --cert "$P1/idevid.crt" --key "$P1/idevid.key" \
    --registrar-cert "$D/domain/registrar.crt" --out "$W/pvr6" >/dev/null || fail make-pvr
expect 502 "MASA down: registrar answers bad gateway" "${C1[@]}" -H "$CTV" --data-binary @"$W/pvr6" "$RURL/requestvoucher"
kill -TERM "$RPID"
wait "$RPID" || fail "registrar exit after SIGTERM"
# The MASA's TLS certificate must chain to the [anchor masa-tls] anchor (purpose tls).
awk '/^\[anchor masa-tls\]/{t=1} t&&/^file = /{$0="file = domain/ca.crt"; t=0} {print}' \
    "$D/registrar.ini" >"$D/registrar-pin.ini"
grep -q 'file = domain/ca.crt' "$D/registrar-pin.ini" || fail "could not edit the masa-tls anchor"
"$MASA" serve --config "$D/masa.ini" >>"$W/masa.log" 2>&1 &
MPID=$!
"$REG" serve --config "$D/registrar-pin.ini" >>"$W/reg.log" 2>&1 &
RPID=$!
PIDS=("$MPID" "$RPID")
wait_up "$EURL/cacerts"
wait_up "https://127.0.0.1:$MPORT/"
expect 502 "MASA TLS certificate not under the masa-tls anchor" "${C1[@]}" -H "$CTV" --data-binary @"$W/pvr6" "$RURL/requestvoucher"
grep -q "not trusted" "$W/body" || fail "pin refusal reason: $(cat "$W/body")"
kill -TERM "$MPID" "$RPID"
wait "$MPID" || fail "masa exit after SIGTERM"
wait "$RPID" || fail "registrar exit after SIGTERM"
PIDS=()
echo "requests checked: $N"

"$MASA" audit-verify --config "$D/masa.ini" >/dev/null || fail "masa audit-verify"
"$REG" audit-verify --config "$D/registrar.ini" >/dev/null || fail "registrar audit-verify"
sqlite3 "$D/registrar.db" "UPDATE audit SET reason='edited' WHERE seq=3"
rc=0
"$REG" audit-verify --config "$D/registrar.ini" >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "registrar audit-verify after tampering: exit $rc, expected 1"
sqlite3 "$D/masa.db" "DELETE FROM audit WHERE seq=2"
rc=0
"$MASA" audit-verify --config "$D/masa.ini" >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "masa audit-verify after deleting a row: exit $rc, expected 1"
for prog in "$MASA" "$REG"; do
    "$prog" serve --help | grep -q -- '--config' || fail "$prog serve --help"
    "$prog" audit-verify --help | grep -q -- '--config' || fail "$prog audit-verify --help"
    rc=0
    "$prog" serve --config "$W/nonexistent.ini" >/dev/null 2>&1 || rc=$?
    [ "$rc" = 2 ] || fail "$prog serve with a missing config: exit $rc"
done
sed 's/^db = masa.db/&\nvoucher_lifetme = 60/' "$D/masa.ini" >"$D/masa-typo.ini"
rc=0
timeout 20 "$MASA" serve --config "$D/masa-typo.ini" >/dev/null 2>"$W/typo.err" || rc=$?
[ "$rc" = 2 ] && grep -q "unknown key 'voucher_lifetme'" "$W/typo.err" || fail "masa serve with a typo in its config: exit $rc"
rc=0
"$MASA" audit-verify >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "audit-verify without --config: exit $rc"
echo "PASS"
