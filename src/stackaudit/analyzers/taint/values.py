"""Abstract values of the taint engine: where data came from and what it may hold.

A ``Val`` is what the interpreter knows about one expression: the taints that
may reach it, its constant value when known (for folding and for killing taint
on reassignment), precise list/tuple items and constant-key dict entries, the
constant prefix of a built string (a fixed ``https://host/`` prefix makes a URL
safe from SSRF), and a small ``tag`` for typed objects (request, session, …).
Values compare structurally (``same``), and a taint's identity is its flow (kind, origin,
parameter, what it was cleaned for), not its trace: the fixpoint in ``fixpoint.py`` stops
when nothing but a longer trace of the same flow would change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import IntEnum

from stackaudit.model import Confidence, Location, TraceStep

MAX_TAINTS = 4  # real sources per value: bounded memory, the first few flows are enough
MAX_PARAMS = 8  # symbolic parameter taints per value, kept apart so that they never crowd out a real source
MAX_STEPS = 10  # per trace
MAX_ITEMS = 64  # precise containers beyond this become imprecise


class SourceKind(IntEnum):
    PARAM = 0  # a parameter of the function being summarised (symbolic)
    REQUEST = 1  # web request data
    CLI = 2  # sys.argv, input()
    ENV = 3  # environment variables
    FILE = 4  # file contents
    STORED = 5  # a database row: data at rest, written by whoever could write it (second order)
    UNKNOWN = 6  # the result of a library call the analysis cannot follow: an origin nobody traced

    @property
    def confidence(self) -> Confidence:
        return Confidence.HIGH if self in (SourceKind.REQUEST, SourceKind.CLI) else Confidence.LOW

    @property
    def remote(self) -> bool:
        """An untrusted remote source: a flow from it is a *confirmed* finding."""
        return self is SourceKind.REQUEST


ALL_CWES: frozenset[int] = frozenset({-1})  # marker: cleaned for every sink class
REDIRECT_CWE = 601
STARTS_WITH_SLASH, NOT_DOUBLE_SLASH = -2, -3  # facts from guards; together: a site-relative path
RELATIVE_PATH = frozenset({STARTS_WITH_SLASH, NOT_DOUBLE_SLASH})
PATH_CWE = 22
# The files and hosts a service uses are the operator's to choose: a path or URL from the
# environment or the command line of the one who starts it is configuration, not an attack
# (the same value in a shell command or ``eval`` stays reported: that crosses into code).
OPERATOR_CHOSEN = frozenset({PATH_CWE, 918})
# fact: one URL segment (a route parameter whose converter matches no "/"). As a file name under
# a directory it names at most ``..`` of it, which opens nothing; used as a directory (joined
# with more after it, or given to a sink that works on directories) it is a traversal again.
SEGMENT = -4
# fact: the value is not exactly "." or "..": a segment that holds some other character (it was
# joined with a constant such as " (42)" or "_") names no parent even when used as a directory.
NOT_DOTS = -5
# facts: the input's part holds no ".." (it is what follows the last dot of a name, or a guard
# refused ".."), and it does not start the value (a constant or a server value comes first), so
# the path cannot be absolute because of it. Together: the input cannot leave the base directory.
NO_DOTDOT, NOT_ABSOLUTE = -6, -7
UNDER_BASE = frozenset({NO_DOTDOT, NOT_ABSOLUTE})
# fact: the request's own path (``request.path``, ``get_full_path()``). Starts with "/"; sent to a
# redirect it leaves the site only as "//host/...", a path the URL resolver routes to no view
# unless a pattern allows a leading slash (Django's CVE-2018-14574 was a middleware redirecting
# paths no view matched). Reported, but low.
OWN_PATH = -8


@dataclass(frozen=True, slots=True, eq=False)
class Taint:
    """One flow from a source. Equal to another taint of the same flow whatever its trace."""

    kind: SourceKind
    origin: TraceStep
    steps: tuple[TraceStep, ...] = ()
    cleaned: frozenset[int] = frozenset()  # CWEs this flow was sanitised for
    param: int = -1  # PARAM: the parameter index
    endpoint: str | None = None  # the route the source was read in
    key: tuple[object, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        loc = self.origin.location
        rank = (self.kind == SourceKind.PARAM, -int(self.kind.confidence), int(self.kind))
        key = (
            *rank,
            self.param,
            loc.path,
            loc.line,
            loc.column,
            self.origin.note,
            tuple(sorted(self.cleaned)),
        )
        object.__setattr__(self, "key", key)

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, Taint) and self.key == other.key)

    def __hash__(self) -> int:
        return hash(self.key)

    def step(self, location: Location, note: str) -> Taint:
        if len(self.steps) >= MAX_STEPS:
            return self
        return replace(self, steps=(*self.steps, TraceStep(location, note)))

    def clean_for(self, cwes: frozenset[int]) -> Taint:
        cleaned = self.cleaned | cwes
        if cleaned >= UNDER_BASE:  # no ".." and not absolute: the path stays under its base
            cleaned = cleaned | {PATH_CWE}
        return replace(self, cleaned=cleaned)

    def reaches(self, cwe: int) -> bool:
        if cwe in self.cleaned:
            return False
        if cwe in OPERATOR_CHOSEN and self.kind in (SourceKind.ENV, SourceKind.CLI):
            return False
        if cwe == PATH_CWE and SEGMENT in self.cleaned:
            return False
        # checked to start with "/" and not with "//" or "/\\": a path on this site, not a redirect away
        return not (cwe == REDIRECT_CWE and self.cleaned >= RELATIVE_PATH)

    def as_directory(self) -> Taint:
        """The flow used as a directory: a single segment is no longer harmless (``seg/../x``),
        unless it cannot be ``..``."""
        if SEGMENT not in self.cleaned or NOT_DOTS in self.cleaned:
            return self
        return replace(self, cleaned=self.cleaned - {SEGMENT})


class _NoConst:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_CONST"


NO_CONST: object = _NoConst()
EMPTY: frozenset[Taint] = frozenset()


@dataclass(frozen=True, slots=True, eq=False)
class Val:
    taints: frozenset[Taint] = EMPTY
    const: object = NO_CONST
    items: tuple[Val, ...] | None = None  # precise list / tuple elements
    keys: tuple[tuple[object, Val], ...] | None = None  # precise constant-key dict
    prefix: str = ""  # known constant prefix of a string
    tag: str = ""  # "request", "session", "response", "xml-tree", "http-client", "xml-safe", …

    @property
    def is_const(self) -> bool:
        return self.const is not NO_CONST

    @property
    def tainted(self) -> bool:
        return bool(self.taints)

    def all_taints(self) -> frozenset[Taint]:
        return self.taints


CLEAN = Val()

# fact: the flow went into an object's items (``obj.update(form)``, ``obj["k"] = v``), not into
# the object itself: an attribute of that object (``obj.data_dir``) does not carry it. An item
# read back, a method's result or the object passed on carries it again (the fact is dropped).
ITEM_ONLY = -9
_ITEM_ONLY = frozenset({ITEM_ONLY})


def filled(cur: Val, added: frozenset[Taint]) -> Val:
    """``cur`` after tainted values went into its items. A special object (a session, a
    response, ...) keeps its tag and takes the taint as before."""
    if cur.tag:
        return Val(taints=cap(flatten(cur) | added), tag=cur.tag)
    return Val(taints=cap(flatten(cur) | frozenset(t.clean_for(_ITEM_ONLY) for t in added)))


def attribute_taints(taints: frozenset[Taint]) -> frozenset[Taint]:
    """What an attribute of an object carries: not what only went into its items."""
    return frozenset(t for t in taints if ITEM_ONLY not in t.cleaned)


def item_read(value: Val) -> Val:
    """A value read out of an object's items (or computed from the object): the flows it holds
    are the value's own again."""
    if not any(ITEM_ONLY in t.cleaned for t in value.taints):
        return value
    taints = frozenset(
        replace(t, cleaned=t.cleaned - _ITEM_ONLY) if ITEM_ONLY in t.cleaned else t for t in value.taints
    )
    return Val(taints, value.const, value.items, value.keys, value.prefix, value.tag)


