"""``stackaudit serve``: a self-hosted dashboard over the history store (Starlette + Jinja2).

``app.create_app(Settings(url=...))`` builds the ASGI app; ``pages`` holds the handlers,
``queries`` / ``stats`` / ``detail`` the SQL, ``charts`` the server-made SVG, ``security``
the headers, token and CSRF checks.
"""
