{#- Calendar helpers: a day spine and ISO weekdays, DuckDB and Snowflake side by side.
    day_spine: one row per day (column date_day) from start_date to end_date inclusive. The bounds are SQL
    expressions and may be scalar subqueries over the data (dim_date covers what was loaded). -#}

{% macro day_spine(start_date, end_date) -%}
    {{ return(adapter.dispatch('day_spine', 'brightcart')(start_date, end_date)) }}
{%- endmacro %}

{% macro duckdb__day_spine(start_date, end_date) -%}
    select cast(generate_series as date) as date_day
    from generate_series(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 day)
{%- endmacro %}

{#- Snowflake's generator needs a constant row count: 20,000 days (~55 years) bounds the spine; seq4() may
    have gaps, so days are numbered with row_number(). -#}
{% macro snowflake__day_spine(start_date, end_date) -%}
    select date_day
    from (
        select dateadd(day, row_number() over (order by seq4()) - 1, cast({{ start_date }} as date)) as date_day
        from table(generator(rowcount => 20000))
    ) as days
    where date_day <= cast({{ end_date }} as date)
{%- endmacro %}

{#- ISO day of week, Monday = 1 … Sunday = 7. -#}
{% macro iso_day_of_week(column) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'brightcart')(column)) }}
{%- endmacro %}

{% macro duckdb__iso_day_of_week(column) -%}
    isodow({{ column }})
{%- endmacro %}

{% macro snowflake__iso_day_of_week(column) -%}
    dayofweekiso({{ column }})
{%- endmacro %}
