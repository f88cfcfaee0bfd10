"""The ``migrations`` analyzer: schema migrations that break a rolling deploy or lock big tables.

Django migrations and Alembic revisions are read with ``ast`` (never imported); raw SQL (``.sql``
migration files, ``RunSQL``, ``op.execute``) goes through squawk. Applied migrations are history,
so by default only the newest migration of each chain is checked (``migrations.check_all``).
"""

from __future__ import annotations

import ast
import re
import warnings
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import ClassVar

from stackaudit.analyzers.base import AnalyzerError, RepoAnalyzer, RepoContext, RepoResult, SourceFile
from stackaudit.analyzers.migrations import alembic, django, sql
from stackaudit.analyzers.migrations.common import EmbeddedSql, Issue, Reading
from stackaudit.analyzers.migrations.rules import RULES
from stackaudit.analyzers.pyparse import ParsedModules
from stackaudit.model import CodeContext, Finding, Location, NotAnalysed, NotAnalysedReason, RuleMeta

_DJANGO_NAME = re.compile(r"^(\d{4,})_\w+\.py$")
_SQL_NAME = re.compile(r"(?i)(^V\d+.*__.*\.sql$|^\d+.*\.sql$|\.up\.sql$)")
_DOWN = re.compile(r"(?i)(\.down\.sql$|^U\d+__|/down/)")


@dataclass
class _Candidates:
    django: list[tuple[SourceFile, ast.Module, str]] = field(default_factory=list)
    alembic: list[tuple[SourceFile, ast.Module, str]] = field(default_factory=list)
    sql: list[SourceFile] = field(default_factory=list)
    skipped: list[NotAnalysed] = field(default_factory=list)


