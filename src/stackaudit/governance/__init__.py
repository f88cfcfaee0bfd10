"""Governance: the commands that turn findings into decisions without the store.

DORA delivery metrics (``dora``), the pull-request checklist (``prcheck``), the symptom
playbooks (``playbooks``), project scaffolding (``scaffold``) and the quarterly schedule
(``schedule``). Each reads git, files or its own data; none imports or runs audited code.
"""
