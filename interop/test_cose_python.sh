#!/usr/bin/env bash
# COSE_Sign1 interop with an independent implementation (Debian python3-cbor2 +
# python3-cryptography), both directions (RFC 9052 4.4, cBRSKI 9.2):
#  - the shared oracle cose_sign1_verify.py accepts every COSE voucher
#    (brski-masa sign-voucher --format cose) and PVR (brski-pledge make-pvr
#    --format cose) we sign with ES256, ES384 and EdDSA, and rejects them with
#    the wrong certificate;
#  - brski-pledge verify-voucher accepts vouchers made by a Python COSE signer
#    written here (tagged and untagged), and rejects tampered, wrongly signed,
#    wrong-serial and wrong-nonce ones.
set -u
: "${BRSKI_BIN:?}" "${BRSKI_SHARED:?}"
PY=/usr/bin/python3
ORACLE=$BRSKI_SHARED/oracles/cose_sign1_verify.py
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
        cat "$T/out.txt" "$T/err.txt"
    fi
}

"$PY" -c 'import cbor2, cryptography' 2>/dev/null || { echo "FAIL python3-cbor2/cryptography missing"; exit 1; }

key() { # key ALG FILE
    case $1 in
    es256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$2" 2>/dev/null ;;
    es384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$2" 2>/dev/null ;;
    eddsa) openssl genpkey -algorithm ED25519 -out "$2" 2>/dev/null ;;
    esac
    chmod 600 "$2"
}
selfsigned() { # selfsigned KEY SUBJ OUT
    openssl req -x509 -new -key "$1" -subj "$2" -days 365 -out "$3" 2>/dev/null
}

key es256 domain.key
selfsigned domain.key "/CN=COSE Interop Domain CA" domain.crt
key es256 registrar.key
selfsigned registrar.key "/CN=registrar.example" registrar.crt
key es256 rogue.key
selfsigned rogue.key "/CN=COSE Interop MASA" rogue.crt
NONCE=AAECAwQFBgcICQoLDA0ODw==

for alg in es256 es384 eddsa; do
    key $alg masa-$alg.key
    selfsigned masa-$alg.key "/CN=COSE Interop MASA $alg" masa-$alg.crt
    key $alg idevid-$alg.key
    selfsigned idevid-$alg.key "/CN=COSE Interop Pledge/serialNumber=COSE-$alg" idevid-$alg.crt
    for f in masa-$alg.crt idevid-$alg.crt; do
        [ -s "$f" ] || { echo "FAIL could not make $f with openssl"; exit 1; }
    done

    # 1. Our voucher, checked by the oracle.
    expect 0 "$alg: sign-voucher --format cose" "$MASA" sign-voucher --key masa-$alg.key \
        --cert masa-$alg.crt --serial COSE-$alg --pinned-domain-cert domain.crt \
        --nonce "$NONCE" --assertion proximity --format cose --out voucher-$alg.cose
    expect 0 "$alg: oracle verifies our voucher" "$PY" "$ORACLE" voucher-$alg.cose masa-$alg.crt
    grep -q "verified alg" out.txt || bad "$alg: oracle output"
    expect 1 "$alg: oracle rejects our voucher with another key" "$PY" "$ORACLE" \
        voucher-$alg.cose rogue.crt
    # The payload really is the SID-keyed voucher, and x5bag carries the signer.
    expect 0 "$alg: voucher payload is {2451: ...} with x5bag" "$PY" -c '
import sys, cbor2
m = cbor2.loads(open(sys.argv[1], "rb").read())
assert m.tag == 18
prot, unprot, payload, sig = m.value
v = cbor2.loads(payload)[2451]
assert v[11] == sys.argv[2] and v[1] == 2 and v[7] == bytes(range(16)), v
assert isinstance(unprot[32], bytes) and unprot[32][0] == 0x30
' voucher-$alg.cose COSE-$alg masa-$alg.crt
    # And we accept our own voucher.
    expect 0 "$alg: verify-voucher accepts our voucher" "$PLEDGE" verify-voucher \
        --voucher voucher-$alg.cose --masa-anchor masa-$alg.crt --serial COSE-$alg --nonce "$NONCE"

    # 2. Our PVR, checked by the oracle with the IDevID certificate.
    expect 0 "$alg: make-pvr --format cose" "$PLEDGE" make-pvr --cert idevid-$alg.crt \
        --key idevid-$alg.key --registrar-cert registrar.crt --nonce "$NONCE" --format cose \
        --out pvr-$alg.cose
    expect 0 "$alg: oracle verifies our PVR" "$PY" "$ORACLE" pvr-$alg.cose idevid-$alg.crt
    expect 1 "$alg: oracle rejects our PVR with another key" "$PY" "$ORACLE" pvr-$alg.cose \
        rogue.crt
    expect 0 "$alg: PVR payload is {2501: ...} without x5bag" "$PY" -c '
