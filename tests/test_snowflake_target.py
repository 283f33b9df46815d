"""The production warehouse path checked without a Snowflake account.

- dlt's Snowflake destination with S3 staging resolves its configuration from the platform's settings, and its
  staging prefix is the one the Snowflake stage and the IAM policies name;
- every dbt node compiles for the Snowflake target with no connection, and the compiled SQL parses as
  Snowflake's dialect statement by statement; every dispatched macro has both engines;
- PII masking policies: one per class, attached to every column the yml classifies, with the behaviour each
  class promises; the classification itself covers every column holding a simulated person's PII.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import subprocess
from dataclasses import dataclass
from typing import Any

import pytest
import sqlglot
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlglot import exp

from brightcart_pipeline.ingest import make_pipeline
from brightcart_pipeline.settings import PROJECT_ROOT, load_settings
from tests.support.dbt import DBT

pytestmark = pytest.mark.snowflake

DBT_PROJECT = PROJECT_ROOT / "dbt_project"
DEPLOY = PROJECT_ROOT / "deploy"
PII_SALT = "test-salt"
PII_READER = "BRIGHTCART_PII_READER"
# Snowflake functions sqlglot has no model for (it parses them as anonymous calls). Anything else anonymous
# in compiled SQL is a function Snowflake may not have, e.g. a DuckDB-only one leaking through a macro.
SNOWFLAKE_FUNCTIONS_UNKNOWN_TO_SQLGLOT = {"split_to_table", "is_role_in_session", "is_granted_to_invoker_role"}

# sqlglot logs every statement it can only keep as an opaque command; the tests below look at those directly.
logging.getLogger("sqlglot").setLevel(logging.ERROR)


# --- dlt: the Snowflake destination and its S3 stage ----------------------------------------------------------

@pytest.fixture
def production_settings(tmp_path, monkeypatch):
    # In production the instance role supplies these through boto3's default chain, as here the environment.
    for name, value in {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "example",
                        "AWS_DEFAULT_REGION": "eu-west-1"}.items():
        monkeypatch.setenv(name, value)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_path = tmp_path / "snowflake.p8"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    tokens = {name: "token" for name in ("shopify", "google_ads", "meta_ads", "ga4", "hubspot")}
    return load_settings(
        target="production", home=tmp_path, lake_url="s3://brightcart-lake/prod", s3_kms_key_id="alias/lake",
        snowflake_account="brightcart-xy12345", snowflake_user="BRIGHTCART_PIPELINE",
        snowflake_private_key_path=key_path, google_ads_developer_token="dev-token",
        **{f"{name}_access_token": value for name, value in tokens.items()},
    )


def test_dlt_snowflake_destination_resolves_from_settings_with_s3_staging(production_settings):
    pipeline = make_pipeline(production_settings, "shopify")
    assert pipeline.destination.destination_name == "snowflake"
    assert pipeline.dataset_name == "raw_shopify"
    client = pipeline.destination_client()  # resolves and validates configuration; does not connect
    credentials = client.config.credentials
    assert credentials.host == "brightcart-xy12345"
    assert credentials.username == "BRIGHTCART_PIPELINE"
    assert credentials.database == "BRIGHTCART" and credentials.role == "BRIGHTCART_LOADER"
    assert credentials.private_key and "PRIVATE KEY" in credentials.private_key
    assert client.config.stage_name == "BRIGHTCART.LOADING.DLT_S3_STAGE"
    assert pipeline.staging.destination_name == "filesystem"
    staging_config = pipeline.staging.configuration(None, accept_partial=True)
    assert staging_config.bucket_url == "s3://brightcart-lake/prod/dlt_staging"


def test_dlt_staging_prefix_is_the_one_the_stage_and_iam_allow(production_settings):
    """dlt writes where Snowflake's stage reads and both IAM roles grant, or every COPY INTO finds nothing."""
    staging = make_pipeline(production_settings, "shopify").staging.configuration(None, accept_partial=True)
    prefix = staging.bucket_url.removeprefix(production_settings.lake_root.rstrip("/") + "/") + "/"
    stage_sql = (DEPLOY / "snowflake" / "03_storage_integration.sql").read_text()
    stage_urls = re.findall(r"'s3://<LAKE_BUCKET>/([^']*)'", stage_sql)
    assert stage_urls and set(stage_urls) == {prefix}
    for policy in ("snowflake-stage-role-policy.json", "iam-pipeline-policy.json"):
        assert f"${{LAKE_BUCKET}}/{prefix}*" in (DEPLOY / "aws" / policy).read_text(), policy


