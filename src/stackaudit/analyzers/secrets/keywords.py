"""Which of the detectors' literal keywords occur in a text: one Aho-Corasick pass for all of them.

About 250 provider keywords (``dop_v1_``, ``sk-ant-``, ``cloudflare`` …) tested one ``in`` at a
time would cost 250 scans of every file; pyahocorasick (a maintained C automaton) finds them
all in one pass, so adding a provider row costs almost nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

import ahocorasick  # type: ignore[import-not-found]


@cache
def _automaton(keywords: frozenset[str]) -> Any:
    automaton = ahocorasick.Automaton()
    for kw in keywords:
        automaton.add_word(kw, kw)
    automaton.make_automaton()
    return automaton


class KeywordIndex:
    """Built once per scanner (the automaton itself is cached per process, never pickled)."""

    def __init__(self, keywords: Iterable[str]) -> None:
        self.keywords = frozenset(kw for kw in keywords if kw)

    def __getstate__(self) -> frozenset[str]:
        return self.keywords

    def __setstate__(self, state: frozenset[str]) -> None:
        self.keywords = state

    def present(self, lowered: str) -> set[str]:
        """The keywords that occur in ``lowered`` (a lower-cased text)."""
        if not self.keywords:
            return set()
        return {kw for _, kw in _automaton(self.keywords).iter(lowered)}
