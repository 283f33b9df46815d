{#- Type names that differ between engines, for casts and typed NULLs (source_column). -#}

{% macro type_json() -%}
    {{ return(adapter.dispatch('type_json', 'brightcart')()) }}
{%- endmacro %}

{% macro duckdb__type_json() -%}
    json
{%- endmacro %}

{% macro snowflake__type_json() -%}
    variant
{%- endmacro %}
