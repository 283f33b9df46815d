{#- True while compiling for a warehouse dbt must not connect to (`dbt compile` on the Snowflake target,
    as CI does without credentials). Introspecting macros (source_column, is_incremental) then take their
    offline path: declared source columns, a full-refresh body. Every other command introspects. -#}
{% macro offline_compile() -%}
    {{ return(execute and target.type == 'snowflake' and flags.WHICH == 'compile') }}
{%- endmacro %}
