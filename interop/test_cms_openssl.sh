#!/usr/bin/env bash
# CMS voucher interop with OpenSSL in both directions (RFC 8366 5.4, RFC 8995 5.2):
#  - `openssl cms -verify` accepts vouchers and voucher-requests we sign;
#  - we accept vouchers OpenSSL signs with eContentType id-ct-animaJSONVoucher and id-data;
#  - Ed25519 (RFC 8419) both ways with GnuTLS certtool, which OpenSSL 3.0 cannot do;
#  - and we reject detached, wrongly signed, wrong-nonce, expired and wrong-serial vouchers.
set -u
: "${BRSKI_BIN:?}"
MASA=$BRSKI_BIN/masa/brski-masa
PLEDGE=$BRSKI_BIN/pledge/brski-pledge
REG=$BRSKI_BIN/registrar/brski-registrar
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
expect() { # expect RC NAME CMD...
    local want=$1 name=$2
    shift 2
    "$@" >"$T/out.txt" 2>"$T/err.txt"
    local rc=$?
    if [ "$rc" -eq "$want" ]; then ok "$name"; else
        bad "$name (rc $rc, want $want)"
        cat "$T/err.txt"
    fi
}

# A small PKI made with OpenSSL: manufacturer root -> MASA signer and IDevID; domain CA -> registrar.
ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null && chmod 600 "$1"; }
ec root.key; ec masa.key; ec idevid.key; ec domain.key; ec registrar.key; ec rogue.key
openssl req -x509 -new -key root.key -subj "/CN=Interop Manufacturer Root" -days 3650 \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -out root.crt 2>/dev/null
openssl req -x509 -new -key domain.key -subj "/CN=Interop Domain CA" -days 3650 \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -out domain.crt 2>/dev/null
issue() { # issue KEY SUBJ CA CAKEY OUT EXT
    openssl req -new -key "$1" -subj "$2" -out "$5.csr" 2>/dev/null
    printf '%b' "$6" >"$5.ext"
    openssl x509 -req -in "$5.csr" -CA "$3" -CAkey "$4" -CAcreateserial -days 365 \
        -extfile "$5.ext" -out "$5" 2>/dev/null
}
issue masa.key "/CN=Interop MASA" root.crt root.key masa.crt \
    "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
issue idevid.key "/CN=Interop Pledge/serialNumber=IOP-0001" root.crt root.key idevid.crt \
    "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
issue registrar.key "/CN=registrar.example" domain.crt domain.key registrar.crt \
    "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth,1.3.6.1.5.5.7.3.28\n"
openssl req -x509 -new -key rogue.key -subj "/CN=Interop MASA" -days 365 -out rogue.crt 2>/dev/null
for f in root.crt masa.crt idevid.crt registrar.crt domain.crt rogue.crt; do
    [ -s "$f" ] || { echo "FAIL could not make $f with openssl"; exit 1; }
done

NONCE=AAECAwQFBgcICQoLDA0ODw==
# 1. We sign a voucher; OpenSSL verifies it (structure only, then against the anchor).
expect 0 "sign-voucher" "$MASA" sign-voucher --key masa.key --cert masa.crt --serial IOP-0001 \
    --pinned-domain-cert domain.crt --nonce "$NONCE" --assertion proximity --out voucher.p7
expect 0 "openssl cms -verify -noverify (our voucher)" \
    openssl cms -verify -inform DER -in voucher.p7 -binary -noverify -out voucher.json
expect 0 "openssl cms -verify -CAfile (our voucher)" \
    openssl cms -verify -inform DER -in voucher.p7 -binary -CAfile root.crt -purpose any -out v2.json
if openssl cms -cmsout -print -inform DER -in voucher.p7 | grep -q "eContentType: .*1.2.840.113549.1.9.16.1.40"; then
    ok "our voucher carries id-ct-animaJSONVoucher"
else bad "our voucher eContentType"; fi
if grep -q '"ietf-voucher:voucher"' voucher.json && grep -q "\"nonce\":\"$NONCE\"" voucher.json; then
    ok "openssl extracts our voucher JSON"
