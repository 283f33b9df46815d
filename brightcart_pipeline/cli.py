"""The `brightcart` command (`brightcart --help`).

Long work (extraction per source and table, loading, the dbt build) shows live progress bars and ends
with a summary. Any failure ends the process with exit status 1 and one line saying why: a bad setting,
a vendor API that cannot be reached, a failed extract, step or dbt build.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from brightcart_pipeline.cli_options import parse_day
from brightcart_pipeline.progress import RunProgress, Tally
from brightcart_pipeline.settings import SOURCES, Settings, SettingsError, get_settings

console = Console(highlight=False)
CONNECT_TIMEOUT_SECONDS = 3.0


class ApiUnreachable(RuntimeError):
    """A vendor API (or the simulator standing in for it) does not accept connections."""


def one_line(reason: object) -> str:
    """A multi-line error (settings list every bad variable on its own line) as one line."""
    return "; ".join(part.strip() for part in str(reason).strip().splitlines() if part.strip()).replace(":;", ":")


def fail(reason: object) -> NoReturn:
    console.print(f"[bold red]error:[/] {escape(one_line(reason))}", soft_wrap=True)
    sys.exit(1)


def expected_failures() -> tuple[type[BaseException], ...]:
    """Errors that are the user's or the environment's doing: reported in one line, without a traceback."""
    from brightcart_pipeline.privacy.keys import MissingKeyError
    from brightcart_pipeline.sources.http import ExtractError

    found: list[type[BaseException]] = [SettingsError, ApiUnreachable, ExtractError, MissingKeyError]
    if "brightcart_pipeline.metrics" in sys.modules:  # importing MetricFlow just to catch its error is slow
        found.append(sys.modules["brightcart_pipeline.metrics"].MetricsUnavailable)
    return tuple(found)


class BrightCartGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as error:
            if isinstance(error, expected_failures()):
                fail(error)
            raise


def current_settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as error:
        fail(error)


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


def check_reachable(settings: Settings, sources: list[str]) -> None:
    """Fail fast, before any retry loop, when a vendor API does not even accept a connection."""
    for source in sources:
        url = settings.base_url(source)  # type: ignore[arg-type]
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            socket.create_connection((parts.hostname or "", port), timeout=CONNECT_TIMEOUT_SECONDS).close()
        except OSError as error:
            hint = ("start one with `brightcart simulate` or point BRIGHTCART_API_BASE_URL at it"
                    if settings.api_base_url else f"check the network and BRIGHTCART_{source.upper()}_BASE_URL")
            raise ApiUnreachable(f"cannot reach the {source} API at {url} "
                                 f"({error.strerror or error.__class__.__name__}): {hint}") from None


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    if end < start:
        fail(f"--to {end} is before --from {start}")
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


SOURCE_OPTION = click.option("--source", "sources", type=click.Choice(SOURCES), multiple=True,
                             help="A source to include; repeat for several. Default: every source.")
FROM_OPTION = click.option("--from", "start", callback=parse_day, required=True,
                           help="First day, YYYY-MM-DD (UTC partition day).")
TO_OPTION = click.option("--to", "end", callback=parse_day, required=True, help="Last day, YYYY-MM-DD, inclusive.")


@click.group(cls=BrightCartGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def main() -> None:
    """BrightCart's marketing data platform: extract, land, load, transform, check.

    Settings come from BRIGHTCART_* environment variables (or .env); the local target needs none.
    Every command exits 1 with a one-line reason when it fails.
    """
    # dlt warns on every load about columns a page did not carry yet; the progress bars and the summary say
    # what the people at a terminal need. RUNTIME__LOG_LEVEL=WARNING brings dlt's warnings back.
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")


@main.command()
@click.option("--days", type=click.IntRange(1, 400), default=None,
              help="Simulated days to run through the pipeline (default: BRIGHTCART_SIMULATOR_DAYS, 3).")
def demo(days: int | None) -> None:
    """Run the whole platform locally and summarise what it built.

    Starts the simulator, then for each day extracts all five sources into the lake and loads them
    into DuckDB (through Dagster, so `make dev` shows the runs), builds the dbt models, runs the checks,
    and prints rows per source and table, headline metrics and check results.
    """
    if days is not None:
        os.environ["BRIGHTCART_SIMULATOR_DAYS"] = str(days)
        get_settings.cache_clear()
    settings = current_settings()
    if settings.target != "local":
        fail("demo runs on the local target only (unset BRIGHTCART_TARGET)")
    from brightcart_pipeline.orchestration import run_daily_pipeline

    started = time.monotonic()
    progress = RunProgress(console)
    with simulator_for(settings) as base_url:
        world = world_config(settings)
        console.print(f"[bold]BrightCart demo[/]: simulator at {base_url}, {world.days} days from {world.start}, "
                      f"scale {world.scale}")
        with progress.showing():
            outcome = run_daily_pipeline(settings, watcher=progress)
    print_summary(settings, progress.tally, time.monotonic() - started)
    if outcome.failure_reasons:
        more = f" (and {len(outcome.failure_reasons) - 1} more)" if len(outcome.failure_reasons) > 1 else ""
        fail(f"{outcome.failure_reasons[0]}{more}")
    if outcome.checks_failed:
        failed = progress.tally.checks_failed
        fail(f"{outcome.checks_failed} check(s) failed: {', '.join(failed[:3])}" + ("…" if len(failed) > 3 else ""))


@main.command()
@click.option("--port", type=int, default=8765, show_default=True, help="Port to serve the APIs on (127.0.0.1).")
@click.option("--rate-limits/--no-rate-limits", default=False,
              help="Impose the vendors' documented rate limits (429s and throttle dialects).")
def simulate(port: int, rate_limits: bool) -> None:
    """Serve the five simulated vendor APIs (Shopify, Google Ads, Meta, GA4, HubSpot) until interrupted.

    The world comes from BRIGHTCART_SIMULATOR_SEED, _DAYS and _SCALE; faults from
    BRIGHTCART_SIMULATOR_FAULT_PLAN. Point extraction at it with BRIGHTCART_API_BASE_URL.
    """
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


@main.command()
@SOURCE_OPTION
@FROM_OPTION
@TO_OPTION
def ingest(sources: tuple[str, ...], start: dt.date, end: dt.date) -> None:
    """Extract a date range from the vendor APIs, land every page in the lake and load the raw tables.

    Runs directly, without Dagster; the APIs are those the settings name (BRIGHTCART_API_BASE_URL
    for a running simulator). Shows rows per source and table as they arrive.
    """
    from brightcart_pipeline.ingest import run_ingest
    from brightcart_pipeline.sources import available_sources
    from brightcart_pipeline.sources.base import ExtractWindow

    days = _days(start, end)
    settings = current_settings()
    chosen = list(sources or available_sources())
    check_reachable(settings, chosen)
    progress = RunProgress(console)
    results = []
    started = time.monotonic()
    with progress.showing():
        for source in chosen:
            result = run_ingest(settings, source, ExtractWindow(days[0], days[-1] + dt.timedelta(days=1)))  # type: ignore[arg-type]
            console.print(f"  {source}: [green]ok[/] ({result.requests} requests, {result.throttled} throttled)")
            results.append(result)
    print_ingest_summary(results, time.monotonic() - started)


@main.command()
@SOURCE_OPTION
@FROM_OPTION
@TO_OPTION
def replay(sources: tuple[str, ...], start: dt.date, end: dt.date) -> None:
    """Rebuild raw tables for a date range from the landed lake files; calls no API."""
    from brightcart_pipeline.ingest import run_replay
    from brightcart_pipeline.sources import available_sources

    days = _days(start, end)
    settings = current_settings()
    results = []
    started = time.monotonic()
    with RunProgress(console).showing():
        for source in sources or available_sources():
            results.append(run_replay(settings, source, days[0], days[-1] + dt.timedelta(days=1)))  # type: ignore[arg-type]
    print_ingest_summary(results, time.monotonic() - started)


@main.command()
@SOURCE_OPTION
@FROM_OPTION
@TO_OPTION
@click.option("--from-api", is_flag=True, help="Call the APIs even for days the lake already holds.")
def backfill(sources: tuple[str, ...], start: dt.date, end: dt.date, from_api: bool) -> None:
    """Fill a range of daily partitions through Dagster.

    Days the lake already holds are replayed from it; the others (or all, with --from-api) are
    extracted from the APIs. Each day is one Dagster run, visible in `make dev`.
    """
    from brightcart_pipeline.orchestration import run_backfill
    from brightcart_pipeline.sources import available_sources

    days = [day.isoformat() for day in _days(start, end)]
    settings = current_settings()
    chosen = list(sources or available_sources())
    if from_api:
        check_reachable(settings, chosen)
    progress = RunProgress(console)
    with progress.showing():
        outcome = run_backfill(settings, days, chosen, "api" if from_api else "lake_if_landed", watcher=progress)
    console.print(f"backfilled {len(days)} day(s) of {', '.join(chosen)}: {len(outcome.runs)} run(s), "
                  f"{progress.tally.materialised} raw table load(s)")
    if outcome.failure_reasons:
        fail(f"{len(outcome.failure_reasons)} step(s) failed; first: {outcome.failure_reasons[0]}")


@main.command()
@click.option("--scale", type=float, default=0.001, show_default=True, help="1.0 is BrightCart's full daily volume.")
@click.option("--days", type=int, default=1, show_default=True, help="Simulated days to measure.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("docs/benchmarks"), show_default=True,
              help="Folder for the JSON and Markdown reports.")
@click.option("--sources", "--source", "sources", type=click.Choice(SOURCES), multiple=True,
              help="A source to measure; repeat for several. Default: every source (and then dbt too).")
@click.option("--rate-limits", is_flag=True,
              help="Instead: the five extracts at once, vendor rate limits off then on, against each source's floor "
                   "(a section added to the report).")
@click.option("--increment", is_flag=True,
              help="Then one hour's increment: every source's incremental extract and an incremental dbt build, "
                   "timed against a full rebuild.")
def bench(scale: float, days: int, out_dir: Path, sources: tuple[str, ...], rate_limits: bool,
          increment: bool) -> None:
    """Measure extract → land → load → dbt at a scale, with same-run ceilings; writes JSON and Markdown."""
    from brightcart_pipeline.bench import run_bench

    if rate_limits:
        from brightcart_pipeline.bench_rate_limits import run_rate_limit_bench

        console.print(run_rate_limit_bench(scale, days, out_dir).to_markdown())
        console.print(f"written to {out_dir}/")
        return
    if increment and sources:
        fail("--increment runs every source: leave out --sources")
    report = run_bench(scale, days, out_dir, sources=sources or SOURCES, increment=increment)
    console.print(report.to_markdown())
    console.print(f"written to {out_dir}/")


@main.command()
@click.option("--email", help="The person's email, in any of its spellings.")
@click.option("--hubspot-contact-id", help="A HubSpot contact id.")
@click.option("--shopify-customer-id", help="A Shopify customer id.")
@click.option("--queue", is_flag=True, help="Only record the request; the daily build carries it out.")
def forget(email: str | None, hubspot_contact_id: str | None, shopify_customer_id: str | None, queue: bool) -> None:
    """Delete a person everywhere: lake files rewritten, raw rows removed, marts rebuilt; audited."""
    from brightcart_pipeline.privacy.deletion import record_request
    from brightcart_pipeline.privacy.forget import process_deletion_requests
    from brightcart_pipeline.warehouse import connect

    given = {"email": email, "hubspot_contact_id": hubspot_contact_id, "shopify_customer_id": shopify_customer_id}
    given = {kind: value for kind, value in given.items() if value}
    if not given:
        fail("give --email, --hubspot-contact-id or --shopify-customer-id")
    settings = current_settings()
    with connect(settings) as con:
        ids = [record_request(con, kind, value).request_id for kind, value in given.items()]
    console.print(f"recorded deletion request(s): {', '.join(ids)}")
    if queue:
        return
    outcome = process_deletion_requests(settings)
    console.print(f"done: {outcome.lake_files_rewritten} lake file(s) rewritten, "
                  f"{outcome.raw_rows_deleted} raw row(s) deleted, marts rebuilt")


@main.group()
def keys() -> None:
    """The local encryption keys: the lake's (BRIGHTCART_KEY_FILE) and the warehouse's."""


@keys.command()
def rotate() -> None:
    """Re-encrypt the local lake and warehouse with new keys. Stop Dagster first; rerun to finish an interrupted
    rotation (both keys open the data until it is done)."""
    from brightcart_pipeline.privacy.rotation import rotate_keys

    settings = current_settings()
    report = rotate_keys(settings)
    warehouse = "re-encrypted" if report.warehouse_rewritten else "nothing to re-encrypt"
    console.print(f"lake: {report.lake_objects_rewritten} object(s) re-encrypted "
                  f"({report.lake_objects_already_rotated} already were); warehouse: {warehouse}.\n"
                  f"Back up the new keys now, apart from the data: {settings.key_file}, {settings.warehouse_key_file}")


def print_ingest_summary(results: list[Any], seconds: float) -> None:
    """Per source: records landed (or replayed) per resource, dead-lettered, rows loaded into raw tables."""
    table = Table(title="Ingested", title_justify="left")
    for column in ("source", "records per resource", "dead-lettered", "rows loaded"):
        table.add_column(column, justify="left" if column in {"source", "records per resource"} else "right")
    for result in results:
        per_resource = ", ".join(f"{name} {count:,}" for name, count in sorted(result.landed.items()))
        table.add_row(result.source, per_resource or "–", f"{sum(result.rejected.values()):,}",
                      f"{result.loaded_total:,}")
    console.print(table)
    console.print(f"{len(results)} source(s) in {seconds:.0f}s")


def print_summary(settings: Settings, tally: Tally, seconds: float) -> None:
    """What the demo did: rows extracted per source and table, the headline metrics, the checks."""
    table = Table(title="Extracted from the APIs", title_justify="left")
    table.add_column("source")
    table.add_column("rows per table")
    table.add_column("rows", justify="right")
    for source, tables in sorted(tally.extracted.items()):
        visible = {name: count for name, count in tables.items() if not name.startswith("_dlt")}
        table.add_row(source, ", ".join(f"{name} {count:,}" for name, count in sorted(visible.items())),
                      f"{sum(visible.values()):,}")
    console.print(table)
    console.print(f"headline: {headline_metrics(settings)}")
    console.print(f"marts: {tally.materialised:,} assets materialised   checks: {tally.checks_passed} passed, "
                  f"{len(tally.checks_failed)} failed   in {seconds:.0f}s")
    console.print(f"warehouse: {settings.warehouse_path}\nlake:      {settings.lake_root}\n"
                  f"dashboards: make dashboard   web UI: make dev  (runs of this demo are in {settings.dagster_home})")


HEADLINE_METRICS = ("orders", "net_sales", "spend", "mer")


def headline_metrics(settings: Settings) -> str:
    """The demo's numbers through the semantic layer, like every other number people read."""
    from brightcart_pipeline import metrics

    try:
        frame = metrics.query(list(HEADLINE_METRICS), settings=settings)
    except Exception as error:  # a summary line must never turn a finished run into a failure
        return (f"not available here ({one_line(error)[:160]}); run `brightcart metrics query --metrics "
                f"{','.join(HEADLINE_METRICS)}`")
    definitions = metrics.definitions(settings)
    values = frame.iloc[0] if not frame.empty else {}
    shown = {"orders": "{:,.0f}", "net_sales": "${:,.2f}", "spend": "${:,.2f}", "mer": "{:.2f}×"}
    return "   ".join(f"{definitions[name].label} [bold]{shown[name].format(values[name])}[/]"
                      for name in HEADLINE_METRICS if name in values and values[name] == values[name])


from brightcart_pipeline.metrics_cli import dashboard_command, metrics_group  # noqa: E402

main.add_command(metrics_group)
main.add_command(dashboard_command)


if __name__ == "__main__":
    main()
