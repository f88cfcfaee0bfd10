"""Development-time generator of ``ruff_rules.py`` (never called at run time).

    .venv/bin/python -m stackaudit.analyzers.external._ruff_gen

reads ``ruff rule --all --output-format json`` from the installed ruff, keeps the stable
rules of the selected linters, joins our curated scoring (``CURATED`` / ``DEFAULTS``) and
writes the explicit table module. Rerun it after upgrading ruff and review the diff.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from stackaudit.analyzers.external._run import locate

# What we ask ruff for: prefixes and single codes meaningful for perf / security / scale.
SELECT = ("S", "PERF", "ASYNC", "BLE", "B006", "B012", "SIM115", "RUF006", "DJ007")


@dataclass(frozen=True)
class Curation:
    category: str  # Category member name
    severity: str  # Severity member name
    cwe: tuple[int, ...] = ()
    impact: float = 4.0
    likelihood: float = 4.0
    effort: float = 0.2
    confidence: str = "MEDIUM"


def _sec(severity: str, cwe: int, impact: float, likelihood: float, effort: float = 0.2) -> Curation:
    return Curation("SECURITY", severity, (cwe,), impact, likelihood, effort)


_XML = _sec("MEDIUM", 20, 5, 3, 0.3)
_SHELL = _sec("HIGH", 78, 8, 5, 0.5)

CURATED: dict[str, Curation] = {
    # Off by default (engine/postprocess.py DEFAULT_OFF): 0 true problems in thousands.
    "S101": Curation("SECURITY", "INFO", (703,), 2, 1, 0.1, "LOW"),
    "S102": _sec("HIGH", 95, 8, 4, 0.5),
    "S103": _sec("MEDIUM", 732, 5, 4, 0.1),
    "S104": _sec("MEDIUM", 605, 4, 3, 0.1),
    # A password-looking *name* with a literal: mostly UI strings, error codes, token types
    # and fixtures on judged real code. Low unless a secrets detector confirms the value
    # (then the merge folds this hint into the secrets finding).
    "S105": Curation("SECURITY", "LOW", (259,), 4, 2, 0.2, "LOW"),
    "S106": Curation("SECURITY", "LOW", (259,), 4, 2, 0.2, "LOW"),
    "S107": Curation("SECURITY", "LOW", (259,), 4, 2, 0.2, "LOW"),
    "S108": _sec("MEDIUM", 377, 4, 3, 0.2),
    "S110": Curation("SECURITY", "LOW", (703,), 3, 3, 0.2, "HIGH"),
    "S112": Curation("SECURITY", "LOW", (703,), 3, 3, 0.2, "HIGH"),
    "S113": Curation("SCALABILITY", "MEDIUM", (400,), 6, 6, 0.1, "HIGH"),
    "S201": _sec("HIGH", 94, 9, 5, 0.1),
    "S202": _sec("HIGH", 22, 7, 4, 0.3),
    "S301": _sec("HIGH", 502, 8, 4, 1.0),
    "S302": _sec("MEDIUM", 502, 6, 3, 1.0),
    "S303": _sec("MEDIUM", 328, 5, 4, 0.3),
    "S304": _sec("HIGH", 327, 7, 4, 0.5),
    "S305": _sec("MEDIUM", 327, 6, 4, 0.5),
    "S306": _sec("MEDIUM", 377, 5, 3, 0.1),
    "S307": _sec("HIGH", 95, 8, 4, 0.5),
    "S308": _sec("MEDIUM", 79, 6, 4, 0.3),
    "S310": _sec("MEDIUM", 22, 5, 3, 0.2),
    "S311": Curation("SECURITY", "LOW", (330,), 4, 3, 0.1, "LOW"),
    "S312": _sec("HIGH", 319, 7, 4, 1.0),
    "S313": _XML,
    "S314": _XML,
    "S315": _XML,
    "S316": _XML,
    "S317": _XML,
    "S318": _XML,
    "S319": _XML,
    "S321": _sec("HIGH", 319, 7, 4, 1.0),
    "S323": _sec("HIGH", 295, 8, 5, 0.2),
    "S324": _sec("MEDIUM", 328, 5, 4, 0.3),
    "S501": _sec("HIGH", 295, 8, 5, 0.1),
    "S502": _sec("HIGH", 327, 7, 4, 0.2),
    "S503": _sec("MEDIUM", 327, 6, 4, 0.2),
    "S504": Curation("SECURITY", "LOW", (327,), 4, 3, 0.2, "LOW"),
    "S505": _sec("HIGH", 326, 7, 4, 0.3),
    "S506": _sec("HIGH", 502, 8, 5, 0.1),
    "S507": _sec("HIGH", 295, 7, 4, 0.3),
    "S508": _sec("MEDIUM", 319, 5, 3, 0.5),
    "S509": _sec("MEDIUM", 319, 5, 3, 0.5),
    "S601": _sec("MEDIUM", 78, 6, 3, 0.5),
    "S602": _SHELL,
    "S603": Curation("SECURITY", "LOW", (78,), 3, 2, 0.2, "LOW"),
    "S604": _SHELL,
    "S605": _SHELL,
    "S606": Curation("SECURITY", "LOW", (78,), 3, 2, 0.2, "LOW"),
    "S607": Curation("SECURITY", "LOW", (426,), 3, 2, 0.1, "LOW"),
    "S608": _sec("HIGH", 89, 8, 5, 0.5),
    "S609": _sec("MEDIUM", 155, 6, 3, 0.2),
    "S610": _sec("MEDIUM", 89, 7, 4, 0.5),
    "S611": _sec("MEDIUM", 89, 7, 4, 0.5),
    "S612": _sec("MEDIUM", 94, 6, 3, 0.2),
    "S701": _sec("HIGH", 79, 7, 5, 0.2),
    "S702": _sec("MEDIUM", 79, 6, 4, 0.5),
    "S704": _sec("MEDIUM", 79, 6, 4, 0.3),
    "ASYNC110": Curation("PERFORMANCE", "MEDIUM", (), 5, 5, 0.3),
    "ASYNC210": Curation("PERFORMANCE", "HIGH", (), 7, 6, 0.5, "HIGH"),
    "ASYNC212": Curation("PERFORMANCE", "HIGH", (), 7, 6, 0.5, "HIGH"),
    "ASYNC220": Curation("PERFORMANCE", "MEDIUM", (), 6, 5, 0.5),
    "ASYNC221": Curation("PERFORMANCE", "MEDIUM", (), 6, 5, 0.5),
    "ASYNC222": Curation("PERFORMANCE", "MEDIUM", (), 6, 5, 0.5),
    "ASYNC230": Curation("PERFORMANCE", "MEDIUM", (), 5, 6, 0.3),
    "ASYNC240": Curation("PERFORMANCE", "LOW", (), 4, 5, 0.3),
    "ASYNC250": Curation("PERFORMANCE", "MEDIUM", (), 6, 3, 0.3),
    "ASYNC251": Curation("PERFORMANCE", "HIGH", (), 7, 6, 0.1, "HIGH"),
    "BLE001": Curation("SCALABILITY", "LOW", (396,), 4, 4, 0.3),
    "B006": Curation("SCALABILITY", "MEDIUM", (1188,), 5, 4, 0.1, "HIGH"),
    "B012": Curation("SCALABILITY", "MEDIUM", (584,), 5, 4, 0.2, "HIGH"),
    "SIM115": Curation("SCALABILITY", "MEDIUM", (775,), 5, 4, 0.1),
    "RUF006": Curation("SCALABILITY", "MEDIUM", (), 6, 4, 0.2),
    "DJ007": _sec("MEDIUM", 915, 6, 4, 0.3),
}

DEFAULTS = {  # by linter, for the codes not curated one by one
    "Perflint": Curation("PERFORMANCE", "LOW", (), 2, 5, 0.1),
    "flake8-async": Curation("PERFORMANCE", "LOW", (), 3, 4, 0.2),
    "flake8-bandit": Curation("SECURITY", "MEDIUM", (), 5, 4, 0.3),
}


def _selected(code: str) -> bool:
    return any(code == s or (s.isalpha() and code.startswith(s) and code[len(s) :].isdigit()) for s in SELECT)


def _doc(rule: dict[str, object]) -> str:
    head = f"ruff rule {rule['code']} ({rule['name']}), linter {rule['linter']}."
    return f"{head}\n\n{rule['explanation']}".strip()


def _entry(rule: dict[str, object]) -> str:
    code = str(rule["code"])
    cur = CURATED.get(code) or DEFAULTS.get(str(rule["linter"]))
    if cur is None:
        raise SystemExit(f"no curation for {code} ({rule['linter']}): add it to CURATED")
    title = str(rule["name"]).replace("-", " ").capitalize()
    return (
        "    RuleMeta(\n"
        f"        id={'ruff.' + code!r},\n"
        f"        title={title!r},\n"
        f"        category=Category.{cur.category},\n"
        f"        severity=Severity.{cur.severity},\n"
        f"        cwe={cur.cwe!r},\n"
        f"        impact={float(cur.impact)!r},\n"
        f"        likelihood={float(cur.likelihood)!r},\n"
        f"        effort={float(cur.effort)!r},\n"
        f"        confidence=Confidence.{cur.confidence},\n"
        f"        tags=('ruff', {str(rule['linter'])!r}),\n"
        f"        doc={_doc(rule)!r},\n"
        "    ),\n"
    )


def render(rules: list[dict[str, object]], version: str) -> str:
    stable = [
        r
        for r in rules
        if r.get("code")
        and _selected(str(r["code"]))
        and not r.get("preview")
        and "Removed" not in json.dumps(r.get("status"))
        and "Deprecated" not in json.dumps(r.get("status"))
    ]
    stable.sort(key=lambda r: str(r["code"]))
    out = [
        "# ruff: noqa: E501, RUF001\n",
        f'"""The ruff rules we select, mapped to stackaudit rules. GENERATED from {version}.\n\n',
        "Do not edit by hand: change ``_ruff_gen.py`` and rerun\n",
        "``.venv/bin/python -m stackaudit.analyzers.external._ruff_gen``.\n",
        "Rule documentation text is ruff's own (MIT licence, (c) Astral Software Inc.).\n",
        '"""\n\n',
        "from __future__ import annotations\n\n",
        "from stackaudit.model import Category, Confidence, RuleMeta, Severity\n\n",
        f"GENERATED_WITH = {version!r}\n",
        f"SELECT: tuple[str, ...] = {SELECT!r}\n\n",
        "RULES: tuple[RuleMeta, ...] = (\n",
        *[_entry(r) for r in stable],
        ")\n",
    ]
    return "".join(out)


def main() -> None:
    ruff = locate("ruff")
    argv = [ruff, "rule", "--all", "--output-format", "json"]
    listing = subprocess.run(argv, capture_output=True, check=True, timeout=60).stdout
    ver = subprocess.run([ruff, "--version"], capture_output=True, check=True, timeout=60).stdout
    target = Path(__file__).with_name("ruff_rules.py")
    target.write_text(render(json.loads(listing), ver.decode().strip()), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
