"""Option parsing shared by the `brightcart` command groups."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click


def parse_day(_: Any, __: Any, value: str | None) -> dt.date | None:
    """A click callback: an ISO day, or a usage error that shows the expected form."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date like 2026-10-01, got {value!r}") from None
