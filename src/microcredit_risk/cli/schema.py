"""`mcr schema`: the canonical columns, their aliases and accepted values."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from ..ledger.contract import COLUMNS
from ..ledger.schema import alias_table, vocabularies
from .app import app
from .common import TextOrJson, one_of, stdout


def schema_record() -> dict:
    aliases = alias_table()
    vocab = vocabularies()
    return {
        "columns": [
            {"name": c.name, "kind": c.kind, "required": c.required, "aliases": aliases[c.name],
             "values": {k: v for k, v in vocab.get(c.name, {}).items() if isinstance(v, list)} or None}
            for c in COLUMNS
        ],
        "units": vocab.get("units") or {},
    }


@app.command()
def schema(fmt: Annotated[str, typer.Option("--format", "-f", callback=one_of("--format", TextOrJson),
                                            help="text or json.")] = "text") -> None:
    """Print the canonical columns, their header aliases and accepted values."""
    rec = schema_record()
    if fmt == "json":
        typer.echo(json.dumps(rec, ensure_ascii=False, indent=2))
        return
    out = stdout()
    t = Table(title="Canonical columns (required: as_of*, loan_id, customer_id**, balance, five_category***)",
              title_justify="left", show_lines=True)
    t.add_column("column")
    t.add_column("kind")
    t.add_column("aliases (matched ignoring case, spaces, width and a bracketed unit)")
    t.add_column("accepted values")
    for c in rec["columns"]:
        values = "; ".join(f"{k} ← {', '.join(v[:6])}" for k, v in (c["values"] or {}).items() if k != "combined_order")
        t.add_row(c["name"] + (" (required)" if c["required"] else ""), c["kind"], ", ".join(c["aliases"]), values)
    out.print(t)
    out.print("* as_of may come from a sheet or file name (2021, 2021-12-31, 台账_2021年末.xlsx) or --as-of.\n"
              "** without a customer id, the customer name is used.  *** without a grade, it is derived "
              "from days_past_due.\nUnits in brackets scale amounts: 元 ×1, 千元 ×1e3, 万元 ×1e4, 亿元 ×1e8.")
