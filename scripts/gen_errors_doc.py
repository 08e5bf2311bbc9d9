"""Generate docs/errors.md from the one error catalogue (src/microcredit_risk/data/errors.toml).

    PYTHONPATH=src python scripts/gen_errors_doc.py          # rewrite docs/errors.md
    PYTHONPATH=src python scripts/gen_errors_doc.py --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

from microcredit_risk.errors import PLURAL_FORMS, catalogue

DOC = Path(__file__).resolve().parents[1] / "docs" / "errors.md"

RANGES = [
    ("E0", "Reading the ledger", "exit 1; the line names file, sheet, row and column where there is one"),
    ("W1", "Ledger warnings", "the run goes on; counted in validation.json, the report and on stderr"),
    ("E2", "Bank profile and column map", "exit 1"),
    ("E3", "Findings rules (`--rules`)", "exit 1"),
    ("E4", "Model formula and statistics", "exit 1"),
    ("E5", "Output files and run folders", "exit 1; nothing is written"),
    ("W5", "Warnings about a --baseline run", "the run goes on; printed on stderr and shown in the report's changes section"),
    ("E6", "Usage: options and arguments", "exit 2, before any file is read"),
    ("E7", "Analysis asked for", "exit 2 for a usage error (level usage), else 1"),
    ("E9", "The command itself", "exit 1"),
]

HEAD = """# Errors and warnings

Every problem `mcr` reports has a stable code. A command prints one line on stderr,

    mcr: error: <where>: <message> [CODE]

and exits with status 2 for a usage error (a wrong option or value, the same on every command) and 1
for every other error; warnings (W…) do not stop the run. The line is in Chinese with `--lang zh` (or
`MCR_LANG=zh`, or a bank profile whose language is zh), else in English; `mcr --debug …` adds a
traceback (never with local variables: ledgers hold personal data). In the library the same problem
is an exception: `MCRError` and its kinds `LedgerError`, `ProfileError`, `AnalysisError`,
`OutputError` and `UsageError` (`microcredit_risk.errors`), each with `.code`, `.params`, `.location`
and `.line(lang)`.

This page is generated from `src/microcredit_risk/data/errors.toml`, the one catalogue
(`PYTHONPATH=src python scripts/gen_errors_doc.py`); `{name}` marks a value filled in where the
problem is found.
"""


def render() -> str:
    cat = catalogue()
    parts = [HEAD]
    for prefix, title, note in RANGES:
        codes = sorted(c for c in cat if c.startswith(prefix) and c != "E999")
        if not codes:
            continue
        parts.append(f"\n## {title} ({codes[0]}–{codes[-1]})\n\n{note[0].upper() + note[1:]}.\n\n"
                     "| code | name | English | 中文 |\n|---|---|---|---|\n")
        for c in codes:
            t = cat[c]
            en = t.en if isinstance(t.en, str) else " / ".join(t.en[f] for f in PLURAL_FORMS)
            cells = [x.replace("|", "\\|") for x in (en, t.zh)]
            parts.append(f"| {c} | `{t.name}` | {cells[0]} | {cells[1]} |\n")
    return "".join(parts)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        return 0 if DOC.exists() and DOC.read_text("utf-8") == text else 1
    DOC.write_text(text, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
