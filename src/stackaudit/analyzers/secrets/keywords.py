"""Which of the detectors' literal keywords occur in a text: one Aho-Corasick pass for all of them.

About 300 provider keywords (``dop_v1_``, ``sk-ant-``, ``cloudflare`` …) tested one ``in`` at a
time would cost 300 scans of every file; ahocorasick-rs (a maintained Rust automaton, DFA
mode) finds them all in one pass, so adding a provider row costs almost nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from ahocorasick_rs import AhoCorasick, Implementation


@cache
def _automaton(keywords: frozenset[str]) -> AhoCorasick:
    return AhoCorasick(sorted(keywords), implementation=Implementation.DFA)


class KeywordIndex:
    """Built once per scanner (the automaton is cached per process and never pickled)."""

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
        return set(_automaton(self.keywords).find_matches_as_strings(lowered, overlapping=True))
