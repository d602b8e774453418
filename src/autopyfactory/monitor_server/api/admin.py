"""``/api/admin/...``: factory tokens, releasing a factory's address, an immediate expiry pass
(admin token only)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from autopyfactory.monitor_server.api.common import ApiError, iso, json_response, text
from autopyfactory.monitor_server.db.tx import reading, writing
from autopyfactory.monitor_server.services import caller, services
from autopyfactory.monitor_server.store.factories import release_address
from autopyfactory.monitor_server.store.tokens import create_token, list_tokens, revoke_token

router = APIRouter(prefix="/admin")


def _require_admin(request: Request) -> None:
    if not services(request).auth.is_admin(caller(request)):
        raise ApiError(403, "Forbidden: this needs the admin token (Authorization: Bearer ...)")


@router.get("/tokens")
def tokens(request: Request) -> Response:
    _require_admin(request)
    with reading(services(request).engine) as conn:
        rows = list_tokens(conn)
    return json_response([{"factory": t.factory, "created": iso(t.created)} for t in rows])


@router.post("/tokens/{factory}")
def new_token(factory: str, request: Request) -> Response:
    """A new token for ``factory`` (the previous one stops working); the body is the token."""
    _require_admin(request)
    svc = services(request)
    with writing(svc.engine) as conn:
        token = create_token(conn, factory, svc.clock.now())
    return text(token, 201)


@router.delete("/tokens/{factory}")
def drop_token(factory: str, request: Request) -> Response:
    _require_admin(request)
    with writing(services(request).engine) as conn:
        if not revoke_token(conn, factory):
            raise ApiError(404, f"Not found: no token for factory '{factory}'")
    return text(f"Revoked the token of factory {factory}")


@router.delete("/factories/{factory}/address")
def release(factory: str, request: Request) -> Response:
    """Forget the address ``factory`` registered from: its next registration binds it again
    (address authentication), whatever address it comes from."""
    _require_admin(request)
    with writing(services(request).engine) as conn:
        if not release_address(conn, factory):
            raise ApiError(404, f"Not found: no factory '{factory}'")
    return text(f"Released the address of factory {factory}: its next registration binds it again")


@router.post("/expire")
def expire(request: Request) -> Response:
    """Apply the expiry rules now (whatever the background task's schedule)."""
    _require_admin(request)
    task = request.app.state.expiry
    report = task.run_once(use_lease=False)
    return json_response(asdict(report))
