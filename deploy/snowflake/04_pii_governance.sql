-- PII masking: who may see PII, where the masking policies live, who may attach them. Run after
-- 03_storage_integration.sql. The policies themselves are created and attached by dbt on every production build
-- (dbt_project/macros/privacy/masking_policies.sql), from the `meta: {pii: <class>}` of each column in the dbt
-- yml, so PII is classified in one place; `dbt compile --target production` writes the whole script to
-- target/compiled/brightcart/analyses/pii_masking_policies.sql for review.

USE ROLE SECURITYADMIN;

-- Holders of this role see PII in raw, staging, intermediate and the marts; everyone else sees the masked value
-- (salted hash for emails, click ids, IPs and identity-graph identifiers; partial for phones, names, addresses).
-- The transformer needs real values to build the identity graph, so it holds the role; analysts never do.
CREATE ROLE IF NOT EXISTS BRIGHTCART_PII_READER COMMENT = 'Sees unmasked PII (masking policies name it)';
GRANT ROLE BRIGHTCART_PII_READER TO ROLE BRIGHTCART_TRANSFORMER;
GRANT ROLE BRIGHTCART_PII_READER TO ROLE BRIGHTCART_ADMIN;

-- Raw tables belong to the loader (dlt creates them), so attaching a policy there needs the account-level
-- privilege; the transformer already sees every value it protects.
GRANT APPLY MASKING POLICY ON ACCOUNT TO ROLE BRIGHTCART_TRANSFORMER;

USE ROLE BRIGHTCART_ADMIN;

-- The policies' schema: the transformer creates and owns the policies in it. Nobody else needs access: a masked
-- column is read through its table, whatever the reader's grants on the policy.
CREATE SCHEMA IF NOT EXISTS BRIGHTCART.GOVERNANCE WITH MANAGED ACCESS COMMENT = 'PII masking policies (dbt)';
GRANT USAGE, CREATE MASKING POLICY ON SCHEMA BRIGHTCART.GOVERNANCE TO ROLE BRIGHTCART_TRANSFORMER;

-- The salt of the hashes is DBT_BRIGHTCART_PII_SALT in dbt's environment (docs/runbook.md, "Secrets"): it sits
-- in the policy bodies, which only the policy owner can describe, and in the analyst views' SQL, so a masked
-- email is the same hash in both places and joins across them.
