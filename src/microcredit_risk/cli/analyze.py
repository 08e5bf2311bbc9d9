"""`mcr analyze` (being built)."""
