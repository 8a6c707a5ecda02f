#!/usr/bin/env bash
# brski-certs verify: decisions, printed path, exit codes (0 accepted,
# 1 rejected with one stderr line, 2 usage/config), over NIST PKITS certs.
set -u
. "$(dirname "$0")/lib.sh"
P="$BRSKI_SHARED/vectors/external/nist-pkits/certs"
work_dir certs-verify
fails=0

pem() { openssl x509 -inform DER -in "$P/$1.crt"; }
pem TrustAnchorRootCertificate > "$W/root.pem"
{ pem ValidCertificatePathTest1EE; pem GoodCACert; } > "$W/good.pem"
pem ValidCertificatePathTest1EE > "$W/good-leaf.pem"
pem GoodCACert > "$W/good-ca.pem"
{ pem InvalidpathLenConstraintTest5EE; pem pathLenConstraint0subCACert; pem pathLenConstraint0CACert; } > "$W/pathlen.pem"

AT=(--at 2011-04-15T00:00:00Z)

# expect NAME WANT_RC STDOUT_GREP STDERR_GREP -- args...
expect() {
    local name=$1 want=$2 out_re=$3 err_re=$4
    shift 5
    "$CERTS" verify "$@" >"$W/out" 2>"$W/err"
    local rc=$?
    local ok=1
    [ "$rc" = "$want" ] || ok=0
    if [ -n "$out_re" ] && ! grep -qE -- "$out_re" "$W/out"; then ok=0; fi
    if [ -n "$err_re" ] && ! grep -qE -- "$err_re" "$W/err"; then ok=0; fi
    if [ "$want" = 1 ] && [ "$(wc -l <"$W/err")" != 1 ]; then ok=0; fi
    if [ $ok = 1 ]; then
        echo "ok   $name (rc $rc)"
    else
        echo "FAIL $name: rc $rc (want $want)"; sed 's/^/  out: /' "$W/out"; sed 's/^/  err: /' "$W/err"
        fails=$((fails + 1))
    fi
}

expect accepted 0 'decision: accepted' '' -- --purpose domain --anchor "$W/root.pem" "${AT[@]}" "$W/good.pem"
expect path-printed 0 '\[2\] C=US, O=Test Certificates 2011, CN=Trust Anchor \(anchor\)' '' -- \
    --purpose domain --anchor "$W/root.pem" "${AT[@]}" "$W/good.pem"
expect untrusted-bundle 0 'depth 3' '' -- --purpose domain --anchor "$W/root.pem" \
    --untrusted "$W/good-ca.pem" "${AT[@]}" "$W/good-leaf.pem"
expect missing-intermediate 1 'rejected \(no-path\)' 'no path' -- --purpose domain \
    --anchor "$W/root.pem" "${AT[@]}" "$W/good-leaf.pem"
expect locked-depth-3 0 'accepted' '' -- --purpose domain --anchor "$W/root.pem" --locked-depth 3 \
    "${AT[@]}" "$W/good.pem"
expect locked-depth-2 1 'depth-not-locked' 'depth 3 != locked_depth 2' -- --purpose domain \
    --anchor "$W/root.pem" --locked-depth 2 "${AT[@]}" "$W/good.pem"
expect max-depth-2 1 'depth-exceeded' 'depth-exceeded' -- --purpose domain --anchor "$W/root.pem" \
    --max-depth 2 "${AT[@]}" "$W/good.pem"
expect pathlen 1 'rejected \(pathlen\)' 'RFC 5280 4.2.1.9' -- --purpose domain \
    --anchor "$W/root.pem" "${AT[@]}" "$W/pathlen.pem"
expect expired 1 'rejected \(expired\)' 'notAfter' -- --purpose domain --anchor "$W/root.pem" \
    --at 2031-01-01T00:00:00Z "$W/good.pem"
expect eku-required 1 'rejected \(ee-eku\)' '1.3.6.1.5.5.7.3.28' -- --purpose domain \
    --anchor "$W/root.pem" --eku cmcRA "${AT[@]}" "$W/good.pem"
expect peer-name 1 'rejected \(peer-name\)' 'RFC 6125' -- --purpose domain --anchor "$W/root.pem" \
    --peer-name example.com "${AT[@]}" "$W/good.pem"
expect idevid-needs-serial 1 'ee-serial-number' 'serialNumber' -- --purpose idevid \
    --anchor "$W/root.pem" "${AT[@]}" "$W/good.pem"

printf '[policy]\nmax_depth = 2\n' > "$W/p1.ini"
expect policy-file 1 'depth-exceeded' '' -- --purpose domain --anchor "$W/root.pem" \
    --policy "$W/p1.ini" "${AT[@]}" "$W/good.pem"
printf '[policy]\nmax_dept = 2\n' > "$W/p2.ini"
expect policy-unknown-key 2 '' "unknown key 'max_dept'" -- --purpose domain \
    --anchor "$W/root.pem" --policy "$W/p2.ini" "${AT[@]}" "$W/good.pem"
printf '[policy]\nrevocation = crl\n' > "$W/p3.ini"
expect crl-missing 1 'revocation-unknown' '' -- --purpose domain --anchor "$W/root.pem" \
    --policy "$W/p3.ini" "${AT[@]}" "$W/good.pem"
expect crl-given 0 'accepted' '' -- --purpose domain --anchor "$W/root.pem" --policy "$W/p3.ini" \
    --crl "$BRSKI_SHARED/vectors/external/nist-pkits/crls/GoodCACRL.crl" \
    --crl "$BRSKI_SHARED/vectors/external/nist-pkits/crls/TrustAnchorRootCRL.crl" "${AT[@]}" "$W/good.pem"

expect usage-no-purpose 2 '' 'usage' -- --anchor "$W/root.pem" "$W/good.pem"
expect usage-bad-purpose 2 '' "unknown purpose" -- --purpose nope --anchor "$W/root.pem" "$W/good.pem"
expect usage-bad-time 2 '' 'RFC 3339' -- --purpose domain --anchor "$W/root.pem" --at yesterday \
    "$W/good.pem"
expect usage-bad-depth 2 '' 'max-depth' -- --purpose domain --anchor "$W/root.pem" --max-depth 9 \
    "$W/good.pem"
expect missing-file 2 '' 'nonexistent' -- --purpose domain --anchor "$W/root.pem" "$W/nonexistent.pem"
expect help 0 'usage: brski-certs verify' '' -- --help

echo "$fails failure(s)"
[ "$fails" = 0 ]
