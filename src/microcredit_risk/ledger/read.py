"""Readers: every supported file becomes a list of raw tables (one per sheet) with a found header.

Speed: ``.xlsx`` is read by fastexcel (calamine, Rust) in one pass; the header row is first found by
peeking at the first rows of the sheet's XML, so the sheet is parsed once. CSV is read by pyarrow.
Every column is type-inferred over all rows (never a sample) so that a text cell far down a numeric
column is parsed by us, not silently dropped.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pandas as pd

from ..errors import Location
from .contract import READ_COLUMN_BY_NAME
from .problems import LedgerError
from .schema import ColumnMap, header_score, match_header

PEEK_ROWS = 30
MAX_CELL_CHARS_PEEK = 128 * 1024
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_TEXT_KINDS = {"id", "text", "grade", "flag"}
_NUMBER_KINDS = {"money", "fraction", "days"}
# Only these words mean "no value"; ``NaN``, ``inf`` and ``#N/A`` reach the parsers to be refused by name.
CSV_NULLS = ["", "NA", "N/A", "n/a", "NULL", "null"]


@dataclass
class RawTable:
    """One sheet (or CSV/parquet file) as read: original headers, values not yet canonical."""

    file: str
    sheet: str | None
    header_row: int          # 1-based spreadsheet row of the header
    frame: pd.DataFrame      # one column per header, in file order
    row_numbers: pd.Series   # 1-based spreadsheet row of each frame row
    part: int | None = None  # a chunk of a longer database result: 0, 1, … (None: a whole table)

    @property
    def source(self) -> str:
        return f"{self.file} › {self.sheet}" if self.sheet else self.file


def _cell_text(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and v != v):
        return None
    s = str(v).strip()
    return s or None


def find_header(rows: list[list[Any]], cmap: ColumnMap) -> tuple[int, int] | None:
    """(0-based index of the best header row, its score) among the first rows, or None below 2."""
    best: tuple[int, int] | None = None
    for i, cells in enumerate(rows[:PEEK_ROWS]):
        score = header_score(cells, cmap)
        if score >= 2 and (best is None or score > best[1]):
            best = (i, score)
    return best


def unique_headers(cells: list[Any]) -> list[str]:
    """Header texts, blank ones named by position, repeats suffixed (``余额``, ``余额.2``)."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for j, c in enumerate(cells):
        name = _cell_text(c) or f"column_{j + 1}"
        n = seen.get(name, 0) + 1
        seen[name] = n
        out.append(name if n == 1 else f"{name}.{n}")
    return out


def _text_headers(headers: list[str], cmap: ColumnMap, numbers: bool = False) -> list[str]:
    """Headers whose canonical column must be read as text (ids keep leading zeros; with ``numbers``,
    CSV amounts too, so that ``NaN`` or ``inf`` written in a cell is seen, not read as a float)."""
    kinds = _TEXT_KINDS | _NUMBER_KINDS if numbers else _TEXT_KINDS
    out = []
    for h in headers:
        m = match_header(h, cmap)
        if m.canonical and READ_COLUMN_BY_NAME[m.canonical].kind in kinds:
            out.append(h)
    return out


# -- xlsx -------------------------------------------------------------------------------------------
def _check_zip(path: Path) -> None:
    """Tell an encrypted workbook (an OLE container) from a corrupt one."""
    if zipfile.is_zipfile(path):
        return
    loc = Location(file=str(path))
    try:
        import msoffcrypto

        with path.open("rb") as fh:
            office = msoffcrypto.OfficeFile(fh)
            if office.is_encrypted():
                raise LedgerError("E002", loc)
    except LedgerError:
        raise
    except Exception:  # noqa: BLE001 - not an OLE file either: corrupt
        pass
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise LedgerError("E001", loc, detail="not a valid .xlsx workbook (corrupt or not Excel)")


def _sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    wb = ET.fromstring(zf.read("xl/workbook.xml"))
    rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out: dict[str, str] = {}
    for s in wb.iter(f"{_NS}sheet"):
        target = targets.get(s.get(f"{_REL_NS}id"), "")
        target = target.lstrip("/")
        out[s.get("name", "")] = target if target.startswith("xl/") else f"xl/{target}"
    return out


