"""Strongly connected components of the call graph, found while the analysis discovers it.

Tarjan's algorithm, run along the demand-driven analysis rather than over a graph built
beforehand: calls are only known once the interpreter resolves them (imports, ``self``,
instances of repository classes). A call to a function whose component is still open is a
back edge; the component's root re-runs its members until their summaries stop changing.
"""

from __future__ import annotations

from stackaudit.analyzers.taint.summary import Summary, join_summaries, same_summary


class Tarjan:
    """Tarjan's strongly-connected-component state, kept along the demand-driven analysis."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.low: dict[str, int] = {}
        self.stack: list[str] = []  # functions being analysed, innermost last
        self.component: list[str] = []  # Tarjan's stack: visited, component not closed yet
        self.approx: dict[str, Summary] = {}
        self.changed: set[str] = set()
        self.cyclic: set[str] = set()  # calls itself
        self.truncated: set[str] = set()
        self.counter = 0

    def enter(self, qn: str) -> None:
        self.index[qn] = self.low[qn] = self.counter
        self.counter += 1
        self.stack.append(qn)
        self.component.append(qn)

    def leave(self, qn: str) -> None:
        if self.stack and self.stack[-1] == qn:
            self.stack.pop()

    def back_edge(self, qn: str) -> None:
        """The function on top of the stack called ``qn``, whose component is still open."""
        if not self.stack or qn not in self.low:
            return
        caller = self.stack[-1]
        if caller == qn:
            self.cyclic.add(qn)
        self.low[caller] = min(self.low[caller], self.low[qn])

    def record(self, qn: str, summary: Summary) -> None:
        old = self.approx.get(qn)
        new = summary if old is None else join_summaries(old, summary)
        if old is None or not same_summary(old, new):
            self.changed.add(qn)
            self.approx[qn] = new

    def members(self, qn: str) -> list[str]:
        return self.component[self.component.index(qn) :]

    def restart(self, qn: str, members: list[str]) -> None:
        """Another pass over the component: the other members are visited afresh from their approximations."""
        for member in members[1:]:
            del self.index[member], self.low[member]
        del self.component[self.component.index(qn) + 1 :]
        self.low[qn] = self.index[qn]
        self.changed.difference_update(members)

    def finish(self, qn: str) -> list[tuple[str, Summary, bool]]:
        members = self.members(qn)
        del self.component[self.component.index(qn) :]
        out = []
        for member in members:
            del self.index[member], self.low[member]
            self.changed.discard(member)
            self.cyclic.discard(member)
            cut = member in self.truncated
            self.truncated.discard(member)
            out.append((member, self.approx.pop(member), cut))
        return out
