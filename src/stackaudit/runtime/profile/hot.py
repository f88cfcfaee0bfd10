"""Hot functions from stack samples, whatever profiler took them.

Each sample's weight goes to the application frame that made the slow call:
the deepest frame that belongs to the audited project, walking out from the
sample's leaf through library frames (so time spent in a library call counts
against the project function that made it: the place a fix would go).

- **Framework and event-loop frames are a boundary.**  Walking out, once a frame
  of the event loop, a server or a framework's dispatch (asyncio, selectors,
  threading, concurrent.futures, uvicorn, starlette, anyio, django, flask,
  werkzeug, gunicorn, click ...) is crossed, no outer project frame is credited:
  the CLI entry point that started ``uvicorn.run`` does not "take" the event
  loop's wake-ups and idle polling.  Such samples stay in the total, credited to
  nobody.
- **Thread-pool hops are followed to the submitting frame.**  The hop functions
  (``loop.run_in_executor``, ``asyncio.to_thread``, starlette's
  ``run_in_threadpool``, anyio's ``to_thread.run_sync``, asgiref's
  ``sync_to_async``, ``Executor.submit``) are transparent: the walk goes through
  them to the project frame that handed the work to the pool, instead of stopping
  at the framework around them.  In a worker thread's own stack, the submitted
  project function is the innermost project frame and is credited as usual.

A function over ``threshold`` of the profile's total is hot.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_THRESHOLD = 0.10

# directories (packages) whose frames are event loops, servers or framework dispatch
FRAMEWORK_PACKAGES = frozenset(
    {
        "asyncio",
        "concurrent",
        "uvicorn",
        "starlette",
        "fastapi",
        "anyio",
        "sniffio",
        "asgiref",
        "django",
        "flask",
        "werkzeug",
        "gunicorn",
        "hypercorn",
        "daphne",
        "waitress",
        "uvloop",
        "h11",
        "httptools",
        "click",
        "typer",
        "tornado",
        "aiohttp",
        "gevent",
        "eventlet",
    }
)
FRAMEWORK_MODULES = frozenset({"threading.py", "selectors.py", "socketserver.py", "runpy.py", "sched.py"})
# thread-pool hops: transparent, so the walk reaches the frame that submitted the work
HOP_FUNCTIONS = frozenset(
    {
        "run_in_executor",
        "to_thread",
        "run_in_threadpool",
        "run_sync",
        "run_sync_in_worker_thread",
        "sync_to_async",
        "submit",
        "wrap_future",
    }
)
_LIBRARY_DIRS = ("site-packages", "dist-packages")


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


def _short_name(function: str) -> str:
    return function.rsplit(".", 1)[-1]


def is_framework(file: str) -> bool:
    path = Path(file)
    return path.name in FRAMEWORK_MODULES or any(part in FRAMEWORK_PACKAGES for part in path.parts[:-1])


def is_hop(frame: FrameRef) -> bool:
    return _short_name(frame.function) in HOP_FUNCTIONS and (
        is_framework(frame.file) or "futures" in frame.file
    )


class _Paths:
    """Project-relative paths of frames, memoised; library files under the root are not project."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.seen: dict[str, str | None] = {}

    def project(self, file: str) -> str | None:
        if file not in self.seen:
            rel = _relative(file, self.root) if file and not file.startswith("<") else None
            if rel is not None and any(d in rel.split("/") for d in _LIBRARY_DIRS):
                rel = None
            self.seen[file] = rel
        return self.seen[file]


def credit(stack: Sequence[FrameRef], paths: _Paths) -> tuple[str, str, int] | None:
    """(path, function, line) of the application frame a sample is charged to, or None
    when a framework / event-loop boundary lies between the leaf and every project frame."""
    line = 0
    crossed = False
    for frame in reversed(stack):
        rel = paths.project(frame.file)
        if rel is None:
            if is_hop(frame):
                continue  # followed to the frame that submitted the work
            crossed = crossed or is_framework(frame.file)
            continue
        if crossed:
            return None
        line = line or frame.line
        if _anonymous(frame.function):
            continue  # a comprehension or lambda is part of the function around it
        return rel, frame.function, line
    return None


def hot_functions(
    samples: Iterable[tuple[Sequence[FrameRef], float]], root: Path, threshold: float = DEFAULT_THRESHOLD
) -> list[HotFunction]:
    """``samples``: (stack from outermost to innermost, weight)."""
    paths = _Paths(root.resolve())
    total = 0.0
    weight: dict[tuple[str, str], float] = defaultdict(float)
    lines: dict[tuple[str, str], Counter[int]] = defaultdict(Counter)
    for stack, w in samples:
        total += w
        found = credit(stack, paths)
        if found is None:
            continue
        rel, function, line = found
        weight[(rel, function)] += w
        lines[(rel, function)][line] += int(w * 1_000_000) or 1
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
