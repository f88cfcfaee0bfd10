"""Write SLO verdicts into the history store as Evidence (storage's ``Store.add_evidence``)."""

from __future__ import annotations

from collections.abc import Sequence

from stackaudit.model import Evidence


def save_evidence(url: str, items: Sequence[Evidence]) -> None:
    """Open the store at ``url`` and add ``items``; StoreError propagates with its message."""
    from stackaudit.storage.store import Store

    store = Store.open(url)
    try:
        store.add_evidence(items)
    finally:
        store.close()
