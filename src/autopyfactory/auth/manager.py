"""``AuthManager``: one handler per auth.conf (or proxy.conf) profile, the lookups submit plugins use
(``proxy_path``, ``ssh_key_paths``) and a background thread running each handler's periodic check.

Differences from 2.4: a profile whose ``plugin`` is not X509/SSH/GSISSH is a configuration error
(2.4 silently made it an SSH handler); reconfiguration replaces only changed profiles (2.4's removal
crashed); a failed lookup names every profile tried and why it was refused."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from autopyfactory.auth.handler import AuthEnv, AuthHandler
from autopyfactory.auth.profiles import Profile, build_profile, same_sections
from autopyfactory.config.factory import AUTH_ENABLED, AUTH_SLEEP, PROXY_ENABLED, PROXY_SLEEP
from autopyfactory.config.problems import ConfigProblem
from autopyfactory.config.section import ConfigSection
from autopyfactory.plugins.context import AuthFailure, FactoryContext
from autopyfactory.plugins.registry import Registry, registry

if TYPE_CHECKING:
    from autopyfactory.loading.loader import LoadedConfig

log = logging.getLogger(__name__)


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
    ) -> None:
        self.basedir = basedir
        self.sleep = sleep
        self.enabled = enabled
        self.reg = reg
        self._lock = threading.RLock()
        self._profiles: dict[str, Profile] = {}
        self._sections: dict[str, ConfigSection] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.reconfigure(sections)

    @classmethod
    def from_config(cls, cfg: LoadedConfig, ctx: FactoryContext) -> AuthManager:
        f = cfg.factory
        legacy = AUTH_ENABLED.name not in f and PROXY_ENABLED.name in f
        enabled = bool(f.get(PROXY_ENABLED) if legacy else f.get(AUTH_ENABLED))
        sleep = (
            f.get(PROXY_SLEEP) if AUTH_SLEEP.name not in f and PROXY_SLEEP.name in f else f.get(AUTH_SLEEP)
        )
        return cls(cfg.auth, ctx.settings.state_dir / "auth", float(sleep), enabled)

    # -- profiles --------------------------------------------------------------------------------
    def _env(self) -> AuthEnv:
        return AuthEnv(self.basedir, self.proxy_path)

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
    def proxy_path(self, profiles: Sequence[str]) -> str:
        """The proxy of the first profile that has a valid one."""
        reasons: list[str] = []
        for name in profiles:
            try:
                return self.handler(name).proxy_path()
            except AuthFailure as exc:
                reasons.append(str(exc))
        raise AuthFailure(
            f"no valid proxy in profiles {', '.join(profiles) or '(none)'}: " + "; ".join(reasons)
        )

    def ssh_key_paths(self, profile: str) -> tuple[str, str, str | None]:
        return self.handler(profile).ssh_key_paths()

    def gsissh_key_path(self, profile: str) -> str:
        return self.handler(profile).ssh_key_paths()[1]

    # -- periodic checks ---------------------------------------------------------------------------
    def check_due(self, now: float | None = None) -> list[str]:
        """Run the checks that are due; returns the profiles checked."""
        now = time.monotonic() if now is None else now
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
        return done

    def start(self) -> None:
        """Start the background checks (not when ``authmanager.enabled = False``)."""
        if not self.enabled:
            log.info("auth manager disabled: proxies are checked only when a queue asks for one")
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
