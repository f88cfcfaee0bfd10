"""Hot functions from stack samples, whatever profiler took them.

Each sample's weight goes to the deepest frame that belongs to the audited
project (so time spent in a library call counts against the project function
that made it: the place a fix would go). A function over ``threshold`` of the
profile's total is hot.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_THRESHOLD = 0.10


@dataclass(frozen=True, slots=True)
class FrameRef:
    function: str
    file: str
    line: int


@dataclass(frozen=True, slots=True)
class HotFunction:
    function: str
    path: str  # relative to the project root
    line: int  # the line that carried most of the weight
    fraction: float  # of the profile's total


def _anonymous(function: str) -> bool:
    name = function.rsplit(".", 1)[-1]
    return name.startswith("<") and name != "<module>"


def _relative(file: str, root: Path) -> str | None:
    try:
        return Path(file).resolve().relative_to(root).as_posix()
    except (ValueError, OSError):
        return None


def hot_functions(
    samples: Iterable[tuple[Sequence[FrameRef], float]], root: Path, threshold: float = DEFAULT_THRESHOLD
) -> list[HotFunction]:
    """``samples``: (stack from outermost to innermost, weight)."""
    root = root.resolve()
    total = 0.0
    weight: dict[tuple[str, str], float] = defaultdict(float)
    lines: dict[tuple[str, str], Counter[int]] = defaultdict(Counter)
    relative: dict[str, str | None] = {}
    for stack, w in samples:
        total += w
        line = 0
        for frame in reversed(stack):
            if frame.file not in relative:
                relative[frame.file] = _relative(frame.file, root)
            rel = relative[frame.file]
            if rel is None:
                continue
            line = line or frame.line
            if _anonymous(frame.function):
                continue  # a comprehension or lambda is part of the function around it
            key = (rel, frame.function)
            weight[key] += w
            lines[key][line] += int(w * 1_000_000) or 1
            break
    if total <= 0:
        return []
    hot = [
        HotFunction(function, path, lines[(path, function)].most_common(1)[0][0], w / total)
        for (path, function), w in weight.items()
        if w / total > threshold
    ]
    return sorted(hot, key=lambda h: -h.fraction)


def speedscope_samples(document: dict[str, Any]) -> list[tuple[list[FrameRef], float]]:
    """Stacks from a speedscope 'sampled' profile (py-spy's output)."""
    frames = [
        FrameRef(str(f.get("name", "?")), str(f.get("file", "")), int(f.get("line") or 0))
        for f in document.get("shared", {}).get("frames", [])
    ]
    out: list[tuple[list[FrameRef], float]] = []
    for profile in document.get("profiles", []):
        if profile.get("type") != "sampled":
            continue
        weights = profile.get("weights") or [1.0] * len(profile.get("samples", []))
        for stack, w in zip(profile.get("samples", []), weights, strict=False):
            out.append(([frames[i] for i in stack if 0 <= i < len(frames)], float(w)))
    return out


def pyinstrument_samples(root_frame: Any) -> list[tuple[list[FrameRef], float]]:
    """Stacks from a pyinstrument frame tree: each frame's self time is one weighted sample."""
    out: list[tuple[list[FrameRef], float]] = []

    def walk(frame: Any, stack: list[FrameRef]) -> None:
        name = frame.function or "?"
        if frame.class_name:
            name = f"{frame.class_name}.{name}"
        here = [*stack, FrameRef(name, frame.file_path or "", frame.line_no or 0)]
        if frame.total_self_time > 0:
            out.append((here, float(frame.total_self_time)))
        for child in frame.children:
            walk(child, here)

    if root_frame is not None:
        walk(root_frame, [])
    return out
