#!/usr/bin/env bash
# Installs every system package imapworker needs to build, test and run its demo (Debian 12).
# Safe to run again; it only installs what is missing.
set -euo pipefail
PKGS=(
    libssl-dev libsqlite3-dev libhiredis-dev zlib1g-dev   # linked system libraries
    dovecot-core dovecot-imapd                             # IMAP server for tests and the demo
    nats-server redis-server                               # bus servers for the transport tests
    microsocks                                             # SOCKS5 proxy for the proxy tests
    interimap                                              # reference sync tool for the SyncEngine compatibility tests
    openssl python3 python3-venv util-linux iproute2 procps
    systemd                                                # systemd-analyze verify (scripts/check-deploy.sh)
)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    echo "setup: installing ${missing[*]}"
    $SUDO apt-get update -qq
    # policy-rc.d keeps the packages' own system services from starting: tests run their own.
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: swift is not on PATH (expected /opt/swift/usr/bin)" >&2; exit 1; }
