"""Analyzers: one module or small package each. base.py holds the interface, registry.py lists them."""
