"""SBOM documents from an inventory: CycloneDX 1.6 JSON and SPDX 2.3 JSON.

Each component carries its purl, version, licences as SPDX expressions and the
hashes its lock file records; the document carries the dependency graph.

Both documents are written as plain JSON here. ``cyclonedx-python-lib`` built the CycloneDX
one before; its model and serialiser cost about 1.5 s per run (import and rendering, measured
with pyinstrument), most of ``stackaudit sbom``'s time, for a document of a few fixed fields.
The tests validate every document against the CycloneDX 1.6 schema with that library and
compare it with the library's own rendering of the same inventory (tests/inventory).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from packageurl import PackageURL

from stackaudit import __version__
from stackaudit.analyzers.sca.licences import COMMON_IDS, normalise
from stackaudit.inventory.deps.model import Dependency, Inventory

_HEX = re.compile(r"^[0-9a-fA-F]+$")
_ALGORITHMS = {  # ours -> (CycloneDX, SPDX)
    "sha256": ("SHA-256", "SHA256"),
    "sha384": ("SHA-384", "SHA384"),
    "sha512": ("SHA-512", "SHA512"),
    "sha1": ("SHA-1", "SHA1"),
    "md5": ("MD5", "MD5"),
}
CYCLONEDX_SCHEMA = "http://cyclonedx.org/schema/bom-1.6.schema.json"
_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128, "sha1": 40, "md5": 32}


@dataclass(frozen=True, slots=True)
class SbomInput:
    """What the document describes: the project's name and its merged inventory."""

    name: str
    inventory: Inventory
    version: str | None = None


def parse_hash(raw: str) -> tuple[str, str] | None:
    """``sha256:hex`` (pip, poetry, uv) or ``sha512-base64`` (npm SRI) -> (algorithm, hex), else None."""
    algo, sep, value = raw.partition(":") if ":" in raw else raw.partition("-")
    algo = algo.lower()
    if not sep or algo not in _LENGTHS:
        return None
    if not _HEX.match(value):
        try:
            value = base64.b64decode(value, validate=True).hex()
        except (binascii.Error, ValueError):
            return None
    return (algo, value.lower()) if len(value) == _LENGTHS[algo] else None


def _unique_components(inventory: Inventory) -> dict[str, Dependency]:
    """One entry per purl; the first file that pins it wins, hashes and licences are merged."""
    chosen: dict[str, Dependency] = {}
    pinned = {(d.ecosystem, d.key) for d in inventory.dependencies if d.version}
    for dep in sorted(inventory.dependencies, key=lambda d: (d.version is None, d.source)):
        if dep.version is None and (dep.ecosystem, dep.key) in pinned:
            continue  # a manifest's range for what a lock file pins: the locked component describes it
        current = chosen.get(dep.purl)
        if current is None or (not current.licence and dep.licence) or (dep.hashes and not current.hashes):
            chosen[dep.purl] = dep
    return chosen


def _by_key(components: dict[str, Dependency]) -> dict[tuple[str, str], str]:
    """(source file, package key) -> purl, for resolving graph edges."""
    out: dict[tuple[str, str], str] = {}
    for dep in components.values():
        out.setdefault((dep.source, dep.key), dep.purl)
    return out


def _licence_from_library(expression: str) -> dict[str, object]:
    """A rare licence (not a common SPDX id): the CycloneDX library decides id, expression or
    name as it always did (imported only here)."""
    from cyclonedx.contrib.license.factories import LicenseFactory

    made = LicenseFactory().make_from_string(expression)
    value = getattr(made, "value", None)
    if value is not None:
        return {"expression": str(value)}
    if made.id:  # type: ignore[union-attr]
        return {"license": {"id": made.id}}  # type: ignore[union-attr]
    return {"license": {"name": made.name}}  # type: ignore[union-attr]


def _licences(raw: str | None) -> list[dict[str, object]]:
    if not raw:
        return []
    expression = normalise(raw)
    if expression is None:
        return [{"license": {"name": raw[:200]}}]
    if expression in COMMON_IDS:
        return [{"license": {"id": expression}}]
    words = expression.split()
    if len(words) > 1 and all(w in COMMON_IDS or w in ("AND", "OR") for w in words):
        return [{"expression": expression}]
    return [_licence_from_library(expression)]


