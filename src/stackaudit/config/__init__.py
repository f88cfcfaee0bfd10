"""Configuration: the pydantic model (schema.py) and the file loader (loader.py)."""
