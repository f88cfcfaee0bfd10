from __future__ import annotations

import textwrap
from pathlib import Path

from stackaudit.scope.build import Scope, load_scope


def write_app(root: Path, files: dict[str, str]) -> Scope:
    """Write a small app (path -> source) under ``root`` and read its scope."""
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_scope(root, list(files))


def auth_of(scope: Scope, label: str) -> str:
    found = [e for e in scope.endpoints if e.label == label]
    assert found, f"{label} not in {[e.label for e in scope.endpoints]}"
    return found[0].auth.level.label
