"""One pydantic model per config section, each owned by the part that reads it."""
