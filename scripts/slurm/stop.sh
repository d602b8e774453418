#!/bin/bash
# Stop what scripts/slurm/start.sh BASE started: cancel every job, then TERM each daemon by its PID
# file (KILL after 15 s), slurmrestd and slurmd first, munged last. Safe to run twice.
#
#   scripts/slurm/stop.sh BASE
set -uo pipefail

[ $# -eq 1 ] || { echo "usage: stop.sh BASE" >&2; exit 2; }
BASE=$1
export SLURM_CONF="$BASE/etc/slurm.conf"

# stop_pid PIDFILE: TERM the process it names, wait up to 15 s, then KILL
stop_pid() {
    local f=$1 pid _
    [ -s "$f" ] || return 0
    pid=$(cat "$f")
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 75); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
}

ctld_alive() {
    [ -s "$BASE/run/slurmctld.pid" ] && kill -0 "$(cat "$BASE/run/slurmctld.pid")" 2>/dev/null
}

if [ -f "$SLURM_CONF" ] && ctld_alive; then
    timeout 10 scancel --full --partition=debug >/dev/null 2>&1 || true
    # let slurmd end the jobs' processes before it goes away (at most 10 s)
    for _ in $(seq 50); do
        [ -z "$(timeout 5 squeue -h -o %i 2>/dev/null)" ] && break
        sleep 0.2
    done
fi
stop_pid "$BASE/rest/slurmrestd.pid"
stop_pid "$BASE/run/slurmd-localhost.pid"
stop_pid "$BASE/run/slurmctld.pid"
stop_pid "$BASE/munge-run/munged.pid"
exit 0
