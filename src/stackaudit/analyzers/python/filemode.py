"""File modes that let other users write: ``os.chmod(path, 0o664)``.

ruff's S103 (outside preview) checks world-write and group-execute; Bandit checks group write
and other-execute as well (``0o33``), so ``0o755`` on a program is reported. This rule reports
write access beyond the owner (``0o022``): a group- or world-writable file lets another account
change what the owner runs or reads. Execute bits alone grant nothing read access does not.
"""

from __future__ import annotations

import ast
import dataclasses
import stat

from stackaudit.analyzers.python.family import RuleFamily
from stackaudit.model import Category, Confidence, RuleMeta, Severity

PERMISSIVE_MODE = RuleMeta(
    id="sec.permissive-file-mode",
    title="File made writable by other users",
    category=Category.SECURITY,
    severity=Severity.MEDIUM,
    cwe=(732,),
    impact=6,
    likelihood=4,
    effort=0.1,
    confidence=Confidence.HIGH,
    fix="Grant only the owner what it needs: 0o600 for data and keys, 0o700 or 0o755 for programs.",
    doc="""
    Finds ``os.chmod``/``os.fchmod``/``os.lchmod`` and ``Path.chmod`` with a constant mode that
    gives write access to the group or to everyone (``mode & 0o022``), including ``stat``
    constants (``stat.S_IWOTH``). ``0o755`` on a program is not reported, nor group write on a
    Unix socket (a path named like ``*sock*``): connecting to a socket needs write permission,
    so ``0o660`` is how a server lets its front end's group in. Group write alone is low
    severity; write access for everyone is high.

    Why it matters: another local user or a compromised service account can change a
    group- or world-writable file (a config, a script a cron job runs, a key) and so run
    code as its owner.

    Example::

        os.chmod(config_path, 0o666)

    Fix: ``os.chmod(config_path, 0o600)``.
    """,
)

_CHMOD = frozenset({"os.chmod", "os.fchmod", "os.lchmod"})
_RISKY = stat.S_IWOTH | stat.S_IWGRP
_BITS = ((stat.S_IWOTH, "writable by everyone"), (stat.S_IWGRP, "writable by the group"))


def _mode(node: ast.expr) -> int | None:
    """A constant mode: an int, a ``stat.S_*`` name, or ``|`` of those."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "stat":
        value = getattr(stat, node.attr, None)
        return value if isinstance(value, int) and node.attr.startswith("S_I") else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = _mode(node.left), _mode(node.right)
        return None if left is None or right is None else left | right
    return None


class FileModeRules(RuleFamily):
    rules = (PERMISSIVE_MODE,)

    def on_call(self, node: ast.Call) -> None:
        qualname = self.walk.qualname(node.func) or ""
        if qualname in _CHMOD and len(node.args) >= 2:
            arg: ast.expr | None = node.args[1]
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "chmod" and qualname not in _CHMOD:
            arg = (
                node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "mode"), None)
            )
        else:
            return
        mode = _mode(arg) if arg is not None else None
        if mode is None or not mode & _RISKY:
            return
        world = bool(mode & stat.S_IWOTH)
        target = node.args[0] if qualname in _CHMOD else node.func.value  # type: ignore[attr-defined]
        if not world and "sock" in ast.unparse(target).lower():
            return
        what = ", ".join(label for bit, label in _BITS if mode & bit)
        finding = self.walk.prepare(PERMISSIVE_MODE, node, f"mode {oct(mode)} makes the file {what}")
        if not world:
            finding = dataclasses.replace(finding, severity=Severity.LOW)
        self.walk.add(finding)
