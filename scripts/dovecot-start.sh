#!/usr/bin/env bash
# dovecot-start.sh - start a throwaway Dovecot 2.3 IMAP server on 127.0.0.1, entirely inside DIR.
#
# usage: dovecot-start.sh [--check] [--watch-pid PID] [--oauth2-url URL] DIR IMAP_PORT IMAPS_PORT [USER:PASS ...]
#
#   DIR          instance directory, must be under /tmp (created if missing). It holds:
#                  dovecot.conf  passwd  dovecot.pid  ports
#                  ssl/ca.pem ssl/ca.key       the test CA (clients trust ca.pem)
#                  ssl/server.pem ssl/server.key  server certificate signed by that CA
#                                              (SAN DNS:localhost, IP:127.0.0.1)
#                  run/ state/ log/            base_dir, state_dir, logs (log/dovecot.log)
#                  home/USER/Maildir           each user's mail (Maildir++, '/' separator)
#   IMAP_PORT    plain IMAP with STARTTLS (plain-text LOGIN allowed: loopback only)
#   IMAPS_PORT   implicit TLS
#   USER:PASS    users (default alice:alicepw)
#   --check      after start, log in over STARTTLS and require the capabilities the client needs
#   --watch-pid  stop this Dovecot when process PID exits (a crashed test run leaves nothing behind)
#   --oauth2-url also offer XOAUTH2 and OAUTHBEARER, checking tokens with an oauth2 passdb that
#                POSTs token=… to URL (RFC 7662 introspection, e.g. scripts/oauth2-introspect.py)
#                and takes the user from the answer's "username" when its "active" is true
#                (config in DIR/dovecot-oauth2.conf.ext). Passwords still work for PLAIN/LOGIN.
#
# As root, mail is owned by MAIL_UID:MAIL_GID (default 65534:65534) and Dovecot's own services run
# as dovecot/dovenull (nobody when those users do not exist). As non-root, everything runs as the
# calling user. Existing mail in DIR/home is kept, so a corpus can be generated before the start.
# The master runs as `dovecot -F` in its own session; only its PID (DIR/dovecot.pid) is ever
# signalled, by dovecot-stop.sh.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CHECK=0
WATCH_PID=""
OAUTH2_URL=""
while [ $# -gt 0 ]; do
    case "$1" in
        --check) CHECK=1; shift ;;
        --watch-pid) WATCH_PID=${2:?--watch-pid needs a PID}; shift 2 ;;
        --oauth2-url) OAUTH2_URL=${2:?--oauth2-url needs a URL}; shift 2 ;;
        -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
        *) break ;;
    esac
done
[ $# -ge 3 ] || { echo "usage: dovecot-start.sh [--check] [--watch-pid PID] [--oauth2-url URL] DIR IMAP_PORT IMAPS_PORT [USER:PASS ...]" >&2; exit 2; }
DIR=$1 IMAP_PORT=$2 IMAPS_PORT=$3
shift 3
USERS=("$@")
[ ${#USERS[@]} -gt 0 ] || USERS=(alice:alicepw)

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd -P)
case "$DIR" in /tmp/?*) ;; *) echo "dovecot-start: DIR must be under /tmp: $DIR" >&2; exit 2 ;; esac
for u in "${USERS[@]}"; do
    case "$u" in *:*) ;; *) echo "dovecot-start: user '$u' is not USER:PASS" >&2; exit 2 ;; esac
    case "${u%%:*}" in ''|*[!A-Za-z0-9._-]*) echo "dovecot-start: bad user name '${u%%:*}'" >&2; exit 2 ;; esac
done

if [ -f "$DIR/dovecot.pid" ] && kill -0 "$(cat "$DIR/dovecot.pid")" 2>/dev/null; then
    echo "dovecot-start: already running in $DIR (pid $(cat "$DIR/dovecot.pid"))" >&2; exit 1
fi
listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
for p in "$IMAP_PORT" "$IMAPS_PORT"; do
    if listening "$p"; then echo "dovecot-start: port $p already in use" >&2; exit 3; fi
done

# --- who runs what -----------------------------------------------------------------------
if [ "$(id -u)" = 0 ]; then
    MAIL_UID=${MAIL_UID:-65534}
    MAIL_GID=${MAIL_GID:-65534}
    user_or_nobody() { getent passwd "$1" >/dev/null && echo "$1" || echo nobody; }
    INTERNAL_USER=$(user_or_nobody dovecot)
    LOGIN_USER=$(user_or_nobody dovenull)
    INTERNAL_GROUP=$(getent group dovecot >/dev/null && echo dovecot || getent group "$MAIL_GID" | cut -d: -f1)
    NONROOT_SETTINGS=""
