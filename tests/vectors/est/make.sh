#!/bin/sh
# Regenerates the EST unit-test fixtures with OpenSSL (run in this directory).
# Files: a domain CA, a manufacturer CA and an IDevID (subject carries
# serialNumber), openssl-made CSRs (good, tampered, weak), a certs-only
# PKCS#7 from `openssl crl2pkcs7`, and a base64 body with CRLF line breaks.
set -eu
o() { openssl "$@" 2>/dev/null; }
o ecparam -name prime256v1 -genkey -noout -out ca.key
o req -x509 -new -key ca.key -subj "/O=Example Domain/CN=Domain CA" -days 36500 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
  -addext subjectKeyIdentifier=hash -outform DER -out ca.der
o ecparam -name prime256v1 -genkey -noout -out mfg.key
o req -x509 -new -key mfg.key -subj "/O=Example Vendor/CN=Vendor CA" -days 36500 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
  -addext subjectKeyIdentifier=hash -out mfg.pem
o ecparam -name prime256v1 -genkey -noout -out idevid.key
o req -new -key idevid.key -subj "/O=Example Vendor/CN=Pledge/serialNumber=PID-0001" -out idevid.csr
o x509 -req -in idevid.csr -CA mfg.pem -CAkey mfg.key -CAcreateserial -days 36500 \
  -extfile /dev/stdin -outform DER -out idevid.der <<X
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
X
rm -f idevid.csr mfg.srl
o x509 -in mfg.pem -outform DER -out mfg.der
# CSRs as an EST client makes them.
o ecparam -name prime256v1 -genkey -noout -out ldevid.key
o req -new -key ldevid.key -subj /CN=x -outform DER -out csr_p256.der
o req -new -key ldevid.key -subj "/CN=x/serialNumber=EVIL-9" -outform DER -out csr_serial.der
o req -new -key idevid.key -subj /CN=x -outform DER -out csr_idevid_key.der
o req -new -key ldevid.key -subj /CN=x -addext "subjectAltName=DNS:pledge.example,IP:10.0.0.1" \
  -outform DER -out csr_san.der
o req -new -key ldevid.key -subj /CN=x -addext "subjectAltName=DNS:bad_name!" \
  -outform DER -out csr_san_bad.der
o req -new -key ldevid.key -subj /CN=x -sha1 -outform DER -out csr_sha1.der
o genpkey -algorithm ed25519 -out ed.key
o req -new -key ed.key -subj /CN=ed -outform DER -out csr_ed25519.der
o genrsa -out rsa1024.key 1024
o req -new -key rsa1024.key -subj /CN=weak -outform DER -out csr_rsa1024.der
# Flip one byte of the signature (last byte of the BIT STRING).
python3 - <<P
d = bytearray(open("csr_p256.der", "rb").read())
d[-1] ^= 0x01
open("csr_badsig.der", "wb").write(bytes(d))
P
base64 -w 64 csr_p256.der | sed 's/$/\r/' > csr_p256.b64
o x509 -inform DER -in ca.der -out ca.pem
o x509 -inform DER -in idevid.der -out idevid.pem
cat idevid.pem mfg.pem > chain.pem
o crl2pkcs7 -nocrl -certfile chain.pem -outform DER -out chain.p7b
rm -f ed.key rsa1024.key mfg.key
