"""MkDocs hooks for the documentation site (mkdocs.yml).

- ``reference/keys.md`` is generated at every build from the keys the factory and its plugins
  declare (``autopyfactory config-keys --markdown``): the reference cannot drift from the code.
- A page the navigation names but that is not written yet (``simulation.md``)
  gets a short stand-in saying so, so the site builds strictly either way; the real page, once in
  docs/, replaces it."""

from __future__ import annotations

from typing import Any

from mkdocs.structure.files import File, Files

PENDING = {
    "simulation.md": (
        "The simulator",
        "The simulator's documentation is being written. The engine runs in virtual time "
        "([Architecture](architecture.md#the-engine)).",
    ),
}


def on_files(files: Files, config: Any) -> Files:
    from autopyfactory.cli.config_keys import markdown
    from autopyfactory.loading.key_catalog import catalog
    from autopyfactory.plugins.registry import registry

    files.append(File.generated(config, "reference/keys.md", content=markdown(catalog(registry))))
    for name, (title, text) in PENDING.items():
        if files.get_file_from_path(name) is None:
            files.append(File.generated(config, name, content=f"# {title}\n\n{text}\n"))
    return files
