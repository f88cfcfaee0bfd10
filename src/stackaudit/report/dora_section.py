"""The DORA section of an audit's reports, when the config's ``[dora]`` made the audit compute it.

The figures are the ones ``stackaudit dora`` prints (``governance/dora/render.py``), with the
band year beside each band and the definitions beside each metric. Every string from the
repository (tag globs, file names, notes naming tags) is escaped for the format.
"""

from __future__ import annotations

import html as _html
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stackaudit.governance.dora.model import DoraResult

TITLE = "DORA metrics"


def document(result: DoraResult) -> dict[str, Any]:
    from stackaudit.governance.dora.render import document as dora_document

    return dora_document(result)


def markdown(result: DoraResult) -> str:
    from stackaudit.governance.dora.render import to_markdown

    return to_markdown(result).strip()


def html(result: DoraResult) -> str:
    from stackaudit.governance.dora.render import DEFINITIONS_VERSION, definitions, duration

    def h(text: object) -> str:
        return _html.escape(str(text), quote=True)

    year = result.band_year
    defs = definitions(result)

    def band(m: Any, key: str) -> str:
        found = dict(m.bands).get(key)
        return "—" if found is None else f"{found.label} ({year})"

    def cells(m: Any) -> list[str]:
        cfr = "—" if m.change_failure_rate is None else f"{m.change_failure_rate:.1%}"
        return [
            f"{m.deployments} ({m.deploys_per_day:.3g}/day)",
            f"median {duration(m.lead_time_median)}, p90 {duration(m.lead_time_p90)}",
            f"{cfr} ({m.failed_deployments}/{m.deployments})",
            f"median {duration(m.recovery_median)}",
        ]

    keys = list(defs)
    window = "".join(
        f"<tr><td>{h(key.replace('_', ' '))}</td><td>{h(value)}</td><td>{h(band(result.window, key))}</td>"
        f"<td>{h(defs[key])}</td></tr>"
        for key, value in zip(keys, cells(result.window), strict=True)
    )
    months = "".join(
        f"<tr><td>{h(m.label)}</td>"
        + "".join(
            f"<td>{h(value)} · {h(band(m, key))}</td>" for key, value in zip(keys, cells(m), strict=True)
        )
        + "</tr>"
        for m in result.months
    )
    notes = "".join(f"<li>{h(n)}</li>" for n in result.notes)
    return (
        f'<section id="dora"><h2>{TITLE}, {result.since:%Y-%m-%d} → {result.until:%Y-%m-%d}</h2>'
        f"<p>Deployments: {h(result.source)}. Failures: {h(result.failure_source)}. "
        f"Bands: DORA {year} report. Definitions version {h(DEFINITIONS_VERSION)}.</p>"
        "<table><thead><tr><th>Metric</th><th>Window</th><th>Band</th><th>Definition</th></tr></thead>"
        f"<tbody>{window}</tbody></table>"
        "<table><thead><tr><th>Month</th><th>Deployments</th><th>Lead time</th>"
        "<th>Change failure rate</th><th>Recovery</th></tr></thead>"
        f"<tbody>{months}</tbody></table>" + (f"<ul>{notes}</ul>" if notes else "") + "</section>"
    )
