{#- PII masking for the analyst schema. Two styles:
    - hash: salted SHA-256 (hex) of the normalised value; equal inputs give equal outputs, so masked
      emails still join across marts. The salt is var('pii_salt') (production: DBT_BRIGHTCART_PII_SALT).
    - partial: keeps a readable hint for display ("j***@example.com", "***-**12", "J***").
    Kinds: email (hash by default), phone and name (partial by default). A column's yml may override the
    style with meta: {pii: email, mask: partial}. -#}

{% macro pii_salt() -%}
    {{- var('pii_salt', env_var('DBT_BRIGHTCART_PII_SALT', 'brightcart-local-salt')) -}}
{%- endmacro %}

{% macro mask_pii(column, kind, style=none) -%}
    {%- set chosen = style or ('hash' if kind == 'email' else 'partial') -%}
    {%- if chosen == 'hash' -%}
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
    (parse, lint) it selects `*`. -#}
{% macro pii_kind_by_name(name) -%}
    {%- set lowered = name | lower -%}
    {%- if 'email' in lowered -%}email
    {%- elif 'phone' in lowered -%}phone
    {%- elif lowered in ['first_name', 'last_name', 'full_name', 'customer_name', 'contact_name'] -%}name
    {%- endif -%}
{%- endmacro %}

{% macro masked_select(relation) -%}
    {%- set pii = {} -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == relation.identifier -%}
            {%- for name, col in node.columns.items() if (col.meta or {}).get('pii') -%}
                {%- do pii.update({name | lower: col.meta}) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
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
{%- endmacro %}
