"""`mcr schema` (being built)."""
