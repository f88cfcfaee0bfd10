"""Find and parse the schema documents of one tree: OpenAPI, JSON Schema, Avro, Protocol Buffers,
and Python models (pydantic, dataclasses, attrs, TypedDict)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import yaml

from stackaudit.analyzers.apiversion import avro, openapi, proto, pydantic_models
from stackaudit.analyzers.apiversion.schema import Json

SPEC_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".avsc", ".proto"})
SPEC_HINT = re.compile(
    r"""(?m)^[\s{]*["']?(openapi|swagger)["']?\s*:|"(openapi|swagger|\$schema)"\s*:|^\$schema:"""
)


def is_candidate(path: str) -> bool:
    suffix = PurePosixPath(path).suffix.lower()
    return suffix in SPEC_SUFFIXES or suffix == ".py"


@dataclass
class Documents:
    """The parsed schema documents of one tree, and the ones that did not parse (with why)."""

    openapi: dict[str, Json] = field(default_factory=dict)
    json_schema: dict[str, Json] = field(default_factory=dict)
    avro: dict[str, Json] = field(default_factory=dict)  # path -> the file as schema.diff reads it
    proto: dict[str, proto.ProtoFile] = field(default_factory=dict)
    models: dict[tuple[str, str], pydantic_models.Model] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # spec path -> text (for line numbers)
    broken: dict[str, str] = field(default_factory=dict)


def _load(path: str, text: str) -> Json:
    if path.lower().endswith(".json"):
        return json.loads(text)
    return yaml.safe_load(text)


def _is_json_schema(doc: Json) -> bool:
    return isinstance(doc, dict) and "json-schema" in str(doc.get("$schema", ""))


def read(texts: Mapping[str, str]) -> Documents:
    """Sort the texts into documents; a spec that does not parse is recorded, not fatal."""
    docs = Documents()
    python: dict[str, str] = {}
    for path, text in texts.items():
        if path.endswith(".py"):
            python[path] = text
            continue
        if path.lower().endswith(".proto"):
            try:
                docs.proto[path] = proto.read(text)
                docs.texts[path] = text
            except proto.ProtoError as exc:
                docs.broken[path] = f"does not parse: {exc}"
            continue
        avsc = path.lower().endswith(".avsc")
        if not avsc and not SPEC_HINT.search(text[:20_000]):
            continue
        try:
            doc = json.loads(text) if avsc else _load(path, text)
        except (ValueError, yaml.YAMLError) as exc:
            docs.broken[path] = f"does not parse: {type(exc).__name__}"
            continue
        if avsc:
            if avro.is_avro(doc):
                docs.avro[path] = avro.document(doc)
                docs.texts[path] = text
            continue
        if openapi.is_openapi(doc):
            docs.openapi[path] = doc
            docs.texts[path] = text
        elif _is_json_schema(doc):
            docs.json_schema[path] = doc
            docs.texts[path] = text
    docs.models = pydantic_models.read(python)
    return docs
