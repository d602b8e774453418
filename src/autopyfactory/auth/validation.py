"""check-config's view of auth.conf / proxy.conf: every profile's problems, found without building
handlers (no proxy is inspected, no key is written), and what queues may rely on."""

from __future__ import annotations

from collections.abc import Mapping

from autopyfactory.auth import x509_keys
from autopyfactory.auth.profiles import Checked, check_profile
from autopyfactory.config.credentials import ProfileState, a_profile
from autopyfactory.config.problems import ConfigProblem
from autopyfactory.config.section import ConfigSection
from autopyfactory.plugins.registry import Registry


def _retriever_problems(checked: Mapping[str, Checked]) -> list[ConfigProblem]:
    """``x509.retriever_list`` names profiles whose proxy authenticates to MyProxy: they must exist
    and be X509 profiles."""
    out: list[ConfigProblem] = []
    for name, c in checked.items():
        if c.cls is None or c.plugin != "X509" or x509_keys.RETRIEVERS.name not in c.view:
            continue
        if c.view.check(x509_keys.RETRIEVERS) is not None:
            continue
        for other in c.view.get(x509_keys.RETRIEVERS):
            target = checked.get(other)
            if target is not None and target.plugin == "X509":
                continue
            why = "is not in auth.conf/proxy.conf" if target is None else f"is {a_profile(target.plugin)}"
            out.append(
                ConfigProblem(
                    "error",
                    c.view.origin_of(x509_keys.RETRIEVERS.name),
                    name,
                    x509_keys.RETRIEVERS.name,
                    f"[{other}] {why}; a retriever must be an X509 profile with a proxy",
                    c.view.raw(x509_keys.RETRIEVERS.name),
                    "name an X509 profile of auth.conf",
                )
            )
    return out


def check_profiles(
    sections: Mapping[str, ConfigSection], reg: Registry
) -> tuple[list[ConfigProblem], dict[str, ProfileState]]:
    """Problems of every profile (errors name file, section and key), and each profile's state."""
    checked = {name: check_profile(sec, reg) for name, sec in sections.items()}
    problems = [p for c in checked.values() for p in c.problems]
    cross = _retriever_problems(checked)
    problems.extend(cross)
    broken = {p.section for p in cross}
    states = {
        name: ProfileState(
            name,
            c.plugin,
            sections[name].origin,
            c.ok and name not in broken,
            c.cls.provides if c.cls is not None else None,
        )
        for name, c in checked.items()
    }
    # files a profile reads (a token client's secret): shown, but they are the machine's state, not
    # the configuration's, so queues still start (a renewal then fails, says why and alerts)
    for c in checked.values():
        if c.cls is not None:
            problems.extend(c.cls.file_problems(c.view))
    return list(dict.fromkeys(problems)), states


__all__ = ["check_profiles"]
