"""The lake: keys, landing as received, dead letters with reasons, and the S3 store on a moto server."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from cryptography.exceptions import InvalidTag

from brightcart_pipeline.lake.landing import (
    DEAD_LETTER,
    LakeKey,
    Landing,
    RecordContract,
    decode_records,
    landed_keys,
)
from brightcart_pipeline.lake.store import LocalLake, S3Lake
from brightcart_pipeline.privacy.keys import MissingKeyError, load_or_create_key

CONTRACT = RecordContract(required=("id", "updated_at"), integer_strings=("metrics.costMicros",),
                          decimal_strings=("total_price",))


def test_landing_keeps_records_exactly_and_dead_letters_the_rest(tmp_path):
    lake = LocalLake(tmp_path)
    landing = Landing(lake, "shopify")
    page = [
        {"id": 1, "updated_at": "2026-10-01T10:00:00-04:00", "total_price": "10.00", "new_field": {"x": [1]}},
        {"id": 2, "updated_at": None, "total_price": "5.00"},
        {"id": 3, "updated_at": "2026-10-01T11:00:00-04:00", "total_price": "N/A"},
        {"id": 4, "updated_at": "2026-10-01T12:00:00-04:00", "metrics": {"costMicros": "12x"}},
    ]
    accepted = landing.land("orders", dt.date(2026, 10, 1), page, CONTRACT)

    assert [r["id"] for r in accepted] == [1]
    assert accepted[0]["_lake_file"].startswith("raw/shopify/orders/dt=2026-10-01/")
    (raw_key,) = lake.list("raw/")
    assert decode_records(lake.read(raw_key)) == page  # everything, as received
    (dead_key,) = lake.list(f"{DEAD_LETTER}/")
    reasons = {r["record"]["id"]: r["reason"] for r in decode_records(lake.read(dead_key))}
    assert reasons == {
        2: "required field 'updated_at' is missing",
        3: "field 'total_price' should be a decimal amount, got 'N/A'",
        4: "field 'metrics.costMicros' should be an integer, got '12x'",
    }
    assert landing.landed == {"orders": 4} and landing.rejected == {"orders": 3}


def test_landed_keys_come_back_in_arrival_order_within_the_range(tmp_path):
    lake = LocalLake(tmp_path)
    for landing_id, day in [("20261002T000000000000Z", 2), ("20261001T000000000000Z", 3), ("20261003T0Z", 1)]:
        Landing(lake, "ga4", landing_id=landing_id).land(
            "events", dt.date(2026, 10, day), [{"id": day, "updated_at": "x"}], CONTRACT)
    keys = landed_keys(lake, "ga4", "events", dt.date(2026, 10, 2), dt.date(2026, 10, 4))
    assert [LakeKey.parse(k).day.day for k in keys] == [3, 2]  # by landing id, not by day


def test_local_lake_refuses_an_unwritable_folder(tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the lake folder should be")
    with pytest.raises(Exception, match="BRIGHTCART_LAKE_URL"):
        LocalLake(blocked / "lake")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def moto_endpoint(tmp_path_factory):
    port = _free_port()
    server = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield endpoint
    server.terminate()
    server.wait(timeout=10)


def test_s3_lake_writes_every_object_with_sse_kms(moto_endpoint, monkeypatch):
    """Every landed object carries SSE-KMS with the configured key; the bucket's default is none, so an
    object written without our headers would show up unencrypted here."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    s3 = boto3.client("s3", endpoint_url=moto_endpoint)
    key_id = boto3.client("kms", endpoint_url=moto_endpoint).create_key()["KeyMetadata"]["KeyId"]
    s3.create_bucket(Bucket="brightcart-lake")

    lake = S3Lake("s3://brightcart-lake/prod", key_id, endpoint_url=moto_endpoint)
    Landing(lake, "shopify").land("orders", dt.date(2026, 10, 1), [{"id": 1, "updated_at": "x", "total_price": "?"},
                                                                   {"id": 2, "updated_at": "y"}], CONTRACT)
    keys = lake.list("")
    assert {k.split("/")[0] for k in keys} == {"raw", DEAD_LETTER}
    for key in keys:
        head = s3.head_object(Bucket="brightcart-lake", Key=f"prod/{key}")
        assert head["ServerSideEncryption"] == "aws:kms"
        assert key_id in head["SSEKMSKeyId"]
    assert sorted(r["id"] for k in keys if k.startswith("raw/") for r in decode_records(lake.read(k))) == [1, 2]


def test_deny_unencrypted_bucket_policy_refuses_plain_writes(moto_endpoint, monkeypatch):
    """The production bucket policy (deploy/aws) refuses unencrypted puts. moto enforces Deny statements but not
    their conditions, so only the refusal is checked here; docs/runbook.md lists what needs a real account."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    s3 = boto3.client("s3", endpoint_url=moto_endpoint)
    s3.create_bucket(Bucket="brightcart-guarded")
    s3.put_bucket_policy(Bucket="brightcart-guarded", Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyUnencryptedPuts", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::brightcart-guarded/*",
            "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}},
        }],
    }))
    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket="brightcart-guarded", Key="raw/plain.txt", Body=b"no encryption")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_local_lake_objects_are_unreadable_without_the_key(tmp_path):
    key_file = tmp_path / "keys" / "lake.key"
    key = load_or_create_key(key_file)
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert load_or_create_key(key_file) == key  # created once, then reused

    lake = LocalLake(tmp_path / "lake", key)
    Landing(lake, "shopify").land("orders", dt.date(2026, 10, 1),
                                  [{"id": 7, "updated_at": "x", "email": "ana.lopez42@gmail.com"}], CONTRACT)
    (raw_key,) = lake.list("raw/")
    on_disk = (tmp_path / "lake" / raw_key).read_bytes()
    assert b"ana.lopez42" not in on_disk and b"ana.lopez42" not in _try_gunzip(on_disk)
    assert decode_records(lake.read(raw_key))[0]["email"] == "ana.lopez42@gmail.com"

    with pytest.raises(MissingKeyError, match="encrypted"):
        LocalLake(tmp_path / "lake").read(raw_key)
    moved = raw_key.replace("dt=2026-10-01", "dt=2026-10-02")
    (tmp_path / "lake" / moved).parent.mkdir(parents=True)
    (tmp_path / "lake" / moved).write_bytes(on_disk)
    with pytest.raises(InvalidTag):  # the object key is authenticated: a copied file does not open elsewhere
        lake.read(moved)


def _try_gunzip(blob: bytes) -> bytes:
    try:
        return gzip.decompress(blob)
    except OSError:
        return b""
