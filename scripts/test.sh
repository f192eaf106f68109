#!/usr/bin/env bash
# Runs the whole test suite. Every test starts the real servers it needs (Dovecot, nats-server,
# redis-server) itself, on 127.0.0.1 with free ports and temporary directories, and stops them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/pyenv.sh >/dev/null   # throwaway virtualenv with third-party clients (nats-py, redis-py)
export IMAPWORKER_PYTHON="${IMAPWORKER_PYENV:-/tmp/imapworker-pyenv}/bin/python"
swift build --build-tests
swift test --skip-build "$@"
