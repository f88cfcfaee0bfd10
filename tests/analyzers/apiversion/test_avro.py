"""Avro schemas (``.avsc``) under Avro's resolution rules: old consumers read new messages and
new consumers read the queued old ones. Breaking and compatible edits in scripted git repos."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .test_apiversion import _diff

ORDER_PAID: dict[str, object] = {
    "type": "record",
    "name": "OrderPaid",
    "namespace": "shop.events",
    "fields": [
        {"name": "order_id", "type": "long"},
        {"name": "amount", "type": "double"},
        {"name": "coupon", "type": ["null", "string"], "default": None},
        {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["PAID", "REFUNDED"]}},
        {
            "name": "channel",
            "type": {"type": "enum", "name": "Channel", "symbols": ["WEB", "SHOP"], "default": "WEB"},
        },
        {
            "name": "payer",
            "type": {
                "type": "record",
                "name": "Payer",
                "fields": [{"name": "email", "type": "string"}, {"name": "country", "type": "string"}],
            },
        },
        {"name": "tags", "type": {"type": "array", "items": "string"}, "default": []},
    ],
}
F = "doc['fields']"
CASES = [
    (f"del {F}[1]", "api.field-removed", "OrderPaid: field 'amount' removed"),
    (f"{F}[0]['type'] = 'string'", "api.type-changed", "OrderPaid.order_id: type long -> string"),
    (f"{F}.append({{'name': 'region', 'type': 'string'}})", "api.required-added", "OrderPaid.region"),
    (f"{F}[3]['type']['symbols'].remove('REFUNDED')", "api.enum-narrowed", "OrderPaid.status"),
    (f"{F}[5]['type']['fields'].pop()", "api.field-removed", "OrderPaid.payer: field 'country' removed"),
    (
        f"{F}[1]['name'] = 'total'; {F}[1]['aliases'] = ['amount']",
        "api.field-removed",
        "OrderPaid.total: field 'amount' renamed to 'total'",
    ),
    (f"{F}[6]['type']['items'] = 'int'", "api.type-changed", "OrderPaid.tags.items: type string -> int"),
]
COMPATIBLE = [
    f"{F}.append({{'name': 'region', 'type': 'string', 'default': 'eu'}})",  # new field with a default
    f"del {F}[2]",  # removed field that had a default: old readers fill it in
    f"{F}[4]['type']['symbols'].remove('SHOP')",  # an enum with a default symbol
    f"{F}[4]['type']['symbols'].append('APP')",
    f"{F}[3]['type']['symbols'].append('DISPUTED')",  # enum widened
    f"{F}[1]['type'] = ['null', 'double']",  # nullable widening
    f"{F}[2]['name'] = 'voucher'; {F}[2]['aliases'] = ['coupon']",  # renamed, old one had a default
    "doc['doc'] = 'an order was paid'",
]


def _avsc(edit: str = "") -> dict[str, str]:
    doc = json.loads(json.dumps(ORDER_PAID))
    if edit:
        exec(edit, {"doc": doc})  # a one-line edit of the v1 schema, written in the case table
    return {"schemas/order_paid.avsc": json.dumps(doc, indent=2)}


@pytest.mark.parametrize(("edit", "rule", "said"), CASES)
def test_breaking_avro_change(tmp_path: Path, edit: str, rule: str, said: str) -> None:
    result = _diff(tmp_path, _avsc(), _avsc(edit))
    assert [f.rule_id for f in result.findings] == [rule], [f.message for f in result.findings]
    finding = result.findings[0]
    assert finding.message.startswith(said), finding.message
    assert "Avro shop.events.OrderPaid" in finding.message and finding.location.line > 1
    assert dict(finding.properties)["schema_kind"] == "avro"


@pytest.mark.parametrize("edit", COMPATIBLE)
def test_compatible_avro_change_is_silent(tmp_path: Path, edit: str) -> None:
    result = _diff(tmp_path, _avsc(), _avsc(edit))
    assert not result.findings, [f.message for f in result.findings]


def test_avro_file_of_records_and_a_broken_one(tmp_path: Path) -> None:
    """A file holding a list of records is compared record by record; one that does not parse is
    recorded as not analysed."""
    two = [ORDER_PAID, {"type": "record", "name": "Refund", "fields": [{"name": "id", "type": "long"}]}]
    changed = json.loads(json.dumps(two))
    changed[1]["fields"][0]["type"] = "string"
    v1 = {"schemas/all.avsc": json.dumps(two), "schemas/bad.avsc": json.dumps(ORDER_PAID)}
    result = _diff(tmp_path, v1, {"schemas/all.avsc": json.dumps(changed), "schemas/bad.avsc": "{nope"})
    assert [f.rule_id for f in result.findings] == ["api.type-changed"]
    assert "Refund.id: type long -> string" in result.findings[0].message
    assert [n.path for n in result.not_analysed] == ["schemas/bad.avsc"]