def test_production_settings_refuse_a_local_lake():
    with pytest.raises(Exception, match="BRIGHTCART_LAKE_URL must be an s3:// URL"):
        load_settings(target="production", lake_url="/data/lake", snowflake_account="a", snowflake_user="u",
                      snowflake_password="p", google_ads_developer_token="t", shopify_access_token="t",
                      google_ads_access_token="t", meta_ads_access_token="t", ga4_access_token="t",
                      hubspot_access_token="t")


# --- dbt: the whole project compiled for Snowflake, offline -------------------------------------------------

@dataclass(frozen=True)
class SnowflakeCompile:
    manifest: dict[str, Any]
    results: dict[str, str]  # unique_id -> status

    def nodes(self, *resource_types: str) -> dict[str, dict[str, Any]]:
        return {uid: node for uid, node in self.manifest["nodes"].items()
                if node["resource_type"] in resource_types}


def offline_env() -> dict[str, str]:
    """The production target with an account that does not exist and no password or key: any attempt to
    connect fails the compile ("Password is empty"), so a passing compile proves no node needs a connection."""
    inherited = {key: value for key, value in os.environ.items()
                 if not key.startswith(("BRIGHTCART_SNOWFLAKE_", "DBT_BRIGHTCART_"))}
    return {**inherited, "DBT_BRIGHTCART_TARGET": "production", "BRIGHTCART_SNOWFLAKE_ACCOUNT": "offline-test",
            "BRIGHTCART_SNOWFLAKE_USER": "offline-test", "DBT_BRIGHTCART_PII_SALT": PII_SALT,
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


@pytest.fixture(scope="module")
def snowflake_compile(tmp_path_factory: pytest.TempPathFactory) -> SnowflakeCompile:
    target = tmp_path_factory.mktemp("snowflake_compile")
    result = subprocess.run([DBT, "compile", "--no-populate-cache", "--target-path", str(target)],
                            cwd=DBT_PROJECT, env=offline_env(), capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    manifest = json.loads((target / "manifest.json").read_text())
    run_results = json.loads((target / "run_results.json").read_text())
    return SnowflakeCompile(manifest, {row["unique_id"]: row["status"] for row in run_results["results"]})


def test_every_node_compiles_for_snowflake_without_a_connection(snowflake_compile: SnowflakeCompile) -> None:
    assert snowflake_compile.manifest["metadata"]["adapter_type"] == "snowflake"
    # Unit tests are not compiled by `dbt compile`: dbt types their fixtures from the live warehouse.
    expected = snowflake_compile.nodes("model", "test", "seed", "analysis")
    assert snowflake_compile.nodes("model") and snowflake_compile.nodes("test")
    compiled = {uid for uid in snowflake_compile.results if not uid.startswith("operation.")}  # run hooks
    assert compiled == set(expected)
    assert {uid for uid, status in snowflake_compile.results.items() if status != "success"} == set()
    assert snowflake_compile.manifest["semantic_models"] and snowflake_compile.manifest["metrics"]


def test_dispatched_macros_render_their_snowflake_side(snowflake_compile: SnowflakeCompile) -> None:
    compiled = {node["name"]: node.get("compiled_code") or "" for node in snowflake_compile.manifest["nodes"].values()}
    assert "generator(rowcount" in compiled["dim_date"]  # the date spine
    assert "generator(rowcount" in compiled["fct_customer_cohorts"]  # the month spine
    insights = compiled["stg_meta_ads__ad_insights_daily"]
    assert "lateral flatten" in insights and "inline_link_clicks" in insights  # JSON arrays of actions
    assert "convert_timezone('UTC', current_timestamp())" in compiled["audience_cart_abandoners"]


def snowflake_sql_problems(sql: str) -> list[str]:
    """What keeps `sql` from being plain Snowflake: a parse error, a statement sqlglot can only keep as an
    opaque command, or a function call sqlglot does not know for Snowflake."""
    try:
        statements = [s for s in sqlglot.parse(sql, dialect="snowflake", error_level=sqlglot.ErrorLevel.RAISE)
                      if s is not None]
    except sqlglot.errors.ParseError as error:
        return [str(error)]
    problems = [f"unparsed statement: {s.sql()[:80]}" for s in statements if isinstance(s, exp.Command)]
    problems += [f"unknown function {call.name}" for s in statements for call in s.find_all(exp.Anonymous)
                 if call.name.lower() not in SNOWFLAKE_FUNCTIONS_UNKNOWN_TO_SQLGLOT]
    return problems if statements else ["no statement"]


def test_snowflake_sql_check_can_fail() -> None:
    assert snowflake_sql_problems("select list_extract(xs, 1) from t")  # DuckDB's, not Snowflake's
    assert snowflake_sql_problems("select from where")
    assert snowflake_sql_problems("alter table t modify column c set masking policy p force")
    assert not snowflake_sql_problems("select value from t, lateral split_to_table(t.ids, ',')")


def test_compiled_sql_parses_as_snowflake_statement_by_statement(snowflake_compile: SnowflakeCompile) -> None:
    compiled = {uid: node["compiled_code"] for uid, node in snowflake_compile.nodes("model", "test").items()}
    assert all(code and code.strip() for code in compiled.values())
    problems = {uid: found for uid, code in compiled.items() if (found := snowflake_sql_problems(code))}
    assert problems == {}


def test_every_dispatched_macro_has_a_duckdb_and_a_snowflake_implementation(
        snowflake_compile: SnowflakeCompile) -> None:
    macros = {node["name"]: node for node in snowflake_compile.manifest["macros"].values()
              if node["package_name"] == "brightcart"}
    dispatched = {name for node in macros.values()
                  for name in re.findall(r"adapter\.dispatch\(\s*'(\w+)'", node["macro_sql"])}
    implemented = {name.split("__", 1)[1] for name in macros if name.startswith(("duckdb__", "snowflake__"))}
    cross_db = {name for name, node in macros.items() if node["original_file_path"].startswith("macros/cross_db/")}
    assert dispatched and dispatched & cross_db
    assert implemented <= dispatched, "an engine implementation nobody dispatches to"
    missing = {f"{engine}__{name}" for name in dispatched for engine in ("duckdb", "snowflake")
               if f"{engine}__{name}" not in macros and f"default__{name}" not in macros}
    assert missing == set()


# --- PII masking policies --------------------------------------------------------------------------------------

POLICY = re.compile(r"create masking policy if not exists (\S+) as \(val (varchar|variant)\) returns \2 ->(.*?)"
                    r"comment = '[^']*'$", re.IGNORECASE | re.DOTALL)
POLICY_BODY = re.compile(r"alter masking policy (\S+) set body ->(.*)$", re.IGNORECASE | re.DOTALL)
ATTACHMENT = re.compile(r"alter (table|view) if exists (\S+) modify column (\w+)\s+set masking policy (\S+) force$",
                        re.IGNORECASE)


@dataclass(frozen=True)
class MaskingScript:
    policies: dict[str, str]  # class -> body, as created
    bodies: dict[str, str]  # class -> body, as set on every run
    attached: dict[tuple[str, str], str]  # (relation, column) -> class
    kinds: dict[str, str]  # relation -> table | view


def policy_class(name: str) -> str:
    database, schema, policy = name.upper().split(".")
    assert (database, schema) == ("BRIGHTCART", "GOVERNANCE") and policy.startswith("PII_"), name
    return policy.removeprefix("PII_").lower()


@pytest.fixture(scope="module")
def masking_script(snowflake_compile: SnowflakeCompile) -> MaskingScript:
    (analysis,) = [node for node in snowflake_compile.nodes("analysis").values()
                   if node["name"] == "pii_masking_policies"]
    statements = [s.sql().strip() for s in sqlglot.parse(analysis["compiled_code"], dialect="snowflake")
                  if s is not None]
    assert statements[0].upper() == "CREATE SCHEMA IF NOT EXISTS BRIGHTCART.GOVERNANCE"
    script = MaskingScript({}, {}, {}, {})
    for text in statements[1:]:
        if match := POLICY.match(text):
            script.policies[policy_class(match[1])] = " ".join(match[3].split())
            # Semi-structured PII (dlt loads nested JSON as VARIANT) needs a VARIANT policy; the rest is text.
            assert (match[2].lower() == "variant") == (policy_class(match[1]) == "document"), text
        elif match := POLICY_BODY.match(text):
            script.bodies[policy_class(match[1])] = " ".join(match[2].split())
        elif match := ATTACHMENT.match(text):
            kind, relation, column, policy = match.groups()
            assert (relation.upper(), column.lower()) not in script.attached, f"attached twice: {text}"
            script.attached[relation.upper(), column.lower()] = policy_class(policy)
            script.kinds[relation.upper()] = kind.lower()
        else:
            pytest.fail(f"unexpected statement in the masking script: {text}")
    return script


def declared_pii(snowflake_compile: SnowflakeCompile) -> dict[tuple[str, str], str]:
    """(relation, column) -> class for every column a model or source yml classifies."""
    graph = [*snowflake_compile.nodes("model").values(), *snowflake_compile.manifest["sources"].values()]
    return {(f"{node['database']}.{node['schema']}.{node.get('alias') or node['identifier']}".upper(), name.lower()):
            column["meta"]["pii"]
            for node in graph for name, column in node["columns"].items() if column.get("meta", {}).get("pii")}


def test_every_classified_column_gets_its_class_policy(snowflake_compile: SnowflakeCompile,
                                                        masking_script: MaskingScript) -> None:
    declared = declared_pii(snowflake_compile)
    assert {schema.split(".")[1] for schema, _ in declared} >= {"RAW_SHOPIFY", "STAGING", "CORE"}
    assert masking_script.attached == declared
    assert set(masking_script.policies) == set(masking_script.bodies) >= set(declared.values())
    assert masking_script.policies == masking_script.bodies
    views = {uid: node for uid, node in snowflake_compile.nodes("model").items() if node["config"]["materialized"]
             == "view"}
    view_relations = {node["relation_name"].upper() for node in views.values()}
    assert {relation for relation, kind in masking_script.kinds.items() if kind == "view"} <= view_relations
    # Analysts read the analyst schema, masked in its own SQL; policies there would mask twice.
    assert not any(".ANALYST." in relation for relation, _ in masking_script.attached)


def test_masking_policy_bodies_are_snowflake_sql(masking_script: MaskingScript) -> None:
    for kind, body in masking_script.bodies.items():
        assert snowflake_sql_problems(f"select {body} from (select 'x' as val)") == [], kind
        assert f"is_role_in_session('{PII_READER}')" in body and f"is_granted_to_invoker_role('{PII_READER}')" in body


def evaluate_policy(body: str, value: str | None, *, reader: bool, kind: str) -> Any:
    """A policy body run on Snowflake's stand-in, with the role check decided here: the stand-in has no roles
    (and no CREATE MASKING POLICY), so the role functions are the one part replaced."""
    import fakesnow
    import snowflake.connector

    role_check = re.compile(r"is_role_in_session\('\w+'\) or is_granted_to_invoker_role\('\w+'\)")
    assert role_check.search(body), body
    decided = role_check.sub("true" if reader else "false", body)
    literal = "parse_json(%s)" if kind == "document" else "%s::varchar"
    with fakesnow.patch(), snowflake.connector.connect(database="policy", schema="test") as connection:
        cursor = connection.cursor()
        cursor.execute(f"select {decided} from (select {literal} as val)", (value,))
        return cursor.fetchone()[0]


def salted_hash(kind: str, value: str) -> str:
    return hashlib.sha256(f"{PII_SALT}|{kind}|{value.strip().lower()}".encode()).hexdigest()


def test_masking_policies_show_readers_everything_and_others_the_promised_mask(
        masking_script: MaskingScript) -> None:
    from brightcart_pipeline.simulator.people import email_variant, person
    from brightcart_pipeline.simulator.vendors.shopify import ShopifyVendor

    someone = person(1234)
    address = ShopifyVendor._address(1234)
    samples = {"email": email_variant(someone, 1), "phone": someone.phone, "name": someone.last_name,
               "address": address["address1"], "ip": "203.0.113.7", "click_id": "Cj0KCQjw-test-gclid",
               "identifier": "4212345678.1695000000", "document": json.dumps([address])}
    assert set(samples) == set(masking_script.bodies), "a class without a behaviour check"
    for kind, value in samples.items():
        body = masking_script.bodies[kind]
        shown = evaluate_policy(body, value, reader=True, kind=kind)
        assert (json.loads(shown) if kind == "document" else shown) == (json.loads(value) if kind == "document"
                                                                         else value), kind
        masked = evaluate_policy(body, value, reader=False, kind=kind)
        assert evaluate_policy(body, None, reader=False, kind=kind) is None, kind
        if kind == "document":
            assert masked is None
        elif kind in ("email", "ip", "click_id", "identifier"):
            # Same input, same output: masked emails and click ids still join, and match the analyst views.
            assert masked == salted_hash(kind, value), kind
        elif kind == "phone":
            assert someone.phone[:-2] not in masked and masked.endswith(value[-2:]) and "***" in masked, masked
        else:
            assert value not in masked and masked[0] == value[0] and "***" in masked, (kind, masked)


# --- dbt's compiled SQL built on Snowflake's local stand-in ----------------------------------------------------

FAKESNOW_REPORT = PROJECT_ROOT / "docs" / "snowflake-fakesnow.md"
# Loaded whole, so a model over them can be compared with the DuckDB build; the rest gets a sample.
LOADED_WHOLE = {"raw_shopify", "raw_google_ads", "raw_meta_ads", "raw_hubspot"}
SAMPLE_ROWS = 300
# The layers tried on fakesnow, and the models that must build there (the rest are reported, not required).
TRIED_LAYERS = ("staging", "intermediate", "marts/core")
MUST_BUILD = {"stg_shopify__orders", "stg_shopify__customers", "stg_google_ads__campaigns",
              "stg_meta_ads__campaigns", "dim_date", "dim_campaign", "fct_order_lines"}
SNOWFLAKE_TYPES = {"BIGINT": "number(38, 0)", "INTEGER": "number(38, 0)", "HUGEINT": "number(38, 0)",
                   "BOOLEAN": "boolean", "DOUBLE": "float", "FLOAT": "float", "JSON": "variant", "VARCHAR": "varchar",
                   "DATE": "date", "TIMESTAMP": "timestamp_ntz", "TIMESTAMP WITH TIME ZONE": "timestamp_tz"}


@dataclass(frozen=True)
class FakesnowBuild:
    built: dict[str, str]  # model name -> relation on fakesnow
    failed: dict[str, str]  # model name -> first line of fakesnow's error
    cursor: Any


def snowflake_type(duckdb_type: str) -> str:
    if duckdb_type.endswith("[]"):
        return "array"
    if duckdb_type.startswith("DECIMAL"):
        return duckdb_type.replace("DECIMAL", "number")
    return SNOWFLAKE_TYPES.get(duckdb_type, "variant")  # structs and maps are VARIANT on Snowflake


def copy_relation(duck: Any, connection: Any, relation: tuple[str, str, str], *, whole: bool,
                  duckdb_name: tuple[str, str] | None = None) -> bool:
    """A DuckDB relation into fakesnow (database, schema, name) with Snowflake types and its rows (or a sample).
    False when the DuckDB build has no such relation."""
    import pandas as pd
    from snowflake.connector.pandas_tools import write_pandas

    database, schema, table = relation
    duck_schema, duck_table = duckdb_name or (schema, table)
    columns = duck.execute("select column_name, data_type from information_schema.columns where table_schema = ? "
                           "and table_name = ? order by ordinal_position", [duck_schema, duck_table]).fetchall()
    if not columns:
        return False
    cursor = connection.cursor()
    cursor.execute(f"create schema if not exists {database}.{schema}")
    cursor.execute(f"create or replace table {database}.{schema}.{table} ("
                   + ", ".join(f'"{name}" {snowflake_type(kind)}' for name, kind in columns) + ")")
    if duckdb_name and duckdb_name[1] != table:
        return True  # a stand-in for a relation the build never loaded: its sibling's columns, no rows
    limit = "" if whole else f" order by 1 limit {SAMPLE_ROWS}"
    frame: pd.DataFrame = duck.execute(f'select * from "{duck_schema}"."{duck_table}"{limit}').df()
    if len(frame):
        write_pandas(connection, frame, table, database=database, schema=schema, quote_identifiers=True)
    return True


def copy_inputs(duck: Any, connection: Any, snowflake_compile: SnowflakeCompile) -> None:
    """Raw sources and seeds from the DuckDB build. A source the test world never loads (HubSpot's archived
    contacts: the DuckDB build skips it, the offline compile assumes it) gets its active table's columns."""
    for source in snowflake_compile.manifest["sources"].values():
        relation = (source["database"], source["schema"], source["identifier"])
        if not copy_relation(duck, connection, relation, whole=source["schema"] in LOADED_WHOLE):
            active = source["identifier"].removeprefix("archived_")
            assert copy_relation(duck, connection, relation, whole=False, duckdb_name=(source["schema"], active)), \
                relation
    for seed in snowflake_compile.nodes("seed").values():
        relation = (seed["database"], seed["schema"], seed["alias"])
        assert copy_relation(duck, connection, relation, whole=True), relation


def models_in_dependency_order(snowflake_compile: SnowflakeCompile) -> list[dict[str, Any]]:
    models = {uid: node for uid, node in snowflake_compile.nodes("model").items()
              if node["original_file_path"].startswith(tuple(f"models/{layer}/" for layer in TRIED_LAYERS))}
    ordered: list[dict[str, Any]] = []
    placed: set[str] = set()

    def place(uid: str) -> None:
        if uid in placed or uid not in models:
            return
        placed.add(uid)
        for parent in models[uid]["depends_on"]["nodes"]:
            place(parent)
        ordered.append(models[uid])

    for uid in sorted(models):
        place(uid)
    return ordered


@pytest.fixture(scope="module")
def fakesnow_build(built_world, snowflake_compile: SnowflakeCompile):
    """Raw sources and seeds copied from the DuckDB build into fakesnow, then every staging, intermediate and
    core model created from its compiled Snowflake SQL, parents first. A model fakesnow cannot run is replaced
    by the DuckDB build's table of it, so its children are still tried on their own SQL."""
    import duckdb
    import fakesnow
    import snowflake.connector

    database = {source["database"] for source in snowflake_compile.manifest["sources"].values()}.pop()
    with (fakesnow.patch(), snowflake.connector.connect(database=database, schema="staging") as connection,
          duckdb.connect(str(built_world.settings.warehouse_path), read_only=True) as duck):
        cursor = connection.cursor()
        cursor.execute(f"create database if not exists {database}")
        copy_inputs(duck, connection, snowflake_compile)
        built: dict[str, str] = {}
        failed: dict[str, str] = {}
        for node in models_in_dependency_order(snowflake_compile):
            broken = [parent.split(".")[-1] for parent in node["depends_on"]["nodes"]
                      if parent.split(".")[-1] in failed]
            if broken:
                failed[node["name"]] = f"parent failed: {', '.join(broken)}"
                continue
            kind = "view" if node["config"]["materialized"] == "view" else "table"
            relation = node["relation_name"]
            try:
                cursor.execute(f"create schema if not exists {node['database']}.{node['schema']}")
                cursor.execute(f"create or replace {kind} {relation} as {node['compiled_code']}")
                cursor.execute(f"select count(*) from {relation}")  # a view's SQL only runs when read
                built[node["name"]] = relation
            except Exception as error:
                failed[node["name"]] = (str(error).strip().splitlines() or [type(error).__name__])[0]
        yield FakesnowBuild(built, failed, cursor)


def fakesnow_report(build: FakesnowBuild) -> str:
    rows = [f"| `{name}` | built | |" for name in sorted(build.built)]
    rows += [f"| `{name}` | failed | {reason.replace('|', '/')[:160]} |"
             for name, reason in sorted(build.failed.items())]
    return "\n".join([
        "# dbt models on fakesnow",
        "",
        "Generated by tests/test_snowflake_target.py::test_compiled_models_build_on_fakesnow (not by hand):",
        "raw tables copied from the DuckDB test build with their Snowflake types, then every staging, intermediate",
        "and core model created from its compiled Snowflake SQL on fakesnow, parents first. A model whose parent",
        "failed is not tried. A failure is fakesnow's or sqlglot's translation to DuckDB, not necessarily",
        "Snowflake's: see docs/runbook.md §7.",
        "",
        f"{len(build.built)} built, {len(build.failed)} failed.",
        "",
        "| model | on fakesnow | first line of the error |",
        "|---|---|---|",
        *rows,
        "",
    ])


def test_compiled_models_build_on_fakesnow(fakesnow_build: FakesnowBuild) -> None:
    FAKESNOW_REPORT.write_text(fakesnow_report(fakesnow_build))
    assert MUST_BUILD - set(fakesnow_build.built) == set(), {m: fakesnow_build.failed.get(m) for m in MUST_BUILD}
    for name in MUST_BUILD:
        fakesnow_build.cursor.execute(f"select count(*) from {fakesnow_build.built[name]}")
        assert fakesnow_build.cursor.fetchone()[0] > 0, name