import sys, cbor2
m = cbor2.loads(open(sys.argv[1], "rb").read())
prot, unprot, payload, sig = m.value
assert unprot == {} and cbor2.loads(prot)[1] in (-7, -35, -8)
v = cbor2.loads(payload)[2501]
assert v[13] == sys.argv[2] and v[1] == 2 and v[7] == bytes(range(16)) and v[10][0] == 0x30, v
' pvr-$alg.cose COSE-$alg
done

# 3. A COSE signer written with cbor2 + cryptography; we verify what it makes.
cat >pysign.py <<'EOF'
import sys, cbor2, datetime
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, utils
keyf, alg, serial, nonce_hex, domf, out = sys.argv[1:7]
mode = sys.argv[7] if len(sys.argv) > 7 else ""
key = serialization.load_pem_private_key(open(keyf, "rb").read(), None)
dom = x509.load_pem_x509_certificate(open(domf, "rb").read()).public_bytes(serialization.Encoding.DER)
voucher = {2451: {1: 2, 2: datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                  7: bytes.fromhex(nonce_hex), 8: dom, 11: serial}}
payload = cbor2.dumps(voucher)
alg_id = {"es256": -7, "es384": -35, "eddsa": -8}[alg]
prot = cbor2.dumps({1: alg_id})
tbs = cbor2.dumps(["Signature1", prot, b"", payload])
if alg == "eddsa":
    sig = key.sign(tbs)
else:
    h, n = (hashes.SHA256(), 32) if alg == "es256" else (hashes.SHA384(), 48)
    r, s = utils.decode_dss_signature(key.sign(tbs, ec.ECDSA(h)))
    sig = r.to_bytes(n, "big") + s.to_bytes(n, "big")
if mode == "flip":
    payload = payload[:-1] + bytes([payload[-1] ^ 1])
body = [prot, {}, payload, sig]
open(out, "wb").write(cbor2.dumps(body if mode == "untagged" else cbor2.CBORTag(18, body)))
EOF
HEXNONCE=000102030405060708090a0b0c0d0e0f
for alg in es256 es384 eddsa; do
    expect 0 "$alg: python signs a voucher" "$PY" pysign.py masa-$alg.key $alg COSE-$alg \
        $HEXNONCE domain.crt py-$alg.cose
    expect 0 "$alg: oracle agrees on the python voucher" "$PY" "$ORACLE" py-$alg.cose masa-$alg.crt
    expect 0 "$alg: verify-voucher accepts the python voucher" "$PLEDGE" verify-voucher \
        --voucher py-$alg.cose --masa-anchor masa-$alg.crt --serial COSE-$alg --nonce "$NONCE"
    grep -q '"serial-number":"COSE-'$alg'"' out.txt || bad "$alg: printed voucher JSON"
    expect 0 "$alg: python untagged voucher" "$PY" pysign.py masa-$alg.key $alg COSE-$alg \
        $HEXNONCE domain.crt py-$alg-untagged.cose untagged
    expect 0 "$alg: verify-voucher accepts untagged" "$PLEDGE" verify-voucher \
        --voucher py-$alg-untagged.cose --masa-anchor masa-$alg.crt --serial COSE-$alg \
        --nonce "$NONCE"
    expect 0 "$alg: python tampered voucher" "$PY" pysign.py masa-$alg.key $alg COSE-$alg \
        $HEXNONCE domain.crt py-$alg-flip.cose flip
    expect 1 "$alg: verify-voucher rejects the tampered voucher" "$PLEDGE" verify-voucher \
        --voucher py-$alg-flip.cose --masa-anchor masa-$alg.crt --serial COSE-$alg \
        --nonce "$NONCE"
    expect 1 "$alg: verify-voucher rejects a voucher from another MASA key" "$PLEDGE" \
        verify-voucher --voucher py-$alg.cose --masa-anchor rogue.crt --serial COSE-$alg \
        --nonce "$NONCE"
    expect 1 "$alg: verify-voucher rejects the wrong serial" "$PLEDGE" verify-voucher \
        --voucher py-$alg.cose --masa-anchor masa-$alg.crt --serial COSE-other --nonce "$NONCE"
    expect 1 "$alg: verify-voucher rejects the wrong nonce" "$PLEDGE" verify-voucher \
        --voucher py-$alg.cose --masa-anchor masa-$alg.crt --serial COSE-$alg \
        --nonce AAECAwQFBgcICQoLDA0OAA==
