"""Runtime evidence producers: load tests (``load``), the performance regression gate
(``regression``); profiling, runtime N+1 and metrics capture live beside them.

Each producer runs against a service the user names and writes ``Evidence`` into the store.
"""
