#!/bin/sh
# Lint every shell script the project ships.
set -eu
if ! command -v shellcheck >/dev/null 2>&1; then
    echo "shellcheck.sh: shellcheck is not installed (apt-get install shellcheck); failing" >&2
    exit 1
fi
files=$(git ls-files '*.sh' 2>/dev/null || find . -name '*.sh' -not -path './.venv/*')
# shellcheck disable=SC2086
[ -n "$files" ] && shellcheck -x $files
echo "shellcheck: $(echo "$files" | wc -w) scripts clean"
