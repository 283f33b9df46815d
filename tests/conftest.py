"""Shared fixtures: a small simulated world served on loopback, settings pointing at it, and one fully
built warehouse per session for the tests that only read it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from brightcart_pipeline.settings import Settings, load_settings
from brightcart_pipeline.simulator.server import SimulatorServer
from brightcart_pipeline.simulator.world import WorldConfig
from tests.support.built import BuiltWorld, build_world
from tests.support.dbt import DBT, dbt_build

__all__ = ["DBT", "TEST_WORLD", "BuiltWorld", "dbt_build", "settings_for"]

TEST_WORLD = WorldConfig(seed=11, start=dt.date(2026, 10, 1), days=4, scale=0.0003)


@pytest.fixture(scope="module")
def simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer(TEST_WORLD) as server:
        yield server


@pytest.fixture(scope="session")
def built_world(tmp_path_factory: pytest.TempPathFactory) -> BuiltWorld:
    """TEST_WORLD through the whole pipeline once (all sources, full dbt build). Read it, never change it."""
    return build_world(tmp_path_factory.mktemp("built_world"), TEST_WORLD)


def settings_for(home: Path, server: SimulatorServer, **overrides: object) -> Settings:
    return load_settings(home=home, api_base_url=server.base_url, start_date=server.world.config.first_utc_day,
                         simulator_days=server.world.config.days, **overrides)
