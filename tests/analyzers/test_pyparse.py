"""The audit's shared parses (analyzers/pyparse.py): one tree per file and source, read-only.

Repository analyzers share each tree, so none may change it: running them all over one shared
cache must leave every tree as parsed and give the findings of separately parsed runs.
"""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import pytest

from stackaudit.analyzers.base import RepoAnalyzer, RepoContext
from stackaudit.analyzers.pyparse import ParsedModules, statement_nodes
from stackaudit.analyzers.registry import repo_analyzers
from stackaudit.config.loader import load_config
from stackaudit.discovery.files import discover

REPO = Path(__file__).resolve().parents[2]
TREES = [REPO / "examples/shop", REPO / "tests/scope/fixtures/djangoshop"]
TREE_READERS = ("taint", "tenant", "rate-limit", "audit-trail", "migrations")


def test_one_parse_per_path_and_source() -> None:
    parsed = ParsedModules()
    first = parsed.parse("x = 1\n", "a.py")
    assert parsed.parse("x = 1\n", "a.py") is first
    assert parsed.parse("x = 2\n", "a.py") is not first  # the file changed (or was read otherwise)
    assert parsed.parse(b"x = 2\n", "a.py") is not first  # bytes honour coding cookies: parsed apart
    assert (parsed.parses, parsed.hits) == (3, 1)


def test_an_error_is_raised_again_for_every_caller_without_a_second_parse() -> None:
    parsed = ParsedModules()
    for _ in range(2):
        with pytest.raises(SyntaxError) as err:
            parsed.parse("def f(:\n", "bad.py")
        assert err.value.lineno == 1
    assert parsed.quietly("def f(:\n", "bad.py") is None
    assert parsed.parses == 1


def test_a_cache_sent_to_another_process_arrives_empty() -> None:
    parsed = ParsedModules()
    parsed.parse("x = 1\n", "a.py")
    copy = pickle.loads(pickle.dumps(parsed))
    copy.parse("x = 1\n", "a.py")
    assert copy.parses == 1 and copy.hits == 0


def _readers() -> list[type[RepoAnalyzer]]:
    return [cls for cls in repo_analyzers() if cls.name in TREE_READERS]


def _context(root: Path, parsed: ParsedModules) -> RepoContext:
    config = load_config(root, None)
    disc = discover(root, config)
    return RepoContext(root=disc.root, files=disc.files, config=config, is_git=False, parsed=parsed)


def _dumps(parsed: ParsedModules, ctx: RepoContext) -> dict[str, str]:
    out = {}
    for file in ctx.files:
        if file.language == "python":
            tree = parsed.quietly(file.abspath.read_text(encoding="utf-8"), file.path)
            out[file.path] = ast.dump(tree, include_attributes=True) if tree else ""
    return out


@pytest.mark.parametrize("root", TREES, ids=lambda p: p.name)
def test_analyzers_sharing_trees_leave_them_unchanged_and_find_the_same(root: Path) -> None:
    assert len(_readers()) == len(TREE_READERS)
    shared = ParsedModules()
    ctx = _context(root, shared)
    before = _dumps(shared, ctx)  # every tree parsed into the cache before any analyzer reads it
    together = {cls.name: cls().analyze_repo(ctx) for cls in _readers()}
    assert shared.hits > len(before), "the analyzers did not read the shared trees"
    assert _dumps(shared, ctx) == before, "an analyzer changed a shared tree"
    for cls in _readers():
        alone = cls().analyze_repo(_context(root, ParsedModules()))
        assert together[cls.name].findings == alone.findings, cls.name
        assert together[cls.name].not_analysed == alone.not_analysed, cls.name
    assert any(r.findings for r in together.values())


STATEMENTS = """
class A:
    def f(self):
        try:
            def g(): pass
        except* ValueError:
            class B: pass
        else:
            x = lambda: [y for y in range(3)]
        finally:
            async def h(): pass
    match f:
        case [1, *_] if f:
            def i(): pass
        case _:
            pass
for k in range(2):
    while k:
        with open(k) as fh:
            class C: pass
    else:
        def j(): pass
if True:
    pass
elif False:
    class D: pass
"""


def test_statement_nodes_are_ast_walk_without_expressions() -> None:
    tree = ast.parse(STATEMENTS)
    kinds = (ast.stmt, ast.excepthandler, ast.match_case, ast.Module)
    assert list(statement_nodes(tree)) == [n for n in ast.walk(tree) if isinstance(n, kinds)]
    names = [n.name for n in statement_nodes(tree) if isinstance(n, ast.ClassDef | ast.FunctionDef)]
    assert names == ["A", "f", "j", "D", "g", "i", "C", "B"]  # by depth (breadth-first), as ast.walk
    lam = ast.parse("f = lambda: (1 if x else 2)").body[0].value  # type: ignore[attr-defined]
    assert list(statement_nodes(lam)) == [lam]  # an expression holds no statement


def test_trees_past_the_budget_are_parsed_for_the_caller_and_not_kept() -> None:
    """Trees take about 35 times their source: a repository's worth was most of a run's peak
    (Django: the largest process 783 MB, 510 MB with a 2 MB budget, the same findings)."""
    from stackaudit.analyzers.pyparse import ParsedModules

    cache = ParsedModules()
    cache.budget = 30
    small, other = "x = 1\n" * 3, "y = 2\n" * 3  # 18 bytes each
    first = cache.parse(small, "a.py")
    assert cache.parse(small, "a.py") is first and cache.hits == 1
    cache.parse(other, "b.py")  # 36 bytes would pass the budget: parsed, not kept
    assert cache.peek(other, "b.py") is None and cache.peek(small, "a.py") is first
    cache.last_reader = True
    cache.forget(small, "a.py")  # room again
    kept = cache.parse(other, "b.py")
    assert cache.peek(other, "b.py") is kept
