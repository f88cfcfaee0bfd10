"""GitHub CODEOWNERS: find the file, parse it, and answer "who owns this path?".

Semantics follow GitHub's documentation:

* the file is looked up in ``.github/CODEOWNERS``, ``CODEOWNERS``, ``docs/CODEOWNERS``;
  the first one found wins;
* each line is ``PATTERN OWNER...``; blank lines and ``#`` comments are ignored,
  a ``#`` token after the pattern starts a trailing comment, ``\\#`` is a literal ``#``
  and ``\\ `` a literal space;
* patterns are gitignore-style: ``*`` and ``?`` never cross ``/``; ``**`` spans
  directories; a leading ``/`` (or any ``/`` before the last character) anchors the
  pattern at the repository root, otherwise it matches at any depth; a trailing
  ``/`` matches a directory (everything inside it); a pattern that names a
  directory owns everything below it, except ``dir/*`` which owns only the files
  directly in ``dir``;
* the LAST matching line wins; a pattern with no owners un-assigns the path;
* paths are case sensitive.

GitHub rejects ``!`` negation and ``[...]`` ranges in CODEOWNERS; such lines, and
lines with malformed owners, are skipped and reported in ``errors`` with their
line number (GitHub skips them too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
MAX_BYTES = 3 * 1024 * 1024  # GitHub ignores CODEOWNERS files above 3 MB

_OWNER = re.compile(
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:/[A-Za-z0-9._-]+)?"  # @user or @org/team
    r"|[^@\s]+@[^@\s]+\.[^@\s]+"  # e-mail address
)


@dataclass(frozen=True, slots=True)
class OwnerRule:
    """One parsed line: a pattern, its owners (may be empty) and its line number."""

    pattern: str
    owners: tuple[str, ...]
    line: int
    regex: re.Pattern[str]

    def matches(self, path: str) -> bool:
        return self.regex.match(path) is not None


@dataclass(frozen=True, slots=True)
class CodeOwners:
    """A parsed CODEOWNERS file. ``source`` is its repo-relative path."""

    source: str
    rules: tuple[OwnerRule, ...] = ()
    errors: tuple[str, ...] = ()

    @classmethod
    def load(cls, root: Path) -> CodeOwners | None:
        """Parse the first CODEOWNERS file found under ``root``; None when there is none."""
        for relative in LOCATIONS:
            candidate = root / relative
            if not candidate.is_file():
                continue
            try:
                data = candidate.read_bytes()[: MAX_BYTES + 1]
            except OSError as exc:
                return cls(source=relative, errors=(f"{relative}: cannot read: {exc.strerror}",))
            if len(data) > MAX_BYTES:
                return cls(source=relative, errors=(f"{relative}: larger than 3 MB, GitHub ignores it",))
            return cls.parse(data.decode("utf-8", errors="replace"), source=relative)
        return None

    @classmethod
    def parse(cls, text: str, source: str = "CODEOWNERS") -> CodeOwners:
        rules: list[OwnerRule] = []
        errors: list[str] = []
        for number, raw in enumerate(text.splitlines(), start=1):
            try:
                rule = _parse_line(raw, number)
            except ValueError as exc:
                errors.append(f"line {number}: {exc}")
                continue
            if rule is not None:
                rules.append(rule)
        return cls(source=source, rules=tuple(rules), errors=tuple(errors))

    def rule_for(self, path: str) -> OwnerRule | None:
        """The line that decides ``path`` (the last one matching), or None."""
        path = path.lstrip("/")
        for rule in reversed(self.rules):
            if rule.matches(path):
                return rule
        return None

    def owners_for(self, path: str) -> tuple[str, ...]:
        """Owners of a repo-relative POSIX path; () when unowned or un-assigned."""
        rule = self.rule_for(path)
        return rule.owners if rule is not None else ()


def _tokenize(line: str) -> list[str]:
    """Split on unescaped whitespace, dropping a trailing ``#`` comment."""
    tokens: list[str] = []
    current: list[str] = []
    escaped = False
    for char in line:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char.isspace():
            if current:
                tokens.append("".join(current))
                current = []
        elif char == "#" and not current:
            break  # a comment: at line start or as a new token
        else:
            current.append(char)
    if escaped:
        current.append("\\")
    if current:
        tokens.append("".join(current))
    return tokens


def _parse_line(raw: str, number: int) -> OwnerRule | None:
    tokens = _tokenize(raw.strip())
    if not tokens:
        return None
    pattern, owners = tokens[0], tuple(tokens[1:])
    if pattern.startswith("!"):
        raise ValueError(f"negated pattern {pattern!r} is not supported in CODEOWNERS")
    if "[" in pattern or "]" in pattern:
        raise ValueError(f"character range in {pattern!r} is not supported in CODEOWNERS")
    bad = [owner for owner in owners if not _OWNER.fullmatch(owner)]
    if bad:
        raise ValueError(f"invalid owner {bad[0]!r} (expected @user, @org/team or an e-mail)")
    return OwnerRule(pattern=pattern, owners=owners, line=number, regex=compile_pattern(pattern))


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Translate a CODEOWNERS (gitignore-style) pattern to a regex over repo paths."""
    directory_only = pattern.endswith("/")
    body = pattern.strip("/") if pattern != "/" else ""
    anchored = pattern.startswith("/") or "/" in body
    segments = body.split("/") if body else []
    parts = [_segment(seg) for seg in segments]
    regex = _join(segments, parts)
    prefix = "" if anchored else "(?:.*/)?"
    if not segments:  # "/" alone: the whole repository
        return re.compile(r".+\Z", re.DOTALL)
    if segments[-1] == "**":
        suffix = ""  # already "everything below"
    elif len(segments) > 1 and segments[-1] == "*":
        suffix = r"\Z"  # "dir/*": direct children only
    elif directory_only:
        suffix = r"/.*\Z"  # a directory: everything inside it
    else:
        suffix = r"(?:/.*)?\Z"  # the path itself, or everything below it if it is a directory
    return re.compile(prefix + regex + suffix, re.DOTALL)


def _join(segments: list[str], parts: list[str]) -> str:
    out = ""
    for index, (segment, part) in enumerate(zip(segments, parts, strict=True)):
        last = index == len(segments) - 1
        if segment == "**":
            if last:
                out += ".+" if index == 0 else "/.+"
                continue
            out += "(?:.*/)?" if index == 0 else "/(?:.*/)?"
            continue
        if index > 0 and segments[index - 1] != "**":
            out += "/"
        out += part
    return out


def _segment(segment: str) -> str:
    if segment == "**":
        return ""
    out = []
    for char in segment:
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(char))
    return "".join(out)
