#!/usr/bin/env bash
# dovecot-stop.sh - stop the Dovecot started by dovecot-start.sh in DIR.
#
# usage: dovecot-stop.sh [--purge] DIR
#
# Only the master PID recorded in DIR/dovecot.pid is signalled, and only if its command line is
# still `dovecot ... -c DIR/dovecot.conf`: SIGTERM, then SIGKILL after 10 s. The master takes its
# own children down. --purge also removes DIR (which must be under /tmp).
set -uo pipefail
PURGE=0
if [ "${1:-}" = "--purge" ]; then PURGE=1; shift; fi
case "${1:-}" in -h|--help|'') sed -n '2,8p' "$0"; [ -n "${1:-}" ]; exit $? ;; esac
DIR=$1
[ -d "$DIR" ] || { echo "dovecot-stop: no such directory $DIR" >&2; exit 0; }
DIR=$(cd "$DIR" && pwd -P)
case "$DIR" in /tmp/?*) ;; *) echo "dovecot-stop: DIR must be under /tmp: $DIR" >&2; exit 2 ;; esac

# alive: exists and is not a zombie waiting for a parent that does not reap it
alive() { [ -r "/proc/$1/stat" ] && ! sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | grep -q '^[ZX]'; }

if [ -f "$DIR/dovecot.pid" ]; then
    pid=$(cat "$DIR/dovecot.pid")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && \
       tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-c $DIR/dovecot.conf"; then
        kill -TERM "$pid"
        for _ in $(seq 1 200); do alive "$pid" || break; sleep 0.05; done
        if alive "$pid"; then
            echo "dovecot-stop: pid $pid still alive after 10 s, sending SIGKILL" >&2
            kill -KILL "$pid"
        fi
    fi
    rm -f "$DIR/dovecot.pid"
fi
if [ "$PURGE" = 1 ]; then rm -rf "$DIR"; fi
exit 0
