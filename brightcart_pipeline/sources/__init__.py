"""dlt sources, one module per vendor, all on the shared HTTP layer in `http.py`.

Each vendor module provides `RESOURCES` (its `ResourceSpec`s), `build_client(settings)` and a
`@dlt.source` taking `(client, landing, window, settings)`: account ids, lookbacks and other
per-vendor settings are read from `settings` inside the source, never carried on the client.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from brightcart_pipeline.settings import SOURCES


def source_module(name: str) -> ModuleType:
    if name not in SOURCES:
        raise ValueError(f"unknown source {name!r}; expected one of {', '.join(SOURCES)}")
    return importlib.import_module(f"brightcart_pipeline.sources.{name}")


# Sources wired into the pipeline, in load order (dimensions before facts is not required: raw only).
ENABLED_SOURCES: tuple[str, ...] = ("shopify", "google_ads", "meta_ads", "ga4", "hubspot")


def available_sources() -> tuple[str, ...]:
    return ENABLED_SOURCES
