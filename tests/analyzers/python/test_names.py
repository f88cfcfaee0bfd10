"""names.is_constant_iterable on names that are re-bound from themselves."""

from __future__ import annotations

import ast

from stackaudit.analyzers.python.names import is_constant_iterable


def _resolver(source: str) -> tuple[ast.expr, object]:
    """The loop's iterable and a resolver that follows ``x`` to ``x``'s last assignment."""
    tree = ast.parse(source)
    assigned = {
        node.targets[0].id: node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }
    loop = next(node for node in ast.walk(tree) if isinstance(node, ast.For))

    def resolve(node: ast.expr) -> ast.expr:
        return assigned.get(node.id, node) if isinstance(node, ast.Name) else node

    return loop.iter, resolve


def test_a_name_sorted_into_itself_does_not_recurse_forever() -> None:
    iterable, resolve = _resolver("def f(x):\n    x = sorted(x)\n    for a in x:\n        pass\n")
    assert is_constant_iterable(iterable, resolve) is False  # type: ignore[arg-type]


def test_a_sorted_literal_is_still_constant() -> None:
    iterable, resolve = _resolver("x = sorted((3, 1, 2))\nfor a in x:\n    pass\n")
    assert is_constant_iterable(iterable, resolve) is True  # type: ignore[arg-type]
