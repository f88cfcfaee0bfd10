"""Score secret detection on the labelled corpus: precision, recall and F1.

Ours per detector and overall, and detect-secrets (the usual choice) side by side.
A prediction is a true positive when a labelled secret sits on the same file and
line; per-detector numbers use the labelled rule for hits and misses and the
predicted rule for false alarms.

Run: .venv/bin/python tests/analyzers/secrets/secrets_scorer.py
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"

Key = tuple[str, int]


@dataclass(frozen=True, slots=True)
class Scores:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def row(self, name: str) -> str:
        return (
            f"{name:34s} tp={self.tp:3d} fp={self.fp:3d} fn={self.fn:3d}  "
            f"P={self.precision:.2f} R={self.recall:.2f} F1={self.f1:.2f}"
        )


def load_labels(corpus: Path = CORPUS) -> dict[Key, str]:
    data = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    return {(item["file"], int(item["line"])): item["rule"] for item in data["labels"]}


def corpus_files(corpus: Path = CORPUS) -> list[Path]:
    return sorted(
        p
        for p in corpus.rglob("*")
        if p.is_file() and p.name != "labels.json" and ".ruff_cache" not in p.parts
    )


def our_predictions(corpus: Path = CORPUS) -> dict[Key, str]:
    from stackaudit.analyzers.secrets.scanner import Scanner
    from stackaudit.discovery.languages import language_of

    scanner = Scanner()
    out: dict[Key, str] = {}
    for path in corpus_files(corpus):
        rel = path.relative_to(corpus).as_posix()
        for m in scanner.scan(path.read_text(encoding="utf-8"), language_of(rel)):
            out.setdefault((rel, m.line), m.rule.id)
    return out


def detect_secrets_predictions(corpus: Path = CORPUS) -> dict[Key, str] | None:
    exe = shutil.which("detect-secrets", path=str(Path(sys.executable).parent)) or shutil.which(
        "detect-secrets"
    )
    if exe is None:
        return None
    proc = subprocess.run(
        [exe, "scan", "--all-files", "."], cwd=corpus, capture_output=True, text=True, timeout=300, check=True
    )
    results = json.loads(proc.stdout)["results"]
    return {
        (f, int(hit["line_number"])): hit["type"]
        for f, hits in results.items()
        for hit in hits
        if f != "labels.json"
    }


def overall(labels: dict[Key, str], preds: dict[Key, str]) -> Scores:
    tp = len(labels.keys() & preds.keys())
    return Scores(tp, len(preds.keys() - labels.keys()), len(labels.keys() - preds.keys()))


def per_rule(labels: dict[Key, str], preds: dict[Key, str]) -> dict[str, Scores]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for key, rule in labels.items():
        (tp if key in preds else fn)[rule] += 1
    for key, rule in preds.items():
        if key not in labels:
            fp[rule] += 1
    return {r: Scores(tp[r], fp[r], fn[r]) for r in sorted({*tp, *fp, *fn})}


def report(labels: dict[Key, str], preds: dict[Key, str], title: str, detail: bool) -> str:
    lines = [f"== {title} =="]
    if detail:
        lines += [s.row(r) for r, s in per_rule(labels, preds).items()]
    lines.append(overall(labels, preds).row("OVERALL"))
    return "\n".join(lines)


def main() -> int:
    labels = load_labels()
    print(f"corpus: {len(corpus_files())} files, {len(labels)} labelled secrets")
    ours = our_predictions()
    print(report(labels, ours, "stackaudit secrets", detail=True))
    theirs = detect_secrets_predictions()
    if theirs is None:
        print("detect-secrets: not installed")
    else:
        print(report(labels, theirs, "detect-secrets scan --all-files", detail=False))
    for key in sorted(ours.keys() - labels.keys()):
        print("  FP", key, ours[key])
    for key in sorted(labels.keys() - ours.keys()):
        print("  FN", key, labels[key])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
