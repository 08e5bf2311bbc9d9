"""`mcr validate` (being built)."""
