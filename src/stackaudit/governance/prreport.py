"""``pr-check`` output: a terminal list and a Markdown summary (job summary or PR comment)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from stackaudit.governance.prcheck import PrCheck
from stackaudit.report.markdown import code, md

MAX_REASONS = 5


def _reasons(reasons: tuple[str, ...]) -> list[str]:
    shown = list(reasons[:MAX_REASONS])
    if len(reasons) > MAX_REASONS:
        shown.append(f"… and {len(reasons) - MAX_REASONS} more")
    return shown


def print_terminal(result: PrCheck, console: Console) -> None:
    verdict = "[bold green]passed[/]" if result.passed else "[bold red]failed[/]"
    console.print(f"pr-check {verdict}: {result.changed_files} changed file(s)")
    if result.body_empty:
        console.print("the pull request body is empty", style="yellow")
    for v in result.demanded:
        mark = "[green]ok[/]" if v.satisfied else "[red]MISSING[/]"
        how = escape(v.satisfied) if v.satisfied else f"tick '{v.item.box}' or fill '## {v.item.heading}'"
        console.print(f"  {mark} {v.item.box}: {how}", soft_wrap=True)
        for reason in _reasons(v.reasons):
            console.print(f"       because {escape(reason)}", soft_wrap=True)
    for item in result.not_demanded:
        console.print(f"  [dim]n/a {item.box} (needed when {item.applies})[/]", soft_wrap=True)


def to_markdown(result: PrCheck) -> str:
    head = "passed" if result.passed else f"failed: {len(result.missing)} item(s) missing"
    lines = [f"## stackaudit pr-check {head}", ""]
    if result.body_empty:
        lines += ["The pull request body is empty.", ""]
    if result.demanded:
        lines += ["| Item | State | Why it is needed |", "|---|---|---|"]
        for v in result.demanded:
            state = (
                f"✅ {md(v.satisfied)}"
                if v.satisfied
                else f"❌ missing: tick it or fill **{v.item.heading}**"
            )
            why = "<br>".join(md(r) if r.startswith("…") else code(r) for r in _reasons(v.reasons))
            lines.append(f"| {v.item.box} | {state} | {why} |")
    if result.not_demanded:
        lines += ["", "Not needed for this diff: " + ", ".join(i.box for i in result.not_demanded) + "."]
    return "\n".join(lines) + "\n"
