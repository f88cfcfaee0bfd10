"""Secrets accuracy on cases written by other tools' authors, not by us: precision, recall, F1.

Labels come from the expectations those tools ship in their PyPI source distributions:

* ggshield (GitGuardian's CLI, MIT): its recorded API cassettes pair each scanned document with
  GitGuardian's own answer (``policy_breaks`` with the matched values). A line holding a matched
  secret (not a host, port or user name) is positive; every other line of those documents is negative.
* secret-scanner-cl 1.1.0 and secret-scanner-cli 1.0.0 (MIT): their pytest files say which
  strings a detector must match (``assert X.search(s)``, ``assert any(...)``) and which it must
  not (``assert not ...``, ``len(findings) == 0``). Tests of file walking, masking, reports and
  fingerprints carry no content label and are skipped.

detect-secrets, whispers, trufflehog3 and credentialdigger ship no tests in their sdists (checked:
no ``test`` path in any of them), so they give no labels; detect-secrets is still scored side by side.

Cases are split in two halves by a hash of their id: rules were tuned looking at the ``tune`` half
only; the ``held-out`` half is the figure to quote. Sources are downloaded into a git-ignored cache
(``--cache``, default /work/cache/secrets-eval) and never committed.

Run: .venv/bin/python bench/secrets_independent.py [--show-misses] [--half tune|held-out|all]
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

SDISTS = ("ggshield==1.56.1", "secret-scanner-cl==1.1.0", "secret-scanner-cli==1.0.0")
SECRET_MATCH_TYPES = {"apikey", "password", "client_secret", "secret", "token", "private_key", "secret_key"}
_NOT_CONTENT = (
    "mask",
    "fingerprint",
    "baseline",
    "report",
    "config",
    "binary",
    "missing",
    "skip",
    "director",
    "line_number",
    "expected_keys",
    "exclude",
    "allowlist",
    "verbose",
    "empty",
    "custom_file_path",
    "recursive",
    "scan_time",
    "total_rules",
    "unique_ids",
    "compiled",
    "have_fields",
    "text_file",
    "comment_skipped",  # a tool option (include_comments=False), not a property of the text
)


@dataclass(frozen=True, slots=True)
class Case:
    """A document; ``positive`` lines hold a secret (None: anywhere in a one-snippet positive case)."""

    id: str
    source: str
    filename: str
    text: str
    positive: frozenset[int] | None
    expect_secret: bool

    @property
    def half(self) -> str:
        return "tune" if int(hashlib.sha256(self.id.encode()).hexdigest(), 16) % 2 == 0 else "held-out"


def fetch(cache: Path) -> Path:
    """Download and unpack the sdists once."""
    src = cache / "src"
    for spec in SDISTS:
        name, version = spec.split("==")
        stem = f"{name.replace('-', '_')}-{version}"
        if (src / stem).exists() or (src / f"{name}-{version}").exists():
            continue
        dl = cache / "sdists"
        pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:"]
        subprocess.run([*pip, spec, "-d", str(dl)], check=True)
        for archive in dl.glob(f"{stem}.tar.gz"):
            with tarfile.open(archive) as tar:
                tar.extractall(src, filter="data")
    return src


def ggshield_cases(root: Path) -> Iterator[Case]:
    seen: set[str] = set()
    for cassette in sorted((root / "tests/unit/cassettes").glob("*.yaml")):
        data = yaml.safe_load(cassette.read_text(encoding="utf-8"))
        for interaction in data.get("interactions", []):
            uri, body = interaction["request"]["uri"], interaction["request"]["body"]
            if "scan" not in uri or "hmsl" in uri or not body:
                continue
            docs, answers = json.loads(body), json.loads(interaction["response"]["body"]["string"])
            docs, answers = (docs if isinstance(docs, list) else [docs]), answers
            answers = answers if isinstance(answers, list) else [answers]
            for doc, answer in zip(docs, answers, strict=False):
                text = doc["document"]
                if text in seen:
                    continue
                seen.add(text)
                lines = _matched_lines(text, answer)
                name = Path(doc.get("filename", "doc")).name or "doc"
                yield Case(f"ggshield:{cassette.stem}:{name}", "ggshield", name, text, lines, bool(lines))


def _matched_lines(text: str, answer: dict[str, object]) -> frozenset[int]:
    lines: set[int] = set()
    for brk in answer.get("policy_breaks", []):  # type: ignore[attr-defined]
        for match in brk.get("matches", []):
            if match.get("type") not in SECRET_MATCH_TYPES:
                continue
            pos = text.find(match["match"][:40])
            if pos >= 0:
                lines.add(text.count("\n", 0, pos) + 1)
    return frozenset(lines)


class _Eval:
    """Evaluate the string expressions of a test file (constants, +, *, f-strings, names)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def __call__(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return self.env.get(node.id)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            return self.env.get(node.attr)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self(node.left), self(node.right)
            return left + right if left is not None and right is not None else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            left = self(node.left)
            if (
                left is not None
                and isinstance(node.right, ast.Constant)
                and isinstance(node.right.value, int)
            ):
                return left * node.right.value
            return None
        if isinstance(node, ast.JoinedStr):
            parts = [self(v.value if isinstance(v, ast.FormattedValue) else v) for v in node.values]
            return "".join(p for p in parts if p is not None) if all(p is not None for p in parts) else None
        return None


def _assigns(body: list[ast.stmt], env: dict[str, str]) -> None:
    evaluate = _Eval(env)
    for stmt in body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            value = evaluate(stmt.value)
            if value is not None:
                env[stmt.targets[0].id] = value


def _snippets(func: ast.FunctionDef, env: dict[str, str]) -> list[str]:
    local = dict(env)
    _assigns(func.body, local)
    evaluate = _Eval(local)
    out: list[str] = []
    for node in ast.walk(func):
        if not isinstance(node, ast.Call):
            continue
        callee = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        args: list[ast.expr] = []
        if callee in {"search", "scan_content", "write_text"}:
            args = node.args[:1]
        elif callee == "write_file" and len(node.args) >= 3:
            args = node.args[2:3]
        out.extend(v for v in map(evaluate, args) if v)
    return out


def _polarity(func: ast.FunctionDef) -> bool | None:
    """True: the text must be reported; False: it must not; None: no content assertion."""
    asserts = [n for n in ast.walk(func) if isinstance(n, ast.Assert)]
    if not asserts:
        return None
    for a in asserts:
        test = a.test
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return False
        if isinstance(test, ast.Compare) and any(
            (isinstance(c, ast.Constant) and c.value == 0) or (isinstance(c, ast.List) and not c.elts)
            for c in test.comparators
        ):
            return False
    return True


_QUOTED_OR_TOKEN = re.compile(r"[\"']|[A-Za-z0-9_\-+/]{16,}")


def pytest_cases(root: Path, source: str) -> Iterator[Case]:
    for path in sorted((root / "tests").glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        env: dict[str, str] = {}
        _assigns(tree.body, env)
        funcs: list[tuple[str, ast.FunctionDef, dict[str, str]]] = []
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                cenv = dict(env)
                _assigns(node.body, cenv)
                funcs += [(node.name, f, cenv) for f in node.body if isinstance(f, ast.FunctionDef)]
            elif isinstance(node, ast.FunctionDef):
                funcs.append(("", node, env))
        for cls, func, fenv in funcs:
            if not func.name.startswith("test_") or any(w in func.name for w in _NOT_CONTENT):
                continue
            polarity = _polarity(func)
            snippets = _snippets(func, fenv)
            if (
                polarity and len(snippets) > 1
            ):  # a secret file next to a clean one: only the first is labelled
                snippets = [t for t in snippets if _QUOTED_OR_TOKEN.search(t)]
            for i, text in enumerate(snippets):
                if polarity is not None and text.strip():
                    case_id = f"{source}:{path.stem}:{cls}.{func.name}:{i}"
                    yield Case(case_id, source, "test.py", text, None, polarity)


def all_cases(src: Path) -> list[Case]:
    cases = list(ggshield_cases(src / "ggshield-1.56.1"))
    cases += pytest_cases(src / "secret_scanner_cl-1.1.0", "secret-scanner-cl")
    cases += pytest_cases(src / "secret_scanner_cli-1.0.0", "secret-scanner-cli")
    unique: dict[tuple[str, bool], Case] = {}
    for case in cases:  # the same text asserted twice is one case (a conflict keeps both)
        unique.setdefault((case.text, case.expect_secret), case)
    return list(unique.values())


Predictions = dict[str, set[int]]  # case id -> reported lines


def ours(cases: list[Case]) -> Predictions:
    from stackaudit.analyzers.secrets.scanner import Scanner
    from stackaudit.discovery.languages import language_of

    scanner = Scanner()
    return {c.id: {m.line for m in scanner.scan(c.text, language_of(c.filename))} for c in cases}


def detect_secrets(cases: list[Case]) -> Predictions | None:
    exe = shutil.which("detect-secrets", path=str(Path(sys.executable).parent)) or shutil.which(
        "detect-secrets"
    )
    if exe is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        names = {}
        for n, case in enumerate(cases):
            rel = f"c{n}/{case.filename}"
            (Path(tmp) / rel).parent.mkdir(parents=True)
            (Path(tmp) / rel).write_text(case.text, encoding="utf-8")
            names[rel] = case.id
        proc = subprocess.run(
            [exe, "scan", "--all-files", "."],
            cwd=tmp,
            capture_output=True,
            text=True,
            check=True,
            timeout=900,
        )
    out: Predictions = {c.id: set() for c in cases}
    for rel, hits in json.loads(proc.stdout)["results"].items():
        out[names[rel]] |= {int(h["line_number"]) for h in hits}
    return out


@dataclass(frozen=True, slots=True)
class Score:
    tp: int
    fp: int
    fn: int

    def row(self, name: str) -> str:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        return f"{name:28s} tp={self.tp:3d} fp={self.fp:3d} fn={self.fn:3d}  P={p:.2f} R={r:.2f} F1={f1:.2f}"


def outcome(case: Case, lines: set[int]) -> tuple[int, int, int]:
    """(tp, fp, fn) of one case: line-level where the labels name lines, case-level otherwise."""
    if case.positive is None:
        if case.expect_secret:
            return (1, 0, 0) if lines else (0, 0, 1)
        return (0, 1, 0) if lines else (0, 0, 0)
    return len(lines & case.positive), len(lines - case.positive), len(case.positive - lines)


def score(cases: list[Case], preds: Predictions) -> Score:
    totals = [outcome(c, preds[c.id]) for c in cases]
    return Score(*(sum(t[i] for t in totals) for i in range(3)))


_TOKEN = re.compile(r"[^\s\"'=:,;()@/]{6,}")


def why_missed(case: Case) -> str:
    """Which documented policy rejects a missed case (docs/secrets.md), so disagreements are visible."""
    from stackaudit.analyzers.secrets.placeholders import PlaceholderPolicy

    policy = PlaceholderPolicy()
    values = [v for v in _TOKEN.findall(case.text) if not v.startswith("-----")]
    if "PRIVATE KEY-----" in case.text and not re.search(r"[A-Za-z0-9+/]{64}", case.text):
        return "key header without a key body"
    if "eyJzdWIiOiIxMjM0NTY3ODkw" in case.text:
        return "the jwt.io sample token (sub 1234567890)"
    if any(policy.is_placeholder(v) for v in values):
        return "placeholder by policy (EXAMPLE, xxxx, 123456/abcdef runs, 'secret123', 'password')"
    if all(len(v) < 8 for v in values):
        return "value shorter than 8 characters"
    return "other"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cache", type=Path, default=Path("/work/cache/secrets-eval"))
    parser.add_argument("--half", choices=("tune", "held-out", "all"), default="held-out")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--no-detect-secrets", action="store_true")
    args = parser.parse_args()
    cases = all_cases(fetch(args.cache))
    chosen = [c for c in cases if args.half == "all" or c.half == args.half]
    positives = sum(c.expect_secret for c in chosen)
    print(
        f"{len(cases)} cases ({sum(c.half == 'tune' for c in cases)} tune / "
        f"{sum(c.half == 'held-out' for c in cases)} held-out); scoring {args.half}: "
        f"{len(chosen)} cases, {positives} with a secret"
    )
    mine = ours(chosen)
    for source in sorted({c.source for c in chosen}):
        print(score([c for c in chosen if c.source == source], mine).row(f"  stackaudit / {source}"))
    print(score(chosen, mine).row("stackaudit secrets"))
    theirs = None if args.no_detect_secrets else detect_secrets(chosen)
    if theirs is None:
        print("detect-secrets: not run")
    else:
        for source in sorted({c.source for c in chosen}):
            sub = [c for c in chosen if c.source == source]
            print(score(sub, theirs).row(f"  detect-secrets / {source}"))
        print(score(chosen, theirs).row("detect-secrets 1.x"))
    reasons = Counter(why_missed(c) for c in chosen if outcome(c, mine[c.id])[2])
    for reason, count in reasons.most_common():
        print(f"  missed {count:2d}: {reason}")
    if args.show_misses:
        for case in chosen:
            _tp, fp, fn = outcome(case, mine[case.id])
            if fp or fn:
                kind = "FP" if fp else "FN"
                print(f"  {kind} {case.id}: {case.text.strip()[:90]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