def cap(taints: frozenset[Taint]) -> frozenset[Taint]:
    """Bound a value's taints: the best real sources first, then parameters apart.

    Deterministic (ordered by the flow's key), so a join followed by a cap only ever
    trades a kept flow for a better one: the fixpoint cannot cycle through caps.
    """
    if len(taints) <= MAX_TAINTS:
        return taints
    ordered = sorted(taints, key=_KEY)
    real = [t for t in ordered if t.kind != SourceKind.PARAM][:MAX_TAINTS]
    params = [t for t in ordered if t.kind == SourceKind.PARAM][:MAX_PARAMS]
    if len(real) + len(params) == len(taints):
        return taints
    return frozenset((*real, *params))


def _key(t: Taint) -> tuple[object, ...]:
    return t.key


_KEY = _key


def union(*vals: Val) -> frozenset[Taint]:
    out: frozenset[Taint] = EMPTY
    for v in vals:
        if v.taints:
            out = v.taints if not out else out | v.taints
    return cap(out)


CONFIGURED_HOST = "config://configured-host"  # prefix of a URL whose host comes from configuration


def as_directory(taints: frozenset[Taint]) -> frozenset[Taint]:
    if not any(SEGMENT in t.cleaned for t in taints):
        return taints
    return frozenset(t.as_directory() for t in taints)


