"""Who may write. Factories are admitted by their token, by the address they registered from
(address mode, or a factory listed in ``address_factories``), or by writing from a trusted network;
wrappers may only move a pilot along created -> running -> exiting; deletes and admin actions need
the admin token.

Nothing here is cached: every decision reads the tokens and addresses in the database, so a revoked
or replaced token, a released address or a moved factory counts from the next request on, in every
server process sharing the database (a request whose check ran before the change committed may
still finish)."""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from autopyfactory.monitor_server.db.tx import reading
from autopyfactory.monitor_server.settings import AuthMode, AuthSettings
from autopyfactory.monitor_server.store.factories import factory_addresses
from autopyfactory.monitor_server.store.tokens import factory_of_token


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sends a request: its address and the token it showed."""

    address: str
    token: str | None = None


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def normal_address(address: str) -> str:
    """``address`` in its normal form; an IPv4 address seen through an IPv6 socket
    (``::ffff:192.0.2.7``) as the IPv4 address. Anything else is returned as it is."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


def host_network(address: str) -> str:
    """The one-address network of ``address`` (``192.0.2.7/32``, ``2001:db8::7/128``)."""
    try:
        return str(ipaddress.ip_network(normal_address(address)))
    except ValueError:
        return f"{address}/32"


@dataclass(frozen=True, slots=True)
class Decision:
    """``allowed``, and how (``admin``, ``token``, ``trusted network``, ``address``); when refused,
    ``reason`` says why and ``fix`` what the operator can do."""

    allowed: bool
    how: str = ""
    reason: str = ""
    fix: str = ""

    def text(self) -> str:
        return f"{self.reason}. Fix: {self.fix}" if self.fix else self.reason


def _allow(how: str) -> Decision:
    return Decision(True, how)


class Authorizer:
    """Decisions only; the routes turn a refusal into 403 with the reason and the fix."""

    def __init__(self, settings: AuthSettings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.networks = tuple(ipaddress.ip_network(n, strict=False) for n in settings.trusted_networks)
        self.address_factories = frozenset(settings.address_factories)

    @property
    def mode(self) -> AuthMode:
        return self.settings.mode

    def is_admin(self, caller: Caller) -> bool:
        admin = self.settings.admin_token
        return bool(admin and caller.token and hmac.compare_digest(caller.token.encode(), admin.encode()))

    def trusted(self, address: str) -> bool:
        """``address`` is in one of the trusted networks."""
        if not self.networks:
            return False
        try:
            ip = ipaddress.ip_address(normal_address(address))
        except ValueError:
            return False
        return any(ip.version == net.version and ip in net for net in self.networks)

    def address_bound(self, factory: str) -> bool:
        """``factory`` authenticates by the address it registered from."""
        return self.mode is AuthMode.ADDRESS or factory in self.address_factories

    def decide(self, conn: Connection, caller: Caller, factory: str) -> Decision:
        """May ``caller`` write data of ``factory`` (an existing one, or register it)? Read in
        ``conn``: inside a write transaction, two registrations from different addresses cannot
        both take a new factory."""
        if self.is_admin(caller):
            return _allow("admin")
        token_note = ""
        if caller.token:
            if factory_of_token(conn, caller.token) == factory:
                return _allow("token")
            token_note = " (the token sent is not this factory's: revoked, replaced, or another factory's)"
        if self.trusted(caller.address):
            return _allow("trusted network")
        if self.address_bound(factory):
            registered = factory_addresses(conn, [factory]).get(factory)
            if not registered:
                return _allow("address")  # a new (or released) factory binds the address it comes from
            if normal_address(registered) == normal_address(caller.address):
                return _allow("address")
            return Decision(
                False,
                reason=(
                    f"factory '{factory}' is registered from another address ({registered}); "
                    f"this came from {caller.address}"
                ),
                fix=(
                    f"if the factory has moved to {caller.address}, add {host_network(caller.address)} (or its "
                    f"network) to trusted_networks in the monitor's [auth] section (it then moves there when it "
                    f"registers), or release the old address: autopyfactory monitor release {factory}"
                ),
            )
        return Decision(
            False,
            reason=(
                f"writing data of factory '{factory}' needs that factory's token "
                f"(Authorization: Bearer ...){token_note}"
            ),
            fix=(
                f"give the factory a token (autopyfactory monitor token create {factory}, then monitorToken in "
                f"its monitor.conf), or admit a factory that cannot send one (APF 2.4, Harvester) with one line "
                f"in the monitor's [auth] section: address_factories = {factory} (bound to the address it "
                f"registers from), or trusted_networks = {host_network(caller.address)}"
            ),
        )

    def check(self, caller: Caller, factory: str) -> Decision:
        """:meth:`decide` in a read transaction of its own."""
        if self.is_admin(caller):
            return _allow("admin")
        with reading(self.engine) as conn:
            return self.decide(conn, caller, factory)

    def may_write(self, caller: Caller, factory: str) -> bool:
        return self.check(caller, factory).allowed

    def registered_address(self, factory: str) -> str | None:
        with reading(self.engine) as conn:
            return factory_addresses(conn, [factory]).get(factory)
