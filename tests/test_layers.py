"""No import runs back up the pipeline: a stage imports only itself and the stages before it.

ledger → engine → metrics → stats → findings → monitor → figures → report → pipeline → cli, with the shared base
(errors, output, workers, profile, vocabulary, anonymize) below them all and `sample` beside the ledger.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "microcredit_risk"

RANK = {
    "errors": 0, "output": 0, "vocabulary": 0, "snapshots": 0, "workers": 0, "profile": 1, "ledger": 2, "anonymize": 3, "sample": 3, "engine": 3.5,
    "metrics": 4, "stats": 5, "findings": 6, "monitor": 6.5, "figures": 7, "report": 8, "templates": 8, "compare": 8.5,
    "pipeline": 9, "grouped": 9.5,
    "cli": 10, "__init__": 0, "__main__": 11,
}


def _unit(module: str) -> str:
    """``microcredit_risk.metrics.table`` → ``metrics``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path) -> list[str]:
    here = "microcredit_risk." + ".".join(path.relative_to(SRC).with_suffix("").parts)
    package = here.rsplit(".", 1)[0] if path.name != "__init__.py" else here.removesuffix(".__init__")
    out = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
                names = [f"{target}.{a.name}" for a in node.names] if not node.module else [target]
                out += names
            elif node.module and node.module.startswith("microcredit_risk"):
                out.append(node.module)
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names if a.name.startswith("microcredit_risk")]
    return out


def test_every_unit_is_ranked() -> None:
    units = {p.stem if p.parent == SRC else p.relative_to(SRC).parts[0] for p in SRC.rglob("*.py")}
    assert units <= set(RANK), sorted(units - set(RANK))


def test_no_import_runs_back_up_the_pipeline() -> None:
    upward = []
    for path in sorted(SRC.rglob("*.py")):
        own = path.stem if path.parent == SRC else path.relative_to(SRC).parts[0]
        for target in _imports(path):
            other = _unit(target)
            if other in RANK and RANK[other] > RANK[own]:
                upward.append(f"{path.relative_to(SRC)} imports {target}")
    assert upward == []
