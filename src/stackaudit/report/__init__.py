"""Reporters: one module per format. They only serialise a finished ``AuditResult``.

The CLI calls ``render(result, fmt, rules)`` for file formats and
``stackaudit.report.terminal.print_report`` for the terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from stackaudit.model import AuditResult, RuleMeta

FORMATS: tuple[str, ...] = ("json", "sarif", "markdown", "html")

Renderer = Callable[[AuditResult, Mapping[str, RuleMeta]], str]


def _renderer(fmt: str) -> Renderer:
    # Imported here so that loading one format never loads the others.
    if fmt == "json":
        from stackaudit.report import json_v1

        return json_v1.render
    if fmt == "sarif":
        from stackaudit.report import sarif

        return sarif.render
    if fmt == "markdown":
        from stackaudit.report import markdown

        return markdown.render
    if fmt == "html":
        from stackaudit.report import html

        return html.render
    raise ValueError(f"unknown report format {fmt!r} (expected one of: {', '.join(FORMATS)})")


def render(result: AuditResult, fmt: str, rules: Mapping[str, RuleMeta]) -> str:
    """Serialise ``result`` as ``fmt`` (json, sarif, markdown, html).

    ``rules`` maps rule id to RuleMeta; findings whose rule is absent (e.g. a stored
    run from an older version) are reported from their own fields.
    Raises ValueError for an unknown format.
    """
    return _renderer(fmt.strip().lower())(result, rules)


__all__ = ["FORMATS", "render"]
