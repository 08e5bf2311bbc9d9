"""Jinja environments for the report: a user's ``--templates DIR`` first, then the shipped templates.

The shipped templates live in the package ``microcredit_risk.templates`` when installed, else in the
repository's ``reports/templates``. Template names are flat file names: a name with a path
separator or ``..`` is refused, so a template cannot reach files outside its folder.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

from ..errors import AnalysisError, OutputError

TEMPLATE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|])")


def shipped_dir() -> Path:
    """The folder of the templates that ship with mcr."""
    try:
        res = resources.files("microcredit_risk.templates")
        if res.is_dir() and res.joinpath("report.html.j2").is_file():
            return Path(str(res))
    except (ModuleNotFoundError, TypeError):
        pass
    repo = Path(__file__).resolve().parents[3] / "reports" / "templates"
    if repo.is_dir():
        return repo
    raise OutputError("E511")


class SafeLoader(ChoiceLoader):
    """A ChoiceLoader that accepts only flat template names (no folders, no ``..``)."""

    def get_source(self, environment: Environment, template: str) -> tuple[str, str | None, Callable[[], bool] | None]:
        if not TEMPLATE_NAME.match(template) or ".." in template:
            raise TemplateNotFound(template)
        return super().get_source(environment, template)


def loader(templates: Path | None = None) -> BaseLoader:
    loaders: list[BaseLoader] = []
    if templates is not None:
        if not Path(templates).is_dir():
            raise OutputError("E512", where=str(templates))
        loaders.append(FileSystemLoader(str(templates)))
    loaders.append(FileSystemLoader(str(shipped_dir())))
    return SafeLoader(loaders)


def md_escape(value: Any) -> str:
    """Markdown-escape a displayed value: no raw HTML, links, emphasis or table breaks from data."""
    if value is None:
        return ""
    text = str(value).replace("\r", " ").replace("\n", " ")
    return _MD_SPECIAL.sub(r"\\\1", text)


def environment(kind: str, templates: Path | None = None) -> Environment:
    """``kind`` "html": autoescape on; "md": every ``{{ }}`` Markdown-escaped. StrictUndefined both."""
    if kind == "html":
        return Environment(loader=loader(templates), autoescape=True, undefined=StrictUndefined,
                           trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    if kind == "md":
        return Environment(loader=loader(templates), autoescape=False, undefined=StrictUndefined,
                           trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, finalize=md_escape)
    raise AnalysisError("E707", value=kind)
