"""The ``score`` command: read the reports and labels, print the tables, diff with the last run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .common import SUMMARY_FILE, App, load_findings, meta_file, result_file
from .labels import load_labels
from .score import AppScore, Precision, movement, overall, pooled_groups, score_app, top20_false_by_rule


def _p(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _app_rows(scores: list[AppScore]) -> list[list[str]]:
    rows = []
    for s in scores:
        rows.append([s.name, s.half, str(s.findings), str(s.prod), str(s.test), str(s.test_by_context),
                     _p(s.top5.value), _p(s.top20.value), _p(s.top20.strict), str(s.top20.unlabelled),
                     _p(s.security_prod.value), s.sampled.text()])  # fmt: skip
    for half in ("judge", "build"):
        part = [s for s in scores if s.half == half]
        if part:
            rows.append(_overall_row(overall(part, f"all {half}")))
    rows.append(_overall_row(overall(scores)))
    return rows


def _overall_row(o: dict[str, Any]) -> list[str]:
    return [o["name"], "", str(o["findings"]), str(o["prod"]), str(o["test"]), "", _p(o["top5"]),
            _p(o["top20"]), "", str(o["unlabelled_top20"]), _p(o["security_prod"]), ""]  # fmt: skip


HEADERS = ["app", "half", "findings", "prod", "test", "test(ctx)", "top-5", "top-20", "top-20 strict",
           "unlabelled top-20", "sec prod", "all labelled (n)"]  # fmt: skip


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def _markdown(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _groups(title: str, groups: dict[str, Precision]) -> str:
    rows = [[name, _p(p.value), _p(p.strict), str(p.labelled), str(p.debatable)]
            for name, p in sorted(groups.items(), key=lambda kv: (kv[1].value or 0.0, -kv[1].labelled))]  # fmt: skip
    return f"\n{title}\n" + _table(["name", "precision", "strict", "labelled", "debatable"], rows)


def score_command(
    apps: list[App], cache: Path, *, markdown: bool, save: bool, summary_file: Path = SUMMARY_FILE
) -> int:
    scores: list[AppScore] = []
    for app in apps:
        report = result_file(cache, app)
        if not report.exists():
            print(f"{app.name}: no report in {report.parent}; run `run` first")
            continue
        scores.append(score_app(app.name, app.half, load_findings(report), load_labels(app.name)))
    if not scores:
        return 1
    rows = _app_rows(scores)
    print("precision: debatable counts 0.5 (strict: 0); unlabelled findings are left out and counted.")
    print(_table(HEADERS, rows))
    print(_groups("per category (labelled findings of every app)", pooled_groups(scores, "category")))
    print(_groups("per rule (labelled findings of every app)", pooled_groups(scores, "rule")))
    noise = [[r, str(f), str(n)] for r, f, n in top20_false_by_rule(scores) if f]
    print("\nfalse positives in the top 20 of every app, by rule")
    print(_table(["rule", "false", "in top 20"], noise) if noise else "(none)")
    current = {s.name: s.summary() for s in scores}
    current["overall"] = {k: v for k, v in overall(scores).items() if k != "name"}
    previous = json.loads(summary_file.read_text(encoding="utf-8")) if summary_file.exists() else {}
    print("\nmovement since the last scored run:")
    print("\n".join(movement(current, previous.get("apps", {}))) or "(none)")
    if markdown:
        print("\n" + _markdown(HEADERS, rows))
    if save:
        record = {"apps": current, "stackaudit_commits": sorted({_commit_of(cache, app) for app in apps})}
        summary_file.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"\nsaved {summary_file.name}")
    return 0


def _commit_of(cache: Path, app: App) -> str:
    """The stackaudit commit that produced the app's report (from the run's meta file)."""
    try:
        return str(json.loads(meta_file(cache, app).read_text(encoding="utf-8"))["stackaudit_commit"])
    except (OSError, ValueError, KeyError):
        return "unknown"
