#!/bin/bash
# Container health: GET /health on the daemon's metrics endpoint; healthy on 200 only.
# bash's /dev/tcp keeps curl out of the runtime image. Port 0 means the endpoint is off: nothing
# to ask, so the container counts as healthy (the process being up is all Docker can see).
set -uo pipefail
port=${IMAPWORKER_METRICS_PORT:-9090}
[ "$port" = 0 ] && exit 0
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
# The status line only: the endpoint may keep the connection open after its answer.
IFS= read -r -t 4 status <&3 || exit 1
case "$status" in
    "HTTP/1."?" 200 "*) exit 0 ;;
    *) echo "imapworker /health: ${status%$'\r'}" >&2; exit 1 ;;
esac
