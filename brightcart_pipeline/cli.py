"""The `brightcart` command: demo, simulate, ingest and replay (`brightcart --help`)."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from brightcart_pipeline.settings import SOURCES, Settings, SettingsError, get_settings

console = Console()


def fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {message}")
    sys.exit(1)


def current_settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as error:
        fail(str(error))
        raise  # unreachable; keeps type checkers content


def world_config(settings: Settings) -> Any:
    from brightcart_pipeline.simulator.world import WorldConfig

    return WorldConfig.extracted_from(settings.start_date, seed=settings.simulator_seed,
                                      days=settings.simulator_days, scale=settings.simulator_scale)


@contextmanager
def simulator_for(settings: Settings) -> Iterator[str]:
    """Start the simulator on loopback and point every source at it (local target only)."""
    from brightcart_pipeline.simulator.faults import FaultPlan
    from brightcart_pipeline.simulator.server import SimulatorServer

    plan = FaultPlan.load(settings.simulator_fault_plan) if settings.simulator_fault_plan else None
    with SimulatorServer(world_config(settings), fault_plan=plan) as server:
        os.environ["BRIGHTCART_API_BASE_URL"] = server.base_url
        get_settings.cache_clear()
        try:
            yield server.base_url
        finally:
            os.environ.pop("BRIGHTCART_API_BASE_URL", None)
            get_settings.cache_clear()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """BrightCart's marketing data platform: extract, land, load, transform, check."""


@main.command()
@click.option("--days", type=int, default=None, help="Simulated days (default BRIGHTCART_SIMULATOR_DAYS, 3).")
def demo(days: int | None) -> None:
    """Run the whole platform locally: simulator → lake → DuckDB → dbt → checks, then summarise."""
    if days is not None:
        os.environ["BRIGHTCART_SIMULATOR_DAYS"] = str(days)
        get_settings.cache_clear()
    settings = current_settings()
    if settings.target != "local":
        fail("demo runs on the local target only (unset BRIGHTCART_TARGET)")
    from brightcart_pipeline.orchestration import run_daily_pipeline

    started = time.monotonic()
    with simulator_for(settings) as base_url:
        world = world_config(settings)
        console.print(f"[bold]BrightCart demo[/]: simulator at {base_url}, {world.days} days from {world.start}, "
                      f"scale {world.scale}")
        outcome = run_daily_pipeline(settings, console=console)
    print_summary(settings, outcome, time.monotonic() - started)
    if not outcome.succeeded:
        fail("some steps or checks failed; see above")


@main.command()
@click.option("--port", type=int, default=8765, show_default=True)
@click.option("--rate-limits/--no-rate-limits", default=False, help="Impose the vendors' documented limits.")
def simulate(port: int, rate_limits: bool) -> None:
    """Serve the five vendor APIs from the simulated world until interrupted."""
    from brightcart_pipeline.simulator.faults import FaultPlan
    from brightcart_pipeline.simulator.server import SimulatorServer

    settings = current_settings()
    plan = FaultPlan.load(settings.simulator_fault_plan) if settings.simulator_fault_plan else None
    server = SimulatorServer(world_config(settings), fault_plan=plan, port=port, rate_limits=rate_limits)
    console.print(f"simulator serving at {server.base_url} (Ctrl-C to stop); control at /_simulator/stats")
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        server.httpd.server_close()


