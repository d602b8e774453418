"""The Python stage of the pilot wrapper.

It runs on worker nodes with nothing installed: standard library only, Python 3.8 or later, no
import of anything outside this directory (modules import each other relatively). The bootstrap
runs it as ``python3 <this directory> [options]``; see ``__main__.py``."""

VERSION = "3.0.0"
