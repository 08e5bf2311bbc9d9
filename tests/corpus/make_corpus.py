"""Regenerate the bad-input corpus (run from the repo root: python tests/corpus/make_corpus.py).

legacy.xls is not regenerated here: it was written once with xlwt (not a dependency) and is kept as is.

Each file is small and written deterministically; tests/test_bad_input.py states what each must give.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent
HEAD = ["数据日期", "借据号", "客户号", "客户名称", "贷款余额(万元)", "五级分类", "逾期天数"]
GOOD = [
    ["2023-12-31", "L001", "C01", "甲公司", 50, "正常", 0],
    ["2023-12-31", "L002", "C02", "乙商行", 20.5, "关注", 35],
    ["2023-12-31", "L003", "C02", "乙商行", 10, "次级", 120],
]


def _fixed(wb: openpyxl.Workbook) -> openpyxl.Workbook:
    import datetime

    wb.properties.created = wb.properties.modified = datetime.datetime(2024, 1, 1)
    return wb


def xlsx(name: str, rows: list[list], title: str | None = None, sheet: str = "台账") -> Path:
    wb = _fixed(openpyxl.Workbook())
    ws = wb.active
    ws.title = sheet
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEAD))
    for r in rows:
        ws.append(r)
    path = HERE / name
    wb.save(path)
    return path


def csv(name: str, rows: list[list], encoding: str = "utf-8") -> Path:
    text = "\n".join(",".join(str(c) for c in r) for r in rows) + "\n"
    path = HERE / name
    path.write_bytes(text.encode(encoding))
    return path


def main() -> None:
    (HERE / "empty.csv").write_bytes(b"")
    xlsx("header_only.xlsx", [HEAD], title="某银行小微贷款台账")
    xlsx("no_header.xlsx", [["说明"], ["本表为汇总", "无明细"], [1, 2, 3]])
    csv("missing_balance.csv", [[h for h in HEAD if not h.startswith("贷款余额")]] +
        [[c for j, c in enumerate(r) if j != 4] for r in GOOD])
    csv("duplicate_loan.csv", [HEAD, *GOOD, ["2023-12-31", "L002", "C02", "乙商行", 3, "正常", 0]])
    xlsx("negative_balance.xlsx", [HEAD, GOOD[0], ["2023-12-31", "L009", "C09", "丙户", -5, "正常", 0], GOOD[1]],
         title="某银行小微贷款台账（单位：万元）")
    xlsx("unknown_grade.xlsx", [HEAD, GOOD[0], GOOD[1], ["2023-12-31", "L004", "C04", "丁店", 8, "未知", 0]])
    csv("bad_as_of.csv", [HEAD, GOOD[0], ["2023-13-45", "L005", "C05", "戊厂", 8, "正常", 0]])
    csv("no_as_of.csv", [HEAD[1:], *[r[1:] for r in GOOD]])
    # a corrupt workbook: a zip cut in half
    good = xlsx("_tmp_good.xlsx", [HEAD, *GOOD])
    data = good.read_bytes()
    (HERE / "corrupt.xlsx").write_bytes(data[: len(data) // 2])
    # an encrypted workbook (password "secret")
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    with good.open("rb") as fh:
        OOXMLFile(fh).encrypt("secret", out)
    (HERE / "encrypted.xlsx").write_bytes(out.getvalue())
    good.unlink()
    # valid but awkward inputs
    csv("gbk.csv", [HEAD, *GOOD], encoding="gbk")
    csv("utf8_bom.csv", [HEAD, *GOOD], encoding="utf-8-sig")
    xlsx("subtotals.xlsx", [HEAD, GOOD[0], GOOD[1], ["合计", "", "", "", 70.5, "", ""], [],
                            GOOD[2], ["总计", "", "", "", 80.5, "", ""]], title="台账（单位：万元）")
    xlsx("wan_yuan.xlsx", [HEAD, *GOOD], title="某银行小微企业贷款台账（单位：万元）")
    # formula cells: one workbook whose formulas carry saved values (as Excel saves them), one without
    xlsx("formulas_no_value.xlsx", [HEAD, GOOD[0], ["2023-12-31", "L006", "C06", "己社", "=E2*2", "正常", 0]])
    _formulas_with_values()


def _formulas_with_values() -> None:
    """Like Excel's own files: <c><f>E2*2</f><v>100</v></c> (openpyxl cannot write cached values)."""
    src = xlsx("_tmp_f.xlsx", [HEAD, GOOD[0], ["2023-12-31", "L007", "C07", "庚号", "=E2*2", "正常", 0]])
    zin = zipfile.ZipFile(src)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text = re.sub(r"<f>E2\*2</f><v\s*/>|<f>E2\*2</f><v></v>|<f>E2\*2</f>", "<f>E2*2</f><v>100</v>", text)
                data = text.encode()
            zout.writestr(item, data)
    zin.close()
    (HERE / "formulas_with_values.xlsx").write_bytes(buf.getvalue())
    src.unlink()


if __name__ == "__main__":
    main()
