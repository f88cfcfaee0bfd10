"""The .proto reader behind ``proto.read``: ``proto-schema-parser`` (a pure-Python ANTLR grammar
of proto2 and proto3, kept up) into ``proto.ProtoFile``. Imported only when a repository has
.proto files: the parser and the ANTLR runtime cost tens of milliseconds to import."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from antlr4.error.ErrorListener import ErrorListener
from proto_schema_parser import ast as proto_ast
from proto_schema_parser.parser import Parser

from stackaudit.analyzers.apiversion.proto import MAX_NUMBER, Field, Numbered, ProtoError, ProtoFile


class _Raise(ErrorListener):  # type: ignore[misc]
    """ANTLR prints syntax errors to stderr and goes on by default: raise instead."""

    def syntaxError(self, recognizer: Any, symbol: Any, line: int, column: int, msg: str, e: Any) -> None:
        raise ProtoError(f"line {line}:{column}: {msg}"[:200])


def _quiet(recognizer: Any) -> None:
    recognizer.removeErrorListeners()
    recognizer.addErrorListener(_Raise())


def _ranges(items: list[str]) -> Iterator[tuple[int, int]]:
    for item in items:
        lo, _, hi = item.partition(" to ")
        try:
            yield int(lo, 0), (MAX_NUMBER if hi.strip() == "max" else int(hi or lo, 0))
        except ValueError:
            continue


def _label(node: proto_ast.Field | proto_ast.Group) -> str:
    return node.cardinality.value.lower() if node.cardinality is not None else ""


def _read_type(node: Any, prefix: str, out: ProtoFile) -> None:
    name = f"{prefix}{node.name}"
    kind = "enum" if isinstance(node, proto_ast.Enum) else "message"
    numbered = Numbered(name, kind)
    out.types[name] = numbered
    todo = list(node.elements)
    while todo:
        element = todo.pop(0)
        if isinstance(element, proto_ast.OneOf):
            todo.extend(element.elements)
        elif isinstance(element, proto_ast.Field):
            numbered.fields[element.number] = Field(
                element.name, element.number, element.type, _label(element)
            )
        elif isinstance(element, proto_ast.MapField):
            kind_text = f"map<{element.key_type},{element.value_type}>"
            numbered.fields[element.number] = Field(element.name, element.number, kind_text, "map")
        elif isinstance(element, proto_ast.EnumValue):
            numbered.fields[element.number] = Field(element.name, element.number, "", "")
        elif isinstance(element, proto_ast.Group):  # proto2: a nested message and a field at once
            numbered.fields[element.number] = Field(element.name, element.number, "group", _label(element))
            _read_type(element, f"{name}.", out)
        elif isinstance(element, proto_ast.Reserved | proto_ast.EnumReserved):
            numbered.reserved.extend(_ranges(list(element.ranges)))
        elif isinstance(element, proto_ast.Message | proto_ast.Enum):
            _read_type(element, f"{name}.", out)


def parse(text: str) -> ProtoFile:
    """The messages, enums and rpcs of one .proto file; ``ProtoError`` when it does not parse."""
    try:
        parsed = Parser(setup_lexer=_quiet, setup_parser=_quiet).parse(text)
    except RecursionError:
        raise ProtoError("nested too deeply") from None
    out = ProtoFile()
    for element in parsed.file_elements:
        if isinstance(element, proto_ast.Message | proto_ast.Enum):
            _read_type(element, "", out)
        elif isinstance(element, proto_ast.Service):
            for method in element.elements:
                if isinstance(method, proto_ast.Method):
                    pair = (method.input_type.type, method.output_type.type)
                    out.rpcs[f"{element.name}.{method.name}"] = pair
    return out
