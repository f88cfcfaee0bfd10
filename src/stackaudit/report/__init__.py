"""Reporters: one module per format. They only serialise a finished ``AuditResult``.

The CLI calls ``write(result, fmt, rules, out)`` (or ``render`` for a string) for file
formats and ``stackaudit.report.terminal.print_report`` for the terminal. Every format
module has ``write(result, rules, out)``: the large ones (JSON, SARIF, HTML) write
finding by finding, so a 50,000-finding report is never one string in memory.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TextIO

from stackaudit.model import AuditResult, RuleMeta

if TYPE_CHECKING:
    from stackaudit.governance.dora.model import DoraResult

FORMATS: tuple[str, ...] = ("json", "sarif", "markdown", "html")
DORA_FORMATS = frozenset({"json", "markdown", "html"})  # SARIF holds results of rules only

Writer = Callable[[AuditResult, Mapping[str, RuleMeta], Any], None]


def _writer(fmt: str) -> Writer:
    # Imported here so that loading one format never loads the others.
    if fmt == "json":
        from stackaudit.report import json_v1

        return json_v1.write
    if fmt == "sarif":
        from stackaudit.report import sarif

        return sarif.write
    if fmt == "markdown":
        from stackaudit.report import markdown

        return markdown.write
    if fmt == "html":
        from stackaudit.report import html

        return html.write
    raise ValueError(f"unknown report format {fmt!r} (expected one of: {', '.join(FORMATS)})")


def write(
    result: AuditResult,
    fmt: str,
    rules: Mapping[str, RuleMeta],
    out: TextIO,
    dora: DoraResult | None = None,
) -> None:
    """Write ``result`` as ``fmt`` (json, sarif, markdown, html) to an open text stream.

    ``rules`` maps rule id to RuleMeta; findings whose rule is absent (e.g. a stored
    run from an older version) are reported from their own fields.
    ``dora``: the DORA metrics the audit computed (``[dora]`` config), a section of the JSON,
    Markdown and HTML reports. Raises ValueError for an unknown format.
    """
    name = fmt.strip().lower()
    writer = _writer(name)
    if dora is not None and name in DORA_FORMATS:
        writer(result, rules, out, dora=dora)  # type: ignore[call-arg]
    else:
        writer(result, rules, out)


def render(result: AuditResult, fmt: str, rules: Mapping[str, RuleMeta]) -> str:
    """``write`` into a string (tests, stdout, small reports)."""
    out = io.StringIO()
    write(result, fmt, rules, out)
    return out.getvalue()


__all__ = ["FORMATS", "render", "write"]
