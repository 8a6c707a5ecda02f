#!/bin/bash
# EST encodings and the LDevID CA decision against OpenSSL (RFC 7030, RFC 8951,
# RFC 8995 5.9.2): our certs-only is read by `openssl pkcs7`, OpenSSL's
# crl2pkcs7 output is read by us, CRLF base64 bodies decode, openssl CSRs are
# accepted (a tampered one is not) and the issued LDevID passes `openssl verify`.
set -euo pipefail
TOOL="${BRSKI_BIN:?}/tests/tools/est_tool"
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
cd "$T"
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
o() { openssl "$@" 2>/dev/null; }

# A two-level domain PKI and a manufacturer-issued IDevID with serialNumber.
o ecparam -name prime256v1 -genkey -noout -out root.key
o req -x509 -new -key root.key -subj "/O=Example Domain/CN=Domain Root" -days 30 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
  -addext subjectKeyIdentifier=hash -out root.pem
o ecparam -name prime256v1 -genkey -noout -out ca.key
o req -new -key ca.key -subj "/O=Example Domain/CN=Registrar CA" -out ca.csr
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' > ca.ext
o x509 -req -in ca.csr -CA root.pem -CAkey root.key -CAcreateserial -days 30 -extfile ca.ext -out ca.pem
o x509 -in ca.pem -outform DER -out ca.der
o x509 -in root.pem -outform DER -out root.der
o ecparam -name prime256v1 -genkey -noout -out mfg.key
o req -x509 -new -key mfg.key -subj "/O=Vendor/CN=Vendor CA" -days 30 \
  -addext basicConstraints=critical,CA:TRUE -addext subjectKeyIdentifier=hash -out mfg.pem
o ecparam -name prime256v1 -genkey -noout -out idevid.key
o req -new -key idevid.key -subj "/O=Vendor/CN=Pledge/serialNumber=SN-4711" -out idevid.csr
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n' > ee.ext
o x509 -req -in idevid.csr -CA mfg.pem -CAkey mfg.key -CAcreateserial -days 30 -extfile ee.ext \
  -outform DER -out idevid.der
cat ca.pem root.pem > chain.pem

# 1. Our certs-only (binary and base64 body) read by openssl pkcs7.
"$TOOL" certs-only out.p7 ca.der root.der
n=$(o pkcs7 -inform DER -in out.p7 -print_certs | grep -c '^subject=' || true)
subj=$(o pkcs7 -inform DER -in out.p7 -print_certs | grep '^subject=' | head -n 1)
[ "$n" = 2 ] && [[ "$subj" == *"Registrar CA"* ]] && ok "openssl pkcs7 reads our certs-only (2 certs, order kept)" \
  || bad "openssl pkcs7 on our certs-only: n=$n first=$subj"
"$TOOL" certs-only --base64 out.b64 ca.der root.der
if grep -q $'\r$' out.b64 && [ "$(awk '{ if (length($0) > 65) print }' out.b64 | wc -l)" = 0 ] &&
   tr -d "\r" < out.b64 | base64 -d | cmp -s - out.p7; then ok "base64 body: CRLF lines of 64, decodes to the same DER"
else bad "base64 body format"; fi
o pkcs7 -inform DER -in <(tr -d "\r" < out.b64 | base64 -d) -print_certs -out b64certs.pem && \
  [ "$(grep -c BEGIN b64certs.pem)" = 2 ] && ok "openssl reads the base64 body after decoding" \
  || bad "openssl on decoded base64 body"

# 2. OpenSSL's crl2pkcs7 parsed by us, byte-equal certificates, both encodings.
o crl2pkcs7 -nocrl -certfile chain.pem -outform DER -out ossl.p7
if [ "$("$TOOL" parse ossl.p7 got)" = 2 ] && cmp -s got0.der ca.der && cmp -s got1.der root.der; then
  ok "crl2pkcs7 output parsed, certificates byte-equal"; else bad "crl2pkcs7 parse"; fi
cmp -s ossl.p7 out.p7 && ok "our encoding is byte-identical to crl2pkcs7" || bad "encoding differs from crl2pkcs7"
base64 -w 64 ossl.p7 | sed 's/$/\r/' > ossl.b64
[ "$("$TOOL" parse ossl.b64 gotb)" = 2 ] && cmp -s gotb0.der ca.der && ok "CRLF base64 of crl2pkcs7 parsed" \
  || bad "CRLF base64 parse"
head -c 500 ossl.p7 > trunc.p7
if "$TOOL" parse trunc.p7 x 2>err.txt; then bad "truncated PKCS#7 accepted"
elif grep -q "does not decode\|malformed" err.txt; then ok "truncated PKCS#7 rejected (malformed)"
else bad "truncated PKCS#7: $(cat err.txt)"; fi

# 3. CRLF base64 body of an openssl CSR.
o ecparam -name prime256v1 -genkey -noout -out k.pem
o req -new -key k.pem -subj /CN=x -outform DER -out csr.der
base64 -w 64 csr.der | sed 's/$/\r/' > csr.b64
"$TOOL" body-decode csr.b64 csr2.der && cmp -s csr.der csr2.der && ok "CRLF base64 CSR body decodes" \
  || bad "CSR body decode"