def _shared_strings(zf: zipfile.ZipFile, needed: int) -> list[str]:
    """The first ``needed + 1`` shared strings, streamed (the table of a big sheet is large)."""
    out: list[str] = []
    if needed < 0 or "xl/sharedStrings.xml" not in zf.namelist():
        return out
    with zf.open("xl/sharedStrings.xml") as fh:
        for _, el in ET.iterparse(fh, events=("end",)):
            if el.tag == f"{_NS}si":
                out.append("".join(t.text or "" for t in el.iter(f"{_NS}t")))
                el.clear()
                if len(out) > needed:
                    break
    return out


_REF_RE = re.compile(r"([A-Z]+)(\d+)")


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


MAX_SHEET_CELLS = 100_000_000
_FAR_CELL_RE = re.compile(rb'<c r="([A-Z]{3}|[A-Z]{2}(?=\d{6}))(\d+)"|<row r="(\d{6,7})"')


def check_extent(path: Path, sheet: str | None, ref: str | None) -> None:
    """E021 before the reader allocates a used range no ledger has (a stray cell at XFD1048576 = 17 G cells)."""
    if not ref:
        return
    corners = [_REF_RE.match(part) for part in ref.upper().split(":")]
    if not all(corners):
        return
    cols = [_col_index(m.group(1)) + 1 for m in corners if m]
    rows = [int(m.group(2)) for m in corners if m]
    cells = (max(rows) - min(rows) + 1) * (max(cols) - min(cols) + 1)
    if cells > MAX_SHEET_CELLS:
        raise LedgerError("E021", Location(str(path), sheet), ref=ref, cells=cells)


def scan_far_cells(path: Path, sheet: str | None, sheet_xml: str, zf: zipfile.ZipFile) -> None:
    """For a sheet without a ``<dimension>``: find far cells (column ≥ AAA, or ≥ AA in a row ≥ 100,000) by a byte scan."""
    max_row, max_col, tail = 1, 1, b""
    with zf.open(sheet_xml) as fh:
        while chunk := fh.read(1 << 22):
            data = tail + chunk
            for m in _FAR_CELL_RE.finditer(data):
                if m.group(1):
                    max_col, max_row = max(max_col, _col_index(m.group(1).decode()) + 1), max(max_row, int(m.group(2)))
                else:
                    max_row = max(max_row, int(m.group(3)))
            tail = data[-32:]
    check_extent(path, sheet, f"A1:{_col_letters(max_col)}{max_row}")


def _col_letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def peek_xlsx(path: Path, sheet_xml: str, zf: zipfile.ZipFile, n: int = PEEK_ROWS,
              sheet: str | None = None) -> list[list[Any]]:
    """The first ``n`` sheet rows (row 1 first, blank rows included) from the XML, without parsing the rest.

    The sheet's ``<dimension>`` is checked on the way (E021); without one, the sheet is byte-scanned.
    """
    raw: dict[int, dict[int, tuple[str | None, str | None]]] = {}
    dimension: str | None = None
    with zf.open(sheet_xml) as fh:
        for _, el in ET.iterparse(fh, events=("end",)):
            if el.tag == f"{_NS}dimension":
                dimension = el.get("ref")
                check_extent(path, sheet, dimension)
            if el.tag != f"{_NS}row":
                continue
            r_text = el.get("r", str(len(raw) + 1))
            if not r_text.isdigit():
                raise LedgerError("E001", Location(str(path), sheet), detail=f"corrupt sheet: row number {r_text!r}")
            r = int(r_text)
            if r > n:
                break
            cells: dict[int, tuple[str | None, str | None]] = {}
            for j, c in enumerate(el.iter(f"{_NS}c")):
                ref = _REF_RE.match(c.get("r", ""))
                col = _col_index(ref.group(1)) if ref else j
                kind = c.get("t")
                value: str | None
                if kind == "inlineStr":
                    value = "".join(t.text or "" for t in c.iter(f"{_NS}t"))
                else:
                    v = c.find(f"{_NS}v")
                    value = v.text if v is not None else None
                cells[col] = (kind, value)
            raw[r] = cells
            el.clear()
    if dimension is None:
        scan_far_cells(path, sheet, sheet_xml, zf)
    needed = max((int(v) for cells in raw.values() for k, v in cells.values() if k == "s" and v), default=-1)
    sst = _shared_strings(zf, needed)
    rows: list[list[Any]] = []
    for r in range(1, (max(raw) if raw else 0) + 1):
        found = raw.get(r, {})
        width = max(found) + 1 if found else 0
        row: list[Any] = [None] * width
        for col, (cell_kind, cell_value) in found.items():
            shared = cell_kind == "s" and cell_value is not None and int(cell_value) < len(sst)
            row[col] = sst[int(cell_value)] if shared and cell_value is not None else cell_value
        rows.append(row)
    return rows


