{#- JSON access, one macro per operation, DuckDB and Snowflake side by side. -#}

{% macro json_text(column, key) -%}
    {{ return(adapter.dispatch('json_text', 'brightcart')(column, key)) }}
{%- endmacro %}

{% macro duckdb__json_text(column, key) -%}
    json_extract_string({{ column }}, '$.{{ key }}')
{%- endmacro %}

{% macro snowflake__json_text(column, key) -%}
    {{ column }}:{{ key }}::varchar
{%- endmacro %}

{#- A join clause that turns each element of a JSON array column into a row; the element is then
    read with json_element_text(alias, key). -#}
{% macro json_array_rows(column, alias) -%}
    {{ return(adapter.dispatch('json_array_rows', 'brightcart')(column, alias)) }}
{%- endmacro %}

{% macro duckdb__json_array_rows(column, alias) -%}
    cross join unnest(cast({{ column }} as json[])) as {{ alias }}_rows ({{ alias }})
{%- endmacro %}

{% macro snowflake__json_array_rows(column, alias) -%}
    , lateral flatten(input => {{ column }}) as {{ alias }}_rows
{%- endmacro %}

{% macro json_element_text(alias, key) -%}
    {{ return(adapter.dispatch('json_element_text', 'brightcart')(alias, key)) }}
{%- endmacro %}

{% macro duckdb__json_element_text(alias, key) -%}
    json_extract_string({{ alias }}, '$.{{ key }}')
{%- endmacro %}

{% macro snowflake__json_element_text(alias, key) -%}
    {{ alias }}_rows.value:{{ key }}::varchar
{%- endmacro %}

{% macro json_element(alias) -%}
    {{ return(adapter.dispatch('json_element', 'brightcart')(alias)) }}
{%- endmacro %}

{% macro duckdb__json_element(alias) -%}
    {{ alias }}
{%- endmacro %}

{% macro snowflake__json_element(alias) -%}
    {{ alias }}_rows.value
{%- endmacro %}

{#- A JSON value (not text) under key, to feed json_array_rows. -#}
{% macro json_get(column, key) -%}
    {{ return(adapter.dispatch('json_get', 'brightcart')(column, key)) }}
{%- endmacro %}

{% macro duckdb__json_get(column, key) -%}
    json_extract({{ column }}, '$.{{ key }}')
{%- endmacro %}

{% macro snowflake__json_get(column, key) -%}
    {{ column }}:{{ key }}
{%- endmacro %}
