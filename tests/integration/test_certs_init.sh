#!/usr/bin/env bash
# brski-certs init: the demo PKI verifies with OpenSSL, carries the BRSKI
# extensions, keeps keys 0600 and rejects bad arguments cleanly.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
work_dir init

# verify_pki DIR LEVELS NPLEDGES
verify_pki() {
    local d="$1" levels="$2" n="$3"
    local untrusted=()
    if [ "$levels" = 3 ]; then
        [ -f "$d/manufacturer/intermediate.crt" ] || fail "$d: no intermediate"
        untrusted=(-untrusted "$d/manufacturer/intermediate.crt")
    else
        [ ! -e "$d/manufacturer/intermediate.crt" ] || fail "$d: unexpected intermediate"
    fi
    local count=0
    for p in "$d"/pledges/*/; do
        local serial
        serial="$(basename "$p")"
        [[ "$serial" =~ ^00-D0-E5-F2-[0-9A-F]{2}-[0-9A-F]{2}$ ]] || fail "bad serial dir $serial"
        openssl verify -CAfile "$d/manufacturer/root.crt" "${untrusted[@]}" "$p/idevid.crt" \
            >/dev/null || fail "IDevID $serial does not verify against the root"
        # Without the intermediate a 3-level IDevID must not verify.
        if [ "$levels" = 3 ]; then
            if openssl x509 -in "$p/idevid.crt" -out "$W/leaf.pem" &&
                openssl verify -CAfile "$d/manufacturer/root.crt" "$W/leaf.pem" \
                    >/dev/null 2>&1; then
                fail "3-level IDevID verified without its intermediate"
            fi
        fi
        cmp -s "$p/masa-anchor.crt" "$d/manufacturer/root.crt" || fail "masa-anchor is not the root"
        cmp -s "$p/masa-signer.crt" "$d/masa/signer.crt" || fail "masa-signer is not the MASA signer"
        local text
        text="$(openssl x509 -in "$p/idevid.crt" -noout -text)"
        grep -q "serialNumber = $serial" <<<"$text" || fail "IDevID lacks serialNumber $serial"
        grep -Eq "1\.3\.6\.1\.5\.5\.7\.1\.32|MASA" <<<"$text" || fail "IDevID lacks MASA URL ext"
        grep -q "127.0.0.1:9443" <<<"$text" || fail "IDevID MASA URL value missing"
        grep -q "Not After : Dec 31 23:59:59 9999 GMT" <<<"$text" || fail "IDevID notAfter"
        grep -q "Digital Signature" <<<"$text" || fail "IDevID keyUsage"
        # serialNumber is a PrintableString (tag 0x13) in the DER.
        openssl asn1parse -in "$p/idevid.crt" | grep -q "PRINTABLESTRING   :$serial" ||
            fail "serialNumber not PrintableString"
        openssl asn1parse -in "$p/idevid.crt" | grep -q "GENERALIZEDTIME   :99991231235959Z" ||
            fail "notAfter not GeneralizedTime 99991231235959Z"
        [ -f "$d/pledge-$serial.ini" ] || fail "no pledge-$serial.ini"
        grep -q "idevid_key = pledges/$serial/idevid.key" "$d/pledge-$serial.ini" ||
            fail "pledge ini does not point at the key"
        count=$((count + 1))
    done
    [ "$count" = "$n" ] || fail "$d: expected $n pledges, found $count"
    openssl verify -CAfile "$d/domain/ca.crt" "$d/domain/registrar.crt" >/dev/null ||
        fail "registrar does not verify against the domain CA"
    openssl verify -CAfile "$d/manufacturer/root.crt" "$d/masa/signer.crt" >/dev/null ||
        fail "MASA signer does not verify against the root"
    openssl verify -CAfile "$d/manufacturer/root.crt" "$d/masa/tls.crt" >/dev/null ||
        fail "MASA TLS cert does not verify against the root"
    # The registrar does not chain to the manufacturer.
    if openssl verify -CAfile "$d/manufacturer/root.crt" "$d/domain/registrar.crt" \
        >/dev/null 2>&1; then
        fail "registrar verified against the wrong root"
    fi
    local rtext
    rtext="$(openssl x509 -in "$d/domain/registrar.crt" -noout -text)"
    grep -Eq "1\.3\.6\.1\.5\.5\.7\.3\.28|CMC Registration Authority" <<<"$rtext" ||
        fail "registrar lacks cmcRA"
    grep -q "TLS Web Server Authentication" <<<"$rtext" || fail "registrar lacks serverAuth"
    grep -q "TLS Web Client Authentication" <<<"$rtext" || fail "registrar lacks clientAuth"
    grep -q "DNS:localhost" <<<"$rtext" || fail "registrar lacks SAN localhost"
    openssl x509 -in "$d/masa/tls.crt" -noout -text | grep -q "DNS:localhost" ||
        fail "MASA TLS lacks SAN localhost"
    # Every key is 0600 and matches its certificate.
    local keys
    keys="$(find "$d" -name '*.key')"
    [ -n "$keys" ] || fail "no keys"
    for k in $keys; do
        [ "$(stat -c %a "$k")" = 600 ] || fail "$k mode $(stat -c %a "$k")"
        local c="${k%.key}.crt"
        [ -f "$c" ] || fail "no certificate for $k"
        [ "$(openssl pkey -in "$k" -pubout)" = "$(openssl x509 -in "$c" -noout -pubkey)" ] ||
            fail "$k does not match $c"
    done
    for ini in masa.ini registrar.ini; do
        [ -f "$d/$ini" ] || fail "no $ini"
    done
    grep -q "listen = 127.0.0.1:9443" "$d/masa.ini" || fail "masa.ini listen"
    grep -q "listen_https = 127.0.0.1:8443" "$d/registrar.ini" || fail "registrar.ini https"
    grep -q "listen_coaps = 127.0.0.1:5684" "$d/registrar.ini" || fail "registrar.ini coaps"
    # Every relative file named in the INI files exists (db files are created later).
    for ini in "$d"/*.ini; do
        while IFS= read -r f; do
            [ -e "$d/$f" ] || fail "$ini names missing file $f"
        done < <(sed -n 's/^[a-z_]* = \([a-z].*\.\(crt\|key\)\)$/\1/p' "$ini")
    done
}

"$CERTS" init --help | grep -q -- "--levels" || fail "init --help"

"$CERTS" init --dir "$W/p256" --pledges 2 >/dev/null
verify_pki "$W/p256" 2 2
openssl x509 -in "$W/p256/manufacturer/root.crt" -noout -text |
    grep -q "ecdsa-with-SHA256" || fail "p256 root algorithm"

"$CERTS" init --dir "$W/p256l3" --alg p256 --levels 3 >/dev/null
verify_pki "$W/p256l3" 3 1

"$CERTS" init --dir "$W/p384" --alg p384 --levels 3 >/dev/null
verify_pki "$W/p384" 3 1
openssl x509 -in "$W/p384/domain/ca.crt" -noout -text | grep -q "ecdsa-with-SHA384" ||
    fail "p384 signature algorithm"

"$CERTS" init --dir "$W/ed" --alg ed25519 >/dev/null
verify_pki "$W/ed" 2 1
openssl x509 -in "$W/ed/domain/registrar.crt" -noout -text | grep -q "ED25519" ||
    fail "ed25519 key"

"$CERTS" init --dir "$W/rsa" --alg rsa3072 --levels 3 >/dev/null
verify_pki "$W/rsa" 3 1
openssl x509 -in "$W/rsa/domain/ca.crt" -noout -text | grep -q "Public-Key: (3072 bit)" ||
    fail "rsa3072 key size"

# An existing PKI is not overwritten without --force.
set +e
"$CERTS" init --dir "$W/p256" 2>"$W/err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "re-init: rc $rc"
grep -q "already holds a PKI" "$W/err" || fail "re-init message"

# expect_error RC PATTERN ARGS...: exit code and a one-line message, no crash.
expect_error() {
    local want="$1" pattern="$2"
    shift 2
    set +e
    "$CERTS" init "$@" >/dev/null 2>"$W/err"
    local rc=$?
    set -e
    [ "$rc" = "$want" ] || fail "init $*: rc $rc, want $want ($(cat "$W/err"))"
    grep -q "$pattern" "$W/err" || fail "init $*: message lacks '$pattern': $(cat "$W/err")"
    if grep -q "Sanitizer" "$W/err"; then
        fail "init $*: sanitizer report"
    fi
}

expect_error 2 "unknown --alg" --dir "$W/x" --alg dsa
expect_error 2 "levels must be 2 or 3" --dir "$W/x" --levels 4
expect_error 2 "dir is required" --alg p256
expect_error 2 "needs a value" --dir
expect_error 2 "pledges must be" --dir "$W/x" --pledges 0
expect_error 2 "unknown option" --dir "$W/x" --bogus
touch "$W/file"
expect_error 1 "cannot create directory" --dir "$W/file/sub"
[ ! -e "$W/x" ] || fail "a rejected run created files"
echo "certs_init: ok"
