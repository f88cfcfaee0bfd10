"""Which Python a project's code needs, to explain files the running interpreter cannot parse.

stackaudit parses code with the interpreter it runs on (``ast`` never imports or runs the
code). A file written for a newer Python fails to parse and is not analysed; the user must be
told at the top of the report which Python to run stackaudit on, not only in a footer. The
newer version comes from the project's ``requires-python`` (read as text from
pyproject.toml), else from syntax only a newer Python accepts (t-strings and unparenthesised
``except A, B:`` are 3.14).
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path

from stackaudit.model import NotAnalysed, NotAnalysedReason

_LOWER_BOUND = re.compile(r"(?:>=|~=|==|>)\s*3\.(\d+)")
# Syntax only Python 3.14 accepts: a t-string prefix (PEP 750), ``except A, B:`` (PEP 758).
_PY314 = (
    re.compile(r"(?:^|[\s=(,\[{:+])(?:t|T|tr|rt|Tr|tR|TR|Rt|rT|RT)(?:'|\")", re.MULTILINE),
    re.compile(r"^\s*except\*?\s+[\w.]+\s*,\s*[\w.]+(?:\s*,\s*[\w.]+)*\s*:", re.MULTILINE),
)
RUNNING = sys.version_info[:2]


def required_minor(root: Path) -> int | None:
    """The lowest Python 3 minor version ``requires-python`` allows, if the project says."""
    try:
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    spec = data.get("project", {}).get("requires-python") if isinstance(data.get("project"), dict) else None
    if not isinstance(spec, str):
        return None
    minors = [int(m) for m in _LOWER_BOUND.findall(spec)]
    return max(minors) if minors else None


def _needs_314(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(pattern.search(text) for pattern in _PY314)


def newer_python_notice(root: Path, not_analysed: Sequence[NotAnalysed]) -> str | None:
    """A run-level notice when Python files failed to parse because they need a newer Python."""
    broken = sorted({n.path for n in not_analysed if n.reason == NotAnalysedReason.SYNTAX_ERROR})
    if not broken:
        return None
    minor = required_minor(root)
    if minor is None or minor <= RUNNING[1]:
        minor = 14 if RUNNING[1] < 14 and any(_needs_314(root / p) for p in broken[:200]) else None
    if minor is None:
        return None
    shown = ", ".join(broken[:5]) + (f" and {len(broken) - 5} more" if len(broken) > 5 else "")
    return (
        f"{len(broken)} Python files were NOT analysed: they need Python 3.{minor} syntax and stackaudit "
        f"runs on Python {RUNNING[0]}.{RUNNING[1]} ({shown}). Run stackaudit on Python 3.{minor} "
        f"(e.g. `uvx --python 3.{minor} stackaudit audit` or a 3.{minor} virtualenv) to analyse them"
    )
