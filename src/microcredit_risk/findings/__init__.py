"""findings stage: rules as data (data/rules.toml, data/texts.toml) applied to the metrics by diagnose()."""

from .engine import diagnose
from .export import findings_from_json, findings_json

__all__ = ["diagnose", "findings_from_json", "findings_json"]