def _parse_day(_: Any, __: Any, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date like 2026-10-01, got {value!r}") from None


@main.command()
@click.option("--source", "sources", type=click.Choice(SOURCES), multiple=True, help="Default: every source.")
@click.option("--from", "start", callback=_parse_day, required=True, help="First day (YYYY-MM-DD).")
@click.option("--to", "end", callback=_parse_day, required=True, help="Last day, inclusive.")
def replay(sources: tuple[str, ...], start: dt.date, end: dt.date) -> None:
    """Rebuild raw tables for a date range from the landed lake files; calls no API."""
    from brightcart_pipeline.ingest import run_replay
    from brightcart_pipeline.sources import available_sources

    settings = current_settings()
    for source in sources or available_sources():
        result = run_replay(settings, source, start, end + dt.timedelta(days=1))  # type: ignore[arg-type]
        console.print(f"{source}: replayed {result.landed} from the lake, loaded {result.loaded_total} rows")


@main.command()
@click.option("--source", "sources", type=click.Choice(SOURCES), multiple=True, help="Default: every source.")
@click.option("--from", "start", callback=_parse_day, required=True, help="First day (YYYY-MM-DD).")
@click.option("--to", "end", callback=_parse_day, required=True, help="Last day, inclusive.")
@click.option("--from-api", is_flag=True, help="Call the APIs even for days the lake already holds.")
def backfill(sources: tuple[str, ...], start: dt.date, end: dt.date, from_api: bool) -> None:
    """Fill a range of daily partitions through Dagster: replayed from the lake where it has the days,
    re-extracted from the APIs where it does not (or everywhere with --from-api)."""
    from brightcart_pipeline.orchestration import run_backfill
    from brightcart_pipeline.sources import available_sources

    if end < start:
        fail(f"--to {end} is before --from {start}")
    settings = current_settings()
    days = [(start + dt.timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
    chosen = list(sources or available_sources())
    outcome = run_backfill(settings, days, chosen, "api" if from_api else "lake_if_landed", console=console)
    console.print(f"backfilled {len(days)} day(s) of {', '.join(chosen)}: {len(outcome.runs)} run(s)")
    if not outcome.succeeded:
        fail(f"{len(outcome.failed_steps)} step(s) failed: {', '.join(outcome.failed_steps)}")


@main.command()
@click.option("--scale", type=float, default=0.001, show_default=True, help="1.0 is BrightCart's full daily volume.")
@click.option("--days", type=int, default=1, show_default=True)
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("docs/benchmarks"), show_default=True)
def bench(scale: float, days: int, out_dir: Path) -> None:
    """Measure extract → land → load → dbt at a scale, with same-run ceilings; writes JSON and Markdown."""
    from brightcart_pipeline.bench import run_bench

    report = run_bench(scale, days, out_dir)
    console.print(report.to_markdown())
    console.print(f"written to {out_dir}/")


@main.command()
@click.option("--email", help="The person's email, in any of its spellings.")
@click.option("--hubspot-contact-id", help="A HubSpot contact id.")
@click.option("--shopify-customer-id", help="A Shopify customer id.")
@click.option("--queue", is_flag=True, help="Only record the request; the daily build carries it out.")
def forget(email: str | None, hubspot_contact_id: str | None, shopify_customer_id: str | None, queue: bool) -> None:
    """Delete a person everywhere: lake files rewritten, raw rows removed, marts rebuilt; audited."""
    import duckdb

    from brightcart_pipeline.privacy.deletion import record_request
    from brightcart_pipeline.privacy.forget import process_deletion_requests

    given = {"email": email, "hubspot_contact_id": hubspot_contact_id, "shopify_customer_id": shopify_customer_id}
    given = {kind: value for kind, value in given.items() if value}
    if not given:
        fail("give --email, --hubspot-contact-id or --shopify-customer-id")
    settings = current_settings()
    with duckdb.connect(str(settings.warehouse_path)) as con:
        ids = [record_request(con, kind, value).request_id for kind, value in given.items()]
    console.print(f"recorded deletion request(s): {', '.join(ids)}")
    if queue:
        return
    outcome = process_deletion_requests(settings)
    console.print(f"done: {outcome.lake_files_rewritten} lake file(s) rewritten, "
                  f"{outcome.raw_rows_deleted} raw row(s) deleted, marts rebuilt")


def print_summary(settings: Settings, outcome: Any, seconds: float) -> None:
    import duckdb

    table = Table(title="What the demo built", show_lines=False)
    table.add_column("schema.table")
    table.add_column("rows", justify="right")
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rows = con.sql(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema not like '%staging' and table_name not like '\\_dlt%' escape '\\' "
            "and table_schema not in ('main') order by 1, 2"
        ).fetchall()
        for schema, name in rows:
            count = con.sql(f'select count(*) from "{schema}"."{name}"').fetchone()[0]  # type: ignore[index]
            table.add_row(f"{schema}.{name}", f"{count:,}")
        headline = con.sql(
            "select count(*), sum(net_sales), sum(total_price) from core.fct_orders where not is_test"
        ).fetchone()
    console.print(table)
    orders, net_sales, paid = headline or (0, 0, 0)
    console.print(f"orders (excluding tests): [bold]{orders:,}[/]   net sales: [bold]${net_sales or 0:,.2f}[/]   "
                  f"paid at checkout: ${paid or 0:,.2f}")
    console.print(f"checks: {outcome.checks_passed} passed, {outcome.checks_failed} failed   "
                  f"in {seconds:.0f}s")
    console.print(f"warehouse: {settings.warehouse_path}\nlake:      {settings.lake_root}\n"
                  f"web UI:    make dev  (runs of this demo are in {settings.dagster_home})")


from brightcart_pipeline.metrics_cli import dashboard_command, metrics_group  # noqa: E402

main.add_command(metrics_group)
main.add_command(dashboard_command)


if __name__ == "__main__":
    main()
