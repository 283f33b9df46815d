{#- A source column, or a typed NULL when the source has not sent that field yet: schema drift and
    sparse vendors never break staging.

    Where the column list comes from:
    - run/build/test (any target): the warehouse, via adapter.get_columns_in_relation;
    - `dbt compile` on Snowflake: the columns declared for that table in the sources yml, so the
      production target compiles offline (dbt-snowflake compiles without connecting otherwise);
    - parse (execute is false): nothing, a typed NULL, which is never run.
    No column list at all means "unknown", not "empty": a unit test's mocked input (a CTE) cannot be
    introspected, and a real source table always has columns. Then the column is referenced as is.
    The column is referenced unquoted so Snowflake resolves dlt's upper-case identifiers. -#}
{% macro source_column(relation, column_name, data_type) -%}
    {%- set names = brightcart.source_column_names(relation) -%}
    {%- if column_name | lower in names or (execute and not names) -%}
        cast({{ column_name }} as {{ data_type }})
    {%- else -%}
        cast(null as {{ data_type }})
    {%- endif -%}
{%- endmacro %}

{% macro source_column_names(relation) -%}
    {%- set names = [] -%}
    {%- if brightcart.offline_compile() -%}
        {%- for node in graph.sources.values()
            if node.schema | lower == relation.schema | lower
            and node.identifier | lower == relation.identifier | lower -%}
            {%- for name in node.columns -%}{%- do names.append(name | lower) -%}{%- endfor -%}
        {%- endfor -%}
    {%- elif execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do names.append(column.name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(names) }}
{%- endmacro %}
