"""Run-level notices that change how the whole report must be read.

They start with ``HEADLINE`` so every output can lead with them (the terminal prints them
before the findings; Markdown and HTML put every notice in their header): a report that
silently checked no dependency, or skipped files written for a newer Python, misleads
whoever reads only its top.
"""

from __future__ import annotations

from collections.abc import Sequence

from stackaudit.model import AnalyzerRecord, AnalyzerState

HEADLINE = "Read first: "
# The supply-chain analyzer's skip reason when it had no advisories to match against.
_NO_VULN_DATA = "vulnerability database"
VULNDB_NOTICE_PREFIX = "no vulnerability database"  # how an analyzer says the data is missing


def headline(text: str) -> str:
    return HEADLINE + text


def is_headline(notice: str) -> bool:
    return notice.startswith(HEADLINE)


def vulndb_missing(records: Sequence[AnalyzerRecord], where: str, origin: str) -> str | None:
    """When dependencies went unchecked for lack of data: what to import, and where we looked."""
    skipped = any(r.state == AnalyzerState.SKIPPED and _NO_VULN_DATA in r.reason for r in records)
    if not skipped:
        return None
    return headline(
        f"no vulnerability data in {where} ({origin}): dependencies were NOT checked for known "
        "vulnerabilities. Run `stackaudit db update` (online), or `stackaudit db import PATH` with an "
        "OSV export (all.zip or a folder), then audit again. Set STACKAUDIT_VULNDB to use another store"
    )
