"""Breaking-change diff of API and event schemas against a baseline ref, in scripted git
repositories: commit v1, change the tree to v2, audit. One case per change kind, and additive
changes (new optional field, new endpoint, new response) that must stay silent."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from stackaudit.analyzers.apiversion import ApiVersionsAnalyzer
from stackaudit.analyzers.base import RepoContext, RepoResult, SourceFile
from stackaudit.analyzers.registry import rule_index
from stackaudit.config.schema import Config
from stackaudit.model import AnalyzerState, NotAnalysedReason

KINDS = {".py": "python", ".yaml": "yaml", ".yml": "yaml", ".json": "json", ".avsc": "text", ".proto": "text"}

OPENAPI_V1: dict[str, object] = {
    "openapi": "3.0.3",
    "info": {"title": "shop", "version": "1"},
    "paths": {
        "/orders": {
            "get": {
                "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "ok"}},
            },
            "post": {
                "requestBody": {
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}}
                },
                "responses": {"201": {"description": "made"}, "409": {"description": "dup"}},
            },
        },
        "/orders/{id}": {
            "get": {"responses": {"200": {"description": "ok"}}},
            "delete": {"responses": {"204": {"description": "gone"}}},
        },
    },
    "components": {
        "schemas": {
            "Order": {
                "type": "object",
                "required": ["sku"],
                "properties": {
                    "sku": {"type": "string"},
                    "quantity": {"type": "integer"},
                    "status": {"type": "string", "enum": ["open", "paid", "void"]},
                },
            }
        }
    },
}


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _files(root: Path) -> tuple[SourceFile, ...]:
    return tuple(
        SourceFile(p.relative_to(root).as_posix(), p, p.stat().st_size, KINDS[p.suffix])
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts and p.suffix in KINDS
    )


def _audit(root: Path, config: Config | None = None, is_git: bool = True) -> RepoResult:
    ctx = RepoContext(root, _files(root), config or Config(), is_git=is_git)
    return ApiVersionsAnalyzer().analyze_repo(ctx)


def _diff(tmp_path: Path, v1: dict[str, str], v2: dict[str, str]) -> RepoResult:
    """Commit v1, change the working tree to v2 (the baseline is then HEAD), audit."""
    _git(tmp_path, "init", "-q")
    _write(tmp_path, v1)
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "v1")
    _write(tmp_path, v2)
    return _audit(tmp_path)


def _spec(change: dict[str, object] | None = None, edit: str = "") -> dict[str, str]:
    doc = json.loads(json.dumps(OPENAPI_V1))
    if edit:
        exec(edit, {"doc": doc})  # a one-line edit of the v1 document, written in the case table
    return {"api/openapi.yaml": yaml.safe_dump(doc, sort_keys=False)}


OPENAPI_CASES = [
    ("del doc['paths']['/orders/{id}']['delete']", "api.endpoint-removed"),
    ("del doc['paths']['/orders/{id}']", "api.endpoint-removed"),
    ("del doc['paths']['/orders']['post']['responses']['409']", "api.response-removed"),
    (
        "doc['paths']['/orders']['get']['parameters'].append("
        "{'name': 'tenant', 'in': 'query', 'required': True, 'schema': {'type': 'string'}})",
        "api.required-added",
    ),
    ("doc['paths']['/orders']['get']['parameters'][0]['schema']['type'] = 'string'", "api.type-changed"),
    ("del doc['components']['schemas']['Order']['properties']['quantity']", "api.field-removed"),
    (
        "p = doc['components']['schemas']['Order']['properties']; p['qty'] = p.pop('quantity')",
        "api.field-removed",
    ),
    (
        "doc['components']['schemas']['Order']['properties']['status']['enum'].remove('void')",
        "api.enum-narrowed",
    ),
    ("doc['components']['schemas']['Order']['required'].append('quantity')", "api.required-added"),
    (
        "doc['components']['schemas']['Order']['properties']['quantity']['type'] = 'string'",
        "api.type-changed",
    ),
]
OPENAPI_ADDITIVE = [
    "doc['components']['schemas']['Order']['properties']['note'] = {'type': 'string'}",
    "doc['paths']['/refunds'] = {'post': {'responses': {'201': {'description': 'ok'}}}}",
    "doc['paths']['/orders']['post']['responses']['422'] = {'description': 'bad'}",
    "doc['components']['schemas']['Order']['properties']['status']['enum'].append('refunded')",
    "doc['components']['schemas']['Order']['properties']['quantity']['nullable'] = True",
    "doc['info']['description'] = 'the shop API'",
]


@pytest.mark.parametrize(("edit", "rule"), OPENAPI_CASES)
def test_openapi_breaking_change(tmp_path: Path, edit: str, rule: str) -> None:
    result = _diff(tmp_path, _spec(), _spec(edit=edit))
    assert {f.rule_id for f in result.findings} == {rule}, [f.message for f in result.findings]
    finding = result.findings[0]
    assert finding.location.path == "api/openapi.yaml" and finding.location.line > 1
    assert "side by side" in finding.message and "could break" in finding.message
    assert "HEAD" in finding.message


@pytest.mark.parametrize("edit", OPENAPI_ADDITIVE)
def test_openapi_additive_change_is_silent(tmp_path: Path, edit: str) -> None:
    assert not _diff(tmp_path, _spec(), _spec(edit=edit)).findings


def test_renamed_field_says_so(tmp_path: Path) -> None:
    edit = "p = doc['components']['schemas']['Order']['properties']; p['qty'] = p.pop('quantity')"
    result = _diff(tmp_path, _spec(), _spec(edit=edit))
    assert "'quantity' renamed to 'qty'" in result.findings[0].message


def test_removed_operation_names_its_clients(tmp_path: Path) -> None:
    result = _diff(tmp_path, _spec(), _spec(edit="del doc['paths']['/orders/{id}']['delete']"))
    assert "DELETE /orders/{id}" in result.findings[0].message


SCHEMA_V1 = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://example.com/events/order-paid.json",
    "type": "object",
    "required": ["order_id"],
    "properties": {"order_id": {"type": "integer"}, "amount": {"type": "number"}},
}


@pytest.mark.parametrize(
    ("edit", "rule"),
    [
        ("del doc['properties']['amount']", "api.field-removed"),
        ("doc['properties']['order_id']['type'] = 'string'", "api.type-changed"),
        ("doc['required'].append('amount')", "api.required-added"),
        (
            "doc['properties']['currency'] = {'type': 'string'}; doc['required'].append('currency')",
            "api.required-added",
        ),
        ("doc['properties']['currency'] = {'type': 'string'}", None),
    ],
)
def test_json_schema_changes(tmp_path: Path, edit: str, rule: str | None) -> None:
    doc = json.loads(json.dumps(SCHEMA_V1))
    exec(edit, {"doc": doc})
    result = _diff(
        tmp_path,
        {"schemas/order-paid.schema.json": json.dumps(SCHEMA_V1, indent=2)},
        {"schemas/order-paid.schema.json": json.dumps(doc, indent=2)},
    )
    assert [f.rule_id for f in result.findings] == ([rule] if rule else [])
    if rule:
        assert "order-paid.json" in result.findings[0].message  # the consumers: who validates against it


MODELS_V1 = """
from enum import Enum
from typing import Literal, Optional

