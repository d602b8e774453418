"""The APFMon-compatible monitor service: REST API (v2), dashboard, expiry and metrics.

``create_app(settings)`` in :mod:`.app` builds the ASGI application; ``autopyfactory monitor serve``
runs it under uvicorn."""
