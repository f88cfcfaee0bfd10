from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import ForeignKey, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, selectinload

from stackaudit.runtime.nplusone.capture import CallSite, Capture, QueryEvent, recording
from stackaudit.runtime.nplusone.detect import detect, detect_in_tests
from stackaudit.runtime.nplusone.fingerprint import normalise_sql, sql_fingerprint

HERE = str(Path(__file__).resolve())


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    customer: Mapped[Customer] = relationship()


@pytest.fixture
def session() -> Session:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        s.add_all([Customer(id=i, name=f"c{i}") for i in range(30)])
        s.add_all([Order(id=i, customer_id=i) for i in range(30)])
        s.commit()
        s.expunge_all()
        yield s


def test_fingerprint_collapses_literals_and_in_lists() -> None:
    assert normalise_sql("SELECT * FROM t WHERE id = 5") == normalise_sql("select * from t where id=?")
    assert sql_fingerprint("SELECT a FROM t WHERE id IN (1, 2, 3)") == sql_fingerprint(
        "SELECT a FROM t WHERE id IN (?)"
    )
    assert sql_fingerprint("SELECT a FROM t WHERE id = 1") != sql_fingerprint("SELECT b FROM t WHERE id = 1")
    assert normalise_sql("not ((( sql 42") == "not ((( sql ?"


def test_lazy_relationship_in_a_loop_is_detected_at_its_line(session: Session) -> None:
    with Capture(), recording("unit") as rec:
        orders = session.scalars(select(Order)).all()
        names = [order.customer.name for order in orders]  # the N+1 line
    assert len(names) == 30
    found = detect(rec.events, "unit", min_repeats=5, min_total_ms=0)
    assert len(found) == 1
    assert found[0].count == 30
    assert found[0].site is not None and found[0].site.path == HERE
    assert "FROM customers" in found[0].shape and "FROM orders" in found[0].source_shape


def test_eager_loading_is_not_an_n_plus_one(session: Session) -> None:
    with Capture(), recording("unit") as rec:
        orders = session.scalars(select(Order).options(selectinload(Order.customer))).all()
        _ = [order.customer.name for order in orders]
    assert len(rec.events) == 2
    assert detect(rec.events, "unit", min_repeats=5, min_total_ms=0) == []


def test_raw_sqlite3_is_captured_once_per_statement() -> None:
    with Capture(), recording("unit") as rec:
        conn = sqlite3.connect(":memory:")
        conn.execute("CREATE TABLE t (id INTEGER)")
        conn.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(10)])
        cur = conn.cursor()
        for i in range(10):
            cur.execute("SELECT id FROM t WHERE id = ?", (i,))
        conn.close()
    shapes = [e.shape for e in rec.events]
    assert shapes.count("SELECT id FROM t WHERE id = ?") == 10
    assert len(shapes) == 12


def test_nothing_is_recorded_outside_a_unit_and_hooks_are_removed() -> None:
    original = sqlite3.connect
    with Capture():
        assert sqlite3.connect is not original
        sqlite3.connect(":memory:").execute("SELECT 1")
    assert sqlite3.connect is original


def _events(shapes: list[str], ms: float) -> list[QueryEvent]:
    return [QueryEvent(s, sql_fingerprint(s), ms, None) for s in shapes]


@pytest.mark.parametrize(
    ("shapes", "ms", "expected"),
    [
        (["SELECT a FROM s"] + ["SELECT b FROM t WHERE id = ?"] * 5, 10.0, 1),  # 5 x 10 ms after a source
        (["SELECT a FROM s"] + ["SELECT b FROM t WHERE id = ?"] * 4, 20.0, 0),  # too few
        (["SELECT a FROM s"] + ["SELECT b FROM t WHERE id = ?"] * 10, 1.0, 0),  # too fast in total
        (["SELECT b FROM t WHERE id = ?"] * 10, 20.0, 0),  # no source query before the run
    ],
)
def test_sentry_thresholds(shapes: list[str], ms: float, expected: int) -> None:
    assert len(detect(_events(shapes, ms), "u", min_repeats=5, min_total_ms=50)) == expected


@pytest.mark.postgres
def test_psycopg_statements_are_captured(pg_url: str) -> None:
    import psycopg

    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with Capture(), recording("unit") as rec, psycopg.connect(dsn) as conn, conn.cursor() as cur:
        for i in range(6):
            cur.execute("SELECT %s::int + 1", (i,))
    assert len(rec.events) == 6
    assert len({e.fingerprint for e in rec.events}) == 1


def _test_events(
    count: int, ms: float, *, same: bool = True, setup: bool = False, path: str = "/app/shop/views.py"
) -> list[QueryEvent]:
    site = CallSite(path, 7, "order_names")
    entry = CallSite("/app/tests/test_shop.py", 3, "test_names")
    source = QueryEvent("SELECT * FROM orders", "src", 0.5, site, entry, setup, False)
    loop = [
        QueryEvent("SELECT name FROM customers WHERE id = ?", "fp", ms, site, entry, setup, same)
        for _ in range(count)
    ]
    return [source, *loop]


def test_sixty_queries_in_13_ms_are_an_n_plus_one_in_tests() -> None:
    events = _test_events(60, 13 / 60)
    assert not detect(events, "t", min_repeats=5, min_total_ms=50)  # the request threshold missed it
    (found,) = detect_in_tests(events, "t")
    assert found.count == 60 and found.total_ms == pytest.approx(13)


def test_tests_mode_ignores_setup_test_code_writes_and_separate_calls() -> None:
    assert not detect_in_tests(_test_events(60, 1.0, setup=True), "t")
    assert not detect_in_tests(_test_events(60, 1.0, path="/app/tests/factories.py"), "t")
    assert not detect_in_tests(_test_events(60, 1.0, same=False), "t")  # the test's own loop
    inserts = [
        QueryEvent(
            "INSERT INTO t VALUES (?)",
            "ins",
            1.0,
            CallSite("/app/shop/seed.py", 1, "seed"),
            None,
            False,
            True,
        )
        for _ in range(60)
    ]
    assert not detect_in_tests(inserts, "t")
    assert not detect_in_tests(_test_events(9, 5.0), "t")  # fewer than 10 repeats