_BROKEN_ZIP = (zipfile.BadZipFile, zlib.error, ET.ParseError, EOFError, KeyError, OSError)


def _read_excel_sheets(path: Path, cmap: ColumnMap) -> Iterator[RawTable | tuple[str, list[Any]]]:
    """Each sheet as a table; a broken zip part or sheet XML is E001 (never a traceback)."""
    try:
        yield from _excel_sheets(path, cmap)
    except _BROKEN_ZIP as exc:
        detail = f"corrupt or truncated workbook ({type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''})"
        raise LedgerError("E001", Location(file=str(path)), detail=detail) from None


def _excel_sheets(path: Path, cmap: ColumnMap) -> Iterator[RawTable | tuple[str, list[Any]]]:
    import fastexcel

    loc = Location(file=str(path))
    _check_zip(path)
    try:
        reader = fastexcel.read_excel(str(path))
        names = list(reader.sheet_names)
    except Exception as exc:  # noqa: BLE001 - calamine's errors are not typed
        raise LedgerError("E001", loc, detail=str(exc).splitlines()[0][:200]) from None
    zf = zipfile.ZipFile(path) if zipfile.is_zipfile(path) else None
    sheet_xml = _sheet_paths(zf) if zf is not None else {}
    try:
        for name in names:
            if zf is not None and name in sheet_xml:
                rows = peek_xlsx(path, sheet_xml[name], zf, sheet=name)
            else:  # .xls/.ods: peek with calamine (small files by nature)
                from python_calamine import CalamineWorkbook

                rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python(
                    skip_empty_area=False, nrows=PEEK_ROWS)
            found = find_header(rows, cmap)
            if found is None:
                first = next((r for r in rows if any(_cell_text(c) for c in r)), [])
                yield name, first
                continue
            h = found[0]
            headers = unique_headers(rows[h])
            try:
                sheet = reader.load_sheet(name, header_row=h, column_names=None, schema_sample_rows=None,
                                          dtypes={hd: "string" for hd in _text_headers(headers, cmap)
                                                  if hd in set(headers)})
                frame = sheet.to_pandas()
            except Exception as exc:  # noqa: BLE001
                raise LedgerError("E001", Location(str(path), name),
                                  detail=str(exc).splitlines()[0][:200]) from None
            frame.columns = unique_headers(list(frame.columns))[: frame.shape[1]]
            rename = {}
            for a, b in zip(frame.columns, headers, strict=False):
                if a.startswith("__UNNAMED__") or a != b:
                    rename[a] = b
            frame = frame.rename(columns=rename)
            rows_no = pd.Series(range(h + 2, h + 2 + len(frame)), index=frame.index, dtype="int64")
            yield RawTable(str(path), name, h + 1, frame, rows_no)
    finally:
        if zf is not None:
            zf.close()


