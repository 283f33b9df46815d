"""Settings: the local target needs nothing; a bad value fails at start and names itself."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from brightcart_pipeline.settings import SettingsError, load_settings


def test_local_needs_no_configuration(monkeypatch, tmp_path):
    for name in [k for k in os.environ if k.startswith("BRIGHTCART_")]:
        monkeypatch.delenv(name)
    settings = load_settings()
    assert settings.target == "local"
    assert settings.warehouse_path.name == "warehouse.duckdb"
    assert settings.secret("shopify_access_token")  # the simulator's development token


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("BRIGHTCART_TARGET", "prod", "'local' or 'production'"),
        ("BRIGHTCART_SIMULATOR_SCALE", "lots", "valid number"),
        ("BRIGHTCART_REQUESTS_PER_SECOND", "0", "greater than 0"),
        ("BRIGHTCART_START_DATE", "yesterday", "valid date"),
        ("BRIGHTCART_DUCKDB_MEMORY_LIMIT", "four gigs", "pattern"),
    ],
)
def test_bad_value_names_the_setting_and_what_is_expected(monkeypatch, variable, value, expected):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    message = str(error.value)
    assert variable in message
    assert repr(value) in message
    assert expected in message


def test_production_lists_every_missing_credential(monkeypatch):
    monkeypatch.setenv("BRIGHTCART_TARGET", "production")
    with pytest.raises(SettingsError) as error:
        load_settings()
    for name in ("BRIGHTCART_SNOWFLAKE_ACCOUNT", "BRIGHTCART_LAKE_URL", "BRIGHTCART_SHOPIFY_ACCESS_TOKEN",
                 "BRIGHTCART_HUBSPOT_ACCESS_TOKEN"):
        assert name in str(error.value)


def test_cli_fails_with_a_one_line_reason(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "brightcart_pipeline.cli", "demo"],
        env={"BRIGHTCART_TARGET": "staging", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1
    assert "BRIGHTCART_TARGET" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
