"""What every command shares: the option types, the session, consoles, and the one place where an
error becomes one line on stderr and an exit status.

Every error, from a ledger cell to an unknown option, leaves as ``mcr: error: … [CODE]`` (codes and
zh/en texts in ``data/errors.toml``): status 2 for usage (a wrong option or value, on every command
alike), 1 for everything else. ``MCRGroup.main`` does this for the console script and for tests that
invoke the app, so both see the same lines.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from typer._click import exceptions as click_errors
from typer.core import TyperGroup

from ..engine.options import ENGINES, EngineOptions
from ..errors import LANGS, MCRError, UsageError
from ..pipeline import Session, check_lang

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_FINDING = 0, 1, 2, 3


class State:
    """Process-wide flags: ``mcr --debug …``, and the language errors are written in."""

    debug: bool = bool(os.environ.get("MCR_DEBUG"))
    lang: str = "en"


def error_lang(args: Sequence[str]) -> str:
    """The language of error lines: ``--lang`` if given and valid, else ``MCR_LANG``, else English."""
    for i, a in enumerate(args):
        value: str | None = None
        if a == "--lang" and i + 1 < len(args):
            value = args[i + 1]
        elif a.startswith("--lang="):
            value = a[len("--lang="):]
        if value in LANGS:
            return str(value)
    env = os.environ.get("MCR_LANG", "")
    return env if env in LANGS else "en"


def _click_line(exc: click_errors.UsageError) -> UsageError:
    """Click's own usage errors (unknown option, missing argument, bad number…) as coded errors."""
    if isinstance(exc, click_errors.NoSuchOption):
        import difflib

        options = [o for p in (exc.ctx.command.params if exc.ctx else []) for o in getattr(p, "opts", [])]
        close = difflib.get_close_matches(exc.option_name, options, n=1, cutoff=0.75)
        return UsageError("E601", option=exc.option_name, hint=f"; did you mean {close[0]}?" if close else "")
    if isinstance(exc, click_errors.MissingParameter):
        param = exc.param
        if param is None:
            return UsageError("E603", what=exc.message or "a parameter")
        if getattr(param, "param_type_name", "") == "option":
            return UsageError("E603", what=f"option {param.opts[0]}")
        return UsageError("E603", what=f"argument {str(param.name).upper()}")
    if isinstance(exc, click_errors.BadParameter):
        param = exc.param
        raw: Any = exc.param_hint or (param.opts[0] if param is not None and getattr(param, "opts", None) else None)
        hint = " / ".join(raw) if isinstance(raw, (list, tuple)) else raw
        return UsageError("E604", where=str(hint).strip("'") if hint else None, detail=exc.message)
    return UsageError("E605", detail=exc.message)


def report(exc: BaseException, lang: str) -> int:
    """Print the one line for ``exc`` on stderr; return the exit status."""
    if isinstance(exc, click_errors.UsageError):
        exc = _click_line(exc)
    if isinstance(exc, KeyboardInterrupt):
        exc = MCRError("E902")
    elif not isinstance(exc, MCRError):
        hint = "" if State.debug else " (run 'mcr --debug …' for the traceback)"
        exc = MCRError("E901", detail=f"{type(exc).__name__}: {exc}", hint=hint)
    print(f"mcr: error: {exc.line(lang)}", file=sys.stderr)
    return EXIT_USAGE if isinstance(exc, UsageError) else EXIT_FAILED


