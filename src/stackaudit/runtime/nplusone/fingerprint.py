"""SQL fingerprints: one statement shape per query, literals and IN-lists collapsed.

sqlglot parses and rewrites the statement (literals → ``?``, ``IN (1, 2, 3)`` →
``IN (?)``); statements it cannot parse fall back to a conservative regex
normaliser so that capture never fails on exotic SQL.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

_STRING = re.compile(r"'(?:[^']|'')*'")
_NUMBER = re.compile(r"\b\d+(?:\.\d+)?\b")
_PLACEHOLDER = re.compile(r"%\(\w+\)s|%s|\$\d+|:\w+|\?")
_IN_LIST = re.compile(r"\bIN\s*\((?:\s*\?\s*,?)+\)", re.IGNORECASE)
_WS = re.compile(r"\s+")


def _regex_normalise(sql: str) -> str:
    text = _STRING.sub("?", sql)
    text = _NUMBER.sub("?", text)
    text = _PLACEHOLDER.sub("?", text)
    text = _IN_LIST.sub("IN (?)", text)
    return _WS.sub(" ", text).strip()


def _collapse(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Literal | exp.Placeholder | exp.Parameter):
        return exp.Placeholder()
    if isinstance(node, exp.In) and node.expressions:
        node.set("expressions", [exp.Placeholder()])
    return node


@lru_cache(maxsize=4096)
def normalise_sql(sql: str) -> str:
    """The statement's shape, e.g. ``SELECT * FROM orders WHERE id = ?``."""
    pre = _PLACEHOLDER.sub("?", sql)
    try:
        tree = sqlglot.parse_one(pre)
    except (SqlglotError, ValueError, RecursionError):
        return _regex_normalise(sql)
    if tree is None:
        return _regex_normalise(sql)
    return tree.transform(_collapse).sql(normalize=False)


def sql_fingerprint(sql: str) -> str:
    return hashlib.sha1(normalise_sql(sql).encode("utf-8", "replace"), usedforsecurity=False).hexdigest()[:16]
