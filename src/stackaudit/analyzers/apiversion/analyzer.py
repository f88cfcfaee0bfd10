"""The ``api-versions`` analyzer: breaking changes of API and event schemas since the baseline.

During a rollout two versions run at once, and clients (mobile apps, SDKs, partner services,
event consumers) lag behind for much longer. This analyzer diffs the schemas of the tree against
those of the baseline ref (config ``api_versions.baseline``, else the newest tag, else the
merge-base with the main branch, else HEAD): OpenAPI documents (shared components through
``$ref`` resolved), JSON Schema files, Avro (``.avsc``) and Protocol Buffers (``.proto``) files,
and Python models (pydantic, and dataclasses, attrs classes and TypedDicts that are events or
payloads). A document gone from its path is matched to a similar one at a new path (moved) or
reported removed. Outside git, or with no commit yet, it does nothing and says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import ClassVar

import pathspec

from stackaudit.analyzers.apiversion import baseline, documents, moves, openapi, proto
from stackaudit.analyzers.apiversion.documents import Documents
from stackaudit.analyzers.apiversion.pydantic_models import Model
from stackaudit.analyzers.apiversion.rules import ENDPOINT_REMOVED, FIELD_REMOVED, RULES
from stackaudit.analyzers.apiversion.schema import Change, Json, diff, diff_named
from stackaudit.analyzers.base import RepoAnalyzer, RepoContext, RepoResult, SourceFile
from stackaudit.analyzers.python import frameworks
from stackaudit.config.schema import Config
from stackaudit.model import (
    AnalyzerState,
    CodeContext,
    Finding,
    Location,
    NotAnalysed,
    NotAnalysedReason,
    RuleMeta,
)

WHO = "generated SDKs, front-ends, partner integrations"
ROUTE_TEXT = re.compile(r"@\w+\.(get|post|put|patch|delete|route|api_route)\(|APIRouter|add_url_rule")
WIRE_NAME = re.compile(r"(Event|Message|Command|Payload|Request|Response|Schema|DTO|Dto)$")
WIRE_PATH = re.compile(r"(^|/)(events?|messages?|schemas?|contracts?|payloads?|dto|api)(/|\.py$|_)")
EVENT_TEXT = re.compile(r"(?i)\b(publish|produce|basic_publish|send_message|apply_async|\.delay\(|emit|xadd)")


def _wanted(config: Config) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(
        [*config.exclude, *config.extend_exclude, *config.api_versions.exclude]
    )


def _keep(path: str, skip: pathspec.GitIgnoreSpec) -> bool:
    return (
        documents.is_candidate(path) and frameworks.path_context(path) is None and not skip.match_file(path)
    )


class ApiVersionsAnalyzer(RepoAnalyzer):
    """Breaking changes of OpenAPI, JSON Schema, Avro and protobuf files, and Python models."""

    name: ClassVar[str] = "api-versions"
    version: ClassVar[str] = "2"
    rules: ClassVar[tuple[RuleMeta, ...]] = RULES
    config_keys: ClassVar[tuple[str, ...] | None] = ("api_versions", "exclude", "extend_exclude")

    def cache_inputs(self, ctx: RepoContext) -> None:
        return None  # the result depends on the baseline ref's tree too: never cached

    def analyze_repo(self, ctx: RepoContext) -> RepoResult:
        if not ctx.is_git:
            return _skipped("not a git repository: no baseline ref to compare with")
        configured = ctx.config.api_versions.baseline
        ref = baseline.resolve(ctx.root, configured)
        if isinstance(ref, str):
            return _skipped(ref, notice=configured is not None)
        skip = _wanted(ctx.config)
        current = documents.read(_texts([f for f in ctx.files if _keep(f.path, skip)]))
        try:
            paths = baseline.list_files(ctx.root, ref.commit, lambda p: _keep(p, skip))
            before = documents.read(baseline.read_files(ctx.root, ref.commit, paths))
        except baseline.GitError as exc:
            return _skipped(str(exc), notice=True)
        findings = list(_compare(before, current, ref.label, ctx))
        broken = tuple(
            NotAnalysed(path, NotAnalysedReason.SYNTAX_ERROR, f"schema {why}", self.name)
            for path, why in sorted(current.broken.items())
        )
        reason = f"compared with {ref.label} ({ref.commit[:12]})" if findings else ""
        return RepoResult(tuple(findings), broken, reason=reason, cacheable=False)


def _skipped(reason: str, *, notice: bool = False) -> RepoResult:
    """Nothing to compare with: a recorded skip; a run-wide notice when the user's ref is at fault."""
    return RepoResult(
        state=AnalyzerState.SKIPPED,
        reason=reason,
        notices=(f"api-versions: not checked: {reason}",) if notice else (),
        cacheable=False,
    )


def _texts(files: list[SourceFile]) -> dict[str, str]:
    out: dict[str, str] = {}
    for file in files:
        try:
            out[file.path] = file.abspath.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
    return out


