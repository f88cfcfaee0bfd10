"""The example service: every planted problem (PLANTED.md) is found, nothing else is; and the
planted N+1 is real (the endpoint issues one query per order against SQLite)."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stackaudit.config.loader import load_config
from tests.analyzers.python.corpus import analyse

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "shop"
ROW = re.compile(r"^\|\s*([a-z]+\.[a-z0-9-]+)\s*\|\s*(\S+)\s*\|\s*(\S+)\s*\|")
CLEAN = ("shop/__init__.py", "shop/db.py", "shop/models.py", "shop/catalog.py")


def planted() -> set[tuple[str, str, str]]:
    rows = set()
    for line in (EXAMPLE / "PLANTED.md").read_text().splitlines():
        match = ROW.match(line)
        if match:
            rows.add((match.group(1), match.group(2), match.group(3)))
    return rows


def found() -> set[tuple[str, str, str]]:
    out = set()
    for path in sorted(EXAMPLE.rglob("*.py")):
        rel = path.relative_to(EXAMPLE).as_posix()
        for finding in analyse(path, rel):
            out.add((finding.rule_id, rel, finding.location.symbol or "(module)"))
    return out


def test_planted_table_is_read() -> None:
    rows = planted()
    assert len(rows) >= 8
    assert {
        "perf.n-plus-one",
        "scale.no-timeout",
        "perf.unpaginated-list",
        "scale.unbounded-queue",
        "perf.blocking-call-in-async",
        "sec.sql-string-built",
        "scale.retry-without-backoff",
    } <= {rule for rule, _, _ in rows}


def test_every_planted_problem_is_found_and_nothing_else() -> None:
    want, got = planted(), found()
    assert not want - got, f"planted but not found: {sorted(want - got)}"
    assert not got - want, f"found but not planted: {sorted(got - want)}"


def test_clean_modules_have_no_findings() -> None:
    for rel in CLEAN:
        assert analyse(EXAMPLE / rel, rel) == ()


def test_endpoint_of_planted_findings_matches_the_slo() -> None:
    config = load_config(EXAMPLE)
    endpoints = {slo.endpoint for slo in config.slo.values()}
    findings = analyse(EXAMPLE / "shop" / "orders.py", "shop/orders.py")
    assert {f.endpoint for f in findings} == {"GET /orders"} <= endpoints


# ---- the planted N+1 is real --------------------------------------------------------------


@pytest.fixture
def shop_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    pytest.importorskip("flask")
    monkeypatch.syspath_prepend(str(EXAMPLE))
    for name in [m for m in sys.modules if m == "shop" or m.startswith("shop.")]:
        monkeypatch.delitem(sys.modules, name)
    from shop import create_app  # the example is our own code, not audited input

    yield create_app(f"sqlite:///{tmp_path / 'shop.db'}")
    for name in [m for m in sys.modules if m == "shop" or m.startswith("shop.")]:
        del sys.modules[name]


def _seed(app: Any, orders: int, start: int = 0) -> list[int]:
    from shop.models import Customer, Order, OrderLine, Product

    with app.extensions["shop.sessionmaker"]() as session:
        product = Product(sku=f"SKU-{start}", name="Mug", price_cents=900)
        session.add(product)
        ids = []
        for n in range(start, start + orders):
            customer = Customer(email=f"c{n}@example.com", name=f"Customer {n}")
            order = Order(customer=customer)
            order.lines.append(OrderLine(product=product, quantity=2, unit_price_cents=900))
            session.add(order)
            session.flush()
            ids.append(order.id)
        session.commit()
        return ids


def _count_queries(app: Any, path: str) -> tuple[int, Any]:
    from sqlalchemy import event

    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    engine = app.extensions["shop.engine"]
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = app.test_client().get(path)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements), response


def test_list_orders_issues_one_query_per_order(shop_app: Any) -> None:
    for count in (3, 9):
        existing = len(_existing(shop_app))
        _seed(shop_app, count - existing, start=existing)
        queries, response = _count_queries(shop_app, "/orders")
        assert response.status_code == 200
        assert len(response.get_json()) == count
        assert queries == count + 1  # 1 for the orders, then 1 per order for its lines


def test_show_order_query_count_is_constant(shop_app: Any) -> None:
    ids = _seed(shop_app, 4)
    queries, response = _count_queries(shop_app, f"/orders/{ids[0]}")
    assert response.status_code == 200
    assert queries <= 3  # order + customer (joined) + lines (selectin), whatever the data


def _existing(app: Any) -> list[int]:
    from shop.models import Order
    from sqlalchemy import select

    with app.extensions["shop.sessionmaker"]() as session:
        return list(session.scalars(select(Order.id)))
