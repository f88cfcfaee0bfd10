"""One pass over a text: prefilter, provider detectors, generic assignments, overlaps, redaction."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from stackaudit.analyzers.secrets import rules
from stackaudit.analyzers.secrets.cli import cli_detectors
from stackaudit.analyzers.secrets.detectors import Detector, ScanContext, Verdict, provider_detectors
from stackaudit.analyzers.secrets.generic import KEYWORDS, find_generic
from stackaudit.analyzers.secrets.keywords import KeywordIndex
from stackaudit.analyzers.secrets.placeholders import PlaceholderPolicy
from stackaudit.analyzers.secrets.table import table_detectors
from stackaudit.model import Confidence, RuleMeta, Severity
from stackaudit.model.redact import value_hash


@dataclass(frozen=True, slots=True)
class SecretMatch:
    """One secret found in a text. ``value`` never leaves the analyzer: use ``redacted``."""

    rule: RuleMeta
    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int
    value: str
    redacted: str
    verified: str
    severity: Severity
    confidence: Confidence
    snippet: str  # the matched line with every secret on it redacted

    @property
    def value_hash(self) -> str:
        return value_hash(self.value)


def redact(value: str, prefix_len: int = 4) -> str:
    """A short prefix (never more than a quarter of the value, at most 6) + ``…`` + hash."""
    shown = min(prefix_len, 6, len(value) // 4)
    return f"{value[:shown]}…{value_hash(value)}"


@dataclass(frozen=True, slots=True)
class ScanSettings:
    policy: PlaceholderPolicy = field(default_factory=PlaceholderPolicy)
    min_entropy: float = 3.0


@dataclass(frozen=True, slots=True)
class _Raw:
    rule: RuleMeta
    start: int
    end: int
    value: str
    verdict: Verdict
    prefix_len: int
    priority: int


class Scanner:
    """Holds the compiled detectors; picklable, built once per analyzer instance."""

    def __init__(self, settings: ScanSettings | None = None) -> None:
        self.settings = settings or ScanSettings()
        builtin = provider_detectors()
        cut = next(i for i, d in enumerate(builtin) if d.rule is rules.PASSWORD_URL)
        # most specific first: checksummed/builtin providers, the table, then URL and CLI passwords
        self.detectors: tuple[Detector, ...] = (
            *builtin[:cut],
            *table_detectors(),
            *builtin[cut:],
            *cli_detectors(),
        )
        # generic keywords are common words: a plain ``in`` each is cheaper than automaton hits
        self.index = KeywordIndex(kw for d in self.detectors for kw in d.keywords if kw not in KEYWORDS)
        self.always = tuple(i for i, d in enumerate(self.detectors) if not d.keywords)
        self.by_keyword: dict[str, tuple[int, ...]] = {}
        for i, det in enumerate(self.detectors):
            for kw in det.keywords:
                self.by_keyword[kw] = (*self.by_keyword.get(kw, ()), i)
        self.plain = tuple(kw for kw in self.by_keyword if kw not in self.index.keywords)

    def _runnable(self, lowered: str, present: set[str]) -> list[int]:
        """Detectors to run on this text, in priority order: those without keywords, and those
        with a keyword the text holds (the set is built from the few keywords found, so the
        cost does not grow with the number of providers)."""
        chosen = set(self.always)
        for kw in present:
            chosen.update(self.by_keyword.get(kw, ()))
        for kw in self.plain:
            if kw in lowered:
                chosen.update(self.by_keyword[kw])
        return sorted(chosen)

    def scan(self, text: str, language: str = "text") -> list[SecretMatch]:
        lowered = text.lower()
        ctx = ScanContext(text, language, self.settings.policy, self.settings.min_entropy)
        raws: list[_Raw] = []
        rejected: list[tuple[int, int]] = []
        present = self.index.present(lowered)
        seen: dict[str, bool] = {}

        def has(keyword: str) -> bool:  # each keyword costs at most one substring search per file
            found = seen.get(keyword)
            if found is None:
                found = seen[keyword] = keyword in lowered
            return found

        lines = _KeywordLines(text, lowered)
        for priority in self._runnable(lowered, present):
            det = self.detectors[priority]
            spans = lines.of(det.keywords) if det.line_scoped else ((0, len(text)),)
            for m in (m for lo, hi in spans for m in det.pattern.finditer(text, lo, hi)):
                if det.boundary and _after_word(text, m.start()):
                    continue
                span = (m.start("secret"), m.end("secret"))
                verdict = None if _shown_as_sample(lowered, span[0]) else det.validate(m, ctx)
                if verdict is None:
                    if det.veto:
                        rejected.append(span)
                else:
                    raws.append(_Raw(det.rule, *span, m.group("secret"), verdict, det.prefix_len, priority))
                    raws.extend(_companion(text, verdict, priority))
        settings = self.settings
        generic = find_generic(text, lowered, has, language, settings.policy, settings.min_entropy)
        for hit in generic:
            if not any(s < hit.end and hit.start < e for s, e in rejected):
                conf = Confidence.MEDIUM if hit.entropy >= 3.5 else Confidence.LOW
                verdict = Verdict("entropy", confidence=conf)
                last = len(self.detectors)
                raws.append(_Raw(rules.GENERIC, hit.start, hit.end, hit.value, verdict, 2, last))
        return _materialise(text, _resolve_overlaps(raws))


class _KeywordLines:
    """The lines holding a keyword, found once per keyword and file (line-scoped detectors match
    only those, so a case-insensitive or literal-less pattern never scans the whole file)."""

    def __init__(self, text: str, lowered: str) -> None:
        self.text, self.lowered = text, lowered
        self.cache: dict[str, set[int]] = {}

    def _starts(self, keyword: str) -> set[int]:
        starts = self.cache.get(keyword)
        if starts is None:
            starts = set()
            pos = self.lowered.find(keyword)
            while pos >= 0:
                line = self.lowered.rfind("\n", 0, pos) + 1
                starts.add(line)
                nxt = self.lowered.find("\n", pos)
                pos = -1 if nxt < 0 else self.lowered.find(keyword, nxt)
            self.cache[keyword] = starts
        return starts

    def of(self, keywords: tuple[str, ...]) -> list[tuple[int, int]]:
        starts = set().union(*(self._starts(kw) for kw in keywords))
        out = []
        for start in sorted(starts):
            end = self.text.find("\n", start)
            out.append((start, len(self.text) if end < 0 else end))
        return out


_SAMPLE_LABELS = ("placeholder", "example", "e.g.", "sample")


def _shown_as_sample(lowered: str, start: int) -> bool:
    """A value labelled as a sample just before it on its line (``placeholder: "syt_…"``,
    ``e.g. ghp_…``, ``example_key = …``): UI hints and documentation, not credentials."""
    line_start = lowered.rfind("\n", 0, start) + 1
    before = lowered[max(line_start, start - 32) : start]
    return any(label in before for label in _SAMPLE_LABELS)


def _after_word(text: str, start: int) -> bool:
    return start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_")


def _companion(text: str, verdict: Verdict, priority: int) -> list[_Raw]:
    """The second half of a paired credential (AWS key id + secret) is a secret too."""
    if verdict.companion is None:
        return []
    start, end = verdict.companion
    found = Verdict("paired", Severity.CRITICAL, Confidence.HIGH)
    return [_Raw(rules.AWS_SECRET, start, end, text[start:end], found, 0, priority + 1)]


def _resolve_overlaps(raws: list[_Raw]) -> list[_Raw]:
    """Keep the most specific detector where spans overlap (provider before generic)."""
    kept: list[_Raw] = []
    for raw in sorted(raws, key=lambda r: (r.priority, r.start)):
        if not any(k.start < raw.end and raw.start < k.end for k in kept):
            kept.append(raw)
    return sorted(kept, key=lambda r: r.start)


def _materialise(text: str, raws: list[_Raw]) -> list[SecretMatch]:
    if not raws:
        return []
    line_starts = [0]
    pos = text.find("\n")
    while pos >= 0:
        line_starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    redactions = {r.start: (r.end, redact(r.value, r.prefix_len)) for r in raws}
    out: list[SecretMatch] = []
    reported: set[tuple[int, str]] = set()
    for r in raws:
        line_idx = bisect.bisect_right(line_starts, r.start) - 1
        if (line_idx, r.value) in reported:
            continue  # one finding per secret and line, whatever the number of detectors that fire
        reported.add((line_idx, r.value))
        end_idx = bisect.bisect_right(line_starts, max(r.start, r.end - 1)) - 1
        out.append(
            SecretMatch(
                rule=r.rule,
                start=r.start,
                end=r.end,
                line=line_idx + 1,
                column=r.start - line_starts[line_idx] + 1,
                end_line=end_idx + 1,
                end_column=r.end - line_starts[end_idx] + 1,
                value=r.value,
                redacted=redactions[r.start][1],
                verified=r.verdict.verified,
                severity=r.verdict.severity or r.rule.severity,
                confidence=r.verdict.confidence or r.rule.confidence,
                snippet=_redacted_line(text, line_starts[line_idx], redactions),
            )
        )
    return out


def _redacted_line(text: str, line_start: int, redactions: dict[int, tuple[int, str]]) -> str:
    """The line starting at ``line_start`` with every secret that starts on it replaced."""
    end = text.find("\n", line_start)
    end = len(text) if end < 0 else end
    pieces: list[str] = []
    cursor = line_start
    for start in sorted(s for s in redactions if line_start <= s <= end):  # <=: a body after the header
        if start < cursor:
            continue
        secret_end, token = redactions[start]
        pieces.append(text[cursor:start])
        pieces.append(token)
        cursor = secret_end
        if cursor > end:  # a multi-line value: drop the rest of it
            return ("".join(pieces)).strip()[:300]
    pieces.append(text[cursor:end])
    return "".join(pieces).strip()[:300]
