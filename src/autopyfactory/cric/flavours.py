"""CE flavour -> the submit plugin and the keys that point it at the CE (2.4's Agis mapping)."""

from __future__ import annotations

from autopyfactory.cric.model import CE, PandaQueue

# ``local`` is the testbed's flavour: pilots run as local processes.
FLAVOURS = ("htcondor-ce", "osg-ce", "globus", "cream-ce", "arc-ce", "local")


def submit_keys(pq: PandaQueue, ce: CE) -> dict[str, str] | None:
    """``batchsubmitplugin`` and its CE keys for ``ce``; None for a flavour with no plugin."""
    f = ce.flavour
    if f == "htcondor-ce":
        p = "batchsubmit.condorosgce."
        attrs = {
            "+maxMemory": _num(pq.maxrss or pq.maxmemory),
            "+xcount": str(pq.corecount),
            "+voactivity": _quoted(pq.activity),
            "+remote_queue": _quoted(ce.queue_name),
            "+maxWallTime": _num(ce.maxwctime),
        }
        out = {"batchsubmitplugin": "CondorOSGCE", p + "gridresource": ce.host}
        out.update({f"{p}condor_attributes.{k}": v for k, v in attrs.items() if v})
        return out
    if f in ("osg-ce", "globus"):
        plugin = "CondorGT5" if ce.version.lower().lstrip("gt").startswith("5") else "CondorGT2"
        jm = f"/jobmanager-{ce.jobmanager}" if ce.jobmanager else ""
        return {"batchsubmitplugin": plugin, f"batchsubmit.{plugin.lower()}.gridresource": ce.endpoint + jm}
    if f == "cream-ce":
        resource = f"{ce.endpoint}/ce-cream/services/CREAM2 {ce.jobmanager} {ce.queue_name}".rstrip()
        return {"batchsubmitplugin": "CondorCREAM", "batchsubmit.condorcream.gridresource": resource}
    if f == "arc-ce":
        return {"batchsubmitplugin": "CondorNordugrid", "batchsubmit.condornordugrid.gridresource": ce.host}
    if f == "local":
        return {"batchsubmitplugin": "Local"}
    return None


def _num(v: int | None) -> str:
    return "" if v is None else str(v)


def _quoted(v: str) -> str:
    return f'"{v}"' if v else ""
