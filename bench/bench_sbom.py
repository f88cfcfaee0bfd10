"""SBOM of an installed environment: ``stackaudit sbom --python ENV`` vs ``cyclonedx-py environment ENV``.

Both run as fresh processes (start-up included), interleaved so machine noise hits both alike,
``--repeat`` times; prints the median wall time and the median CPU time (user + sys of the
child, steadier than wall time on a busy machine), the component counts of both documents,
and the ratio (target: ours >= 10x faster). Needs ``cyclonedx-bom`` (extra ``bench``).

Run: .venv/bin/python bench/bench_sbom.py [--env .venv] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _once(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _components(path: Path) -> int:
    return len(json.loads(path.read_text()).get("components", []))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--env", type=Path, default=Path(sys.prefix), help="the environment to describe")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    tool = shutil.which("cyclonedx-py", path=str(Path(sys.executable).parent))
    if tool is None:
        sys.exit("cyclonedx-py is not installed: pip install cyclonedx-bom (extra 'bench')")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT / "src")
    with tempfile.TemporaryDirectory() as tmp:
        ours_out, theirs_out = Path(tmp) / "ours.json", Path(tmp) / "theirs.json"
        ours_cmd = [
            sys.executable,
            "-m",
            "stackaudit",
            "sbom",
            "--python",
            str(args.env),
            "-o",
            str(ours_out),
        ]
        commands = {
            "stackaudit sbom": ours_cmd,
            "cyclonedx-py environment": [tool, "environment", str(args.env), "-o", str(theirs_out)],
        }
        for cmd in commands.values():
            _once(cmd, env)  # warm-up: page cache, byte code
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for i in range(args.repeat):
            for name, cmd in commands.items():
                samples[name].append(_once(cmd, env))
            print(f"run {i + 1}: " + ", ".join(f"{n} {s[-1][0]:.2f}s" for n, s in samples.items()))
        counts = (_components(ours_out), _components(theirs_out))
    wall = {n: statistics.median(w for w, _ in s) for n, s in samples.items()}
    cpu = {n: statistics.median(c for _, c in s) for n, s in samples.items()}
    print(f"\nenvironment {args.env}: components ours {counts[0]}, cyclonedx-py {counts[1]}")
    print(f"{'command':<28} {'wall median':>12} {'cpu median':>12}  (n={args.repeat})")
    for name in commands:
        print(f"{name:<28} {wall[name]:>11.3f}s {cpu[name]:>11.3f}s")
    ours, theirs = "stackaudit sbom", "cyclonedx-py environment"
    print(
        f"\ncyclonedx-py / ours: wall {wall[theirs] / wall[ours]:.1f}x, cpu {cpu[theirs] / cpu[ours]:.1f}x (target >= 10x)"
    )


if __name__ == "__main__":
    main()
