"""The grid simulator: a discrete-event world (sites, WMS queues, jobs, pilots) in virtual time, driven
by the factory's real configuration loader, sched chains and snapshot rules through simulated status
and submit plugins. See docs/simulation.md."""
