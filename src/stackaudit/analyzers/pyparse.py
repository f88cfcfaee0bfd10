"""Parse one Python file for a repository analyzer, quietly: a file that does not parse is None.

Repository analyzers read files themselves (file analyzers get the tree from the runner);
each records a file it cannot parse as "not analysed" with its own reason.
"""

from __future__ import annotations

import ast
import warnings


def parse_quietly(text: str, path: str) -> ast.Module | None:
    """The module's tree, or None for a syntax error, NUL bytes, or nesting too deep to parse.
    Warnings (invalid escape sequences) are the audited project's, not ours: silenced."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
