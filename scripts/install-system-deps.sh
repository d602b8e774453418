#!/bin/sh
# Install the Debian packages the test suite drives for real: shellcheck (wrapper lint),
# Chromium (dashboard browser tests), Slurm + munge (live batch tests), PostgreSQL
# (monitor database tests), debhelper + rpm + rpmlint + systemd (make packages, the packaging tests). Idempotent; does nothing for packages already present.
# Without root or apt-get it only reports what is missing: the tests that need a
# missing piece skip and say why.
set -eu
PKGS="shellcheck chromium slurmctld slurmd slurm-client slurmrestd munge postgresql curl debhelper rpm rpmlint systemd groff-base"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: not root or no apt-get; missing:$missing (the tests that need them will skip)" >&2
    exit 0
fi
echo "install-system-deps: apt-get install$missing" >&2
if [ -z "$(find /var/lib/apt/lists -name '*Packages*' 2>/dev/null | head -n 1)" ]; then
    apt-get update -qq >/dev/null
fi
# policy-rc.d keeps Debian's maintainer scripts from starting services: the tests start their own.
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null \
    || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null; }
