"""The engine, in three parts:

- the cycle (``cycle.py``; ``snapshot.py``, ``actions.py``, ``outcome.py``, ``decision_line.py``):
  poll, snapshot, decide, act, log;
- the factory (``factory.py``; ``queue_builder.py``, ``reload.py``, ``statelock.py``): load the
  configuration, build the queues and their plugins, rebuild what a reload changes;
- the daemon (``daemon.py``): signals, services, the loop.

What they share: the clock (``clock.py``), where work runs (``executors.py``, ``pool.py``,
``calls.py``, ``monitor_calls.py``), the stop flags (``control.py``), the status sources
(``status_hub.py``) and the queues' runtimes (``queue.py``)."""
