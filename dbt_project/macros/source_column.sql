{#- A source column, or a typed NULL when the source has not sent that field yet: schema drift and
    sparse vendors never break staging. -#}
{% macro source_column(relation, column_name, data_type) -%}
    {%- set present = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- if column.name | lower == column_name | lower -%}{%- do present.append(column) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if present -%}
        cast({{ adapter.quote(column_name) }} as {{ data_type }})
    {%- else -%}
        cast(null as {{ data_type }})
    {%- endif -%}
{%- endmacro %}
