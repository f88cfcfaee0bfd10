"""Runtime baseline: sample Prometheus endpoints, Redis and PostgreSQL over a window."""