from pydantic import BaseModel, Field


class Channel(str, Enum):
    WEB = "web"
    SHOP = "shop"


class OrderPaid(BaseModel):
    order_id: int
    amount: float = 0.0
    coupon: Optional[str] = None
    currency: Literal["EUR", "USD"] = "EUR"
    channel: Channel = Channel.WEB
    ref: str = Field(..., alias="reference")
"""
PRODUCER = """
from events import OrderPaid


def pay(broker, order):
    broker.publish("orders", OrderPaid(order_id=order.id, reference=order.ref))
"""


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        ("    amount: float = 0.0\n", "", "api.field-removed"),
        ("    order_id: int\n", "    order_id: str\n", "api.type-changed"),
        ("    amount: float = 0.0\n", "    amount: float\n", "api.required-added"),
        ("    amount: float = 0.0\n", "    amount: float = 0.0\n    payer: str\n", "api.required-added"),
        ('Literal["EUR", "USD"]', 'Literal["EUR"]', "api.enum-narrowed"),
        ('    SHOP = "shop"\n', "", "api.enum-narrowed"),
        ('alias="reference"', 'alias="ref_id"', "api.field-removed"),
        ("    amount: float = 0.0\n", "    amount: float = 0.0\n    note: str | None = None\n", None),
        ("coupon: Optional[str] = None", "coupon: str | None = None", None),
        ("    order_id: int\n", "    order_id: int | None\n", None),
        ("class OrderPaid", "class Refund(BaseModel):\n    order_id: int\n\n\nclass OrderPaid", None),
    ],
)
def test_pydantic_model_changes(tmp_path: Path, old: str, new: str, rule: str | None) -> None:
    assert old in MODELS_V1
    v1 = {"events.py": MODELS_V1, "billing.py": PRODUCER}
    result = _diff(tmp_path, v1, {**v1, "events.py": MODELS_V1.replace(old, new)})
    assert [f.rule_id for f in result.findings] == ([rule] if rule else []), [
        f.message for f in result.findings
    ]
    if rule:
        finding = result.findings[0]
        assert finding.location.path == "events.py" and finding.location.symbol == "OrderPaid"
        assert "event producers and consumers of OrderPaid (billing.py)" in finding.message


def test_model_moved_to_another_module_is_matched_by_name(tmp_path: Path) -> None:
    changed = MODELS_V1.replace("    amount: float = 0.0\n", "")
    result = _diff(tmp_path, {"events.py": MODELS_V1}, {"events.py": "", "app/events.py": changed})
    assert [(f.location.path, f.rule_id) for f in result.findings] == [("app/events.py", "api.field-removed")]


def test_baseline_is_the_newest_tag_and_a_configured_ref_wins(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    _write(tmp_path, _spec())
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "v1")
    _git(tmp_path, "tag", "v1")
    _write(tmp_path, _spec(edit="del doc['paths']['/orders/{id}']['delete']"))
    _git(tmp_path, "commit", "-qam", "v2")  # committed: HEAD has it, the tag does not
    tagged = _audit(tmp_path)
    assert [f.rule_id for f in tagged.findings] == ["api.endpoint-removed"]
    assert "tag v1" in tagged.reason and "since tag v1" in tagged.findings[0].message
    pinned = _audit(tmp_path, Config.model_validate({"api_versions": {"baseline": "HEAD"}}))
    assert not pinned.findings and pinned.state is AnalyzerState.OK


def test_no_git_or_no_commit_does_nothing_and_says_so(tmp_path: Path) -> None:
    _write(tmp_path, _spec())
    outside = _audit(tmp_path, is_git=False)
    assert outside.state is AnalyzerState.SKIPPED and "not a git repository" in outside.reason
    assert not outside.findings and not outside.notices
    _git(tmp_path, "init", "-q")
    first = _audit(tmp_path)
    assert first.state is AnalyzerState.SKIPPED and "first run" in first.reason and not first.findings
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "v1")
    missing = _audit(tmp_path, Config.model_validate({"api_versions": {"baseline": "v9"}}))
    assert missing.state is AnalyzerState.SKIPPED and not missing.findings
    assert "'v9' not found" in missing.notices[0]  # the user's ref is wrong: said run-wide


def test_unparsable_spec_is_recorded_and_the_rest_goes_on(tmp_path: Path) -> None:
    v1 = {**_spec(), "events.py": MODELS_V1}
    v2 = {
        "api/openapi.yaml": "openapi: 3.0.0\npaths: [unclosed\n",
        "events.py": MODELS_V1.replace("    amount: float = 0.0\n", ""),
    }
    result = _diff(tmp_path, v1, v2)
    assert [(n.path, n.reason) for n in result.not_analysed] == [
        ("api/openapi.yaml", NotAnalysedReason.SYNTAX_ERROR)
    ]
    assert [f.rule_id for f in result.findings] == ["api.field-removed"]


def test_rules_are_in_the_catalogue() -> None:
    index = rule_index().rules
    for rule in ApiVersionsAnalyzer.rules:
        assert rule.id in index and "expand and contract" in rule.doc.lower()


def test_model_through_a_project_base_in_another_file(tmp_path: Path) -> None:
    """``class Event(BaseModel)`` in one module, ``class Shipped(Event)`` in another (whose text
    never says BaseModel): still a model, with the base's fields."""
    base = "from pydantic import BaseModel\n\n\nclass Event(BaseModel):\n    id: str\n    at: float\n"
    child = "from base import Event\n\n\nclass Shipped(Event):\n    carrier: str = 'ups'\n"
    v1 = {"base.py": base, "shipping.py": child}
    result = _diff(
        tmp_path, v1, {**v1, "shipping.py": child.replace("carrier: str = 'ups'", "carrier: int = 0")}
    )
    assert [(f.location.path, f.rule_id) for f in result.findings] == [("shipping.py", "api.type-changed")]


