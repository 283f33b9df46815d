-- S3 staging for dlt: dlt writes Parquet to s3://<lake bucket>/dlt_staging/ and Snowflake COPYs it from there,
-- which is much faster than inserting rows through the connector. Run after 02_grants.sql.
-- Replace the two placeholders: <LAKE_BUCKET> and <SNOWFLAKE_STAGE_ROLE_ARN> (the IAM role with
-- deploy/aws/snowflake-stage-role-policy.json attached). Then DESC INTEGRATION prints the IAM user ARN and
-- external id to put in that role's trust policy (docs/runbook.md, "Snowflake").

USE ROLE ACCOUNTADMIN;

CREATE STORAGE INTEGRATION IF NOT EXISTS BRIGHTCART_S3_LAKE
  TYPE = EXTERNAL_STAGE
  STORAGE_PROVIDER = 'S3'
  ENABLED = TRUE
  STORAGE_AWS_ROLE_ARN = '<SNOWFLAKE_STAGE_ROLE_ARN>'
  STORAGE_ALLOWED_LOCATIONS = ('s3://<LAKE_BUCKET>/dlt_staging/')
  COMMENT = 'dlt staging files in the BrightCart lake';

GRANT USAGE ON INTEGRATION BRIGHTCART_S3_LAKE TO ROLE BRIGHTCART_ADMIN;

DESC INTEGRATION BRIGHTCART_S3_LAKE;

USE ROLE BRIGHTCART_ADMIN;

-- The stage reads SSE-KMS objects through the role's kms:Decrypt; no key is configured on the stage itself.
CREATE STAGE IF NOT EXISTS BRIGHTCART.LOADING.DLT_S3_STAGE
  STORAGE_INTEGRATION = BRIGHTCART_S3_LAKE
  URL = 's3://<LAKE_BUCKET>/dlt_staging/'
  FILE_FORMAT = (TYPE = PARQUET)
  COMMENT = 'dlt stage_name: BRIGHTCART.LOADING.DLT_S3_STAGE';

GRANT USAGE ON STAGE BRIGHTCART.LOADING.DLT_S3_STAGE TO ROLE BRIGHTCART_LOADER;