else
    MAIL_UID=$(id -u) MAIL_GID=$(id -g)
    INTERNAL_USER=$(id -un) LOGIN_USER=$(id -un) INTERNAL_GROUP=$(id -gn)
    # Unprivileged master: no chroots, no user switches, every service as the caller.
    NONROOT_SETTINGS="
service anvil {
  chroot =
}
service imap-login {
  chroot =
  user = $LOGIN_USER
}
service auth {
  user = $INTERNAL_USER
}
service auth-worker {
  user = $INTERNAL_USER
}
service stats {
  user = $INTERNAL_USER
}"
fi

mkdir -p "$DIR"/{run,state,log,ssl,home}
chmod 0755 "$DIR" "$DIR/home" "$DIR/log"

# --- TLS: a CA of our own and a server certificate it signs --------------------------------
# A separate CA (not a self-signed leaf) so that "the client trusts ca.pem" and "the client
# verifies the chain and the name" are both exercised; without ca.pem a client must refuse.
if [ ! -s "$DIR/ssl/server.pem" ]; then
    (
        cd "$DIR/ssl"
        umask 077
        openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -days 30 \
            -keyout ca.key -out ca.pem -subj "/CN=imapworker test CA $(basename "$DIR")" \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 \
            -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
        printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
            "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" > server.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -sha256 \
            -extfile server.ext -out server.pem 2>/dev/null
        rm -f server.csr server.ext ca.srl
        chmod 0644 ca.pem server.pem
    )
fi

# --- users: passwd-file user:{PLAIN}pass:uid:gid::home:: ----------------------------------
: > "$DIR/passwd.tmp"
for up in "${USERS[@]}"; do
    u=${up%%:*} pw=${up#*:}
    echo "$u:{PLAIN}$pw:$MAIL_UID:$MAIL_GID::$DIR/home/$u::" >> "$DIR/passwd.tmp"
    mkdir -p "$DIR/home/$u"
    if [ "$(id -u)" = 0 ]; then chown "$MAIL_UID:$MAIL_GID" "$DIR/home/$u"; fi
done
# The auth process (running as INTERNAL_USER) reads it; the passwords are throwaway test values.
chmod 0644 "$DIR/passwd.tmp"
mv "$DIR/passwd.tmp" "$DIR/passwd"

# --- OAuth 2.0: a second passdb, for the token mechanisms only ---------------------------------
MECHANISMS="plain login"
OAUTH2_PASSDB=""
if [ -n "$OAUTH2_URL" ]; then
    case "$OAUTH2_URL" in http://127.0.0.1:*/*) ;; *) echo "dovecot-start: --oauth2-url must be http://127.0.0.1:PORT/…" >&2; exit 2 ;; esac
    MECHANISMS="plain login xoauth2 oauthbearer"
    cat > "$DIR/dovecot-oauth2.conf.ext" <<EOF
introspection_mode = post
introspection_url = $OAUTH2_URL
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 10000
EOF
    chmod 0644 "$DIR/dovecot-oauth2.conf.ext"
    OAUTH2_PASSDB="passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $DIR/dovecot-oauth2.conf.ext
}"
fi

# --- configuration ---------------------------------------------------------------------------
cat > "$DIR/dovecot.conf" <<EOF
# generated by dovecot-start.sh (imapworker test harness)
instance_name = imapworker-$(basename "$DIR")
base_dir = $DIR/run
state_dir = $DIR/state
listen = 127.0.0.1
protocols = imap
default_internal_user = $INTERNAL_USER
default_login_user = $LOGIN_USER
default_internal_group = $INTERNAL_GROUP
log_path = $DIR/log/dovecot.log
info_log_path = $DIR/log/dovecot.log

ssl = yes
ssl_cert = <$DIR/ssl/server.pem
ssl_key = <$DIR/ssl/server.key
ssl_min_protocol = TLSv1.2

# The STARTTLS port also accepts LOGIN in clear text, for the client's explicit "plain" mode.
disable_plaintext_auth = no
auth_mechanisms = $MECHANISMS
passdb {
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u $DIR/passwd
}
$OAUTH2_PASSDB
userdb {
  driver = passwd-file
  args = username_format=%u $DIR/passwd
}
first_valid_uid = 1

mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = /
}

# COMPRESS=DEFLATE in 2.3 needs both zlib (storage) and imap_zlib (the IMAP command).
mail_plugins = \$mail_plugins zlib
protocol imap {
  mail_plugins = \$mail_plugins imap_zlib
  mail_max_userip_connections = 100
}

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
$NONROOT_SETTINGS
# A test's own settings (e.g. fewer capabilities), when it wrote any.
!include_try $DIR/extra.conf
EOF

