"""``stackaudit fleet``: one audit per repository, spread over a Dask cluster, into one store.

``sources`` reads the list of repositories, ``task`` is what a Dask worker runs for one of them
(check out, skip when the commit and config are already stored, else the CLI's ``run_audit``),
``run`` submits the tasks and gathers their outcomes, ``view`` reads the fleet back from the store.
"""
