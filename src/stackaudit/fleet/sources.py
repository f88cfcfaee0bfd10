"""The repositories of a fleet: a list file (``URL[@REF]`` or ``URL REF`` per line) or a directory.

A line is a local path or a git URL. The ref is a branch, tag or commit. ``@`` only splits a
ref off when what follows has no ``/`` or ``:`` after it, so ``git@host:org/repo.git`` and
``https://user@host/repo`` stay whole URLs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_USERINFO = re.compile(r"(://)[^/@\s]+@")
_SCP_LIKE = re.compile(r"^[\w.-]+@[\w.-]+:")  # git@github.com:org/repo.git
_URL_SCHEMES = ("http://", "https://", "ssh://", "git://", "file://")


class SourceError(ValueError):
    """The list of repositories cannot be read; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class RepoSpec:
    """One repository of the fleet, as listed: where it is and which ref to audit."""

    source: str  # a local path (absolute) or a git URL
    ref: str | None = None
    is_url: bool = False

    @property
    def shown(self) -> str:
        """For messages: credentials in a URL (``https://user:token@host``) are never printed."""
        text = shown_url(self.source)
        return f"{text}@{self.ref}" if self.ref else text

    @property
    def name(self) -> str:
        """The repository's last path segment, without ``.git``: the folder a clone goes into."""
        tail = re.split(r"[/:\\]", self.source.rstrip("/"))[-1].removesuffix(".git")
        return tail or "repo"


def shown_url(text: str) -> str:
    """A URL or message with any ``user:password@`` part masked."""
    return _USERINFO.sub(r"\1***@", text)


def is_url(text: str) -> bool:
    return text.startswith(_URL_SCHEMES) or bool(_SCP_LIKE.match(text))


def parse_line(line: str, base: Path) -> RepoSpec | None:
    """One line of a list file: None for blank lines and ``#`` comments."""
    text = re.split(r"\s#", line, maxsplit=1)[0].strip()  # "URL REF  # why" keeps the URL's own '#'
    if not text or text.startswith("#"):
        return None
    parts = text.split()
    if len(parts) > 2:
        raise SourceError(f"expected 'URL [REF]' or 'URL@REF', got {len(parts)} words")
    source, ref = parts[0], parts[1] if len(parts) == 2 else None
    if ref is None:
        source, ref = _split_at_ref(source)
    if is_url(source):
        return RepoSpec(source, ref, is_url=True)
    path = Path(source).expanduser()
    return RepoSpec(str((base / path).resolve() if not path.is_absolute() else path), ref)


def _split_at_ref(text: str) -> tuple[str, str | None]:
    head, sep, tail = text.rpartition("@")
    if not sep or not head or "/" in tail or ":" in tail:
        return text, None
    if _SCP_LIKE.match(text) and "@" not in head:  # git@host:repo — the @ is the user's
        return text, None
    if "://" in head and "/" not in head.split("://", 1)[1]:  # https://user@host
        return text, None
    return head, tail or None


def read_list(path: Path) -> list[RepoSpec]:
    """Every repository of a list file, in order, duplicates once. Relative paths are from the file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read the list of repositories: {exc}") from None
    specs: dict[tuple[str, str | None], RepoSpec] = {}
    for number, line in enumerate(lines, start=1):
        try:
            spec = parse_line(line, path.parent.resolve())
        except SourceError as exc:
            raise SourceError(f"{path}:{number}: {exc}") from None
        if spec is not None:
            specs.setdefault((spec.source, spec.ref), spec)
    return list(specs.values())


def read_directory(path: Path) -> tuple[list[RepoSpec], list[str]]:
    """The checkouts in a directory (each subdirectory holding ``.git``), and the names passed over."""
    specs, ignored = [], []
    for child in sorted(path.iterdir()):
        if child.is_dir() and (child / ".git").exists():
            specs.append(RepoSpec(str(child.resolve())))
        elif not child.name.startswith("."):
            ignored.append(child.name)
    return specs, ignored


def read_repos(path: Path) -> tuple[list[RepoSpec], list[str]]:
    """REPOS as given on the command line: a directory of checkouts or a list file."""
    if path.is_dir():
        return read_directory(path)
    if not path.exists():
        raise SourceError(f"{path}: no such file or directory")
    return read_list(path), []
