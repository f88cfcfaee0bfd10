"""Recall against the peers' own test inputs: every real problem Bandit or ruff reports, does stackaudit?

Inputs, from the peers' pinned sdists (``[[peer]]`` in ``apps.toml``):
* Bandit's ``examples/*.py`` (the inputs of its functional tests) and Bandit's own package source;
* ruff's sdist does not ship its ``flake8_bandit`` fixture folder, so its inputs are the ``## Example``
  code blocks of the ``flake8_bandit`` rule docs in ``crates/ruff_linter/src/rules/flake8_bandit``
  (the snippet each rule documents as the bad case), and ruff's own Python package source.

They are copied into one neutral tree (``<cache>/peers/tree``), so that no test-path heuristic of
either side hides them. Bandit (``-f json``) and ruff (``--select S --isolated``) run over the tree,
then stackaudit (default settings, fresh store). Each peer finding is judged by a committed label
in ``labels/peers.jsonl``: by tool and code, optionally narrowed to one file and one code line (the
stripped source line); an unlabelled one is counted. A true one counts as found when a stackaudit finding in the same file covers its line.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .common import LABELS_DIR, REPO_ROOT, app_source, load_apps
from .fetch import fetch

PEER_LABELS = LABELS_DIR / "peers.jsonl"
_DOC_BLOCK = re.compile(r"## Example\s*\n(?:///\s*\n)*///\s*```python\n(.*?)///\s*```", re.S)


@dataclass(frozen=True, slots=True)
class PeerFinding:
    tool: str
    code: str
    path: str
    line: int
    text: str


def _doc_examples(rules_dir: Path, out: Path) -> int:
    """Write each documented bad-case example of ruff's flake8_bandit rules as its own file."""
    count = 0
    for source in sorted(rules_dir.glob("*.rs")):
        for index, block in enumerate(_DOC_BLOCK.findall(source.read_text(encoding="utf-8"))):
            code = "\n".join(line.removeprefix("///").removeprefix(" ") for line in block.splitlines())
            (out / f"{source.stem}_{index}.py").write_text(code + "\n", encoding="utf-8")
            count += 1
    return count


def build_tree(cache: Path) -> Path:
    """Copy the peers' inputs into ``<cache>/peers/tree`` (rebuilt each time, small)."""
    peers = {a.name: app_source(cache, a) for a in load_apps(table="peer")}
    tree = cache / "peers" / "tree"
    shutil.rmtree(tree, ignore_errors=True)
    (tree / "ruff_docs").mkdir(parents=True)
    shutil.copytree(peers["bandit"] / "examples", tree / "bandit_examples")
    shutil.copytree(peers["bandit"] / "bandit", tree / "bandit_src")
    shutil.copytree(peers["ruff"] / "python" / "ruff", tree / "ruff_src")
    _doc_examples(peers["ruff"] / "crates/ruff_linter/src/rules/flake8_bandit/rules", tree / "ruff_docs")
    return tree


def _lines(tree: Path, path: str) -> list[str]:
    try:
        return (tree / path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def run_bandit(tree: Path) -> list[PeerFinding]:
    proc = subprocess.run([sys.executable, "-m", "bandit", "-r", "-q", "-f", "json", "."], cwd=tree,
                          capture_output=True, text=True, check=False)  # fmt: skip
    results = json.loads(proc.stdout or "{}").get("results", [])
    out = []
    for r in results:
        path = str(r["filename"]).removeprefix("./")
        text = _lines(tree, path)
        line = int(r["line_number"])
        out.append(
            PeerFinding(
                "bandit", r["test_id"], path, line, text[line - 1].strip() if line <= len(text) else ""
            )
        )
    return out


def run_ruff(tree: Path) -> list[PeerFinding]:
    cmd = [sys.executable, "-m", "ruff", "check", "--isolated", "--select", "S", "--output-format", "json",
           "--exit-zero", "--no-cache", "."]  # fmt: skip
    proc = subprocess.run(cmd, cwd=tree, capture_output=True, text=True, check=False)
    out = []
    for r in json.loads(proc.stdout or "[]"):
        path = os.path.relpath(r["filename"], tree)
        line = int(r["location"]["row"])
        text = _lines(tree, path)
        out.append(
            PeerFinding(
                "ruff", str(r["code"]), path, line, text[line - 1].strip() if line <= len(text) else ""
            )
        )
    return out


def run_stackaudit(tree: Path, out: Path) -> list[dict[str, Any]]:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT / "src"), GIT_CEILING_DIRECTORIES=str(tree.parent))
    with tempfile.TemporaryDirectory(prefix="realcode-peers-") as tmp:
        cmd = [sys.executable, "-m", "stackaudit", "audit", str(tree), "--format", "json", "--output", str(out),
               "--db", f"sqlite:///{tmp}/h.db", "--fail-on", "none"]  # fmt: skip
        subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp, check=False)
    if not out.exists():
        return []
    report = json.loads(out.read_text(encoding="utf-8"))
    # A line the project suppressed (``# nosec``, ``# noqa``) is reported as suppressed: the
    # project's own decision, visible with --show-suppressed, so it counts as found.
    quiet = [{**f, "_suppressed": True} for f in report.get("suppressed", [])]
    return [*report["findings"], *quiet]


