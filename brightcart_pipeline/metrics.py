"""The one metrics interface: every BrightCart number that people read comes through here.

Metrics are defined once, in dbt's semantic layer (`dbt_project/models/semantic/`); MetricFlow turns a
request (metrics × group-bys × time range) into SQL for the settings' warehouse: DuckDB locally (opened
read-only per query, so a dashboard never blocks a build), Snowflake in production. The CLI
(`brightcart metrics …`), the dashboards and the tests all call the functions below; nothing else
aggregates marts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from metricflow.data_table.mf_table import MetricFlowDataTable
from metricflow.engine.metricflow_engine import MetricFlowEngine, MetricFlowQueryRequest
from metricflow.protocols.sql_client import SqlEngine
from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer
from metricflow.sql.render.snowflake import SnowflakeSqlPlanRenderer
from metricflow.sql.render.sql_plan_renderer import SqlPlanRenderer
from metricflow_semantics.model.dbt_manifest_parser import parse_manifest_from_dbt_generated_manifest
from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup
from metricflow_semantics.sql.sql_bind_parameters import SqlBindParameterSet

from brightcart_pipeline.settings import PROJECT_ROOT, Settings, get_settings

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DEFAULT_SEMANTIC_MANIFEST = DBT_PROJECT_DIR / "target" / "semantic_manifest.json"
ANALYST_SCHEMA = "analyst"
NO_PARAMETERS = SqlBindParameterSet()
DEMO_HINT = "Run `make demo` first (it builds the warehouse and the marts), then reload."


class MetricsUnavailable(RuntimeError):
    """The warehouse or the semantic layer is not there yet; the message says what to run."""


@dataclass(frozen=True)
class MetricInfo:
    """A metric as analysts see it: the semantic layer's name, label, type and definition text."""

    name: str
    label: str
    description: str
    type: str
    dimensions: tuple[str, ...] = ()


# -- the warehouse connection MetricFlow runs its SQL through --------------------------------------
class WarehouseSqlClient:
    """MetricFlow's SqlClient over a DB-API connection factory (DuckDB or Snowflake).

    A fresh connection per query keeps a long-lived dashboard from holding DuckDB's file lock.
    """

    def __init__(self, engine: SqlEngine, renderer: SqlPlanRenderer, connect: Callable[[], Any]) -> None:
        self._engine = engine
        self._renderer = renderer
        self._connect = connect

    @property
    def sql_engine_type(self) -> SqlEngine:
        return self._engine

    @property
    def sql_plan_renderer(self) -> SqlPlanRenderer:
        return self._renderer

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        connection = self._connect()
        try:
            yield connection.cursor()
        finally:
            connection.close()

    def query(self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet = NO_PARAMETERS) -> MetricFlowDataTable:
        with self._cursor() as cursor:
            cursor.execute(stmt, self._parameters(sql_bind_parameter_set))
            names = [column[0].lower() for column in cursor.description]
            rows = cursor.fetchall()
        return MetricFlowDataTable.create_from_rows(column_names=names, rows=[tuple(row) for row in rows])

    def execute(self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet = NO_PARAMETERS) -> None:
        with self._cursor() as cursor:
            cursor.execute(stmt, self._parameters(sql_bind_parameter_set))

    def dry_run(self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet = NO_PARAMETERS) -> None:
        with self._cursor() as cursor:
            cursor.execute(f"explain {stmt}", self._parameters(sql_bind_parameter_set))

    def close(self) -> None:
        """Nothing is held open between queries."""

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        return f"${bind_parameter_key}"

    @staticmethod
    def _parameters(parameters: SqlBindParameterSet) -> dict[str, Any] | None:
        values = {key: value.value for key, value in parameters.param_dict.items()}
        return values or None


