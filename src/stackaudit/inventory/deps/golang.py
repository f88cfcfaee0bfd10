"""Go modules: go.mod (requirements, direct vs // indirect) and go.sum (hashes)."""

from __future__ import annotations

import re

from stackaudit.inventory.deps.model import Dependency, Ecosystem, ParsedFile, Problem
from stackaudit.inventory.deps.pylocks import LockError

_REQ = re.compile(r"^(\S+)\s+(v\S+)(\s*//\s*indirect)?")


def parse_go_mod(text: str, rel: str, sums: dict[tuple[str, str], str] | None = None) -> ParsedFile:
    deps: list[Dependency] = []
    problems: list[Problem] = []
    module, in_block = None, False
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("//"):
            continue
        if line.startswith("module "):
            module = line.split(None, 1)[1].strip().strip('"')
            continue
        if line.startswith("require ("):
            in_block = True
            continue
        if in_block and line == ")":
            in_block = False
            continue
        body = line[len("require ") :].strip() if line.startswith("require ") else line if in_block else None
        if body is None:
            continue
        match = _REQ.match(body)
        if match is None:
            problems.append(
                Problem(rel, "malformed", f"line {number}: cannot read requirement {body[:60]!r}")
            )
            continue
        path, version = match.group(1), match.group(2)
        digest = (sums or {}).get((path, version))
        deps.append(
            Dependency(
                name=path,
                ecosystem=Ecosystem.GO,
                source=rel,
                version=version,
                line=number,
                direct=not match.group(3),
                hashes=(digest,) if digest else (),
            )
        )
    if module is None and not deps:
        raise LockError("no module line and no requirements")
    return ParsedFile(
        path=rel,
        kind="go.mod",
        dependencies=tuple(deps),
        problems=tuple(problems),
        is_lock=sums is not None,
        root=module,
    )


def parse_go_sum(text: str) -> dict[tuple[str, str], str]:
    sums: dict[tuple[str, str], str] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and not parts[1].endswith("/go.mod"):
            sums[(parts[0], parts[1])] = parts[2]
    return sums
