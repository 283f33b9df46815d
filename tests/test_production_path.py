"""The production path as code: image, compose stack, CI workflows, Dagster instance, AWS and Snowflake set-up.

None of these run against a real cloud here; each test checks what can be checked on one machine: files parse,
every path a container command names exists, the instance config passes Dagster's own schema and loads, and
the lake bucket set-up is accepted by an S3 stand-in.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlglot
import yaml

from brightcart_pipeline.settings import PROJECT_ROOT, SOURCES

BIN = Path(sys.executable).parent
DEPLOY = PROJECT_ROOT / "deploy"
PRODUCTION_INSTANCE = DEPLOY / "dagster" / "dagster.production.yaml"
POOLS = {f"{source}_api" for source in SOURCES}

# Every variable docker-compose.yml marks required (`${VAR:?…}`), with harmless values.
COMPOSE_ENV = {
    "DAGSTER_PG_PASSWORD": "not-a-secret",
    "DAGSTER_COMPUTE_LOG_BUCKET": "brightcart-lake-test",
    "BRIGHTCART_LAKE_URL": "s3://brightcart-lake-test",
    "BRIGHTCART_S3_KMS_KEY_ID": "arn:aws:kms:eu-west-1:111122223333:key/test",
    "BRIGHTCART_SNOWFLAKE_ACCOUNT": "test-account",
    "BRIGHTCART_SNOWFLAKE_USER": "BRIGHTCART_PIPELINE",
    **{f"BRIGHTCART_{source.upper()}_ACCESS_TOKEN": "test-token" for source in SOURCES},
    "BRIGHTCART_GOOGLE_ADS_DEVELOPER_TOKEN": "test-token",
}


# --- docker-compose and the image ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def docker_compose() -> str:
    """Debian's standalone docker-compose validates compose files without a Docker engine."""
    path = shutil.which("docker-compose")
    assert path, "docker-compose is missing: `make test` installs it (scripts/system-deps.sh)"
    return path


def compose_config(docker_compose: str, *args: str,
                   env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # Only the variables given here: a developer's own BRIGHTCART_* must not make the test pass.
    base = {key: value for key, value in os.environ.items() if not key.startswith(("BRIGHTCART_", "DAGSTER_"))}
    return subprocess.run([docker_compose, *args, "config"], cwd=PROJECT_ROOT, env={**base, **(env or {})},
                          capture_output=True, text=True, check=False, timeout=120)


def rendered_services(docker_compose: str, *args: str) -> dict[str, dict[str, Any]]:
    result = compose_config(docker_compose, *args, env=COMPOSE_ENV)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)["services"]


def option_value(command: list[str], *flags: str) -> str | None:
    for flag in flags:
        if flag in command:
            return command[command.index(flag) + 1]
    return None


def assert_command_refers_to_project(name: str, command: list[str], services: dict[str, dict[str, Any]]) -> None:
    """Executables come from the image's venv (the lock), modules, scripts and workspaces from the project."""
    executable = command[0]
    assert executable == "sh" or (BIN / executable).exists(), f"{name}: {executable} is not installed by the lock"
    module = option_value(command, "-m", "--module-name")
    if module:
        module_file = PROJECT_ROOT / (module.replace(".", "/") + ".py")
        assert module_file.exists(), f"{name}: module {module} has no file {module_file}"
    if executable == "sh":
        assert (PROJECT_ROOT / command[1]).is_file(), f"{name}: script {command[1]} is missing"
    workspace = option_value(command, "-w", "--workspace")
    if workspace:
        assert (PROJECT_ROOT / workspace).is_file(), f"{name}: workspace {workspace} is missing"
        for location in yaml.safe_load((PROJECT_ROOT / workspace).read_text())["load_from"]:
            grpc = location["grpc_server"]
            server = services[grpc["host"]]
            assert option_value(server["command"], "-p", "--port") == str(grpc["port"]), (
                f"{workspace} expects {grpc['host']}:{grpc['port']}, the service listens elsewhere"
            )


