#!/usr/bin/env bash
# The EST CA decision over the demo PKI of `brski-certs init`: each pledge
# makes a fresh key and an openssl CSR, the domain CA issues its LDevID
# (subject serialNumber = the IDevID's), and OpenSSL verifies the result
# against the domain CA. Covers P-256 with 2 levels and Ed25519 with 3.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
TOOL="$BRSKI_BIN/tests/tools/est_tool"
work_dir est

run() {
    local alg="$1" levels="$2" keyalg="$3" d="$W/$1"
    "$CERTS" init --dir "$d" --alg "$alg" --levels "$levels" --pledges 2 >/dev/null
    # /cacerts: the domain CA as certs-only, read back by OpenSSL.
    "$TOOL" certs-only --base64 "$d/cacerts.b64" "$d/domain/ca.crt"
    tr -d '\r' <"$d/cacerts.b64" | base64 -d | openssl pkcs7 -inform DER -print_certs 2>/dev/null |
        grep -q "^subject=" || fail "$alg: cacerts not readable by openssl pkcs7"
    local n=0
    for p in "$d"/pledges/*/; do
        local serial
        serial="$(basename "$p")"
        if [ "$keyalg" = ec ]; then
            openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$p/ldevid.key" \
                2>/dev/null
        else
            openssl genpkey -algorithm ED25519 -out "$p/ldevid.key" 2>/dev/null
        fi
        openssl req -new -key "$p/ldevid.key" -subj "/CN=pledge" -outform DER 2>/dev/null |
            base64 -w 64 | sed 's/$/\r/' >"$p/csr.b64"
        "$TOOL" enroll "$d/domain/ca.crt" "$d/domain/ca.key" "$p/idevid.crt" "$p/csr.b64" \
            "$p/ldevid.der" || fail "$alg: enroll of $serial"
        openssl x509 -inform DER -in "$p/ldevid.der" -out "$p/ldevid.pem"
        openssl verify -CAfile "$d/domain/ca.crt" "$p/ldevid.pem" >/dev/null ||
            fail "$alg: LDevID of $serial does not verify against the domain CA"
        openssl verify -CAfile "$d/manufacturer/root.crt" "$p/ldevid.pem" >/dev/null 2>&1 &&
            fail "$alg: LDevID verifies against the manufacturer root"
        local subj
        subj="$(openssl x509 -in "$p/ldevid.pem" -noout -subject -nameopt RFC2253)"
        [ "$subj" = "subject=serialNumber=$serial,CN=pledge" ] || fail "$alg: subject $subj"
        # The IDevID key itself is refused for the LDevID (RFC 8995 5.9.2).
        openssl req -new -key "$p/idevid.key" -subj "/CN=pledge" -outform DER -out "$p/reuse.der" \
            2>/dev/null
        if "$TOOL" enroll "$d/domain/ca.crt" "$d/domain/ca.key" "$p/idevid.crt" "$p/reuse.der" \
            "$p/x.der" 2>/dev/null; then
            fail "$alg: IDevID key accepted for the LDevID"
        fi
        n=$((n + 1))
    done
    [ "$n" = 2 ] || fail "$alg: expected 2 pledges, enrolled $n"
    echo "ok $alg levels=$levels: $n LDevIDs verified"
}

run p256 2 ec
run ed25519 3 ed25519
