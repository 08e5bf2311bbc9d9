"""What every command shares: options, consoles, and the one place errors become exit codes."""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from ..errors import MCRError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_FINDING = 0, 1, 2, 3


class State:
    """Global flags set by the top-level callback (``mcr --debug …``)."""

    debug: bool = bool(os.environ.get("MCR_DEBUG"))


def stdout() -> Console:
    return Console(file=sys.stdout, soft_wrap=True)


def stderr(quiet: bool = False) -> Console:
    return Console(file=sys.stderr, stderr=True, quiet=quiet, soft_wrap=True)


def fail(message: str) -> typer.Exit:
    """Print one line on stderr and return the exit to raise."""
    print(f"mcr: error: {message}", file=sys.stderr)
    return typer.Exit(EXIT_FAILED)


def guarded(func: F) -> F:
    """Turn domain errors into one line on stderr and exit 1; tracebacks only with --debug.

    Tracebacks are printed without local variables: ledgers hold personal data.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit, typer.BadParameter):
            raise  # Click's own: usage errors exit 2
        except MCRError as exc:
            if State.debug:
                traceback.print_exc(file=sys.stderr)
            raise fail(str(exc)) from None
        except KeyboardInterrupt:
            raise fail("interrupted") from None
        except Exception as exc:  # noqa: BLE001 - the last line of defence for a cron job
            if State.debug:
                traceback.print_exc(file=sys.stderr)
                raise fail(f"internal error: {type(exc).__name__}: {exc}") from None
            raise fail(f"internal error: {type(exc).__name__}: {exc} (run 'mcr --debug …' for the traceback)") from None

    return wrapper  # type: ignore[return-value]


# -- shared option types ---------------------------------------------------------------------------
LedgerPaths = Annotated[list[Path], typer.Argument(help="Ledger file(s): .xlsx/.xlsm/.xls/.csv/.parquet; several are stacked.",
                                                   show_default=False)]
ProfileOpt = Annotated[Path | None, typer.Option("--profile", help="Bank profile (TOML): bank facts and threshold overrides.")]
ColumnsOpt = Annotated[Path | None, typer.Option("--columns", help="Your own header → canonical column and value mappings (TOML).")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="Snapshot date for a file that carries no date (YYYY-MM-DD).")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="Report language: zh or en (default: profile, else zh).")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Output folder.")]
