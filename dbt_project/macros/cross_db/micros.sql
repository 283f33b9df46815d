{#- Ad platform money: micros (integer millionths of the account currency) ↔ decimal currency units.
    Division and multiplication go through decimals so no float rounding touches a micro. -#}

{% macro micros_to_units(column) -%}
    {{ return(adapter.dispatch('micros_to_units', 'brightcart')(column)) }}
{%- endmacro %}

{% macro duckdb__micros_to_units(column) -%}
    cast(cast({{ column }} as decimal(38, 6)) / 1000000 as decimal(18, 6))
{%- endmacro %}

{% macro snowflake__micros_to_units(column) -%}
    cast(cast({{ column }} as number(38, 6)) / 1000000 as number(18, 6))
{%- endmacro %}

{% macro units_to_micros(column) -%}
    {{ return(adapter.dispatch('units_to_micros', 'brightcart')(column)) }}
{%- endmacro %}

{% macro duckdb__units_to_micros(column) -%}
    cast(round(cast({{ column }} as decimal(38, 6)) * 1000000) as bigint)
{%- endmacro %}

{% macro snowflake__units_to_micros(column) -%}
    cast(round(cast({{ column }} as number(38, 6)) * 1000000) as number(38, 0))
{%- endmacro %}
