"""The history store: the only code that speaks SQL (besides ``vulndb/``).

``store.Store`` is the public entry point; ``migrations/`` holds the Alembic chain
(``0001_core`` → ``0002_vulndb`` → …), run programmatically by ``Store.open``.
"""