# -- csv --------------------------------------------------------------------------------------------
def detect_encoding(data: bytes, probe: int = 1 << 20) -> str:
    """UTF-8 (with or without BOM) if the first MiB decodes, else GB18030 (a superset of GBK).

    Only a prefix is decoded here (the header and first rows of an export say which it is); should
    invalid UTF-8 turn up later, the CSV reader retries as GB18030.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data[:probe].decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if len(data) > probe and exc.start >= probe - 3:  # a character cut by the probe's end
            return "utf-8"
        return "gb18030"


def _read_csv(path: Path, cmap: ColumnMap) -> Iterator[RawTable | tuple[str, list[Any]]]:
    loc = Location(file=str(path))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LedgerError("E001", loc, detail=exc.strerror or str(exc)) from None
    encoding = detect_encoding(data)
    try:
        text_head = data[: 256 * 1024].decode(encoding, errors="ignore")
    except LookupError:  # pragma: no cover
        text_head = data[: 256 * 1024].decode("utf-8", errors="ignore")
    head_lines = text_head.splitlines()[:PEEK_ROWS]
    for i, line in enumerate(head_lines):
        if len(line) > MAX_CELL_CHARS_PEEK:  # the csv module refuses such a field: name it ourselves
            size = max(len(f) for f in line.split(","))
            if size > MAX_CELL_CHARS_PEEK:
                raise LedgerError("E022", Location(str(path), None, i + 1), size=f"{size:,}")
    rows = list(csv.reader(head_lines))
    found = find_header(rows, cmap)
    if found is None:
        yield "", next((r for r in rows if any(_cell_text(c) for c in r)), [])
        return
    h = found[0]
    headers = unique_headers(rows[h])
    text_cols = _text_headers(headers, cmap, numbers=True)
    try:
        frame = _pyarrow_csv(data, h, encoding, text_cols, headers)
        if frame is None:  # ragged rows: pandas' own parser, everything as text
            kwargs: dict[str, Any] = {"skiprows": h, "header": 0, "skip_blank_lines": False, "dtype": "str",
                                      "keep_default_na": False, "na_values": CSV_NULLS,
                                      "encoding": "utf-8" if encoding == "utf-8-sig" else encoding}
            try:
                frame = pd.read_csv(io.BytesIO(data), **kwargs)
            except UnicodeDecodeError:
                raise
            except Exception as exc:  # noqa: BLE001
                raise LedgerError("E001", loc, detail=str(exc).splitlines()[0][:200]) from None
    except UnicodeDecodeError as exc:
        raise _bad_bytes(path, data, exc) from None
    if encoding == "utf-8-sig" and len(frame.columns) and str(frame.columns[0]).startswith("\ufeff"):
        frame = frame.rename(columns={frame.columns[0]: str(frame.columns[0]).lstrip("\ufeff")})
    frame.columns = unique_headers(list(frame.columns))
    rows_no = pd.Series(range(h + 2, h + 2 + len(frame)), index=frame.index, dtype="int64")
    yield RawTable(str(path), None, h + 1, frame, rows_no)


def _bad_bytes(path: Path, data: bytes, exc: UnicodeDecodeError) -> LedgerError:
    """E023 naming the line of the first byte that neither UTF-8 nor GB18030 can decode."""
    offset = _first_undecodable(data)
    row = data[:offset].count(b"\n") + 1 if offset is not None else None
    byte = f"0x{data[offset]:02x}" if offset is not None else repr(exc.object[exc.start:exc.start + 1])
    return LedgerError("E023", Location(str(path), None, row), byte=byte)


def _first_undecodable(data: bytes) -> int | None:
    """Offset of the first byte GB18030 (the last encoding tried) cannot decode; error path only."""
    try:
        data.decode("gb18030")
    except UnicodeDecodeError as err:
        return err.start
    return None


def _pyarrow_csv(data: bytes, header: int, encoding: str, text_cols: list[str],
                 headers: list[str]) -> pd.DataFrame | None:
    """Read with pyarrow (C++, multi-threaded): types inferred, ids as text, dates as datetime64.

    If a later block contradicts the inferred type of a column (a text cell far down a numeric
    column), read every column as text instead and let our parsers convert. None if rows are ragged.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    read = pacsv.ReadOptions(skip_rows=header, encoding="utf8" if encoding.startswith("utf-8") else encoding,
                             block_size=1 << 24)
    for all_text in (False, True):
        types = {c: pa.string() for c in (headers if all_text else text_cols)}
        convert = pacsv.ConvertOptions(column_types=types, strings_can_be_null=True, null_values=CSV_NULLS)
        try:
            table = pacsv.read_csv(io.BytesIO(data), read_options=read, convert_options=convert)
        except pa.ArrowInvalid as exc:
            message = str(exc).lower()
            if "utf8" in message and encoding.startswith("utf-8"):
                return _pyarrow_csv(data, header, "gb18030", text_cols, headers)
            if "column" in message and "expected" in message:
                return None  # ragged rows
            continue
        return table.to_pandas(date_as_object=False)
    return None