else bad "voucher JSON content"; fi
expect 0 "verify-voucher (our voucher)" "$PLEDGE" verify-voucher --voucher voucher.p7 \
    --masa-anchor root.crt --serial IOP-0001 --nonce "$NONCE"
expect 1 "verify-voucher wrong nonce" "$PLEDGE" verify-voucher --voucher voucher.p7 \
    --masa-anchor root.crt --serial IOP-0001 --nonce AAECAwQFBgcICQoLDA0ODg==
expect 1 "verify-voucher wrong serial" "$PLEDGE" verify-voucher --voucher voucher.p7 \
    --masa-anchor root.crt --serial IOP-0002 --nonce "$NONCE"
expect 1 "verify-voucher after the signer expired" "$PLEDGE" verify-voucher --voucher voucher.p7 \
    --masa-anchor root.crt --serial IOP-0001 --nonce "$NONCE" --at 2100-01-01T00:00:00Z
expect 1 "verify-voucher wrong anchor" "$PLEDGE" verify-voucher --voucher voucher.p7 \
    --masa-anchor domain.crt --serial IOP-0001 --nonce "$NONCE"
expect 0 "sign-voucher --format cose" "$MASA" sign-voucher --key masa.key \
    --cert masa.crt --serial IOP-0001 --pinned-domain-cert domain.crt --format cose --out x.cose
expect 2 "sign-voucher --format bogus" "$MASA" sign-voucher --key masa.key \
    --cert masa.crt --serial IOP-0001 --pinned-domain-cert domain.crt --format json --out x.p7

# 1b. Ed25519 MASA key (our own SignedData encoder, RFC 8419).
openssl genpkey -algorithm ED25519 -out ed.key 2>/dev/null && chmod 600 ed.key
issue ed.key "/CN=Interop MASA Ed25519" root.crt root.key ed.crt \
    "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
expect 0 "sign-voucher (Ed25519)" "$MASA" sign-voucher --key ed.key --cert ed.crt --serial IOP-0001 \
    --pinned-domain-cert domain.crt --nonce "$NONCE" --out ed-voucher.p7
# OpenSSL 3.0 cannot verify or produce Ed25519 CMS ("invalid digest"); GnuTLS can.
if command -v certtool >/dev/null; then
    expect 0 "certtool --p7-verify (our Ed25519 voucher)" certtool --p7-verify --inder \
        --infile ed-voucher.p7 --load-ca-certificate root.crt
    expect 0 "certtool --p7-sign --p7-time (Ed25519)" certtool --p7-sign --p7-time \
        --load-privkey ed.key --load-certificate ed.crt --infile voucher.json --outder \
        --outfile gnutls-ed.p7
    expect 0 "verify-voucher (GnuTLS, Ed25519, id-data)" "$PLEDGE" verify-voucher \
        --voucher gnutls-ed.p7 --masa-anchor root.crt --serial IOP-0001 --nonce "$NONCE"
    expect 0 "certtool --p7-sign without signed attributes" certtool --p7-sign \
        --load-privkey ed.key --load-certificate ed.crt --infile voucher.json --outder \
        --outfile gnutls-noattr.p7
    expect 1 "verify-voucher rejects missing signedAttrs (rfc8366bis 7.1)" "$PLEDGE" \
        verify-voucher --voucher gnutls-noattr.p7 --masa-anchor root.crt --serial IOP-0001 \
        --nonce "$NONCE"
fi
expect 0 "verify-voucher (our Ed25519 voucher)" "$PLEDGE" verify-voucher --voucher ed-voucher.p7 \
    --masa-anchor root.crt --serial IOP-0001 --nonce "$NONCE"

# 2. We sign a PVR; OpenSSL and our registrar check verify it.
expect 0 "make-pvr" "$PLEDGE" make-pvr --cert idevid.crt --key idevid.key \
    --registrar-cert registrar.crt --out pvr.p7
expect 0 "openssl cms -verify -noverify (our PVR)" \
    openssl cms -verify -inform DER -in pvr.p7 -binary -noverify -out pvr.json
