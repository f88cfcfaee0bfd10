"""UTCDateTime: aware UTC out on every backend, whatever went in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from stackaudit.storage.tables import UTCDateTime

CET = timezone(timedelta(hours=1))


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "postgresql"])
@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 3, 1, 10, 30, tzinfo=CET),
        datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        datetime(2026, 3, 1, 9, 30),  # naive: taken as UTC
    ],
)
def test_round_trip_is_aware_utc(dialect: object, value: datetime) -> None:
    kind = UTCDateTime()
    stored = kind.process_bind_param(value, dialect)  # type: ignore[arg-type]
    assert stored is not None
    if dialect.name == "sqlite":  # type: ignore[attr-defined]
        assert stored.tzinfo is None
    back = kind.process_result_value(stored, dialect)  # type: ignore[arg-type]
    assert back == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert back is not None and back.utcoffset() == timedelta(0)


def test_none_and_text_values() -> None:
    kind = UTCDateTime()
    assert kind.process_bind_param(None, sqlite.dialect()) is None
    assert kind.process_result_value(None, sqlite.dialect()) is None
    assert kind.process_result_value("2026-03-01 09:30:00", sqlite.dialect()) == datetime(
        2026, 3, 1, 9, 30, tzinfo=UTC
    )
