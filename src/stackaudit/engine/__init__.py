"""The engine: run analyzers, apply suppressions and baselines, dedupe, score."""
