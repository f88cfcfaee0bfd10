"""The terminal report (Rich).

Every repository string goes through ``esc()``: control characters are made
visible (``\\x1b``) and Rich markup is escaped, so a file named
``[red]x\\x1b[2J.py`` prints literally and harmlessly. Emoji codes and Rich's
automatic highlighting are off for the same reason (``:skull:`` stays text).

Lines are never wrapped by us (``soft_wrap``): a rule id or a path is never split
across lines, so it can be searched and copied from a CI log. On a wide terminal
the top risks are a table; in a pipe, a CI log or a terminal narrower than
``TABLE_WIDTH`` they are one line each.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from stackaudit.model import Assessment, AuditResult, RuleMeta, Severity, Status
from stackaudit.report import _common as c
from stackaudit.report import runtime_section

SEVERITY_STYLE: Mapping[Severity, str] = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}

STATUS_STYLE: Mapping[Status, str] = {
    Status.NEW: "bold magenta",
    Status.OPEN: "default",
    Status.REOPENED: "bold red",
    Status.FIXED: "green",
    Status.ACCEPTED: "dim",
    Status.SUPPRESSED: "dim",
}

PATHS_PER_REASON = 3
SNIPPET_LINES = 6
TABLE_WIDTH = 120  # narrower than this (or not a terminal): one line per top risk, no table
MESSAGE_CHARS = 300  # a longer message (an advisory's text) is cut at a word, with an ellipsis


def esc(text: str) -> str:
    """Escape a repository string for Rich markup, on one line."""
    return escape(c.one_line(text))


def _t(markup: str) -> Text:
    return Text.from_markup(markup, emoji=False)


def _line(console: Console, markup: str = "") -> None:
    console.print(_t(markup), emoji=False, highlight=False, soft_wrap=True)


def plain_layout(console: Console) -> bool:
    """One line per top risk: in a pipe or CI log, or on a narrow terminal."""
    return not console.is_terminal or console.width < TABLE_WIDTH


def where(item: Assessment) -> str:
    """The location, and for a vulnerable dependency its package, version and advisory id."""
    f = item.finding
    text = esc(c.location_text(f))
    if f.vulnerability is not None:
        v = f.vulnerability
        text += f" · {esc(v.package)} {esc(v.version)} {esc(v.id)}"
    return text


def _sev(severity: Severity) -> str:
    return f"[{SEVERITY_STYLE[severity]}]{severity.label.upper()}[/]"


def _status(status: Status) -> str:
    return f"[{STATUS_STYLE[status]}]{status.value}[/]"


def print_report(
    result: AuditResult,
    rules: Mapping[str, RuleMeta],
    console: Console,
    top: int = 5,
    limit: int = 50,
) -> None:
    """Print the whole report: top risks, the ranked list, then the summary."""
    _header(result, console)
    _top_risks(result, console, top)
    _ranked(result, rules, console, limit)
    _runtime(result, console)
    _summary(result, console)


def _runtime(result: AuditResult, console: Console) -> None:
    """Every runtime observation the audit read, and what it joined (runtime_section)."""
    rows = runtime_section.rows(result)
    if not rows:
        return
    _line(console)
    _line(console, f"[bold underline]{runtime_section.TITLE}[/] ({len(rows)})")
    for r in rows:
        where = f" {esc(r.where)}" if r.where else ""
        _line(console, f"  {_sev(r.severity)} {esc(r.kind)}{where}: {esc(r.summary)}")
        _line(console, f"    {esc(r.joined)} · {esc(r.recorded_at)}")


def _header(result: AuditResult, console: Console) -> None:
    run = result.run
    n = c.counts(result.findings)
    where = esc(run.project)
    if run.commit:
        where += f" @ {esc(run.commit[:12])}"
    if run.branch:
        where += f" ({esc(run.branch)})"
    _line(
        console,
        f"[bold]stackaudit[/] {esc(run.tool_version)} · {where} · "
        f"[bold]{n.total}[/] findings ({n.new} new since the last run) · "
        f"{run.files_analysed} of {run.files_total} files analysed in {c.num(run.duration_s)} s",
    )


def _top_risks(result: AuditResult, console: Console, top: int) -> None:
    _line(console)
    _line(console, f"[bold underline]{c.top_heading(top)}[/]")
    if not result.findings:
        _line(console, "No findings.")
        return
    if plain_layout(console):
        for rank, item in enumerate(result.findings[:top], 1):
            owner = esc(item.owner) if item.owner else "[dim]unowned[/]"
            _line(
                console,
                f"{rank:>2}. [bold]{c.num(item.score.value)}[/]  {_sev(item.finding.severity)}  "
                f"[bold]{esc(item.finding.rule_id)}[/]  {where(item)}  "
                f"{owner} · {item.age_days} d · {_status(item.status)}",
            )
        return
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("#", justify="right")
    table.add_column("Score", justify="right")
    table.add_column("Severity")
    table.add_column("Rule", overflow="fold")
    table.add_column("Location", overflow="fold")
    table.add_column("Owner", overflow="fold")
    table.add_column("Age (d)", justify="right")
    table.add_column("Status")
    for rank, item in enumerate(result.findings[:top], 1):
        f = item.finding
        table.add_row(
            _t(str(rank)),
            _t(f"[bold]{c.num(item.score.value)}[/]"),
            _t(_sev(f.severity)),
            _t(esc(f.rule_id)),
            _t(where(item)),
            _t(esc(item.owner) if item.owner else "[dim]unowned[/]"),
            _t(str(item.age_days)),
            _t(_status(item.status)),
        )
    console.print(table)


def _ranked(result: AuditResult, rules: Mapping[str, RuleMeta], console: Console, limit: int) -> None:
    if not result.findings:
        return
    _line(console)
    _line(console, "[bold underline]Ranked findings[/]")
    for rank, item in enumerate(result.findings[:limit], 1):
        _finding(rank, item, rules, console)
    hidden = len(result.findings) - limit
    if hidden > 0:
        _line(
            console,
            f"… {hidden} more findings not shown (limit {limit}); use --format json or html for all of them.",
        )


def _finding(rank: int, item: Assessment, rules: Mapping[str, RuleMeta], console: Console) -> None:
    f = item.finding
    _line(console)
    _line(
        console,
        f"[bold]{rank:>2}. {c.num(item.score.value)}[/]  {_sev(f.severity)}  "
        f"[bold]{esc(f.rule_id)}[/]  {esc(c.rule_title(rules, f))}",
    )
    place = where(item)
    if f.location.symbol:
        place += f" in {esc(f.location.symbol)}"
    if f.endpoint:
        place += f" · {esc(f.endpoint)}"
    if f.prop("journey"):  # threat/journeys.py: the declared journeys the endpoint is on
        place += f" · journey {esc(f.prop('journey') or '')}"
    owner = esc(item.owner) if item.owner else "unowned"
    if item.owner and item.owner_source:
        owner += f" ({esc(item.owner_source)})"
    _line(
        console,
        f"    {place} · {owner} · {item.age_days} d · {_status(item.status)}"
        + ("" if f.tool == "stackaudit" else f" · via {esc(f.tool)}"),
    )
    _line(console, f"    {esc(c.clip(f.message, MESSAGE_CHARS))}")
    lines = f.snippet.splitlines()
    for snippet_line in lines[:SNIPPET_LINES]:
        _line(console, f"    [dim]│[/] {esc(snippet_line)}")
    if len(lines) > SNIPPET_LINES:
        _line(console, f"    [dim]│ … {len(lines) - SNIPPET_LINES} more lines[/]")
    _line(console, f"    Score: {c.score_formula(item.score)}")
    for name, value, reasons in c.score_factors(item.score):
        why = "; ".join(esc(r) for r in reasons) or "[dim]rule default[/]"
        _line(console, f"      {name} {c.num(value)}: {why}")
    _extras(item, console)


def _extras(item: Assessment, console: Console) -> None:
    f = item.finding
    if f.vulnerability is not None:
        v = f.vulnerability
        facts = [f"{esc(v.package)} {esc(v.version)}", esc(v.id)]
        facts += [f"CVSS {c.num(v.cvss_score)}"] if v.cvss_score is not None else []
        facts += [f"EPSS {v.epss:.1%}"] if v.epss is not None else []
        facts += ["[bold red]CISA KEV: exploited in the wild[/]"] if v.kev else []
        facts += [f"fixed in {esc(', '.join(v.fixed_versions))}"] if v.fixed_versions else []
        _line(console, "    Vulnerability: " + " · ".join(facts))
        if v.summary:
            _line(console, f"    Advisory: {esc(c.clip(' '.join(v.summary.split()), MESSAGE_CHARS))}")
    if f.trace:
        _line(console, "    Trace:")
        for step in f.trace:
            _line(console, f"      {esc(step.kind):<6} {esc(str(step.location))}  {esc(step.note)}")
    for ev in item.evidence:
        where = f" on {esc(ev.endpoint)}" if ev.endpoint else ""
        _line(
            console,
            f"    Evidence ({esc(ev.kind.value)}{where}, "
            f"{ev.recorded_at.date().isoformat()}): {esc(ev.summary)}",
        )
    if f.fix:
        _line(console, f"    Fix: {esc(f.fix)}")


def _summary(result: AuditResult, console: Console) -> None:
    n = c.counts(result.findings)
    _line(console)
    _line(console, "[bold underline]Summary[/]")
    _line(console, "  By severity: " + ", ".join(f"{_sev(s)} {k}" for s, k in n.by_severity))
    _line(console, "  By category: " + ", ".join(f"{cat.value} {k}" for cat, k in n.by_category))
    if result.suppressed or result.fixed:
        _line(
            console,
            f"  Suppressed or accepted: {len(result.suppressed)} · "
            f"fixed since the last run: {len(result.fixed)}",
        )
    for record in c.analyzer_remarks(result):
        why = f": {esc(record.reason)}" if record.reason else ""
        _line(console, f"  Analyzer {esc(record.name)} [yellow]{record.state.value}[/]{why}")
    groups = c.not_analysed_groups(result)
    if groups:
        total = sum(len(entries) for _, entries in groups)
        _line(console, f"  Not analysed: {total} files")
        for reason, entries in groups:
            shown = ", ".join(esc(e.path) for e in entries[:PATHS_PER_REASON])
            more = f" and {len(entries) - PATHS_PER_REASON} more" if len(entries) > PATHS_PER_REASON else ""
            _line(console, f"    {reason.value} ({len(entries)}): {shown}{more}")
    for notice in result.run.notices:
        _line(console, f"  [yellow]Notice:[/] {esc(notice)}")
    _gate(result, console)


def _gate(result: AuditResult, console: Console) -> None:
    gate = result.gate
    if gate is None:
        return
    verdict = "[bold green]PASSED[/]" if gate.passed else "[bold red]FAILED[/]"
    _line(console, f"  Gate {verdict} (threshold {esc(gate.threshold)}; {c.gate_count(gate, esc)})")
    for reason in gate.reasons:
        _line(console, f"    - {esc(reason)}")
