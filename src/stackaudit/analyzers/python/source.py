"""Source text around AST nodes: character columns, snippets, statement headers.

``ast`` column offsets are UTF-8 byte offsets; findings carry 1-based character columns.
"""

from __future__ import annotations

import ast

SNIPPET_MAX = 240


class SourceLines:
    __slots__ = ("lines",)

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def column(self, line: int, byte_offset: int) -> int:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return len(text.encode()[:byte_offset].decode(errors="ignore")) + 1

    def span(self, node: ast.AST) -> tuple[int, int, int, int]:
        """(line, column, end line, end column) of a node, 1-based character columns."""
        line = getattr(node, "lineno", 0)
        end_line = getattr(node, "end_lineno", None) or line
        return (
            line,
            self.column(line, getattr(node, "col_offset", 0)),
            end_line,
            self.column(end_line, getattr(node, "end_col_offset", None) or 0),
        )

    def snippet(self, node: ast.AST) -> str:
        """The node's source text (multi-line kept), cut at SNIPPET_MAX characters."""
        line = getattr(node, "lineno", 0)
        end = getattr(node, "end_lineno", None) or line
        if not 0 < line <= len(self.lines):
            return ""
        chunk = [s.encode() for s in self.lines[line - 1 : end]]
        start_col = getattr(node, "col_offset", 0)
        end_col = getattr(node, "end_col_offset", None)
        if end_col is not None:
            chunk[-1] = chunk[-1][:end_col]
        chunk[0] = chunk[0][start_col:]
        text = "\n".join(c.decode(errors="replace") for c in chunk)
        return text if len(text) <= SNIPPET_MAX else text[: SNIPPET_MAX - 1] + "…"

    def header(self, node: ast.AST) -> str:
        """The first line of a statement (a loop or class header), stripped."""
        line = getattr(node, "lineno", 0)
        text = self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
        return text[:SNIPPET_MAX]
