"""Our CycloneDX writer says what cyclonedx-python-lib says about the same inventory.

The library built the document before (it costs most of ``stackaudit sbom``'s time); here it is
the oracle: the same components (purl, version, licences, hashes, scope) and the same graph.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cyclonedx.contrib.license.factories import LicenseFactory
from cyclonedx.model import HashAlgorithm, HashType
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentScope, ComponentType
from cyclonedx.model.license import DisjunctiveLicense
from cyclonedx.output.json import JsonV1Dot6
from license_expression import get_spdx_licensing
from packageurl import PackageURL

from stackaudit.analyzers.sca import licences
from stackaudit.inventory import sbom
from stackaudit.inventory.deps import build_inventory, environment_inventory, walk
from stackaudit.inventory.deps.model import Dependency, Inventory

FIX = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]
_ALG = {"sha256": HashAlgorithm.SHA_256, "sha512": HashAlgorithm.SHA_512, "sha1": HashAlgorithm.SHA_1}
_ALG |= {"sha384": HashAlgorithm.SHA_384, "md5": HashAlgorithm.MD5}


def _library_component(dep: Dependency) -> Component:
    expression = licences.normalise(dep.licence) if dep.licence else None
    if not dep.licence:
        found: list[object] = []
    elif expression is None:
        found = [DisjunctiveLicense(name=dep.licence[:200])]
    else:
        found = [LicenseFactory().make_from_string(expression)]
    hashes = [HashType(alg=_ALG[a], content=h) for a, h in filter(None, map(sbom.parse_hash, dep.hashes))]
    return Component(
        name=dep.name,
        version=dep.version,
        type=ComponentType.LIBRARY,
        bom_ref=dep.purl,
        purl=PackageURL.from_string(dep.purl),
        hashes=hashes,
        licenses=found,  # type: ignore[arg-type]
        scope=ComponentScope.OPTIONAL if dep.dev else ComponentScope.REQUIRED,
    )


def _library_document(name: str, inventory: Inventory) -> str:
    components = sbom._unique_components(inventory)
    built = {purl: _library_component(dep) for purl, dep in components.items()}
    bom = Bom()
    root = Component(name=name, type=ComponentType.APPLICATION, bom_ref="root")
    bom.metadata.component = root
    bom.components.update(built.values())
    bom.register_dependency(root, [built[p] for p, d in components.items() if d.direct])
    for parent, children in sbom._edges(inventory, sbom._by_key(components)).items():
        bom.register_dependency(built[parent], [built[c] for c in sorted(children)])
    return str(JsonV1Dot6(bom).output_as_string(indent=2))


def _facts(document: str) -> tuple[dict[str, object], dict[str, list[str]]]:
    data = json.loads(document)
    keep = ("name", "version", "purl", "licenses", "scope", "type")
    components = {
        c["bom-ref"]: {**{k: c.get(k) for k in keep}, "hashes": sorted(map(str, c.get("hashes", [])))}
        for c in data["components"]
    }
    graph = {d["ref"]: sorted(d.get("dependsOn", [])) for d in data["dependencies"]}
    return components, graph


@pytest.mark.parametrize("which", ["fixtures", "venv"])
def test_same_document_as_the_library(which: str) -> None:
    if which == "fixtures":
        inventory = build_inventory(FIX, walk(FIX))
    else:
        venv = REPO / ".venv"
        if not venv.is_dir():
            pytest.skip("no .venv in this checkout")
        inventory = environment_inventory(venv)
    ours = sbom.cyclonedx_json(sbom.SbomInput(which, inventory))
    assert _facts(ours) == _facts(_library_document(which, inventory))


def test_common_ids_are_rendered_as_license_expression_renders_them() -> None:
    spdx = get_spdx_licensing()
    for key in sorted(licences.COMMON_IDS):
        for text in (key, f"{key} OR MIT", f"MIT AND {key}"):
            expression = spdx.parse(text, validate=True, strict=False)
            assert not spdx.unknown_license_keys(expression)
            assert licences.normalise(text) == str(expression.render()) == text


def test_mixed_operators_and_rare_ids_still_go_through_the_parser() -> None:
    assert licences.normalise("MIT AND BSD-3-Clause OR Apache-2.0") is not None
    assert licences.normalise("Sleepycat") == "Sleepycat"
    assert licences.normalise("not a licence at all") is None
