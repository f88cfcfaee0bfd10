"""The pull-request checklist of the audit framework: one source of truth.

``stackaudit pr-check`` reads a PR body against these items and ``stackaudit init`` writes the
pull-request template from them, so the template and the check can never drift apart. An
item is satisfied by a ticked box whose text names it (``- [x] Rollback plan: …``) or by a
section whose heading names it and whose text is neither empty nor a placeholder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class ItemKey(StrEnum):
    LATENCY = "latency"
    THREATS = "threats"
    MIGRATIONS = "migrations"
    ROLLBACK = "rollback"


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One checklist item: the box text, the section heading, what names it, and when it applies."""

    key: ItemKey
    box: str
    heading: str
    names: re.Pattern[str]
    prompt: str
    applies: str


ITEMS: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        ItemKey.LATENCY,
        "Latency impact noted",
        "Latency impact",
        re.compile(r"\blatency\b", re.IGNORECASE),
        "Which endpoints get slower or faster, by how much (p95), and how you know (profile, load test).",
        "the change touches request handlers (routes, views, urls)",
    ),
    ChecklistItem(
        ItemKey.THREATS,
        "Threat vectors addressed",
        "Threat vectors",
        re.compile(r"\bthreats?\b", re.IGNORECASE),
        "New inputs, trust boundaries, secrets or dependencies this change adds, and how each is handled.",
        "the change touches authentication, secrets handling or dependency manifests and locks",
    ),
    ChecklistItem(
        ItemKey.MIGRATIONS,
        "Migrations reversible",
        "Migrations",
        re.compile(r"\bmigrations?\b|\brevers", re.IGNORECASE),
        "How each migration is reversed (downgrade tested?) and whether it locks or rewrites a large table.",
        "the change touches database migrations",
    ),
    ChecklistItem(
        ItemKey.ROLLBACK,
        "Rollback plan",
        "Rollback plan",
        re.compile(r"\broll[- ]?back\b", re.IGNORECASE),
        "How to undo this change in production, and what signal tells you to.",
        "the change is not documentation only",
    ),
)
BY_KEY = {item.key: item for item in ITEMS}

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_TICKED = re.compile(r"^\s*[-*+]\s+\[[xX]\]\s+(.*)$")
_UNTICKED = re.compile(r"^\s*[-*+]\s+\[\s\]")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_PLACEHOLDER = re.compile(r"^(?:todo|tbd|tba|n/?a|none|-+|\.{3}|…|_+|x+|\?+|<[^>]*>)[.:]?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    text: str


def _lines_outside_fences(body: str) -> list[tuple[str, bool]]:
    """Each line with whether it is inside a fenced code block (headings there do not count)."""
    out = []
    inside = False
    for line in body.splitlines():
        if _FENCE.match(line):
            inside = not inside
            out.append((line, True))
            continue
        out.append((line, inside))
    return out


def sections(body: str) -> list[Section]:
    """The body's sections: heading and the text up to the next heading."""
    found: list[Section] = []
    heading: str | None = None
    text: list[str] = []
    for line, fenced in _lines_outside_fences(_COMMENT.sub("", body)):
        match = None if fenced else _HEADING.match(line)
        if match:
            if heading is not None:
                found.append(Section(heading, "\n".join(text)))
            heading, text = match.group(1), []
        elif heading is not None:
            text.append(line)
    if heading is not None:
        found.append(Section(heading, "\n".join(text)))
    return found


def filled(text: str) -> bool:
    """True when a section holds an answer: not empty, not unticked boxes, not a placeholder."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or _UNTICKED.match(stripped) or _PLACEHOLDER.match(stripped):
            continue
        return True
    return False


def satisfied_by(body: str, item: ChecklistItem) -> str | None:
    """How the body satisfies ``item`` ("ticked box …" / "section …"), or None."""
    clean = _COMMENT.sub("", body.replace("\r\n", "\n"))
    for line, fenced in _lines_outside_fences(clean):
        match = None if fenced else _TICKED.match(line)
        if match and item.names.search(match.group(1)):
            return f"ticked box: {match.group(1).strip()[:80]}"
    for section in sections(clean):
        if item.names.search(section.heading) and filled(section.text):
            return f"section: {section.heading[:80]}"
    return None


def pr_template() -> str:
    """The pull-request template ``stackaudit init`` writes: one box and one section per item."""
    lines = [
        "<!-- stackaudit pr-check reads this checklist. Tick a box or fill its section;",
        "     items that do not apply to your diff are not demanded. -->",
        "",
        "## Summary",
        "",
        "<!-- What changes and why. -->",
        "",
        "## Checklist",
        "",
        *(f"- [ ] {item.box}" for item in ITEMS),
        "",
    ]
    for item in ITEMS:
        lines += [f"## {item.heading}", "", f"<!-- {item.prompt} Needed when {item.applies}. -->", ""]
    return "\n".join(lines)