expect 0 "openssl cms -verify -CAfile (our PVR)" \
    openssl cms -verify -inform DER -in pvr.p7 -binary -CAfile root.crt -purpose any -out /dev/null
expect 0 "verify-pvr (our PVR)" "$REG" verify-pvr --pvr pvr.p7 --idevid-anchor root.crt \
    --registrar-cert registrar.crt
if grep -q '"ietf-voucher-request:voucher"' pvr.json && grep -q '"assertion":"proximity"' pvr.json; then
    ok "PVR JSON content"
else bad "PVR JSON content"; fi
expect 1 "verify-pvr other registrar" "$REG" verify-pvr --pvr pvr.p7 --idevid-anchor root.crt \
    --registrar-cert domain.crt
expect 1 "verify-pvr wrong manufacturer anchor" "$REG" verify-pvr --pvr pvr.p7 \
    --idevid-anchor domain.crt

# 3. OpenSSL signs; we verify (id-ct-animaJSONVoucher and id-data).
expect 0 "openssl cms -sign -econtent_type voucher" openssl cms -sign -in voucher.json \
    -signer masa.crt -inkey masa.key -nodetach -binary -md sha256 -outform DER \
    -econtent_type 1.2.840.113549.1.9.16.1.40 -out ossl-voucher.p7
expect 0 "verify-voucher (openssl, id-ct-animaJSONVoucher)" "$PLEDGE" verify-voucher \
    --voucher ossl-voucher.p7 --masa-anchor root.crt --serial IOP-0001 --nonce "$NONCE"
expect 0 "openssl cms -sign (id-data)" openssl cms -sign -in voucher.json -signer masa.crt \
    -inkey masa.key -nodetach -binary -md sha256 -outform DER -out ossl-data.p7
expect 0 "verify-voucher (openssl, id-data)" "$PLEDGE" verify-voucher --voucher ossl-data.p7 \
    --masa-anchor root.crt --serial IOP-0001 --nonce "$NONCE"
expect 0 "openssl cms -sign with chain" openssl cms -sign -in voucher.json -signer masa.crt \
    -inkey masa.key -certfile root.crt -nodetach -binary -md sha384 -outform DER \
    -econtent_type 1.2.840.113549.1.9.16.1.40 -out ossl-chain.p7
expect 0 "verify-voucher (openssl, chain, sha384)" "$PLEDGE" verify-voucher \
    --voucher ossl-chain.p7 --masa-anchor root.crt --serial IOP-0001 --nonce "$NONCE"
# Negative: detached content, a self-signed impostor, trailing garbage, base64 text.
expect 0 "openssl cms -sign detached" openssl cms -sign -in voucher.json -signer masa.crt \
    -inkey masa.key -binary -outform DER -out ossl-detached.p7
expect 1 "verify-voucher rejects detached content" "$PLEDGE" verify-voucher \
    --voucher ossl-detached.p7 --masa-anchor root.crt --serial IOP-0001 --nonce "$NONCE"
openssl cms -sign -in voucher.json -signer rogue.crt -inkey rogue.key -nodetach -binary \
    -outform DER -out rogue.p7 2>/dev/null
expect 1 "verify-voucher rejects an impostor MASA" "$PLEDGE" verify-voucher --voucher rogue.p7 \
    --masa-anchor root.crt --serial IOP-0001 --nonce "$NONCE"
{ cat ossl-voucher.p7; printf '\0'; } >trailing.p7
expect 1 "verify-voucher rejects trailing bytes" "$PLEDGE" verify-voucher --voucher trailing.p7 \
    --masa-anchor root.crt --serial IOP-0001 --nonce "$NONCE"
base64 ossl-voucher.p7 >b64.txt
expect 1 "verify-voucher rejects base64 text" "$PLEDGE" verify-voucher --voucher b64.txt \
    --masa-anchor root.crt --serial IOP-0001 --nonce "$NONCE"
expect 2 "verify-voucher missing --serial" "$PLEDGE" verify-voucher --voucher voucher.p7 \
    --masa-anchor root.crt

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
