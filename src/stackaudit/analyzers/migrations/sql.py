"""Raw SQL through squawk (PyPI ``squawk-cli``, a PostgreSQL migration linter with a real parser).

squawk parses the SQL with a PostgreSQL grammar and knows which statements take which locks;
we keep only its rules about rollouts and locks (``rules.SQUAWK_RULES``) and map them to ours.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from stackaudit.analyzers.external._run import ExitTable, Invocation, Outcome, ToolFailed, locate, run
from stackaudit.analyzers.migrations.rules import SQUAWK_RULES
from stackaudit.model import RuleMeta

EXIT = ExitTable(
    "squawk",
    {0: Outcome.CLEAN, 1: Outcome.FINDINGS},
    {2: "squawk could not read its input"},
)


@dataclass(frozen=True, slots=True)
class SqlIssue:
    rule: RuleMeta
    line: int  # 1-based, in the SQL text given
    message: str
    squawk_rule: str


@dataclass(frozen=True, slots=True)
class SqlResult:
    issues: tuple[SqlIssue, ...]
    syntax_errors: int


def parse(stdout: str) -> SqlResult:
    """squawk's JSON reporter output → our issues (lines are 0-based there)."""
    records = json.loads(stdout or "[]")
    if not isinstance(records, list):
        raise ToolFailed("squawk: expected a JSON array")
    issues: list[SqlIssue] = []
    errors = 0
    for rec in records:
        if not isinstance(rec, dict):
            continue
        name = str(rec.get("rule_name", ""))
        if name == "syntax-error":
            errors += 1
            continue
        rule = SQUAWK_RULES.get(name)
        if rule is not None:
            issues.append(SqlIssue(rule, int(rec.get("line") or 0) + 1, str(rec.get("message", "")), name))
    return SqlResult(tuple(issues), errors)


def lint(texts: Sequence[str], in_transaction: bool, timeout_s: float = 60.0) -> list[SqlResult]:
    """Lint each SQL text; one squawk run for all of them."""
    if not texts:
        return []
    binary = locate("squawk")
    with tempfile.TemporaryDirectory(prefix="stackaudit-squawk-") as tmp:
        paths = []
        for i, sql in enumerate(texts):
            path = Path(tmp) / f"{i:05d}.sql"
            path.write_text(sql, encoding="utf-8")
            paths.append(path)
        argv = [binary, "--reporter", "json", "--no-error-on-unmatched-pattern"]
        argv += ["--assume-in-transaction"] if in_transaction else []
        done = run(Invocation((*argv, *map(str, paths)), Path(tmp), timeout_s))
        if EXIT.outcome(done.exit_code) is Outcome.ERROR:
            raise ToolFailed(f"{EXIT.describe(done.exit_code)}: {done.stderr[:300]}")
        records = json.loads(done.stdout or "[]")
    by_file: dict[str, list[object]] = {}
    for rec in records if isinstance(records, list) else []:
        if isinstance(rec, dict):
            by_file.setdefault(Path(str(rec.get("file", ""))).name, []).append(rec)
    return [parse(json.dumps(by_file.get(p.name, []))) for p in paths]
