"""The APFMon v2 REST API, one module per resource, mounted under ``/api``."""
