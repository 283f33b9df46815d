{#- Snowflake masking policies, driven by the yml's PII classification (macros/privacy/pii_columns.sql).

    One policy per PII class, <database>.<var pii_policy_schema>.PII_<CLASS>, typed by pii_policy_type. The
    full value is shown when the PII reader role is in the session, or granted to the role that owns the
    view being read: dbt (the transformer, a PII reader) must see real emails to build the identity graph,
    and the analyst schema's views, owned by the transformer, mask in their own SQL (mask_pii), so an
    analyst reading them gets exactly one masking. Everyone else gets mask_pii's masked value, the same
    salted hash or partial value the analyst views show.

    Where they apply: every PII column of a model (post-hook, dbt_project.yml) and of a raw source table
    (on-run-end), so raw, staging, intermediate and the marts are masked for any role without the reader
    role. deploy/snowflake/04_pii_governance.sql creates the reader role, the policy schema and the
    privileges; DuckDB has no policies, so every macro here renders nothing there. -#}

{% macro pii_masking_policy(kind) -%}
    {{ target.database }}.{{ var('pii_policy_schema') }}.pii_{{ kind }}
{%- endmacro %}

{#- Policies are typed: documents are semi-structured (dlt loads nested JSON as VARIANT), the rest text. -#}
{% macro pii_policy_type(kind) -%}
    {{- 'variant' if kind == 'document' else 'varchar' -}}
{%- endmacro %}

{% macro pii_masking_policy_body(kind) -%}
    {%- set reader = var('pii_reader_role') -%}
    case
        when is_role_in_session('{{ reader }}') or is_granted_to_invoker_role('{{ reader }}') then val
        else {{ brightcart.mask_pii('val', kind) }}
    end
{%- endmacro %}

{#- Create each policy once, then set its body on every run: a changed salt or mask converges without
    detaching the policy from its columns (CREATE OR REPLACE fails on an attached policy). -#}
{% macro pii_masking_policies_sql() -%}
    {{ return(adapter.dispatch('pii_masking_policies_sql', 'brightcart')()) }}
{%- endmacro %}

{% macro default__pii_masking_policies_sql() -%}{%- endmacro %}

{% macro snowflake__pii_masking_policies_sql() -%}
    create schema if not exists {{ target.database }}.{{ var('pii_policy_schema') }};
    {%- for kind in brightcart.pii_classes() | sort %}
    create masking policy if not exists {{ brightcart.pii_masking_policy(kind) }} as (val {{ brightcart.pii_policy_type(kind) }}) returns {{ brightcart.pii_policy_type(kind) }} ->
    {{ brightcart.pii_masking_policy_body(kind) }}
    comment = 'BrightCart PII class {{ kind }}: full value for {{ var("pii_reader_role") }}, else masked';
    alter masking policy {{ brightcart.pii_masking_policy(kind) }} set body ->
    {{ brightcart.pii_masking_policy_body(kind) }};
    {%- endfor %}
{%- endmacro %}

{#- ALTER statements attaching each class's policy to the PII columns of one relation. FORCE replaces a
    policy already there, so re-running converges. `kind` is 'table' or 'view'. -#}
{% macro pii_policy_attachments_sql(relation, kind, pii_columns) -%}
    {{ return(adapter.dispatch('pii_policy_attachments_sql', 'brightcart')(relation, kind, pii_columns)) }}
{%- endmacro %}

{% macro default__pii_policy_attachments_sql(relation, kind, pii_columns) -%}{%- endmacro %}

{% macro snowflake__pii_policy_attachments_sql(relation, kind, pii_columns) -%}
    {%- for name, meta in pii_columns.items() | sort %}
    alter {{ kind }} if exists {{ relation }} modify column {{ name }}
        set masking policy {{ brightcart.pii_masking_policy(meta['pii']) }} force;
    {%- endfor %}
{%- endmacro %}

{#- Model post-hook: the current model's declared PII columns. -#}
{% macro attach_pii_masking_policies() -%}
    {%- if execute and model.resource_type == 'model' -%}
        {%- set kind = 'view' if config.get('materialized') == 'view' else 'table' -%}
        {{ brightcart.pii_policy_attachments_sql(this, kind, brightcart.pii_columns_of(model)) }}
    {%- endif -%}
{%- endmacro %}

{#- Raw tables are created by dlt, not dbt: their PII columns are classified in the sources yml and
    attached after each build (on-run-end). Only columns the table has are attached (a field the vendor
    has not sent yet is no column yet); compiling offline, the declared columns stand in. -#}
{% macro source_pii_policy_attachments_sql() -%}
    {%- set statements = [] -%}
    {%- if execute -%}
        {%- for source in graph.sources.values() | sort(attribute='unique_id') -%}
            {%- set pii = brightcart.pii_columns_of(source) -%}
            {%- set relation = api.Relation.create(database=source.database, schema=source.schema,
                                                   identifier=source.identifier) -%}
            {%- set present = brightcart.source_column_names(relation) if pii else [] -%}
            {%- set attached = {} -%}
            {%- for name, meta in pii.items() if name in present -%}
                {%- do attached.update({name: meta}) -%}
            {%- endfor -%}
            {%- if attached -%}
                {%- do statements.append(brightcart.pii_policy_attachments_sql(relation, 'table', attached)) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(statements | join('')) }}
{%- endmacro %}

{#- on-run-start / on-run-end hooks (dbt_project.yml): only runs that build relations touch policies. -#}
{% macro pii_masking_on_run_start() -%}
    {%- if flags.WHICH in ('run', 'build') -%}{{ brightcart.pii_masking_policies_sql() }}{%- endif -%}
{%- endmacro %}

{% macro pii_masking_on_run_end() -%}
    {{ return(adapter.dispatch('pii_masking_on_run_end', 'brightcart')()) }}
{%- endmacro %}

{% macro default__pii_masking_on_run_end() -%}{%- endmacro %}

{% macro snowflake__pii_masking_on_run_end() -%}
    {%- if flags.WHICH in ('run', 'build') -%}{{ brightcart.source_pii_policy_attachments_sql() }}{%- endif -%}
{%- endmacro %}

{#- The whole set-up as one script, for review or a manual run (analyses/pii_masking_policies.sql): the
    policies, then every classified column of every model and raw table. -#}
{% macro pii_masking_script() -%}
    {%- if execute -%}
    {{ brightcart.pii_masking_policies_sql() }}
    {%- for node in graph.nodes.values() | sort(attribute='unique_id') if node.resource_type == 'model' -%}
        {%- set relation = api.Relation.create(database=node.database, schema=node.schema,
                                               identifier=node.alias) -%}
        {%- set kind = 'view' if node.config.materialized == 'view' else 'table' -%}
        {{ brightcart.pii_policy_attachments_sql(relation, kind, brightcart.pii_columns_of(node)) }}
    {%- endfor %}
    {{ brightcart.source_pii_policy_attachments_sql() }}
    {%- endif -%}
{%- endmacro %}
