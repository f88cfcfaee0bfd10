"""fastcodec gives exactly what model.codec gives, on every model type the store writes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from enum import Enum
from pathlib import Path

import pytest

from stackaudit.model import Assessment, AuditResult, Evidence, GateVerdict, Run
from stackaudit.model.codec import decode, to_primitive
from stackaudit.storage import fastcodec

from .factories import evidence, rich_result


def _values() -> list[tuple[type, object]]:
    rich = rich_result()
    return [
        (AuditResult, rich),
        (Run, rich.run),
        *((Assessment, a) for a in (*rich.findings, *rich.suppressed)),
        (Evidence, evidence()),
        (GateVerdict, rich.gate),
    ]


@pytest.mark.parametrize(
    ("cls", "value"), _values(), ids=lambda v: type(v).__name__ if not isinstance(v, type) else v.__name__
)
def test_encode_and_decode_match_the_model_codec(cls: type, value: object) -> None:
    slow = to_primitive(value)
    fast = fastcodec.encode(value)
    assert json.dumps(fast, sort_keys=True) == json.dumps(slow, sort_keys=True)
    assert fast == slow
    assert fastcodec.decode(cls, json.loads(json.dumps(fast))) == decode(cls, json.loads(json.dumps(slow)))
    assert fastcodec.decode(cls, json.loads(json.dumps(fast))) == value


class Colour(Enum):
    RED = "red"


@dataclass(frozen=True)
class Odd:
    colour: Colour
    day: date
    where: Path
    tags: frozenset[str]
    table: dict[str, tuple[int, ...]]
    ratio: float
    pair: tuple[int, str]
    maybe: int | None = None


def test_shapes_beyond_the_model_fall_back_or_match() -> None:
    value = Odd(Colour.RED, date(2026, 3, 1), Path("a/b"), frozenset({"x"}), {"k": (1, 2)}, 2.0, (1, "a"))
    assert fastcodec.encode(value) == to_primitive(value)
    data = json.loads(json.dumps(to_primitive(value)))
    data["ratio"] = 2  # an int where a float is declared, as JSON may give it
    assert fastcodec.decode(Odd, data) == decode(Odd, data) == value
    assert isinstance(fastcodec.decode(Odd, data).ratio, float)
