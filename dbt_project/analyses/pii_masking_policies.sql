{#- Snowflake's PII masking set-up as one reviewable script (empty on DuckDB). dbt applies the same
    statements itself on every production build (hooks in dbt_project.yml); this is what a reviewer reads
    in target/compiled, and what tests/test_snowflake_target.py checks against the yml's classification. -#}
{{ brightcart.pii_masking_script() }}
