"""The bank profile (TOML): facts about the bank that the ledger does not carry, and threshold overrides.

Every field is optional; an analysis that needs a missing fact is skipped and says which fact.
Defaults for thresholds live in ``data/thresholds.toml`` (one source); the profile only overrides.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import LANGS, ProfileError
from .vocabulary import metric_unit

BANK_KINDS = ("village_bank", "rural_commercial", "city_commercial", "joint_stock", "state_owned",
              "policy", "postal")
# what the ledger covers: a whole bank (a legal person with its own net capital and provisioning
# policy), a branch, or a sub-branch (neither: its figures are "this portfolio", never "the bank")
SCOPES = ("bank", "branch", "sub_branch")


@cache
def _threshold_defaults() -> dict[str, Any]:
    text = resources.files("microcredit_risk").joinpath("data/thresholds.toml").read_text("utf-8")
    return tomllib.loads(text)


def default_thresholds(kind: str | None = None) -> dict[str, float]:
    data = _threshold_defaults()
    out = {k: float(v) for k, v in data["default"].items()}
    if kind:
        out.update({k: float(v) for k, v in data.get("kind", {}).get(kind, {}).items()})
    return out


@dataclass(frozen=True)
class Benchmark:
    """A peer figure for one metric (profile ``[benchmarks]``), shown beside the bank's own: one value
    for every year, or a value per year, and the source the user names (printed with it)."""

    source: str
    value: float | None = None
    by_year: dict[int, float] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)   # the source per report language, when given so

    def at(self, year: int) -> float | None:
        return self.by_year.get(year, self.value)

    def source_in(self, lang: str) -> str:
        """The source in the report's language (``source = {zh = "…", en = "…"}``), else as written."""
        return self.sources.get(lang) or self.source

    def to_json_obj(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source, "value": self.value,
                               "by_year": {str(y): v for y, v in sorted(self.by_year.items())}}
        if self.sources:
            out["sources"] = dict(sorted(self.sources.items()))
        return out

    @classmethod
    def from_json_obj(cls, obj: dict[str, Any]) -> Benchmark:
        value = obj.get("value")
        return cls(source=str(obj.get("source") or ""), value=None if value is None else float(value),
                   by_year={int(y): float(v) for y, v in (obj.get("by_year") or {}).items()},
                   sources={str(k): str(v) for k, v in (obj.get("sources") or {}).items()})


def _source_text(raw: Any) -> tuple[str, dict[str, str]] | None:
    """A benchmark's ``source``: a text, or a table of texts by language (zh, en); None if neither."""
    if isinstance(raw, str) and raw.strip():
        return raw.strip(), {}
    if isinstance(raw, dict) and raw and all(k in LANGS and isinstance(v, str) and v.strip() for k, v in raw.items()):
        texts = {str(k): str(v).strip() for k, v in raw.items()}
        return texts.get("zh") or next(iter(texts.values())), texts
    return None


@dataclass(frozen=True)
class BankProfile:
    name: str | None = None
    kind: str | None = None
    scope: str = "bank"
    language: str | None = None
    net_capital: dict[int, float] = field(default_factory=dict)
    total_npl_ratio: dict[int, float] = field(default_factory=dict)
    total_loans: dict[int, float] = field(default_factory=dict)   # the whole bank's loans (两增 benchmark)
    overrides: dict[str, float] = field(default_factory=dict)
    benchmarks: dict[str, Benchmark] = field(default_factory=dict)   # metric → peer figure
    path: str | None = None

    @property
    def thresholds(self) -> dict[str, float]:
        """Defaults for this kind of bank, with the profile's overrides applied."""
        return {**default_thresholds(self.kind), **self.overrides}

    def threshold(self, name: str) -> float:
        try:
            return self.thresholds[name]
        except KeyError:
            raise ProfileError("E318", name=name) from None

    def net_capital_for(self, year: int) -> float | None:
        return self.net_capital.get(year)


def _by_year(table: Any, where: str, source: str) -> dict[int, float]:
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise ProfileError("E207", where=source, table=where)
    out: dict[int, float] = {}
    for k, v in table.items():
        try:
            year = int(str(k))
            out[year] = float(v)
        except (TypeError, ValueError):
            raise ProfileError("E208", where=source, table=where, key=k, value=v) from None
    return out


def _benchmarks(table: Any, source: str) -> dict[str, Benchmark]:
    """``[benchmarks]``: metric = { source = "…", value = x } and/or year = x entries in the same table."""
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise ProfileError("E211", where=source, name="benchmarks")
    out: dict[str, Benchmark] = {}
    for name, entry in table.items():
        if metric_unit(name) is None:
            raise ProfileError("E210", where=source, name=name)
        text = _source_text(entry.get("source")) if isinstance(entry, dict) else None
        if text is None:
            raise ProfileError("E211", where=source, name=name)
        value, by_year = entry.get("value"), {}
        try:
            for k, v in entry.items():
                if k not in ("source", "value"):
                    by_year[int(str(k))] = float(v)
            number = None if value is None else float(value)
        except (TypeError, ValueError):
            raise ProfileError("E211", where=source, name=name) from None
        if number is None and not by_year:
            raise ProfileError("E211", where=source, name=name)
        out[name] = Benchmark(source=text[0], value=number, by_year=by_year, sources=text[1])
    return dict(sorted(out.items()))


def load_profile(path: str | Path | None) -> BankProfile:
    """Read a bank profile; ``None`` gives the empty profile (all defaults, no bank facts)."""
    if path is None:
        return BankProfile()
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text("utf-8"))
    except FileNotFoundError:
        raise ProfileError("E201", where=str(p)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError("E202", where=str(p), detail=exc) from None
    return profile_from_dict(data, str(p))


def profile_from_dict(data: dict[str, Any], source: str = "profile") -> BankProfile:
    bank = data.get("bank", {}) or {}
    kind = bank.get("kind")
    if kind is not None and kind not in BANK_KINDS:
        raise ProfileError("E203", where=source, value=kind, choices=", ".join(BANK_KINDS))
    scope = bank.get("scope", "bank")
    if scope not in SCOPES:
        raise ProfileError("E209", where=source, value=scope, choices=", ".join(SCOPES))
    language = bank.get("language")
    if language is not None and language not in LANGS:
        raise ProfileError("E204", where=source, value=language, choices=", ".join(LANGS))
    known = default_thresholds(kind)
    overrides: dict[str, float] = {}
    for k, v in (data.get("thresholds", {}) or {}).items():
        if k not in known:
            raise ProfileError("E205", where=source, name=k)
        try:
            overrides[k] = float(v)
        except (TypeError, ValueError):
            raise ProfileError("E206", where=source, name=k, value=v) from None
    return BankProfile(
        name=bank.get("name"),
        kind=kind,
        scope=scope,
        language=language,
        net_capital=_by_year(bank.get("net_capital"), "bank.net_capital", source),
        total_npl_ratio=_by_year(bank.get("total_npl_ratio"), "bank.total_npl_ratio", source),
        total_loans=_by_year(bank.get("total_loans"), "bank.total_loans", source),
        overrides=overrides,
        benchmarks=_benchmarks(data.get("benchmarks"), source),
        path=source,
    )
