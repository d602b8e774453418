"""The simulated WMS status, batch status and batch submit plugins: real plugins of the factory's
plugin interfaces, bound to one simulated world and registered in a Registry like any other."""
