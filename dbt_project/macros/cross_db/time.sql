{#- Time-zone conversion: a UTC timestamp to the local date/time of a named zone. -#}

{% macro to_local_timestamp(column, timezone) -%}
    {{ return(adapter.dispatch('to_local_timestamp', 'brightcart')(column, timezone)) }}
{%- endmacro %}

{% macro duckdb__to_local_timestamp(column, timezone) -%}
    timezone('{{ timezone }}', {{ column }})
{%- endmacro %}

{% macro snowflake__to_local_timestamp(column, timezone) -%}
    convert_timezone('{{ timezone }}', {{ column }})::timestamp_ntz
{%- endmacro %}
