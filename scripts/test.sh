#!/usr/bin/env bash
# Runs the whole test suite. Every test starts the real servers it needs (Dovecot, nats-server,
# redis-server, microsocks, openssl s_server) itself, on 127.0.0.1 with free ports and temporary
# directories, and stops them.
#
# usage: scripts/test.sh [TARGET ...]     (default: every test target, one process each)
#
# Each test target runs in its own process with a time limit, so that one target's servers and
# load never disturb another's and a stuck target fails instead of hanging the run. The last
# line is the total: "imapworker: N passed, N failed". A whole-suite run ends with a short
# libFuzzer smoke of the response parser (IMAPWORKER_FUZZ_SMOKE=0 skips it).
# It also runs scripts/check-release.sh (the release build) and scripts/check-deploy.sh (Dockerfile,
# compose file, systemd unit), each counted as one test.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
scripts/setup.sh || exit 1
IMAPWORKER_PYTHON=$(scripts/pyenv.sh) || exit 1   # throwaway virtualenv: nats-py, redis-py
export IMAPWORKER_PYTHON
swift build --build-tests || exit 1

TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(CredentialsTests IMAPCoreTests DeflateCodecTests OpenSSLKitTests MailStoreTests HarnessTests
                                     IMAPClientTests MailJobsTests ImapctlTests NATSTests RedisStreamsTests
                                     SyncEngineTests SyncIMAPTests SyncStoreTests WorkerTests)
LIMIT=${IMAPWORKER_TEST_LIMIT:-900}   # seconds per target
LOGS=$(mktemp -d /tmp/imapworker-testlogs-XXXXXX)
passed=0; failed=0; bad=()
for target in "${TARGETS[@]}"; do
    start=$(date +%s)
    timeout --kill-after=30 "$LIMIT" swift test --skip-build --filter "^$target\." > "$LOGS/$target.log" 2>&1
    rc=$?
    summary=$(grep -E "Test run with [0-9]+ tests?" "$LOGS/$target.log" | tail -1)
    n=$(sed -nE 's/.*Test run with ([0-9]+) tests?.*/\1/p' <<< "$summary")
    issues=$(grep -cE "^✘ Test .*(failed|recorded an issue)" "$LOGS/$target.log")
    if [ "$rc" = 0 ] && [ -n "$n" ]; then
        passed=$((passed + n))
        echo "$target: $n passed ($(( $(date +%s) - start )) s)"
    else
        [ "$rc" = 124 ] && echo "$target: TIMED OUT after $LIMIT s"
        f=$(grep -cE "^✘ Test .* failed" "$LOGS/$target.log"); [ "$f" -gt 0 ] || f=1
        failed=$((failed + f)); bad+=("$target")
        [ -n "$n" ] && passed=$((passed + n - f))
        echo "$target: FAILED (exit $rc, $issues issue lines) — log: $LOGS/$target.log"
        grep -E "^✘|Expectation failed|Fatal error|error:" "$LOGS/$target.log" | head -40
    fi
done
# libFuzzer smoke of the response parser (docs/testing.md), on whole-suite runs only. A crash
# fails the run; slowness never does (a generous -timeout, no time limit on the runs).
if [ $# -eq 0 ] && [ "${IMAPWORKER_FUZZ_SMOKE:-1}" != 0 ]; then
    scripts/fuzz.sh -runs=20000 -timeout=120 > "$LOGS/fuzz.log" 2>&1
    rc=$?
    tail -1 "$LOGS/fuzz.log"
    if [ "$rc" != 0 ]; then
        failed=$((failed + 1)); bad+=("fuzz")
        grep -E "ERROR|Fatal error|SUMMARY|failed" "$LOGS/fuzz.log" | head -10
    fi
fi
# A check script counted as one test: check NAME (runs scripts/NAME.sh, its log kept).
check() {
    if "scripts/$1.sh" > "$LOGS/$1.log" 2>&1; then
        passed=$((passed + 1)); echo "$1: 1 passed"
    else
        failed=$((failed + 1)); bad+=("$1")
        echo "$1: FAILED — log: $LOGS/$1.log"; tail -20 "$LOGS/$1.log"
    fi
}
if [ $# -eq 0 ]; then
    # The release build (scripts/build-release.sh: what the README, the Dockerfile and the
    # benchmarks run) builds, starts and is laid out in the link order (IMAPWORKER_RELEASE_CHECK=0
    # skips it; about 5 minutes on 2 cores from nothing).
    [ "${IMAPWORKER_RELEASE_CHECK:-1}" = 0 ] || check check-release
    # The deployment files (Dockerfile, compose, systemd unit).
    check check-deploy
fi
echo "logs: $LOGS"
[ ${#bad[@]} -eq 0 ] || echo "failed targets: ${bad[*]}"
echo "imapworker: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
