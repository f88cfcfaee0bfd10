"""Templates that handlers render: where a context value is written without escaping.

``render_template("post.html", post=p)`` escapes ``{{ post.title }}`` but not
``{{ post.body|safe }}``, nor anything inside ``{% autoescape false %}`` (Django:
``{% autoescape off %}``), nor a value written bare into a ``<script>`` block
(``var q = {{ q }};``) or into an unquoted attribute (``value={{ q }}``), where HTML
escaping does not stop the injection.

Templates are found by name under the repository's ``templates`` directories and read as
text; they are tokenised with Jinja2's own lexer (which also reads Django's ``{{ }}`` and
``{% %}`` syntax) and never rendered. The HTML around each ``{{ }}`` is followed with a
small state machine (tag, attribute quote, script block): a full HTML parser would not
see the template tags that split the markup.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MAX_TEMPLATE_BYTES = 512_000
MAX_DEPTH = 4  # extends/include levels followed
_SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "site-packages", "__pycache__", ".tox"})
_JS_SAFE = frozenset({"tojson", "escapejs", "json_script", "int", "float", "length", "count", "urlencode"})
_ATTR_SAFE = frozenset({"urlencode", "int", "float", "length", "count", "tojson"})
_ESCAPES = frozenset(
    {"e", "escape", "force_escape", "escapejs", "tojson", "urlencode", "int", "float", "length"}
)


@dataclass(frozen=True, slots=True)
class UnsafeUse:
    """A context variable written without effective escaping: where and how."""

    name: str  # the root context variable (``post`` for ``post.body``)
    template: str
    line: int
    how: str  # "|safe", "autoescape off", "<script> block", "unquoted attribute"


class _Html:
    """Just enough of HTML's tokenizer state to know the context of a template expression."""

    def __init__(self) -> None:
        self.in_tag = False
        self.tag = ""
        self.reading_tag = False
        self.quote = ""
        self.in_script = False
        self.js_quote = ""
        self.last = ""

    def feed(self, text: str) -> None:
        for ch in text:
            self._char(ch)

    def _char(self, ch: str) -> None:
        if self.in_tag:
            self._tag_char(ch)
        elif ch == "<":
            self.in_tag, self.tag, self.reading_tag, self.quote = True, "", True, ""
        elif self.in_script:
            if self.js_quote:
                self.js_quote = "" if ch == self.js_quote else self.js_quote
            elif ch in "'\"`":
                self.js_quote = ch
        if not ch.isspace():
            self.last = ch

    def _tag_char(self, ch: str) -> None:
        if self.quote:
            self.quote = "" if ch == self.quote else self.quote
        elif self.reading_tag and (ch.isalnum() or ch == "/"):
            self.tag += ch.lower()
        elif ch in "'\"":
            self.quote = ch
        elif ch == ">":
            self.in_tag = False
            if self.tag == "script":
                self.in_script, self.js_quote = True, ""
            elif self.tag == "/script":
                self.in_script = False
        if not (ch.isalnum() or ch == "/"):
            self.reading_tag = False

    def context(self) -> str:
        if self.in_tag and not self.quote and self.last == "=":
            return "unquoted attribute"
        if self.in_script and not self.in_tag and not self.js_quote:
            return "<script> block"
        return ""


