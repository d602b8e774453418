"""Entry point when the bootstrap runs ``python3 <stage directory> ...``.

Python puts the stage directory itself first on ``sys.path``; its module names (``checks``,
``options``, ...) must not shadow the standard library, so that entry is replaced by the parent
directory and the stage is imported as the package ``stage``."""

import importlib
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0] or os.curdir) == _here:
    del sys.path[0]
sys.path.insert(0, os.path.dirname(_here))

main = importlib.import_module("stage.main").main  # the stage as the package ``stage``

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
