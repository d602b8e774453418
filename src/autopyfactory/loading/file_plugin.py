"""Config plugin ``File``: queues from ``queueConf`` files and a ``queueDirConf`` directory."""

from __future__ import annotations

from autopyfactory.config.conf_d import list_conf_dir
from autopyfactory.config.factory import FACTORY_SECTION, QUEUE_CONF, QUEUE_DIR_CONF, url_timeout
from autopyfactory.config.ini import (
    RawDocument,
    ResolvedSection,
    document_notes,
    merge,
    read_documents,
    resolve,
)
from autopyfactory.config.problems import ConfigProblem, error
from autopyfactory.config.sources import read_source, resolve_path
from autopyfactory.plugins.queues_config import QueuesConfigPlugin, QueuesResult


class FileQueuesConfig(QueuesConfigPlugin):
    """``queueConf``: comma list of paths / ``file://`` / ``http(s)://`` sources, each read on its own
    (its own ``[DEFAULT]``) and merged left to right. ``queueDirConf``: a conf.d directory, every
    ``*.conf`` in lexical order read as one document (shared ``[DEFAULT]``, later files override
    keys; hidden, backup and package-manager files are skipped: ``config.conf_d``), merged over the
    queueConf result. With neither key set, ``queues.conf`` and ``queues.d/`` beside
    ``autopyfactory.conf`` are used when they exist. A line that cannot be read disables the queues
    that depend on it (``unreadable_lines``), never the factory."""

    name = "File"
    factory_keys = (QUEUE_CONF, QUEUE_DIR_CONF)

    def _origin(self, key: str) -> tuple[str, str, str]:
        return (self.factory.origin_of(key), FACTORY_SECTION, key)

    def load(self, base: dict[str, ResolvedSection]) -> QueuesResult:
        conf = self.factory.get(QUEUE_CONF)
        confdir = self.factory.get(QUEUE_DIR_CONF)
        if conf is None and confdir is None:
            if (self.conf_dir / "queues.conf").exists():
                conf = str(self.conf_dir / "queues.conf")
            if (self.conf_dir / "queues.d").is_dir():
                confdir = str(self.conf_dir / "queues.d")
        if conf is None and confdir is None:
            raise error(
                self.factory.origin,
                FACTORY_SECTION,
                "queueConf",
                "no queues are configured",
                hint=f"set queueConf or queueDirConf, or create {self.conf_dir / 'queues.conf'}",
            )
        sections = dict(base)
        notes: list[ConfigProblem] = []
        for spec in (s.strip() for s in (conf or "").split(",")):
            if not spec:
                continue
            text, origin = read_source(
                spec, self.conf_dir, self._origin("queueConf"), url_timeout=url_timeout(self.factory)
            )
            doc = read_documents([(text, origin)], lenient=True)
            sections = merge(sections, resolve(doc))
            notes += document_notes(doc)
        if confdir:
            doc = self._read_dir(confdir, notes)
            sections = merge(sections, resolve(doc))
            notes += document_notes(doc)
        return QueuesResult(sections, notes)

    def _read_dir(self, spec: str, notes: list[ConfigProblem]) -> RawDocument:
        path = resolve_path(spec, self.conf_dir)
        if not path.is_dir():
            raise error(*self._origin("queueDirConf"), f"{path} is not a directory", value=spec)
        listing = list_conf_dir(path)
        notes += [ConfigProblem("warning", str(s.path), "", "", s.why, hint=s.hint) for s in listing.skipped]
        timeout = url_timeout(self.factory)
        texts = (
            read_source(str(p), None, self._origin("queueDirConf"), url_timeout=timeout)
            for p in listing.files
        )
        return read_documents(texts, lenient=True)
