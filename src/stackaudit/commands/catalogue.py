"""The rule catalogue for ``explain`` and ``rules``, fast on every call after the first.

Building the rule index imports every analyzer (and what they import: SQLAlchemy, the taint
engine, …), which costs about a second; ``explain`` must answer in well under 0.3 s. So the
index is also written, as plain JSON, to the user cache directory, keyed by the stackaudit
version and by the size and modification time of every analyzer source file: any change to an
analyzer (an edit, an upgrade, a reinstall) makes a new key, and the catalogue is rebuilt from
the registry. A cache that cannot be read or written is ignored: the registry is the truth.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import stackaudit

CATALOGUE_FORMAT = "1"


@dataclass(frozen=True, slots=True)
class RuleDoc:
    """What ``explain`` and ``rules`` show of a rule (a plain copy of its ``RuleMeta``)."""

    id: str
    title: str
    category: str
    severity: str
    doc: str
    cwe: tuple[int, ...]
    impact: float
    likelihood: float
    effort: float
    fix: str


def _sources() -> list[Path]:
    package = Path(stackaudit.__file__).parent
    found = sorted([*(package / "analyzers").rglob("*.py"), *(package / "dast").rglob("*.py")])
    return [*found, package / "engine" / "rules.py", package / "model" / "rule.py"]


def _key() -> str:
    material = hashlib.sha256(f"{CATALOGUE_FORMAT}|{stackaudit.__version__}".encode())
    for path in _sources():
        try:
            st = path.stat()
        except OSError:
            continue
        material.update(f"{path}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return material.hexdigest()[:20]


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stackaudit"


def _from_registry() -> dict[str, RuleDoc]:
    from stackaudit.analyzers import registry

    return {
        rid: RuleDoc(
            meta.id,
            meta.title,
            meta.category.value,
            meta.severity.label,
            meta.doc,
            tuple(meta.cwe),
            meta.impact,
            meta.likelihood,
            meta.effort,
            meta.fix,
        )
        for rid, meta in registry.rule_index().rules.items()
    }


def _read(path: Path) -> dict[str, RuleDoc] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {d["id"]: RuleDoc(**{**d, "cwe": tuple(d["cwe"])}) for d in data}
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _write(path: Path, rules: dict[str, RuleDoc]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps([asdict(r) for r in rules.values()]), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        return  # a read-only home: explain is slower, never wrong


def rules() -> dict[str, RuleDoc]:
    """Every rule by id, from the cached catalogue when it is current, else from the registry."""
    path = cache_dir() / f"rules-{_key()}.json"
    cached = _read(path)
    if cached is not None:
        return cached
    built = _from_registry()
    _write(path, built)
    return built


_LITERAL = re.compile(r"``(.+?)``")
_ROLE = re.compile(r":[\w-]+:`([^`]+)`")
_LINK = re.compile(r"`([^`<]+?)\s*<[^>]+>`_")
_DIRECTIVE = re.compile(r"^\.\. [\w-]+::.*$", re.MULTILINE)


def plain(text: str) -> str:
    """reStructuredText markup out of a rule's doc: ``x`` → x, roles, links, ``::`` blocks."""
    text = _DIRECTIVE.sub("", text)
    text = _ROLE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _LITERAL.sub(r"\1", text)
    text = re.sub(r"(\S)::$", r"\1:", text, flags=re.MULTILINE)
    text = re.sub(r"^::$\n?", "", text, flags=re.MULTILINE)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


CATEGORY_ALIASES = {"perf": "performance", "sec": "security", "scale": "scalability", "sca": "supply-chain"}


def category(text: str, known: set[str]) -> str | None:
    """A category from its name, a unique prefix or an alias (perf, sec, scale, sca); None if unknown."""
    low = text.strip().lower()
    if low in known:
        return low
    if CATEGORY_ALIASES.get(low) in known:
        return CATEGORY_ALIASES[low]
    starts = [k for k in sorted(known) if k.startswith(low)]
    return starts[0] if len(starts) == 1 else None