done

# 4. The published cBRSKI voucher through both implementations.
"$PY" -c 'import sys; open("cbrski-voucher.cose","wb").write(bytes.fromhex("".join(open(sys.argv[1]).read().split())))' \
    "$BRSKI_SHARED/vectors/spec/cbrski/voucher.hex"
expect 0 "cBRSKI voucher.hex: oracle with masa_ca.pem" "$PY" "$ORACLE" cbrski-voucher.cose \
    "$BRSKI_SHARED/vectors/spec/cbrski/masa_ca.pem"
expect 0 "cBRSKI voucher.hex: verify-voucher with masa_ca.pem (nonce 57EED786AD404907)" \
    "$PLEDGE" verify-voucher --voucher cbrski-voucher.cose \
    --masa-anchor "$BRSKI_SHARED/vectors/spec/cbrski/masa_ca.pem" --serial JADA123456789 \
    --nonce V+7Xhq1ASQc= --at 2023-01-01T00:00:00Z
expect 1 "cBRSKI voucher.hex: rejected with the PVR nonce 23BFBBC9C2BCF213" \
    "$PLEDGE" verify-voucher --voucher cbrski-voucher.cose \
    --masa-anchor "$BRSKI_SHARED/vectors/spec/cbrski/masa_ca.pem" --serial JADA123456789 \
    --nonce I7+7ycK88hM= --at 2023-01-01T00:00:00Z

# 5. COSE PVRs at the registrar (verify-pvr with the DTLS IDevID given as --idevid).
V=$BRSKI_SHARED/vectors/spec/cbrski
"$PY" -c 'import sys; open("cbrski-pvr.cose","wb").write(bytes.fromhex("".join(open(sys.argv[1]).read().split())))' \
    "$V/pvr.hex"
expect 0 "cBRSKI pvr.hex: verify-pvr (IDevID pledge.pem under masa_ca.pem)" "$REG" verify-pvr \
    --pvr cbrski-pvr.cose --idevid-anchor "$V/masa_ca.pem" --idevid "$V/pledge.pem" \
    --registrar-cert "$V/registrar.pem" --at 2023-01-01T00:00:00Z
grep -q '"serial-number":"JADA123456789"' out.txt || bad "cBRSKI pvr.hex: printed JSON"
expect 1 "cBRSKI pvr.hex: another registrar rejected" "$REG" verify-pvr --pvr cbrski-pvr.cose \
    --idevid-anchor "$V/masa_ca.pem" --idevid "$V/pledge.pem" --registrar-cert registrar.crt \
    --at 2023-01-01T00:00:00Z
expect 1 "cBRSKI pvr.hex: signature by another IDevID rejected" "$REG" verify-pvr \
    --pvr cbrski-pvr.cose --idevid-anchor "$V/masa_ca.pem" --idevid "$V/masa_ca.pem" \
    --at 2023-01-01T00:00:00Z
expect 2 "cBRSKI pvr.hex: --idevid required" "$REG" verify-pvr --pvr cbrski-pvr.cose \
    --idevid-anchor "$V/masa_ca.pem"
# An IDevID issued by an OpenSSL CA, our COSE PVR signed with it.
key es256 mfg.key
openssl req -x509 -new -key mfg.key -subj "/CN=COSE Interop Manufacturer" -days 365 \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -out mfg.crt 2>/dev/null
key es256 dev.key
openssl req -new -key dev.key -subj "/CN=COSE Device/serialNumber=COSE-DEV-1" -out dev.csr 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n' >dev.ext
openssl x509 -req -in dev.csr -CA mfg.crt -CAkey mfg.key -CAcreateserial -days 365 \
    -extfile dev.ext -out dev.crt 2>/dev/null
expect 0 "make-pvr --format cose with an issued IDevID" "$PLEDGE" make-pvr --cert dev.crt \
    --key dev.key --registrar-cert registrar.crt --format cose --out dev-pvr.cose
expect 0 "oracle verifies that PVR" "$PY" "$ORACLE" dev-pvr.cose dev.crt
expect 0 "verify-pvr accepts that PVR" "$REG" verify-pvr --pvr dev-pvr.cose \
    --idevid-anchor mfg.crt --idevid dev.crt --registrar-cert registrar.crt
expect 1 "verify-pvr rejects it under another manufacturer" "$REG" verify-pvr \
    --pvr dev-pvr.cose --idevid-anchor domain.crt --idevid dev.crt

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