class TemplateIndex:
    """The repository's templates by the name handlers use (the path under a ``templates`` dir)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.by_name: dict[str, Path] = {}
        for path in _template_files(root):
            parts = path.relative_to(root).parts
            index = max(i for i, part in enumerate(parts) if part == "templates")
            self.by_name.setdefault("/".join(parts[index + 1 :]), path)

    def unsafe_uses(self, name: str) -> dict[str, UnsafeUse]:
        """Unsafe uses of each context variable in ``name`` and what it extends or includes."""
        found: dict[str, UnsafeUse] = {}
        self._collect(name, found, set(), 0)
        return found

    def _collect(self, name: str, found: dict[str, UnsafeUse], seen: set[str], depth: int) -> None:
        path = self.by_name.get(name.lstrip("/"))
        if path is None or name in seen or depth > MAX_DEPTH:
            return
        seen.add(name)
        uses, children = _scan(name, path)
        for use in uses:
            found.setdefault(use.name, use)
        for child in children:
            self._collect(child, found, seen, depth + 1)


def _template_files(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS]
        if "templates" not in Path(dirpath).relative_to(root).parts:
            continue
        for filename in filenames:
            if filename.endswith((".html", ".htm", ".jinja", ".jinja2", ".j2", ".txt", ".xml")):
                yield Path(dirpath) / filename


@lru_cache(maxsize=8)
def index_for(root: str) -> TemplateIndex:
    return TemplateIndex(Path(root))


def _scan(name: str, path: Path) -> tuple[list[UnsafeUse], list[str]]:
    """Unsafe uses and the templates this one extends or includes."""
    try:  # imported on first use: most repositories render no template we can find
        import jinja2
        from jinja2.exceptions import TemplateSyntaxError
    except ImportError:  # pragma: no cover -- a declared dependency; without it templates go unread
        return [], []
    try:
        if path.stat().st_size > MAX_TEMPLATE_BYTES:
            return [], []
        source = path.read_text(encoding="utf-8")
        tokens = list(jinja2.Environment().lex(source))
    except (OSError, UnicodeDecodeError, TemplateSyntaxError):
        return [], []
    return _Walker(name).run(tokens)


class _Walker:
    def __init__(self, name: str) -> None:
        self.name = name
        self.html = _Html()
        self.raw: list[bool] = []  # autoescape stack: True = escaping off
        self.alias: dict[str, str] = {}  # {% for post in posts %}: post -> posts
        self.uses: list[UnsafeUse] = []
        self.children: list[str] = []

    def run(self, tokens: list[tuple[int, str, str]]) -> tuple[list[UnsafeUse], list[str]]:
        i = 0
        while i < len(tokens):
            line, kind, value = tokens[i]
            end = i + 1
            if kind == "data":
                self.html.feed(value)
            elif kind in ("variable_begin", "block_begin"):
                end = _close(tokens, i, "variable_end" if kind == "variable_begin" else "block_end")
                inner = [
                    (t[1], t[2][1:-1] if t[1] == "string" else t[2])
                    for t in tokens[i + 1 : end - 1]
                    if t[1] != "whitespace"
                ]
                if kind == "variable_begin":
                    self._variable(line, inner)
                else:
                    self._block(inner)
            i = end
        return self.uses, self.children

    def _variable(self, line: int, inner: list[tuple[str, str]]) -> None:
        names = [v for k, v in inner if k == "name"]
        if not names or inner[0][0] != "name":
            return
        filters = {inner[j + 1][1] for j in range(len(inner) - 1) if inner[j] == ("operator", "|")}
        how = ""
        if "safe" in filters:
            how = "|safe"
        elif self.raw and self.raw[-1] and not filters & _ESCAPES:
            how = "autoescape off"
        else:
            where = self.html.context()
            allowed = _JS_SAFE if where == "<script> block" else _ATTR_SAFE
            if where and not filters & allowed:
                how = where
        if how:
            root = self.alias.get(names[0], names[0])
            self.uses.append(UnsafeUse(root, self.name, line, how))
        self.html.last = "x"  # the expression's text: an attribute value is no longer expected

    def _block(self, inner: list[tuple[str, str]]) -> None:
        words = [v for k, v in inner if k in ("name", "string")]
        if not words:
            return
        head = words[0]
        if head == "autoescape":
            self.raw.append(len(words) > 1 and words[1] in ("false", "off", "False"))
        elif head == "endautoescape" and self.raw:
            self.raw.pop()
        elif head in ("extends", "include") and len(inner) > 1 and inner[1][0] == "string":
            self.children.append(inner[1][1])
        elif head == "for" and "in" in words:
            at = words.index("in")
            if at + 1 < len(words):
                for target in words[1:at]:
                    self.alias[target] = self.alias.get(words[at + 1], words[at + 1])


def _close(tokens: list[tuple[int, str, str]], start: int, kind: str) -> int:
    for j in range(start + 1, len(tokens)):
        if tokens[j][1] == kind:
            return j + 1
    return len(tokens)
