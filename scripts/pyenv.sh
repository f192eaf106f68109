#!/usr/bin/env bash
# Creates (once) a throwaway virtualenv holding clients no one here wrote, used by the interop
# tests and benchmarks: nats-py and redis-py from PyPI, and check-jsonschema for
# scripts/check-deploy.sh. Prints the interpreter's path.
set -euo pipefail
VENV=${IMAPWORKER_PYENV:-/tmp/imapworker-pyenv}
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import nats, redis, check_jsonschema' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check nats-py redis check-jsonschema >&2
fi
echo "$VENV/bin/python"
