"""dbt models as assets; dbt tests become asset checks. The manifest is built at set-up (`dbt parse`)."""

import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from brightcart_pipeline.settings import PROJECT_ROOT, Settings

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_env(settings: Settings) -> dict[str, str]:
    """What profiles.yml reads: the same settings object decides dbt's target and files.

    Named DBT_BRIGHTCART_* so that handing them to dbt never feeds back into the platform's own settings.
    """
    return {
        "DBT_BRIGHTCART_TARGET": settings.target,
        "DBT_BRIGHTCART_DUCKDB_PATH": str(settings.warehouse_path),
        "DBT_BRIGHTCART_DUCKDB_MEMORY_LIMIT": settings.duckdb_memory_limit,
    }


def dbt_resource(settings: Settings) -> DbtCliResource:
    os.environ.update(dbt_env(settings))
    # The dbt next to this interpreter: the locked one, whatever is on PATH.
    dbt_executable = str(Path(sys.executable).parent / "dbt")
    return DbtCliResource(project_dir=dbt_project, target=settings.target, dbt_executable=dbt_executable)


class LayerTranslator(DagsterDbtTranslator):
    """Groups follow the dbt folders (staging, intermediate, core, marketing, finance)."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props.get("resource_type") == "seed":
            return "reference"
        return fqn[2] if len(fqn) > 3 and fqn[1] == "marts" else (fqn[1] if len(fqn) > 2 else None)


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=LayerTranslator())
def brightcart_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    yield from dbt.cli(["build"], context=context).stream()
