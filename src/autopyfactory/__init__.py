"""autopyfactory: a pilot factory that couples pilot flow to queued work."""

__version__ = "3.0.0.dev0"
