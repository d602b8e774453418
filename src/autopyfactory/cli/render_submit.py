"""``autopyfactory render-submit --queue Q [-n N]``: print the exact submit description a queue would
submit, without contacting any schedd (an operator's dry run)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from autopyfactory.auth.handler import AuthHandler
from autopyfactory.auth.manager import AuthManager
from autopyfactory.auth.x509 import X509Handler
from autopyfactory.cli.tool_config import load_for_tool, tool_context
from autopyfactory.config.problems import ConfigError
from autopyfactory.config.queue import BATCHSUBMIT_PLUGIN
from autopyfactory.plugins.context import AuthFailure, CredentialTarget
from autopyfactory.plugins.registry import PluginNotFound, registry
from autopyfactory.plugins.submit import BATCHSUBMIT


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "render-submit",
        parents=[common],
        help="print a queue's HTCondor submit description (no schedd contact)",
    )
    p.add_argument("--queue", required=True, help="the APF queue (section name)")
    p.add_argument("-n", type=int, default=1, help="the count on the queue statement (default 1)")


class DryRunAuth:
    """The auth manager's answers; when a credential is not valid now, the configured path instead
    (and a warning on stderr), so the description can still be shown."""

    def __init__(self, manager: AuthManager | None) -> None:
        self.manager = manager

    def proxy_path(self, profiles: Sequence[str], queue: str = "") -> str:
        try:
            if self.manager is None:
                raise AuthFailure("the auth manager could not be built")
            return self.manager.proxy_path(profiles, queue)
        except AuthFailure as exc:
            print(f"render-submit: warning: {exc}", file=sys.stderr)
            for name in profiles:
                handler = self._handler(name)
                if isinstance(handler, X509Handler):
                    return str(handler.proxyfile)
            return "<no valid proxy>"

    def token_path(self, profiles: Sequence[str], target: CredentialTarget) -> str:
        """The token the queue would get (made now if the profile can make it); when none is valid,
        the path the first token profile would use for this CE."""
        try:
            if self.manager is None:
                raise AuthFailure("the auth manager could not be built")
            return self.manager.token_path(profiles, target)
        except AuthFailure as exc:
            print(f"render-submit: warning: {exc}", file=sys.stderr)
            try:
                from autopyfactory.auth.token import TokenHandler
            except ImportError:  # without the tokens extra, no profile is a Token profile
                return "<no valid token>"
            for name in profiles:
                handler = self._handler(name)
                if not isinstance(handler, TokenHandler):
                    continue
                try:
                    return str(handler.credential(target).path)  # the profile's file for this CE
                except AuthFailure:
                    continue
            return "<no valid token>"

    def ssh_key_paths(self, profile: str) -> tuple[str, str, str | None]:
        try:
            if self.manager is None:
                raise AuthFailure("the auth manager could not be built")
            return self.manager.ssh_key_paths(profile)
        except AuthFailure as exc:
            print(f"render-submit: warning: {exc}", file=sys.stderr)
            return f"<{profile} public key>", f"<{profile} private key>", None

    def _handler(self, name: str) -> AuthHandler | None:
        try:
            return self.manager.handler(name) if self.manager is not None else None
        except AuthFailure:
            return None


def run(args: argparse.Namespace) -> int:
    loaded = load_for_tool(args.conf, "render-submit")
    if loaded is None:
        return 1
    cfg, settings = loaded
    qc = cfg.queues.get(args.queue)
    if qc is None:
        print(
            f"render-submit: no queue [{args.queue}] (queues: {', '.join(sorted(cfg.queues))})",
            file=sys.stderr,
        )
        return 1
    for p in qc.problems:
        if p.level != "info":  # check-config shows those
            print(f"render-submit: {p}", file=sys.stderr)
    if not qc.ok:
        return 1
    from autopyfactory.batch.htcondor.base import CondorBase

    ctx = tool_context(cfg, settings)
    try:
        manager: AuthManager | None = AuthManager.from_config(cfg, ctx)
    except Exception as exc:
        print(f"render-submit: warning: auth manager: {exc}", file=sys.stderr)
        manager = None
    ctx.auth = DryRunAuth(manager)
    name = qc.section.get(BATCHSUBMIT_PLUGIN)
    try:
        cls = registry.get(BATCHSUBMIT, name)
        if not issubclass(cls, CondorBase):
            print(
                f"render-submit: queue [{args.queue}] uses {name}, which has no HTCondor submit description",
                file=sys.stderr,
            )
            return 1
        plugin = cls(ctx, qc.section)
        sys.stdout.write(plugin.describe().render(args.n))
    except (PluginNotFound, ConfigError, AuthFailure) as exc:
        print(f"render-submit: {getattr(exc, 'problem', exc)}", file=sys.stderr)
        return 1
    return 0
