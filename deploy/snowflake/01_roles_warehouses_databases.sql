-- BrightCart in Snowflake: roles, the warehouse, the database and its schemas.
-- Run as an account admin, in file order (01, 02, 03). Every statement is idempotent, so re-running a file
-- after a change converges instead of failing.

USE ROLE SECURITYADMIN;

-- Functional roles. The loader writes raw data only; the transformer turns raw into models; analysts see
-- only the PII-masked analyst schema; the admin owns the objects so no human needs ACCOUNTADMIN day to day.
CREATE ROLE IF NOT EXISTS BRIGHTCART_ADMIN COMMENT = 'Owns BrightCart database objects';
CREATE ROLE IF NOT EXISTS BRIGHTCART_LOADER COMMENT = 'dlt: loads raw_<source> schemas';
CREATE ROLE IF NOT EXISTS BRIGHTCART_TRANSFORMER COMMENT = 'dbt: builds staging, intermediate and marts';
CREATE ROLE IF NOT EXISTS BRIGHTCART_ANALYST COMMENT = 'BI and analysts: reads the masked ANALYST schema';

-- A role hierarchy ending at SYSADMIN keeps the account's administrators able to see and fix everything.
GRANT ROLE BRIGHTCART_LOADER TO ROLE BRIGHTCART_ADMIN;
GRANT ROLE BRIGHTCART_TRANSFORMER TO ROLE BRIGHTCART_ADMIN;
GRANT ROLE BRIGHTCART_ANALYST TO ROLE BRIGHTCART_ADMIN;
GRANT ROLE BRIGHTCART_ADMIN TO ROLE SYSADMIN;

-- Service users authenticate with key pairs only (docs/runbook.md has the key generation steps); the
-- public keys are set with ALTER USER … SET RSA_PUBLIC_KEY outside version control.
CREATE USER IF NOT EXISTS BRIGHTCART_PIPELINE
  DEFAULT_ROLE = BRIGHTCART_LOADER
  DEFAULT_WAREHOUSE = BRIGHTCART_WH
  COMMENT = 'Dagster: dlt loads and dbt builds';
GRANT ROLE BRIGHTCART_LOADER TO USER BRIGHTCART_PIPELINE;
GRANT ROLE BRIGHTCART_TRANSFORMER TO USER BRIGHTCART_PIPELINE;

USE ROLE SYSADMIN;

-- One Medium warehouse: loads and dbt builds run in short bursts, so a 60 s auto-suspend keeps credits tied
-- to work done. Multi-cluster (Enterprise edition) absorbs backfills without a bigger size.
CREATE WAREHOUSE IF NOT EXISTS BRIGHTCART_WH
  WAREHOUSE_SIZE = 'MEDIUM'
  AUTO_SUSPEND = 60
  AUTO_RESUME = TRUE
  INITIALLY_SUSPENDED = TRUE
  MIN_CLUSTER_COUNT = 1
  MAX_CLUSTER_COUNT = 2
  SCALING_POLICY = 'ECONOMY'
  COMMENT = 'BrightCart loads, dbt builds and BI queries';
-- Hard stop on runaway cost: a monthly quota on the warehouse (see the cost section of the runbook).
CREATE RESOURCE MONITOR IF NOT EXISTS BRIGHTCART_MONTHLY
  WITH CREDIT_QUOTA = 2500
  FREQUENCY = MONTHLY
  START_TIMESTAMP = IMMEDIATELY
  TRIGGERS ON 80 PERCENT DO NOTIFY ON 100 PERCENT DO SUSPEND ON 110 PERCENT DO SUSPEND_IMMEDIATE;
ALTER WAREHOUSE BRIGHTCART_WH SET RESOURCE_MONITOR = BRIGHTCART_MONTHLY;

CREATE DATABASE IF NOT EXISTS BRIGHTCART
  DATA_RETENTION_TIME_IN_DAYS = 7
  COMMENT = 'BrightCart marketing and finance data';

-- Raw schemas, one per source, named as dlt names its datasets (raw_<source>). dlt merges through a
-- <dataset>_STAGING schema next to each; creating both here lets the loader work without CREATE SCHEMA.
CREATE SCHEMA IF NOT EXISTS BRIGHTCART.RAW_GOOGLE_ADS;
CREATE SCHEMA IF NOT EXISTS BRIGHTCART.RAW_GOOGLE_ADS_STAGING;
CREATE SCHEMA IF NOT EXISTS BRIGHTCART.RAW_META_ADS;
CREATE SCHEMA IF NOT EXISTS BRIGHTCART.RAW_META_ADS_STAGING;
CREATE SCHEMA IF NOT EXISTS BRIGHTCART.RAW_GA4;
CREATE SCHEMA IF NOT EXISTS BRIGHTCART.RAW_GA4_STAGING;
CREATE SCHEMA IF NOT EXISTS BRIGHTCART.RAW_HUBSPOT;
CREATE SCHEMA IF NOT EXISTS BRIGHTCART.RAW_HUBSPOT_STAGING;
CREATE SCHEMA IF NOT EXISTS BRIGHTCART.RAW_SHOPIFY;
CREATE SCHEMA IF NOT EXISTS BRIGHTCART.RAW_SHOPIFY_STAGING;

-- Modelled layers. dbt names further layer schemas itself (intermediate, core, reference, …) and the
-- transformer creates and owns those (02_grants.sql).
CREATE SCHEMA IF NOT EXISTS BRIGHTCART.STAGING;
CREATE SCHEMA IF NOT EXISTS BRIGHTCART.MARTS;
-- The only schema BI sees: PII-masked copies of the marts.
CREATE SCHEMA IF NOT EXISTS BRIGHTCART.ANALYST WITH MANAGED ACCESS;
-- Where dlt's stage for S3 staging lives (03_storage_integration.sql).
CREATE SCHEMA IF NOT EXISTS BRIGHTCART.LOADING;

GRANT OWNERSHIP ON DATABASE BRIGHTCART TO ROLE BRIGHTCART_ADMIN COPY CURRENT GRANTS;
GRANT OWNERSHIP ON ALL SCHEMAS IN DATABASE BRIGHTCART TO ROLE BRIGHTCART_ADMIN COPY CURRENT GRANTS;
GRANT OWNERSHIP ON WAREHOUSE BRIGHTCART_WH TO ROLE BRIGHTCART_ADMIN COPY CURRENT GRANTS;
