"""Site status (online, offline, test, brokeroff) per PanDA queue, from the queue configuration
source: a CRIC pandaqueue JSON document (URL or file), or the PanDA server's own site specs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from autopyfactory.config.sources import is_url, resolve_path
from autopyfactory.model.wms import SiteInfo
from autopyfactory.wms.panda.fetch import FetchError, FetchLimits, get_bytes
from autopyfactory.wms.panda.stats import JSON_HEADERS, BadResponse, load_pickle, v1_data

V1_SITE_SPECS = "/api/v1/metaconfig/get_site_specs"
LEGACY_SITE_SPECS = "/server/panda/getSiteSpecs"


def sites_from_specs(specs: Any, where: str) -> dict[str, SiteInfo]:
    """``{name: {..., status, cloud}}`` (site specs, or CRIC pandaqueues keyed by nickname; a list of
    pandaqueue objects is accepted too). Each entry is known by its key, ``nickname``,
    ``panda_resource`` and ``siteid``, since job statistics are keyed by computing site."""
    if isinstance(specs, list):
        specs = {
            str(e.get("nickname") or e.get("panda_resource")): e for e in specs if isinstance(e, Mapping)
        }
    if not isinstance(specs, Mapping):
        raise BadResponse(
            f"{where}: expected a mapping of queue name to attributes, got {type(specs).__name__}"
        )
    out: dict[str, SiteInfo] = {}
    for name, attrs in specs.items():
        if not isinstance(attrs, Mapping):
            continue
        status = attrs.get("status")
        if not isinstance(status, str) or not status:
            continue
        cloud = attrs.get("cloud")
        info = SiteInfo(status.strip().lower(), cloud if isinstance(cloud, str) else "")
        for alias in (name, attrs.get("nickname"), attrs.get("panda_resource"), attrs.get("siteid")):
            if isinstance(alias, str) and alias:
                out.setdefault(alias, info)
    return out


class SiteStatusReader:
    """``source`` is ``panda`` (the server's site specs in the chosen API) or a CRIC document."""

    def __init__(self, source: str, panda_base: str, api: str, limits: FetchLimits, conf_dir: Path) -> None:
        self.source = source.strip() or "panda"
        self.panda_base = panda_base
        self.api = api
        self.limits = limits
        self.conf_dir = conf_dir

    def describe(self) -> str:
        if self.source.lower() == "panda":
            return self.panda_base + (V1_SITE_SPECS if self.api == "v1" else LEGACY_SITE_SPECS)
        return self.source

    def read(self, client: httpx.Client, headers: Mapping[str, str]) -> dict[str, SiteInfo]:
        if self.source.lower() == "panda":
            if self.api == "v1":
                url = self.panda_base + V1_SITE_SPECS
                body = get_bytes(client, url, self.limits, {"type": "all"}, {**headers, **JSON_HEADERS})
                return sites_from_specs(v1_data(body, url), url)
            url = self.panda_base + LEGACY_SITE_SPECS
            body = get_bytes(client, url, self.limits, {"siteType": "all"}, headers)
            return sites_from_specs(load_pickle(body, url), url)
        if is_url(self.source):
            body = get_bytes(client, self.source, self.limits, headers=JSON_HEADERS)
        else:
            path = resolve_path(self.source, self.conf_dir)
            try:
                body = path.read_bytes()
            except OSError as exc:
                raise FetchError(f"cannot read site status file {path}: {exc.strerror}") from None
        try:
            doc = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadResponse(f"{self.source}: not JSON ({exc})") from None
        return sites_from_specs(doc, self.source)
