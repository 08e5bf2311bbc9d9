"""Writing a run folder completely or not at all: build in a temporary folder beside it, then rename."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import OutputError

RUN_MARKER = "run.json"


def _check_target(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise OutputError(f"{target}: exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / RUN_MARKER).exists():
        raise OutputError(f"{target}: folder is not empty and is not an earlier mcr run; "
                          "choose another --out (mcr only replaces its own run folders)")


@contextmanager
def atomic_folder(target: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; on success it replaces ``target`` in one rename.

    On any exception the temporary folder is removed and ``target`` is left as it was.
    """
    target = Path(target).absolute()
    _check_target(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    except OSError as exc:
        raise OutputError(f"{target.parent}: cannot write here ({exc.strerror})") from None
    try:
        yield tmp
        os.chmod(tmp, 0o755)
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# -- deterministic Office files -------------------------------------------------------------------
FIXED_TIME = (2000, 1, 1)          # document properties: created/modified
ZIP_TIME = (1980, 1, 1, 0, 0, 0)   # every zip entry


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


def workbook_bytes(wb: Any) -> bytes:
    """An openpyxl workbook's bytes with fixed properties and zip times (no save timestamp inside)."""
    import datetime as dt
    import io
    import zipfile

    from openpyxl.writer.excel import ExcelWriter

    props = wb.properties
    props.created = props.modified = dt.datetime(*FIXED_TIME)
    props.creator = props.lastModifiedBy = "mcr"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    return fixed_zip_times(buf.getvalue())
