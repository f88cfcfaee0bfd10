"""Start-up of the commands a developer runs most: ``--version``, ``--help``, ``explain RULE``.

Each command runs in a fresh interpreter (``python -m stackaudit``), N times, interleaved so
machine noise hits all alike; prints the median wall time and the median CPU time (user + sys
of the child, steadier than wall time on a busy machine), with the floor of a bare
``python -c pass`` beside them. Byte code is cached, as in an installed package. The first ``explain`` builds the rule catalogue (imports every
analyzer); a warm-up run before timing writes it, as any earlier run would have.

Run: .venv/bin/python bench/bench_startup.py [--repeat 10]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
COMMANDS: dict[str, list[str]] = {
    "python -c pass (floor)": ["-c", "pass"],
    "stackaudit --version": ["-m", "stackaudit", "--version"],
    "stackaudit --help": ["-m", "stackaudit", "--help"],
    "stackaudit explain scale.no-timeout": ["-m", "stackaudit", "explain", "scale.no-timeout"],
}


def _once(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--src", type=Path, default=SRC, help="the source tree to time (e.g. an older copy)")
    args = parser.parse_args()
    # As installed: byte code cached (a PYTHONDONTWRITEBYTECODE shell would time the compiler).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(args.src)
    for command in COMMANDS.values():
        _once(command, env)  # warm-up: page cache, the rule catalogue
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in COMMANDS}
    for _ in range(args.repeat):
        for name, command in COMMANDS.items():
            times[name].append(_once(command, env))
    print(f"{'command':<40} {'wall median':>12} {'cpu median':>12}  (n={args.repeat})")
    for name, samples in times.items():
        wall = statistics.median(w for w, _ in samples)
        cpu = statistics.median(c for _, c in samples)
        print(f"{name:<40} {wall:>11.3f}s {cpu:>11.3f}s")


if __name__ == "__main__":
    main()
