"""Regenerate data/sample/ deterministically: one bank-style ledger (.xlsx) and bank profile (.toml)
per sample kind at its default size, plus broken_ledger.xlsx, a ledger with two deliberate errors
the reader must refuse (the README shows the message):

* sheet 2023年末, spreadsheet row 7: 五级分类 = '未知' (a grade no alias maps);
* sheet 2023年末, spreadsheet row 12: 贷款余额(万元) = -3.5 (a negative balance).

Run:  PYTHONPATH=src python scripts/make_samples.py [OUT_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

from microcredit_risk.output import atomic_file, write_file
from microcredit_risk.sample import bank_sheets, export_bank_ledger, kinds, simulate
from microcredit_risk.sample.export import write_xlsx
from microcredit_risk.sample.kinds import vocab

SEED = 0
BROKEN_GRADE_ROW, BROKEN_BALANCE_ROW = 7, 12  # spreadsheet rows (1 = title, 2 = header)


def make_broken(out: Path) -> Path:
    sample = simulate("village_bank", seed=SEED, loans=60)
    sheets = bank_sheets(sample)
    headers = vocab()["headers"]
    last = sheets["2023年末"].reset_index(drop=True)
    last[headers["five_category"]] = last[headers["five_category"]].astype(object)
    last.loc[BROKEN_GRADE_ROW - 3, headers["five_category"]] = "未知"
    last.loc[BROKEN_BALANCE_ROW - 3, headers["balance"]] = -3.5
    sheets["2023年末"] = last
    path = out / "broken_ledger.xlsx"
    with atomic_file(path) as tmp:
        write_xlsx(sheets, tmp, sample.title)
    return path


def main(out: Path) -> None:
    for kind in kinds():
        sample = simulate(kind, seed=SEED)
        ledger = export_bank_ledger(sample, out / f"{kind}.xlsx")
        profile = write_file(out / f"{kind}.toml", sample.profile_toml())
        print(f"{ledger} {ledger.stat().st_size / 1e6:.2f} MB, {len(sample.frame)} rows; {profile}")
    broken = make_broken(out)
    print(f"{broken} {broken.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "data" / "sample")
