"""The sched plugin chain: a pure function from (queue config, snapshot) to a decision.

Building a chain from the names a queue lists needs the plugin registry, so it lives above this
package (``autopyfactory.loading.chain.build_chain``); this package imports no registry."""

from autopyfactory.sched.base import SchedPlugin
from autopyfactory.sched.chain import decide

__all__ = ["SchedPlugin", "decide"]