def warehouse_client(settings: Settings) -> WarehouseSqlClient:
    """The settings decide the warehouse: DuckDB file locally, Snowflake on the production target."""
    if settings.target == "production":
        return WarehouseSqlClient(SqlEngine.SNOWFLAKE, SnowflakeSqlPlanRenderer(), lambda: _snowflake(settings))
    path = settings.warehouse_path

    def connect() -> Any:
        import duckdb

        if not path.exists():
            raise MetricsUnavailable(f"no warehouse at {path}. {DEMO_HINT}")
        return duckdb.connect(str(path), read_only=True)

    return WarehouseSqlClient(SqlEngine.DUCKDB, DuckDbSqlPlanRenderer(), connect)


def _snowflake(settings: Settings) -> Any:
    import snowflake.connector

    options: dict[str, Any] = {
        "account": settings.snowflake_account, "user": settings.snowflake_user, "role": settings.snowflake_role,
        "warehouse": settings.snowflake_warehouse, "database": settings.snowflake_database,
        "schema": ANALYST_SCHEMA.upper(),
    }
    if settings.snowflake_private_key_path:
        options["private_key_file"] = str(settings.snowflake_private_key_path)
    elif settings.snowflake_password:
        options["password"] = settings.snowflake_password.get_secret_value()
    return snowflake.connector.connect(**options)


def warehouse_database(settings: Settings) -> str:
    """The catalog the semantic models live in: DuckDB names it after the file, Snowflake by setting."""
    return settings.snowflake_database if settings.target == "production" else settings.warehouse_path.stem


# -- the semantic manifest ------------------------------------------------------------------------
def semantic_manifest_path() -> Path:
    """`dbt parse`/`dbt build` write it; BRIGHTCART_SEMANTIC_MANIFEST points elsewhere (a test's target path)."""
    return Path(os.environ.get("BRIGHTCART_SEMANTIC_MANIFEST", DEFAULT_SEMANTIC_MANIFEST))


def build_semantic_manifest(target_path: Path | None = None) -> Path:
    """`dbt parse` writes the semantic manifest (needs no warehouse); returns its path."""
    dbt = str(Path(sys.executable).parent / "dbt")
    args = [dbt, "parse", "--quiet"] + (["--target-path", str(target_path)] if target_path else [])
    result = subprocess.run(args, cwd=DBT_PROJECT_DIR, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise MetricsUnavailable(f"dbt parse failed:\n{result.stdout}{result.stderr}")
    return (target_path or DBT_PROJECT_DIR / "target") / "semantic_manifest.json"


def load_semantic_manifest(settings: Settings, manifest_path: Path | None = None) -> Any:
    """The parsed manifest, its relations pointed at the settings' warehouse.

    dbt writes the database it parsed against into each relation (a DuckDB file's stem, or `memory`
    when linted); the same definitions must query whichever warehouse the settings name.
    """
    path = manifest_path or semantic_manifest_path()
    if not path.exists():
        path = build_semantic_manifest(path.parent)
    raw = json.loads(path.read_text())
    database = warehouse_database(settings)
    for model in raw["semantic_models"]:
        relation = model["node_relation"]
        relation["database"] = database
        relation["relation_name"] = f'"{database}"."{relation["schema_name"]}"."{relation["alias"]}"'
    return parse_manifest_from_dbt_generated_manifest(json.dumps(raw))


_ENGINES: dict[tuple[str, str, float], MetricFlowEngine] = {}


def engine(settings: Settings | None = None, manifest_path: Path | None = None) -> MetricFlowEngine:
    """A MetricFlow engine for the settings (kept; rebuilt when the manifest file changes)."""
    settings = settings or get_settings()
    path = manifest_path or semantic_manifest_path()
    key = (settings.model_dump_json(), str(path), path.stat().st_mtime if path.exists() else 0.0)
    if key not in _ENGINES:
        if len(_ENGINES) >= 4:
            _ENGINES.clear()
        manifest = load_semantic_manifest(settings, path)
        _ENGINES[key] = MetricFlowEngine(semantic_manifest_lookup=SemanticManifestLookup(manifest),
                                         sql_client=warehouse_client(settings))
    return _ENGINES[key]


# -- what analysts, the CLI and the dashboards call -----------------------------------------------
def list_metrics(settings: Settings | None = None, with_dimensions: bool = False) -> list[MetricInfo]:
    """Every public metric with its label and definition text, sorted by name."""
    found = engine(settings).list_metrics(include_dimensions=with_dimensions)
    return [
        MetricInfo(name=m.name, label=m.label or m.name, description=" ".join((m.description or "").split()),
                   type=str(m.type.value),
                   dimensions=tuple(sorted({d.granularity_free_dunder_name for d in m.dimensions})))
        for m in found
    ]


def definitions(settings: Settings | None = None) -> dict[str, MetricInfo]:
    """Metric name → its label and definition: what every figure on a dashboard is captioned with."""
    return {m.name: m for m in list_metrics(settings)}


def _as_datetime(value: dt.date | dt.datetime | str | None) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time())