def _pairs(
    before: Mapping[str, Json],
    now: Mapping[str, Json],
    broken: Mapping[str, str],
    score: Callable[[Json, Json], float] = moves.similarity,
) -> Iterator[tuple[str, str | None]]:
    """(old path, new path) of every baseline document: same path, moved, or removed (None).
    A document that does not parse now is recorded as not analysed, not taken as removed."""
    for path in before:
        if path in now:
            yield path, path
    yield from moves.pair({p: d for p, d in before.items() if p not in broken}, now, score)


def _compare(before: Documents, now: Documents, label: str, ctx: RepoContext) -> Iterator[Finding]:
    for old_path, path in _pairs(before.openapi, now.openapi, now.broken):
        old = before.openapi[old_path]
        if path is None:
            yield _removed_document(old_path, old, label, "openapi")
            continue
        for change in openapi.changes(old, now.openapi[path]):
            change = _moved(change, old_path, path)
            yield _spec_finding(path, now.texts[path], change, label, _http_consumers(change), "openapi")
    for old_path, path in _pairs(before.json_schema, now.json_schema, now.broken):
        old = before.json_schema[old_path]
        if path is None:
            yield _removed_document(old_path, old, label, "json-schema")
            continue
        doc = now.json_schema[path]
        changes = [*diff(old, doc), *diff_named(old.get("$defs"), doc.get("$defs"), ("$defs",))]
        changes += diff_named(old.get("definitions"), doc.get("definitions"), ("definitions",))
        consumers = f"producers and consumers that validate against {doc.get('$id') or path}"
        for change in changes:
            yield _spec_finding(
                path, now.texts[path], _moved(change, old_path, path), label, consumers, "json-schema"
            )
    yield from _avro_findings(before, now, label)
    yield from _proto_findings(before, now, label)
    yield from _model_findings(before, now, label, ctx)


def _avro_findings(before: Documents, now: Documents, label: str) -> Iterator[Finding]:
    for old_path, path in _pairs(before.avro, now.avro, now.broken):
        old = before.avro[old_path]
        name = old.get("x-avro-name") or old_path
        consumers = f"producers and consumers of Avro {name} (and the messages already in topics)"
        if path is None:
            yield _removed_document(old_path, old, label, "avro", consumers)
            continue
        doc = now.avro[path]
        where = (str(doc.get("x-avro-name", "")).rsplit(".", 1)[-1],) if "properties" in doc else ()
        changes = [*diff(old, doc, where), *diff_named(old.get("definitions"), doc.get("definitions"), ())]
        for change in changes:
            yield _spec_finding(
                path, now.texts[path], _moved(change, old_path, path), label, consumers, "avro"
            )


def _proto_findings(before: Documents, now: Documents, label: str) -> Iterator[Finding]:
    for old_path, path in _pairs(before.proto, now.proto, now.broken, proto.similarity):
        consumers = f"gRPC clients and message consumers built from {old_path}"
        if path is None:
            old = before.proto[old_path]
            rule = ENDPOINT_REMOVED if old.rpcs else FIELD_REMOVED
            detail = (
                f".proto file removed with its {len(old.types)} message(s)/enum(s) and {len(old.rpcs)} rpc(s)"
            )
            change = Change(rule, (), detail)
            yield _spec_finding(old_path, "", change, label, consumers, "protobuf", line=1)
            continue
        text = now.texts[path]
        for change in proto.changes(before.proto[old_path], now.proto[path]):
            line = proto.line_of(text, change)
            yield _spec_finding(
                path, text, _moved(change, old_path, path), label, consumers, "protobuf", line=line
            )


def _moved(change: Change, old_path: str, path: str) -> Change:
    if old_path == path:
        return change
    return Change(change.rule, change.where, f"{change.detail} (document moved from {old_path})")


def _removed_document(path: str, doc: Json, label: str, kind: str, consumers: str = "") -> Finding:
    """A whole document gone with no similar one elsewhere: every operation or field with it."""
    if kind == "openapi":
        ops = moves.operations(doc)
        shown = ", ".join(ops[:6]) + (f" and {len(ops) - 6} more" if len(ops) > 6 else "")
        change = Change(
            ENDPOINT_REMOVED, (), f"OpenAPI document removed with its {len(ops)} operation(s) ({shown})"
        )
        consumers = f"clients of {shown or 'its operations'} ({WHO})"
    else:
        change = Change(FIELD_REMOVED, (), "schema document removed")
        consumers = consumers or f"producers and consumers that validate against {doc.get('$id') or path}"
    return change.rule.finding(
        Location(path, 1, 1, 1, 1),
        _message(change, label, consumers),
        f"{path}: {change.detail}"[:200],
        context=CodeContext.CONFIG,
        properties=(("schema_kind", kind), ("consumers", consumers), ("document", "removed")),
    )


def _http_consumers(change: Change) -> str:
    if len(change.where) >= 3 and change.where[0] == "paths":
        return f"clients of {change.where[2].upper()} {change.where[1]} ({WHO})"
    if change.where and change.where[0] == "paths":
        return f"clients of the removed operation ({WHO})"
    return f"every client of the operations that use this schema ({WHO})"


