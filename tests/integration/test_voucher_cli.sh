#!/usr/bin/env bash
# The offline voucher subcommands against the published vectors (RFC 8995
# App. C, peer artifacts): exit codes 0/1/2 and the reason line on stderr.
set -u
: "${BRSKI_SHARED:?}"
. "$(dirname "$0")/lib.sh"
V=$BRSKI_SHARED/vectors/spec/rfc8995
P=$BRSKI_SHARED/vectors/peers
work_dir voucher-cli
pass=0
fail=0
expect() { # expect RC PATTERN NAME CMD... (PATTERN is grepped in stderr when non-empty)
    local want=$1 pat=$2 name=$3
    shift 3
    "$@" >"$W/out" 2>"$W/err"
    local rc=$?
    if [ "$rc" -ne "$want" ]; then
        fail=$((fail + 1)); echo "FAIL $name (rc $rc, want $want)"; cat "$W/err"; return
    fi
    if [ -n "$pat" ] && ! grep -q -- "$pat" "$W/err"; then
        fail=$((fail + 1)); echo "FAIL $name (stderr lacks '$pat')"; cat "$W/err"; return
    fi
    if [ "$want" -eq 1 ] && [ "$(wc -l <"$W/err")" -ne 1 ]; then
        fail=$((fail + 1)); echo "FAIL $name (stderr is not one line)"; cat "$W/err"; return
    fi
    pass=$((pass + 1)); echo "ok   $name"
}
VCH=$V/voucher_00-D0-E5-F2-00-02.cms.der
SN=00-D0-E5-F2-00-02
N=-_XE9zK9q8Ll1qylMtLKeg
AT=2021-05-01T00:00:00Z

expect 0 "" "RFC 8995 voucher vs published MASA cert" "$PLEDGE" verify-voucher --voucher "$VCH" \
    --masa-anchor "$V/masa.crt.pem" --serial $SN --nonce $N --at $AT
grep -q '"pinned-domain-cert"' "$W/out" && grep -q '"assertion":"logged"' "$W/out" &&
    { pass=$((pass + 1)); echo "ok   voucher JSON printed"; } ||
    { fail=$((fail + 1)); echo "FAIL voucher JSON printed"; }
expect 0 "" "RFC 8995 voucher vs vendor CA" "$PLEDGE" verify-voucher --voucher "$VCH" \
    --masa-anchor "$V/vendor.crt.pem" --serial $SN --nonce $N --at $AT
expect 1 "nonce" "wrong nonce" "$PLEDGE" verify-voucher --voucher "$VCH" \
    --masa-anchor "$V/masa.crt.pem" --serial $SN --nonce -_XE9zK9q8Ll1qylMtLKeh --at $AT
expect 1 "serial-number" "wrong serial" "$PLEDGE" verify-voucher --voucher "$VCH" \
    --masa-anchor "$V/masa.crt.pem" --serial 00-D0-E5-F2-00-03 --nonce $N --at $AT
expect 1 "expired" "after the MASA certificate expired" "$PLEDGE" verify-voucher --voucher "$VCH" \
    --masa-anchor "$V/vendor.crt.pem" --serial $SN --nonce $N --at 2023-04-14T00:00:00Z
expect 1 "nonce" "voucher nonce but the pledge sent none" "$PLEDGE" verify-voucher --voucher "$VCH" \
    --masa-anchor "$V/masa.crt.pem" --serial $SN --at $AT
expect 1 "no-path" "domain CA is not a MASA anchor" "$PLEDGE" verify-voucher --voucher "$VCH" \
    --masa-anchor "$V/ownerca_secp384r1.crt.pem" --serial $SN --nonce $N --at $AT
expect 1 "RFC 9254" "COSE voucher in the old Minerva encoding (text assertion) rejected" \
    "$PLEDGE" verify-voucher \
    --voucher "$P/AnimaGUS-minerva-voucher/voucher_00-D0-E5-F2-00-02.vch" \
    --masa-anchor "$V/masa.crt.pem" --serial $SN --nonce $N --at $AT
base64 -d "$P/nqminds-brski/voucher.b64" >"$W/nq.der"
expect 1 "created-on" "nqminds voucher without created-on" "$PLEDGE" verify-voucher \
    --voucher "$W/nq.der" --masa-anchor "$P/nqminds-brski/masa-cms.crt" \
    --serial idev-serial12345 --nonce QlJTS0kgcHJvdG9jb2wgc2VydmVyL2NsaWVudCBpbXBsZW1lbnRhdGlvbi4=
expect 1 "" "nqminds voucher: invalid intermediates" "$PLEDGE" verify-voucher \
    --voucher "$W/nq.der" --masa-anchor "$P/nqminds-brski/cms-ca.crt" \
    --serial idev-serial12345 --nonce QlJTS0kgcHJvdG9jb2wgc2VydmVyL2NsaWVudCBpbXBsZW1lbnRhdGlvbi4=
# The RFC 8995 PVR's embedded IDevID has a UTF8String serialNumber: the 802.1AR profile rejects it.
expect 1 "ee-serial-number" "RFC 8995 PVR under the 802.1AR profile" "$REG" verify-pvr \
    --pvr "$V/vr_00-D0-E5-F2-00-02.cms.der" --idevid-anchor "$V/vendor.crt.pem" --at $AT
expect 1 "" "RFC 8995 RVR is not a pledge request" "$REG" verify-pvr \
    --pvr "$V/parboiled_vr_00-D0-E5-F2-00-02.cms.der" --idevid-anchor "$V/vendor.crt.pem" --at $AT
# Usage errors and --help.
expect 2 "" "unknown option" "$PLEDGE" verify-voucher --voucher "$VCH" --bogus 1
expect 2 "" "bad --at" "$PLEDGE" verify-voucher --voucher "$VCH" --masa-anchor "$V/masa.crt.pem" \
    --serial $SN --at yesterday
expect 2 "" "missing anchor file" "$PLEDGE" verify-voucher --voucher "$VCH" \
    --masa-anchor "$W/none.pem" --serial $SN --nonce $N
for c in "$PLEDGE verify-voucher" "$PLEDGE make-pvr" "$REG verify-pvr" "$MASA sign-voucher"; do
    expect 0 "" "--help: $c" $c --help
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
