#!/usr/bin/env bash
# brski-registrar serve with listen_coaps: CoAPS over DTLS 1.2 (RFC 9148) with
# coap-client-openssl as the pledge. GET /.well-known/est/crts (281, DER
# certs-only of the domain CA, also block-wise in 64-byte blocks, RFC 7959),
# /.well-known/core discovery (RFC 6690), 4.04 for an unknown path, 4.05 for a
# wrong method, 4.03 for a certificate outside the idevid anchors, a handshake
# refused without client certificate, clean SIGTERM.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
work_dir coap
FAIL_TAIL=20
COAP_TIMEOUT=20
COAP_WAIT=5

need_cmd coap-client-openssl libcoap3-bin

# One free TCP port (HTTPS) and one free UDP port (CoAPS) on loopback.
pick_ports RPORT:tcp CPORT:udp
D="$W/pki"
init_pki "$D" --pledges 1
listen_registrar "$D" "$RPORT" "$CPORT"
first_pledge "$D"

start_registrar "$D/registrar.ini" "$W/reg.log" "$CPORT"
RPID=$REG_PID

URI="coaps://127.0.0.1:$CPORT"
# 1. crts with the IDevID: DER certs-only holding exactly the domain CA.
coap -m get -c "$P/idevid.crt" -j "$P/idevid.key" -n -A 281 -o "$W/crts.der" "$URI/.well-known/est/crts"
[ -s "$W/crts.der" ] || { cat "$W/out" >&2; fail "crts: no payload"; }
openssl pkcs7 -inform DER -print_certs -in "$W/crts.der" >"$W/crts.pem" 2>/dev/null || fail "crts: not PKCS#7 DER"
[ "$(grep -c 'BEGIN CERTIFICATE' "$W/crts.pem")" = 1 ] || fail "crts: expected exactly one certificate"
want="$(openssl x509 -in "$D/domain/ca.crt" -noout -fingerprint -sha256)"
got="$(openssl x509 -in "$W/crts.pem" -noout -fingerprint -sha256)"
[ "$want" = "$got" ] || fail "crts: certificate is not the domain CA ($got)"
openssl x509 -in "$W/crts.pem" -noout -subject | grep -q "BRSKI Demo Domain CA" || fail "crts: subject"

# 2. Same resource in 64-byte Block2 blocks (RFC 7959): identical bytes.
coap -m get -c "$P/idevid.crt" -j "$P/idevid.key" -n -b 64 -o "$W/crts64.der" "$URI/.well-known/est/crts"
cmp -s "$W/crts.der" "$W/crts64.der" || { cat "$W/out" >&2; fail "block-wise crts differs"; }

# 3. Discovery.
coap -m get -c "$P/idevid.crt" -j "$P/idevid.key" -n "$URI/.well-known/core"
grep -q '</.well-known/est/crts>' "$W/out" || { cat "$W/out" >&2; fail "core: crts not listed"; }
grep -q 'rt="ace.est.crts"' "$W/out" || fail "core: rt missing"
grep -q 'ct="281 287 62"' "$W/out" || fail "core: ct missing"

grep -q '</.well-known/est/att>;rt="ace.est.att";ct=285' "$W/out" || fail "core: att not listed"
# rt filter (RFC 6690 4.1): only the matching resource.
coap -m get -c "$P/idevid.crt" -j "$P/idevid.key" -n "$URI/.well-known/core?rt=ace.est.crts"
grep -q '</.well-known/est/crts>' "$W/out" || { cat "$W/out" >&2; fail "core?rt: crts missing"; }
! grep -q 'est/att' "$W/out" || fail "core?rt: att should be filtered out"

# CSR attributes (285): DER, the same bytes as the HTTPS body decodes to, a SEQUENCE.
coap -m get -c "$P/idevid.crt" -j "$P/idevid.key" -n -A 285 -o "$W/att.der" "$URI/.well-known/est/att"
[ -s "$W/att.der" ] || { cat "$W/out" >&2; fail "att: no payload"; }
openssl asn1parse -inform DER -in "$W/att.der" >"$W/att.txt" 2>&1 || fail "att: not DER"
head -n 1 "$W/att.txt" | grep -q 'SEQUENCE' || fail "att: not a SEQUENCE"
curl -sk --max-time 10 "https://127.0.0.1:$RPORT/.well-known/est/csrattrs" | tr -d "\r" | base64 -d >"$W/att-https.der" ||
    fail "att over HTTPS"
cmp -s "$W/att.der" "$W/att-https.der" || fail "att: CoAP and HTTPS bodies differ"
# Accept for a format the resource does not produce: 4.06.
coap -m get -c "$P/idevid.crt" -j "$P/idevid.key" -n -A 60 "$URI/.well-known/est/att"
grep -q '4\.06' "$W/out" || { cat "$W/out" >&2; fail "att Accept 60: expected 4.06"; }

# 4. Unknown path and wrong method.
coap -m get -c "$P/idevid.crt" -j "$P/idevid.key" -n "$URI/.well-known/est/nosuch"
grep -q '4\.04' "$W/out" || { cat "$W/out" >&2; fail "unknown path: expected 4.04"; }
coap -m post -c "$P/idevid.crt" -j "$P/idevid.key" -n "$URI/.well-known/est/crts"
grep -q '4\.05' "$W/out" || { cat "$W/out" >&2; fail "POST crts: expected 4.05"; }

# 5. A certificate no idevid anchor covers: handshake passes, our policy says 4.03.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/o.key" \
    -out "$W/o.crt" -subj /CN=stranger -days 2 2>/dev/null || fail "openssl req"
rm -f "$W/x.der"
coap -m get -c "$W/o.crt" -j "$W/o.key" -n -o "$W/x.der" "$URI/.well-known/est/crts"
grep -q '4\.03' "$W/out" || { cat "$W/out" >&2; fail "foreign cert: expected 4.03"; }
grep -q 'RFC 8995 5.3' "$W/out" || fail "foreign cert: diagnostic should cite RFC 8995 5.3"
[ ! -s "$W/x.der" ] || fail "foreign cert: got a payload"

# 6. No client certificate: the DTLS handshake is refused.
rm -f "$W/x.der"
coap -m get -n -o "$W/x.der" "$URI/.well-known/est/crts"
[ ! -s "$W/x.der" ] || fail "no cert: got a payload"
grep -qi 'handshake failure' "$W/out" || { cat "$W/out" >&2; fail "no cert: handshake not refused"; }
grep -q 'peer did not return a certificate' "$W/reg.log" || fail "no cert: registrar did not log the refusal"

# 7. Clean SIGTERM, no sanitizer report.
stop_server registrar "$RPID"
! grep -q 'Sanitizer' "$W/reg.log" || fail "sanitizer report in registrar log"
echo "ok: coaps crts, att, block-wise, discovery, 4.04/4.05/4.03, no-cert refusal"
