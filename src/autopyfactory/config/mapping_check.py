"""Checking ``mappings.conf`` against what the status plugins read from it.

- For a queue (errors: the queue does not run): the section its status plugin reads exists; every
  state in it maps to a bucket of the plugin's view; every raw state the source reports is mapped;
  the buckets the decision needs (pending and running pilots, ready jobs) are reachable.
- For the files (warnings): a section no plugin reads and 2.4 did not ship (a misspelt override
  that would silently change nothing).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from autopyfactory.config.mapping_spec import MappingSpec
from autopyfactory.config.mappings import BUILTIN, Mappings
from autopyfactory.config.problems import ConfigProblem


def _did_you_mean(word: str, options: Iterable[str], cutoff: float = 0.6) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=cutoff)
    return f"did you mean '{close[0]}'?" if close else ""


def check_mapping(spec: MappingSpec, mappings: Mappings, user: str) -> list[ConfigProblem]:
    """Errors that make ``spec`` unusable; ``user`` names who reads it (e.g. "batch status plugin
    'Condor'")."""
    sec = spec.section
    if not mappings.has(sec):
        hint = _did_you_mean(sec, mappings.sections(), 0.5)
        return [
            ConfigProblem(
                "error",
                mappings.files(),
                sec,
                "",
                f"{user} reads mapping section [{sec}], which no mappings file defines "
                f"(sections: {', '.join(sorted(mappings.sections()))})",
                None,
                (hint + " " if hint else "") + f"add [{sec}] to the file named by mappingsConf",
            )
        ]
    out: list[ConfigProblem] = []
    values = mappings.values(sec)
    buckets = ", ".join(spec.buckets)
    for state, v in values.items():
        if v.raw not in spec.buckets:
            hint = _did_you_mean(v.raw.lower(), spec.buckets) or f"use one of {buckets}"
            out.append(
                ConfigProblem(
                    "error",
                    v.origin,
                    sec,
                    state,
                    f"maps to no {spec.kind} bucket ({buckets}); {user} would count these nowhere",
                    v.raw,
                    hint,
                )
            )
    for state in spec.states:
        if state not in values:
            out.append(
                ConfigProblem(
                    "error",
                    mappings.origin(sec),
                    sec,
                    state,
                    f"{user} reports raw state {state!r}, which this section does not map",
                    None,
                    f"add '{state} = <one of {buckets}>'",
                )
            )
    reached = {v.raw for v in values.values()}
    for bucket in spec.needed:
        if bucket not in reached:
            out.append(
                ConfigProblem(
                    "error",
                    mappings.origin(sec),
                    sec,
                    "",
                    f"no state maps to '{bucket}': {user} would never count {bucket} "
                    f"{'pilots' if spec.kind == 'batch' else 'jobs'}, and the decision would be made blind",
                    None,
                    f"map the {bucket} state(s) of the source to '{bucket}'",
                )
            )
    return out


def check_mapping_files(
    mappings: Mappings, builtin: Mappings, specs: Iterable[MappingSpec]
) -> list[ConfigProblem]:
    """Warnings about mappingsConf sections that nothing will read."""
    read = {s.section for s in specs}
    known = read | set(builtin.sections())
    out: list[ConfigProblem] = []
    for sec in mappings.sections():
        own = {k: v for k, v in mappings.values(sec).items() if v.origin != BUILTIN}
        if not own:
            continue
        origin = next(iter(own.values())).origin
        if sec not in known:
            hint = _did_you_mean(sec, sorted(read), 0.5)
            out.append(
                ConfigProblem(
                    "warning",
                    origin,
                    sec,
                    "",
                    "no status plugin reads this mapping section; its values change nothing",
                    None,
                    hint or f"sections the plugins read: {', '.join(sorted(read))}",
                )
            )
    return out