def _read(file: SourceFile) -> str | None:
    try:
        return file.abspath.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _parse(file: SourceFile, text: str, out: _Candidates, shared: ParsedModules | None) -> ast.Module | None:
    try:
        if shared is not None:
            return shared.parse(text, file.path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text, filename=file.path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        detail = f"migration does not parse: {type(exc).__name__}"
        out.skipped.append(NotAnalysed(file.path, NotAnalysedReason.SYNTAX_ERROR, detail, "migrations"))
        return None


def _is_sql_migration(path: str) -> bool:
    posix = PurePosixPath(path)
    in_dir = any(p in ("migrations", "migration", "migrate", "flyway", "schema") for p in posix.parts[:-1])
    return (
        posix.suffix.lower() == ".sql"
        and not _DOWN.search(path)
        and (in_dir or bool(_SQL_NAME.search(posix.name)))
    )


def find(files: Iterable[SourceFile], shared: ParsedModules | None = None) -> _Candidates:
    """The migration files of the tree, parsed (Python, through the run's ``shared`` parses
    when given) or listed (SQL)."""
    out = _Candidates()
    for file in files:
        name = PurePosixPath(file.path).name
        if file.path.endswith(".py") and ("migrations/" in file.path or "versions/" in file.path):
            text = _read(file)
            if text is None or ("Migration" not in text and "def upgrade" not in text):
                continue
            tree = _parse(file, text, out, shared)
            if tree is None:
                continue
            if _DJANGO_NAME.match(name) and django.is_django_migration(tree):
                out.django.append((file, tree, text))
            elif alembic.is_alembic_revision(tree):
                out.alembic.append((file, tree, text))
        elif _is_sql_migration(file.path):
            out.sql.append(file)
    return out


def _newest_django(
    items: list[tuple[SourceFile, ast.Module, str]],
) -> list[tuple[SourceFile, ast.Module, str]]:
    by_dir: dict[str, list[tuple[int, tuple[SourceFile, ast.Module, str]]]] = defaultdict(list)
    for item in items:
        match = _DJANGO_NAME.match(PurePosixPath(item[0].path).name)
        by_dir[str(PurePosixPath(item[0].path).parent)].append((int(match.group(1)) if match else 0, item))
    out = []
    for entries in by_dir.values():
        top = max(n for n, _ in entries)
        out += [item for n, item in entries if n == top]
    return out


def _alembic_heads(
    items: list[tuple[SourceFile, ast.Module, str]],
) -> list[tuple[SourceFile, ast.Module, str]]:
    ids = {item[0].path: alembic.revision_ids(item[1]) for item in items}
    parents = {down for _, downs in ids.values() for down in downs}
    return [item for item in items if ids[item[0].path][0] not in parents]


def _newest_sql(files: list[SourceFile]) -> list[SourceFile]:
    def key(f: SourceFile) -> list[object]:
        return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", PurePosixPath(f.path).name)]

    by_dir: dict[str, list[SourceFile]] = defaultdict(list)
    for f in files:
        by_dir[str(PurePosixPath(f.path).parent)].append(f)
    return [max(group, key=key) for group in by_dir.values()]


def _finding(
    path: str, rule: RuleMeta, line: int, end: int, message: str, snippet: str, kind: str
) -> Finding:
    return rule.finding(
        Location(path, line, 1, end, 1),
        message,
        snippet,
        context=CodeContext.SCRIPT,
        properties=(("migration_kind", kind),),
    )


def _from_issues(path: str, issues: Sequence[Issue], kind: str) -> list[Finding]:
    return [_finding(path, i.rule, i.line, i.end_line, i.message, i.snippet, kind) for i in issues]


def _embedded(path: str, sql_items: Sequence[EmbeddedSql], kind: str) -> list[Finding]:
    out: list[Finding] = []
    for in_tx in (True, False):
        chosen = [e for e in sql_items if e.in_transaction is in_tx]
        for item, result in zip(chosen, sql.lint([e.sql for e in chosen], in_tx), strict=True):
            for found in result.issues:
                message = f"{found.message} (squawk {found.squawk_rule}, in embedded SQL)"
                out.append(
                    _finding(path, found.rule, item.line, item.end_line, message, found.squawk_rule, kind)
                )
    return out


class MigrationsAnalyzer(RepoAnalyzer):
    """Expand-and-contract safety of Django, Alembic and SQL migrations."""

    name: ClassVar[str] = "migrations"
    version: ClassVar[str] = "1"
    rules: ClassVar[tuple[RuleMeta, ...]] = RULES

    def cache_inputs(self, ctx: RepoContext) -> list[SourceFile]:
        return [
            f for f in ctx.files if "migrat" in f.path or "versions/" in f.path or f.path.endswith(".sql")
        ]

    def analyze_repo(self, ctx: RepoContext) -> RepoResult:
        found = find(self.cache_inputs(ctx), ctx.parsed)
        check_all = ctx.config.migrations.check_all
        djangos = found.django if check_all else _newest_django(found.django)
        alembics = found.alembic if check_all else _alembic_heads(found.alembic)
        sqls = found.sql if check_all else _newest_sql(found.sql)
        findings: list[Finding] = []
        embedded: list[tuple[str, Reading, str]] = []
        for kind, items, reader in (("django", djangos, django.read), ("alembic", alembics, alembic.read)):
            for file, tree, text in items:
                reading = reader(tree, text)
                findings += _from_issues(file.path, reading.issues, kind)
                embedded.append((file.path, reading, kind))
        notices: list[str] = []
        try:
            for path, reading, kind in embedded:
                findings += _embedded(path, reading.sql, kind)
            findings += self._sql_files(sqls, found.skipped)
        except AnalyzerError as exc:  # squawk missing or failing: the Python checks still stand
            notices.append(f"migrations: SQL not linted ({exc})")
        total = len(found.django) + len(found.alembic) + len(found.sql)
        checked = len(djangos) + len(alembics) + len(sqls)
        if total > checked:
            notices.append(
                f"migrations: checked the newest {checked} of {total} migrations (older ones are applied "
                "history; set migrations.check_all = true to check them all)"
            )
        return RepoResult(tuple(findings), tuple(found.skipped), notices=tuple(notices))

    def _sql_files(self, files: Sequence[SourceFile], skipped: list[NotAnalysed]) -> list[Finding]:
        texts = [(f, t) for f in files if (t := _read(f)) is not None]
        out: list[Finding] = []
        for (file, _), result in zip(
            texts, sql.lint([t for _, t in texts], in_transaction=False), strict=True
        ):
            if result.syntax_errors:
                detail = (
                    f"squawk: {result.syntax_errors} syntax errors; statements it could parse were checked"
                )
                skipped.append(NotAnalysed(file.path, NotAnalysedReason.PARTIAL, detail, "migrations"))
            for found in result.issues:
                message = f"{found.message} (squawk {found.squawk_rule})"
                out.append(
                    _finding(file.path, found.rule, found.line, found.line, message, found.squawk_rule, "sql")
                )
        return out
