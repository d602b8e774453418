"""Client security settings for talking to a schedd or collector through the bindings."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass

log = logging.getLogger(__name__)

_applied: dict[str, str] = {}
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class CondorSecurity:
    """What the bindings need to authenticate: methods (``SEC_CLIENT_AUTHENTICATION_METHODS``, e.g.
    ``TOKEN`` or ``GSI``), an IDTOKENS directory (``SEC_TOKEN_DIRECTORY``) and, for GSI/SSL, an X509
    proxy (``X509_USER_PROXY``). Empty fields leave the HTCondor configuration's values alone."""

    methods: str = ""
    token_dir: str = ""
    x509_proxy: str = ""

    def settings(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.methods:
            out["SEC_CLIENT_AUTHENTICATION_METHODS"] = self.methods
        if self.token_dir:
            out["SEC_TOKEN_DIRECTORY"] = os.path.expanduser(self.token_dir)
        if self.x509_proxy:
            out["X509_USER_PROXY"] = os.path.expanduser(self.x509_proxy)
        return out

    def apply(self) -> None:
        """Set these values in the bindings' configuration. It is process-wide: two schedds asking for
        different values cannot both have them; the conflict is logged and the last one wins."""
        values = self.settings()
        if not values:
            return
        import htcondor2

        with _lock:
            for name, value in values.items():
                old = _applied.get(name)
                if old is not None and old != value:
                    log.warning(
                        "HTCondor client setting %s changes from %r to %r: the bindings' security "
                        "configuration is shared by every schedd this factory talks to",
                        name,
                        old,
                        value,
                    )
                _applied[name] = value
                htcondor2.param[name] = value
                if name == "X509_USER_PROXY":
                    os.environ[name] = value
