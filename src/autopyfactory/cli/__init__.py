"""The ``autopyfactory`` command line."""
