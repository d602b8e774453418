"""Rules of the APFMon protocol that both ends share: the factory (its monitor plugin and its
configuration checks) and the monitor service. Standard library only, imported by neither end's
heavy parts, so the factory's core never pulls in the service's stack."""
