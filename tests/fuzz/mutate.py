"""Hypothesis strategies that turn a real seed file into hostile variants of it.

Grammar-blind mutation of real inputs finds what parsers meet in the wild (truncated
downloads, merge conflicts, editors' BOMs, binary junk, deep nesting) far more often than
random text, which mostly fails the first token.
"""

from __future__ import annotations

from hypothesis import strategies as st

JUNK = (
    "\x00",
    "\ufeff",
    "\r",
    "\u2028",
    "'",
    '"',
    '"""',
    "\\",
    "{",
    "}",
    "[",
    "]",
    "[[" * 200,
    "(" * 300,
    "{" * 300,
    "<<<<<<< HEAD\n",
    "=======\n",
    "--- \n",
    "- - - -\n",
    "&a [*a, *a]\n",
    "!!python/object:os.system\n",
    "NaN",
    "1e999",
    "-0",
    "9" * 400,
    "é" * 50,
    "\t\t  \t",
    "#",
    "@",
    "==",
    ">=",
    "~=",
    ";",
    ":",
    "=",
    "\n" * 50,
    "a" * 5000,
)


@st.composite
def mutated(draw: st.DrawFn, seeds: tuple[str, ...]) -> str:
    """A seed with 1 to 6 edits: delete, duplicate, insert junk or random text, truncate, swap lines."""
    text = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(("delete", "dup", "junk", "text", "truncate", "swap", "replace")))
        n = len(text)
        i = draw(st.integers(0, n))
        j = draw(st.integers(i, min(n, i + 200)))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "dup":
            text = text[:j] + text[i:j] * draw(st.integers(1, 20)) + text[j:]
        elif op == "junk":
            text = text[:i] + draw(st.sampled_from(JUNK)) + text[i:]
        elif op == "text":
            text = text[:i] + draw(st.text(max_size=40)) + text[j:]
        elif op == "truncate":
            text = text[:i]
        elif op == "replace":
            text = text[:i] + draw(st.characters()) + text[i + 1 :]
        else:
            lines = text.splitlines(keepends=True)
            if len(lines) > 1:
                a = draw(st.integers(0, len(lines) - 1))
                b = draw(st.integers(0, len(lines) - 1))
                lines[a], lines[b] = lines[b], lines[a]
                text = "".join(lines)
    return text


def _is_file_text(text: str) -> bool:
    """Only what a file can hold reaches a parser: files are decoded as strict UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def inputs(seeds: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Mostly mutated seeds, sometimes plain random text."""
    return st.one_of(mutated(seeds), mutated(seeds), mutated(seeds), st.text(max_size=400)).filter(
        _is_file_text
    )
