"""Create or update the lake bucket exactly as deploy/aws/*.json describe it.

Run once per environment by an operator with admin rights (the pipeline's own role cannot change bucket
policy), and by the tests against an S3 stand-in. Re-running converges: every call is a put.

    python deploy/aws/apply_lake_bucket.py --bucket brightcart-lake-prod \
        --kms-key-arn arn:aws:kms:eu-west-1:111122223333:key/… --region eu-west-1
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from string import Template
from typing import Any

import boto3

HERE = Path(__file__).resolve().parent


def render(name: str, **values: str) -> dict[str, Any]:
    """A policy file with its ${PLACEHOLDERS} filled; a missing value fails instead of shipping a placeholder."""
    return json.loads(Template((HERE / name).read_text()).substitute(values))


def apply(bucket: str, kms_key_arn: str, region: str, endpoint_url: str | None = None) -> None:
    """Bucket, public access block, versioning, default SSE-KMS, policy and lifecycle, in that order."""
    s3 = boto3.client("s3", region_name=region, endpoint_url=endpoint_url)
    existing = {item["Name"] for item in s3.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=bucket, **location)
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
        },
    )
    # Versioning lets a bad rewrite (deletion requests rewrite raw files) be undone within the lifecycle's
    # noncurrent-version window, after which the old PII-bearing versions are gone for good.
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    # The bucket key cuts KMS requests (and their cost) by reusing a data key per bucket for a while.
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": kms_key_arn},
            "BucketKeyEnabled": True,
        }]},
    )
    policy = render("bucket-policy.json", LAKE_BUCKET=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration=render("lifecycle.json"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--kms-key-arn", required=True, help="the lake key's ARN (bucket default encryption)")
    parser.add_argument("--region", required=True)
    parser.add_argument("--endpoint-url", help="an S3-compatible stand-in; omit for AWS")
    args = parser.parse_args()
    apply(args.bucket, args.kms_key_arn, args.region, args.endpoint_url)
    print(f"s3://{args.bucket}: encryption, versioning, public access block, policy and lifecycle applied")


if __name__ == "__main__":
    main()
