"""dbt models as assets; dbt tests become asset checks. The manifest is built at set-up (`dbt parse`)."""

import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from brightcart_pipeline.settings import PROJECT_ROOT, Settings
from brightcart_pipeline.warehouse import dbt_connection_env

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_env(settings: Settings) -> dict[str, str]:
    """What profiles.yml reads: the same settings object decides dbt's target and files.

    Named DBT_BRIGHTCART_* so that handing them to dbt never feeds back into the platform's own settings.
    """
    env = {"DBT_BRIGHTCART_TARGET": settings.target, "DBT_BRIGHTCART_DUCKDB_MEMORY_LIMIT": settings.duckdb_memory_limit}
    if settings.target == "local":
        env.update(dbt_connection_env(settings))
    return env


def dbt_resource(settings: Settings) -> DbtCliResource:
    os.environ.update(dbt_env(settings))
    # The dbt next to this interpreter: the locked one, whatever is on PATH.
    dbt_executable = str(Path(sys.executable).parent / "dbt")
    return DbtCliResource(project_dir=dbt_project, target=settings.target, dbt_executable=dbt_executable)


def run_dbt_build(settings: Settings, *args: str) -> None:
    """`dbt build` outside Dagster (deletions, benchmarks), against the same settings-chosen target."""
    import subprocess

    dbt = str(Path(sys.executable).parent / "dbt")
    env = {**os.environ, **dbt_env(settings)}
    result = subprocess.run([dbt, "build", "--quiet", *args], cwd=DBT_PROJECT_DIR, env=env, capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"dbt build failed:\n{result.stdout[-4000:]}{result.stderr[-2000:]}")


class LayerTranslator(DagsterDbtTranslator):
    """Groups follow the dbt folders (staging, intermediate, core, marketing, finance); staging models also wait
    for the day's deletion requests, so no mart is built from raw rows that are being forgotten."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = manifest["nodes"].get(unique_id, {})
        if props.get("resource_type") == "model" and props.get("fqn", [None, None])[1] == "staging":
            spec = spec.merge_attributes(deps=[dg.AssetKey(["privacy", "deletion_requests"])])
        return spec

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props.get("resource_type") == "seed":
            return "reference"
        return fqn[2] if len(fqn) > 3 and fqn[1] == "marts" else (fqn[1] if len(fqn) > 2 else None)


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=LayerTranslator())
def brightcart_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    yield from dbt.cli(["build"], context=context).stream()
