#!/usr/bin/env bash
# brski-certs idevid: the three creation methods issue IDevIDs that the
# idevid anchor policy accepts; the seed method gives the same key pair on
# the device and at the factory, and different keys for other seeds/serials.
set -u
. "$(dirname "$0")/lib.sh"
work_dir certs-idevid
fails=0
check() { # NAME CONDITION...
    local name=$1
    shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}

"$CERTS" init --dir "$W/pki" --levels 2 --pledges 1 >/dev/null 2>&1 || { echo "init failed"; exit 1; }
CA=(--ca-cert "$W/pki/manufacturer/root.crt" --ca-key "$W/pki/manufacturer/root.key")
verify() { "$CERTS" verify --purpose idevid --anchor "$W/pki/manufacturer/root.crt" --locked-depth 2 "$@" >/dev/null 2>&1; }
pub() { openssl x509 -in "$1" -noout -pubkey; }

# factory
"$CERTS" idevid --method factory "${CA[@]}" --serial F-0001 --masa-url masa.example.com \
    --out-dir "$W/factory" >"$W/f.out" 2>&1
check factory-issued test -f "$W/factory/idevid.crt" -a -f "$W/factory/idevid.key"
check factory-key-0600 test "$(stat -c %a "$W/factory/idevid.key")" = 600
check factory-verifies verify "$W/factory/idevid.crt"
check factory-key-matches test "$(pub "$W/factory/idevid.crt")" = "$(openssl pkey -in "$W/factory/idevid.key" -pubout)"
check factory-masa-url grep -q masa.example.com <(openssl x509 -in "$W/factory/idevid.crt" -noout -text)
check factory-no-expiry grep -q "Dec 31 23:59:59 9999 GMT" <(openssl x509 -in "$W/factory/idevid.crt" -noout -enddate)

# device: key + CSR on the device, the CA signs the CSR
"$CERTS" idevid --method device "${CA[@]}" --serial D-0001 --alg ed25519 --out-dir "$W/device" >/dev/null 2>&1
check device-issued test -f "$W/device/idevid.csr" -a -f "$W/device/idevid.crt" -a -f "$W/device/idevid.key"
check device-csr-valid openssl req -in "$W/device/idevid.csr" -noout -verify
check device-verifies verify "$W/device/idevid.crt"
check device-key-matches test "$(pub "$W/device/idevid.crt")" = "$(openssl pkey -in "$W/device/idevid.key" -pubout)"
# CA side only, from an existing CSR: serial must match
"$CERTS" idevid --method device "${CA[@]}" --serial D-0001 --csr "$W/device/idevid.csr" --out-dir "$W/device2" >/dev/null 2>&1
check device-csr-only test -f "$W/device2/idevid.crt" -a ! -f "$W/device2/idevid.key"
check device-csr-same-key test "$(pub "$W/device2/idevid.crt")" = "$(pub "$W/device/idevid.crt")"
"$CERTS" idevid --method device "${CA[@]}" --serial D-0002 --csr "$W/device/idevid.csr" --out-dir "$W/device3" >/dev/null 2>"$W/err"
check device-csr-serial-mismatch test $? = 1

# seed
head -c 32 /dev/urandom > "$W/seed1"; chmod 600 "$W/seed1"
head -c 32 /dev/urandom > "$W/seed2"; chmod 600 "$W/seed2"
"$CERTS" idevid --method seed --seed-file "$W/seed1" --write-key "${CA[@]}" --serial S-0001 --out-dir "$W/s-device" >"$W/sd.out" 2>&1
"$CERTS" idevid --method seed --seed-file "$W/seed1" "${CA[@]}" --serial S-0001 --out-dir "$W/s-factory" >"$W/sf.out" 2>&1
"$CERTS" idevid --method seed --seed-file "$W/seed2" "${CA[@]}" --serial S-0001 --out-dir "$W/s-seed2" >/dev/null 2>&1
"$CERTS" idevid --method seed --seed-file "$W/seed1" "${CA[@]}" --serial S-0002 --out-dir "$W/s-serial2" >/dev/null 2>&1
check seed-device-has-key test -f "$W/s-device/idevid.key"
check seed-factory-no-key test ! -e "$W/s-factory/idevid.key"
check seed-same-key-both-sides test "$(pub "$W/s-device/idevid.crt")" = "$(pub "$W/s-factory/idevid.crt")"
check seed-same-fingerprint test "$(grep sha256 "$W/sd.out")" = "$(grep sha256 "$W/sf.out")"
check seed-key-matches-cert test "$(pub "$W/s-factory/idevid.crt")" = "$(openssl pkey -in "$W/s-device/idevid.key" -pubout)"
check seed-other-seed-differs test "$(pub "$W/s-seed2/idevid.crt")" != "$(pub "$W/s-factory/idevid.crt")"
check seed-other-serial-differs test "$(pub "$W/s-serial2/idevid.crt")" != "$(pub "$W/s-factory/idevid.crt")"
check seed-verifies verify "$W/s-factory/idevid.crt"
# hex seed file gives the same key as the raw one
od -An -v -tx1 "$W/seed1" | tr -d " \n" > "$W/seed1.hex"; chmod 600 "$W/seed1.hex"
"$CERTS" idevid --method seed --seed-file "$W/seed1.hex" "${CA[@]}" --serial S-0001 --out-dir "$W/s-hex" >/dev/null 2>&1
check seed-hex-same-key test "$(pub "$W/s-hex/idevid.crt")" = "$(pub "$W/s-factory/idevid.crt")"
"$CERTS" idevid --method seed --seed-file "$W/seed1" --alg ed25519 "${CA[@]}" --serial S-0001 --out-dir "$W/s-ed" >/dev/null 2>&1
check seed-ed25519 grep -q ED25519 <(openssl x509 -in "$W/s-ed/idevid.crt" -noout -text)

# errors
chmod 644 "$W/seed2"
"$CERTS" idevid --method seed --seed-file "$W/seed2" "${CA[@]}" --serial S-1 --out-dir "$W/x" >/dev/null 2>&1
check seed-file-mode-refused test $? = 2
"$CERTS" idevid --method seed --seed-file "$W/seed1" --alg rsa2048 "${CA[@]}" --serial S-1 --out-dir "$W/x" >/dev/null 2>&1
check seed-rsa-refused test $? = 2
"$CERTS" idevid --method magic "${CA[@]}" --serial S-1 --out-dir "$W/x" >/dev/null 2>&1
check bad-method test $? = 2
"$CERTS" idevid --method factory "${CA[@]}" --out-dir "$W/x" >/dev/null 2>&1
check missing-serial test $? = 2
"$CERTS" idevid --help | grep -q "method seed"
check help test $? = 0

echo "$fails failure(s)"
[ "$fails" = 0 ]
