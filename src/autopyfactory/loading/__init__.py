"""Loading a factory configuration with its plugins: the configuration files read by ``config/``
(a leaf: reading, keys, sections, problems, mappings), the queue sections that the ``config``
plugins produce (``File``, ``CRIC``), every queue checked against the keys its plugins declare, and
sched chains built from their names (``chain.py``). Above ``config/``, ``plugins/`` and ``sched/``."""
