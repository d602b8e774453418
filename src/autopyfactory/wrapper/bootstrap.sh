#!/bin/bash
# autopyfactory pilot wrapper, the executable the factory submits (bash only, nothing else assumed).
#
#  1. reports "running" to APFMon ($APFMON, $APFFID, $APFCID; skipped when unset; bounded tries);
#  2. creates and enters a private work directory under $TMPDIR, else $OSG_WN_TMP, else here;
#  3. prints a diagnostic header (host, user, OS, CPU, memory, disk, ulimits, proxy lifetime);
#  4. finds python3 >= 3.8 and runs the Python stage: the "stage" directory beside this script,
#     else the copy embedded at the end of this file (autopyfactory wrapper bundle), else the
#     tarball from --wrappertarballurl (checked against --wrappertarballchecksum, sha256 or 2.4's
#     md5), after 2.4's site setup: $OSG_GRID/setup.sh, --wrappervlimit and --wrapperspecialcmd
#     (which must succeed, as in 2.4);
#  5. forwards SIGTERM, SIGINT and SIGQUIT to the stage, which forwards them to the payload;
#  6. reports "exiting" with the exit code ("fault" when a node check failed), removes the work
#     directory and exits with the stage's exit code (the payload's, or a wrapper code).
#
# Environment: APFMON_TRIES (default 3), APFMON_TIMEOUT (connect timeout, default 10 s; the whole
# call gets twice that) and APFMON_DELAY (default 2 s, times the try number, between tries) bound
# the monitor calls; APF_PYTHON names a python to try first. Options and exit codes: docs/wrapper.md.

set -u

BOOTSTRAP_VERSION=3.0.0
EXIT_NO_PYTHON=71
EXIT_WORKDIR=72
EXIT_NO_STAGE=73
EXIT_SPECIAL_CMD=74
EXIT_CHECK_FAILED=80
STAGE_MARKER=__APF_STAGE_ARCHIVE__

