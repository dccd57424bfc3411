#!/usr/bin/env bash
# Makes the test-only TLS material for tests/hostile_cms.rs (committed; rerun to renew, valid
# 100 years): a test CA, a certificate for 127.0.0.1/localhost signed by it, and a rogue
# self-signed certificate for the same names. Never trust these outside the tests.
set -euo pipefail
cd "$(dirname "$0")"
days=36500
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days $days -subj "/CN=Vantage test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout cms.key -out cms.csr -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' > cms.ext
openssl x509 -req -in cms.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out cms.pem -days $days -extfile cms.ext 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.pem -days $days -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
# PKCS#8 keys, as native-tls's Identity::from_pkcs8 takes them.
for k in cms rogue; do openssl pkcs8 -topk8 -nocrypt -in $k.key -out $k.key.p8 && mv $k.key.p8 $k.key; done
rm -f cms.csr cms.ext ca.srl ca.key