def concatenated(pieces: list[Val]) -> frozenset[Taint]:
    """The taints of a string built by concatenation (``a + b``, an f-string), with what the
    constant pieces prove about the input's pieces used in a path.

    * A constant piece with a character other than "." makes the whole value something other
      than "." or "..": a one-segment input stays harmless as a directory (``NOT_DOTS``), as
      long as no constant adds a separator (``seg + "/x"`` with ``seg == ".."`` leaves the base).
    * An input piece after a server value or a constant name does not start the value
      (``NOT_ABSOLUTE``).
    * An input piece after a constant "?" or "#" is in the query or the fragment: it cannot
      choose where a redirect or a request goes (``f"{request.path}?{request.GET.urlencode()}"``).
    """
    texts = [p.const for p in pieces if p.is_const and isinstance(p.const, str)]
    separated = any("/" in t or "\\" in t for t in texts)
    named = not separated and any(set(t) - {"."} for t in texts)
    out: set[Taint] = set()
    led = queried = False
    for piece in pieces:
        for t in flatten(piece):
            if SEGMENT in t.cleaned and NOT_DOTS not in t.cleaned:
                t = t.as_directory() if separated else t.clean_for(_NOT_DOTS) if named else t
            if led and NO_DOTDOT in t.cleaned:
                t = t.clean_for(_NOT_ABSOLUTE)
            if queried:
                t = t.clean_for(_WHERE_TO)
            out.add(t)
        led = led or _leads(piece)
        queried = queried or (isinstance(piece.const, str) and bool(_QUERY.search(piece.const)))
    return cap(frozenset(out))


def formatted(template: str, args: Val) -> frozenset[Taint] | None:
    """``"%s?%s" % (url, query)``: the pieces of a %-format, for ``concatenated``; None when the
    template or its arguments are not positional and known."""
    parts = _CONVERSION.split(template)
    if args.items is None or "%(" in template or len(parts) - 1 != len(args.items):
        return None
    pieces: list[Val] = []
    for text, arg in zip(parts, (*args.items, None), strict=True):
        pieces.append(const(text))
        if arg is not None:
            pieces.append(arg)
    return concatenated(pieces)


def _leads(piece: Val) -> bool:
    """A piece that puts something before the input: a server value (a directory, an id) or a
    constant with more than separators (``"/" + name`` is still absolute)."""
    if piece.is_const:
        return isinstance(piece.const, str) and bool(piece.const.strip("/\\"))
    return all(t.kind in _SERVER_SIDE for t in piece.taints)


_NOT_DOTS = frozenset({NOT_DOTS})
_WHERE_TO = frozenset({REDIRECT_CWE, 918})  # a redirect's target and a request's host
_QUERY = re.compile(r"[?#]")
_CONVERSION = re.compile(r"%[-#0 +]*\d*(?:\.\d+)?[sdirfx]")
# what the server holds or computes (not the request, nor a parameter some caller may fill)
_SERVER_SIDE = frozenset({SourceKind.ENV, SourceKind.FILE, SourceKind.STORED, SourceKind.UNKNOWN})
_NOT_ABSOLUTE = frozenset({NOT_ABSOLUTE})


def configured(v: Val) -> bool:
    """A non-constant value no user controls: settings, environment, files of the deployment."""
    return all(t.kind in (SourceKind.ENV, SourceKind.FILE) for t in v.taints)


def tainted(taints: frozenset[Taint], prefix: str = "", tag: str = "") -> Val:
    return Val(taints=cap(taints), prefix=prefix, tag=tag) if taints or prefix or tag else CLEAN


