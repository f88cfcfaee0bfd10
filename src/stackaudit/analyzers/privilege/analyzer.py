"""The ``privilege`` file analyzer: superuser connections, excessive grants, writers in read paths."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

import pathspec

from stackaudit.analyzers.base import FileAnalyzer, FileInput, FileResult, NotAnalysable, SourceFile
from stackaudit.analyzers.privilege import patterns as pt
from stackaudit.analyzers.privilege.rules import (
    EXCESSIVE_GRANT,
    RULES,
    SUPERUSER_CONNECTION,
    WRITE_IN_READ_ONLY,
)
from stackaudit.config.schema import Config
from stackaudit.config.sections.privilege import PrivilegeConfig
from stackaudit.model import CodeContext, Finding, Location, RuleMeta

LANGUAGES = frozenset(
    {"python", "yaml", "toml", "ini", "dotenv", "sql", "json", "dockerfile", "shell", "terraform"}
)


PathSpecT = pathspec.PathSpec[pathspec.Pattern]


@dataclass(frozen=True, slots=True)
class Hit:
    rule: RuleMeta
    offset: int
    end: int
    message: str
    snippet: str


class PrivilegeAnalyzer(FileAnalyzer):
    """Least privilege in the data layer (config, code, SQL and migrations)."""

    name: ClassVar[str] = "privilege"
    config_keys: ClassVar[tuple[str, ...] | None] = ("privilege",)
    version: ClassVar[str] = "1.0.0"
    rules: ClassVar[tuple[RuleMeta, ...]] = RULES
    languages: ClassVar[frozenset[str]] = LANGUAGES

    def applies_to(self, file: SourceFile) -> bool:
        return file.language in LANGUAGES

    def analyze(self, source: FileInput, config: Config) -> FileResult:
        cfg = config.privilege
        text = source.text
        hits: list[Hit] = []
        low = text.lower()
        if source.file.language in {"sql", "python"} and pt.may_hold_grant(low):
            hits.extend(_grants(text, source.file.language))
        hits.extend(_superusers(text, low, cfg, source.file.language))
        specs: dict[tuple[str, ...], PathSpecT] = self.__dict__.setdefault("_specs", {})
        if _read_only_path(cfg, source.path, specs):
            hits.extend(_writers(text, cfg))
        if hits and source.file.language == "python":
            hits = _outside_docstrings(hits, source)
        return FileResult(tuple(_finding(h, source) for h in _dedupe(hits)))


def _outside_docstrings(hits: list[Hit], source: FileInput) -> list[Hit]:
    """A connection string in a docstring is documentation (an example), not configuration."""
    try:
        tree = source.python_tree()
    except NotAnalysable:
        return hits
    spans = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                spans.append((first.lineno, first.end_lineno or first.lineno))
    if not spans:
        return hits
    text = source.text

    def in_doc(hit: Hit) -> bool:
        line = text.count("\n", 0, hit.offset) + 1
        return any(start <= line <= end for start, end in spans)

    return [h for h in hits if not in_doc(h)]


def _read_only_path(cfg: PrivilegeConfig, path: str, specs: dict[tuple[str, ...], PathSpecT]) -> bool:
    if not cfg.read_only_paths:
        return False
    key = tuple(cfg.read_only_paths)
    if key not in specs:  # compiled once per process and config, not per file
        specs[key] = pathspec.PathSpec.from_lines("gitignore", cfg.read_only_paths)
    return specs[key].match_file(path)


def _live(text: str, offset: int) -> bool:
    """False when the match sits on a comment line."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return not pt.comment_line(text[start : end if end >= 0 else len(text)])


def _grants(text: str, language: str) -> Iterator[Hit]:
    body = pt.strip_sql_comments(text) if language == "sql" else text
    for m in pt.GRANT.finditer(body):
        if language == "python" and not _live(text, m.start()):
            continue
        statement = " ".join(m.group().split())[:200]
        yield Hit(EXCESSIVE_GRANT, m.start(), m.end(), f"excessive privilege: {statement[:80]}", statement)


def _superusers(text: str, low: str, cfg: PrivilegeConfig, language: str) -> Iterator[Hit]:
    kinds: list[tuple[re.Pattern[str], str]] = []
    if pt.may_hold_db_url(text, low):
        kinds.append((pt.DB_URL, "connection URL"))
    if pt.may_hold_user_setting(text):
        kinds.append((pt.USER_SETTING, "setting"))
    if "host=" in text:
        kinds.append((pt.LIBPQ_USER, "DSN"))
    if language == "terraform" and "username" in text:
        kinds.append((pt.TF_USERNAME, "database resource"))
    for pattern, kind in kinds:
        for m in pattern.finditer(text):
            user = m.group("user")
            if not pt.is_superuser(user, cfg.superuser_accounts) or not _live(text, m.start()):
                continue
            shown = re.sub(r":[^@/]*@", ":…@", m.group())  # never echo a password
            yield Hit(
                SUPERUSER_CONNECTION,
                m.start("user"),
                m.end("user"),
                f"{kind} uses the superuser account {user!r}",
                shown,
            )


def _writers(text: str, cfg: PrivilegeConfig) -> Iterator[Hit]:
    markers = cfg.read_only_markers
    for m in pt.DB_URL.finditer(text):
        user = m.group("user")
        templated = user.startswith(("$", "{", "%"))
        if not pt.is_read_only(user, markers) and not templated and _live(text, m.start()):
            shown = re.sub(r":[^@/]*@", ":…@", m.group())
            yield Hit(
                WRITE_IN_READ_ONLY,
                m.start("user"),
                m.end("user"),
                f"read-only path connects as {user!r}, which is not a read-only account",
                shown,
            )
    for m in pt.USER_SETTING.finditer(text):
        user = m.group("user")
        if not pt.is_read_only(user, markers) and _live(text, m.start()):
            message = f"read-only path uses database user {user!r}, which is not a read-only account"
            yield Hit(WRITE_IN_READ_ONLY, m.start("user"), m.end("user"), message, m.group())
    for m in pt.CREDENTIAL_REF.finditer(text):
        name = m.group("name") or m.group("setting")
        if pt.is_db_credential_name(name) and not pt.is_read_only(name, markers) and _live(text, m.start()):
            yield Hit(
                WRITE_IN_READ_ONLY,
                m.start(),
                m.end(),
                f"read-only path uses the writer's credentials {name}",
                m.group(),
            )


def _dedupe(hits: list[Hit]) -> list[Hit]:
    seen: set[tuple[str, int]] = set()
    out = []
    for hit in sorted(hits, key=lambda h: (h.offset, h.rule.id)):
        if (hit.rule.id, hit.offset) not in seen:
            seen.add((hit.rule.id, hit.offset))
            out.append(hit)
    return out


def _finding(hit: Hit, source: FileInput) -> Finding:
    text = source.text
    line = text.count("\n", 0, hit.offset) + 1
    col = hit.offset - (text.rfind("\n", 0, hit.offset) + 1) + 1
    end_line = text.count("\n", 0, hit.end) + 1
    end_col = hit.end - (text.rfind("\n", 0, hit.end) + 1) + 1
    lang = source.file.language
    context = CodeContext.CONFIG if lang not in {"python", "shell"} else CodeContext.UNKNOWN
    if "migrations/" in source.path or lang == "sql":
        context = CodeContext.SCRIPT
    return hit.rule.finding(
        Location(source.path, line, col, end_line, end_col), hit.message, hit.snippet, context=context
    )
