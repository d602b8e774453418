#!/bin/sh
# Create the project's virtual environment. Debian ships `venv` without ensurepip
# unless python3-venv is installed; install it when we can, otherwise say what to do.
set -eu
PY=${1:-python3}
VENV=${2:-.venv}
if "$PY" -m venv "$VENV" 2>/dev/null; then
    exit 0
fi
rm -rf "$VENV"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    ver=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    echo "make-venv: installing python3-venv (python$ver-venv) with apt-get" >&2
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python$ver-venv" >/dev/null 2>&1 \
        || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    exec "$PY" -m venv "$VENV"
fi
echo "make-venv: '$PY -m venv' does not work here; install the python3-venv package (as root: apt-get install python3-venv) and retry" >&2
exit 1
