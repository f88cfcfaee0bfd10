"""Django's execute_wrapper path of the SQL capture, on a real Django connection (SQLite)."""

from __future__ import annotations

import pytest

django = pytest.importorskip("django")

from stackaudit.runtime.nplusone.capture import Capture, recording  # noqa: E402
from stackaudit.runtime.nplusone.detect import detect  # noqa: E402


@pytest.fixture(scope="module")
def connection():  # type: ignore[no-untyped-def]
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
            INSTALLED_APPS=[],
            USE_TZ=True,
        )
        django.setup()
    from django.db import connection as conn

    with conn.cursor() as cur:
        cur.execute("CREATE TABLE shop_order (id INTEGER PRIMARY KEY, customer_id INTEGER)")
        cur.execute("CREATE TABLE shop_customer (id INTEGER PRIMARY KEY, name TEXT)")
        for i in range(12):
            cur.execute("INSERT INTO shop_customer VALUES (%s, %s)", [i, f"c{i}"])
            cur.execute("INSERT INTO shop_order VALUES (%s, %s)", [i, i])
    return conn


def test_django_queries_are_captured_once_each(connection) -> None:  # type: ignore[no-untyped-def]
    with Capture(), recording("unit") as rec, connection.cursor() as cur:
        cur.execute("SELECT id, customer_id FROM shop_order")
        orders = cur.fetchall()
        for _, customer_id in orders:
            cur.execute("SELECT name FROM shop_customer WHERE id = %s", [customer_id])
    assert len(rec.events) == 13  # once each: Django's wrapper, not again by the sqlite3 layer
    found = detect(rec.events, "unit", min_repeats=5, min_total_ms=0)
    assert len(found) == 1 and found[0].count == 12
    assert found[0].site is not None and found[0].site.path == __file__
