{#- The current time as a timestamp without zone in UTC, the form every *_at_utc column has. -#}

{% macro utc_now() -%}
    {{ return(adapter.dispatch('utc_now', 'brightcart')()) }}
{%- endmacro %}

{% macro duckdb__utc_now() -%}
    timezone('UTC', current_timestamp)
{%- endmacro %}

{% macro snowflake__utc_now() -%}
    convert_timezone('UTC', current_timestamp())::timestamp_ntz
{%- endmacro %}
