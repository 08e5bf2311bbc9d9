"""``--anonymize``: stable pseudonyms for customers and loan officers, applied once to the ledger.

Applied right after reading, so every later output (metrics, findings, figures, report) only ever
sees pseudonyms. The same id always gives the same pseudonym (keyed hash). Set ``MCR_ANON_KEY`` to
a secret of your own so that pseudonyms cannot be reversed by hashing guessed ids.
"""

from __future__ import annotations

import hashlib
import os

import pandas as pd

from .ledger.canonical import Ledger

_DEFAULT_KEY = "mcr-pseudonym-v1"
PREFIX = {"customer_id": "C", "customer_name": "Customer ", "loan_officer": "Officer ", "group_id": "G"}


def _pseudonyms(values: pd.Series, prefix: str, key: str) -> pd.Series:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = [prefix + hashlib.blake2b(str(u).encode("utf-8"), key=key.encode("utf-8")[:64], digest_size=5).hexdigest()
              for u in uniques]  # one hash per distinct value, not per row
    out = pd.Series(pd.array(mapped, dtype="str")[codes.clip(min=0)] if len(mapped) else [], index=values.index,
                    dtype="str")
    return out.where(codes >= 0)


def anonymize_ledger(ledger: Ledger, key: str | None = None) -> Ledger:
    """A copy of the ledger with customer ids/names, group ids and officers replaced by pseudonyms."""
    key = key or os.environ.get("MCR_ANON_KEY") or _DEFAULT_KEY
    frame = ledger.frame.copy()
    ids = frame["customer_id"]
    for column, prefix in PREFIX.items():
        if column not in frame:
            continue
        # a customer's name follows its id, so the two stay one-to-one after pseudonymising
        source = ids if column == "customer_name" else frame[column]
        frame[column] = _pseudonyms(source, prefix, key + column).where(frame[column].notna())
    return Ledger(frame=frame, sources=ledger.sources, matches=ledger.matches, issues=ledger.issues,
                  extras=ledger.extras)
