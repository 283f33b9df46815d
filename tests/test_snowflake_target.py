"""The production warehouse path built and validated without a Snowflake account: dlt's Snowflake destination
with S3 staging resolves its configuration from the platform's settings, and no connection is opened."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from brightcart_pipeline.ingest import make_pipeline
from brightcart_pipeline.settings import load_settings

pytestmark = pytest.mark.snowflake


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
    assert staging_config.bucket_url == "s3://brightcart-lake/prod/_dlt_staging"


def test_production_settings_refuse_a_local_lake():
    with pytest.raises(Exception, match="BRIGHTCART_LAKE_URL must be an s3:// URL"):
        load_settings(target="production", lake_url="/data/lake", snowflake_account="a", snowflake_user="u",
                      snowflake_password="p", google_ads_developer_token="t", shopify_access_token="t",
                      google_ads_access_token="t", meta_ads_access_token="t", ga4_access_token="t",
                      hubspot_access_token="t")
