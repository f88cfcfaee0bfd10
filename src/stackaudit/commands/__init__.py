"""CLI sub-commands, one module each; each module defines ``register(app)``.

cli.py calls ``register`` for every module named in ``COMMAND_MODULES``.
"""

COMMAND_MODULES: tuple[str, ...] = (
    "stackaudit.commands.audit",
    "stackaudit.commands.history",
    "stackaudit.commands.metrics",
    "stackaudit.commands.profile",
    "stackaudit.commands.secrets",
    "stackaudit.commands.load",
    "stackaudit.commands.regress",
    "stackaudit.commands.db",
    "stackaudit.commands.sbom",
    "stackaudit.commands.prune",
    "stackaudit.commands.dora",
    "stackaudit.commands.prcheck",
    "stackaudit.commands.init",
    "stackaudit.commands.schedule",
    "stackaudit.commands.dast",
    "stackaudit.commands.fleet",
    "stackaudit.commands.serve",
    "stackaudit.commands.map",
    "stackaudit.commands.threat",
)
