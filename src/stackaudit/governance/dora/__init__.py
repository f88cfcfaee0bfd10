"""DORA's four keys from git tags or a deploy log, with incidents or git failure signals.

``inputs`` reads deploy logs and incident files (errors name file, row and column),
``gitsource`` reads tags, change sets and reverts/hotfixes through git, ``compute`` turns
them into per-month and window metrics, ``bands`` holds the published DORA bands by
report year, ``render`` writes terminal, JSON and Markdown.
"""
