"""A request value that only *selects* something is not the thing selected.

Real handlers take an id or a name from the request and use it as a key: a database row
(``Books.get_book(book_id)``), a stored file record (``Files.get_file_by_id(id)``), a cache
entry, a plugin by id, an asset a processor serves (``module.get_asset(asset_name=name)``).
What comes back is data at rest, written by whoever could write it: a *second-order*
origin (``STORED``), not the request's bytes. So a call the analysis cannot see into whose
name says it looks something up (``get_…``, ``find_…``, ``fetch_…``, ``lookup_…``,
``retrieve_…``) turns the taint of its arguments into one stored-data taint. Confirmed then
means what it should: the request's own bytes reach the sink through value-preserving steps
(string building, containers, the repository's own functions, which are followed).

Not here: bare ``get``/``find`` (a mapping read keeps the mapping's taint, ``str.find`` is a
number), ``load``/``read`` (``json.load``, ``pandas.read_csv`` parse the input itself), and
calls the repository defines (their summaries say what they return).

Likewise a function the caller passed in (``render(request, render_template=render_template)``)
is called through a parameter: one summary serves every caller, so what it computes is unknown.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from stackaudit.analyzers.taint.values import CLEAN, SourceKind, Taint, Val

if TYPE_CHECKING:
    from stackaudit.analyzers.taint.interp import Interp

_LOOKUP = re.compile(r"_*(get|find|fetch|lookup|retrieve)_\w+|get_or_404|first_or_404|get_object_or_404")


def is_lookup(name: str, node: ast.Call) -> bool:
    """Does this call's name say it returns something found by its arguments?

    Not when the call is handed the input's content to hold or parse rather than a key
    (``self.get_serializer(data=request.data)``, ``get_form(formdata=request.form)``).
    """
    if any(kw.arg in _PAYLOADS for kw in node.keywords):
        return False
    return bool(_LOOKUP.fullmatch(name.rsplit(".", 1)[-1].lower()))


_PAYLOADS = frozenset({"data", "formdata", "json", "body", "content", "payload", "files", "text", "instance"})


def selected(it: Interp, node: ast.Call, name: str, taints: frozenset[Taint]) -> Val:
    """The result of a lookup keyed by ``taints``: one stored-data taint, or clean for clean keys."""
    if not taints:
        return CLEAN
    leaf = name.rsplit(".", 1)[-1]
    note = f"the record {leaf}() looks up (the request only selects it)"
    return Val(taints=frozenset({it.new_taint(SourceKind.STORED, node, note)}))


def is_parameter(it: Interp, name: str) -> bool:
    """Is ``name`` a parameter of the function being analysed, called as a function?

    A summary is computed once for every caller, so what a parameter names is unknown there
    (``render(request, render_template=render_template)``): its result is not a value-preserving
    step from its arguments, but an origin nobody traced.
    """
    func = it.func
    if func is None:
        return False
    fargs = func.node.args
    return any(a.arg == name for a in (*fargs.posonlyargs, *fargs.args, *fargs.kwonlyargs))
