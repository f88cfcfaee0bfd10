"""Shared OpenAPI components reached through ``$ref`` (parameters, request bodies, responses), and
schema documents moved or removed between the baseline and the tree, in scripted git repos."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from stackaudit.analyzers.base import RepoResult

from .test_apiversion import SCHEMA_V1, _audit, _diff, _spec

REF_V1: dict[str, object] = {
    "openapi": "3.0.3",
    "info": {"title": "ledger", "version": "1"},
    "paths": {
        "/entries": {
            "get": {
                "parameters": [{"$ref": "#/components/parameters/Tenant"}],
                "responses": {
                    "200": {"$ref": "#/components/responses/EntryList"},
                    "404": {"$ref": "#/components/responses/NotFound"},
                },
            },
            "post": {
                "requestBody": {"$ref": "#/components/requestBodies/NewEntry"},
                "responses": {"201": {"description": "made"}},
            },
        }
    },
    "components": {
        "parameters": {
            "Tenant": {"name": "tenant", "in": "header", "required": False, "schema": {"type": "string"}},
            "Page": {"name": "page", "in": "query", "schema": {"type": "integer"}},
        },
        "responses": {
            "EntryList": {
                "description": "entries",
                "content": {"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}},
            },
            "NotFound": {"description": "no such entry"},
        },
        "requestBodies": {
            "NewEntry": {
                "required": False,
                "content": {
                    "application/json": {
                        "schema": {"type": "object", "properties": {"amount": {"type": "integer"}}}
                    }
                },
            }
        },
    },
}


def _ref_spec(edit: str = "") -> dict[str, str]:
    doc = json.loads(json.dumps(REF_V1))
    if edit:
        exec(edit, {"doc": doc})  # a one-line edit of the v1 document, written in the case table
    return {"api/ledger.yaml": yaml.safe_dump(doc, sort_keys=False)}


C = "doc['components']"
REF_CASES = [
    (f"{C}['parameters']['Tenant']['required'] = True", "api.required-added", "GET /entries"),
    (f"{C}['requestBodies']['NewEntry']['required'] = True", "api.required-added", "POST /entries"),
    (f"del {C}['responses']['NotFound']", "api.response-removed", "GET /entries"),
    (
        f"{C}['responses']['EntryList']['content']['application/json']['schema']['type'] = 'object'",
        "api.type-changed",
        "GET /entries",
    ),
    (
        f"{C}['requestBodies']['NewEntry']['content']['application/json']['schema']['properties']"
        "['amount']['type'] = 'string'",
        "api.type-changed",
        "POST /entries",
    ),
    (
        "doc['paths']['/entries']['get']['parameters'].append({'$ref': '#/components/parameters/Key'}); "
        f"{C}['parameters']['Key'] = {{'name': 'key', 'in': 'query', 'required': True}}",
        "api.required-added",
        "GET /entries",
    ),
]
REF_COMPATIBLE = [
    # the same parameter written inline instead of through the component
    f"doc['paths']['/entries']['get']['parameters'] = [{C}['parameters']['Tenant']]",
    # a component renamed, its reference following it
    f"{C}['parameters']['TenantHeader'] = {C}['parameters'].pop('Tenant'); "
    "doc['paths']['/entries']['get']['parameters'] = [{'$ref': '#/components/parameters/TenantHeader'}]",
    # a new optional parameter through a new component
    "doc['paths']['/entries']['get']['parameters'].append({'$ref': '#/components/parameters/Page'})",
    # a response component gains a media type
    f"{C}['responses']['NotFound']['content'] = {{'application/json': {{'schema': {{'type': 'object'}}}}}}",
    # an unused component removed
    f"del {C}['parameters']['Page']",
]


@pytest.mark.parametrize(("edit", "rule", "operation"), REF_CASES)
def test_change_through_a_component_is_reported_at_the_operation(
    tmp_path: Path, edit: str, rule: str, operation: str
) -> None:
    result = _diff(tmp_path, _ref_spec(), _ref_spec(edit))
    assert [f.rule_id for f in result.findings] == [rule], [f.message for f in result.findings]
    assert result.findings[0].message.startswith(operation), result.findings[0].message


@pytest.mark.parametrize("edit", REF_COMPATIBLE)
def test_compatible_component_change_is_silent(tmp_path: Path, edit: str) -> None:
    result = _diff(tmp_path, _ref_spec(), _ref_spec(edit))
    assert not result.findings, [f.message for f in result.findings]


def test_dangling_response_ref_says_so(tmp_path: Path) -> None:
    result = _diff(tmp_path, _ref_spec(), _ref_spec(f"del {C}['responses']['NotFound']"))
    assert "response 404 removed (its $ref #/components/responses/NotFound no longer resolves)" in (
        result.findings[0].message
    )


def test_a_reference_loop_ends(tmp_path: Path) -> None:
    edit = (
        f"{C}['parameters']['A'] = {{'$ref': '#/components/parameters/B'}}; "
        f"{C}['parameters']['B'] = {{'$ref': '#/components/parameters/A'}}; "
        "doc['paths']['/entries']['get']['parameters'].append({'$ref': '#/components/parameters/A'})"
    )
    assert not _diff(tmp_path, _ref_spec(), _ref_spec(edit)).findings


def _moved(spec: dict[str, str], to: str) -> dict[str, str]:
    (text,) = spec.values()
    return {to: text}


def _replace(tmp_path: Path, v1: dict[str, str], v2: dict[str, str]) -> RepoResult:
    """Commit v1, delete its files from the working tree, write v2, audit."""
    _diff(tmp_path, v1, {})
    for name in v1:
        (tmp_path / name).unlink()
    for name, text in v2.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return _audit(tmp_path)


def test_removed_openapi_document_removes_its_operations(tmp_path: Path) -> None:
    result = _replace(tmp_path, _spec(), {})
    assert [f.rule_id for f in result.findings] == ["api.endpoint-removed"]
    finding = result.findings[0]
    assert finding.location.path == "api/openapi.yaml"
    assert "OpenAPI document removed with its 4 operation(s) (GET /orders, POST /orders" in finding.message
    assert dict(finding.properties)["document"] == "removed"


def test_renamed_identical_document_is_silent(tmp_path: Path) -> None:
    v1 = _spec()
    v2 = _moved(_spec(), "docs/api/v1.yaml")
    result = _replace(tmp_path, v1, v2)
    assert not result.findings, [f.message for f in result.findings]


def test_moved_and_changed_document_is_diffed_at_its_new_path(tmp_path: Path) -> None:
    v2 = _moved(_spec(edit="del doc['paths']['/orders/{id}']['delete']"), "spec/shop.yaml")
    result = _replace(tmp_path, _spec(), v2)
    assert [(f.rule_id, f.location.path) for f in result.findings] == [
        ("api.endpoint-removed", "spec/shop.yaml")
    ]
    assert "DELETE /orders/{id} removed (document moved from api/openapi.yaml)" in result.findings[0].message


def test_an_unrelated_new_document_is_not_taken_for_the_removed_one(tmp_path: Path) -> None:
    other = json.loads(json.dumps(REF_V1))
    result = _replace(tmp_path, _spec(), {"api/ledger.yaml": yaml.safe_dump(other)})
    assert [(f.rule_id, f.location.path) for f in result.findings] == [
        ("api.endpoint-removed", "api/openapi.yaml")
    ]


def test_removed_and_moved_json_schema_files(tmp_path: Path) -> None:
    text = json.dumps(SCHEMA_V1, indent=2)
    changed = json.loads(text)
    del changed["properties"]["amount"]
    (tmp_path / "a").mkdir()
    moved = _replace(tmp_path / "a", {"schemas/paid.json": text}, {"events/paid.json": json.dumps(changed)})
    assert [(f.rule_id, f.location.path) for f in moved.findings] == [
        ("api.field-removed", "events/paid.json")
    ]
    (tmp_path / "b").mkdir()
    removed = _replace(tmp_path / "b", {"schemas/paid.json": text}, {})
    assert [f.rule_id for f in removed.findings] == ["api.field-removed"]
    assert "schema document removed" in removed.findings[0].message


SWAGGER_V1 = {
    "swagger": "2.0",
    "info": {"title": "legacy", "version": "1"},
    "paths": {
        "/users": {
            "get": {
                "parameters": [{"$ref": "#/parameters/PageSize"}],
                "responses": {"200": {"$ref": "#/responses/UserList"}},
            }
        }
    },
    "parameters": {"PageSize": {"name": "size", "in": "query", "type": "integer", "required": False}},
    "responses": {
        "UserList": {"description": "users", "schema": {"type": "array", "items": {"type": "string"}}}
    },
}


@pytest.mark.parametrize(
    ("edit", "rule"),
    [
        ("doc['parameters']['PageSize']['required'] = True", "api.required-added"),
        ("doc['parameters']['PageSize']['type'] = 'string'", "api.type-changed"),
        ("doc['responses']['UserList']['schema']['items']['type'] = 'integer'", "api.type-changed"),
        ("doc['parameters']['PageSize']['description'] = 'how many'", None),
    ],
)
def test_swagger2_top_level_parameters_and_responses(tmp_path: Path, edit: str, rule: str | None) -> None:
    doc = json.loads(json.dumps(SWAGGER_V1))
    exec(edit, {"doc": doc})
    result = _diff(tmp_path, {"swagger.json": json.dumps(SWAGGER_V1)}, {"swagger.json": json.dumps(doc)})
    assert [f.rule_id for f in result.findings] == ([rule] if rule else []), [
        f.message for f in result.findings
    ]
    if rule:
        assert result.findings[0].message.startswith("GET /users")
