"""The pages' templates (Jinja2, autoescaped) and the filters they format figures with."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import ChainableUndefined, Environment, FileSystemLoader, select_autoescape

from shared.advisor.actions import learn_link
from shared.rendering.formatting import (
    clipped,
    compact_money,
    count,
    money,
    plural,
    signed,
    signed_money,
)
from shared.rendering.report_types import REPORT_TYPES
from shared.rendering.report_types.sections import SOLUTION_CHARS
from web import assets

TEMPLATES = Path(__file__).parent / "templates"
CATEGORY_LABELS = {"OperationalExcellence": "Operational excellence",
                   "HighAvailability": "Reliability"}


def when(value: str | None) -> str:
    """`2026-12-07 04:25 UTC` from an ISO time (the API's times are UTC)."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value[:16]
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def size(value: int | None) -> str:
    amount = float(value or 0)
    for unit in ("bytes", "KB", "MB", "GB"):
        if amount < 1024 or unit == "GB":
            return f"{amount:,.0f} {unit}" if unit == "bytes" else f"{amount:,.1f} {unit}"
        amount /= 1024
    return ""


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(
        ["html"], default=True), undefined=ChainableUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(money=money, compact_money=compact_money, count=count, when=when,
                       size=size, signed=signed, signed_money=signed_money, plural=plural,
                       category=lambda c: CATEGORY_LABELS.get(c, c),
                       # Advisor's steps and Learn link as the reports show them.
                       steps=lambda text: clipped(text, SOLUTION_CHARS), learn_link=learn_link)
    env.globals["asset"] = assets.url
    env.globals["type_labels"] = {key: kind.label for key, kind in REPORT_TYPES.items()}
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
