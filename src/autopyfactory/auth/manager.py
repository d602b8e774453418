"""``AuthManager``: one handler per auth.conf (or proxy.conf) profile, the lookups submit plugins use
(``proxy_path``, ``token_path``, ``ssh_key_paths``), a background thread running each handler's
periodic check, the state file ``auth status`` reads, and the alerts (mail to
``factoryAdminEmail``, the affected queues' monitor labels).

Differences from 2.4: a profile whose ``plugin`` is not X509/SSH/GSISSH/Token is a configuration
error (2.4 silently made it an SSH handler); reconfiguration replaces only changed profiles (2.4's
removal crashed); a failed lookup names every profile tried and why it was refused; alerts are
sent once per problem per ``factoryMinEmailRepeatSeconds`` (2.4: once per identical text)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from autopyfactory.alerts.alerter import Alerter, MonitorNotice
from autopyfactory.alerts.mail import Mailer
from autopyfactory.auth.clock import SYSTEM_CLOCK, Clock
from autopyfactory.auth.credential_status import CredentialStatus
from autopyfactory.auth.handler import AuthEnv, AuthHandler
from autopyfactory.auth.health import credential_alerts, queue_alert
from autopyfactory.auth.profiles import Profile, build_profile, same_sections
from autopyfactory.auth.state_file import ProfileState, write_state
from autopyfactory.config.factory import (
    ADMIN_EMAIL,
    AUTH_ENABLED,
    AUTH_SLEEP,
    EMAIL_REPEAT,
    PROXY_ENABLED,
    PROXY_SLEEP,
    SMTP_SERVER,
)
from autopyfactory.config.problems import ConfigProblem
from autopyfactory.config.section import ConfigSection
from autopyfactory.plugins.context import AuthFailure, CredentialTarget, FactoryContext
from autopyfactory.plugins.registry import Registry, registry

if TYPE_CHECKING:
    from autopyfactory.loading.loader import LoadedConfig

log = logging.getLogger(__name__)
T = TypeVar("T")


class AuthManager:
    """The auth profiles of ``auth.conf`` (X509, SSH, GSISSH handlers), checked periodically when started;
    submit plugins ask it for a proxy or key by profile name."""

    def __init__(
        self,
        sections: Mapping[str, ConfigSection],
        basedir: Path,
        sleep: float = 30.0,
        enabled: bool = True,
        reg: Registry = registry,
        clock: Clock = SYSTEM_CLOCK,
        alerter: Alerter | None = None,
        write_state_file: bool = True,
    ) -> None:
        self.basedir = basedir
        self.sleep = sleep
        self.enabled = enabled
        self.reg = reg
        self.clock = clock
        self.alerter = alerter if alerter is not None else Alerter(None, 3600.0, clock.monotonic)
        self.write_state_file = write_state_file
        self._lock = threading.RLock()
        self._profiles: dict[str, Profile] = {}
        self._sections: dict[str, ConfigSection] = {}
        self._users: dict[str, set[str]] = {}  # profile -> queues that asked for it
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.reconfigure(sections)

    @classmethod
    def from_config(cls, cfg: LoadedConfig, ctx: FactoryContext, reg: Registry = registry) -> AuthManager:
        """The factory's manager, with the handlers of ``reg`` (the factory's registry); a tool's
        context (``ctx.read_only``) gets one that sends no alert and writes no state file."""
        f = cfg.factory
        legacy = AUTH_ENABLED.name not in f and PROXY_ENABLED.name in f
        enabled = f.get(PROXY_ENABLED) if legacy else f.get(AUTH_ENABLED)
        sleep = (
            f.get(PROXY_SLEEP) if AUTH_SLEEP.name not in f and PROXY_SLEEP.name in f else f.get(AUTH_SLEEP)
        )
        live = not ctx.read_only
        mailer = Mailer.from_settings(f.get(SMTP_SERVER), f.get(ADMIN_EMAIL)) if live else None
        alerter = Alerter(
            mailer,
            f.get(EMAIL_REPEAT),
            subject_prefix=f"autopyfactory {ctx.settings.factory_id}",
            muted=not live,
        )
        return cls(
            cfg.auth,
            ctx.settings.state_dir / "auth",
            sleep,
            enabled,
            reg,
            alerter=alerter,
            write_state_file=live,
        )

    # -- profiles --------------------------------------------------------------------------------
    def _env(self) -> AuthEnv:
        return AuthEnv(self.basedir, self.proxy_path, self.clock)

    def reconfigure(self, sections: Mapping[str, ConfigSection]) -> None:
        """Apply new profile sections: unchanged profiles keep their handler (and its state)."""
        with self._lock:
            old, self._sections = self._sections, dict(sections)
            for name in [n for n in self._profiles if not same_sections(old, sections, n)]:
                p = self._profiles.pop(name)
                if p.handler is not None:
                    p.handler.close()
            for name, sec in sections.items():
                if name not in self._profiles:
                    self._profiles[name] = build_profile(sec, self._env(), self.reg)
                    for problem in self._profiles[name].problems:
                        (log.error if problem.level == "error" else log.warning)("auth config %s", problem)

    def problems(self) -> list[ConfigProblem]:
        with self._lock:
            return [p for prof in self._profiles.values() for p in prof.problems]

    def profile_names(self) -> list[str]:
        with self._lock:
            return list(self._profiles)

    def handler(self, name: str) -> AuthHandler:
        with self._lock:
            prof = self._profiles.get(name)
        if prof is None:
            known = ", ".join(sorted(self._profiles)) or "none"
            raise AuthFailure(f"no auth profile [{name}] in auth.conf/proxy.conf (known: {known})")
        if prof.handler is None:
            raise AuthFailure(f"auth profile [{name}] is unusable: " + "; ".join(str(p) for p in prof.errors))
        return prof.handler

    # -- lookups (the AuthLookup protocol) ---------------------------------------------------------
    def _first(self, what: str, profiles: Sequence[str], queue: str, get: Callable[[AuthHandler], T]) -> T:
        """``get(handler)`` of the first profile that gives one; AuthFailure naming every profile
        tried and why. A queue's failure raises its alert; its next success resolves it."""
        reasons: list[str] = []
        if queue:
            with self._lock:
                for name in profiles:
                    self._users.setdefault(name, set()).add(queue)
        for name in profiles:
            try:
                found = get(self.handler(name))
            except AuthFailure as exc:
                reasons.append(str(exc))
                continue
            if queue:
                self.alerter.resolved(f"queue:{queue}", f"queue {queue} has a valid credential again")
            return found
        failure = AuthFailure(
            f"no valid {what} in profiles {', '.join(profiles) or '(none)'}: " + "; ".join(reasons)
        )
        if queue:
            self.alerter.alert(queue_alert(queue, str(failure)))
        raise failure

    def proxy_path(self, profiles: Sequence[str], queue: str = "") -> str:
        """The proxy of the first profile that has a valid one."""
        return self._first("proxy", profiles, queue, lambda h: h.proxy_path())

    def token_path(self, profiles: Sequence[str], target: CredentialTarget) -> str:
        """The token file of the first token profile with a valid token for ``target``."""
        return self._first("token", profiles, target.queue, lambda h: h.token_path(target))

    def ssh_key_paths(self, profile: str) -> tuple[str, str, str | None]:
        return self.handler(profile).ssh_key_paths()

    def gsissh_key_path(self, profile: str) -> str:
        return self.handler(profile).ssh_key_paths()[1]

    # -- what the profiles hold, alerts ------------------------------------------------------------
    def queues_of(self, profile: str) -> tuple[str, ...]:
        with self._lock:
            return tuple(sorted(self._users.get(profile, ())))

    def statuses(self) -> list[CredentialStatus]:
        with self._lock:
            handlers = [p.handler for p in self._profiles.values() if p.handler is not None]
        return [s for h in handlers for s in h.statuses()]

    def set_monitor_notice(self, notice: MonitorNotice | None) -> None:
        """How an alert reaches a queue's monitor label (the factory's monitors)."""
        self.alerter.set_monitor_notice(notice)

    def review(self) -> None:
        """Raise the alerts the credentials call for and write the state file."""
        statuses = self.statuses()
        now = self.clock.time()
        alerts, gone = credential_alerts(statuses, now, self.queues_of)
        for a in alerts:
            self.alerter.alert(a)
        for key, what in gone:
            self.alerter.resolved(key, what)
        if self.write_state_file:
            self._write_state(statuses, now)

    def _write_state(self, statuses: Sequence[CredentialStatus], now: float) -> None:
        with self._lock:
            profiles = dict(self._profiles)
        by_profile: dict[str, list[CredentialStatus]] = {}
        for s in statuses:
            by_profile.setdefault(s.profile, []).append(s)
        state = {
            name: ProfileState(
                str(p.handler.name if p.handler is not None else p.section.raw("plugin") or "X509"),
                tuple(by_profile.get(name, ())),
                "; ".join(str(e) for e in p.errors),
            )
            for name, p in profiles.items()
        }
        try:
            write_state(self.basedir, state, now)
        except OSError as exc:
            log.error("cannot write the auth state file in %s: %s", self.basedir, exc)

    # -- periodic checks ---------------------------------------------------------------------------
    def check_due(self, now: float | None = None) -> list[str]:
        """Run the checks that are due (``now``: the clock's monotonic time); then review the
        credentials. Returns the profiles checked."""
        now = self.clock.monotonic() if now is None else now
        with self._lock:
            handlers = [(n, p.handler) for n, p in self._profiles.items() if p.handler is not None]
        done = []
        for name, h in handlers:
            iv = h.interval()
            if iv is None or now < h.next_check:
                continue
            h.next_check = now + iv
            try:
                h.check()
            except Exception:
                log.exception("auth profile [%s]: check failed", name)
            done.append(name)
        if done:
            try:
                self.review()
            except Exception:
                log.exception("auth manager: reviewing the credentials failed")
        return done

    def start(self) -> None:
        """Start the background checks (not when ``authmanager.enabled = False``)."""
        if not self.enabled:
            log.info("auth manager disabled: credentials are checked only when a queue asks for one")
            return
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="auth-manager", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.check_due()
            self._stop.wait(self.sleep)

    def stop(self) -> None:
        self._stop.set()
        t, self._thread = self._thread, None
        if t is not None:
            t.join(timeout=10)
        with self._lock:
            for p in self._profiles.values():
                if p.handler is not None:
                    p.handler.close()
        self.alerter.close()