if ! doveconf -c "$DIR/dovecot.conf" -n > "$DIR/log/doveconf-n.txt" 2>&1; then
    echo "dovecot-start: invalid configuration:" >&2; cat "$DIR/log/doveconf-n.txt" >&2; exit 1
fi

# --- start: foreground master, own session, PID recorded --------------------------------------
# Background children must not keep the caller's descriptors: Foundation's Process (the Swift
# tests) waits for a socket it gives the child to close, so an inherited copy in the long-lived
# master would make this script look like it never ends.
close_inherited_fds() {
    local fd
    for fd in /proc/$BASHPID/fd/*; do
        fd=${fd##*/}
        if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
}
# Signal masks and ignored signals also survive exec, and Foundation's Process spawns with its
# thread's mask (nearly every signal blocked): without a reset, SIGTERM would not stop Dovecot.
PYTHON=$(command -v /usr/bin/python3 || command -v python3)
exec_with_default_signals() {
    exec "$PYTHON" -c 'import os, signal, sys
signal.pthread_sigmask(signal.SIG_SETMASK, [])
for s in range(1, signal.NSIG):
    try:
        signal.signal(s, signal.SIG_DFL)
    except (OSError, ValueError, RuntimeError):
        pass
os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}
rm -f "$DIR/run/master.pid"
( close_inherited_fds; exec_with_default_signals setsid /usr/sbin/dovecot -F -c "$DIR/dovecot.conf" ) \
    > "$DIR/log/master.out" 2>&1 < /dev/null &
echo "$IMAP_PORT $IMAPS_PORT" > "$DIR/ports"

# setsid forks when it happens to lead a process group, so $! may not be the master: take the
# PID Dovecot writes itself (base_dir/master.pid).
PID="" up=0
for _ in $(seq 1 300); do
    if [ -z "$PID" ] && [ -s "$DIR/run/master.pid" ]; then PID=$(cat "$DIR/run/master.pid"); fi
    if [ -n "$PID" ]; then
        kill -0 "$PID" 2>/dev/null || break
        if listening "$IMAP_PORT" && listening "$IMAPS_PORT"; then up=1; break; fi
    elif grep -q "Fatal" "$DIR/log/master.out" 2>/dev/null; then
        break
    fi
    sleep 0.05
done
if [ "$up" != 1 ]; then
    echo "dovecot-start: dovecot did not come up:" >&2
    cat "$DIR/log/master.out" "$DIR/log/dovecot.log" >&2 2>/dev/null || true
    if [ -n "$PID" ]; then kill -KILL "$PID" 2>/dev/null || true; fi
    # exit 3 tells the caller a port was probably taken in the meantime: retry with others
    if grep -qi "address already in use" "$DIR/log/master.out" "$DIR/log/dovecot.log" 2>/dev/null; then exit 3; fi
    exit 1
fi
echo "$PID" > "$DIR/dovecot.pid"

# Listening is not ready: until auth answers, imap-login greets with "* OK Waiting for
# authentication process to respond.." first. Wait for the real greeting so tests see a plain one.
for _ in $(seq 1 100); do
    greeting=""
    if { exec 3<>"/dev/tcp/127.0.0.1/$IMAP_PORT"; } 2>/dev/null; then
        IFS= read -r -t 5 greeting <&3 || true
        exec 3<&- 3>&-
    fi
    case "$greeting" in *CAPABILITY*) break ;; esac
    sleep 0.05
done

if [ -n "$WATCH_PID" ]; then
    # Stops the master when the watched process (the test runner) is gone; ends with the master.
    ( close_inherited_fds
      exec_with_default_signals setsid bash -c 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done
                           kill -0 "$2" 2>/dev/null && exec "$3/dovecot-stop.sh" "$4"' \
          watch "$WATCH_PID" "$PID" "$HERE" "$DIR" ) > /dev/null 2>&1 < /dev/null &
fi

echo "dovecot pid $PID imap=127.0.0.1:$IMAP_PORT imaps=127.0.0.1:$IMAPS_PORT dir=$DIR"
if [ "$CHECK" = 1 ]; then
    u=${USERS[0]%%:*} pw=${USERS[0]#*:}
    IMAP_PASSWORD=$pw python3 "$HERE/imap-check.py" --port "$IMAP_PORT" --mode starttls \
        --cafile "$DIR/ssl/ca.pem" --user "$u" caps --require-defaults
fi
