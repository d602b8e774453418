"""autopyfactory: a pilot factory that couples pilot flow to queued work."""


def _version() -> str:
    """The installed version: written by setuptools-scm from the git tags at build/install time
    (``_version.py``), else the distribution's metadata; ``0+unknown`` for a tree never installed."""
    try:
        from autopyfactory._version import version

        return str(version)
    except ImportError:
        pass
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("autopyfactory")
    except PackageNotFoundError:
        return "0+unknown"


__version__ = _version()
