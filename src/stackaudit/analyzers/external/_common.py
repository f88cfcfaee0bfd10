"""Small helpers shared by the wrappers: source ranges, code context, path mapping."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from stackaudit.model import CodeContext
from stackaudit.model.redact import redact

_TEST_PATH = re.compile(r"(^|/)(tests?|testing)/|(^|/)test_[^/]*\.py$|_test\.py$|(^|/)conftest\.py$")
MAX_SNIPPET = 400
_QUOTED = re.compile(r"""(?P<q>["'])(?P<v>(?:\\.|(?!(?P=q)).)*)(?P=q)""")
_SECRET_KEY = re.compile(
    r"(?im)^(?P<k>[ \t-]*[\w.-]*(?:pass|secret|token|key|credential)[\w.-]*[ \t]*:[ \t]*)(?P<v>\S.*)$"
)


_WORDS_IDENTIFIER = re.compile(r"^(?:[a-z]+(?:[_.][a-z]+)+|[A-Z]+(?:_[A-Z]+)+)$")
_NOT_SECRETS = frozenset(
    {"bearer", "basic", "digest", "token", "jwt", "oauth", "password", "secret", "success", "ok", "error"}
    | {"failed", "failure", "none", "null", "true", "false", "required", "invalid", "unknown", "n/a"}
)


def code_context(path: str) -> CodeContext:
    if _TEST_PATH.search(path):
        return CodeContext.TEST
    if path.startswith((".github/", "ci/", ".ci/")) or path.endswith((".yml", ".yaml")):
        return CodeContext.CONFIG
    return CodeContext.UNKNOWN


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def source_range(lines: Sequence[str], start: tuple[int, int], end: tuple[int, int]) -> str:
    """Text between 1-based (row, column) ``start`` and exclusive ``end``; the line if empty.

    ``lines`` is the file's ``splitlines()``, split once per file by the caller.
    """
    (row, col), (end_row, end_col) = start, end
    if not 0 < row <= len(lines):
        return ""
    if end_row < row or end_row > len(lines) or (end_row == row and end_col <= col):
        return lines[row - 1].strip()[:MAX_SNIPPET]
    if row == end_row:
        piece = lines[row - 1][col - 1 : end_col - 1]
    else:
        chunk = [lines[row - 1][col - 1 :], *lines[row : end_row - 1], lines[end_row - 1][: end_col - 1]]
        piece = "\n".join(chunk)
    return (piece.strip() or lines[row - 1].strip())[:MAX_SNIPPET]


class PathMap:
    """Maps the paths a tool prints (absolute, resolved or relative) back to repo-relative ones."""

    def __init__(self, root: Path, relative_paths: Iterable[str]) -> None:
        self.root = root
        self._known: dict[str, str] = {}
        self._bases = (str(root), str(root.resolve()))  # no per-file resolve(): it costs ~0.3 ms each
        for rel in relative_paths:
            self._known[rel] = rel
            self._known[f"{self._bases[0]}/{rel}"] = rel

    def relative(self, printed: str) -> str:
        printed = printed.removeprefix("./")
        if printed in self._known:
            return self._known[printed]
        candidate = Path(printed)
        for base in self._bases:
            try:
                return candidate.relative_to(base).as_posix()
            except ValueError:
                continue
        return candidate.as_posix().lstrip("/")


def redact_snippet(snippet: str) -> str:
    """Redact quoted string literals and ``password: value`` style YAML values in a snippet."""
    out = _QUOTED.sub(lambda m: f"{m.group('q')}{redact(m.group('v'))}{m.group('q')}", snippet)
    return _SECRET_KEY.sub(lambda m: f"{m.group('k')}{redact(m.group('v').strip())}", out)


def not_a_secret(value: str | None) -> bool:
    """A literal under a password-looking name that cannot be a credential.

    Empty, prose or UI text (spaces), URLs and paths, templates, a token *type*
    ("bearer"), a status word, or an identifier made of words (``password_reset_failed``,
    ``INVALID_TOKEN``: error codes and form field names). Weak real passwords
    (``changeme``, ``admin``, ``hunter2``) stay.
    """
    if value is None:
        return False
    text = value.strip()
    return (
        not text
        or " " in text
        or "://" in text
        or text.startswith(("/", "{", "%", "$", "<"))
        or text.lower() in _NOT_SECRETS
        or bool(_WORDS_IDENTIFIER.match(text))
    )