def load_peer_labels(path: Path = PEER_LABELS) -> list[dict[str, str]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def verdict_for(finding: PeerFinding, labels: list[dict[str, str]]) -> dict[str, str] | None:
    """The most specific label: tool+code+path+line text, then tool+code+path, then tool+code."""
    ranked: list[tuple[int, dict[str, str]]] = []
    for label in labels:
        if label["tool"] != finding.tool or label["code"] != finding.code:
            continue
        if label.get("path") and label["path"] != finding.path:
            continue
        if label.get("text") and label["text"] != finding.text:
            continue
        ranked.append((bool(label.get("path")) + bool(label.get("text")), label))
    return max(ranked, key=lambda r: r[0])[1] if ranked else None


def stackaudit_match(finding: PeerFinding, ours: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A stackaudit finding whose location, or one of its grouped locations (``related``: one
    finding per root cause lists every place it occurs), is in the same file and covers the
    peer's line."""
    for f in ours:
        for loc in (f["location"], *f.get("related", ())):
            if loc.get("path") != finding.path or loc.get("line") is None:
                continue
            if int(loc["line"]) <= finding.line <= int(loc.get("end_line") or loc["line"]):
                return f
    return None


def _origin(f: dict[str, Any]) -> str:
    if f.get("_suppressed"):
        return "suppressed by the project"
    props = {str(p["name"]): str(p["value"]) for p in f.get("properties", [])}
    return props.get("origin", "-")


def report(
    peer: list[PeerFinding], ours: list[dict[str, Any]], labels: list[dict[str, str]]
) -> dict[str, Any]:
    """Print recall per tool and code; return the figures."""
    per: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])  # true, found, unlabelled
    misses: list[str] = []
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for finding in peer:
        label = verdict_for(finding, labels)
        row = per[(finding.tool, finding.code)]
        if label is None:
            row[2] += 1
            continue
        if label["verdict"] != "true":
            continue
        row[0] += 1
        totals[finding.tool][0] += 1
        match = stackaudit_match(finding, ours)
        if match:
            row[1] += 1
            totals[finding.tool][1] += 1
        else:
            misses.append(
                f"  {finding.tool} {finding.code} {finding.path}:{finding.line}  {finding.text[:90]}"
            )
    print(f"{'tool':7} {'code':7} {'true':>5} {'found':>5} {'recall':>6} {'unlabelled':>10}")
    for (tool, code), (true, found, unl) in sorted(per.items()):
        recall = f"{found / true:.2f}" if true else "-"
        print(f"{tool:7} {code:7} {true:5} {found:5} {recall:>6} {unl:10}")
    figures = {
        t: {"true": v[0], "found": v[1], "recall": (v[1] / v[0]) if v[0] else None} for t, v in totals.items()
    }
    for tool, fig in sorted(figures.items()):
        print(
            f"recall vs {tool}: {fig['found']}/{fig['true']} = {fig['recall']:.2f}"
            if fig["recall"] is not None
            else tool
        )
    origins: dict[str, int] = defaultdict(int)
    for finding in peer:
        label = verdict_for(finding, labels)
        match = stackaudit_match(finding, ours) if label and label["verdict"] == "true" else None
        if match:
            origins[_origin(match)] += 1
    print("origin of the matching stackaudit findings:", dict(origins))
    print(f"missed ({len(misses)}):")
    print("\n".join(misses) or "  (none)")
    return figures


def run_peers(cache: Path, *, fetch_first: bool) -> int:
    if fetch_first and fetch(load_apps(table="peer"), cache):
        return 1
    tree = build_tree(cache)
    peer = run_bandit(tree) + run_ruff(tree)
    ours = run_stackaudit(tree, cache / "peers" / "stackaudit.json")
    print(f"peer findings: {len(peer)} (bandit {sum(p.tool == 'bandit' for p in peer)}, "
          f"ruff {sum(p.tool == 'ruff' for p in peer)}); stackaudit findings: {len(ours)}")  # fmt: skip
    dump = cache / "peers" / "peer_findings.jsonl"
    dump.write_text("".join(json.dumps(_as_dict(p)) + "\n" for p in peer), encoding="utf-8")
    report(peer, ours, load_peer_labels())
    return 0


def _as_dict(p: PeerFinding) -> dict[str, Any]:
    return {"tool": p.tool, "code": p.code, "path": p.path, "line": p.line, "text": p.text}
