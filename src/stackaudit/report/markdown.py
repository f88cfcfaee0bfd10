"""Markdown for a pull-request comment or a CI job summary (GitHub-flavoured).

Every string from the audited repository goes through ``md()``: HTML special
characters become entities (so ``<script>`` stays text) and Markdown's
punctuation is backslash-escaped (so ``|`` cannot break a table, a backtick
cannot open a code span, ``[x](javascript:...)`` cannot become a link).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from stackaudit.model import Assessment, AuditResult, RuleMeta
from stackaudit.report import _common as c
from stackaudit.report import dora_section, runtime_section

if TYPE_CHECKING:
    from stackaudit.governance.dora.model import DoraResult

# Markdown punctuation that can start emphasis, links, images, code, tables, strikethrough,
# raw HTML or autolinks anywhere in a line; "#", "-", "+" and "1." only matter at the start.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]|~!:])")
_MD_LEADING = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")
_BACKTICKS = re.compile(r"`+")
# GitHub caps a PR comment (and a job summary) at 65,536 characters. Every list is capped
# ("and N more") and the all-findings table gets what the other parts leave, so the whole
# document stays under the cap whatever the result holds.
MAX_CHARS = 65_536
MARGIN = 600  # the table's own lines (details, header, the "more findings" note)
LIST_ITEMS = 10  # gate reasons, notices, analyzer remarks shown before "and N more"
SNIPPET_CHARS = 160  # longer snippets are shortened in table cells (the JSON/HTML keep them whole)
CELL_CHARS = 200  # a rule title, path or message in a cell


def md(text: str) -> str:
    """Escape one repository string for an inline Markdown context (table cell, list item)."""
    escaped = _MD_SPECIAL.sub(r"\\\1", html.escape(c.one_line(text), quote=False))
    return _MD_LEADING.sub(_escape_leading, escaped, count=1)


def _escape_leading(match: re.Match[str]) -> str:
    # "#" -> "\#", "12." -> "12\." (a backslash only escapes punctuation)
    marker = match.group(2)
    return match.group(1) + marker[:-1] + "\\" + marker[-1]


def code(text: str) -> str:
    """A repository string as an inline code span: literal, inert, and never an @-mention.

    The fence is one backtick longer than the longest backtick run inside; ``|`` is
    escaped because GitHub splits table cells before it parses code spans.
    """
    flat = c.one_line(text).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat.strip() else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def _short(text: str, limit: int = SNIPPET_CHARS) -> str:
    return c.clip(" ".join(text.split()), limit)


def _capped[T](items: Sequence[T], line: Any, limit: int = LIST_ITEMS) -> list[str]:
    """One line per item, at most ``limit`` of them, then "and N more"."""
    lines = [line(item) for item in items[:limit]]
    if len(items) > limit:
        lines.append(f"- and {len(items) - limit} more")
    return lines


def render(
    result: AuditResult, rules: Mapping[str, RuleMeta], top: int = 5, dora: DoraResult | None = None
) -> str:
    """The comment: verdict, top risks, then as many findings as the size cap leaves room for."""
    head = [_headline(result), _top_table(result, rules, top)]
    dora_part = "" if dora is None else dora_section.markdown(dora)
    tail = [_runtime(result), dora_part, _not_analysed(result), _footer(result)]
    used = sum(len(p) + 2 for p in (*head, *tail))
    table = _all_findings(result, rules, MAX_CHARS - MARGIN - used)
    return "\n\n".join(p for p in (*head, table, *tail) if p) + "\n"


def write(
    result: AuditResult, rules: Mapping[str, RuleMeta], out: Any, dora: DoraResult | None = None
) -> None:
    out.write(render(result, rules, dora=dora))


def _headline(result: AuditResult) -> str:
    n = c.counts(result.findings)
    gate = result.gate
    if gate is None:
        title = "## stackaudit report"
    elif gate.passed:
        title = f"## ✅ stackaudit gate passed ({md(gate.threshold)})"
    else:
        title = f"## ❌ stackaudit gate failed ({md(gate.threshold)})"
    sev = ", ".join(f"{count} {s.label}" for s, count in n.by_severity if count)
    new = f"**{n.new} new since the last run**"
    lines = [title, "", f"**{n.total} findings** · {new}" + (f" ({sev})" if sev else "")]
    if gate is not None:
        lines[-1] += f" · {c.gate_count(gate, md)}"
        lines.extend(_capped(gate.reasons, lambda r: f"- {md(_short(r, CELL_CHARS))}"))
    run = result.run
    where = md(run.project) + (f" at {md(run.commit[:12])}" if run.commit else "")
    lines.extend(["", f"Project {where} · {run.files_analysed} of {run.files_total} files analysed"])
    lines.extend(_capped(run.notices, lambda n: f"> ⚠️ {md(_short(n, CELL_CHARS))}"))
    return "\n".join(lines)


def _journey(name: str | None) -> str:
    """The declared journeys a finding's endpoint is on (threat/journeys.py)."""
    return f"<br>journey {md(_short(name, CELL_CHARS))}" if name else ""


