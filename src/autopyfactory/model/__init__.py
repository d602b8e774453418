"""Plain data the factory passes between its parts: status views, snapshots, decisions, pilots."""

from autopyfactory.model.batch import BatchQueueInfo, BatchView, FinishedPilot
from autopyfactory.model.decision import Decision, DecisionStep, SchedResult
from autopyfactory.model.history import CycleSample, PilotTimes, QueueHistory, SiblingQueue, WMSQueueShare
from autopyfactory.model.pilot import PilotRecord
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.model.wms import SiteInfo, WMSQueueInfo, WMSView

__all__ = [
    "BatchQueueInfo",
    "BatchView",
    "CycleSample",
    "Decision",
    "DecisionStep",
    "FinishedPilot",
    "PilotRecord",
    "PilotTimes",
    "QueueHistory",
    "QueueSnapshot",
    "SchedResult",
    "SiblingQueue",
    "SiteInfo",
    "WMSQueueInfo",
    "WMSQueueShare",
    "WMSView",
]
