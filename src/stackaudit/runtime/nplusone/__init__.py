"""Runtime N+1 detection: capture SQL per unit of work, fingerprint it, find repeated runs."""
