"""Event and API schemas declared as dataclasses, attrs classes and ``TypedDict``s, read with
``ast`` like pydantic models: one breaking case per change kind, and compatible changes that must
stay silent, in scripted git repositories."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_apiversion import _diff

EVENTS_V1 = """
from dataclasses import dataclass, field
from typing import ClassVar, Literal, NotRequired, Required, TypedDict

import attr
from attrs import define
from attrs import field as afield


@dataclass(frozen=True)
class InvoiceIssued:
    invoice_id: int
    amount: float = 0.0
    lines: list[str] = field(default_factory=list)
    currency: Literal["EUR", "USD"] = "EUR"


class RefundPayload(TypedDict):
    refund_id: int
    reason: NotRequired[str]


class PartialPayload(TypedDict, total=False):
    note: str
    ref: Required[str]


@define
class ShipmentSent:
    shipment_id: int
    carrier: str = "ups"
    tags: list[str] = afield(factory=list)


@attr.s
class LegacyEvent:
    legacy_id = attr.ib(type=int)
    source = attr.ib(default="web")
"""

CASES = [
    ("    amount: float = 0.0\n", "", "api.field-removed", "InvoiceIssued"),
    ("    invoice_id: int\n", "    invoice_id: str\n", "api.type-changed", "InvoiceIssued"),
    ("    invoice_id: int\n", "    invoice_id: int\n    payer: str\n", "api.required-added", "InvoiceIssued"),
    ("    amount: float = 0.0\n", "    amount: float\n", "api.required-added", "InvoiceIssued"),
    ('Literal["EUR", "USD"]', 'Literal["EUR"]', "api.enum-narrowed", "InvoiceIssued"),
    ("    reason: NotRequired[str]\n", "    reason: str\n", "api.required-added", "RefundPayload"),
    ("    refund_id: int\n", "", "api.field-removed", "RefundPayload"),
    ("    note: str\n", "    note: Required[str]\n", "api.required-added", "PartialPayload"),
    ('    carrier: str = "ups"\n', "    carrier: int = 0\n", "api.type-changed", "ShipmentSent"),
    ("    shipment_id: int\n", "    shipment_id: int\n    dock: str\n", "api.required-added", "ShipmentSent"),
    ('attr.ib(default="web")', "attr.ib()", "api.required-added", "LegacyEvent"),
    ("attr.ib(type=int)", "attr.ib(type=str)", "api.type-changed", "LegacyEvent"),
]
COMPATIBLE = [
    ("    amount: float = 0.0\n", "    amount: float = 0.0\n    memo: str = ''\n"),
    (
        '    currency: Literal["EUR", "USD"] = "EUR"\n',
        '    currency: Literal["EUR", "USD"] = "EUR"\n    refs: list[int] = field(default_factory=list)\n',
    ),
    ("    reason: NotRequired[str]\n", "    reason: NotRequired[str]\n    extra: NotRequired[int]\n"),
    ("    note: str\n", "    note: str\n    extra: int\n"),
    (
        "    tags: list[str] = afield(factory=list)\n",
        "    tags: list[str] = afield(factory=list)\n    seen: set[str] = afield(factory=set)\n",
    ),
    ('attr.ib(default="web")\n', 'attr.ib(default="web")\n    region = attr.ib(default=None)\n'),
    ("    invoice_id: int\n", "    invoice_id: int | None\n"),
    ("    invoice_id: int\n", "    invoice_id: int\n    KIND: ClassVar[str] = 'invoice'\n"),
    ('Literal["EUR", "USD"]', 'Literal["EUR", "USD", "GBP"]'),
]


@pytest.mark.parametrize(("old", "new", "rule", "cls"), CASES)
def test_breaking_change_of_an_event_class(tmp_path: Path, old: str, new: str, rule: str, cls: str) -> None:
    assert old in EVENTS_V1
    result = _diff(tmp_path, {"events.py": EVENTS_V1}, {"events.py": EVENTS_V1.replace(old, new)})
    assert [(f.rule_id, f.location.symbol) for f in result.findings] == [(rule, cls)], [
        f.message for f in result.findings
    ]
    kind = dict(result.findings[0].properties)["schema_kind"]
    assert kind in ("dataclass", "attrs", "typeddict")


@pytest.mark.parametrize(("old", "new"), COMPATIBLE)
def test_compatible_change_of_an_event_class_is_silent(tmp_path: Path, old: str, new: str) -> None:
    assert old in EVENTS_V1
    result = _diff(tmp_path, {"events.py": EVENTS_V1}, {"events.py": EVENTS_V1.replace(old, new)})
    assert not result.findings, [f.message for f in result.findings]


INTERNAL = """
from dataclasses import dataclass


@dataclass
class CacheEntry:
    key: str
    hits: int = 0
"""
ROUTE = """
from fastapi import APIRouter

from util.entries import CacheEntry

router = APIRouter()


@router.get("/entries")
def entries() -> list[CacheEntry]:
    return []
"""


def test_an_internal_dataclass_changes_freely_unless_an_endpoint_returns_it(tmp_path: Path) -> None:
    changed = INTERNAL.replace("    hits: int = 0\n", "")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    internal = _diff(tmp_path / "a", {"util/entries.py": INTERNAL}, {"util/entries.py": changed})
    assert not internal.findings
    v1 = {"util/entries.py": INTERNAL, "web/routes.py": ROUTE}
    served = _diff(tmp_path / "b", v1, {**v1, "util/entries.py": changed})
    assert [f.rule_id for f in served.findings] == ["api.field-removed"]
    assert "HTTP clients of the endpoints in web/routes.py" in served.findings[0].message
