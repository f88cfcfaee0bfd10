"""Sink checks: does a tainted value reach a dangerous argument?"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from stackaudit.analyzers.taint import tables as tb
from stackaudit.analyzers.taint.values import SourceKind, Taint, Val, flatten

if TYPE_CHECKING:
    from stackaudit.analyzers.taint.calls import CallArgs
    from stackaudit.analyzers.taint.interp import Interp

_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "fish", "cmd", "cmd.exe", "powershell", "pwsh"})
_FIXED_HOST = re.compile(r"^[a-zA-Z][\w+.-]*://[^/?#]+[/?#]")


def _safe_prefix(kind: str, prefix: str) -> bool:
    if _FIXED_HOST.match(prefix):
        return True
    # a site-relative path ("/x", not "//host" or "/\\host"): a redirect stays on this site,
    # and an HTTP client resolves it against its configured base_url, never a host of the input
    return len(prefix) >= 2 and prefix[0] == "/" and prefix[1] not in "/\\"


def check(it: Interp, sink: tb.Sink, args: CallArgs, label: str) -> None:
    values = _dangerous_values(it, sink, args)
    taints: frozenset[Taint] = frozenset()
    for value in values:
        if sink.kind in ("url", "redirect") and _safe_prefix(sink.kind, value.prefix):
            continue
        taints = taints | flatten(value)
    if taints:
        report(it, sink.cwe, taints, args.node, label)
    it.observe_sink(sink, values, taints, args.node)  # proof of safety, or a value of unknown origin


def _dangerous_values(it: Interp, sink: tb.Sink, args: CallArgs) -> list[Val]:
    kind = sink.kind
    if kind == "receiver":
        return [args.receiver] if args.receiver is not None else []
    if kind == "subprocess":
        return _subprocess(args)
    if kind == "yaml" and _safe_yaml(it, args):
        return []
    if kind == "xml" and _safe_xml(args):
        return []
    if kind == "html" and _non_html(args):
        return []
    values = [v for i in sink.positions if (v := args.get(i)) is not None]
    values += [args.kwargs[k] for k in sink.keywords if k in args.kwargs]
    if kind == "template" and not any(flatten(v) for v in values):
        template = args.get(0, "source")
        if (
            template is not None
            and isinstance(template.const, str)
            and "|safe" in template.const.replace(" ", "")
        ):
            values = [v for k, v in args.kwargs.items() if k != "source"]
    return values


def _subprocess(args: CallArgs) -> list[Val]:
    shell = args.kwargs.get("shell")
    command = args.get(0, "args")
    if command is None:
        return []
    if shell is not None and (shell.taints or (shell.is_const and bool(shell.const))):
        return [command]
    if command.items is not None:
        program = command.items[0].const if command.items else None
        if isinstance(program, str) and program.rsplit("/", 1)[-1] in _SHELLS:
            return list(command.items)  # ["sh", "-c", text]: the text is a shell command line
        return [command.items[0]] if command.items else []
    return [command]  # a string program, or a whole argument list from the user


def _safe_yaml(it: Interp, args: CallArgs) -> bool:
    node = args.node
    loader = next((kw.value for kw in node.keywords if kw.arg == "Loader"), None)
    if loader is None and len(node.args) > 1:
        loader = node.args[1]
    if loader is None:
        return False
    qn = it.qualname(loader)
    return qn is not None and it.prog.canonical(qn) in tb.YAML_SAFE_LOADERS


def _safe_xml(args: CallArgs) -> bool:
    parser = args.kwargs.get("parser") or (args.args[1] if len(args.args) > 1 else None)
    return parser is not None and parser.tag == "xml-safe"


def _non_html(args: CallArgs) -> bool:
    for key in ("content_type", "mimetype", "media_type"):
        value = args.kwargs.get(key)
        if value is not None and isinstance(value.const, str) and "html" not in value.const:
            return True
    first = args.get(0, "response") or args.get(0, "content")
    return first is not None and (first.keys is not None or first.items is not None)


def check_store(it: Interp, target: ast.Subscript, base: Val, value: Val) -> None:
    if base.tag == "session":
        report(it, tb.TRUST, flatten(value), target, "session[...] = ")
    elif base.tag in ("headers", "response"):
        report(it, tb.HEADER, flatten(value), target, "response header")


def report(it: Interp, cwe: int, taints: frozenset[Taint], node: ast.AST, label: str) -> None:
    from stackaudit.analyzers.taint.program import SinkHit

    snippet = ""
    for taint in pick(taints, cwe):
        snippet = snippet or it.mod.snippet(node)
        it.hits.append(SinkHit(cwe, taint, it.loc(node), snippet, label))


def pick(taints: frozenset[Taint], cwe: int) -> list[Taint]:
    """The best real flow, plus one symbolic flow per parameter (for the function's summary)."""
    reaching = [t for t in taints if t.reaches(cwe)]
    real = [t for t in reaching if t.kind != SourceKind.PARAM]
    chosen = [min(real, key=lambda t: (-t.kind.confidence, len(t.steps)))] if real else []
    seen: set[int] = set()
    for t in reaching:
        if t.kind == SourceKind.PARAM and t.param not in seen:
            seen.add(t.param)
            chosen.append(t)
    return chosen
