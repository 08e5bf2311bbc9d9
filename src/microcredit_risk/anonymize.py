"""``--anonymize``: stable pseudonyms for customers and loan officers, applied once to the ledger.

Every column that names a person or an id is pseudonymised: the canonical ones in :data:`PREFIX` and
any extra column whose header is also an alias of one of them (a second name or id column).

Applied right after reading, so every later output (metrics, findings, figures, report) only ever
sees pseudonyms. The same id always gives the same pseudonym (keyed hash). Set ``MCR_ANON_KEY`` to
a secret of your own so that pseudonyms cannot be reversed by hashing guessed ids.
"""

from __future__ import annotations

import hashlib
import os

import pandas as pd

from .ledger.contract import Ledger

_DEFAULT_KEY = "mcr-pseudonym-v1"
PREFIX = {"customer_id": "C", "customer_name": "Customer ", "loan_officer": "Officer ", "group_id": "G"}


def _pseudonyms(values: pd.Series, prefix: str, key: str) -> pd.Series:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == 0:  # an empty column (e.g. group_id never filled in) stays empty
        return pd.Series(pd.NA, index=values.index, dtype="str")
    mapped = [prefix + hashlib.blake2b(str(u).encode("utf-8"), key=key.encode("utf-8")[:64], digest_size=5).hexdigest()
              for u in uniques]  # one hash per distinct value, not per row
    out = pd.Series(pd.array(mapped, dtype="str")[codes.clip(min=0)], index=values.index, dtype="str")
    return out.where(codes >= 0)


def key_check(key: str | None = None) -> str:
    """A keyed hash of a constant, kept with a run's loan states: a later run tells from it whether
    both were pseudonymised with the same ``MCR_ANON_KEY`` (else officers' pseudonyms differ). It
    reveals nothing a pseudonym does not."""
    key = key or os.environ.get("MCR_ANON_KEY") or _DEFAULT_KEY
    return hashlib.blake2b(b"mcr-key-check", key=key.encode("utf-8")[:64], digest_size=5).hexdigest()


def personal_extras(ledger: Ledger) -> dict[str, str]:
    """Extra columns whose header also names a personal column (a second 借款人名称, 证件号码 …) → that column.

    Why: such a column was kept verbatim, and a model formula naming it put real names in the report.
    """
    out: dict[str, str] = {}
    for m in ledger.matches:
        if m.canonical is None and m.how.startswith("duplicate of "):
            canonical = m.how.removeprefix("duplicate of ")
            if canonical in PREFIX and m.header in ledger.frame.columns:
                out[m.header] = canonical
    return out


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
    for header, canonical in personal_extras(ledger).items():
        frame[header] = _pseudonyms(frame[header], PREFIX[canonical], key + canonical)
    return Ledger(frame=frame, sources=ledger.sources, matches=ledger.matches, issues=ledger.issues,
                  extras=ledger.extras, currency=ledger.currency)  # conversions dropped: they hold raw values
