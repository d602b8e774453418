"""The factory's own Prometheus metrics (docs/operations.md, "Metrics"): the collector fed from the
cycle's reports and reloads (:mod:`.collector`), the series it exposes (:mod:`.names`), and the
service that serves them on a port of their own and/or the log server's (:mod:`.service`)."""