def test_compose_config_renders_and_every_command_exists(docker_compose: str) -> None:
    services = rendered_services(docker_compose, "-f", "docker-compose.yml")
    # docker-compose 1.x renders profiled services too; the stand-in must stay behind its profile.
    assert set(services) - {"moto"} == {"postgres", "user-code", "webserver", "daemon", "dagster-pools"}
    assert services.get("moto", {}).get("profiles", ["s3-standin"]) == ["s3-standin"]
    for name, service in services.items():
        if "build" in service:
            assert (Path(service["build"]["context"]) / service["build"].get("dockerfile", "Dockerfile")).is_file()
        if "command" in service and name != "postgres":
            assert_command_refers_to_project(name, service["command"], services)
    # Runs are launched next to the code server, so it alone needs the vendors' and Snowflake's credentials.
    code_env = services["user-code"]["environment"]
    assert code_env["BRIGHTCART_TARGET"] == "production"
    assert {f"BRIGHTCART_{source.upper()}_ACCESS_TOKEN" for source in SOURCES} <= set(code_env)
    assert code_env["BRIGHTCART_SNOWFLAKE_PRIVATE_KEY_PATH"] == "/run/secrets/snowflake_private_key"
    assert not any(key.endswith("_ACCESS_TOKEN") for key in services["webserver"]["environment"])


def test_compose_s3_standin_profile(docker_compose: str) -> None:
    services = rendered_services(docker_compose, "-f", "docker-compose.yml", "-f", "deploy/compose/s3-standin.yml",
                                 "--profile", "s3-standin")
    assert services["moto"]["command"][0] == "moto_server"
    assert_command_refers_to_project("moto", services["moto"]["command"], services)
    assert services["user-code"]["environment"]["BRIGHTCART_S3_ENDPOINT_URL"] == "http://moto:5000"


def test_compose_names_a_missing_secret(docker_compose: str) -> None:
    env = {key: value for key, value in COMPOSE_ENV.items() if key != "BRIGHTCART_SHOPIFY_ACCESS_TOKEN"}
    result = compose_config(docker_compose, "-f", "docker-compose.yml", env=env)
    assert result.returncode != 0
    assert "BRIGHTCART_SHOPIFY_ACCESS_TOKEN" in result.stderr


def test_dockerfile_copies_only_existing_paths_and_builds_the_manifest() -> None:
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.MULTILINE)
    for line in re.findall(r"^COPY (.+)$", dockerfile, re.MULTILINE):
        for source in line.split()[:-1]:
            assert (PROJECT_ROOT / source).exists(), f"Dockerfile copies {source}, which does not exist"
    assert "-r requirements.lock" in dockerfile and "dbt parse" in dockerfile
    cmd = json.loads(re.search(r"^CMD (\[.+\])$", dockerfile, re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert_command_refers_to_project("Dockerfile CMD", cmd, {})


def test_the_lock_carries_the_production_instance_packages() -> None:
    """The image installs requirements.lock alone: Postgres storage and the k8s launcher must be in it."""
    pins = set(re.findall(r"^([A-Za-z0-9_.\-]+)==", (PROJECT_ROOT / "requirements.lock").read_text(), re.MULTILINE))
    assert {"dagster-postgres", "dagster-k8s"} <= pins


# --- GitHub workflows ----------------------------------------------------------------------------------------

WORKFLOWS = PROJECT_ROOT / ".github" / "workflows"


def workflow_runs(path: Path) -> dict[str, list[str]]:
    jobs = yaml.safe_load(path.read_text())["jobs"]
    return {name: [step.get("run", "") for step in job["steps"]] for name, job in jobs.items()}


def test_workflows_validate_against_the_github_workflow_schema() -> None:
    """check-jsonschema ships the GitHub workflow schema inside its wheel: validated offline."""
    result = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
         *sorted(map(str, WORKFLOWS.glob("*.yml")))],
        capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_workflow_schema_check_can_fail(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    step: []\n")
    result = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
                             str(broken)], capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode != 0


def test_ci_runs_make_test_and_make_lint() -> None:
    runs = workflow_runs(WORKFLOWS / "ci.yml")
    assert any(run.strip() == "make test" for run in runs["test"])
    assert any(run.strip() == "make lint" for run in runs["lint"])
    assert "python-version: \"3.11\"" in (WORKFLOWS / "ci.yml").read_text()


def test_snowflake_workflow_only_runs_with_secrets() -> None:
    job = yaml.safe_load((WORKFLOWS / "snowflake.yml").read_text())["jobs"]["snowflake"]
    steps = job["steps"]
    assert "secrets.BRIGHTCART_SNOWFLAKE_ACCOUNT" in job["env"]["BRIGHTCART_SNOWFLAKE_ACCOUNT"]
    # Every step after the check is gated on its output, so forks without secrets pass without running it.
    assert all(step.get("if") == "steps.secrets.outputs.configured == 'true'" for step in steps[1:])
    assert any(step.get("run", "").strip() == "make test-snowflake" for step in steps)


def test_every_make_target_a_workflow_runs_exists() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([A-Za-z][\w-]*):", makefile, re.MULTILINE))
    used = {match for path in WORKFLOWS.glob("*.yml") for runs in workflow_runs(path).values()
            for run in runs for match in re.findall(r"\bmake ([\w-]+)", run)}
    assert used <= targets, f"workflows run make targets the Makefile lacks: {sorted(used - targets)}"


# --- Dagster production instance -----------------------------------------------------------------------------

@pytest.fixture
def production_instance_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"DAGSTER_PG_HOST": "postgres", "DAGSTER_PG_PORT": "5432", "DAGSTER_PG_DB": "dagster",
                        "DAGSTER_PG_USERNAME": "dagster", "DAGSTER_PG_PASSWORD": "not-a-secret",
                        "DAGSTER_COMPUTE_LOG_BUCKET": "brightcart-lake-test"}.items():
        monkeypatch.setenv(name, value)


