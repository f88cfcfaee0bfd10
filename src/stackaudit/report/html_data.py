"""The findings of the HTML report as gzipped JSON embedded in the page, written one finding at a time.

The page draws its list from this data with a small script (a page of rows at a time,
details on demand), so 50,000 findings open in a browser in about a second instead
of laying out 50,000 table rows. The JSON is gzipped and base64-encoded (the browser's
own ``DecompressionStream`` unpacks it): a 50,000-finding page is ~3 MB rather than
~40 MB, which is most of the time a browser takes to open it. Base64 holds no ``<``,
``>`` or ``&``, so no repository string can close the element or start markup; every
string is also neutralised (control characters made visible) here and put into the
page only as text (``textContent``) by the script.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import zlib
from collections.abc import Iterable, Mapping
from typing import Any

from stackaudit.model import Assessment, AuditResult, RuleMeta
from stackaudit.report import _common as c

SNIPPET_CHARS = 2_000  # a longer snippet is shortened in the page (the JSON report keeps it whole)
DATA_ID = "report-data"
DETAILS_ID = "report-details"
DATA_TYPE = "application/x-stackaudit+gzip+base64"
_ELEMENT = r'<script type="[^"]*" id="{}">([^<]*)</script>'


class _Packed:
    """A text sink that gzips what it is given and writes it on as base64, chunk by chunk."""

    BATCH = 1 << 18  # characters gathered before they go to the compressor

    def __init__(self, out: Any) -> None:
        self.out = out
        self.zip = zlib.compressobj(6, zlib.DEFLATED, 31)
        self.rest = b""
        self.pending: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        self.pending.append(text)
        self.size += len(text)
        if self.size >= self.BATCH:
            self._drain()

    def _drain(self) -> None:
        self._emit(self.zip.compress("".join(self.pending).encode("utf-8")))
        self.pending, self.size = [], 0

    def _emit(self, data: bytes, final: bool = False) -> None:
        data = self.rest + data
        cut = len(data) if final else len(data) // 3 * 3  # base64 works on 3-byte groups
        if cut:
            self.out.write(base64.b64encode(data[:cut]).decode("ascii") + "\n")
        self.rest = data[cut:]

    def close(self) -> None:
        self._drain()
        self._emit(self.zip.flush(), final=True)


def read(page: str, ident: str = DATA_ID) -> Any:
    """The data embedded in a rendered page (for tests and tools)."""
    match = re.search(_ELEMENT.format(ident), page)
    if match is None:
        raise ValueError("no report data in this page")
    return json.loads(gzip.decompress(base64.b64decode(match.group(1))))


def embed(value: Any) -> str:
    """JSON that is inert inside ``<script type="application/json">``: no ``<``, ``>`` or ``&``."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def t(text: str) -> str:
    """A repository string made safe to show as text: control characters visible."""
    return c.neutralise(text)


def _why(item: Assessment) -> list[list[Any]]:
    return [
        [name, c.num(value), [t(r) for r in reasons]] for name, value, reasons in c.score_factors(item.score)
    ]


def _facts(item: Assessment) -> list[list[str]]:
    f = item.finding
    facts = [["fingerprint", f.fingerprint], ["tool", t(f.tool)], ["confidence", f.confidence.label]]
    facts += [["context", f.context.value]]
    facts += [["endpoint", t(f.endpoint)]] if f.endpoint else []
    facts += [["journey", t(f.prop("journey") or "")]] if f.prop("journey") else []
    facts += [["symbol", t(f.location.symbol)]] if f.location.symbol else []
    facts += [["CWE", ", ".join(f"CWE-{n}" for n in f.cwe)]] if f.cwe else []
    if item.owner:
        facts.append(["owner", t(item.owner) + (f" ({t(item.owner_source)})" if item.owner_source else "")])
    facts.append(["first seen", f"{item.first_seen.date().isoformat()} ({item.age_days} days)"])
    facts += [["related", ", ".join(t(str(r)) for r in f.related)]] if f.related else []
    if f.vulnerability is not None:
        facts.append(["vulnerability", t(c.vulnerability_text(f.vulnerability))])
    facts += [["fix", t(f.fix)]] if f.fix else []
    facts += [["suppression", t(item.suppression)]] if item.suppression else []
    return facts


def row_data(rank: int, item: Assessment, hidden: bool) -> dict[str, Any]:
    """What a row shows and the filter searches (short keys: this is repeated 50,000 times)."""
    f = item.finding
    out: dict[str, Any] = {
        "n": rank,
        "s": item.score.value,
        "v": int(f.severity),
        "c": f.category.value,
        "i": t(f.rule_id),
        "l": t(c.location_text(f)),
        "o": t(item.owner or ""),
        "a": item.age_days,
        "st": item.status.value,
        "m": t(f.message or f.rule_id),
    }
    if f.endpoint:
        out["e"] = t(f.endpoint)
    if f.vulnerability is not None:
        out["u"] = t(f"{f.vulnerability.package} {f.vulnerability.version} {f.vulnerability.id}")
    if hidden:
        out["h"] = 1
    return out


def detail_data(item: Assessment) -> dict[str, Any]:
    """What a finding's details show; read by the page only when a reader opens one."""
    f = item.finding
    out: dict[str, Any] = {"w": _why(item), "f": _facts(item)}
    if f.snippet:
        out["p"] = t(c.clip(f.snippet, SNIPPET_CHARS))
    if f.trace:
        out["tr"] = [[t(s.kind), t(str(s.location)), t(s.note)] for s in f.trace]
    if item.evidence:
        out["ev"] = [
            f"{t(e.kind.value)}{' on ' + t(e.endpoint) if e.endpoint else ''} "
            f"({e.recorded_at.date().isoformat()}): {t(e.summary)}"
            for e in item.evidence
        ]
    return out


def rules_data(result: AuditResult, rules: Mapping[str, RuleMeta]) -> dict[str, list[str]]:
    """Rule id -> [title, playbook], once per rule rather than once per finding."""
    out: dict[str, list[str]] = {}
    for item in (*result.findings, *result.suppressed):
        rid = item.finding.rule_id
        if rid not in out:
            meta = rules.get(rid)
            out[t(rid)] = [t(c.rule_title(rules, item.finding)), t(meta.doc) if meta is not None else ""]
    return out


def _write_items(out: Any, items: Iterable[dict[str, Any]]) -> None:
    first = True
    for item in items:
        out.write("\n" if first else ",\n")
        out.write(embed(item))
        first = False


def _element(out: Any, ident: str, head: str, lists: Iterable[Iterable[dict[str, Any]]]) -> None:
    out.write(f'<script type="{DATA_TYPE}" id="{ident}">')
    packed = _Packed(out)
    packed.write("{" + head)
    for name, items in zip(("findings", "suppressed"), lists, strict=True):
        packed.write(f'"{name}":[')
        _write_items(packed, items)
        packed.write("]," if name == "findings" else "]")
    packed.write("}")
    packed.close()
    out.write("</script>\n")


def write(result: AuditResult, rules: Mapping[str, RuleMeta], out: Any) -> None:
    """Two data elements (script elements of a type that never runs): the rows, and the
    details the page unpacks only when a reader opens one."""
    rows = (
        (row_data(rank, item, False) for rank, item in enumerate(result.findings, 1)),
        (row_data(rank, item, True) for rank, item in enumerate(result.suppressed, 1)),
    )
    _element(out, DATA_ID, '"rules":' + embed(rules_data(result, rules)) + ",", rows)
    details = ((detail_data(i) for i in result.findings), (detail_data(i) for i in result.suppressed))
    _element(out, DETAILS_ID, "", details)
