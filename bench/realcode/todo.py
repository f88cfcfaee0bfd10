"""Write, per app, the sampled findings that still need a label, with the code around each.

Output (in the cache): ``todo/<app>.txt`` to read, and ``todo/<app>.skeleton.jsonl`` with the
key fields filled and ``verdict``/``reason`` empty, to complete and append to ``labels/<app>.jsonl``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .common import App, app_source, finding_key, load_findings, result_file
from .labels import load_labels, sample


def _context(source: Path, finding: dict[str, Any], lines: int) -> str:
    loc = finding["location"]
    try:
        text = (source / loc["path"]).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return "    (file not readable)"
    first = max(1, int(loc["line"]) - lines)
    last = min(len(text), int(loc.get("end_line") or loc["line"]) + lines)
    marks = range(int(loc["line"]), int(loc.get("end_line") or loc["line"]) + 1)
    return "\n".join(
        f"  {'>' if n in marks else ' '}{n:5} {text[n - 1][:160]}" for n in range(first, last + 1)
    )


def _describe(index: int, kind: str, finding: dict[str, Any], source: Path, lines: int) -> str:
    loc = finding["location"]
    props = {p["name"]: p["value"] for p in finding.get("properties", [])}
    origin = f" origin={props.get('origin')} ({props.get('origin_reason', '')})" if "origin" in props else ""
    head = (
        f"[{index}] {kind} score={finding['score']['value']} {finding['rule_id']} {finding['severity']} "
        f"ctx={finding.get('context')} {loc['path']}:{loc['line']} sym={loc.get('symbol')}{origin}\n"
        f"    msg: {finding['message'][:300]}\n"
    )
    trace = "".join(
        f"    trace {s['kind']}: {s['note']} @{s['location']['line']}\n" for s in finding.get("trace", [])
    )
    return head + trace + _context(source, finding, lines) + "\n"


def write_todo(apps: list[App], cache: Path, lines: int) -> int:
    for app in apps:
        report = result_file(cache, app)
        if not report.exists():
            print(f"{app.name}: no report; run `run` first")
            continue
        findings = load_findings(report)
        labels = load_labels(app.name)
        top, drawn = sample(findings)
        out_dir = cache / "todo"
        out_dir.mkdir(parents=True, exist_ok=True)
        text: list[str] = []
        skeleton: list[str] = []
        pending = [("top", f) for f in top] + [("random", f) for f in drawn]
        for index, (kind, finding) in enumerate(pending):
            if finding_key(finding) in labels:
                continue
            text.append(_describe(index, kind, finding, app_source(cache, app), lines))
            rule, path, code = finding_key(finding)
            entry = {"i": index, "rule": rule, "path": path, "code": code, "verdict": "", "reason": ""}
            skeleton.append(json.dumps(entry))
        (out_dir / f"{app.name}.txt").write_text("\n".join(text), encoding="utf-8")
        (out_dir / f"{app.name}.skeleton.jsonl").write_text("\n".join(skeleton) + "\n", encoding="utf-8")
        print(
            f"{app.name:20} {len(skeleton):3} to label of {len(pending)} sampled ({len(findings)} findings)"
        )
    return 0
