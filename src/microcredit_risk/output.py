"""The one writer of every file and folder any command writes: completely or not at all.

* :func:`write_file` / :func:`atomic_file` — one file, written beside its target and renamed;
  :func:`write_parquet` a pyarrow table so (a partition of a monthly sample, `mcr sample --monthly`).
* :func:`atomic_folder` — a run folder, built beside its target and swapped in with one rename.
  Only an empty folder or one of our own runs (or comparisons, ``compare.json``) is replaced; an own run is recognised by its content
  (``run.json`` with our schema and marker, and no file we did not write), never by a file name.
* :func:`atomic_files` — files added to a folder the user owns (``mcr figures -o DIR``), each renamed in.

Everything written gets ordinary permissions (0666/0777 less the umask), not the private ones that
``mkstemp``/``mkdtemp`` give. SIGTERM during a write removes the temporary folder, as Ctrl-C does.
Office files are made deterministic here too, and every text cell of a workbook is neutralised so
that a spreadsheet never runs it as a formula.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import OutputError

RUN_MARKER = "run.json"
RUN_SCHEMA = "mcr.run/1"
GENERATOR = "mcr"
# what a run folder may hold besides run.json: anything else is the user's, and the folder is refused
RUN_ENTRIES = frozenset({
    "report.html", "report.md", "report.docx", "report.pdf", "metrics.json", "metrics.xlsx", "findings.json",
    "models.json", "validation.json", "changes.json", "watchlist.xlsx", "watchlist.csv", "figures", "state",
    RUN_MARKER,
})
# a comparison folder (`mcr compare`, `mcr analyze --by`): its marker, its files, and the run folders it lists
COMPARE_MARKER = "compare.json"
COMPARE_SCHEMA = "mcr.compare/1"
COMPARE_ENTRIES = frozenset({"compare.html", "compare.md", "compare.docx", "compare.xlsx", "figures", COMPARE_MARKER})


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def ordinary(path: Path, folder: bool = False) -> None:
    """Give ``path`` the permissions a plain ``open``/``mkdir`` would have given it."""
    os.chmod(path, (0o777 if folder else 0o666) & ~_umask())


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises KeyboardInterrupt, so the clean-up below it runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _raise(_sig: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# -- one file ---------------------------------------------------------------------------------------
@contextmanager
def atomic_file(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed onto ``path``."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise OutputError("E503", where=str(path.parent), detail=exc.strerror or exc) from None
    tmp = Path(name)
    try:
        with _terminate_as_interrupt():
            yield tmp
            ordinary(tmp)
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_file(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` atomically; return the path."""
    with atomic_file(path) as tmp:
        tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return Path(path)


def write_parquet(path: str | Path, table: Any, compression: str = "zstd") -> Path:
    """Write a pyarrow ``table`` to ``path`` atomically. Deterministic: no pandas metadata, no
    timestamps; the same table and pyarrow version give the same bytes."""
    import pyarrow.parquet as pq

    with atomic_file(path) as tmp:
        pq.write_table(table, tmp, compression=compression)
    return Path(path)


# -- a run folder -----------------------------------------------------------------------------------
def read_json(path: Path, required: bool = True) -> Any:
    """A run folder's JSON file read back: a missing required file is E504, an unreadable one E505."""
    if not path.is_file():
        if required:
            raise OutputError("E504", where=str(path))
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise OutputError("E505", where=str(path), detail=exc) from None