def _row(rank: int, item: Assessment, rules: Mapping[str, RuleMeta], extra: bool) -> str:
    f = item.finding
    cells = [
        str(rank),
        c.num(item.score.value),
        f.severity.label,
        f"{md(_short(f.rule_id, CELL_CHARS))}<br>{md(_short(c.rule_title(rules, f), CELL_CHARS))}",
        md(_short(c.location_text(f), CELL_CHARS)) + _journey(f.prop("journey")),
        code(item.owner) if item.owner else "—",
        f"{item.age_days} d",
        item.status.value,
    ]
    if extra:
        reasons = "<br>".join(
            md(f"{name} {c.num(value)}: {'; '.join(why) or 'default'}")
            for name, value, why in c.score_factors(item.score)
        )
        snippet = code(_short(f.snippet)) if f.snippet else ""
        cells.extend([md(_short(f.message, CELL_CHARS * 2)) + (f"<br>{snippet}" if snippet else ""), reasons])
    return "| " + " | ".join(cells) + " |"


_HEAD = "| # | Score | Severity | Rule | Location | Owner | Age | Status |"
_SEP = "|---:|---:|---|---|---|---|---:|---|"


def _top_table(result: AuditResult, rules: Mapping[str, RuleMeta], top: int) -> str:
    if not result.findings:
        return "No findings."
    rows = [_row(i, a, rules, False) for i, a in enumerate(result.findings[:top], 1)]
    return "\n".join([f"### {c.top_heading(top)}", "", _HEAD, _SEP, *rows])


def _all_findings(result: AuditResult, rules: Mapping[str, RuleMeta], budget: int) -> str:
    if not result.findings:
        return ""
    rows: list[str] = []
    used = 0
    for rank, item in enumerate(result.findings, 1):
        row = _row(rank, item, rules, True)
        used += len(row) + 1
        if used > budget:
            break
        rows.append(row)
    total = len(result.findings)
    summary = f"All {total} findings" if len(rows) == total else f"Findings 1 to {len(rows)} of {total}"
    lines = [f"<details><summary>{summary}</summary>", "", _HEAD + " Finding | Score reasons |"]
    lines += [_SEP + "---|---|", *rows, ""]
    if len(rows) < total:
        lines += [
            f"{total - len(rows)} more findings are not listed here: a comment holds at most "
            "65,536 characters. The JSON, SARIF and HTML reports list every finding.",
            "",
        ]
    lines.append("</details>")
    return "\n".join(lines)


def _runtime(result: AuditResult) -> str:
    """Every runtime observation the audit read, and what it joined (runtime_section)."""
    rows = runtime_section.rows(result)
    if not rows:
        return ""
    lines = [
        f"<details><summary>{runtime_section.TITLE}: {len(rows)} observation(s)</summary>",
        "",
        "| kind | severity | where | observation | joined | recorded |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        cells = [r.kind, r.severity.label, r.where, _short(r.summary), r.joined, r.recorded_at]
        lines.append("| " + " | ".join(md(x) for x in cells) + " |")
    lines.extend(["", "</details>"])
    return "\n".join(lines)


def _not_analysed(result: AuditResult) -> str:
    groups = c.not_analysed_groups(result)
    problems = c.analyzer_remarks(result)
    if not groups and not problems:
        return ""
    files = sum(len(entries) for _, entries in groups)
    lines = [
        f"<details><summary>{files} files not analysed, {c.not_clean(problems)} analyzers not run cleanly"
        "</summary>",
        "",
    ]
    lines.extend(
        _capped(
            problems,
            lambda r: (
                f"- analyzer **{md(r.name)}** {r.state.value}"
                + (f": {md(_short(r.reason, CELL_CHARS))}" if r.reason else "")
            ),
        )
    )
    for reason, entries in groups:
        shown = ", ".join(md(_short(e.path, CELL_CHARS)) for e in entries[:5])
        more = f" and {len(entries) - 5} more" if len(entries) > 5 else ""
        lines.append(f"- {reason.value} ({len(entries)}): {shown}{more}")
    lines.extend(["", "</details>"])
    return "\n".join(lines)


def _footer(result: AuditResult) -> str:
    bits = []
    if result.suppressed:
        bits.append(f"{len(result.suppressed)} suppressed or accepted")
    if result.fixed:
        bits.append(f"{len(result.fixed)} fixed since the last run")
    bits.append(f"run {md(result.run.id)}, stackaudit {md(result.run.tool_version)}")
    return "<sub>" + " · ".join(bits) + "</sub>"