def test_production_instance_config_passes_dagsters_schema(tmp_path: Path, production_instance_env: None) -> None:
    from dagster._core.instance.config import dagster_instance_config

    shutil.copy(PRODUCTION_INSTANCE, tmp_path / "dagster.yaml")
    config, custom_class = dagster_instance_config(str(tmp_path))
    assert custom_class is None
    assert set(config["storage"]["postgres"]["postgres_db"]) >= {"hostname", "db_name", "username", "password"}
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["run_retries"]["enabled"] is True and config["run_retries"]["max_retries"] == 2


def test_production_instance_loads_and_pool_limits_apply(tmp_path: Path, production_instance_env: None) -> None:
    """Everything but Postgres and S3 as in production: the instance loads and the pool script sets each pool."""
    from dagster import DagsterInstance
    from dagster._core.run_coordinator import QueuedRunCoordinator

    config = yaml.safe_load(PRODUCTION_INSTANCE.read_text())
    config["storage"] = {"sqlite": {"base_dir": str(tmp_path / "storage")}}
    config["compute_logs"] = {"module": "dagster.core.storage.local_compute_log_manager",
                              "class": "LocalComputeLogManager", "config": {"base_dir": str(tmp_path / "logs")}}
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(config))

    script = DEPLOY / "dagster" / "set-pool-limits.sh"
    limits = dict(re.findall(r"^(\w+_api) (\d+)$", script.read_text(), re.MULTILINE))
    assert set(limits) == POOLS, "one pool per vendor API, named as the ingest assets name them"
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr

    with DagsterInstance.from_config(str(tmp_path)) as instance:
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        run_queue = instance.get_concurrency_config().run_queue_config
        assert run_queue is not None and run_queue.max_concurrent_runs == 8
        assert {limit["key"] for limit in run_queue.tag_concurrency_limits} == {"brightcart/job", "dagster/backfill"}
        assert instance.run_retries_enabled and instance.run_retries_max_retries == 2
        for pool, limit in limits.items():
            assert instance.event_log_storage.get_concurrency_info(pool).slot_count == int(limit)


# --- AWS: bucket policy, lifecycle, IAM ----------------------------------------------------------------------

def aws_document(name: str, **values: str) -> dict[str, Any]:
    sys.path.insert(0, str(DEPLOY / "aws"))
    try:
        from apply_lake_bucket import render
    finally:
        sys.path.remove(str(DEPLOY / "aws"))
    return render(name, **values)


