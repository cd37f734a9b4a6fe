#!/usr/bin/env bash
# tests/interop/certs/make.sh - makes the test PKI used by the interop tests.
#
# Run it from anywhere; it writes into this directory and its output is
# committed, so the tests never need to run it. Every certificate is valid
# from 2020-01-01 to 2049-12-31 (UTCTime on both ends), except expired.pem.
#
#   ca.pem / ca.key                   "lucidtls interop CA" (P-256), the trusted root
#   server-rsa.pem / .key             RSA-2048 leaf  \
#   server-p256.pem / .key            ECDSA P-256     \  each for DNS:localhost and
#   server-p384.pem / .key            ECDSA P-384     /  IP:127.0.0.1, serverAuth,
#   server-ed25519.pem / .key         Ed25519        /   issued by ca
#   server-ed448.pem / .key           Ed448         /
#   client.pem / client.key           client certificate (P-256, clientAuth), by ca
#   client-rsa.pem / .key             client certificate (RSA-2048, clientAuth), by ca
#   expired.pem / .key                leaf for localhost, valid 2000-01-01..2001-01-01, by ca
#   wrongname.pem / .key              leaf for DNS:other.example only, by ca
#   untrusted-ca.pem / .key           another root, trusted by no test
#   untrusted.pem / .key              leaf for localhost/127.0.0.1 by untrusted-ca
#   untrusted-client.pem / .key       client certificate by untrusted-ca
#   *-chain.pem                       leaf followed by its CA (for peers that want one file)
set -euo pipefail
cd "$(dirname "$0")"
command -v openssl >/dev/null || { echo "make.sh: openssl is needed" >&2; exit 1; }

START=20200101000000Z
END=20491231235959Z
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/ca.cnf" <<CNF
[ ca ]
default_ca = lucid
[ lucid ]
dir = $work
database = \$dir/index.txt
new_certs_dir = \$dir
serial = \$dir/serial
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[ anything ]
commonName = supplied
organizationName = optional
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ server ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ wrongname ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:other.example
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ client ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
: >"$work/index.txt"

genkey() { # file type
  case $2 in
    rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null ;;
    p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" ;;
    p384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$1" ;;
    ed25519) openssl genpkey -algorithm ED25519 -out "$1" ;;
    ed448) openssl genpkey -algorithm ED448 -out "$1" ;;
  esac
}

mkroot() { # name cn
  genkey "$1.key" p256
  openssl req -config "$work/ca.cnf" -new -key "$1.key" -subj "/O=lucidtls tests/CN=$2" -out "$work/$1.csr"
  openssl ca -config "$work/ca.cnf" -batch -notext -preserveDN -rand_serial -selfsign -keyfile "$1.key" \
    -startdate $START -enddate $END -extensions v3_ca -in "$work/$1.csr" -out "$1.pem" >"$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }
}

issue() { # name keytype cn extensions ca [start end]
  local name=$1 type=$2 cn=$3 ext=$4 ca=$5 start=${6:-$START} end=${7:-$END}
  genkey "$name.key" "$type"
  openssl req -config "$work/ca.cnf" -new -key "$name.key" -subj "/O=lucidtls tests/CN=$cn" -out "$work/$name.csr"
  openssl ca -config "$work/ca.cnf" -batch -notext -preserveDN -rand_serial -cert "$ca.pem" -keyfile "$ca.key" \
    -startdate "$start" -enddate "$end" -extensions "$ext" -in "$work/$name.csr" -out "$name.pem" >"$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }
  cat "$name.pem" "$ca.pem" >"$name-chain.pem"
}

rm -f ./*.pem ./*.key
mkroot ca "lucidtls interop CA"
mkroot untrusted-ca "lucidtls untrusted CA"
for t in rsa p256 p384 ed25519 ed448; do
  issue "server-$t" "$t" localhost server ca
done
issue client p256 "lucidtls interop client" client ca
issue client-rsa rsa "lucidtls interop client (RSA)" client ca
issue expired p256 localhost server ca 20000101000000Z 20010101000000Z
issue wrongname p256 other.example wrongname ca
issue untrusted p256 localhost server untrusted-ca
issue untrusted-client p256 "lucidtls untrusted client" client untrusted-ca
chmod 644 ./*.key ./*.pem

# Check what was made: every leaf but the deliberate failures verifies.
for n in server-rsa server-p256 server-p384 server-ed25519 server-ed448 client client-rsa wrongname; do
  openssl verify -CAfile ca.pem "$n.pem" >/dev/null
done
openssl verify -CAfile untrusted-ca.pem untrusted.pem untrusted-client.pem >/dev/null
if openssl verify -CAfile ca.pem expired.pem >/dev/null 2>&1; then echo "expired.pem verifies?" >&2; exit 1; fi
echo "make.sh: test PKI written to $(pwd)"
