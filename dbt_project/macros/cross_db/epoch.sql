{#- Epoch microseconds (GA4's event_timestamp) ↔ timestamps. `from_epoch_micros` gives a time-zone
    aware instant, ready for to_local_timestamp(…, 'UTC' | a local zone); `to_epoch_micros` takes a UTC
    timestamp without zone (what to_local_timestamp(…, 'UTC') returns). Attribution does its interval
    arithmetic on epoch microseconds: the same integer maths on every engine. -#}

{% macro from_epoch_micros(column) -%}
    {{ return(adapter.dispatch('from_epoch_micros', 'brightcart')(column)) }}
{%- endmacro %}

{% macro duckdb__from_epoch_micros(column) -%}
    make_timestamptz(cast({{ column }} as bigint))
{%- endmacro %}

{% macro snowflake__from_epoch_micros(column) -%}
    to_timestamp_tz(cast({{ column }} as number(38, 0)), 6)
{%- endmacro %}

{% macro to_epoch_micros(column) -%}
    {{ return(adapter.dispatch('to_epoch_micros', 'brightcart')(column)) }}
{%- endmacro %}

{% macro duckdb__to_epoch_micros(column) -%}
    epoch_us(cast({{ column }} as timestamp))
{%- endmacro %}

{% macro snowflake__to_epoch_micros(column) -%}
    date_part(epoch_microsecond, cast({{ column }} as timestamp_ntz))
{%- endmacro %}
