"""Per-request profiles (pyinstrument middleware) and whole-process profiles (py-spy)."""
