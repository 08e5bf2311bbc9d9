"""The programme families' aggregates: renewals that hide arrears, and balances under risk sharing.

Both are stock sums per snapshot (× product for risk sharing), with ``loans`` (the stock count)
beside them so the caller reports only the snapshots and products that have stock. The same
``SUM(CASE WHEN … THEN x ELSE 0.0 END)`` as :mod:`.aggregates`: one thread adds in ledger order.
"""

from __future__ import annotations

from .aggregates import ROWS, _sum, segment_column


def renewal_sums(normal_code: int) -> str:
    """Per snapshot: the stock count, and the count and balance of renewed loans graded
    ``normal_code`` with days past due > 0 (needs ``renewed`` and ``days_past_due``)."""
    hit = f"stock AND renewed AND grade = {int(normal_code)} AND days_past_due > 0"
    return (f"SELECT date, {_sum('stock', '1.0')} AS loans, "
            f"{_sum(hit, '1.0')} AS renewed_normal_overdue_count, "
            f"{_sum(hit)} AS renewed_normal_overdue_balance "
            f"FROM {ROWS} GROUP BY date ORDER BY date")


def risk_share_sums(by: str | None) -> str:
    """Per snapshot (grouping 0) and, with ``by``, per snapshot × segment of that dimension (grouping 1):
    the stock count and the stock balance with risk_share_ratio > 0."""
    body = f"{_sum('stock', '1.0')} AS loans, {_sum('stock AND risk_share_ratio > 0')} AS risk_shared_balance"
    parts = [f"SELECT 0 AS grouping, 0 AS segment, date, {body} FROM {ROWS} GROUP BY date"]
    if by is not None:
        seg = segment_column(by)
        parts.append(f"SELECT 1 AS grouping, {seg} AS segment, date, {body} FROM {ROWS} GROUP BY date, {seg}")
    return "\nUNION ALL\n".join(parts) + "\nORDER BY grouping, date, segment"
