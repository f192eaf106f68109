#!/usr/bin/env bash
# Checks the deployment files without a Docker engine or systemd as PID 1:
#   docker-compose.yml   against the Compose specification (check-jsonschema's vendored schema)
#   Dockerfile           every COPY source exists (and is not excluded by .dockerignore), hadolint if installed
#   imapworker.service   systemd-analyze verify (any warning fails), if systemd-analyze is installed
#   shell scripts        the container's entrypoint, health check and release build parse (bash -n / sh -n)
#   link order           scripts/link-order.txt (the release build's) is there and holds Swift symbols
# usage: scripts/check-deploy.sh      (needs the virtualenv from scripts/pyenv.sh)
# Last line: "check-deploy: ok" or "check-deploy: N problem(s)"; exit status 0 only when ok.
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON=${IMAPWORKER_PYTHON:-$(scripts/pyenv.sh)} || exit 1
BIN=$(dirname "$PYTHON")
problems=0
fail() { echo "check-deploy: $*" >&2; problems=$((problems + 1)); }

"$BIN/check-jsonschema" --builtin-schema vendor.compose-spec docker-compose.yml >/dev/null \
    || fail "docker-compose.yml does not follow the Compose specification"

# COPY sources: the local ones (not --from=STAGE) must exist in the build context.
check_copies() {
    local dockerfile=$1 context=$2
    while read -r src; do
        [ -e "$context/$src" ] || fail "$dockerfile: COPY source $src does not exist"
        # A COPY of a path .dockerignore leaves out would fail. The last matching pattern wins; a
        # pattern matches the path or one of its parent directories; "!pattern" takes it back in.
        if [ -f "$context/.dockerignore" ]; then
            local excluded="" path pat
            while read -r pat; do
                case "$pat" in ''|'#'*) continue ;; esac
                local negated=0
                [[ $pat == '!'* ]] && { negated=1; pat=${pat#!}; }
                path=${src%/}
                while [ -n "$path" ]; do
                    # shellcheck disable=SC2053  # the pattern is meant to glob
                    if [[ $path == $pat ]]; then
                        if [ "$negated" = 1 ]; then excluded=""; else excluded=$pat; fi
                        break
                    fi
                    [[ $path == */* ]] && path=${path%/*} || path=""
                done
            done < "$context/.dockerignore"
            [ -n "$excluded" ] && fail "$dockerfile: COPY source $src is excluded by .dockerignore ($excluded)"
        fi
    done < <(grep -E '^COPY ' "$dockerfile" | grep -v -- '--from=' | sed -E 's/^COPY +//; s/ +[^ ]+$//' | tr ' ' '\n' | grep -v '^$')
}
check_copies Dockerfile .
check_copies configs/docker/dovecot/Dockerfile configs/docker/dovecot
grep -qxF '.build*' .dockerignore || fail ".dockerignore lacks .build*"
grep -qxF '*.db' .dockerignore || fail ".dockerignore lacks *.db"
grep -qE '^data/?$' .dockerignore || fail ".dockerignore lacks data/"

if command -v hadolint >/dev/null; then
    hadolint Dockerfile configs/docker/dovecot/Dockerfile || fail "hadolint"
else
    echo "check-deploy: hadolint not installed (Debian 12 has no package): Dockerfile lint skipped"
fi

if command -v systemd-analyze >/dev/null; then
    # verify wants ExecStart's binary to exist and only warns (exit 0) on unknown keys: check a copy
    # that starts /bin/true, and count any output as a failure.
    tmp=$(mktemp -d /tmp/imapworker-check-deploy-XXXXXX)
    sed -E 's#^ExecStart=/usr/local/bin/imapworker #ExecStart=/bin/true #' configs/imapworker.service > "$tmp/imapworker.service"
    out=$(systemd-analyze verify "$tmp/imapworker.service" 2>&1) || fail "systemd-analyze verify failed"
    [ -z "$out" ] || fail "systemd-analyze verify: $out"
    rm -rf "$tmp"
else
    echo "check-deploy: systemd-analyze not installed: unit check skipped"
fi

bash -n configs/docker/healthcheck.sh || fail "configs/docker/healthcheck.sh does not parse"
sh -n configs/docker/dovecot/entrypoint.sh || fail "configs/docker/dovecot/entrypoint.sh does not parse"
# The Dockerfile's build: the script parses and its order file is there, with Swift symbols in it.
bash -n scripts/build-release.sh || fail "scripts/build-release.sh does not parse"
[ "$(grep -c '^\$s' scripts/link-order.txt 2>/dev/null)" -gt 1000 ] \
    || fail "scripts/link-order.txt is missing or holds no Swift symbols (scripts/gen-link-order.sh writes it)"

if [ "$problems" -eq 0 ]; then echo "check-deploy: ok"; else echo "check-deploy: $problems problem(s)"; fi
[ "$problems" -eq 0 ]
