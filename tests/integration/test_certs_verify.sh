#!/usr/bin/env bash
# brski-certs verify: decisions, printed path, exit codes (0 accepted,
# 1 rejected with one stderr line, 2 usage/config), over NIST PKITS certs.
set -u
CERTS="$BRSKI_BIN/certs/brski-certs"
P="$BRSKI_SHARED/vectors/external/nist-pkits/certs"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0

pem() { openssl x509 -inform DER -in "$P/$1.crt"; }
pem TrustAnchorRootCertificate > "$T/root.pem"
{ pem ValidCertificatePathTest1EE; pem GoodCACert; } > "$T/good.pem"
pem ValidCertificatePathTest1EE > "$T/good-leaf.pem"
pem GoodCACert > "$T/good-ca.pem"
{ pem InvalidpathLenConstraintTest5EE; pem pathLenConstraint0subCACert; pem pathLenConstraint0CACert; } > "$T/pathlen.pem"

AT=(--at 2011-04-15T00:00:00Z)

# expect NAME WANT_RC STDOUT_GREP STDERR_GREP -- args...
expect() {
    local name=$1 want=$2 out_re=$3 err_re=$4
    shift 5
    "$CERTS" verify "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    local ok=1
    [ "$rc" = "$want" ] || ok=0
    if [ -n "$out_re" ] && ! grep -qE -- "$out_re" "$T/out"; then ok=0; fi
    if [ -n "$err_re" ] && ! grep -qE -- "$err_re" "$T/err"; then ok=0; fi
    if [ "$want" = 1 ] && [ "$(wc -l <"$T/err")" != 1 ]; then ok=0; fi
    if [ $ok = 1 ]; then
        echo "ok   $name (rc $rc)"
    else
        echo "FAIL $name: rc $rc (want $want)"; sed 's/^/  out: /' "$T/out"; sed 's/^/  err: /' "$T/err"
        fails=$((fails + 1))
    fi
}

expect accepted 0 'decision: accepted' '' -- --purpose domain --anchor "$T/root.pem" "${AT[@]}" "$T/good.pem"
expect path-printed 0 '\[2\] C=US, O=Test Certificates 2011, CN=Trust Anchor \(anchor\)' '' -- \
    --purpose domain --anchor "$T/root.pem" "${AT[@]}" "$T/good.pem"
expect untrusted-bundle 0 'depth 3' '' -- --purpose domain --anchor "$T/root.pem" \
    --untrusted "$T/good-ca.pem" "${AT[@]}" "$T/good-leaf.pem"
expect missing-intermediate 1 'rejected \(no-path\)' 'no path' -- --purpose domain \
    --anchor "$T/root.pem" "${AT[@]}" "$T/good-leaf.pem"
expect locked-depth-3 0 'accepted' '' -- --purpose domain --anchor "$T/root.pem" --locked-depth 3 \
    "${AT[@]}" "$T/good.pem"
expect locked-depth-2 1 'depth-not-locked' 'depth 3 != locked_depth 2' -- --purpose domain \
    --anchor "$T/root.pem" --locked-depth 2 "${AT[@]}" "$T/good.pem"
expect max-depth-2 1 'depth-exceeded' 'depth-exceeded' -- --purpose domain --anchor "$T/root.pem" \
    --max-depth 2 "${AT[@]}" "$T/good.pem"
expect pathlen 1 'rejected \(pathlen\)' 'RFC 5280 4.2.1.9' -- --purpose domain \
    --anchor "$T/root.pem" "${AT[@]}" "$T/pathlen.pem"
expect expired 1 'rejected \(expired\)' 'notAfter' -- --purpose domain --anchor "$T/root.pem" \
    --at 2031-01-01T00:00:00Z "$T/good.pem"
expect eku-required 1 'rejected \(ee-eku\)' '1.3.6.1.5.5.7.3.28' -- --purpose domain \
    --anchor "$T/root.pem" --eku cmcRA "${AT[@]}" "$T/good.pem"
expect peer-name 1 'rejected \(peer-name\)' 'RFC 6125' -- --purpose domain --anchor "$T/root.pem" \
    --peer-name example.com "${AT[@]}" "$T/good.pem"
expect idevid-needs-serial 1 'ee-serial-number' 'serialNumber' -- --purpose idevid \
    --anchor "$T/root.pem" "${AT[@]}" "$T/good.pem"

printf '[policy]\nmax_depth = 2\n' > "$T/p1.ini"
expect policy-file 1 'depth-exceeded' '' -- --purpose domain --anchor "$T/root.pem" \
    --policy "$T/p1.ini" "${AT[@]}" "$T/good.pem"
printf '[policy]\nmax_dept = 2\n' > "$T/p2.ini"
expect policy-unknown-key 2 '' "unknown key 'max_dept'" -- --purpose domain \
    --anchor "$T/root.pem" --policy "$T/p2.ini" "${AT[@]}" "$T/good.pem"
printf '[policy]\nrevocation = crl\n' > "$T/p3.ini"
expect crl-missing 1 'revocation-unknown' '' -- --purpose domain --anchor "$T/root.pem" \
    --policy "$T/p3.ini" "${AT[@]}" "$T/good.pem"
expect crl-given 0 'accepted' '' -- --purpose domain --anchor "$T/root.pem" --policy "$T/p3.ini" \
    --crl "$BRSKI_SHARED/vectors/external/nist-pkits/crls/GoodCACRL.crl" \
    --crl "$BRSKI_SHARED/vectors/external/nist-pkits/crls/TrustAnchorRootCRL.crl" "${AT[@]}" "$T/good.pem"

expect usage-no-purpose 2 '' 'usage' -- --anchor "$T/root.pem" "$T/good.pem"
expect usage-bad-purpose 2 '' "unknown purpose" -- --purpose nope --anchor "$T/root.pem" "$T/good.pem"
expect usage-bad-time 2 '' 'RFC 3339' -- --purpose domain --anchor "$T/root.pem" --at yesterday \
    "$T/good.pem"
expect usage-bad-depth 2 '' 'max-depth' -- --purpose domain --anchor "$T/root.pem" --max-depth 9 \
    "$T/good.pem"
expect missing-file 2 '' 'nonexistent' -- --purpose domain --anchor "$T/root.pem" "$T/nonexistent.pem"
expect help 0 'usage: brski-certs verify' '' -- --help

echo "$fails failure(s)"
[ "$fails" = 0 ]
