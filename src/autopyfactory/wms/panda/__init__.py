"""WMS status plugin ``Panda``: job statistics per site from a PanDA server, site status from the
queue configuration source, refreshed by one background poller per server."""