def _read_parquet(path: Path, cmap: ColumnMap) -> Iterator[RawTable | tuple[str, list[Any]]]:
    try:
        # dates as datetime64, not Python date objects: every later step on an object column converts
        # each cell to text (measured: 60 % of canonicalising a Parquet month went there)
        frame = pd.read_parquet(path, engine="pyarrow", to_pandas_kwargs={"date_as_object": False})
    except Exception as exc:  # noqa: BLE001
        raise LedgerError("E001", Location(file=str(path)), detail=str(exc).splitlines()[0][:200]) from None
    frame = frame.reset_index(drop=all(n is None for n in frame.index.names))  # a named index is a column
    if header_score(list(frame.columns), cmap) < 2:
        yield "", list(frame.columns)
        return
    frame.columns = unique_headers(list(frame.columns))
    rows_no = pd.Series(range(2, 2 + len(frame)), index=frame.index, dtype="int64")
    yield RawTable(str(path), None, 1, frame, rows_no)


def read_tables(path: Path, cmap: ColumnMap) -> list[RawTable]:
    """All tables of one file that have a recognisable header; E003 if none has."""
    loc = Location(file=str(path))
    if not path.exists():
        raise LedgerError("E012", loc)
    if path.is_dir():
        raise LedgerError("E001", loc, detail="is a folder, not a file")
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        items = _read_excel_sheets(path, cmap)
    elif suffix in (".csv", ".txt", ".tsv"):
        items = _read_csv(path, cmap)
    elif suffix in (".parquet", ".pq"):
        items = _read_parquet(path, cmap)
    else:
        raise LedgerError("E011", loc, suffix=suffix or "(none)")
    if path.stat().st_size == 0:
        raise LedgerError("E010", loc)
    tables: list[RawTable] = []
    seen: list[str] = []
    for item in items:
        if isinstance(item, RawTable):
            tables.append(item)
        else:
            seen.extend(str(c) for c in item[1] if _cell_text(c))
    if not tables:
        shown = ", ".join(seen[:12]) + (" …" if len(seen) > 12 else "") if seen else "(nothing)"
        raise LedgerError("E003", loc, headers=shown)
    return tables


def blank_cell_kind(location: Location) -> tuple[str | None, str | None]:
    """What a required cell read as blank really holds in an .xlsx: ("formula", None) for a formula whose
    value was never saved, ("error", "#N/A") for an error cell, else (None, None). Error path only.

    The cell is found by its row and by the column whose header (in the first rows) is the location's
    column; without a header match the whole row is looked at.
    """
    if not location.file or location.sheet is None or location.row is None:
        return None, None
    path = Path(location.file)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None, None
    try:
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
        try:
            ws = wb[location.sheet]
            col: int | None = None
            for cells in ws.iter_rows(min_row=1, max_row=min(PEEK_ROWS, location.row - 1), values_only=True):
                hits = [j for j, v in enumerate(cells) if v is not None and str(v).strip() == location.column]
                if hits:
                    col = hits[0]
                    break
            for row in ws.iter_rows(min_row=location.row, max_row=location.row):
                cells = [row[col]] if col is not None and col < len(row) else list(row)
                errors = [str(c.value) for c in cells if getattr(c, "data_type", None) == "e" and c.value]
                if errors:
                    return "error", errors[0]
                if any(isinstance(c.value, str) and c.value.startswith("=") for c in cells):
                    return "formula", None
        finally:
            wb.close()
    except Exception:  # noqa: BLE001 - only a better message is at stake
        return None, None
    return None, None