LANDING=$(pwd -P)
case $0 in
    /*) SELF=$0 ;;
    *) SELF="$LANDING/$0" ;;
esac
HERE=$(cd "$(dirname "$SELF")" && pwd -P)

PY=""
STAGE=""
WORKDIR=""
CHILD=""
RC=0
SIGNALLED=0
FINISHING=0
KEEP_WORKDIR=0
TARBALL_URL=""
TARBALL_SUM=""
SPECIAL_CMD=""
VLIMIT=""
GRID=""
MON_TRIES=${APFMON_TRIES:-3}
MON_TIMEOUT=${APFMON_TIMEOUT:-10}
MON_DELAY=${APFMON_DELAY:-2}

log() {
    printf '%s UTC [bootstrap] %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S')" "$*"
}

err() {
    log "ERROR: $*"
    printf 'wrapper bootstrap: %s\n' "$*" >&2
}

have() {
    command -v "$1" >/dev/null 2>&1
}

# The options the bootstrap itself acts on; all of them are also passed on to the stage.
scan_options() {
    local value
    while [ $# -gt 0 ]; do
        value=""
        case $1 in
            --) return 0 ;;
            --*=*) value=${1#*=} ;;
            *) [ $# -gt 1 ] && value=$2 ;;
        esac
        case $1 in
            --wrappertarballurl | --wrappertarballurl=*) TARBALL_URL=$value ;;
            --wrappertarballchecksum | --wrappertarballchecksum=*) TARBALL_SUM=$value ;;
            --wrapperspecialcmd | --wrapperspecialcmd=*) SPECIAL_CMD=$value ;;
            --wrappervlimit | --wrappervlimit=*) VLIMIT=$value ;;
            --wrappergrid | --wrappergrid=*) GRID=$value ;;
            --wrapperkeepworkdir) KEEP_WORKDIR=1 ;;
        esac
        shift
    done
}

# http_post URL NAME=VALUE...: prints the HTTP status code, 000 when there was no answer.
http_post() {
    local url=$1 field
    shift
    if have curl; then
        local args=()
        for field in "$@"; do
            args+=(--data-urlencode "$field")
        done
        curl -ksS -o /dev/null -w '%{http_code}' --connect-timeout "$MON_TIMEOUT" \
            --max-time "$((MON_TIMEOUT * 2))" "${args[@]}" "$url" 2>/dev/null || true
    elif [ -n "$PY" ]; then
        "$PY" -c '
import ssl, sys, urllib.error, urllib.parse, urllib.request
url, timeout = sys.argv[1], float(sys.argv[2])
data = urllib.parse.urlencode([a.split("=", 1) for a in sys.argv[3:]]).encode()
try:
    urllib.request.urlopen(url, data, timeout=timeout, context=ssl._create_unverified_context()).close()
    print(200)
except urllib.error.HTTPError as exc:
    print(exc.code)
except Exception:
    print("000")
' "$url" "$((MON_TIMEOUT * 2))" "$@" 2>/dev/null || printf '000'
    else
        printf '000'
    fi
}

# mon_post STATE [RC]: returns 0 when reported (or no monitor), 1 when refused, 2 when unreachable.
# A 404 (the monitor does not know this pilot) is tried again like an outage: the factory registers
# its pilots in the background, and a pilot that starts at once can report before it is registered.
mon_post() {
    if [ -z "${APFMON:-}" ] || [ -z "${APFFID:-}" ] || [ -z "${APFCID:-}" ]; then
        return 0
    fi
    local state=$1 url="${APFMON%/}/jobs/${APFFID}:${APFCID}" try=1 code
    local fields=("state=$state")
    [ $# -gt 1 ] && fields+=("rc=$2")
    [ "$state" = running ] && fields+=("wrapper=autopyfactory-$BOOTSTRAP_VERSION")
    while :; do
        code=$(http_post "$url" "${fields[@]}")
        case $code in
            2??)
                log "monitor: reported state=$state${2:+ rc=$2}"
                return 0
                ;;
            404)
                if [ "$try" -ge "$MON_TRIES" ]; then
                    log "monitor: state=$state refused (HTTP 404: the monitor does not know this pilot)"
                    return 1
                fi
                log "monitor: state=$state: the monitor does not know this pilot yet (HTTP 404); trying again"
                ;;
            4??)
                log "monitor: state=$state refused (HTTP $code)"
                return 1
                ;;
        esac
        if [ "$try" -ge "$MON_TRIES" ]; then
            log "monitor: giving up on state=$state after $try tries (HTTP ${code:-000})"
            return 2
        fi
        sleep "$((try * MON_DELAY))"
        try=$((try + 1))
    done
}

find_python() {
    local c
    local candidates=(python3 python3.13 python3.12 python3.11 python3.10 python3.9 python3.8
        /usr/bin/python3 /usr/libexec/platform-python)
    [ -n "${APF_PYTHON:-}" ] && candidates=("$APF_PYTHON" "${candidates[@]}")
    for c in "${candidates[@]}"; do
        have "$c" || continue
        if "$c" -c 'import sys; sys.exit(sys.version_info < (3, 8))' >/dev/null 2>&1; then
            PY=$(command -v "$c")
            return 0
        fi
    done
    return 1
}

make_workdir() {
    local base
    for base in "${TMPDIR:-}" "${OSG_WN_TMP:-}" "$LANDING"; do
        if [ -z "$base" ] || [ ! -d "$base" ] || [ ! -w "$base" ]; then
            continue
        fi
        if have mktemp; then
            WORKDIR=$(mktemp -d "$base/apf-pilot.XXXXXXXX" 2>/dev/null) && return 0
        else
            WORKDIR="$base/apf-pilot.$$.$RANDOM"
            (umask 077 && mkdir "$WORKDIR") 2>/dev/null && return 0
        fi
        WORKDIR=""
    done
    return 1
}

remove_workdir() {
    [ -n "$WORKDIR" ] && [ -d "$WORKDIR" ] || return 0
    cd "$LANDING" 2>/dev/null || cd / || true
    if [ "$KEEP_WORKDIR" = 1 ]; then
        log "keeping the work directory $WORKDIR (--wrapperkeepworkdir)"
        return 0
    fi
    chmod -R u+rwx "$WORKDIR" 2>/dev/null
    if rm -rf -- "$WORKDIR"; then
        log "removed the work directory $WORKDIR"
    else
        log "could not remove all of the work directory $WORKDIR"
    fi
}

proxy_info() {
    local proxy=${X509_USER_PROXY:-/tmp/x509up_u$(id -u 2>/dev/null)}
    if [ ! -r "$proxy" ]; then
        log "proxy: none"
    elif have voms-proxy-info; then
        log "proxy: $proxy, $(voms-proxy-info -file "$proxy" -timeleft 2>/dev/null || echo '?') s left"
    elif have openssl; then
        log "proxy: $proxy, $(openssl x509 -noout -enddate -in "$proxy" 2>/dev/null || echo 'unreadable')"
    else
        log "proxy: $proxy (no voms-proxy-info or openssl to read it)"
    fi
}

header() {
    local os_name="" cpus model mem
    log "autopyfactory wrapper bootstrap $BOOTSTRAP_VERSION"
    log "arguments: $*"
    log "host: $(uname -n) user: $(id 2>/dev/null || echo "uid $UID")"
    if [ -r /etc/os-release ]; then
        os_name=$(sed -n 's/^PRETTY_NAME=//p' /etc/os-release | tr -d '"')
    fi
    log "os: ${os_name:-unknown}; kernel $(uname -srm)"
    cpus=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')
    model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
    log "cpu: $cpus usable${model:+, $model}"
    if [ -r /proc/meminfo ]; then
        mem=$(awk '/^MemTotal:/ {t = $2} /^MemAvailable:/ {a = $2} END {printf "%d MB total, %d MB available", t / 1024, a / 1024}' /proc/meminfo)
        log "memory: $mem"
    fi
    log "disk (work directory):"
    df -Pk "$WORKDIR" 2>/dev/null | sed 's/^/    /'
    log "ulimits:"
    ulimit -a 2>/dev/null | sed 's/^/    /'
    proxy_info
    log "landing directory: $LANDING"
    log "work directory: $WORKDIR"
    if [ -n "$PY" ]; then
        log "python: $PY ($("$PY" -c 'import platform; print(platform.python_version())' 2>/dev/null))"
    fi
    log "monitor: ${APFMON:-none} job ${APFFID:-?}:${APFCID:-?}"
}

# unpack_stage MODE SOURCE: MODE "embedded" (SOURCE: this file) or "url" (comma list of URLs).
unpack_stage() {
    local dest="$WORKDIR/wrapper-stage" out
    if ! out=$("$PY" - "$1" "$2" "$TARBALL_SUM" "$dest" 2>&1 <<'PYEOF'

import base64, hashlib, io, os, sys, tarfile, time, urllib.error, urllib.request
mode, source, want, dest = sys.argv[1:5]
def fetch():
    if mode == "embedded":
        with open(source, "rb") as f:
            data = f.read()
        marker = b"\n" + b"__APF_STAGE_ARCHIVE__" + b"\n"
        return base64.b64decode(data[data.rindex(marker) + len(marker):]), source
    last = "no URL"
    for url in [u.strip() for u in source.split(",") if u.strip()]:
        for attempt in range(3):
            if attempt:
                time.sleep(attempt)
            try:
                with urllib.request.urlopen(url, timeout=60) as r:
                    return r.read(), url
            except Exception as exc:
                last = "%s: %s" % (url, exc)
                if isinstance(exc, urllib.error.HTTPError) and exc.code < 500:
                    break
    sys.exit("cannot fetch the wrapper tarball (%s)" % last)
data, origin = fetch()
want = want.strip().lower().replace("sha256:", "").replace("md5:", "")
algo = "md5" if len(want) == 32 else "sha256"  # 2.4 wrappers checked an md5
if want and getattr(hashlib, algo)(data).hexdigest() != want:
    sys.exit("wrapper tarball from %s: %s %s, expected %s" % (origin, algo, getattr(hashlib, algo)(data).hexdigest(), want))
with tarfile.open(fileobj=io.BytesIO(data)) as tar:
    members = tar.getmembers()
    names = [os.path.normpath(m.name) for m in members]
    if "stage/__main__.py" not in names:
        what = "a 2.4 wrapper tarball (wrapper.py)" if any(os.path.basename(n) == "wrapper.py" for n in names) else "not a stage tarball"
        sys.exit("the tarball from %s is %s, not this wrapper's Python stage: publish the one"
                 " 'autopyfactory wrapper tarball' writes there, or submit the self-contained"
                 " executable 'autopyfactory wrapper bundle' writes" % (origin, what))
    for m in members:
        n = os.path.normpath(m.name)
        if n.startswith(("/", "..")) or not (m.isfile() or m.isdir()):
            sys.exit("refusing wrapper tarball member %r" % m.name)
    tar.extractall(dest, members, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
print("python stage unpacked from %s" % origin)
PYEOF
    ); then
        err "$out"
        return 1
    fi
    log "$out"
    [ -f "$dest/stage/__main__.py" ] || return 1
    STAGE="$dest/stage"
}

locate_stage() {
    if [ -f "$HERE/stage/__main__.py" ]; then
        STAGE="$HERE/stage"
    elif grep -qx "$STAGE_MARKER" "$SELF" 2>/dev/null; then
        unpack_stage embedded "$SELF" || return 1
    elif [ -n "$TARBALL_URL" ]; then
        unpack_stage url "$TARBALL_URL" || return 1
        TARBALL_URL=""
    else
        return 1
    fi
    if [ -n "$TARBALL_URL" ]; then
        log "not downloading --wrappertarballurl ($TARBALL_URL): this wrapper carries its stage"
    fi
    log "python stage: $STAGE"
}

site_setup() {
    if [ "$GRID" = OSG ] && [ -n "${OSG_GRID:-}" ] && [ -r "$OSG_GRID/setup.sh" ]; then
        log "sourcing $OSG_GRID/setup.sh"
        # shellcheck source=/dev/null
        . "$OSG_GRID/setup.sh"
    elif [ "$GRID" = OSG ]; then
        log "--wrappergrid=OSG: no \$OSG_GRID/setup.sh on this node (OSG_GRID=${OSG_GRID:-}); going on"
    fi
    if [ -n "$VLIMIT" ]; then
        if ulimit -v "$((VLIMIT * 1024))" 2>/dev/null; then
            log "virtual memory limited to $VLIMIT MB"
        else
            log "cannot set the virtual memory limit to $VLIMIT MB"
        fi
    fi
    if [ -n "$SPECIAL_CMD" ]; then
        log "running the special command: $SPECIAL_CMD"
        local st=0
        eval "$SPECIAL_CMD" || st=$?
        if [ "$st" -ne 0 ]; then
            err "the special command (--wrapperspecialcmd) failed with $st; the pilot was not started"
            return 1
        fi
    fi
}

# shellcheck disable=SC2317  # invoked through the traps set in main
on_signal() {
    SIGNALLED=1
    if [ -n "$CHILD" ]; then
        log "got SIG$1: forwarding it to the stage (pid $CHILD)"
        kill -s "$1" "$CHILD" 2>/dev/null || true
    elif [ "$FINISHING" = 0 ]; then
        log "got SIG$1 before the payload started"
        finish "$((128 + $2))"
    fi
}

# Wait for the stage; a trapped signal interrupts "wait", so wait again while it runs.
wait_stage() {
    local st=0 again
    while kill -0 "$CHILD" 2>/dev/null; do
        wait "$CHILD"
        st=$?
    done
    if [ "$SIGNALLED" = 1 ]; then
        wait "$CHILD" 2>/dev/null
        again=$?
        [ "$again" -eq 127 ] || st=$again
    fi
    RC=$st
}

finish() {
    local rc=$1
    FINISHING=1
    CHILD=""
    if [ "$rc" -eq "$EXIT_CHECK_FAILED" ]; then
        log "node validation failed"
        mon_post fault "$rc"
        # a monitor that only lets factories set "fault" still learns how the pilot ended
        [ $? -eq 1 ] && mon_post exiting "$rc"
    else
        mon_post exiting "$rc"
    fi
    remove_workdir
    log "exiting with $rc"
    exit "$rc"
}

# The pilot's own token (autopyfactory's pilottoken) lands beside the wrapper; the pilot looks for
# $PANDA_AUTH_TOKEN in dirname($PANDA_AUTH_DIR), so name the landing directory before moving away.
locate_pilot_token() {
    local name=${OIDC_AUTH_TOKEN:-${PANDA_AUTH_TOKEN:-}}
    case "$name" in "" | /*) return 0 ;; esac
    if [ -z "${OIDC_AUTH_DIR:-}${PANDA_AUTH_DIR:-}" ] && [ -r "$LANDING/$name" ]; then
        export PANDA_AUTH_DIR="$LANDING/"
    fi
}

main() {
    trap 'on_signal TERM 15' TERM
    trap 'on_signal INT 2' INT
    trap 'on_signal QUIT 3' QUIT
    scan_options "$@"
    locate_pilot_token
    find_python
    mon_post running
    if ! make_workdir || ! cd "$WORKDIR"; then
        err "cannot create a work directory under \$TMPDIR, \$OSG_WN_TMP or $LANDING"
        finish "$EXIT_WORKDIR"
    fi
    header "$@"
    if [ -z "$PY" ]; then
        err "no python3 >= 3.8 found (PATH=$PATH)"
        finish "$EXIT_NO_PYTHON"
    fi
    if ! locate_stage; then
        err "the python stage is not beside $SELF, not embedded in it, and not downloadable"
        finish "$EXIT_NO_STAGE"
    fi
    site_setup || finish "$EXIT_SPECIAL_CMD"
    "$PY" -B -E -s "$STAGE" "--wrapperlogdir=$LANDING" "$@" &
    CHILD=$!
    wait_stage
    finish "$RC"
}

main "$@"
# Not reached (finish exits); stops bash before an archive appended by "autopyfactory wrapper bundle".
# shellcheck disable=SC2317
exit "$RC"
