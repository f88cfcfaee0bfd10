"""SBOM documents validate against the CycloneDX 1.6 schema and carry purls, licences, hashes, graph."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from stackaudit.inventory.deps import build_inventory, environment_inventory, walk
from stackaudit.inventory.sbom import SbomInput, cyclonedx_json, parse_hash, spdx_json

FIX = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]


def _validate(document: str) -> None:
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(document)
    assert errors is None, errors


@pytest.fixture(scope="module")
def fixtures_doc() -> dict:  # type: ignore[type-arg]
    document = cyclonedx_json(SbomInput("fixtures", build_inventory(FIX, walk(FIX))))
    _validate(document)
    return json.loads(document)  # type: ignore[no-any-return]


def test_components_have_purl_version_licence_hashes(fixtures_doc: dict) -> None:  # type: ignore[type-arg]
    comps = {c["bom-ref"]: c for c in fixtures_doc["components"]}
    assert fixtures_doc["specVersion"] == "1.6"
    pillow = comps["pkg:pypi/pillow@9.0.0"]
    assert {h["content"] for h in pillow["hashes"]} == {"3" * 64, "4" * 64}
    express = comps["pkg:npm/express@4.17.1"]
    assert express["licenses"] == [{"license": {"id": "MIT"}}]
    assert express["hashes"] == [{"alg": "SHA-512", "content": bytes(range(64)).hex()}]
    assert comps["pkg:npm/%40scope/gpl-thing@1.0.0"]["licenses"] == [{"license": {"id": "GPL-3.0-only"}}]
    assert comps["pkg:golang/golang.org/x/net@v0.7.0"]["version"] == "v0.7.0"
    assert "pkg:pypi/pillow" not in comps  # uv/pyproject.toml's range: the uv.lock pin describes it
    assert "pkg:pypi/flask" in comps  # a range nothing pins stays, without a version


def test_dependency_graph(fixtures_doc: dict) -> None:  # type: ignore[type-arg]
    graph = {d["ref"]: set(d.get("dependsOn", [])) for d in fixtures_doc["dependencies"]}
    assert "pkg:pypi/markupsafe@1.0" in graph["pkg:pypi/jinja2@2.10"]
    assert "pkg:npm/body-parser@1.19.0" in graph["pkg:npm/express@4.17.1"]
    assert "pkg:pypi/requests@2.19.0" in graph["root"]
    assert graph["pkg:pypi/b@1.0"] == {"pkg:pypi/c@1.0"} and graph["pkg:pypi/c@1.0"] == {
        "pkg:pypi/b@1.0"
    }  # cycle


def test_installed_environment_sbom_validates() -> None:
    inv = environment_inventory(REPO / ".venv")
    document = cyclonedx_json(SbomInput("venv", inv))
    _validate(document)
    data = json.loads(document)
    names = {c["name"].lower() for c in data["components"]}
    assert {"packaging", "sqlalchemy", "pyyaml"} <= names and len(names) > 50
    graph = {d["ref"]: d.get("dependsOn", []) for d in data["dependencies"]}
    flask = next(c["bom-ref"] for c in data["components"] if c["name"].lower() == "flask")
    assert any("werkzeug" in ref for ref in graph[flask])
    assert any(c.get("licenses") for c in data["components"])


def test_spdx_document_is_consistent() -> None:
    doc = json.loads(spdx_json(SbomInput("fixtures", build_inventory(FIX, walk(FIX)))))
    assert doc["spdxVersion"] == "SPDX-2.3" and doc["dataLicense"] == "CC0-1.0"
    ids = [p["SPDXID"] for p in doc["packages"]]
    assert len(ids) == len(set(ids))
    for rel in doc["relationships"]:
        assert rel["spdxElementId"] in {*ids, "SPDXRef-DOCUMENT"} and rel["relatedSpdxElement"] in ids
    express = next(p for p in doc["packages"] if p["name"] == "express")
    assert express["licenseDeclared"] == "MIT" and express["checksums"][0]["algorithm"] == "SHA512"
    assert express["externalRefs"][0]["referenceLocator"] == "pkg:npm/express@4.17.1"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sha256:" + "a" * 64, ("sha256", "a" * 64)),
        ("sha256:abcd", None),
        ("md5:" + "0" * 32, ("md5", "0" * 32)),
        ("h1:OjyFBKICoexlu99ctXNR2gg+c5pKrKMuyjgARg9qeY8=", None),
        ("sha1-" + "A" * 27 + "=", ("sha1", "00" * 20)),
        ("whirlpool:00", None),
    ],
)
def test_parse_hash(raw: str, expected: tuple[str, str] | None) -> None:
    assert parse_hash(raw) == expected
