"""Shared wrapper helpers: source ranges, path mapping, code context."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackaudit.analyzers.external._common import PathMap, code_context, source_range
from stackaudit.model import CodeContext

LINES = ["def f(x):", "    return call(", "        x,", "    )"]


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        ((1, 5), (1, 6), "f"),
        ((2, 12), (4, 6), "call(\n        x,\n    )"),
        ((2, 5), (2, 5), "return call("),  # empty range: the stripped line
        ((3, 9), (9, 1), "x,"),  # end past the file: the line
        ((0, 1), (1, 1), ""),  # no such line
        ((7, 1), (7, 2), ""),
    ],
)
def test_source_range(start: tuple[int, int], end: tuple[int, int], text: str) -> None:
    assert source_range(LINES, start, end) == text


def test_source_range_is_bounded() -> None:
    assert len(source_range(["x" * 5000], (1, 1), (1, 5001))) == 400


def test_path_map_handles_absolute_relative_and_symlinked_roots(tmp_path: Path) -> None:
    real = tmp_path / "real"
    (real / "pkg").mkdir(parents=True)
    link = tmp_path / "link"
    link.symlink_to(real)
    paths = PathMap(link, ["pkg/a.py"])
    assert paths.relative("pkg/a.py") == "pkg/a.py"
    assert paths.relative("./pkg/a.py") == "pkg/a.py"
    assert paths.relative(f"{link}/pkg/a.py") == "pkg/a.py"
    assert paths.relative(f"{real}/pkg/b.py") == "pkg/b.py"  # the tool printed the resolved path
    assert paths.relative("/elsewhere/c.py") == "elsewhere/c.py"  # never absolute


@pytest.mark.parametrize(
    ("path", "context"),
    [
        ("tests/test_a.py", CodeContext.TEST),
        ("src/app/conftest.py", CodeContext.TEST),
        ("pkg/a_test.py", CodeContext.TEST),
        ("app/views.py", CodeContext.UNKNOWN),
        (".github/workflows/ci.yml", CodeContext.CONFIG),
        ("contest.py", CodeContext.UNKNOWN),
    ],
)
def test_code_context(path: str, context: CodeContext) -> None:
    assert code_context(path) is context
