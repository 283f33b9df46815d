"""Shared fixtures: a small simulated world served on loopback, and settings pointing at it."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from brightcart_pipeline.assets.transform import dbt_env
from brightcart_pipeline.settings import PROJECT_ROOT, Settings, load_settings
from brightcart_pipeline.simulator.server import SimulatorServer
from brightcart_pipeline.simulator.world import WorldConfig

TEST_WORLD = WorldConfig(seed=11, start=dt.date(2026, 10, 1), days=4, scale=0.0003)
DBT = str(Path(sys.executable).parent / "dbt")


@pytest.fixture(scope="module")
def simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer(TEST_WORLD) as server:
        yield server


def settings_for(home: Path, server: SimulatorServer, **overrides: object) -> Settings:
    return load_settings(home=home, api_base_url=server.base_url, start_date=server.world.config.first_utc_day,
                         simulator_days=server.world.config.days, **overrides)


def dbt_build(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """dbt build against the settings' DuckDB file; fails the test with dbt's output on error."""
    env = {**os.environ, **dbt_env(settings)}
    # cautious: a selective build leaves out tests that point at models outside the selection.
    result = subprocess.run([DBT, "build", "--quiet", "--indirect-selection", "cautious", *args],
                            cwd=PROJECT_ROOT / "dbt_project", env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result
