"""Where the value at a sink comes from: confirmed, unconfirmed (and why), or proven safe.

DESIGN.md, "Signal": a flow from a request is *confirmed*; a dangerous sink reached by a
value of unknown origin (a parameter no caller in the repository fills, a database row, a
file, an environment variable, a local script's command line, the result of a call the
analysis cannot follow) is *unconfirmed* but kept, with a one-line reason; only a proof
(a constant, a sanitiser or validation, a fixed URL host, a safe parser or loader)
removes a finding. Database rows and the results of calls the analysis cannot follow are
taints of their own kinds (``STORED``, ``UNKNOWN``), so that a value with no taint at all
is one built from constants and sanitised parts. Those two origins are reported for the
sink classes that are dangerous whatever the input's origin, plus SQL
(``UNKNOWN_ORIGIN_CWES``); elsewhere (a path, a URL, an HTML fragment from the database)
they would bury the confirmed flows.
"""

from __future__ import annotations

from dataclasses import dataclass

from stackaudit.analyzers.taint.values import SourceKind, Taint
from stackaudit.model import Confidence

UNKNOWN_ORIGIN_CWES = frozenset({78, 89, 94, 502, 611})

_NOUN = {
    22: "the path",
    78: "the command",
    79: "the HTML",
    89: "the query",
    90: "the LDAP filter",
    94: "the code",
    113: "the header value",
    501: "the session value",
    502: "the serialised data",
    601: "the redirect target",
    611: "the XML",
    643: "the XPath expression",
    918: "the URL",
}

SAFE_CONFIGURATION = {
    "yaml": "yaml.load with a safe Loader",
    "xml": "the XML parser does not resolve entities",
    "html": "the response is not HTML (JSON, a non-HTML mimetype or an attachment)",
}


def noun(cwe: int) -> str:
    return _NOUN.get(cwe, "the value")


@dataclass(frozen=True, slots=True)
class Origin:
    confirmed: bool
    reason: str
    rank: int  # a better-known origin replaces a worse one found at the same sink (lower wins)

    @property
    def confidence(self) -> Confidence | None:
        """LOW for an unconfirmed origin; None: keep the source's own confidence."""
        return None if self.confirmed else Confidence.LOW


def of_taint(taint: Taint, cwe: int, has_caller: bool = False) -> Origin:
    """The origin of a flow that reached a sink of class ``cwe``."""
    what, note = noun(cwe), taint.origin.note
    kind = taint.kind
    if kind.remote:
        return Origin(True, f"{what} comes from {note}, a request source", 0)
    if kind is SourceKind.CLI:
        return Origin(
            False, f"{what} comes from {note}: input of a local command-line program, not remote", 1
        )
    if kind is SourceKind.ENV:
        return Origin(
            False, f"{what} comes from an environment variable ({note}): deployment configuration", 2
        )
    if kind is SourceKind.FILE:
        return Origin(False, f"{what} comes from the contents of a file", 2)
    if kind is SourceKind.STORED and note != "a database row":
        return Origin(
            False, f"{what} comes from {note}: stored data, not the request's bytes (second order)", 3
        )
    if kind is SourceKind.STORED:
        return Origin(
            False, f"{what} comes from a database row (stored data; who writes it is not traced)", 3
        )
    if kind is SourceKind.UNKNOWN:
        return Origin(False, f"{what} comes from {note}, a call whose result the analysis cannot trace", 6)
    name = note.removeprefix("parameter ")
    func = taint.origin.location.symbol or "?"
    if has_caller:
        reason = f"{what} comes from parameter `{name}` of `{func}()`; no caller passes it a traced source"
        return Origin(False, reason, 5)
    return Origin(
        False, f"{what} comes from parameter `{name}` of `{func}()`, which has no caller in the repository", 4
    )
