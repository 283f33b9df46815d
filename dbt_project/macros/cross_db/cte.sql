{#- Long chains of CTEs (iterative algorithms written as one CTE per pass) must be computed once per
    CTE, not inlined into each other: DuckDB inlines CTEs by default and its optimiser then grows
    super-linearly with the chain (20 Markov passes took 34 s inlined, 0.4 s materialised). DuckDB
    takes `as materialized`; Snowflake has no such keyword and computes each CTE once already. -#}
{% macro cte_materialized() -%}
    {{ return(adapter.dispatch('cte_materialized', 'brightcart')()) }}
{%- endmacro %}

{% macro duckdb__cte_materialized() -%}
    materialized
{%- endmacro %}

{% macro default__cte_materialized() -%}
{%- endmacro %}