def bucket_policy_denies(policy: dict[str, Any], action: str, resource: str, context: dict[str, str]) -> bool:
    """IAM's rules for the operators the policy uses. A key absent from the request matches no value, so a
    negated operator (StringNotEquals) is true and a positive one false. Unknown operators fail the test."""
    def condition_holds(operator: str, expected: dict[str, str]) -> bool:
        for key, value in expected.items():
            actual = context.get(key)
            if operator == "StringNotEquals":
                holds = actual is None or actual != value
            elif operator in ("StringEquals", "Bool"):
                holds = actual is not None and actual.lower() == str(value).lower()
            else:
                raise AssertionError(f"the test does not model IAM operator {operator}")
            if not holds:
                return False
        return True

    for statement in policy["Statement"]:
        actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        resources = [statement["Resource"]] if isinstance(statement["Resource"], str) else statement["Resource"]
        if (statement["Effect"] == "Deny"
                and any(re.fullmatch(pattern.replace("*", ".*"), action) for pattern in actions)
                and any(re.fullmatch(pattern.replace("*", ".*"), resource) for pattern in resources)
                and all(condition_holds(op, keys) for op, keys in statement.get("Condition", {}).items())):
            return True
    return False


def test_bucket_policy_denies_unencrypted_puts_and_plain_http() -> None:
    policy = aws_document("bucket-policy.json", LAKE_BUCKET="brightcart-lake-test")
    key = "arn:aws:s3:::brightcart-lake-test/raw/shopify/orders/dt=2026-10-01/x.jsonl.gz"
    https = {"aws:SecureTransport": "true"}
    assert bucket_policy_denies(policy, "s3:PutObject", key, https)
    assert bucket_policy_denies(policy, "s3:PutObject", key, {**https, "s3:x-amz-server-side-encryption": "AES256"})
    sse_kms = {**https, "s3:x-amz-server-side-encryption": "aws:kms"}
    assert not bucket_policy_denies(policy, "s3:PutObject", key, sse_kms)
    assert not bucket_policy_denies(policy, "s3:GetObject", key, https)
    assert bucket_policy_denies(policy, "s3:GetObject", key, {"aws:SecureTransport": "false"})


