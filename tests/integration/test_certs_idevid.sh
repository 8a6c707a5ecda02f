#!/usr/bin/env bash
# brski-certs idevid: the three creation methods issue IDevIDs that the
# idevid anchor policy accepts; the seed method gives the same key pair on
# the device and at the factory, and different keys for other seeds/serials.
set -u
CERTS="$BRSKI_BIN/certs/brski-certs"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
check() { # NAME CONDITION...
    local name=$1
    shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}

"$CERTS" init --dir "$T/pki" --levels 2 --pledges 1 >/dev/null 2>&1 || { echo "init failed"; exit 1; }
CA=(--ca-cert "$T/pki/manufacturer/root.crt" --ca-key "$T/pki/manufacturer/root.key")
verify() { "$CERTS" verify --purpose idevid --anchor "$T/pki/manufacturer/root.crt" --locked-depth 2 "$@" >/dev/null 2>&1; }
pub() { openssl x509 -in "$1" -noout -pubkey; }

# factory
"$CERTS" idevid --method factory "${CA[@]}" --serial F-0001 --masa-url masa.example.com \
    --out-dir "$T/factory" >"$T/f.out" 2>&1
check factory-issued test -f "$T/factory/idevid.crt" -a -f "$T/factory/idevid.key"
check factory-key-0600 test "$(stat -c %a "$T/factory/idevid.key")" = 600
check factory-verifies verify "$T/factory/idevid.crt"
check factory-key-matches test "$(pub "$T/factory/idevid.crt")" = "$(openssl pkey -in "$T/factory/idevid.key" -pubout)"
check factory-masa-url grep -q masa.example.com <(openssl x509 -in "$T/factory/idevid.crt" -noout -text)
check factory-no-expiry grep -q "Dec 31 23:59:59 9999 GMT" <(openssl x509 -in "$T/factory/idevid.crt" -noout -enddate)

# device: key + CSR on the device, the CA signs the CSR
"$CERTS" idevid --method device "${CA[@]}" --serial D-0001 --alg ed25519 --out-dir "$T/device" >/dev/null 2>&1
check device-issued test -f "$T/device/idevid.csr" -a -f "$T/device/idevid.crt" -a -f "$T/device/idevid.key"
check device-csr-valid openssl req -in "$T/device/idevid.csr" -noout -verify
check device-verifies verify "$T/device/idevid.crt"
check device-key-matches test "$(pub "$T/device/idevid.crt")" = "$(openssl pkey -in "$T/device/idevid.key" -pubout)"
# CA side only, from an existing CSR: serial must match
"$CERTS" idevid --method device "${CA[@]}" --serial D-0001 --csr "$T/device/idevid.csr" --out-dir "$T/device2" >/dev/null 2>&1
check device-csr-only test -f "$T/device2/idevid.crt" -a ! -f "$T/device2/idevid.key"
check device-csr-same-key test "$(pub "$T/device2/idevid.crt")" = "$(pub "$T/device/idevid.crt")"
"$CERTS" idevid --method device "${CA[@]}" --serial D-0002 --csr "$T/device/idevid.csr" --out-dir "$T/device3" >/dev/null 2>"$T/err"
check device-csr-serial-mismatch test $? = 1

# seed
head -c 32 /dev/urandom > "$T/seed1"; chmod 600 "$T/seed1"
head -c 32 /dev/urandom > "$T/seed2"; chmod 600 "$T/seed2"
"$CERTS" idevid --method seed --seed-file "$T/seed1" --write-key "${CA[@]}" --serial S-0001 --out-dir "$T/s-device" >"$T/sd.out" 2>&1
"$CERTS" idevid --method seed --seed-file "$T/seed1" "${CA[@]}" --serial S-0001 --out-dir "$T/s-factory" >"$T/sf.out" 2>&1
"$CERTS" idevid --method seed --seed-file "$T/seed2" "${CA[@]}" --serial S-0001 --out-dir "$T/s-seed2" >/dev/null 2>&1
"$CERTS" idevid --method seed --seed-file "$T/seed1" "${CA[@]}" --serial S-0002 --out-dir "$T/s-serial2" >/dev/null 2>&1
check seed-device-has-key test -f "$T/s-device/idevid.key"
check seed-factory-no-key test ! -e "$T/s-factory/idevid.key"
check seed-same-key-both-sides test "$(pub "$T/s-device/idevid.crt")" = "$(pub "$T/s-factory/idevid.crt")"
check seed-same-fingerprint test "$(grep sha256 "$T/sd.out")" = "$(grep sha256 "$T/sf.out")"
check seed-key-matches-cert test "$(pub "$T/s-factory/idevid.crt")" = "$(openssl pkey -in "$T/s-device/idevid.key" -pubout)"
check seed-other-seed-differs test "$(pub "$T/s-seed2/idevid.crt")" != "$(pub "$T/s-factory/idevid.crt")"
check seed-other-serial-differs test "$(pub "$T/s-serial2/idevid.crt")" != "$(pub "$T/s-factory/idevid.crt")"
check seed-verifies verify "$T/s-factory/idevid.crt"
# hex seed file gives the same key as the raw one
od -An -v -tx1 "$T/seed1" | tr -d " \n" > "$T/seed1.hex"; chmod 600 "$T/seed1.hex"
"$CERTS" idevid --method seed --seed-file "$T/seed1.hex" "${CA[@]}" --serial S-0001 --out-dir "$T/s-hex" >/dev/null 2>&1
check seed-hex-same-key test "$(pub "$T/s-hex/idevid.crt")" = "$(pub "$T/s-factory/idevid.crt")"
"$CERTS" idevid --method seed --seed-file "$T/seed1" --alg ed25519 "${CA[@]}" --serial S-0001 --out-dir "$T/s-ed" >/dev/null 2>&1
check seed-ed25519 grep -q ED25519 <(openssl x509 -in "$T/s-ed/idevid.crt" -noout -text)

# errors
chmod 644 "$T/seed2"
"$CERTS" idevid --method seed --seed-file "$T/seed2" "${CA[@]}" --serial S-1 --out-dir "$T/x" >/dev/null 2>&1
check seed-file-mode-refused test $? = 2
"$CERTS" idevid --method seed --seed-file "$T/seed1" --alg rsa2048 "${CA[@]}" --serial S-1 --out-dir "$T/x" >/dev/null 2>&1
check seed-rsa-refused test $? = 2
"$CERTS" idevid --method magic "${CA[@]}" --serial S-1 --out-dir "$T/x" >/dev/null 2>&1
check bad-method test $? = 2
"$CERTS" idevid --method factory "${CA[@]}" --out-dir "$T/x" >/dev/null 2>&1
check missing-serial test $? = 2
"$CERTS" idevid --help | grep -q "method seed"
check help test $? = 0

echo "$fails failure(s)"
[ "$fails" = 0 ]
