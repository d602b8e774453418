"""Reading the factory's metrics back: over HTTP with the real ``curl``, or from a collector in this
process, parsed with prometheus_client's own parser."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

CURL = shutil.which("curl")


@dataclass(frozen=True)
class Scrape:
    """Every sample of one scrape: ``value(name, **labels)``, ``samples(name)``, the family types
    and helps, and the Content-Type the server answered with."""

    text: str
    content_type: str = ""

    def _families(self) -> Iterator[tuple[str, str, str, list[tuple[str, dict[str, str], float]]]]:
        for fam in text_string_to_metric_families(self.text):
            yield fam.name, fam.type, fam.documentation, [(s.name, s.labels, s.value) for s in fam.samples]

    @property
    def families(self) -> dict[str, str]:
        """Family name (as the parser names it: a counter without ``_total``) -> type."""
        return {name: type_ for name, type_, _, _ in self._families()}

    @property
    def helps(self) -> dict[str, str]:
        return {name: doc for name, _, doc, _ in self._families()}

    def samples_of_family(self, family: str) -> list[tuple[dict[str, str], float]]:
        """Every sample of a family (a histogram's buckets, sum and count included)."""
        return [(labels, value) for n, _, _, ss in self._families() if n == family for _, labels, value in ss]

    def samples(self, name: str) -> list[tuple[dict[str, str], float]]:
        return [(labels, value) for _, _, _, ss in self._families() for n, labels, value in ss if n == name]

    def value(self, name: str, **labels: str) -> float | None:
        """The sample of ``name`` whose labels include ``labels`` (None: none; an error: several)."""
        found = [v for ls, v in self.samples(name) if _matches(ls, labels)]
        assert len(found) <= 1, f"{name} {labels}: {len(found)} samples"
        return found[0] if found else None

    def total(self, name: str, **labels: str) -> float:
        """The sum of the samples of ``name`` whose labels include ``labels``."""
        return sum(v for ls, v in self.samples(name) if _matches(ls, labels))

    def label_values(self, name: str, label: str, **labels: str) -> set[str]:
        """The values of ``label`` in the samples of ``name`` whose labels include ``labels``."""
        return {ls[label] for ls, _ in self.samples(name) if label in ls and _matches(ls, labels)}


def _matches(have: Mapping[str, str], want: Mapping[str, str]) -> bool:
    return all(have.get(k) == v for k, v in want.items())


def curl(url: str, timeout: float = 20.0) -> Scrape:
    """GET ``url`` with the curl binary; fails the test on an HTTP error."""
    assert CURL is not None, "curl is not installed (scripts/install-system-deps.sh)"
    proc = subprocess.run(
        [CURL, "--silent", "--show-error", "--fail", "--max-time", str(timeout), "--write-out",
         "\n%{content_type}", url],
        capture_output=True,
        text=True,
        timeout=timeout + 10,
    )  # fmt: skip
    assert proc.returncode == 0, f"curl {url}: exit {proc.returncode}: {proc.stderr.strip()}"
    body, _, ctype = proc.stdout.rpartition("\n")
    return Scrape(body, ctype.strip())


def try_curl(url: str) -> Scrape | None:
    """``curl(url)``, or None while nothing answers there."""
    try:
        return curl(url, timeout=10.0)
    except AssertionError:
        return None
