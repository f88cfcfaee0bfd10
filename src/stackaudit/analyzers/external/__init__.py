"""Wrappers around engines that are other programs (ruff, zizmor)."""
