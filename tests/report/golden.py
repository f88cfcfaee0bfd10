"""Golden-file comparison. Regenerate with STACKAUDIT_UPDATE_GOLDEN=1."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE_ENV = "STACKAUDIT_UPDATE_GOLDEN"


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN_DIR / name
    if os.environ.get(UPDATE_ENV) == "1":
        GOLDEN_DIR.mkdir(exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        return
    assert path.exists(), f"golden file {path} is missing; regenerate with {UPDATE_ENV}=1"
    expected = path.read_bytes().decode("utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=f"golden/{name}",
                tofile="actual",
                n=2,
            )
        )
        raise AssertionError(
            f"{name} differs from its golden file ({UPDATE_ENV}=1 to accept):\n{diff[:6000]}"
        )