def _component(dep: Dependency) -> dict[str, object]:
    component: dict[str, object] = {"bom-ref": dep.purl, "type": "library", "name": dep.name}
    if dep.version is not None:
        component["version"] = dep.version
    component["purl"] = PackageURL.from_string(dep.purl).to_string()
    hashes = [{"alg": _ALGORITHMS[a][0], "content": h} for a, h in filter(None, map(parse_hash, dep.hashes))]
    if hashes:
        component["hashes"] = hashes
    licences = _licences(dep.licence)
    if licences:
        component["licenses"] = licences
    component["scope"] = "optional" if dep.dev else "required"
    return component


def _edges(inventory: Inventory, purls: dict[tuple[str, str], str]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for f in inventory.files:
        for parent, child in f.edges:
            a, b = purls.get((f.path, parent)), purls.get((f.path, child))
            if a and b and a != b:
                graph.setdefault(a, set()).add(b)
    return graph


def cyclonedx_json(spec: SbomInput, now: datetime | None = None) -> str:
    """A CycloneDX 1.6 JSON document (string)."""
    components = _unique_components(spec.inventory)
    root: dict[str, object] = {"bom-ref": "root", "type": "application", "name": spec.name}
    if spec.version is not None:
        root["version"] = spec.version
    graph = {purl: set[str]() for purl in components}
    graph["root"] = {p for p, d in components.items() if d.direct}
    for parent, children in _edges(spec.inventory, _by_key(components)).items():
        graph[parent] |= children
    ordered = sorted(components.values(), key=lambda d: (d.name.lower(), d.version or "", d.purl))
    document = {
        "$schema": CYCLONEDX_SCHEMA,
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "timestamp": (now or datetime.now(UTC)).isoformat(),
            "tools": {"components": [{"type": "application", "name": "stackaudit", "version": __version__}]},
            "component": root,
        },
        "components": [_component(dep) for dep in ordered],
        "dependencies": [
            {"ref": ref, "dependsOn": sorted(deps)} if deps else {"ref": ref}
            for ref, deps in sorted(graph.items())
        ],
    }
    return json.dumps(document, indent=2)


def _spdx_id(index: int) -> str:
    return f"SPDXRef-Package-{index}"


def _spdx_package(dep: Dependency, index: int) -> dict[str, object]:
    checksums = [
        {"algorithm": _ALGORITHMS[a][1], "checksumValue": h}
        for a, h in filter(None, map(parse_hash, dep.hashes))
    ]
    package: dict[str, object] = {
        "name": dep.name,
        "SPDXID": _spdx_id(index),
        "versionInfo": dep.version or "NOASSERTION",
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": False,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": normalise(dep.licence) or "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "externalRefs": [
            {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": dep.purl}
        ],
    }
    if checksums:
        package["checksums"] = checksums
    return package


def spdx_json(spec: SbomInput, now: datetime | None = None) -> str:
    """An SPDX 2.3 JSON document (string)."""
    components = _unique_components(spec.inventory)
    ids = {purl: _spdx_id(i) for i, purl in enumerate(components, 1)}
    packages = [
        {
            "name": spec.name,
            "SPDXID": "SPDXRef-Root",
            "versionInfo": spec.version or "NOASSERTION",
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": False,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION",
        }
    ]
    packages += [_spdx_package(dep, i) for i, dep in enumerate(components.values(), 1)]
    relations = [
        {
            "spdxElementId": "SPDXRef-DOCUMENT",
            "relationshipType": "DESCRIBES",
            "relatedSpdxElement": "SPDXRef-Root",
        }
    ]
    relations += [
        {"spdxElementId": "SPDXRef-Root", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": ids[p]}
        for p, d in components.items()
        if d.direct
    ]
    for parent, children in sorted(_edges(spec.inventory, _by_key(components)).items()):
        relations += [
            {"spdxElementId": ids[parent], "relationshipType": "DEPENDS_ON", "relatedSpdxElement": ids[c]}
            for c in sorted(children)
        ]
    created = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    document = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": spec.name,
        "documentNamespace": f"https://stackaudit.invalid/spdx/{spec.name}-{uuid.uuid4()}",
        "creationInfo": {"created": created, "creators": [f"Tool: stackaudit-{__version__}"]},
        "packages": packages,
        "relationships": relations,
    }
    return json.dumps(document, indent=2)


def render(spec: SbomInput, fmt: str) -> str:
    if fmt == "cyclonedx":
        return cyclonedx_json(spec)
    if fmt == "spdx":
        return spdx_json(spec)
    raise ValueError(f"unknown SBOM format {fmt!r} (expected cyclonedx or spdx)")


def components_of(documents: Iterable[str]) -> int:
    """Number of components in CycloneDX JSON documents (for command summaries)."""
    return sum(len(json.loads(d).get("components", [])) for d in documents)
