"""A light DAST against a running target the user names (issue 12 §7).

``run.run_dast`` is the entry point; ``guard`` fences every request to the named origin and
bounds; ``probe`` and ``fuzz`` (Schemathesis) send requests; ``passive`` reads responses;
``rules`` declares the ``dast.*`` rules; ``analyzer`` runs it inside ``stackaudit audit``.
"""