def _locate(text: str, where: tuple[str, ...]) -> int:
    """The line of the deepest key of ``where`` found in order, 1 when none is."""
    lines = text.splitlines()
    found, start = 1, 0
    for token in where:
        key = re.compile(
            rf"""^\s*(-\s*)?["']?{re.escape(token)}["']?\s*:|name["']?\s*:\s*["']?{re.escape(token)}\b"""
        )
        hit = next((i for i in range(start, len(lines)) if key.search(lines[i])), None)
        if hit is None:
            break
        found, start = hit + 1, hit + 1
    return found


def _subject(change: Change) -> str:
    """What changed, as a dotted path (``Order.quantity``); operations name themselves."""
    where = change.where
    if where[:1] == ("paths",):
        return ""
    parts = where[2:] if where[:2] == ("components", "schemas") else where
    return ".".join(parts) + ": " if parts else ""


def _message(change: Change, label: str, consumers: str) -> str:
    return (
        f"{_subject(change)}{change.detail} since {label}: {consumers} could break; serve both "
        "versions side by side (expand and contract) and remove the old shape only when no consumer "
        "uses it"
    )


def _spec_finding(
    path: str, text: str, change: Change, label: str, consumers: str, kind: str, line: int | None = None
) -> Finding:
    line = line or _locate(text, change.where)
    return change.rule.finding(
        Location(path, line, 1, line, 1),
        _message(change, label, consumers),
        f"{'.'.join(change.where)}: {change.detail}"[:200],
        context=CodeContext.CONFIG,
        properties=(("schema_kind", kind), ("consumers", consumers)),
    )


def _match(
    before: dict[tuple[str, str], Model], now: dict[tuple[str, str], Model]
) -> Iterator[tuple[Model, Model | None]]:
    """Old model -> new model: same file and name, else the only new model of that name."""
    by_name: dict[str, list[Model]] = {}
    for model in now.values():
        by_name.setdefault(model.name, []).append(model)
    for key, old in before.items():
        if key in now:
            yield old, now[key]
        elif len(by_name.get(old.name, [])) == 1:
            yield old, by_name[old.name][0]
        elif not by_name.get(old.name):
            yield old, None


def _model_findings(before: Documents, now: Documents, label: str, ctx: RepoContext) -> Iterator[Finding]:
    texts: dict[str, str] | None = None
    for old, new in _match(before.models, now.models):
        if new is None:
            continue  # a model gone from the tree: its users are gone too, or moved it elsewhere
        changes = list(diff(old.schema, new.schema, (new.name,)))
        if not changes:
            continue
        texts = texts if texts is not None else _texts([f for f in ctx.files if f.language == "python"])
        if new.kind != "pydantic" and not _on_the_wire(new, texts):
            continue  # an internal dataclass: its fields are no one else's contract
        consumers = _model_consumers(new, texts)
        for change in changes:
            line = new.lines.get(change.where[-1], new.line) if len(change.where) > 1 else new.line
            yield change.rule.finding(
                Location(new.path, line, 1, line, 1, new.name),
                _message(change, label, consumers),
                f"{new.name}: {change.detail}"[:200],
                context=CodeContext.LIBRARY,
                properties=(("schema_kind", new.kind), ("consumers", consumers)),
            )


def _on_the_wire(model: Model, texts: Mapping[str, str]) -> bool:
    """A dataclass, attrs class or TypedDict is an API or event schema when its name or module
    says so (``OrderPaid`` in ``events.py``, ``...Event``, ``...Payload``), or a route or a
    producer/consumer uses it; other such classes are internal and change freely."""
    if WIRE_NAME.search(model.name) or WIRE_PATH.search(model.path):
        return True
    name = re.compile(rf"\b{re.escape(model.name)}\b")
    return any(
        (ROUTE_TEXT.search(text) or EVENT_TEXT.search(text)) and name.search(text)
        for path, text in texts.items()
        if path != model.path
    )


def _model_consumers(model: Model, texts: dict[str, str]) -> str:
    """Who uses the model: API handlers (HTTP clients), event code (consumers, producers)."""
    name = re.compile(rf"\b{re.escape(model.name)}\b")
    users = [p for p, t in texts.items() if p != model.path and name.search(t)]
    api = [p for p in users if ROUTE_TEXT.search(texts[p])]
    events = [p for p in users if EVENT_TEXT.search(texts[p])]
    parts = []
    if api:
        parts.append(f"HTTP clients of the endpoints in {', '.join(sorted(api)[:3])}")
    if events or re.search(r"(Event|Message|Command)$", model.name):
        where = f" ({', '.join(sorted(events)[:3])})" if events else ""
        parts.append(f"event producers and consumers of {model.name}{where}")
    if not parts:
        shown = f" (used in {', '.join(sorted(users)[:3])})" if users else ""
        parts.append(f"every producer and consumer of {model.name}{shown}")
    return " and ".join(parts)