def test_lifecycle_expires_raw_after_180_days_and_iam_covers_the_lake() -> None:
    rules = {rule["Filter"]["Prefix"]: rule for rule in aws_document("lifecycle.json")["Rules"]}
    assert rules["raw/"]["Status"] == "Enabled" and rules["raw/"]["Expiration"] == {"Days": 180}
    values = {"LAKE_BUCKET": "b", "KMS_KEY_ARN": "k", "AWS_REGION": "r", "AWS_ACCOUNT_ID": "1"}
    iam = aws_document("iam-pipeline-policy.json", **values)
    allowed = {action for statement in iam["Statement"] for action in
               ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])}
    assert {"s3:PutObject", "s3:GetObject", "s3:ListBucket", "kms:GenerateDataKey", "kms:Decrypt"} <= allowed
    assert aws_document("snowflake-stage-role-policy.json", **values)["Statement"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    pytest.importorskip("moto.server", reason="moto[server] is a dev dependency")
    port = free_port()
    server = subprocess.Popen([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "moto_server did not start within 30 s"
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_lake_bucket_setup_applies_on_an_s3_stand_in(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3
    from botocore.exceptions import ClientError

    from brightcart_pipeline.lake.store import S3Lake

    credentials = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                   "AWS_DEFAULT_REGION": "eu-west-1"}
    for name, value in credentials.items():
        monkeypatch.setenv(name, value)
    kms = boto3.client("kms", endpoint_url=moto_endpoint)
    s3 = boto3.client("s3", endpoint_url=moto_endpoint)
    key_arn = kms.create_key(Description="brightcart lake")["KeyMetadata"]["Arn"]

    # Without the policy the pipeline's own writer stores SSE-KMS objects under the lake key.
    s3.create_bucket(Bucket="brightcart-writer-test", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    S3Lake("s3://brightcart-writer-test", key_arn, moto_endpoint).write("raw/shopify/orders/dt=2026-10-01/a.jsonl.gz",
                                                                        b"{}")
    head = s3.head_object(Bucket="brightcart-writer-test", Key="raw/shopify/orders/dt=2026-10-01/a.jsonl.gz")
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == key_arn

    bucket = "brightcart-lake-test"
    result = subprocess.run(
        [sys.executable, str(DEPLOY / "aws" / "apply_lake_bucket.py"), "--bucket", bucket, "--kms-key-arn", key_arn,
         "--region", "eu-west-1", "--endpoint-url", moto_endpoint],
        env={**os.environ, **credentials}, capture_output=True, text=True, check=False, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert encryption["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert any(rule["Filter"]["Prefix"] == "raw/" and rule["Expiration"]["Days"] == 180 for rule in rules)
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == aws_document("bucket-policy.json",
                                                                                    LAKE_BUCKET=bucket)
    with pytest.raises(ClientError) as denied:
        s3.put_object(Bucket=bucket, Key="raw/shopify/orders/dt=2026-10-01/b.jsonl.gz", Body=b"{}")
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    # The allowed half (an SSE-KMS put passes the policy) is checked by test_bucket_policy_denies_unencrypted_puts
    # only: this S3 stand-in evaluates no bucket-policy condition operator except StringEquals and treats the
    # others as matching, so under this policy it refuses encrypted puts too.


# --- Snowflake SQL -------------------------------------------------------------------------------------------

SNOWFLAKE_SQL = sorted((DEPLOY / "snowflake").glob("*.sql"))


def snowflake_statements(path: Path) -> list[str]:
    statements = sqlglot.parse(path.read_text(), dialect="snowflake", error_level=sqlglot.ErrorLevel.RAISE)
    texts = [statement.sql(dialect="snowflake") for statement in statements if statement is not None]
    # Comments travel with the statement after them; only the statement itself matters below.
    return [re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL).strip() for text in texts]


@pytest.mark.parametrize("path", SNOWFLAKE_SQL, ids=lambda path: path.name)
def test_snowflake_sql_parses_statement_by_statement(path: Path) -> None:
    assert snowflake_statements(path)


def test_snowflake_grants_follow_the_layers() -> None:
    assert [path.name for path in SNOWFLAKE_SQL] == [
        "01_roles_warehouses_databases.sql", "02_grants.sql", "03_storage_integration.sql", "04_pii_governance.sql"]
    created = {match.upper() for text in snowflake_statements(SNOWFLAKE_SQL[0])
               for match in re.findall(r"CREATE SCHEMA IF NOT EXISTS BRIGHTCART\.(\w+)", text, re.IGNORECASE)}
    assert {f"RAW_{source.upper()}" for source in SOURCES} | {"STAGING", "MARTS", "ANALYST"} <= created

    grants = [text for text in snowflake_statements(SNOWFLAKE_SQL[1]) if text.upper().startswith("GRANT")]
    by_role: dict[str, list[tuple[str, str]]] = {}
    for text in grants:
        match = re.search(r"GRANT (.+?) ON .*?(?:SCHEMA|DATABASE|WAREHOUSE) (\S+) TO ROLE (\w+)", text, re.IGNORECASE)
        assert match, f"unexpected grant shape: {text}"
        privileges, target, role = match.groups()
        by_role.setdefault(role.upper(), []).append((privileges.upper(), target.upper().removeprefix("BRIGHTCART.")))
        if target.upper().startswith("BRIGHTCART."):
            assert target.upper().removeprefix("BRIGHTCART.") in created, f"grant on a schema 01 never creates: {text}"

    def schemas(role: str, privilege: str) -> set[str]:
        return {target for privileges, target in by_role[role] if privilege in privileges and target.startswith(
            ("RAW_", "STAGING", "MARTS", "ANALYST", "LOADING"))}

    assert schemas("BRIGHTCART_LOADER", "CREATE TABLE") == {
        f"RAW_{source.upper()}{suffix}" for source in SOURCES for suffix in ("", "_STAGING")}
    assert schemas("BRIGHTCART_TRANSFORMER", "SELECT") == {f"RAW_{source.upper()}" for source in SOURCES}
    assert not any(target.startswith("RAW_") for target in schemas("BRIGHTCART_TRANSFORMER", "CREATE"))
    assert schemas("BRIGHTCART_TRANSFORMER", "CREATE") == {"STAGING", "MARTS", "ANALYST"}
    assert schemas("BRIGHTCART_ANALYST", "") == {"ANALYST"}
