"""The demo: the factory on embedded defaults, runnable on a fresh machine."""
