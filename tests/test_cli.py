"""The `brightcart` command as people meet it: every command and option explains itself, a failure exits 1
with one line saying why (bad setting, unreachable API, failed extract), and a run ends with a summary
whose counts are the simulated world's own."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import click
import pytest
import requests
from click.testing import CliRunner, Result

from brightcart_pipeline import cli
from brightcart_pipeline.settings import get_settings
from brightcart_pipeline.simulator.truth_commerce import true_orders
from tests.support.browser import free_port
from tests.support.built import final_clock

DAY = "2026-10-01"


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch, tmp_path) -> Iterator[None]:
    """Each invocation reads its own environment; a wide console keeps summary rows on one line."""
    for name in ("BRIGHTCART_API_BASE_URL", "BRIGHTCART_TARGET", "BRIGHTCART_DUCKDB_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BRIGHTCART_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(cli.console, "width", 200)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def invoke(*args: str, **env: str) -> Result:
    return CliRunner().invoke(cli.main, list(args), env=env, catch_exceptions=False)


def error_line(result: Result) -> str:
    """The failure's reason: exactly one line, starting with `error:`, and no traceback."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


def commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))


def test_every_command_and_option_has_help_that_says_what_it_does():
    listed = invoke("--help")
    assert listed.exit_code == 0
    found = list(commands(cli.main))
    assert {"demo", "ingest", "replay", "backfill", "simulate", "metrics", "dashboard"} <= {p[0] for p, _ in found}
    for path, command in found:
        assert path[0] in listed.output
        shown = invoke(*path, "--help")
        assert shown.exit_code == 0, (path, shown.output)
        text = " ".join(shown.output.split())
        assert command.help and " ".join(command.help.split("\n\n")[0].split()) in text, path
        for option in command.params:
            if isinstance(option, click.Option):
                assert option.help, f"brightcart {' '.join(path)} {option.opts[0]} has no help text"
                assert option.opts[0] in shown.output


def test_a_bad_setting_exits_1_naming_every_bad_variable_on_one_line():
    result = invoke("ingest", "--from", DAY, "--to", DAY, BRIGHTCART_TARGET="staging",
                    BRIGHTCART_REQUESTS_PER_SECOND="-1")
    line = error_line(result)
    assert "BRIGHTCART_TARGET (given 'staging')" in line
    assert "BRIGHTCART_REQUESTS_PER_SECOND (given '-1')" in line


def test_an_inverted_date_range_exits_1_with_one_line():
    line = error_line(invoke("replay", "--from", "2026-10-03", "--to", "2026-10-01"))
    assert "--to 2026-10-01 is before --from 2026-10-03" in line


@pytest.mark.parametrize("command", [("ingest",), ("backfill", "--from-api")])
def test_an_unreachable_api_exits_1_before_any_retry_naming_the_url(command):
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    line = error_line(invoke(*command, "--source", "shopify", "--from", DAY, "--to", DAY,
                             BRIGHTCART_API_BASE_URL=url))
    assert f"cannot reach the shopify API at {url}" in line
    assert "brightcart simulate" in line


def test_a_date_that_is_not_a_date_is_a_usage_error():
    result = invoke("ingest", "--from", "yesterday", "--to", DAY)
    assert result.exit_code == 2
    assert "expected a date like 2026-10-01, got 'yesterday'" in result.output


def test_ingest_summarises_what_the_world_holds(simulator, monkeypatch):
    world = simulator.world
    simulator.context.set_clock(final_clock(world))
    first_day = world.config.first_utc_day.isoformat()
    last_day = (world.config.end - dt.timedelta(days=1)).isoformat()
    result = invoke("ingest", "--source", "shopify", "--from", first_day, "--to", last_day,
                    BRIGHTCART_API_BASE_URL=simulator.base_url, BRIGHTCART_START_DATE=first_day)
    assert result.exit_code == 0, result.output
    orders = len(true_orders(world, simulator.context.as_of_us))
    row = next(line for line in result.output.splitlines() if line.strip("│ ").startswith("shopify "))
    assert re.search(rf"\borders {orders:,}\b", row), row
    assert "1 source(s)" in result.output


def test_a_failing_vendor_exits_1_with_the_source_endpoint_and_response(simulator):
    world = simulator.world
    clock = final_clock(world)
    simulator.context.set_clock(clock)
    plan = {"faults": [{"vendor": "shopify", "kind": "server_error", "on": clock.date().isoformat(), "count": 50,
                        "status": 503}]}
    requests.post(f"{simulator.base_url}/_simulator/faults", json=plan, timeout=10).raise_for_status()
    try:
        result = invoke("ingest", "--source", "shopify", "--from", DAY, "--to", DAY,
                        BRIGHTCART_API_BASE_URL=simulator.base_url, BRIGHTCART_MAX_RETRIES="0")
    finally:
        requests.post(f"{simulator.base_url}/_simulator/faults", json={"faults": []}, timeout=10)
    line = error_line(result)
    assert "shopify:" in line and "orders" in line and "503" in line, line
