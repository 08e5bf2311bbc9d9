"""Watching a book from one run to the next: what changed since an earlier run, which loans to look at."""
