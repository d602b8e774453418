#!/bin/sh
# The testbed's transformation: a pilot downloads it and runs "./runtestbed.sh <jobPars>", where
# jobPars is the payload as one shell-quoted word. It runs the payload with /bin/sh in the job's
# work directory and exits with the payload's exit code.
if [ "$#" -eq 0 ]; then
    echo "runtestbed.sh: no payload given (jobPars is empty)" >&2
    exit 64
fi
exec /bin/sh -c "$*"
