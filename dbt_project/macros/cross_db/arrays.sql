{#- Arrays: delimited strings exploded to rows, and look-ups in JSON arrays of key/value records
    (GA4's event_params). DuckDB and Snowflake side by side. -#}

{#- A join clause turning each `delimiter`-separated part of a text column into a row; read the part
    with split_part_value(alias). Empty parts are kept; filter them in the model. -#}
{% macro split_to_rows(column, delimiter, alias) -%}
    {{ return(adapter.dispatch('split_to_rows', 'brightcart')(column, delimiter, alias)) }}
{%- endmacro %}

{% macro duckdb__split_to_rows(column, delimiter, alias) -%}
    cross join unnest(string_split({{ column }}, '{{ delimiter }}')) as {{ alias }}_rows ({{ alias }})
{%- endmacro %}

{% macro snowflake__split_to_rows(column, delimiter, alias) -%}
    , lateral split_to_table({{ column }}, '{{ delimiter }}') as {{ alias }}_rows
{%- endmacro %}

{% macro split_part_value(alias) -%}
    {{ return(adapter.dispatch('split_part_value', 'brightcart')(alias)) }}
{%- endmacro %}

{% macro duckdb__split_part_value(alias) -%}
    trim({{ alias }})
{%- endmacro %}

{% macro snowflake__split_part_value(alias) -%}
    trim({{ alias }}_rows.value)
{%- endmacro %}

{#- Text at `value_path` of the first element of a JSON array whose `key_field` equals `key`, NULL when
    no element matches: `json_array_lookup('event_params', 'key', 'ga_session_id', 'value.int_value')`.
    DuckDB reads the array's keys and values as two aligned lists; Snowflake filters the array. -#}
{% macro json_array_lookup(column, key_field, key, value_path) -%}
    {{ return(adapter.dispatch('json_array_lookup', 'brightcart')(column, key_field, key, value_path)) }}
{%- endmacro %}

{% macro duckdb__json_array_lookup(column, key_field, key, value_path) -%}
    (json_extract_string({{ column }}, '$[*].{{ value_path }}'))[
        list_position(json_extract_string({{ column }}, '$[*].{{ key_field }}'), '{{ key }}')
    ]
{%- endmacro %}

{% macro snowflake__json_array_lookup(column, key_field, key, value_path) -%}
    filter({{ column }}, element -> element:{{ key_field }}::varchar = '{{ key }}')[0]:{{ value_path }}::varchar
{%- endmacro %}