class MCRGroup(TyperGroup):
    """The ``mcr`` group: every exception of every command ends here, as one coded line."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,  # type: ignore[override]
             standalone_mode: bool = True, **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        State.lang = error_lang(argv)
        try:
            rv = super().main(args=argv, prog_name=prog_name or "mcr", standalone_mode=False, **extra)
            code = rv if isinstance(rv, int) else EXIT_OK
        except click_errors.NoArgsIsHelpError as exc:
            typer.echo(exc.ctx.get_help() if exc.ctx else "")
            code = EXIT_USAGE
        except typer.Abort:
            code = report(KeyboardInterrupt(), State.lang)
        except BaseException as exc:  # noqa: BLE001 - the last line of defence for a cron job
            if isinstance(exc, SystemExit):
                raise
            if State.debug:
                traceback.print_exc(file=sys.stderr)  # no local variables: ledgers hold personal data
            code = report(exc, State.lang)
        if standalone_mode:
            sys.exit(code)
        return code


def stdout() -> Console:
    return Console(file=sys.stdout, soft_wrap=True)


def stderr(quiet: bool = False) -> Console:
    return Console(file=sys.stderr, stderr=True, quiet=quiet, soft_wrap=True)


# -- options with a fixed set of values ---------------------------------------------------------------
class TextOrJson(StrEnum):
    text = "text"
    json = "json"


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


def one_of(option: str, choices: Sequence[str] | type[StrEnum]) -> Callable[[Any], Any]:
    """A callback that refuses a value outside ``choices`` with the coded usage line (exit 2)."""
    allowed = [str(c.value) for c in choices] if isinstance(choices, type) else [str(c) for c in choices]

    def check(value: Any) -> Any:
        if value is None:
            return value
        for v in value if isinstance(value, list) else [value]:
            if str(v) not in allowed:
                raise UsageError("E602", where=option, value=str(v), choices=", ".join(allowed))
        return value

    return check


def _lang(value: str | None) -> str | None:
    checked = check_lang(value)
    if checked is not None:
        State.lang = checked
    return checked


def _as_of(value: str | None) -> str | None:
    """Refuse a ``--as-of`` that is not a date before any file is read (exit 2)."""
    if value is not None:
        from ..errors import LedgerError
        from ..ledger.load import parse_as_of_option

        try:
            parse_as_of_option(value)
        except LedgerError:
            raise UsageError("E703", where="--as-of", value=value) from None
    return value


# -- shared option types ---------------------------------------------------------------------------
LedgerPaths = Annotated[list[str], typer.Argument(
    help="Ledger file(s), folder(s) (read recursively, Hive as_of=YYYY-MM-DD/ partitions date their files) "
         "or quoted glob(s): .xlsx/.xlsm/.xls/.csv/.parquet; or a database table or query as a quoted URL: "
         "'duckdb:///file.duckdb?table=loans', 'postgresql://user@host:5432/db?table=schema.loans', "
         "'sqlite:///file.db?query=SELECT…' (docs/ledger.md, \"Reading from a database\"); all are stacked.",
    show_default=False)]
ProfileOpt = Annotated[Path | None, typer.Option("--profile", help="Bank profile (TOML): bank facts and threshold overrides.")]
ColumnsOpt = Annotated[Path | None, typer.Option("--columns", help="Your own header → canonical column and value mappings (TOML).")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", callback=_as_of, help="Snapshot date for a file that carries no date (YYYY-MM-DD).")]
LangOpt = Annotated[str | None, typer.Option("--lang", callback=_lang,
                                             help="Language of the output and of error lines: zh or en "
                                                  "(default: the profile's, else zh; errors: en).")]
SnapshotsOpt = Annotated[str | None, typer.Option(
    "--snapshots", callback=one_of("--snapshots", ("annual",)),
    help="annual: the file is a loan tape (one row per loan), made into year-end snapshots (docs/ledger.md).")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Output folder.")]
FormulaOpt = Annotated[str | None, typer.Option(
    "--formula", help="Default-driver model formula, e.g. \"npl ~ C(guarantee_type) + log(amount)\"; columns "
                      "enter as the ledger holds them.")]
BaselineOpt = Annotated[Path | None, typer.Option(
    "--baseline", help="The folder of an earlier mcr analyze run (last month's): the report opens with what changed "
                       "since it, and changes.json is written. Its ledger is not read again.")]
FailOnNewOpt = Annotated[str | None, typer.Option(
    "--fail-on-new", callback=one_of("--fail-on-new", Severity),
    help="Exit 3 only when a finding of this severity or higher is new since --baseline (or rose to it): "
         "low, medium or high. A monthly cron job then mails once, not every month.")]
RulesOpt = Annotated[Path | None, typer.Option("--rules", help="Your rules/texts TOML merged over the shipped "
                                                              "findings rules.")]


def _spark_conf(values: list[str] | None) -> list[str] | None:
    for v in values or []:
        if "=" not in v or not v.split("=", 1)[0].strip():
            raise UsageError("E612", where="--spark-conf", value=v)
    return values


EngineOpt = Annotated[str, typer.Option("--engine", callback=one_of("--engine", ENGINES),
                                        help="Where the aggregates run: duckdb (embedded) or spark (docs/engines.md).")]
MemoryLimitOpt = Annotated[str | None, typer.Option("--memory-limit", help="DuckDB's memory limit, e.g. 4GB; past it "
                                                    "the engine spills to the temp folder.")]
TempDirOpt = Annotated[Path | None, typer.Option("--temp-dir", help="Folder for the streamed ledger and spill files "
                                                 "(default: $MCR_TEMP_DIR, else the system's).")]
SparkConfOpt = Annotated[list[str] | None, typer.Option("--spark-conf", callback=_spark_conf,
                                                        help="A Spark setting KEY=VALUE (repeatable), over SPARK_* "
                                                             "and spark-defaults.conf.")]
StreamOpt = Annotated[bool | None, typer.Option("--stream/--no-stream", help="Stream the ledger into the engine "
                                                "instead of memory (default: when it has more than 3M rows).",
                                                show_default=False)]


def engine_options(engine: str = "duckdb", memory_limit: str | None = None, temp_dir: Path | None = None,
                   spark_conf: list[str] | None = None, stream: bool | None = None) -> EngineOptions:
    conf = dict(v.split("=", 1) for v in spark_conf or [])
    return EngineOptions(engine=engine, memory_limit=memory_limit, temp_dir=str(temp_dir) if temp_dir else None,
                         spark_conf={k.strip(): v.strip() for k, v in conf.items()}, stream=stream)


def session(ledger: list[str], *, profile: Path | None, columns: Path | None, as_of: str | None,
            snapshots: str | None = None, lang: str | None = None, progress: Callable[[str], None] | None = None,
            engine: EngineOptions | None = None, **more: Any) -> Session:
    """The one session every command computes through; errors follow the profile's language too."""
    s = Session(ledger, profile=profile, columns=columns, as_of=as_of, snapshots=snapshots, lang=lang,
                progress=progress, engine=engine, **more)
    State.lang = lang or s.profile.language or State.lang
    return s
