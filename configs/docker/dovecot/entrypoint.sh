#!/bin/sh
# Makes a CA and a server certificate for the name "dovecot" on first start, into /etc/dovecot/tls
# (a volume the worker mounts read-only to trust ca.pem), then runs Dovecot in the foreground.
set -eu
TLS=/etc/dovecot/tls
if [ ! -s "$TLS/server.pem" ]; then
    mkdir -p "$TLS" && cd "$TLS"
    umask 077
    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -days 365 \
        -keyout ca.key -out ca.pem -subj "/CN=imapworker compose test CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 \
        -keyout server.key -out server.csr -subj "/CN=dovecot"
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "extendedKeyUsage=serverAuth" \
        "subjectAltName=DNS:dovecot,DNS:localhost,IP:127.0.0.1" > server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 -sha256 \
        -extfile server.ext -out server.pem
    rm -f server.csr server.ext ca.srl ca.key
    chmod 0644 ca.pem server.pem
fi
mkdir -p /srv/mail/test && chown -R mail:mail /srv/mail
exec /usr/sbin/dovecot -F
