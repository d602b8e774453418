"""The sched plugin chain: a pure function from (queue config, snapshot) to a decision."""

from autopyfactory.sched.base import SchedPlugin
from autopyfactory.sched.chain import build_chain, decide

__all__ = ["SchedPlugin", "build_chain", "decide"]
