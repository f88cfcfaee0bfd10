"""Our own Python performance, scalability and SQL rules, on the stdlib ``ast``.

One traversal per file (``walker.Walk``) tracks scope and dispatches to every rule family
(``nplusone``, ``outbound``, ``queues``, ``retry``, ``pagination``, ``sql``); ``frameworks``
knows request handlers and their routes. Entry point: ``analyzer.PythonRulesAnalyzer``.
"""
