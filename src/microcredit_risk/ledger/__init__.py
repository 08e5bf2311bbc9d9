"""Reading a bank's loan ledger into the one canonical table (see docs/ledger.md)."""
