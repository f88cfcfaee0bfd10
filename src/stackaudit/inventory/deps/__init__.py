"""Dependency discovery: manifest and lock-file parsers and the dependency graph.

Nothing found here is executed or imported; files are parsed as text.
"""

from stackaudit.inventory.deps.discover import (
    build_inventory,
    environment_inventory,
    is_dependency_file,
    parse_file,
    walk,
)
from stackaudit.inventory.deps.environment import EnvironmentNotReadable, parse_environment
from stackaudit.inventory.deps.graph import DependencyGraph
from stackaudit.inventory.deps.model import (
    Dependency,
    Ecosystem,
    Inventory,
    ParsedFile,
    Problem,
    normalise_name,
)

__all__ = [
    "Dependency",
    "DependencyGraph",
    "Ecosystem",
    "EnvironmentNotReadable",
    "Inventory",
    "ParsedFile",
    "Problem",
    "build_inventory",
    "environment_inventory",
    "is_dependency_file",
    "normalise_name",
    "parse_environment",
    "parse_file",
    "walk",
]