printf 'MIIB!!!!\r\n' > badb64.txt
"$TOOL" body-decode badb64.txt x.der 2>/dev/null && bad "bad base64 accepted" || ok "bad base64 rejected"

# 4. Enroll: openssl CSR -> LDevID that openssl verify accepts.
if "$TOOL" enroll ca.der ca.key idevid.der csr.b64 ldevid.der; then
  o x509 -inform DER -in ldevid.der -out ldevid.pem
  if o verify -CAfile root.pem -untrusted ca.pem ldevid.pem | grep -q ': OK'; then
    ok "issued LDevID passes openssl verify"; else bad "openssl verify on LDevID"; fi
  o verify -CAfile root.pem -untrusted ca.pem -purpose sslclient ldevid.pem | grep -q ': OK' \
    && ok "LDevID valid for TLS client auth" || bad "LDevID purpose sslclient"
  subj=$(o x509 -in ldevid.pem -noout -subject -nameopt RFC2253)
  [ "$subj" = "subject=serialNumber=SN-4711,CN=x" ] && ok "subject from CSR, serialNumber from IDevID ($subj)" \
    || bad "subject: $subj"
  text=$(o x509 -in ldevid.pem -noout -text)
  grep -q "TLS Web Client Authentication" <<<"$text" && ! grep -q "Server Authentication" <<<"$text" \
    && grep -q "Digital Signature, Key Agreement" <<<"$text" && ok "KU/EKU as specified" || bad "KU/EKU"
  ski=$(o x509 -in ca.pem -noout -ext subjectKeyIdentifier | tail -n 1 | tr -d ' ')
  aki=$(o x509 -in ldevid.pem -noout -ext authorityKeyIdentifier | grep -v Authority | tr -d ' ' | sed 's/^keyid://')
  [ -n "$ski" ] && [ "$ski" = "$aki" ] && ok "AKI = CA SKI" || bad "AKI $aki vs SKI $ski"
  serial=$(o x509 -in ldevid.pem -noout -serial | cut -d= -f2)
  [ ${#serial} = 32 ] && ok "16-byte serial $serial" || bad "serial $serial"
else bad "enroll of an openssl CSR"; fi

# Ed25519 CSR, serverAuth added by configuration.
o genpkey -algorithm ed25519 -out ed.key
o req -new -key ed.key -subj "/O=Pledge/CN=ed" -outform DER -out ed.der
if "$TOOL" enroll --server-auth ca.der ca.key idevid.der ed.der ed.crt.der; then
  o x509 -inform DER -in ed.crt.der -out ed.pem
  text=$(o x509 -in ed.pem -noout -text)
  o verify -CAfile root.pem -untrusted ca.pem ed.pem | grep -q ': OK' && grep -q ED25519 <<<"$text" \
    && grep -q "TLS Web Server Authentication" <<<"$text" && ! grep -q "Key Agreement" <<<"$text" \
    && ok "Ed25519 LDevID with serverAuth passes openssl verify" || bad "Ed25519 LDevID"
else bad "enroll of an Ed25519 CSR"; fi

# 5. Rejections.
python3 -c "import sys; d=bytearray(open('csr.der','rb').read()); d[-1]^=1; open('badsig.der','wb').write(d)"
if "$TOOL" enroll ca.der ca.key idevid.der badsig.der x.der 2>err.txt; then bad "bad CSR signature accepted"
elif grep -q "signature or chain" err.txt; then ok "CSR with flipped signature byte rejected (crypto)"
else bad "bad signature: $(cat err.txt)"; fi
o req -new -key idevid.key -subj /CN=x -outform DER -out reuse.der
"$TOOL" enroll ca.der ca.key idevid.der reuse.der x.der 2>/dev/null && bad "IDevID key reuse accepted" \
  || ok "CSR with the IDevID key rejected"
o genrsa -out weak.key 1024
o req -new -key weak.key -subj /CN=x -outform DER -out weak.der
"$TOOL" enroll ca.der ca.key idevid.der weak.der x.der 2>/dev/null && bad "RSA-1024 accepted" \
  || ok "RSA-1024 CSR rejected"
# Reenroll: with the LDevID, same subject -> new cert; with the IDevID -> refused.
o req -new -key k.pem -subj "/CN=x/serialNumber=SN-4711" -outform DER -out re.der
"$TOOL" enroll --reenroll ca.der ca.key ldevid.der re.der re.crt.der && \
  o verify -CAfile root.pem -untrusted ca.pem <(o x509 -inform DER -in re.crt.der) | grep -q ': OK' \
  && ok "simplereenroll with the LDevID" || bad "simplereenroll"
"$TOOL" enroll --reenroll ca.der ca.key idevid.der re.der x.der 2>/dev/null \
  && bad "reenroll with a foreign certificate accepted" || ok "reenroll with the IDevID refused"

echo "failures: $fails"
[ "$fails" = 0 ]
