"""Support for the ``glidein`` plugin: HTCondor configuration and the glidein's lifetime."""
