{#- Grain: one row per calendar day, 2020-01-01 through 2047-05-18 (10,000 days): MetricFlow's time spine
    for cumulative metrics and for days with no activity. Digits cross-joined:
    portable DuckDB/Snowflake SQL. -#}
with digits as (
    select digit_values.d
    from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as digit_values (d)
),

day_numbers as (
    select ones.d + 10 * tens.d + 100 * hundreds.d + 1000 * thousands.d as n
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands
)

select cast({{ dbt.dateadd('day', 'n', "cast('2020-01-01' as date)") }} as date) as date_day
from day_numbers
