"""The plugin interface: ``pre_run``, ``run``, ``post_run``, run in that order by the runner."""

from __future__ import annotations

import argparse
import logging

from ..context import StageContext
from ..options import StageArgumentParser


class Plugin:
    """Subclasses set ``name``, add their options in ``add_options`` and implement the steps.

    A step fails by raising StageError (its code becomes the exit code) or any other exception
    (the step's generic code). ``run`` returns the payload's exit status."""

    name = "base"
    #: options the plugin does not know go to the payload (True) or are an error (False)
    passes_unknown = False

    def __init__(self, ctx: StageContext, args: list[str]) -> None:
        self.ctx = ctx
        self.log = logging.getLogger(f"wrapper.{self.name}")
        parser = StageArgumentParser(
            f"wrapper plugin {self.name}",
            "its options are in docs/wrapper.md; words for the payload go after a standalone --",
        )
        self.add_options(parser)
        if self.passes_unknown:
            self.opts, self.extra = parser.parse_known_args(args)
        else:
            self.opts, self.extra = parser.parse_args(args), []

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        """Declare the plugin's options."""

    def pre_run(self) -> None:
        """Prepare (fetch code, write configuration)."""

    def run(self) -> int:
        """Run the payload; its exit status."""
        return 0

    def post_run(self) -> None:
        """Clean up after a successful run."""
