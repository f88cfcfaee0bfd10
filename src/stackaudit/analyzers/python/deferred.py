"""Emitting a finding after the walk has left its scope (rules that decide at module end)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from stackaudit.analyzers.python.family import Frame
from stackaudit.model import Confidence, RuleMeta

if TYPE_CHECKING:
    from stackaudit.analyzers.python.walker import Walk


def emit_in(
    walk: Walk,
    rule: RuleMeta,
    node: ast.AST,
    frame: Frame | None,
    message: str,
    *,
    confidence: Confidence | None = None,
    related: tuple[ast.AST, ...] = (),
) -> None:
    """Emit with ``frame`` pushed back as the innermost scope, so the finding carries the
    function's symbol, context and endpoint as if it had been emitted during the walk."""
    pushed = frame is not None and frame is not walk.frame
    if pushed and frame is not None:
        walk.frames.append(frame)
    try:
        walk.emit(rule, node, message, confidence=confidence, related=related)
    finally:
        if pushed:
            walk.frames.pop()
