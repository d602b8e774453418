"""What the routes share, kept on ``app.state.services``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from starlette.requests import Request

from autopyfactory.monitor_server.auth import Authorizer, Caller, bearer_token, normal_address
from autopyfactory.monitor_server.clock import Clock
from autopyfactory.monitor_server.metrics import Metrics
from autopyfactory.monitor_server.refusals import RefusalRecorder
from autopyfactory.monitor_server.settings import ServerSettings
from autopyfactory.monitor_server.writer import StateWriter


@dataclass
class Services:
    """What the request handlers share: settings, database engine, clock, authorization, metrics."""

    settings: ServerSettings
    engine: Engine
    clock: Clock
    auth: Authorizer
    writer: StateWriter
    metrics: Metrics
    refusals: RefusalRecorder


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


def caller(request: Request) -> Caller:
    addr = normal_address(request.client.host) if request.client is not None else ""
    return Caller(addr, bearer_token(request.headers.get("authorization")))
