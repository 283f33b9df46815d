{#- Layers get their own schema names (staging, core, …) without the target's prefix, so the same
    names exist on DuckDB and Snowflake and grants can be written per layer. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
