"""stackaudit: a code audit framework for performance, security and scale."""

__version__ = "0.1.0"
