"""One fully built warehouse per test session, shared read-only by every test that only reads it.

The world goes through the whole pipeline once: all five simulated APIs with the clock past the ads'
restatement window (so every day is final), the lake, DuckDB, then a full `dbt build` (tests included)
with the semantic manifest written to its own target folder. Tests that change data build their own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from brightcart_pipeline.ingest import run_ingest
from brightcart_pipeline.settings import Settings, load_settings
from brightcart_pipeline.simulator.server import SimulatorServer
from brightcart_pipeline.simulator.truth_ads import RESTATEMENT_DAYS
from brightcart_pipeline.simulator.world import World, WorldConfig
from brightcart_pipeline.sources import ENABLED_SOURCES
from brightcart_pipeline.sources.base import ExtractWindow

from .dbt import dbt_build


@dataclass(frozen=True)
class BuiltWorld:
    settings: Settings
    world: World
    as_of_us: int  # the simulator clock the world was extracted at: ground truth is read as of then
    manifest: Path  # semantic_manifest.json of this build, for MetricFlow


def final_clock(world: World) -> dt.datetime:
    """A clock at which every simulated day's ad metrics are final (past the restatement window)."""
    return dt.datetime.combine(world.config.end + dt.timedelta(days=RESTATEMENT_DAYS + 1), dt.time(6),
                               tzinfo=dt.UTC)


def build_world(home: Path, config: WorldConfig) -> BuiltWorld:
    with SimulatorServer(config) as server:
        world = server.world
        server.context.set_clock(final_clock(world))
        settings = load_settings(home=home, api_base_url=server.base_url, start_date=world.config.first_utc_day,
                                 simulator_days=world.config.days)
        window = ExtractWindow(world.config.first_utc_day, world.config.end)
        for source in ENABLED_SOURCES:
            run_ingest(settings, source, window)
        as_of_us = server.context.as_of_us
    target = home / "dbt_target"
    dbt_build(settings, "--target-path", str(target))
    return BuiltWorld(settings, world, as_of_us, target / "semantic_manifest.json")
