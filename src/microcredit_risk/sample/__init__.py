"""Synthetic five-year SME loan ledgers for the bank kinds of the case studies (`mcr sample`)."""

from .export import ExportStyle, bank_sheets, bank_table, export_bank_ledger, export_canonical_csv
from .kinds import kinds
from .simulate import Sample, simulate

__all__ = ["ExportStyle", "Sample", "bank_sheets", "bank_table", "export_bank_ledger",
           "export_canonical_csv", "kinds", "simulate"]
