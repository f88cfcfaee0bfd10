"""What the service map and the threat model add to an audit, on real applications.

For each app (unpacked under ``$STACKAUDIT_REALCODE_CACHE/apps``, see bench/realcode): the median
over ``--repeat`` runs of reading the repository's scope (``load_scope``, which the audit already
did before maps were kept), of building the map from it (``service_map``, now done by every
audit), of the whole-service STRIDE model (``threat-model`` without journeys) and of drawing the
SVG. No other tool does this, so there is no anchor to run beside it: the figure to watch is the
map's share of the scope read it follows.

Run: PYTHONPATH=src .venv/bin/python bench/bench_threat.py [--repeat 3] [APP ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from stackaudit.config.loader import load_config
from stackaudit.discovery.files import discover
from stackaudit.scope.build import load_scope
from stackaudit.scope.render import to_svg
from stackaudit.threat.build import build

APPS = ("pretalx-2026.2.1", "open_webui-0.12.4", "zou-1.0.97")


def _cache() -> Path:
    return Path(os.environ.get("STACKAUDIT_REALCODE_CACHE", "/work/cache")) / "apps"


def measure(root: Path, repeat: int) -> dict[str, float | int]:
    cfg = load_config(root)
    disc = discover(root, cfg)
    paths = [f.path for f in disc.files if f.language == "python"]
    times: dict[str, list[float]] = {"scope": [], "map": [], "stride": [], "svg": []}
    counts: dict[str, float | int] = {}
    for _ in range(repeat):
        t0 = time.perf_counter()
        scope = load_scope(disc.root, paths)
        t1 = time.perf_counter()
        smap = scope.service_map()
        t2 = time.perf_counter()
        model = build(scope, smap, [], [], "bench", "2026-01-01")
        t3 = time.perf_counter()
        svg = to_svg(smap)
        t4 = time.perf_counter()
        for key, value in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            times[key].append(value)
        threats = len(model.journeys[0].threats)
        counts = {"endpoints": len(smap.endpoints), "threats": threats, "svg_kb": len(svg) // 1024}
    return {**counts, **{k: statistics.median(v) for k, v in times.items()}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("apps", nargs="*", default=list(APPS))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    head = ("app", "endpoints", "threats", "scope s", "map s", "stride s", "svg s", "svg KB")
    print("{:<22} {:>9} {:>8} {:>8} {:>7} {:>8} {:>6} {:>6}".format(*head))
    for app in args.apps:
        root = _cache() / app
        if not root.is_dir():
            print(f"{app:<22} not unpacked under {_cache()}")
            continue
        m = measure(root, args.repeat)
        print(
            f"{app:<22} {m['endpoints']:>9} {m['threats']:>8} {m['scope']:>8.2f} {m['map']:>7.2f} "
            f"{m['stride']:>8.2f} {m['svg']:>6.3f} {m['svg_kb']:>6}"
        )


if __name__ == "__main__":
    main()