def is_run_folder(folder: Path) -> bool:
    """Whether ``folder`` is one of our runs: run.json with our schema and marker, nothing foreign."""
    try:
        meta = json.loads((folder / RUN_MARKER).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    if not (isinstance(meta, dict) and meta.get("schema") == RUN_SCHEMA and meta.get("generator") == GENERATOR):
        return False
    return all(p.name in RUN_ENTRIES for p in folder.iterdir())


def is_compare_folder(folder: Path) -> bool:
    """Whether ``folder`` is one of our comparisons: compare.json with our schema and marker, its own
    files, and as sub-folders only the group runs it lists (each one of our runs)."""
    try:
        meta = json.loads((folder / COMPARE_MARKER).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    if not (isinstance(meta, dict) and meta.get("schema") == COMPARE_SCHEMA and meta.get("generator") == GENERATOR):
        return False
    groups = {str(u.get("folder")) for u in meta.get("units", []) if isinstance(u, dict) and u.get("folder")}
    return all(p.name in COMPARE_ENTRIES or (p.name in groups and is_run_folder(p)) for p in folder.iterdir())


def _check_target(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise OutputError("E501", where=str(target))
    if target.is_dir() and any(target.iterdir()) and not (is_run_folder(target) or is_compare_folder(target)):
        raise OutputError("E502", where=str(target))


@contextmanager
def atomic_folder(target: str | Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; on success it replaces ``target`` in one rename.

    On any exception (SIGTERM included) the temporary folder is removed and ``target`` is left as it
    was. A symlinked ``target`` stays a link: the folder it points to is the one replaced.
    """
    target = Path(target).absolute()
    if target.is_symlink():
        target = target.resolve()
    _check_target(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    except OSError as exc:
        raise OutputError("E503", where=str(target.parent), detail=exc.strerror or exc) from None
    try:
        with _terminate_as_interrupt():
            yield tmp
            ordinary(tmp, folder=True)
            if target.exists():
                # a unique name for the old run: a folder of the user's called .NAME.old is never touched
                old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
                os.replace(target, old / "run")
                os.replace(tmp, target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextmanager
def atomic_files(folder: str | Path) -> Iterator[Path]:
    """Yield a temporary folder; on success each file in it is renamed into ``folder`` (created if absent)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".mcr-", suffix=".tmp", dir=folder))
    except OSError as exc:
        raise OutputError("E503", where=str(folder), detail=exc.strerror or exc) from None
    try:
        with _terminate_as_interrupt():
            yield tmp
            for src in sorted(p for p in tmp.rglob("*") if p.is_file()):
                dest = folder / src.relative_to(tmp)
                dest.parent.mkdir(parents=True, exist_ok=True)
                ordinary(src)
                os.replace(src, dest)
    except OSError as exc:
        raise OutputError("E503", where=str(folder), detail=exc.strerror or exc) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -- deterministic, safe Office files ----------------------------------------------------------------
FIXED_TIME = (2000, 1, 1)          # document properties: created/modified
ZIP_TIME = (1980, 1, 1, 0, 0, 0)   # every zip entry
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def fixed_zip_times(data: bytes) -> bytes:
    """Rewrite an Office package (xlsx, docx) with constant entry times: same content, same bytes."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            entry = zipfile.ZipInfo(item.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(item.filename))
    return out.getvalue()


def _neutralise(cell: Any) -> Any:
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
        cell.data_type = "s"       # openpyxl would write "=…" as a live formula
        cell.quotePrefix = True    # Excel's own "this is text" mark: shown as typed, never evaluated
    return cell


def safe_append(ws: Any, row: Any) -> None:
    """``ws.append(row)`` for a write-only sheet, with every formula-like text cell stored as text."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for v in row:
        if isinstance(v, str) and v.startswith(FORMULA_START):
            v = _neutralise(WriteOnlyCell(ws, value=v))
        elif hasattr(v, "data_type"):   # a styled cell made by the caller (WriteOnlyCell is a function)
            _neutralise(v)
        cells.append(v)
    ws.append(cells)


def neutralise_text_cells(wb: Any) -> None:
    """Store every text cell of an ordinary workbook that could read as a formula (= + - @ …) as text.

    We never write formulas. Write-only sheets are written row by row: they go through :func:`safe_append`.
    """
    for ws in wb.worksheets:
        if hasattr(ws, "iter_rows"):
            for row in ws.iter_rows():
                for cell in row:
                    _neutralise(cell)


def workbook_bytes(wb: Any) -> bytes:
    """An openpyxl workbook's bytes: text cells neutralised, fixed properties and zip times."""
    import datetime as dt
    import io
    import zipfile

    from openpyxl.writer.excel import ExcelWriter

    neutralise_text_cells(wb)
    props = wb.properties
    props.created = props.modified = dt.datetime(*FIXED_TIME)
    props.creator = props.lastModifiedBy = "mcr"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    return fixed_zip_times(buf.getvalue())


def splice_rows(data: bytes, sheet: str, rows: Iterable[bytes], force_zip64: bool = False) -> bytes:
    """A workbook (:func:`workbook_bytes`) whose ``sheet`` (e.g. ``xl/worksheets/sheet1.xml``) has its
    template row 2 replaced by ``rows`` (``<row>`` elements from row 2 on, UTF-8, streamed into the entry):
    a long sheet built as XML, the rest of the workbook by openpyxl. Same fixed times, same bytes."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as dst:
        for item in src.infolist():
            entry = zipfile.ZipInfo(item.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            if item.filename != sheet:
                dst.writestr(entry, src.read(item.filename))
                continue
            xml = src.read(item.filename).decode("utf-8")
            start = xml.index('<row r="2"')
            end = xml.index("</row>", start) + len("</row>")
            with dst.open(entry, "w", force_zip64=force_zip64) as f:
                f.write(xml[:start].encode("utf-8"))
                for chunk in rows:
                    f.write(chunk)
                f.write(xml[end:].encode("utf-8"))
    return out.getvalue()
