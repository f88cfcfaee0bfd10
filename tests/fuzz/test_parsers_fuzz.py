"""Fuzz every parser that reads a user's files (the reliability campaign, seeded run).

The suite runs a small, derandomised number of inputs per parser; the nightly-sized run is
``STACKAUDIT_FUZZ_EXAMPLES=10000 pytest tests/fuzz`` (see bench/fuzz.sh). Goal: no crash and
no hang past the per-file bound; bad input only ever ends as the parser's "bad input" error.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.fuzz.mutate import inputs
from tests.fuzz.targets import HANG_SECONDS, TARGETS, Target

EXAMPLES = int(os.environ.get("STACKAUDIT_FUZZ_EXAMPLES", "40"))
NIGHTLY = EXAMPLES > 1000


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_parser_survives_hostile_input(target: Target, capsys: pytest.CaptureFixture[str]) -> None:
    tried = 0
    slowest = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)

        @settings(
            max_examples=EXAMPLES,
            derandomize=not NIGHTLY,
            database=None,
            deadline=timedelta(seconds=HANG_SECONDS),
            suppress_health_check=list(HealthCheck),
        )
        @given(text=inputs(target.seeds))
        def run(text: str) -> None:
            nonlocal tried, slowest
            tried += 1
            started = time.perf_counter()
            with contextlib.suppress(target.allowed):
                target.call(text, workdir)
            slowest = max(slowest, time.perf_counter() - started)

        run()
    with capsys.disabled():
        print(f"\nfuzz {target.name}: {tried} inputs, 0 crashes, slowest {slowest * 1000:.0f} ms")


def test_seeds_are_real_inputs() -> None:
    """Each target starts from real files (a target with only an empty seed fuzzes nothing)."""
    empty = [t.name for t in TARGETS if not any(s.strip() for s in t.seeds)]
    assert not empty, f"targets without seed files: {empty}"
