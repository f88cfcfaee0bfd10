"""``ci.unsigned-commits``: the share of signed commits in recent history (``%G?``)."""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from stackaudit.analyzers.base import AnalyzerSkipped
from stackaudit.analyzers.ci.common import CheckResult
from stackaudit.analyzers.ci.rules import UNSIGNED_COMMITS
from stackaudit.analyzers.external import _run
from stackaudit.model import Location

# git's %G? letters (git-log(1), "PRETTY FORMATS"). Signed = a signature is present.
SIGNATURE_CODES: dict[str, str] = {
    "G": "good signature",
    "B": "bad signature",
    "U": "good signature, unknown validity",
    "X": "good signature, expired",
    "Y": "good signature made by an expired key",
    "R": "good signature made by a revoked key",
    "E": "signature cannot be checked (e.g. missing key)",
    "N": "no signature",
}
SIGNED = frozenset("GUXYRE")

# The audited repository's own config must not choose the program git runs to verify.
_SAFE_GIT = (
    "-c",
    "gpg.program=gpg",
    "-c",
    "gpg.ssh.program=ssh-keygen",
    "-c",
    "gpg.x509.program=gpgsm",
    "-c",
    "gpg.ssh.allowedSignersFile=/dev/null",
    "-c",
    "log.showSignature=false",
    "-c",
    "core.fsmonitor=false",
)


@dataclass(frozen=True, slots=True)
class SigningStats:
    total: int
    signed: int
    counts: tuple[tuple[str, int], ...]  # letter -> commits, sorted

    @property
    def ratio(self) -> float:
        return self.signed / self.total if self.total else 0.0

    def count(self, letter: str) -> int:
        return dict(self.counts).get(letter, 0)


def parse_signatures(output: str) -> SigningStats:
    """One ``%G?`` letter per line; unknown letters count as unsigned."""
    letters = [line.strip() for line in output.splitlines() if line.strip()]
    counts = Counter(letters)
    signed = sum(n for letter, n in counts.items() if letter in SIGNED)
    return SigningStats(total=len(letters), signed=signed, counts=tuple(sorted(counts.items())))


def git_signatures(root: Path, depth: int, timeout_s: float) -> str:
    """``git log -n DEPTH --format=%G?`` output; raise ``AnalyzerSkipped`` when it cannot run."""
    git = _run.locate("git")
    with tempfile.TemporaryDirectory(prefix="stackaudit-gnupg-") as gnupg:
        argv = (git, *_SAFE_GIT, "log", f"-n{depth}", "--format=%G?")
        done = _run.run(_run.Invocation(argv, root, timeout_s, (("GNUPGHOME", gnupg), ("LC_ALL", "C"))))
    if done.exit_code != 0:
        raise AnalyzerSkipped(f"git log failed: {_run.tail(done.stderr, 160)}")
    return done.stdout


def check_signing(root: Path, is_git: bool, threshold: float, depth: int, timeout_s: float) -> CheckResult:
    if not is_git:
        return CheckResult(skipped="unsigned-commits: not a git repository")
    try:
        stats = parse_signatures(git_signatures(root, depth, timeout_s))
    except (AnalyzerSkipped, _run.ToolTimeout) as exc:
        return CheckResult(skipped=f"unsigned-commits: {exc}")
    if stats.total == 0:
        return CheckResult(skipped="unsigned-commits: no commits")
    if stats.ratio >= threshold:
        return CheckResult()
    bad = stats.count("B")
    message = (
        f"{stats.signed} of the last {stats.total} commits are signed ({stats.ratio:.0%}); "
        f"threshold {threshold:.0%}" + (f"; {bad} with a BAD signature" if bad else "")
    )
    finding = UNSIGNED_COMMITS.finding(
        Location(".git"),
        message,
        "signed-commit-ratio",
        properties=(
            ("ratio", f"{stats.ratio:.3f}"),
            ("threshold", f"{threshold:.3f}"),
            ("commits", str(stats.total)),
            ("signed", str(stats.signed)),
        ),
    )
    return CheckResult(findings=(finding,))
