"""``autopyfactory monitor``: the APFMon-compatible monitor service (``serve``), its database
(``migrate``), factory tokens (``token create|list|revoke``) and factory addresses (``release``)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from typing import TYPE_CHECKING, Any

from autopyfactory.cli.logging_setup import setup_logging

if TYPE_CHECKING:
    from autopyfactory.monitor_server.settings import ServerSettings


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "monitor", parents=[common], help="the APFMon-compatible monitor service and dashboard"
    )
    msub = p.add_subparsers(dest="monitor_command", metavar="action", required=True)

    def db_opts(q: argparse.ArgumentParser) -> None:
        q.add_argument("--config", metavar="FILE", help="monitor configuration ([monitor], [auth], [expiry])")
        q.add_argument(
            "--db", metavar="URL", help="database URL (default sqlite:///apfmon.db; postgresql://...)"
        )

    s = msub.add_parser("serve", parents=[common], help="run the API, the dashboard and the expiry task")
    db_opts(s)
    s.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, help="port (default 8080)")
    s.add_argument("--workers", type=int, help="server processes (default 1)")
    s.add_argument("--auth-mode", choices=("token", "address"), help="how factories authenticate")
    s.add_argument(
        "--address-factory",
        action="append",
        metavar="FACTORY",
        help="admit this factory without a token, bound to the address it registers from (repeatable; "
        "adds to [auth] address_factories)",
    )
    s.add_argument(
        "--trusted-network",
        action="append",
        metavar="CIDR",
        help="admit writes of any factory from this network without a token (repeatable; adds to "
        "[auth] trusted_networks)",
    )
    s.add_argument("--no-expiry", action="store_true", help="do not run the expiry task")
    s.add_argument("--access-log", action="store_true", help="log every request")

    m = msub.add_parser("migrate", parents=[common], help="create or upgrade the database schema")
    db_opts(m)

    t = msub.add_parser("token", parents=[common], help="factory tokens (for [auth] mode = token)")
    db_opts(t)
    t.add_argument("token_action", choices=("create", "list", "revoke"))
    t.add_argument("factory", nargs="?", help="factory name (create, revoke)")

    r = msub.add_parser(
        "release",
        parents=[common],
        help="forget the address a factory registered from (it may then register from a new one)",
    )
    db_opts(r)
    r.add_argument("factory", help="factory name")


def _settings(args: argparse.Namespace) -> ServerSettings:
    from autopyfactory.monitor_server.settings import AuthMode, load_settings

    s = load_settings(getattr(args, "config", None))
    s = s.with_overrides(
        db_url=getattr(args, "db", None),
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        workers=getattr(args, "workers", None),
    )
    from dataclasses import replace

    from autopyfactory.monitor_server.settings import SettingsError, parse_factory_list, parse_network_list

    mode = getattr(args, "auth_mode", None)
    if mode:
        s = replace(s, auth=replace(s.auth, mode=AuthMode(mode)))
    try:
        more_factories = parse_factory_list(" ".join(getattr(args, "address_factory", None) or ()))
        more_networks = parse_network_list(" ".join(getattr(args, "trusted_network", None) or ()))
    except ValueError as exc:
        raise SettingsError(f"command line: {exc}") from None
    s = replace(
        s,
        auth=replace(
            s.auth,
            address_factories=s.auth.address_factories + more_factories,
            trusted_networks=s.auth.trusted_networks + more_networks,
        ),
    )
    if getattr(args, "no_expiry", False):
        s = replace(s, expiry=replace(s.expiry, enabled=False))
    return s


def run(args: argparse.Namespace) -> int:
    from autopyfactory.extras import MissingExtra, require_extra

    try:
        require_extra("monitor")
    except MissingExtra as exc:
        print(f"autopyfactory monitor: {exc}", file=sys.stderr)
        return 2
    from autopyfactory.monitor_server.settings import SettingsError

    level = args.level if args.level != logging.WARNING else logging.INFO
    setup_logging(level, args.log, getattr(args, "console", False))
    try:
        settings = _settings(args)
    except SettingsError as exc:
        print(f"monitor: {exc}", file=sys.stderr)
        return 2
    try:
        if settings.db_url.startswith(("postgresql", "postgres:")):
            require_extra("postgres")
    except MissingExtra as exc:
        print(f"autopyfactory monitor: a PostgreSQL database {exc}", file=sys.stderr)
        return 2
    action = args.monitor_command
    if action == "serve":
        return _serve(settings, args.access_log)
    if action == "migrate":
        return _migrate(settings)
    if action == "release":
        return _release(settings, args.factory)
    return _token(settings, args.token_action, args.factory)


def _release(settings: Any, factory: str) -> int:
    from autopyfactory.monitor_server.db.engine import make_engine
    from autopyfactory.monitor_server.db.migrate import upgrade
    from autopyfactory.monitor_server.db.tx import writing
    from autopyfactory.monitor_server.store.factories import release_address

    engine = make_engine(settings.db_url)
    upgrade(engine)
    with writing(engine) as conn:
        if not release_address(conn, factory):
            print(f"monitor: no factory {factory}", file=sys.stderr)
            return 1
    print(f"monitor: released the address of factory {factory}; its next registration binds it again")
    return 0


def _migrate(settings: Any) -> int:
    from autopyfactory.monitor_server.db.engine import make_engine
    from autopyfactory.monitor_server.db.migrate import current_revision, upgrade

    engine = make_engine(settings.db_url)
    upgrade(engine)
    print(f"monitor: database at revision {current_revision(engine)}")
    return 0


def _token(settings: Any, action: str, factory: str | None) -> int:
    from autopyfactory.monitor_server.db.engine import make_engine
    from autopyfactory.monitor_server.db.migrate import upgrade
    from autopyfactory.monitor_server.db.tx import reading, writing
    from autopyfactory.monitor_server.store.tokens import create_token, list_tokens, revoke_token

    engine = make_engine(settings.db_url)
    upgrade(engine)
    if action == "list":
        with reading(engine) as conn:
            for t in list_tokens(conn):
                print(f"{t.factory}\t{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(t.created))}")
        return 0
    if not factory:
        print(f"monitor: 'token {action}' needs a factory name", file=sys.stderr)
        return 2
    if action == "create":
        with writing(engine) as conn:
            print(create_token(conn, factory, time.time()))
        return 0
    with writing(engine) as conn:
        if not revoke_token(conn, factory):
            print(f"monitor: no token for factory {factory}", file=sys.stderr)
            return 1
    return 0


def _serve(settings: Any, access_log: bool) -> int:
    import uvicorn

    from autopyfactory.monitor_server.db.engine import make_engine
    from autopyfactory.monitor_server.db.migrate import upgrade
    from autopyfactory.monitor_server.settings import settings_to_json

    upgrade(make_engine(settings.db_url))
    log = logging.getLogger("autopyfactory.monitor")
    log.info(
        "monitor: http://%s:%d/ (database %s, auth %s, %d worker(s))",
        settings.host,
        settings.port,
        settings.db_url.split("@")[-1],
        settings.auth.mode,
        settings.workers,
    )
    if settings.auth.address_factories:
        log.info("monitor: admitted by address: %s", ", ".join(settings.auth.address_factories))
    if settings.auth.trusted_networks:
        log.info("monitor: trusted networks: %s", ", ".join(settings.auth.trusted_networks))
    if not settings.auth.admin_token:
        log.warning("monitor: no admin token configured: deletes and admin actions are refused")
    common: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "access_log": access_log,
        "log_config": None,
    }
    if settings.workers <= 1:
        from autopyfactory.monitor_server.app import create_app

        uvicorn.run(create_app(settings, migrate=False, owns_process=True), **common)
        return 0
    with tempfile.TemporaryDirectory(prefix="apfmon-metrics-") as mdir:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = mdir
        os.environ["APFMON_SETTINGS"] = settings_to_json(settings)
        uvicorn.run(
            "autopyfactory.monitor_server.app:app_from_environment",
            factory=True,
            workers=settings.workers,
            **common,
        )
    return 0
