"""The ``mcr`` command: the Typer app and its entry point."""

from __future__ import annotations

import os

# One BLAS thread per process: on a small shared machine OpenBLAS's default threading made a single
# Newton step of the driver model 3-15x slower (benchmarks/models.py). Set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from typing import Annotated

import typer

from .. import __version__
from .common import MCRGroup, State

app = typer.Typer(
    name="mcr",
    cls=MCRGroup,
    help="Credit-risk case studies from a bank's SME loan ledger (贷款台账).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mcr {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks (without local variables) on errors.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")] = False,
) -> None:
    State.debug = State.debug or debug


def _register() -> None:
    # Each command lives in its own module; importing it registers it on ``app``.
    from . import analyze, compare, figures, metrics, model, report, sample, schema, validate  # noqa: F401


_register()


def main() -> None:
    """The console script: every error becomes one coded line and an exit status (MCRGroup)."""
    typer.main.get_command(app).main(prog_name="mcr")
