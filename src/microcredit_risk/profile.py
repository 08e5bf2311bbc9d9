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

from .errors import ProfileError

BANK_KINDS = ("village_bank", "rural_commercial", "city_commercial", "joint_stock", "state_owned",
              "policy", "postal")


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
class BankProfile:
    name: str | None = None
    kind: str | None = None
    language: str | None = None
    net_capital: dict[int, float] = field(default_factory=dict)
    total_npl_ratio: dict[int, float] = field(default_factory=dict)
    total_loans: dict[int, float] = field(default_factory=dict)   # the whole bank's loans (两增 benchmark)
    overrides: dict[str, float] = field(default_factory=dict)
    path: str | None = None

    @property
    def thresholds(self) -> dict[str, float]:
        """Defaults for this kind of bank, with the profile's overrides applied."""
        return {**default_thresholds(self.kind), **self.overrides}

    def threshold(self, name: str) -> float:
        try:
            return self.thresholds[name]
        except KeyError:
            raise ProfileError(f"unknown threshold '{name}'") from None

    def net_capital_for(self, year: int) -> float | None:
        return self.net_capital.get(year)


def _by_year(table: Any, where: str, source: str) -> dict[int, float]:
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise ProfileError(f"{source}: [{where}] must be a table of year = number")
    out: dict[int, float] = {}
    for k, v in table.items():
        try:
            year = int(str(k))
            out[year] = float(v)
        except (TypeError, ValueError):
            raise ProfileError(f"{source}: [{where}] {k} = {v!r} is not year = number") from None
    return out


def load_profile(path: str | Path | None) -> BankProfile:
    """Read a bank profile; ``None`` gives the empty profile (all defaults, no bank facts)."""
    if path is None:
        return BankProfile()
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text("utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"{p}: bank profile not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{p}: not a valid TOML file ({exc})") from None
    return profile_from_dict(data, str(p))


def profile_from_dict(data: dict[str, Any], source: str = "profile") -> BankProfile:
    bank = data.get("bank", {}) or {}
    kind = bank.get("kind")
    if kind is not None and kind not in BANK_KINDS:
        raise ProfileError(f"{source}: bank.kind = {kind!r} is not one of {', '.join(BANK_KINDS)}")
    language = bank.get("language")
    if language is not None and language not in ("zh", "en"):
        raise ProfileError(f"{source}: bank.language = {language!r} must be 'zh' or 'en'")
    known = default_thresholds(kind)
    overrides: dict[str, float] = {}
    for k, v in (data.get("thresholds", {}) or {}).items():
        if k not in known:
            raise ProfileError(f"{source}: [thresholds] {k} is not a known threshold")
        try:
            overrides[k] = float(v)
        except (TypeError, ValueError):
            raise ProfileError(f"{source}: [thresholds] {k} = {v!r} is not a number") from None
    return BankProfile(
        name=bank.get("name"),
        kind=kind,
        language=language,
        net_capital=_by_year(bank.get("net_capital"), "bank.net_capital", source),
        total_npl_ratio=_by_year(bank.get("total_npl_ratio"), "bank.total_npl_ratio", source),
        total_loans=_by_year(bank.get("total_loans"), "bank.total_loans", source),
        overrides=overrides,
        path=source,
    )