def test_a_schema_that_contains_itself_ends(tmp_path: Path) -> None:
    """A YAML anchor can make a document that contains itself: the diff stops at a depth bound."""
    loop = (
        "openapi: 3.0.0\npaths: {}\ncomponents:\n  schemas:\n"
        "    Node: &node\n      type: object\n      properties:\n        next: *node\n"
    )
    changed = loop.replace("type: object", "type: array")
    result = _diff(tmp_path, {"api/openapi.yaml": loop}, {"api/openapi.yaml": changed})
    assert [f.rule_id for f in result.findings] == ["api.type-changed"]  # Node, once


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (
            "doc['paths']['/orders']['get']['parameters'][0]['schema']['type'] = 'string'",
            "GET /orders parameters.limit: type integer -> string",
        ),
        (
            "doc['components']['schemas']['Order']['properties']['quantity']['type'] = 'string'",
            "Order.quantity: type integer -> string",
        ),
        (
            "del doc['components']['schemas']['Order']['properties']['quantity']",
            "Order: field 'quantity' removed",
        ),
    ],
)
def test_messages_name_what_changed(tmp_path: Path, edit: str, said: str) -> None:
    result = _diff(tmp_path, _spec(), _spec(edit=edit))
    assert result.findings[0].message.startswith(said), result.findings[0].message


def test_minified_json_openapi_document(tmp_path: Path) -> None:
    v2 = json.loads(json.dumps(OPENAPI_V1))
    del v2["paths"]["/orders"]["post"]
    result = _diff(tmp_path, {"openapi.json": json.dumps(OPENAPI_V1)}, {"openapi.json": json.dumps(v2)})
    assert [f.rule_id for f in result.findings] == ["api.endpoint-removed"]
    assert "POST /orders" in result.findings[0].message
