"""The service map: endpoints, who can reach them, and the data stores, third parties and queues
their handlers touch. Read from syntax trees only; the audited code is never imported or run.

``build_map(root, paths)`` is the entry point (``build.py``); ``attach.py`` gives findings the
endpoint they sit behind; ``render.py`` draws the map (JSON, Mermaid, HTML with a server-side SVG).
"""
