#!/bin/sh
# Regenerates the handshake test PKI in this folder with the openssl CLI
# (3.x): a root CA, an intermediate, server leaves of every key type the
# handshake tests use, a client certificate, and the broken ones the negative
# tests need. Run from this folder: sh make.sh. Test-only keys: never use them.
#
# Validity is fixed by date (openssl ca -startdate/-enddate), not "now", so
# that the tests' fixed clock (2027-01-01T00:00:00Z, 1798761600) stays inside
# every certificate's validity except expired.crt's, whatever the day the
# script is run.
set -eu

START=20250101000000Z
END=20450101000000Z

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/ca.cnf" <<CNF
[ ca ]
default_ca = lucid
[ lucid ]
dir = $work
database = $work/index.txt
new_certs_dir = $work
serial = $work/serial
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
[ root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ inter ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = \${ENV::SAN}
[ client ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
: > "$work/index.txt"
echo 1000 > "$work/serial"
export SAN=DNS:unused

key() { # name algorithm-options...
    n=$1; shift
    openssl genpkey "$@" -out "$n.key" 2>/dev/null
}
csr() { # name CN
    openssl req -new -config "$work/ca.cnf" -key "$1.key" -subj "/O=lucidtls tests/CN=$2" \
        -out "$work/$1.csr"
}
sign() { # name issuer extensions start end [selfsign]
    if [ "$2" = self ]; then
        openssl ca -batch -config "$work/ca.cnf" -selfsign -keyfile "$1.key" \
            -extensions "$3" -startdate "$4" -enddate "$5" -in "$work/$1.csr" \
            -out "$work/$1.pem" 2>/dev/null
    else
        openssl ca -batch -config "$work/ca.cnf" -cert "$2.crt" -keyfile "$2.key" \
            -extensions "$3" -startdate "$4" -enddate "$5" -in "$work/$1.csr" \
            -out "$work/$1.pem" 2>/dev/null
    fi
    openssl x509 -in "$work/$1.pem" -out "$1.crt"
}

EC256="-algorithm EC -pkeyopt ec_paramgen_curve:P-256"
EC384="-algorithm EC -pkeyopt ec_paramgen_curve:P-384"

key ca $EC256;          csr ca "lucidtls test root";         sign ca self root $START $END
key inter $EC256;       csr inter "lucidtls test intermediate"; sign inter ca inter $START $END
key other-ca $EC256;    csr other-ca "lucidtls untrusted root"; sign other-ca self root $START $END

# Every server leaf answers to localhost and 127.0.0.1, and to a name of its own
# so that the tests can pick a chain by SNI.
key rsa2048 -algorithm RSA -pkeyopt rsa_keygen_bits:2048
SAN="DNS:localhost,DNS:rsa.test,IP:127.0.0.1" csr rsa2048 rsa.test
SAN="DNS:localhost,DNS:rsa.test,IP:127.0.0.1" sign rsa2048 inter server $START $END
key p256 $EC256
SAN="DNS:localhost,DNS:p256.test,IP:127.0.0.1,IP:::1" csr p256 p256.test
SAN="DNS:localhost,DNS:p256.test,IP:127.0.0.1,IP:::1" sign p256 inter server $START $END
key p384 $EC384
SAN="DNS:localhost,DNS:p384.test,IP:127.0.0.1" csr p384 p384.test
SAN="DNS:localhost,DNS:p384.test,IP:127.0.0.1" sign p384 inter server $START $END
key ed25519 -algorithm ED25519
SAN="DNS:localhost,DNS:ed25519.test,IP:127.0.0.1" csr ed25519 ed25519.test
SAN="DNS:localhost,DNS:ed25519.test,IP:127.0.0.1" sign ed25519 inter server $START $END

# Broken on purpose.
key expired $EC256
SAN="DNS:localhost" csr expired localhost
SAN="DNS:localhost" sign expired inter server 20250101000000Z 20260101000000Z
key wrongname $EC256
SAN="DNS:wrong.example" csr wrongname wrong.example
SAN="DNS:wrong.example" sign wrongname inter server $START $END
key untrusted $EC256
SAN="DNS:localhost" csr untrusted localhost
SAN="DNS:localhost" sign untrusted other-ca server $START $END

# A client certificate.
key client $EC256
csr client "lucidtls test client"
sign client inter client $START $END

# The CA keys are not needed by any test.
rm -f ca.key inter.key other-ca.key
