{#- PII masking, one implementation for the analyst views (SQL) and Snowflake's masking policies
    (macros/privacy/masking_policies.sql). Two styles:
    - hash: salted SHA-256 (hex) of the normalised value; equal inputs give equal outputs, so masked
      values still join across marts. The salt is var('pii_salt') (production: DBT_BRIGHTCART_PII_SALT).
    - partial: keeps a readable hint for display ("j***@example.com", "***-**12", "J***").
    Each PII class has a default style (pii_classes); a column's yml may override it with
    meta: {pii: email, mask: partial}. -#}

{#- The PII classes a column's meta.pii may name, with their default style: hashed where joins need the
    value (emails, click ids, IPs, identifiers of the identity graph), partial where people must
    recognise it (phones, names, street addresses); a semi-structured document holding PII (a raw
    JSON address list) is withheld whole. -#}
{% macro pii_classes() -%}
    {{ return({'email': 'hash', 'click_id': 'hash', 'ip': 'hash', 'identifier': 'hash',
               'phone': 'partial', 'name': 'partial', 'address': 'partial', 'document': 'redact'}) }}
{%- endmacro %}

{% macro pii_salt() -%}
    {{- var('pii_salt', env_var('DBT_BRIGHTCART_PII_SALT', 'brightcart-local-salt')) -}}
{%- endmacro %}

{% macro mask_pii(column, kind, style=none) -%}
    {%- set classes = brightcart.pii_classes() -%}
    {%- if kind not in classes -%}
        {{ exceptions.raise_compiler_error("Unknown PII class '" ~ kind ~ "' on " ~ column
                                           ~ ": use one of " ~ (classes.keys() | sort | join(', '))) }}
    {%- endif -%}
    {%- set chosen = style or classes[kind] -%}
    {%- if chosen == 'redact' -%}
        null
    {%- elif chosen == 'hash' -%}
        {{ adapter.dispatch('pii_hash', 'brightcart')(column, kind) }}
    {%- else -%}
        {{ adapter.dispatch('pii_partial', 'brightcart')(column, kind) }}
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__pii_hash(column, kind) -%}
    case when {{ column }} is not null
        then sha256('{{ pii_salt() }}' || '|{{ kind }}|' || lower(trim(cast({{ column }} as varchar)))) end
{%- endmacro %}

{% macro snowflake__pii_hash(column, kind) -%}
    case when {{ column }} is not null
        then sha2('{{ pii_salt() }}' || '|{{ kind }}|' || lower(trim(cast({{ column }} as varchar))), 256) end
{%- endmacro %}

{#- Written once in functions both engines share (left, right, length, position, regexp_replace). -#}
{% macro duckdb__pii_partial(column, kind) -%}
    {{ brightcart.pii_partial_sql(column, kind) }}
{%- endmacro %}

{% macro snowflake__pii_partial(column, kind) -%}
    {{ brightcart.pii_partial_sql(column, kind) }}
{%- endmacro %}

{% macro pii_partial_sql(column, kind) -%}
    {%- set value = 'cast(' ~ column ~ ' as varchar)' -%}
    {%- if kind == 'email' -%}
        case when {{ column }} is not null
            then left({{ value }}, 1) || '***' || substr({{ value }}, position('@' in {{ value }})) end
    {%- elif kind == 'phone' -%}
        case when {{ column }} is not null
            then '***-**' || right(regexp_replace({{ value }}, '[^0-9]', ''), 2) end
    {%- else -%}
        case when {{ column }} is not null then left({{ value }}, 1) || '***' end
    {%- endif -%}
{%- endmacro %}

{#- The analyst view of a mart: every column in the mart's order, PII columns (meta.pii in the mart's
    yml) masked under their own names. Until a mart's yml marks them, columns named like emails, phones
    or personal names are masked too (a missing meta tag must not leak PII). Before the mart exists
    (parse, lint) it selects `*`. Compiling offline for Snowflake (no warehouse to describe) it selects
    `* replace (…)` over the declared PII columns: the same columns, masked the same way, as long as every
    PII column is declared, which tests/test_snowflake_target.py checks against the simulator's people. -#}
{% macro pii_kind_by_name(name) -%}
    {%- set lowered = name | lower -%}
    {%- if 'email' in lowered -%}email
    {%- elif 'phone' in lowered -%}phone
    {%- elif lowered in ['first_name', 'last_name', 'full_name', 'customer_name', 'contact_name'] -%}name
    {%- endif -%}
{%- endmacro %}

{% macro masked_select(relation) -%}
    {%- set pii = brightcart.declared_pii_columns(relation.identifier) if execute else {} -%}
    {%- if brightcart.offline_compile() %}
    select
    {%- if pii %} * replace (
        {%- for name, meta in pii.items() %}
        {{ mask_pii(name, meta['pii'], meta.get('mask')) }} as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
    )
    {%- else %} *
    {%- endif %}
    from {{ relation }}
    {%- else -%}
    {%- set columns = adapter.get_columns_in_relation(relation) if execute else [] -%}
    select
    {%- if columns %}
        {%- for column in columns %}
        {% set by_name = pii_kind_by_name(column.name) | trim -%}
        {% set meta = pii.get(column.name | lower) or ({'pii': by_name} if by_name else none) -%}
        {%- if meta -%}
            {{ mask_pii(adapter.quote(column.name), meta['pii'], meta.get('mask')) }} as {{ adapter.quote(column.name) }}
        {%- else -%}
            {{ adapter.quote(column.name) }}
        {%- endif -%}{{ "," if not loop.last }}
        {%- endfor %}
    {%- else %}
        *
    {%- endif %}
    from {{ relation }}
    {%- endif %}
{%- endmacro %}
