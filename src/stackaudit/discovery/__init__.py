"""Discover the repository's files, their languages, and what cannot be analysed."""
