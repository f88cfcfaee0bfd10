"""Precision and recall of the service map against the labelled maps (labels.py).

Printed per app and pooled (run with ``-s`` to see the table); the pooled figures must reach
0.9 for endpoints, edges, auth levels and collection flags.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stackaudit.scope.build import build_map
from stackaudit.scope.model import ServiceMap
from tests.scope.labels import APPS

THRESHOLD = 0.9


def _map(root: Path) -> ServiceMap:
    return build_map(root, [str(p.relative_to(root)) for p in root.rglob("*.py")])


def _ratio(hit: int, total: int) -> float:
    return hit / total if total else 1.0


def _measure(name: str) -> dict[str, tuple[int, int, int]]:
    """(true positives, found, expected) for endpoints and edges; (right, compared, _) for auth and lists."""
    app = APPS[name]
    found = _map(app["root"])  # type: ignore[arg-type]
    got = {(" ".join(e.methods), e.path, e.handler.ref): e for e in found.endpoints}
    want = {(m, p, h): (auth, lists) for m, p, h, auth, lists in app["endpoints"]}  # type: ignore[attr-defined]
    both = set(got) & set(want)
    auth_ok = sum(got[k].auth.level.label == want[k][0] for k in both)
    lists_ok = sum(got[k].collection == want[k][1] for k in both)
    edges = {(e.handler, e.resource) for e in found.edges}
    expected = set(app["edges"])  # type: ignore[call-overload]
    return {
        "endpoints": (len(both), len(got), len(want)),
        "edges": (len(edges & expected), len(edges), len(expected)),
        "auth": (auth_ok, len(both), 0),
        "collection": (lists_ok, len(both), 0),
    }


def test_precision_and_recall_of_the_map() -> None:
    pooled: dict[str, list[int]] = {}
    print()
    for name in APPS:
        figures = _measure(name)
        row = []
        for kind, (tp, found, expected) in figures.items():
            acc = pooled.setdefault(kind, [0, 0, 0])
            acc[0], acc[1], acc[2] = acc[0] + tp, acc[1] + found, acc[2] + expected
            if kind in ("endpoints", "edges"):
                row.append(f"{kind} P {_ratio(tp, found):.2f} R {_ratio(tp, expected):.2f}")
            else:
                row.append(f"{kind} {_ratio(tp, found):.2f}")
        print(f"{name:8} " + " | ".join(row))
    (etp, efound, eexp), (gtp, gfound, gexp) = pooled["endpoints"], pooled["edges"]
    auth, lists = pooled["auth"], pooled["collection"]
    print(
        f"pooled   endpoints P {_ratio(etp, efound):.2f} R {_ratio(etp, eexp):.2f} | "
        f"edges P {_ratio(gtp, gfound):.2f} R {_ratio(gtp, gexp):.2f} | "
        f"auth {_ratio(auth[0], auth[1]):.2f} | collection {_ratio(lists[0], lists[1]):.2f}"
    )
    assert _ratio(etp, efound) >= THRESHOLD and _ratio(etp, eexp) >= THRESHOLD
    assert _ratio(gtp, gfound) >= THRESHOLD and _ratio(gtp, gexp) >= THRESHOLD
    assert _ratio(auth[0], auth[1]) >= THRESHOLD
    assert _ratio(lists[0], lists[1]) >= THRESHOLD


@pytest.mark.parametrize("name", list(APPS))
def test_every_app_finds_most_of_its_endpoints(name: str) -> None:
    tp, _found, expected = _measure(name)["endpoints"]
    assert _ratio(tp, expected) >= THRESHOLD, name
