"""`brightcart metrics list|query|saved` for analysts who do not know dbt, and `brightcart dashboard`."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from brightcart_pipeline.cli_options import parse_day

console = Console()
DASHBOARD_APP = Path(__file__).resolve().parent / "dashboards" / "app.py"


def _names(value: str) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()]


def _settings() -> Any:
    from brightcart_pipeline.settings import SettingsError, get_settings

    try:
        return get_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


def _print_frame(frame: Any, as_csv: bool) -> None:
    if as_csv:
        click.echo(frame.to_csv(index=False), nl=False)
        return
    table = Table(show_lines=False)
    for column in frame.columns:
        table.add_column(str(column), justify="right" if frame[column].dtype.kind in "fi" else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*("" if v is None or v != v else f"{v:,.2f}" if isinstance(v, float) else str(v) for v in row))
    console.print(table)


@click.group("metrics")
def metrics_group() -> None:
    """BrightCart's metrics, defined once in the dbt semantic layer (MetricFlow)."""


@metrics_group.command("list")
@click.option("--dimensions", is_flag=True, help="Also show what each metric can be grouped by.")
def list_command(dimensions: bool) -> None:
    """Every metric with its label and definition."""
    from brightcart_pipeline import metrics

    found = metrics.list_metrics(_settings(), with_dimensions=dimensions)
    table = Table(show_lines=True)
    table.add_column("metric", style="bold")
    table.add_column("type")
    table.add_column("definition")
    if dimensions:
        table.add_column("group by")
    for metric in found:
        row = [metric.name, metric.type, f"[bold]{metric.label}[/]: {metric.description}"]
        table.add_row(*row, *([", ".join(metric.dimensions)] if dimensions else []))
    console.print(table)


@metrics_group.command("query")
@click.option("--metrics", "metric_names", required=True, help="Comma-separated, e.g. net_sales,roas.")
@click.option("--group-by", default="", help="Comma-separated, e.g. metric_time__day,channel.")
@click.option("--start", callback=parse_day, help="First day (YYYY-MM-DD), inclusive.")
@click.option("--end", callback=parse_day, help="Last day (YYYY-MM-DD), inclusive.")
@click.option("--where", multiple=True, help="MetricFlow filter, e.g. \"{{ Dimension('channel') }} = 'email'\".")
@click.option("--csv", "as_csv", is_flag=True, help="CSV on stdout instead of a table.")
@click.option("--explain", is_flag=True, help="Print the SQL instead of running it.")
def query_command(metric_names: str, group_by: str, start: dt.date | None, end: dt.date | None,
                  where: tuple[str, ...], as_csv: bool, explain: bool) -> None:
    """Metrics × group-bys over a date range, computed by MetricFlow from the analyst schema."""
    from brightcart_pipeline import metrics

    settings = _settings()
    try:
        if explain:
            click.echo(metrics.explain(_names(metric_names), _names(group_by), settings=settings))
            return
        frame = metrics.query(_names(metric_names), _names(group_by), start, end, where, settings=settings)
    except metrics.MetricsUnavailable as error:
        raise click.ClickException(str(error)) from None
    _print_frame(frame, as_csv)


@metrics_group.command("saved")
@click.argument("name")
@click.option("--start", callback=parse_day, help="First day (YYYY-MM-DD), inclusive.")
@click.option("--end", callback=parse_day, help="Last day (YYYY-MM-DD), inclusive.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV on stdout instead of a table.")
def saved_command(name: str, start: dt.date | None, end: dt.date | None, as_csv: bool) -> None:
    """Run a saved query (finance_daily_report, marketing_channel_report, marketing_attribution_report,
    customer_cohort_report)."""
    from brightcart_pipeline import metrics

    try:
        frame = metrics.saved_query(name, start, end, settings=_settings())
    except metrics.MetricsUnavailable as error:
        raise click.ClickException(str(error)) from None
    _print_frame(frame, as_csv)


@click.command("dashboard")
@click.option("--port", type=int, default=8501, show_default=True, help="Port to serve the dashboards on.")
def dashboard_command(port: int) -> None:
    """Serve the Marketing and Finance dashboards on http://127.0.0.1:PORT (Streamlit)."""
    _settings()
    streamlit = str(Path(sys.executable).parent / "streamlit")
    command = [streamlit, "run", str(DASHBOARD_APP), "--server.address", "127.0.0.1", "--server.port", str(port),
               "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    console.print(f"dashboards at http://127.0.0.1:{port} (Ctrl-C to stop)")
    raise SystemExit(subprocess.call(command, env=os.environ.copy()))


@metrics_group.command("docs")
def docs_command() -> None:
    """Regenerate docs/metrics.md from the semantic layer (after `dbt parse`)."""
    from brightcart_pipeline import metrics

    metrics.build_semantic_manifest()
    console.print(f"wrote {metrics.write_glossary()}")