def _frame(table: MetricFlowDataTable | None) -> pd.DataFrame:
    if table is None:
        return pd.DataFrame()
    frame = pd.DataFrame([list(row) for row in table.rows], columns=list(table.column_names))
    for column in frame.columns:
        if frame[column].dtype == object and frame[column].map(lambda v: hasattr(v, "as_tuple")).any():
            frame[column] = frame[column].astype(float)  # Decimals → floats for charts and arithmetic
    return frame


def query(
    metrics: Sequence[str],
    group_by: Sequence[str] = (),
    start: dt.date | dt.datetime | str | None = None,
    end: dt.date | dt.datetime | str | None = None,
    where: Sequence[str] = (),
    order_by: Sequence[str] = (),
    limit: int | None = None,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Metrics × group-bys over [start, end] (inclusive days of metric_time), one column per item.

    Group-bys use MetricFlow's names: `metric_time__day`, `metric_time__month`, `channel`,
    `campaign`, `attribution_model`… (`brightcart metrics list --dimensions` shows each metric's).
    `where` takes MetricFlow filters, e.g. "{{ Dimension('channel') }} = 'google_paid'".
    """
    request = MetricFlowQueryRequest.create(
        metric_names=list(metrics), group_by_names=list(group_by) or None,
        time_constraint_start=_as_datetime(start), time_constraint_end=_as_datetime(end),
        where_constraints=list(where) or None, order_by_names=list(order_by) or list(group_by) or None,
        limit=limit,
    )
    try:
        result = engine(settings).query(request)
    except MetricsUnavailable:
        raise
    except Exception as error:
        if _missing_relation(error):
            raise MetricsUnavailable(f"the marts are not built yet ({_first_line(error)}). {DEMO_HINT}") from error
        raise
    return _frame(result.result_df)


def saved_query(name: str, start: dt.date | str | None = None, end: dt.date | str | None = None,
                where: Sequence[str] = (), settings: Settings | None = None) -> pd.DataFrame:
    """One of the semantic layer's saved queries (listed under "Saved queries" in docs/metrics.md)."""
    request = MetricFlowQueryRequest.create(
        saved_query_name=name, time_constraint_start=_as_datetime(start), time_constraint_end=_as_datetime(end),
        where_constraints=list(where) or None,
    )
    try:
        result = engine(settings).query(request)
    except Exception as error:
        if _missing_relation(error):
            raise MetricsUnavailable(f"the marts are not built yet ({_first_line(error)}). {DEMO_HINT}") from error
        raise
    _, group_by = saved_query_items(name, settings)
    frame = _frame(result.result_df)
    keys = [column for column in group_by if column in frame.columns]
    return frame.sort_values(keys, ignore_index=True) if keys else frame


def saved_query_items(name: str, settings: Settings | None = None) -> tuple[list[str], list[str]]:
    """A saved query's metrics and group-by names."""
    for found in engine(settings).list_saved_queries():
        if found.name == name:
            return list(found.query_params.metrics), [_column_name(g) for g in found.query_params.group_by]
    raise KeyError(f"no saved query {name!r}")


def _column_name(group_by: str) -> str:
    """"TimeDimension('metric_time', 'day')" → metric_time__day; "Entity('channel')" → channel."""
    parts = re.findall(r"'([^']*)'", group_by)
    return "__".join(parts) if parts else group_by


def explain(metrics: Sequence[str], group_by: Sequence[str] = (), settings: Settings | None = None) -> str:
    """The SQL MetricFlow would run (for people checking a number by hand)."""
    request = MetricFlowQueryRequest.create(metric_names=list(metrics), group_by_names=list(group_by) or None)
    return engine(settings).explain(request).sql_statement.sql


def dimension_values(metric: str, group_by: str, settings: Settings | None = None) -> list[str]:
    """The values a group-by item (dimension or entity) takes where the metric has data: filter choices."""
    frame = query([metric], [group_by], settings=settings)
    column = frame.columns[0]
    return sorted(str(v) for v in frame[column].dropna().unique())


def metric_date_range(metric: str, settings: Settings | None = None) -> tuple[dt.date, dt.date] | None:
    """First and last day with data for a metric (None when it has none)."""
    frame = query([metric], ["metric_time__day"], settings=settings)
    frame = frame[frame[metric].notna()]
    if frame.empty:
        return None
    days = pd.to_datetime(frame["metric_time__day"])
    return days.min().date(), days.max().date()


def _missing_relation(error: BaseException) -> bool:
    text = str(error).lower()
    return any(marker in text for marker in ("does not exist", "catalog error", "no warehouse at"))


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0][:200]


# -- how fresh the numbers are --------------------------------------------------------------------
@dataclass(frozen=True)
class DataStatus:
    """When the marts were last built and which alerts were raised: what the finance page shows."""

    last_build_at: dt.datetime | None
    last_build_source: str  # where last_build_at was read from, in words
    alerts: tuple[Any, ...]  # brightcart_pipeline.automation.alerts.Alert, newest first
    finance_sla_alerts: tuple[Any, ...]


def last_build(settings: Settings, asset_path: Sequence[str] = ("core", "fct_orders"),
               ) -> tuple[dt.datetime | None, str]:
    """The latest materialisation of a mart in the local Dagster instance, else the warehouse file's time."""
    instance_yaml = settings.dagster_home / "dagster.yaml"
    if settings.target == "local" and instance_yaml.exists():
        import dagster as dg

        with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
            event = instance.get_latest_materialization_event(dg.AssetKey(list(asset_path)))
        if event is not None:
            return (dt.datetime.fromtimestamp(event.timestamp, dt.UTC),
                    f"Dagster instance {settings.dagster_home} ({'/'.join(asset_path)} materialised)")
    if settings.target == "local" and settings.warehouse_path.exists():
        modified = dt.datetime.fromtimestamp(settings.warehouse_path.stat().st_mtime, dt.UTC)
        return modified, f"last write to {settings.warehouse_path} (no Dagster run recorded)"
    return None, "unknown: no Dagster instance or warehouse file to read"


def data_status(settings: Settings | None = None) -> DataStatus:
    from brightcart_pipeline.automation.alerts import read_alerts

    settings = settings or get_settings()
    built_at, source = last_build(settings)
    alerts = tuple(sorted(read_alerts(settings), key=lambda alert: alert.at, reverse=True))
    return DataStatus(built_at, source, alerts, tuple(a for a in alerts if a.kind == "finance_sla"))


def can_group_by(metric_names: Sequence[str], item: str, settings: Settings | None = None) -> bool:
    """Whether every metric reaches the group-by item (planned only; nothing runs in the warehouse)."""
    try:
        explain(metric_names, [item], settings=settings)
    except Exception:
        return False
    return True


# -- the glossary (docs/metrics.md) ---------------------------------------------------------------
GLOSSARY_PATH = PROJECT_ROOT / "docs" / "metrics.md"


AGGREGATION_WORDS = {"sum": "sum", "count_distinct": "distinct count", "average": "average",
                     "max": "maximum", "min": "minimum", "count": "count"}


def _where(filter_params: dict[str, Any] | None) -> str:
    if not filter_params:
        return ""
    return " and ".join(f["where_sql_template"] for f in filter_params["where_filters"])


def _formula(metric: dict[str, Any], aggregations: dict[str, str]) -> str:
    """The metric's computation in words; `aggregations` maps measure names to their aggregation."""
    params = metric["type_params"]
    kind = metric["type"]

    def of_measure(name: str) -> str:
        aggregation = aggregations.get(name, "sum")
        return f"{AGGREGATION_WORDS.get(aggregation, aggregation)} of measure `{name}`"

    if kind == "simple":
        text = of_measure(params["measure"]["name"])
    elif kind == "ratio":
        text = f"`{params['numerator']['name']}` ÷ `{params['denominator']['name']}` (each summed over the group first)"
    elif kind == "derived":
        inputs = ", ".join(f"`{m.get('alias') or m['name']}`"
                           + (f" (offset {m['offset_window']})" if m.get("offset_window") else "")
                           + (f" (where {_where(m.get('filter'))})" if m.get("filter") else "")
                           for m in params["metrics"])
        text = f"`{params['expr']}` over {inputs}"
    elif kind == "cumulative":
        window = (params.get("cumulative_type_params") or {}).get("window") or params.get("window")
        text = f"running total of measure `{params['measure']['name']}`" + (
            f" over {window}" if window else " since the first day")
    else:
        text = kind
    if metric.get("filter"):
        text += f", where {_where(metric['filter'])}"
    return text


def glossary_markdown(manifest_path: Path | None = None) -> str:
    """docs/metrics.md, generated from the semantic layer's definitions (labels, descriptions, formulas)."""
    raw = json.loads((manifest_path or semantic_manifest_path()).read_text())
    measures = {m["name"]: (model["name"], m) for model in raw["semantic_models"] for m in model["measures"]}
    aggregations = {name: measure["agg"] for name, (_, measure) in measures.items()}
    lines = [
        "# BrightCart metrics glossary",
        "",
        "Generated from the dbt semantic layer (`dbt_project/models/semantic/`) by",
        "`brightcart metrics docs`; do not edit by hand. Query any of these with",
        "`brightcart metrics query --metrics NAME --group-by metric_time__day`.",
        "",
        "| metric | label | type | definition | formula |",
        "|---|---|---|---|---|",
    ]
    for metric in sorted(raw["metrics"], key=lambda m: m["name"]):
        if metric["type_params"].get("is_private"):
            continue
        description = " ".join((metric.get("description") or "").split()).replace("|", "\\|")
        lines.append(f"| `{metric['name']}` | {metric.get('label') or ''} | {metric['type']} | {description} | "
                     f"{_formula(metric, aggregations).replace('|', chr(92) + '|')} |")
    lines += ["", "## Measures (the sums every metric is built from)", "",
              "| measure | semantic model | aggregation | expression | description |", "|---|---|---|---|---|"]
    for name in sorted(measures):
        model, measure = measures[name]
        expr = " ".join(str(measure.get("expr") or name).split()).replace("|", "\\|")
        description = " ".join((measure.get("description") or "").split()).replace("|", "\\|")
        lines.append(f"| `{name}` | `{model}` | {measure['agg']} | `{expr}` | {description} |")
    lines += ["", "## Semantic models", ""]
    for model in sorted(raw["semantic_models"], key=lambda m: m["name"]):
        entities = ", ".join(f"`{e['name']}` ({e['type']})" for e in model["entities"])
        description = " ".join((model.get("description") or "").split())
        lines.append(f"- **`{model['name']}`** on `{model['node_relation']['schema_name']}."
                     f"{model['node_relation']['alias']}`: {description} Entities: {entities}.")
    if raw.get("saved_queries"):
        lines += ["", "## Saved queries", ""]
        for saved in sorted(raw["saved_queries"], key=lambda q: q["name"]):
            params = saved["query_params"]
            description = " ".join((saved.get("description") or "").split())
            lines.append(f"- **`{saved['name']}`**: {description} Metrics: {', '.join(params['metrics'])}; "
                         f"grouped by {', '.join(params['group_by'])}.")
    return "\n".join(lines) + "\n"


def write_glossary(manifest_path: Path | None = None, path: Path = GLOSSARY_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(glossary_markdown(manifest_path))
    return path