def const(value: object) -> Val:
    return Val(const=value, prefix=value if isinstance(value, str) else "")


def join(a: Val, b: Val) -> Val:
    """Merge two control-flow paths: may-taint union; constants only if equal."""
    if a is b:
        return a
    same = a.is_const and b.is_const and type(a.const) is type(b.const) and a.const == b.const
    items = _join_items(a.items, b.items)
    keys = _join_keys(a.keys, b.keys)
    prefix = _common_prefix(a.prefix, b.prefix)
    taints = union(a, b)
    lost_items = items is None and (a.items is not None or b.items is not None)
    lost_keys = keys is None and (a.keys is not None or b.keys is not None)
    if lost_items or lost_keys:  # precision lost: what the precise side held becomes plain taint
        taints = cap(flatten(a) | flatten(b))
    return Val(
        taints=taints,
        const=a.const if same else NO_CONST,
        items=items,
        keys=keys,
        prefix=prefix,
        tag=a.tag if a.tag == b.tag else (a.tag or b.tag),
    )


def _join_items(a: tuple[Val, ...] | None, b: tuple[Val, ...] | None) -> tuple[Val, ...] | None:
    if a is None or b is None or len(a) != len(b):
        return None
    return tuple(join(x, y) for x, y in zip(a, b, strict=True))


def _join_keys(
    a: tuple[tuple[object, Val], ...] | None, b: tuple[tuple[object, Val], ...] | None
) -> tuple[tuple[object, Val], ...] | None:
    if a is None or b is None:
        return None
    merged: dict[object, Val] = dict(a)
    for key, val in b:
        merged[key] = join(merged[key], val) if key in merged else val
    return tuple(merged.items())


def _common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return a[:n]


def flatten(v: Val) -> frozenset[Taint]:
    """Every taint inside a value, containers included."""
    out = v.taints
    if v.items is not None:
        for item in v.items:
            out = out | flatten(item)
    if v.keys is not None:
        for _, item in v.keys:
            out = out | flatten(item)
    return cap(out)


def container(items: tuple[Val, ...] | None, taints: frozenset[Taint] = EMPTY) -> Val:
    if items is not None and len(items) > MAX_ITEMS:
        items = None
    return Val(taints=cap(taints), items=items)


def dict_val(keys: tuple[tuple[object, Val], ...] | None, taints: frozenset[Taint] = EMPTY) -> Val:
    if keys is not None and len(keys) > MAX_ITEMS:
        keys = None
    return Val(taints=cap(taints), keys=keys)


def deep(v: Val) -> Val:
    """The value with container contents folded into its own taints (imprecise view)."""
    if v.items is None and v.keys is None:
        return v
    return Val(taints=flatten(v), tag=v.tag)


def same(a: Val, b: Val) -> bool:
    """Structural equality of abstract values: the fixpoint's stopping test."""
    if a is b:
        return True
    if a.taints != b.taints or a.prefix != b.prefix or a.tag != b.tag or not _same_const(a.const, b.const):
        return False
    if (a.items is None) != (b.items is None) or (a.keys is None) != (b.keys is None):
        return False
    if (
        a.items is not None
        and b.items is not None
        and (len(a.items) != len(b.items) or not all(map(same, a.items, b.items)))
    ):
        return False
    if a.keys is not None and b.keys is not None:
        if len(a.keys) != len(b.keys):
            return False
        return all(ka == kb and same(va, vb) for (ka, va), (kb, vb) in zip(a.keys, b.keys, strict=True))
    return True


def _same_const(a: object, b: object) -> bool:
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    try:
        return bool(a == b)
    except Exception:  # audited constants can fail to compare in any way
        return False


def widen(v: Val) -> Val:
    """Jump to the top of the shape domain: what the value may hold, as plain taint.

    Applied at a block visited many times: constants, prefixes and precise containers
    can change on every turn of a loop; a set of capped taints cannot grow for ever.
    """
    if v.items is None and v.keys is None and not v.is_const and not v.prefix:
        return v
    return Val(taints=flatten(v), tag=v.tag)


def join_many(values: tuple[Val, ...] | list[Val]) -> Val:
    """The join of several values (CLEAN for none)."""
    if not values:
        return CLEAN
    result = values[0]
    for v in values[1:]:
        result = join(result, v)
    return result
