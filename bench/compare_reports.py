"""Compare the findings of two JSON reports: a speed change must not change a single one.

Every field of every finding is compared (fingerprint, message, trace, endpoint, properties…),
except those that depend on the store's history (first seen, age, status); and the "not
analysed" entries of the run. Run the audits under ``PYTHONHASHSEED=0``: taint names one of
several equivalent sources by set order, which varies with the hash seed.

    PYTHONHASHSEED=0 stackaudit audit DIR -f json -o before.json ...   (old code)
    PYTHONHASHSEED=0 stackaudit audit DIR -f json -o after.json ...    (new code)
    python bench/compare_reports.py before.json after.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HISTORY = ("first_seen", "age_days", "status")


def load(path: Path) -> tuple[list[str], list[str]]:
    report = json.loads(path.read_text())
    findings = sorted(
        json.dumps({k: v for k, v in f.items() if k not in HISTORY}, sort_keys=True)
        for f in report["findings"]
    )
    skipped = sorted(json.dumps(n, sort_keys=True) for n in report["run"]["not_analysed"])
    return findings, skipped


def main() -> int:
    before, after = Path(sys.argv[1]), Path(sys.argv[2])
    (a, a_skipped), (b, b_skipped) = load(before), load(after)
    print(f"findings {len(a)} vs {len(b)}, identical: {a == b}")
    print(f"not analysed {len(a_skipped)} vs {len(b_skipped)}, identical: {a_skipped == b_skipped}")
    for line in sorted(set(a) - set(b))[:5]:
        print("  only before:", line[:300])
    for line in sorted(set(b) - set(a))[:5]:
        print("  only after: ", line[:300])
    return 0 if (a, a_skipped) == (b, b_skipped) else 1


if __name__ == "__main__":
    sys.exit(main())
