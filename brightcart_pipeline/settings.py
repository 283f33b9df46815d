"""One typed settings object for the whole platform.

Every value comes from a `BRIGHTCART_`-prefixed environment variable (or a `.env` file); the local
target needs none of them. A bad value stops the process at start with the variable's name, the
value given and what was expected (`SettingsError`).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "BRIGHTCART_"
SOURCES = ("google_ads", "meta_ads", "ga4", "hubspot", "shopify")
Source = Literal["google_ads", "meta_ads", "ga4", "hubspot", "shopify"]


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message names the setting."""


class Settings(BaseSettings):
    """BrightCart platform configuration. Field names map to `BRIGHTCART_<NAME>` variables."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", validate_default=True
    )

    target: Literal["local", "production"] = "local"
    home: Path = Field(default=PROJECT_ROOT / ".brightcart", description="local state folder")

    # Warehouse
    duckdb_path: Path | None = Field(default=None, description="defaults to <home>/warehouse.duckdb")
    duckdb_memory_limit: str = Field(default="4GB", pattern=r"^\d+(\.\d+)?\s*(MB|GB|MiB|GiB)$")
    # The local DuckDB file is encrypted with this key, kept outside `home` like the lake's (Snowflake
    # encrypts its own storage). `brightcart keys rotate` replaces it.
    warehouse_key_file: Path = Field(default=PROJECT_ROOT / ".brightcart-keys" / "warehouse.key")
    encrypt_local_warehouse: bool = True
    snowflake_account: str | None = None
    snowflake_user: str | None = None
    snowflake_password: SecretStr | None = None
    snowflake_private_key_path: Path | None = None
    snowflake_role: str = "BRIGHTCART_LOADER"
    snowflake_warehouse: str = "BRIGHTCART_WH"
    snowflake_database: str = "BRIGHTCART"

    # Lake
    lake_url: str | None = Field(default=None, description="local folder or s3://bucket/prefix")
    s3_endpoint_url: str | None = Field(default=None, description="only for S3-compatible stand-ins")
    s3_kms_key_id: str | None = None
    lake_retention_days: int = Field(default=180, ge=1)
    # Local lake objects are encrypted with this key; it lives outside `home` so a copy of the data is not
    # enough to read it. S3 uses SSE-KMS instead.
    key_file: Path = Field(default=PROJECT_ROOT / ".brightcart-keys" / "lake.key")
    encrypt_local_lake: bool = True

    # Sources: base URLs (the simulator's locally) and credentials
    api_base_url: str | None = Field(default=None, description="one base URL for every vendor (simulator)")
    google_ads_base_url: str = "https://googleads.googleapis.com"
    meta_ads_base_url: str = "https://graph.facebook.com"
    ga4_base_url: str = "https://analyticsdata.googleapis.com"
    bigquery_base_url: str = Field(default="https://bigquery.googleapis.com",
                                   description="BigQuery's REST API, where GA4's event export is read")
    hubspot_base_url: str = "https://api.hubapi.com"
    shopify_base_url: str = "https://brightcart.myshopify.com"
    google_ads_customer_id: str = "1234567890"
    google_ads_developer_token: SecretStr | None = None
    google_ads_access_token: SecretStr | None = None
    meta_ads_account_id: str = "act_1100220033"
    meta_ads_access_token: SecretStr | None = None
    ga4_property_id: str = "314159265"
    ga4_export_project: str = Field(default="brightcart-analytics",
                                    description="the GCP project holding the GA4 export dataset")
    ga4_access_token: SecretStr | None = None
    hubspot_access_token: SecretStr | None = None
    shopify_access_token: SecretStr | None = None

    # Extraction behaviour
    start_date: dt.date = Field(default=dt.date(2026, 10, 1), description="first day ever extracted")
    google_ads_lookback_days: int = Field(default=14, ge=0, le=90)
    meta_ads_lookback_days: int = Field(default=7, ge=0, le=90)
    ga4_late_arrival_days: int = Field(default=3, ge=0, le=14)
    requests_per_second: float = Field(default=20.0, gt=0, description="per-source request ceiling")
    max_retries: int = Field(default=6, ge=0, le=20)
    http_timeout_seconds: float = Field(default=30.0, gt=0)

    # Orchestration and alerting
    ingest_cron: str = Field(default="*/15 * * * *", description="near-real-time extract cadence")
    finance_deadline_utc: dt.time = Field(default=dt.time(7, 0), description="finance marts complete by")
    extract_sla_minutes: int = Field(default=20, ge=1, description="an extract should finish this soon")
    extract_sla_target: float = Field(default=0.99, gt=0, le=1)
    alert_webhook_url: str | None = Field(default=None, description="Slack-compatible incoming webhook")

    # Simulator (local target)
    simulator_seed: int = 7
    simulator_scale: float = Field(default=0.0005, gt=0, le=1.0)
    simulator_days: int = Field(default=3, ge=1, le=400)
    simulator_fault_plan: Path | None = None

    @model_validator(mode="after")
    def _production_needs_credentials(self) -> Settings:
        if self.target != "production":
            return self
        required = {
            "snowflake_account": self.snowflake_account,
            "snowflake_user": self.snowflake_user,
            "lake_url": self.lake_url,
            "shopify_access_token": self.shopify_access_token,
            "google_ads_developer_token": self.google_ads_developer_token,
            "google_ads_access_token": self.google_ads_access_token,
            "meta_ads_access_token": self.meta_ads_access_token,
            "ga4_access_token": self.ga4_access_token,
            "hubspot_access_token": self.hubspot_access_token,
        }
        missing = [ENV_PREFIX + name.upper() for name, value in required.items() if not value]
        if missing:
            raise ValueError(f"target=production needs {', '.join(missing)} to be set")
        if not (self.snowflake_password or self.snowflake_private_key_path):
            raise ValueError(
                f"target=production needs {ENV_PREFIX}SNOWFLAKE_PRIVATE_KEY_PATH "
                f"or {ENV_PREFIX}SNOWFLAKE_PASSWORD"
            )
        if not str(self.lake_url).startswith("s3://"):
            raise ValueError(f"{ENV_PREFIX}LAKE_URL must be an s3:// URL on target=production")
        return self

    @property
    def warehouse_path(self) -> Path:
        return self.duckdb_path or self.home / "warehouse.duckdb"

    @property
    def lake_root(self) -> str:
        return self.lake_url or str(self.home / "lake")

    @property
    def dlt_pipelines_dir(self) -> Path:
        return self.home / "dlt"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster_home"

    @property
    def alerts_path(self) -> Path:
        return self.home / "alerts.jsonl"

    def base_url(self, source: Source) -> str:
        """The vendor base URL; one `api_base_url` overrides all five (the simulator)."""
        if self.api_base_url:
            return self.api_base_url.rstrip("/")
        return str(getattr(self, f"{source}_base_url")).rstrip("/")

    @property
    def bigquery_url(self) -> str:
        """BigQuery's base URL (GA4's export); one `api_base_url` serves it too (the simulator)."""
        return (self.api_base_url or self.bigquery_base_url).rstrip("/")

    def secret(self, name: str) -> str:
        """A credential's value; locally the simulator's fixed development tokens stand in."""
        value: SecretStr | None = getattr(self, name)
        if value is not None:
            return value.get_secret_value()
        if self.target == "local":
            from brightcart_pipeline.simulator.credentials import DEV_CREDENTIALS

            return DEV_CREDENTIALS[name]
        raise SettingsError(f"{ENV_PREFIX}{name.upper()} is not set: the production target needs it")


def describe_validation_error(error: ValidationError) -> str:
    """Turn pydantic's error into lines naming the variable, the value given and what is expected."""
    lines = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"])
        variable = ENV_PREFIX + field.upper() if field else "configuration"
        given = item.get("input")
        given_text = "" if isinstance(given, dict) else f" (given {given!r})"
        lines.append(f"{variable}{given_text}: {item['msg']}")
    return "invalid BrightCart settings:\n  " + "\n  ".join(lines)


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings, raising `SettingsError` with a readable message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return load_settings()
